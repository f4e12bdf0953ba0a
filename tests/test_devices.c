/* Device layer: listing in the stable platform order, every spec form (type, P:D, name=,
 * platform=, /N and /NxC splits sharing one context), errors that name the offending spec
 * item, buffers (bounds, fill, copies), the status-name tables against the headers' own
 * constants, and the JSON writer. */
#include <string.h>

#include "cl/buffer.h"
#include "cl/status.h"
#include "test_device_util.h"

static int json_balanced(const char *s) {
  int depth = 0, in_str = 0;
  char stack[64];
  for (; *s; s++) {
    if (in_str) {
      if (*s == '\\' && s[1])
        s++;
      else if (*s == '"')
        in_str = 0;
      else if ((unsigned char)*s < 0x20)
        return 0; /* raw control character in a string */
    } else if (*s == '"') {
      in_str = 1;
    } else if (*s == '{' || *s == '[') {
      if (depth == 64) return 0;
      stack[depth++] = *s == '{' ? '}' : ']';
    } else if (*s == '}' || *s == ']') {
      if (!depth || stack[--depth] != *s) return 0;
    }
  }
  return depth == 0 && !in_str;
}

static void test_status_names(void) {
#define CL_NAME(c) T_CHECK(!strcmp(s2s_cl_status_name(c), #c), "%d -> %s", c, s2s_cl_status_name(c))
  CL_NAME(CL_SUCCESS);
  CL_NAME(CL_DEVICE_NOT_FOUND);
  CL_NAME(CL_OUT_OF_RESOURCES);
  CL_NAME(CL_BUILD_PROGRAM_FAILURE);
  CL_NAME(CL_DEVICE_PARTITION_FAILED);
  CL_NAME(CL_INVALID_VALUE);
  CL_NAME(CL_INVALID_DEVICE_PARTITION_COUNT);
  CL_NAME(CL_PLATFORM_NOT_FOUND_KHR);
#ifdef CL_INVALID_SPEC_ID
  CL_NAME(CL_INVALID_SPEC_ID);
#endif
  T_CHECK(!strcmp(s2s_cl_status_name(-71), "CL_INVALID_SPEC_ID"), "-71 named");
  T_CHECK(!strcmp(s2s_cl_status_name(12345), "unknown status"), "unknown code");
  /* every CLBlast status of clblast_c.h: the constants and their spelling come from the
   * header itself, so a wrong or missing table entry fails here */
#define BL(c)                                                                                      \
  { c, #c }
  static const struct {
    CLBlastStatusCode code;
    const char *name;
  } bl[] = {BL(CLBlastSuccess),
            BL(CLBlastOpenCLCompilerNotAvailable),
            BL(CLBlastTempBufferAllocFailure),
            BL(CLBlastOpenCLOutOfResources),
            BL(CLBlastOpenCLOutOfHostMemory),
            BL(CLBlastOpenCLBuildProgramFailure),
            BL(CLBlastInvalidValue),
            BL(CLBlastInvalidCommandQueue),
            BL(CLBlastInvalidMemObject),
            BL(CLBlastInvalidBinary),
            BL(CLBlastInvalidBuildOptions),
            BL(CLBlastInvalidProgram),
            BL(CLBlastInvalidProgramExecutable),
            BL(CLBlastInvalidKernelName),
            BL(CLBlastInvalidKernelDefinition),
            BL(CLBlastInvalidKernel),
            BL(CLBlastInvalidArgIndex),
            BL(CLBlastInvalidArgValue),
            BL(CLBlastInvalidArgSize),
            BL(CLBlastInvalidKernelArgs),
            BL(CLBlastInvalidLocalNumDimensions),
            BL(CLBlastInvalidLocalThreadsTotal),
            BL(CLBlastInvalidLocalThreadsDim),
            BL(CLBlastInvalidGlobalOffset),
            BL(CLBlastInvalidEventWaitList),
            BL(CLBlastInvalidEvent),
            BL(CLBlastInvalidOperation),
            BL(CLBlastInvalidBufferSize),
            BL(CLBlastInvalidGlobalWorkSize),
            BL(CLBlastNotImplemented),
            BL(CLBlastInvalidMatrixA),
            BL(CLBlastInvalidMatrixB),
            BL(CLBlastInvalidMatrixC),
            BL(CLBlastInvalidVectorX),
            BL(CLBlastInvalidVectorY),
            BL(CLBlastInvalidDimension),
            BL(CLBlastInvalidLeadDimA),
            BL(CLBlastInvalidLeadDimB),
            BL(CLBlastInvalidLeadDimC),
            BL(CLBlastInvalidIncrementX),
            BL(CLBlastInvalidIncrementY),
            BL(CLBlastInsufficientMemoryA),
            BL(CLBlastInsufficientMemoryB),
            BL(CLBlastInsufficientMemoryC),
            BL(CLBlastInsufficientMemoryX),
            BL(CLBlastInsufficientMemoryY),
            BL(CLBlastInsufficientMemoryTemp),
            BL(CLBlastInvalidBatchCount),
            BL(CLBlastInvalidOverrideKernel),
            BL(CLBlastMissingOverrideParameter),
            BL(CLBlastInvalidLocalMemUsage),
            BL(CLBlastNoHalfPrecision),
            BL(CLBlastNoDoublePrecision),
            BL(CLBlastInvalidVectorScalar),
            BL(CLBlastInsufficientMemoryScalar),
            BL(CLBlastDatabaseError),
            BL(CLBlastUnknownError),
            BL(CLBlastUnexpectedError)};
  for (size_t i = 0; i < sizeof bl / sizeof bl[0]; i++)
    T_CHECK(!strcmp(s2s_clblast_status_name(bl[i].code), bl[i].name), "%d -> %s (want %s)",
            (int)bl[i].code, s2s_clblast_status_name(bl[i].code), bl[i].name);
}

/* Opens spec; on success checks count and closes. Returns the opened count or -1. */
static int try_open(const char *spec, int want, char *err, size_t errlen) {
  s2s_device *d = NULL;
  int n = -7;
  err[0] = '\0';
  int rc = s2s_device_open(spec, &d, &n, err, errlen);
  if (rc != 0) {
    T_CHECK(d == NULL && n == 0, "failed open leaves nothing (spec '%s')", spec);
    return -1;
  }
  if (want >= 0) T_CHECK(n == want, "spec '%s': %d devices, want %d", spec, n, want);
  for (int i = 0; i < n; i++)
    T_CHECK(d[i].ctx && d[i].queue && d[i].id, "spec '%s' device %d opened", spec, i);
  s2s_device_close(d, n);
  return n;
}

static void expect_error(const char *spec, const char *needle) {
  char err[1024];
  int rc = try_open(spec, -1, err, sizeof err);
  T_CHECK(rc == -1, "spec '%s' must fail", spec);
  T_CHECK(strstr(err, needle) != NULL, "error for '%s' names '%s': %s", spec, needle, err);
  printf("  expected error: %s\n", err);
}

static void test_split(const s2s_device_info *cpu, int ncpu) {
  char err[1024];
  if (ncpu != 1 || cpu->compute_units < 2 || !strstr(cpu->partition_types, "equally")) {
    printf("skipping cpu/2: needs exactly one partitionable CPU device with >= 2 CUs\n");
    return;
  }
  s2s_device *d = NULL;
  int n = 0;
  T_CHECK(s2s_device_open("cpu/2", &d, &n, err, sizeof err) == 0, "cpu/2: %s", err);
  if (!d) return;
  T_CHECK(n == 2, "cpu/2 gives %d devices", n);
  for (int i = 0; i < n && n == 2; i++) {
    T_CHECK(d[i].info.compute_units == cpu->compute_units / 2, "sub %d has %u CUs", i,
            d[i].info.compute_units);
    T_CHECK(d[i].info.sub_index == i && d[i].info.sub_count == 2, "sub %d index %d/%d", i,
            d[i].info.sub_index, d[i].info.sub_count);
    T_CHECK(d[i].ctx == d[0].ctx, "sub-devices share one context");
    T_CHECK(d[i].queue != (i ? d[0].queue : NULL), "one queue per sub-device");
    cl_device_id parent = NULL;
    clGetDeviceInfo(d[i].id, CL_DEVICE_PARENT_DEVICE, sizeof parent, &parent, NULL);
    T_CHECK(parent != NULL, "sub %d has a parent device", i);
    /* each part runs commands: fill one view, read it back */
    s2s_buf b;
    float got[5] = {0};
    T_CHECK(s2s_buf_alloc(&d[i], 16, &b) == 0, "alloc on sub %d", i);
    if (!b.mem) continue;
    T_CHECK(s2s_buf_fill(&d[i], b, 1.5f + (float)i, 16) == 0, "fill on sub %d", i);
    T_CHECK(s2s_buf_read(&d[i], s2s_buf_at(b, 11), got, 5) == 0, "read on sub %d", i);
    T_CHECK(got[0] == 1.5f + (float)i && got[4] == 1.5f + (float)i, "sub %d fill value %g", i,
            got[0]);
    s2s_buf_free(&b);
  }
  char desc[512];
  s2s_device_describe(&d[n - 1].info, desc, sizeof desc);
  T_CHECK(strstr(desc, "sub 1/2") && strstr(desc, cpu->name), "describe: %s", desc);
  s2s_device_close(d, n);

  T_CHECK(s2s_device_open("cpu/1x1", &d, &n, err, sizeof err) == 0, "cpu/1x1: %s", err);
  if (d) {
    T_CHECK(n == 1 && d[0].info.compute_units == 1, "cpu/1x1: %d devices, %u CUs", n,
            d[0].info.compute_units);
    s2s_device_close(d, n);
  }
  /* items splitting one device take disjoint sub-devices (each item its own context): two
   * cpu/1x1 items used to both get sub-device 0, that is the same core */
  T_CHECK(s2s_device_open("cpu/1x1,cpu/1x1", &d, &n, err, sizeof err) == 0,
          "cpu/1x1,cpu/1x1: %s", err);
  if (d) {
    T_CHECK(n == 2 && d[0].info.sub_index == 0 && d[1].info.sub_index == 1,
            "cpu/1x1,cpu/1x1: sub-devices %d and %d", d[0].info.sub_index,
            n > 1 ? d[1].info.sub_index : -1);
    T_CHECK(n == 2 && d[0].ctx != d[1].ctx, "two items, two contexts");
    s2s_device_close(d, n);
  }
  char more[256] = "";
  for (unsigned i = 0; i <= cpu->compute_units && strlen(more) + 12 < sizeof more; i++)
    strcat(more, i ? ",cpu/1x1" : "cpu/1x1");
  expect_error(more, "earlier items took");
  /* cpu/1 is the 1-CU baseline of a cpu/2 pipeline: the same resources per device */
  T_CHECK(s2s_device_open("cpu/1", &d, &n, err, sizeof err) == 0, "cpu/1: %s", err);
  if (d) {
    T_CHECK(n == 1 && d[0].info.compute_units == 1, "cpu/1: %d devices, %u CUs", n,
            d[0].info.compute_units);
    s2s_device_close(d, n);
  }
  char spec[64];
  snprintf(spec, sizeof spec, "cpu/%u", cpu->compute_units + 1);
  expect_error(spec, spec);
}

static void test_buffers(s2s_device *d) {
  s2s_buf b;
  fprintf(stderr, "(expected errors follow)\n");
  /* one element more than the largest single allocation: refused before OpenCL sees it */
  T_CHECK(d->info.max_alloc == 0 || s2s_buf_alloc(d, d->info.max_alloc / 4 + 1, &b) == -1,
          "over-large allocation refused");
  T_CHECK(s2s_buf_alloc(d, 64, &b) == 0, "alloc 64");
  if (!b.mem) return;
  float in[10], out[12];
  for (int i = 0; i < 10; i++)
    in[i] = (float)i * 0.25f - 1.0f;
  T_CHECK(s2s_buf_fill(d, b, -3.0f, 64) == 0, "fill");
  T_CHECK(s2s_buf_write(d, s2s_buf_at(b, 7), in, 10) == 0, "write at offset 7");
  T_CHECK(s2s_buf_read(d, s2s_buf_at(b, 6), out, 12) == 0, "read at offset 6");
  T_CHECK(out[0] == -3.0f && out[11] == -3.0f, "untouched around the write: %g %g", out[0],
          out[11]);
  T_CHECK(!memcmp(out + 1, in, sizeof in), "offset round trip");
  T_CHECK(s2s_buf_read(d, s2s_buf_at(b, 60), out, 5) == -1, "read past the end refused");
  T_CHECK(s2s_buf_write(d, s2s_buf_at(b, 65), in, 1) == -1, "offset past the end refused");
  s2s_buf_free(&b);
  T_CHECK(b.mem == NULL, "free clears the handle");
}

static void test_json(const s2s_device_info *real) {
  s2s_device_info d = *real;
  snprintf(d.name, sizeof d.name, "quote\" back\\slash\nnewline\ttab\x01");
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  fputc('[', f);
  s2s_device_json(real, f);
  fputc(',', f);
  s2s_device_json(&d, f);
  fputc(']', f);
  fclose(f);
  T_CHECK(json_balanced(buf), "device JSON balanced: %s", buf);
  T_CHECK(strstr(buf, "\"name\": \"quote\\\" back\\\\slash\\nnewline\\ttab\\u0001\""),
          "escaped name in %s", buf);
  T_CHECK(strstr(buf, "\"compute_units\": ") && strstr(buf, "\"pci_bus_id\": "), "fields");
  free(buf);
}

/* The stable platform order (PoCL first, then by name) and what it means for the spec:
 * `cpu` is the first CPU platform's, platform=TEXT picks a platform, and mixing two CPU
 * platforms is explicit (one context each). */
static void test_platforms(const s2s_device_info *info, int n) {
  char err[1024];
  int first_cpu = -1, other_cpu = -1;
  for (int i = 0; i < n; i++) {
    if (i) {
      T_CHECK(info[i].platform_index >= info[i - 1].platform_index, "platforms grouped, in order");
      int pocl_before = strstr(info[i - 1].platform, "Portable Computing Language") != NULL;
      int pocl_here = strstr(info[i].platform, "Portable Computing Language") != NULL;
      T_CHECK(!pocl_here || pocl_before || info[i].platform_index == 0 ||
                  info[i].platform_index == info[i - 1].platform_index,
              "PoCL comes first: %s at %d", info[i].platform, info[i].platform_index);
      if (!pocl_before && info[i].platform_index != info[i - 1].platform_index)
        T_CHECK(strcmp(info[i - 1].platform, info[i].platform) <= 0, "by name: %s before %s",
                info[i - 1].platform, info[i].platform);
    }
    if (!(info[i].type & CL_DEVICE_TYPE_CPU)) continue;
    if (first_cpu < 0) first_cpu = i;
    else if (other_cpu < 0 && info[i].platform_index != info[first_cpu].platform_index)
      other_cpu = i;
  }
  for (int i = 0; i < n; i++) { /* platform=NAME opens that platform's devices */
    char spec[160];
    snprintf(spec, sizeof spec, "platform=%.127s", info[i].platform);
    s2s_device *d = NULL;
    int k = 0;
    T_CHECK(s2s_device_open(spec, &d, &k, err, sizeof err) == 0, "%s: %s", spec, err);
    for (int j = 0; j < k; j++)
      T_CHECK(strstr(d[j].info.platform, info[i].platform) != NULL, "%s opens %s", spec,
              d[j].info.platform);
    s2s_device_close(d, k);
  }
  if (first_cpu < 0) return;
  s2s_device *d = NULL;
  int k = 0;
  T_CHECK(s2s_device_open("cpu", &d, &k, err, sizeof err) == 0, "cpu: %s", err);
  for (int j = 0; j < k; j++)
    T_CHECK(!strcmp(d[j].info.platform, info[first_cpu].platform), "cpu is %s's, not %s",
            info[first_cpu].platform, d[j].info.platform);
  s2s_device_close(d, k);
  if (other_cpu < 0) {
    printf("skipping the mixed-platform specs: one CPU platform\n");
    return;
  }
  char spec[320];
  snprintf(spec, sizeof spec, "cpu,platform=%.127s", info[other_cpu].platform);
  T_CHECK(s2s_device_open(spec, &d, &k, err, sizeof err) == 0, "%s: %s", spec, err);
  if (d && k >= 2) {
    T_CHECK(!strcmp(d[0].info.platform, info[first_cpu].platform) &&
                !strcmp(d[k - 1].info.platform, info[other_cpu].platform),
            "%s: %s then %s", spec, d[0].info.platform, d[k - 1].info.platform);
    T_CHECK(d[0].ctx != d[k - 1].ctx, "%s: a context per platform", spec);
  }
  s2s_device_close(d, k);
  if (strstr(info[other_cpu].partition_types, "equally") && info[other_cpu].compute_units >= 2) {
    snprintf(spec, sizeof spec, "platform=%.127s/2", info[other_cpu].platform);
    T_CHECK(s2s_device_open(spec, &d, &k, err, sizeof err) == 0 && k == 2, "%s: %s", spec, err);
    for (int j = 0; d && j < k; j++)
      T_CHECK(!strcmp(d[j].info.platform, info[other_cpu].platform) && d[j].info.sub_count == 2,
              "%s part %d: %s", spec, j, d[j].info.platform);
    s2s_device_close(d, k);
  }
}

int main(void) {
  test_status_names();
  int count = 0;
  s2s_device *dev = s2s_test_device(&count); /* exits 77 without any OpenCL device */
  T_CHECK(count >= 1, "default test device opened");

  s2s_device_info info[16];
  int n = s2s_device_list(info, 16);
  T_CHECK(n >= 1, "list finds %d devices", n);
  T_CHECK(s2s_device_list(NULL, 0) == n || n == 16, "count-only list");
  int ncpu = 0, ngpu = 0, pthread_dev = 0, cpu_at = -1;
  for (int i = 0; i < n; i++) {
    /* `cpu` is the CPU devices of the first platform that has one (device.h) */
    if ((info[i].type & CL_DEVICE_TYPE_CPU) &&
        (cpu_at < 0 || info[i].platform_index == info[cpu_at].platform_index))
      ncpu++, cpu_at = cpu_at < 0 ? i : cpu_at;
    char line[512];
    s2s_device_describe(&info[i], line, sizeof line);
    printf("%d:%d %s\n", info[i].platform_index, info[i].device_index, line);
    T_CHECK(info[i].name[0] && info[i].compute_units >= 1 && info[i].global_mem > 0 &&
                info[i].max_alloc > 0 && info[i].sub_index == -1,
            "info of device %d", i);
    if (info[i].type & CL_DEVICE_TYPE_GPU) ngpu++;
    if (strstr(info[i].name, "pthread")) pthread_dev++;
  }

  char err[1024];
  if (ncpu) {
    T_CHECK(try_open("cpu", ncpu, err, sizeof err) == ncpu, "cpu: %s", err);
    T_CHECK(try_open(" CPU ", ncpu, err, sizeof err) == ncpu, "types ignore case: %s", err);
    T_CHECK(try_open("cpu/1", 1, err, sizeof err) == 1 || ncpu > 1, "cpu/1: %s", err);
    test_split(&info[cpu_at], ncpu);
  }
  if (pthread_dev)
    T_CHECK(try_open("name=PThread", pthread_dev, err, sizeof err) > 0, "%s", err);
  else
    printf("skipping name=pthread: no PoCL pthread device\n");
  T_CHECK(try_open("0:0", 1, err, sizeof err) == 1, "0:0: %s", err);
  T_CHECK(try_open("all", n, err, sizeof err) == n, "all: %s", err);
  T_CHECK(try_open(NULL, 1, err, sizeof err) == 1, "default spec: %s", err);
  T_CHECK(try_open("0:0,0:0", 2, err, sizeof err) == 2, "a device twice: %s", err);

  test_platforms(info, n);

  if (!ngpu) expect_error("gpu", "'gpu'");
  expect_error("cpu/999", "cpu/999");
  expect_error("9:9", "9:9");
  expect_error("bogus", "bogus");
  expect_error("0:0,bogus2", "bogus2");
  expect_error("cpu,,0:0", "empty");
  expect_error("cpu/0", "cpu/0");
  expect_error("cpu/2y", "cpu/2y");
  expect_error("name=no-such-device-xyz", "no-such-device-xyz");
  expect_error("name=Radeon RX/XT", "contains 'Radeon RX/XT'"); /* '/' in a name */
  expect_error("platform=no-such-platform-xyz", "no-such-platform-xyz");
  expect_error("platform=", "needs a text");
  if (n > 1) expect_error("all/2", "all/2");

  test_buffers(&dev[0]);
  test_json(&dev[0].info);
  s2s_device_close(dev, count);
  return s2s_test_finish("test_devices");
}

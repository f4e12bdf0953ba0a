/* Programs: sources from S2S_KERNEL_DIR joined in order (a helper file, then the kernel),
 * one kernel run and checked, the build cache (same inputs -> same program; other options
 * or other text -> a new one), a broken source and a missing file failing with -1, and the
 * embedded table lookup. Sources are written to a temp folder, so no kernels/ file is
 * needed. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cl/buffer.h"
#include "cl/program.h"
#include "test_device_util.h"

extern const struct s2s_kernel_source {
  const char *name;
  const char *text;
} s2s_kernel_sources[];

static const char *helper_cl = "/* test helper: defined first, used by scale.cl */\n"
                               "float s2s_test_mul(float a, float x) { return a * x; }\n";
static const char *scale_cl =
    "/* y[y_off + i] = a * x[x_off + i] for i < n */\n"
    "#ifndef S2S_TEST_BIAS\n#define S2S_TEST_BIAS 0.0f\n#endif\n"
    "__kernel void scale(int n, float a, __global const float *x, int x_off,\n"
    "                    __global float *y, int y_off) {\n"
    "  int i = get_global_id(0);\n"
    "  if (i < n) y[y_off + i] = s2s_test_mul(a, x[x_off + i]) + S2S_TEST_BIAS;\n"
    "}\n";
static const char *broken_cl =
    "__kernel void broken(__global float *y) { y[0] = undeclared_name + ; }\n";

static void write_text(const char *dir, const char *name, const char *text) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s.cl", dir, name);
  FILE *f = fopen(path, "w");
  if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
    fprintf(stderr, "cannot write %s\n", path);
    exit(1);
  }
}

/* Runs scale on 37 elements at offsets; y = a x + bias exactly (one rounding on both
 * sides, no -cl-mad-enable or fast-math), and the canary after y stays. */
static void run_scale(s2s_device *d, cl_program p, float bias) {
  enum { N = 37, XOFF = 3, YOFF = 50 };
  float host[100], back[100];
  for (int i = 0; i < 100; i++) {
    unsigned u = S2S_CANARY;
    memcpy(&host[i], &u, sizeof u);
  }
  for (int i = 0; i < N; i++)
    host[XOFF + i] = (float)i * 0.37f - 5.0f;
  s2s_buf b;
  cl_kernel k = NULL;
  if (s2s_buf_alloc(d, 100, &b) != 0 || s2s_buf_write(d, b, host, 100) != 0) exit(1);
  T_CHECK(s2s_kernel_create(p, "scale", &k) == 0, "create kernel 'scale'");
  if (!k) return;
  cl_int n = N, xo = XOFF, yo = YOFF;
  float a = -1.75f;
  clSetKernelArg(k, 0, sizeof n, &n);
  clSetKernelArg(k, 1, sizeof a, &a);
  clSetKernelArg(k, 2, sizeof b.mem, &b.mem);
  clSetKernelArg(k, 3, sizeof xo, &xo);
  clSetKernelArg(k, 4, sizeof b.mem, &b.mem);
  clSetKernelArg(k, 5, sizeof yo, &yo);
  size_t global = 40; /* more work-items than elements: the kernel's bound check matters */
  T_CHECK(clEnqueueNDRangeKernel(d->queue, k, 1, NULL, &global, NULL, 0, NULL, NULL) == CL_SUCCESS,
          "enqueue scale");
  T_CHECK(s2s_buf_read(d, b, back, 100) == 0, "read back");
  int bad = 0;
  for (int i = 0; i < N; i++) {
    float want = a * host[XOFF + i] + bias; /* exact: tolerance 0 */
    if (back[YOFF + i] != want && bad++ < 3)
      fprintf(stderr, "  y[%d] = %.9g want %.9g\n", i, back[YOFF + i], want);
  }
  T_CHECK(bad == 0, "scale output (%d wrong)", bad);
  T_CHECK(!memcmp(&back[YOFF + N], &host[YOFF + N], (100 - YOFF - N) * sizeof(float)),
          "canary after y untouched");
  T_CHECK(!memcmp(back, host, YOFF * sizeof(float)), "x and the gap untouched");
  clReleaseKernel(k);
  s2s_buf_free(&b);
}

int main(void) {
  s2s_test_each_cpu_platform(); /* PoCL, Intel's CPU runtime, ...: each in its own run */
  int count = 0;
  s2s_device *d = s2s_test_device(&count);

  char good[] = "/tmp/s2s_test_program_XXXXXX", other[] = "/tmp/s2s_test_program_XXXXXX";
  if (!mkdtemp(good) || !mkdtemp(other)) {
    perror("mkdtemp");
    return 1;
  }
  write_text(good, "helper", helper_cl);
  write_text(good, "scale", scale_cl);
  write_text(good, "broken", broken_cl);
  write_text(other, "helper", helper_cl);
  write_text(other, "scale", scale_cl);
  /* a different text under the same name: "0.0f" -> "0.5f" as the default bias */
  char *scale2 = strdup(scale_cl);
  char *z = strstr(scale2, "0.0f");
  z[2] = '5';
  write_text(other, "scale", scale2);
  free(scale2);

  setenv("S2S_KERNEL_DIR", good, 1);
  const char *names[] = {"helper", "scale", NULL};
  cl_program p1 = NULL, p2 = NULL, p3 = NULL, p4 = NULL;
  T_CHECK(s2s_program_build(d, names, NULL, &p1) == 0 && p1, "build helper+scale");
  if (p1) run_scale(d, p1, 0.0f);
  T_CHECK(s2s_program_build(d, names, NULL, &p2) == 0 && p2 == p1, "second build is cached");
  T_CHECK(s2s_program_build(d, names, "-DS2S_TEST_BIAS=1.0f", &p3) == 0 && p3 && p3 != p1,
          "other options, other program");
  if (p3) run_scale(d, p3, 1.0f);

  setenv("S2S_KERNEL_DIR", other, 1);
  T_CHECK(s2s_program_build(d, names, NULL, &p4) == 0 && p4 && p4 != p1,
          "other source text, other program");
  if (p4) run_scale(d, p4, 0.5f);
  setenv("S2S_KERNEL_DIR", good, 1);

  const char *scale_only[] = {"scale", NULL}; /* s2s_test_mul undeclared without helper */
  const char *broken[] = {"broken", NULL}, *missing[] = {"no_such_kernel_file", NULL};
  cl_program bad = NULL;
  fprintf(stderr, "(expected build failures and logs follow)\n");
  T_CHECK(s2s_program_build(d, broken, NULL, &bad) == -1 && !bad, "broken source fails");
  T_CHECK(s2s_program_build(d, missing, NULL, &bad) == -1 && !bad, "missing file fails");
  T_CHECK(s2s_program_build(d, scale_only, "-Werror", &bad) == -1 && !bad,
          "sources are joined in order: scale alone does not build");
  T_CHECK(s2s_kernel_create(p1, "no_such_kernel", &(cl_kernel){NULL}) == -1,
          "unknown kernel name fails");

  unsetenv("S2S_KERNEL_DIR");
  /* the embedded copies, or (S2S_KERNELS_FROM_SOURCE builds) the same files read back */
  for (const struct s2s_kernel_source *k = s2s_kernel_sources; k->name; k++) {
    const char *text = s2s_kernel_source(k->name);
    T_CHECK(text && !strcmp(text, k->text), "kernel source '%s' found", k->name);
  }
  T_CHECK(s2s_kernel_source("no_such_kernel_file") == NULL, "unknown name -> NULL");

  s2s_device_close(d, count); /* also drops the cached programs */
  for (int i = 0; i < 2; i++) {
    const char *dir = i ? other : good;
    const char *files[] = {"helper", "scale", "broken"};
    for (int f = 0; f < 3; f++) {
      char path[512];
      snprintf(path, sizeof path, "%s/%s.cl", dir, files[f]);
      unlink(path);
    }
    rmdir(dir);
  }
  return s2s_test_finish("test_program");
}

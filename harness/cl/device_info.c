/* Device descriptions: query every s2s_device_info field (names, memory, fp16/fp64, the PCI
 * bus id through cl_khr_pci_bus_info or the NVIDIA/AMD vendor queries, partition types),
 * the one-line description and the JSON object written into every results record. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CL/cl_ext.h>

#include "cl/device.h"
#include "record/json.h"

/* Vendor queries (values from cl_ext.h and hwloc/opencl.h). */
#define S2S_PCI_BUS_INFO_KHR 0x410F
#define S2S_PCI_BUS_ID_NV 0x4008
#define S2S_PCI_SLOT_ID_NV 0x4009
#define S2S_PCI_DOMAIN_ID_NV 0x400A
#define S2S_TOPOLOGY_AMD 0x4037

void s2s_device_info_string(cl_device_id d, cl_device_info what, char *buf, size_t len) {
  size_t need = 0;
  buf[0] = '\0';
  if (clGetDeviceInfo(d, what, 0, NULL, &need) != CL_SUCCESS || need == 0) return;
  char *tmp = malloc(need + 1);
  if (!tmp) return;
  if (clGetDeviceInfo(d, what, need, tmp, NULL) == CL_SUCCESS) {
    tmp[need] = '\0';
    snprintf(buf, len, "%s", tmp);
  }
  free(tmp);
}

static char *dev_str_alloc(cl_device_id d, cl_device_info what) {
  size_t need = 0;
  if (clGetDeviceInfo(d, what, 0, NULL, &need) != CL_SUCCESS) need = 0;
  char *s = calloc(need + 1, 1);
  if (s && need && clGetDeviceInfo(d, what, need, s, NULL) != CL_SUCCESS) s[0] = '\0';
  return s;
}

static void trim_right(char *s) {
  size_t n = strlen(s);
  while (n && isspace((unsigned char)s[n - 1]))
    s[--n] = '\0';
}

/* Whole-token match in a space-separated extension list. */
static int has_ext(const char *exts, const char *name) {
  size_t n = strlen(name);
  for (const char *p = exts; p && (p = strstr(p, name)); p += n)
    if ((p == exts || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0')) return 1;
  return 0;
}

/* Where p sits in the ICD loader's own list (-1 if it is not found). */
static int icd_index(cl_platform_id p) {
  cl_platform_id ids[64];
  cl_uint n = 0;
  if (clGetPlatformIDs(64, ids, &n) != CL_SUCCESS) return -1;
  for (cl_uint i = 0; i < n && i < 64; i++)
    if (ids[i] == p) return (int)i;
  return -1;
}

static void pci_bus_id(cl_device_id d, const char *exts, char *out, size_t len) {
  out[0] = '\0';
  if (has_ext(exts, "cl_khr_pci_bus_info")) {
    cl_uint v[4]; /* domain, bus, device, function */
    if (clGetDeviceInfo(d, S2S_PCI_BUS_INFO_KHR, sizeof v, v, NULL) == CL_SUCCESS) {
      snprintf(out, len, "%04x:%02x:%02x.%x", v[0], v[1], v[2], v[3]);
      return;
    }
  }
  if (has_ext(exts, "cl_nv_device_attribute_query")) {
    cl_uint bus, slot, dom = 0;
    if (clGetDeviceInfo(d, S2S_PCI_BUS_ID_NV, sizeof bus, &bus, NULL) == CL_SUCCESS &&
        clGetDeviceInfo(d, S2S_PCI_SLOT_ID_NV, sizeof slot, &slot, NULL) == CL_SUCCESS) {
      if (clGetDeviceInfo(d, S2S_PCI_DOMAIN_ID_NV, sizeof dom, &dom, NULL) != CL_SUCCESS)
        dom = 0; /* the domain query exists since CUDA 10.2 */
      /* slot = device << 3 | function: undocumented, as hwloc and others read it */
      snprintf(out, len, "%04x:%02x:%02x.%x", dom, bus & 0xff, slot >> 3, slot & 7);
      return;
    }
  }
  if (has_ext(exts, "cl_amd_device_attribute_query")) {
    cl_device_topology_amd t;
    if (clGetDeviceInfo(d, S2S_TOPOLOGY_AMD, sizeof t, &t, NULL) == CL_SUCCESS &&
        t.raw.type == 1 /* CL_DEVICE_TOPOLOGY_TYPE_PCIE_AMD */)
      snprintf(out, len, "0000:%02x:%02x.%x", (unsigned)(unsigned char)t.pcie.bus,
               (unsigned)(unsigned char)t.pcie.device, (unsigned)(unsigned char)t.pcie.function);
  }
}

static void partition_types(cl_device_id d, char *out, size_t len) {
  cl_device_partition_property props[8] = {0};
  size_t got = 0;
  out[0] = '\0';
  if (clGetDeviceInfo(d, CL_DEVICE_PARTITION_PROPERTIES, sizeof props, props, &got) == CL_SUCCESS)
    for (size_t i = 0; i < got / sizeof props[0]; i++) {
      const char *n = props[i] == CL_DEVICE_PARTITION_EQUALLY              ? "equally"
                      : props[i] == CL_DEVICE_PARTITION_BY_COUNTS          ? "by counts"
                      : props[i] == CL_DEVICE_PARTITION_BY_AFFINITY_DOMAIN ? "by affinity domain"
                                                                           : NULL;
      if (n) snprintf(out + strlen(out), len - strlen(out), "%s%s", out[0] ? ", " : "", n);
    }
  if (!out[0]) snprintf(out, len, "none");
}

void s2s_device_query_info(cl_platform_id p, cl_device_id d, int pi, int di,
                           s2s_device_info *info) {
  memset(info, 0, sizeof *info);
  clGetPlatformInfo(p, CL_PLATFORM_NAME, sizeof info->platform, info->platform, NULL);
  clGetPlatformInfo(p, CL_PLATFORM_VERSION, sizeof info->platform_version, info->platform_version,
                    NULL);
  info->platform[sizeof info->platform - 1] = info->platform_version[127] = '\0';
  s2s_device_info_string(d, CL_DEVICE_NAME, info->name, sizeof info->name);
  s2s_device_info_string(d, CL_DEVICE_VENDOR, info->vendor, sizeof info->vendor);
  s2s_device_info_string(d, CL_DRIVER_VERSION, info->driver, sizeof info->driver);
  s2s_device_info_string(d, CL_DEVICE_VERSION, info->version, sizeof info->version);
  s2s_device_info_string(d, CL_DEVICE_OPENCL_C_VERSION, info->c_version, sizeof info->c_version);
  trim_right(info->name); /* some drivers pad names with spaces */
  trim_right(info->platform_version);
  cl_uint u = 0;
  cl_ulong ul = 0;
  size_t sz = 0;
  clGetDeviceInfo(d, CL_DEVICE_TYPE, sizeof info->type, &info->type, NULL);
  if (clGetDeviceInfo(d, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof u, &u, NULL) == CL_SUCCESS)
    info->compute_units = u;
  if (clGetDeviceInfo(d, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof ul, &ul, NULL) == CL_SUCCESS)
    info->global_mem = ul;
  if (clGetDeviceInfo(d, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof ul, &ul, NULL) == CL_SUCCESS)
    info->max_alloc = ul;
  if (clGetDeviceInfo(d, CL_DEVICE_LOCAL_MEM_SIZE, sizeof ul, &ul, NULL) == CL_SUCCESS)
    info->local_mem = ul;
  if (clGetDeviceInfo(d, CL_DEVICE_MAX_CLOCK_FREQUENCY, sizeof u, &u, NULL) == CL_SUCCESS)
    info->max_clock_mhz = u;
  if (clGetDeviceInfo(d, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof sz, &sz, NULL) == CL_SUCCESS)
    info->max_work_group = sz;
  if (clGetDeviceInfo(d, CL_DEVICE_PARTITION_MAX_SUB_DEVICES, sizeof u, &u, NULL) == CL_SUCCESS)
    info->max_sub_devices = u;
  partition_types(d, info->partition_types, sizeof info->partition_types);
  char *exts = dev_str_alloc(d, CL_DEVICE_EXTENSIONS);
  cl_device_fp_config dfp = 0;
  if (clGetDeviceInfo(d, CL_DEVICE_DOUBLE_FP_CONFIG, sizeof dfp, &dfp, NULL) != CL_SUCCESS) dfp = 0;
  info->fp16 = has_ext(exts, "cl_khr_fp16");
  info->fp64 = has_ext(exts, "cl_khr_fp64") || dfp != 0;
  pci_bus_id(d, exts ? exts : "", info->pci_bus_id, sizeof info->pci_bus_id);
  free(exts);
  info->platform_index = pi;
  info->icd_platform_index = icd_index(p);
  info->device_index = di;
  info->sub_index = -1;
  info->sub_count = 0;
}

const char *s2s_device_type_name(cl_device_type t) {
  if (t & CL_DEVICE_TYPE_GPU) return "GPU";
  if (t & CL_DEVICE_TYPE_CPU) return "CPU";
  if (t & CL_DEVICE_TYPE_ACCELERATOR) return "ACCELERATOR";
  if (t & CL_DEVICE_TYPE_CUSTOM) return "CUSTOM";
  return "DEFAULT";
}

/* ---- description -------------------------------------------------------------------- */

void s2s_device_describe(const s2s_device_info *d, char *buf, size_t len) {
  int n =
      snprintf(buf, len, "%s [%s %s, %s, %u CU%s", d->name, d->platform, d->driver,
               s2s_device_type_name(d->type), d->compute_units, d->compute_units == 1 ? "" : "s");
  if (n < 0 || (size_t)n >= len) return;
  if (d->sub_index >= 0)
    n += snprintf(buf + n, len - (size_t)n, ", sub %d/%d", d->sub_index, d->sub_count);
  if (n >= 0 && (size_t)n < len) snprintf(buf + n, len - (size_t)n, "]");
}

void s2s_device_json(const s2s_device_info *d, void *file) {
  FILE *f = file;
  const struct {
    const char *key, *val;
  } strs[] = {{"platform", d->platform},
              {"platform_version", d->platform_version},
              {"name", d->name},
              {"vendor", d->vendor},
              {"driver", d->driver},
              {"version", d->version},
              {"c_version", d->c_version},
              {"type", s2s_device_type_name(d->type)},
              {"partition_types", d->partition_types}};
  fputc('{', f);
  for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
    fprintf(f, "%s\"%s\": ", i ? ", " : "", strs[i].key);
    s2s_json_escape(f, strs[i].val);
  }
  fprintf(f,
          ", \"compute_units\": %u, \"max_clock_mhz\": %u, \"global_mem\": %llu, "
          "\"max_alloc\": %llu, \"local_mem\": %llu, \"max_work_group\": %zu, "
          "\"fp16\": %s, \"fp64\": %s, \"pci_bus_id\": ",
          d->compute_units, d->max_clock_mhz, d->global_mem, d->max_alloc, d->local_mem,
          d->max_work_group, d->fp16 ? "true" : "false", d->fp64 ? "true" : "false");
  if (d->pci_bus_id[0])
    s2s_json_escape(f, d->pci_bus_id);
  else
    fputs("null", f);
  fprintf(f,
          ", \"platform_index\": %d, \"device_index\": %d, \"sub_index\": %d, "
          "\"sub_count\": %d, \"max_sub_devices\": %u, \"clblast_tuning\": ",
          d->platform_index, d->device_index, d->sub_index, d->sub_count, d->max_sub_devices);
  s2s_json_escape(f, d->tuning[0] ? d->tuning : "none");
  fputc('}', f);
}

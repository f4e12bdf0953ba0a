/* Enumerating OpenCL devices in a stable platform order. The ICD loader lists platforms
 * in directory order, which changes between machines and even between installs (ocl-icd
 * reads /etc/OpenCL/vendors unsorted), so `P:D` and the type items would otherwise pick
 * a different platform from one day to the next. The order is: PoCL first (the project's
 * reference CPU platform: the tests, CI and recorded results are PoCL's, so adding a
 * second CPU runtime must not change what `cpu` or `cpu/2` mean), then by platform name,
 * then by vendor, then the loader's order (two platforms of the same name). */
#include <stdlib.h>
#include <string.h>

#include <CL/cl_ext.h> /* CL_PLATFORM_NOT_FOUND_KHR */

#include "cl/device_internal.h"
#include "cl/status.h"

typedef struct {
  cl_platform_id id;
  int icd_index, rank;
  char name[128], vendor[128];
} plat;

static void plat_string(cl_platform_id p, cl_platform_info what, char *buf, size_t len) {
  buf[0] = '\0';
  if (clGetPlatformInfo(p, what, len - 1, buf, NULL) != CL_SUCCESS) buf[0] = '\0';
  buf[len - 1] = '\0';
}

static int is_pocl(const plat *p) {
  return strstr(p->name, "Portable Computing Language") != NULL ||
         strstr(p->vendor, "pocl") != NULL;
}

static int plat_cmp(const void *a, const void *b) {
  const plat *x = a, *y = b;
  if (x->rank != y->rank) return x->rank - y->rank;
  int c = strcmp(x->name, y->name);
  if (c) return c;
  if ((c = strcmp(x->vendor, y->vendor))) return c;
  return x->icd_index - y->icd_index;
}

int s2s_dev_enumerate(s2s_dev_entry **out, int *n) {
  *out = NULL;
  *n = 0;
  cl_uint np = 0;
  cl_int st = clGetPlatformIDs(0, NULL, &np);
  if (st == CL_PLATFORM_NOT_FOUND_KHR || np == 0) return 0;
  S2S_CL_CHECK(st);
  cl_platform_id *ids = malloc(np * sizeof *ids);
  plat *ps = calloc(np, sizeof *ps);
  if (!ids || !ps || (st = clGetPlatformIDs(np, ids, NULL)) != CL_SUCCESS) {
    if (ids && ps) s2s_report_cl(__FILE__, __LINE__, "clGetPlatformIDs", st);
    free(ids);
    free(ps);
    return -1;
  }
  for (cl_uint p = 0; p < np; p++) {
    ps[p].id = ids[p];
    ps[p].icd_index = (int)p;
    plat_string(ids[p], CL_PLATFORM_NAME, ps[p].name, sizeof ps[p].name);
    plat_string(ids[p], CL_PLATFORM_VENDOR, ps[p].vendor, sizeof ps[p].vendor);
    ps[p].rank = is_pocl(&ps[p]) ? 0 : 1;
  }
  free(ids);
  qsort(ps, np, sizeof *ps, plat_cmp);
  int cap = 0;
  for (cl_uint p = 0; p < np; p++) {
    cl_uint nd = 0;
    st = clGetDeviceIDs(ps[p].id, CL_DEVICE_TYPE_ALL, 0, NULL, &nd);
    if (st == CL_DEVICE_NOT_FOUND || nd == 0) continue;
    if (st != CL_SUCCESS) { /* one broken platform must not hide the others */
      s2s_report_cl(__FILE__, __LINE__, "clGetDeviceIDs", st);
      continue;
    }
    cl_device_id *devs = malloc(nd * sizeof *devs);
    s2s_dev_entry *grown = realloc(*out, (size_t)(cap + (int)nd) * sizeof *grown);
    if (!devs || !grown) {
      free(devs);
      free(grown ? grown : *out);
      free(ps);
      *out = NULL;
      *n = 0;
      return -1;
    }
    *out = grown;
    cap += (int)nd;
    if (clGetDeviceIDs(ps[p].id, CL_DEVICE_TYPE_ALL, nd, devs, NULL) == CL_SUCCESS)
      for (cl_uint d = 0; d < nd; d++) {
        s2s_dev_entry *e = &(*out)[(*n)++];
        *e = (s2s_dev_entry){.plat = ps[p].id, .dev = devs[d], .pi = (int)p, .di = (int)d};
        memcpy(e->pname, ps[p].name, sizeof e->pname);
        memcpy(e->pvendor, ps[p].vendor, sizeof e->pvendor);
      }
    free(devs);
  }
  free(ps);
  return 0;
}

/* Shared by device.c (selection, opening) and device_platforms.c (enumeration in a
 * stable platform order). Not a public interface. */
#ifndef S2S_DEVICE_INTERNAL_H
#define S2S_DEVICE_INTERNAL_H

#include <CL/cl.h>

typedef struct s2s_dev_entry {
  cl_platform_id plat;
  cl_device_id dev;
  int pi, di; /* platform index in the stable order (device.h), device index */
  char pname[128], pvendor[128];
} s2s_dev_entry;

/* Every device of every platform, platforms in the stable order of device.h (PoCL first,
 * then by platform name). A missing ICD/platform is "no device" (0, *n = 0); -1 on an
 * OpenCL or memory error. *out is malloc'd. */
int s2s_dev_enumerate(s2s_dev_entry **out, int *n);

#endif

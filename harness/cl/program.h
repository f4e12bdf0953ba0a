/* OpenCL programs from the kernel sources (kernels/NAME.cl embedded at build time; loaded
 * from S2S_KERNEL_DIR or the source tree instead when that variable is set or the build
 * used S2S_KERNELS_FROM_SOURCE). A program may be built from several sources joined in
 * order (shared helpers first, then the kernel file), with -D options. On a build failure
 * the options and the full build log are printed to stderr. */
#ifndef S2S_PROGRAM_H
#define S2S_PROGRAM_H

#include "cl/device.h"

/* Text of kernels/NAME.cl, or NULL if there is no such kernel file. */
const char *s2s_kernel_source(const char *name);

/* Builds the program made of the named sources (names without .cl, NULL-terminated
 * list) for device d with `options` (may be NULL). Returns 0 and *out, or -1.
 * *out is owned by the program cache: do not release it; it lives until
 * s2s_program_release / s2s_device_close. The same (device, sources, options) again
 * returns the cached program without building. */
int s2s_program_build(s2s_device *d, const char *const *names, const char *options,
                      cl_program *out);

/* Drops the cached programs built for d (s2s_device_close calls it). */
void s2s_program_release(s2s_device *d);

/* clCreateKernel with the error reported by name. Returns 0 or -1. */
int s2s_kernel_create(cl_program p, const char *name, cl_kernel *out);

#endif

/* Devices ready for CLBlast: opened with the spec grammar of cl/device.h, then given the
 * tuned CLBlast parameters of results/tuning/ when there are some (blas/tuning.h;
 * S2S_TUNING=off keeps CLBlast's defaults), before their first GEMM. */
#ifndef S2S_BLAS_DEVICES_H
#define S2S_BLAS_DEVICES_H

#include "cl/device.h"

/* s2s_device_open, then the tuning of each device (recorded in its info.tuning). On a bad
 * spec, an unavailable device or an unusable tuning file, writes a message naming the spec
 * item or the device to err and returns -1 (nothing left open). Close with
 * s2s_device_close. */
int s2s_blas_open_devices(const char *spec, s2s_device **devs, int *count, char *err,
                          size_t errlen);
/* The same for item `item` of the spec only (cl/device.h s2s_device_open_item). */
int s2s_blas_open_device_item(const char *spec, int item, s2s_device **devs, int *count,
                              char *err, size_t errlen);

#endif

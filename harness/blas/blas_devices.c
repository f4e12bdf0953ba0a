/* Opening devices with their CLBlast tuning applied (blas_devices.h). */
#include "blas/blas_devices.h"

#include <stdio.h>

#include "blas/tuning.h"

int s2s_blas_open_devices(const char *spec, s2s_device **devs, int *count, char *err,
                          size_t errlen) {
  return s2s_blas_open_device_item(spec, -1, devs, count, err, errlen);
}

int s2s_blas_open_device_item(const char *spec, int item, s2s_device **devs, int *count,
                              char *err, size_t errlen) {
  const int rc = s2s_device_open_item(spec, item, devs, count, err, errlen);
  if (rc != 0) return rc; /* -1, or S2S_DEVICE_BAD_SPEC */
  for (int i = 0; i < *count; i++) {
    s2s_device_info *info = &(*devs)[i].info;
    if (s2s_tuning_apply(&(*devs)[i], info->tuning, sizeof info->tuning) < 0) {
      snprintf(err, errlen, "the CLBlast tuning file for '%s' is unusable (message above); fix "
               "or delete it, or set S2S_TUNING=off", info->name);
      s2s_device_close(*devs, *count);
      *devs = NULL;
      *count = 0;
      return -1;
    }
  }
  return 0;
}

/* Device-test helpers: open the default test device or skip (exit 77) when there is no
 * OpenCL device at all. CI has PoCL, so there these tests run. S2S_TEST_DEVICE overrides
 * the device spec (default "cpu"). */
#ifndef S2S_TEST_DEVICE_UTIL_H
#define S2S_TEST_DEVICE_UTIL_H

#include "device.h"
#include "test_util.h"

static inline s2s_device *s2s_test_device_open(const char *spec, int *count) {
  s2s_device_info info[4];
  if (s2s_device_list(info, 4) <= 0) {
    fprintf(stderr, "no OpenCL device: skipping\n");
    exit(77);
  }
  if (!spec) spec = getenv("S2S_TEST_DEVICE");
  if (!spec || !*spec) spec = "cpu";
  s2s_device *d = NULL;
  char err[512];
  if (s2s_device_open(spec, &d, count, err, sizeof err) != 0) {
    fprintf(stderr, "cannot open test device '%s': %s\n", spec, err);
    exit(1);
  }
  return d;
}
/* The marker that gives a test the ctest label `device`. */
#define s2s_test_device(countp) s2s_test_device_open(NULL, countp)

#endif

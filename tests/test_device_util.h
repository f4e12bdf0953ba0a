/* Device-test helpers: open the default test device or skip (exit 77) when there is no
 * OpenCL device at all. CI has PoCL, so there these tests run. S2S_TEST_DEVICE overrides
 * the device spec (default "cpu"). */
#ifndef S2S_TEST_DEVICE_UTIL_H
#define S2S_TEST_DEVICE_UTIL_H

#include "blas/blas_devices.h"
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
  if (s2s_blas_open_devices(spec, &d, count, err, sizeof err) != 0) {
    fprintf(stderr, "cannot open test device '%s': %s\n", spec, err);
    exit(1);
  }
  return d;
}
/* The marker that gives a test the ctest label `device`. */
#define s2s_test_device(countp) s2s_test_device_open(NULL, countp)

#endif

#include "cl/buffer.h"

/* Canary floats after every device output: a kernel that writes past its output region
 * changes them and the download check fails. */
#define S2S_TEST_CANARIES 16

static inline float s2s_test_canary(void) {
  float f;
  unsigned u = S2S_CANARY;
  memcpy(&f, &u, sizeof f);
  return f;
}

/* Allocates n floats + canaries on d and fills them from x (double, may be NULL = zeros). */
static inline s2s_buf s2s_test_upload(s2s_device *d, const double *x, size_t n) {
  float *h = malloc((n + S2S_TEST_CANARIES) * sizeof *h);
  for (size_t i = 0; i < n; i++) h[i] = x ? (float)x[i] : 0.0f;
  for (size_t i = 0; i < S2S_TEST_CANARIES; i++) h[n + i] = s2s_test_canary();
  s2s_buf b;
  if (s2s_buf_alloc(d, n + S2S_TEST_CANARIES, &b) != 0 ||
      s2s_buf_write(d, b, h, n + S2S_TEST_CANARIES) != 0) {
    fprintf(stderr, "device upload of %zu floats failed\n", n);
    exit(1);
  }
  free(h);
  return b;
}

/* Same for int32 data (token ids). */
static inline s2s_buf s2s_test_upload_ids(s2s_device *d, const int32_t *x, size_t n) {
  s2s_buf b;
  if (s2s_buf_alloc(d, n, &b) != 0 || s2s_buf_write(d, b, x, n) != 0) {
    fprintf(stderr, "device upload of %zu ids failed\n", n);
    exit(1);
  }
  return b;
}

/* Reads n floats into out (double) and checks the canaries behind them. */
static inline void s2s_test_download(s2s_device *d, s2s_buf b, size_t n, double *out,
                                     const char *what) {
  float *h = malloc((n + S2S_TEST_CANARIES) * sizeof *h);
  if (s2s_buf_read(d, b, h, n + S2S_TEST_CANARIES) != 0) {
    fprintf(stderr, "device download of %s failed\n", what);
    exit(1);
  }
  for (size_t i = 0; i < n; i++) out[i] = h[i];
  for (size_t i = 0; i < S2S_TEST_CANARIES; i++) {
    unsigned u;
    memcpy(&u, &h[n + i], sizeof u);
    T_CHECK(u == S2S_CANARY, "%s: canary %zu after the output was overwritten", what, i);
  }
  free(h);
}

/* Deterministic test data in [-scale, scale]. */
static inline void s2s_test_fill(double *x, size_t n, double scale, unsigned seed) {
  unsigned long long s = 0x9E3779B97F4A7C15ull * (seed + 1);
  for (size_t i = 0; i < n; i++) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    x[i] = scale * (2.0 * (double)(s >> 11) / 9007199254740992.0 - 1.0);
  }
}

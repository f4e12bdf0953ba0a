/* Small helpers shared by the ctest programs: a failure counter, checks that print file
 * and line, relative/absolute comparison with the tolerance stated at the call site, and
 * canary words after outputs. Device tests include this and call s2s_test_device_or_skip
 * (exit 77 = ctest SKIP when there is no OpenCL device). */
#ifndef S2S_TEST_UTIL_H
#define S2S_TEST_UTIL_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int s2s_test_failures = 0;

#define T_CHECK(cond, ...)                                                                  \
  do {                                                                                      \
    if (!(cond)) {                                                                          \
      fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);             \
      fprintf(stderr, __VA_ARGS__);                                                         \
      fputc('\n', stderr);                                                                  \
      s2s_test_failures++;                                                                  \
    }                                                                                       \
  } while (0)

/* |got - want| <= atol + rtol * |want| */
static inline int s2s_close(double got, double want, double rtol, double atol) {
  return isfinite(got) && fabs(got - want) <= atol + rtol * fabs(want);
}

/* Compares n values; reports the first few mismatches with the index. Returns mismatches. */
static inline int s2s_check_close_arrays(const char *what, const double *got, const double *want,
                                         size_t n, double rtol, double atol) {
  int bad = 0;
  for (size_t i = 0; i < n; i++) {
    if (!s2s_close(got[i], want[i], rtol, atol)) {
      if (bad < 5)
        fprintf(stderr, "  %s[%zu]: got %.9g want %.9g (rtol %g atol %g)\n", what, i, got[i],
                want[i], rtol, atol);
      bad++;
    }
  }
  if (bad) {
    fprintf(stderr, "%s: %d of %zu values out of tolerance\n", what, bad, n);
    s2s_test_failures++;
  }
  return bad;
}

#define S2S_CANARY 0x5A5AC3C3u

static inline int s2s_test_finish(const char *name) {
  if (s2s_test_failures) {
    fprintf(stderr, "%s: %d check(s) failed\n", name, s2s_test_failures);
    return 1;
  }
  printf("%s: all checks passed\n", name);
  return 0;
}

#endif

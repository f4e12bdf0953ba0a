/* Trial summaries and the benchmark clock. */
#include "profile/stats.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

void s2s_summarize(const double *x, size_t n, s2s_summary *out) {
  memset(out, 0, sizeof *out);
  out->n = n;
  if (!n) return;
  double *s = malloc(n * sizeof *s);
  if (!s) return;
  memcpy(s, x, n * sizeof *s);
  qsort(s, n, sizeof *s, cmp);
  out->min = s[0];
  out->max = s[n - 1];
  out->median = n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
  double sum = 0;
  for (size_t i = 0; i < n; i++) sum += s[i];
  out->mean = sum / n;
  free(s);
}

double s2s_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

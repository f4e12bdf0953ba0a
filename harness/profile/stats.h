/* Summaries of repeated trials: median first (robust to a stray slow run), then min, max,
 * mean. Every benchmark keeps its raw trials too. */
#ifndef S2S_STATS_H
#define S2S_STATS_H

#include <stddef.h>

typedef struct s2s_summary {
  double median, min, max, mean;
  size_t n;
} s2s_summary;

void s2s_summarize(const double *x, size_t n, s2s_summary *out);
/* Seconds on a monotonic clock. */
double s2s_now(void);

#endif

/* `tune`'s choice per shape class: every class of the step timed with CLBlast's own
 * parameters, then with each candidate setting (a tuner's configuration, routed through
 * its kernel), on the device itself and through s2s_gemm, so what is chosen is what later
 * runs execute. */
#ifndef S2S_TUNING_SELECT_H
#define S2S_TUNING_SELECT_H

#include <stdio.h>

#include "blas/gemm_classes.h"
#include "blas/tuning.h"

typedef struct s2s_select_opts {
  int trials;      /* timed calls per candidate and class (the median counts) */
  double budget_s; /* no new candidate starts after this many seconds */
  FILE *log;       /* a line per class and candidate; NULL: quiet */
} s2s_select_opts;

/* d must still have CLBlast's own parameters (opened with S2S_TUNING=off): they are timed
 * first, as each class's reference time and result. Then each candidate in turn: t's base
 * sets with the candidate on top and its route forced (s2s_tuning_use). A candidate whose
 * result differs from the reference at a class (beyond 1e-3 of the largest |entry|) is
 * not chosen there; one slower at its first timed call than twice the best so far (or
 * twice the default) is not timed further. Stores in t->c the fastest setting per class
 * (with the default's time) and in t->switch_ms the cost of one switch. Returns the number of candidates timed, or
 * -1 (reported). */
int s2s_tuning_select_classes(s2s_device *d, s2s_tuning *t, const s2s_gemm_class *cs, int n,
                              const s2s_tuned_kernel *cands, int ncands, const s2s_select_opts *o);

#endif

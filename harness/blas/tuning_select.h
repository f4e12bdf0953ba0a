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
  /* the products of one training step in the order the step issues them (their shapes:
   * name and per_step unused), or NULL: then classes are weighted by per_step and
   * switches are not counted */
  const s2s_gemm_class *order;
  int norder;
} s2s_select_opts;

/* d must still have CLBlast's own parameters (opened with S2S_TUNING=off): they are timed
 * first, as each class's reference time and result. Then each candidate in turn: t's base
 * sets with the candidate on top and its route forced (s2s_tuning_use). A candidate whose
 * result differs from the reference at a class (beyond 1e-3 of the largest |entry|) is
 * not chosen there; one slower at its first timed call than twice the best so far (or
 * twice the default) is not timed further. Stores in t->c the fastest setting per class
 * (with the default's time) and in t->switch_ms the cost of one switch. With o->order the
 * choice counts the switches too: a step of those products costs its products' times plus
 * one switch each time the setting changes from one product to the next (the step
 * repeats: the last product to the first), and classes give up their fastest setting for
 * another class's when that saves more switch time than it costs (a local search from the
 * fastest per class). Returns the number of candidates timed, or -1 (reported). */
int s2s_tuning_select_classes(s2s_device *d, s2s_tuning *t, const s2s_gemm_class *cs, int n,
                              const s2s_tuned_kernel *cands, int ncands, const s2s_select_opts *o);

/* The choice's arithmetic, apart from the device (for tests). An assignment a gives class
 * i a candidate (a[i] >= 0), CLBlast's own parameters through the indirect (-1) or the
 * direct route (-2), or nothing (S2S_SELECT_NONE: no setting gave the right result). */
#define S2S_SELECT_NONE (-3)
typedef struct s2s_select_costs {
  int n, ncands;
  const double *tm;          /* tm[c * n + i]: candidate c's seconds at class i (INFINITY:
                                not timed, or wrong) */
  const double *pristine[2]; /* CLBlast's own parameters, [0] indirect, [1] direct */
  const int *direct;         /* per candidate: 1 for an XgemmDirect setting */
  int mode;                  /* bit 0: Xgemm tuned, bit 1: XgemmDirect tuned (a tuned kernel
                                takes candidates only, an untuned one its own parameters) */
  const int *cls;            /* the class of each product of one step, in its order */
  int nprod;                 /* 0: no order; classes weighted by weight[] */
  const double *weight;
  double switch_s;           /* one switch (0: not counted) */
} s2s_select_costs;
/* One step's GEMM seconds under a, switches included (each change of setting from one
 * product to the next, the last to the first), and their count into *switches. */
double s2s_tuning_step_s(const s2s_select_costs *h, const int *a, int *switches);
/* From a, moves one class at a time to another allowed choice while the step gets
 * cheaper, the largest saving first. */
void s2s_tuning_fewer_switches(const s2s_select_costs *h, int *a);

#endif

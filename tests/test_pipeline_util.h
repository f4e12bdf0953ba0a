/* What test_pipeline.c and test_pipeline_mpi.c share: the test model, two batches, a run of
 * four steps (gradients of the first, then three clipped updates) and the comparison of a
 * run with the single-device reference, group by group. */
#ifndef S2S_TEST_PIPELINE_UTIL_H
#define S2S_TEST_PIPELINE_UTIL_H

#include <math.h>
#include <string.h>

#include "test_device_util.h"
#include "step/train_step.h"

static s2s_config test_config(void) {
  s2s_config c;
  s2s_config_preset(&c, "tiny");
  c.layers = 3, c.hidden = 7, c.embed = 6, c.src_vocab = 11, c.tgt_vocab = 13;
  c.batch = 3, c.max_len = 5, c.init_scale = 0.3f;
  return c;
}

static void make_batch(s2s_batch *b, int variant) {
  static const int32_t s0[] = {2, 3, 4, 5, 6}, s1[] = {7, 8}, s2[] = {9, 10, 2, 5};
  static const int32_t t0[] = {12, 3, 4}, t1[] = {5, 6, 7, 8, 9}, t2[] = {10};
  b->T_src = 5, b->T_tgt = 6, b->B = 3;
  s2s_batch_clear(b);
  s2s_batch_set(b, 0, variant ? s2 : s0, variant ? 4 : 5, t0, 3);
  s2s_batch_set(b, 1, s1, 2, variant ? t2 : t1, variant ? 1 : 5);
  s2s_batch_set(b, 2, variant ? s0 : s2, variant ? 5 : 4, variant ? t1 : t2, variant ? 5 : 1);
}

typedef struct outcome {
  double loss[4], norm[4];
  float *grads, *params;
} outcome;

/* Step 0 without update (gradients), then three updates with clipping; R data-parallel
 * replicas of the split's pipeline (1: the pipeline alone), their parameters compared
 * after every update; or (R = 1) M micro-batches in the schedule given. */
static int run_with(s2s_device *devs, int n, int R, int M, int schedule, const char *split,
                    const s2s_config *c, outcome *o) {
  s2s_param_layout lay;
  s2s_params_layout(&lay, c);
  s2s_split sp, *spp = NULL;
  char err[256];
  if (split) {
    if (s2s_split_parse(&sp, split, n / R, c, err, sizeof err) != 0) {
      fprintf(stderr, "split '%s': %s\n", split, err);
      return -1;
    }
    spp = &sp;
  }
  float *p = malloc(lay.total * sizeof *p);
  s2s_params_init(p, &lay, c, 7);
  s2s_train_step st;
  s2s_batch b;
  s2s_batch_alloc(&b, c->batch, c->max_len, c->max_len + 1);
  if ((M > 1 ? s2s_train_step_init_micro(&st, devs, n, M, schedule, spp, c)
             : s2s_train_step_init_replicas(&st, devs, n, R, spp, c)) != 0 ||
      s2s_train_step_set_params(&st, p) != 0)
    return -1;
  s2s_train_step_replica_check(&st, 1);
  o->grads = malloc(lay.total * sizeof(float));
  o->params = p;
  for (int i = 0; i < 4; i++) {
    s2s_step_result r;
    make_batch(&b, i % 2);
    if (s2s_train_step_run(&st, &b, 0.5f, i > 0, &r) != 0) return -1;
    o->loss[i] = r.loss;
    o->norm[i] = r.grad_norm;
    if (i == 0) s2s_train_step_get_grads(&st, o->grads);
  }
  s2s_train_step_get_params(&st, o->params);
  s2s_train_step_free(&st);
  s2s_batch_free(&b);
  return 0;
}

/* The whole step on the whole PoCL CPU device: every case's reference. */
static inline void run_reference(const s2s_config *c, outcome *ref) {
  int n;
  s2s_device *one = s2s_test_device_open("cpu", &n);
  T_CHECK(run_with(one, 1, 1, 1, 0, NULL, c, ref) == 0, "single-device reference");
  s2s_device_close(one, n);
}

static inline int run_replicas(s2s_device *devs, int n, int R, const char *split, const s2s_config *c,
                        outcome *o) {
  return run_with(devs, n, R, 1, 0, split, c, o);
}
static inline int run(s2s_device *devs, int n, const char *split, const s2s_config *c, outcome *o) {
  return run_with(devs, n, 1, 1, 0, split, c, o);
}

/* One case on the devices of spec: R replicas or M micro-batches (as run_with) against the
 * single-device reference, its losses printed. */
static inline void check_case(const char *spec, int R, int M, int schedule, const char *split,
                              const s2s_config *c, const outcome *ref);

/* Float against float, different GEMM shapes and summation orders: 1e-4 relative, and
 * 1e-5 of the group's largest value absolute. */
static void compare(const char *split, const s2s_config *c, const outcome *a, const outcome *b) {
  s2s_param_layout lay;
  s2s_params_layout(&lay, c);
  for (int i = 0; i < 4; i++) {
    T_CHECK(s2s_close(b->loss[i], a->loss[i], 1e-5, 1e-6), "%s: step %d loss %.9g vs %.9g", split,
            i, b->loss[i], a->loss[i]);
    T_CHECK(s2s_close(b->norm[i], a->norm[i], 1e-4, 1e-7), "%s: step %d norm %.9g vs %.9g", split,
            i, b->norm[i], a->norm[i]);
  }
  s2s_param_group g[64];
  int ng = s2s_params_groups(&lay, c, g, 64);
  for (int k = 0; k < ng; k++) {
    for (int which = 0; which < 2; which++) {
      const float *x = which ? b->params : b->grads, *y = which ? a->params : a->grads;
      double mx = 0;
      for (size_t j = 0; j < g[k].count; j++) mx = fmax(mx, fabs(y[g[k].offset + j]));
      double *gx = malloc(g[k].count * sizeof *gx), *gy = malloc(g[k].count * sizeof *gy);
      for (size_t j = 0; j < g[k].count; j++) gx[j] = x[g[k].offset + j], gy[j] = y[g[k].offset + j];
      char name[128];
      snprintf(name, sizeof name, "%.40s %s %.30s", split, which ? "params" : "grad", g[k].name);
      s2s_check_close_arrays(name, gx, gy, g[k].count, 1e-4, 1e-5 * mx + 1e-9);
      free(gx), free(gy);
    }
  }
}

static inline void check_case(const char *spec, int R, int M, int schedule, const char *split,
                              const s2s_config *c, const outcome *ref) {
  int n;
  s2s_device *d = s2s_test_device_open(spec, &n);
  outcome o = {0};
  char name[160], how[64];
  if (M > 1) snprintf(how, sizeof how, "%d micro-batches %s", M, s2s_schedule_name(schedule));
  else snprintf(how, sizeof how, "%d replicas", R);
  snprintf(name, sizeof name, "%s, %s of %s (%.20s)", spec, how, split ? split : "default",
           d[0].info.platform);
  if (run_with(d, n, R, M, schedule, split, c, &o) == 0)
    compare(name, c, ref, &o);
  else
    T_CHECK(0, "%s: run failed", name);
  printf("%s: losses %.7f %.7f %.7f %.7f (single device %.7f %.7f %.7f %.7f)\n", name, o.loss[0],
         o.loss[1], o.loss[2], o.loss[3], ref->loss[0], ref->loss[1], ref->loss[2], ref->loss[3]);
  free(o.grads), free(o.params);
  s2s_device_close(d, n);
}

#endif

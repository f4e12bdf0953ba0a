/* The training step's plan (train_step.h): recorded while a step runs, or built dry by
 * running the step's own code on described devices (device.h `dry`), so the plan is the
 * executor's sequence of commands and never a second description of it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "step/train_step_internal.h"

/* Device d of replica r is device r * S + d of the plan (S: the devices of one replica). */
static int step_device_of(void *ctx, const void *handle) {
  s2s_train_step *s = ctx;
  if (s->dp) return s2s_dp_device_index(s, handle);
  for (int d = 0; d < s->ndev; d++)
    if (s->st[d].dev == handle) return d;
  return -1;
}

void s2s_train_step_record(s2s_train_step *s, s2s_plan *p) {
  s2s_plan_capture(p, p ? step_device_of : NULL, s);
}

/* A batch of the given shape, every mask 1 (a plan needs shapes only), every position a
 * different word while the vocabulary lasts: the data-parallel all-reduce moves the rows
 * a batch touches, here as many as a batch can touch (an upper bound for real text). */
static int shaped_batch(s2s_batch *b, int B, int T_src, int T_tgt, const s2s_config *cfg) {
  if (s2s_batch_alloc(b, B, T_src, T_tgt) != 0) return -1;
  const size_t ns = (size_t)B * T_src, nt = (size_t)B * T_tgt;
  for (size_t i = 0; i < ns; i++) b->src[i] = (int32_t)(i % (size_t)cfg->src_vocab);
  for (size_t i = 0; i < nt; i++) b->tgt_in[i] = (int32_t)(i % (size_t)cfg->tgt_vocab);
  memset(b->tgt_out, 0, nt * sizeof *b->tgt_out);
  for (size_t i = 0; i < ns; i++) b->src_mask[i] = 1.0f;
  for (size_t i = 0; i < nt; i++) b->tgt_mask[i] = 1.0f;
  return 0;
}

int s2s_train_step_plan(const s2s_device_info *info, int ndev, const int *context,
                        const s2s_split *split, const s2s_config *cfg, int B, int T_src,
                        int T_tgt, s2s_plan *out) {
  return s2s_train_step_plan_parallel(info, ndev, NULL, context, split, cfg, B, T_src, T_tgt,
                                      out);
}

int s2s_train_step_plan_parallel(const s2s_device_info *info, int ndev, const s2s_parallel *par,
                                 const int *context, const s2s_split *split,
                                 const s2s_config *cfg, int B, int T_src, int T_tgt,
                                 s2s_plan *out) {
  if (ndev < 1 || ndev > S2S_MAX_DEVICES || B < 1 || B > cfg->batch || T_src < 1 ||
      T_tgt < 1 || T_src > cfg->max_len || T_tgt > cfg->max_len + 1) {
    fprintf(stderr, "s2sbench: a plan of %d devices for a batch %dx(%d+%d): out of range "
            "(batch %d, max length %d)\n", ndev, B, T_src, T_tgt, cfg->batch, cfg->max_len);
    return -1;
  }
  s2s_device devs[S2S_MAX_DEVICES];
  memset(devs, 0, sizeof devs);
  for (int d = 0; d < ndev; d++) { /* described: a fake context per group, never opened */
    devs[d].info = info[d];
    devs[d].dry = 1;
    devs[d].ctx = (cl_context)(uintptr_t)((((uintptr_t)(context ? context[d] : 0) + 1) << 4) | 3);
  }
  s2s_train_step *s = calloc(1, sizeof *s);
  s2s_batch b = {0};
  int rc = !s || shaped_batch(&b, B, T_src, T_tgt, cfg) != 0 ? -1 : 0;
  if (rc == 0) rc = s2s_train_step_init_parallel(s, devs, ndev, par, split, cfg);
  if (rc == 0) {
    for (int r = 0; r < s2s_train_step_local_replicas(s); r++) /* every step after an update */
      s2s_dp_replica(s, r)->wt_stale = 1;                      /* starts with the transposes */
    s2s_plan_init(out, ndev);
    s2s_train_step_record(s, out);
    s2s_step_result res;
    rc = s2s_train_step_run(s, &b, 0.1f, 1, &res);
    s2s_train_step_record(s, NULL);
    if (out->failed) rc = -1;
  }
  if (s) s2s_train_step_free(s);
  s2s_batch_free(&b);
  free(s);
  return rc;
}

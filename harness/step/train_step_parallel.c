/* The public face of the training step (train_step.h) over its three shapes: one
 * pipeline (train_step.c), data-parallel replicas of it (data_parallel.c) and micro-batches
 * through it (micro_batch.c). Only this file chooses between them, so the others call
 * each other one way: replicas and micro-batches call the pipeline, never back. */
#include <stdio.h>
#include <string.h>

#include "cl/status.h"
#include "step/train_step_internal.h"

int s2s_train_step_init_parallel(s2s_train_step *s, s2s_device *devs, int ndev,
                                 const s2s_parallel *par, const s2s_split *split,
                                 const s2s_config *cfg) {
  const int R = par && par->replicas > 1 ? par->replicas : 1;
  const int M = par && par->micro_batches > 1 ? par->micro_batches : 1;
  if (R > 1 && M > 1) {
    memset(s, 0, sizeof *s);
    fprintf(stderr, "s2sbench: --replicas with --micro-batches is not supported yet: give one "
            "of them\n");
    return -1;
  }
  return M > 1 ? s2s_train_step_init_micro(s, devs, ndev, M, par->schedule, split, cfg)
               : s2s_train_step_init_replicas(s, devs, ndev, R, split, cfg);
}

int s2s_train_step_run(s2s_train_step *s, const s2s_batch *b, float lr, int update,
                       s2s_step_result *out) {
  if (s->dp) return s2s_dp_run(s, b, lr, update, out);
  if (s->mb) return s2s_mb_run(s, b, lr, update, out);
  return s2s_step_run_one(s, b, lr, update, out);
}

int s2s_train_step_eval(s2s_train_step *s, const s2s_batch *b, s2s_step_result *out) {
  if (s->dp) return s2s_dp_eval(s, b, out);
  if (s->mb) return s2s_mb_eval(s, b, out);
  return s2s_step_eval_one(s, b, out);
}

void s2s_train_step_free(s2s_train_step *s) {
  s2s_dp_free(s);
  s2s_mb_free(s);
  s2s_step_free_one(s);
}

/* Micro-batches share micro-batch 0's parameters; replicas each get the same copy. */
int s2s_train_step_set_params(s2s_train_step *s, const float *params) {
  S2S_TRY(s2s_step_set_params_one(s, params));
  return s2s_dp_set_params(s, params);
}

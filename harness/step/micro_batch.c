/* The micro-batched pipeline (train_step.h): today's trainers pipeline micro-batches
 * across the stages (GPipe's fill-drain, Megatron's 1F1B) where the paper pipelined the
 * time steps of one batch. The batch is cut into M row blocks, each run by a step of its
 * own on the same devices and split, all sharing micro-batch 0's parameters, gradients
 * and transposed weights (each has its own activations). The host enqueues the
 * micro-batches' forwards (the softmax and its gradient included) and backwards in the
 * schedule's order; every device runs its commands in that order on its in-order queue, so
 * stage d works on micro-batch m+1 while stage d+1 works on m. The gradients add up over
 * the micro-batches, then one norm and one update: the same step as one device.
 * Schedules: fill-drain F0..F(M-1) B(M-1)..B0; 1F1B F0..F(w-1), then B(m) F(m+w) in turn
 * with w = min(S, M) forwards in flight (the host gives every device the same order, so
 * the warm-up is the first stage's on every stage: at most w micro-batches' activations
 * are waiting for their backward, against M for fill-drain). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cl/status.h"
#include "mpi/world.h"
#include "step/train_step_internal.h"

typedef struct s2s_mb {
  int M, schedule, B;      /* micro-batches, S2S_SCHEDULE_*, the global batch */
  int rows_per;            /* ceil(B / M) */
  s2s_train_step *mb;      /* (M - 1) the steps of micro-batches 1.. (0 is the step itself) */
  s2s_batch part[S2S_MAX_MICRO];
} s2s_mb;

static s2s_train_step *micro(s2s_train_step *s, int m) { return m ? &s->mb->mb[m - 1] : s; }

int s2s_train_step_micro_batches(const s2s_train_step *s) { return s->mb ? s->mb->M : 1; }

int s2s_schedule_parse(const char *name) {
  return !strcmp(name, "fill-drain") ? S2S_SCHEDULE_FILL_DRAIN
         : !strcmp(name, "1f1b")     ? S2S_SCHEDULE_1F1B
                                     : -1;
}
const char *s2s_schedule_name(int schedule) {
  return schedule == S2S_SCHEDULE_1F1B ? "1f1b" : "fill-drain";
}

/* Forgets the shared buffers, so freeing the step frees only its own. */
static void unshare(s2s_train_step *t) {
  for (int d = 0; d < t->ndev; d++) t->st[d].params = t->st[d].grads = (s2s_buf){0};
  for (int l = 0; l < S2S_MAX_LAYERS; l++) {
    t->enc[l].wt_ih = t->enc[l].wt_hh = t->dec[l].wt_ih = t->dec[l].wt_hh = (s2s_buf){0};
  }
  for (int k = 0; k < S2S_MAX_SHARDS; k++) t->wt_out[k] = (s2s_buf){0};
}

int s2s_train_step_init_micro(s2s_train_step *s, s2s_device *devs, int ndev, int micro_batches,
                              int schedule, const s2s_split *split, const s2s_config *cfg) {
  if (micro_batches == 1) return s2s_train_step_init(s, devs, ndev, split, cfg);
  memset(s, 0, sizeof *s);
  if (micro_batches < 1 || micro_batches > S2S_MAX_MICRO || cfg->batch < micro_batches ||
      (schedule != S2S_SCHEDULE_FILL_DRAIN && schedule != S2S_SCHEDULE_1F1B)) {
    fprintf(stderr, "s2sbench: --micro-batches %d: 1..%d micro-batches of at least one row of "
            "the batch (%d), with a schedule fill-drain or 1f1b\n", micro_batches,
            S2S_MAX_MICRO, cfg->batch);
    return -1;
  }
  int remote = 0;
  for (int d = 0; d < ndev; d++) remote |= devs[d].remote;
  /* under mpirun each rank enqueues its own stages' parts of every micro-batch in the
   * schedule's order; a micro-batch's messages carry its index in their tags */
  if (remote && (micro_batches > S2S_MAX_MICRO_MPI ||
                 s2s_mpi_tag_ub() < (S2S_TAG(S2S_TAG_KINDS, 0, 0) |
                                     S2S_TAG_MICRO(micro_batches - 1)))) {
    fprintf(stderr, "s2sbench: --micro-batches %d under mpirun: at most %d, and MPI_TAG_UB "
            "(%d) must hold the micro-batch in its top bits\n", micro_batches,
            S2S_MAX_MICRO_MPI, s2s_mpi_tag_ub());
    return -1;
  }
  s2s_mb *mb = calloc(1, sizeof *mb);
  if (!mb) return -1;
  mb->M = micro_batches, mb->schedule = schedule, mb->B = cfg->batch;
  mb->rows_per = (cfg->batch + micro_batches - 1) / micro_batches;
  s2s_config rc = *cfg;
  rc.batch = mb->rows_per;
  mb->mb = calloc((size_t)micro_batches - 1, sizeof *mb->mb);
  int ok = mb->mb != NULL;
  for (int m = 0; ok && m < micro_batches; m++) {
    s2s_train_step *t = m ? &mb->mb[m - 1] : s;
    /* micro-batch m > 0 allocates its activations only, and its memory check counts
     * them on top of micro-batches 0..m-1's */
    ok = s2s_step_init_sharing(t, devs, ndev, split, &rc, m ? s : NULL) == 0;
    t->loss_rows = cfg->batch;
    t->tag_salt = S2S_TAG_MICRO(m);
    if (m == 0) s->mb = mb; /* from here on s2s_train_step_free frees mb */
    if (ok && m) {
      t->wt_stale = 0; /* micro-batch 0 refreshes the transposes, first on every device */
      for (int d = 0; d < ndev; d++) s->st[d].need_bytes = t->st[d].need_bytes; /* all M */
    }
    ok = ok && s2s_batch_alloc(&mb->part[m], mb->rows_per, s->T_src_max, s->T_tgt_max) == 0;
  }
  for (int m = 0; ok && m < micro_batches; m++) { /* the list of sends to progress */
    s2s_train_step *t = micro(s, m);
    t->mb_head = s;
    t->mb_next = m + 1 < micro_batches ? micro(s, m + 1) : NULL;
  }
  return ok ? 0 : -1;
}

void s2s_mb_free(s2s_train_step *s) {
  s2s_mb *mb = s->mb;
  if (!mb) return;
  for (int m = 1; mb->mb && m < mb->M; m++) {
    unshare(&mb->mb[m - 1]);
    s2s_step_free_one(&mb->mb[m - 1]);
  }
  for (int m = 0; m < mb->M; m++) s2s_batch_free(&mb->part[m]);
  free(mb->mb);
  free(mb);
  s->mb = NULL;
}

static int cut(s2s_mb *mb, const s2s_batch *b) {
  if (b->B > mb->B) {
    fprintf(stderr, "s2sbench: batch of %d rows exceeds the micro-batches' %d\n", b->B, mb->B);
    return -1;
  }
  for (int m = 0; m < mb->M; m++) {
    int r0;
    const int n = s2s_batch_block(b->B, mb->M, m, &r0);
    if (n == 0) {
      fprintf(stderr, "s2sbench: a batch of %d rows leaves micro-batch %d of %d without a "
              "row\n", b->B, m, mb->M);
      return -1;
    }
    s2s_batch_rows(b, r0, n, &mb->part[m]);
  }
  return 0;
}

/* MPI: every micro-batch's queued messages go out before a collective, or a peer could wait
 * in a later micro-batch for them while this rank waits in the collective. */
static int send_all(s2s_train_step *s) {
  for (int m = 0; m < s->mb->M; m++) S2S_TRY(s2s_step_send_all(micro(s, m)));
  return 0;
}

/* The sums of every micro-batch, then every queue drained and every step's events freed. */
static int finish_all(s2s_train_step *s, const s2s_batch *b, double norm, s2s_step_result *out) {
  double total[2] = {0, 0};
  S2S_TRY(send_all(s));
  for (int m = 0; m < s->mb->M; m++) {
    double sums[2];
    S2S_TRY(s2s_step_sums(micro(s, m), sums));
    total[0] += sums[0], total[1] += sums[1];
  }
  for (int m = 0; m < s->mb->M; m++) S2S_TRY(s2s_step_done(micro(s, m)));
  out->loss = total[0] / b->B;
  out->correct = total[1];
  out->grad_norm = norm;
  out->tokens = s2s_batch_tokens(b);
  return 0;
}

static void release_all(s2s_train_step *s) {
  for (int m = 0; m < s->mb->M; m++) s2s_step_release(micro(s, m));
}

/* The schedule's order of forwards and backwards. */
static int run_schedule(s2s_train_step *s) {
  s2s_mb *mb = s->mb;
  const int M = mb->M;
  if (mb->schedule == S2S_SCHEDULE_FILL_DRAIN) {
    for (int m = 0; m < M; m++) S2S_TRY(s2s_step_fwd(micro(s, m), &mb->part[m]));
    for (int m = M - 1; m >= 0; m--) S2S_TRY(s2s_step_bwd(micro(s, m), &mb->part[m]));
    return 0;
  }
  int stages = 0, seen[S2S_MAX_DEVICES] = {0}; /* the devices of the layers: the stages */
  for (int l = 0; l < s->cfg.layers; l++)
    if (!seen[s->split.layer_dev[l]]++) stages++;
  const int w = stages < M ? stages : M;
  for (int m = 0; m < w; m++) S2S_TRY(s2s_step_fwd(micro(s, m), &mb->part[m]));
  for (int m = 0; m < M; m++) {
    S2S_TRY(s2s_step_bwd(micro(s, m), &mb->part[m]));
    if (m + w < M) S2S_TRY(s2s_step_fwd(micro(s, m + w), &mb->part[m + w]));
  }
  return 0;
}

int s2s_mb_run(s2s_train_step *s, const s2s_batch *b, float lr, int update,
               s2s_step_result *out) {
  S2S_TRY(cut(s->mb, b));
  double g2 = 0;
  int rc = s2s_step_zero_grads(s); /* shared: once for all micro-batches */
  if (rc == 0) rc = run_schedule(s);
  if (rc == 0) rc = send_all(s);
  if (rc == 0) rc = s2s_step_norm2(s, &g2);
  if (rc == 0 && update) rc = s2s_step_update(s, g2, lr); /* shared parameters: once */
  if (rc == 0) rc = finish_all(s, b, sqrt(g2), out);
  if (rc != 0) release_all(s);
  return rc;
}

int s2s_mb_eval(s2s_train_step *s, const s2s_batch *b, s2s_step_result *out) {
  S2S_TRY(cut(s->mb, b));
  int rc = 0;
  for (int m = 0; rc == 0 && m < s->mb->M; m++) rc = s2s_step_forward(micro(s, m), &s->mb->part[m]);
  if (rc == 0) rc = finish_all(s, b, 0.0, out);
  if (rc != 0) release_all(s);
  return rc;
}

/* Data parallelism beside the pipeline (train_step.h): R replicas of one pipeline, each on
 * its own S devices, each given a row block of the global batch. After the backward the
 * host sums the gradients over the replicas: dense parameters whole, the embedding tables
 * as the rows the batch touched only (gathered into a packed block on each replica's
 * embedding device, summed, set back). Every replica gets the same sum, so the clip norm
 * taken from replica 0 holds for all, and all apply the same update; a checksum of the
 * parameters every N steps proves they stayed identical.
 * The all-reduce is host-staged (one process; replicas in any mix of contexts): replica
 * r's reads wait for its own backward only, and the replicas' devices work concurrently
 * until then, since every command before is enqueued without blocking. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cl/status.h"
#include "cl/timeline.h"
#include "mpi/world.h"
#include "step/train_step_internal.h"

/* A range of the parameter layout held by one stage: dense, or an embedding table (0
 * source, 1 target) summed as rows. */
typedef struct dp_piece {
  int stage;
  size_t off, len;
  int table; /* -1 dense */
} dp_piece;

#define DP_MAX_PIECES (S2S_MAX_DEVICES * (S2S_MAX_SEGMENTS + 4))

typedef struct s2s_dp {
  int R, S, B;                    /* replicas, stages per replica, the global batch */
  int rows_per;                   /* rows of each block: ceil(B / R) */
  int nlocal, first;              /* replicas in this process, the global index of the first:
                                     R and 0; under mpirun 1 and the rank */
  int mpi;                        /* the replicas are MPI ranks: sums are MPI_Allreduce */
  int stage_group;                /* MPI: this rank's stage in every replica (its sums) */
  s2s_train_step *rep;            /* (nlocal - 1) replicas 1.. (replica 0 is the step itself) */
  s2s_batch part[S2S_MAX_REPLICAS];
  int npieces;
  dp_piece piece[DP_MAX_PIECES];
  float *sum, *tmp;               /* (largest piece or packed rows) host staging */
  size_t host_cap;
  unsigned char *seen;            /* (max vocabulary) rows touched by this batch */
  int32_t *rows[2];               /* (V) the touched rows of each table, ascending */
  long nrows[2], max_rows[2];
  s2s_buf row_ids[S2S_MAX_REPLICAS], packed[S2S_MAX_REPLICAS]; /* on each embedding device */
  long step, check_every;
  s2s_allreduce_bytes last;
} s2s_dp;

s2s_train_step *s2s_dp_replica(s2s_train_step *s, int r) { return r ? &s->dp->rep[r - 1] : s; }

int s2s_dp_device_index(s2s_train_step *s, const void *handle) {
  for (int r = 0; r < s->dp->nlocal; r++) {
    const s2s_train_step *t = s2s_dp_replica(s, r);
    for (int d = 0; d < t->ndev; d++)
      if (t->st[d].dev == handle) return (s->dp->first + r) * s->dp->S + d;
  }
  return -1;
}

int s2s_train_step_replicas(const s2s_train_step *s) { return s->dp ? s->dp->R : 1; }
int s2s_train_step_local_replicas(const s2s_train_step *s) { return s->dp ? s->dp->nlocal : 1; }

s2s_allreduce_bytes s2s_train_step_allreduce_bytes(const s2s_train_step *s) {
  return s->dp ? s->dp->last : (s2s_allreduce_bytes){0};
}

void s2s_train_step_replica_check(s2s_train_step *s, long every) {
  if (s->dp) s->dp->check_every = every;
}

/* The stages' segments cut at the embedding tables' bounds. */
static int cut_pieces(s2s_train_step *s, s2s_dp *dp) {
  const size_t E = (size_t)s->cfg.embed;
  const size_t t0[2] = {s->lay.src_emb, s->lay.tgt_emb};
  const size_t tl[2] = {(size_t)s->cfg.src_vocab * E, (size_t)s->cfg.tgt_vocab * E};
  for (int d = 0; d < s->ndev; d++) {
    const s2s_stage *st = &s->st[d];
    for (int i = 0; i < st->nseg; i++) {
      size_t a = st->seg_off[i];
      const size_t end = a + st->seg_len[i];
      while (a < end) {
        int table = -1;
        size_t b = end;
        for (int t = 0; t < 2; t++) {
          if (a >= t0[t] && a < t0[t] + tl[t]) table = t, b = t0[t] + tl[t];
          else if (t0[t] > a && t0[t] < b) b = t0[t]; /* dense up to the table */
        }
        if (b > end) b = end;
        if (dp->npieces == DP_MAX_PIECES) return -1;
        dp->piece[dp->npieces++] = (dp_piece){.stage = d, .off = a, .len = b - a, .table = table};
        if (table < 0 && b - a > dp->host_cap) dp->host_cap = b - a;
        a = b;
      }
    }
  }
  return 0;
}

int s2s_train_step_init_replicas(s2s_train_step *s, s2s_device *devs, int ndev, int replicas,
                                 const s2s_split *split, const s2s_config *cfg) {
  if (replicas == 1) return s2s_train_step_init(s, devs, ndev, split, cfg);
  memset(s, 0, sizeof *s);
  if (replicas < 1 || replicas > S2S_MAX_REPLICAS || ndev % replicas || cfg->batch < replicas) {
    fprintf(stderr, "s2sbench: --replicas %d: %d devices and batch %d do not cut into %d "
            "replicas (1..%d replicas, each with the same number of devices and at least one "
            "row)\n", replicas, ndev, cfg->batch, replicas, S2S_MAX_REPLICAS);
    return -1;
  }
  int remote = 0;
  for (int d = 0; d < ndev; d++) remote |= devs[d].remote;
  /* under mpirun a rank per device: replica q is ranks [q*S, (q+1)*S), a pipeline of its
   * own whose collectives stay within it; the all-reduce is among the ranks of one stage */
  if (remote && s2s_mpi_size() != ndev) {
    fprintf(stderr, "s2sbench: --replicas %d under mpirun: one rank per device (%d ranks, %d "
            "devices)\n", replicas, s2s_mpi_size(), ndev);
    return -1;
  }
  s2s_dp *dp = calloc(1, sizeof *dp);
  if (!dp) return -1;
  dp->R = replicas, dp->S = ndev / replicas, dp->B = cfg->batch;
  dp->mpi = remote;
  dp->nlocal = remote ? 1 : replicas;
  dp->first = remote ? s2s_mpi_rank() / dp->S : 0;
  int replica_group = 0;
  if (remote) { /* every rank splits alike: first by replica, then by stage */
    replica_group = s2s_mpi_group_split(dp->first, s2s_mpi_rank());
    dp->stage_group = s2s_mpi_group_split(s2s_mpi_rank() % dp->S, s2s_mpi_rank());
    if (replica_group < 0 || dp->stage_group < 0) {
      free(dp);
      return -1;
    }
  }
  dp->rows_per = (cfg->batch + replicas - 1) / replicas;
  dp->check_every = S2S_REPLICA_CHECK_EVERY;
  s2s_config rc = *cfg;
  rc.batch = dp->rows_per;
  dp->rep = calloc((size_t)replicas, sizeof *dp->rep);
  int ok = dp->rep != NULL;
  for (int r = 0; ok && r < dp->nlocal; r++) { /* local replica 0 is s itself */
    s2s_train_step *t = r ? &dp->rep[r - 1] : s;
    ok = s2s_train_step_init(t, devs + (size_t)(dp->first + r) * dp->S, dp->S, split, &rc) == 0;
    t->loss_rows = cfg->batch;
    t->group = replica_group;
    if (r == 0) s->dp = dp; /* from here on s2s_train_step_free frees dp */
    ok = ok && s2s_batch_alloc(&dp->part[r], dp->rows_per, s->T_src_max, s->T_tgt_max) == 0;
  }
  if (!ok) return -1;
  const size_t E = (size_t)cfg->embed, B = (size_t)cfg->batch;
  const size_t vmax = (size_t)(cfg->src_vocab > cfg->tgt_vocab ? cfg->src_vocab : cfg->tgt_vocab);
  dp->max_rows[0] = (long)((size_t)cfg->src_vocab < B * s->T_src_max ? (size_t)cfg->src_vocab
                                                                     : B * s->T_src_max);
  dp->max_rows[1] = (long)((size_t)cfg->tgt_vocab < B * s->T_tgt_max ? (size_t)cfg->tgt_vocab
                                                                     : B * s->T_tgt_max);
  const size_t mr = (size_t)(dp->max_rows[0] > dp->max_rows[1] ? dp->max_rows[0] : dp->max_rows[1]);
  if (cut_pieces(s, dp) != 0) return -1;
  if (mr * E > dp->host_cap) dp->host_cap = mr * E;
  dp->sum = malloc(dp->host_cap * sizeof(float));
  dp->tmp = malloc(dp->host_cap * sizeof(float));
  dp->seen = calloc(vmax, 1);
  dp->rows[0] = malloc(vmax * sizeof(int32_t));
  dp->rows[1] = malloc(vmax * sizeof(int32_t));
  if (!dp->sum || !dp->tmp || !dp->seen || !dp->rows[0] || !dp->rows[1]) return -1;
  for (int r = 0; r < dp->nlocal; r++) {
    s2s_train_step *t = s2s_dp_replica(s, r);
    s2s_stage *st = &t->st[t->split.layer_dev[0]];
    if (s->dry || !st->local) continue; /* the embeddings on another rank's device */
    if (s2s_buf_alloc(st->dev, (size_t)(dp->max_rows[0] + dp->max_rows[1]), &dp->row_ids[r]) != 0 ||
        s2s_buf_alloc(st->dev, mr * E, &dp->packed[r]) != 0) {
      fprintf(stderr, "s2sbench: cannot allocate the all-reduce's packed embedding rows "
              "(%.1f MiB) on replica %d's device %s\n", (double)mr * E * 4 / 1048576.0, r,
              st->dev->info.name);
      return -1;
    }
    st->need_bytes += (mr * E + (size_t)(dp->max_rows[0] + dp->max_rows[1])) * sizeof(float);
  }
  return 0;
}

void s2s_dp_free(s2s_train_step *s) {
  s2s_dp *dp = s->dp;
  if (!dp) return;
  for (int r = 0; r < dp->nlocal; r++) {
    if (dp->row_ids[r].mem) s2s_buf_free(&dp->row_ids[r]);
    if (dp->packed[r].mem) s2s_buf_free(&dp->packed[r]);
    s2s_batch_free(&dp->part[r]);
  }
  for (int r = 1; dp->rep && r < dp->nlocal; r++) s2s_step_free_one(&dp->rep[r - 1]);
  free(dp->rep);
  free(dp->sum), free(dp->tmp), free(dp->seen), free(dp->rows[0]), free(dp->rows[1]);
  free(dp);
  s->dp = NULL;
}

static int cut_batch(s2s_dp *dp, const s2s_batch *b) {
  if (b->B > dp->B) {
    fprintf(stderr, "s2sbench: batch of %d rows exceeds the replicas' %d\n", b->B, dp->B);
    return -1;
  }
  for (int r = 0; r < dp->nlocal; r++) {
    const int g = dp->first + r; /* the replica's global index */
    int r0;
    const int n = s2s_batch_block(b->B, dp->R, g, &r0);
    if (n == 0) {
      fprintf(stderr, "s2sbench: a batch of %d rows leaves replica %d of %d without a row\n",
              b->B, g, dp->R);
      return -1;
    }
    s2s_batch_rows(b, r0, n, &dp->part[r]);
  }
  return 0;
}

/* The rows of each embedding table that the batch's ids touch (padding's id included: a
 * superset of the rows with a gradient, and rows outside it are zero in every replica). */
static void touched_rows(s2s_dp *dp, const s2s_batch *b, int V, int table) {
  const int32_t *ids = table ? b->tgt_in : b->src;
  const size_t n = (size_t)(table ? b->T_tgt : b->T_src) * b->B;
  for (size_t i = 0; i < n; i++)
    if (ids[i] >= 0 && ids[i] < V) dp->seen[ids[i]] = 1;
  long k = 0;
  for (int v = 0; v < V; v++)
    if (dp->seen[v]) dp->rows[table][k++] = v, dp->seen[v] = 0;
  dp->nrows[table] = k;
}

/* The host adds replica r's n floats into the sum: a plan node (host work on replica r's
 * device's host thread) and a timeline row, so the table measures it and predict costs it.
 * (With a host thread per replica, as predict models MPI ranks, the add comes before the
 * wait for the other reads: optimistic by at most one add.) */
static void add_into(s2s_device *dev, float *sum, const float *x, size_t n) {
  const long node = s2s_plan_add(dev, S2S_OP_HOST_WORK, "all-reduce add", n, -1, 1);
  const long long t0 = s2s_timeline_now();
  for (size_t i = 0; i < n; i++) sum[i] += x[i];
  s2s_timeline_host_work(dev->queue, "all-reduce add", t0, s2s_timeline_now(), node);
}

/* The local replicas' n floats summed into dp->sum; under MPI, summed over the ranks. */
static int sum_over_replicas(s2s_dp *dp, size_t n) {
  if (!dp->mpi) return 0;
  dp->last.mpi += (double)n * sizeof(float);
  return s2s_mpi_sum_floats_in(dp->stage_group, dp->sum, n);
}

/* The plan node a call just recorded (-1: none, as for a device outside the plan). */
static long recorded_since(size_t before) {
  const s2s_plan *p = s2s_plan_current();
  return p && p->n > before ? (long)p->n - 1 : -1;
}

static size_t plan_size(void) {
  const s2s_plan *p = s2s_plan_current();
  return p ? p->n : 0;
}

/* In the plan, every replica's sum waits for every replica's read: a no-op for the one
 * host thread that read them all in turn, and the all-reduce's synchronisation where the
 * replicas are processes of their own with a host thread each (`predict --contexts ranks`
 * models MPI ranks so: the sum is ready when the last rank's read is; the collective's own
 * seconds are not modelled, see predict --help). */
static void wait_for_reads(s2s_train_step *s, int stage, const long *read) {
  s2s_dp *dp = s->dp;
  for (int r = 0; r < dp->nlocal; r++)
    for (int q = 0; q < dp->nlocal; q++)
      if (q != r && read[q] >= 0)
        s2s_plan_add(s2s_dp_replica(s, r)->st[stage].dev, S2S_OP_HOST_WAIT, "all-reduce", 0,
                     (int)read[q], 1);
}

static int reduce_dense(s2s_train_step *s, const dp_piece *p) {
  s2s_dp *dp = s->dp;
  long read[S2S_MAX_REPLICAS];
  for (int r = 0; r < dp->nlocal; r++) {
    s2s_stage *st = &s2s_dp_replica(s, r)->st[p->stage];
    const size_t before = plan_size();
    S2S_TRY(s2s_buf_read(st->dev, s2s_stage_grad(st, p->off), r ? dp->tmp : dp->sum, p->len));
    read[r] = recorded_since(before);
    if (r) add_into(st->dev, dp->sum, dp->tmp, p->len);
  }
  wait_for_reads(s, p->stage, read);
  S2S_TRY(sum_over_replicas(dp, p->len));
  for (int r = 0; r < dp->nlocal; r++) {
    s2s_stage *st = &s2s_dp_replica(s, r)->st[p->stage];
    S2S_TRY(s2s_buf_write(st->dev, s2s_stage_grad(st, p->off), dp->sum, p->len));
  }
  dp->last.dense += 2.0 * dp->nlocal * p->len * sizeof(float);
  return 0;
}

static int reduce_rows(s2s_train_step *s, const dp_piece *p) {
  s2s_dp *dp = s->dp;
  const int E = s->cfg.embed, t = p->table;
  const long n = dp->nrows[t];
  if (n == 0) return 0;
  long read[S2S_MAX_REPLICAS];
  for (int r = 0; r < dp->nlocal; r++) {
    s2s_stage *st = &s2s_dp_replica(s, r)->st[p->stage];
    s2s_buf ids = s2s_buf_at(dp->row_ids[r], t ? (size_t)dp->max_rows[0] : 0);
    S2S_TRY(s2s_buf_write(st->dev, ids, dp->rows[t], (size_t)n));
    S2S_TRY(s2s_cl_embedding_forward(&st->k, (int)n, E, s2s_stage_grad(st, p->off), ids,
                                     dp->packed[r]));
    const size_t before = plan_size();
    S2S_TRY(s2s_buf_read(st->dev, dp->packed[r], r ? dp->tmp : dp->sum, (size_t)n * E));
    read[r] = recorded_since(before);
    if (r) add_into(st->dev, dp->sum, dp->tmp, (size_t)n * E);
  }
  wait_for_reads(s, p->stage, read);
  S2S_TRY(sum_over_replicas(dp, (size_t)n * E));
  for (int r = 0; r < dp->nlocal; r++) {
    s2s_stage *st = &s2s_dp_replica(s, r)->st[p->stage];
    s2s_buf ids = s2s_buf_at(dp->row_ids[r], t ? (size_t)dp->max_rows[0] : 0);
    S2S_TRY(s2s_buf_write(st->dev, dp->packed[r], dp->sum, (size_t)n * E));
    S2S_TRY(s2s_cl_embedding_rows_set(&st->k, (int)n, E, ids, dp->packed[r],
                                      s2s_stage_grad(st, p->off)));
  }
  dp->last.rows += 2.0 * dp->nlocal * (double)n * E * sizeof(float);
  return 0;
}

static int allreduce(s2s_train_step *s, const s2s_batch *b) {
  s2s_dp *dp = s->dp;
  dp->last = (s2s_allreduce_bytes){0};
  touched_rows(dp, b, s->cfg.src_vocab, 0);
  touched_rows(dp, b, s->cfg.tgt_vocab, 1);
  dp->last.rows_src = dp->nrows[0], dp->last.rows_tgt = dp->nrows[1];
  for (int r = 0; r < dp->nlocal; r++) /* a pipeline's messages before the blocking reads */
    if (s2s_dp_replica(s, r)->mpi) S2S_TRY(s2s_step_send_all(s2s_dp_replica(s, r)));
  for (int i = 0; i < dp->npieces; i++) {
    if (!s->st[dp->piece[i].stage].local) continue; /* MPI: another rank's stage */
    S2S_TRY(dp->piece[i].table < 0 ? reduce_dense(s, &dp->piece[i])
                                   : reduce_rows(s, &dp->piece[i]));
  }
  return 0;
}

/* FNV-1a over the bytes of a replica's parameters (under MPI: its stages on this rank), in
 * layout order. */
static int params_checksum(s2s_train_step *t, float *scratch, size_t cap, uint64_t *h) {
  *h = 1469598103934665603ull;
  for (int d = 0; d < t->ndev; d++) {
    s2s_stage *st = &t->st[d];
    for (int i = 0; st->local && i < st->nseg; i++)
      for (size_t a = 0; a < st->seg_len[i]; a += cap) {
        const size_t n = st->seg_len[i] - a < cap ? st->seg_len[i] - a : cap;
        S2S_TRY(s2s_buf_read(st->dev, s2s_buf_at(st->params, st->seg_loc[i] + a), scratch, n));
        const unsigned char *p = (const unsigned char *)scratch;
        for (size_t k = 0; k < n * sizeof(float); k++) *h = (*h ^ p[k]) * 1099511628211ull;
      }
  }
  return 0;
}

static int check_replicas(s2s_train_step *s) {
  s2s_dp *dp = s->dp;
  if (s->dry) return 0;
  if (dp->mpi) { /* every rank's checksum to every rank: rank k against the same stage's
                    rank of replica 0, k % S */
    const int n = s2s_mpi_size();
    uint64_t mine, *all = calloc((size_t)n, sizeof *all);
    int rc = all && params_checksum(s, dp->sum, dp->host_cap, &mine) == 0 &&
                     s2s_mpi_allgather(&mine, sizeof mine, all) == 0 ? 0 : -1;
    for (int k = 0; rc == 0 && k < n; k++)
      if (all[k] != all[k % dp->S]) {
        fprintf(stderr, "s2sbench: rank %d's parameters (replica %d, stage %d) differ from rank "
                "%d's after %ld steps (checksum %016llx against %016llx): the replicas "
                "diverged\n", k, k / dp->S, k % dp->S, k % dp->S, dp->step,
                (unsigned long long)all[k], (unsigned long long)all[k % dp->S]);
        rc = -1;
      }
    free(all);
    return rc;
  }
  uint64_t h[S2S_MAX_REPLICAS] = {0};
  for (int r = 0; r < dp->nlocal; r++)
    S2S_TRY(params_checksum(s2s_dp_replica(s, r), dp->sum, dp->host_cap, &h[r]));
  for (int r = 1; r < dp->R; r++) {
    if (h[r] != h[0]) {
      fprintf(stderr, "s2sbench: replica %d's parameters differ from replica 0's after %ld "
              "steps (checksum %016llx against %016llx): the replicas diverged\n", r, dp->step,
              (unsigned long long)h[r], (unsigned long long)h[0]);
      return -1;
    }
  }
  return 0;
}

static void release_all(s2s_train_step *s) {
  for (int r = 0; r < s->dp->nlocal; r++) s2s_step_release(s2s_dp_replica(s, r));
}

/* The sums of every replica, then every queue drained. */
static int finish_all(s2s_train_step *s, const s2s_batch *b, double norm, s2s_step_result *out) {
  double total[2] = {0, 0};
  for (int r = 0; r < s->dp->nlocal; r++) {
    double sums[2];
    S2S_TRY(s2s_step_sums(s2s_dp_replica(s, r), sums));
    total[0] += sums[0], total[1] += sums[1];
  }
  if (s->dp->mpi) S2S_TRY(s2s_mpi_sum_in(s->dp->stage_group, total, 2)); /* a rank a replica */
  for (int r = 0; r < s->dp->nlocal; r++) S2S_TRY(s2s_step_done(s2s_dp_replica(s, r)));
  out->loss = total[0] / b->B;
  out->correct = total[1];
  out->grad_norm = norm;
  out->tokens = s2s_batch_tokens(b);
  return 0;
}

int s2s_dp_run(s2s_train_step *s, const s2s_batch *b, float lr, int update,
               s2s_step_result *out) {
  s2s_dp *dp = s->dp;
  S2S_TRY(cut_batch(dp, b));
  double g2 = 0;
  int rc = 0;
  for (int r = 0; rc == 0 && r < dp->nlocal; r++)
    rc = s2s_step_grads(s2s_dp_replica(s, r), &dp->part[r]);
  if (rc == 0) rc = allreduce(s, b);
  if (rc == 0) rc = s2s_step_norm2(s, &g2); /* every replica holds the same sum */
  for (int r = 0; rc == 0 && update && r < dp->nlocal; r++)
    rc = s2s_step_update(s2s_dp_replica(s, r), g2, lr);
  if (rc == 0) rc = finish_all(s, b, sqrt(g2), out);
  if (rc != 0) {
    release_all(s);
    return -1;
  }
  dp->step += update != 0;
  if (update && dp->check_every > 0 && dp->step % dp->check_every == 0) return check_replicas(s);
  return 0;
}

int s2s_dp_eval(s2s_train_step *s, const s2s_batch *b, s2s_step_result *out) {
  s2s_dp *dp = s->dp;
  S2S_TRY(cut_batch(dp, b));
  int rc = 0;
  for (int r = 0; rc == 0 && r < dp->nlocal; r++)
    rc = s2s_step_forward(s2s_dp_replica(s, r), &dp->part[r]);
  if (rc == 0) rc = finish_all(s, b, 0.0, out);
  if (rc != 0) release_all(s);
  return rc;
}

int s2s_dp_set_params(s2s_train_step *s, const float *params) {
  for (int r = 1; s->dp && r < s->dp->nlocal; r++)
    S2S_TRY(s2s_step_set_params_one(s2s_dp_replica(s, r), params));
  return 0;
}

/* Timing the training step (bench.h): a session builds the step for a config and split,
 * warms it up, then runs one timed trial at a time, so several sessions (the pipeline and
 * its baselines) can interleave their trials and share the machine's drift alike. lr 0: the
 * parameters stay at their initial values, so every trial does the same work. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "blas/tuning.h"
#include "cl/timeline.h"
#include "mpi/world.h"
#include "data/task.h"
#include "model/params.h"
#include "profile/gemm_replay.h"
#include "record/atomic_file.h"

int s2s_step_session_init(step_session *ss, const step_bench *o, s2s_device *devs, int ndev,
                          const s2s_split *split, step_numbers *m) {
  memset(ss, 0, sizeof *ss);
  ss->o = o, ss->devs = devs, ss->ndev = ndev, ss->m = m;
  ss->ceiling = ndev == 1; /* the recorder does not know devices: replay on one */
  double t = s2s_now();
  if (s2s_batch_alloc(&ss->b, o->cfg.batch, o->cfg.max_len, o->cfg.max_len + 1) != 0) return -1;
  ss->has_batch = 1;
  if (s2s_train_step_init_parallel(&ss->st, devs, ndev, &m->par, split, &o->cfg) != 0) return -1;
  ss->has_step = 1;
  m->build_s = s2s_now() - t;
  float *p = malloc(ss->st.lay.total * sizeof *p);
  if (!p) return -1;
  s2s_params_init(p, &ss->st.lay, &o->cfg, o->cfg.seed);
  int set = s2s_train_step_set_params(&ss->st, p);
  free(p);
  if (set) return -1;
  s2s_task task = {.kind = S2S_TASK_COPY, .vocab = o->cfg.src_vocab < o->cfg.tgt_vocab
                                                      ? o->cfg.src_vocab : o->cfg.tgt_vocab,
                   .min_len = (int)o->len, .max_len = (int)o->len, .seed = o->cfg.seed};
  s2s_task_batch(&task, 0, 0, o->cfg.batch, &ss->b);
  m->words = ss->b.src_words + ss->b.tgt_words;
  m->step_flops = s2s_train_step_flops(&o->cfg, &ss->b);
  for (long i = 0; i < o->warmup; i++) {
    t = s2s_now();
    if (s2s_train_step_run(&ss->st, &ss->b, 0.0f, 1, &ss->res) != 0) return -1;
    m->warm_s[i] = s2s_now() - t;
  }
  m->loss_per_token = ss->res.loss * ss->b.B / ss->res.tokens;
  return 0;
}

/* Under mpirun each rank timed only its own devices: every rank's rows (on the host's
 * monotonic clock, which ranks of one host share) gathered, and rank 0 writes them all to
 * path, from the earliest start. Every rank calls it. */
typedef struct rank_row {
  int device;
  char what[40];
  double a, b; /* start and end on CLOCK_MONOTONIC, seconds */
} rank_row;

static int by_row_start(const void *x, const void *y) {
  const rank_row *p = x, *q = y;
  return (p->a > q->a) - (p->a < q->a);
}

static int write_every_rank(const s2s_timeline *t, const char *path) {
  int n = 0;
  for (size_t i = 0; i < t->n; i++) n += t->ev[i].end_s > t->ev[i].start_s;
  const int size = s2s_mpi_size(), most = s2s_mpi_max_int(n);
  if (most < 0) return -1;
  rank_row *mine = calloc((size_t)most + 1, sizeof *mine);
  rank_row *all = calloc(((size_t)most + 1) * size, sizeof *all);
  int rc = mine && all ? 0 : -1;
  n = 0;
  for (size_t i = 0; !rc && i < t->n; i++)
    if (t->ev[i].end_s > t->ev[i].start_s) {
      rank_row *r = &mine[n++];
      r->device = t->ev[i].device;
      memcpy(r->what, t->ev[i].what, sizeof r->what);
      r->a = t->origin_s + t->ev[i].start_s, r->b = t->origin_s + t->ev[i].end_s;
    }
  if (!rc) rc = s2s_mpi_allgather(mine, ((size_t)most + 1) * sizeof *mine, all);
  if (!rc && s2s_mpi_rank() == 0 && path) {
    size_t m = 0;
    for (size_t i = 0; i < ((size_t)most + 1) * size; i++)
      if (all[i].b > all[i].a) all[m++] = all[i];
    qsort(all, m, sizeof *all, by_row_start);
    s2s_atomic_file f;
    rc = s2s_atomic_open(&f, path);
    if (!rc) {
      s2s_timeline_tsv_header(f.f);
      for (size_t i = 0; i < m; i++)
        s2s_timeline_tsv_row(f.f, all[i].device, NULL, all[i].what, all[i].a - all[0].a,
                             all[i].b - all[0].a);
      rc = s2s_atomic_commit(&f);
    }
  }
  free(mine), free(all);
  return rc;
}

int s2s_step_session_trial(step_session *ss, long i) {
  step_numbers *m = ss->m;
  const int last = i == ss->o->trials - 1;
  if (i == 0 && ss->ceiling) s2s_gemm_record(&ss->rec);
  s2s_timeline tl;
  if (last) {
    s2s_timeline_init(&tl, ss->devs, ss->ndev);
    s2s_timeline_capture(&tl);
    if (m->plan) {
      s2s_plan_init(m->plan, ss->ndev);
      s2s_train_step_record(&ss->st, m->plan);
    }
  }
  const long switches = s2s_tuning_switches();
  double t = s2s_now();
  int r = s2s_train_step_run(&ss->st, &ss->b, 0.0f, 1, &ss->res);
  m->trial_s[i] = s2s_now() - t;
  if (last) m->switches = s2s_tuning_switches() - switches;
  s2s_gemm_record(NULL);
  if (last) {
    s2s_timeline_capture(NULL);
    if (m->plan) s2s_train_step_record(&ss->st, NULL);
    /* under mpirun each rank timed its own device */
    const int ranks = ss->st.mpi || s2s_train_step_local_replicas(&ss->st) <
                                        s2s_train_step_replicas(&ss->st); /* devices elsewhere */
    if (r == 0 && s2s_timeline_finish(&tl, ranks ? NULL : m->timeline_path) == 0) {
      if (m->plan) s2s_timeline_fill_plan(&tl, m->plan);
      m->gemm_busy = 0;
      for (int d = 0; d < ss->ndev; d++) {
        m->busy[d] = tl.busy[d];
        m->gemm_busy += s2s_timeline_sum(&tl, d, "sgemm");
      }
      m->span = tl.span;
    }
    /* every rank's rows to rank 0's file, every rank's busy seconds to all */
    if (ranks && write_every_rank(&tl, r == 0 ? m->timeline_path : NULL) != 0) r = -1;
    s2s_timeline_free(&tl);
    if (ranks && s2s_mpi_sum(m->busy, ss->ndev) != 0) r = -1;
  }
  return r;
}

int s2s_step_session_finish(step_session *ss) {
  const step_bench *o = ss->o;
  step_numbers *m = ss->m;
  s2s_device *dev = &ss->devs[0];
  m->gemm_calls = ss->rec.count;
  m->gemm_flops = s2s_gemm_recorded_flops(&ss->rec);
  double *gemm_trials = calloc((size_t)o->gemm_reps, sizeof *gemm_trials);
  if (!gemm_trials) return -1;
  for (long i = 0; ss->ceiling && i < o->gemm_reps; i++) {
    double t = s2s_now();
    if (s2s_gemm_replay(dev, &ss->rec) != 0 || clFinish(dev->queue) != CL_SUCCESS) {
      free(gemm_trials);
      return -1;
    }
    gemm_trials[i] = s2s_now() - t;
  }
  s2s_summarize(m->trial_s, (size_t)o->trials, &m->step);
  s2s_summarize(gemm_trials, ss->ceiling ? (size_t)o->gemm_reps : 0, &m->gemm);
  free(gemm_trials);
  m->gemm_s = m->gemm.median;
  /* output check: at initialisation the per-token loss is close to ln(V) */
  double lnv = log((double)o->cfg.tgt_vocab);
  m->valid = !ss->rec.failed && isfinite(ss->res.loss) && m->loss_per_token > 0.5 * lnv &&
             m->loss_per_token < 2.0 * lnv;
  return 0;
}

void s2s_step_session_free(step_session *ss) {
  if (ss->has_step) s2s_train_step_free(&ss->st);
  if (ss->has_batch) s2s_batch_free(&ss->b);
  s2s_gemm_recorder_free(&ss->rec);
  memset(ss, 0, sizeof *ss);
}

int s2s_step_bench_measure(const step_bench *o, s2s_device *devs, int ndev,
                           const s2s_split *split, step_numbers *m) {
  step_session ss;
  int rc = s2s_step_session_init(&ss, o, devs, ndev, split, m);
  for (long i = 0; rc == 0 && i < o->trials; i++)
    rc = s2s_step_session_trial(&ss, i);
  if (rc == 0) rc = s2s_step_session_finish(&ss);
  s2s_step_session_free(&ss);
  return rc;
}

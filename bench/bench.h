/* Benchmarks run by `s2sbench bench KIND`: each takes the arguments after KIND (argv[0]
 * is the kind) and returns the exit status. */
#ifndef S2S_BENCH_H
#define S2S_BENCH_H

#include <stddef.h>

#include "model/config.h"
#include "cl/device.h"
#include "step/pipeline_split.h"
#include "profile/stats.h"
#include "blas/gemm.h"
#include "model/batch.h"
#include "step/train_step.h"

int s2s_bench_step(int argc, char **argv);
int s2s_bench_pipeline(int argc, char **argv);
int s2s_bench_gemm(int argc, char **argv);
int s2s_bench_lstm(int argc, char **argv);
int s2s_bench_softmax(int argc, char **argv);
int s2s_bench_transfer(int argc, char **argv);
int s2s_bench_decode(int argc, char **argv);

/* Shared by the step and pipeline benchmarks (bench_step.c). */
typedef struct step_bench {
  s2s_config cfg;
  const char *devices, *out_dir, *split, *baseline;
  const char *whole;  /* bench pipeline: the whole-device baseline spec ("none": skip) */
  long trials, warmup, len, gemm_reps;
  int no_predict;     /* bench pipeline --predict off: no cost table, no prediction */
  long replicas;      /* bench pipeline --replicas R: data-parallel copies of the split */
  long micro_batches; /* bench pipeline --micro-batches M: the micro-batched pipeline too */
  int schedule;       /* bench pipeline --schedule: its order (S2S_SCHEDULE_*) */
  long measure_replicas; /* predict --measure-replicas R': the all-reduce measured as R'
                            replicas on the one device (0: as the R replicas) */
} step_bench;

typedef struct step_numbers {
  double build_s, warm_s[1000], *trial_s, gemm_s, gemm_flops, step_flops, words, loss_per_token;
  size_t gemm_calls;
  s2s_summary step, gemm;  /* gemm.n == 0: no ceiling measured (several devices) */
  int valid;
  const char *timeline_path; /* in: write the last trial's timeline here (NULL: don't) */
  double busy[S2S_MAX_DEVICES], span; /* out: the last trial's busy seconds per device */
  double gemm_busy;  /* out: the last trial's seconds inside CLBlast GEMMs, all devices */
  long switches;     /* out: tuning class switches in the last trial, all devices of this
                        process (s2s_tuning_select) */
  s2s_plan *plan;    /* in: record the last trial's plan here, every node with its measured
                        interval (NULL: don't); out: that plan */
  s2s_parallel par;  /* in: replicas or micro-batches beside the split (zero: neither) */
} step_numbers;

/* Flags shared by both (0 ok, 1 help printed, 2 bad flag). */
int s2s_step_bench_parse(step_bench *o, const char *cmd, int argc, char **argv,
                         void (*help)(void));
/* One step under test (step_session.c): init builds it and runs the warm-ups; each trial
 * times one step (the first records the GEMMs for the ceiling, the last captures the
 * timeline); finish replays the GEMMs (one device) and summarizes. Sessions interleave. */
typedef struct step_session {
  const step_bench *o;
  s2s_device *devs;
  int ndev, ceiling, has_step, has_batch;
  s2s_train_step st;
  s2s_batch b;
  s2s_gemm_recorder rec;
  s2s_step_result res;
  step_numbers *m;
} step_session;
int s2s_step_session_init(step_session *ss, const step_bench *o, s2s_device *devs, int ndev,
                          const s2s_split *split, step_numbers *m);
int s2s_step_session_trial(step_session *ss, long i);
int s2s_step_session_finish(step_session *ss);
void s2s_step_session_free(step_session *ss);
/* Warm-up, trials and (one device) the GEMM ceiling; m->trial_s must hold o->trials. */
int s2s_step_bench_measure(const step_bench *o, s2s_device *devs, int ndev,
                           const s2s_split *split, step_numbers *m);
void s2s_step_bench_report(const step_bench *o, const s2s_device *dev, const step_numbers *m);

#endif

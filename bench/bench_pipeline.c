/* `s2sbench bench pipeline`: the training step on N devices against the same step on one
 * of them (same code, same global batch, same machine, one run), with the speedup, the
 * efficiency and the FLOP balance of the split (pipeline_split.h), against two baselines
 * with interleaved trials: one device of the pipeline (per-device scaling) and the whole
 * device they were cut from (what a user gets without pipelining). On a 2-core PoCL
 * machine, `--devices cpu/2` is the paper's experiment in small. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/atomic_file.h"
#include "bench/bench.h"
#include "args/args.h"
#include "record/json.h"
#include "run/run_record.h"
#include "blas/blas_devices.h"
#include "mpi/world.h"
#include "bench/predict.h"

static void help(void) {
  printf("usage: s2sbench bench pipeline --devices SPEC [--split SPEC] [--replicas R]\n"
         "                               [--micro-batches M [--schedule fill-drain|1f1b]]\n"
         "                               [--baseline SPEC] [--whole SPEC|none] [--preset P] [size flags]\n"
         "                               [--len T] [--trials N] [--predict on|off] [--out DIR]\n\n"
         "Times the training step pipelined over the devices of SPEC (default cpu/2) against\n"
         "two baselines, with their trials interleaved (baseline, whole, pipeline, then the\n"
         "next trial) so drift hits all three alike:\n"
         "  --baseline SPEC  one device of the pipeline's kind (default: the first device of\n"
         "                   SPEC alone, e.g. one 1-CU sub-device: per-device scaling)\n"
         "  --whole SPEC     the whole device the pipeline's devices were cut from (default:\n"
         "                   SPEC's first item without its /N split, e.g. cpu for cpu/2: what a\n"
         "                   user gets without pipelining); none, or equal to the baseline: skip\n"
         "Reports words/s of each, the speedup over each baseline (median of the medians,\n"
         "min/max over the paired trials), the efficiency (speedup / devices) and the FLOP\n"
         "balance of the split. --out DIR writes run.json and trials.tsv.\n"
         "  --replicas R     also data parallel on the same devices and global batch, its\n"
         "                   trials interleaved with the others: R copies of the default\n"
         "                   split of N/R devices, each a row block of the batch (R = N: one\n"
         "                   device each; default 1: the pipeline alone)\n"
         "  --micro-batches M  also the split micro-batched (today's trainers): the batch cut\n"
         "                   into M row blocks flowing through the stages, interleaved too\n"
         "  --schedule S     their order: fill-drain (GPipe, default) or 1f1b\n"
         "  --predict on|off the predicted speedup (default on; s2sbench predict) from costs\n"
         "                   of the baseline device: its trials' own plan, plus the split\n"
         "                   mapped onto it and GEMM replays after the trials (about a third\n"
         "                   of the run's time; off skips them)\n"
         "Under mpirun -np N (N items in SPEC) rank r runs item r's stages and the baselines\n"
         "run on rank 0, which writes the results (the prediction: a process per device).\n");
  s2s_args_config_help();
}

static void write_trials(FILE *f, const char *config, const step_bench *o, const step_numbers *m) {
  for (long i = 0; i < o->warmup; i++)
    fprintf(f, "%s\twarmup\t%ld\t%.6f\t%.1f\n", config, i, m->warm_s[i], m->words / m->warm_s[i]);
  for (long i = 0; i < o->trials; i++)
    fprintf(f, "%s\ttrial\t%ld\t%.6f\t%.1f\n", config, i, m->trial_s[i], m->words / m->trial_s[i]);
}

/* Speedup of `pipe` over `base`: the ratio of the medians, and the range of the ratios of
 * trials run side by side (trial i of both came one after the other). */
typedef struct speedup { double median, min, max; } speedup;

static speedup speedup_of(const step_numbers *base, const step_numbers *pipe, long trials) {
  speedup s = {base->step.median / pipe->step.median, INFINITY, 0};
  for (long i = 0; i < trials; i++) {
    const double r = base->trial_s[i] / pipe->trial_s[i];
    s.min = r < s.min ? r : s.min;
    s.max = r > s.max ? r : s.max;
  }
  return s;
}

static void json_speedup(s2s_json *j, const char *key, speedup s, int n) {
  s2s_json_num(j, key, s.median);
  char k[64];
  snprintf(k, sizeof k, "%s_min", key);
  s2s_json_num(j, k, s.min);
  snprintf(k, sizeof k, "%s_max", key);
  s2s_json_num(j, k, s.max);
  snprintf(k, sizeof k, "%s_efficiency", key);
  s2s_json_num(j, k, s.median / n);
}

typedef struct runs {
  step_numbers base, whole, pipe, dp; /* dp: --replicas R, R copies of an N/R-device split */
  step_numbers mb;                    /* --micro-batches M: the split's micro-batched pipeline */
  int has_whole, has_dp, has_mb;
  char dp_split[256];
  const char *whole_spec;
  s2s_device *whole_dev;
  int predicted;         /* pred holds the prediction from the baseline device's costs */
  s2s_prediction pred;
  int dp_predicted;      /* dp_pred: the same for the data-parallel replicas */
  s2s_prediction dp_pred;
  int mb_predicted;      /* mb_pred: the same for the micro-batched pipeline */
  s2s_prediction mb_pred;
} runs;

/* PREFIX_step_s_median|min|max, _words_per_s, _speedup (over the baseline) and
 * _speedup_vs_whole with ranges, _vs_pipeline (> 1: faster than the paper's wavefront) with
 * its paired range, _predicted_speedup|step_s (null: none), _busy_fraction [per device]. */
static void json_beside(s2s_json *j, const char *prefix, const runs *r, const step_numbers *m,
                        const s2s_prediction *pred, const step_bench *o, int n) {
  char k[96];
#define KEY(name) (snprintf(k, sizeof k, "%s_%s", prefix, name), k)
  s2s_json_num(j, KEY("step_s_median"), m->step.median);
  s2s_json_num(j, KEY("step_s_min"), m->step.min);
  s2s_json_num(j, KEY("step_s_max"), m->step.max);
  s2s_json_num(j, KEY("words_per_s"), m->words / m->step.median);
  char sk[96];
  snprintf(sk, sizeof sk, "%s_speedup", prefix);
  json_speedup(j, sk, speedup_of(&r->base, m, o->trials), n);
  snprintf(sk, sizeof sk, "%s_speedup_vs_whole", prefix);
  if (r->has_whole) json_speedup(j, sk, speedup_of(&r->whole, m, o->trials), n);
  const speedup v = speedup_of(&r->pipe, m, o->trials);
  s2s_json_num(j, KEY("vs_pipeline"), v.median);
  s2s_json_num(j, KEY("vs_pipeline_min"), v.min);
  s2s_json_num(j, KEY("vs_pipeline_max"), v.max);
  s2s_json_num(j, KEY("predicted_speedup"), pred ? pred->speedup : NAN);
  s2s_json_num(j, KEY("predicted_step_s"), pred ? pred->step_s : NAN);
  s2s_json_array(j, KEY("busy_fraction"));
#undef KEY
  for (int d = 0; d < n; d++) s2s_json_num(j, NULL, m->busy[d] / m->trial_s[o->trials - 1]);
  s2s_json_close(j, ']');
}

static int write_results(const step_bench *o, s2s_device *devs, int n, const char *split,
                         const runs *r, double balance, const double *share, int argc,
                         char **argv) {
  if (s2s_mkdirs(o->out_dir) != 0) return -1;
  char path[4200];
  snprintf(path, sizeof path, "%s/trials.tsv", o->out_dir);
  s2s_atomic_file a;
  if (s2s_atomic_open(&a, path) != 0) return -1;
  fprintf(a.f, "config\tphase\ttrial\tseconds\twords_per_s\n");
  write_trials(a.f, "baseline", o, &r->base);
  if (r->has_whole) write_trials(a.f, "whole", o, &r->whole);
  write_trials(a.f, "pipeline", o, &r->pipe);
  if (r->has_dp) write_trials(a.f, "replicas", o, &r->dp);
  if (r->has_mb) write_trials(a.f, "micro_batches", o, &r->mb);
  if (s2s_atomic_commit(&a) != 0) return -1;
  snprintf(path, sizeof path, "%s/run.json", o->out_dir);
  if (s2s_atomic_open(&a, path) != 0) return -1;
  s2s_json j;
  s2s_json_begin(&j, a.f);
  s2s_run_record_meta(&j, "bench pipeline", argc, argv, devs, n);
  s2s_run_record_config(&j, &o->cfg);
  s2s_json_str(&j, "split", split);
  s2s_json_int(&j, "replicas", o->replicas); /* data parallel beside the pipeline */
  if (r->has_dp) s2s_json_str(&j, "replicas_split", r->dp_split); /* each replica's */
  s2s_json_int(&j, "micro_batches", o->micro_batches); /* the micro-batched pipeline too */
  if (r->has_mb) s2s_json_str(&j, "schedule", s2s_schedule_name(o->schedule));
  if (r->has_whole) {
    s2s_json_key(&j, "whole_device");
    s2s_device_json(&r->whole_dev->info, j.f);
  }
  const step_numbers *base = &r->base, *pipe = &r->pipe;
  s2s_json_object(&j, "summary");
  s2s_json_bool(&j, "output_check_passed",
                base->valid && pipe->valid && (!r->has_whole || r->whole.valid) &&
                    (!r->has_dp || r->dp.valid) && (!r->has_mb || r->mb.valid));
  s2s_json_bool(&j, "trials_interleaved", 1);
  s2s_json_int(&j, "devices", n);
  s2s_json_int(&j, "words_per_sentence", o->len);
  s2s_json_str(&j, "words_convention", "source + target words, <eos> excluded");
  s2s_json_num(&j, "baseline_step_s_median", base->step.median);
  s2s_json_num(&j, "pipeline_step_s_median", pipe->step.median);
  s2s_json_num(&j, "pipeline_step_s_min", pipe->step.min);
  s2s_json_num(&j, "pipeline_step_s_max", pipe->step.max);
  s2s_json_num(&j, "baseline_words_per_s", base->words / base->step.median);
  s2s_json_num(&j, "pipeline_words_per_s", pipe->words / pipe->step.median);
  const speedup sp = speedup_of(base, pipe, o->trials);
  s2s_json_num(&j, "speedup", sp.median);  /* over the one-device baseline */
  s2s_json_num(&j, "speedup_min", sp.min);
  s2s_json_num(&j, "speedup_max", sp.max);
  s2s_json_num(&j, "efficiency", sp.median / n);
  if (r->has_whole) {
    s2s_json_num(&j, "whole_step_s_median", r->whole.step.median);
    s2s_json_num(&j, "whole_words_per_s", r->whole.words / r->whole.step.median);
    json_speedup(&j, "speedup_vs_whole", speedup_of(&r->whole, pipe, o->trials), n);
  }
  if (r->predicted) { /* from the baseline device's costs (predict.h) */
    s2s_prediction_json(&r->pred, &j);
  } else {
    s2s_json_num(&j, "predicted_speedup", NAN); /* null: not predicted */
  }
  s2s_json_num(&j, "flop_balance", balance);
  s2s_json_array(&j, "work_share");
  for (int d = 0; d < n; d++) s2s_json_num(&j, NULL, share[d]);
  s2s_json_close(&j, ']');
  s2s_json_array(&j, "busy_fraction"); /* last pipeline trial, from profiling events */
  for (int d = 0; d < n; d++)
    s2s_json_num(&j, NULL, pipe->busy[d] / pipe->trial_s[o->trials - 1]);
  s2s_json_close(&j, ']');
  /* the same devices and global batch as R data-parallel replicas, and micro-batched */
  if (r->has_dp) json_beside(&j, "replicas", r, &r->dp, r->dp_predicted ? &r->dp_pred : NULL, o, n);
  if (r->has_mb) json_beside(&j, "micro", r, &r->mb, r->mb_predicted ? &r->mb_pred : NULL, o, n);
  s2s_json_close(&j, '}');
  s2s_json_end(&j);
  return s2s_atomic_commit(&a);
}

/* The whole device SPEC's devices were cut from: its first item without "/N" or "/NxC". */
static void whole_spec_of(const char *spec, char *out, size_t len) {
  size_t n = strcspn(spec, ",");
  const char *slash = memchr(spec, '/', n);
  if (slash) n = (size_t)(slash - spec);
  snprintf(out, len, "%.*s", (int)n, spec);
}

/* Runs the sessions' trials round-robin; each session's trials stay in order. Under mpirun
 * the baselines run on rank 0 alone (a NULL session elsewhere) while the other ranks wait,
 * and every rank enters each trial of the sessions from `all` on (the pipeline, the
 * replicas) together (a barrier before it). */
static int interleave(const step_bench *o, step_session *ss, int ns, int all) {
  for (long i = 0; i < o->trials; i++)
    for (int k = 0; k < ns; k++) {
      if (k >= all && s2s_mpi_barrier() != 0) return -1;
      if (ss[k].o && s2s_step_session_trial(&ss[k], i) != 0) return -1;
    }
  for (int k = 0; k < ns; k++)
    if (ss[k].o && s2s_step_session_finish(&ss[k]) != 0) return -1;
  return 0;
}

static void print_speedup(const char *what, speedup s, int n) {
  printf("speedup %.2fx (min %.2f, max %.2f over paired trials) on %d devices over %s "
         "(efficiency %.0f %%)\n", s.median, s.min, s.max, n, what, 100 * s.median / n);
}

int s2s_bench_pipeline(int argc, char **argv) {
  step_bench o = {0};
  int r = s2s_step_bench_parse(&o, "bench pipeline", argc, argv, help);
  if (r) return r == 1 ? 0 : r;
  if (!o.devices) o.devices = "cpu/2";
  s2s_device *devs = NULL, *base_dev = NULL;
  int n = 0, nb = 0, nw = 0, rc = 1, ns = 0;
  char err[1024], splitbuf[256], wspec[256];
  runs R = {0};
  step_numbers *nums[5] = {&R.base, &R.whole, &R.pipe, &R.dp, &R.mb};
  for (int k = 0; k < 5; k++) nums[k]->trial_s = calloc((size_t)o.trials, sizeof(double));
  step_session ss[5];
  s2s_split split;
  s2s_plan base_plan = {0}; /* the baseline's last trial, its nodes timed: the costs */
  int opened = s2s_run_open_devices("bench pipeline", "--devices", o.devices, &devs, &n);
  if (opened != 0) {
    rc = S2S_DEVICE_EXIT(opened);
    goto out;
  }
  const int root = s2s_mpi_rank() == 0; /* under mpirun: the baselines and the results */
  if (root && o.baseline && (opened = s2s_blas_open_devices(o.baseline, &base_dev, &nb, err, sizeof err))) {
    fprintf(stderr, "s2sbench bench pipeline: --baseline: %s\n", err);
    rc = S2S_DEVICE_EXIT(opened);
    goto out;
  }
  if (o.whole) snprintf(wspec, sizeof wspec, "%s", o.whole);
  else whole_spec_of(o.devices, wspec, sizeof wspec);
  /* a whole device that is the baseline itself (no split, no --baseline) is measured once */
  const int whole_is_base = !o.whole && !o.baseline && devs[0].info.sub_index < 0;
  if (strcmp(wspec, "none") && !whole_is_base) {
    if (root && (opened = s2s_blas_open_devices(wspec, &R.whole_dev, &nw, err, sizeof err))) {
      fprintf(stderr, "s2sbench bench pipeline: --whole: %s\n", err);
      rc = S2S_DEVICE_EXIT(opened);
      goto out;
    }
    if (root) s2s_run_warn_binding("bench pipeline", R.whole_dev, nw);
    R.has_whole = 1;
    R.whole_spec = wspec;
  }
  const int reps = (int)o.replicas, S = n / reps; /* data parallel: R copies of an S-device split */
  if (n % reps) {
    fprintf(stderr, "s2sbench bench pipeline: --replicas %d: the %d devices of --devices do not "
            "cut into %d replicas of the same size\n", reps, n, reps);
    rc = 2;
    goto out;
  }
  s2s_split dp_split;
  s2s_split_default(&dp_split, S, &o.cfg);
  s2s_split_format(&dp_split, R.dp_split, sizeof R.dp_split);
  R.has_dp = reps > 1;
  if (o.split ? s2s_split_parse(&split, o.split, n, &o.cfg, err, sizeof err)
              : (s2s_split_default(&split, n, &o.cfg), 0)) {
    fprintf(stderr, "s2sbench bench pipeline: %s\n", err);
    goto out;
  }
  s2s_split_format(&split, splitbuf, sizeof splitbuf);
  char tl_base[4200], tl_pipe[4200], tl_dp[4200], tl_mb[4200];
  if (o.out_dir && root) { /* under mpirun rank 0 writes every rank's rows */
    if (s2s_mkdirs(o.out_dir) != 0) goto out;
    snprintf(tl_base, sizeof tl_base, "%s/timeline-baseline.tsv", o.out_dir);
    snprintf(tl_pipe, sizeof tl_pipe, "%s/timeline-pipeline.tsv", o.out_dir);
    snprintf(tl_dp, sizeof tl_dp, "%s/timeline-replicas.tsv", o.out_dir);
    snprintf(tl_mb, sizeof tl_mb, "%s/timeline-micro.tsv", o.out_dir);
    R.mb.timeline_path = tl_mb;
    R.base.timeline_path = tl_base;
    R.pipe.timeline_path = tl_pipe;
    R.dp.timeline_path = tl_dp;
  }
  if (root)
    printf("bench pipeline: %d devices%s, split %s; baselines: one device%s%s (trials "
           "interleaved)\n", n, s2s_mpi_active() ? " (one per MPI rank)" : "", splitbuf,
           R.has_whole ? ", the whole device " : "", R.has_whole ? wspec : "");
  if (root && o.micro_batches > 1)
    printf("beside it, the same split micro-batched: %ld micro-batches, %s\n", o.micro_batches,
           s2s_schedule_name(o.schedule));
  if (root && R.has_dp)
    printf("beside it, data parallel on the same devices and global batch: %d replicas of the "
           "split %s over %d device%s each\n", reps, R.dp_split, S, S > 1 ? "s" : "");
  memset(ss, 0, sizeof ss);
  if (root && !o.no_predict) R.base.plan = &base_plan;
  int ok = !root || s2s_step_session_init(&ss[0], &o, base_dev ? base_dev : devs, 1, NULL,
                                          &R.base) == 0;
  ns = 1;
  if (ok && R.has_whole)
    ok = !root || s2s_step_session_init(&ss[1], &o, R.whole_dev, 1, NULL, &R.whole) == 0;
  ns += R.has_whole;
  const int all = ns; /* the sessions every rank runs */
  if (ok) ok = s2s_step_session_init(&ss[ns++], &o, devs, n, &split, &R.pipe) == 0;
  R.dp.par.replicas = reps;
  if (ok && R.has_dp) ok = s2s_step_session_init(&ss[ns++], &o, devs, n, &dp_split, &R.dp) == 0;
  R.has_mb = o.micro_batches > 1;
  R.mb.par.micro_batches = (int)o.micro_batches, R.mb.par.schedule = o.schedule;
  if (ok && R.has_mb) ok = s2s_step_session_init(&ss[ns++], &o, devs, n, &split, &R.mb) == 0;
  if (!ok || interleave(&o, ss, ns, all) != 0) {
    fprintf(stderr, "s2sbench bench pipeline: a step failed\n");
    goto out_sessions;
  }
  if (!root) { /* rank 0 reports and writes; the others nap until it is done */
    rc = s2s_mpi_barrier() != 0;
    goto out_sessions;
  }
  printf("-- baseline: one device\n");
  s2s_step_bench_report(&o, base_dev ? base_dev : devs, &R.base);
  if (R.has_whole) {
    printf("-- baseline: the whole device (%s)\n", wspec);
    s2s_step_bench_report(&o, R.whole_dev, &R.whole);
  }
  printf("-- pipeline: %d devices\n", n);
  s2s_step_bench_report(&o, devs, &R.pipe);
  if (R.has_dp) {
    printf("-- data parallel: %d replicas of %d device%s\n", reps, S, S > 1 ? "s" : "");
    s2s_step_bench_report(&o, devs, &R.dp);
  }
  if (R.has_mb) {
    printf("-- micro-batched pipeline: %ld micro-batches, %s\n", o.micro_batches,
           s2s_schedule_name(o.schedule));
    s2s_step_bench_report(&o, devs, &R.mb);
  }
  double share[S2S_MAX_DEVICES];
  double balance = s2s_split_bound(&split, &o.cfg, (int)o.len, (int)o.len + 1, share);
  if (R.base.valid && R.pipe.valid && (!R.has_whole || R.whole.valid) &&
      (!R.has_dp || R.dp.valid) && (!R.has_mb || R.mb.valid)) {
    print_speedup("one device", speedup_of(&R.base, &R.pipe, o.trials), n);
    if (R.has_whole) print_speedup("the whole device", speedup_of(&R.whole, &R.pipe, o.trials), n);
    if (R.has_dp) {
      printf("data parallel, %d replicas: ", reps);
      print_speedup("one device", speedup_of(&R.base, &R.dp, o.trials), n);
      if (R.has_whole) {
        printf("data parallel, %d replicas: ", reps);
        print_speedup("the whole device", speedup_of(&R.whole, &R.dp, o.trials), n);
      }
      const speedup v = speedup_of(&R.pipe, &R.dp, o.trials);
      printf("data parallel against the pipeline: %.2fx (min %.2f, max %.2f over paired "
             "trials; > 1: data parallel is faster)\n", v.median, v.min, v.max);
    }
    if (R.has_mb) {
      printf("micro-batched, %ld x %s: ", o.micro_batches, s2s_schedule_name(o.schedule));
      print_speedup("one device", speedup_of(&R.base, &R.mb, o.trials), n);
      const speedup v = speedup_of(&R.pipe, &R.mb, o.trials);
      printf("micro-batched against the paper's pipeline: %.2fx (min %.2f, max %.2f over paired "
             "trials; > 1: micro-batches are faster)\n", v.median, v.min, v.max);
    }
    if (o.no_predict) {
      printf("predicted speedup: none (--predict off)\n");
    } else if (base_plan.n && s2s_predict_devices(&o, base_dev ? base_dev : devs, devs, n, NULL, &split,
                                                  &base_plan, o.out_dir, &R.pred) == 0) {
      R.predicted = 1;
      printf("predicted from the baseline device's costs (s2sbench predict): ");
      s2s_prediction_print(&R.pred, stdout);
    } else {
      printf("predicted speedup: none (the prediction failed)\n");
    }
    if (R.has_dp && !o.no_predict && base_plan.n &&
               s2s_predict_devices(&o, base_dev ? base_dev : devs, devs, n, &R.dp.par, &dp_split,
                                   &base_plan, o.out_dir, &R.dp_pred) == 0) {
      R.dp_predicted = 1;
      printf("data parallel, %d replicas, predicted from the same device's costs: ", reps);
      s2s_prediction_print(&R.dp_pred, stdout);
    } else if (R.has_dp && !o.no_predict) {
      printf("data parallel predicted: none (the prediction failed)\n");
    }
    if (R.has_mb && !o.no_predict && base_plan.n &&
               s2s_predict_devices(&o, base_dev ? base_dev : devs, devs, n, &R.mb.par, &split,
                                   &base_plan, o.out_dir, &R.mb_pred) == 0) {
      R.mb_predicted = 1;
      printf("micro-batched, predicted from the same device's costs: ");
      s2s_prediction_print(&R.mb_pred, stdout);
    } else if (R.has_mb && !o.no_predict) {
      printf("micro-batched predicted: none (the prediction failed)\n");
    }
    printf("FLOP balance of the split %.2fx (sum of work / the busiest device's work; not a "
           "bound: it ignores dependencies and per-device rates)\n", balance);
    printf("work share per device:");
    for (int d = 0; d < n; d++) printf(" %.1f%%", 100 * share[d]);
    printf("\n");
    rc = 0;
  }
  if (o.out_dir && write_results(&o, devs, n, splitbuf, &R, balance, share, argc, argv)) rc = 1;
  if (rc == 0 && s2s_mpi_active() && s2s_mpi_barrier() != 0) rc = 1; /* (a failure aborts all) */
out_sessions:
  for (int k = 0; k < ns; k++)
    if (ss[k].o) s2s_step_session_free(&ss[k]);
out:
  for (int k = 0; k < 5; k++) free(nums[k]->trial_s);
  if (R.predicted) s2s_prediction_free(&R.pred);
  if (R.dp_predicted) s2s_prediction_free(&R.dp_pred);
  if (R.mb_predicted) s2s_prediction_free(&R.mb_pred);
  s2s_plan_free(&base_plan);
  if (devs) s2s_device_close(devs, n);
  if (base_dev) s2s_device_close(base_dev, nb);
  if (R.whole_dev) s2s_device_close(R.whole_dev, nw);
  return rc;
}

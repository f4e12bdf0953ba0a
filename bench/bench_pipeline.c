/* `s2sbench bench pipeline`: the training step on N devices against the same step on one
 * of them (same code, same global batch, same machine, one run), with the speedup, the
 * efficiency and the analytic bound of the split (pipeline_split.h). On a 2-core PoCL machine,
 * `--devices cpu/2` against its first 1-CU sub-device is the paper's experiment in small. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/atomic_file.h"
#include "bench/bench.h"
#include "args/args.h"
#include "record/json.h"
#include "run/run_record.h"
#include "blas/blas_devices.h"

static void help(void) {
  printf("usage: s2sbench bench pipeline --devices SPEC [--split SPEC] [--baseline SPEC]\n"
         "                               [--preset P] [size flags] [--len T] [--trials N]\n"
         "                               [--out DIR]\n\n"
         "Times the training step pipelined over the devices of SPEC (default cpu/2) and on\n"
         "one device (--baseline SPEC, default: the first device of SPEC alone), and reports\n"
         "words/s of both, the speedup, the efficiency (speedup / devices) and the analytic\n"
         "bound of the split. --out DIR writes run.json and trials.tsv.\n");
  s2s_args_config_help();
}

static void write_trials(FILE *f, const char *config, const step_bench *o, const step_numbers *m) {
  for (long i = 0; i < o->warmup; i++)
    fprintf(f, "%s\twarmup\t%ld\t%.6f\t%.1f\n", config, i, m->warm_s[i], m->words / m->warm_s[i]);
  for (long i = 0; i < o->trials; i++)
    fprintf(f, "%s\ttrial\t%ld\t%.6f\t%.1f\n", config, i, m->trial_s[i], m->words / m->trial_s[i]);
}

static int write_results(const step_bench *o, s2s_device *devs, int n, const char *split,
                         const step_numbers *base, const step_numbers *pipe, double bound,
                         const double *share, int argc, char **argv) {
  if (s2s_mkdirs(o->out_dir) != 0) return -1;
  char path[4200];
  snprintf(path, sizeof path, "%s/trials.tsv", o->out_dir);
  s2s_atomic_file a;
  if (s2s_atomic_open(&a, path) != 0) return -1;
  fprintf(a.f, "config\tphase\ttrial\tseconds\twords_per_s\n");
  write_trials(a.f, "baseline", o, base);
  write_trials(a.f, "pipeline", o, pipe);
  if (s2s_atomic_commit(&a) != 0) return -1;
  snprintf(path, sizeof path, "%s/run.json", o->out_dir);
  if (s2s_atomic_open(&a, path) != 0) return -1;
  s2s_json j;
  s2s_json_begin(&j, a.f);
  s2s_run_record_meta(&j, "bench pipeline", argc, argv, devs, n);
  s2s_run_record_config(&j, &o->cfg);
  s2s_json_str(&j, "split", split);
  s2s_json_object(&j, "summary");
  s2s_json_bool(&j, "output_check_passed", base->valid && pipe->valid);
  s2s_json_int(&j, "devices", n);
  s2s_json_int(&j, "words_per_sentence", o->len);
  s2s_json_str(&j, "words_convention", "source + target words, <eos> excluded");
  s2s_json_num(&j, "baseline_step_s_median", base->step.median);
  s2s_json_num(&j, "pipeline_step_s_median", pipe->step.median);
  s2s_json_num(&j, "pipeline_step_s_min", pipe->step.min);
  s2s_json_num(&j, "pipeline_step_s_max", pipe->step.max);
  s2s_json_num(&j, "baseline_words_per_s", base->words / base->step.median);
  s2s_json_num(&j, "pipeline_words_per_s", pipe->words / pipe->step.median);
  const double speedup = base->step.median / pipe->step.median;
  s2s_json_num(&j, "speedup", speedup);
  s2s_json_num(&j, "efficiency", speedup / n);
  s2s_json_num(&j, "analytic_bound", bound);
  s2s_json_num(&j, "fraction_of_bound", speedup / bound);
  s2s_json_array(&j, "work_share");
  for (int d = 0; d < n; d++) s2s_json_num(&j, NULL, share[d]);
  s2s_json_close(&j, ']');
  s2s_json_array(&j, "busy_fraction"); /* last pipeline trial, from profiling events */
  for (int d = 0; d < n; d++)
    s2s_json_num(&j, NULL, pipe->busy[d] / pipe->trial_s[o->trials - 1]);
  s2s_json_close(&j, ']');
  s2s_json_close(&j, '}');
  s2s_json_end(&j);
  return s2s_atomic_commit(&a);
}

int s2s_bench_pipeline(int argc, char **argv) {
  step_bench o = {0};
  int r = s2s_step_bench_parse(&o, "bench pipeline", argc, argv, help);
  if (r) return r == 1 ? 0 : r;
  if (!o.devices) o.devices = "cpu/2";
  s2s_device *devs = NULL, *base_dev = NULL;
  int n = 0, nb = 0, rc = 1;
  char err[1024], splitbuf[256];
  step_numbers base = {0}, pipe = {0};
  base.trial_s = calloc((size_t)o.trials, sizeof(double));
  pipe.trial_s = calloc((size_t)o.trials, sizeof(double));
  s2s_split split;
  if (s2s_run_open_devices("bench pipeline", "--devices", o.devices, &devs, &n) != 0) {
    goto out;
  }
  if (o.baseline && s2s_blas_open_devices(o.baseline, &base_dev, &nb, err, sizeof err) != 0) {
    fprintf(stderr, "s2sbench bench pipeline: --baseline: %s\n", err);
    goto out;
  }
  if (o.split ? s2s_split_parse(&split, o.split, n, &o.cfg, err, sizeof err)
              : (s2s_split_default(&split, n, &o.cfg), 0)) {
    fprintf(stderr, "s2sbench bench pipeline: %s\n", err);
    goto out;
  }
  s2s_split_format(&split, splitbuf, sizeof splitbuf);
  char tl_base[4200], tl_pipe[4200];
  if (o.out_dir) {
    if (s2s_mkdirs(o.out_dir) != 0) goto out;
    snprintf(tl_base, sizeof tl_base, "%s/timeline-baseline.tsv", o.out_dir);
    snprintf(tl_pipe, sizeof tl_pipe, "%s/timeline-pipeline.tsv", o.out_dir);
    base.timeline_path = tl_base;
    pipe.timeline_path = tl_pipe;
  }
  printf("bench pipeline: %d devices, split %s\n", n, splitbuf);
  if (s2s_step_bench_measure(&o, base_dev ? base_dev : devs, 1, NULL, &base) != 0 ||
      s2s_step_bench_measure(&o, devs, n, &split, &pipe) != 0) {
    fprintf(stderr, "s2sbench bench pipeline: a step failed\n");
    goto out;
  }
  printf("-- baseline: one device\n");
  s2s_step_bench_report(&o, base_dev ? base_dev : devs, &base);
  printf("-- pipeline: %d devices\n", n);
  s2s_step_bench_report(&o, devs, &pipe);
  double share[S2S_MAX_DEVICES];
  double bound = s2s_split_bound(&split, &o.cfg, (int)o.len, (int)o.len + 1, share);
  if (base.valid && pipe.valid) {
    const double speedup = base.step.median / pipe.step.median;
    printf("speedup %.2fx on %d devices (efficiency %.0f %%); analytic bound %.2fx "
           "(%.0f %% of it)\n", speedup, n, 100 * speedup / n, bound, 100 * speedup / bound);
    printf("work share per device:");
    for (int d = 0; d < n; d++) printf(" %.1f%%", 100 * share[d]);
    printf("\n");
    rc = 0;
  }
  if (o.out_dir && write_results(&o, devs, n, splitbuf, &base, &pipe, bound, share, argc, argv))
    rc = 1;
out:
  free(base.trial_s), free(pipe.trial_s);
  if (devs) s2s_device_close(devs, n);
  if (base_dev) s2s_device_close(base_dev, nb);
  return rc;
}

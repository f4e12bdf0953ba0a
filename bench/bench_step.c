/* `s2sbench bench step`: the full training step on one device, timed against the same
 * device's CLBlast SGEMM rate at the step's own GEMM shapes (the ceiling). Warm-up steps
 * (kernel builds, CLBlast's first-call compilation) are timed and recorded apart; every
 * trial is kept; median/min/max reported; a step whose loss is not plausible withholds
 * the numbers. Words counted as source + target words (the paper's convention). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/atomic_file.h"
#include "bench/bench.h"
#include "args/args.h"
#include "record/json.h"
#include "run/run_record.h"
#include "profile/stats.h"


static void help(void) {
  printf("usage: s2sbench bench step [--preset P] [size flags] [--device SPEC] [--len T]\n"
         "                           [--trials N] [--warmup N] [--out DIR]\n\n"
         "Times the full training step (forward, backward, norm, clip, SGD) on one device with\n"
         "B sentences of T source and T target words, and the device's CLBlast SGEMM rate at\n"
         "the step's own GEMM shapes (the ceiling). Reports step time median/min/max, words/s\n"
         "(source + target words), achieved GFLOP/s (results/FACTS.md formula), the share of step time\n"
         "spent in GEMMs and the ceiling. --out DIR writes run.json and trials.tsv.\n\n"
         "  --len T        words per sentence, each side (default min(30, max-len))\n"
         "  --trials N     timed steps (default 5)\n"
         "  --warmup N     untimed steps first, recorded apart (default 1, at least 1)\n"
         "  --gemm-reps N  replays of the step's GEMMs for the ceiling (default 3)\n");
  s2s_args_config_help();
}

int s2s_step_bench_parse(step_bench *o, const char *cmd, int argc, char **argv,
                         void (*help)(void)) {
  s2s_config_preset(&o->cfg, "small");
  o->trials = 5, o->warmup = 1, o->len = 0, o->gemm_reps = 3, o->replicas = 1;
  o->micro_batches = 1;
  s2s_args c;
  s2s_args_init(&c, cmd, argc, argv);
  while (s2s_args_next(&c)) {
    int r = s2s_args_config(&c, &o->cfg);
    if (r < 0) return 2;
    if (r > 0) continue;
    if (s2s_args_is(&c, "--help") || s2s_args_is(&c, "-h")) {
      help();
      return 1;
    } else if (s2s_args_is(&c, "--device") || s2s_args_is(&c, "--devices")) {
      if (!(o->devices = s2s_args_value(&c))) return 2;
    } else if (s2s_args_is(&c, "--out")) {
      if (!(o->out_dir = s2s_args_value(&c))) return 2;
    } else if (s2s_args_is(&c, "--split")) {
      if (!(o->split = s2s_args_value(&c))) return 2;
    } else if (s2s_args_is(&c, "--baseline")) {
      if (!(o->baseline = s2s_args_value(&c))) return 2;
    } else if (s2s_args_is(&c, "--whole")) {
      if (!(o->whole = s2s_args_value(&c))) return 2;
    } else if (s2s_args_is(&c, "--trials")) {
      if (s2s_args_long(&c, 1, 100000, &o->trials)) return 2;
    } else if (s2s_args_is(&c, "--warmup")) {
      if (s2s_args_long(&c, 1, 1000, &o->warmup)) return 2;
    } else if (s2s_args_is(&c, "--len")) {
      if (s2s_args_long(&c, 1, 1000, &o->len)) return 2;
    } else if (s2s_args_is(&c, "--gemm-reps")) {
      if (s2s_args_long(&c, 1, 1000, &o->gemm_reps)) return 2;
    } else if (!strcmp(cmd, "bench pipeline") && s2s_args_is(&c, "--replicas")) {
      if (s2s_args_long(&c, 1, S2S_MAX_REPLICAS, &o->replicas)) return 2;
    } else if (!strcmp(cmd, "bench pipeline") && s2s_args_is(&c, "--micro-batches")) {
      if (s2s_args_long(&c, 1, S2S_MAX_MICRO, &o->micro_batches)) return 2;
    } else if (!strcmp(cmd, "bench pipeline") && s2s_args_is(&c, "--schedule")) {
      const char *v = s2s_args_value(&c);
      if (!v) return 2;
      if ((o->schedule = s2s_schedule_parse(v)) < 0) {
        fprintf(stderr, "s2sbench %s: --schedule takes fill-drain or 1f1b, not '%s'\n", cmd, v);
        return 2;
      }
    } else if (!strcmp(cmd, "bench pipeline") && s2s_args_is(&c, "--predict")) {
      const char *v = s2s_args_value(&c);
      if (!v) return 2;
      if (strcmp(v, "on") && strcmp(v, "off")) {
        fprintf(stderr, "s2sbench %s: --predict takes on or off, not '%s'\n", cmd, v);
        return 2;
      }
      o->no_predict = !strcmp(v, "off");
    } else {
      return s2s_args_unknown(&c);
    }
  }
  char err[256];
  if (s2s_config_check(&o->cfg, err, sizeof err) != 0) {
    fprintf(stderr, "s2sbench %s: %s\n", cmd, err);
    return 2;
  }
  if (!o->len) o->len = o->cfg.max_len < 30 ? o->cfg.max_len : 30;
  if (o->len > o->cfg.max_len) o->cfg.max_len = (int)o->len;
  if (o->cfg.batch > 4096 || o->cfg.max_len > 1024) {
    fprintf(stderr, "s2sbench %s: --batch <= 4096 and --len <= 1024\n", cmd);
    return 2;
  }
  return 0;
}

void s2s_step_bench_report(const step_bench *o, const s2s_device *dev, const step_numbers *m) {
  const double t = m->step.median;
  printf("bench step: %s %dx%d E%d V%d/%d B%d, %ld+%ld words/sentence on %s\n", o->cfg.preset,
         o->cfg.layers, o->cfg.hidden, o->cfg.embed, o->cfg.src_vocab, o->cfg.tgt_vocab,
         o->cfg.batch, o->len, o->len, dev->info.name);
  printf("  program build          %.3f s\n", m->build_s);
  printf("  warm-up step 1         %.3f s (CLBlast kernel compilation included)\n", m->warm_s[0]);
  if (!m->valid) {
    printf("  OUTPUT CHECK FAILED: loss per token %.4f is not near ln(V) = %.4f; numbers "
           "withheld\n", m->loss_per_token, log((double)o->cfg.tgt_vocab));
    return;
  }
  printf("  step time              median %.4f s  (min %.4f, max %.4f, %zu trials)\n", t,
         m->step.min, m->step.max, m->step.n);
  if (m->span > 0) {
    printf("  device busy (last trial, every command's complete interval):");
    for (int d = 0; d < S2S_MAX_DEVICES && m->busy[d] > 0; d++)
      printf(" #%d %.0f%%", d, 100 * m->busy[d] / m->trial_s[m->step.n - 1]);
    printf("\n");
  }
  printf("  words/s                %.0f (source + target words)\n", m->words / t);
  printf("  achieved               %.2f GFLOP/s (%.3f GFLOP per step, results/FACTS.md formula)\n",
         m->step_flops / t * 1e-9, m->step_flops * 1e-9);
  const double last = m->trial_s[m->step.n - 1];
  if (m->span > 0)
    printf("  GEMM share of step     %.1f %% (in-step timeline: GEMM intervals %.4f s of the "
           "last trial's %.4f s)\n", 100.0 * m->gemm_busy / last, m->gemm_busy, last);
  if (m->switches > 0)
    printf("  tuning switches        %ld in the last trial (CLBlast parameters changed between "
           "the tuning file's shape classes)\n", m->switches);
  if (!m->gemm.n) return;
  printf("  GEMM ceiling           %.2f GFLOP/s (%zu CLBlast calls of this step, %.3f GFLOP, "
         "replayed alone in %.4f s)\n", m->gemm_flops / m->gemm_s * 1e-9, m->gemm_calls,
         m->gemm_flops * 1e-9, m->gemm_s);
  printf("  achieved / ceiling     %.1f %%\n",
         100.0 * (m->step_flops / t) / (m->gemm_flops / m->gemm_s));
}

static int write_results(const step_bench *o, s2s_device *dev, const step_numbers *m, int argc,
                         char **argv) {
  if (s2s_mkdirs(o->out_dir) != 0) return -1;
  char path[4200];
  snprintf(path, sizeof path, "%s/trials.tsv", o->out_dir);
  s2s_atomic_file a;
  if (s2s_atomic_open(&a, path) != 0) return -1;
  fprintf(a.f, "phase\ttrial\tseconds\twords_per_s\tgflops\n");
  for (long i = 0; i < o->warmup; i++)
    fprintf(a.f, "warmup\t%ld\t%.6f\t%.1f\t%.3f\n", i, m->warm_s[i], m->words / m->warm_s[i],
            m->step_flops / m->warm_s[i] * 1e-9);
  for (long i = 0; i < o->trials; i++)
    fprintf(a.f, "trial\t%ld\t%.6f\t%.1f\t%.3f\n", i, m->trial_s[i], m->words / m->trial_s[i],
            m->step_flops / m->trial_s[i] * 1e-9);
  if (s2s_atomic_commit(&a) != 0) return -1;
  snprintf(path, sizeof path, "%s/run.json", o->out_dir);
  if (s2s_atomic_open(&a, path) != 0) return -1;
  s2s_json j;
  s2s_json_begin(&j, a.f);
  s2s_run_record_meta(&j, "bench step", argc, argv, dev, 1);
  s2s_run_record_config(&j, &o->cfg);
  s2s_json_object(&j, "summary");
  s2s_json_bool(&j, "output_check_passed", m->valid);
  s2s_json_int(&j, "words_per_sentence", o->len);
  s2s_json_num(&j, "words_per_step", m->words);
  s2s_json_str(&j, "words_convention", "source + target words, <eos> excluded");
  s2s_json_num(&j, "program_build_s", m->build_s);
  s2s_json_num(&j, "first_step_s", m->warm_s[0]);
  s2s_json_num(&j, "loss_per_token", m->loss_per_token);
  if (m->valid) {
    s2s_json_num(&j, "step_s_median", m->step.median);
    s2s_json_num(&j, "step_s_min", m->step.min);
    s2s_json_num(&j, "step_s_max", m->step.max);
    s2s_json_int(&j, "trials", (long long)m->step.n);
    s2s_json_num(&j, "words_per_s", m->words / m->step.median);
    s2s_json_num(&j, "step_gflop", m->step_flops * 1e-9);
    s2s_json_num(&j, "achieved_gflops", m->step_flops / m->step.median * 1e-9);
    s2s_json_int(&j, "gemm_calls", (long long)m->gemm_calls);
    s2s_json_num(&j, "gemm_gflop", m->gemm_flops * 1e-9);
    s2s_json_num(&j, "gemm_s_median", m->gemm.median);
    s2s_json_num(&j, "gemm_ceiling_gflops", m->gemm_flops / m->gemm_s * 1e-9);
    /* from the in-step timeline, not the replay (which measured the ceiling) */
    s2s_json_num(&j, "gemm_share", m->gemm_busy / m->trial_s[m->step.n - 1]);
    s2s_json_num(&j, "gemm_in_step_s", m->gemm_busy);
    s2s_json_int(&j, "tuning_switches", m->switches);
    s2s_json_num(&j, "fraction_of_ceiling",
                 (m->step_flops / m->step.median) / (m->gemm_flops / m->gemm_s));
  }
  s2s_json_close(&j, '}');
  s2s_json_end(&j);
  return s2s_atomic_commit(&a);
}

int s2s_bench_step(int argc, char **argv) {
  step_bench o = {0};
  int r = s2s_step_bench_parse(&o, "bench step", argc, argv, help);
  if (r) return r == 1 ? 0 : r;
  s2s_device *devs;
  int n;
  const int opened = s2s_run_open_devices("bench step", "--device", o.devices, &devs, &n);
  if (opened != 0) return S2S_DEVICE_EXIT(opened);
  int rc = 1;
  step_numbers m = {0};
  m.trial_s = calloc((size_t)o.trials, sizeof *m.trial_s);
  char tl[4200];
  if (o.out_dir) {
    if (s2s_mkdirs(o.out_dir) != 0) return 1;
    snprintf(tl, sizeof tl, "%s/timeline.tsv", o.out_dir);
    m.timeline_path = tl;
  }
  if (n != 1) {
    fprintf(stderr, "s2sbench bench step: --device must select one device (got %d)\n", n);
  } else if (s2s_step_bench_measure(&o, &devs[0], 1, NULL, &m) != 0) {
    fprintf(stderr, "s2sbench bench step: the step failed on %s\n", devs[0].info.name);
  } else {
    s2s_step_bench_report(&o, &devs[0], &m);
    rc = m.valid ? 0 : 1;
    if (o.out_dir && write_results(&o, &devs[0], &m, argc, argv) != 0) rc = 1;
  }
  free(m.trial_s);
  s2s_device_close(devs, n);
  return rc;
}

/* `s2sbench sweep [CONFIG] [flags]`: a grid of training-step measurements over device
 * sets, splits, presets, batch sizes and lengths (bench/sweep.h), resumable, with the
 * speedup and efficiency of each point against the sweep's own 1-device point. */
#include <stdio.h>
#include <string.h>

#include "args/args.h"
#include "cli/commands.h"
#include "bench/sweep.h"

static void help(void) {
  printf("usage: s2sbench sweep [CONFIG] [--devices \"SPEC SPEC ...\"] [--split N:SPEC]\n"
         "                      [--presets \"P ...\"] [--batches \"B ...\"] [--lens \"T ...\"]\n"
         "                      [--trials N] [--warmup N] [--set KEY=VALUE] [--out DIR]\n\n"
         "Measures the full training step at every point of a grid: each device set (and each\n"
         "split for its device count) x preset x batch size x sentence length. Each point is a\n"
         "results folder OUT/points/<name>/ (run.json, trials.tsv, timeline.tsv). The summary,\n"
         "OUT/sweep.tsv and OUT/sweep.json, gives each point's words/s (median/min/max), its\n"
         "speedup over the 1-device point of the same preset, batch and length in this sweep,\n"
         "the efficiency (speedup / devices), the split's FLOP balance and the devices' busy\n"
         "fractions. A point whose run.json exists is not measured again: rerun the same\n"
         "command to resume an interrupted sweep. Flags override the CONFIG file\n"
         "(bench/sweeps/*.cfg; the keys are described in bench/sweep.h).\n\n"
         "  --devices LIST   device specs, one point set each; SPEC@N = first N devices of SPEC\n"
         "                   (default \"cpu/1 cpu/2\")\n"
         "  --split N:SPEC   a split for the N-device points (repeatable; default: the default\n"
         "                   split, see s2sbench bench pipeline --help)\n"
         "  --presets LIST   model presets (default small)    --batches LIST (default 64)\n"
         "  --lens LIST      words per sentence (default 20)  --trials N (default 5)\n"
         "  --warmup N       untimed steps (default 1)        --gemm-reps N (default 1)\n"
         "  --set KEY=VALUE  a model size for every point (--set hidden=512)\n"
         "  --out DIR        results folder (default results/local/sweep)\n");
}

int s2s_cmd_sweep(int argc, char **argv) {
  s2s_sweep s;
  s2s_sweep_defaults(&s);
  char err[1024];
  /* the config file first, so that flags override it */
  s2s_args pre;
  s2s_args_init(&pre, "sweep", argc, argv);
  while (s2s_args_next(&pre)) {
    if (pre.flag[0] == '-') {
      if (!s2s_args_is(&pre, "--help") && !s2s_args_is(&pre, "-h") && !s2s_args_value(&pre))
        return 2;
      continue;
    }
    if (s.source[0]) {
      fprintf(stderr, "s2sbench sweep: one CONFIG file only ('%s' and '%s')\n", s.source,
              pre.flag);
      return 2;
    }
    if (s2s_sweep_load(&s, pre.flag, err, sizeof err) != 0) {
      fprintf(stderr, "s2sbench sweep: %s\n", err);
      return 2;
    }
  }
  s2s_args c;
  s2s_args_init(&c, "sweep", argc, argv);
  int devices_given = 0, splits_given = 0;
  while (s2s_args_next(&c)) {
    const char *key = NULL, *v;
    if (c.flag[0] != '-') continue; /* the config file */
    if (s2s_args_is(&c, "--help") || s2s_args_is(&c, "-h")) {
      help();
      return 0;
    }
    static const char *const keys[][2] = {{"--devices", "devices"}, {"--presets", "presets"},
                                          {"--preset", "presets"},  {"--batches", "batches"},
                                          {"--batch", "batches"},   {"--lens", "lens"},
                                          {"--len", "lens"},        {"--trials", "trials"},
                                          {"--warmup", "warmup"},   {"--gemm-reps", "gemm_reps"},
                                          {"--out", "out"},         {"--name", "name"}};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0] && !key; k++)
      if (s2s_args_is(&c, keys[k][0])) key = keys[k][1];
    if (!key && !s2s_args_is(&c, "--split") && !s2s_args_is(&c, "--set")) return s2s_args_unknown(&c);
    if (!(v = s2s_args_value(&c))) return 2;
    char kbuf[80];
    if (s2s_args_is(&c, "--split") || s2s_args_is(&c, "--set")) {
      const char *sep = strchr(v, s2s_args_is(&c, "--split") ? ':' : '=');
      if (!sep || sep == v || (size_t)(sep - v) >= 64) {
        fprintf(stderr, "s2sbench sweep: %s: write %s\n", c.flag,
                s2s_args_is(&c, "--split") ? "N:SPEC" : "KEY=VALUE");
        return 2;
      }
      if (s2s_args_is(&c, "--split")) {
        if (!splits_given++) s.nsplits = 0;
        snprintf(kbuf, sizeof kbuf, "split.%.*s", (int)(sep - v), v);
      } else {
        snprintf(kbuf, sizeof kbuf, "%.*s", (int)(sep - v), v);
      }
      key = kbuf;
      v = sep + 1;
    }
    if (!strcmp(key, "devices") && !devices_given++) s.ndevices = 0;
    if (s2s_sweep_set(&s, key, v, err, sizeof err) != 0) {
      fprintf(stderr, "s2sbench sweep: %s: %s\n", c.flag, err);
      return 2;
    }
  }
  int rc = s2s_sweep_run(&s, argc, argv);
  return rc < 0 ? 1 : rc;
}

/* `s2sbench plot RESULT_DIR... [--out DIR] [--format png,pdf,svg]`: reads result folders
 * (sweeps, bench pipeline/gemm/decode runs, training runs), writes each figure's data and
 * renders it with the gnuplot scripts of scripts/plot/ (plot.h). Each file is written to a
 * temporary name and renamed once gnuplot succeeded. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "record/atomic_file.h"
#include "args/args.h"
#include "cli/commands.h"
#include "plot/plot.h"

#ifndef S2S_SOURCE_DIR
#define S2S_SOURCE_DIR "."
#endif

static void help(void) {
  printf("usage: s2sbench plot RESULT_DIR... [--out DIR] [--format png,pdf,svg]\n"
         "                    [--labels \"A,B,...\"] [--scripts DIR] [--gnuplot PATH]\n\n"
         "Figures from result folders, several folders on one figure (legend: each run's\n"
         "device name / driver, or --labels):\n"
         "  speedup       speedup vs devices, with the ideal and the FLOP balance (sweep\n"
         "                folders, bench pipeline folders)\n"
         "  words_per_s   training words/s vs devices, min-max bars (same folders)\n"
         "  timeline[-K]  per-device busy time of one step (a sweep's widest point, a bench\n"
         "                pipeline run, or any folder with timeline.tsv)\n"
         "  bleu_steps, bleu_time  dev BLEU (dev perplexity when train.tsv has no dev_bleu\n"
         "                values) vs steps and vs wall time (folders with train.tsv)\n"
         "  bleu_beam     BLEU vs beam size (bench decode folders: beams.tsv)\n"
         "  gemm          CLBlast GFLOP/s per GEMM shape, default and tuned (bench gemm),\n"
         "                with the BLAS peers at the same shapes and their CPU's estimated\n"
         "                peak (bench/peers/numpy_gemm.py folders)\n"
         "  vendors       training words/s per platform and tuning, with the PyTorch peer\n"
         "                (bench/vendors/step_vendors.sh folders: summary.tsv)\n"
         "Each figure in every --format (default png,pdf,svg), sized for one column of a\n"
         "two-column paper; its data in OUT/data/. The look lives in scripts/plot/*.gp.\n\n"
         "  --out DIR      figures folder (default: RESULT_DIR/figures of the first folder)\n"
         "  --scripts DIR  gnuplot scripts (default $S2S_PLOT_DIR, else scripts/plot of the\n"
         "                 source tree)\n"
         "  --gnuplot P    the gnuplot program (default gnuplot)\n");
}

/* Reads DIR/sweep.json or DIR/run.json and derives the legend label. */
/* Reads DIR/sweep.json, else DIR/run.json. A folder with neither is fine (a training run
 * may have only train.tsv); a record that exists but does not parse is an error naming the
 * file (-1). */
static int load_run(s2s_plot_run *r) {
  char path[4200], err[512];
  r->doc.root = NULL;
  static const char *const names[] = {"sweep.json", "run.json"};
  for (int i = 0; i < 2 && !r->doc.root; i++) {
    snprintf(path, sizeof path, "%s/%s", r->dir, names[i]);
    if (access(path, F_OK) != 0) continue;
    if (s2s_jdoc_load(&r->doc, path, err, sizeof err) != 0) {
      fprintf(stderr, "s2sbench plot: %s: %s\n", path, err);
      r->doc.root = NULL;
      return -1;
    }
  }
  snprintf(r->kind, sizeof r->kind, "%s", s2s_jstr(r->doc.root, "kind", ""));
  if (r->label[0]) return 0;
  const char *name = s2s_jstr(r->doc.root, "devices.0.name", NULL);
  if (name)
    snprintf(r->label, sizeof r->label, "%s", name);
  else
    snprintf(r->label, sizeof r->label, "%s",
             strrchr(r->dir, '/') ? strrchr(r->dir, '/') + 1 : r->dir);
  return 0;
}

/* Runs whose numbers can land on one figure: the same kind, both scaling runs, or both
 * GEMM runs (bench gemm and its peers). */
static int same_figure(const s2s_plot_run *a, const s2s_plot_run *b) {
  const int sa = !strcmp(a->kind, "sweep") || !strcmp(a->kind, "bench pipeline");
  const int sb = !strcmp(b->kind, "sweep") || !strcmp(b->kind, "bench pipeline");
  const int ga = !strcmp(a->kind, "bench gemm") || !strncmp(a->kind, "peer ", 5);
  const int gb = !strcmp(b->kind, "bench gemm") || !strncmp(b->kind, "peer ", 5);
  return !strcmp(a->kind, b->kind) || (sa && sb) || (ga && gb);
}

int s2s_cmd_plot(int argc, char **argv) {
  static s2s_plot p;
  memset(&p, 0, sizeof p);
  const char *formats = "png,pdf,svg", *labels = NULL;
  p.gnuplot = "gnuplot";
  p.scripts = getenv("S2S_PLOT_DIR") ? getenv("S2S_PLOT_DIR") : S2S_SOURCE_DIR "/scripts/plot";
  s2s_args c;
  s2s_args_init(&c, "plot", argc, argv);
  while (s2s_args_next(&c)) {
    const char **v = s2s_args_is(&c, "--out")       ? &p.out_dir
                     : s2s_args_is(&c, "--format")  ? &formats
                     : s2s_args_is(&c, "--labels")  ? &labels
                     : s2s_args_is(&c, "--scripts") ? &p.scripts
                     : s2s_args_is(&c, "--gnuplot") ? &p.gnuplot
                                                   : NULL;
    if (s2s_args_is(&c, "--help") || s2s_args_is(&c, "-h")) {
      help();
      return 0;
    } else if (v) {
      if (!(*v = s2s_args_value(&c))) return 2;
    } else if (c.flag[0] == '-') {
      return s2s_args_unknown(&c);
    } else if (p.nruns == S2S_PLOT_MAX_RUNS) {
      fprintf(stderr, "s2sbench plot: at most %d result folders\n", S2S_PLOT_MAX_RUNS);
      return 2;
    } else {
      struct stat st;
      if (stat(c.flag, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "s2sbench plot: '%s' is not a result folder\n", c.flag);
        return 2;
      }
      char *dir = p.runs[p.nruns++].dir;
      snprintf(dir, sizeof p.runs[0].dir, "%s", c.flag);
      for (size_t l = strlen(dir); l > 1 && dir[l - 1] == '/'; l--)
        dir[l - 1] = '\0';
    }
  }
  if (!p.nruns) {
    fprintf(stderr, "s2sbench plot: give at least one result folder (see s2sbench plot --help)\n");
    return 2;
  }
  char list[64];
  snprintf(list, sizeof list, "%s", formats);
  for (char *s = strtok(list, ","); s; s = strtok(NULL, ",")) {
    if ((strcmp(s, "png") && strcmp(s, "pdf") && strcmp(s, "svg")) || p.nformats == 3) {
      fprintf(stderr, "s2sbench plot: --format: png, pdf and/or svg, comma-separated\n");
      return 2;
    }
    snprintf(p.formats[p.nformats++], sizeof p.formats[0], "%s", s);
  }
  char *gv[] = {(char *)p.gnuplot, "--version", NULL};
  if (s2s_plot_spawn(gv, 1) != 0) {
    fprintf(stderr,
            "s2sbench plot: cannot run '%s': install gnuplot (Debian: gnuplot-nox, "
            "as scripts/setup.sh does) or give --gnuplot PATH\n",
            p.gnuplot);
    return 1;
  }
  char gp[4200];
  snprintf(gp, sizeof gp, "%s/common.gp", p.scripts);
  if (s2s_plot_file_size(gp) <= 0) {
    fprintf(stderr, "s2sbench plot: no gnuplot scripts in '%s' (give --scripts DIR)\n", p.scripts);
    return 1;
  }
  if (labels) {
    char lb[2048];
    snprintf(lb, sizeof lb, "%s", labels);
    int i = 0;
    for (char *s = strtok(lb, ","); s && i < p.nruns; s = strtok(NULL, ","), i++)
      snprintf(p.runs[i].label, sizeof p.runs[0].label, "%s", s);
  }
  char out[4200], data[4300];
  snprintf(out, sizeof out, "%s", p.out_dir ? p.out_dir : "");
  if (!p.out_dir) snprintf(out, sizeof out, "%s/figures", p.runs[0].dir);
  p.out_dir = out;
  snprintf(data, sizeof data, "%s/data", out);
  if (s2s_mkdirs(data) != 0) return 1;
  int bad = 0;
  for (int i = 0; i < p.nruns; i++)
    bad |= load_run(&p.runs[i]) != 0;
  if (bad) {
    for (int i = 0; i < p.nruns; i++)
      if (p.runs[i].doc.root) s2s_jdoc_free(&p.runs[i].doc);
    return 1;
  }
  /* runs that share a figure and a label: add the driver, then (still alike) the folder */
  for (int pass = 0; pass < 2 && !labels; pass++) {
    int dup[S2S_PLOT_MAX_RUNS] = {0};
    for (int i = 0; i < p.nruns; i++)
      for (int k = 0; k < p.nruns; k++)
        dup[i] |= k != i && same_figure(&p.runs[i], &p.runs[k]) &&
                  !strcmp(p.runs[i].label, p.runs[k].label);
    for (int i = 0; i < p.nruns; i++) {
      if (!dup[i]) continue;
      const char *dir = p.runs[i].dir, *base = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;
      const char *extra = pass ? base : s2s_jstr(p.runs[i].doc.root, "devices.0.driver", base);
      size_t o = strlen(p.runs[i].label);
      snprintf(p.runs[i].label + o, sizeof p.runs[0].label - o, pass ? " [%s]" : " / %s", extra);
    }
  }
  printf("plot: %d result folder(s) -> %s\n", p.nruns, out);
  s2s_plot_scaling(&p);
  s2s_plot_timelines(&p);
  s2s_plot_training(&p);
  s2s_plot_beams(&p);
  s2s_plot_gemm(&p);
  s2s_plot_vendors(&p);
  for (int i = 0; i < p.nruns; i++)
    s2s_jdoc_free(&p.runs[i].doc);
  if (!p.figures && !p.failed) {
    fprintf(stderr, "s2sbench plot: nothing to plot in these folders (no sweep.json, bench "
                    "pipeline/gemm run, train.tsv, beams.tsv, timeline or vendors' summary.tsv)\n");
    return 1;
  }
  printf("plot: %d file(s) written%s\n", p.figures, p.failed ? "" : "");
  if (p.failed) fprintf(stderr, "s2sbench plot: %d figure file(s) failed\n", p.failed);
  return p.failed ? 1 : 0;
}

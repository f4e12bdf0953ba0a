/* More figures' data (plot.h): training curves from train.tsv (dev BLEU when every run has
 * values, else dev perplexity when a run has some, else the training perplexity, which
 * every train.tsv has) against steps, wall time and epochs (and dev perplexity against
 * epochs beside dev BLEU), BLEU against beam
 * size from a bench decode's beams.tsv, and GEMM GFLOP/s per shape from bench gemm's
 * cases.tsv (default and tuned parameters side by side, with the BLAS peers), and words/s
 * per platform from bench/vendors/step_vendors.sh's summary.tsv. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plot/plot.h"
#include "plot/plot_tsv.h"

static int has_values(const char *path, const char *col) {
  s2s_tsv t;
  int found = 0;
  if (s2s_tsv_open(&t, path) != 0) return -1;
  const int c = s2s_tsv_col(&t, col);
  while (c >= 0 && !found && s2s_tsv_next(&t))
    found = s2s_tsv_get(&t, c)[0] != '\0';
  s2s_tsv_close(&t);
  return found;
}

typedef struct fig {
  const char *script, *name; /* scripts/plot/SCRIPT.gp drawn as NAME.{png,pdf,svg} */
} fig;

/* One curve per run from column col of its train.tsv into data file `data`, rows without a
 * value skipped: step, elapsed_s, value, epoch. Then the figures named in figs. */
static void curves(s2s_plot *p, const char *col, const char *ylab, const char *data,
                   const fig *figs, int nfigs) {
  char tsv[4200], path[4200];
  FILE *f = s2s_plot_data_file(p, data, path, sizeof path);
  if (!f) return;
  s2s_plot_titles t = {0};
  double tmax = 0;
  for (int r = 0; r < p->nruns; r++) {
    snprintf(tsv, sizeof tsv, "%s/train.tsv", p->runs[r].dir);
    s2s_tsv in;
    if (s2s_tsv_open(&in, tsv) != 0) continue;
    const int cs = s2s_tsv_col(&in, "step"), ce = s2s_tsv_col(&in, "elapsed_s");
    const int cv = s2s_tsv_col(&in, col), cp = s2s_tsv_col(&in, "epoch");
    int rows = 0;
    fprintf(f, "# step\telapsed_s\t%s\tepoch\n", col);
    while (cs >= 0 && ce >= 0 && cv >= 0 && s2s_tsv_next(&in)) {
      const char *v = s2s_tsv_get(&in, cv);
      if (!v[0]) continue;
      const double e = atof(s2s_tsv_get(&in, ce));
      fprintf(f, "%s\t%s\t%s\t%s\n", s2s_tsv_get(&in, cs), s2s_tsv_get(&in, ce), v,
              cp >= 0 ? s2s_tsv_get(&in, cp) : "NaN");
      tmax = e > tmax ? e : tmax;
      rows++;
    }
    s2s_tsv_close(&in);
    fprintf(f, "\n\n");
    if (!rows) fprintf(stderr, "s2sbench plot: %s has no %s values\n", tsv, col);
    s2s_plot_title_add(&t, p->runs[r].label); /* a title per block keeps indices aligned */
  }
  fclose(f);
  char more[256];
  const double div = tmax > 7200 ? 3600 : tmax > 300 ? 60 : 1;
  snprintf(more, sizeof more, "ylab='%s'; tdiv=%g; tunit='%s'", ylab, div,
           div == 3600 ? "h"
           : div == 60 ? "min"
                       : "s");
  for (int i = 0; i < nfigs; i++)
    s2s_plot_render_series(p, figs[i].script, figs[i].name, path, &t, more);
}

void s2s_plot_training(s2s_plot *p) {
  char tsv[4200];
  int runs = 0, all_bleu = 1, any_dev = 0;
  for (int r = 0; r < p->nruns; r++) {
    snprintf(tsv, sizeof tsv, "%s/train.tsv", p->runs[r].dir);
    const int b = has_values(tsv, "dev_bleu");
    if (b < 0) continue;
    runs++;
    all_bleu &= b;
    any_dev |= has_values(tsv, "dev_perplexity") > 0;
  }
  if (!runs) return;
  /* a run without --eval-every still has its training curve */
  const char *col = all_bleu ? "dev_bleu" : any_dev ? "dev_perplexity" : "perplexity";
  const char *ylab = all_bleu ? "dev BLEU" : any_dev ? "dev perplexity" : "training perplexity";
  static const fig bleu_figs[] = {
      {"bleu_steps", "bleu_steps"}, {"bleu_time", "bleu_time"}, {"bleu_epochs", "bleu_epochs"}};
  curves(p, col, ylab, "training", bleu_figs, 3);
  /* with BLEU drawn, dev perplexity against epochs too (the paper's other curve) */
  static const fig ppl_figs[] = {{"bleu_epochs", "ppl_epochs"}};
  if (all_bleu && any_dev) curves(p, "dev_perplexity", "dev perplexity", "perplexity", ppl_figs, 1);
}

void s2s_plot_beams(s2s_plot *p) {
  char tsv[4200], path[4200];
  FILE *f = NULL;
  s2s_plot_titles t = {0};
  for (int r = 0; r < p->nruns; r++) {
    snprintf(tsv, sizeof tsv, "%s/beams.tsv", p->runs[r].dir);
    s2s_tsv in;
    if (s2s_tsv_open(&in, tsv) != 0) continue;
    const int cb = s2s_tsv_col(&in, "beam"), cl = s2s_tsv_col(&in, "bleu");
    const int cs = s2s_tsv_col(&in, "sentences_per_s");
    if (cb < 0 || cl < 0) {
      fprintf(stderr, "s2sbench plot: %s lacks the beam or bleu column\n", tsv);
      s2s_tsv_close(&in);
      continue;
    }
    if (!f && !(f = s2s_plot_data_file(p, "beams", path, sizeof path))) {
      s2s_tsv_close(&in);
      return;
    }
    fprintf(f, "# beam\tbleu\tsentences_per_s\n");
    while (s2s_tsv_next(&in))
      fprintf(f, "%s\t%s\t%s\n", s2s_tsv_get(&in, cb), s2s_tsv_get(&in, cl),
              cs >= 0 && s2s_tsv_get(&in, cs)[0] ? s2s_tsv_get(&in, cs) : "-");
    fprintf(f, "\n\n");
    s2s_tsv_close(&in);
    s2s_plot_title_add(&t, p->runs[r].label);
  }
  if (!f) return;
  fclose(f);
  s2s_plot_render_series(p, "bleu_beam", "bleu_beam", path, &t, NULL);
}

#define MAX_SHAPES 32
#define MAX_SERIES 16

/* The variants of a cases.tsv in their first order (bench gemm: default, tuned; a peer:
 * its BLAS), at most `max`; how many. */
static int gemm_variants(const char *tsv, char (*v)[24], int max) {
  s2s_tsv in;
  int n = 0;
  if (s2s_tsv_open(&in, tsv) != 0) return 0;
  const int cv = s2s_tsv_col(&in, "variant");
  while (cv >= 0 && s2s_tsv_next(&in)) {
    const char *name = s2s_tsv_get(&in, cv);
    int k = 0;
    while (k < n && strcmp(v[k], name))
      k++;
    if (k == n && n < max) snprintf(v[n++], sizeof v[0], "%s", name);
  }
  s2s_tsv_close(&in);
  return n;
}

static int gemm_kind(const char *kind) {
  return !strcmp(kind, "bench gemm") || !strcmp(kind, "peer numpy gemm") ||
         !strcmp(kind, "peer torch gemm");
}

void s2s_plot_gemm(s2s_plot *p) {
  char shapes[MAX_SHAPES][48], tsv[4200], path[4200], more[64] = "";
  double val[MAX_SERIES][MAX_SHAPES], peak = 0;
  int nshapes = 0, nseries = 0;
  s2s_plot_titles t = {0};
  for (int r = 0; r < p->nruns && nseries < MAX_SERIES; r++) {
    if (!gemm_kind(p->runs[r].kind)) continue;
    snprintf(tsv, sizeof tsv, "%s/cases.tsv", p->runs[r].dir);
    const double pk = s2s_jnum(p->runs[r].doc.root, "summary.peak_gflops", 0);
    if (pk > peak) peak = pk;
    char variants[4][24];
    const int nv = gemm_variants(tsv, variants, 4);
    for (int v = 0; v < nv && nseries < MAX_SERIES; v++) {
      s2s_tsv in;
      if (s2s_tsv_open(&in, tsv) != 0) break;
      const int cc = s2s_tsv_col(&in, "case"), cv = s2s_tsv_col(&in, "variant");
      const int cg = s2s_tsv_col(&in, "gflops");
      int rows = 0;
      for (int k = 0; k < MAX_SHAPES; k++)
        val[nseries][k] = NAN;
      while (cc >= 0 && cv >= 0 && cg >= 0 && s2s_tsv_next(&in)) {
        if (strcmp(s2s_tsv_get(&in, cv), variants[v]) || !s2s_tsv_get(&in, cg)[0]) continue;
        const char *name = s2s_tsv_get(&in, cc);
        int k = 0;
        while (k < nshapes && strcmp(shapes[k], name))
          k++;
        if (k == nshapes) {
          if (nshapes == MAX_SHAPES) continue;
          snprintf(shapes[nshapes++], sizeof shapes[0], "%s", name);
        }
        val[nseries][k] = atof(s2s_tsv_get(&in, cg));
        rows++;
      }
      s2s_tsv_close(&in);
      if (!rows) continue;
      char title[400];
      snprintf(title, sizeof title, "%s, %s", p->runs[r].label, variants[v]);
      s2s_plot_title_add(&t, title);
      nseries++;
    }
  }
  if (!nseries) return;
  FILE *f = s2s_plot_data_file(p, "gemm", path, sizeof path);
  if (!f) return;
  fprintf(f, "# case");
  for (int s = 0; s < nseries; s++)
    fprintf(f, "\tseries%d_gflops", s + 1);
  fprintf(f, "\n");
  for (int k = 0; k < nshapes; k++) {
    fprintf(f, "%s", shapes[k]);
    for (int s = 0; s < nseries; s++)
      isfinite(val[s][k]) ? fprintf(f, "\t%.3f", val[s][k]) : fprintf(f, "\t-");
    fprintf(f, "\n");
  }
  fclose(f);
  if (peak > 0) snprintf(more, sizeof more, "peak=%.1f", peak);
  s2s_plot_render_series(p, "gemm", "gemm", path, &t, more[0] ? more : NULL);
}

/* Words/s per platform and tuning from the summary.tsv of bench/vendors/step_vendors.sh
 * (one bar per row: its label, else its run; min-max bars over the rounds), every folder's
 * rows side by side, a folder's label before its rows when there are several. */
void s2s_plot_vendors(s2s_plot *p) {
  char tsv[4200], path[4200];
  FILE *f = NULL;
  int rows = 0, folders = 0;
  for (int r = 0; r < p->nruns; r++) {
    snprintf(tsv, sizeof tsv, "%s/summary.tsv", p->runs[r].dir);
    folders += access(tsv, R_OK) == 0;
  }
  for (int r = 0; r < p->nruns; r++) {
    s2s_tsv in;
    snprintf(tsv, sizeof tsv, "%s/summary.tsv", p->runs[r].dir);
    if (s2s_tsv_open(&in, tsv) != 0) continue;
    const int cr = s2s_tsv_col(&in, "run"), cl = s2s_tsv_col(&in, "label");
    const int c0 = s2s_tsv_col(&in, "words_per_s_min"), c1 = s2s_tsv_col(&in, "words_per_s_median");
    const int c2 = s2s_tsv_col(&in, "words_per_s_max");
    while (cr >= 0 && c0 >= 0 && c1 >= 0 && c2 >= 0 && s2s_tsv_next(&in)) {
      if (!f && !(f = s2s_plot_data_file(p, "vendors", path, sizeof path))) break;
      if (!rows++) fprintf(f, "# label\twords_per_s_median\twords_per_s_min\twords_per_s_max\n");
      char label[600];
      const char *name = cl >= 0 && s2s_tsv_get(&in, cl)[0] ? s2s_tsv_get(&in, cl)
                                                            : s2s_tsv_get(&in, cr);
      if (folders > 1)
        snprintf(label, sizeof label, "%s: %s", p->runs[r].label, name);
      else
        snprintf(label, sizeof label, "%s", name);
      for (char *c = label; *c; c++) /* one field: no tabs, no quotes */
        if (*c == '\t' || *c == '"') *c = ' ';
      fprintf(f, "%s\t%s\t%s\t%s\n", label, s2s_tsv_get(&in, c1), s2s_tsv_get(&in, c0),
              s2s_tsv_get(&in, c2));
    }
    s2s_tsv_close(&in);
  }
  if (!f) return;
  fclose(f);
  if (rows) s2s_plot_render(p, "vendors", "vendors", path, "");
}

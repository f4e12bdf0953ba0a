/* The figures' data (plot.h): each function reads what the result folders hold (sweep.json,
 * a bench pipeline's run.json, train.tsv, beams.tsv, cases.tsv, timelines), writes one
 * small TSV of gnuplot data blocks (one block per run or series, blocks separated by two
 * blank lines, titles passed as a list of quoted words) and renders the figure. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plot/plot.h"
#include "plot/plot_tsv.h"

/* --- speedup and words/s against devices --------------------------------------------- */

typedef struct pt {
  int dev;
  double speedup, bound, wps, wmin, wmax, smin, smax;
  double pred; /* the predicted speedup (NaN: none) */
} pt;

static int by_dev(const void *a, const void *b) {
  return ((const pt *)a)->dev - ((const pt *)b)->dev;
}

/* A sweep point's device spec names several items (a context or an MPI rank each). */
static int several_items(const s2s_jval *pt) {
  return strchr(s2s_jstr(pt, "device_spec", ""), ',') != NULL;
}

static void block(FILE *f, pt *v, int n) {
  qsort(v, (size_t)n, sizeof *v, by_dev);
  fprintf(f, "# devices\tspeedup\tbound\twords_per_s\twords_per_s_min\twords_per_s_max\t"
             "speedup_min\tspeedup_max\tpredicted\n");
  for (int i = 0; i < n; i++) { /* a missing range draws as no bar: the point itself */
    fprintf(f, "%d\t%.4f\t%.4f\t%.1f\t%.1f\t%.1f\t%.4f\t%.4f", v[i].dev, v[i].speedup,
            v[i].bound, v[i].wps, v[i].wmin, v[i].wmax,
            isfinite(v[i].smin) ? v[i].smin : v[i].speedup,
            isfinite(v[i].smax) ? v[i].smax : v[i].speedup);
    if (isfinite(v[i].pred)) fprintf(f, "\t%.4f\n", v[i].pred); /* 1 device: 1 by definition */
    else fprintf(f, "\t%s\n", v[i].dev == 1 ? "1" : "NaN");
  }
  fprintf(f, "\n\n");
}

void s2s_plot_scaling(s2s_plot *p) {
  char path[4200];
  s2s_plot_titles t = {0};
  int maxdev = 1;
  FILE *f = NULL;
  for (int r = 0; r < p->nruns; r++) {
    const s2s_plot_run *run = &p->runs[r];
    const s2s_jval *root = run->doc.root;
    pt v[64];
    int n = 0;
    if (!strcmp(run->kind, "bench pipeline")) {
      const s2s_jval *s = s2s_jget(root, "summary");
      if (!s2s_jnum(s, "output_check_passed", 0)) continue;
      const double bw = s2s_jnum(s, "baseline_words_per_s", NAN);
      v[0] = (pt){1, 1.0, 1.0, bw, bw, bw, NAN, NAN, 1.0};
      v[1] = (pt){(int)s2s_jnum(s, "devices", 2),
                  s2s_jnum(s, "speedup", NAN),
                  s2s_jnum(s, "flop_balance", s2s_jnum(s, "analytic_bound", NAN)),
                  s2s_jnum(s, "pipeline_words_per_s", NAN),
                  NAN,
                  NAN,
                  s2s_jnum(s, "speedup_min", NAN),
                  s2s_jnum(s, "speedup_max", NAN),
                  s2s_jnum(s, "predicted_speedup", NAN)};
      const double step = s2s_jnum(s, "pipeline_step_s_median", NAN);
      v[1].wmin = v[1].wps * step / s2s_jnum(s, "pipeline_step_s_max", step);
      v[1].wmax = v[1].wps * step / s2s_jnum(s, "pipeline_step_s_min", step);
      n = 2;
    } else if (strcmp(run->kind, "sweep")) {
      continue;
    }
    if (!f && !(f = s2s_plot_data_file(p, "scaling", path, sizeof path))) return;
    if (n) {
      block(f, v, n);
      s2s_plot_title_add(&t, run->label);
      maxdev = v[1].dev > maxdev ? v[1].dev : maxdev;
      continue;
    }
    /* a sweep: one series per (preset, batch, len, split as the sweep named it, one item or
     * several), in the
     * order they appear; the 1-device points belong to every series of their group */
    const s2s_jval *pts = s2s_jget(root, "points");
    const size_t np = pts ? pts->count : 0;
    const int before = t.n;
    int groups = 0; /* (preset, batch, len) groups: named in the titles only when several */
    for (size_t i = 0; i < np; i++) {
      const s2s_jval *a = s2s_jat(pts, i);
      int first = 1;
      for (size_t k = 0; k < i && first; k++) {
        const s2s_jval *b = s2s_jat(pts, k);
        first = strcmp(s2s_jstr(a, "preset", ""), s2s_jstr(b, "preset", "")) ||
                s2s_jnum(a, "batch", 0) != s2s_jnum(b, "batch", 0) ||
                s2s_jnum(a, "len", 0) != s2s_jnum(b, "len", 0);
      }
      groups += first;
    }
    int custom = 0; /* any split other than the default: then the default one is named too */
    for (size_t i = 0; i < np; i++)
      custom |= strcmp(s2s_jstr(s2s_jat(pts, i), "split_given", "default"), "default") != 0;
    /* devices as one item (cpu/2: sub-devices of one context) or as several (a context or an
     * MPI rank each): separate series, named by their spec when a sweep has both */
    int kinds = 0;
    for (size_t i = 0; i < np; i++)
      if (s2s_jnum(s2s_jat(pts, i), "devices", 0) > 1)
        kinds |= 1 << several_items(s2s_jat(pts, i));
    char *used = calloc(np + 1, 1);
    for (size_t i = 0; i < np && used; i++) {
      const s2s_jval *a = s2s_jat(pts, i);
      if (used[i] || s2s_jnum(a, "devices", 0) == 1) continue;
      const char *split = s2s_jstr(a, "split_given", "default");
      n = 0;
      for (size_t k = 0; k < np; k++) {
        const s2s_jval *b = s2s_jat(pts, k);
        const int one = s2s_jnum(b, "devices", 0) == 1;
        if (strcmp(s2s_jstr(a, "preset", ""), s2s_jstr(b, "preset", "")) ||
            s2s_jnum(a, "batch", 0) != s2s_jnum(b, "batch", 0) ||
            s2s_jnum(a, "len", 0) != s2s_jnum(b, "len", 0) ||
            (!one && (strcmp(split, s2s_jstr(b, "split_given", "default")) ||
                      several_items(a) != several_items(b))))
          continue;
        if (!one) used[k] = 1;
        if (!s2s_jnum(b, "output_check_passed", 0) || n == 64) continue;
        v[n++] = (pt){(int)s2s_jnum(b, "devices", 0),      s2s_jnum(b, "speedup", NAN),
                      s2s_jnum(b, "flop_balance", s2s_jnum(b, "analytic_bound", NAN)),  s2s_jnum(b, "words_per_s", NAN),
                      s2s_jnum(b, "words_per_s_min", NAN), s2s_jnum(b, "words_per_s_max", NAN),
                      s2s_jnum(b, "speedup_min", NAN),     s2s_jnum(b, "speedup_max", NAN),
                      s2s_jnum(b, "predicted_speedup", NAN)};
        maxdev = v[n - 1].dev > maxdev ? v[n - 1].dev : maxdev;
      }
      if (!n) continue;
      block(f, v, n);
      char title[768], group[128] = "";
      if (groups > 1)
        snprintf(group, sizeof group, ", %s B%g T%g", s2s_jstr(a, "preset", "?"),
                 s2s_jnum(a, "batch", 0), s2s_jnum(a, "len", 0));
      const int dflt = !strcmp(split, "default");
      const int dp = !strncmp(split, "replicas=", 9); /* data parallel (sweep.c) */
      char spec[160] = "";
      if (kinds == 3) snprintf(spec, sizeof spec, ", %s", s2s_jstr(a, "device_spec", "?"));
      snprintf(title, sizeof title, "%s%s%s%s%s", run->label, group,
               dflt ? (custom ? ", default split" : "") : dp ? ", data parallel " : ", split ",
               dflt ? "" : split, spec);
      s2s_plot_title_add(&t, title);
    }
    free(used);
    if (t.n == before) { /* only 1-device points: one series of them */
      n = 0;
      for (size_t k = 0; k < np && n < 64; k++) {
        const s2s_jval *b = s2s_jat(pts, k);
        if (s2s_jnum(b, "output_check_passed", 0))
          v[n++] = (pt){(int)s2s_jnum(b, "devices", 0),      s2s_jnum(b, "speedup", NAN),
                        s2s_jnum(b, "flop_balance", s2s_jnum(b, "analytic_bound", NAN)),  s2s_jnum(b, "words_per_s", NAN),
                        s2s_jnum(b, "words_per_s_min", NAN), s2s_jnum(b, "words_per_s_max", NAN),
                      s2s_jnum(b, "speedup_min", NAN),     s2s_jnum(b, "speedup_max", NAN),
                      s2s_jnum(b, "predicted_speedup", NAN)};
      }
      if (n) block(f, v, n), s2s_plot_title_add(&t, run->label);
    }
  }
  if (!f) return;
  fclose(f);
  if (!t.n) return;
  char more[64];
  snprintf(more, sizeof more, "maxdev=%d", maxdev);
  s2s_plot_render_series(p, "speedup", "speedup", path, &t, more);
  s2s_plot_render_series(p, "words_per_s", "words_per_s", path, &t, more);
}

/* --- per-device timelines ------------------------------------------------------------ */

static int category(const char *what) { /* 0 GEMM, 1 other kernel, 2 transfer, 3 host */
  if (!strncmp(what, "host wait", 9) || !strncmp(what, "host work", 9)) return 3;
  if (!strcmp(what, "sgemm")) return 0;
  if (strstr(what, "copy") || strstr(what, "read") || strstr(what, "write") ||
      strstr(what, "transfer"))
    return 2;
  return 1;
}

static void timeline(s2s_plot *p, const s2s_plot_run *run, const char *tsv, const char *name) {
  s2s_tsv in;
  if (s2s_tsv_open(&in, tsv) != 0) return;
  const int cd = s2s_tsv_col(&in, "device"), cw = s2s_tsv_col(&in, "what");
  const int cs = s2s_tsv_col(&in, "start_s"), ce = s2s_tsv_col(&in, "end_s");
  char path[4200];
  FILE *f =
      cd < 0 || cw < 0 || cs < 0 || ce < 0 ? NULL : s2s_plot_data_file(p, name, path, sizeof path);
  double busy[64] = {0}, span = 0, last_end[64] = {0};
  int ndev = 0;
  while (f && s2s_tsv_next(&in)) {
    const int d = atoi(s2s_tsv_get(&in, cd));
    const double s = atof(s2s_tsv_get(&in, cs)), e = atof(s2s_tsv_get(&in, ce));
    if (d < 0 || d >= 64 || e < s) continue;
    const int cat = category(s2s_tsv_get(&in, cw));
    fprintf(f, "%d\t%.9f\t%.9f\t%d\n", d, s, e, cat);
    if (e > span) span = e;
    if (cat == 3) continue; /* the host waited for this device's data: not its busy time */
    /* busy time per device: the union of its intervals (rows come in start order per device) */
    const double from = s > last_end[d] ? s : last_end[d];
    if (e > from) busy[d] += e - from;
    if (e > last_end[d]) last_end[d] = e;
    if (e > span) span = e;
    if (d + 1 > ndev) ndev = d + 1;
  }
  s2s_tsv_close(&in);
  if (!f) return;
  fclose(f);
  if (!ndev || span <= 0) return;
  s2s_plot_titles t = {0};
  char busyw[512] = "", more[700];
  s2s_plot_title_add(&t, run->label);
  for (int d = 0, o = 0; d < ndev && o < (int)sizeof busyw - 8; d++)
    o += snprintf(busyw + o, sizeof busyw - (size_t)o, "%s%d", d ? " " : "",
                  (int)lround(100 * busy[d] / span));
  snprintf(more, sizeof more, "ndev=%d; span=%.9f; busy='%s'", ndev, span, busyw);
  s2s_plot_render_series(p, "timeline", name, path, &t, more);
}

void s2s_plot_timelines(s2s_plot *p) {
  for (int r = 0; r < p->nruns; r++) {
    const s2s_plot_run *run = &p->runs[r];
    char tsv[4200], name[64];
    if (!strcmp(run->kind, "sweep")) { /* the widest point with a valid result */
      const s2s_jval *pts = s2s_jget(run->doc.root, "points"), *best = NULL;
      for (size_t i = 0; pts && i < pts->count; i++) {
        const s2s_jval *q = s2s_jat(pts, i);
        if (s2s_jnum(q, "output_check_passed", 0) &&
            (!best || s2s_jnum(q, "devices", 0) > s2s_jnum(best, "devices", 0)))
          best = q;
      }
      if (!best) continue;
      snprintf(tsv, sizeof tsv, "%s/%s/timeline.tsv", run->dir, s2s_jstr(best, "path", ""));
    } else if (!strcmp(run->kind, "bench pipeline")) {
      snprintf(tsv, sizeof tsv, "%s/timeline-pipeline.tsv", run->dir);
    } else if (!strcmp(run->kind, "predict")) {
      snprintf(tsv, sizeof tsv, "%s/timeline-predicted.tsv", run->dir);
    } else {
      snprintf(tsv, sizeof tsv, "%s/timeline.tsv", run->dir);
    }
    snprintf(name, sizeof name, p->nruns > 1 ? "timeline-%d" : "timeline", r + 1);
    timeline(p, run, tsv, name);
    /* a measured pipeline's prediction (bench pipeline), drawn the same way beside it */
    snprintf(tsv, sizeof tsv, "%s/timeline-predicted.tsv", run->dir);
    if (!strcmp(run->kind, "bench pipeline") && access(tsv, R_OK) == 0) {
      snprintf(name, sizeof name, p->nruns > 1 ? "timeline-predicted-%d" : "timeline-predicted",
               r + 1);
      timeline(p, run, tsv, name);
    }
  }
}

/* `s2sbench plot`: from result folders to figures. The C side only gathers numbers into
 * small TSV files (OUT/data/<figure>.tsv, gnuplot data blocks, one per run or series) and
 * runs the gnuplot scripts of scripts/plot/ with -e variables; every look (sizes, fonts,
 * colours, axes) lives in those plain .gp files, for users to edit. */
#ifndef S2S_PLOT_H
#define S2S_PLOT_H

#include <stddef.h>
#include <stdio.h>

#include "record/json_read.h"

#define S2S_PLOT_MAX_RUNS 16

typedef struct s2s_plot_run {
  char dir[2048];
  char label[256]; /* legend: device name / driver, or --labels */
  char kind[32];   /* run.json's kind, "sweep", or "" */
  s2s_jdoc doc;    /* run.json or sweep.json (doc.root NULL when absent) */
} s2s_plot_run;

typedef struct s2s_plot {
  const char *out_dir, *scripts, *gnuplot;
  char formats[3][4];
  int nformats;
  s2s_plot_run runs[S2S_PLOT_MAX_RUNS];
  int nruns;
  int figures, failed; /* rendered figure files; figures that failed */
} s2s_plot;

/* Renders scripts/<script>.gp as OUT/<name>.<fmt> for every format; vars are extra gnuplot
 * assignments ("n=2; titles='...'") and data the data file. Counts into p. */
void s2s_plot_render(s2s_plot *p, const char *script, const char *name, const char *data,
                     const char *vars);

/* Legend titles, kept as gnuplot words: "title one" "title two" (quotes in a title become
 * backquotes). */
typedef struct s2s_plot_titles {
  char s[4096];
  int n;
} s2s_plot_titles;
void s2s_plot_title_add(s2s_plot_titles *t, const char *title);
/* Opens OUT/data/<name>.tsv for writing (path returned), or NULL with a message. */
FILE *s2s_plot_data_file(const s2s_plot *p, const char *name, char *path, size_t len);
/* Renders with n = the number of titles, titles = the list, and `more` assignments. */
void s2s_plot_render_series(s2s_plot *p, const char *script, const char *name, const char *data,
                            const s2s_plot_titles *t, const char *more);

/* The figures (plot_data.c, plot_figs.c): each writes its data file(s) and renders, or does nothing
 * when no run has the data it needs. */
void s2s_plot_scaling(s2s_plot *p);   /* speedup.*, words_per_s.* (sweeps, bench pipeline) */
void s2s_plot_timelines(s2s_plot *p); /* timeline-<run>.* per run with a timeline */
void s2s_plot_training(s2s_plot *p);  /* bleu_steps.*, bleu_time.* (train.tsv) */
void s2s_plot_beams(s2s_plot *p);     /* bleu_beam.* (beams.tsv of bench decode) */
void s2s_plot_gemm(s2s_plot *p);      /* gemm.* (cases.tsv of bench gemm and its peers) */
void s2s_plot_vendors(s2s_plot *p);   /* vendors.* (summary.tsv of step_vendors.sh) */

/* A gnuplot single-quoted string literal of s ('' for a quote) appended to buf. */
void s2s_plot_quote(char *buf, size_t len, const char *s);

/* Runs argv (stdout to stderr, or both to /dev/null when quiet); the exit status, or -1. */
int s2s_plot_spawn(char *const *argv, int quiet);
/* Size of a file in bytes (capped at 1 GiB), -1 when it does not exist. */
int s2s_plot_file_size(const char *path);

#endif

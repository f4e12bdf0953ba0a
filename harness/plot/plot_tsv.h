/* Reading the suite's TSV files (train.tsv, beams.tsv, cases.tsv, timeline*.tsv) by column
 * name: the first line is the header; fields are tab-separated; lines starting with '#'
 * are skipped. */
#ifndef S2S_PLOT_TSV_H
#define S2S_PLOT_TSV_H

#include <stdio.h>

#define S2S_TSV_MAX_COLS 64

typedef struct s2s_tsv {
  FILE *f;
  char head[4096], line[8192];
  char *name[S2S_TSV_MAX_COLS], *field[S2S_TSV_MAX_COLS];
  int ncols, nfields;
} s2s_tsv;

int s2s_tsv_open(s2s_tsv *t, const char *path);      /* 0, or -1 (no file or no header) */
int s2s_tsv_col(const s2s_tsv *t, const char *name); /* index, or -1 */
int s2s_tsv_next(s2s_tsv *t);                        /* 1 row read, 0 at the end */
const char *s2s_tsv_get(const s2s_tsv *t, int col);  /* "" when the row is short */
void s2s_tsv_close(s2s_tsv *t);

#endif

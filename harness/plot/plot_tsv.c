/* TSV reading by column name (plot_tsv.h). */
#include "plot/plot_tsv.h"

#include <string.h>

#include "record/tsv_fields.h"

int s2s_tsv_open(s2s_tsv *t, const char *path) {
  memset(t, 0, sizeof *t);
  if (!(t->f = fopen(path, "r"))) return -1;
  while (fgets(t->head, sizeof t->head, t->f))
    if (t->head[0] != '#') {
      t->ncols = s2s_tsv_fields(t->head, t->name, S2S_TSV_MAX_COLS);
      return 0;
    }
  fclose(t->f);
  t->f = NULL;
  return -1;
}

int s2s_tsv_col(const s2s_tsv *t, const char *name) {
  for (int i = 0; i < t->ncols; i++)
    if (!strcmp(t->name[i], name)) return i;
  return -1;
}

int s2s_tsv_next(s2s_tsv *t) {
  while (t->f && fgets(t->line, sizeof t->line, t->f)) {
    if (t->line[0] == '#' || t->line[0] == '\n') continue;
    t->nfields = s2s_tsv_fields(t->line, t->field, S2S_TSV_MAX_COLS);
    return 1;
  }
  return 0;
}

const char *s2s_tsv_get(const s2s_tsv *t, int col) {
  return col >= 0 && col < t->nfields ? t->field[col] : "";
}

void s2s_tsv_close(s2s_tsv *t) {
  if (t->f) fclose(t->f);
  t->f = NULL;
}

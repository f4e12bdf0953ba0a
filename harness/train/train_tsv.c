/* train.tsv with rows carried over on resume (see train_tsv.h). */
#include "train/train_tsv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "record/atomic_file.h"

static const char header[] =
    "step\tepoch\tlr\tloss\tperplexity\tgrad_norm\taccuracy\twords_per_s\t"
    "elapsed_s\tdev_loss\tdev_perplexity\tdev_accuracy\tdev_bleu\ttrain_s\n";

/* The whole file in a malloc'd NUL-terminated buffer; NULL when it cannot be read. */
static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = NULL;
  size_t n = 0, cap = 0;
  for (;;) {
    if (n + 4096 + 1 > cap) {
      char *b = realloc(buf, cap = 2 * cap + 4096 + 1);
      if (!b) break;
      buf = b;
    }
    size_t k = fread(buf + n, 1, cap - n - 1, f);
    n += k;
    if (k == 0) break;
  }
  int bad = ferror(f) || !buf;
  fclose(f);
  if (bad) return free(buf), NULL;
  buf[n] = '\0';
  return buf;
}

/* The earlier run's rows (buf, the text of file src) with step <= resume_step, written
 * to t->f. A cut last line (killed mid-write) and a file of another header are not
 * carried. */
static void carry_rows(s2s_train_tsv *t, long resume_step, const char *src, const char *buf) {
  if (strncmp(buf, header, sizeof header - 1) != 0) {
    fprintf(stderr, "s2sbench train: '%s' has other columns: its rows are not kept\n", src);
    return;
  }
  for (const char *p = buf + sizeof header - 1, *e; (e = strchr(p, '\n')) != NULL; p = e + 1) {
    char *end;
    errno = 0;
    long step = strtol(p, &end, 10);
    if (errno || end == p || *end != '\t' || step > resume_step) continue;
    fwrite(p, 1, (size_t)(e - p) + 1, t->f);
    t->carried++;
    /* columns 9 and 14 (from 1): elapsed_s and train_s */
    const char *c = p;
    for (int col = 1; c && c < e; col++) {
      if (col == 9) t->carried_elapsed_s = strtod(c, NULL);
      if (col == 14) t->carried_train_s = strtod(c, NULL);
      c = memchr(c, '\t', (size_t)(e - c));
      if (c) c++;
    }
  }
}

int s2s_train_tsv_open(s2s_train_tsv *t, const char *out_dir, long resume_step) {
  memset(t, 0, sizeof *t);
  if (s2s_mkdirs(out_dir) != 0) return -1;
  snprintf(t->path, sizeof t->path, "%s/train.tsv", out_dir);
  snprintf(t->tmp, sizeof t->tmp, "%s.partial", t->path);
  /* A killed run left train.tsv.partial (the newest log: every run that ends renames it
   * away), a finished or interrupted one train.tsv. Read it before the "w" below
   * truncates the .partial we may be carrying from. */
  char *old = NULL;
  const char *src = NULL;
  if (resume_step >= 0) {
    FILE *probe = fopen(t->tmp, "rb");
    src = probe ? t->tmp : t->path;
    if (probe) fclose(probe);
    old = slurp(src);
  }
  t->f = fopen(t->tmp, "w");
  if (!t->f) {
    fprintf(stderr, "s2sbench train: cannot write '%s': %s\n", t->tmp, strerror(errno));
    free(old);
    return -1;
  }
  fputs(header, t->f);
  if (old) carry_rows(t, resume_step, src, old);
  free(old);
  fflush(t->f);
  return 0;
}

void s2s_train_tsv_close(s2s_train_tsv *t) {
  if (!t->f) return;
  fclose(t->f);
  t->f = NULL;
  if (rename(t->tmp, t->path) != 0)
    fprintf(stderr, "s2sbench train: cannot rename '%s': %s\n", t->tmp, strerror(errno));
}

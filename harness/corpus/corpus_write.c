/* The corpus build, last step: write every output into DIR.tmp, hash them into CORPUS_HASH,
 * then swap DIR.tmp in for DIR (files in DIR that the corpus does not own, such as a data
 * loader's cache, are carried over). Everything written is a function of the inputs only:
 * no paths, times or host names, so the same manifest gives the same bytes everywhere. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "record/atomic_file.h"
#include "corpus/corpus_internal.h"
#include "text/sha256.h"

/* the owned files, in hashing order (CORPUS_HASH last, not hashed) */
static const char *const owned[] = {
    "train.en",       "train.fr",     "dev.en",        "dev.fr",       "test.en",   "test.fr",
    "train.mask.tsv", "dev.mask.tsv", "test.mask.tsv", "MANIFEST.tsv", "STATS.txt", "CORPUS_HASH"};
enum { N_OWNED = sizeof owned / sizeof *owned };

static int is_owned(const char *name) {
  for (int i = 0; i < N_OWNED; i++)
    if (!strcmp(name, owned[i])) return 1;
  return 0;
}

static FILE *open_in(const char *dir, const char *name, char *err, size_t errlen) {
  char path[4400];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f) snprintf(err, errlen, "%s: cannot create: %s", path, strerror(errno));
  return f;
}

static int close_checked(FILE *f, const char *dir, const char *name, char *err, size_t errlen) {
  int bad = ferror(f) | fflush(f) | fsync(fileno(f));
  bad |= fclose(f);
  if (bad) snprintf(err, errlen, "%s/%s: write failed: %s", dir, name, strerror(errno));
  return bad ? -1 : 0;
}

/* Table records "TOKEN\tORIGINAL\n" -> "LINE\tSIDE\tTOKEN\tORIGINAL\n". */
static void write_table(FILE *f, long line, const char *side, const char *table) {
  for (const char *p = table; *p;) {
    const char *nl = strchr(p, '\n');
    size_t n = nl ? (size_t)(nl - p) : strlen(p);
    fprintf(f, "%ld\t%s\t%.*s\n", line, side, (int)n, p);
    p += n + (nl != NULL);
  }
}

static int write_splits(const s2s_corpus_state *cs, const char *dir, char *err, size_t errlen) {
  for (int split = 0; split < 3; split++) {
    char name[3][32];
    snprintf(name[0], 32, "%s.en", s2s_split_names[split]);
    snprintf(name[1], 32, "%s.fr", s2s_split_names[split]);
    snprintf(name[2], 32, "%s.mask.tsv", s2s_split_names[split]);
    FILE *f[3] = {NULL, NULL, NULL};
    for (int k = 0; k < 3; k++)
      if (!(f[k] = open_in(dir, name[k], err, errlen))) {
        for (int j = 0; j < k; j++)
          fclose(f[j]);
        return -1;
      }
    fprintf(f[2], "line\tside\ttoken\toriginal\n");
    long line = 0;
    for (size_t i = 0; i < cs->npair; i++) {
      const s2s_corpus_pair *p = &cs->pair[i];
      if (!p->keep || s2s_corpus_pair_split(cs, p) != split) continue;
      line++;
      fprintf(f[0], "%s\n", p->en);
      fprintf(f[1], "%s\n", p->fr);
      write_table(f[2], line, "en", p->en_table);
      write_table(f[2], line, "fr", p->fr_table);
    }
    for (int k = 0; k < 3; k++)
      if (close_checked(f[k], dir, name[k], err, errlen)) return -1;
  }
  return 0;
}

static void clean_field(char *s) {
  for (; *s; s++)
    if (*s == '\t' || *s == '\n' || *s == '\r') *s = ' ';
}

static int write_manifest(const s2s_corpus_state *cs, const char *dir, char *err, size_t errlen) {
  FILE *f = open_in(dir, "MANIFEST.tsv", err, errlen);
  if (!f) return -1;
  fprintf(f, "package\tversion\tfamily\tsplit\tdeb_sha256\tcatalog\tcatalog_sha256\t"
             "pairs_read\tpairs_kept\tstatus\n");
  for (size_t i = 0; i < cs->ncat; i++) {
    const s2s_corpus_catalog *c = &cs->cat[i];
    char status[sizeof c->status];
    memcpy(status, c->status, sizeof status);
    clean_field(status);
    fprintf(f, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%ld\t%ld\t%s\n", c->package, c->version, c->family,
            s2s_split_names[cs->family_split[c->family_idx]], c->deb_sha256, c->name, c->mo_sha256,
            c->pairs_read, c->pairs_kept, status);
  }
  return close_checked(f, dir, "MANIFEST.tsv", err, errlen);
}

static int write_stats(const s2s_corpus_state *cs, const s2s_corpus_stats *st, const char *dir,
                       char *err, size_t errlen) {
  FILE *f = open_in(dir, "STATS.txt", err, errlen);
  if (!f) return -1;
  fprintf(f, "# s2sbench corpus: counts in pipeline order (docs: scripts/corpus-packages.txt)\n");
  const struct {
    const char *name;
    long v;
  } rows[] = {
      {"catalogs", st->catalogs},
      {"catalogs_failed", st->catalogs_failed},
      {"catalogs_bad_charset", st->catalogs_bad_charset},
      {"entries", st->entries},
      {"header_entries_skipped", st->header_entries},
      {"context_entries", st->context_entries},
      {"sysdep_entries", st->sysdep_entries},
      {"untranslated_skipped", st->untranslated},
      {"plural_pairs", st->plural_pairs},
      {"pairs_read", st->pairs_read},
      {"invalid_utf8_dropped", st->invalid_utf8},
      {"identical_dropped", st->identical},
      {"reserved_chars_dropped", st->reserved_chars},
      {"placeholder_mismatch_dropped", st->placeholder_mismatch},
      {"too_many_placeholders_dropped", st->too_many_placeholders},
      {"length_filtered", st->length_filtered},
      {"duplicate_pairs_dropped", st->duplicate_pairs},
      {"conflicting_english_dropped", st->conflicting_english},
      {"leaked_dev_dropped", st->leaked_dev},
      {"leaked_test_dropped", st->leaked_test},
      {"pairs_with_placeholders", st->with_placeholders},
      {"pairs_with_accelerators", st->with_accelerators},
  };
  for (size_t i = 0; i < sizeof rows / sizeof *rows; i++)
    fprintf(f, "%-30s %ld\n", rows[i].name, rows[i].v);
  for (int s = 0; s < 3; s++) {
    char name[3][32];
    snprintf(name[0], 32, "%s_pairs", s2s_split_names[s]);
    snprintf(name[1], 32, "%s_words_en", s2s_split_names[s]);
    snprintf(name[2], 32, "%s_words_fr", s2s_split_names[s]);
    fprintf(f, "%-30s %ld\n%-30s %ld\n%-30s %ld\n", name[0], st->pairs[s], name[1], st->words_en[s],
            name[2], st->words_fr[s]);
  }
  for (int s = 1; s < 3; s++) {
    char name[32];
    snprintf(name, sizeof name, "%s_families", s2s_split_names[s]);
    fprintf(f, "%-30s", name);
    for (size_t i = 0; i < cs->nfam; i++)
      if (cs->family_split[i] == s) fprintf(f, " %s", cs->family[i]);
    fputc('\n', f);
  }
  return close_checked(f, dir, "STATS.txt", err, errlen);
}

static int write_hash(const char *dir, char total[65], char *err, size_t errlen) {
  char lines[N_OWNED * 100] = "", path[4400], hex[65];
  size_t w = 0;
  for (int i = 0; i < N_OWNED - 1; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, owned[i]);
    if (s2s_sha256_file(path, hex)) {
      snprintf(err, errlen, "%s: cannot read back: %s", path, strerror(errno));
      return -1;
    }
    w += (size_t)snprintf(lines + w, sizeof lines - w, "%s  %s\n", hex, owned[i]);
  }
  s2s_sha256_hex(lines, w, total);
  FILE *f = open_in(dir, "CORPUS_HASH", err, errlen);
  if (!f) return -1;
  fprintf(f, "%s\n%s", total, lines);
  return close_checked(f, dir, "CORPUS_HASH", err, errlen);
}

/* Removes a folder holding only owned files (or nothing). */
static int remove_owned_dir(const char *dir, int carry_to_dir, const char *carry, char *err,
                            size_t errlen) {
  DIR *d = opendir(dir);
  if (!d) return errno == ENOENT ? 0 : -1;
  struct dirent *e;
  char path[4400], to[4400];
  int rc = 0;
  while ((e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    if (is_owned(e->d_name)) {
      if (unlink(path)) rc = -1;
    } else if (carry_to_dir) {
      snprintf(to, sizeof to, "%s/%s", carry, e->d_name);
      if (rename(path, to)) rc = -1;
    } else {
      rc = -1;
    }
  }
  closedir(d);
  if (!rc && rmdir(dir)) rc = -1;
  if (rc)
    snprintf(err, errlen, "%s: cannot clear: %s (or it holds files that are not ours)", dir,
             strerror(errno));
  return rc;
}

int s2s_corpus_write(const s2s_corpus_state *cs, const s2s_corpus_options *opt,
                     s2s_corpus_stats *st, int install, char *err, size_t errlen) {
  char tmp[4200], old[4200];
  if (snprintf(tmp, sizeof tmp, "%s.tmp", opt->out_dir) >= 4096 ||
      snprintf(old, sizeof old, "%s.old", opt->out_dir) >= 4096) {
    snprintf(err, errlen, "--out: path too long");
    return -1;
  }
  if (remove_owned_dir(tmp, 0, NULL, err, errlen) || remove_owned_dir(old, 0, NULL, err, errlen))
    return -1;
  if (s2s_mkdirs(tmp)) {
    snprintf(err, errlen, "%s: cannot create", tmp);
    return -1;
  }
  if (write_splits(cs, tmp, err, errlen) || write_manifest(cs, tmp, err, errlen) ||
      write_stats(cs, st, tmp, err, errlen) || write_hash(tmp, st->corpus_hash, err, errlen))
    return -1;
  if (!install) return remove_owned_dir(tmp, 0, NULL, err, errlen);
  struct stat sb;
  if (stat(opt->out_dir, &sb) == 0) {
    if (rename(opt->out_dir, old)) {
      snprintf(err, errlen, "%s: cannot move aside: %s", opt->out_dir, strerror(errno));
      return -1;
    }
  }
  if (rename(tmp, opt->out_dir)) {
    snprintf(err, errlen, "%s: cannot rename to %s: %s", tmp, opt->out_dir, strerror(errno));
    return -1;
  }
  return remove_owned_dir(old, 1, opt->out_dir, err, errlen);
}

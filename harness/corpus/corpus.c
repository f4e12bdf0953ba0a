/* The corpus build, first half: read the inputs list, read every catalog in a fixed order,
 * turn its entries into normalised, masked, length-filtered candidate pairs; then hand over
 * to corpus_split.c (families, dedup, leaks) and corpus_write.c (files). A catalog that
 * cannot be read is skipped, counted and named; only a too-small result is fatal. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus/corpus_internal.h"
#include "corpus/mo_reader.h"
#include "text/sha256.h"


void s2s_corpus_options_default(s2s_corpus_options *o) {
  *o = (s2s_corpus_options){
      .min_words = 3, .max_words = 50, .dev_size = 3000, .test_size = 3000, .min_train = 50000};
}

static char *dup_n(const char *p, size_t n) {
  char *s = malloc(n + 1);
  if (s) memcpy(s, p, n), s[n] = '\0';
  return s;
}

static int is_hex64(const char *s) {
  size_t n = strlen(s);
  if (n != 64) return 0;
  for (size_t i = 0; i < n; i++)
    if (!strchr("0123456789abcdef", s[i])) return 0;
  return 1;
}

/* inputs list: package version family deb_sha256 catalog_name mo_path, tab-separated;
 * '#' comments and blank lines ignored; deb_sha256 may be "-" when unknown */
static int read_inputs(const char *path, s2s_corpus_state *cs, char *err, size_t errlen) {
  FILE *f = fopen(path, "r");
  if (!f) {
    snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
    return -1;
  }
  char line[8192];
  int lineno = 0, rc = 0;
  size_t cap = 0;
  while (fgets(line, sizeof line, f)) {
    lineno++;
    size_t n = strlen(line);
    if (n == sizeof line - 1 && line[n - 1] != '\n') {
      snprintf(err, errlen, "%s:%d: line longer than %zu bytes", path, lineno, sizeof line - 2);
      rc = -1;
      break;
    }
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
      line[--n] = '\0';
    if (n == 0 || line[0] == '#') continue;
    char *field[6];
    int nf = 0;
    for (char *p = line;; nf++) {
      if (nf < 6) field[nf] = p;
      char *tab = strchr(p, '\t');
      if (!tab) {
        nf++;
        break;
      }
      *tab = '\0';
      p = tab + 1;
    }
    if (nf != 6) {
      snprintf(err, errlen,
               "%s:%d: expected 6 tab-separated fields (package version family "
               "deb_sha256 catalog path), got %d",
               path, lineno, nf);
      rc = -1;
      break;
    }
    for (int k = 0; k < 6; k++)
      if (!*field[k]) {
        snprintf(err, errlen, "%s:%d: field %d is empty", path, lineno, k + 1);
        rc = -1;
      }
    if (!rc && strcmp(field[3], "-") && !is_hex64(field[3])) {
      snprintf(err, errlen, "%s:%d: '%s' is not a lowercase SHA-256", path, lineno, field[3]);
      rc = -1;
    }
    if (rc) break;
    if (cs->ncat == cap) {
      cap = cap ? 2 * cap : 64;
      void *nc = realloc(cs->cat, cap * sizeof *cs->cat);
      if (!nc) {
        snprintf(err, errlen, "out of memory");
        rc = -1;
        break;
      }
      cs->cat = nc;
    }
    s2s_corpus_catalog *c = &cs->cat[cs->ncat++];
    memset(c, 0, sizeof *c);
    char **dst[6] = {&c->package, &c->version, &c->family, &c->deb_sha256, &c->name, &c->path};
    for (int k = 0; k < 6; k++)
      *dst[k] = dup_n(field[k], strlen(field[k]));
    c->line = lineno;
    snprintf(c->status, sizeof c->status, "ok");
  }
  fclose(f);
  if (!rc && cs->ncat == 0) {
    snprintf(err, errlen, "%s: no catalogs listed", path);
    rc = -1;
  }
  return rc;
}

static int cmp_catalog(const void *x, const void *y) {
  const s2s_corpus_catalog *a = x, *b = y;
  int c = strcmp(a->family, b->family);
  if (!c) c = strcmp(a->package, b->package);
  if (!c) c = strcmp(a->name, b->name);
  if (!c) c = a->line - b->line;
  return c;
}

static int collect_families(s2s_corpus_state *cs) {
  cs->family = calloc(cs->ncat, sizeof *cs->family);
  cs->family_split = calloc(cs->ncat, sizeof *cs->family_split);
  cs->family_pairs = calloc(cs->ncat, sizeof *cs->family_pairs);
  if (!cs->family || !cs->family_split || !cs->family_pairs) return -1;
  for (size_t i = 0; i < cs->ncat; i++) { /* catalogs are sorted by family */
    if (cs->nfam == 0 || strcmp(cs->family[cs->nfam - 1], cs->cat[i].family))
      cs->family[cs->nfam++] = cs->cat[i].family;
    cs->cat[i].family_idx = (int)cs->nfam - 1;
  }
  return 0;
}

static int read_file(const char *path, char **data, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  size_t cap = 1 << 16, n = 0, got;
  char *buf = malloc(cap);
  while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0)
    if ((n += got) == cap) {
      char *nb = cap < ((size_t)1 << 30) ? realloc(buf, cap *= 2) : NULL;
      if (!nb) free(buf);
      buf = nb;
    }
  int bad = !buf || ferror(f);
  fclose(f);
  if (bad) {
    free(buf);
    return -1;
  }
  *data = buf, *size = n;
  return 0;
}

/* S2S_UTF8 (also ASCII or unstated), S2S_ISO_8859_1, S2S_ISO_8859_15, or -1: unsupported */
static int charset_kind(const char *cs) {
  char l[32];
  size_t n = 0;
  for (; cs[n] && n < sizeof l - 1; n++)
    l[n] = (char)(cs[n] >= 'A' && cs[n] <= 'Z' ? cs[n] + 32 : cs[n]);
  l[n] = '\0';
  if (!n || !strcmp(l, "utf-8") || !strcmp(l, "utf8") || !strcmp(l, "ascii") ||
      !strcmp(l, "us-ascii"))
    return S2S_UTF8;
  if (!strcmp(l, "iso-8859-1") || !strcmp(l, "iso8859-1") || !strcmp(l, "latin1") ||
      !strcmp(l, "iso_8859-1"))
    return S2S_ISO_8859_1;
  if (!strcmp(l, "iso-8859-15") || !strcmp(l, "iso8859-15") || !strcmp(l, "latin9") ||
      !strcmp(l, "iso_8859-15"))
    return S2S_ISO_8859_15;
  return -1;
}

static int add_pair(s2s_corpus_state *cs, const s2s_corpus_options *opt, s2s_corpus_stats *st,
                    int ci, const s2s_mo_pair *mp, int legacy) {
  char en[8192], fr[8192];
  int a = s2s_corpus_normalize(mp->en.p, mp->en.n, legacy, en, sizeof en);
  int b = s2s_corpus_normalize(mp->fr.p, mp->fr.n, legacy, fr, sizeof fr);
  if (a == S2S_NORM_BAD_UTF8 || b == S2S_NORM_BAD_UTF8) return st->invalid_utf8++, 0;
  if (a || b) return st->length_filtered++, 0;
  if (!strcmp(en, fr)) return st->identical++, 0;
  s2s_masked_pair m;
  int rc = s2s_corpus_mask_pair(en, fr, &m);
  if (rc == S2S_MASK_NOMEM) return -1;
  if (rc == S2S_MASK_MISMATCH) return st->placeholder_mismatch++, 0;
  if (rc == S2S_MASK_RESERVED) return st->reserved_chars++, 0;
  if (rc == S2S_MASK_TOO_MANY) return st->too_many_placeholders++, 0;
  long we = (long)s2s_corpus_words(m.src), wf = (long)s2s_corpus_words(m.tgt);
  if (we < opt->min_words || we > opt->max_words || wf < opt->min_words || wf > opt->max_words) {
    s2s_masked_pair_free(&m);
    return st->length_filtered++, 0;
  }
  if (cs->npair == cs->cap) {
    size_t nc = cs->cap ? 2 * cs->cap : 4096;
    void *np = realloc(cs->pair, nc * sizeof *cs->pair);
    if (!np) return s2s_masked_pair_free(&m), -1;
    cs->pair = np, cs->cap = nc;
  }
  cs->pair[cs->npair++] =
      (s2s_corpus_pair){m.src, m.tgt, m.src_table, m.tgt_table, ci, mp->entry, mp->form, 0};
  cs->family_pairs[cs->cat[ci].family_idx]++;
  return 0;
}

/* Reads one catalog into candidate pairs. Returns 0 (also when the catalog is skipped:
 * status says why) or -1 when out of memory. */
static int read_catalog(s2s_corpus_state *cs, const s2s_corpus_options *opt, s2s_corpus_stats *st,
                        int ci) {
  s2s_corpus_catalog *c = &cs->cat[ci];
  char *data = NULL, msg[400];
  size_t size = 0;
  s2s_mo_catalog mo;
  if (read_file(c->path, &data, &size)) {
    snprintf(c->status, sizeof c->status, "error: cannot read: %s", strerror(errno));
  } else {
    s2s_sha256_hex(data, size, c->mo_sha256);
    if (s2s_mo_parse(data, size, &mo, msg, sizeof msg))
      snprintf(c->status, sizeof c->status, "error: %.150s", msg);
  }
  free(data);
  if (strcmp(c->status, "ok")) {
    st->catalogs_failed++;
    if (!c->mo_sha256[0]) snprintf(c->mo_sha256, sizeof c->mo_sha256, "-");
    if (!opt->quiet)
      fprintf(stderr, "s2sbench corpus: warning: %s (%s, %s): %s; skipped\n", c->path, c->package,
              c->name, c->status);
    return 0;
  }
  int kind = charset_kind(mo.charset);
  if (kind < 0) {
    snprintf(c->status, sizeof c->status, "error: unsupported charset '%s'", mo.charset);
    st->catalogs_bad_charset++;
    if (!opt->quiet)
      fprintf(stderr,
              "s2sbench corpus: warning: %s (%s): charset '%s' is not UTF-8 or "
              "ISO-8859-1/15; skipped\n",
              c->path, c->package, mo.charset);
    s2s_mo_free(&mo);
    return 0;
  }
  s2s_mo_pair *mp;
  size_t n;
  s2s_mo_counts k = {0};
  if (s2s_mo_pairs(&mo, &mp, &n, &k)) return s2s_mo_free(&mo), -1;
  st->entries += (long)k.entries, st->header_entries += (long)k.header;
  st->untranslated += (long)k.untranslated, st->plural_pairs += (long)k.plural_extra;
  st->context_entries += (long)k.with_context, st->sysdep_entries += (long)k.sysdep;
  st->pairs_read += (long)n;
  c->pairs_read = (long)n;
  int rc = 0;
  for (size_t i = 0; i < n && !rc; i++)
    rc = add_pair(cs, opt, st, ci, &mp[i], kind);
  free(mp);
  s2s_mo_free(&mo);
  return rc;
}

static void free_state(s2s_corpus_state *cs) {
  for (size_t i = 0; i < cs->ncat; i++) {
    s2s_corpus_catalog *c = &cs->cat[i];
    free(c->package), free(c->version), free(c->family);
    free(c->deb_sha256), free(c->name), free(c->path);
  }
  for (size_t i = 0; i < cs->npair; i++) {
    s2s_corpus_pair *p = &cs->pair[i];
    free(p->en), free(p->fr), free(p->en_table), free(p->fr_table);
  }
  free(cs->cat), free(cs->pair), free(cs->family), free(cs->family_split);
  free(cs->family_pairs);
}

int s2s_corpus_build(const s2s_corpus_options *opt, s2s_corpus_stats *st, char *err,
                     size_t errlen) {
  s2s_corpus_state cs = {0};
  memset(st, 0, sizeof *st);
  int rc = read_inputs(opt->inputs, &cs, err, errlen);
  if (!rc) {
    qsort(cs.cat, cs.ncat, sizeof *cs.cat, cmp_catalog);
    for (size_t i = 1; i < cs.ncat && !rc; i++)
      if (!strcmp(cs.cat[i].package, cs.cat[i - 1].package) &&
          !strcmp(cs.cat[i].name, cs.cat[i - 1].name)) {
        snprintf(err, errlen, "%s:%d: catalog %s of %s is listed twice", opt->inputs,
                 cs.cat[i].line, cs.cat[i].name, cs.cat[i].package);
        rc = -1;
      }
  }
  if (!rc && collect_families(&cs)) rc = -1, snprintf(err, errlen, "out of memory");
  st->catalogs = (long)cs.ncat;
  for (size_t i = 0; i < cs.ncat && !rc; i++)
    if (read_catalog(&cs, opt, st, (int)i)) rc = -1, snprintf(err, errlen, "out of memory");
  if (!rc) rc = s2s_corpus_assign_splits(&cs, opt, err, errlen);
  if (!rc && s2s_corpus_dedup(&cs, st)) rc = -1, snprintf(err, errlen, "out of memory");
  if (!rc) {
    int enough = st->pairs[S2S_SPLIT_TRAIN] >= opt->min_train;
    rc = s2s_corpus_write(&cs, opt, st, enough, err, errlen);
    if (!rc && !enough) {
      snprintf(err, errlen,
               "only %ld training pairs, below the floor of %ld (--min-train); "
               "%s left unchanged",
               st->pairs[S2S_SPLIT_TRAIN], opt->min_train, opt->out_dir);
      rc = 1;
    }
  }
  free_state(&cs);
  return rc;
}

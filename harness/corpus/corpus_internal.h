/* Shared state of the corpus build, private to corpus*.c: the catalogs from the inputs
 * list, the families they belong to, and every candidate pair in deterministic order
 * (catalogs sorted by family, package, catalog name; entries in file order). */
#ifndef S2S_CORPUS_INTERNAL_H
#define S2S_CORPUS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "corpus/corpus.h"

enum { S2S_SPLIT_TRAIN = 0, S2S_SPLIT_DEV = 1, S2S_SPLIT_TEST = 2 };
extern const char *const s2s_split_names[3];

typedef struct {
  char *package, *version, *family, *deb_sha256, *name, *path; /* from the inputs list */
  int line;                                                    /* line in the inputs list */
  int family_idx;
  char mo_sha256[65];
  char status[160]; /* "ok" or what went wrong */
  long pairs_read, pairs_kept;
} s2s_corpus_catalog;

typedef struct {
  char *en, *fr, *en_table, *fr_table; /* masked, normalised */
  int catalog;
  uint32_t entry;
  int form;
  int keep;
} s2s_corpus_pair;

typedef struct {
  s2s_corpus_catalog *cat;
  size_t ncat;
  char **family;      /* (nfam) sorted names */
  int *family_split;  /* (nfam) */
  long *family_pairs; /* (nfam) candidate pairs, for the automatic split */
  size_t nfam;
  s2s_corpus_pair *pair;
  size_t npair, cap;
} s2s_corpus_state;

/* corpus_split.c */
int s2s_corpus_assign_splits(s2s_corpus_state *cs, const s2s_corpus_options *opt, char *err,
                             size_t errlen);
/* Deduplicates within each split, then drops dev/test pairs leaking from train (and test
 * pairs leaking from dev); sets pair.keep and the counters. Returns 0 or -1 (memory). */
int s2s_corpus_dedup(s2s_corpus_state *cs, s2s_corpus_stats *st);
int s2s_corpus_pair_split(const s2s_corpus_state *cs, const s2s_corpus_pair *p);

/* corpus_write.c: writes DIR.tmp and swaps it in (install = 0: write, then remove). */
int s2s_corpus_write(const s2s_corpus_state *cs, const s2s_corpus_options *opt,
                     s2s_corpus_stats *st, int install, char *err, size_t errlen);

/* corpus_set.c: a set of (a, b) string pairs (b may be NULL), open addressing. */
typedef struct {
  const char **a, **b;
  size_t cap, n;
} s2s_strset;
int s2s_strset_init(s2s_strset *s, size_t expected);
void s2s_strset_free(s2s_strset *s);
/* Adds (a, b) unless present. Returns 1 when added, 0 when already there, -1 on memory. */
int s2s_strset_add(s2s_strset *s, const char *a, const char *b);
int s2s_strset_has(const s2s_strset *s, const char *a, const char *b);

#endif

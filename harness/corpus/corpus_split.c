/* The corpus split: whole package families go to dev or test (named on the command line, or
 * chosen deterministically from the data), everything else to train; then dedup within each
 * split and the leak check across splits. Leak rule: a dev pair is dropped when its masked,
 * normalised English or French text occurs in train up to letter case and spacing (both
 * sides compared case-folded, whitespace runs as one space, trimmed); a test pair when it
 * occurs so in train or in the kept dev pairs. So no dev/test sentence, on either side, is
 * in train, not even as "Collapse All Threads" against "Collapse all threads". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus/corpus_internal.h"

#include "text/sha256.h"
#include "text/unicode_tables.h"
#include "text/utf8.h"

const char *const s2s_split_names[3] = {"train", "dev", "test"};

int s2s_corpus_pair_split(const s2s_corpus_state *cs, const s2s_corpus_pair *p) {
  return cs->family_split[cs->cat[p->catalog].family_idx];
}

static int find_family(const s2s_corpus_state *cs, const char *name, size_t n) {
  for (size_t i = 0; i < cs->nfam; i++)
    if (strlen(cs->family[i]) == n && !strncmp(cs->family[i], name, n)) return (int)i;
  return -1;
}

/* "a,b,c" -> the families' split set to `split`. */
static int assign_list(s2s_corpus_state *cs, const char *list, int split, char *err,
                       size_t errlen) {
  for (const char *p = list; *p;) {
    size_t n = strcspn(p, ",");
    if (n) {
      int f = find_family(cs, p, n);
      if (f < 0) {
        int w = snprintf(err, errlen, "--%s: unknown family '%.*s' (known:", s2s_split_names[split],
                         (int)n, p);
        for (size_t i = 0; i < cs->nfam && w > 0 && (size_t)w < errlen; i++)
          w += snprintf(err + w, errlen - (size_t)w, " %s", cs->family[i]);
        if (w > 0 && (size_t)w < errlen) snprintf(err + w, errlen - (size_t)w, ")");
        return -1;
      }
      if (cs->family_split[f] != S2S_SPLIT_TRAIN && cs->family_split[f] != split) {
        snprintf(err, errlen, "family '%s' is named for both dev and test", cs->family[f]);
        return -1;
      }
      cs->family_split[f] = split;
    }
    p += n + (p[n] == ',');
  }
  return 0;
}

/* Automatic choice: families in the order of SHA-256(name) (a fixed shuffle), each taken
 * when it holds at most 1.5x the target and the split is still below 90% of it. */
static void assign_auto(s2s_corpus_state *cs, int split, long target) {
  size_t n = cs->nfam;
  char(*h)[65] = malloc(n * sizeof *h);
  int *order = malloc(n * sizeof *order);
  if (!h || !order) {
    free(h), free(order);
    return;
  }
  for (size_t i = 0; i < n; i++) {
    s2s_sha256_hex(cs->family[i], strlen(cs->family[i]), h[i]);
    order[i] = (int)i;
  }
  for (size_t i = 1; i < n; i++) /* insertion sort by hash: n is small */
    for (size_t j = i; j > 0 && strcmp(h[order[j - 1]], h[order[j]]) > 0; j--) {
      int t = order[j];
      order[j] = order[j - 1], order[j - 1] = t;
    }
  long total = 0, train_fams = 0;
  for (size_t i = 0; i < n; i++)
    train_fams += cs->family_split[i] == S2S_SPLIT_TRAIN;
  for (size_t k = 0; k < n && total < target * 9 / 10 && train_fams > 1; k++) {
    int f = order[k];
    if (cs->family_split[f] != S2S_SPLIT_TRAIN || cs->family_pairs[f] == 0) continue;
    if (cs->family_pairs[f] * 2 > target * 3) continue;
    cs->family_split[f] = split;
    total += cs->family_pairs[f];
    train_fams--;
  }
  free(h);
  free(order);
}

int s2s_corpus_assign_splits(s2s_corpus_state *cs, const s2s_corpus_options *opt, char *err,
                             size_t errlen) {
  if (opt->dev_families && assign_list(cs, opt->dev_families, S2S_SPLIT_DEV, err, errlen))
    return -1;
  if (opt->test_families && assign_list(cs, opt->test_families, S2S_SPLIT_TEST, err, errlen))
    return -1;
  if (!opt->dev_families) assign_auto(cs, S2S_SPLIT_DEV, opt->dev_size);
  if (!opt->test_families) assign_auto(cs, S2S_SPLIT_TEST, opt->test_size);
  return 0;
}

/* The leak check's key of a text: str.lower() of every code point (the final-sigma rule
 * does not matter for a comparison), whitespace runs as one space, no space at the ends. */
static char *fold(const char *s) {
  const size_t n = strlen(s);
  uint32_t *cp = malloc((n + 1) * sizeof *cp);
  char *out = malloc(3 * 4 * n + 1);
  if (!cp || !out) return free(cp), free(out), NULL;
  const size_t m = s2s_utf8_decode(s, n, cp);
  size_t o = 0;
  int space = 0;
  for (size_t i = 0; i < m; i++) {
    if (s2s_uni_is_space(cp[i])) {
      space = o > 0;
      continue;
    }
    if (space) out[o++] = ' ', space = 0;
    uint32_t low[3];
    const int k = s2s_uni_lower(cp[i], low);
    for (int j = 0; j < k; j++) o += s2s_utf8_encode(low[j], out + o);
  }
  out[o] = '\0';
  free(cp);
  return out;
}

int s2s_corpus_dedup(s2s_corpus_state *cs, s2s_corpus_stats *st) {
  s2s_strset pairs, english, seen_en, seen_fr;
  if (s2s_strset_init(&seen_en, cs->npair) || s2s_strset_init(&seen_fr, cs->npair)) return -1;
  /* the sets borrow their keys: the folded texts live until the end */
  char **key = calloc(2 * cs->npair + 1, sizeof *key);
  if (!key) return -1;
  int rc = -1;
  for (size_t i = 0; i < cs->npair; i++)
    if (!(key[2 * i] = fold(cs->pair[i].en)) || !(key[2 * i + 1] = fold(cs->pair[i].fr)))
      goto out;
  for (int split = 0; split < 3; split++) {
    if (s2s_strset_init(&pairs, cs->npair) || s2s_strset_init(&english, cs->npair)) goto out;
    for (size_t i = 0; i < cs->npair; i++) {
      s2s_corpus_pair *p = &cs->pair[i];
      if (s2s_corpus_pair_split(cs, p) != split) continue;
      int a = s2s_strset_add(&pairs, p->en, p->fr);
      int b = a == 1 ? s2s_strset_add(&english, p->en, NULL) : 0;
      if (a < 0 || b < 0) goto out;
      if (a == 0)
        st->duplicate_pairs++;
      else if (b == 0)
        st->conflicting_english++;
      p->keep = a == 1 && b == 1;
    }
    s2s_strset_free(&pairs);
    s2s_strset_free(&english);
    /* leak check against everything kept in earlier splits (train, then dev) */
    for (size_t i = 0; i < cs->npair; i++) {
      s2s_corpus_pair *p = &cs->pair[i];
      if (!p->keep || s2s_corpus_pair_split(cs, p) != split) continue;
      if (split != S2S_SPLIT_TRAIN && (s2s_strset_has(&seen_en, key[2 * i], NULL) ||
                                       s2s_strset_has(&seen_fr, key[2 * i + 1], NULL))) {
        p->keep = 0;
        if (split == S2S_SPLIT_DEV)
          st->leaked_dev++;
        else
          st->leaked_test++;
      }
    }
    for (size_t i = 0; i < cs->npair; i++) {
      s2s_corpus_pair *p = &cs->pair[i];
      if (!p->keep || s2s_corpus_pair_split(cs, p) != split) continue;
      if (s2s_strset_add(&seen_en, key[2 * i], NULL) < 0 ||
          s2s_strset_add(&seen_fr, key[2 * i + 1], NULL) < 0)
        goto out;
      st->pairs[split]++;
      st->words_en[split] += (long)s2s_corpus_words(p->en);
      st->words_fr[split] += (long)s2s_corpus_words(p->fr);
      st->with_placeholders += strstr(p->en_table, "\xE2\x9F\xA8ph") != NULL;
      st->with_accelerators += strstr(p->en_table, "acc@") || strstr(p->fr_table, "acc@");
      cs->cat[p->catalog].pairs_kept++;
    }
  }
  rc = 0;
out:
  s2s_strset_free(&seen_en);
  s2s_strset_free(&seen_fr);
  for (size_t i = 0; i < 2 * cs->npair; i++) free(key[i]);
  free(key);
  return rc;
}

/* Vocabularies from checkpoints and the text side of translation (translate_io.h), on top
 * of the corpus module's vocabulary pair and sentence encoder/decoder. */
#include "decode/translate_io.h"

#include "corpus/corpus.h"

#include <stdlib.h>
#include <string.h>

#include "data/dataset.h"
#include "model/params.h"

int s2s_translate_vocabs_load(const s2s_ckpt *ck, s2s_translate_vocabs *v, char *err,
                              size_t errlen) {
  memset(v, 0, sizeof *v);
  /* the decoders take the model from the header and read its whole parameter block: a
   * header whose model is invalid or larger than the file's block must stop here */
  s2s_config c;
  s2s_param_layout lay;
  s2s_ckpt_header_to_config(&ck->h, &c);
  if (s2s_config_check(&c, err, errlen) != 0) return -1;
  s2s_params_layout(&lay, &c);
  if (ck->h.params != lay.total) {
    snprintf(err, errlen, "%llu parameters, the model of its header has %zu (corrupt checkpoint)",
             (unsigned long long)ck->h.params, lay.total);
    return -1;
  }
  int rc;
  if (ck->h.extra_bytes == 0) {
    v->synthetic = 1;
    v->src = s2s_vocab_synthetic((int)ck->h.src_vocab);
    v->tgt = s2s_vocab_synthetic((int)ck->h.tgt_vocab);
    rc = v->src && v->tgt ? 0 : -1;
    if (rc) snprintf(err, errlen, "out of memory");
  } else {
    s2s_text_rules rules;
    rc = s2s_dataset_vocabs_deserialize(ck->extra, (size_t)ck->h.extra_bytes, &v->src, &v->tgt,
                                       &rules, err, errlen);
    if (rc == 0 && rules.known)
      v->rules_known = 1, v->tokenize = rules.tokenize, v->src_lang = rules.src_lang,
      v->tgt_lang = rules.tgt_lang;
  }
  if (rc == 0 && (s2s_vocab_size(v->src) > (int)ck->h.src_vocab ||
                  s2s_vocab_size(v->tgt) > (int)ck->h.tgt_vocab)) {
    snprintf(err, errlen, "vocabularies of %d / %d words exceed the model's %u / %u",
             s2s_vocab_size(v->src), s2s_vocab_size(v->tgt), ck->h.src_vocab, ck->h.tgt_vocab);
    rc = -1;
  }
  if (rc) s2s_translate_vocabs_free(v);
  return rc;
}

void s2s_translate_vocabs_free(s2s_translate_vocabs *v) {
  if (v->src) s2s_vocab_free(v->src);
  if (v->tgt) s2s_vocab_free(v->tgt);
  memset(v, 0, sizeof *v);
}

void s2s_translate_vocabs_override(s2s_translate_vocabs *v, int tokenize, int src_lang,
                                   int tgt_lang) {
  if (tokenize >= 0) v->tokenize = tokenize;
  if (src_lang >= 0) v->src_lang = (s2s_lang)src_lang;
  if (tgt_lang >= 0) v->tgt_lang = (s2s_lang)tgt_lang;
}

long s2s_translate_encode(const s2s_translate_vocabs *v, const char *line, size_t n,
                          int32_t **ids) {
  long cap = (long)n / 2 + 1; /* words are separated: at most n/2 + 1 of them */
  for (;;) {
    int32_t *w = malloc((size_t)cap * sizeof *w);
    if (!w) return -1;
    long k = s2s_dataset_encode(v->src, line, n, v->tokenize, v->src_lang, w, cap);
    if (k >= 0 && k <= cap) {
      *ids = w;
      return k;
    }
    free(w);
    if (k < 0) return -1;
    cap = k; /* the tokenizer split more finely than spaces: once more with room */
  }
}

char *s2s_translate_mask(const char *line, size_t n, char **table) {
  *table = NULL;
  char *z = malloc(n + 1);
  if (!z) return NULL;
  memcpy(z, line, n);
  z[n] = '\0';
  s2s_masked_pair m;
  char *masked = NULL;
  if (s2s_corpus_mask_pair(z, z, &m) == S2S_MASK_OK) {
    if (m.placeholders > 0) {
      /* keep only the placeholder records: the source's accelerator offsets mean nothing
       * in the translation */
      size_t len = strlen(m.src_table), k = 0;
      char *t = malloc(len + 1);
      for (const char *p = m.src_table; t && *p;) {
        const char *e = strchr(p, '\n');
        size_t l = e ? (size_t)(e - p) + 1 : strlen(p);
        if (strncmp(p, "acc@", 4) != 0) memcpy(t + k, p, l), k += l;
        p += l;
      }
      if (t) {
        t[k] = '\0';
        *table = t;
        masked = strdup(m.src);
      }
    }
    s2s_masked_pair_free(&m);
  }
  free(z);
  return masked;
}

char *s2s_translate_text(const s2s_translate_vocabs *v, const int32_t *ids, int n) {
  size_t cap = 1;
  for (int i = 0; i < n; i++) cap += strlen(s2s_vocab_word(v->tgt, ids[i])) + 1;
  char *s = malloc(cap);
  if (s && s2s_dataset_decode(v->tgt, ids, n, v->tokenize, v->tgt_lang, s, cap) < 0) {
    free(s);
    return NULL;
  }
  return s;
}

/* A whole placeholder token "⟨phN⟩" (U+27E8 ph digits U+27E9), as the masker writes it. */
static int is_placeholder(const char *w) {
  if (strncmp(w, "\xE2\x9F\xA8ph", 5) != 0) return 0;
  const char *p = w + 5;
  while (*p >= '0' && *p <= '9') p++;
  return p > w + 5 && !strcmp(p, "\xE2\x9F\xA9");
}

/* Whether the line's table restores token w (a record "w\tORIGINAL\n"). */
static int has_record(const char *table, const char *w) {
  const size_t n = strlen(w);
  for (const char *p = table; p && *p;) {
    if (!strncmp(p, w, n) && p[n] == '\t') return 1;
    p = strchr(p, '\n');
    p = p ? p + 1 : NULL;
  }
  return 0;
}

char *s2s_translate_restore(const s2s_translate_vocabs *v, const int32_t *ids, int n,
                            const char *table, long *dropped) {
  /* The decoder may emit a placeholder the line never had (no table at all, or not in
   * it): printing "⟨ph1⟩" raw would leak the corpus's internal token, so such words are
   * dropped here, before (de)tokenization joins them to their neighbours. */
  int32_t *keep = malloc((size_t)(n > 0 ? n : 1) * sizeof *keep);
  if (!keep) return NULL;
  int k = 0;
  for (int i = 0; i < n; i++) {
    const char *w = s2s_vocab_word(v->tgt, ids[i]);
    if (!(w && is_placeholder(w) && !has_record(table, w))) keep[k++] = ids[i];
  }
  if (dropped) *dropped += n - k;
  char *s = s2s_translate_text(v, keep, k);
  free(keep);
  if (!s) return NULL;
  /* placeholders back in from the table; tokens inside words ("⟨ph2⟩s") that the table
   * lacks are dropped by the same pass (an empty table restores nothing) */
  if (table || strstr(s, "\xE2\x9F\xA8ph")) {
    size_t cap = strlen(s) + (table ? strlen(table) : 0) + 1;
    char *r = malloc(cap);
    if (!r || s2s_corpus_unmask(s, table ? table : "", r, cap) < 0) {
      free(r), free(s);
      return NULL;
    }
    free(s);
    s = r;
  }
  return s;
}

int s2s_translate_write(const s2s_translate_vocabs *v, const int32_t *ids, int n,
                        const char *table, FILE *f) {
  char *s = s2s_translate_restore(v, ids, n, table, NULL);
  if (!s) return -1;
  int rc = fputs(s, f) < 0 || fputc('\n', f) == EOF ? -1 : 0;
  free(s);
  return rc;
}

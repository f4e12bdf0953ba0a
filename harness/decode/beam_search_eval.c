/* Whole sets through the device decoder: decoding in batches with counters, rows of a
 * training batch back in reading order, and dev-set BLEU for the training loop (sentences
 * as id strings, sacreBLEU's BLEU with tokenizer none). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bleu/bleu.h"
#include "decode/beam_search.h"
#include "profile/stats.h"

int s2s_decode_all(s2s_decoder *d, int n, const int32_t *const *src, const int *src_len,
                   int32_t **out, int *out_len, float *score, s2s_decode_stats *st) {
  const double t0 = s2s_now(), f0 = d->flops;
  for (int i = 0; i < n; i++) out[i] = NULL;
  for (int i = 0; i < n; i += d->S_max) {
    const int S = n - i < d->S_max ? n - i : d->S_max;
    if (s2s_decode_batch(d, src + i, src_len + i, S, out + i, out_len + i,
                         score ? score + i : NULL) != 0) {
      for (int k = 0; k < n; k++) free(out[k]), out[k] = NULL;
      return -1;
    }
  }
  if (st) {
    st->seconds += s2s_now() - t0;
    st->flops += d->flops - f0;
    st->sentences += n;
    for (int i = 0; i < n; i++) st->src_words += src_len[i], st->out_words += out_len[i];
  }
  return 0;
}

int s2s_decode_batch_row(const s2s_batch *b, int i, int32_t *src, int *ns, int32_t *tgt,
                         int *nt) {
  int m = 0, k = 0;
  for (int t = 0; t < b->T_tgt; t++) m += b->tgt_mask[(size_t)t * b->B + i] != 0.0f;
  for (int t = 0; t < b->T_src; t++)
    if (b->src_mask[(size_t)(b->T_src - 1 - t) * b->B + i] != 0.0f)
      src[k++] = b->src[(size_t)(b->T_src - 1 - t) * b->B + i]; /* undo the reversal */
  *ns = k;
  *nt = m > 0 ? m - 1 : 0; /* the last real target is <eos> */
  for (int t = 0; t < *nt; t++) tgt[t] = b->tgt_out[(size_t)t * b->B + i];
  return m > 0;
}

/* "12 7 5": ids joined by single spaces, into a malloc'd string. */
static char *ids_text(const int32_t *w, int n) {
  char *s = malloc((size_t)n * 12 + 1), *p = s;
  if (!s) return NULL;
  *p = '\0';
  for (int i = 0; i < n; i++) p += sprintf(p, i ? " %d" : "%d", (int)w[i]);
  return s;
}

int s2s_decode_bleu(s2s_decoder *d, int n, const int32_t *const *src, const int *src_len,
                    const int32_t *const *ref, const int *ref_len, double *bleu,
                    s2s_decode_stats *st) {
  int32_t **out = calloc((size_t)n + 1, sizeof *out);
  int *out_len = calloc((size_t)n + 1, sizeof *out_len);
  s2s_bleu_options opt;
  s2s_bleu_options_init(&opt);
  opt.tokenize = S2S_BLEU_TOK_NONE;
  s2s_bleu b;
  int rc = -1, have_bleu = 0;
  if (!out || !out_len || s2s_decode_all(d, n, src, src_len, out, out_len, NULL, st) != 0)
    goto done;
  if (s2s_bleu_init(&b, &opt) != 0) goto done;
  have_bleu = 1;
  for (int i = 0; i < n; i++) {
    char *h = ids_text(out[i], out_len[i]), *r = ids_text(ref[i], ref_len[i]);
    const char *refs[1] = {r};
    int bad = !h || !r || s2s_bleu_add(&b, h, refs, 1) != 0;
    free(h), free(r);
    if (bad) goto done;
  }
  s2s_bleu_score sc;
  if (s2s_bleu_score_get(&b, &sc) != 0) goto done;
  *bleu = sc.score;
  rc = 0;
done:
  if (have_bleu) s2s_bleu_free(&b);
  for (int i = 0; out && i < n; i++) free(out[i]);
  free(out), free(out_len);
  return rc;
}

int s2s_decode_bleu_dev(s2s_decoder *d, s2s_data_source *ds, int batches, s2s_batch *b,
                        double *bleu, s2s_decode_stats *st) {
  int cap = 0, n = 0, rc = -1;
  int32_t **src = NULL, **ref = NULL;
  int *ns = NULL, *nt = NULL;
  for (int i = 0; i < batches && i < ds->dev_batches; i++) {
    if (ds->dev_batch(ds, i, b) != 0) goto done;
    for (int r = 0; r < b->B; r++) {
      if (n == cap) {
        cap = cap ? 2 * cap : 256;
        int32_t **s2 = realloc(src, (size_t)cap * sizeof *s2), **r2;
        if (s2) src = s2;
        r2 = realloc(ref, (size_t)cap * sizeof *r2);
        if (r2) ref = r2;
        int *a = realloc(ns, (size_t)cap * sizeof *a), *c;
        if (a) ns = a;
        c = realloc(nt, (size_t)cap * sizeof *c);
        if (c) nt = c;
        if (!s2 || !r2 || !a || !c) goto done;
      }
      src[n] = malloc((size_t)(b->T_src + 1) * sizeof **src);
      ref[n] = malloc((size_t)(b->T_tgt + 1) * sizeof **ref);
      if (!src[n] || !ref[n]) {
        free(src[n]), free(ref[n]);
        goto done;
      }
      if (s2s_decode_batch_row(b, r, src[n], &ns[n], ref[n], &nt[n])) {
        n++;
      } else {
        free(src[n]), free(ref[n]);
      }
    }
  }
  rc = n > 0 ? s2s_decode_bleu(d, n, (const int32_t *const *)src, ns,
                               (const int32_t *const *)ref, nt, bleu, st)
             : -1;
done:
  for (int i = 0; i < n; i++) free(src[i]), free(ref[i]);
  free(src), free(ref), free(ns), free(nt);
  return rc;
}

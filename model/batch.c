/* Minibatch construction: turns (source, target) sentences into the time-major id and
 * mask arrays of batch.h. The conventions here (reversed, left-padded source; <eos> as
 * the decoder's first input and last target) are the ones every device path and the CPU
 * reference read, so they are written down once, in s2s_batch_set. */
#include "batch.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int s2s_batch_alloc(s2s_batch *b, int B, int T_src, int T_tgt) {
  memset(b, 0, sizeof *b);
  if (B < 1 || T_src < 1 || T_tgt < 1) return -1;
  size_t ns = (size_t)T_src * B, nt = (size_t)T_tgt * B;
  b->B = B, b->T_src = T_src, b->T_tgt = T_tgt;
  b->src = calloc(ns, sizeof *b->src);           /* (T_src, B) */
  b->src_mask = calloc(ns, sizeof *b->src_mask); /* (T_src, B) */
  b->tgt_in = calloc(nt, sizeof *b->tgt_in);     /* (T_tgt, B) */
  b->tgt_out = calloc(nt, sizeof *b->tgt_out);   /* (T_tgt, B) */
  b->tgt_mask = calloc(nt, sizeof *b->tgt_mask); /* (T_tgt, B) */
  if (!b->src || !b->src_mask || !b->tgt_in || !b->tgt_out || !b->tgt_mask) {
    s2s_batch_free(b);
    return -1;
  }
  return 0;
}

void s2s_batch_free(s2s_batch *b) {
  if (!b) return;
  free(b->src);
  free(b->src_mask);
  free(b->tgt_in);
  free(b->tgt_out);
  free(b->tgt_mask);
  memset(b, 0, sizeof *b);
}

/* Padding: id <unk> (0) under mask 0, so a padded id is always a valid row to gather. */
void s2s_batch_clear(s2s_batch *b) {
  size_t ns = (size_t)b->T_src * b->B, nt = (size_t)b->T_tgt * b->B;
  memset(b->src, 0, ns * sizeof *b->src);
  memset(b->src_mask, 0, ns * sizeof *b->src_mask);
  memset(b->tgt_in, 0, nt * sizeof *b->tgt_in);
  memset(b->tgt_out, 0, nt * sizeof *b->tgt_out);
  memset(b->tgt_mask, 0, nt * sizeof *b->tgt_mask);
  b->src_words = 0;
  b->tgt_words = 0;
}

/* Row i, for a source x_1..x_ns and a target y_1..y_nt:
 *   src[T_src-1-k, i] = x_{k+1} for k < ns (step T_src-1 holds x_1, the first word;
 *                       step T_src-ns holds x_ns); steps 0..T_src-ns-1 are padding.
 *   tgt_in[0, i] = <eos>, tgt_in[t, i] = y_t for t = 1..nt
 *   tgt_out[t, i] = y_{t+1} for t < nt, tgt_out[nt, i] = <eos>
 *   tgt_mask[t, i] = 1 for t <= nt (nt + 1 predicted tokens), 0 after.
 * ns = 0 gives an all-masked source (the decoder starts from the zero state); nt = 0
 * gives one predicted token, <eos>. Longer sentences than the batch holds are cut (in
 * debug builds they assert): the source keeps its first T_src words, the target its
 * first T_tgt - 1. Setting a row twice replaces it, and the word counts follow. */
void s2s_batch_set(s2s_batch *b, int i, const int32_t *src, int ns, const int32_t *tgt, int nt) {
  const int B = b->B, Ts = b->T_src, Tt = b->T_tgt;
  assert(i >= 0 && i < B);
  assert(ns >= 0 && ns <= Ts);
  assert(nt >= 0 && nt + 1 <= Tt);
  if (i < 0 || i >= B) return;
  if (ns < 0) ns = 0;
  if (nt < 0) nt = 0;
  if (ns > Ts) ns = Ts;
  if (nt > Tt - 1) nt = Tt - 1;

  /* Undo a previous setting of this row so the word counts stay right. */
  int old_src = 0, old_tgt = 0;
  for (int t = 0; t < Ts; t++) old_src += b->src_mask[(size_t)t * B + i] != 0.0f;
  for (int t = 0; t < Tt; t++) old_tgt += b->tgt_mask[(size_t)t * B + i] != 0.0f;
  b->src_words -= old_src;
  b->tgt_words -= old_tgt > 0 ? old_tgt - 1 : 0;

  for (int t = 0; t < Ts; t++) {
    size_t at = (size_t)t * B + i;
    int k = Ts - 1 - t; /* position in reading order */
    int real = k < ns;
    b->src[at] = real ? src[k] : S2S_TOKEN_UNK;
    b->src_mask[at] = real ? 1.0f : 0.0f;
  }
  for (int t = 0; t < Tt; t++) {
    size_t at = (size_t)t * B + i;
    int real = t <= nt;
    b->tgt_in[at] = !real ? S2S_TOKEN_UNK : t == 0 ? S2S_TOKEN_EOS : tgt[t - 1];
    b->tgt_out[at] = !real ? S2S_TOKEN_UNK : t < nt ? tgt[t] : S2S_TOKEN_EOS;
    b->tgt_mask[at] = real ? 1.0f : 0.0f;
  }
  b->src_words += ns;
  b->tgt_words += nt;
}

int s2s_batch_tokens(const s2s_batch *b) {
  int n = 0;
  for (size_t k = 0; k < (size_t)b->T_tgt * b->B; k++) n += b->tgt_mask[k] != 0.0f;
  return n;
}

int s2s_batch_block(int B, int K, int k, int *r0) {
  const int per = (B + K - 1) / K;
  *r0 = k * per;
  return *r0 >= B ? 0 : (B - *r0 < per ? B - *r0 : per);
}

void s2s_batch_rows(const s2s_batch *g, int r0, int n, s2s_batch *p) {
  p->B = n, p->T_src = g->T_src, p->T_tgt = g->T_tgt;
  p->src_words = p->tgt_words = 0;
  for (int t = 0; t < g->T_src; t++) {
    memcpy(p->src + (size_t)t * n, g->src + (size_t)t * g->B + r0, n * sizeof *p->src);
    memcpy(p->src_mask + (size_t)t * n, g->src_mask + (size_t)t * g->B + r0, n * sizeof(float));
    for (int i = 0; i < n; i++) p->src_words += p->src_mask[(size_t)t * n + i] > 0;
  }
  for (int t = 0; t < g->T_tgt; t++) {
    const size_t a = (size_t)t * n, b = (size_t)t * g->B + r0;
    memcpy(p->tgt_in + a, g->tgt_in + b, n * sizeof *p->tgt_in);
    memcpy(p->tgt_out + a, g->tgt_out + b, n * sizeof *p->tgt_out);
    memcpy(p->tgt_mask + a, g->tgt_mask + b, n * sizeof(float));
    for (int i = 0; i < n; i++) p->tgt_words += p->tgt_mask[a + i] > 0 && t > 0; /* not <eos> */
  }
}

/* One minibatch as the model sees it. Time-major (T, B) token ids. The source is fed
 * reversed and left-padded, so every sentence's last encoder step is T_src-1 and the
 * encoder's final state is the sentence's own; the target is right-padded. Masks are 1.0
 * on real tokens and 0.0 on padding: a masked LSTM step carries (h, c) through unchanged,
 * and a masked target contributes no loss. */
#ifndef S2S_BATCH_H
#define S2S_BATCH_H

#include <stdint.h>

typedef struct s2s_batch {
  int B, T_src, T_tgt;
  int32_t *src;      /* (T_src, B) encoder inputs: reversed source words, left-padded */
  float *src_mask;   /* (T_src, B) */
  int32_t *tgt_in;   /* (T_tgt, B) decoder inputs: <eos>, y1 .. y_{n-1} */
  int32_t *tgt_out;  /* (T_tgt, B) decoder targets: y1 .. y_{n-1}, <eos> */
  float *tgt_mask;   /* (T_tgt, B) */
  int src_words;     /* real source words (no <eos>) */
  int tgt_words;     /* real target words (no <eos>); tokens predicted: s2s_batch_tokens */
} s2s_batch;

/* Allocates a batch for B sentences of up to T_src / T_tgt tokens (T_tgt counts the
 * final <eos>). Returns 0 or -1 (out of memory). */
int s2s_batch_alloc(s2s_batch *b, int B, int T_src, int T_tgt);
void s2s_batch_free(s2s_batch *b);

/* Builds batch row i from a source sentence (ns words, in reading order) and a target
 * sentence (nt words); reverses the source and adds <eos> handling. The batch's T_src
 * must be >= ns and T_tgt >= nt + 1. Call s2s_batch_clear first. Exactly:
 *   src[T_src-1-k, i] = x_{k+1} (k < ns): step T_src-1 holds the first source word;
 *   tgt_in[0, i] = <eos>, tgt_in[t, i] = y_t (1 <= t <= nt);
 *   tgt_out[t, i] = y_{t+1} (t < nt), tgt_out[nt, i] = <eos>; tgt_mask 1 for t <= nt.
 * Padding is id <unk> (0) under mask 0. ns = 0 is allowed (all-masked source: the
 * decoder starts from the zero state). Over-long sentences assert in debug builds and
 * are cut otherwise (source to its first T_src words, target to T_tgt - 1). Setting a
 * row twice replaces it; src_words / tgt_words stay right. Rows never set stay fully
 * masked (a short last batch). */
void s2s_batch_clear(s2s_batch *b);
void s2s_batch_set(s2s_batch *b, int i, const int32_t *src, int ns, const int32_t *tgt, int nt);

/* The target tokens the model predicts: tgt_words plus one <eos> per REAL sentence, i.e.
 * the sum of tgt_mask. Not tgt_words + B: the short last batch keeps B rows, and its
 * unset rows predict nothing (counting them biased perplexity and accuracy). */
int s2s_batch_tokens(const s2s_batch *b);

/* Rows [r0, r0 + n) of batch g into p (allocated for at least n rows and g's lengths),
 * every time step: a data-parallel replica's or a micro-batch's block. */
void s2s_batch_rows(const s2s_batch *g, int r0, int n, s2s_batch *p);
/* Block k of B rows cut into K blocks of ceil(B/K): its first row in *r0, its rows
 * returned (0 when the rows run out first). */
int s2s_batch_block(int B, int K, int k, int *r0);

#endif

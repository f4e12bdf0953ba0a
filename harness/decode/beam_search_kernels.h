/* Launchers for kernels/beam_search.cl on one device: per-row log-softmax + top-K, the
 * per-sentence beam selection and the state-row gather (layouts in the kernel file). The
 * program is built for one beam width K (a compile-time constant of the kernels), so a
 * s2s_beam_kernels belongs to one device and one K. */
#ifndef S2S_BEAM_KERNELS_H
#define S2S_BEAM_KERNELS_H

#include "cl/buffer.h"

#define S2S_BEAM_MAX_K 64

typedef struct s2s_beam_kernels {
  s2s_device *dev;
  int K;
  size_t wg;  /* beam_topk work-group size */
  cl_program program;
  cl_kernel topk, select, gather;
} s2s_beam_kernels;

/* Builds kernels/beam_search.cl for beam width K (1..S2S_BEAM_MAX_K) and rows of V words
 * (sets beam_topk's work-group size). Returns 0 or -1. */
int s2s_beam_kernels_init(s2s_beam_kernels *k, s2s_device *dev, int K, int V);
void s2s_beam_kernels_free(s2s_beam_kernels *k);

/* logits (R, V), bias (V), beam_score (R) -> cand_score (R, K), cand_word (R, K) int32,
 * eos_score (R). */
int s2s_cl_beam_topk(s2s_beam_kernels *k, int R, int V, s2s_buf logits, s2s_buf bias,
                     s2s_buf beam_score, s2s_buf cand_score, s2s_buf cand_word,
                     s2s_buf eos_score);
/* S sentences at step t; max_len (S) int32; beam_score (R) out; step_out int32
 * (2R + 2S) word | parent | event | done; best (S). */
int s2s_cl_beam_select(s2s_beam_kernels *k, int S, int t, int length_norm, s2s_buf cand_score,
                       s2s_buf cand_word, s2s_buf eos_score, s2s_buf max_len,
                       s2s_buf beam_score, s2s_buf step_out, s2s_buf best);
/* dst[(g*Rd + r)*W + i] = src[(g*Rs + idx[r])*W + i] for g < G, r < Rd, i < W. */
int s2s_cl_gather_rows(s2s_beam_kernels *k, int G, int Rd, int Rs, int W, s2s_buf src,
                       s2s_buf idx, s2s_buf dst);

#endif

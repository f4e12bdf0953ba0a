/* The step's GEMM shape classes (gemm_classes.h). */
#include "blas/gemm_classes.h"

#include <string.h>

int s2s_gemm_step_classes(const s2s_config *cfg, long len, size_t max_alloc, s2s_gemm_class *cs) {
  const size_t B = (size_t)cfg->batch, H = (size_t)cfg->hidden, E = (size_t)cfg->embed;
  const size_t V = (size_t)cfg->tgt_vocab, G = 4 * H, N = (size_t)len * B;
  size_t R = N, cap = max_alloc ? max_alloc / 4 / 2 / V : N;
  if (R > cap) R = cap > B ? cap / B * B : (cap ? cap : 1);
  const s2s_trans NO = S2S_NO_TRANS, TR = S2S_TRANS;
  /* per step: each of the 2L layers (encoder and decoder) runs its batched input product
   * and its dx product once, two dW products, and its recurrent product and its dh
   * product once per time step; the softmax's three run once (train_step.c) */
  const double L2 = 2.0 * cfg->layers, T = (double)len;
  int n = 0;
  /* the forward products run against transposed weight copies (W^T kept beside W), NN */
  cs[n++] = (s2s_gemm_class){"gates_x", NO, NO, N, G, E, L2};
  cs[n++] = (s2s_gemm_class){"gates_h", NO, NO, B, G, H, L2 * T};
  cs[n++] = (s2s_gemm_class){"gates_dh", NO, NO, B, H, G, L2 * T};
  cs[n++] = (s2s_gemm_class){"gates_dx", NO, NO, N, E, G, L2};
  cs[n++] = (s2s_gemm_class){"gates_dw", TR, NO, G, H, N, 2 * L2};
  cs[n++] = (s2s_gemm_class){"softmax_fwd", NO, NO, R, V, H, 1.0 * N / R};
  cs[n++] = (s2s_gemm_class){"softmax_dh", NO, NO, R, H, V, 1.0 * N / R};
  cs[n++] = (s2s_gemm_class){"softmax_dw", TR, NO, V, H, R, 1.0 * N / R};
  return n;
}

const s2s_gemm_class *s2s_gemm_class_named(const s2s_gemm_class *cs, int n, const char *name) {
  for (int i = 0; i < n; i++)
    if (!strcmp(cs[i].name, name)) return &cs[i];
  return NULL;
}

/* Builds kernels/beam_search.cl for one beam width and launches its three kernels (see
 * beam_search_kernels.h). Arguments and launches go through kernels.c's s2s_kernel_args and
 * s2s_kernel_launch, like every other launcher. */
#include "decode/beam_search_kernels.h"

#include <stdio.h>

#include "cl/kernels.h"
#include "cl/program.h"
#include "cl/status.h"

int s2s_beam_kernels_init(s2s_beam_kernels *k, s2s_device *dev, int K, int V) {
  *k = (s2s_beam_kernels){.dev = dev, .K = K};
  if (K < 1 || K > S2S_BEAM_MAX_K) {
    fprintf(stderr, "s2sbench: beam width %d outside 1..%d\n", K, S2S_BEAM_MAX_K);
    return -1;
  }
  size_t max_wg = 0;
  S2S_CL_CHECK(clGetDeviceInfo(dev->id, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof max_wg, &max_wg,
                               NULL));
  /* no more work-items than words: on CPU devices the idle ones still pay for every
   * barrier of the K merge rounds (K=8, V=16 on PoCL: 3x faster with 16 than 128) */
  k->wg = 1;
  while (k->wg * 2 <= max_wg && k->wg * 2 <= 128 && k->wg * 2 <= (size_t)V) k->wg *= 2;
  char opts[96];
  snprintf(opts, sizeof opts, "-DS2S_BEAM_K=%d -DS2S_BEAM_WG=%zu", K, k->wg);
  static const char *const names[] = {"beam_search", NULL};
  S2S_TRY(s2s_program_build(dev, names, opts, &k->program));
  S2S_TRY(s2s_kernel_create(k->program, "beam_topk", &k->topk));
  S2S_TRY(s2s_kernel_create(k->program, "beam_select", &k->select));
  S2S_TRY(s2s_kernel_create(k->program, "gather_rows", &k->gather));
  return 0;
}

void s2s_beam_kernels_free(s2s_beam_kernels *k) {
  cl_kernel all[] = {k->topk, k->select, k->gather};
  for (size_t i = 0; i < 3; i++)
    if (all[i]) clReleaseKernel(all[i]);
  /* the program belongs to program.c's cache */
  *k = (s2s_beam_kernels){0};
}

int s2s_cl_beam_topk(s2s_beam_kernels *k, int R, int V, s2s_buf logits, s2s_buf bias,
                     s2s_buf beam_score, s2s_buf cand_score, s2s_buf cand_word,
                     s2s_buf eos_score) {
  S2S_TRY(s2s_kernel_args(k->topk, "iibbbbbb", R, V, logits, bias, beam_score, cand_score,
                          cand_word, eos_score));
  return s2s_kernel_launch(k->dev, k->topk, (size_t)R * k->wg, k->wg);
}

int s2s_cl_beam_select(s2s_beam_kernels *k, int S, int t, int length_norm, s2s_buf cand_score,
                       s2s_buf cand_word, s2s_buf eos_score, s2s_buf max_len,
                       s2s_buf beam_score, s2s_buf step_out, s2s_buf best) {
  S2S_TRY(s2s_kernel_args(k->select, "iiibbbbbbb", S, t, length_norm, cand_score, cand_word,
                          eos_score, max_len, beam_score, step_out, best));
  return s2s_kernel_launch(k->dev, k->select, (size_t)S, 0);
}

int s2s_cl_gather_rows(s2s_beam_kernels *k, int G, int Rd, int Rs, int W, s2s_buf src,
                       s2s_buf idx, s2s_buf dst) {
  S2S_TRY(s2s_kernel_args(k->gather, "iiiibbb", G, Rd, Rs, W, src, idx, dst));
  return s2s_kernel_launch(k->dev, k->gather, (size_t)G * Rd * W, 0);
}

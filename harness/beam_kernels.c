/* Builds kernels/beam_search.cl for one beam width and launches its three kernels (see
 * beam_kernels.h). Arguments are set in signature order, one clSetKernelArg each;
 * a (buffer, offset) view is the cl_mem followed by its ulong offset. */
#include "beam_kernels.h"

#include <stdio.h>

#include "program.h"
#include "status.h"

static int arg_int(cl_kernel kern, cl_uint *i, int v) {
  cl_int x = v;
  S2S_CL_CHECK(clSetKernelArg(kern, (*i)++, sizeof x, &x));
  return 0;
}

static int arg_buf(cl_kernel kern, cl_uint *i, s2s_buf b) {
  cl_ulong off = b.off;
  S2S_CL_CHECK(clSetKernelArg(kern, (*i)++, sizeof b.mem, &b.mem));
  S2S_CL_CHECK(clSetKernelArg(kern, (*i)++, sizeof off, &off));
  return 0;
}

static int launch(s2s_beam_kernels *k, cl_kernel kern, size_t global, size_t local) {
  if (global == 0) return 0;
  if (local) global = (global + local - 1) / local * local;
  S2S_CL_CHECK(clEnqueueNDRangeKernel(k->dev->queue, kern, 1, NULL, &global,
                                      local ? &local : NULL, 0, NULL, NULL));
  return 0;
}

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
  cl_uint i = 0;
  cl_kernel f = k->topk;
  S2S_TRY(arg_int(f, &i, R));
  S2S_TRY(arg_int(f, &i, V));
  S2S_TRY(arg_buf(f, &i, logits));
  S2S_TRY(arg_buf(f, &i, bias));
  S2S_TRY(arg_buf(f, &i, beam_score));
  S2S_TRY(arg_buf(f, &i, cand_score));
  S2S_TRY(arg_buf(f, &i, cand_word));
  S2S_TRY(arg_buf(f, &i, eos_score));
  return launch(k, f, (size_t)R * k->wg, k->wg);
}

int s2s_cl_beam_select(s2s_beam_kernels *k, int S, int t, int length_norm, s2s_buf cand_score,
                       s2s_buf cand_word, s2s_buf eos_score, s2s_buf max_len,
                       s2s_buf beam_score, s2s_buf step_out, s2s_buf best) {
  cl_uint i = 0;
  cl_kernel f = k->select;
  S2S_TRY(arg_int(f, &i, S));
  S2S_TRY(arg_int(f, &i, t));
  S2S_TRY(arg_int(f, &i, length_norm));
  S2S_TRY(arg_buf(f, &i, cand_score));
  S2S_TRY(arg_buf(f, &i, cand_word));
  S2S_TRY(arg_buf(f, &i, eos_score));
  S2S_TRY(arg_buf(f, &i, max_len));
  S2S_TRY(arg_buf(f, &i, beam_score));
  S2S_TRY(arg_buf(f, &i, step_out));
  S2S_TRY(arg_buf(f, &i, best));
  return launch(k, f, (size_t)S, 0);
}

int s2s_cl_gather_rows(s2s_beam_kernels *k, int G, int Rd, int Rs, int W, s2s_buf src,
                       s2s_buf idx, s2s_buf dst) {
  cl_uint i = 0;
  cl_kernel f = k->gather;
  S2S_TRY(arg_int(f, &i, G));
  S2S_TRY(arg_int(f, &i, Rd));
  S2S_TRY(arg_int(f, &i, Rs));
  S2S_TRY(arg_int(f, &i, W));
  S2S_TRY(arg_buf(f, &i, src));
  S2S_TRY(arg_buf(f, &i, idx));
  S2S_TRY(arg_buf(f, &i, dst));
  return launch(k, f, (size_t)G * Rd * W, 0);
}

/* The model's custom kernels on one device: one program built from kernels/NAME.cl of the
 * model (lstm_cell, embedding, softmax_xent, reduce, optimizer) and a handle per kernel,
 * plus the launchers. Buffers are (cl_mem, offset) views; every launch is enqueued on the
 * device's in-order queue. A s2s_kernels belongs to one device and one host thread. */
#ifndef S2S_KERNELS_H
#define S2S_KERNELS_H

#include "cl/buffer.h"

typedef struct s2s_kernels {
  s2s_device *dev;
  cl_program program;
  cl_kernel lstm_fwd, lstm_bwd, emb_fwd, emb_bwd, xent, reduce, colsum, sgd, axpy, fill, shard_stats,
      shard_grad, emb_set;
  size_t xent_wg, red_wg;
  s2s_buf partials;  /* (red_groups) scratch for two-pass reductions */
  size_t red_groups;
} s2s_kernels;

int s2s_kernels_init(s2s_kernels *k, s2s_device *dev);

/* Sets a kernel's arguments in signature order from a type string: "i" int, "u" size_t as
 * ulong, "f" double as float, "m" cl_mem, "b" a (buffer, offset) view (cl_mem then ulong).
 * Returns 0 or -1 (status reported). Shared by every launcher (also beam_search_kernels.c). */
int s2s_kernel_args(cl_kernel kern, const char *types, ...);
/* 1-D launch of `global` work-items (rounded up to `local` when local > 0) on d's queue,
 * with a timeline event while a capture is active (timeline.h). Returns 0 or -1. */
int s2s_kernel_launch(s2s_device *d, cl_kernel kern, size_t global, size_t local);
void s2s_kernels_free(s2s_kernels *k);

/* kernels/lstm_cell.cl */
int s2s_cl_lstm_cell_forward(s2s_kernels *k, int B, int H, s2s_buf gates, s2s_buf bias,
                             s2s_buf c_prev, s2s_buf h_prev, s2s_buf mask, s2s_buf c,
                             s2s_buf h);
int s2s_cl_lstm_cell_backward(s2s_kernels *k, int B, int H, s2s_buf act, s2s_buf c_prev,
                              s2s_buf c, s2s_buf mask, s2s_buf dh, s2s_buf dc,
                              s2s_buf dh_prev);
/* kernels/embedding.cl */
int s2s_cl_embedding_forward(s2s_kernels *k, int N, int E, s2s_buf table, s2s_buf ids,
                             s2s_buf out);
int s2s_cl_embedding_backward(s2s_kernels *k, int N, int E, s2s_buf ids, s2s_buf dout,
                              s2s_buf dtable);
/* table rows ids[n] (N distinct) <- src (N, E) */
int s2s_cl_embedding_rows_set(s2s_kernels *k, int N, int E, s2s_buf ids, s2s_buf src,
                              s2s_buf table);
/* kernels/softmax_xent.cl */
int s2s_cl_softmax_xent(s2s_kernels *k, int N, int V, s2s_buf logits, s2s_buf bias,
                        s2s_buf target, s2s_buf mask, float scale, s2s_buf loss,
                        s2s_buf correct);
/* kernels/softmax_shard.cl: the softmax split over column shards (see the kernel file) */
int s2s_cl_softmax_shard_stats(s2s_kernels *k, int N, int Vk, int v0, s2s_buf logits,
                               s2s_buf bias, s2s_buf target, s2s_buf stats);
int s2s_cl_softmax_shard_grad(s2s_kernels *k, int N, int Vk, int v0, int shards, int me,
                              s2s_buf logits, s2s_buf bias, s2s_buf target, s2s_buf mask,
                              s2s_buf all, float scale, int write_loss, s2s_buf loss,
                              s2s_buf correct);
/* kernels/reduce.cl: out[0] (+)= sum of x (or of x*x) over n elements */
int s2s_cl_reduce_sum(s2s_kernels *k, size_t n, s2s_buf x, int squares, s2s_buf out,
                      int accumulate);
/* kernels/optimizer.cl */
int s2s_cl_sgd_clip_update(s2s_kernels *k, size_t n, s2s_buf params, s2s_buf grads,
                           s2s_buf scalars, int norm2_index, float lr, float clip);
/* kernels/reduce.cl: out[j] += sum_i x[i * cols + j] (x (rows, cols), out (cols)) */
int s2s_cl_column_sum(s2s_kernels *k, size_t rows, size_t cols, s2s_buf x, s2s_buf out);
int s2s_cl_axpy(s2s_kernels *k, size_t n, float a, s2s_buf x, s2s_buf y);
/* x[0..n) = value by the fill_floats kernel, recorded in plans and timelines as a fill
 * (S2S_OP_FILL, "fill_floats"): for large buffers, where clEnqueueFillBuffer is slow on
 * some CPU runtimes. */
int s2s_cl_fill(s2s_kernels *k, s2s_buf x, float value, size_t n);

#endif

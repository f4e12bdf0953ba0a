/* One training step of the whole model on one OpenCL device: upload token ids and masks,
 * forward (embeddings, encoder, decoder, softmax), backward through all of it, global
 * gradient norm, clipping and the SGD update. Every matrix product goes to CLBlast
 * (gemm.c); everything else is a custom kernel (kernels.c). Only the ids and masks go in
 * and four scalars come out per step. The layout of parameters and gradients is the
 * model's (params.h), so the block can be compared with the CPU reference directly. */
#ifndef S2S_TRAIN_STEP_H
#define S2S_TRAIN_STEP_H

#include "batch.h"
#include "config.h"
#include "kernels.h"
#include "params.h"

typedef struct s2s_layer_bufs {
  s2s_buf h, c;  /* (T+1, B, H) slot 0 = initial state, slot t+1 = after step t */
  s2s_buf act;   /* (T, B, 4H) gate pre-activations -> activated gates -> their gradients */
  s2s_buf dh;    /* (T+1, B, H) dL/dh per slot */
} s2s_layer_bufs;

typedef struct s2s_step_result {
  double loss;        /* sum of cross-entropy over target tokens, divided by B */
  double tokens;      /* target tokens predicted (words + <eos>) */
  double correct;     /* of those, argmax == target */
  double grad_norm;   /* global L2 norm before clipping */
} s2s_step_result;

typedef struct s2s_train_step {
  s2s_device *dev;
  s2s_kernels k;
  s2s_config cfg;
  s2s_param_layout lay;
  int T_src_max, T_tgt_max;
  s2s_buf params, grads;                  /* (lay.total) */
  s2s_layer_bufs enc[S2S_MAX_LAYERS], dec[S2S_MAX_LAYERS];
  s2s_buf dc[S2S_MAX_LAYERS];             /* (B, H) decoder layer l, then encoder layer l */
  s2s_buf x_src, x_tgt;                   /* (T, B, E) gathered embeddings */
  s2s_buf dx;                             /* (max T, B, E) embedding-input gradient */
  s2s_buf logits;                         /* (chunk_rows, Vt) */
  s2s_buf row_loss, row_correct;          /* (T_tgt_max * B) */
  s2s_buf ones;                           /* (max T * B) 1.0: bias gradients by GEMM */
  s2s_buf scalars;                        /* [loss, correct, norm^2, spare] */
  s2s_buf ids;                            /* int32: src | tgt_in | tgt_out, each (T_max, B) */
  s2s_buf masks;                          /* src_mask | tgt_mask, each (T_max, B) */
  size_t chunk_rows;
  int32_t *host_ids;
  float *host_masks;
} s2s_train_step;

/* Allocates everything for the config's batch and sentence lengths up to max_len source
 * words and max_len+1 target tokens. Fails with a message naming the buffer and sizes when
 * the device lacks memory. */
int s2s_train_step_init(s2s_train_step *s, s2s_device *dev, const s2s_config *cfg);
void s2s_train_step_free(s2s_train_step *s);

int s2s_train_step_set_params(s2s_train_step *s, const float *params);
int s2s_train_step_get_params(s2s_train_step *s, float *params);
int s2s_train_step_get_grads(s2s_train_step *s, float *grads);

/* Forward + backward (+ norm, and the clipped SGD update with rate lr when update != 0). */
int s2s_train_step_run(s2s_train_step *s, const s2s_batch *b, float lr, int update,
                       s2s_step_result *out);

/* Forward only: loss and accuracy of a batch without touching gradients (dev perplexity). */
int s2s_train_step_eval(s2s_train_step *s, const s2s_batch *b, s2s_step_result *out);

/* FLOP of one training step on this batch (FACTS.md: 3x forward, multiply-add = 2). */
double s2s_train_step_flops(const s2s_config *cfg, const s2s_batch *b);

#endif

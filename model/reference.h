/* The CPU reference of the whole translator in double: embed -> encoder LSTM layers ->
 * decoder LSTM layers (layer l starts from encoder layer l's final state) -> softmax
 * cross-entropy summed over real target tokens and divided by B -> full BPTT. It is the
 * spec of the model and the oracle every device result is tested against; it is written
 * for clarity, not speed (plain loops, no threads). */
#ifndef S2S_REFERENCE_H
#define S2S_REFERENCE_H

#include <stddef.h>

#include "batch.h"
#include "config.h"
#include "params.h"

/* Activations and scratch for batches of up to B = c->batch sentences and T_src / T_tgt
 * steps, all in one allocation. After s2s_reference_forward_backward the tape can be read
 * (device tests compare against it): per layer l the enc_* / dec_* arrays, and `probs`:
 * the softmax probabilities after a forward-only call, dL/dlogits after a backward. */
typedef struct s2s_reference {
  int L, H, E, Vs, Vt;    /* model sizes it was made for */
  int B, T_src, T_tgt;    /* capacity */
  double *src_mask;       /* (T_src, B) the batch's masks as double */
  double *tgt_mask;       /* (T_tgt, B) */
  double *enc_x;          /* (T_src, B, E) embedded source */
  double *dec_x;          /* (T_tgt, B, E) embedded decoder inputs */
  double *enc_act[S2S_MAX_LAYERS]; /* (T_src, B, 4H) activated gates i, f, g, o */
  double *enc_c[S2S_MAX_LAYERS];   /* (T_src, B, H) */
  double *enc_h[S2S_MAX_LAYERS];   /* (T_src, B, H) */
  double *dec_act[S2S_MAX_LAYERS]; /* (T_tgt, B, 4H) */
  double *dec_c[S2S_MAX_LAYERS];   /* (T_tgt, B, H) */
  double *dec_h[S2S_MAX_LAYERS];   /* (T_tgt, B, H) */
  double *probs;          /* (T_tgt * B, Vt) logits -> probabilities -> dL/dlogits */
  double *dtop;           /* (T_tgt, B, H) dL/dh of the top decoder layer from the softmax */
  double *dx_a, *dx_b;    /* (max T, B, max(E, H)) gradient passed down between layers */
  double *dh_hand[S2S_MAX_LAYERS]; /* (B, H) dL/d(decoder l initial h) = dL/d(encoder l final h) */
  double *dc_hand[S2S_MAX_LAYERS]; /* (B, H) the same for c */
  double *work;           /* s2s_lstm_work_size(B, H) */
  double *block;          /* the one allocation everything above points into */
  size_t block_len;       /* doubles in block */
} s2s_reference;

/* Sizes r for config c and batches of up to T_src / T_tgt steps. Returns 0, or -1 (bad
 * sizes or out of memory; r is then zeroed). */
int s2s_reference_init(s2s_reference *r, const s2s_config *c, int T_src, int T_tgt);
void s2s_reference_free(s2s_reference *r);

/* Loss of batch b under params (a double block with the offsets of lay): the sum over
 * real target tokens of -log p(target), divided by b->B. With grads non-NULL, also
 * writes dLoss/dparams into grads (lay->total doubles, overwritten). Returns NaN when b
 * does not fit r (b->B > r->B, longer sequences, T_src < 1) or c does not match r. */
double s2s_reference_forward_backward(s2s_reference *r, const s2s_config *c,
                                      const s2s_param_layout *lay, const double *params,
                                      const s2s_batch *b, double *grads);

/* One training step of the paper: forward, backward, global norm, clip, SGD. */
typedef struct s2s_step_stats {
  double loss;   /* batch loss (sum over tokens / B), before the update */
  double norm;   /* global L2 norm of the gradient, before clipping */
  double scale;  /* clip factor applied: clip / norm, or 1 */
  double lr;     /* learning rate used */
  int tokens;    /* predicted tokens (target words + one <eos> per real sentence) */
} s2s_step_stats;

/* params is updated in place; grads (lay->total doubles) holds the unclipped gradient
 * afterwards. Returns 0, or -1 when the batch does not fit (nothing updated). */
int s2s_reference_step(s2s_reference *r, const s2s_config *c, const s2s_param_layout *lay,
                       double *params, double *grads, const s2s_batch *b, double lr,
                       s2s_step_stats *st);

/* Converting parameter (or gradient) blocks between the float layout and the double
 * reference: the same offsets, n elements. */
void s2s_reference_params_from_float(double *dst, const float *src, size_t n);
void s2s_reference_params_to_float(float *dst, const double *src, size_t n);

#endif

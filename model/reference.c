/* The whole model, forward and backward, in double (see reference.h). The order of the
 * computation here is the spec for the device pipeline:
 *   encoder: x = src_emb[src]; layer l reads layer l-1's h (layer 0 reads x); zero start
 *   decoder: x = tgt_emb[tgt_in]; layer l starts from encoder layer l's (h, c) at T_src-1
 *   softmax: logits = h_top W_out^T + out_b; loss = sum mask * -log p[tgt_out] / B
 * and backward is the mirror: softmax -> decoder layers top-down (each also yields the
 * gradient of its initial state) -> encoder layers top-down, whose final state receives
 * that gradient -> embedding rows (scatter-add). */
#include "reference.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "embedding.h"
#include "encoder.h"
#include "lstm.h"
#include "optimizer.h"
#include "softmax_xent.h"

/* Hands out consecutive pieces of one block; with base NULL it only counts. */
static double *take(double *base, size_t *at, size_t n) {
  double *p = base ? base + *at : NULL;
  *at += n;
  return p;
}

static size_t carve(s2s_reference *r, double *base) {
  const size_t B = r->B, H = r->H, E = r->E, Ts = r->T_src, Tt = r->T_tgt;
  const size_t Tmax = Ts > Tt ? Ts : Tt, Wmax = E > H ? E : H;
  size_t at = 0;
  r->src_mask = take(base, &at, Ts * B);
  r->tgt_mask = take(base, &at, Tt * B);
  r->enc_x = take(base, &at, Ts * B * E);
  r->dec_x = take(base, &at, Tt * B * E);
  for (int l = 0; l < r->L; l++) {
    r->enc_act[l] = take(base, &at, Ts * B * 4 * H);
    r->enc_c[l] = take(base, &at, Ts * B * H);
    r->enc_h[l] = take(base, &at, Ts * B * H);
    r->dec_act[l] = take(base, &at, Tt * B * 4 * H);
    r->dec_c[l] = take(base, &at, Tt * B * H);
    r->dec_h[l] = take(base, &at, Tt * B * H);
    r->dh_hand[l] = take(base, &at, B * H);
    r->dc_hand[l] = take(base, &at, B * H);
  }
  r->probs = take(base, &at, Tt * B * (size_t)r->Vt);
  r->dtop = take(base, &at, Tt * B * H);
  r->dx_a = take(base, &at, Tmax * B * Wmax);
  r->dx_b = take(base, &at, Tmax * B * Wmax);
  r->work = take(base, &at, s2s_lstm_work_size(r->B, r->H));
  return at;
}

int s2s_reference_init(s2s_reference *r, const s2s_config *c, int T_src, int T_tgt) {
  memset(r, 0, sizeof *r);
  if (s2s_config_check(c, NULL, 0) != 0 || T_src < 1 || T_tgt < 1) return -1;
  r->L = c->layers, r->H = c->hidden, r->E = c->embed;
  r->Vs = c->src_vocab, r->Vt = c->tgt_vocab;
  r->B = c->batch, r->T_src = T_src, r->T_tgt = T_tgt;
  r->block_len = carve(r, NULL);
  r->block = calloc(r->block_len, sizeof *r->block);
  if (!r->block) {
    memset(r, 0, sizeof *r);
    return -1;
  }
  carve(r, r->block);
  return 0;
}

void s2s_reference_free(s2s_reference *r) {
  if (!r) return;
  free(r->block);
  memset(r, 0, sizeof *r);
}

static int fits(const s2s_reference *r, const s2s_config *c, const s2s_batch *b) {
  return r->block && c->layers == r->L && c->hidden == r->H && c->embed == r->E &&
         c->src_vocab == r->Vs && c->tgt_vocab == r->Vt && b->B >= 1 && b->B <= r->B &&
         b->T_src >= 1 && b->T_src <= r->T_src && b->T_tgt >= 1 && b->T_tgt <= r->T_tgt;
}

/* Forward pass; leaves probabilities in r->probs and returns the loss. */
static double forward(s2s_reference *r, const s2s_config *c, const s2s_param_layout *lay,
                      const double *p, const s2s_batch *b) {
  const int L = r->L, H = r->H, E = r->E, Vt = r->Vt;
  const int B = b->B, Ts = b->T_src, Tt = b->T_tgt;
  const size_t BH = (size_t)B * H;
  for (size_t k = 0; k < (size_t)Ts * B; k++) r->src_mask[k] = b->src_mask[k];
  for (size_t k = 0; k < (size_t)Tt * B; k++) r->tgt_mask[k] = b->tgt_mask[k];

  s2s_encoder_forward(c, lay, p, Ts, B, b->src, r->src_mask, r->enc_x, r->enc_act, r->enc_c,
                      r->enc_h);

  s2s_embedding_forward(Tt * B, E, p + lay->tgt_emb, b->tgt_in, r->dec_x); /* (Tt, B, E) */
  for (int l = 0; l < L; l++) {
    const s2s_lstm_offsets *o = &lay->dec[l];
    const double *x = l == 0 ? r->dec_x : r->dec_h[l - 1]; /* (Tt, B, In) */
    const double *h0 = r->enc_h[l] + (size_t)(Ts - 1) * BH; /* (B, H) encoder final state */
    const double *c0 = r->enc_c[l] + (size_t)(Ts - 1) * BH;
    s2s_lstm_forward(Tt, B, o->in, H, x, r->tgt_mask, h0, c0, p + o->w_ih, p + o->w_hh,
                     p + o->bias, r->dec_act[l], r->dec_c[l], r->dec_h[l]);
  }

  const int N = Tt * B;
  s2s_linear_forward(N, H, Vt, r->dec_h[L - 1], p + lay->out_w, p + lay->out_b, 0,
                     r->probs); /* (N, Vt) logits */
  return s2s_softmax_xent_forward(N, Vt, r->probs, b->tgt_out, r->tgt_mask, 1.0 / B, r->probs);
}

/* Backward pass over the tape forward() left; grads is zeroed here. */
static void backward(s2s_reference *r, const s2s_param_layout *lay, const double *p,
                     const s2s_batch *b, double *g) {
  const int L = r->L, H = r->H, E = r->E, Vt = r->Vt;
  const int B = b->B, Ts = b->T_src, Tt = b->T_tgt, N = Tt * B;
  const size_t BH = (size_t)B * H;
  memset(g, 0, lay->total * sizeof *g);

  s2s_softmax_xent_backward(N, Vt, r->probs, b->tgt_out, r->tgt_mask, 1.0 / B,
                            r->probs); /* (N, Vt) dL/dlogits */
  memset(r->dtop, 0, (size_t)N * H * sizeof *r->dtop);
  s2s_linear_backward(N, H, Vt, r->dec_h[L - 1], p + lay->out_w, r->probs, r->dtop,
                      g + lay->out_w, g + lay->out_b);

  /* dx_in: dL/dh of layer l from above (top: the softmax); dx_out: dL/dx of layer l. */
  const double *dx_in = r->dtop;
  double *dx_out = r->dx_a, *spare = r->dx_b;
  for (int l = L - 1; l >= 0; l--) {
    const s2s_lstm_offsets *o = &lay->dec[l];
    const double *x = l == 0 ? r->dec_x : r->dec_h[l - 1];
    const double *h0 = r->enc_h[l] + (size_t)(Ts - 1) * BH;
    const double *c0 = r->enc_c[l] + (size_t)(Ts - 1) * BH;
    s2s_lstm_backward(Tt, B, o->in, H, x, r->tgt_mask, h0, c0, p + o->w_ih, p + o->w_hh,
                      r->dec_act[l], r->dec_c[l], r->dec_h[l], dx_in, NULL, NULL, dx_out,
                      g + o->w_ih, g + o->w_hh, g + o->bias, r->dh_hand[l], r->dc_hand[l],
                      r->work);
    dx_in = dx_out;
    double *t = dx_out;
    dx_out = spare, spare = t;
  }
  s2s_embedding_backward(N, E, b->tgt_in, dx_in, g + lay->tgt_emb);

  dx_in = NULL; /* nothing reads the top encoder layer's h except the handover */
  for (int l = L - 1; l >= 0; l--) {
    const s2s_lstm_offsets *o = &lay->enc[l];
    const double *x = l == 0 ? r->enc_x : r->enc_h[l - 1];
    s2s_lstm_backward(Ts, B, o->in, H, x, r->src_mask, NULL, NULL, p + o->w_ih, p + o->w_hh,
                      r->enc_act[l], r->enc_c[l], r->enc_h[l], dx_in, r->dh_hand[l],
                      r->dc_hand[l], dx_out, g + o->w_ih, g + o->w_hh, g + o->bias, NULL, NULL,
                      r->work);
    dx_in = dx_out;
    double *t = dx_out;
    dx_out = spare, spare = t;
  }
  s2s_embedding_backward(Ts * B, E, b->src, dx_in, g + lay->src_emb);
}

double s2s_reference_forward_backward(s2s_reference *r, const s2s_config *c,
                                      const s2s_param_layout *lay, const double *params,
                                      const s2s_batch *b, double *grads) {
  if (!fits(r, c, b)) return NAN;
  double loss = forward(r, c, lay, params, b);
  if (grads) backward(r, lay, params, b, grads);
  return loss;
}

int s2s_reference_step(s2s_reference *r, const s2s_config *c, const s2s_param_layout *lay,
                       double *params, double *grads, const s2s_batch *b, double lr,
                       s2s_step_stats *st) {
  if (!fits(r, c, b)) return -1;
  s2s_step_stats s = {0};
  s.loss = s2s_reference_forward_backward(r, c, lay, params, b, grads);
  s.norm = s2s_grad_norm(grads, lay->total);
  s.scale = s2s_clip_factor(s.norm, (double)c->clip);
  s.lr = lr;
  s.tokens = s2s_batch_tokens(b);
  s2s_sgd_update(params, grads, lay->total, lr, s.scale);
  if (st) *st = s;
  return 0;
}

void s2s_reference_params_from_float(double *dst, const float *src, size_t n) {
  for (size_t i = 0; i < n; i++) dst[i] = (double)src[i];
}

void s2s_reference_params_to_float(float *dst, const double *src, size_t n) {
  for (size_t i = 0; i < n; i++) dst[i] = (float)src[i];
}

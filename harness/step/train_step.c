/* The training step over one or several devices (see train_step.h). A layer whose input
 * is on its own device takes it in one GEMM batched over time; a layer fed from another
 * device takes it step by step, each step waiting on the event of the step below (the
 * wavefront). The softmax runs in row chunks; with one shard on the top layer's device it
 * is the fused kernel, otherwise sharded: per-shard row statistics, exchanged between the
 * shard devices, then each shard's gradient; the top layer sums the shards' dL/dh. */
#include "step/train_step.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blas/gemm.h"
#include "step/lstm.h"
#include "cl/status.h"
#include "mpi/world.h"
#include "step/train_step_internal.h"

#define NT S2S_NO_TRANS
#define TR S2S_TRANS

enum { ENC = 0, DEC = 1 };

/* --- batch upload ------------------------------------------------------------------ */

static int upload(s2s_train_step *s, const s2s_batch *b) {
  if (b->B > s->cfg.batch || b->T_src > s->T_src_max || b->T_tgt > s->T_tgt_max) {
    fprintf(stderr, "s2sbench: batch %dx(%d+%d) exceeds the step's %dx(%d+%d)\n", b->B,
            b->T_src, b->T_tgt, s->cfg.batch, s->T_src_max, s->T_tgt_max);
    return -1;
  }
  const size_t part = (size_t)s->T_tgt_max * s->cfg.batch;
  memcpy(s->host_ids, b->src, sizeof(int32_t) * b->T_src * b->B);
  memcpy(s->host_ids + part, b->tgt_in, sizeof(int32_t) * b->T_tgt * b->B);
  memcpy(s->host_ids + 2 * part, b->tgt_out, sizeof(int32_t) * b->T_tgt * b->B);
  memcpy(s->host_masks, b->src_mask, sizeof(float) * b->T_src * b->B);
  memcpy(s->host_masks + part, b->tgt_mask, sizeof(float) * b->T_tgt * b->B);
  for (int d = 0; d < s->ndev; d++) { /* each device its own copy (contexts may differ) */
    if (!s2s_step_here(s, d)) continue;
    S2S_TRY(s2s_buf_write(s->st[d].dev, s->st[d].ids, s->host_ids, 3 * part));
    S2S_TRY(s2s_buf_write(s->st[d].dev, s->st[d].masks, s->host_masks, 2 * part));
  }
  return 0;
}

/* --- forward ------------------------------------------------------------------------ */

/* Where a layer's input comes from and who waits for its output, per time step. */
typedef struct fwd_links {
  int from;            /* device of the input when it is another device, else -1 */
  s2s_ticket *in_tk;   /* (T) input step t posted by that device */
  int to;              /* device of the layer above when it is another device, else -1 */
  s2s_ticket *out_tk;  /* (T) this layer's step t posted for it */
  int top;             /* top decoder layer with sharded softmax: post for shard devices */
  int at;              /* message tags: side * S2S_MAX_LAYERS + this layer's input layer */
} fwd_links;

/* The wavefront around one layer's forward: fetch each step's input from the device below,
 * post each step's output to the device above and to the softmax shards. */
typedef struct wave {
  s2s_train_step *s;
  int d, B;
  size_t in;
  const fwd_links *k;
  s2s_buf x, xin;      /* (T, B, in) the input where it was made / this device's copy */
} wave;

static int wave_input(void *ctx, int t, s2s_buf *xt) {
  const wave *w = ctx;
  const size_t at = (size_t)t * w->B * w->in;
  return s2s_step_fetch(w->s, &w->k->in_tk[t], w->k->from, w->d, S2S_TAG(S2S_TAG_FWD, w->k->at, t),
                        s2s_buf_at(w->x, at), s2s_buf_at(w->xin, at), (size_t)w->B * w->in, xt);
}

static int wave_output(void *ctx, int t, s2s_buf ht) {
  const wave *w = ctx;
  s2s_train_step *s = w->s;
  const size_t BH = (size_t)w->B * s->cfg.hidden;
  if (w->k->to >= 0)
    S2S_TRY(s2s_step_post(s, w->d, ht, BH, w->k->to, S2S_TAG(S2S_TAG_FWD, w->k->at + 1, t),
                          &w->k->out_tk[t]));
  for (int e = 0; w->k->top && e < s->ndev; e++)
    if (s->st[e].top_tk)
      S2S_TRY(s2s_step_post(s, w->d, ht, BH, e, S2S_TAG(S2S_TAG_TOP, 0, t), &s->st[e].top_tk[t]));
  return 0;
}

/* The device LSTM layer of this layer's weights on its stage. */
static s2s_cl_lstm layer_lstm(s2s_train_step *s, int d, const s2s_lstm_offsets *o,
                              const s2s_layer_bufs *lb) {
  s2s_stage *st = &s->st[d];
  return (s2s_cl_lstm){.dev = st->dev, .k = &st->k, .H = s->cfg.hidden, .in = o->in,
                       .wt_ih = lb->wt_ih, .wt_hh = lb->wt_hh,
                       .bias = s2s_stage_param(st, o->bias)};
}

/* One LSTM layer forward over T steps on device d. x (T, B, Ein) is the input: on this
 * device, its product is one GEMM batched over time; from another device, it is fetched
 * and multiplied step by step (the wavefront). Returns in *x_used the input as this
 * device can read it (for the weight gradient). */
static int layer_forward(s2s_train_step *s, int d, const s2s_lstm_offsets *o, s2s_layer_bufs *lb,
                         s2s_buf x, int T, int B, s2s_buf mask, const fwd_links *k,
                         s2s_buf *x_used) {
  *x_used = k->from >= 0 && !s2s_step_same_ctx(s, k->from, d) ? lb->xin : x;
  wave w = {.s = s, .d = d, .B = B, .in = (size_t)o->in, .k = k, .x = x, .xin = lb->xin};
  s2s_cl_lstm_hooks hooks = {.ctx = &w, .input = k->from >= 0 ? wave_input : NULL,
                             .output = k->to >= 0 || k->top ? wave_output : NULL};
  s2s_cl_lstm l = layer_lstm(s, d, o, lb);
  return s2s_cl_lstm_forward(&l, T, B, x, mask, lb->h, lb->c, lb->act, &hooks);
}

/* Both sides, layer by layer; the wavefront comes from the per-step posts between
 * devices. Leaves the top decoder layer's h in dec[L-1].h slots 1.. and each layer's
 * input as its device reads it in xs[side][l]. */
/* The forward products read the weights transposed (NN GEMMs run up to 3x faster than
 * NT ones in CLBlast on some devices): refreshed after every change of the parameters. */
static int transpose_weights(s2s_train_step *s) {
  const size_t H = (size_t)s->cfg.hidden;
  for (int side = ENC; side <= DEC; side++)
    for (int l = 0; l < s->cfg.layers; l++) {
      s2s_stage *st = &s->st[s->split.layer_dev[l]];
      if (!st->local) continue;
      const s2s_lstm_offsets *o = side == ENC ? &s->lay.enc[l] : &s->lay.dec[l];
      s2s_layer_bufs *lb = side == ENC ? &s->enc[l] : &s->dec[l];
      s2s_cl_lstm lstm = layer_lstm(s, s->split.layer_dev[l], o, lb);
      S2S_TRY(s2s_cl_lstm_transpose(&lstm, s2s_stage_param(st, o->w_ih),
                                    s2s_stage_param(st, o->w_hh)));
    }
  for (int k = 0; k < s->split.shards; k++) {
    s2s_stage *st = &s->st[s->split.shard_dev[k]];
    if (!st->local) continue;
    const size_t v0 = (size_t)s->split.shard_v0[k], w = (size_t)s->split.shard_v0[k + 1] - v0;
    S2S_TRY(s2s_transpose(st->dev, w, H, s2s_stage_param(st, s->lay.out_w + v0 * H), H,
                          s->wt_out[k], w));
  }
  s->wt_stale = 0;
  return 0;
}

static int forward(s2s_train_step *s, const s2s_batch *b, s2s_buf xs[2][S2S_MAX_LAYERS]) {
  const int L = s->cfg.layers, B = b->B, E = s->cfg.embed;
  const size_t BH = (size_t)B * s->cfg.hidden;
  const int *dev = s->split.layer_dev;
  if (s->wt_stale) S2S_TRY(transpose_weights(s));
  for (int side = ENC; side <= DEC; side++) {
    const int T = side == ENC ? b->T_src : b->T_tgt;
    s2s_layer_bufs *lbs = side == ENC ? s->enc : s->dec;
    const s2s_lstm_offsets *offs = side == ENC ? s->lay.enc : s->lay.dec;
    s2s_buf xe = side == ENC ? s->x_src : s->x_tgt;
    if (s2s_step_here(s, dev[0]))
      S2S_TRY(s2s_cl_embedding_forward(&s->st[dev[0]].k, T * B, E,
                                     s2s_stage_param(&s->st[dev[0]],
                                                side == ENC ? s->lay.src_emb : s->lay.tgt_emb),
                                     s2s_step_ids(s, dev[0], side), xe));
    for (int l = 0; l < L; l++) {
      s2s_device *D = s->st[dev[l]].dev;
      xs[side][l] = (s2s_buf){0};
      if (!s2s_step_here(s, dev[l])) continue; /* another rank's layer */
      if (side == ENC) {
        S2S_TRY(s2s_buf_fill(D, lbs[l].h, 0.0f, BH));
        S2S_TRY(s2s_buf_fill(D, lbs[l].c, 0.0f, BH));
      } else { /* decoder layer l starts from encoder layer l's final state (same device) */
        const size_t last = (size_t)b->T_src * BH;
        S2S_TRY(s2s_buf_copy(D, s2s_buf_at(s->enc[l].h, last), lbs[l].h, BH));
        S2S_TRY(s2s_buf_copy(D, s2s_buf_at(s->enc[l].c, last), lbs[l].c, BH));
      }
      fwd_links k = {.from = -1, .to = -1, .at = side * S2S_MAX_LAYERS + l - 1};
      if (l && dev[l - 1] != dev[l]) k.from = dev[l - 1], k.in_tk = s->tk_fwd[side][l - 1];
      if (l + 1 < L && dev[l + 1] != dev[l]) k.to = dev[l + 1], k.out_tk = s->tk_fwd[side][l];
      k.top = side == DEC && l == L - 1 && !s->fused_softmax;
      s2s_buf x = l ? s2s_buf_at(lbs[l - 1].h, BH) : xe;
      S2S_TRY(layer_forward(s, dev[l], &offs[l], &lbs[l], x, T, B,
                            s2s_step_mask(s, dev[l], side), &k, &xs[side][l]));
    }
  }
  return 0;
}

/* --- backward ----------------------------------------------------------------------- */

/* Where a layer's input gradient goes and where its own comes from, besides its dh. */
typedef struct grad_links {
  s2s_buf dx;          /* batched: dL/dx written (beta 0) or added (beta 1) after the loop */
  float dx_beta;
  int dx_batched;
  int below;           /* per step: the device of the layer below (dL/dx_t posted to it) */
  s2s_ticket *out_tk;
  int above;           /* per step: the device of the layer above, or -1 */
  s2s_buf above_dx;    /* its dxout (T, B, H) */
  s2s_ticket *in_tk;
  int at;              /* message tags: side * S2S_MAX_LAYERS + this layer */
} grad_links;

/* One LSTM layer backward. lb->dh holds the gradient from above (or receives it per step
 * from the layer above's device); dc holds dL/dc at the last step. Adds the weight
 * gradients, leaves dL/d(initial h) in dh slot 0 and dL/d(initial c) in dc. */
static int layer_backward(s2s_train_step *s, int d, const s2s_lstm_offsets *o,
                          s2s_layer_bufs *lb, s2s_buf x, int T, int B, s2s_buf mask, s2s_buf dc,
                          const grad_links *g) {
  const size_t H = (size_t)s->cfg.hidden, G = 4 * H, BH = (size_t)B * H, N = (size_t)T * B;
  const size_t in = (size_t)o->in;
  s2s_stage *st = &s->st[d];
  s2s_buf w_ih = s2s_stage_param(st, o->w_ih), w_hh = s2s_stage_param(st, o->w_hh);
  for (int t = T - 1; t >= 0; t--) {
    s2s_buf dg = s2s_buf_at(lb->act, (size_t)t * B * G);
    if (g->above >= 0) {
      s2s_buf v;
      S2S_TRY(s2s_step_fetch(s, &g->in_tk[t], g->above, d, S2S_TAG(S2S_TAG_BWD, g->at + 1, t),
                             s2s_buf_at(g->above_dx, t * BH), s2s_buf_at(lb->dxin, t * BH), BH,
                             &v));
      S2S_TRY(s2s_cl_axpy(&st->k, BH, 1.0f, v, s2s_buf_at(lb->dh, (t + 1) * BH)));
    }
    S2S_TRY(s2s_cl_lstm_cell_backward(&st->k, B, (int)H, dg, s2s_buf_at(lb->c, t * BH),
                                      s2s_buf_at(lb->c, (t + 1) * BH),
                                      s2s_buf_at(mask, (size_t)t * B),
                                      s2s_buf_at(lb->dh, (t + 1) * BH), dc,
                                      s2s_buf_at(lb->dh, t * BH)));
    S2S_TRY(s2s_gemm(st->dev, NT, NT, B, H, G, 1.0f, dg, G, w_hh, H, 1.0f,
                     s2s_buf_at(lb->dh, t * BH), H, NULL));
    if (!g->dx_batched) {
      s2s_buf dxt = s2s_buf_at(lb->dxout, (size_t)t * B * in);
      S2S_TRY(s2s_gemm(st->dev, NT, NT, B, in, G, 1.0f, dg, G, w_ih, in, 0.0f, dxt, in, NULL));
      S2S_TRY(s2s_step_post(s, d, dxt, (size_t)B * in, g->below, S2S_TAG(S2S_TAG_BWD, g->at, t),
                            &g->out_tk[t]));
    }
  }
  S2S_TRY(s2s_gemm(st->dev, TR, NT, G, in, N, 1.0f, lb->act, G, x, in, 1.0f,
                   s2s_stage_grad(st, o->w_ih), in, NULL));
  S2S_TRY(s2s_gemm(st->dev, TR, NT, G, H, N, 1.0f, lb->act, G, lb->h, H, 1.0f,
                   s2s_stage_grad(st, o->w_hh), H, NULL));
  S2S_TRY(s2s_cl_column_sum(&st->k, N, G, lb->act, s2s_stage_grad(st, o->bias)));
  if (!g->dx_batched) return 0;
  return s2s_gemm(st->dev, NT, NT, N, in, G, 1.0f, lb->act, G, w_ih, in, g->dx_beta, g->dx, in,
                  NULL);
}

static int backward(s2s_train_step *s, const s2s_batch *b, s2s_buf xs[2][S2S_MAX_LAYERS]) {
  const int L = s->cfg.layers, B = b->B, E = s->cfg.embed;
  const size_t BH = (size_t)B * s->cfg.hidden;
  const int *dev = s->split.layer_dev;
  s2s_stage *st0 = &s->st[dev[0]];
  for (int side = DEC; side >= ENC; side--) {
    const int T = side == ENC ? b->T_src : b->T_tgt;
    s2s_layer_bufs *lbs = side == ENC ? s->enc : s->dec;
    const s2s_lstm_offsets *offs = side == ENC ? s->lay.enc : s->lay.dec;
    for (int l = L - 1; l >= 0; l--) {
      const int d = dev[l];
      if (!s2s_step_here(s, d)) continue; /* another rank's layer */
      grad_links g = {.dx_batched = 1, .below = -1, .above = -1, .at = side * S2S_MAX_LAYERS + l};
      if (l == 0) {
        g.dx = s->dx; /* then scattered into the embedding table */
      } else if (dev[l - 1] == d) {
        g.dx = s2s_buf_at(lbs[l - 1].dh, BH);
        g.dx_beta = 1.0f;
      } else {
        g.dx_batched = 0;
        g.below = dev[l - 1];
        g.out_tk = s->tk_bwd[side][l];
      }
      if (l + 1 < L && dev[l + 1] != d) {
        g.above = dev[l + 1];
        g.above_dx = lbs[l + 1].dxout;
        g.in_tk = s->tk_bwd[side][l + 1];
      }
      if (side == DEC) S2S_TRY(s2s_buf_fill(s->st[d].dev, s->dc[l], 0.0f, BH));
      S2S_TRY(layer_backward(s, d, &offs[l], &lbs[l], xs[side][l], T, B,
                             s2s_step_mask(s, d, side), s->dc[l], &g));
      if (side == DEC) /* the initial-state gradient goes to the encoder's last step */
        S2S_TRY(s2s_cl_axpy(&s->st[d].k, BH, 1.0f, lbs[l].dh,
                            s2s_buf_at(s->enc[l].dh, (size_t)b->T_src * BH)));
    }
    if (st0->local)
      S2S_TRY(s2s_cl_embedding_backward(&st0->k, T * B, E, s2s_step_ids(s, dev[0], side), s->dx,
                                      s2s_stage_grad(st0, side == ENC ? s->lay.src_emb
                                                                         : s->lay.tgt_emb)));
  }
  return 0;
}

/* --- norm, update, results ---------------------------------------------------------- */

/* The global norm: each device sums the squares of its own gradients and the host adds
 * them up (over the ranks too: one MPI_Allreduce). */
int s2s_step_norm2(s2s_train_step *s, double *g2) {
  *g2 = 0;
  for (int d = 0; d < s->ndev; d++) {
    s2s_stage *st = &s->st[d];
    for (int i = 0; st->local && i < st->nseg; i++)
      S2S_TRY(s2s_cl_reduce_sum(&st->k, st->seg_len[i], s2s_buf_at(st->grads, st->seg_loc[i]), 1,
                                s2s_buf_at(st->scalars, 2), i > 0));
  }
  /* Under MPI, first the messages of the backward as their reads complete: the blocking
   * read below waits for this rank's whole backward, and the layers below on the other
   * rank wait for these (small, cpu/1x1 per rank: rank 0 idled 0.45 s of a 2.1 s step
   * when they went out after it). */
  if (s->mpi) S2S_TRY(s2s_step_send_all(s));
  for (int d = 0; d < s->ndev; d++) {
    float v = 0;
    if (s->st[d].local && s->st[d].nseg)
      S2S_TRY(s2s_buf_read(s->st[d].dev, s2s_buf_at(s->st[d].scalars, 2), &v, 1));
    *g2 += v;
  }
  if (s->mpi) S2S_TRY(s2s_mpi_sum_in(s->group, g2, 1));
  return 0;
}

/* The host hands the squared norm to every device, which updates its own parameters. */
int s2s_step_update(s2s_train_step *s, double g2, float lr) {
  s->wt_stale = 1;
  const float g2f = (float)g2;
  for (int d = 0; d < s->ndev; d++) {
    s2s_stage *st = &s->st[d];
    if (!st->local) continue;
    S2S_TRY(s2s_buf_write(st->dev, s2s_buf_at(st->scalars, 3), &g2f, 1));
    for (int i = 0; i < st->nseg; i++)
      S2S_TRY(s2s_cl_sgd_clip_update(&st->k, st->seg_len[i], s2s_buf_at(st->params, st->seg_loc[i]),
                                     s2s_buf_at(st->grads, st->seg_loc[i]), st->scalars, 3, lr,
                                     s->cfg.clip));
  }
  return 0;
}

int s2s_step_sums(s2s_train_step *s, double sums[2]) {
  float sc[2] = {0, 0};
  s2s_stage *st = &s->st[s->split.shard_dev[0]];
  if (st->local) S2S_TRY(s2s_buf_read(st->dev, st->scalars, sc, 2));
  sums[0] = sc[0], sums[1] = sc[1];
  if (s->mpi) { /* the loss lives on shard 0's rank */
    S2S_TRY(s2s_step_send_all(s));
    S2S_TRY(s2s_mpi_sum_in(s->group, sums, 2));
  }
  return 0;
}

int s2s_step_done(s2s_train_step *s) {
  for (int d = 0; d < s->ndev; d++)
    if (s->st[d].local && !s->dry) S2S_CL_CHECK(clFinish(s->st[d].dev->queue));
  S2S_TRY(s2s_step_sends_complete(s));
  s2s_step_release(s);
  return 0;
}

static int finish(s2s_train_step *s, const s2s_batch *b, double norm, s2s_step_result *out) {
  double sums[2];
  S2S_TRY(s2s_step_sums(s, sums));
  S2S_TRY(s2s_step_done(s));
  out->loss = sums[0] / b->B;
  out->correct = sums[1];
  out->grad_norm = norm;
  out->tokens = s2s_batch_tokens(b); /* real rows only: a short batch's empty rows add none */
  return 0;
}

int s2s_step_zero_grads(s2s_train_step *s) {
  for (int d = 0; d < s->ndev; d++) {
    s2s_stage *st = &s->st[d];
    for (int i = 0; st->local && i < st->nseg; i++)
      S2S_TRY(s2s_cl_fill(&st->k, s2s_buf_at(st->grads, st->seg_loc[i]), 0.0f, st->seg_len[i]));
  }
  return 0;
}

int s2s_step_fwd(s2s_train_step *s, const s2s_batch *b) {
  S2S_TRY(upload(s, b));
  const size_t BH = (size_t)b->B * s->cfg.hidden;
  for (int l = 0; l < s->cfg.layers; l++) {
    s2s_device *D = s->st[s->split.layer_dev[l]].dev;
    if (!s2s_step_here(s, s->split.layer_dev[l])) continue;
    S2S_TRY(s2s_buf_fill(D, s->enc[l].dh, 0.0f, (size_t)(b->T_src + 1) * BH));
    S2S_TRY(s2s_buf_fill(D, s->dec[l].dh, 0.0f, (size_t)(b->T_tgt + 1) * BH));
  }
  S2S_TRY(forward(s, b, s->xs));
  return s2s_step_softmax(s, b, 1);
}

int s2s_step_bwd(s2s_train_step *s, const s2s_batch *b) { return backward(s, b, s->xs); }

int s2s_step_grads(s2s_train_step *s, const s2s_batch *b) {
  S2S_TRY(s2s_step_zero_grads(s));
  S2S_TRY(s2s_step_fwd(s, b));
  return s2s_step_bwd(s, b);
}

int s2s_step_forward(s2s_train_step *s, const s2s_batch *b) {
  S2S_TRY(upload(s, b));
  s2s_buf xs[2][S2S_MAX_LAYERS];
  S2S_TRY(forward(s, b, xs));
  return s2s_step_softmax(s, b, 0);
}

int s2s_step_run_one(s2s_train_step *s, const s2s_batch *b, float lr, int update,
                     s2s_step_result *out) {
  double g2 = 0;
  if (s2s_step_grads(s, b) != 0 || s2s_step_norm2(s, &g2) != 0 ||
      (update && s2s_step_update(s, g2, lr) != 0)) {
    s2s_step_release(s);
    return -1;
  }
  return finish(s, b, sqrt(g2), out);
}

int s2s_step_eval_one(s2s_train_step *s, const s2s_batch *b, s2s_step_result *out) {
  if (s2s_step_forward(s, b) != 0) {
    s2s_step_release(s);
    return -1;
  }
  return finish(s, b, 0.0, out);
}

double s2s_train_step_flops(const s2s_config *c, const s2s_batch *b) {
  const double H = c->hidden, E = c->embed, V = c->tgt_vocab;
  double p = 0; /* LSTM weights per side */
  for (int l = 0; l < c->layers; l++) p += 4 * H * ((l ? H : E) + H);
  return (double)b->B * (6 * p * b->T_src + (6 * p + 6 * H * V) * b->T_tgt);
}

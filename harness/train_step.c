/* The training step on one device, layer by layer: each layer's input product is batched
 * over time (one GEMM of (T*B, Ein) x (Ein, 4H)), then T recurrent GEMMs + fused cell
 * kernels; the softmax runs in row chunks with its backward fused (logits are overwritten
 * by their gradient). Backward mirrors it; weight gradients are batched over time. */
#include "train_step.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gemm.h"
#include "status.h"

#define NT S2S_NO_TRANS
#define TR S2S_TRANS

static int alloc(s2s_train_step *s, size_t n, s2s_buf *b, const char *what) {
  if (s2s_buf_alloc(s->dev, n, b) != 0) {
    fprintf(stderr, "s2sbench: cannot allocate %s (%.1f MiB) on %s\n", what,
            (double)n * 4 / (1 << 20), s->dev->info.name);
    return -1;
  }
  return 0;
}

int s2s_train_step_init(s2s_train_step *s, s2s_device *dev, const s2s_config *cfg) {
  memset(s, 0, sizeof *s);
  s->dev = dev;
  s->cfg = *cfg;
  s2s_params_layout(&s->lay, cfg);
  const size_t B = (size_t)cfg->batch, H = (size_t)cfg->hidden, E = (size_t)cfg->embed;
  const size_t V = (size_t)cfg->tgt_vocab;
  s->T_src_max = cfg->max_len;
  s->T_tgt_max = cfg->max_len + 1;
  const size_t Tm = (size_t)s->T_tgt_max;
  S2S_TRY(s2s_kernels_init(&s->k, dev));
  S2S_TRY(alloc(s, s->lay.total, &s->params, "parameters"));
  S2S_TRY(alloc(s, s->lay.total, &s->grads, "gradients"));
  for (int side = 0; side < 2; side++)
    for (int l = 0; l < cfg->layers; l++) {
      s2s_layer_bufs *lb = side ? &s->dec[l] : &s->enc[l];
      const size_t T = side ? (size_t)s->T_tgt_max : (size_t)s->T_src_max;
      S2S_TRY(alloc(s, (T + 1) * B * H, &lb->h, "LSTM h"));
      S2S_TRY(alloc(s, (T + 1) * B * H, &lb->c, "LSTM c"));
      S2S_TRY(alloc(s, (T + 1) * B * H, &lb->dh, "LSTM dh"));
      S2S_TRY(alloc(s, T * B * 4 * H, &lb->act, "LSTM gates"));
    }
  for (int l = 0; l < cfg->layers; l++) S2S_TRY(alloc(s, B * H, &s->dc[l], "LSTM dc"));
  S2S_TRY(alloc(s, (size_t)s->T_src_max * B * E, &s->x_src, "source embeddings"));
  S2S_TRY(alloc(s, Tm * B * E, &s->x_tgt, "target embeddings"));
  S2S_TRY(alloc(s, Tm * B * E, &s->dx, "embedding gradient"));
  /* softmax chunk: as many rows as fit in a quarter of the largest single allocation */
  size_t cap = dev->info.max_alloc / 4 / sizeof(float) / V;
  s->chunk_rows = Tm * B < cap ? Tm * B : cap;
  if (s->chunk_rows < 1) s->chunk_rows = 1;
  S2S_TRY(alloc(s, s->chunk_rows * V, &s->logits, "softmax logits"));
  S2S_TRY(alloc(s, Tm * B, &s->row_loss, "row losses"));
  S2S_TRY(alloc(s, Tm * B, &s->row_correct, "row accuracy"));
  S2S_TRY(alloc(s, Tm * B, &s->ones, "ones"));
  S2S_TRY(s2s_buf_fill(dev, s->ones, 1.0f, Tm * B));
  S2S_TRY(alloc(s, 4, &s->scalars, "scalars"));
  S2S_TRY(alloc(s, 3 * Tm * B, &s->ids, "token ids"));
  S2S_TRY(alloc(s, 2 * Tm * B, &s->masks, "masks"));
  s->host_ids = calloc(3 * Tm * B, sizeof *s->host_ids);
  s->host_masks = calloc(2 * Tm * B, sizeof *s->host_masks);
  if (!s->host_ids || !s->host_masks) return -1;
  return 0;
}

void s2s_train_step_free(s2s_train_step *s) {
  s2s_buf *all[] = {&s->params, &s->grads,     &s->x_src,       &s->x_tgt, &s->dx,
                    &s->logits, &s->row_loss,  &s->row_correct, &s->ones,  &s->scalars,
                    &s->ids,    &s->masks};
  if (s->dev) clFinish(s->dev->queue);
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
    if (all[i]->mem) s2s_buf_free(all[i]);
  for (int l = 0; l < S2S_MAX_LAYERS; l++) {
    s2s_layer_bufs *lbs[] = {&s->enc[l], &s->dec[l]};
    for (int k = 0; k < 2; k++) {
      s2s_buf *bs[] = {&lbs[k]->h, &lbs[k]->c, &lbs[k]->act, &lbs[k]->dh};
      for (int j = 0; j < 4; j++)
        if (bs[j]->mem) s2s_buf_free(bs[j]);
    }
    if (s->dc[l].mem) s2s_buf_free(&s->dc[l]);
  }
  if (s->k.dev) s2s_kernels_free(&s->k);
  free(s->host_ids);
  free(s->host_masks);
  memset(s, 0, sizeof *s);
}

int s2s_train_step_set_params(s2s_train_step *s, const float *params) {
  return s2s_buf_write(s->dev, s->params, params, s->lay.total);
}
int s2s_train_step_get_params(s2s_train_step *s, float *params) {
  return s2s_buf_read(s->dev, s->params, params, s->lay.total);
}
int s2s_train_step_get_grads(s2s_train_step *s, float *grads) {
  return s2s_buf_read(s->dev, s->grads, grads, s->lay.total);
}

/* Views into the id and mask blocks: each part holds (T_max, B) but uses (T, B). */
static s2s_buf ids_part(s2s_train_step *s, int part) {
  return s2s_buf_at(s->ids, (size_t)part * s->T_tgt_max * s->cfg.batch);
}
static s2s_buf mask_part(s2s_train_step *s, int part) {
  return s2s_buf_at(s->masks, (size_t)part * s->T_tgt_max * s->cfg.batch);
}

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
  S2S_TRY(s2s_buf_write(s->dev, s->ids, s->host_ids, 3 * part));
  return s2s_buf_write(s->dev, s->masks, s->host_masks, 2 * part);
}

/* One LSTM layer forward over T steps. x (T, B, Ein); state slot 0 must be set. */
static int layer_forward(s2s_train_step *s, const s2s_lstm_offsets *o, s2s_layer_bufs *lb,
                         s2s_buf x, int T, int B, s2s_buf mask) {
  const size_t H = (size_t)s->cfg.hidden, G = 4 * H, BH = (size_t)B * H;
  s2s_device *d = s->dev;
  S2S_TRY(s2s_gemm(d, NT, TR, (size_t)T * B, G, o->in, 1.0f, x, o->in,
                   s2s_buf_at(s->params, o->w_ih), o->in, 0.0f, lb->act, G, NULL));
  for (int t = 0; t < T; t++) {
    s2s_buf gates = s2s_buf_at(lb->act, (size_t)t * B * G);
    S2S_TRY(s2s_gemm(d, NT, TR, B, G, H, 1.0f, s2s_buf_at(lb->h, t * BH), H,
                     s2s_buf_at(s->params, o->w_hh), H, 1.0f, gates, G, NULL));
    S2S_TRY(s2s_cl_lstm_cell_forward(&s->k, B, (int)H, gates, s2s_buf_at(s->params, o->bias),
                                     s2s_buf_at(lb->c, t * BH), s2s_buf_at(lb->h, t * BH),
                                     s2s_buf_at(mask, (size_t)t * B),
                                     s2s_buf_at(lb->c, (t + 1) * BH),
                                     s2s_buf_at(lb->h, (t + 1) * BH)));
  }
  return 0;
}

/* One LSTM layer backward. lb->dh slots 1..T hold the gradient from above; dc holds
 * dL/dc at the last step. Adds the weight gradients, leaves dL/d(initial h) in dh slot 0
 * and dL/d(initial c) in dc, and writes (beta 0) or adds (beta 1) dL/dx into dx. */
static int layer_backward(s2s_train_step *s, const s2s_lstm_offsets *o, s2s_layer_bufs *lb,
                          s2s_buf x, int T, int B, s2s_buf mask, s2s_buf dc, s2s_buf dx,
                          float dx_beta) {
  const size_t H = (size_t)s->cfg.hidden, G = 4 * H, BH = (size_t)B * H, N = (size_t)T * B;
  s2s_device *d = s->dev;
  for (int t = T - 1; t >= 0; t--) {
    s2s_buf dg = s2s_buf_at(lb->act, (size_t)t * B * G);
    S2S_TRY(s2s_cl_lstm_cell_backward(&s->k, B, (int)H, dg, s2s_buf_at(lb->c, t * BH),
                                      s2s_buf_at(lb->c, (t + 1) * BH),
                                      s2s_buf_at(mask, (size_t)t * B),
                                      s2s_buf_at(lb->dh, (t + 1) * BH), dc,
                                      s2s_buf_at(lb->dh, t * BH)));
    S2S_TRY(s2s_gemm(d, NT, NT, B, H, G, 1.0f, dg, G, s2s_buf_at(s->params, o->w_hh), H, 1.0f,
                     s2s_buf_at(lb->dh, t * BH), H, NULL));
  }
  S2S_TRY(s2s_gemm(d, TR, NT, G, o->in, N, 1.0f, lb->act, G, x, o->in, 1.0f,
                   s2s_buf_at(s->grads, o->w_ih), o->in, NULL));
  S2S_TRY(s2s_gemm(d, TR, NT, G, H, N, 1.0f, lb->act, G, lb->h, H, 1.0f,
                   s2s_buf_at(s->grads, o->w_hh), H, NULL));
  S2S_TRY(s2s_gemm(d, NT, NT, 1, G, N, 1.0f, s->ones, N, lb->act, G, 1.0f,
                   s2s_buf_at(s->grads, o->bias), G, NULL));
  return s2s_gemm(d, NT, NT, N, o->in, G, 1.0f, lb->act, G, s2s_buf_at(s->params, o->w_ih),
                  o->in, dx_beta, dx, o->in, NULL);
}

/* Encoder and decoder forward; leaves the top decoder layer's h in dec[L-1].h slots 1.. */
static int forward(s2s_train_step *s, const s2s_batch *b) {
  const int L = s->cfg.layers, B = b->B, E = s->cfg.embed;
  const size_t BH = (size_t)B * s->cfg.hidden;
  S2S_TRY(s2s_cl_embedding_forward(&s->k, b->T_src * B, E, s2s_buf_at(s->params, s->lay.src_emb),
                                   ids_part(s, 0), s->x_src));
  for (int l = 0; l < L; l++) {
    S2S_TRY(s2s_buf_fill(s->dev, s->enc[l].h, 0.0f, BH));
    S2S_TRY(s2s_buf_fill(s->dev, s->enc[l].c, 0.0f, BH));
    s2s_buf x = l ? s2s_buf_at(s->enc[l - 1].h, BH) : s->x_src;
    S2S_TRY(layer_forward(s, &s->lay.enc[l], &s->enc[l], x, b->T_src, B, mask_part(s, 0)));
  }
  S2S_TRY(s2s_cl_embedding_forward(&s->k, b->T_tgt * B, E, s2s_buf_at(s->params, s->lay.tgt_emb),
                                   ids_part(s, 1), s->x_tgt));
  for (int l = 0; l < L; l++) {
    /* decoder layer l starts from encoder layer l's final state */
    size_t last = (size_t)b->T_src * BH * sizeof(float);
    S2S_CL_CHECK(clEnqueueCopyBuffer(s->dev->queue, s->enc[l].h.mem, s->dec[l].h.mem,
                                     s->enc[l].h.off * 4 + last, s->dec[l].h.off * 4,
                                     BH * sizeof(float), 0, NULL, NULL));
    S2S_CL_CHECK(clEnqueueCopyBuffer(s->dev->queue, s->enc[l].c.mem, s->dec[l].c.mem,
                                     s->enc[l].c.off * 4 + last, s->dec[l].c.off * 4,
                                     BH * sizeof(float), 0, NULL, NULL));
    s2s_buf x = l ? s2s_buf_at(s->dec[l - 1].h, BH) : s->x_tgt;
    S2S_TRY(layer_forward(s, &s->lay.dec[l], &s->dec[l], x, b->T_tgt, B, mask_part(s, 1)));
  }
  return 0;
}

/* Softmax + loss over all target rows in chunks; with backward != 0 also dL/dh of the top
 * decoder layer (into its dh slots 1..T) and the softmax weight/bias gradients. */
static int softmax(s2s_train_step *s, const s2s_batch *b, int backward) {
  const int L = s->cfg.layers, B = b->B;
  const size_t H = (size_t)s->cfg.hidden, V = (size_t)s->cfg.tgt_vocab;
  const size_t N = (size_t)b->T_tgt * B, BH = (size_t)B * H;
  s2s_device *d = s->dev;
  s2s_buf htop = s2s_buf_at(s->dec[L - 1].h, BH), dhtop = s2s_buf_at(s->dec[L - 1].dh, BH);
  s2s_buf w = s2s_buf_at(s->params, s->lay.out_w), bias = s2s_buf_at(s->params, s->lay.out_b);
  for (size_t r0 = 0; r0 < N; r0 += s->chunk_rows) {
    const size_t n = N - r0 < s->chunk_rows ? N - r0 : s->chunk_rows;
    S2S_TRY(s2s_gemm(d, NT, TR, n, V, H, 1.0f, s2s_buf_at(htop, r0 * H), H, w, H, 0.0f,
                     s->logits, V, NULL));
    S2S_TRY(s2s_cl_softmax_xent(&s->k, (int)n, (int)V, s->logits, bias,
                                s2s_buf_at(ids_part(s, 2), r0), s2s_buf_at(mask_part(s, 1), r0),
                                1.0f / (float)B, s2s_buf_at(s->row_loss, r0),
                                s2s_buf_at(s->row_correct, r0)));
    if (!backward) continue;
    S2S_TRY(s2s_gemm(d, NT, NT, n, H, V, 1.0f, s->logits, V, w, H, 0.0f,
                     s2s_buf_at(dhtop, r0 * H), H, NULL));
    S2S_TRY(s2s_gemm(d, TR, NT, V, H, n, 1.0f, s->logits, V, s2s_buf_at(htop, r0 * H), H, 1.0f,
                     s2s_buf_at(s->grads, s->lay.out_w), H, NULL));
    S2S_TRY(s2s_gemm(d, NT, NT, 1, V, n, 1.0f, s->ones, n, s->logits, V, 1.0f,
                     s2s_buf_at(s->grads, s->lay.out_b), V, NULL));
  }
  S2S_TRY(s2s_cl_reduce_sum(&s->k, N, s->row_loss, 0, s2s_buf_at(s->scalars, 0), 0));
  return s2s_cl_reduce_sum(&s->k, N, s->row_correct, 0, s2s_buf_at(s->scalars, 1), 0);
}

static int backward(s2s_train_step *s, const s2s_batch *b) {
  const int L = s->cfg.layers, B = b->B, E = s->cfg.embed;
  const size_t BH = (size_t)B * s->cfg.hidden;
  for (int l = L - 1; l >= 0; l--) {
    s2s_buf dx = l ? s2s_buf_at(s->dec[l - 1].dh, BH) : s->dx;
    s2s_buf x = l ? s2s_buf_at(s->dec[l - 1].h, BH) : s->x_tgt;
    S2S_TRY(s2s_buf_fill(s->dev, s->dc[l], 0.0f, BH));
    S2S_TRY(layer_backward(s, &s->lay.dec[l], &s->dec[l], x, b->T_tgt, B, mask_part(s, 1),
                           s->dc[l], dx, l ? 1.0f : 0.0f));
    /* hand the initial-state gradient to the encoder's last step (dc[l] carries over) */
    S2S_TRY(s2s_cl_axpy(&s->k, BH, 1.0f, s->dec[l].dh,
                        s2s_buf_at(s->enc[l].dh, (size_t)b->T_src * BH)));
  }
  S2S_TRY(s2s_cl_embedding_backward(&s->k, b->T_tgt * B, E, ids_part(s, 1), s->dx,
                                    s2s_buf_at(s->grads, s->lay.tgt_emb)));
  for (int l = L - 1; l >= 0; l--) {
    s2s_buf dx = l ? s2s_buf_at(s->enc[l - 1].dh, BH) : s->dx;
    s2s_buf x = l ? s2s_buf_at(s->enc[l - 1].h, BH) : s->x_src;
    S2S_TRY(layer_backward(s, &s->lay.enc[l], &s->enc[l], x, b->T_src, B, mask_part(s, 0),
                           s->dc[l], dx, l ? 1.0f : 0.0f));
  }
  return s2s_cl_embedding_backward(&s->k, b->T_src * B, E, ids_part(s, 0), s->dx,
                                   s2s_buf_at(s->grads, s->lay.src_emb));
}

static int read_result(s2s_train_step *s, const s2s_batch *b, s2s_step_result *out) {
  float sc[4];
  S2S_TRY(s2s_buf_read(s->dev, s->scalars, sc, 4));
  out->loss = sc[0] / b->B;
  out->correct = sc[1];
  out->grad_norm = sqrt((double)sc[2]);
  out->tokens = b->tgt_words + b->B;
  return 0;
}

int s2s_train_step_run(s2s_train_step *s, const s2s_batch *b, float lr, int update,
                       s2s_step_result *out) {
  const int L = s->cfg.layers;
  S2S_TRY(upload(s, b));
  S2S_TRY(s2s_buf_fill(s->dev, s->grads, 0.0f, s->lay.total));
  for (int l = 0; l < L; l++) {
    S2S_TRY(s2s_buf_fill(s->dev, s->enc[l].dh, 0.0f, (size_t)(b->T_src + 1) * b->B * s->cfg.hidden));
    S2S_TRY(s2s_buf_fill(s->dev, s->dec[l].dh, 0.0f, (size_t)(b->T_tgt + 1) * b->B * s->cfg.hidden));
  }
  S2S_TRY(forward(s, b));
  S2S_TRY(softmax(s, b, 1));
  S2S_TRY(backward(s, b));
  S2S_TRY(s2s_cl_reduce_sum(&s->k, s->lay.total, s->grads, 1, s2s_buf_at(s->scalars, 2), 0));
  if (update)
    S2S_TRY(s2s_cl_sgd_clip_update(&s->k, s->lay.total, s->params, s->grads, s->scalars, 2, lr,
                                   s->cfg.clip));
  return read_result(s, b, out);
}

int s2s_train_step_eval(s2s_train_step *s, const s2s_batch *b, s2s_step_result *out) {
  S2S_TRY(upload(s, b));
  S2S_TRY(forward(s, b));
  S2S_TRY(softmax(s, b, 0));
  S2S_TRY(s2s_buf_fill(s->dev, s2s_buf_at(s->scalars, 2), 0.0f, 1));
  return read_result(s, b, out);
}

double s2s_train_step_flops(const s2s_config *c, const s2s_batch *b) {
  const double H = c->hidden, E = c->embed, V = c->tgt_vocab;
  double p = 0; /* LSTM weights per side */
  for (int l = 0; l < c->layers; l++) p += 4 * H * ((l ? H : E) + H);
  return (double)b->B * (6 * p * b->T_src + (6 * p + 6 * H * V) * b->T_tgt);
}

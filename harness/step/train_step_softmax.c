/* The softmax part of the training step (train_step.c): the fused one-device kernel or
 * the column shards over several devices, forward and backward, with the loss sums. */
#include <stdio.h>

#include "blas/gemm.h"
#include "cl/status.h"
#include "step/train_step_internal.h"

#define NT S2S_NO_TRANS
#define TR S2S_TRANS

static int loss_sums(s2s_train_step *s, size_t N) {
  s2s_stage *st = &s->st[s->split.shard_dev[0]];
  if (!st->local) return 0;
  S2S_TRY(s2s_cl_reduce_sum(&st->k, N, s->row_loss, 0, s2s_buf_at(st->scalars, 0), 0));
  return s2s_cl_reduce_sum(&st->k, N, s->row_correct, 0, s2s_buf_at(st->scalars, 1), 0);
}

/* One shard on the top layer's device: the fused kernel, dL/dh straight into the layer. */
static int softmax_fused(s2s_train_step *s, const s2s_batch *b, int backward) {
  const int L = s->cfg.layers, B = b->B, d = s->split.layer_dev[L - 1];
  const size_t H = (size_t)s->cfg.hidden, V = (size_t)s->cfg.tgt_vocab;
  const size_t N = (size_t)b->T_tgt * B, BH = (size_t)B * H;
  s2s_stage *st = &s->st[d];
  if (!st->local) return 0; /* another rank's */
  s2s_buf htop = s2s_buf_at(s->dec[L - 1].h, BH), dhtop = s2s_buf_at(s->dec[L - 1].dh, BH);
  s2s_buf w = s2s_stage_param(st, s->lay.out_w), bias = s2s_stage_param(st, s->lay.out_b);
  for (size_t r0 = 0; r0 < N; r0 += s->chunk_rows) {
    const size_t n = N - r0 < s->chunk_rows ? N - r0 : s->chunk_rows;
    S2S_TRY(s2s_gemm(st->dev, NT, NT, n, V, H, 1.0f, s2s_buf_at(htop, r0 * H), H, s->wt_out[0],
                     V, 0.0f, s->logits[0], V, NULL));
    S2S_TRY(s2s_cl_softmax_xent(&st->k, (int)n, (int)V, s->logits[0], bias,
                                s2s_buf_at(s2s_step_ids(s, d, 2), r0),
                                s2s_buf_at(s2s_step_mask(s, d, 1), r0),
                                s2s_step_loss_scale(s, b), s2s_buf_at(s->row_loss, r0),
                                s2s_buf_at(s->row_correct, r0)));
    if (!backward) continue;
    S2S_TRY(s2s_gemm(st->dev, NT, NT, n, H, V, 1.0f, s->logits[0], V, w, H, 0.0f,
                     s2s_buf_at(dhtop, r0 * H), H, NULL));
    S2S_TRY(s2s_gemm(st->dev, TR, NT, V, H, n, 1.0f, s->logits[0], V, s2s_buf_at(htop, r0 * H),
                     H, 1.0f, s2s_stage_grad(st, s->lay.out_w), H, NULL));
    S2S_TRY(s2s_cl_column_sum(&st->k, n, V, s->logits[0], s2s_stage_grad(st, s->lay.out_b)));
  }
  return loss_sums(s, N);
}

/* Column shards, possibly on several devices. Each chunk of rows (whole time steps, about
 * a quarter of the sentence, so the shards work on early steps while the decoder still
 * computes later ones): the rows of the top decoder layer fetched by every shard device;
 * logits and row statistics per shard; every shard's statistics fetched by every shard;
 * then each shard's gradient, dL/dh part and weight gradients. The top layer's device
 * fetches and adds the shards' dL/dh once all are done. */
static int softmax_sharded(s2s_train_step *s, const s2s_batch *b, int backward) {
  const int L = s->cfg.layers, B = b->B, K = s->split.shards, top = s->split.layer_dev[L - 1];
  const int *sd = s->split.shard_dev;
  const size_t H = (size_t)s->cfg.hidden, N = (size_t)b->T_tgt * B, BH = (size_t)B * H;
  s2s_buf htop = s2s_buf_at(s->dec[L - 1].h, BH), hv[S2S_MAX_DEVICES];
  s2s_ticket stk[S2S_MAX_SHARDS][S2S_MAX_SHARDS];
  cl_event used_ev[S2S_MAX_SHARDS] = {0};
  for (int d = 0; d < s->ndev; d++) /* where each device reads the top layer's h */
    hv[d] = s->st[d].top_tk && !s2s_step_same_ctx(s, d, top) ? s->st[d].htop : htop;
  size_t rows = ((size_t)b->T_tgt + 3) / 4 * (size_t)B;
  if (rows > s->chunk_rows) /* memory: whole steps if at least one fits */
    rows = s->chunk_rows >= (size_t)B ? s->chunk_rows / B * B : s->chunk_rows;
  size_t fetched = 0; /* time steps of htop fetched by the shard devices so far */
  for (size_t r0 = 0, chunk = 0; r0 < N; r0 += rows, chunk++) {
    const size_t n = N - r0 < rows ? N - r0 : rows;
    for (; fetched <= (r0 + n - 1) / (size_t)B; fetched++)
      for (int d = 0; d < s->ndev; d++) {
        if (!s->st[d].top_tk || !s->st[d].local) continue;
        s2s_buf v;
        S2S_TRY(s2s_step_fetch(s, &s->st[d].top_tk[fetched], top, d,
                               S2S_TAG(S2S_TAG_TOP, 0, fetched), s2s_buf_at(htop, fetched * BH),
                               s2s_buf_at(hv[d], fetched * BH), BH, &v));
      }
    for (int k = 0; k < K; k++) { /* pass one: logits and row statistics */
      const int d = sd[k], v0 = s->split.shard_v0[k], Vk = s->split.shard_v0[k + 1] - v0;
      s2s_stage *st = &s->st[d];
      if (!st->local) continue;
      for (int j = 0; j < K; j++) /* the previous chunk's statistics were read */
        if (sd[j] != d && s2s_step_same_ctx(s, sd[j], d))
          S2S_TRY(s2s_step_wait(s, d, used_ev[j]));
      S2S_TRY(s2s_gemm(st->dev, NT, NT, n, (size_t)Vk, H, 1.0f, s2s_buf_at(hv[d], r0 * H), H,
                       s->wt_out[k], (size_t)Vk, 0.0f, s->logits[k], (size_t)Vk, NULL));
      S2S_TRY(s2s_cl_softmax_shard_stats(&st->k, (int)n, Vk, v0, s->logits[k],
                                         s2s_stage_param(st, s->lay.out_b + (size_t)v0),
                                         s2s_buf_at(s2s_step_ids(s, d, 2), r0), s->stats[k]));
      for (int j = 0; j < K; j++) /* for shard j's device */
        S2S_TRY(s2s_step_post(s, d, s->stats[k], n * 5, sd[j],
                              S2S_TAG(S2S_TAG_STATS, chunk, k * S2S_MAX_SHARDS + j), &stk[k][j]));
    }
    for (int k = 0; k < K; k++) { /* pass two: combine, gradient, products */
      const int d = sd[k], v0 = s->split.shard_v0[k], Vk = s->split.shard_v0[k + 1] - v0;
      s2s_stage *st = &s->st[d];
      if (!st->local) continue;
      for (int j = 0; j < K; j++)
        S2S_TRY(s2s_step_fetch_into(s, &stk[j][k], sd[j], d,
                                    S2S_TAG(S2S_TAG_STATS, chunk, j * S2S_MAX_SHARDS + k),
                                    s->stats[j], s2s_buf_at(s->comb[k], (size_t)j * n * 5), n * 5));
      S2S_TRY(s2s_step_mark(s, d, &used_ev[k]));
      /* only shard 0 writes the row losses, which live on its device; the other shards
       * get a buffer of their own context in those (unused) arguments: a buffer of
       * another context is CL_INVALID_MEM_OBJECT on Intel's runtime (PoCL let it pass) */
      s2s_buf loss = k == 0 ? s2s_buf_at(s->row_loss, r0) : s->stats[k];
      s2s_buf correct = k == 0 ? s2s_buf_at(s->row_correct, r0) : s->stats[k];
      S2S_TRY(s2s_cl_softmax_shard_grad(&st->k, (int)n, Vk, v0, K, k, s->logits[k],
                                        s2s_stage_param(st, s->lay.out_b + (size_t)v0),
                                        s2s_buf_at(s2s_step_ids(s, d, 2), r0),
                                        s2s_buf_at(s2s_step_mask(s, d, 1), r0), s->comb[k],
                                        s2s_step_loss_scale(s, b), k == 0, loss, correct));
      if (!backward) continue;
      s2s_buf w = s2s_stage_param(st, s->lay.out_w + (size_t)v0 * H);
      S2S_TRY(s2s_gemm(st->dev, NT, NT, n, H, (size_t)Vk, 1.0f, s->logits[k], (size_t)Vk, w, H,
                       0.0f, s2s_buf_at(s->dh_shard[k], r0 * H), H, NULL));
      S2S_TRY(s2s_gemm(st->dev, TR, NT, (size_t)Vk, H, n, 1.0f, s->logits[k], (size_t)Vk,
                       s2s_buf_at(hv[d], r0 * H), H, 1.0f,
                       s2s_stage_grad(st, s->lay.out_w + (size_t)v0 * H), H, NULL));
      S2S_TRY(s2s_cl_column_sum(&st->k, n, (size_t)Vk, s->logits[k],
                                s2s_stage_grad(st, s->lay.out_b + (size_t)v0)));
    }
  }
  if (backward) /* the top layer adds every shard's dL/dh */
    for (int k = 0; k < K; k++) {
      s2s_ticket tk;
      s2s_buf v;
      S2S_TRY(s2s_step_post(s, sd[k], s->dh_shard[k], N * H, top, S2S_TAG(S2S_TAG_DH, 0, k), &tk));
      if (!s->st[top].local) continue;
      S2S_TRY(s2s_step_fetch(s, &tk, sd[k], top, S2S_TAG(S2S_TAG_DH, 0, k), s->dh_shard[k],
                             s->dhin[k], N * H, &v));
      S2S_TRY(s2s_cl_axpy(&s->st[top].k, N * H, 1.0f, v, s2s_buf_at(s->dec[L - 1].dh, BH)));
    }
  return loss_sums(s, N);
}

int s2s_step_softmax(s2s_train_step *s, const s2s_batch *b, int backward) {
  return s->fused_softmax ? softmax_fused(s, b, backward) : softmax_sharded(s, b, backward);
}


/* The device decoder (beam_search.h). One batch: upload the reversed, left-padded sources;
 * encoder layer by layer (input GEMM batched over time, then per step the recurrent GEMM +
 * cell kernel), its final (h, c) broadcast to the K rows of each sentence; then per step:
 * embedding gather, per layer two GEMMs + cell, softmax projection GEMM, beam_topk,
 * beam_select, gather_rows, and one read of (2R + 2S) ints. The host keeps the words and
 * back-pointers of every step and rebuilds each sentence's best hypothesis at the end. */
#include "decode/beam_search.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blas/gemm.h"
#include "cl/status.h"

#define NN S2S_NO_TRANS

static int alloc(s2s_decoder *d, size_t n, s2s_buf *b, const char *what) {
  if (b->mem) s2s_buf_free(b);
  if (s2s_buf_alloc(d->dev, n ? n : 1, b) != 0) {
    fprintf(stderr, "s2sbench: decoder: cannot allocate %s (%.1f MiB) on %s\n", what,
            (double)n * 4 / (1 << 20), d->dev->info.name);
    return -1;
  }
  return 0;
}

static void release(s2s_buf *b) {
  if (b->mem) s2s_buf_free(b);
}

/* Elements of the transposed weights block (d->wt): every LSTM layer, then W_out^T. */
static size_t wt_len(const s2s_decoder *d) {
  const size_t G = 4 * (size_t)d->cfg.hidden;
  size_t n = (size_t)d->cfg.hidden * d->cfg.tgt_vocab;
  for (int l = 0; l < d->cfg.layers; l++)
    n += ((size_t)d->lay.enc[l].in + d->cfg.hidden + d->lay.dec[l].in + d->cfg.hidden) * G;
  return n;
}

/* The device LSTM layer l of one side (0 encoder, 1 decoder) over the transposed block. */
static s2s_cl_lstm layer(s2s_decoder *d, int side, int l) {
  const size_t H = (size_t)d->cfg.hidden, G = 4 * H;
  size_t at = 0;
  for (int s = 0; s <= side; s++)
    for (int i = 0; i < d->cfg.layers && (s < side || i < l); i++)
      at += ((size_t)(s ? d->lay.dec : d->lay.enc)[i].in + H) * G;
  const s2s_lstm_offsets *o = side ? &d->lay.dec[l] : &d->lay.enc[l];
  return (s2s_cl_lstm){.dev = d->dev, .k = &d->k, .H = (int)H, .in = o->in,
                       .wt_ih = s2s_buf_at(d->wt, at),
                       .wt_hh = s2s_buf_at(d->wt, at + (size_t)o->in * G),
                       .bias = s2s_buf_at(d->params, o->bias)};
}

static s2s_buf wt_out(const s2s_decoder *d) {
  return s2s_buf_at(d->wt, wt_len(d) - (size_t)d->cfg.hidden * d->cfg.tgt_vocab);
}

/* Transposes every weight matrix of d->params into d->wt (one product layout: NN). */
static int transpose_weights(s2s_decoder *d) {
  for (int side = 0; side < 2; side++)
    for (int l = 0; l < d->cfg.layers; l++) {
      const s2s_lstm_offsets *o = side ? &d->lay.dec[l] : &d->lay.enc[l];
      s2s_cl_lstm lstm = layer(d, side, l);
      S2S_TRY(s2s_cl_lstm_transpose(&lstm, s2s_buf_at(d->params, o->w_ih),
                                    s2s_buf_at(d->params, o->w_hh)));
    }
  const size_t H = (size_t)d->cfg.hidden, V = (size_t)d->cfg.tgt_vocab;
  return s2s_transpose(d->dev, V, H, s2s_buf_at(d->params, d->lay.out_w), H, wt_out(d), V);
}

static int init(s2s_decoder *d) {
  const size_t L = (size_t)d->cfg.layers, H = (size_t)d->cfg.hidden, E = (size_t)d->cfg.embed;
  const size_t V = (size_t)d->cfg.tgt_vocab, S = (size_t)d->S_max, K = (size_t)d->K;
  const size_t R = S * K;
  S2S_TRY(s2s_kernels_init(&d->k, d->dev));
  S2S_TRY(s2s_beam_kernels_init(&d->bk, d->dev, d->K, d->cfg.tgt_vocab));
  S2S_TRY(alloc(d, wt_len(d), &d->wt, "transposed weights"));
  S2S_TRY(alloc(d, L * 2 * R * H, &d->state[0], "decoder state"));
  S2S_TRY(alloc(d, L * 2 * R * H, &d->state[1], "decoder state"));
  S2S_TRY(alloc(d, R * E, &d->x_dec, "decoder embeddings"));
  S2S_TRY(alloc(d, R * 4 * H, &d->gates, "decoder gates"));
  S2S_TRY(alloc(d, R, &d->ones, "ones"));
  S2S_TRY(s2s_buf_fill(d->dev, d->ones, 1.0f, R));
  S2S_TRY(alloc(d, R * V, &d->logits, "decoder logits"));
  S2S_TRY(alloc(d, R * K, &d->cand_score, "beam candidates"));
  S2S_TRY(alloc(d, R * K, &d->cand_word, "beam candidate words"));
  S2S_TRY(alloc(d, R, &d->eos_score, "<eos> scores"));
  S2S_TRY(alloc(d, R, &d->beam_score, "beam scores"));
  S2S_TRY(alloc(d, S, &d->best, "best scores"));
  S2S_TRY(alloc(d, 2 * R + 2 * S, &d->step_out, "step output"));
  S2S_TRY(alloc(d, S, &d->max_lens, "max lengths"));
  S2S_TRY(alloc(d, R, &d->bcast, "broadcast index"));
  d->host_out = malloc((2 * R + 2 * S) * sizeof *d->host_out);
  if (!d->host_out) return -1;
  for (size_t r = 0; r < R; r++) d->host_out[r] = (int32_t)(r / K);
  return s2s_buf_write(d->dev, d->bcast, d->host_out, R);
}

int s2s_decoder_init(s2s_decoder *d, s2s_device *dev, const s2s_config *cfg, int max_sentences,
                     int beam, int max_len) {
  memset(d, 0, sizeof *d);
  d->dev = dev;
  d->cfg = *cfg;
  s2s_params_layout(&d->lay, cfg);
  d->K = beam, d->S_max = max_sentences, d->max_len = max_len;
  if (max_sentences < 1 || beam < 1 || beam > S2S_BEAM_MAX_K || max_len < 0 ||
      s2s_config_check(cfg, NULL, 0) != 0) {
    fprintf(stderr, "s2sbench: decoder: bad sizes (sentences %d, beam %d (1..%d), max-len %d)\n",
            max_sentences, beam, S2S_BEAM_MAX_K, max_len);
    return -1;
  }
  if (init(d) != 0) {
    s2s_decoder_free(d);
    return -1;
  }
  return 0;
}

void s2s_decoder_free(s2s_decoder *d) {
  if (!d->dev) return;
  clFinish(d->dev->queue);
  s2s_buf *all[] = {&d->own_params, &d->wt, &d->src_ids, &d->src_mask, &d->x_src, &d->enc_h[0],
                    &d->enc_h[1], &d->enc_c, &d->enc_act, &d->state[0], &d->state[1],
                    &d->x_dec, &d->gates, &d->ones, &d->logits, &d->cand_score,
                    &d->cand_word, &d->eos_score, &d->beam_score, &d->best, &d->step_out,
                    &d->max_lens, &d->bcast};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) release(all[i]);
  if (d->k.dev) s2s_kernels_free(&d->k);
  if (d->bk.dev) s2s_beam_kernels_free(&d->bk);
  free(d->host_out);
  free(d->hist);
  memset(d, 0, sizeof *d);
}

int s2s_decoder_set_params(s2s_decoder *d, s2s_buf params) {
  d->params = params;
  return transpose_weights(d);
}

int s2s_decoder_upload_params(s2s_decoder *d, const float *params) {
  if (!d->own_params.mem) S2S_TRY(alloc(d, d->lay.total, &d->own_params, "parameters"));
  S2S_TRY(s2s_buf_write(d->dev, d->own_params, params, d->lay.total));
  return s2s_decoder_set_params(d, d->own_params);
}

/* Encoder buffers for sources of up to T words (grown, never shrunk). */
static int ensure_src(s2s_decoder *d, int T) {
  if (T <= d->T_cap) return 0;
  const size_t S = (size_t)d->S_max, H = (size_t)d->cfg.hidden, E = (size_t)d->cfg.embed;
  const size_t t = (size_t)T;
  S2S_TRY(alloc(d, t * S, &d->src_ids, "source ids"));
  S2S_TRY(alloc(d, t * S, &d->src_mask, "source mask"));
  S2S_TRY(alloc(d, t * S * E, &d->x_src, "source embeddings"));
  S2S_TRY(alloc(d, (t + 1) * S * H, &d->enc_h[0], "encoder h"));
  S2S_TRY(alloc(d, (t + 1) * S * H, &d->enc_h[1], "encoder h"));
  S2S_TRY(alloc(d, (t + 1) * S * H, &d->enc_c, "encoder c"));
  S2S_TRY(alloc(d, t * S * 4 * H, &d->enc_act, "encoder gates"));
  d->T_cap = T;
  return 0;
}

/* Views of layer l's h or c (part 0 / 1) in a state block of R rows. */
static s2s_buf state_at(s2s_buf st, int l, int part, size_t R, size_t H) {
  return s2s_buf_at(st, ((size_t)l * 2 + (size_t)part) * R * H);
}

/* Uploads the sources and runs the encoder; leaves each sentence's final state in the K
 * rows of state[0]. */
static int encode(s2s_decoder *d, const int32_t *const *src, const int *src_len, int S, int T) {
  const int L = d->cfg.layers, H = d->cfg.hidden, E = d->cfg.embed;
  const size_t R = (size_t)S * d->K, SH = (size_t)S * H;
  s2s_device *dev = d->dev;
  if (T == 0) return s2s_buf_fill(dev, d->state[0], 0.0f, (size_t)L * 2 * R * H);
  int32_t *ids = calloc((size_t)T * S, sizeof *ids);    /* (T, S) reversed, left-padded */
  float *mask = calloc((size_t)T * S, sizeof *mask);    /* (T, S) */
  int rc = -1;
  if (ids && mask) {
    for (int s = 0; s < S; s++)
      for (int k = 0; k < src_len[s]; k++) {
        ids[(size_t)(T - 1 - k) * S + s] = src[s][k];
        mask[(size_t)(T - 1 - k) * S + s] = 1.0f;
      }
    rc = s2s_buf_write(dev, d->src_ids, ids, (size_t)T * S) ||
         s2s_buf_write(dev, d->src_mask, mask, (size_t)T * S) ? -1 : 0;
  }
  free(ids);
  free(mask);
  S2S_TRY(rc);
  S2S_TRY(s2s_cl_embedding_forward(&d->k, T * S, E, s2s_buf_at(d->params, d->lay.src_emb),
                                   d->src_ids, d->x_src));
  for (int l = 0; l < L; l++) {
    s2s_buf h = d->enc_h[l % 2], c = d->enc_c;                  /* (T+1, S, H) */
    s2s_buf x = l ? s2s_buf_at(d->enc_h[(l - 1) % 2], SH) : d->x_src; /* (T, S, In) */
    S2S_TRY(s2s_buf_fill(dev, h, 0.0f, SH));
    S2S_TRY(s2s_buf_fill(dev, c, 0.0f, SH));
    s2s_cl_lstm lstm = layer(d, 0, l);
    S2S_TRY(s2s_cl_lstm_forward(&lstm, T, S, x, d->src_mask, h, c, d->enc_act, NULL));
    /* decoder layer l starts from encoder layer l's final state, in all K rows */
    S2S_TRY(s2s_cl_gather_rows(&d->bk, 1, (int)R, S, H, s2s_buf_at(h, (size_t)T * SH), d->bcast,
                               state_at(d->state[0], l, 0, R, H)));
    S2S_TRY(s2s_cl_gather_rows(&d->bk, 1, (int)R, S, H, s2s_buf_at(c, (size_t)T * SH), d->bcast,
                               state_at(d->state[0], l, 1, R, H)));
  }
  return 0;
}

/* One decoder step for R = S*K rows: state[0] -> state[1] -> candidates -> selection ->
 * state[0] reordered by the new back-pointers. */
static int step(s2s_decoder *d, int S, int t) {
  const int L = d->cfg.layers, H = d->cfg.hidden, E = d->cfg.embed, V = d->cfg.tgt_vocab;
  const size_t R = (size_t)S * d->K;
  s2s_device *dev = d->dev;
  s2s_buf cur = d->state[0], nxt = d->state[1], p = d->params;
  S2S_TRY(s2s_cl_embedding_forward(&d->k, (int)R, E, s2s_buf_at(p, d->lay.tgt_emb), d->step_out,
                                   d->x_dec));
  for (int l = 0; l < L; l++) {
    s2s_buf x = l ? state_at(nxt, l - 1, 0, R, H) : d->x_dec; /* (R, In) */
    s2s_cl_lstm lstm = layer(d, 1, l);
    S2S_TRY(s2s_cl_lstm_input(&lstm, R, x, d->gates));
    S2S_TRY(s2s_cl_lstm_step(&lstm, (int)R, d->gates, state_at(cur, l, 0, R, H),
                             state_at(cur, l, 1, R, H), d->ones, state_at(nxt, l, 0, R, H),
                             state_at(nxt, l, 1, R, H)));
  }
  S2S_TRY(s2s_gemm(dev, NN, NN, R, V, H, 1.0f, state_at(nxt, L - 1, 0, R, H), H, wt_out(d), V,
                   0.0f, d->logits, V, NULL));
  S2S_TRY(s2s_cl_beam_topk(&d->bk, (int)R, V, d->logits, s2s_buf_at(p, d->lay.out_b),
                           d->beam_score, d->cand_score, d->cand_word, d->eos_score));
  S2S_TRY(s2s_cl_beam_select(&d->bk, S, t, d->length_norm, d->cand_score, d->cand_word,
                             d->eos_score, d->max_lens, d->beam_score, d->step_out, d->best));
  return s2s_cl_gather_rows(&d->bk, 2 * L, (int)R, (int)R, H, nxt, s2s_buf_at(d->step_out, R),
                            cur);
}

/* Multiply-adds x 2 (results/FACTS.md) of the matrix products: one LSTM layer stack over `rows`
 * tokens of one side, and the softmax projection of `rows` decoder rows. */
static double lstm_flops(const s2s_decoder *d, const s2s_lstm_offsets *o, double rows) {
  double f = 0;
  for (int l = 0; l < d->cfg.layers; l++)
    f += 2.0 * rows * 4 * d->cfg.hidden * (o[l].in + d->cfg.hidden);
  return f;
}

/* Beam start: slot 0 of each sentence holds the empty hypothesis, input <eos>. */
static int start(s2s_decoder *d, int S, const int *max_lens) {
  const size_t K = (size_t)d->K, R = (size_t)S * K;
  float *f = malloc((R > (size_t)S ? R : (size_t)S) * sizeof *f);
  int32_t *o = d->host_out;
  if (!f) return -1;
  for (size_t r = 0; r < R; r++) f[r] = r % K ? -INFINITY : 0.0f;
  int rc = s2s_buf_write(d->dev, d->beam_score, f, R);
  for (int s = 0; s < S; s++) f[s] = -INFINITY;
  rc = rc || s2s_buf_write(d->dev, d->best, f, (size_t)S);
  free(f);
  for (size_t r = 0; r < R; r++) o[r] = S2S_TOKEN_EOS, o[R + r] = (int32_t)r;
  for (int s = 0; s < S; s++) o[2 * R + s] = -1, o[2 * R + S + s] = 0;
  rc = rc || s2s_buf_write(d->dev, d->step_out, o, 2 * R + 2 * (size_t)S);
  rc = rc || s2s_buf_write(d->dev, d->max_lens, max_lens, (size_t)S);
  return rc ? -1 : 0;
}

/* The words of slot r of sentence s after step u, first word first, into out[0..u]. */
static void trace(const s2s_decoder *d, int S, int s, int u, int r, int32_t *out) {
  const size_t R = (size_t)S * d->K, base = (size_t)s * d->K;
  for (; u >= 0; u--) {
    const int32_t *h = d->hist + (size_t)u * 2 * R;
    out[u] = h[base + (size_t)r];
    r = h[R + base + (size_t)r] - (int)base;
  }
}

int s2s_decode_batch(s2s_decoder *d, const int32_t *const *src, const int *src_len, int S,
                     int32_t **out, int *out_len, float *score) {
  if (S < 1 || S > d->S_max || !d->params.mem) {
    fprintf(stderr, "s2sbench: decoder: %d sentences for a decoder of %d%s\n", S, d->S_max,
            d->params.mem ? "" : " (no parameters set)");
    return -1;
  }
  const int K = d->K;
  const size_t R = (size_t)S * K;
  const s2s_beam_opts bo = {.beam = K, .max_len = d->max_len, .length_norm = d->length_norm};
  int T = 0, steps = 0, rc = -1;
  int *lens = malloc((size_t)S * sizeof *lens), *ev_t = malloc((size_t)S * sizeof *ev_t);
  int *ev = malloc((size_t)S * sizeof *ev);
  float *best = malloc((size_t)S * sizeof *best);
  const int32_t *o = d->host_out; /* (2R + 2S) this step's word | parent | event | done */
  for (int s = 0; s < S; s++) out[s] = NULL;
  if (!lens || !ev_t || !ev || !best) goto done;
  for (int s = 0; s < S; s++) {
    if (src_len[s] < 0) goto done;
    T = src_len[s] > T ? src_len[s] : T;
    lens[s] = s2s_beam_max_len(&bo, src_len[s]);
    steps = lens[s] > steps ? lens[s] : steps;
    ev_t[s] = ev[s] = -1;
  }
  if ((size_t)steps * 2 * R > d->hist_cap) {
    int32_t *h = realloc(d->hist, (size_t)steps * 2 * R * sizeof *h);
    if (!h) goto done;
    d->hist = h, d->hist_cap = (size_t)steps * 2 * R;
  }
  if (ensure_src(d, T) || encode(d, src, src_len, S, T) || start(d, S, lens)) goto done;
  d->flops += lstm_flops(d, d->lay.enc, (double)T * S);
  for (int t = 0; t < steps; t++) {
    if (step(d, S, t) || s2s_buf_read(d->dev, d->step_out, d->host_out, 2 * R + 2 * (size_t)S))
      goto done;
    memcpy(d->hist + (size_t)t * 2 * R, o, 2 * R * sizeof *o);
    d->flops += lstm_flops(d, d->lay.dec, (double)R) +
                2.0 * (double)R * d->cfg.hidden * d->cfg.tgt_vocab;
    int all_done = 1;
    for (int s = 0; s < S; s++) {
      if (o[2 * R + s] >= 0) ev_t[s] = t, ev[s] = o[2 * R + s];
      all_done &= o[2 * R + S + s] != 0;
    }
    if (all_done) break;
  }
  if (s2s_buf_read(d->dev, d->best, best, (size_t)S)) goto done;
  for (int s = 0; s < S; s++) {
    /* an empty source has nothing to translate: the empty output, as the reference gives
     * (s2s_beam_search), whatever the zero-state decoder would have said */
    const int empty = src_len[s] == 0;
    const int t = empty ? -1 : ev_t[s], eos = ev[s] >= 0 && ev[s] < K;
    const int n = t < 0 ? 0 : eos ? t : t + 1; /* <eos> at step t: t words; cut: t + 1 */
    out[s] = malloc((size_t)(n + 1) * sizeof **out);
    if (!out[s]) goto done;
    if (t >= 0 && eos) trace(d, S, s, t - 1, ev[s], out[s]);
    if (t >= 0 && !eos) trace(d, S, s, t, ev[s] - K, out[s]);
    out_len[s] = n;
    if (score) score[s] = empty ? 0.0f : best[s];
  }
  rc = 0;
done:
  if (rc)
    for (int s = 0; s < S; s++) free(out[s]), out[s] = NULL;
  free(lens), free(ev_t), free(ev), free(best);
  return rc;
}

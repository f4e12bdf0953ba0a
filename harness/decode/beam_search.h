/* Beam-search decoding on one OpenCL device, batched over S sentences: the encoder runs
 * once per batch (CLBlast GEMMs + the cell kernel, as in training), then every step runs
 * the decoder for S*K hypothesis rows, the softmax projection, log-softmax + top-K, the
 * beam selection and the state reorder on the device; only the chosen words, back-pointers
 * and per-sentence events come back to the host. Its output equals the CPU reference
 * decoder's (model/beam_search.h: the rules) up to float rounding. */
#ifndef S2S_DECODE_H
#define S2S_DECODE_H

#include <stdint.h>

#include "model/batch.h"
#include "decode/beam_search_kernels.h"
#include "model/beam_search.h"
#include "model/config.h"
#include "data/data_source.h"
#include "cl/kernels.h"
#include "step/lstm.h"
#include "model/params.h"

typedef struct s2s_decoder {
  s2s_device *dev;
  s2s_config cfg;
  s2s_param_layout lay;
  s2s_kernels k;          /* the model's kernels (cell, embedding) */
  s2s_beam_kernels bk;    /* kernels/beam_search.cl for this K */
  int K, S_max, max_len;  /* beam, sentences per batch, fixed max length (0: 2n+10) */
  int length_norm;        /* set directly; 0 by default (the paper) */
  double flops;           /* matrix-product FLOP done so far (multiply-add = 2), padding
                             and empty beam slots included: the work the device did */
  s2s_buf params;         /* view used by the steps */
  s2s_buf own_params;     /* (lay.total) when uploaded from the host */
  s2s_buf wt;             /* the weights transposed (step/lstm.h): per side and layer W_ih^T
                             (in, 4H) then W_hh^T (H, 4H), encoder first; then W_out^T (H, Vt) */
  int T_cap;              /* source steps the encoder buffers hold */
  s2s_buf src_ids, src_mask;   /* (T_cap, S_max) int32 / float */
  s2s_buf x_src;               /* (T_cap, S_max, E) */
  s2s_buf enc_h[2], enc_c;     /* (T_cap+1, S_max, H) ping-pong per layer / one for c */
  s2s_buf enc_act;             /* (T_cap, S_max, 4H) */
  s2s_buf state[2];            /* (L, 2, R, H) current / next: h then c per layer */
  s2s_buf x_dec, gates, ones;  /* (R, E), (R, 4H), (R) 1.0 */
  s2s_buf logits;              /* (R, Vt) */
  s2s_buf cand_score, cand_word, eos_score; /* (R, K), (R, K) int32, (R) */
  s2s_buf beam_score, best;    /* (R), (S_max) */
  s2s_buf step_out;            /* int32 (2R + 2S_max): word | parent | event | done */
  s2s_buf max_lens, bcast;     /* int32 (S_max), (R) = r / K */
  int32_t *host_out;           /* (2R + 2S_max) */
  int32_t *hist;               /* (steps, 2R) word | parent of every step */
  size_t hist_cap;             /* int32 elements */
} s2s_decoder;

/* Allocates a decoder for batches of up to max_sentences (S) with beam K (1..64) and a
 * fixed max_len (0: 2 * source words + 10 per sentence). Encoder buffers grow with the
 * longest source seen. Fails with a message naming the buffer when memory runs out. */
int s2s_decoder_init(s2s_decoder *d, s2s_device *dev, const s2s_config *cfg, int max_sentences,
                     int beam, int max_len);
void s2s_decoder_free(s2s_decoder *d);

/* Parameters in the model layout: a device view in the same context (used in place, e.g.
 * s2s_train_step's params; it must outlive the decodes), or host floats (copied). Either
 * also refreshes the decoder's transposed weights: call it again after the parameters
 * change. */
int s2s_decoder_set_params(s2s_decoder *d, s2s_buf params);
int s2s_decoder_upload_params(s2s_decoder *d, const float *params);

/* Decodes S <= max_sentences sentences (src[s]: src_len[s] word ids in reading order).
 * out[s] gets a malloc'd array of out_len[s] word ids (no <eos>; free() it); score[s] the
 * ranking score (total log p, or per token with length_norm). An empty source gives the
 * empty output (score 0), as s2s_beam_search does. Returns 0 or -1. */
int s2s_decode_batch(s2s_decoder *d, const int32_t *const *src, const int *src_len, int S,
                     int32_t **out, int *out_len, float *score);

/* Counters of a whole decode. words: source + output words (the paper's convention). */
typedef struct s2s_decode_stats {
  long sentences, src_words, out_words;
  double seconds, flops;
} s2s_decode_stats;

/* Decodes n sentences in batches of max_sentences (arguments as s2s_decode_batch; score
 * may be NULL). Adds to st when not NULL. Returns 0 or -1 (outputs freed). */
int s2s_decode_all(s2s_decoder *d, int n, const int32_t *const *src, const int *src_len,
                   int32_t **out, int *out_len, float *score, s2s_decode_stats *st);

/* Row i of a batch back in reading order: the source (reversal and padding undone) and
 * the target words without <eos>. src / tgt hold b->T_src / b->T_tgt ids. Returns 1, or 0
 * for a row that was never set (fully masked: the short last batch). */
int s2s_decode_batch_row(const s2s_batch *b, int i, int32_t *src, int *ns, int32_t *tgt,
                         int *nt);

/* Corpus BLEU (sacreBLEU's, tokenizer "none", exp smoothing) of the decodes of n
 * sentences against one reference each, every sentence written as its word ids joined by
 * spaces. Ids name words one to one, so this equals BLEU on the vocabulary's words with
 * tokenizer none. Returns 0 or -1. */
int s2s_decode_bleu(s2s_decoder *d, int n, const int32_t *const *src, const int *src_len,
                    const int32_t *const *ref, const int *ref_len, double *bleu,
                    s2s_decode_stats *st);

/* The same over the first `batches` dev batches of a data source (train --eval-every):
 * sources and references come from the batches (s2s_decode_batch_row). b is scratch
 * allocated for the source's batches (cfg batch, max_len, max_len + 1). Use a decoder on the
 * training step's device with s2s_decoder_set_params(d, step.params): the in-order queue
 * puts the decode after the updates already enqueued. Returns 0, or -1 (also when the
 * source has no dev sentence). */
int s2s_decode_bleu_dev(s2s_decoder *d, s2s_data_source *ds, int batches, s2s_batch *b,
                        double *bleu, s2s_decode_stats *st);

#endif

/* Left-to-right beam search, the paper's decoder, CPU reference in double: the spec and the
 * oracle of the device decoder (harness/decode/beam_search.c). The search is written against a scorer
 * (initial state + one step that gives log p over the target words), so its rules can be
 * tested on hand-made distributions; s2s_beam_search plugs in the translator itself.
 *
 * The rules (the device decoder follows them exactly):
 *  - K live hypotheses per sentence; step 0 starts from one empty hypothesis, whose input
 *    is <eos> and whose state is the encoder's final (h, c) of every layer.
 *  - Each step extends every live hypothesis j by every target word w, candidate score =
 *    score_j + log p(w | hypothesis j). Candidates are ranked by score, higher first; ties
 *    go to the lower hypothesis index j, then the lower word id w (so two implementations
 *    agree). The ranking is walked from the top: a candidate ending in <eos> leaves for the
 *    finished set; any other becomes a live hypothesis of the next step, until K are live
 *    (the beam is refilled from the remaining candidates, so it stays K wide). <eos>
 *    candidates ranked below the K-th live one are dropped with the rest.
 *  - After max_len steps the live hypotheses are finished as they are (no <eos>), so an
 *    output has at most max_len words; max_len 0 means 2 * source words + 10.
 *  - The result is the finished hypothesis of highest score; ties go to the one finished
 *    first (earlier step, then higher in that step's ranking). The score is the sum of the
 *    log probabilities of its tokens (<eos> included), divided by that token count when
 *    length_norm is set (off by default, as in the paper).
 *  - Stop when no live hypothesis is left, at max_len, or as soon as the best finished
 *    score is >= every live hypothesis's best possible final score (log p <= 0, so a
 *    score can only fall: the bound is score_j, or score_j / max_len with length_norm).
 *    Stopping there never changes the result, it only saves the steps that follow. */
#ifndef S2S_BEAM_SEARCH_H
#define S2S_BEAM_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "params.h"

typedef struct s2s_beam_opts {
  int beam;        /* K >= 1; 1 is greedy decoding */
  int max_len;     /* most output words; 0: 2 * source words + 10 */
  int length_norm; /* 1: rank finished hypotheses by score / tokens */
} s2s_beam_opts;

/* The output words allowed for a source of ns words under o. */
int s2s_beam_max_len(const s2s_beam_opts *o, int ns);

typedef struct s2s_beam_result {
  int32_t *tokens;  /* malloc'd, len words without the final <eos> */
  int len;
  double score;     /* the ranking score (normalised when length_norm) */
  double logprob;   /* sum of log p over the tokens, <eos> included */
  int eos;          /* 1: ended by <eos>; 0: cut at max_len */
  int steps;        /* decoder steps run (early stop counts) */
  int finished;     /* hypotheses that reached the finished set */
} s2s_beam_result;

void s2s_beam_result_free(s2s_beam_result *r);

/* What the search asks of a model: a state of state_len doubles per hypothesis, its start
 * value, and one step: feed `word`, update the state in place, write log p (vocab). */
typedef struct s2s_beam_scorer {
  void *ctx;
  int vocab;
  size_t state_len;
  void (*init)(void *ctx, double *state /* (state_len) */);
  void (*step)(void *ctx, int32_t word, double *state /* (state_len) in/out */,
               double *logp /* (vocab) out */);
} s2s_beam_scorer;

/* Runs the search for at most max_len output words (>= 1) with o->beam and
 * o->length_norm. Returns 0, or -1 (bad arguments, out of memory; r zeroed). */
int s2s_beam_search_run(const s2s_beam_scorer *sc, const s2s_beam_opts *o, int max_len,
                        s2s_beam_result *r);

/* The translator's own pieces, for the scorer and for tests. State layout per
 * hypothesis: h (L, H) then c (L, H). */
size_t s2s_beam_state_len(const s2s_config *c);
/* Encoder over the source (ns words in reading order, fed reversed; ns 0 = zero state)
 * into state (the decoder's initial (h, c)). Returns 0 or -1 (out of memory). */
int s2s_beam_encode(const s2s_config *c, const s2s_param_layout *lay, const double *p,
                    const int32_t *src, int ns, double *state);
/* One decoder step: input word, state in/out, log p over the target vocabulary (Vt).
 * work holds s2s_beam_work_len(c) doubles. */
size_t s2s_beam_work_len(const s2s_config *c);
void s2s_beam_decode_step(const s2s_config *c, const s2s_param_layout *lay, const double *p,
                          int32_t word, double *state, double *logp, double *work);

/* Decodes one source sentence with the model (params: double block in the layout lay).
 * An empty source (ns 0) gives the empty output (len 0, eos 1, no step run): there is
 * nothing to translate. Returns 0 or -1. */
int s2s_beam_search(const s2s_config *c, const s2s_param_layout *lay, const double *params,
                    const int32_t *src, int ns, const s2s_beam_opts *o, s2s_beam_result *r);

#endif

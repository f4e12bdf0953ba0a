/* Beam search in double (rules in beam_search.h). Plain and slow on purpose: every live
 * hypothesis carries its own copy of the state and of its words, all K * V candidates are
 * sorted, and the finished set is walked in the order hypotheses reach it. */
#include "beam_search.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "embedding.h"
#include "encoder.h"
#include "lstm.h"
#include "lstm_cell.h"

int s2s_beam_max_len(const s2s_beam_opts *o, int ns) {
  return o->max_len > 0 ? o->max_len : 2 * ns + 10;
}

void s2s_beam_result_free(s2s_beam_result *r) {
  if (!r) return;
  free(r->tokens);
  memset(r, 0, sizeof *r);
}

/* ---- the search -------------------------------------------------------------------- */

typedef struct cand {
  double score;
  int j;      /* live hypothesis extended */
  int32_t w;  /* word appended */
} cand;

/* The ranking: higher score first, then lower hypothesis index, then lower word id. */
static int cand_cmp(const void *pa, const void *pb) {
  const cand *a = pa, *b = pb;
  if (a->score != b->score) return a->score > b->score ? -1 : 1;
  if (a->j != b->j) return a->j < b->j ? -1 : 1;
  return (a->w > b->w) - (a->w < b->w);
}

typedef struct search {
  const s2s_beam_scorer *sc;
  int K, V, max_len, length_norm;
  size_t S;                 /* state length */
  int live;                 /* live hypotheses this step */
  double *score, *nscore;   /* (K) cumulative log p of live / next live */
  double *state, *nstate;   /* (K, S) state of live / after extending each live */
  int32_t *words, *nwords;  /* (K, max_len) words of live / next live */
  double *logp;             /* (K, V) */
  cand *cands;              /* (K * V) */
  s2s_beam_result *best;
  int have_best;
} search;

/* A hypothesis reaches the finished set: `prefix` of n words (+ <eos> when eos). */
static int finish(search *s, const int32_t *prefix, int n, int extra_word, int eos,
                  double logprob) {
  const int tokens = n + (extra_word >= 0) + eos;
  const double score = s->length_norm ? logprob / tokens : logprob;
  s->best->finished++;
  if (s->have_best && !(score > s->best->score)) return 0; /* ties: the earlier one stays */
  int32_t *t = realloc(s->best->tokens, (size_t)(n + 1) * sizeof *t);
  if (!t) return -1;
  memcpy(t, prefix, (size_t)n * sizeof *t);
  if (extra_word >= 0) t[n] = extra_word;
  s->best->tokens = t;
  s->best->len = n + (extra_word >= 0);
  s->best->score = score, s->best->logprob = logprob, s->best->eos = eos;
  s->have_best = 1;
  return 0;
}

/* Step t: extend, rank, walk. Returns 1 to go on, 0 when done, -1 on error. */
static int step(search *s, int t) {
  const int K = s->K, V = s->V, last = t == s->max_len - 1;
  const size_t S = s->S, T = (size_t)s->max_len;
  int nc = 0;
  for (int j = 0; j < s->live; j++) {
    double *st = s->nstate + j * S, *lp = s->logp + (size_t)j * V;
    memcpy(st, s->state + j * S, S * sizeof *st);
    const int32_t in = t == 0 ? S2S_TOKEN_EOS : s->words[j * T + (size_t)t - 1];
    s->sc->step(s->sc->ctx, in, st, lp);
    for (int w = 0; w < V; w++) s->cands[nc++] = (cand){s->score[j] + lp[w], j, w};
  }
  qsort(s->cands, (size_t)nc, sizeof *s->cands, cand_cmp);
  int nlive = 0;
  for (int i = 0; i < nc && nlive < K; i++) {
    const cand *c = &s->cands[i];
    const int32_t *prefix = s->words + (size_t)c->j * T;
    if (c->w == S2S_TOKEN_EOS) {
      if (finish(s, prefix, t, -1, 1, c->score)) return -1;
    } else if (last) { /* max_len reached: finished as it is, in ranking order */
      if (finish(s, prefix, t, c->w, 0, c->score)) return -1;
      nlive++;
    } else {
      int32_t *nw = s->nwords + (size_t)nlive * T;
      memcpy(nw, prefix, (size_t)t * sizeof *nw);
      nw[t] = c->w;
      memcpy(s->state + (size_t)nlive * S, s->nstate + (size_t)c->j * S, S * sizeof(double));
      s->nscore[nlive++] = c->score;
    }
  }
  s->best->steps = t + 1;
  if (last) return 0;
  /* nstate was only read above, so state now holds the next live states in place */
  s->live = nlive;
  double *d = s->score;
  s->score = s->nscore, s->nscore = d;
  int32_t *w = s->words;
  s->words = s->nwords, s->nwords = w;
  if (nlive == 0) return 0;
  const double bound = s->length_norm ? s->score[0] / s->max_len : s->score[0];
  return !(s->have_best && s->best->score >= bound);
}

int s2s_beam_search_run(const s2s_beam_scorer *sc, const s2s_beam_opts *o, int max_len,
                        s2s_beam_result *r) {
  memset(r, 0, sizeof *r);
  if (!sc || !o || o->beam < 1 || max_len < 1 || sc->vocab < 2) return -1;
  search s = {.sc = sc, .K = o->beam, .V = sc->vocab, .max_len = max_len,
              .length_norm = o->length_norm, .S = sc->state_len, .live = 1, .best = r};
  const size_t K = (size_t)s.K, S = s.S, V = (size_t)s.V, T = (size_t)max_len;
  s.score = calloc(K, sizeof(double)), s.nscore = calloc(K, sizeof(double));
  s.state = calloc(K * S + 1, sizeof(double)), s.nstate = calloc(K * S + 1, sizeof(double));
  s.words = calloc(K * T, sizeof(int32_t)), s.nwords = calloc(K * T, sizeof(int32_t));
  s.logp = calloc(K * V, sizeof(double));
  s.cands = calloc(K * V, sizeof(cand));
  int rc = -1;
  if (s.score && s.nscore && s.state && s.nstate && s.words && s.nwords && s.logp && s.cands) {
    sc->init(sc->ctx, s.state); /* the one empty hypothesis, score 0 */
    int go = 1;
    for (int t = 0; go > 0 && t < max_len; t++) go = step(&s, t);
    rc = go < 0 ? -1 : 0;
  }
  free(s.score), free(s.nscore), free(s.state), free(s.nstate);
  free(s.words), free(s.nwords), free(s.logp), free(s.cands);
  if (rc != 0) s2s_beam_result_free(r);
  return rc;
}

/* ---- the translator as a scorer ---------------------------------------------------- */

size_t s2s_beam_state_len(const s2s_config *c) { return 2 * (size_t)c->layers * c->hidden; }

int s2s_beam_encode(const s2s_config *c, const s2s_param_layout *lay, const double *p,
                    const int32_t *src, int ns, double *state) {
  const size_t L = (size_t)c->layers, H = (size_t)c->hidden, E = (size_t)c->embed;
  double *h_final = state, *c_final = state + L * H; /* (L, H) each */
  memset(state, 0, 2 * L * H * sizeof *state);
  if (ns <= 0) return 0; /* an empty source: the decoder starts from the zero state */
  const size_t T = (size_t)ns;
  int32_t *rev = malloc(T * sizeof *rev);
  double *x = malloc(T * E * sizeof *x);                            /* (T, E) */
  double *tape = malloc(L * T * 6 * H * sizeof *tape);             /* per layer (T, 6H) */
  int rc = -1;
  if (rev && x && tape) {
    double *act[S2S_MAX_LAYERS], *cs[S2S_MAX_LAYERS], *h[S2S_MAX_LAYERS];
    for (size_t l = 0; l < L; l++) {
      act[l] = tape + l * T * 6 * H;
      cs[l] = act[l] + T * 4 * H;
      h[l] = cs[l] + T * H;
    }
    for (size_t k = 0; k < T; k++) rev[k] = src[T - 1 - k]; /* the paper's reversed source */
    s2s_encoder_forward(c, lay, p, ns, 1, rev, NULL, x, act, cs, h);
    for (size_t l = 0; l < L; l++) {
      memcpy(h_final + l * H, h[l] + (T - 1) * H, H * sizeof *h_final);
      memcpy(c_final + l * H, cs[l] + (T - 1) * H, H * sizeof *c_final);
    }
    rc = 0;
  }
  free(rev), free(x), free(tape);
  return rc;
}

size_t s2s_beam_work_len(const s2s_config *c) {
  const size_t H = (size_t)c->hidden, E = (size_t)c->embed;
  return (E > H ? E : H) + 8 * H + 2 * H;
}

void s2s_beam_decode_step(const s2s_config *c, const s2s_param_layout *lay, const double *p,
                          int32_t word, double *state, double *logp, double *work) {
  const int L = c->layers, H = c->hidden, E = c->embed, V = c->tgt_vocab;
  double *x = work;                                         /* (max(E, H)) layer input */
  double *gates = x + (E > H ? E : H), *act = gates + 4 * H; /* (4H) each */
  double *cn = act + 4 * H, *hn = cn + H;                   /* (H) each */
  s2s_embedding_forward(1, E, p + lay->tgt_emb, &word, x);
  for (int l = 0; l < L; l++) {
    const s2s_lstm_offsets *o = &lay->dec[l];
    double *h = state + (size_t)l * H, *cc = state + (size_t)(L + l) * H; /* (H) */
    s2s_linear_forward(1, o->in, 4 * H, x, p + o->w_ih, p + o->bias, 0, gates);
    s2s_linear_forward(1, H, 4 * H, h, p + o->w_hh, NULL, 1, gates);
    s2s_lstm_cell_forward(1, H, gates, cc, h, NULL, act, cn, hn);
    memcpy(h, hn, (size_t)H * sizeof *h);
    memcpy(cc, cn, (size_t)H * sizeof *cc);
    memcpy(x, hn, (size_t)H * sizeof *x);
  }
  s2s_linear_forward(1, H, V, x, p + lay->out_w, p + lay->out_b, 0, logp); /* (V) logits */
  double m = logp[0], sum = 0.0;
  for (int v = 1; v < V; v++) m = logp[v] > m ? logp[v] : m;
  for (int v = 0; v < V; v++) sum += exp(logp[v] - m);
  const double lse = m + log(sum);
  for (int v = 0; v < V; v++) logp[v] -= lse;
}

typedef struct model_ctx {
  const s2s_config *c;
  const s2s_param_layout *lay;
  const double *p;
  const double *init;  /* (state_len) encoder final state */
  double *work;
} model_ctx;

static void model_init(void *ctx, double *state) {
  const model_ctx *m = ctx;
  memcpy(state, m->init, s2s_beam_state_len(m->c) * sizeof *state);
}

static void model_step(void *ctx, int32_t word, double *state, double *logp) {
  const model_ctx *m = ctx;
  s2s_beam_decode_step(m->c, m->lay, m->p, word, state, logp, m->work);
}

int s2s_beam_search(const s2s_config *c, const s2s_param_layout *lay, const double *params,
                    const int32_t *src, int ns, const s2s_beam_opts *o, s2s_beam_result *r) {
  memset(r, 0, sizeof *r);
  if (ns == 0) { /* nothing to translate: the empty sentence (not the zero state's guess) */
    r->tokens = malloc(sizeof *r->tokens);
    r->eos = 1;
    return r->tokens ? 0 : -1;
  }
  double *init = malloc(s2s_beam_state_len(c) * sizeof *init);
  double *work = malloc(s2s_beam_work_len(c) * sizeof *work);
  int rc = -1;
  if (init && work && s2s_beam_encode(c, lay, params, src, ns, init) == 0) {
    model_ctx m = {c, lay, params, init, work};
    s2s_beam_scorer sc = {&m, c->tgt_vocab, s2s_beam_state_len(c), model_init, model_step};
    rc = s2s_beam_search_run(&sc, o, s2s_beam_max_len(o, ns), r);
  }
  free(init), free(work);
  return rc;
}

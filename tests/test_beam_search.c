/* The CPU reference beam search (model/beam_search.c): its rules on hand-made
 * distributions (K=1 is greedy; <eos> leaves the beam; refill; early stop; max length;
 * ties; length normalisation), and its model scorer against the training reference
 * (teacher-forced probabilities equal reference.c's softmax). */
#include <math.h>

#include "model/beam_search.h"
#include "model/reference.h"
#include "test_util.h"

/* A table scorer over V = 4 words (<unk>, <eos>, a=2, b=3): the distribution depends on
 * the last input word only (row 0: after the start <eos>, row 1: after a, row 2: after b,
 * row 3: after <unk>). State: the last input word. */
typedef struct table {
  double p[4][4];
} table;

static void table_init(void *ctx, double *state) { state[0] = -1; }

static void table_step(void *ctx, int32_t word, double *state, double *logp) {
  const table *t = ctx;
  const int row = word == S2S_TOKEN_EOS ? 0 : word == S2S_TOKEN_UNK ? 3 : word - 1;
  for (int w = 0; w < 4; w++) logp[w] = log(t->p[row][w]);
  state[0] = word;
}

static int run(const table *t, int K, int max_len, int norm, s2s_beam_result *r) {
  s2s_beam_scorer sc = {(void *)t, 4, 1, table_init, table_step};
  s2s_beam_opts o = {.beam = K, .max_len = max_len, .length_norm = norm};
  return s2s_beam_search_run(&sc, &o, max_len, r);
}

static int same_words(const s2s_beam_result *r, const int32_t *w, int n) {
  if (r->len != n) return 0;
  for (int i = 0; i < n; i++)
    if (r->tokens[i] != w[i]) return 0;
  return 1;
}

static void hand_cases(void) {
  /* greedy walks a a a ... (a .35 beats <eos> .3 after a); beam 2 finds "b" (.4 * .9) */
  table t1 = {{{.05, .05, .5, .4}, {.05, .3, .35, .3}, {.05, .9, .03, .02}, {.25, .25, .25, .25}}};
  s2s_beam_result r;
  static const int32_t aaaaa[] = {2, 2, 2, 2, 2}, b[] = {3}, a[] = {2};
  T_CHECK(run(&t1, 1, 5, 0, &r) == 0, "K=1");
  T_CHECK(same_words(&r, aaaaa, 5) && r.eos == 0, "K=1: want a a a a a cut at max len");
  T_CHECK(s2s_close(r.logprob, log(.5) + 4 * log(.35), 1e-12, 0), "K=1 logprob %g", r.logprob);
  T_CHECK(r.steps == 5 && r.finished == 1, "K=1 steps %d finished %d", r.steps, r.finished);
  s2s_beam_result_free(&r);

  /* K=2: step 1 ranks b<eos> .36 (finished), aa .175 (live), a<eos> .15 (finished: tie
   * with ab .15, <eos> has the lower id), ab .15 (live, refills the beam); .36 >= .175
   * stops the search after 2 steps */
  T_CHECK(run(&t1, 2, 5, 0, &r) == 0, "K=2");
  T_CHECK(same_words(&r, b, 1) && r.eos == 1, "K=2: want 'b' <eos> (len %d)", r.len);
  T_CHECK(s2s_close(r.logprob, log(.4) + log(.9), 1e-12, 0), "K=2 logprob %g", r.logprob);
  T_CHECK(r.steps == 2 && r.finished == 2, "K=2 steps %d finished %d", r.steps, r.finished);
  s2s_beam_result_free(&r);

  /* max length 1: the live hypotheses of step 0 finish as they are, best first */
  T_CHECK(run(&t1, 2, 1, 0, &r) == 0, "max_len 1");
  T_CHECK(same_words(&r, a, 1) && r.eos == 0 && r.steps == 1, "max_len 1: want 'a' cut");
  T_CHECK(r.finished == 2, "max_len 1: both live hypotheses finish (%d)", r.finished);
  s2s_beam_result_free(&r);

  /* length normalisation: <eos> at once (.5) wins on total log p; "a <eos>" (.45 * .9)
   * wins per token (-0.452 vs -0.693) */
  table t2 = {{{.01, .5, .45, .04}, {.01, .9, .05, .04}, {.01, .9, .05, .04}, {.25, .25, .25, .25}}};
  T_CHECK(run(&t2, 2, 3, 0, &r) == 0, "norm off");
  T_CHECK(r.len == 0 && r.eos == 1 && r.steps == 1, "norm off: want the empty output");
  T_CHECK(s2s_close(r.score, log(.5), 1e-12, 0), "norm off score %g", r.score);
  s2s_beam_result_free(&r);
  T_CHECK(run(&t2, 2, 3, 1, &r) == 0, "norm on");
  T_CHECK(same_words(&r, a, 1) && r.eos == 1, "norm on: want 'a' (len %d)", r.len);
  T_CHECK(s2s_close(r.score, (log(.45) + log(.9)) / 2, 1e-12, 0), "norm on score %g", r.score);
  s2s_beam_result_free(&r);

  /* ties: uniform words. K=1 keeps <unk> (lowest id) to the end; K=2 finishes <eos> and
   * stops at once, since a finished score equal to the best live one wins */
  table t3 = {{{.25, .25, .25, .25}, {.25, .25, .25, .25}, {.25, .25, .25, .25}, {.25, .25, .25, .25}}};
  static const int32_t unk3[] = {0, 0, 0};
  T_CHECK(run(&t3, 1, 3, 0, &r) == 0, "ties K=1");
  T_CHECK(same_words(&r, unk3, 3) && r.eos == 0, "ties K=1: want <unk> x3 (len %d)", r.len);
  s2s_beam_result_free(&r);
  T_CHECK(run(&t3, 2, 3, 0, &r) == 0, "ties K=2");
  T_CHECK(r.len == 0 && r.eos == 1 && r.steps == 1, "ties K=2: want <eos> at once");
  s2s_beam_result_free(&r);

  T_CHECK(run(&t1, 0, 3, 0, &r) == -1, "beam 0 is refused");
  T_CHECK(run(&t1, 1, 0, 0, &r) == -1, "max_len 0 is refused by the search itself");
}

static s2s_config model_config(void) {
  s2s_config c;
  s2s_config_preset(&c, "tiny");
  c.layers = 2, c.hidden = 7, c.embed = 6, c.src_vocab = 11, c.tgt_vocab = 13;
  c.batch = 1, c.max_len = 6;
  c.init_scale = 0.5f;
  return c;
}

/* Teacher forcing through s2s_beam_decode_step equals the training reference's softmax,
 * and K=1 equals a plain greedy loop over the same step. */
static void model_cases(void) {
  s2s_config c = model_config();
  s2s_param_layout lay;
  s2s_params_layout(&lay, &c);
  float *pf = malloc(lay.total * sizeof *pf);
  double *p = malloc(lay.total * sizeof *p);
  s2s_params_init(pf, &lay, &c, 7);
  s2s_reference_params_from_float(p, pf, lay.total);
  static const int32_t src[] = {3, 9, 4, 2, 10}, tgt[] = {5, 12, 7, 2};
  const int ns = 5, nt = 4, V = c.tgt_vocab;

  s2s_batch b;
  s2s_reference ref;
  s2s_batch_alloc(&b, 1, 6, 7);
  b.B = 1, b.T_src = ns, b.T_tgt = nt + 1;
  s2s_batch_clear(&b);
  s2s_batch_set(&b, 0, src, ns, tgt, nt);
  T_CHECK(s2s_reference_init(&ref, &c, 6, 7) == 0, "reference init");
  s2s_reference_forward_backward(&ref, &c, &lay, p, &b, NULL);

  double *state = malloc(s2s_beam_state_len(&c) * sizeof *state);
  double *work = malloc(s2s_beam_work_len(&c) * sizeof *work);
  double *logp = malloc((size_t)V * sizeof *logp);
  T_CHECK(s2s_beam_encode(&c, &lay, p, src, ns, state) == 0, "encode");
  for (int t = 0; t <= nt; t++) {
    s2s_beam_decode_step(&c, &lay, p, t == 0 ? S2S_TOKEN_EOS : tgt[t - 1], state, logp, work);
    double pr[64];
    for (int v = 0; v < V; v++) pr[v] = exp(logp[v]);
    char what[32];
    snprintf(what, sizeof what, "p(step %d)", t);
    /* both in double along the same path: 1e-12 */
    s2s_check_close_arrays(what, pr, ref.probs + (size_t)t * V, (size_t)V, 1e-12, 1e-14);
  }

  /* greedy: argmax (ties to the lower id) until <eos> or 2*ns+10 words */
  s2s_beam_encode(&c, &lay, p, src, ns, state);
  int32_t greedy[64];
  int n = 0, in = S2S_TOKEN_EOS;
  double lp = 0;
  for (int t = 0; t < 2 * ns + 10; t++) {
    s2s_beam_decode_step(&c, &lay, p, in, state, logp, work);
    int w = 0;
    for (int v = 1; v < V; v++) w = logp[v] > logp[w] ? v : w;
    lp += logp[w];
    if (w == S2S_TOKEN_EOS) break;
    greedy[n++] = in = w;
  }
  s2s_beam_opts o = {.beam = 1};
  s2s_beam_result r;
  T_CHECK(s2s_beam_search(&c, &lay, p, src, ns, &o, &r) == 0, "beam 1 on the model");
  T_CHECK(same_words(&r, greedy, n), "K=1 differs from greedy (len %d vs %d)", r.len, n);
  T_CHECK(s2s_close(r.logprob, lp, 1e-12, 1e-12), "K=1 logprob %.12g greedy %.12g", r.logprob, lp);
  s2s_beam_result_free(&r);
  /* an empty source has nothing to translate: the empty output, no decoder step */
  o.beam = 3;
  T_CHECK(s2s_beam_search(&c, &lay, p, src, 0, &o, &r) == 0 && r.len == 0 && r.eos == 1 &&
              r.steps == 0,
          "empty source: len %d eos %d steps %d", r.len, r.eos, r.steps);
  s2s_beam_result_free(&r);

  free(state), free(work), free(logp), free(pf), free(p);
  s2s_reference_free(&ref);
  s2s_batch_free(&b);
}

int main(void) {
  hand_cases();
  model_cases();
  return s2s_test_finish("test_beam_search");
}

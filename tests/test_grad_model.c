/* The whole CPU reference: every element of every parameter group of a tiny odd-sized
 * model (L=2, H=5, E=4, Vs=7, Vt=9, B=3, T_src=5, T_tgt=4, padded rows and an empty
 * source) against central differences; the loss at zero parameters; padding invariance
 * (a batch equals its sentences one by one); the optimiser (norm, clip, SGD) and the
 * reference training step on hand examples; and proof that the checker can fail. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "model/optimizer.h"
#include "model/reference.h"
#include "model/rng.h"
#include "test_util.h"

#define EPS 1e-5   /* central differences, double: error ~1e-11 for this O(1) loss */
#define RTOL 1e-6  /* observed: ~1e-10 absolute, ~1e-8 of each group's largest */
#define ATOL 1e-9

enum { B = 3, TS = 5, TT = 4 };

typedef struct model {
  s2s_config c;
  s2s_param_layout lay;
  s2s_reference ref;
  s2s_batch batch;
  double *p, *g; /* (total) parameters, gradient */
} model;

static void model_init(model *m) {
  s2s_config_preset(&m->c, "tiny");
  const char *kv[][2] = {{"layers", "2"}, {"hidden", "5"}, {"embed", "4"},   {"src-vocab", "7"},
                         {"tgt-vocab", "9"}, {"batch", "3"}, {"clip", "5"}};
  for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++) s2s_config_set(&m->c, kv[i][0], kv[i][1]);
  s2s_params_layout(&m->lay, &m->c);
  T_CHECK(s2s_reference_init(&m->ref, &m->c, TS, TT) == 0, "reference init");
  m->p = malloc(m->lay.total * sizeof *m->p);
  m->g = malloc(m->lay.total * sizeof *m->g);
  /* U(-0.8, 0.8): larger than the paper's 0.08 so that gradients reaching the encoder's
   * first layer are ~1e-2, far above the finite differences' ~1e-10 noise */
  for (size_t i = 0; i < m->lay.total; i++) m->p[i] = (2.0 * s2s_uniform_at(99, i) - 1.0) * 0.8;
  s2s_batch_alloc(&m->batch, B, TS, TT);
  s2s_batch_clear(&m->batch);
  const int32_t s0[] = {2, 3, 0, 5, 6}, t0[] = {2, 8, 4}; /* full; <unk> inside */
  const int32_t s1[] = {4, 2}, t1[] = {7};                /* padded on both sides */
  const int32_t t2[] = {3, 5};                            /* empty source */
  s2s_batch_set(&m->batch, 0, s0, 5, t0, 3);
  s2s_batch_set(&m->batch, 1, s1, 2, t1, 1);
  s2s_batch_set(&m->batch, 2, NULL, 0, t2, 2);
}

static void model_free(model *m) {
  s2s_reference_free(&m->ref);
  s2s_batch_free(&m->batch);
  free(m->p);
  free(m->g);
}

static double loss_of(model *m) {
  return s2s_reference_forward_backward(&m->ref, &m->c, &m->lay, m->p, &m->batch, NULL);
}

/* Mismatches of got against want, without recording a failure. */
static int count_bad(const double *got, const double *want, size_t n) {
  int bad = 0;
  for (size_t i = 0; i < n; i++) bad += !s2s_close(got[i], want[i], RTOL, ATOL);
  return bad;
}

static void test_gradcheck(model *m) {
  double loss = s2s_reference_forward_backward(&m->ref, &m->c, &m->lay, m->p, &m->batch, m->g);
  T_CHECK(isfinite(loss) && loss > 0, "loss %g", loss);
  T_CHECK(loss_of(m) == loss, "forward-only loss equals forward+backward loss");
  double *num = malloc(m->lay.total * sizeof *num);
  for (size_t i = 0; i < m->lay.total; i++) {
    double keep = m->p[i];
    m->p[i] = keep + EPS;
    double fp = loss_of(m);
    m->p[i] = keep - EPS;
    double fm = loss_of(m);
    m->p[i] = keep;
    num[i] = (fp - fm) / (2 * EPS);
  }
  s2s_param_group grp[64];
  int ng = s2s_params_groups(&m->lay, &m->c, grp, 64);
  T_CHECK(ng == 4 + 6 * 2, "%d groups", ng);
  for (int k = 0; k < ng; k++) {
    const double *a = m->g + grp[k].offset, *nu = num + grp[k].offset;
    double big = 0, err = 0;
    for (size_t i = 0; i < grp[k].count; i++) {
      big = fmax(big, fabs(nu[i]));
      err = fmax(err, fabs(a[i] - nu[i]));
    }
    printf("  %-10s %4zu values, max |grad| %.3g, max |analytic - numeric| %.2g (%.1g of max)\n",
           grp[k].name, grp[k].count, big, err, err / big);
    s2s_check_close_arrays(grp[k].name, a, nu, grp[k].count, RTOL, ATOL);
    T_CHECK(big > 1e-4, "%s: gradient is not trivially zero (max %g)", grp[k].name, big);
  }

  /* The checker can fail: one gradient element off by 1e-4 relative is flagged, and so
   * is a zero gradient. Computed inline; only a wrong verdict counts as a failure. */
  size_t at = m->lay.dec[1].w_hh + 7;
  double keep = m->g[at];
  T_CHECK(count_bad(m->g, num, m->lay.total) == 0, "clean gradient passes");
  m->g[at] = keep * (1 + 1e-4) + 1e-8;
  T_CHECK(count_bad(m->g, num, m->lay.total) == 1, "perturbed element is flagged");
  m->g[at] = keep;
  double *zero = calloc(m->lay.total, sizeof *zero);
  T_CHECK(count_bad(zero, num, m->lay.total) > (int)m->lay.total / 2, "zero gradient flagged");
  free(zero);
  free(num);
}

/* Zero parameters: every logit is 0, so each predicted token costs log(Vt). */
static void test_zero_params(model *m) {
  double *z = calloc(m->lay.total, sizeof *z);
  double loss = s2s_reference_forward_backward(&m->ref, &m->c, &m->lay, z, &m->batch, NULL);
  const int tokens = (3 + 1) + (1 + 1) + (2 + 1);
  T_CHECK(s2s_close(loss, tokens * log(9.0) / B, 1e-14, 0), "zero params: loss %.17g want %.17g",
          loss, tokens * log(9.0) / B);
  free(z);
}

/* B * batch loss = sum of each sentence's loss alone (B = 1, its own lengths); the same for
 * gradients. Catches padding that leaks into the state and misplaced reversal. */
static void test_padding_invariance(model *m) {
  double loss = s2s_reference_forward_backward(&m->ref, &m->c, &m->lay, m->p, &m->batch, m->g);
  const size_t n = m->lay.total;
  double *sum = calloc(n, sizeof *sum), *g1 = malloc(n * sizeof *g1);
  const int32_t s0[] = {2, 3, 0, 5, 6}, t0[] = {2, 8, 4}, s1[] = {4, 2}, t1[] = {7}, t2[] = {3, 5};
  const int32_t *ss[B] = {s0, s1, NULL}, *ts[B] = {t0, t1, t2};
  const int ns[B] = {5, 2, 0}, nt[B] = {3, 1, 2};
  double total = 0;
  for (int i = 0; i < B; i++) {
    s2s_batch one;
    s2s_batch_alloc(&one, 1, ns[i] > 0 ? ns[i] : 1, nt[i] + 1);
    s2s_batch_clear(&one);
    s2s_batch_set(&one, 0, ss[i], ns[i], ts[i], nt[i]);
    total += s2s_reference_forward_backward(&m->ref, &m->c, &m->lay, m->p, &one, g1);
    for (size_t k = 0; k < n; k++) sum[k] += g1[k];
    s2s_batch_free(&one);
  }
  /* same arithmetic in another order: rounding only */
  T_CHECK(s2s_close(B * loss, total, 1e-13, 0), "batch %.17g vs sentences %.17g", B * loss, total);
  for (size_t k = 0; k < n; k++) m->g[k] *= B;
  s2s_check_close_arrays("padding invariance grads", m->g, sum, n, 1e-11, 1e-14);
  free(sum);
  free(g1);

  s2s_batch big;
  s2s_batch_alloc(&big, B, TS + 1, TT);
  T_CHECK(isnan(s2s_reference_forward_backward(&m->ref, &m->c, &m->lay, m->p, &big, NULL)),
          "a batch longer than the reference's capacity is refused");
  s2s_batch_free(&big);
}

static void test_optimizer(void) {
  const double g[4] = {3, 0, -4, 0};
  const float gf[4] = {3, 0, -4, 0};
  T_CHECK(s2s_grad_norm(g, 4) == 5.0, "norm 3-4-5");
  T_CHECK(s2s_grad_norm_f(gf, 4) == 5.0, "float norm 3-4-5");
  T_CHECK(s2s_clip_factor(10.0, 5.0) == 0.5, "clip 10 -> 5");
  T_CHECK(s2s_clip_factor(5.0, 5.0) == 1.0, "norm == clip is not scaled");
  T_CHECK(s2s_clip_factor(4.0, 5.0) == 1.0, "below clip");
  T_CHECK(s2s_clip_factor(0.0, 5.0) == 1.0, "zero gradient");
  double p[3] = {1, 2, 3};
  const double dg[3] = {0.5, -1, 2};
  s2s_sgd_update(p, dg, 3, 0.7, 0.5); /* step 0.35 */
  const double want[3] = {1 - 0.35 * 0.5, 2 + 0.35, 3 - 0.35 * 2};
  s2s_check_close_arrays("sgd", p, want, 3, 1e-15, 0); /* one rounding each */
  float pf[3] = {1, 2, 3};
  const float dgf[3] = {0.5f, -1, 2};
  s2s_sgd_update_f(pf, dgf, 3, 0.7, 0.5);
  T_CHECK(pf[0] == (float)want[0] && pf[1] == (float)want[1] && pf[2] == (float)want[2],
          "float sgd");
}

/* The reference step = forward_backward, then p -= lr * min(1, clip/norm) * g. */
static void test_step(model *m) {
  const size_t n = m->lay.total;
  double *p0 = malloc(n * sizeof *p0), *g0 = malloc(n * sizeof *g0), *want = malloc(n * sizeof *want);
  memcpy(p0, m->p, n * sizeof *p0);
  double loss = s2s_reference_forward_backward(&m->ref, &m->c, &m->lay, m->p, &m->batch, g0);
  double norm = s2s_grad_norm(g0, n);
  for (int clipped = 0; clipped < 2; clipped++) {
    m->c.clip = clipped ? (float)(norm / 4) : 5.0f;
    T_CHECK(clipped ? norm > m->c.clip : norm < m->c.clip, "norm %g vs clip %g", norm, m->c.clip);
    double scale = clipped ? (double)m->c.clip / norm : 1.0;
    memcpy(m->p, p0, n * sizeof *p0);
    s2s_step_stats st;
    T_CHECK(s2s_reference_step(&m->ref, &m->c, &m->lay, m->p, m->g, &m->batch, 0.7, &st) == 0,
            "step");
    T_CHECK(st.loss == loss && st.norm == norm && st.lr == 0.7 && st.tokens == 9,
            "stats %g %g %g %d", st.loss, st.norm, st.lr, st.tokens);
    T_CHECK(s2s_close(st.scale, scale, 1e-15, 0), "scale %g want %g", st.scale, scale);
    for (size_t i = 0; i < n; i++) want[i] = p0[i] - 0.7 * scale * g0[i];
    s2s_check_close_arrays(clipped ? "clipped step" : "step", m->p, want, n, 1e-15, 1e-17);
    s2s_check_close_arrays("step gradient", m->g, g0, n, 0, 0); /* unclipped, as computed */
  }
  /* a step downhill lowers the loss (small lr, so first order dominates) */
  memcpy(m->p, p0, n * sizeof *p0);
  s2s_reference_step(&m->ref, &m->c, &m->lay, m->p, m->g, &m->batch, 0.05, NULL);
  T_CHECK(loss_of(m) < loss, "loss fell: %g -> %g", loss, loss_of(m));
  memcpy(m->p, p0, n * sizeof *p0);
  free(p0);
  free(g0);
  free(want);
}

int main(void) {
  model m;
  model_init(&m);
  test_gradcheck(&m);
  test_zero_params(&m);
  test_padding_invariance(&m);
  test_optimizer();
  test_step(&m);
  model_free(&m);
  return s2s_test_finish("test_grad_model");
}

/* Finite-difference checks of each layer of the CPU reference on its own, in double:
 * dense product, embedding (scatter-add with repeated ids), LSTM cell (gates, c_prev,
 * h_prev, with a masked row), LSTM over time (dX, weights, initial state, padded rows)
 * and softmax + cross-entropy (logits, masked row, stability). Each check compares the
 * analytic gradient of a scalar loss sum(out * R) to central differences. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "model/embedding.h"
#include "model/lstm.h"
#include "model/lstm_cell.h"
#include "model/rng.h"
#include "model/softmax_xent.h"
#include "test_util.h"

/* Central differences: eps 1e-5 gives truncation ~1e-11 and rounding ~1e-11 for O(1)
 * losses, so analytic gradients agree to ~1e-9 absolute, ~1e-7 relative or better. */
#define EPS 1e-5
#define RTOL 1e-6
#define ATOL 1e-9

static s2s_rng rng;

static void fill(double *x, size_t n, double a) {
  for (size_t i = 0; i < n; i++) x[i] = (2.0 * s2s_rng_uniform(&rng) - 1.0) * a;
}
static double dot(const double *a, const double *b, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}

/* A loss: a function of the current contents of the file-level buffers it reads. */
typedef double (*loss_fn)(void);

/* d loss / d x[i] for i < n by central differences (x is restored). */
static void numeric_grad(loss_fn f, double *x, size_t n, double *out) {
  for (size_t i = 0; i < n; i++) {
    double keep = x[i];
    x[i] = keep + EPS;
    double fp = f();
    x[i] = keep - EPS;
    double fm = f();
    x[i] = keep;
    out[i] = (fp - fm) / (2 * EPS);
  }
}

static void check_grad(const char *what, loss_fn f, double *x, size_t n,
                       const double *analytic) {
  double *num = malloc(n * sizeof *num);
  if (!num) {
    T_CHECK(num != NULL, "out of memory");
    return;
  }
  numeric_grad(f, x, n, num);
  s2s_check_close_arrays(what, analytic, num, n, RTOL, ATOL);
  double nz = 0, err = 0;
  for (size_t i = 0; i < n; i++) {
    nz = fmax(nz, fabs(num[i]));
    err = fmax(err, fabs(analytic[i] - num[i]));
  }
  printf("  %-18s %4zu values, max |grad| %.3g, max |analytic - numeric| %.2g\n", what, n, nz,
         err);
  T_CHECK(nz > 1e-4, "%s: gradient is not trivially zero (max %g)", what, nz);
  free(num);
}

/* ---- dense layer: y = x W^T + b ------------------------------------------------------ */
enum { LN = 3, LIN = 4, LOUT = 5 };
static double lx[LN * LIN], lw[LOUT * LIN], lb[LOUT], lr_[LN * LOUT];
static double linear_loss(void) {
  double y[LN * LOUT];
  s2s_linear_forward(LN, LIN, LOUT, lx, lw, lb, 0, y);
  return dot(y, lr_, LN * LOUT);
}
static void test_linear(void) {
  fill(lx, LN * LIN, 1), fill(lw, LOUT * LIN, 1), fill(lb, LOUT, 1), fill(lr_, LN * LOUT, 1);
  double dx[LN * LIN] = {0}, dw[LOUT * LIN] = {0}, db[LOUT] = {0};
  s2s_linear_backward(LN, LIN, LOUT, lx, lw, lr_, dx, dw, db);
  check_grad("linear dx", linear_loss, lx, LN * LIN, dx);
  check_grad("linear dw", linear_loss, lw, LOUT * LIN, dw);
  check_grad("linear db", linear_loss, lb, LOUT, db);
  /* accumulate = 1 adds to y */
  double y0[LN * LOUT], y1[LN * LOUT];
  s2s_linear_forward(LN, LIN, LOUT, lx, lw, NULL, 0, y0);
  for (int i = 0; i < LN * LOUT; i++) y1[i] = 1.0;
  s2s_linear_forward(LN, LIN, LOUT, lx, lw, NULL, 1, y1);
  for (int i = 0; i < LN * LOUT; i++) y0[i] += 1.0;
  s2s_check_close_arrays("linear accumulate", y1, y0, LN * LOUT, 1e-15, 0); /* same sums */
}

/* ---- embedding ----------------------------------------------------------------------- */
enum { EN = 6, EE = 3, EV = 5 };
static const int32_t eids[EN] = {4, 0, 2, 4, 4, 1}; /* row 4 three times, row 3 never */
static double etable[EV * EE], er[EN * EE];
static double embedding_loss(void) {
  double out[EN * EE];
  s2s_embedding_forward(EN, EE, etable, eids, out);
  return dot(out, er, EN * EE);
}
static void test_embedding(void) {
  fill(etable, EV * EE, 1), fill(er, EN * EE, 1);
  double out[EN * EE];
  s2s_embedding_forward(EN, EE, etable, eids, out);
  for (int n = 0; n < EN; n++)
    T_CHECK(!memcmp(out + n * EE, etable + eids[n] * EE, EE * sizeof(double)), "row %d", n);
  double dt[EV * EE] = {0};
  s2s_embedding_backward(EN, EE, eids, er, dt);
  check_grad("embedding dtable", embedding_loss, etable, EV * EE, dt);
  /* accumulates: a second call doubles it (exact: each sum is doubled) */
  double dt2[EV * EE];
  memcpy(dt2, dt, sizeof dt);
  s2s_embedding_backward(EN, EE, eids, er, dt2);
  for (int i = 0; i < EV * EE; i++) T_CHECK(dt2[i] == 2 * dt[i], "accumulate %d", i);
}

/* ---- LSTM cell ----------------------------------------------------------------------- */
enum { CB = 4, CH = 3 };
static double cg[CB * 4 * CH], ccp[CB * CH], chp[CB * CH], crh[CB * CH], crc[CB * CH];
static const double cmask[CB] = {1, 1, 0, 1}; /* row 2 carries its state */
static double cell_loss(void) {
  double act[CB * 4 * CH], c[CB * CH], h[CB * CH];
  s2s_lstm_cell_forward(CB, CH, cg, ccp, chp, cmask, act, c, h);
  return dot(h, crh, CB * CH) + dot(c, crc, CB * CH);
}
static void test_cell(void) {
  fill(cg, CB * 4 * CH, 2), fill(ccp, CB * CH, 1), fill(chp, CB * CH, 1);
  fill(crh, CB * CH, 1), fill(crc, CB * CH, 1);
  double act[CB * 4 * CH], c[CB * CH], h[CB * CH];
  s2s_lstm_cell_forward(CB, CH, cg, ccp, chp, cmask, act, c, h);
  /* by hand, row 0 unit 1 */
  double i = 1 / (1 + exp(-cg[1])), f = 1 / (1 + exp(-cg[CH + 1]));
  double g = tanh(cg[2 * CH + 1]), o = 1 / (1 + exp(-cg[3 * CH + 1]));
  double c01 = f * ccp[1] + i * g;
  T_CHECK(s2s_close(c[1], c01, 1e-15, 0), "c by hand %g %g", c[1], c01); /* same formula */
  T_CHECK(s2s_close(h[1], o * tanh(c01), 1e-15, 0), "h by hand");
  T_CHECK(!memcmp(c + 2 * CH, ccp + 2 * CH, CH * sizeof(double)) &&
              !memcmp(h + 2 * CH, chp + 2 * CH, CH * sizeof(double)),
          "masked row carries (h, c)");

  double dc[CB * CH], dz[CB * 4 * CH], dhp[CB * CH];
  memcpy(dc, crc, sizeof dc);
  s2s_lstm_cell_backward(CB, CH, act, ccp, c, cmask, crh, dc, dz, dhp);
  check_grad("cell dgates", cell_loss, cg, CB * 4 * CH, dz);
  check_grad("cell dc_prev", cell_loss, ccp, CB * CH, dc);
  check_grad("cell dh_prev", cell_loss, chp, CB * CH, dhp);
  for (int k = 0; k < 4 * CH; k++) T_CHECK(dz[2 * 4 * CH + k] == 0.0, "masked dgates %d", k);

  /* mask NULL is all ones */
  const double ones[CB] = {1, 1, 1, 1};
  double act2[CB * 4 * CH], c2[CB * CH], h2[CB * CH], act3[CB * 4 * CH], c3[CB * CH], h3[CB * CH];
  s2s_lstm_cell_forward(CB, CH, cg, ccp, chp, NULL, act2, c2, h2);
  s2s_lstm_cell_forward(CB, CH, cg, ccp, chp, ones, act3, c3, h3);
  T_CHECK(!memcmp(h2, h3, sizeof h2) && !memcmp(c2, c3, sizeof c2), "NULL mask");
}

/* ---- LSTM over time ------------------------------------------------------------------ */
enum { TT = 5, TB = 3, TIN = 4, TH = 3 };
static double tx[TT * TB * TIN], twih[4 * TH * TIN], twhh[4 * TH * TH], tbias[4 * TH];
static double th0[TB * TH], tc0[TB * TH], trseq[TT * TB * TH], trh[TB * TH], trc[TB * TH];
static const double tmask[TT * TB] = {
    /* row 0 full, row 1 left-padded (encoder), row 2 right-padded (decoder) */
    1, 0, 1, /* t = 0 */
    1, 0, 1, /* t = 1 */
    1, 1, 0, /* t = 2 */
    1, 1, 0, /* t = 3 */
    1, 1, 0, /* t = 4 */
};
static double tact[TT * TB * 4 * TH], tc[TT * TB * TH], th[TT * TB * TH];
static double lstm_loss(void) {
  s2s_lstm_forward(TT, TB, TIN, TH, tx, tmask, th0, tc0, twih, twhh, tbias, tact, tc, th);
  const double *hl = th + (TT - 1) * TB * TH, *cl = tc + (TT - 1) * TB * TH;
  return dot(th, trseq, TT * TB * TH) + dot(hl, trh, TB * TH) + dot(cl, trc, TB * TH);
}
static void test_lstm(void) {
  fill(tx, TT * TB * TIN, 1), fill(twih, 4 * TH * TIN, 0.7), fill(twhh, 4 * TH * TH, 0.7);
  fill(tbias, 4 * TH, 0.5), fill(th0, TB * TH, 0.8), fill(tc0, TB * TH, 1);
  fill(trseq, TT * TB * TH, 1), fill(trh, TB * TH, 1), fill(trc, TB * TH, 1);
  lstm_loss();
  double dx[TT * TB * TIN], dwih[4 * TH * TIN] = {0}, dwhh[4 * TH * TH] = {0}, db[4 * TH] = {0};
  double dh0[TB * TH], dc0[TB * TH];
  double *work = malloc(s2s_lstm_work_size(TB, TH) * sizeof *work);
  s2s_lstm_backward(TT, TB, TIN, TH, tx, tmask, th0, tc0, twih, twhh, tact, tc, th, trseq, trh, trc,
                    dx, dwih, dwhh, db, dh0, dc0, work);
  check_grad("lstm dx", lstm_loss, tx, TT * TB * TIN, dx);
  check_grad("lstm dw_ih", lstm_loss, twih, 4 * TH * TIN, dwih);
  check_grad("lstm dw_hh", lstm_loss, twhh, 4 * TH * TH, dwhh);
  check_grad("lstm dbias", lstm_loss, tbias, 4 * TH, db);
  check_grad("lstm dh0", lstm_loss, th0, TB * TH, dh0);
  check_grad("lstm dc0", lstm_loss, tc0, TB * TH, dc0);
  /* padded steps get no input gradient */
  for (int k = 0; k < TIN; k++)
    T_CHECK(dx[(0 * TB + 1) * TIN + k] == 0 && dx[(4 * TB + 2) * TIN + k] == 0, "masked dx");

  /* NULL initial state = zeros, forward and backward */
  double act2[TT * TB * 4 * TH], c2[TT * TB * TH], h2[TT * TB * TH], z[TB * TH] = {0};
  s2s_lstm_forward(TT, TB, TIN, TH, tx, tmask, NULL, NULL, twih, twhh, tbias, act2, c2, h2);
  s2s_lstm_forward(TT, TB, TIN, TH, tx, tmask, z, z, twih, twhh, tbias, tact, tc, th);
  T_CHECK(!memcmp(h2, th, sizeof h2) && !memcmp(c2, tc, sizeof c2), "NULL h0/c0 forward");
  double a1[4 * TH * TH] = {0}, a2[4 * TH * TH] = {0}, e1[TB * TH], e2[TB * TH];
  s2s_lstm_backward(TT, TB, TIN, TH, tx, tmask, NULL, NULL, twih, twhh, act2, c2, h2, trseq, NULL,
                    NULL, NULL, dwih, a1, db, e1, NULL, work);
  s2s_lstm_backward(TT, TB, TIN, TH, tx, tmask, z, z, twih, twhh, tact, tc, th, trseq, NULL, NULL,
                    NULL, dwih, a2, db, e2, NULL, work);
  T_CHECK(!memcmp(a1, a2, sizeof a1) && !memcmp(e1, e2, sizeof e1), "NULL h0/c0 backward");
  free(work);
}

/* ---- softmax + cross-entropy --------------------------------------------------------- */
enum { SN = 5, SV = 7 };
static double sz[SN * SV];
static const int32_t stgt[SN] = {3, 0, 6, 3, 1};
static const double smask[SN] = {1, 1, 0, 1, 1};
static const double sscale = 1.0 / 3.0;
static double softmax_loss(void) {
  return s2s_softmax_xent_forward(SN, SV, sz, stgt, smask, sscale, NULL);
}
static void test_softmax(void) {
  fill(sz, SN * SV, 3);
  double p[SN * SV], d[SN * SV];
  double loss = s2s_softmax_xent_forward(SN, SV, sz, stgt, smask, sscale, p);
  double want = 0;
  for (int n = 0; n < SN; n++) {
    double s = 0, rs = 0;
    for (int v = 0; v < SV; v++) s += exp(sz[n * SV + v]), rs += p[n * SV + v];
    want += smask[n] * -log(exp(sz[n * SV + stgt[n]]) / s);
    T_CHECK(s2s_close(rs, 1.0, 0, 1e-14), "row %d sums to %.17g", n, rs); /* rounding only */
  }
  want *= sscale;
  T_CHECK(s2s_close(loss, want, 1e-13, 0), "loss %.17g naive %.17g", loss, want);
  s2s_softmax_xent_backward(SN, SV, p, stgt, smask, sscale, d);
  check_grad("softmax dlogits", softmax_loss, sz, SN * SV, d);
  for (int v = 0; v < SV; v++) T_CHECK(d[2 * SV + v] == 0, "masked row");

  /* in place (probs = logits, dlogits = probs) gives the same numbers */
  double q[SN * SV];
  memcpy(q, sz, sizeof q);
  double loss2 = s2s_softmax_xent_forward(SN, SV, q, stgt, smask, sscale, q);
  s2s_softmax_xent_backward(SN, SV, q, stgt, smask, sscale, q);
  T_CHECK(loss2 == loss && !memcmp(q, d, sizeof q), "in place");

  /* stable for huge logits: [1000, 1000, -1000] -> p = (.5, .5, 0), loss log 2 */
  const double big[3] = {1000, 1000, -1000};
  const int32_t t0 = 0;
  double pb[3];
  double lb = s2s_softmax_xent_forward(1, 3, big, &t0, NULL, 1.0, pb);
  T_CHECK(s2s_close(lb, log(2.0), 1e-15, 0), "huge logits loss %.17g", lb);
  T_CHECK(pb[0] == 0.5 && pb[2] == 0.0, "huge logits probs %g %g", pb[0], pb[2]);
  const int32_t t2 = 2;
  lb = s2s_softmax_xent_forward(1, 3, big, &t2, NULL, 1.0, NULL);
  T_CHECK(s2s_close(lb, 2000 + log(2.0), 1e-15, 0), "tiny probability, finite loss %.17g", lb);
}

int main(void) {
  s2s_rng_init(&rng, 2014);
  test_linear();
  test_embedding();
  test_cell();
  test_lstm();
  test_softmax();
  return s2s_test_finish("test_grad_layers");
}

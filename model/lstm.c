/* One LSTM layer over time in double: forward saves (act, c, h) per step, backward walks
 * the steps in reverse (BPTT). The oracle for the device layer: every product is a plain
 * triple loop so the arithmetic can be read off the page. */
#include "lstm.h"

#include <string.h>

#include "lstm_cell.h"

void s2s_linear_forward(int N, int In, int Out, const double *x, const double *w, const double *b,
                        int accumulate, double *y) {
  for (int n = 0; n < N; n++) {
    const double *xn = x + (size_t)n * In; /* (In) */
    double *yn = y + (size_t)n * Out;      /* (Out) */
    for (int o = 0; o < Out; o++) {
      const double *wo = w + (size_t)o * In; /* (In) */
      double s = b ? b[o] : 0.0;
      for (int k = 0; k < In; k++) s += xn[k] * wo[k];
      yn[o] = accumulate ? yn[o] + s : s;
    }
  }
}

void s2s_linear_backward(int N, int In, int Out, const double *x, const double *w, const double *dy,
                         double *dx, double *dw, double *db) {
  for (int n = 0; n < N; n++) {
    const double *xn = x + (size_t)n * In, *dyn = dy + (size_t)n * Out;
    double *dxn = dx ? dx + (size_t)n * In : NULL;
    for (int o = 0; o < Out; o++) {
      double g = dyn[o];
      if (g == 0.0) continue; /* masked steps and padding: nothing to add */
      const double *wo = w + (size_t)o * In;
      if (dxn)
        for (int k = 0; k < In; k++) dxn[k] += g * wo[k];
      if (dw) {
        double *dwo = dw + (size_t)o * In;
        for (int k = 0; k < In; k++) dwo[k] += g * xn[k];
      }
      if (db) db[o] += g;
    }
  }
}

void s2s_lstm_forward(int T, int B, int In, int H, const double *x, const double *mask,
                      const double *h0, const double *c0, const double *w_ih, const double *w_hh,
                      const double *bias, double *act, double *c, double *h) {
  const size_t BH = (size_t)B * H, BG = (size_t)B * 4 * H;
  for (int t = 0; t < T; t++) {
    const double *hp = t > 0 ? h + (t - 1) * BH : h0; /* (B, H) or NULL */
    const double *cp = t > 0 ? c + (t - 1) * BH : c0;
    double *z = act + t * BG; /* (B, 4H): pre-activations, then activated in place */
    s2s_linear_forward(B, In, 4 * H, x + (size_t)t * B * In, w_ih, bias, 0, z);
    if (hp) s2s_linear_forward(B, H, 4 * H, hp, w_hh, NULL, 1, z);
    /* The cell reads gates and writes act row by row, so in place is safe; it needs a
     * real previous state even at t = 0, which c[t] / h[t] provide once zeroed. */
    if (!hp) memset(h + t * BH, 0, BH * sizeof *h);
    if (!cp) memset(c + t * BH, 0, BH * sizeof *c);
    s2s_lstm_cell_forward(B, H, z, cp ? cp : c + t * BH, hp ? hp : h + t * BH,
                          mask ? mask + (size_t)t * B : NULL, z, c + t * BH, h + t * BH);
  }
}

size_t s2s_lstm_work_size(int B, int H) { return (size_t)10 * B * H; }

void s2s_lstm_backward(int T, int B, int In, int H, const double *x, const double *mask,
                       const double *h0, const double *c0, const double *w_ih, const double *w_hh,
                       const double *act, const double *c, const double *h, const double *dh_seq,
                       const double *dh_last, const double *dc_last, double *dx, double *dw_ih,
                       double *dw_hh, double *dbias, double *dh0, double *dc0, double *work) {
  const size_t BH = (size_t)B * H, BG = (size_t)B * 4 * H;
  double *dh = work;          /* (B, H) total dL/dh_t */
  double *dh_rec = dh + BH;   /* (B, H) dL/dh_t arriving from step t+1 */
  double *dc = dh_rec + BH;   /* (B, H) dL/dc_t, then dL/dc_{t-1} */
  double *dz = dc + BH;       /* (B, 4H) dL/d gates */
  double *dh_byp = dz + BG;   /* (B, H) masked rows' carried dh */
  double *zero = dh_byp + BH; /* (B, H) the zero initial state when h0 / c0 are NULL */
  memset(zero, 0, BH * sizeof *zero);
  if (dh_last) memcpy(dh_rec, dh_last, BH * sizeof *dh_rec);
  else memset(dh_rec, 0, BH * sizeof *dh_rec);
  if (dc_last) memcpy(dc, dc_last, BH * sizeof *dc);
  else memset(dc, 0, BH * sizeof *dc);

  for (int t = T - 1; t >= 0; t--) {
    const double *hp = t > 0 ? h + (t - 1) * BH : h0 ? h0 : zero; /* (B, H) */
    const double *cp = t > 0 ? c + (t - 1) * BH : c0 ? c0 : zero; /* (B, H) */
    const double *xt = x + (size_t)t * B * In;                    /* (B, In) */
    for (size_t k = 0; k < BH; k++) dh[k] = dh_rec[k] + (dh_seq ? dh_seq[t * BH + k] : 0.0);
    s2s_lstm_cell_backward(B, H, act + t * BG, cp, c + t * BH, mask ? mask + (size_t)t * B : NULL,
                           dh, dc, dz, dh_byp);
    if (dx) {
      double *dxt = dx + (size_t)t * B * In; /* (B, In) */
      memset(dxt, 0, (size_t)B * In * sizeof *dxt);
      s2s_linear_backward(B, In, 4 * H, xt, w_ih, dz, dxt, dw_ih, dbias);
    } else {
      s2s_linear_backward(B, In, 4 * H, xt, w_ih, dz, NULL, dw_ih, dbias);
    }
    memcpy(dh_rec, dh_byp, BH * sizeof *dh_rec);
    s2s_linear_backward(B, H, 4 * H, hp, w_hh, dz, dh_rec, dw_hh, NULL);
  }
  if (dh0) memcpy(dh0, dh_rec, BH * sizeof *dh0);
  if (dc0) memcpy(dc0, dc, BH * sizeof *dc0);
}

/* LSTM cell forward and backward in double (see lstm_cell.h for the conventions). The
 * backward recomputes tanh(c) from the saved c instead of saving it: the device kernels
 * do the same, so both sides keep (act, c) per step and nothing else. */
#include "lstm_cell.h"

#include <math.h>
#include <stddef.h>

static double sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

void s2s_lstm_cell_forward(int B, int H, const double *gates, const double *c_prev,
                           const double *h_prev, const double *mask, double *act, double *c,
                           double *h) {
  for (int b = 0; b < B; b++) {
    const double *z = gates + (size_t)b * 4 * H; /* (4H) */
    double *a = act + (size_t)b * 4 * H;         /* (4H) */
    const double *cp = c_prev + (size_t)b * H, *hp = h_prev + (size_t)b * H; /* (H) */
    double *cb = c + (size_t)b * H, *hb = h + (size_t)b * H;                 /* (H) */
    int live = !mask || mask[b] != 0.0;
    for (int j = 0; j < H; j++) {
      double i = sigmoid(z[j]), f = sigmoid(z[H + j]);
      double g = tanh(z[2 * H + j]), o = sigmoid(z[3 * H + j]);
      a[j] = i, a[H + j] = f, a[2 * H + j] = g, a[3 * H + j] = o;
      if (live) {
        cb[j] = f * cp[j] + i * g;
        hb[j] = o * tanh(cb[j]);
      } else {
        cb[j] = cp[j];
        hb[j] = hp[j];
      }
    }
  }
}

void s2s_lstm_cell_backward(int B, int H, const double *act, const double *c_prev,
                            const double *c, const double *mask, const double *dh, double *dc,
                            double *dgates, double *dh_prev) {
  for (int b = 0; b < B; b++) {
    const double *a = act + (size_t)b * 4 * H;                               /* (4H) */
    const double *cp = c_prev + (size_t)b * H, *cb = c + (size_t)b * H;      /* (H) */
    const double *dhb = dh + (size_t)b * H;                                  /* (H) */
    double *dcb = dc + (size_t)b * H, *dhp = dh_prev + (size_t)b * H;        /* (H) */
    double *dz = dgates + (size_t)b * 4 * H;                                 /* (4H) */
    int live = !mask || mask[b] != 0.0;
    for (int j = 0; j < H; j++) {
      if (!live) {
        dz[j] = dz[H + j] = dz[2 * H + j] = dz[3 * H + j] = 0.0;
        dhp[j] = dhb[j]; /* h_t = h_{t-1}; dc passes through untouched */
        continue;
      }
      double i = a[j], f = a[H + j], g = a[2 * H + j], o = a[3 * H + j];
      double tc = tanh(cb[j]);
      double dct = dcb[j] + dhb[j] * o * (1.0 - tc * tc); /* total dL/dc_t */
      dz[j] = dct * g * i * (1.0 - i);
      dz[H + j] = dct * cp[j] * f * (1.0 - f);
      dz[2 * H + j] = dct * i * (1.0 - g * g);
      dz[3 * H + j] = dhb[j] * tc * o * (1.0 - o);
      dcb[j] = dct * f;
      dhp[j] = 0.0;
    }
  }
}

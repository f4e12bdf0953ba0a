/* Softmax + cross-entropy in double (see softmax_xent.h). One pass for the row maximum m,
 * one for s = sum exp(z - m); the loss is (m - z[t]) + log(s) rather than -log(p), so a
 * target with a tiny probability still gets a finite, exact loss; p = exp(z - m) / s. */
#include "softmax_xent.h"

#include <math.h>
#include <stddef.h>

double s2s_softmax_xent_forward(int N, int V, const double *logits, const int32_t *target,
                                const double *mask, double scale, double *probs) {
  double loss = 0.0;
  for (int n = 0; n < N; n++) {
    const double *z = logits + (size_t)n * V; /* (V) */
    double m = z[0];
    for (int v = 1; v < V; v++) m = z[v] > m ? z[v] : m;
    double s = 0.0;
    for (int v = 0; v < V; v++) s += exp(z[v] - m);
    double w = mask ? mask[n] : 1.0;
    /* -log p[t] = (m - z[t]) + log(s): no cancellation against a large m */
    if (w != 0.0) loss += w * ((m - z[target[n]]) + log(s));
    if (probs) {
      double *p = probs + (size_t)n * V; /* (V); may be z itself */
      for (int v = 0; v < V; v++) p[v] = exp(z[v] - m) / s;
    }
  }
  return scale * loss;
}

void s2s_softmax_xent_backward(int N, int V, const double *probs, const int32_t *target,
                               const double *mask, double scale, double *dlogits) {
  for (int n = 0; n < N; n++) {
    const double *p = probs + (size_t)n * V; /* (V) */
    double *d = dlogits + (size_t)n * V;     /* (V) */
    double w = scale * (mask ? mask[n] : 1.0);
    for (int v = 0; v < V; v++) d[v] = w * p[v];
    d[target[n]] -= w;
  }
}

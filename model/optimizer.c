/* Gradient norm, clipping factor and SGD update (see optimizer.h). Kept apart from the
 * reference forward/backward so the device path can reuse the exact host arithmetic. */
#include "optimizer.h"

#include <math.h>

double s2s_grad_norm(const double *g, size_t n) {
  double s = 0.0;
  for (size_t i = 0; i < n; i++) s += g[i] * g[i];
  return sqrt(s);
}

double s2s_grad_norm_f(const float *g, size_t n) {
  double s = 0.0;
  for (size_t i = 0; i < n; i++) s += (double)g[i] * (double)g[i];
  return sqrt(s);
}

double s2s_clip_factor(double norm, double clip) {
  return norm > clip ? clip / norm : 1.0;
}

void s2s_sgd_update(double *p, const double *g, size_t n, double lr, double scale) {
  const double step = lr * scale;
  for (size_t i = 0; i < n; i++) p[i] -= step * g[i];
}

void s2s_sgd_update_f(float *p, const float *g, size_t n, double lr, double scale) {
  const double step = lr * scale;
  for (size_t i = 0; i < n; i++) p[i] = (float)((double)p[i] - step * (double)g[i]);
}

/* The paper's optimiser, CPU reference: global gradient L2 norm over the whole block,
 * clipping to a norm bound, plain SGD (no momentum). The device path must follow the same
 * order: norm of the whole (already batch-averaged) gradient, then one scale factor,
 * then p -= (lr * scale) * g. */
#ifndef S2S_OPTIMIZER_H
#define S2S_OPTIMIZER_H

#include <stddef.h>

/* sqrt(sum g[i]^2), accumulated in double. */
double s2s_grad_norm(const double *g /* (n) */, size_t n);
/* The same over a float block (device gradients read back), accumulated in double. */
double s2s_grad_norm_f(const float *g /* (n) */, size_t n);

/* clip / norm if norm > clip, else 1 (paper: if s > 5, g = 5g/s); the norm equal to clip
 * is not scaled. A NaN norm gives 1 (its gradient holds a NaN, which then shows in the
 * parameters: callers that want to skip such a step test the norm first). */
double s2s_clip_factor(double norm, double clip);

/* p[i] -= step * g[i] with step = lr * scale computed once. */
void s2s_sgd_update(double *p /* (n) */, const double *g /* (n) */, size_t n, double lr,
                    double scale);
/* The float twin (host copy of device parameters): step in double, each p[i] rounded once. */
void s2s_sgd_update_f(float *p /* (n) */, const float *g /* (n) */, size_t n, double lr,
                      double scale);

#endif

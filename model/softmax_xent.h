/* Softmax over the target vocabulary and the cross-entropy loss, CPU reference in double:
 * the twin of the device softmax kernels (which may split V into column shards and
 * combine partial max / sum-exp; the result must equal this one). */
#ifndef S2S_SOFTMAX_XENT_H
#define S2S_SOFTMAX_XENT_H

#include <stdint.h>

/* Returns scale * sum_n mask[n] * -log p[n][target[n]], p = softmax(logits[n]), computed
 * around the row maximum m as (m - z[t]) + log(sum exp(z - m)), p = exp(z - m) / sum
 * (stable for any finite logits). probs gets p for
 * every row, masked or not; it may be NULL, or equal logits (in place). mask NULL = all 1.
 * Targets must be in [0, V) on every row, masked rows included (padding uses <unk> = 0). */
double s2s_softmax_xent_forward(int N, int V, const double *logits /* (N, V) */,
                                const int32_t *target /* (N) */,
                                const double *mask /* (N) or NULL */, double scale /* e.g. 1/B */,
                                double *probs /* (N, V) out or NULL */);

/* dlogits = scale * mask[n] * (p - onehot(target[n])). dlogits may equal probs. */
void s2s_softmax_xent_backward(int N, int V, const double *probs /* (N, V) */,
                               const int32_t *target /* (N) */,
                               const double *mask /* (N) or NULL */, double scale,
                               double *dlogits /* (N, V) out */);

#endif

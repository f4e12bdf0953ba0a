/* Embedding lookup, CPU reference in double: the twin of the device gather/scatter
 * kernels. Forward copies table rows; backward scatter-adds output gradients into the
 * rows they came from (ids may repeat, and each repeat adds). */
#ifndef S2S_EMBEDDING_H
#define S2S_EMBEDDING_H

#include <stdint.h>

/* out[n, :] = table[ids[n], :]. ids in [0, rows of table). */
void s2s_embedding_forward(int N, int E, const double *table /* (V, E) */,
                           const int32_t *ids /* (N) */, double *out /* (N, E) */);

/* dtable[ids[n], :] += dout[n, :] for every n, in order n = 0..N-1. */
void s2s_embedding_backward(int N, int E, const int32_t *ids /* (N) */,
                            const double *dout /* (N, E) */,
                            double *dtable /* (V, E) accumulated += */);

#endif

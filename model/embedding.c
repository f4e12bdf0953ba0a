/* Embedding gather and scatter-add in double (see embedding.h). Plain loops: this is the
 * oracle the device kernels are compared against, so it is written to be read. */
#include "embedding.h"

#include <string.h>

void s2s_embedding_forward(int N, int E, const double *table, const int32_t *ids, double *out) {
  for (int n = 0; n < N; n++)
    memcpy(out + (size_t)n * E, table + (size_t)ids[n] * E, (size_t)E * sizeof *out);
}

void s2s_embedding_backward(int N, int E, const int32_t *ids, const double *dout, double *dtable) {
  for (int n = 0; n < N; n++) {
    double *row = dtable + (size_t)ids[n] * E; /* (E) */
    const double *d = dout + (size_t)n * E;    /* (E) */
    for (int e = 0; e < E; e++) row[e] += d[e];
  }
}

/* Replay of recorded GEMM calls (see gemm_replay.h). */
#include "profile/gemm_replay.h"

#include <stdlib.h>

int s2s_gemm_replay(s2s_device *d, const s2s_gemm_recorder *r) {
  for (size_t i = 0; i < r->count; i++) {
    const s2s_gemm_call *c = &r->calls[i];
    if (s2s_gemm(d, c->ta, c->tb, c->m, c->n, c->k, c->alpha, c->a, c->lda, c->b, c->ldb,
                 c->beta, c->c, c->ldc, NULL) != 0)
      return -1;
  }
  return 0;
}

double s2s_gemm_recorded_flops(const s2s_gemm_recorder *r) {
  double f = 0;
  for (size_t i = 0; i < r->count; i++)
    f += s2s_gemm_flops(r->calls[i].m, r->calls[i].n, r->calls[i].k);
  return f;
}

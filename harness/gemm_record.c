/* GEMM call recording and replay (see gemm_record.h). */
#include "gemm_record.h"

#include <stdlib.h>

static _Thread_local s2s_gemm_recorder *current;

void s2s_gemm_record(s2s_gemm_recorder *r) { current = r; }

void s2s_gemm_note(const s2s_gemm_call *call) {
  s2s_gemm_recorder *r = current;
  if (!r) return;
  if (r->count == r->cap) {
    size_t cap = r->cap ? 2 * r->cap : 256;
    s2s_gemm_call *p = realloc(r->calls, cap * sizeof *p);
    if (!p) {
      r->failed = 1;
      return;
    }
    r->calls = p;
    r->cap = cap;
  }
  r->calls[r->count++] = *call;
}

void s2s_gemm_recorder_free(s2s_gemm_recorder *r) {
  free(r->calls);
  *r = (s2s_gemm_recorder){0};
}

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

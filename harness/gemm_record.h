/* Recording the GEMMs a piece of work issues (shapes and operands), so a benchmark can
 * replay exactly those products alone: the device's SGEMM rate at the step's own shapes is
 * the ceiling the step is measured against. Recording is per host thread. */
#ifndef S2S_GEMM_RECORD_H
#define S2S_GEMM_RECORD_H

#include "gemm.h"

typedef struct s2s_gemm_call {
  s2s_trans ta, tb;
  size_t m, n, k, lda, ldb, ldc;
  float alpha, beta;
  s2s_buf a, b, c;
} s2s_gemm_call;

typedef struct s2s_gemm_recorder {
  s2s_gemm_call *calls;
  size_t count, cap;
  int failed;  /* out of memory while recording */
} s2s_gemm_recorder;

/* Starts (r != NULL) or stops (r == NULL) recording on this thread. */
void s2s_gemm_record(s2s_gemm_recorder *r);
/* Called by s2s_gemm for every product. */
void s2s_gemm_note(const s2s_gemm_call *call);
void s2s_gemm_recorder_free(s2s_gemm_recorder *r);
/* Re-issues every recorded call on d (no event). Returns 0 or -1. */
int s2s_gemm_replay(s2s_device *d, const s2s_gemm_recorder *r);
/* Sum of 2mnk over the recorded calls. */
double s2s_gemm_recorded_flops(const s2s_gemm_recorder *r);

#endif

/* Replaying recorded GEMMs (blas/gemm.h) alone: the device's SGEMM rate at the
 * step's own shapes is the ceiling the step is measured against. */
#ifndef S2S_GEMM_REPLAY_H
#define S2S_GEMM_REPLAY_H

#include "blas/gemm.h"

/* Re-issues every recorded call on d (no event). Returns 0 or -1. */
int s2s_gemm_replay(s2s_device *d, const s2s_gemm_recorder *r);
/* Sum of 2mnk over the recorded calls. */
double s2s_gemm_recorded_flops(const s2s_gemm_recorder *r);

#endif

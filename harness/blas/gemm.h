/* The one door to CLBlast's SGEMM: row-major C = alpha op(A) op(B) + beta C on views
 * (buffer, offset). CLBlast takes no wait list, so every call is enqueued on the device's
 * in-order queue and ordered by it; callers that need an event pass a non-NULL *event.
 * Large products use a temp buffer kept per device (CLBlastSgemmWithTempBuffer) so no
 * call allocates. */
#ifndef S2S_GEMM_H
#define S2S_GEMM_H

#include "cl/buffer.h"

typedef enum { S2S_NO_TRANS = 0, S2S_TRANS = 1 } s2s_trans;

/* C (m, n) = alpha op(A) (m, k) op(B) (k, n) + beta C, row-major with leading dimensions.
 * Returns 0 or -1 (status reported). */
int s2s_gemm(s2s_device *d, s2s_trans ta, s2s_trans tb, size_t m, size_t n, size_t k,
             float alpha, s2s_buf a, size_t lda, s2s_buf b, size_t ldb, float beta,
             s2s_buf c, size_t ldc, cl_event *event);

/* B (n, m) = A^T for A (m, n), row-major, by CLBlast (omatcopy). Returns 0 or -1. */
int s2s_transpose(s2s_device *d, size_t m, size_t n, s2s_buf a, size_t lda, s2s_buf b,
                  size_t ldb);

/* Releases the per-device temp buffers (call before closing the device). */
void s2s_gemm_release(s2s_device *d);

/* Multiply-add count of one product, times 2 (the FLOP convention of results/FACTS.md). */
/* The longest part of the inner dimension k that one CLBlast call gets: s2s_gemm cuts a
 * k longer than twice S2S_GEMM_K_CHUNK_DEFAULT into equal parts of at most that (the
 * environment variable S2S_GEMM_K_CHUNK sets another; 0 never cuts) and accumulates them
 * with beta 1. Measured on a 2-core Xeon (AVX-512), one 1-CU sub-device, the softmax dL/dh
 * product 1344x256x16000 NN: PoCL 3.1 3.6 GFLOP/s whole, 13.3-14.5 in parts of 250-1500,
 * 9.1 in parts of 2000; Intel's CPU runtime 27.6 whole, 40.1 in parts of 1000. */
#define S2S_GEMM_K_CHUNK_DEFAULT 1024
size_t s2s_gemm_k_chunk(size_t k);

/* How s2s_gemm calls CLBlast. Column-major (the default): the row-major C = op(A) op(B) is,
 * in the same memory, the column-major C^T = op(B)^T op(A)^T, so CLBlast gets (n, m, k)
 * with the operands swapped. Its indirect Xgemm (GEMMK 0) wants C column-major: called
 * row-major, it transposes C into its temp buffer and back on every call, and A too. On
 * Intel's CPU runtime (2-core Xeon, the small step's tuned shapes) that took gates_x from
 * 113 to 146 GFLOP/s, gates_h 102 -> 138, softmax_fwd 122 -> 142, softmax_dh 100 -> 115
 * (softmax_dw 124 -> 116), and the step 4,571-4,776 -> 5,080-5,443 words/s; PoCL did not
 * move. S2S_GEMM_LAYOUT=row calls it row-major (as before), for comparison. The kernel
 * then sees n x m where it saw m x n: tune's tuners get the shapes swapped too. Returns 1
 * for row-major; s2s_gemm_set_row_major sets it (tests). */
int s2s_gemm_row_major(void);
void s2s_gemm_set_row_major(int row);

static inline double s2s_gemm_flops(size_t m, size_t n, size_t k) {
  return 2.0 * (double)m * (double)n * (double)k;
}

/* Recording: s2s_gemm notes every product into the recorder active on its host thread
 * (shapes and operands), so a benchmark can replay exactly those products alone
 * (profile/gemm_replay.h). */
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
/* Called by s2s_gemm for every product (a no-op when nothing records). */
void s2s_gemm_note(const s2s_gemm_call *call);
void s2s_gemm_recorder_free(s2s_gemm_recorder *r);
#endif

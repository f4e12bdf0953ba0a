/* s2s_gemm: row-major SGEMM through CLBlastSgemmWithTempBuffer. CLBlast's indirect GEMM
 * path needs a temp buffer (pad/transpose copies); without one it allocates and frees one
 * on every call, so each queue keeps its own here, grown on demand. Releasing a buffer
 * that queued GEMMs still use is safe: OpenCL frees it after they finish. A long inner
 * dimension is cut into parts accumulated with beta 1 (s2s_gemm_k_chunk, gemm.h). CLBlast
 * is called column-major on the same memory (s2s_gemm_row_major, gemm.h). */
#include "blas/gemm.h"
#include "cl/timeline.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blas/tuning.h"
#include "cl/status.h"

typedef struct temp_entry {
  cl_command_queue queue;
  cl_mem mem;
  size_t bytes;
  struct temp_entry *next;
} temp_entry;

static temp_entry *temps;
static pthread_mutex_t temps_lock = PTHREAD_MUTEX_INITIALIZER;

/* The temp buffer of d's queue with at least `bytes` bytes (NULL when bytes == 0). */
static int temp_for(s2s_device *d, size_t bytes, cl_mem *out) {
  *out = NULL;
  if (bytes == 0) return 0;
  pthread_mutex_lock(&temps_lock);
  temp_entry *e = temps;
  while (e && e->queue != d->queue)
    e = e->next;
  if (!e && (e = calloc(1, sizeof *e)) != NULL) {
    s2s_device_on_close(s2s_gemm_release);
    e->queue = d->queue;
    e->next = temps;
    temps = e;
  }
  int rc = e ? 0 : -1;
  if (e && e->bytes < bytes) {
    /* grow with headroom so a sweep of rising shapes does not reallocate every step */
    size_t want = bytes + bytes / 4;
    if (d->info.max_alloc && want > d->info.max_alloc) want = bytes;
    if (e->mem) clReleaseMemObject(e->mem);
    e->mem = NULL;
    e->bytes = 0;
    cl_int st;
    e->mem = clCreateBuffer(d->ctx, CL_MEM_READ_WRITE, want, NULL, &st);
    if (st != CL_SUCCESS) {
      fprintf(stderr, "s2sbench: GEMM temp buffer of %zu bytes on '%s':\n", want, d->info.name);
      s2s_report_cl(__FILE__, __LINE__, "clCreateBuffer", st);
      e->mem = NULL;
      rc = -1;
    } else {
      e->bytes = want;
    }
  }
  if (rc == 0) *out = e->mem;
  pthread_mutex_unlock(&temps_lock);
  return rc;
}

/* k == 0: C = beta C (row by row, since C may have ldc > n). */
static int scale_rows(s2s_device *d, size_t m, size_t n, float beta, s2s_buf c, size_t ldc) {
  if (beta == 1.0f) return 0;
  for (size_t i = 0; i < m; i++) {
    if (beta == 0.0f) { /* BLAS: beta 0 overwrites, even NaN */
      const float zero = 0.0f;
      S2S_CL_CHECK(clEnqueueFillBuffer(d->queue, c.mem, &zero, sizeof zero, (c.off + i * ldc) * 4,
                                       n * 4, 0, NULL, NULL));
    } else {
      S2S_CLBLAST_CHECK(CLBlastSscal(n, beta, c.mem, c.off + i * ldc, 1, &d->queue, NULL));
    }
  }
  return 0;
}

size_t s2s_gemm_k_chunk(size_t k) {
  static long chunk = -1; /* S2S_GEMM_K_CHUNK: the longest part (0: never cut) */
  if (chunk < 0) {
    const char *e = getenv("S2S_GEMM_K_CHUNK");
    chunk = e && *e ? strtol(e, NULL, 10) : S2S_GEMM_K_CHUNK_DEFAULT;
    if (chunk < 0) chunk = 0;
  }
  if (!chunk || k <= 2 * (size_t)chunk) return k ? k : 1;
  const size_t parts = (k + (size_t)chunk - 1) / (size_t)chunk;
  return (k + parts - 1) / parts; /* equal parts of at most chunk */
}

static int row_layout = -1; /* -1: not read from S2S_GEMM_LAYOUT yet */

int s2s_gemm_row_major(void) {
  if (row_layout < 0) {
    const char *e = getenv("S2S_GEMM_LAYOUT");
    row_layout = e && strcmp(e, "row") == 0;
  }
  return row_layout;
}

void s2s_gemm_set_row_major(int row) {
  row_layout = row != 0;
}

/* One CLBlast SGEMM with the queue's temp buffer. */
static int clblast_sgemm(s2s_device *d, s2s_trans ta, s2s_trans tb, size_t m, size_t n, size_t k,
                         float alpha, s2s_buf a, size_t lda, s2s_buf b, size_t ldb, float beta,
                         s2s_buf c, size_t ldc, cl_event *ev) {
  const CLBlastTranspose cta = ta == S2S_TRANS ? CLBlastTransposeYes : CLBlastTransposeNo;
  const CLBlastTranspose ctb = tb == S2S_TRANS ? CLBlastTransposeYes : CLBlastTransposeNo;
  /* column-major: the same memory as C^T = op(B)^T op(A)^T, so (n, m, k), B first (gemm.h) */
  const int row = s2s_gemm_row_major();
  const CLBlastLayout lay = row ? CLBlastLayoutRowMajor : CLBlastLayoutColMajor;
  const CLBlastTranspose t1 = row ? cta : ctb, t2 = row ? ctb : cta;
  const size_t d1 = row ? m : n, d2 = row ? n : m, l1 = row ? lda : ldb, l2 = row ? ldb : lda;
  const s2s_buf x = row ? a : b, y = row ? b : a;
  size_t bytes = 0;
  S2S_CLBLAST_CHECK(CLBlastSGemmTempBufferSize(lay, t1, t2, d1, d2, k, x.off, l1, y.off, l2, c.off,
                                               ldc, &d->queue, &bytes));
  cl_mem temp;
  S2S_TRY(temp_for(d, bytes, &temp));
  CLBlastStatusCode st =
      CLBlastSgemmWithTempBuffer(lay, t1, t2, d1, d2, k, alpha, x.mem, x.off, l1, y.mem, y.off, l2,
                                 beta, c.mem, c.off, ldc, &d->queue, ev, temp);
  if (st != CLBlastSuccess) {
    fprintf(stderr,
            "s2sbench: sgemm %c%c m=%zu n=%zu k=%zu lda=%zu ldb=%zu ldc=%zu offsets "
            "%zu/%zu/%zu on '%s'%s\n",
            ta == S2S_TRANS ? 'T' : 'N', tb == S2S_TRANS ? 'T' : 'N', m, n, k, lda, ldb, ldc, a.off,
            b.off, c.off, d->info.name,
            row ? "" : " (called column-major: CLBlast's A is this B, its B this A)");
    s2s_report_clblast(__FILE__, __LINE__, "CLBlastSgemmWithTempBuffer", st);
    return -1;
  }
  return 0;
}

int s2s_gemm(s2s_device *d, s2s_trans ta, s2s_trans tb, size_t m, size_t n, size_t k, float alpha,
             s2s_buf a, size_t lda, s2s_buf b, size_t ldb, float beta, s2s_buf c, size_t ldc,
             cl_event *event) {
  s2s_gemm_note(&(s2s_gemm_call){ta, tb, m, n, k, lda, ldb, ldc, alpha, beta, a, b, c});
  const long node = m && n && k
                        ? s2s_plan_add_gemm(d, ta == S2S_TRANS ? 'T' : 'N',
                                            tb == S2S_TRANS ? 'T' : 'N', (int)m, (int)n, (int)k)
                        : -1;
  if (d->dry) { /* a described device: the plan node is all there is */
    if (m && n && !k && beta != 1.0f) s2s_plan_add(d, S2S_OP_FILL, "gemm beta", m * n, -1, 0);
    if (event) *event = s2s_plan_fake_event(node);
    return 0;
  }
  if (m == 0 || n == 0 || k == 0) {
    if (m && n) S2S_TRY(scale_rows(d, m, n, beta, c, ldc));
    /* the caller may wait on the event: give it one that completes in queue order */
    if (event) S2S_CL_CHECK(clEnqueueMarkerWithWaitList(d->queue, 0, NULL, event));
    return 0;
  }
  /* the tuned setting of the class nearest to the whole product (its parts share it: the
   * selection timed each class through this function, parts and all) */
  S2S_TRY(s2s_tuning_select(d, ta == S2S_TRANS, tb == S2S_TRANS, m, n, k));
  const size_t chunk = s2s_gemm_k_chunk(k);
  const long tl = s2s_timeline_open_node(d->queue, "sgemm", node);
  cl_event ev = NULL;
  for (size_t k0 = 0; k0 < k; k0 += chunk) { /* one interval and one event: the last part's */
    const size_t kk = k - k0 < chunk ? k - k0 : chunk;
    const s2s_buf ak = s2s_buf_at(a, ta == S2S_TRANS ? k0 * lda : k0);
    const s2s_buf bk = s2s_buf_at(b, tb == S2S_TRANS ? k0 : k0 * ldb);
    const int last = k0 + kk == k;
    if (clblast_sgemm(d, ta, tb, m, n, kk, alpha, ak, lda, bk, ldb, k0 ? 1.0f : beta, c, ldc,
                      last && (event || tl >= 0) ? &ev : NULL) != 0) {
      s2s_timeline_close(tl, NULL);
      return -1;
    }
  }
  s2s_timeline_close(tl, ev);
  if (event)
    *event = ev, s2s_plan_bind(ev, node);
  else if (ev)
    clReleaseEvent(ev);
  return 0;
}

void s2s_gemm_release(s2s_device *d) {
  pthread_mutex_lock(&temps_lock);
  for (temp_entry **pp = &temps; *pp;) {
    temp_entry *e = *pp;
    if (e->queue == d->queue) {
      *pp = e->next;
      if (e->mem) clReleaseMemObject(e->mem);
      free(e);
    } else {
      pp = &e->next;
    }
  }
  pthread_mutex_unlock(&temps_lock);
}

int s2s_transpose(s2s_device *d, size_t m, size_t n, s2s_buf a, size_t lda, s2s_buf b, size_t ldb) {
  if (m == 0 || n == 0) return 0;
  const long node = s2s_plan_add(d, S2S_OP_BLAS, "omatcopy", m * n, -1, 0);
  if (d->dry) return 0;
  const long tl = s2s_timeline_open_node(d->queue, "omatcopy", node);
  cl_event ev = NULL;
  S2S_CLBLAST_CHECK(CLBlastSomatcopy(CLBlastLayoutRowMajor, CLBlastTransposeYes, m, n, 1.0f, a.mem,
                                     a.off, lda, b.mem, b.off, ldb, &d->queue,
                                     tl >= 0 ? &ev : NULL));
  s2s_timeline_close(tl, ev);
  if (ev) clReleaseEvent(ev);
  return 0;
}

static _Thread_local s2s_gemm_recorder *current;

void s2s_gemm_record(s2s_gemm_recorder *r) {
  current = r;
}

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

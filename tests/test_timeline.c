/* Timelines see every command: a CLBlast GEMM on its indirect path runs pad/transpose
 * kernels before its product and reports an event for the last kernel only, so the
 * timeline starts each call where the queue's previous command ended (or at the call, if
 * later). Structural check, independent of the device's
 * speed: GEMMs enqueued back to back on one in-order queue must tile the span (each
 * interval starts where the previous one ended), so the busy fraction is near 1 and the
 * gaps are a small share. Counting only the last kernel left gaps the size of the pad
 * kernels (busy 42-45 % in a whole training step on PoCL). */
#include "blas/gemm.h"
#include "cl/timeline.h"
#include "test_device_util.h"

int main(void) {
  int count = 0;
  s2s_device *d = s2s_test_device_open(NULL, &count);
  /* shapes CLBlast sends down its indirect path (temp buffer > 0), with a transposed B */
  const size_t m = 901, n = 903, k = 899, calls = 6;
  s2s_buf a, b, c;
  T_CHECK(s2s_buf_alloc(d, m * k, &a) == 0 && s2s_buf_alloc(d, n * k, &b) == 0 &&
              s2s_buf_alloc(d, m * n, &c) == 0, "buffers");
  T_CHECK(s2s_buf_fill(d, a, 0.5f, m * k) == 0 && s2s_buf_fill(d, b, 0.25f, n * k) == 0, "fill");
  /* warm-up: CLBlast compiles its kernels on the first call, outside the capture */
  T_CHECK(s2s_gemm(d, S2S_NO_TRANS, S2S_TRANS, m, n, k, 1.0f, a, k, b, k, 0.0f, c, n, NULL) == 0,
          "warm-up gemm");
  clFinish(d->queue);

  s2s_timeline tl;
  s2s_timeline_init(&tl, d, 1);
  s2s_timeline_capture(&tl);
  cl_event caller = NULL;
  for (size_t i = 0; i < calls; i++)
    T_CHECK(s2s_gemm(d, S2S_NO_TRANS, S2S_TRANS, m, n, k, 1.0f, a, k, b, k, 0.0f, c, n,
                     i == 2 ? &caller : NULL) == 0, "gemm %zu", i);
  s2s_timeline_capture(NULL);
  clFinish(d->queue);
  T_CHECK(s2s_timeline_finish(&tl, NULL) == 0, "finish");
  T_CHECK(tl.n == calls, "one interval per GEMM, also the one whose caller took the event "
          "(%zu of %zu)", tl.n, calls);
  T_CHECK(caller != NULL, "the caller still gets its event");
  if (caller) clReleaseEvent(caller);
  double gaps = 0, prev_end = 0;
  for (size_t i = 0; i < tl.n; i++) {
    const s2s_timeline_event *e = &tl.ev[i];
    T_CHECK(e->end_s > e->start_s, "interval %zu is empty", i);
    if (i) gaps += e->start_s > prev_end ? e->start_s - prev_end : 0;
    prev_end = e->end_s;
  }
  const double busy = tl.span > 0 ? tl.busy[0] / tl.span : 0;
  printf("%zu GEMMs: span %.4f s, busy %.1f %%, gaps %.4f s, sum %.4f s\n", tl.n, tl.span,
         100 * busy, gaps, s2s_timeline_sum(&tl, 0, "sgemm"));
  /* tolerance: back-to-back commands leave only the runtime's scheduling gaps */
  T_CHECK(busy >= 0.9, "busy fraction %.3f of the span (want >= 0.9)", busy);
  T_CHECK(gaps <= 0.1 * tl.span, "gaps %.4f s of a %.4f s span (want <= 10 %%)", gaps, tl.span);
  T_CHECK(fabs(s2s_timeline_sum(&tl, 0, "sgemm") - tl.busy[0]) <= 1e-3 * tl.span + 1e-6,
          "the GEMM intervals are the busy time");
  s2s_timeline_free(&tl);
  s2s_buf_free(&a), s2s_buf_free(&b), s2s_buf_free(&c);
  s2s_device_close(d, count);
  return s2s_test_finish("test_timeline");
}

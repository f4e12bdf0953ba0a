/* s2s_gemm against a double-precision C GEMM: odd shapes, all four transpose pairs,
 * alpha/beta, views at non-zero offsets into one shared buffer, leading dimensions wider
 * than the rows, canaries after every region and in the ld padding of C, beta = 0 over NaN,
 * k = 0, events, a shape large enough for CLBlast's temp-buffer path, an inner dimension
 * long enough to be cut into parts (s2s_gemm_k_chunk), and a bad ld; all of it with CLBlast
 * called column-major (the default) and row-major (S2S_GEMM_LAYOUT=row). */
#include <clblast_c.h>
#include <string.h>

#include "blas/gemm.h"
#include "test_device_util.h"

#define CANARY_N 4

static float canary(void) {
  unsigned u = S2S_CANARY;
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

static int is_canary(float f) {
  unsigned u;
  memcpy(&u, &f, sizeof u);
  return u == S2S_CANARY;
}

static unsigned long long rng_state = 0x9E3779B97F4A7C15ull;
static float urand(void) { /* U(-1, 1), xorshift64* */
  rng_state ^= rng_state >> 12, rng_state ^= rng_state << 25, rng_state ^= rng_state >> 27;
  return (float)((double)((rng_state * 2685821657736338717ull) >> 11) / 9007199254740992.0 * 2 - 1);
}

typedef struct {
  size_t m, n, k;
  int ta, tb;
  float alpha, beta;
  int c_nan;    /* C starts as NaN (only with beta == 0: BLAS says C is not read) */
  size_t every; /* check every `every`-th row of C (1 = all) */
} gemm_case;

/* One case: layout [pad][A][canary][B][canary][C][canary] in one buffer. */
static void run_case(s2s_device *d, const gemm_case *g) {
  const size_t m = g->m, n = g->n, k = g->k;
  const size_t ar = g->ta ? k : m, ac = g->ta ? m : k; /* A as stored: ar x ac */
  const size_t br = g->tb ? n : k, bc = g->tb ? k : n;
  const size_t lda = ac + 3, ldb = bc + 1, ldc = n + 2;
  const size_t a_off = 5, b_off = a_off + ar * lda + CANARY_N;
  const size_t c_off = b_off + br * ldb + CANARY_N, total = c_off + m * ldc + CANARY_N;
  float *host = malloc(total * sizeof *host), *back = malloc(total * sizeof *back);
  double *want = malloc(m * n * sizeof *want);
  if (!host || !back || !want) exit(1);
  for (size_t i = 0; i < total; i++)
    host[i] = canary();
  for (size_t i = 0; i < ar; i++)
    for (size_t j = 0; j < ac; j++)
      host[a_off + i * lda + j] = urand();
  for (size_t i = 0; i < br; i++)
    for (size_t j = 0; j < bc; j++)
      host[b_off + i * ldb + j] = urand();
  for (size_t i = 0; i < m; i++)
    for (size_t j = 0; j < n; j++)
      host[c_off + i * ldc + j] = g->c_nan ? NAN : urand();

  for (size_t i = 0; i < m; i += g->every) /* the oracle, in double */
    for (size_t j = 0; j < n; j++) {
      double s = 0;
      for (size_t p = 0; p < k; p++) {
        double a = host[a_off + (g->ta ? p * lda + i : i * lda + p)];
        double b = host[b_off + (g->tb ? j * ldb + p : p * ldb + j)];
        s += a * b;
      }
      double c = host[c_off + i * ldc + j];
      want[i * n + j] = g->alpha * s + (g->beta == 0.0f ? 0.0 : g->beta * c);
    }

  s2s_buf buf;
  if (s2s_buf_alloc(d, total, &buf) != 0 || s2s_buf_write(d, buf, host, total) != 0) exit(1);
  cl_event ev = NULL;
  int rc = s2s_gemm(d, g->ta ? S2S_TRANS : S2S_NO_TRANS, g->tb ? S2S_TRANS : S2S_NO_TRANS, m, n, k,
                    g->alpha, s2s_buf_at(buf, a_off), lda, s2s_buf_at(buf, b_off), ldb, g->beta,
                    s2s_buf_at(buf, c_off), ldc, &ev);
  T_CHECK(rc == 0, "s2s_gemm %zux%zux%zu %c%c", m, n, k, g->ta ? 'T' : 'N', g->tb ? 'T' : 'N');
  if (ev) {
    cl_int status = -1;
    T_CHECK(clWaitForEvents(1, &ev) == CL_SUCCESS, "wait for the GEMM event");
    clGetEventInfo(ev, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof status, &status, NULL);
    T_CHECK(status == CL_COMPLETE, "event complete (%d)", status);
    clReleaseEvent(ev);
  } else {
    T_CHECK(rc != 0, "an event was returned");
  }
  if (s2s_buf_read(d, buf, back, total) != 0) exit(1);
  s2s_buf_free(&buf);

  /* float accumulation over k terms of |a b| <= 1: error ~ k * 2^-24 in the worst case */
  const double rtol = 1e-5, atol = 1e-6 * (double)k;
  int bad = 0, touched = 0;
  for (size_t i = 0; i < m; i += g->every)
    for (size_t j = 0; j < n; j++) {
      double got = back[c_off + i * ldc + j];
      if (!s2s_close(got, want[i * n + j], rtol, atol) && bad++ < 5)
        fprintf(stderr, "  C[%zu,%zu] got %.9g want %.9g (rtol %g atol %g)\n", i, j, got,
                want[i * n + j], rtol, atol);
    }
  /* everything outside C's m x n window, padding columns included, is bit-identical */
  for (size_t i = 0; i < total; i++) {
    int in_c = i >= c_off && i < c_off + m * ldc && (i - c_off) % ldc < n;
    if (!in_c && memcmp(&back[i], &host[i], sizeof(float)) != 0 && touched++ < 5)
      fprintf(stderr, "  element %zu outside C changed (%s)\n", i,
              is_canary(host[i]) ? "canary" : "input");
  }
  T_CHECK(!bad && !touched, "%zux%zux%zu %c%c alpha %g beta %g%s: %d wrong, %d touched", m, n, k,
          g->ta ? 'T' : 'N', g->tb ? 'T' : 'N', g->alpha, g->beta, g->c_nan ? " (C NaN)" : "", bad,
          touched);
  free(host);
  free(back);
  free(want);
}

static void test_edges(s2s_device *d) {
  float c[6] = {1, 2, 3, 4, 5, 6}, back[6];
  s2s_buf buf;
  if (s2s_buf_alloc(d, 8, &buf) != 0 || s2s_buf_write(d, s2s_buf_at(buf, 2), c, 6) != 0) exit(1);
  s2s_buf cv = s2s_buf_at(buf, 2);
  cl_event ev = NULL;
  /* k = 0: C = beta C on a 2x2 window with ldc 3 (the third column is padding) */
  T_CHECK(
      s2s_gemm(d, S2S_NO_TRANS, S2S_NO_TRANS, 2, 2, 0, 1.0f, buf, 1, buf, 2, 0.5f, cv, 3, &ev) == 0,
      "k = 0");
  T_CHECK(ev && clWaitForEvents(1, &ev) == CL_SUCCESS, "k = 0 gives a usable event");
  if (ev) clReleaseEvent(ev);
  s2s_buf_read(d, cv, back, 6);
  T_CHECK(back[0] == 0.5f && back[1] == 1.0f && back[2] == 3.0f && back[3] == 2.0f &&
              back[4] == 2.5f && back[5] == 6.0f,
          "k = 0 scales the window only: %g %g %g %g %g %g", back[0], back[1], back[2], back[3],
          back[4], back[5]);
  /* m = 0: nothing at all */
  T_CHECK(s2s_gemm(d, S2S_NO_TRANS, S2S_NO_TRANS, 0, 2, 3, 1.0f, buf, 3, buf, 2, 0.0f, cv, 2,
                   NULL) == 0,
          "m = 0");
  s2s_buf_read(d, cv, back, 6);
  T_CHECK(back[0] == 0.5f && back[5] == 6.0f, "m = 0 leaves C alone");
  /* lda smaller than k: CLBlast refuses, s2s_gemm reports and returns -1 */
  fprintf(stderr, "(expected error follows)\n");
  T_CHECK(s2s_gemm(d, S2S_NO_TRANS, S2S_NO_TRANS, 2, 2, 3, 1.0f, buf, 2, buf, 2, 0.0f, cv, 2,
                   NULL) == -1,
          "lda < k is an error");
  s2s_buf_free(&buf);
}

int main(void) {
  s2s_test_each_cpu_platform(); /* PoCL, Intel's CPU runtime, ...: each in its own run */
  int count = 0;
  s2s_device *d = s2s_test_device(&count);
  for (int row = 0; row < 2; row++) {
    s2s_gemm_set_row_major(row);
    printf("CLBlast called %s-major\n", row ? "row" : "column");
    static const size_t shapes[][3] = {{3, 7, 5}, {64, 33, 17}, {1, 1, 1}, {17, 1, 9}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
      for (int t = 0; t < 4; t++) {
        gemm_case g = {
            shapes[s][0], shapes[s][1], shapes[s][2], t & 1, t >> 1, 0.75f, -1.25f, 0, 1};
        run_case(d, &g);
      }
    gemm_case nan_c = {9, 13, 11, 0, 1, 1.5f, 0.0f, 1, 1};
    run_case(d, &nan_c);
    test_edges(d);

    /* CLBlast takes its indirect path (temp buffer) only for large products (~900^3 on
     * PoCL; the size comes from CLBlastSGemmTempBufferSize); the second one grows it */
    size_t temp = 0;
    CLBlastSGemmTempBufferSize(CLBlastLayoutRowMajor, CLBlastTransposeNo, CLBlastTransposeYes, 901,
                               903, 899, 5, 902, 0, 900, 0, 905, &d->queue, &temp);
    printf("temp buffer for 901x903x899: %zu bytes\n", temp);
    gemm_case big1 = {901, 903, 899, 0, 1, 0.5f, 0.25f, 0, 7};
    gemm_case big2 = {1000, 961, 979, 1, 0, -1.0f, 1.0f, 0, 13};
    run_case(d, &big1);
    run_case(d, &big2);

    /* a long k is cut into equal parts of at most S2S_GEMM_K_CHUNK_DEFAULT, accumulated with
     * beta 1 after the first: every transpose pair, beta over an old C, a short last part */
    const size_t ch = S2S_GEMM_K_CHUNK_DEFAULT;
    T_CHECK(s2s_gemm_k_chunk(2 * ch) == 2 * ch &&
                s2s_gemm_k_chunk(2 * ch + 1) == (2 * ch + 3) / 3 &&
                s2s_gemm_k_chunk(4 * ch + 3) <= ch && s2s_gemm_k_chunk(1) == 1,
            "k parts: %zu for 2c, %zu for 2c+1, %zu for 4c+3", s2s_gemm_k_chunk(2 * ch),
            s2s_gemm_k_chunk(2 * ch + 1), s2s_gemm_k_chunk(4 * ch + 3));
    for (int t = 0; t < 4; t++) {
      gemm_case g = {5, 7, 4 * ch + 3, t & 1, t >> 1, 0.75f, -1.25f, 0, 3};
      run_case(d, &g);
    }
  }

  s2s_gemm_release(d);
  s2s_device_close(d, count);
  return s2s_test_finish("test_gemm");
}

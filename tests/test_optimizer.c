/* kernels/reduce.cl and kernels/optimizer.cl against model/optimizer.c: the global
 * gradient norm (one and two passes), the clipped SGD update (clipping on and off, and a
 * non-finite norm that must leave the parameters untouched) and axpy, with canaries. */
#include <math.h>

#include "cl/kernels.h"
#include "model/optimizer.h"
#include "test_device_util.h"

static void check_update(s2s_kernels *k, s2s_device *d, size_t n, double clip, unsigned seed) {
  double *p = malloc(n * sizeof(double)), *g = malloc(n * sizeof(double));
  double *got = malloc(n * sizeof(double));
  s2s_test_fill(p, n, 0.08, seed);
  s2s_test_fill(g, n, 0.3, seed + 1);
  s2s_buf dp = s2s_test_upload(d, p, n), dg = s2s_test_upload(d, g, n);
  s2s_buf sc = s2s_test_upload(d, NULL, 4);
  T_CHECK(s2s_cl_reduce_sum(k, n, dg, 1, s2s_buf_at(sc, 2), 0) == 0, "reduce launch");
  T_CHECK(s2s_cl_sgd_clip_update(k, n, dp, dg, sc, 2, 0.7f, (float)clip) == 0, "sgd launch");
  double norm = s2s_grad_norm(g, n), scal[4];
  s2s_test_download(d, sc, 4, scal, "scalars");
  /* float partial sums over up to 1e5 terms: 1e-5 relative */
  T_CHECK(s2s_close(sqrt(scal[2]), norm, 1e-5, 0), "n=%zu norm %.9g want %.9g", n,
          sqrt(scal[2]), norm);
  s2s_sgd_update(p, g, n, 0.7, s2s_clip_factor(norm, clip));
  s2s_test_download(d, dp, n, got, "params");
  s2s_check_close_arrays("params", got, p, n, 1e-5, 1e-7);
  s2s_buf_free(&dp), s2s_buf_free(&dg), s2s_buf_free(&sc);
  free(p), free(g), free(got);
}

int main(void) {
  s2s_test_each_cpu_platform(); /* PoCL, Intel's CPU runtime, ...: each in its own run */
  int count;
  s2s_device *d = s2s_test_device(&count);
  s2s_kernels k;
  if (s2s_kernels_init(&k, d) != 0) return 1;
  check_update(&k, d, 3, 5.0, 1);        /* one work-group, no clipping */
  check_update(&k, d, 1000, 1.0, 2);     /* clipping */
  check_update(&k, d, 100003, 5.0, 3);   /* two passes, clipped (norm ~55) */
  check_update(&k, d, 100003, 1e6, 4);   /* two passes, not clipped */

  /* loss sums accumulate over softmax chunks */
  double x[7] = {1, 2, 3, 4, 5, 6, 7}, s[2];
  s2s_buf dx = s2s_test_upload(d, x, 7), out = s2s_test_upload(d, NULL, 2);
  s2s_cl_reduce_sum(&k, 7, dx, 0, out, 0);
  s2s_cl_reduce_sum(&k, 3, dx, 0, out, 1);
  s2s_test_download(d, out, 2, s, "sum");
  T_CHECK(s[0] == 34.0, "sum with accumulate: %g, want 28 + 6", s[0]);

  /* a non-finite norm leaves the parameters as they were */
  double p[5] = {1, 2, 3, 4, 5}, g[5] = {1, 1, NAN, 1, 1}, got[5], sc[4];
  s2s_buf dp = s2s_test_upload(d, p, 5), dg = s2s_test_upload(d, g, 5);
  s2s_buf dsc = s2s_test_upload(d, NULL, 4);
  s2s_cl_reduce_sum(&k, 5, dg, 1, s2s_buf_at(dsc, 2), 0);
  s2s_cl_sgd_clip_update(&k, 5, dp, dg, dsc, 2, 0.7f, 5.0f);
  s2s_test_download(d, dsc, 4, sc, "scalars");
  s2s_test_download(d, dp, 5, got, "params");
  T_CHECK(!isfinite(sc[2]), "norm of a NaN gradient is %g", sc[2]);
  s2s_check_close_arrays("params after NaN", got, p, 5, 0, 0);

  /* axpy: the gradient hand-over from decoder to encoder */
  double y[9], xv[9], want[9], gy[9];
  s2s_test_fill(y, 9, 1.0, 7);
  s2s_test_fill(xv, 9, 1.0, 8);
  for (int i = 0; i < 9; i++) want[i] = y[i] + 0.5 * xv[i];
  s2s_buf by = s2s_test_upload(d, y, 9), bx = s2s_test_upload(d, xv, 9);
  s2s_cl_axpy(&k, 9, 0.5f, bx, by);
  s2s_test_download(d, by, 9, gy, "axpy");
  s2s_check_close_arrays("axpy", gy, want, 9, 1e-6, 1e-7);

  /* fill_floats: the gradient's zeroing, a range in the middle of a buffer (an offset
   * view, an odd length), the floats around it untouched */
  double z[1003], gz[1003];
  s2s_test_fill(z, 1003, 1.0, 9);
  s2s_buf bz = s2s_test_upload(d, z, 1003);
  T_CHECK(s2s_cl_fill(&k, s2s_buf_at(bz, 2), 0.0f, 999) == 0, "fill_floats launched");
  s2s_test_download(d, bz, 1003, gz, "fill");
  int wrong = 0;
  for (int i = 0; i < 1003; i++)
    wrong += gz[i] != (i >= 2 && i < 1001 ? 0.0 : (double)(float)z[i]);
  T_CHECK(!wrong, "fill: %d of 1003 floats wrong (999 zeroed at offset 2, 4 kept)", wrong);

  s2s_buf *all[] = {&dx, &out, &dp, &dg, &dsc, &by, &bx, &bz};
  for (int i = 0; i < 8; i++) s2s_buf_free(all[i]);
  s2s_kernels_free(&k);
  s2s_device_close(d, count);
  return s2s_test_finish("test_optimizer");
}

/* kernels/embedding.cl against the CPU twin (model/embedding.c): gather, and the
 * deterministic scatter-add with repeated ids, on odd shapes with canaries. */
#include "model/embedding.h"
#include "cl/kernels.h"
#include "test_device_util.h"

static void check_shape(s2s_kernels *k, s2s_device *d, int V, int N, int E, unsigned seed) {
  double *table = malloc(sizeof(double) * V * E), *out = malloc(sizeof(double) * N * E);
  double *got = malloc(sizeof(double) * (V > N ? V : N) * E), *dout = malloc(sizeof(double) * N * E);
  double *dtable = malloc(sizeof(double) * V * E);
  int32_t *ids = malloc(sizeof(int32_t) * N);
  s2s_test_fill(table, (size_t)V * E, 1.0, seed);
  s2s_test_fill(dout, (size_t)N * E, 1.0, seed + 1);
  s2s_test_fill(dtable, (size_t)V * E, 0.5, seed + 2); /* backward accumulates onto this */
  for (size_t i = 0; i < (size_t)V * E; i++) table[i] = (float)table[i]; /* exact on device */
  for (int n = 0; n < N; n++) ids[n] = (n * 5 + 1) % V; /* repeats when N > V */
  s2s_buf dt = s2s_test_upload(d, table, (size_t)V * E), di = s2s_test_upload_ids(d, ids, N);
  s2s_buf dout_b = s2s_test_upload(d, NULL, (size_t)N * E);
  T_CHECK(s2s_cl_embedding_forward(k, N, E, dt, di, dout_b) == 0, "forward launch");
  s2s_embedding_forward(N, E, table, ids, out);
  s2s_test_download(d, dout_b, (size_t)N * E, got, "gather");
  s2s_check_close_arrays("gather", got, out, (size_t)N * E, 0, 0); /* a copy: exact */

  s2s_buf dgrad = s2s_test_upload(d, dtable, (size_t)V * E), ddo = s2s_test_upload(d, dout, (size_t)N * E);
  T_CHECK(s2s_cl_embedding_backward(k, N, E, di, ddo, dgrad) == 0, "backward launch");
  s2s_embedding_backward(N, E, ids, dout, dtable);
  s2s_test_download(d, dgrad, (size_t)V * E, got, "scatter");
  /* sums of a few O(1) floats: 1e-6 absolute */
  s2s_check_close_arrays("scatter", got, dtable, (size_t)V * E, 1e-6, 1e-6);
  s2s_buf *all[] = {&dt, &di, &dout_b, &dgrad, &ddo};
  for (int i = 0; i < 5; i++) s2s_buf_free(all[i]);
  free(table), free(out), free(got), free(dout), free(dtable), free(ids);
}

int main(void) {
  s2s_test_each_cpu_platform(); /* PoCL, Intel's CPU runtime, ...: each in its own run */
  int count;
  s2s_device *d = s2s_test_device(&count);
  s2s_kernels k;
  if (s2s_kernels_init(&k, d) != 0) return 1;
  check_shape(&k, d, 7, 3, 5, 1);
  check_shape(&k, d, 3, 64, 7, 2); /* every row hit many times */
  check_shape(&k, d, 64, 33, 17, 3);
  s2s_kernels_free(&k);
  s2s_device_close(d, count);
  return s2s_test_finish("test_embedding");
}

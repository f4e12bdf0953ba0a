/* kernels/softmax_xent.cl against the CPU twin (model/softmax_xent.c): loss per row,
 * argmax, and the fused gradient written over the logits, on odd shapes with padding rows
 * and canaries. */
#include "cl/kernels.h"
#include "model/softmax_xent.h"
#include "test_device_util.h"

static void check_shape(s2s_kernels *k, s2s_device *d, int N, int V, unsigned seed) {
  double *logits = malloc(sizeof(double) * N * V), *bias = malloc(sizeof(double) * V);
  double *mask = malloc(sizeof(double) * N), *want = malloc(sizeof(double) * N * V);
  double *got = malloc(sizeof(double) * N * V), *loss = malloc(sizeof(double) * N);
  double *correct = malloc(sizeof(double) * N), *withb = malloc(sizeof(double) * N * V);
  int32_t *target = malloc(sizeof(int32_t) * N);
  s2s_test_fill(logits, (size_t)N * V, 4.0, seed);
  s2s_test_fill(bias, V, 1.0, seed + 1);
  for (int n = 0; n < N; n++) {
    target[n] = (n * 7 + 3) % V;
    mask[n] = (n % 5 == 4) ? 0.0 : 1.0; /* every fifth row is padding */
  }
  for (int n = 0; n < N; n++)
    for (int v = 0; v < V; v++) withb[(size_t)n * V + v] = logits[(size_t)n * V + v] + bias[v];
  const double scale = 1.0 / 3.0;
  double want_loss = s2s_softmax_xent_forward(N, V, withb, target, mask, scale, want);
  s2s_softmax_xent_backward(N, V, want, target, mask, scale, want);

  s2s_buf dl = s2s_test_upload(d, logits, (size_t)N * V), db = s2s_test_upload(d, bias, V);
  s2s_buf dm = s2s_test_upload(d, mask, N), dloss = s2s_test_upload(d, NULL, N);
  s2s_buf dcor = s2s_test_upload(d, NULL, N), dt = s2s_test_upload_ids(d, target, N);
  T_CHECK(s2s_cl_softmax_xent(k, N, V, dl, db, dt, dm, (float)scale, dloss, dcor) == 0, "launch");
  s2s_test_download(d, dl, (size_t)N * V, got, "dlogits");
  s2s_test_download(d, dloss, N, loss, "loss");
  s2s_test_download(d, dcor, N, correct, "correct");
  double sum = 0;
  for (int n = 0; n < N; n++) {
    sum += loss[n];
    int best = 0;
    for (int v = 1; v < V; v++)
      if (withb[(size_t)n * V + v] > withb[(size_t)n * V + best]) best = v;
    T_CHECK(correct[n] == mask[n] * (best == target[n]), "row %d argmax", n);
  }
  /* float kernel vs double reference: row losses ~ log V, relative 1e-5 */
  T_CHECK(s2s_close(sum * scale, want_loss, 1e-5, 1e-6), "N=%d V=%d loss %.9g want %.9g", N, V,
          sum * scale, want_loss);
  /* gradients are scale*(p - onehot): absolute 1e-6 covers float rounding of p */
  s2s_check_close_arrays("dlogits", got, want, (size_t)N * V, 1e-4, 1e-6);
  s2s_buf *all[] = {&dl, &db, &dm, &dloss, &dcor, &dt};
  for (int i = 0; i < 6; i++) s2s_buf_free(all[i]);
  free(logits), free(bias), free(mask), free(want), free(got), free(loss), free(correct);
  free(withb), free(target);
}

int main(void) {
  s2s_test_each_cpu_platform(); /* PoCL, Intel's CPU runtime, ...: each in its own run */
  int count;
  s2s_device *d = s2s_test_device(&count);
  s2s_kernels k;
  if (s2s_kernels_init(&k, d) != 0) return 1;
  check_shape(&k, d, 3, 7, 1);
  check_shape(&k, d, 7, 64, 2);
  check_shape(&k, d, 64, 3, 3);
  check_shape(&k, d, 5, 1001, 4); /* more columns than the work-group */
  s2s_kernels_free(&k);
  s2s_device_close(d, count);
  return s2s_test_finish("test_softmax_xent");
}

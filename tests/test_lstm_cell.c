/* kernels/lstm_cell.cl against the CPU twin (model/lstm_cell.c), forward and backward, on
 * odd shapes with a masked (padding) row and canaries after every output. */
#include "cl/kernels.h"
#include "model/lstm_cell.h"
#include "test_device_util.h"

static void check_shape(s2s_kernels *k, s2s_device *d, int B, int H, unsigned seed) {
  const size_t G = (size_t)B * 4 * H, N = (size_t)B * H;
  double *gates = malloc(G * sizeof(double)), *bias = malloc(4 * H * sizeof(double));
  double *gb = malloc(G * sizeof(double)), *act = malloc(G * sizeof(double));
  double *cp = malloc(N * sizeof(double)), *hp = malloc(N * sizeof(double));
  double *c = malloc(N * sizeof(double)), *h = malloc(N * sizeof(double));
  double *mask = malloc(B * sizeof(double)), *got = malloc(G * sizeof(double));
  double *dh = malloc(N * sizeof(double)), *dc = malloc(N * sizeof(double));
  double *dc_in = malloc(N * sizeof(double)), *dg = malloc(G * sizeof(double));
  double *dhp = malloc(N * sizeof(double)), *dhp0 = malloc(N * sizeof(double));
  s2s_test_fill(gates, G, 3.0, seed);
  s2s_test_fill(bias, 4 * H, 0.5, seed + 1);
  s2s_test_fill(cp, N, 1.0, seed + 2);
  s2s_test_fill(hp, N, 0.9, seed + 3);
  s2s_test_fill(dh, N, 1.0, seed + 4);
  s2s_test_fill(dc_in, N, 1.0, seed + 5);
  s2s_test_fill(dhp0, N, 1.0, seed + 6);
  for (int b = 0; b < B; b++) mask[b] = (b % 3 == 1) ? 0.0 : 1.0;
  for (int b = 0; b < B; b++)
    for (int j = 0; j < 4 * H; j++) gb[(size_t)b * 4 * H + j] = gates[(size_t)b * 4 * H + j] + bias[j];
  s2s_lstm_cell_forward(B, H, gb, cp, hp, mask, act, c, h);
  memcpy(dc, dc_in, N * sizeof(double));
  s2s_lstm_cell_backward(B, H, act, cp, c, mask, dh, dc, dg, dhp);

  s2s_buf dgates = s2s_test_upload(d, gates, G), dbias = s2s_test_upload(d, bias, 4 * H);
  s2s_buf dcp = s2s_test_upload(d, cp, N), dhpv = s2s_test_upload(d, hp, N);
  s2s_buf dmask = s2s_test_upload(d, mask, B), dcv = s2s_test_upload(d, NULL, N);
  s2s_buf dhv = s2s_test_upload(d, NULL, N);
  T_CHECK(s2s_cl_lstm_cell_forward(k, B, H, dgates, dbias, dcp, dhpv, dmask, dcv, dhv) == 0,
          "forward launch");
  /* activations are O(1): float rounding ~1e-7, tolerance 1e-5 */
  s2s_test_download(d, dgates, G, got, "act");
  s2s_check_close_arrays("act", got, act, G, 1e-5, 1e-6);
  double *gc = malloc(N * sizeof(double)), *gh = malloc(N * sizeof(double));
  s2s_test_download(d, dcv, N, gc, "c");
  s2s_test_download(d, dhv, N, gh, "h");
  s2s_check_close_arrays("c", gc, c, N, 1e-5, 1e-6);
  s2s_check_close_arrays("h", gh, h, N, 1e-5, 1e-6);

  s2s_buf ddh = s2s_test_upload(d, dh, N), ddc = s2s_test_upload(d, dc_in, N);
  s2s_buf ddhp = s2s_test_upload(d, dhp0, N);
  T_CHECK(s2s_cl_lstm_cell_backward(k, B, H, dgates, dcp, dcv, dmask, ddh, ddc, ddhp) == 0,
          "backward launch");
  s2s_test_download(d, dgates, G, got, "dgates");
  s2s_check_close_arrays("dgates", got, dg, G, 1e-4, 1e-6);
  s2s_test_download(d, ddc, N, gc, "dc_prev");
  s2s_check_close_arrays("dc_prev", gc, dc, N, 1e-4, 1e-6);
  /* the kernel accumulates into dh_prev; the twin writes it */
  for (size_t i = 0; i < N; i++) dhp[i] += dhp0[i];
  s2s_test_download(d, ddhp, N, gh, "dh_prev");
  s2s_check_close_arrays("dh_prev", gh, dhp, N, 1e-5, 1e-6);

  s2s_buf *all[] = {&dgates, &dbias, &dcp, &dhpv, &dmask, &dcv, &dhv, &ddh, &ddc, &ddhp};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) s2s_buf_free(all[i]);
  double *mem[] = {gates, bias, gb, act, cp, hp, c, h, mask, got, dh, dc, dc_in, dg, dhp, dhp0, gc, gh};
  for (size_t i = 0; i < sizeof mem / sizeof mem[0]; i++) free(mem[i]);
}

int main(void) {
  s2s_test_each_cpu_platform(); /* PoCL, Intel's CPU runtime, ...: each in its own run */
  int count;
  s2s_device *d = s2s_test_device(&count);
  s2s_kernels k;
  if (s2s_kernels_init(&k, d) != 0) return 1;
  check_shape(&k, d, 3, 7, 1);
  check_shape(&k, d, 7, 3, 2);
  check_shape(&k, d, 64, 33, 3);
  check_shape(&k, d, 1, 1, 4);
  s2s_kernels_free(&k);
  s2s_device_close(d, count);
  return s2s_test_finish("test_lstm_cell");
}

/* `s2sbench bench lstm`: the fused LSTM cell kernels (kernels/lstm_cell.cl, launched as
 * the training step does: one launch per time step on (B, H)) over a sentence of T steps,
 * in GB/s and GFLOP/s from explicit per-cell counts. The outputs of one step are checked
 * against the CPU reference (model/lstm_cell.c) before any number is reported. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "cl/kernels.h"
#include "model/lstm_cell.h"
#include "bench/micro.h"
#include "run/run_record.h"

/* FLOP per cell (b, j), counting exp, tanh and a division as 1 each (kernels/lstm_cell.cl):
 * forward: 4 bias adds + 3 sigmoids (exp, add, div) + 2 tanh + c update (3) + h (1) = 19;
 * backward: tanh(c), 1 - tc^2 (2), dh*o*(..) (2), + dc (1), four gate gradients (4 each),
 * dc * f (1) = 23. Bytes per cell (each touched value once): forward reads 4 gates +
 * c_prev and writes 4 activations + c + h = 11 floats; backward reads 4 activations +
 * c_prev + c + dh + dc and writes 4 gate gradients + dc = 13 floats. */
#define LSTM_FWD_FLOPS 19.0
#define LSTM_BWD_FLOPS 23.0
#define LSTM_FWD_FLOATS 11.0
#define LSTM_BWD_FLOATS 13.0

typedef struct lstm_run {
  s2s_kernels k;
  int B, H, T;
  s2s_buf gates, pristine, bias, c, h, mask, dh, dc, dh_prev;
  int backward;
} lstm_run;

static void help(void) {
  printf("usage: s2sbench bench lstm [--preset P] [size flags] [--device SPEC] [--len T]\n"
         "                           [--trials N] [--out DIR]\n\n"
         "Times the LSTM cell kernels as the training step launches them: T launches of the\n"
         "forward (and of the backward) kernel on (B, H) cells, gates (T, B, 4H). Reports GB/s\n"
         "and GFLOP/s from explicit counts per cell (bench/bench_lstm.c). The kernels are first\n"
         "checked against the CPU reference on one step.\n");
  s2s_micro_help_common();
}

/* Restores the gates (the forward activates them in place, the backward turns them into
 * gradients) and the backward's dc, so every call does the same work on the same data. */
static int prep(void *ctx) {
  lstm_run *r = ctx;
  const size_t n = (size_t)r->T * r->B * 4 * r->H, bh = (size_t)r->B * r->H;
  cl_command_queue q = r->k.dev->queue;
  if (clEnqueueCopyBuffer(q, r->pristine.mem, r->gates.mem, 0, 0, n * 4, 0, NULL, NULL) ||
      (r->backward && s2s_buf_fill(r->k.dev, r->dc, 0.0f, bh) != 0))
    return -1;
  return clFinish(q) == CL_SUCCESS ? 0 : -1;
}

static int run(void *ctx) {
  lstm_run *r = ctx;
  const size_t bh = (size_t)r->B * r->H, g = 4 * bh;
  if (!r->backward) {
    for (int t = 0; t < r->T; t++)
      if (s2s_cl_lstm_cell_forward(&r->k, r->B, r->H, s2s_buf_at(r->gates, t * g), r->bias,
                                   s2s_buf_at(r->c, t * bh), s2s_buf_at(r->h, t * bh), r->mask,
                                   s2s_buf_at(r->c, (t + 1) * bh), s2s_buf_at(r->h, (t + 1) * bh)))
        return -1;
  } else {
    for (int t = r->T - 1; t >= 0; t--)
      if (s2s_cl_lstm_cell_backward(&r->k, r->B, r->H, s2s_buf_at(r->gates, t * g),
                                    s2s_buf_at(r->c, t * bh), s2s_buf_at(r->c, (t + 1) * bh),
                                    r->mask, s2s_buf_at(r->dh, t * bh), r->dc, r->dh_prev))
        return -1;
  }
  return clFinish(r->k.dev->queue) == CL_SUCCESS ? 0 : -1;
}

/* Reads n floats of b and raises *err to the worst |got - want| / (1 + |want|). */
static int compare(lstm_run *r, s2s_buf b, const double *want, size_t n, float *tmp, double *err) {
  if (s2s_buf_read(r->k.dev, b, tmp, n) != 0) return -1;
  for (size_t i = 0; i < n; i++) {
    double d = fabs(tmp[i] - want[i]) / (1.0 + fabs(want[i]));
    if (!(d <= *err)) *err = d; /* NaN counts as the worst */
  }
  return 0;
}

/* Step 0 forward then backward on the device against the reference; returns the worst
 * error over every output, or -1 on a device error. */
static double check(lstm_run *r, const float *hg, const float *hb, const float *hc0,
                    const float *hdh) {
  const int B = r->B, H = r->H;
  const size_t bh = (size_t)B * H, g = 4 * bh;
  double *gates = malloc(g * sizeof *gates), *act = malloc(g * sizeof *act);
  double *cp = malloc(bh * sizeof *cp), *hp = calloc(bh, sizeof *hp), *c = malloc(bh * sizeof *c);
  double *h = malloc(bh * sizeof *h), *dh = malloc(bh * sizeof *dh), *dc = calloc(bh, sizeof *dc);
  double *dg = malloc(g * sizeof *dg), *dhp = malloc(bh * sizeof *dhp);
  float *tmp = malloc(g * sizeof *tmp);
  double err = 0;
  int fail = !gates || !act || !cp || !hp || !c || !h || !dh || !dc || !dg || !dhp || !tmp;
  if (!fail) {
    for (size_t i = 0; i < g; i++)
      gates[i] = hg[i] + hb[i % (4 * (size_t)H)];
    for (size_t i = 0; i < bh; i++)
      cp[i] = hc0[i], dh[i] = hdh[i];
    s2s_lstm_cell_forward(B, H, gates, cp, hp, NULL, act, c, h);
    s2s_lstm_cell_backward(B, H, act, cp, c, NULL, dh, dc, dg, dhp);
    r->T = 1, r->backward = 0;
    fail = prep(r) || run(r) || compare(r, r->gates, act, g, tmp, &err) ||
           compare(r, s2s_buf_at(r->c, bh), c, bh, tmp, &err) ||
           compare(r, s2s_buf_at(r->h, bh), h, bh, tmp, &err);
    r->backward = 1; /* on the activations the forward left in place */
    fail = fail || s2s_buf_fill(r->k.dev, r->dc, 0.0f, bh) || run(r) ||
           compare(r, r->gates, dg, g, tmp, &err) || compare(r, r->dc, dc, bh, tmp, &err);
  }
  free(gates), free(act), free(cp), free(hp), free(c), free(h), free(dh), free(dc), free(dg);
  free(dhp), free(tmp);
  return fail ? -1 : err;
}

int s2s_bench_lstm(int argc, char **argv) {
  s2s_micro m;
  int r = s2s_micro_parse(&m, "bench lstm", argc, argv, help, NULL, NULL);
  if (r) return r == 1 ? 0 : r;
  s2s_device *devs;
  int n, rc = 1;
  const int opened = s2s_run_open_devices("bench lstm", "--device", m.devices, &devs, &n);
  if (opened != 0) return S2S_DEVICE_EXIT(opened);
  lstm_run lr = {.B = m.cfg.batch, .H = m.cfg.hidden, .T = (int)m.len};
  const size_t bh = (size_t)lr.B * lr.H, g = (size_t)lr.T * 4 * bh;
  float *hg = malloc(g * sizeof *hg), *hb = malloc(4 * (size_t)lr.H * sizeof *hb);
  float *hc = malloc(bh * sizeof *hc), *hdh = malloc((size_t)lr.T * bh * sizeof *hdh);
  float *ones = malloc((size_t)lr.B * sizeof *ones);
  s2s_device *d = &devs[0];
  if (!hg || !hb || !hc || !hdh || !ones || s2s_kernels_init(&lr.k, d) != 0) goto out;
  s2s_micro_fill(hg, g, 2.0f, 1), s2s_micro_fill(hb, 4 * (size_t)lr.H, 0.5f, 2);
  s2s_micro_fill(hc, bh, 1.0f, 3), s2s_micro_fill(hdh, (size_t)lr.T * bh, 1.0f, 4);
  for (int b = 0; b < lr.B; b++)
    ones[b] = 1.0f;
  if (s2s_buf_alloc(d, g, &lr.gates) || s2s_buf_alloc(d, g, &lr.pristine) ||
      s2s_buf_alloc(d, 4 * (size_t)lr.H, &lr.bias) ||
      s2s_buf_alloc(d, (size_t)(lr.T + 1) * bh, &lr.c) ||
      s2s_buf_alloc(d, (size_t)(lr.T + 1) * bh, &lr.h) ||
      s2s_buf_alloc(d, (size_t)lr.B, &lr.mask) || s2s_buf_alloc(d, (size_t)lr.T * bh, &lr.dh) ||
      s2s_buf_alloc(d, bh, &lr.dc) || s2s_buf_alloc(d, bh, &lr.dh_prev) ||
      s2s_buf_write(d, lr.pristine, hg, g) || s2s_buf_write(d, lr.bias, hb, 4 * (size_t)lr.H) ||
      s2s_buf_write(d, lr.c, hc, bh) || s2s_buf_fill(d, lr.h, 0.0f, (size_t)(lr.T + 1) * bh) ||
      s2s_buf_write(d, lr.mask, ones, (size_t)lr.B) ||
      s2s_buf_write(d, lr.dh, hdh, (size_t)lr.T * bh) || s2s_buf_fill(d, lr.dh_prev, 0.0f, bh))
    goto out;
  const double e = check(&lr, hg, hb, hc, hdh); /* tolerance 1e-5: float vs double math */
  if (e < 0) goto out;
  lr.T = (int)m.len;
  const double cells = (double)lr.T * bh;
  s2s_micro_case fwd = {.name = "lstm_fwd",
                        .flops = LSTM_FWD_FLOPS * cells,
                        .bytes = 4 * (LSTM_FWD_FLOATS * cells + 4.0 * lr.H + lr.B),
                        .check = e <= 1e-5,
                        .max_err = e};
  s2s_micro_case bwd = fwd;
  snprintf(bwd.name, sizeof bwd.name, "lstm_bwd");
  bwd.flops = LSTM_BWD_FLOPS * cells, bwd.bytes = 4 * (LSTM_BWD_FLOATS * cells + lr.B);
  snprintf(fwd.shape, sizeof fwd.shape, "%dx(%d,%d)", lr.T, lr.B, lr.H);
  snprintf(bwd.shape, sizeof bwd.shape, "%dx(%d,%d)", lr.T, lr.B, lr.H);
  lr.backward = 0;
  if (!s2s_micro_time(&m, &fwd, run, prep, &lr)) goto out;
  lr.backward = 1;
  if (!s2s_micro_time(&m, &bwd, run, prep, &lr)) goto out;
  m.note = "T launches per call, one per time step, as in the training step";
  s2s_micro_report(&m, devs, 1);
  rc = s2s_micro_ok(&m) ? 0 : 1;
  if (s2s_micro_write(&m, devs, 1) != 0) rc = 1;
out:
  if (rc && !m.n) fprintf(stderr, "s2sbench bench lstm: failed on %s\n", d->info.name);
  s2s_buf *bufs[] = {&lr.gates, &lr.pristine, &lr.bias, &lr.c,      &lr.h,
                     &lr.mask,  &lr.dh,       &lr.dc,   &lr.dh_prev};
  for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
    if (bufs[i]->mem) s2s_buf_free(bufs[i]);
  if (lr.k.dev) s2s_kernels_free(&lr.k);
  free(hg), free(hb), free(hc), free(hdh), free(ones);
  s2s_micro_free(&m);
  s2s_device_close(devs, n);
  return rc;
}

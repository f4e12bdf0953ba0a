/* `s2sbench bench softmax`: the fused softmax + cross-entropy kernel of the training step
 * (kernels/softmax_xent.cl: bias, row max, log-sum-exp, loss, argmax and dL/dlogits in
 * place) on the step's (rows, V) logits, in GB/s and GFLOP/s from explicit counts. Sampled
 * rows are checked against the CPU reference (model/softmax_xent.c) first. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "cl/kernels.h"
#include "bench/micro.h"
#include "run/run_record.h"
#include "model/softmax_xent.h"

/* FLOP per logit (kernels/softmax_xent.cl, exp counted as 1): pass 1 bias add + compare
 * (2); pass 2 bias add, subtract, exp, add (4); pass 3 bias add, subtract, exp, subtract,
 * multiply (5) = 11. Bytes: every logit read once and written once (the unique traffic; the
 * kernel reads a row three times, from cache when it fits), plus the bias, targets, masks,
 * losses and hits. */
#define XENT_FLOPS 11.0

typedef struct xent_run {
  s2s_kernels k;
  int N, V;
  s2s_buf logits, pristine, bias, target, mask, loss, correct;
} xent_run;

static void help(void) {
  printf("usage: s2sbench bench softmax [--preset P] [size flags] [--device SPEC] [--len T]\n"
         "                              [--trials N] [--out DIR]\n\n"
         "Times the fused softmax + cross-entropy kernel on (R, V) logits, R = T*B rows (the\n"
         "decoder's whole batch, fewer if the device's largest allocation is short) and V the\n"
         "target vocabulary. Reports GB/s and GFLOP/s from explicit counts\n"
         "(bench/bench_softmax.c); sampled rows are checked against the CPU reference first.\n");
  s2s_micro_help_common();
}

static int prep(void *ctx) { /* the kernel overwrites the logits with their gradient */
  xent_run *r = ctx;
  cl_command_queue q = r->k.dev->queue;
  if (clEnqueueCopyBuffer(q, r->pristine.mem, r->logits.mem, 0, 0, (size_t)r->N * r->V * 4, 0, NULL,
                          NULL) != CL_SUCCESS)
    return -1;
  return clFinish(q) == CL_SUCCESS ? 0 : -1;
}

static int run(void *ctx) {
  xent_run *r = ctx;
  if (s2s_cl_softmax_xent(&r->k, r->N, r->V, r->logits, r->bias, r->target, r->mask, 1.0f / 64,
                          r->loss, r->correct) != 0)
    return -1;
  return clFinish(r->k.dev->queue) == CL_SUCCESS ? 0 : -1;
}

/* Runs once on pristine logits; checks 8 sampled rows' loss and gradient against the
 * reference: worst |got - want| / (1e-3 + |want|) for the loss, |got - want| for the
 * gradient entries (each below 1/64 in size). Returns the worst, or -1 on an error. */
static double check(xent_run *r, const float *hl, const float *hb, const int32_t *ht) {
  const int V = r->V;
  double *row = malloc((size_t)V * sizeof *row), err = 0;
  float *got = malloc((size_t)V * sizeof *got), loss;
  int fail = !row || !got || prep(r) || run(r);
  for (int s = 0; s < 8 && !fail; s++) {
    const int n = (int)((2654435761u * (unsigned)(s + 1)) % (unsigned)r->N);
    for (int v = 0; v < V; v++)
      row[v] = hl[(size_t)n * V + v] + hb[v];
    const double want = s2s_softmax_xent_forward(1, V, row, &ht[n], NULL, 1.0, row);
    s2s_softmax_xent_backward(1, V, row, &ht[n], NULL, 1.0 / 64, row);
    if (s2s_buf_read(r->k.dev, s2s_buf_at(r->loss, (size_t)n), &loss, 1) ||
        s2s_buf_read(r->k.dev, s2s_buf_at(r->logits, (size_t)n * V), got, (size_t)V)) {
      fail = 1;
      break;
    }
    double e = fabs(loss - want) / (1e-3 + fabs(want));
    if (!(e <= err)) err = e;
    for (int v = 0; v < V; v++) {
      e = fabs(got[v] - row[v]) * 64; /* relative to the largest possible entry, 1/64 */
      if (!(e <= err)) err = e;
    }
  }
  free(row), free(got);
  return fail ? -1 : err;
}

int s2s_bench_softmax(int argc, char **argv) {
  s2s_micro m;
  int r = s2s_micro_parse(&m, "bench softmax", argc, argv, help, NULL, NULL);
  if (r) return r == 1 ? 0 : r;
  s2s_device *devs;
  int n, rc = 1;
  const int opened = s2s_run_open_devices("bench softmax", "--device", m.devices, &devs, &n);
  if (opened != 0) return S2S_DEVICE_EXIT(opened);
  s2s_device *d = &devs[0];
  xent_run x = {.V = m.cfg.tgt_vocab};
  size_t N = (size_t)m.len * m.cfg.batch, cap = d->info.max_alloc / 4 / (size_t)x.V / 2;
  if (d->info.max_alloc && N > cap) N = cap ? cap : 1;
  x.N = (int)N;
  const size_t nl = N * (size_t)x.V;
  float *hl = malloc(nl * sizeof *hl), *hb = malloc((size_t)x.V * sizeof *hb);
  float *ones = malloc(N * sizeof *ones);
  int32_t *ht = malloc(N * sizeof *ht);
  if (!hl || !hb || !ones || !ht || s2s_kernels_init(&x.k, d) != 0) goto out;
  s2s_micro_fill(hl, nl, 4.0f, 1), s2s_micro_fill(hb, (size_t)x.V, 1.0f, 2);
  for (size_t i = 0; i < N; i++)
    ones[i] = 1.0f, ht[i] = (int32_t)((i * 7919u) % (size_t)x.V);
  if (s2s_buf_alloc(d, nl, &x.logits) || s2s_buf_alloc(d, nl, &x.pristine) ||
      s2s_buf_alloc(d, (size_t)x.V, &x.bias) || s2s_buf_alloc(d, N, &x.target) ||
      s2s_buf_alloc(d, N, &x.mask) || s2s_buf_alloc(d, N, &x.loss) ||
      s2s_buf_alloc(d, N, &x.correct) || s2s_buf_write(d, x.pristine, hl, nl) ||
      s2s_buf_write(d, x.bias, hb, (size_t)x.V) || s2s_buf_write(d, x.target, ht, N) ||
      s2s_buf_write(d, x.mask, ones, N))
    goto out;
  const double e = check(&x, hl, hb, ht); /* tolerance 1e-4 (float exp/log vs double) */
  if (e < 0) goto out;
  s2s_micro_case c = {.name = "softmax_xent",
                      .flops = XENT_FLOPS * (double)nl,
                      .bytes = 4.0 * (2.0 * (double)nl + x.V + 5.0 * (double)N),
                      .check = e <= 1e-4,
                      .max_err = e};
  snprintf(c.shape, sizeof c.shape, "(%d,%d)", x.N, x.V);
  if (!s2s_micro_time(&m, &c, run, prep, &x)) goto out;
  s2s_micro_report(&m, devs, 1);
  rc = s2s_micro_ok(&m) ? 0 : 1;
  if (s2s_micro_write(&m, devs, 1) != 0) rc = 1;
out:
  if (rc && !m.n) fprintf(stderr, "s2sbench bench softmax: failed on %s\n", d->info.name);
  s2s_buf *bufs[] = {&x.logits, &x.pristine, &x.bias, &x.target, &x.mask, &x.loss, &x.correct};
  for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
    if (bufs[i]->mem) s2s_buf_free(bufs[i]);
  if (x.k.dev) s2s_kernels_free(&x.k);
  free(hl), free(hb), free(ones), free(ht);
  s2s_micro_free(&m);
  s2s_device_close(devs, n);
  return rc;
}

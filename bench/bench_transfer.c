/* `s2sbench bench transfer`: bandwidth and latency of the copies the pipeline makes, at the
 * sizes it sends: one time step's activations or gradients between layer devices (B*H
 * floats), a softmax chunk of the top layer's rows (R*H), the shards' row statistics
 * (R*5), a scalar (the global norm's partial sums), and a few larger sizes. Host->device,
 * device->host, and device->device (clEnqueueCopyBuffer between two devices of one
 * context; host-staged when the two devices have separate contexts). Data checked. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "cl/buffer.h"
#include "bench/micro.h"
#include "run/run_record.h"

typedef enum { H2D, D2H, D2D, STAGED } xfer_kind;
static const char *const kind_names[] = {"h2d", "d2h", "d2d", "d2d_staged"};

typedef struct xfer_run {
  s2s_device *src, *dst;
  xfer_kind kind;
  size_t n; /* floats */
  float *host, *back;
  s2s_buf a, b; /* a on src (or the only device), b on dst */
} xfer_run;

static void help(void) {
  printf("usage: s2sbench bench transfer [--devices SPEC] [--preset P] [size flags] [--len T]\n"
         "                               [--trials N] [--out DIR]\n\n"
         "Times host->device and device->host copies on the first device of SPEC, and\n"
         "device->device copies from the first to the second (clEnqueueCopyBuffer within one\n"
         "context, e.g. --devices cpu/2; host-staged between contexts), for the message sizes\n"
         "of the pipeline: h_step (B*H floats, one time step between layer devices),\n"
         "softmax_rows (R*H, R = T*B), row_stats (R*5), scalar (1 float), and 1 MiB, 16 MiB.\n"
         "Reports GB/s; the scalar's time is the latency. Every copy's data is checked.\n");
  s2s_micro_help_common();
}

/* Marks the source as last written on its own device, so a copy in one context really
 * moves the data where devices have separate memories (a no-op cost on a CPU). */
static int prep(void *ctx) {
  xfer_run *r = ctx;
  if (r->kind != D2D && r->kind != STAGED) return 0;
  if (s2s_buf_write(r->src, r->a, r->host, 1) != 0) return -1;
  return clFinish(r->src->queue) == CL_SUCCESS ? 0 : -1;
}

static int run(void *ctx) {
  xfer_run *r = ctx;
  switch (r->kind) {
  case H2D:
    return s2s_buf_write(r->src, r->a, r->host, r->n);
  case D2H:
    return s2s_buf_read(r->src, r->a, r->back, r->n);
  case D2D:
    if (clEnqueueCopyBuffer(r->dst->queue, r->a.mem, r->b.mem, 0, 0, r->n * 4, 0, NULL, NULL))
      return -1;
    return clFinish(r->dst->queue) == CL_SUCCESS ? 0 : -1;
  case STAGED:
    return s2s_buf_read(r->src, r->a, r->back, r->n) || s2s_buf_write(r->dst, r->b, r->back, r->n)
               ? -1
               : 0;
  }
  return -1;
}

/* After the trials: the destination holds exactly the source data? */
static int check(xfer_run *r) {
  s2s_device *d = r->kind == D2D || r->kind == STAGED ? r->dst : r->src;
  s2s_buf b = r->kind == D2D || r->kind == STAGED ? r->b : r->a;
  if (r->kind == D2H) return memcmp(r->back, r->host, r->n * 4) == 0;
  memset(r->back, 0, r->n * 4);
  if (s2s_buf_read(d, b, r->back, r->n) != 0) return -1;
  return memcmp(r->back, r->host, r->n * 4) == 0;
}

static int one(s2s_micro *m, s2s_device *src, s2s_device *dst, xfer_kind kind, const char *name,
               size_t n, int device) {
  xfer_run r = {.src = src, .dst = dst, .kind = kind, .n = n};
  int rc = -1;
  r.host = malloc(n * 4), r.back = malloc(n * 4);
  if (!r.host || !r.back || s2s_buf_alloc(src, n, &r.a) ||
      ((kind == D2D || kind == STAGED) && s2s_buf_alloc(dst, n, &r.b)))
    goto out;
  s2s_micro_fill(r.host, n, 1.0f, (unsigned)n);
  if (kind != H2D && s2s_buf_write(src, r.a, r.host, n) != 0) goto out;
  s2s_micro_case c = {.device = device, .bytes = 4.0 * (double)n, .check = 1};
  snprintf(c.name, sizeof c.name, "%s", name);
  snprintf(c.variant, sizeof c.variant, "%s", kind_names[kind]);
  snprintf(c.shape, sizeof c.shape, "%zu B", n * 4);
  s2s_micro_case *got = s2s_micro_time(m, &c, run, prep, &r);
  if (!got) goto out;
  int ok = check(&r);
  if (ok < 0) goto out;
  got->check = ok;
  got->max_err = ok ? 0 : 1;
  rc = 0;
out:
  if (r.a.mem) s2s_buf_free(&r.a);
  if (r.b.mem) s2s_buf_free(&r.b);
  free(r.host), free(r.back);
  if (rc) fprintf(stderr, "s2sbench bench transfer: %s %s failed\n", name, kind_names[kind]);
  return rc;
}

int s2s_bench_transfer(int argc, char **argv) {
  s2s_micro m;
  int r = s2s_micro_parse(&m, "bench transfer", argc, argv, help, NULL, NULL);
  if (r) return r == 1 ? 0 : r;
  s2s_device *devs;
  int n, rc = 1;
  const int opened = s2s_run_open_devices("bench transfer", "--devices", m.devices, &devs, &n);
  if (opened != 0) return S2S_DEVICE_EXIT(opened);
  const size_t B = (size_t)m.cfg.batch, H = (size_t)m.cfg.hidden, R = (size_t)m.len * B;
  const struct {
    const char *name;
    size_t n;
  } sizes[] = {{"scalar", 1},           {"h_step", B * H}, {"row_stats", R * 5},
               {"softmax_rows", R * H}, {"1MiB", 1 << 18}, {"16MiB", 1 << 22}};
  const int pair = n >= 2;
  const xfer_kind dd = pair && devs[0].ctx == devs[1].ctx ? D2D : STAGED;
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    if (one(&m, &devs[0], &devs[0], H2D, sizes[i].name, sizes[i].n, 0) ||
        one(&m, &devs[0], &devs[0], D2H, sizes[i].name, sizes[i].n, 0) ||
        (pair && one(&m, &devs[0], &devs[1], dd, sizes[i].name, sizes[i].n, 1)))
      goto out;
  }
  m.note = pair ? "d2d: device 0 -> device 1"
                : "one device: no device-to-device copies "
                  "(give two, e.g. --devices cpu/2)";
  s2s_micro_report(&m, devs, n < 2 ? n : 2);
  rc = s2s_micro_ok(&m) ? 0 : 1;
  if (s2s_micro_write(&m, devs, n < 2 ? n : 2) != 0) rc = 1;
out:
  s2s_micro_free(&m);
  s2s_device_close(devs, n);
  return rc;
}

/* `s2sbench bench gemm`: CLBlast SGEMM at the training step's own shapes for a preset
 * (the gate products, forward and backward, and the softmax products, as train_step.c and
 * train_step_softmax.c issue them) plus one large square product as the device's reference,
 * with CLBlast's default parameters and, when results/tuning has a file for the device,
 * the tuned ones. Every product is checked against a double-precision dot product on a
 * sample of entries before its rate is reported. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "cl/buffer.h"
#include "blas/gemm.h"
#include "blas/gemm_classes.h"
#include "bench/micro.h"
#include "run/run_record.h"
#include "blas/tuning.h"
#include "blas/blas_devices.h"

typedef struct gemm_opts {
  long square, samples;
  const char *tuning; /* "auto" (default), "off" */
} gemm_opts;

typedef s2s_gemm_class gemm_case;

typedef struct gemm_run {
  s2s_device *dev;
  gemm_case c;
  s2s_buf a, b, out;
} gemm_run;

static void help(void) {
  printf("usage: s2sbench bench gemm [--preset P] [size flags] [--device SPEC] [--len T]\n"
         "                           [--square N] [--tuning auto|off] [--trials N] [--out DIR]\n\n"
         "Times CLBlast SGEMM at the shapes of the training step (per preset; T = --len, N = T*B,\n"
         "G = 4H): gates_x (N x G x E, input half batched over time), gates_h (B x G x H, per\n"
         "step), gates_dh (B x H x G), gates_dx (N x E x G), gates_dw (G x H x N), softmax_fwd\n"
         "(R x V x H, R = N rows or fewer if memory is short), softmax_dh (R x H x V), softmax_dw\n"
         "(V x H x R), and square (N^3, the device's reference). Each shape is checked against a\n"
         "double-precision dot product on sampled entries first; a failed check withholds the\n"
         "numbers. With a tuning file for the device (s2sbench tune) every shape is timed with\n"
         "CLBlast's default parameters and again with the tuned ones.\n\n"
         "  --square N     side of the reference product (default 1024, 0 = none)\n"
         "  --tuning MODE  auto: also time the tuned parameters if there are any; off: don't\n"
         "  --samples N    entries checked per product (default 64)\n");
  s2s_micro_help_common();
}

static int flag(s2s_args *c, void *ctx) {
  gemm_opts *g = ctx;
  if (s2s_args_is(c, "--square")) return s2s_args_long(c, 0, 16384, &g->square) ? -1 : 1;
  if (s2s_args_is(c, "--samples")) return s2s_args_long(c, 1, 100000, &g->samples) ? -1 : 1;
  if (s2s_args_is(c, "--tuning")) {
    if (!(g->tuning = s2s_args_value(c))) return -1;
    if (strcmp(g->tuning, "auto") && strcmp(g->tuning, "off")) {
      fprintf(stderr, "s2sbench bench gemm: --tuning: auto or off\n");
      return -1;
    }
    return 1;
  }
  return 0;
}

static int run_gemm(void *ctx) {
  gemm_run *r = ctx;
  const gemm_case *c = &r->c;
  if (s2s_gemm(r->dev, c->ta, c->tb, c->m, c->n, c->k, 1.0f, r->a, s2s_gemm_class_lda(c), r->b, s2s_gemm_class_ldb(c), 0.0f,
               r->out, c->n, NULL) != 0)
    return -1;
  return clFinish(r->dev->queue) == CL_SUCCESS ? 0 : -1;
}

/* C = op(A) op(B) on the device, then sampled entries against double dot products.
 * Tolerance: |got - want| <= 1e-4 * sum_k |a_ik b_kj| (float accumulation over k terms). */
static int check_gemm(gemm_run *r, const float *ha, const float *hb, long samples, double *err) {
  const gemm_case *c = &r->c;
  float *hc = malloc(c->m * c->n * sizeof *hc);
  if (!hc || run_gemm(r) != 0 || s2s_buf_read(r->dev, r->out, hc, c->m * c->n) != 0) {
    free(hc);
    return -1;
  }
  unsigned long long s = 12345;
  *err = 0;
  for (long t = 0; t < samples; t++) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    size_t i = (size_t)(s >> 33) % c->m, j = (size_t)(s >> 13) % c->n;
    double want = 0, mag = 0;
    for (size_t p = 0; p < c->k; p++) {
      double a = c->ta == S2S_TRANS ? ha[p * c->m + i] : ha[i * c->k + p];
      double b = c->tb == S2S_TRANS ? hb[j * c->k + p] : hb[p * c->n + j];
      want += a * b, mag += fabs(a * b);
    }
    double e = fabs(hc[i * c->n + j] - want) / (mag > 0 ? mag : 1);
    if (!(e <= *err)) *err = e; /* NaN counts as the worst */
  }
  free(hc);
  return 0;
}

static int time_shapes(s2s_micro *m, s2s_device *dev, const gemm_case *cs, int n,
                       const char *variant, long samples) {
  for (int i = 0; i < n; i++) {
    gemm_run r = {.dev = dev, .c = cs[i]};
    const gemm_case *c = &cs[i];
    const size_t na = c->m * c->k, nb = c->k * c->n;
    float *ha = malloc(na * sizeof *ha), *hb = malloc(nb * sizeof *hb);
    int rc = -1;
    if (!ha || !hb || s2s_buf_alloc(dev, na, &r.a) != 0 || s2s_buf_alloc(dev, nb, &r.b) != 0 ||
        s2s_buf_alloc(dev, c->m * c->n, &r.out) != 0)
      goto next;
    s2s_micro_fill(ha, na, 1.0f, 1 + (unsigned)i);
    s2s_micro_fill(hb, nb, 1.0f, 101 + (unsigned)i);
    if (s2s_buf_write(dev, r.a, ha, na) != 0 || s2s_buf_write(dev, r.b, hb, nb) != 0) goto next;
    double err;
    if (check_gemm(&r, ha, hb, samples, &err) != 0) goto next; /* also CLBlast's first call */
    s2s_micro_case proto = {.flops = s2s_gemm_flops(c->m, c->n, c->k),
                            .bytes = 4.0 * (na + nb + c->m * c->n),
                            .check = err <= 1e-4,
                            .max_err = err};
    snprintf(proto.name, sizeof proto.name, "%s", c->name);
    snprintf(proto.variant, sizeof proto.variant, "%s", variant);
    snprintf(proto.shape, sizeof proto.shape, "%zux%zux%zu %c%c", c->m, c->n, c->k,
             c->ta == S2S_TRANS ? 'T' : 'N', c->tb == S2S_TRANS ? 'T' : 'N');
    if (s2s_micro_time(m, &proto, run_gemm, NULL, &r)) rc = 0;
  next:
    free(ha), free(hb);
    s2s_buf_free(&r.a), s2s_buf_free(&r.b), s2s_buf_free(&r.out);
    if (rc) {
      fprintf(stderr, "s2sbench bench gemm: %s failed on %s\n", c->name, dev->info.name);
      return -1;
    }
  }
  return 0;
}

/* The step's GEMM classes for the config (gemm_classes.h), then the square reference. */
static int step_shapes(const s2s_micro *m, const s2s_device *dev, long square, gemm_case *cs) {
  int n = s2s_gemm_step_classes(&m->cfg, m->len, dev->info.max_alloc, cs);
  if (square)
    cs[n++] = (gemm_case){"square", S2S_NO_TRANS, S2S_NO_TRANS, (size_t)square, (size_t)square,
                          (size_t)square, 0};
  return n;
}

int s2s_bench_gemm(int argc, char **argv) {
  gemm_opts g = {.square = 1024, .samples = 64, .tuning = "auto"};
  s2s_micro m;
  int r = s2s_micro_parse(&m, "bench gemm", argc, argv, help, flag, &g);
  if (r) return r == 1 ? 0 : r;
  s2s_device *devs;
  int n, rc = 1;
  char err[1024], tuned_path[4200] = "", note[4400];
  s2s_run_record_topology();
  /* "default" must mean CLBlast's own parameters even if opening a device applies the
   * tuning file: keep it off while opening, then apply it here (unless the user said off) */
  const char *user = getenv("S2S_TUNING");
  char saved[64] = "";
  if (user) snprintf(saved, sizeof saved, "%s", user);
  setenv("S2S_TUNING", "off", 1);
  r = s2s_blas_open_devices(m.devices, &devs, &n, err, sizeof err);
  if (user)
    setenv("S2S_TUNING", saved, 1);
  else
    unsetenv("S2S_TUNING");
  if (r != 0) {
    fprintf(stderr, "s2sbench bench gemm: --device: %s\n", err);
    return S2S_DEVICE_EXIT(r);
  }
  gemm_case cs[S2S_GEMM_MAX_CLASSES + 1];
  const int nc = step_shapes(&m, &devs[0], g.square, cs);
  if (time_shapes(&m, &devs[0], cs, nc, "default", g.samples) != 0) goto out;
  if (strcmp(g.tuning, "off")) {
    int applied = s2s_tuning_apply(&devs[0], tuned_path, sizeof tuned_path);
    if (applied < 0) goto out;
    if (applied > 0 && time_shapes(&m, &devs[0], cs, nc, "tuned", g.samples) != 0) goto out;
  }
  if (tuned_path[0])
    snprintf(note, sizeof note, "tuned = CLBlast parameters from %s", tuned_path);
  else
    snprintf(note, sizeof note,
             "no tuning file for this device (s2sbench tune): default "
             "CLBlast parameters only");
  m.note = note;
  s2s_micro_report(&m, devs, 1);
  rc = s2s_micro_ok(&m) ? 0 : 1;
  if (s2s_micro_write(&m, devs, 1) != 0) rc = 1;
out:
  s2s_micro_free(&m);
  s2s_device_close(devs, n);
  return rc;
}

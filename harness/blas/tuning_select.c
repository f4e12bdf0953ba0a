/* Choosing a CLBlast setting per shape class by timing the candidates (tuning_select.h). */
#include "blas/tuning_select.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cl/buffer.h"
#include "cl/status.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

typedef struct bench {
  s2s_device *d;
  s2s_buf a, b, c;
  float *host; /* one class's result, read back */
} bench;

/* One product of class c, waited for; its seconds, or -1. */
static double call(bench *x, const s2s_gemm_class *c) {
  const double t0 = now_s();
  if (s2s_gemm(x->d, c->ta, c->tb, c->m, c->n, c->k, 1.0f, x->a,
               s2s_gemm_class_lda(c), x->b, s2s_gemm_class_ldb(c), 0.0f, x->c, c->n, NULL) != 0 ||
      clFinish(x->d->queue) != CL_SUCCESS)
    return -1;
  return now_s() - t0;
}

/* Median seconds of `trials` calls, or -1. */
static double median(bench *x, const s2s_gemm_class *c, int trials) {
  double t[64];
  if (trials > 64) trials = 64;
  for (int i = 0; i < trials; i++)
    if ((t[i] = call(x, c)) < 0) return -1;
  qsort(t, (size_t)trials, sizeof t[0], cmp_double);
  return trials % 2 ? t[trials / 2] : 0.5 * (t[trials / 2 - 1] + t[trials / 2]);
}

/* The result of the last call of class c against ref (NULL: store it as ref). Returns 1
 * when it matches, 0 when not, -1 on a read error. */
static int check(bench *x, const s2s_gemm_class *c, float **ref) {
  const size_t len = c->m * c->n;
  if (s2s_buf_read(x->d, x->c, x->host, len) != 0) return -1;
  if (!*ref) {
    if (!(*ref = malloc(len * sizeof **ref))) return -1;
    memcpy(*ref, x->host, len * sizeof **ref);
    return 1;
  }
  double big = 0, diff = 0;
  for (size_t i = 0; i < len; i++) {
    big = fmax(big, fabs((*ref)[i]));
    const double e = fabs((double)x->host[i] - (*ref)[i]);
    if (!(e <= diff)) diff = e; /* NaN is the worst */
  }
  return diff <= 1e-3 * (big > 0 ? big : 1);
}

static double gflops(const s2s_gemm_class *c, double s) {
  return s > 0 ? 2e-9 * (double)c->m * (double)c->n * (double)c->k / s : 0;
}

static int alloc_bench(bench *x, const s2s_gemm_class *cs, int n) {
  size_t na = 0, nb = 0, nc = 0;
  for (int i = 0; i < n; i++) {
    if (cs[i].m * cs[i].k > na) na = cs[i].m * cs[i].k;
    if (cs[i].k * cs[i].n > nb) nb = cs[i].k * cs[i].n;
    if (cs[i].m * cs[i].n > nc) nc = cs[i].m * cs[i].n;
  }
  const size_t nh = na > nb ? (na > nc ? na : nc) : (nb > nc ? nb : nc);
  if (!(x->host = malloc(nh * sizeof *x->host)) || s2s_buf_alloc(x->d, na, &x->a) != 0 ||
      s2s_buf_alloc(x->d, nb, &x->b) != 0 || s2s_buf_alloc(x->d, nc, &x->c) != 0)
    return -1;
  unsigned long long s = 2024;
  for (size_t i = 0; i < nh; i++) { /* uniform in [-1, 1) */
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    x->host[i] = (float)((double)(s >> 40) / (double)(1ull << 23) - 1.0);
  }
  return s2s_buf_write(x->d, x->a, x->host, na) || s2s_buf_write(x->d, x->b, x->host, nb) ? -1 : 0;
}

/* The cost of one switch between classes i and j (both chosen): the override calls, plus
 * what the first product after a switch loses against one without (the median of 9). */
static double switch_cost(bench *x, const s2s_tuning *t, const s2s_gemm_class *ci,
                          const s2s_gemm_class *cj, int i, int j, FILE *log) {
  double use[9], after[9], steady[9];
  for (int r = 0; r < 9; r++) {
    if (s2s_tuning_use(x->d, t, j) != 0 || call(x, cj) < 0) return -1;
    const double t0 = now_s();
    if (s2s_tuning_use(x->d, t, i) != 0) return -1;
    use[r] = now_s() - t0;
    if ((after[r] = call(x, ci)) < 0 || (steady[r] = call(x, ci)) < 0) return -1;
  }
  qsort(use, 9, sizeof use[0], cmp_double);
  qsort(after, 9, sizeof after[0], cmp_double);
  qsort(steady, 9, sizeof steady[0], cmp_double);
  const double extra = after[4] - steady[4];
  if (log)
    fprintf(log, "  switch %s -> %s: override calls %.3f ms, first %s product after it %+.3f ms "
                 "(its steady time %.3f ms; includes the caches the other class left)\n",
            cj->name, ci->name, 1e3 * use[4], ci->name, 1e3 * extra, 1e3 * steady[4]);
  return use[4] + (extra > 0 ? extra : 0);
}

int s2s_tuning_select_classes(s2s_device *d, s2s_tuning *t, const s2s_gemm_class *cs, int n,
                              const s2s_tuned_kernel *cands, int ncands, const s2s_select_opts *o) {
  if (n > S2S_TUNING_MAX_CLASSES) n = S2S_TUNING_MAX_CLASSES;
  bench x = {.d = d};
  float *ref[S2S_TUNING_MAX_CLASSES] = {0};
  double best[S2S_TUNING_MAX_CLASSES], dflt[S2S_TUNING_MAX_CLASSES];
  int pick[S2S_TUNING_MAX_CLASSES], timed[S2S_TUNING_MAX_CLASSES] = {0}, done = 0, rc = -1;
  const int trials = o->trials > 0 ? o->trials : 3;
  s2s_tuning *probe = malloc(sizeof *probe);
  if (!probe || alloc_bench(&x, cs, n) != 0) goto out;
  const double t0 = now_s();
  for (int i = 0; i < n; i++) { /* CLBlast's own parameters: the reference */
    if (call(&x, &cs[i]) < 0 || check(&x, &cs[i], &ref[i]) < 0 ||
        (dflt[i] = median(&x, &cs[i], trials)) < 0)
      goto out;
    best[i] = INFINITY, pick[i] = -1;
    if (o->log)
      fprintf(o->log, "  %-12s %6zux%6zux%6zu %c%c  default %8.3f ms %7.2f GFLOP/s\n", cs[i].name,
              cs[i].m, cs[i].n, cs[i].k, cs[i].ta ? 'T' : 'N', cs[i].tb ? 'T' : 'N', 1e3 * dflt[i],
              gflops(&cs[i], dflt[i]));
  }
  for (int c = 0; c < ncands; c++) {
    if (now_s() - t0 > o->budget_s) {
      if (o->log)
        fprintf(o->log, "  selection budget of %.0f s spent: %d of %d candidates timed\n",
                o->budget_s, done, ncands);
      break;
    }
    *probe = *t;
    probe->nclasses = 1;
    probe->c[0] = (s2s_tuned_class){.set = cands[c]};
    if (s2s_tuning_use(d, probe, 0) != 0) goto out;
    done++;
    if (o->log)
      fprintf(o->log, "  candidate %2d: %s from %s at %ldx%ldx%ld (%.3f ms there)\n", c + 1,
              cands[c].kernel, cands[c].family, cands[c].m, cands[c].n, cands[c].k,
              cands[c].time_ms);
    for (int i = 0; i < n; i++) {
      const double first = call(&x, &cs[i]); /* compiles on the candidate's first class */
      const double screen = first < 0 ? -1 : call(&x, &cs[i]);
      const int ok = screen < 0 ? -1 : check(&x, &cs[i], &ref[i]);
      if (ok < 0) goto out;
      /* twice the best so far, or the default's (so a slow kernel costs two calls only) */
      const double bar = 2 * fmin(best[i], dflt[i]);
      double med = screen;
      if (ok && screen <= bar && (med = median(&x, &cs[i], trials)) < 0) goto out;
      timed[i]++;
      const char *mark = !ok ? "  WRONG RESULT, not chosen" : med < best[i] ? "  best so far" : "";
      if (o->log)
        fprintf(o->log, "    %-12s %8.3f ms %7.2f GFLOP/s%s%s\n", cs[i].name, 1e3 * med,
                gflops(&cs[i], med), ok && screen > bar ? " (screened out)" : "", mark);
      if (ok && med < best[i]) best[i] = med, pick[i] = c;
    }
  }
  t->nclasses = 0;
  for (int i = 0; i < n; i++) {
    if (pick[i] < 0) {
      if (o->log) fprintf(o->log, "  %s: no candidate gave the right result: not stored\n", cs[i].name);
      continue;
    }
    s2s_tuned_class *k = &t->c[t->nclasses++];
    *k = (s2s_tuned_class){.ta = cs[i].ta == S2S_TRANS, .tb = cs[i].tb == S2S_TRANS,
                           .set = cands[pick[i]],
                           .default_ms = 1e3 * dflt[i],
                           .candidates = timed[i]};
    snprintf(k->name, sizeof k->name, "%s", cs[i].name);
    k->set.m = (long)cs[i].m, k->set.n = (long)cs[i].n, k->set.k = (long)cs[i].k;
    k->set.time_ms = 1e3 * best[i];
  }
  /* the switch between the two classes of most work whose settings differ */
  t->switch_ms = -1;
  for (int i = 0; i < t->nclasses && t->switch_ms < 0; i++)
    for (int j = i + 1; j < t->nclasses; j++)
      if (memcmp(&t->c[i].set.values, &t->c[j].set.values, sizeof t->c[i].set.values) ||
          strcmp(t->c[i].set.kernel, t->c[j].set.kernel)) {
        const s2s_gemm_class *ci = s2s_gemm_class_named(cs, n, t->c[i].name);
        const s2s_gemm_class *cj = s2s_gemm_class_named(cs, n, t->c[j].name);
        const double s = switch_cost(&x, t, ci, cj, i, j, o->log);
        if (s < 0) goto out;
        t->switch_ms = 1e3 * s;
        break;
      }
  rc = done;
out:
  for (int i = 0; i < n; i++)
    free(ref[i]);
  free(x.host), free(probe);
  s2s_buf_free(&x.a), s2s_buf_free(&x.b), s2s_buf_free(&x.c);
  if (rc < 0) fprintf(stderr, "s2sbench tune: the selection failed on '%s'\n", d->info.name);
  return rc;
}

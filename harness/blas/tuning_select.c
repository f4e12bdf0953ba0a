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

/* Times every class under the current setting, the reference result checked: into
 * out[i] (INFINITY for a wrong result; 2 calls only when slower than twice bar[i]).
 * Returns 0 or -1. */
static int time_classes(bench *x, const s2s_gemm_class *cs, int n, float **ref,
                        const double *bar, int trials, double *out, int *timed, FILE *log) {
  for (int i = 0; i < n; i++) {
    const double first = call(x, &cs[i]); /* compiles on the setting's first class */
    const double screen = first < 0 ? -1 : call(x, &cs[i]);
    const int ok = screen < 0 ? -1 : check(x, &cs[i], &ref[i]);
    if (ok < 0) return -1;
    double med = screen;
    if (ok && screen <= 2 * bar[i] && (med = median(x, &cs[i], trials)) < 0) return -1;
    if (timed) timed[i]++;
    out[i] = ok ? med : INFINITY;
    if (log)
      fprintf(log, "    %-12s %8.3f ms %7.2f GFLOP/s%s%s\n", cs[i].name, 1e3 * med,
              gflops(&cs[i], med), ok && screen > 2 * bar[i] ? " (screened out)" : "",
              ok ? "" : "  WRONG RESULT, not chosen");
  }
  return 0;
}

/* The route alone (GemmRoutine), the kernels' parameters left as they are. */
static int force_route(const s2s_device *d, int direct) {
  s2s_tuning probe = {.nclasses = 1};
  snprintf(probe.c[0].set.kernel, sizeof probe.c[0].set.kernel, "%s",
           direct ? "XgemmDirect" : "Xgemm");
  return s2s_tuning_use(d, &probe, 0);
}

enum { IND, DIR };
#define NONE S2S_SELECT_NONE

static double class_s(const s2s_select_costs *h, int v, int i) {
  return v >= 0 ? h->tm[(size_t)v * (size_t)h->n + (size_t)i] : v == NONE ? INFINITY
                                                                : h->pristine[v == -1 ? IND : DIR][i];
}

double s2s_tuning_step_s(const s2s_select_costs *h, const int *a, int *switches) {
  double sum = 0;
  int sw = 0;
  if (!h->nprod) {
    for (int i = 0; i < h->n; i++)
      if (a[i] != NONE) sum += h->weight[i] * class_s(h, a[i], i);
  } else {
    for (int p = 0; p < h->nprod; p++) {
      const int i = h->cls[p], prev = h->cls[(p + h->nprod - 1) % h->nprod];
      if (a[i] != NONE) sum += class_s(h, a[i], i);
      sw += a[i] != a[prev];
    }
  }
  if (switches) *switches = sw;
  return sum + h->switch_s * sw;
}

void s2s_tuning_fewer_switches(const s2s_select_costs *h, int *a) {
  for (int round = 0; round < 64; round++) {
    double best = s2s_tuning_step_s(h, a, NULL);
    int bi = -1, bv = 0;
    for (int i = 0; i < h->n; i++) {
      if (a[i] == NONE) continue;
      const int keep = a[i];
      for (int v = -2; v < h->ncands; v++) {
        const int k = v >= 0 ? (h->direct[v] ? DIR : IND) : v == -1 ? IND : DIR;
        const int tuned = (h->mode >> k) & 1;
        if (v == keep || (v >= 0) != tuned || !isfinite(class_s(h, v, i))) continue;
        a[i] = v;
        const double c = s2s_tuning_step_s(h, a, NULL);
        if (c < best - 1e-12) best = c, bi = i, bv = v;
      }
      a[i] = keep;
    }
    if (bi < 0) return;
    a[bi] = bv;
  }
}

/* t->c from assignment a. */
static void store_classes(s2s_tuning *t, const s2s_gemm_class *cs, int n, const int *a,
                          const s2s_select_costs *h, const s2s_tuned_kernel *cands, const double *dflt,
                          const int *timed, FILE *log) {
  static const char *const kname[2] = {"Xgemm", "XgemmDirect"};
  t->nclasses = 0;
  for (int i = 0; i < n; i++) {
    if (a[i] == NONE) {
      if (log) fprintf(log, "  %s: no setting gave the right result: not stored\n", cs[i].name);
      continue;
    }
    s2s_tuned_class *c = &t->c[t->nclasses++];
    *c = (s2s_tuned_class){.ta = cs[i].ta == S2S_TRANS, .tb = cs[i].tb == S2S_TRANS,
                           .default_ms = 1e3 * dflt[i],
                           .candidates = timed[i]};
    if (a[i] >= 0) {
      c->set = cands[a[i]];
    } else {
      snprintf(c->set.kernel, sizeof c->set.kernel, "%s", kname[a[i] == -1 ? IND : DIR]);
      snprintf(c->set.family, sizeof c->set.family, "CLBlast's own parameters");
      c->set.complete = 1;
    }
    snprintf(c->name, sizeof c->name, "%s", cs[i].name);
    c->set.m = (long)cs[i].m, c->set.n = (long)cs[i].n, c->set.k = (long)cs[i].k;
    c->set.time_ms = 1e3 * class_s(h, a[i], i);
  }
}

/* The class of cs nearest to each product of order (s2s_tuning_nearest's rule): into cls;
 * 0, or -1 when there are no classes. */
static int classes_of(const s2s_gemm_class *cs, int n, const s2s_gemm_class *order, int norder,
                      int *cls) {
  s2s_tuning *shapes = calloc(1, sizeof *shapes);
  if (!shapes) return -1;
  for (int i = 0; i < n; i++) {
    s2s_tuned_class *c = &shapes->c[shapes->nclasses++];
    c->ta = cs[i].ta == S2S_TRANS, c->tb = cs[i].tb == S2S_TRANS;
    c->set.m = (long)cs[i].m, c->set.n = (long)cs[i].n, c->set.k = (long)cs[i].k;
  }
  int rc = 0;
  for (int p = 0; p < norder && rc == 0; p++)
    if ((cls[p] = s2s_tuning_nearest(shapes, order[p].ta == S2S_TRANS, order[p].tb == S2S_TRANS,
                                     order[p].m, order[p].n, order[p].k)) < 0)
      rc = -1;
  free(shapes);
  return rc;
}

int s2s_tuning_select_classes(s2s_device *d, s2s_tuning *t, const s2s_gemm_class *cs, int n,
                              const s2s_tuned_kernel *cands, int ncands, const s2s_select_opts *o) {
  if (n > S2S_TUNING_MAX_CLASSES) n = S2S_TUNING_MAX_CLASSES;
  bench x = {.d = d};
  float *ref[S2S_TUNING_MAX_CLASSES] = {0};
  double dflt[S2S_TUNING_MAX_CLASSES], pristine[2][S2S_TUNING_MAX_CLASSES];
  double best[2][S2S_TUNING_MAX_CLASSES], bar[S2S_TUNING_MAX_CLASSES];
  double now_t[S2S_TUNING_MAX_CLASSES];
  int pick[2][S2S_TUNING_MAX_CLASSES], timed[S2S_TUNING_MAX_CLASSES] = {0}, done = 0, rc = -1;
  const int trials = o->trials > 0 ? o->trials : 3;
  s2s_tuning *probe = malloc(sizeof *probe);
  double *tm = malloc(sizeof *tm * (size_t)(ncands > 0 ? ncands : 1) * (size_t)n);
  int *direct = malloc(sizeof *direct * (size_t)(ncands > 0 ? ncands : 1));
  int *cls = o->order && o->norder > 0 ? malloc(sizeof *cls * (size_t)o->norder) : NULL;
  if (!probe || !tm || !direct || (o->order && o->norder > 0 && !cls) || alloc_bench(&x, cs, n) != 0)
    goto out;
  for (size_t e = 0; e < (size_t)ncands * (size_t)n; e++)
    tm[e] = INFINITY; /* not timed (the budget ran out) */
  if (cls && classes_of(cs, n, o->order, o->norder, cls) != 0) goto out;
  const double t0 = now_s();
  for (int i = 0; i < n; i++) { /* CLBlast's own parameters and routing: the reference */
    if (call(&x, &cs[i]) < 0 || check(&x, &cs[i], &ref[i]) < 0 ||
        (dflt[i] = median(&x, &cs[i], trials)) < 0)
      goto out;
    bar[i] = dflt[i];
    for (int k = 0; k < 2; k++)
      best[k][i] = INFINITY, pick[k][i] = -1;
    if (o->log)
      fprintf(o->log, "  %-12s %6zux%6zux%6zu %c%c  default %8.3f ms %7.2f GFLOP/s\n", cs[i].name,
              cs[i].m, cs[i].n, cs[i].k, cs[i].ta ? 'T' : 'N', cs[i].tb ? 'T' : 'N', 1e3 * dflt[i],
              gflops(&cs[i], dflt[i]));
  }
  /* CLBlast's own parameters through each route, before any override removes them */
  for (int k = 0; k < 2; k++) {
    if (o->log)
      fprintf(o->log, "  CLBlast's own parameters, route forced %s:\n", k == DIR ? "direct" : "indirect");
    if (force_route(d, k == DIR) != 0 ||
        time_classes(&x, cs, n, ref, bar, trials, pristine[k], timed, o->log) != 0)
      goto out;
  }
  for (int c = 0; c < ncands; c++) {
    if (now_s() - t0 > o->budget_s) {
      if (o->log)
        fprintf(o->log, "  selection budget of %.0f s spent: %d of %d candidates timed\n",
                o->budget_s, done, ncands);
      break;
    }
    const int k = strcmp(cands[c].kernel, "XgemmDirect") ? IND : DIR;
    *probe = *t;
    probe->nclasses = 1;
    probe->c[0] = (s2s_tuned_class){.set = cands[c]};
    if (s2s_tuning_use(d, probe, 0) != 0) goto out;
    done++;
    if (o->log)
      fprintf(o->log, "  candidate %2d: %s from %s at %ldx%ldx%ld (%.3f ms there)\n", c + 1,
              cands[c].kernel, cands[c].family, cands[c].m, cands[c].n, cands[c].k,
              cands[c].time_ms);
    for (int i = 0; i < n; i++) /* twice the best so far, or the default's */
      bar[i] = fmin(dflt[i], fmin(best[k][i], pristine[k][i]));
    if (time_classes(&x, cs, n, ref, bar, trials, now_t, timed, o->log) != 0) goto out;
    for (int i = 0; i < n; i++) {
      tm[(size_t)c * (size_t)n + (size_t)i] = now_t[i];
      if (now_t[i] < best[k][i]) best[k][i] = now_t[i], pick[k][i] = c;
    }
  }
  /* each kernel either keeps CLBlast's own parameters for every class routed to it or takes
   * a candidate per class (an override cannot be undone): the combination with the least
   * time per step, weighting each class by its products per step */
  double total[4];
  int mode = 0;
  for (int m = 0; m < 4; m++) {
    total[m] = 0;
    for (int i = 0; i < n; i++) {
      const double ti = fmin(m & 1 ? best[IND][i] : pristine[IND][i],
                             m & 2 ? best[DIR][i] : pristine[DIR][i]);
      total[m] += cs[i].per_step * ti;
    }
    if (total[m] < total[mode]) mode = m;
    if (o->log)
      fprintf(o->log, "  Xgemm %-9s XgemmDirect %-9s: %9.3f ms of products per step%s\n",
              m & 1 ? "tuned" : "CLBlast's", m & 2 ? "tuned" : "CLBlast's", 1e3 * total[m],
              m == 0 ? " (CLBlast's parameters, routes forced)" : "");
  }
  double dtotal = 0;
  for (int i = 0; i < n; i++)
    dtotal += cs[i].per_step * dflt[i];
  if (o->log)
    fprintf(o->log, "  CLBlast's defaults: %9.3f ms of products per step; chosen %.3f ms (%.2fx)\n",
            1e3 * dtotal, 1e3 * total[mode], dtotal / total[mode]);
  static const char *const kname[2] = {"Xgemm", "XgemmDirect"};
  for (int k = 0; k < 2; k++) /* a kernel kept at CLBlast's own gets no base set */
    if (!(mode & (1 << k)))
      for (int b = 0; b < t->nkernels; b++)
        if (!strcmp(t->k[b].kernel, kname[k])) {
          memmove(&t->k[b], &t->k[b + 1], sizeof t->k[0] * (size_t)(t->nkernels - b - 1));
          t->nkernels--, b--;
        }
  /* the fastest per class (the mode's kernels), then, with the step's order, fewer
   * switches where they cost more than the slower setting */
  double weight[S2S_TUNING_MAX_CLASSES];
  for (int i = 0; i < n; i++)
    weight[i] = cs[i].per_step;
  for (int c = 0; c < ncands; c++)
    direct[c] = !strcmp(cands[c].kernel, "XgemmDirect");
  s2s_select_costs h = {n,      ncands, tm, {pristine[IND], pristine[DIR]}, direct, mode, cls,
                        cls ? o->norder : 0, weight, 0};
  int a[S2S_TUNING_MAX_CLASSES];
  for (int i = 0; i < n; i++) {
    double tk[2];
    for (int k = 0; k < 2; k++)
      tk[k] = mode & (1 << k) ? best[k][i] : pristine[k][i];
    const int k = tk[DIR] < tk[IND] ? DIR : IND;
    a[i] = !isfinite(tk[k]) ? NONE : mode & (1 << k) ? pick[k][i] : -1 - k;
  }
  store_classes(t, cs, n, a, &h, cands, dflt, timed, o->log);
  /* the switch between the first two classes whose settings differ */
  t->switch_ms = -1;
  for (int i = 0; i < t->nclasses && t->switch_ms < 0; i++)
    for (int j = i + 1; j < t->nclasses; j++) {
      if (s2s_tuned_same(&t->c[i].set, &t->c[j].set)) continue; /* no switch between them */
      const double sw = switch_cost(&x, t, s2s_gemm_class_named(cs, n, t->c[i].name),
                                    s2s_gemm_class_named(cs, n, t->c[j].name), i, j, o->log);
      if (sw < 0) goto out;
      t->switch_ms = 1e3 * sw;
      break;
    }
  if (cls && t->switch_ms > 0) {
    h.switch_s = 1e-3 * t->switch_ms;
    int before, after;
    const double s0 = s2s_tuning_step_s(&h, a, &before);
    s2s_tuning_fewer_switches(&h, a);
    const double s1 = s2s_tuning_step_s(&h, a, &after);
    if (o->log)
      fprintf(o->log,
              "  a step's %d products: the fastest per class %.3f ms + %d switches x %.3f ms = "
              "%.3f ms; %s %.3f ms + %d switches = %.3f ms\n",
              o->norder, 1e3 * (s0 - h.switch_s * before), before, t->switch_ms, 1e3 * s0,
              s1 < s0 ? "with fewer switches" : "kept:", 1e3 * (s1 - h.switch_s * after), after,
              1e3 * s1);
    if (s1 < s0) store_classes(t, cs, n, a, &h, cands, dflt, timed, NULL);
  }
  rc = done;
out:
  for (int i = 0; i < n; i++)
    free(ref[i]);
  free(x.host), free(probe), free(tm), free(direct), free(cls);
  s2s_buf_free(&x.a), s2s_buf_free(&x.b), s2s_buf_free(&x.c);
  if (rc < 0) fprintf(stderr, "s2sbench tune: the selection failed on '%s'\n", d->info.name);
  return rc;
}

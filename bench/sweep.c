/* Running a sweep (sweep.h): resolve each device spec to its device count, enumerate the
 * points, measure the unfinished ones with the step benchmark (s2s_step_bench_measure)
 * and write each as a results folder, then summarize every point from its run.json (one
 * code path for fresh and resumed points). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/atomic_file.h"
#include "bench/bench.h"
#include "record/json.h"
#include "record/json_read.h"
#include "mpi/world.h"
#include "run/run_record.h"
#include "profile/stats.h"
#include "bench/sweep.h"
#include "bench/predict.h"
#include "bench/sweep_internal.h"
#include "blas/tuning.h"

void s2s_sweep_slug(const char *in, char *out, size_t len) {
  size_t o = 0;
  int dash = 0;
  for (const char *p = in; *p && o + 2 < len; p++) {
    const int keep = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                     (*p >= '0' && *p <= '9') || *p == '.';
    if (!keep) {
      dash = 1;
      continue;
    }
    if (dash && o) out[o++] = '-';
    dash = 0;
    out[o++] = *p;
  }
  out[o] = '\0';
}

int s2s_sweep_points(const s2s_sweep *s, const int *ndev, s2s_sweep_point **out) {
  int n = 0, cap = 64;
  s2s_sweep_point *p = malloc((size_t)cap * sizeof *p);
  if (!p) return -1;
  for (int pr = 0; pr < s->npresets; pr++)
    for (int b = 0; b < s->nbatches; b++)
      for (int l = 0; l < s->nlens; l++)
        for (int d = 0; d < s->ndevices; d++) {
          const char *splits[2 * S2S_SWEEP_MAX];
          int ns = s2s_sweep_splits_for(s, ndev[d], splits, 2 * S2S_SWEEP_MAX);
          for (int k = 0; k < ns; k++) {
            if (n == cap) {
              s2s_sweep_point *q = realloc(p, (size_t)(cap *= 2) * sizeof *p);
              if (!q) {
                free(p);
                return -1;
              }
              p = q;
            }
            s2s_sweep_point *x = &p[n++];
            memset(x, 0, sizeof *x);
            x->preset = pr, x->batch = b, x->len = l, x->spec = d, x->ndev = ndev[d];
            x->split = splits[k];
            char dslug[96], sslug[96];
            s2s_sweep_slug(s->devices[d], dslug, sizeof dslug);
            s2s_sweep_slug(splits[k], sslug, sizeof sslug);
            snprintf(x->name, sizeof x->name, "%s-b%d-t%d-%s-%s", s->presets[pr], s->batches[b],
                     s->lens[l], dslug,
                     ndev[d] == 1 && !strcmp(splits[k], "default") ? "one" : sslug);
            snprintf(x->dir, sizeof x->dir, "%s/points/%s", s->out_dir, x->name);
          }
        }
  *out = p;
  return n;
}

int s2s_sweep_point_done(const s2s_sweep_point *p) {
  char path[4200], err[512];
  snprintf(path, sizeof path, "%s/run.json", p->dir);
  s2s_jdoc d;
  if (s2s_jdoc_load(&d, path, err, sizeof err) != 0) return 0;
  /* finished = recorded with a passing output check: a failed point is measured again */
  int ok = !strcmp(s2s_jstr(d.root, "kind", ""), "sweep point") &&
           s2s_jnum(d.root, "summary.output_check_passed", 0) != 0;
  s2s_jdoc_free(&d);
  return ok;
}

static int write_point(const s2s_sweep *s, const s2s_sweep_point *p, const step_bench *o,
                       const s2s_device *devs, int n, const char *split, const step_numbers *m,
                       double bound, const double *share, const char *tuning,
                       const s2s_prediction *pred, int argc, char **argv) {
  char path[4200];
  s2s_atomic_file a;
  snprintf(path, sizeof path, "%s/trials.tsv", p->dir);
  if (s2s_atomic_open(&a, path) != 0) return -1;
  fprintf(a.f, "phase\ttrial\tseconds\twords_per_s\n");
  for (long i = 0; i < o->warmup; i++)
    fprintf(a.f, "warmup\t%ld\t%.6f\t%.1f\n", i, m->warm_s[i], m->words / m->warm_s[i]);
  for (long i = 0; i < o->trials; i++)
    fprintf(a.f, "trial\t%ld\t%.6f\t%.1f\n", i, m->trial_s[i], m->words / m->trial_s[i]);
  if (s2s_atomic_commit(&a) != 0) return -1;
  snprintf(path, sizeof path, "%s/run.json", p->dir);
  if (s2s_atomic_open(&a, path) != 0) return -1;
  s2s_json j;
  s2s_json_begin(&j, a.f);
  s2s_run_record_meta(&j, "sweep point", argc, argv, devs, n);
  s2s_run_record_config(&j, &o->cfg);
  s2s_json_str(&j, "split", split);
  s2s_json_int(&j, "replicas", m->par.replicas > 1 ? m->par.replicas : 1); /* data parallel */
  s2s_json_object(&j, "summary");
  s2s_json_bool(&j, "output_check_passed", m->valid);
  s2s_json_str(&j, "sweep", s->name);
  s2s_json_str(&j, "point", p->name);
  s2s_json_str(&j, "device_spec", s->devices[p->spec]);
  s2s_json_int(&j, "devices", n);
  s2s_json_int(&j, "words_per_sentence", o->len);
  s2s_json_num(&j, "words_per_step", m->words);
  s2s_json_str(&j, "words_convention", "source + target words, <eos> excluded");
  s2s_json_str(&j, "clblast_tuning", tuning[0] ? tuning : "none");
  s2s_json_num(&j, "program_build_s", m->build_s);
  s2s_json_num(&j, "first_step_s", m->warm_s[0]);
  s2s_json_num(&j, "loss_per_token", m->loss_per_token);
  s2s_json_num(&j, "flop_balance", bound);
  if (pred) s2s_prediction_json(pred, &j); /* over one device like the point's first */
  s2s_json_array(&j, "work_share");
  for (int d = 0; d < n; d++)
    s2s_json_num(&j, NULL, share[d]);
  s2s_json_close(&j, ']');
  if (m->valid) {
    s2s_json_int(&j, "trials", (long long)m->step.n);
    s2s_json_num(&j, "step_s_median", m->step.median);
    s2s_json_num(&j, "step_s_min", m->step.min);
    s2s_json_num(&j, "step_s_max", m->step.max);
    s2s_json_num(&j, "words_per_s", m->words / m->step.median);
    s2s_json_num(&j, "words_per_s_min", m->words / m->step.max);
    s2s_json_num(&j, "words_per_s_max", m->words / m->step.min);
    s2s_json_num(&j, "step_gflop", m->step_flops * 1e-9);
    s2s_json_num(&j, "achieved_gflops", m->step_flops / m->step.median * 1e-9);
    if (m->gemm.n) s2s_json_num(&j, "gemm_ceiling_gflops", m->gemm_flops / m->gemm_s * 1e-9);
    s2s_json_array(&j, "busy_fraction"); /* last trial, from profiling events */
    for (int d = 0; d < n; d++)
      s2s_json_num(&j, NULL, m->busy[d] / m->trial_s[o->trials - 1]);
    s2s_json_close(&j, ']');
  }
  s2s_json_close(&j, '}');
  s2s_json_end(&j);
  return s2s_atomic_commit(&a);
}

/* Under mpirun with N ranks: a point whose spec has N items (and no @N) runs as N ranks,
 * one device each; the others (the 1-device baseline) run on rank 0 alone. */
static int mpi_point(const char *spec) {
  return s2s_mpi_size() > 1 && !strchr(spec, '@') && s2s_device_spec_items(spec) == s2s_mpi_size();
}

/* Measures one point; returns 0 (valid or not: see *valid) or -1 on an error. */
static int run_point(const s2s_sweep *s, const s2s_sweep_point *p, int argc, char **argv,
                     double *wps, int *valid) {
  s2s_device *devs;
  int count, n, rc = -1;
  const int mpi = mpi_point(s->devices[p->spec]), root = s2s_mpi_rank() == 0;
  char err[1024], splitbuf[256], tuning[4200] = "", tl[4300];
  step_bench o = {0};
  step_numbers m = {0};
  s2s_split split;
  if (s2s_sweep_point_config(s, p->preset, p->batch, p->len, &o.cfg, err, sizeof err) != 0) {
    fprintf(stderr, "s2sbench sweep: %s: %s\n", p->name, err);
    return -1;
  }
  if (mpi) {
    if (s2s_run_open_devices("sweep", "devices", s->devices[p->spec], &devs, &count) != 0)
      return -1;
    n = count;
  } else if (s2s_sweep_open(s->devices[p->spec], &devs, &count, &n, err, sizeof err) != 0) {
    fprintf(stderr, "s2sbench sweep: devices '%s': %s\n", s->devices[p->spec], err);
    return -1;
  } else {
    s2s_run_warn_binding("sweep", devs, n);
  }
  snprintf(tuning, sizeof tuning, "%s", devs[0].info.tuning); /* applied when opened */
  if (!devs[0].remote) s2s_run_record_bind(&devs[0].info); /* one host thread drives them */
  /* "replicas=R[;SPLIT]": R data-parallel replicas of SPLIT (default: the default split) over
   * n / R devices each */
  int reps = 1;
  const char *sp = p->split;
  if (!strncmp(sp, "replicas=", 9)) {
    char *end;
    const long r = strtol(sp + 9, &end, 10);
    if (r < 1 || r > S2S_MAX_REPLICAS || (*end && *end != ';') || n % r) {
      fprintf(stderr, "s2sbench sweep: %s: split '%s': replicas=R needs 1 <= R <= %d dividing "
              "the %d devices\n", p->name, p->split, S2S_MAX_REPLICAS, n);
      goto out;
    }
    reps = (int)r;
    sp = *end ? end + 1 : "default";
  }
  const int S = n / reps;
  if (strcmp(sp, "default") ? s2s_split_parse(&split, sp, S, &o.cfg, err, sizeof err)
                            : (s2s_split_default(&split, S, &o.cfg), 0)) {
    fprintf(stderr, "s2sbench sweep: %s: split '%s': %s\n", p->name, p->split, err);
    goto out;
  }
  char one[200];
  s2s_split_format(&split, one, sizeof one);
  if (reps > 1) snprintf(splitbuf, sizeof splitbuf, "replicas=%d;%s", reps, one);
  else snprintf(splitbuf, sizeof splitbuf, "%s", one);
  m.par.replicas = reps;
  o.devices = s->devices[p->spec], o.out_dir = p->dir;
  o.trials = s->trials, o.warmup = s->warmup, o.len = s->lens[p->len];
  o.gemm_reps = s->gemm_reps;
  if (!(m.trial_s = calloc((size_t)o.trials, sizeof *m.trial_s)) ||
      (root && s2s_mkdirs(p->dir) != 0))
    goto out;
  snprintf(tl, sizeof tl, "%s/timeline.tsv", p->dir);
  m.timeline_path = root ? tl : NULL; /* under mpirun rank 0 writes every rank's rows */
  if (s2s_step_bench_measure(&o, devs, n, n > 1 ? &split : NULL, &m) != 0) {
    fprintf(stderr, "s2sbench sweep: %s: the step failed\n", p->name);
    goto out;
  }
  double share[S2S_MAX_DEVICES], one_share[S2S_MAX_DEVICES];
  /* R replicas: every device does 1/R of its replica's share, so the balance is R times */
  double bound = reps * s2s_split_bound(&split, &o.cfg, (int)o.len, (int)o.len + 1, one_share);
  for (int d = 0; d < n; d++) share[d] = one_share[d % S] / reps; /* each replica a 1/R */
  s2s_prediction pred; /* several devices: predicted from device 0's costs (rank 0's) */
  const int want = n > 1 && root && m.valid && !s->no_predict;
  const int predicted =
      want && s2s_predict_devices(&o, &devs[0], devs, n, &m.par, &split, NULL, p->dir, &pred) == 0;
  if (want && !predicted)
    fprintf(stderr, "s2sbench sweep: %s: no prediction (see above)\n", p->name);
  if (mpi && n > 1 && !s->no_predict && s2s_mpi_barrier() != 0) { /* the others nap meanwhile */
    if (predicted) s2s_prediction_free(&pred);
    goto out;
  }
  const int wrote = !root || write_point(s, p, &o, devs, n, splitbuf, &m, bound, share, tuning,
                                         predicted ? &pred : NULL, argc, argv) == 0;
  if (predicted) s2s_prediction_free(&pred);
  if (!wrote) goto out;
  *valid = m.valid;
  *wps = m.valid ? m.words / m.step.median : 0;
  rc = 0;
out:
  free(m.trial_s);
  s2s_device_close(devs, count);
  return rc;
}

static void fmt_time(double s, char *buf, size_t len) {
  if (s < 60)
    snprintf(buf, len, "%.0fs", s);
  else if (s < 3600)
    snprintf(buf, len, "%dm%02ds", (int)s / 60, (int)s % 60);
  else
    snprintf(buf, len, "%dh%02dm", (int)s / 3600, (int)s % 3600 / 60);
}

int s2s_sweep_run(const s2s_sweep *s, int argc, char **argv) {
  int ndev[S2S_SWEEP_MAX], nw = 0, rc = -1;
  s2s_device widest[S2S_MAX_DEVICES];
  memset(widest, 0, sizeof widest);
  char err[1024];
  s2s_run_record_topology();              /* before the first OpenCL call */
  for (int d = 0; d < s->ndevices; d++) { /* device counts, and the widest set's records */
    s2s_device *devs;
    int count, used;
    if (s2s_sweep_open(s->devices[d], &devs, &count, &used, err, sizeof err) != 0) {
      fprintf(stderr, "s2sbench sweep: devices '%s': %s\n", s->devices[d], err);
      return -1;
    }
    ndev[d] = used;
    if (used > nw) {
      nw = used;
      for (int k = 0; k < used; k++)
        widest[k].info = devs[k].info;
    }
    s2s_device_close(devs, count);
  }
  s2s_sweep_point *pts;
  int np = s2s_sweep_points(s, ndev, &pts);
  if (np < 0) return -1;
  int todo = 0, done = 0, failed = 0;
  const int root = s2s_mpi_rank() == 0; /* under mpirun: rank 0 reads, prints and writes */
  for (int i = 0; i < np; i++) {
    int d = root ? s2s_sweep_point_done(&pts[i]) : 0;
    if (s2s_mpi_bcast(&d, sizeof d, 0) != 0) return -1;
    todo += !(pts[i].done = d);
  }
  if (root) printf("sweep \"%s\": %d points (%d finished earlier), %ld trials each, results in %s\n", s->name,
         np, np - todo, s->trials, s->out_dir);
  const double t0 = s2s_now();
  for (int i = 0; i < np; i++) {
    const s2s_sweep_point *p = &pts[i];
    if (p->done) {
      if (root) printf("[%d/%d] %s: finished earlier, skipped\n", i + 1, np, p->name);
      continue;
    }
    const int mpi = mpi_point(s->devices[p->spec]);
    if (!root && !mpi) continue; /* rank 0's point alone */
    if (root)
      printf("[%d/%d] %s: %d device%s%s, split %s ...\n", i + 1, np, p->name, p->ndev,
             p->ndev == 1 ? "" : "s", mpi ? " (one per MPI rank)" : "", p->split);
    fflush(stdout);
    double wps = 0;
    int valid = 0;
    if (run_point(s, p, argc, argv, &wps, &valid) != 0) {
      if (mpi) return -1; /* the ranks cannot agree on what comes next: abort them all */
      failed++;
      continue;
    }
    if (!root) continue;
    done++;
    char el[32], eta[32];
    const double t = s2s_now() - t0;
    fmt_time(t, el, sizeof el);
    fmt_time(t / done * (todo - done - failed), eta, sizeof eta);
    if (valid)
      printf("[%d/%d] %s: %.0f words/s (median); elapsed %s, eta %s\n", i + 1, np, p->name, wps, el,
             eta);
    else
      printf("[%d/%d] %s: OUTPUT CHECK FAILED, numbers withheld; elapsed %s, eta %s\n", i + 1, np,
             p->name, el, eta);
    fflush(stdout);
  }
  if (!root) { /* rank 0 summarises */
    free(pts);
    return 0;
  }
  int bad = s2s_sweep_summarize(s, pts, np, widest, nw, argc, argv);
  if (bad >= 0) rc = failed || bad ? 1 : 0;
  free(pts);
  return rc;
}

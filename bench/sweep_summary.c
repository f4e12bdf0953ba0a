/* The sweep's summary (sweep_internal.h): every point read back from its run.json, its
 * speedup over the 1-device point of the same preset, batch and length (same code, same
 * global batch, same machine, same sweep), efficiency = speedup / devices, the split's
 * FLOP balance; written as OUT/sweep.tsv (one row per point) and OUT/sweep.json. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/atomic_file.h"
#include "record/json.h"
#include "record/json_read.h"
#include "run/run_record.h"
#include "bench/sweep_internal.h"

typedef struct row {
  int ok, devices;
  double wps, wmin, wmax, step, bound, speedup;
  double smin, smax; /* speedup range: slowest trial over the baseline's fastest, and back */
  double predicted;  /* the point's predicted speedup (NaN: none) */
  int replicas;      /* data-parallel replicas of the point's split */
  char split[256], busy[160], device[256];
  int base; /* index of the baseline point, -1 none */
} row;

static void read_row(const s2s_sweep_point *p, row *r) {
  char path[4200], err[512];
  memset(r, 0, sizeof *r);
  r->base = -1;
  r->speedup = r->smin = r->smax = NAN;
  snprintf(path, sizeof path, "%s/run.json", p->dir);
  s2s_jdoc d;
  if (s2s_jdoc_load(&d, path, err, sizeof err) != 0) return;
  const s2s_jval *sum = s2s_jget(d.root, "summary");
  r->devices = (int)s2s_jnum(sum, "devices", p->ndev);
  r->wps = s2s_jnum(sum, "words_per_s", NAN);
  r->wmin = s2s_jnum(sum, "words_per_s_min", NAN);
  r->wmax = s2s_jnum(sum, "words_per_s_max", NAN);
  r->step = s2s_jnum(sum, "step_s_median", NAN);
  r->bound = s2s_jnum(sum, "flop_balance", s2s_jnum(sum, "analytic_bound", NAN));
  r->predicted = s2s_jnum(sum, "predicted_speedup", NAN);
  r->replicas = (int)s2s_jnum(d.root, "replicas", 1);
  r->ok = s2s_jnum(sum, "output_check_passed", 0) != 0 && isfinite(r->step);
  snprintf(r->split, sizeof r->split, "%s", s2s_jstr(d.root, "split", p->split));
  snprintf(r->device, sizeof r->device, "%s", s2s_jstr(d.root, "devices.0.name", "?"));
  const s2s_jval *busy = s2s_jget(sum, "busy_fraction");
  size_t o = 0;
  for (size_t i = 0; busy && i < busy->count && o + 8 < sizeof r->busy; i++)
    o += (size_t)snprintf(r->busy + o, sizeof r->busy - o, "%s%.3f", i ? "," : "",
                          s2s_jat(busy, i)->num);
  s2s_jdoc_free(&d);
}

static void tsv_num(FILE *f, double x, const char *fmt) {
  fputc('\t', f);
  if (isfinite(x))
    fprintf(f, fmt, x);
  else
    fputc('-', f);
}

static int write_tsv(const s2s_sweep *s, const s2s_sweep_point *pts, const row *r, int np) {
  char path[4200];
  snprintf(path, sizeof path, "%s/sweep.tsv", s->out_dir);
  s2s_atomic_file a;
  if (s2s_atomic_open(&a, path) != 0) return -1;
  fprintf(a.f, "point\tdevices\tdevice_spec\tsplit\tpreset\tbatch\tlen\twords_per_s_median\t"
               "words_per_s_min\twords_per_s_max\tstep_s_median\tspeedup\tefficiency\tflop_balance\t"
               "fraction_of_flop_balance\tbusy_fraction\tcheck\tdevice_name\tspeedup_min\t"
               "speedup_max\n");
  for (int i = 0; i < np; i++) {
    const s2s_sweep_point *p = &pts[i];
    fprintf(a.f, "%s\t%d\t%s\t%s\t%s\t%d\t%d", p->name, r[i].devices ? r[i].devices : p->ndev,
            s->devices[p->spec], r[i].split[0] ? r[i].split : p->split, s->presets[p->preset],
            s->batches[p->batch], s->lens[p->len]);
    const int ok = r[i].ok;
    tsv_num(a.f, ok ? r[i].wps : NAN, "%.1f");
    tsv_num(a.f, ok ? r[i].wmin : NAN, "%.1f");
    tsv_num(a.f, ok ? r[i].wmax : NAN, "%.1f");
    tsv_num(a.f, ok ? r[i].step : NAN, "%.6f");
    tsv_num(a.f, r[i].speedup, "%.4f");
    tsv_num(a.f, r[i].speedup / r[i].devices, "%.4f");
    tsv_num(a.f, r[i].bound, "%.4f");
    tsv_num(a.f, r[i].speedup / r[i].bound, "%.4f");
    fprintf(a.f, "\t%s\t%s\t%s", r[i].busy[0] ? r[i].busy : "-",
            !r[i].devices ? "missing"
            : ok          ? "passed"
                          : "FAILED",
            r[i].device);
    tsv_num(a.f, r[i].smin, "%.4f");
    tsv_num(a.f, r[i].smax, "%.4f");
    fputc('\n', a.f);
  }
  return s2s_atomic_commit(&a);
}

static void str_list(s2s_json *j, const char *key, const char *first, size_t stride, int n) {
  s2s_json_array(j, key);
  for (int i = 0; i < n; i++)
    s2s_json_str(j, NULL, first + (size_t)i * stride);
  s2s_json_close(j, ']');
}

static void num_or_null(s2s_json *j, const char *key, double x) {
  if (isfinite(x))
    s2s_json_num(j, key, x);
  else
    s2s_json_key(j, key), fputs("null", j->f);
}

static int write_json(const s2s_sweep *s, const s2s_sweep_point *pts, const row *r, int np,
                      const s2s_device *devs, int ndev, int argc, char **argv, int bad) {
  char path[4200], err[512];
  snprintf(path, sizeof path, "%s/sweep.json", s->out_dir);
  s2s_atomic_file a;
  if (s2s_atomic_open(&a, path) != 0) return -1;
  s2s_json j;
  s2s_json_begin(&j, a.f);
  s2s_run_record_meta(&j, "sweep", argc, argv, devs, ndev);
  s2s_config c;
  if (s2s_sweep_point_config(s, 0, 0, 0, &c, err, sizeof err) == 0)
    s2s_run_record_config(&j, &c); /* the first point's; points differ as "sweep" says */
  s2s_json_object(&j, "sweep");
  s2s_json_str(&j, "name", s->name);
  s2s_json_str(&j, "source", s->source);
  str_list(&j, "devices", s->devices[0], sizeof s->devices[0], s->ndevices);
  s2s_json_array(&j, "splits");
  for (int i = 0; i < s->nsplits; i++) {
    s2s_json_object(&j, NULL);
    s2s_json_int(&j, "devices", s->splits[i].ndev);
    s2s_json_str(&j, "split", s->splits[i].spec);
    s2s_json_close(&j, '}');
  }
  s2s_json_close(&j, ']');
  str_list(&j, "presets", s->presets[0], sizeof s->presets[0], s->npresets);
  s2s_json_array(&j, "batches");
  for (int i = 0; i < s->nbatches; i++)
    s2s_json_int(&j, NULL, s->batches[i]);
  s2s_json_close(&j, ']');
  s2s_json_array(&j, "lens");
  for (int i = 0; i < s->nlens; i++)
    s2s_json_int(&j, NULL, s->lens[i]);
  s2s_json_close(&j, ']');
  s2s_json_object(&j, "overrides");
  for (int i = 0; i < s->noverrides; i++)
    s2s_json_str(&j, s->overrides[i][0], s->overrides[i][1]);
  s2s_json_close(&j, '}');
  s2s_json_int(&j, "trials", s->trials);
  s2s_json_int(&j, "warmup", s->warmup);
  s2s_json_close(&j, '}');
  s2s_json_array(&j, "points");
  for (int i = 0; i < np; i++) {
    const s2s_sweep_point *p = &pts[i];
    s2s_json_object(&j, NULL);
    s2s_json_str(&j, "point", p->name);
    s2s_json_str(&j, "path", p->dir + strlen(s->out_dir) + 1);
    s2s_json_int(&j, "devices", r[i].devices ? r[i].devices : p->ndev);
    s2s_json_str(&j, "device_spec", s->devices[p->spec]);
    s2s_json_str(&j, "device_name", r[i].device);
    s2s_json_str(&j, "split", r[i].split[0] ? r[i].split : p->split);
    s2s_json_str(&j, "split_given", p->split); /* as the sweep named it: "default" or a spec */
    s2s_json_int(&j, "replicas", r[i].replicas ? r[i].replicas : 1);
    s2s_json_str(&j, "preset", s->presets[p->preset]);
    s2s_json_int(&j, "batch", s->batches[p->batch]);
    s2s_json_int(&j, "len", s->lens[p->len]);
    s2s_json_bool(&j, "output_check_passed", r[i].ok);
    num_or_null(&j, "words_per_s", r[i].ok ? r[i].wps : NAN);
    num_or_null(&j, "words_per_s_min", r[i].ok ? r[i].wmin : NAN);
    num_or_null(&j, "words_per_s_max", r[i].ok ? r[i].wmax : NAN);
    num_or_null(&j, "step_s_median", r[i].ok ? r[i].step : NAN);
    if (r[i].base >= 0) s2s_json_str(&j, "baseline", pts[r[i].base].name);
    num_or_null(&j, "speedup", r[i].speedup);
    num_or_null(&j, "speedup_min", r[i].smin);
    num_or_null(&j, "speedup_max", r[i].smax);
    num_or_null(&j, "efficiency", r[i].speedup / r[i].devices);
    num_or_null(&j, "flop_balance", r[i].bound);
    num_or_null(&j, "fraction_of_flop_balance", r[i].speedup / r[i].bound);
    num_or_null(&j, "predicted_speedup", r[i].predicted);
    s2s_json_str(&j, "busy_fraction", r[i].busy);
    s2s_json_close(&j, '}');
  }
  s2s_json_close(&j, ']');
  s2s_json_object(&j, "summary");
  s2s_json_bool(&j, "output_check_passed", bad == 0);
  s2s_json_int(&j, "points", np);
  s2s_json_int(&j, "points_without_result", bad);
  s2s_json_str(&j, "speedup_convention",
               "median step time of the 1-device point of the same "
               "preset, batch and length in this sweep / this point's median step time; "
               "speedup_min/max: this point's slowest / fastest trial over the baseline's "
               "fastest / slowest (the points are measured one after the other, not "
               "interleaved: bench pipeline interleaves)");
  s2s_json_str(&j, "words_convention", "source + target words, <eos> excluded");
  s2s_json_close(&j, '}');
  s2s_json_end(&j);
  return s2s_atomic_commit(&a);
}

int s2s_sweep_summarize(const s2s_sweep *s, const s2s_sweep_point *pts, int np,
                        const s2s_device *devs, int ndev, int argc, char **argv) {
  row *r = calloc((size_t)(np ? np : 1), sizeof *r);
  if (!r) return -1;
  int bad = 0;
  for (int i = 0; i < np; i++) {
    read_row(&pts[i], &r[i]);
    bad += !r[i].ok;
  }
  for (int i = 0; i < np; i++) {
    for (int b = 0; b < np && r[i].ok; b++) {
      const s2s_sweep_point *p = &pts[i], *q = &pts[b];
      if (r[b].ok && r[b].devices == 1 && q->preset == p->preset && q->batch == p->batch &&
          q->len == p->len) {
        r[i].base = b;
        r[i].speedup = r[b].step / r[i].step;
        /* words per step are the same at one preset, batch and length: ratios of words/s */
        if (b == i)
          r[i].smin = r[i].wmin / r[i].wps, r[i].smax = r[i].wmax / r[i].wps;
        else
          r[i].smin = r[i].wmin / r[b].wmax, r[i].smax = r[i].wmax / r[b].wmin;
        break;
      }
    }
  }
  int rc = bad;
  if (s2s_mkdirs(s->out_dir) != 0 || write_tsv(s, pts, r, np) != 0 ||
      write_json(s, pts, r, np, devs, ndev, argc, argv, bad) != 0)
    rc = -1;
  /* the table on the terminal */
  printf("\n%-40s %4s %10s %8s %6s %6s  %s\n", "point", "dev", "words/s", "speedup", "eff", "flop_bal",
         "busy");
  for (int i = 0; i < np; i++) {
    printf("%-40s %4d ", pts[i].name, r[i].devices ? r[i].devices : pts[i].ndev);
    if (!r[i].ok) {
      printf("%10s\n", r[i].devices ? "withheld" : "missing");
      continue;
    }
    printf("%10.0f ", r[i].wps);
    if (isfinite(r[i].speedup))
      printf("%7.2fx %5.0f%% %5.2fx  %s\n", r[i].speedup, 100 * r[i].speedup / r[i].devices,
             r[i].bound, r[i].busy);
    else
      printf("%8s %6s %5.2fx  %s\n", "-", "-", r[i].bound, r[i].busy);
  }
  printf("summary: %s/sweep.tsv, %s/sweep.json\n", s->out_dir, s->out_dir);
  free(r);
  return rc;
}

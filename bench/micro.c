/* The microbenchmark frame (micro.h): flags, timing loop, case table, results folder. A
 * case whose output check failed keeps its raw trials but reports no rate. */
#include "bench/micro.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/atomic_file.h"
#include "record/json.h"
#include "run/run_record.h"

void s2s_micro_help_common(void) {
  printf("  --device SPEC  device(s) (default: the first GPU, else the first CPU)\n"
         "  --len T        words per sentence for the shapes (default 20)\n"
         "  --trials N     timed calls per case (default 5)\n"
         "  --warmup N     untimed calls first, recorded apart (default 1)\n"
         "  --out DIR      write run.json, trials.tsv and cases.tsv\n");
  s2s_args_config_help();
}

int s2s_micro_parse(s2s_micro *m, const char *kind, int argc, char **argv, void (*help)(void),
                    s2s_micro_flag_fn flag, void *ctx) {
  memset(m, 0, sizeof *m);
  m->kind = kind;
  m->argc = argc, m->argv = argv;
  m->trials = 5, m->warmup = 1, m->len = 20;
  s2s_config_preset(&m->cfg, "small");
  s2s_args c;
  s2s_args_init(&c, kind, argc, argv);
  while (s2s_args_next(&c)) {
    int r = s2s_args_config(&c, &m->cfg);
    if (r < 0) return 2;
    if (r > 0) continue;
    if (flag && (r = flag(&c, ctx)) != 0) {
      if (r < 0) return 2;
      continue;
    }
    if (s2s_args_is(&c, "--help") || s2s_args_is(&c, "-h")) {
      help();
      return 1;
    } else if (s2s_args_is(&c, "--device") || s2s_args_is(&c, "--devices")) {
      if (!(m->devices = s2s_args_value(&c))) return 2;
    } else if (s2s_args_is(&c, "--out")) {
      if (!(m->out_dir = s2s_args_value(&c))) return 2;
    } else if (s2s_args_is(&c, "--trials")) {
      if (s2s_args_long(&c, 1, 100000, &m->trials)) return 2;
    } else if (s2s_args_is(&c, "--warmup")) {
      if (s2s_args_long(&c, 1, S2S_MICRO_MAX_WARMUP, &m->warmup)) return 2;
    } else if (s2s_args_is(&c, "--len")) {
      if (s2s_args_long(&c, 1, 1000, &m->len)) return 2;
    } else {
      return s2s_args_unknown(&c);
    }
  }
  char err[256];
  if (s2s_config_check(&m->cfg, err, sizeof err) != 0) {
    fprintf(stderr, "s2sbench %s: %s\n", kind, err);
    return 2;
  }
  return 0;
}

s2s_micro_case *s2s_micro_time(s2s_micro *m, const s2s_micro_case *proto, int (*run)(void *ctx),
                               int (*prep)(void *ctx), void *ctx) {
  if (m->n == m->cap) {
    size_t cap = m->cap ? 2 * m->cap : 16;
    s2s_micro_case *c = realloc(m->cases, cap * sizeof *c);
    if (!c) return NULL;
    m->cases = c, m->cap = cap;
  }
  s2s_micro_case *c = &m->cases[m->n];
  *c = *proto;
  if (!(c->trial_s = calloc((size_t)m->trials, sizeof *c->trial_s))) return NULL;
  m->n++;
  for (long i = 0; i < m->warmup; i++) {
    if (prep && prep(ctx) != 0) return NULL;
    double t = s2s_now();
    if (run(ctx) != 0) return NULL;
    c->warm_s[i] = s2s_now() - t;
  }
  for (long i = 0; i < m->trials; i++) {
    if (prep && prep(ctx) != 0) return NULL;
    double t = s2s_now();
    if (run(ctx) != 0) return NULL;
    c->trial_s[i] = s2s_now() - t;
  }
  s2s_summarize(c->trial_s, (size_t)m->trials, &c->s);
  return c;
}

int s2s_micro_ok(const s2s_micro *m) {
  for (size_t i = 0; i < m->n; i++)
    if (m->cases[i].check == 0) return 0;
  return 1;
}

static double rate(double per_call, double seconds) {
  return per_call > 0 && seconds > 0 ? per_call / seconds * 1e-9 : 0;
}

void s2s_micro_report(const s2s_micro *m, const s2s_device *devs, int ndev) {
  printf("%s: %s %dx%d E%d V%d/%d B%d T%ld on %s%s\n", m->kind, m->cfg.preset, m->cfg.layers,
         m->cfg.hidden, m->cfg.embed, m->cfg.src_vocab, m->cfg.tgt_vocab, m->cfg.batch, m->len,
         devs[0].info.name, ndev > 1 ? " (and more)" : "");
  printf("  %-18s %-8s %-22s %11s %11s %11s %9s %9s  %s\n", "case", "variant", "shape", "median s",
         "min s", "max s", "GFLOP/s", "GB/s", "check");
  for (size_t i = 0; i < m->n; i++) {
    const s2s_micro_case *c = &m->cases[i];
    printf("  %-18s %-8s %-22s %11.3e %11.3e %11.3e ", c->name, c->variant, c->shape, c->s.median,
           c->s.min, c->s.max);
    if (c->check == 0) {
      printf("%9s %9s  FAILED (err %.3g): numbers withheld\n", "-", "-", c->max_err);
      continue;
    }
    char gf[32] = "-", gb[32] = "-";
    if (c->flops > 0) snprintf(gf, sizeof gf, "%.2f", rate(c->flops, c->s.median));
    if (c->bytes > 0) snprintf(gb, sizeof gb, "%.3f", rate(c->bytes, c->s.median));
    printf("%9s %9s  %s\n", gf, gb, c->check > 0 ? "ok" : "n/a");
  }
  if (m->note) printf("  %s\n", m->note);
}

static int write_tsvs(const s2s_micro *m) {
  char path[4200];
  s2s_atomic_file a;
  snprintf(path, sizeof path, "%s/trials.tsv", m->out_dir);
  if (s2s_atomic_open(&a, path) != 0) return -1;
  fprintf(a.f, "case\tvariant\tdevice\tphase\ttrial\tseconds\n");
  for (size_t i = 0; i < m->n; i++) {
    const s2s_micro_case *c = &m->cases[i];
    for (long t = 0; t < m->warmup; t++)
      fprintf(a.f, "%s\t%s\t%d\twarmup\t%ld\t%.9f\n", c->name, c->variant, c->device, t,
              c->warm_s[t]);
    for (long t = 0; t < m->trials; t++)
      fprintf(a.f, "%s\t%s\t%d\ttrial\t%ld\t%.9f\n", c->name, c->variant, c->device, t,
              c->trial_s[t]);
  }
  if (s2s_atomic_commit(&a) != 0) return -1;
  snprintf(path, sizeof path, "%s/cases.tsv", m->out_dir);
  if (s2s_atomic_open(&a, path) != 0) return -1;
  fprintf(a.f, "case\tvariant\tshape\tdevice\tflops\tbytes\tseconds_median\tseconds_min\t"
               "seconds_max\tgflops\tgbps\tcheck\n");
  for (size_t i = 0; i < m->n; i++) {
    const s2s_micro_case *c = &m->cases[i];
    const int ok = c->check != 0;
    fprintf(a.f, "%s\t%s\t%s\t%d\t%.0f\t%.0f\t%.9f\t%.9f\t%.9f\t", c->name,
            c->variant[0] ? c->variant : "-", c->shape, c->device, c->flops, c->bytes, c->s.median,
            c->s.min, c->s.max);
    if (ok && c->flops > 0) fprintf(a.f, "%.6g", rate(c->flops, c->s.median));
    fputc('\t', a.f);
    if (ok && c->bytes > 0) fprintf(a.f, "%.6g", rate(c->bytes, c->s.median));
    fprintf(a.f, "\t%s\n", c->check > 0 ? "passed" : c->check == 0 ? "FAILED" : "none");
  }
  return s2s_atomic_commit(&a);
}

int s2s_micro_write(const s2s_micro *m, const s2s_device *devs, int ndev) {
  if (!m->out_dir) return 0;
  if (s2s_mkdirs(m->out_dir) != 0 || write_tsvs(m) != 0) return -1;
  char path[4200];
  snprintf(path, sizeof path, "%s/run.json", m->out_dir);
  s2s_atomic_file a;
  if (s2s_atomic_open(&a, path) != 0) return -1;
  s2s_json j;
  s2s_json_begin(&j, a.f);
  s2s_run_record_meta(&j, m->kind, m->argc, m->argv, devs, ndev);
  s2s_run_record_config(&j, &m->cfg);
  s2s_json_object(&j, "summary");
  s2s_json_bool(&j, "output_check_passed", s2s_micro_ok(m));
  s2s_json_int(&j, "words_per_sentence", m->len);
  s2s_json_int(&j, "trials", m->trials);
  s2s_json_int(&j, "warmup", m->warmup);
  s2s_json_str(&j, "timing", "host wall clock around enqueue + clFinish, per call");
  if (m->note) s2s_json_str(&j, "note", m->note);
  s2s_json_array(&j, "cases");
  for (size_t i = 0; i < m->n; i++) {
    const s2s_micro_case *c = &m->cases[i];
    s2s_json_object(&j, NULL);
    s2s_json_str(&j, "name", c->name);
    s2s_json_str(&j, "variant", c->variant);
    s2s_json_str(&j, "shape", c->shape);
    s2s_json_int(&j, "device", c->device);
    s2s_json_num(&j, "flops", c->flops);
    s2s_json_num(&j, "bytes", c->bytes);
    s2s_json_str(&j, "check", c->check > 0 ? "passed" : c->check == 0 ? "failed" : "none");
    s2s_json_num(&j, "max_err", c->max_err);
    if (c->check != 0) {
      s2s_json_num(&j, "seconds_median", c->s.median);
      s2s_json_num(&j, "seconds_min", c->s.min);
      s2s_json_num(&j, "seconds_max", c->s.max);
      if (c->flops > 0) s2s_json_num(&j, "gflops", rate(c->flops, c->s.median));
      if (c->bytes > 0) s2s_json_num(&j, "gbps", rate(c->bytes, c->s.median));
    }
    s2s_json_close(&j, '}');
  }
  s2s_json_close(&j, ']');
  s2s_json_close(&j, '}');
  s2s_json_end(&j);
  return s2s_atomic_commit(&a);
}

void s2s_micro_free(s2s_micro *m) {
  for (size_t i = 0; i < m->n; i++)
    free(m->cases[i].trial_s);
  free(m->cases);
  m->cases = NULL;
  m->n = m->cap = 0;
}

void s2s_micro_fill(float *x, size_t n, float scale, unsigned seed) {
  unsigned long long s = 0x9E3779B97F4A7C15ull * (seed + 1);
  for (size_t i = 0; i < n; i++) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    x[i] = scale * (float)(2.0 * (double)(s >> 11) / 9007199254740992.0 - 1.0);
  }
}

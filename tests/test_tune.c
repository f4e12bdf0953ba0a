/* CLBlast tuning files: the tuner output parsers on saved outputs of this machine's real
 * tuners (tests/fixtures/tuning: a completed phase's JSON, and the printed table of a tuner
 * stopped by the time limit), the tuning file round trip, and the apply path: parameters
 * applied with CLBlastOverrideParameters, a GEMM afterwards still right (vs a CPU double
 * GEMM), an incomplete parameter set refused, S2S_TUNING=off respected; the per-class
 * settings: the fastest-first candidate lists, the nearest class of a shape, and products
 * of two classes in turn switching the device's setting each time and staying right. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cl/buffer.h"
#include "blas/gemm.h"
#include "test_device_util.h"
#include "blas/tuning.h"
#include "blas/tuning_select.h"

#ifndef S2S_SOURCE_DIR
#define S2S_SOURCE_DIR "."
#endif

/* What the fixtures hold (read off the files: the smallest "time" of the JSON's results,
 * and of the second section's "results match" rows of the log): clblast_tuner_xgemm_direct
 * at 64x1024x256 on this project's 2-core PoCL machine, stopped after 240 s. */
#define EXPECT_DIRECT_MS 1.597
#define EXPECT_DIRECT_WGD 32
#define EXPECT_DIRECT_VWMD 1
#define EXPECT_LOG_ROWS 104
#define EXPECT_LOG_MS 1.07

static const char *fixture(const char *rel) {
  static char buf[4096];
  const char *src = getenv("S2S_SOURCE_DIR");
  snprintf(buf, sizeof buf, "%s/tests/fixtures/tuning/%s", src ? src : S2S_SOURCE_DIR, rel);
  return buf;
}

static size_t param(const s2s_tuned_kernel *k, const char *name) {
  for (int i = 0; i < k->nparams; i++)
    if (!strcmp(k->names[i], name)) return k->values[i];
  return (size_t)-1;
}

static void test_parsers(void) {
  s2s_tuned_kernel k;
  char err[512];
  /* the completed first phase of clblast_tuner_xgemm_direct (46 configurations) */
  int r = s2s_tuning_parse_tuner_json(fixture("xgemm_direct/clblast_xgemm_direct_1_32.json"), &k,
                                      err, sizeof err);
  T_CHECK(r == 0, "tuner JSON: %s", err);
  T_CHECK(!strcmp(k.kernel, "XgemmDirect"), "kernel %s", k.kernel);
  T_CHECK(!strcmp(k.family, "xgemm_direct_1"), "family %s", k.family);
  T_CHECK(k.configs == 46, "configs %ld", k.configs);
  T_CHECK(k.nparams == 10, "%d parameters (PRECISION must be dropped)", k.nparams);
  T_CHECK(param(&k, "PRECISION") == (size_t)-1, "PRECISION kept");
  T_CHECK(k.m == 64 && k.n == 1024 && k.k == 256, "shape %ldx%ldx%ld", k.m, k.n, k.k);
  T_CHECK(k.complete == 1, "complete");
  /* the best of the results array (checked by hand against the file) */
  T_CHECK(s2s_close(k.time_ms, EXPECT_DIRECT_MS, 0, 1e-9), "best time %g", k.time_ms);
  T_CHECK(param(&k, "WGD") == EXPECT_DIRECT_WGD, "WGD %zu", param(&k, "WGD"));
  T_CHECK(param(&k, "VWMD") == EXPECT_DIRECT_VWMD, "VWMD %zu", param(&k, "VWMD"));

  /* the printed table of the second phase, stopped by the time limit */
  r = s2s_tuning_parse_tuner_log(fixture("xgemm_direct/log.txt"), 1, "XgemmDirect", &k);
  T_CHECK(r == 0, "log section 1: %d", r);
  T_CHECK(k.complete == 0 && k.nparams == 10, "log: complete %d, %d parameters", k.complete,
          k.nparams);
  T_CHECK(k.configs == EXPECT_LOG_ROWS, "log: %ld verified rows", k.configs);
  T_CHECK(s2s_close(k.time_ms, EXPECT_LOG_MS, 0, 1e-9), "log best %g ms", k.time_ms);
  T_CHECK(k.m == 64 && k.n == 1024 && k.k == 256, "log shape %ldx%ldx%ld", k.m, k.n, k.k);
  /* section 0 of the same log is the completed phase: the same best as its JSON, to the
   * two decimals the table prints */
  r = s2s_tuning_parse_tuner_log(fixture("xgemm_direct/log.txt"), 0, "XgemmDirect", &k);
  T_CHECK(r == 0 && k.configs == 46, "log section 0: %d, %ld rows", r, k.configs);
  T_CHECK(s2s_tuning_parse_tuner_log(fixture("xgemm_direct/log.txt"), 5, "XgemmDirect", &k) == -1,
          "a section that does not exist");
  T_CHECK(s2s_tuning_parse_tuner_log(fixture("nope.txt"), 0, "X", &k) == -1, "no file");

  /* broken inputs are refused with a reason */
  FILE *f = fopen("bad_tuner.json", "w");
  fputs("{\"kernel_family\": \"xgemm_1\", \"results\": []}", f);
  fclose(f);
  T_CHECK(s2s_tuning_parse_tuner_json("bad_tuner.json", &k, err, sizeof err) == -1 &&
              strstr(err, "no timed result"),
          "empty results: %s", err);
  f = fopen("bad_tuner.json", "w");
  fputs("{\"kernel_family\": \"frobnicate_1\", \"results\": []}", f);
  fclose(f);
  T_CHECK(s2s_tuning_parse_tuner_json("bad_tuner.json", &k, err, sizeof err) == -1 &&
              strstr(err, "kernel_family"),
          "unknown family: %s", err);
  remove("bad_tuner.json");
}

static void test_top(void) {
  s2s_tuned_kernel top[5];
  char err[512];
  int n = s2s_tuning_parse_tuner_json_top(fixture("xgemm_direct/clblast_xgemm_direct_1_32.json"),
                                          top, 5, err, sizeof err);
  T_CHECK(n == 5, "json top: %d (%s)", n, err);
  T_CHECK(s2s_close(top[0].time_ms, EXPECT_DIRECT_MS, 0, 1e-9), "json top[0] %g", top[0].time_ms);
  for (int i = 1; i < n; i++) {
    T_CHECK(top[i].time_ms >= top[i - 1].time_ms, "json top sorted at %d", i);
    for (int j = 0; j < i; j++)
      T_CHECK(memcmp(top[i].values, top[j].values, sizeof top[i].values[0] * top[i].nparams),
              "json top %d and %d are the same set", i, j);
  }
  n = s2s_tuning_parse_tuner_log_top(fixture("xgemm_direct/log.txt"), 1, "XgemmDirect", top, 5);
  T_CHECK(n == 5 && s2s_close(top[0].time_ms, EXPECT_LOG_MS, 0, 1e-9), "log top: %d, %g", n,
          top[0].time_ms);
  for (int i = 1; i < n; i++)
    T_CHECK(top[i].time_ms >= top[i - 1].time_ms && top[i].configs == EXPECT_LOG_ROWS,
            "log top sorted at %d", i);
  n = s2s_tuning_parse_tuner_log_top(fixture("xgemm/log.txt"), 0, "Xgemm", top, 3);
  T_CHECK(n == 3 && !strcmp(top[0].kernel, "Xgemm") && top[0].m == 64 && top[0].n == 16000,
          "xgemm log top: %d %s %ldx%ld", n, top[0].kernel, top[0].m, top[0].n);
}

static void add_class(s2s_tuning *t, const char *name, int ta, int tb, long m, long n, long k,
                      const s2s_tuned_kernel *set) {
  s2s_tuned_class *c = &t->c[t->nclasses++];
  memset(c, 0, sizeof *c);
  snprintf(c->name, sizeof c->name, "%s", name);
  c->ta = ta, c->tb = tb, c->set = *set;
  c->set.m = m, c->set.n = n, c->set.k = k;
  c->set.time_ms = 1, c->default_ms = 2, c->candidates = 3;
}

static void test_nearest(void) {
  s2s_tuning t = {0};
  s2s_tuned_kernel k = {.kernel = "Xgemm"};
  add_class(&t, "gates_h", 0, 1, 64, 1024, 256, &k);
  add_class(&t, "gates_x", 0, 1, 1280, 1024, 256, &k);
  add_class(&t, "softmax_fwd", 0, 1, 1280, 16000, 256, &k);
  add_class(&t, "gates_dh", 0, 0, 64, 256, 1024, &k);
  T_CHECK(s2s_tuning_nearest(&t, 0, 1, 64, 1024, 256) == 0, "exact shape");
  T_CHECK(s2s_tuning_nearest(&t, 0, 1, 1344, 1024, 256) == 1, "batched gates, other length");
  T_CHECK(s2s_tuning_nearest(&t, 0, 1, 1344, 16000, 256) == 2, "softmax");
  T_CHECK(s2s_tuning_nearest(&t, 0, 0, 1280, 256, 1024) == 3, "the only NN class");
  T_CHECK(s2s_tuning_nearest(&t, 1, 0, 64, 1024, 256) == 0, "no TN class: nearest of all");
  t.nclasses = 0;
  T_CHECK(s2s_tuning_nearest(&t, 0, 0, 1, 1, 1) == -1, "no classes");
}

static void test_round_trip(void) {
  s2s_tuning t = {0}, back;
  s2s_tuned_kernel k;
  char err[512];
  snprintf(t.device, sizeof t.device, "Some \"GPU\" 9000");
  T_CHECK(s2s_tuning_parse_tuner_json(fixture("xgemm_direct/clblast_xgemm_direct_1_32.json"), &k,
                                      err, sizeof err) == 0,
          "%s", err);
  s2s_tuning_merge(&t, &k);
  s2s_tuned_kernel slower = k;
  slower.time_ms *= 2, slower.values[0] += 1;
  s2s_tuning_merge(&t, &slower); /* same kernel, slower: ignored */
  T_CHECK(t.nkernels == 1 && t.k[0].values[0] == k.values[0], "merge keeps the faster");
  T_CHECK(s2s_tuning_save("round_trip.json", &t, NULL, NULL) == 0, "save");
  T_CHECK(s2s_tuning_load("round_trip.json", &back, err, sizeof err) == 0, "load: %s", err);
  T_CHECK(!strcmp(back.device, t.device), "device '%s'", back.device);
  T_CHECK(back.nkernels == 1 && back.k[0].nparams == k.nparams, "kernels");
  for (int i = 0; i < k.nparams; i++)
    T_CHECK(!strcmp(back.k[0].names[i], k.names[i]) && back.k[0].values[i] == k.values[i],
            "parameter %d", i);
  remove("round_trip.json");
  char slug[256];
  s2s_tuning_slug("pthread-skylake-avx512-AMD EPYC", slug, sizeof slug);
  T_CHECK(!strcmp(slug, "pthread-skylake-avx512-amd-epyc"), "slug %s", slug);
  s2s_tuning_slug("  NVIDIA H100 80GB HBM3 ", slug, sizeof slug);
  T_CHECK(!strcmp(slug, "nvidia-h100-80gb-hbm3"), "slug %s", slug);
  /* the clock is left out: one file for a CPU kind whatever clock its VM reports */
  s2s_tuning_slug("Intel(R) Xeon(R) Processor @ 2.80GHz", slug, sizeof slug);
  T_CHECK(!strcmp(slug, "intel-r-xeon-r-processor"), "slug %s", slug);
  s2s_tuning_slug("pthread-skylake-avx512-Intel(R) Xeon(R) CPU @2200 MHz (x)", slug, sizeof slug);
  T_CHECK(!strcmp(slug, "pthread-skylake-avx512-intel-r-xeon-r-cpu-x"), "slug %s", slug);
  s2s_tuning_slug("Model @ home 2GHz", slug, sizeof slug); /* an '@' without a clock: only the '@' goes */
  T_CHECK(!strcmp(slug, "model-home-2ghz"), "slug %s", slug);
  /* the file's key: a CPU device's adds the host ISA (one VM name, several CPUs), a GPU's not */
  s2s_device_info info = {.type = CL_DEVICE_TYPE_CPU};
  snprintf(info.name, sizeof info.name, "AMD EPYC");
  char key[300], want[300];
  s2s_tuning_key(&info, key, sizeof key);
  const char *isa = s2s_tuning_host_isa();
  snprintf(want, sizeof want, "amd-epyc%s%s", *isa ? "-" : "", isa);
  T_CHECK(!strcmp(key, want), "CPU key %s (want %s)", key, want);
  info.type = CL_DEVICE_TYPE_GPU;
  snprintf(info.name, sizeof info.name, "NVIDIA H200");
  s2s_tuning_key(&info, key, sizeof key);
  T_CHECK(!strcmp(key, "nvidia-h200"), "GPU key %s", key);
}

/* C = A B through s2s_gemm against double sums; returns the worst relative error. */
static double gemm_error(s2s_device *d, size_t m, size_t n, size_t k) {
  double *a = malloc(m * k * sizeof *a), *b = malloc(k * n * sizeof *b);
  double *c = malloc(m * n * sizeof *c), worst = 0;
  s2s_test_fill(a, m * k, 1.0, 1);
  s2s_test_fill(b, k * n, 1.0, 2);
  s2s_buf da = s2s_test_upload(d, a, m * k), db = s2s_test_upload(d, b, k * n);
  s2s_buf dc = s2s_test_upload(d, NULL, m * n);
  T_CHECK(s2s_gemm(d, S2S_NO_TRANS, S2S_NO_TRANS, m, n, k, 1.0f, da, k, db, n, 0.0f, dc, n, NULL) ==
              0,
          "gemm");
  s2s_test_download(d, dc, m * n, c, "C");
  for (size_t i = 0; i < m; i++)
    for (size_t j = 0; j < n; j++) {
      double want = 0, mag = 0;
      for (size_t p = 0; p < k; p++) {
        want += a[i * k + p] * b[p * n + j];
        mag += fabs(a[i * k + p] * b[p * n + j]);
      }
      double e = fabs(c[i * n + j] - want) / mag;
      if (!(e <= worst)) worst = e;
    }
  s2s_buf_free(&da), s2s_buf_free(&db), s2s_buf_free(&dc);
  free(a), free(b), free(c);
  return worst;
}

static void test_apply(void) {
  char dir[] = "/tmp/s2s_test_tune_XXXXXX", path[4200], used[4200];
  T_CHECK(mkdtemp(dir) != NULL, "mkdtemp");
  setenv("S2S_TUNING_DIR", dir, 1);
  setenv("S2S_TUNING", "off", 1); /* opened untuned, whatever the caller's setting */
  int n;
  s2s_device *d = s2s_test_device(&n);
  unsetenv("S2S_TUNING");
  T_CHECK(s2s_tuning_apply(d, used, sizeof used) == 0 && !used[0], "no file: nothing applied");
  /* the fixture's best XgemmDirect parameters, stored for this device */
  s2s_tuning t = {0};
  s2s_tuned_kernel k;
  char err[512];
  snprintf(t.device, sizeof t.device, "%s", d->info.name);
  s2s_tuning_parse_tuner_json(fixture("xgemm_direct/clblast_xgemm_direct_1_32.json"), &k, err,
                              sizeof err);
  s2s_tuning_merge(&t, &k);
  s2s_tuning_path(&d->info, path, sizeof path);
  T_CHECK(s2s_tuning_save(path, &t, NULL, NULL) == 0, "save %s", path);
  setenv("S2S_TUNING", "off", 1);
  T_CHECK(s2s_tuning_apply(d, used, sizeof used) == 0, "S2S_TUNING=off: nothing applied");
  unsetenv("S2S_TUNING");
  T_CHECK(s2s_tuning_apply(d, used, sizeof used) == 1 && !strcmp(used, path), "applied '%s'", used);
  /* odd sizes through the direct kernel with the applied parameters: still right
   * (tolerance: float accumulation over k terms, relative to sum |a b|) */
  double e = gemm_error(d, 37, 70, 29);
  T_CHECK(e < 1e-5, "GEMM after tuning: worst relative error %g", e);
  /* a parameter set CLBlast cannot take is an error, not a silent default */
  t.k[0].nparams--;
  T_CHECK(s2s_tuning_save(path, &t, NULL, NULL) == 0, "save");
  T_CHECK(s2s_tuning_apply(d, used, sizeof used) == -1, "incomplete parameters refused");
  remove(path);
  rmdir(dir);
  s2s_device_close(d, n);
}

/* A file with two classes: a small NN shape through the direct kernel with CLBlast's own
 * parameters (pristine: no base set for XgemmDirect), a larger one through the indirect
 * path with a tuner's; products of the two in turn switch each time and stay right. */
static void test_classes(void) {
  char dir[] = "/tmp/s2s_test_tune_XXXXXX", path[4200], used[4200], err[512];
  T_CHECK(mkdtemp(dir) != NULL, "mkdtemp");
  setenv("S2S_TUNING_DIR", dir, 1);
  setenv("S2S_TUNING", "off", 1);
  int n;
  s2s_device *d = s2s_test_device(&n);
  unsetenv("S2S_TUNING");
  s2s_tuning t = {0}, back;
  s2s_tuned_kernel direct, xgemm;
  snprintf(t.device, sizeof t.device, "%s", d->info.name);
  s2s_tuning_parse_tuner_json(fixture("xgemm_direct/clblast_xgemm_direct_1_32.json"), &direct, err,
                              sizeof err);
  T_CHECK(s2s_tuning_parse_tuner_log(fixture("xgemm/log.txt"), 0, "Xgemm", &xgemm) == 0, "xgemm");
  s2s_tuning_merge(&t, &xgemm);
  const s2s_tuned_kernel own = {.kernel = "XgemmDirect"};
  add_class(&t, "small", 0, 0, 37, 70, 29, &own);
  add_class(&t, "large", 0, 0, 300, 280, 260, &xgemm);
  t.switch_ms = 0.5;
  s2s_tuning_path(&d->info, path, sizeof path);
  T_CHECK(s2s_tuning_save(path, &t, NULL, NULL) == 0, "save %s", path);
  T_CHECK(s2s_tuning_load(path, &back, err, sizeof err) == 0, "load: %s", err);
  T_CHECK(back.nclasses == 2 && !strcmp(back.c[1].name, "large") && back.c[1].set.m == 300 &&
              !strcmp(back.c[0].set.kernel, "XgemmDirect") && back.c[0].set.nparams == 0 &&
              back.c[1].set.nparams == xgemm.nparams &&
              back.switch_ms == 0.5 && back.c[1].default_ms == 2,
          "classes round trip");
  T_CHECK(s2s_tuning_apply(d, used, sizeof used) == 3, "1 kernel + 2 classes applied");
  const long before = s2s_tuning_switches();
  for (int r = 0; r < 3; r++) {
    double e = gemm_error(d, 37, 70, 29);
    T_CHECK(e < 1e-5, "small class, round %d: worst relative error %g", r, e);
    e = gemm_error(d, 290, 270, 250);
    T_CHECK(e < 1e-5, "large class, round %d: worst relative error %g", r, e);
  }
  T_CHECK(s2s_tuning_switches() - before == 6, "6 switches for 6 products of alternating classes, "
          "got %ld", s2s_tuning_switches() - before);
  (void)gemm_error(d, 290, 270, 250);
  T_CHECK(s2s_tuning_switches() - before == 6, "no switch for the same class again");
  /* a third class with the large one's parameters at another shape: products that go to
   * it and back switch nothing, and stay right */
  add_class(&t, "large2", 0, 0, 600, 560, 520, &xgemm);
  T_CHECK(s2s_tuning_save(path, &t, NULL, NULL) == 0, "save");
  T_CHECK(s2s_tuning_apply(d, used, sizeof used) == 4, "1 kernel + 3 classes applied");
  (void)gemm_error(d, 290, 270, 250);
  const long same0 = s2s_tuning_switches();
  for (int r = 0; r < 2; r++) {
    double e = gemm_error(d, 600, 560, 520);
    T_CHECK(e < 1e-5, "large2 class, round %d: worst relative error %g", r, e);
    e = gemm_error(d, 290, 270, 250);
    T_CHECK(e < 1e-5, "large class after large2, round %d: worst relative error %g", r, e);
  }
  T_CHECK(s2s_tuning_switches() == same0, "two classes of one setting: no switch, got %ld",
          s2s_tuning_switches() - same0);
  (void)gemm_error(d, 37, 70, 29);
  T_CHECK(s2s_tuning_switches() == same0 + 1, "to another setting: one switch");
  t.nclasses--;
  /* a pristine class whose kernel the file overrides anyway is refused */
  s2s_tuning_merge(&t, &direct);
  T_CHECK(s2s_tuning_save(path, &t, NULL, NULL) == 0, "save");
  T_CHECK(s2s_tuning_load(path, &back, err, sizeof err) == -1 && strstr(err, "keeps CLBlast's own"),
          "pristine class with a base set refused: %s", err);
  /* broken class entries are refused with the reason */
  FILE *f = fopen(path, "w");
  fprintf(f, "{\"kernels\": [], \"classes\": [{\"class\": \"x\", \"trans\": \"XY\", "
             "\"kernel\": \"Xgemm\", \"m\": 1, \"n\": 1, \"k\": 1, \"parameters\": {\"MWG\": 8}}]}");
  fclose(f);
  T_CHECK(s2s_tuning_load(path, &back, err, sizeof err) == -1 && strstr(err, "trans"),
          "bad trans refused: %s", err);
  f = fopen(path, "w");
  fprintf(f, "{\"kernels\": [], \"classes\": [{\"class\": \"x\", \"trans\": \"NN\", "
             "\"kernel\": \"Copy\", \"m\": 1, \"n\": 1, \"k\": 1, \"parameters\": {\"MWG\": 8}}]}");
  fclose(f);
  T_CHECK(s2s_tuning_load(path, &back, err, sizeof err) == -1 && strstr(err, "neither"),
          "a class of another kernel refused: %s", err);
  remove(path);
  rmdir(dir);
  s2s_device_close(d, n);
}

/* The selection's arithmetic: a step alternating two classes, each fastest with its own
 * candidate by a margin; the fastest per class stays while a switch is cheap, and one
 * setting for both wins once four switches cost more than the margins; a candidate of an
 * untuned kernel and a class with no setting are never given one. */
static void test_fewer_switches(void) {
  /* tm[c * n + i]: candidate 0 fast at class 0, 1 at class 1, 2 (direct) fastest at 1 */
  const double tm[] = {1.0, 1.2, INFINITY, 1.3, 1.0, INFINITY, 0.1, 0.1, INFINITY};
  const double own_ind[] = {5, 5, 5}, own_dir[] = {6, 6, 6}, w[] = {1, 1, 1};
  const int direct[] = {0, 0, 1}, cls[] = {0, 1, 0, 1};
  s2s_select_costs h = {3, 3, tm, {own_ind, own_dir}, direct, 1, cls, 4, w, 0.01};
  int a[3] = {0, 1, S2S_SELECT_NONE}, sw = -1;
  double s = s2s_tuning_step_s(&h, a, &sw);
  T_CHECK(sw == 4 && fabs(s - 4.04) < 1e-9, "per class: 4 products + 4 switches, got %g s, %d", s, sw);
  s2s_tuning_fewer_switches(&h, a);
  T_CHECK(a[0] == 0 && a[1] == 1 && a[2] == S2S_SELECT_NONE,
          "cheap switches: the fastest per class stays (got %d %d %d)", a[0], a[1], a[2]);
  h.switch_s = 0.2;
  s2s_tuning_fewer_switches(&h, a);
  s = s2s_tuning_step_s(&h, a, &sw);
  T_CHECK(a[0] == 0 && a[1] == 0 && a[2] == S2S_SELECT_NONE && sw == 0 && fabs(s - 4.4) < 1e-9,
          "dear switches: candidate 0 for both, no switch, 4.4 s (got %d %d %d, %d, %g s)", a[0],
          a[1], a[2], sw, s);
  /* without an order: each class by its weight, no switches counted */
  h.nprod = 0;
  a[0] = 0, a[1] = 1;
  s = s2s_tuning_step_s(&h, a, &sw);
  T_CHECK(sw == 0 && fabs(s - 2.0) < 1e-9, "weighted: 2.0 s, no switches (got %g, %d)", s, sw);
}

int main(void) {
  test_fewer_switches();
  test_parsers();
  test_top();
  test_nearest();
  test_round_trip();
  test_apply();
  test_classes();
  return s2s_test_finish("test_tune");
}

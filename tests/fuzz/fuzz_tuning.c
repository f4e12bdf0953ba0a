/* libFuzzer target for the CLBlast tuning readers (harness/blas): a tuning file
 * (s2s_tuning_load, results/tuning/<device>.json), a tuner's JSON output
 * (s2s_tuning_parse_tuner_json) and a tuner's terminal output (s2s_tuning_parse_tuner_log,
 * sections 0..2). They take paths, so each input is written to a file first
 * (fuzz_file.h), and every input goes to all three. What reads must stay inside the
 * fixed-size tables (counts in range, names terminated); a tuning file that loads is saved
 * (s2s_tuning_save) and must load again with the same kernels and parameters, as `tune`
 * does when it merges into an existing file; parsed kernels merge (s2s_tuning_merge) into
 * a full table. tuning.c also applies the file to CLBlast; that part is not reached here,
 * and the three library symbols it names are stubbed below so no OpenCL or CLBlast is
 * linked. Seeds: results/tuning/DEVICE.json and tests/fixtures/tuning (tuner JSON and logs).
 * Run by tests/test_fuzz_readers.sh and scripts/fuzz.sh. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_file.h"
#include "blas/tuning.h"
#include "cl/status.h"

/* Never called by the readers (only by s2s_tuning_apply). */
CLBlastStatusCode CLBlastOverrideParameters(const cl_device_id device, const char *kernel_name,
                                            const CLBlastPrecision precision, const size_t num_parameters,
                                            const char **parameters_names, const size_t *parameters_values) {
  (void)device, (void)kernel_name, (void)precision, (void)num_parameters, (void)parameters_names,
      (void)parameters_values;
  abort();
}
const char *s2s_clblast_status_name(CLBlastStatusCode status) {
  (void)status;
  abort();
}
/* Never called by the readers (only by s2s_tuning_register, from s2s_tuning_apply). */
void s2s_device_on_close(s2s_device_hook fn) {
  (void)fn;
  abort();
}

static void check_kernel(const s2s_tuned_kernel *k) {
  if (k->nparams < 0 || k->nparams > S2S_TUNING_MAX_PARAMS ||
      !memchr(k->kernel, 0, sizeof k->kernel) || !memchr(k->family, 0, sizeof k->family) ||
      !memchr(k->variant, 0, sizeof k->variant))
    abort();
  for (int i = 0; i < k->nparams; i++)
    if (!memchr(k->names[i], 0, sizeof k->names[i])) abort();
}

static s2s_tuning full; /* a table with every slot taken, to merge into */

static void merge(const s2s_tuned_kernel *k) {
  s2s_tuning t = {0};
  s2s_tuning_merge(&t, k);
  if (t.nkernels != 1) abort();
  s2s_tuning_merge(&t, k);
  if (t.nkernels != 1) abort();
  s2s_tuning f = full;
  s2s_tuning_merge(&f, k);
  if (f.nkernels != S2S_TUNING_MAX_KERNELS) abort();
}

static void load_save_load(const char *path) {
  static s2s_tuning t, u; /* large: off the stack */
  char err[512];
  if (s2s_tuning_load(path, &t, err, sizeof err) != 0) {
    if (!strstr(err, path)) {
      fprintf(stderr, "error without the file name: '%s'\n", err);
      abort();
    }
    return;
  }
  if (t.nkernels < 0 || t.nkernels > S2S_TUNING_MAX_KERNELS || !memchr(t.device, 0, sizeof t.device))
    abort();
  for (int i = 0; i < t.nkernels; i++)
    check_kernel(&t.k[i]), merge(&t.k[i]);
  char slug[256];
  s2s_tuning_slug(t.device, slug, sizeof slug);
  const char *out = s2s_fuzz_path(1, ".json");
  if (s2s_tuning_save(out, &t, NULL, NULL) != 0) abort();
  if (s2s_tuning_load(out, &u, err, sizeof err) != 0) {
    fprintf(stderr, "a saved tuning file does not load again: %s\n", err);
    abort();
  }
  if (u.nkernels != t.nkernels || strcmp(u.device, t.device)) abort();
  for (int i = 0; i < t.nkernels; i++) {
    const s2s_tuned_kernel *a = &t.k[i], *b = &u.k[i];
    if (strcmp(a->kernel, b->kernel) || a->nparams != b->nparams) abort();
    for (int p = 0; p < a->nparams; p++)
      if (strcmp(a->names[p], b->names[p]) || a->values[p] != b->values[p]) {
        fprintf(stderr, "parameter %s: %zu saved, %zu loaded back\n", a->names[p], a->values[p],
                b->values[p]);
        abort();
      }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = s2s_fuzz_file(0, ".json", data, size);
  load_save_load(path);
  s2s_tuned_kernel k;
  char err[512];
  if (s2s_tuning_parse_tuner_json(path, &k, err, sizeof err) == 0)
    check_kernel(&k), merge(&k);
  else if (!strstr(err, path))
    abort();
  for (int section = 0; section < 3; section++) {
    int r = s2s_tuning_parse_tuner_log(path, section, "XgemmDirect", &k);
    if (r < -1 || r > 1) abort();
    if (r >= 0) check_kernel(&k);
    if (r == 0) merge(&k);
  }
  return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  full.nkernels = S2S_TUNING_MAX_KERNELS;
  for (int i = 0; i < S2S_TUNING_MAX_KERNELS; i++) {
    snprintf(full.k[i].kernel, sizeof full.k[i].kernel, "K%d", i);
    full.k[i].time_ms = 1;
  }
  return 0;
}

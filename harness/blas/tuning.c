/* Tuning files per device (tuning.h): naming, reading, writing, and applying them to
 * CLBlast. The tuner outputs themselves are parsed in tuning_parse.c. */
#include "blas/tuning.h"

#include <clblast_c.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "record/atomic_file.h"
#include "record/json.h"
#include "record/json_read.h"
#include "cl/status.h"

#ifndef S2S_SOURCE_DIR
#define S2S_SOURCE_DIR "."
#endif

void s2s_tuning_slug(const char *name, char *buf, size_t len) {
  size_t o = 0;
  int dash = 0;
  for (const unsigned char *p = (const unsigned char *)name; *p && o + 2 < len; p++) {
    if (isalnum(*p) || *p == '.') {
      if (dash && o) buf[o++] = '-';
      dash = 0;
      buf[o++] = (char)tolower(*p);
    } else {
      dash = 1;
    }
  }
  if (!o && len > 7) o = (size_t)snprintf(buf, len, "device");
  buf[o < len ? o : len - 1] = '\0';
}

void s2s_tuning_dir(char *buf, size_t len) {
  const char *env = getenv("S2S_TUNING_DIR");
  snprintf(buf, len, "%s", env && *env ? env : S2S_SOURCE_DIR "/results/tuning");
}

void s2s_tuning_path(const s2s_device_info *d, char *buf, size_t len) {
  char dir[4096], slug[256];
  s2s_tuning_dir(dir, sizeof dir);
  s2s_tuning_slug(d->name, slug, sizeof slug);
  snprintf(buf, len, "%s/%s.json", dir, slug);
}

void s2s_tuning_merge(s2s_tuning *t, const s2s_tuned_kernel *k) {
  for (int i = 0; i < t->nkernels; i++)
    if (!strcmp(t->k[i].kernel, k->kernel)) {
      if (k->time_ms < t->k[i].time_ms) t->k[i] = *k;
      return;
    }
  if (t->nkernels < S2S_TUNING_MAX_KERNELS) t->k[t->nkernels++] = *k;
}

/* A member as a long; 0 when absent or out of a long's range (a cast would be undefined). */
static long num_long(const s2s_jval *v, const char *key) {
  const double x = s2s_jnum(v, key, 0);
  return x > -9e18 && x < 9e18 ? (long)x : 0;
}

static int load_kernel(const s2s_jval *v, s2s_tuned_kernel *k, char *err, size_t errlen) {
  memset(k, 0, sizeof *k);
  snprintf(k->kernel, sizeof k->kernel, "%s", s2s_jstr(v, "kernel", ""));
  snprintf(k->family, sizeof k->family, "%s", s2s_jstr(v, "family", ""));
  snprintf(k->variant, sizeof k->variant, "%s", s2s_jstr(v, "variant", ""));
  k->time_ms = s2s_jnum(v, "time_ms", 0);
  k->m = num_long(v, "m"), k->n = num_long(v, "n");
  k->k = num_long(v, "k");
  k->configs = num_long(v, "configs");
  k->complete = s2s_jnum(v, "complete", 1) != 0;
  const s2s_jval *p = s2s_jget(v, "parameters");
  if (!k->kernel[0] || !p || p->type != S2S_JOBJ || !p->count) {
    snprintf(err, errlen, "a kernel entry lacks \"kernel\" or \"parameters\"");
    return -1;
  }
  for (const s2s_jval *c = p->child; c; c = c->next) {
    /* below 9e18: a size_t holds it, and so does the long long it is saved as */
    if (c->type != S2S_JNUM || !(c->num >= 0 && c->num < 9e18) ||
        k->nparams == S2S_TUNING_MAX_PARAMS) {
      snprintf(err, errlen, "%s: parameter %s is not a non-negative number", k->kernel, c->key);
      return -1;
    }
    snprintf(k->names[k->nparams], sizeof k->names[0], "%s", c->key);
    k->values[k->nparams++] = (size_t)c->num;
  }
  return 0;
}

int s2s_tuning_load(const char *path, s2s_tuning *t, char *err, size_t errlen) {
  memset(t, 0, sizeof *t);
  s2s_jdoc d;
  if (s2s_jdoc_load(&d, path, err, errlen) != 0) return -1;
  int rc = -1;
  const s2s_jval *ks = s2s_jget(d.root, "kernels");
  snprintf(t->device, sizeof t->device, "%s", s2s_jstr(d.root, "device.name", ""));
  snprintf(t->driver, sizeof t->driver, "%s", s2s_jstr(d.root, "device.driver", ""));
  snprintf(t->platform, sizeof t->platform, "%s", s2s_jstr(d.root, "device.platform", ""));
  if (!ks || ks->type != S2S_JARR) {
    snprintf(err, errlen, "%s: no \"kernels\" array", path);
    goto out;
  }
  for (const s2s_jval *c = ks->child; c && t->nkernels < S2S_TUNING_MAX_KERNELS; c = c->next) {
    char why[256];
    if (load_kernel(c, &t->k[t->nkernels], why, sizeof why) != 0) {
      snprintf(err, errlen, "%s: %s", path, why);
      goto out;
    }
    t->nkernels++;
  }
  rc = 0;
out:
  s2s_jdoc_free(&d);
  return rc;
}

int s2s_tuning_save(const char *path, const s2s_tuning *t, void (*extra)(void *json, void *ctx),
                    void *ctx) {
  s2s_atomic_file a;
  if (s2s_atomic_open(&a, path) != 0) return -1;
  s2s_json j;
  s2s_json_begin(&j, a.f);
  if (extra) {
    extra(&j, ctx); /* the run record's metadata (schema_version, kind, ...) and more */
  } else {
    s2s_json_int(&j, "schema_version", S2S_RESULTS_SCHEMA);
    s2s_json_str(&j, "kind", "tuning");
  }
  s2s_json_object(&j, "device");
  s2s_json_str(&j, "name", t->device);
  s2s_json_str(&j, "driver", t->driver);
  s2s_json_str(&j, "platform", t->platform);
  s2s_json_close(&j, '}');
  s2s_json_array(&j, "kernels");
  for (int i = 0; i < t->nkernels; i++) {
    const s2s_tuned_kernel *k = &t->k[i];
    s2s_json_object(&j, NULL);
    s2s_json_str(&j, "kernel", k->kernel);
    s2s_json_str(&j, "family", k->family);
    s2s_json_str(&j, "variant", k->variant);
    s2s_json_int(&j, "m", k->m);
    s2s_json_int(&j, "n", k->n);
    s2s_json_int(&j, "k", k->k);
    s2s_json_num(&j, "time_ms", k->time_ms);
    s2s_json_num(&j, "gflops", k->time_ms > 0 ? 2.0 * k->m * k->n * k->k / k->time_ms * 1e-6 : 0);
    s2s_json_int(&j, "configs", k->configs);
    s2s_json_bool(&j, "complete", k->complete);
    s2s_json_object(&j, "parameters");
    for (int p = 0; p < k->nparams; p++)
      s2s_json_int(&j, k->names[p], (long long)k->values[p]);
    s2s_json_close(&j, '}');
    s2s_json_close(&j, '}');
  }
  s2s_json_close(&j, ']');
  s2s_json_end(&j);
  return s2s_atomic_commit(&a);
}

int s2s_tuning_apply(const s2s_device *d, char *applied_path, size_t len) {
  char path[4200], err[512];
  if (applied_path && len) applied_path[0] = '\0';
  const char *env = getenv("S2S_TUNING");
  if (env && (!strcmp(env, "off") || !strcmp(env, "0") || !strcmp(env, "none"))) return 0;
  s2s_tuning_path(&d->info, path, sizeof path);
  struct stat st;
  if (stat(path, &st) != 0) return 0;
  s2s_tuning t;
  if (s2s_tuning_load(path, &t, err, sizeof err) != 0) {
    fprintf(stderr, "s2sbench: tuning file: %s\n", err);
    return -1;
  }
  for (int i = 0; i < t.nkernels; i++) {
    const s2s_tuned_kernel *k = &t.k[i];
    const char *names[S2S_TUNING_MAX_PARAMS];
    for (int p = 0; p < k->nparams; p++)
      names[p] = k->names[p];
    CLBlastStatusCode s = CLBlastOverrideParameters(d->id, k->kernel, CLBlastPrecisionSingle,
                                                    (size_t)k->nparams, names, k->values);
    if (s != CLBlastSuccess) {
      fprintf(stderr, "s2sbench: %s: CLBlast refused the %s parameters: %s (%d)\n", path, k->kernel,
              s2s_clblast_status_name(s), (int)s);
      return -1;
    }
  }
  if (applied_path) snprintf(applied_path, len, "%s", path);
  return t.nkernels;
}

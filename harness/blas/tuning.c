/* Tuning files per device (tuning.h): naming, reading, writing, and applying them to
 * CLBlast. The tuner outputs themselves are parsed in tuning_parse.c. */
#include "blas/tuning.h"

#include <clblast_c.h>
#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "record/atomic_file.h"
#include "record/json.h"
#include "record/json_read.h"
#include "cl/status.h"

#ifndef S2S_SOURCE_DIR
#define S2S_SOURCE_DIR "."
#endif

/* The length of a clock at p ("@ 2.80GHz", "@2800 MHz"), else 0. */
static size_t clock_len(const unsigned char *p) {
  if (*p != '@') return 0;
  const unsigned char *q = p + 1;
  while (*q == ' ') q++;
  if (!isdigit(*q)) return 0;
  while (isdigit(*q) || *q == '.') q++;
  while (*q == ' ') q++;
  if (strncasecmp((const char *)q, "ghz", 3) && strncasecmp((const char *)q, "mhz", 3)) return 0;
  return (size_t)(q + 3 - p);
}

void s2s_tuning_slug(const char *name, char *buf, size_t len) {
  size_t o = 0;
  int dash = 0;
  for (const unsigned char *p = (const unsigned char *)name; *p && o + 2 < len; p++) {
    const size_t clock = clock_len(p);
    if (clock) { /* the clock is not the kernel's business: skip it */
      p += clock - 1, dash = 1;
    } else if (isalnum(*p) || *p == '.') {
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

const char *s2s_tuning_host_isa(void) {
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return "avx512";
  if (__builtin_cpu_supports("avx2")) return "avx2";
  if (__builtin_cpu_supports("avx")) return "avx";
  return "sse";
#else
  return "";
#endif
}

void s2s_tuning_key(const s2s_device_info *d, char *buf, size_t len) {
  char slug[256];
  s2s_tuning_slug(d->name, slug, sizeof slug);
  const char *isa = d->type & CL_DEVICE_TYPE_CPU ? s2s_tuning_host_isa() : "";
  snprintf(buf, len, "%s%s%s", slug, *isa ? "-" : "", isa);
}

void s2s_tuning_path(const s2s_device_info *d, char *buf, size_t len) {
  char dir[4096], key[300];
  s2s_tuning_dir(dir, sizeof dir);
  s2s_tuning_key(d, key, sizeof key);
  snprintf(buf, len, "%s/%s.json", dir, key);
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

/* allow_empty: no parameters is a kernel left at CLBlast's own (a pristine class). */
static int load_kernel(const s2s_jval *v, s2s_tuned_kernel *k, int allow_empty, char *err,
                       size_t errlen) {
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
  if (!k->kernel[0] || !p || p->type != S2S_JOBJ || (!p->count && !allow_empty)) {
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

/* A class entry: a kernel entry (the chosen setting) plus its name and transposes. */
static int load_class(const s2s_jval *v, s2s_tuned_class *c, char *err, size_t errlen) {
  memset(c, 0, sizeof *c);
  const s2s_jval *pristine = s2s_jget(v, "pristine");
  if (load_kernel(v, &c->set, pristine && pristine->type == S2S_JBOOL && pristine->num != 0, err,
                  errlen) != 0)
    return -1;
  const char *name = s2s_jstr(v, "class", ""), *tr = s2s_jstr(v, "trans", "");
  if (!name[0] || strlen(tr) != 2 || !strchr("NT", tr[0]) || !strchr("NT", tr[1])) {
    snprintf(err, errlen, "a class entry lacks \"class\" or a \"trans\" of NN, NT, TN or TT");
    return -1;
  }
  if (strcmp(c->set.kernel, "Xgemm") && strcmp(c->set.kernel, "XgemmDirect")) {
    snprintf(err, errlen, "class %s: kernel %s is neither Xgemm nor XgemmDirect", name,
             c->set.kernel);
    return -1;
  }
  if (c->set.m <= 0 || c->set.n <= 0 || c->set.k <= 0) {
    snprintf(err, errlen, "class %s: m, n and k must be positive", name);
    return -1;
  }
  snprintf(c->name, sizeof c->name, "%s", name);
  c->ta = tr[0] == 'T', c->tb = tr[1] == 'T';
  c->default_ms = s2s_jnum(v, "default_ms", 0);
  c->candidates = num_long(v, "candidates");
  return 0;
}

int s2s_tuning_load(const char *path, s2s_tuning *t, char *err, size_t errlen) {
  memset(t, 0, sizeof *t);
  t->switch_ms = -1;
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
    if (load_kernel(c, &t->k[t->nkernels], 0, why, sizeof why) != 0) {
      snprintf(err, errlen, "%s: %s", path, why);
      goto out;
    }
    t->nkernels++;
  }
  const s2s_jval *cs = s2s_jget(d.root, "classes");
  if (cs && cs->type != S2S_JARR) {
    snprintf(err, errlen, "%s: \"classes\" is not an array", path);
    goto out;
  }
  for (const s2s_jval *c = cs ? cs->child : NULL; c; c = c->next) {
    char why[256];
    if (t->nclasses == S2S_TUNING_MAX_CLASSES) {
      snprintf(err, errlen, "%s: more than %d classes", path, S2S_TUNING_MAX_CLASSES);
      goto out;
    }
    if (load_class(c, &t->c[t->nclasses], why, sizeof why) != 0) {
      snprintf(err, errlen, "%s: %s", path, why);
      goto out;
    }
    t->nclasses++;
  }
  for (int i = 0; i < t->nclasses; i++)
    for (int k = 0; k < t->nkernels && !t->c[i].set.nparams; k++)
      if (!strcmp(t->k[k].kernel, t->c[i].set.kernel)) {
        snprintf(err, errlen, "%s: class %s keeps CLBlast's own %s parameters but the file "
                 "overrides them (kernels)", path, t->c[i].name, t->c[i].set.kernel);
        goto out;
      }
  t->switch_ms = s2s_jnum(d.root, "switch_ms", -1);
  rc = 0;
out:
  s2s_jdoc_free(&d);
  return rc;
}

/* The members of a kernel entry (also the chosen setting of a class entry). */
static void save_kernel(s2s_json *j, const s2s_tuned_kernel *k) {
  s2s_json_str(j, "kernel", k->kernel);
  s2s_json_str(j, "family", k->family);
  s2s_json_str(j, "variant", k->variant);
  s2s_json_int(j, "m", k->m);
  s2s_json_int(j, "n", k->n);
  s2s_json_int(j, "k", k->k);
  s2s_json_num(j, "time_ms", k->time_ms);
  s2s_json_num(j, "gflops", k->time_ms > 0 ? 2.0 * k->m * k->n * k->k / k->time_ms * 1e-6 : 0);
  s2s_json_int(j, "configs", k->configs);
  s2s_json_bool(j, "complete", k->complete);
  s2s_json_object(j, "parameters");
  for (int p = 0; p < k->nparams; p++)
    s2s_json_int(j, k->names[p], (long long)k->values[p]);
  s2s_json_close(j, '}');
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
    s2s_json_object(&j, NULL);
    save_kernel(&j, &t->k[i]);
    s2s_json_close(&j, '}');
  }
  s2s_json_close(&j, ']');
  if (t->nclasses) {
    s2s_json_num(&j, "switch_ms", t->switch_ms);
    s2s_json_array(&j, "classes");
    for (int i = 0; i < t->nclasses; i++) {
      const s2s_tuned_class *c = &t->c[i];
      s2s_json_object(&j, NULL);
      s2s_json_str(&j, "class", c->name);
      s2s_json_str(&j, "trans", c->ta ? (c->tb ? "TT" : "TN") : (c->tb ? "NT" : "NN"));
      s2s_json_str(&j, "route", strcmp(c->set.kernel, "XgemmDirect") ? "indirect" : "direct");
      s2s_json_bool(&j, "pristine", c->set.nparams == 0);
      save_kernel(&j, &c->set);
      s2s_json_num(&j, "default_ms", c->default_ms);
      s2s_json_num(&j, "default_gflops", c->default_ms > 0 ? 2.0 * c->set.m * c->set.n *
                                                                 c->set.k / c->default_ms * 1e-6
                                                           : 0);
      s2s_json_int(&j, "candidates", c->candidates);
      s2s_json_close(&j, '}');
    }
    s2s_json_close(&j, ']');
  }
  s2s_json_end(&j);
  return s2s_atomic_commit(&a);
}

/* One CLBlastOverrideParameters call; the refusal reported with where the set came from. */
static int override(const s2s_device *d, const char *kernel, int nparams,
                    const char (*names)[24], const size_t *values, const char *from) {
  const char *ptrs[S2S_TUNING_MAX_PARAMS];
  for (int p = 0; p < nparams; p++)
    ptrs[p] = names[p];
  CLBlastStatusCode s = CLBlastOverrideParameters(d->id, kernel, CLBlastPrecisionSingle,
                                                  (size_t)nparams, ptrs, values);
  if (s != CLBlastSuccess) {
    fprintf(stderr, "s2sbench: %s: CLBlast refused the %s parameters on '%s': %s (%d)\n", from,
            kernel, d->info.name, s2s_clblast_status_name(s), (int)s);
    return -1;
  }
  return 0;
}

int s2s_tuning_use(const s2s_device *d, const s2s_tuning *t, int cls) {
  const s2s_tuned_kernel *set = cls >= 0 ? &t->c[cls].set : NULL;
  for (int i = 0; i < t->nkernels; i++) {
    const int mine = set && set->nparams && !strcmp(set->kernel, t->k[i].kernel);
    const s2s_tuned_kernel *k = mine ? set : &t->k[i];
    if (override(d, k->kernel, k->nparams, k->names, k->values, "tuning") != 0) return -1;
  }
  if (!set) return 0;
  int in_base = 0;
  for (int i = 0; i < t->nkernels; i++)
    in_base |= !strcmp(set->kernel, t->k[i].kernel);
  if (!in_base && set->nparams &&
      override(d, set->kernel, set->nparams, set->names, set->values, "tuning") != 0)
    return -1;
  /* the route: products of at least XGEMM_MIN_INDIRECT_SIZE^3 multiply-adds go indirect */
  const char route[1][24] = {"XGEMM_MIN_INDIRECT_SIZE"};
  const size_t threshold = strcmp(set->kernel, "XgemmDirect") ? 1 : (size_t)1 << 20;
  return override(d, "GemmRoutine", 1, route, &threshold, "tuning");
}

int s2s_tuning_nearest(const s2s_tuning *t, int ta, int tb, size_t m, size_t n, size_t k) {
  int same = 0, best = -1;
  for (int i = 0; i < t->nclasses; i++)
    same |= t->c[i].ta == ta && t->c[i].tb == tb;
  double bd = INFINITY;
  for (int i = 0; i < t->nclasses; i++) {
    const s2s_tuned_class *c = &t->c[i];
    if (same && (c->ta != ta || c->tb != tb)) continue;
    const double dist = fabs(log((double)m / (double)c->set.m)) +
                        fabs(log((double)n / (double)c->set.n)) +
                        fabs(log((double)k / (double)c->set.k));
    if (dist < bd) bd = dist, best = i;
  }
  return best;
}

/* The class tables of the devices whose tuning has classes, and the class in effect. */
typedef struct class_table {
  cl_device_id id;
  s2s_tuning *t;
  int current; /* -1: the base sets */
  struct class_table *next;
} class_table;

static class_table *tables;
static pthread_mutex_t tables_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int ntables;
static atomic_long nswitches;

static void forget(s2s_device *d) { s2s_tuning_register(d, NULL); }

int s2s_tuning_register(const s2s_device *d, const s2s_tuning *t) {
  s2s_tuning *copy = NULL;
  if (t && !(copy = malloc(sizeof *copy))) return -1;
  if (copy) *copy = *t;
  pthread_mutex_lock(&tables_lock);
  class_table **pp = &tables;
  while (*pp && (*pp)->id != d->id)
    pp = &(*pp)->next;
  if (*pp) { /* replace or remove the device's table */
    class_table *e = *pp;
    free(e->t);
    if (copy) {
      e->t = copy, e->current = -1;
    } else {
      *pp = e->next;
      free(e);
      atomic_fetch_sub(&ntables, 1);
    }
  } else if (copy) {
    class_table *e = calloc(1, sizeof *e);
    if (!e) {
      pthread_mutex_unlock(&tables_lock);
      free(copy);
      return -1;
    }
    *e = (class_table){d->id, copy, -1, tables};
    tables = e;
    atomic_fetch_add(&ntables, 1);
  }
  pthread_mutex_unlock(&tables_lock);
  if (copy) s2s_device_on_close(forget);
  return 0;
}

int s2s_tuned_same(const s2s_tuned_kernel *x, const s2s_tuned_kernel *y) {
  if (strcmp(x->kernel, y->kernel) || x->nparams != y->nparams) return 0;
  for (int i = 0; i < x->nparams; i++) {
    int j = 0;
    while (j < y->nparams && strcmp(x->names[i], y->names[j]))
      j++;
    if (j == y->nparams || x->values[i] != y->values[j]) return 0;
  }
  return 1;
}

int s2s_tuning_select(const s2s_device *d, int ta, int tb, size_t m, size_t n, size_t k) {
  if (atomic_load(&ntables) == 0) return 0;
  int rc = 0;
  pthread_mutex_lock(&tables_lock);
  class_table *e = tables;
  while (e && e->id != d->id)
    e = e->next;
  const int c = e ? s2s_tuning_nearest(e->t, ta, tb, m, n, k) : -1;
  if (e && c >= 0 && c != e->current && e->current >= 0 &&
      s2s_tuned_same(&e->t->c[c].set, &e->t->c[e->current].set)) {
    e->current = c; /* another class, the same setting: nothing to override */
  } else if (e && c >= 0 && c != e->current) {
    rc = s2s_tuning_use(d, e->t, c);
    e->current = rc == 0 ? c : -1;
    atomic_fetch_add(&nswitches, 1);
  }
  pthread_mutex_unlock(&tables_lock);
  return rc;
}

long s2s_tuning_switches(void) { return atomic_load(&nswitches); }

int s2s_tuning_apply(const s2s_device *d, char *applied_path, size_t len) {
  char path[4200], err[512];
  if (applied_path && len) applied_path[0] = '\0';
  const char *env = getenv("S2S_TUNING");
  if (env && (!strcmp(env, "off") || !strcmp(env, "0") || !strcmp(env, "none"))) return 0;
  s2s_tuning_path(&d->info, path, sizeof path);
  struct stat st;
  if (stat(path, &st) != 0) return 0;
  s2s_tuning *t = malloc(sizeof *t);
  if (!t) return -1;
  int rc = -1;
  if (s2s_tuning_load(path, t, err, sizeof err) != 0) {
    fprintf(stderr, "s2sbench: tuning file: %s\n", err);
    goto out;
  }
  for (int i = 0; i < t->nkernels; i++) {
    const s2s_tuned_kernel *k = &t->k[i];
    if (override(d, k->kernel, k->nparams, k->names, k->values, path) != 0) goto out;
  }
  if (t->nclasses && s2s_tuning_register(d, t) != 0) goto out;
  if (applied_path) snprintf(applied_path, len, "%s", path);
  rc = t->nkernels + t->nclasses;
out:
  free(t);
  return rc;
}

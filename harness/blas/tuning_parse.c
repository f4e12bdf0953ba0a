/* Reading what CLBlast's tuners leave behind: the JSON file each tuning phase writes when
 * it completes (clblast_<family>_32.json), and the table it prints while it runs (so a
 * tuner stopped by the time limit still yields the best configuration it verified). */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/json_read.h"
#include "blas/tuning.h"

/* Tuner family (without the phase number) -> CLBlast database kernel name. */
static const char *const family_kernels[][2] = {
    {"xgemm_direct", "XgemmDirect"},
    {"xgemm", "Xgemm"},
    {"copy", "Copy"},
    {"pad", "Pad"},
    {"transpose", "Transpose"},
    {"padtranspose", "Padtranspose"},
    {"xgemv", "Xgemv"},
    {"xaxpy", "Xaxpy"},
    {"xdot", "Xdot"},
    {"xger", "Xger"},
    {"invert", "Invert"},
};

static const char *kernel_of_family(const char *family) {
  size_t len = strlen(family);
  while (len && isdigit((unsigned char)family[len - 1]))
    len--;
  if (len && family[len - 1] == '_') len--;
  for (size_t i = 0; i < sizeof family_kernels / sizeof family_kernels[0]; i++)
    if (strlen(family_kernels[i][0]) == len && !strncmp(family, family_kernels[i][0], len))
      return family_kernels[i][1];
  return NULL;
}

static long str_long(const s2s_jval *root, const char *key) {
  const s2s_jval *v = s2s_jget(root, key);
  if (!v) return 0;
  if (v->type == S2S_JSTR) return strtol(v->str, NULL, 10);
  return v->num > -9e18 && v->num < 9e18 ? (long)v->num : 0; /* a cast out of range is UB */
}

/* Inserts k into the fastest-first list top[0..*n) of at most max, unless a set with the
 * same parameters is there already (a tuner may time one configuration twice). */
static void keep_top(s2s_tuned_kernel *top, int *n, int max, const s2s_tuned_kernel *k) {
  for (int i = 0; i < *n; i++)
    if (top[i].nparams == k->nparams &&
        !memcmp(top[i].values, k->values, sizeof k->values[0] * (size_t)k->nparams)) {
      if (k->time_ms < top[i].time_ms) top[i].time_ms = k->time_ms; /* keep the better time */
      return;
    }
  int at = *n;
  while (at > 0 && k->time_ms < top[at - 1].time_ms)
    at--;
  if (at >= max) return;
  const int last = *n < max ? *n : max - 1;
  memmove(&top[at + 1], &top[at], sizeof *top * (size_t)(last - at));
  top[at] = *k;
  if (*n < max) (*n)++;
}

/* One result's parameters (PRECISION dropped: a compile define, not a database entry). */
static int result_params(const s2s_jval *params, s2s_tuned_kernel *out, const char *path,
                         char *err, size_t errlen) {
  if (!params || params->type != S2S_JOBJ) { /* an array's members have no key */
    snprintf(err, errlen, "%s: a result's \"parameters\" is not an object", path);
    return -1;
  }
  out->nparams = 0;
  for (const s2s_jval *p = params->child; p; p = p->next) {
    if (!strcmp(p->key, "PRECISION")) continue;
    /* tunables are small whole numbers; a cast of a huge value to size_t is UB (fuzz_tuning) */
    if (p->type != S2S_JNUM || p->num < 0 || p->num > 1e9 || p->num != floor(p->num) ||
        out->nparams == S2S_TUNING_MAX_PARAMS) {
      snprintf(err, errlen, "%s: bad parameter %s", path, p->key);
      return -1;
    }
    snprintf(out->names[out->nparams], sizeof out->names[0], "%s", p->key);
    out->values[out->nparams++] = (size_t)p->num;
  }
  return 0;
}

int s2s_tuning_parse_tuner_json_top(const char *path, s2s_tuned_kernel *top, int max, char *err,
                                    size_t errlen) {
  s2s_jdoc d;
  if (max < 1 || s2s_jdoc_load(&d, path, err, errlen) != 0) return -1;
  int rc = -1, n = 0;
  long configs = 0;
  const char *family = s2s_jstr(d.root, "kernel_family", NULL), *kernel;
  const s2s_jval *results = s2s_jget(d.root, "results");
  if (!family || !(kernel = kernel_of_family(family))) {
    snprintf(err, errlen, "%s: unknown or missing \"kernel_family\"", path);
    goto out;
  }
  if (!results || results->type != S2S_JARR) {
    snprintf(err, errlen, "%s: no \"results\" array", path);
    goto out;
  }
  s2s_tuned_kernel k;
  memset(&k, 0, sizeof k);
  snprintf(k.kernel, sizeof k.kernel, "%s", kernel);
  snprintf(k.family, sizeof k.family, "%s", family);
  k.m = str_long(d.root, "arg_m"), k.n = str_long(d.root, "arg_n");
  k.k = str_long(d.root, "arg_k");
  k.complete = 1;
  for (const s2s_jval *r = results->child; r; r = r->next) {
    configs++;
    const double t = s2s_jnum(r, "time", -1);
    if (!(t > 0) || !s2s_jget(r, "parameters")) continue;
    if (result_params(s2s_jget(r, "parameters"), &k, path, err, errlen) != 0) goto out;
    snprintf(k.variant, sizeof k.variant, "%s", s2s_jstr(r, "kernel", kernel));
    k.time_ms = t;
    keep_top(top, &n, max, &k);
  }
  if (!n) {
    snprintf(err, errlen, "%s: no timed result", path);
    goto out;
  }
  for (int i = 0; i < n; i++)
    top[i].configs = configs;
  rc = n;
out:
  s2s_jdoc_free(&d);
  return rc;
}

int s2s_tuning_parse_tuner_json(const char *path, s2s_tuned_kernel *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  return s2s_tuning_parse_tuner_json_top(path, out, 1, err, errlen) == 1 ? 0 : -1;
}

/* Removes ANSI colour escapes in place. */
static void strip_ansi(char *s) {
  char *o = s;
  for (char *p = s; *p;) {
    if (*p == '\x1b' && p[1] == '[') {
      p += 2;
      while (*p && !isalpha((unsigned char)*p))
        p++;
      if (*p) p++;
    } else {
      *o++ = *p++;
    }
  }
  *o = '\0';
}

/* Splits a table row "| a | b | ... |" into up to max trimmed cells. */
static int cells(char *line, char **cell, int max) {
  int n = 0;
  char *p = strchr(line, '|');
  while (p && n < max) {
    char *q = strchr(p + 1, '|');
    if (!q) break;
    *q = '\0';
    char *a = p + 1;
    while (isspace((unsigned char)*a))
      a++;
    char *e = a + strlen(a);
    while (e > a && isspace((unsigned char)e[-1]))
      *--e = '\0';
    cell[n++] = a;
    p = q;
  }
  return n;
}

int s2s_tuning_parse_tuner_log_top(const char *path, int section, const char *kernel,
                                   s2s_tuned_kernel *top, int max) {
  FILE *f = fopen(path, "r");
  if (!f || max < 1) {
    if (f) fclose(f);
    return -1;
  }
  char line[4096], names[S2S_TUNING_MAX_PARAMS][24];
  int cur = -1, nnames = 0, n = 0;
  long m = 0, nn = 0, k = 0, rows = 0;
  s2s_tuned_kernel row;
  memset(&row, 0, sizeof row);
  while (fgets(line, sizeof line, f)) {
    strip_ansi(line);
    char *s = line;
    while (isspace((unsigned char)*s))
      s++;
    if (!strncmp(s, "-m ", 3)) m = strtol(s + 3, NULL, 10);
    if (!strncmp(s, "-n ", 3)) nn = strtol(s + 3, NULL, 10);
    if (!strncmp(s, "-k ", 3)) k = strtol(s + 3, NULL, 10);
    if (!strncmp(s, "* Parameters explored:", 22)) {
      cur++;
      nnames = 0;
      for (char *t = strtok(s + 22, " \t\r\n"); t && nnames < S2S_TUNING_MAX_PARAMS;
           t = strtok(NULL, " \t\r\n"))
        snprintf(names[nnames++], sizeof names[0], "%s", t);
      continue;
    }
    if (cur != section || s[0] != '|' || !strstr(s, "results match")) continue;
    rows++; /* the verified rows of the section, for the record */
    char *cell[12];
    if (cells(s, cell, 12) < 9 || !isdigit((unsigned char)cell[0][0])) continue;
    const double t = strtod(cell[6], NULL);
    if (t <= 0) continue;
    size_t vals[S2S_TUNING_MAX_PARAMS];
    int nv = 0;
    for (char *tok = strtok(cell[2], " "); tok && nv < S2S_TUNING_MAX_PARAMS;
         tok = strtok(NULL, " "))
      vals[nv++] = (size_t)strtoul(tok, NULL, 10);
    if (nv != nnames) continue;
    row.nparams = 0;
    for (int i = 0; i < nv; i++) {
      if (!strcmp(names[i], "PRECISION")) continue;
      memcpy(row.names[row.nparams], names[i], sizeof row.names[0]);
      row.values[row.nparams++] = vals[i];
    }
    row.time_ms = t;
    keep_top(top, &n, max, &row);
  }
  fclose(f);
  if (cur < section) return -1;
  for (int i = 0; i < n; i++) {
    snprintf(top[i].kernel, sizeof top[i].kernel, "%s", kernel);
    top[i].m = m, top[i].n = nn, top[i].k = k;
    top[i].configs = rows;
    top[i].complete = 0;
  }
  return n;
}

int s2s_tuning_parse_tuner_log(const char *path, int section, const char *kernel,
                               s2s_tuned_kernel *out) {
  memset(out, 0, sizeof *out);
  const int n = s2s_tuning_parse_tuner_log_top(path, section, kernel, out, 1);
  if (n < 0) return -1;
  if (n == 0) snprintf(out->kernel, sizeof out->kernel, "%s", kernel);
  return n ? 0 : 1;
}

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

int s2s_tuning_parse_tuner_json(const char *path, s2s_tuned_kernel *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  s2s_jdoc d;
  if (s2s_jdoc_load(&d, path, err, errlen) != 0) return -1;
  int rc = -1;
  const char *family = s2s_jstr(d.root, "kernel_family", NULL), *kernel;
  const s2s_jval *results = s2s_jget(d.root, "results"), *best = NULL;
  if (!family || !(kernel = kernel_of_family(family))) {
    snprintf(err, errlen, "%s: unknown or missing \"kernel_family\"", path);
    goto out;
  }
  if (!results || results->type != S2S_JARR) {
    snprintf(err, errlen, "%s: no \"results\" array", path);
    goto out;
  }
  for (const s2s_jval *r = results->child; r; r = r->next) {
    double t = s2s_jnum(r, "time", -1);
    if (t > 0 && s2s_jget(r, "parameters") && (!best || t < s2s_jnum(best, "time", 0))) best = r;
    out->configs++;
  }
  if (!best) {
    snprintf(err, errlen, "%s: no timed result", path);
    goto out;
  }
  snprintf(out->kernel, sizeof out->kernel, "%s", kernel);
  snprintf(out->family, sizeof out->family, "%s", family);
  snprintf(out->variant, sizeof out->variant, "%s", s2s_jstr(best, "kernel", kernel));
  out->time_ms = s2s_jnum(best, "time", 0);
  out->m = str_long(d.root, "arg_m"), out->n = str_long(d.root, "arg_n");
  out->k = str_long(d.root, "arg_k");
  out->complete = 1;
  const s2s_jval *params = s2s_jget(best, "parameters");
  if (!params || params->type != S2S_JOBJ) { /* an array's members have no key */
    snprintf(err, errlen, "%s: the best result's \"parameters\" is not an object", path);
    goto out;
  }
  for (const s2s_jval *p = params->child; p; p = p->next) {
    if (!strcmp(p->key, "PRECISION")) continue; /* a compile define, not a database entry */
    /* tunables are small whole numbers; a cast of a huge value to size_t is UB (fuzz_tuning) */
    if (p->type != S2S_JNUM || p->num < 0 || p->num > 1e9 || p->num != floor(p->num) ||
        out->nparams == S2S_TUNING_MAX_PARAMS) {
      snprintf(err, errlen, "%s: bad parameter %s", path, p->key);
      goto out;
    }
    snprintf(out->names[out->nparams], sizeof out->names[0], "%s", p->key);
    out->values[out->nparams++] = (size_t)p->num;
  }
  rc = 0;
out:
  s2s_jdoc_free(&d);
  return rc;
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

int s2s_tuning_parse_tuner_log(const char *path, int section, const char *kernel,
                               s2s_tuned_kernel *out) {
  memset(out, 0, sizeof *out);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  char line[4096], names[S2S_TUNING_MAX_PARAMS][24];
  int cur = -1, nnames = 0, found = 0;
  long m = 0, n = 0, k = 0;
  while (fgets(line, sizeof line, f)) {
    strip_ansi(line);
    char *s = line;
    while (isspace((unsigned char)*s))
      s++;
    if (!strncmp(s, "-m ", 3)) m = strtol(s + 3, NULL, 10);
    if (!strncmp(s, "-n ", 3)) n = strtol(s + 3, NULL, 10);
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
    char *cell[12];
    if (cells(s, cell, 12) < 9 || !isdigit((unsigned char)cell[0][0])) continue;
    double t = strtod(cell[6], NULL);
    if (t <= 0 || (found && t >= out->time_ms)) continue;
    size_t vals[S2S_TUNING_MAX_PARAMS];
    int nv = 0;
    for (char *tok = strtok(cell[2], " "); tok && nv < S2S_TUNING_MAX_PARAMS;
         tok = strtok(NULL, " "))
      vals[nv++] = (size_t)strtoul(tok, NULL, 10);
    if (nv != nnames) continue;
    out->nparams = 0;
    for (int i = 0; i < nv; i++) {
      if (!strcmp(names[i], "PRECISION")) continue;
      memcpy(out->names[out->nparams], names[i], sizeof out->names[0]);
      out->values[out->nparams++] = vals[i];
    }
    out->time_ms = t;
    found = 1;
  }
  fclose(f);
  if (cur < section) return -1;
  /* count the verified rows of the section for the record */
  if ((f = fopen(path, "r"))) {
    int sec = -1;
    while (fgets(line, sizeof line, f)) {
      strip_ansi(line);
      if (strstr(line, "* Parameters explored:"))
        sec++;
      else if (sec == section && strstr(line, "results match"))
        out->configs++;
    }
    fclose(f);
  }
  snprintf(out->kernel, sizeof out->kernel, "%s", kernel);
  out->m = m, out->n = n, out->k = k;
  out->complete = 0;
  return found ? 0 : 1;
}

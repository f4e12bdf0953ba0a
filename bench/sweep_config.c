/* Sweep definitions (sweep.h): the `key = value` config files of bench/sweeps/, the same
 * keys as command-line flags, the model config of each point, and opening a point's
 * devices (with the SPEC@N form that keeps the first N). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/sweep.h"

#include "args/args.h"
#include "blas/blas_devices.h"

void s2s_sweep_defaults(s2s_sweep *s) {
  memset(s, 0, sizeof *s);
  snprintf(s->name, sizeof s->name, "sweep");
  snprintf(s->out_dir, sizeof s->out_dir, "results/local/sweep");
  snprintf(s->devices[0], sizeof s->devices[0], "cpu/1");
  snprintf(s->devices[1], sizeof s->devices[1], "cpu/2");
  s->ndevices = 2;
  snprintf(s->presets[0], sizeof s->presets[0], "small");
  s->npresets = 1;
  s->batches[0] = 64, s->nbatches = 1;
  s->lens[0] = 20, s->nlens = 1;
  s->trials = 5, s->warmup = 1, s->gemm_reps = 1;
}

/* Splits a space-separated list into words (in place); returns the count or -1. */
static int words(char *v, char **w, int max) {
  int n = 0;
  for (char *t = strtok(v, " \t"); t; t = strtok(NULL, " \t")) {
    if (n == max) return -1;
    w[n++] = t;
  }
  return n;
}

static int int_list(const char *key, char *v, int *out, int *n, long lo, long hi, char *err,
                    size_t errlen) {
  char *w[S2S_SWEEP_MAX];
  int k = words(v, w, S2S_SWEEP_MAX);
  if (k <= 0) {
    snprintf(err, errlen, "%s: give 1 to %d values", key, S2S_SWEEP_MAX);
    return -1;
  }
  for (int i = 0; i < k; i++) {
    long x;
    if (s2s_parse_long(w[i], lo, hi, &x) != 0) {
      snprintf(err, errlen, "%s: '%s' is not a whole number in [%ld, %ld]", key, w[i], lo, hi);
      return -1;
    }
    out[i] = (int)x;
  }
  *n = k;
  return 0;
}

int s2s_sweep_set(s2s_sweep *s, const char *key, const char *value, char *err, size_t errlen) {
  char v[1024];
  if (snprintf(v, sizeof v, "%s", value) >= (int)sizeof v) {
    snprintf(err, errlen, "%s: value too long", key);
    return -1;
  }
  char *w[S2S_SWEEP_MAX];
  long x;
  if (!strcmp(key, "devices")) {
    int k = words(v, w, S2S_SWEEP_MAX - s->ndevices);
    if (k <= 0) {
      snprintf(err, errlen, "devices: give 1 to %d device specs", S2S_SWEEP_MAX);
      return -1;
    }
    for (int i = 0; i < k; i++)
      snprintf(s->devices[s->ndevices++], sizeof s->devices[0], "%s", w[i]);
  } else if (!strncmp(key, "split.", 6)) {
    if (s2s_parse_long(key + 6, 1, S2S_MAX_DEVICES, &x) != 0 || s->nsplits == 2 * S2S_SWEEP_MAX) {
      snprintf(err, errlen, "%s: write split.N with N the device count (1..16)", key);
      return -1;
    }
    s->splits[s->nsplits].ndev = (int)x;
    snprintf(s->splits[s->nsplits++].spec, sizeof s->splits[0].spec, "%s", value);
  } else if (!strcmp(key, "presets") || !strcmp(key, "preset")) {
    int k = words(v, w, S2S_SWEEP_MAX);
    s2s_config c;
    for (int i = 0; i < k; i++)
      if (s2s_config_preset(&c, w[i]) != 0) {
        snprintf(err, errlen, "%s: unknown preset '%s' (paper, small, tiny)", key, w[i]);
        return -1;
      }
    if (k <= 0) {
      snprintf(err, errlen, "%s: give 1 to %d presets", key, S2S_SWEEP_MAX);
      return -1;
    }
    for (int i = 0; i < k; i++)
      snprintf(s->presets[i], sizeof s->presets[0], "%s", w[i]);
    s->npresets = k;
  } else if (!strcmp(key, "batches") || !strcmp(key, "batch")) {
    return int_list(key, v, s->batches, &s->nbatches, 1, 4096, err, errlen);
  } else if (!strcmp(key, "lens") || !strcmp(key, "len")) {
    return int_list(key, v, s->lens, &s->nlens, 1, 1000, err, errlen);
  } else if (!strcmp(key, "trials") || !strcmp(key, "repetitions") || !strcmp(key, "warmup") ||
             !strcmp(key, "gemm_reps")) {
    if (s2s_parse_long(v, 1, !strcmp(key, "warmup") ? 1000 : 100000, &x) != 0) {
      snprintf(err, errlen, "%s: '%s' is not a positive whole number", key, value);
      return -1;
    }
    *(!strcmp(key, "warmup")      ? &s->warmup
      : !strcmp(key, "gemm_reps") ? &s->gemm_reps
                                  : &s->trials) = x;
  } else if (!strcmp(key, "predict")) {
    if (strcmp(v, "on") && strcmp(v, "off")) {
      snprintf(err, errlen, "predict: on or off, not '%s'", value);
      return -1;
    }
    s->no_predict = !strcmp(v, "off");
  } else if (!strcmp(key, "out")) {
    snprintf(s->out_dir, sizeof s->out_dir, "%s", value);
  } else if (!strcmp(key, "name")) {
    snprintf(s->name, sizeof s->name, "%s", value);
  } else {
    s2s_config c;
    s2s_config_preset(&c, "small");
    int r = s2s_config_set(&c, key, value);
    if (r == -1 || s->noverrides == S2S_SWEEP_MAX) {
      snprintf(err, errlen, "unknown key '%s'", key);
      return -1;
    }
    if (r != 0) {
      snprintf(err, errlen, "%s: bad value '%s'", key, value);
      return -1;
    }
    snprintf(s->overrides[s->noverrides][0], 64, "%s", key);
    snprintf(s->overrides[s->noverrides++][1], 64, "%s", value);
  }
  return 0;
}

static char *trim(char *s) {
  while (isspace((unsigned char)*s))
    s++;
  char *e = s + strlen(s);
  while (e > s && isspace((unsigned char)e[-1]))
    *--e = '\0';
  return s;
}

int s2s_sweep_load(s2s_sweep *s, const char *path, char *err, size_t errlen) {
  FILE *f = fopen(path, "r");
  if (!f) {
    snprintf(err, errlen, "cannot read '%s'", path);
    return -1;
  }
  snprintf(s->source, sizeof s->source, "%s", path);
  const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
  snprintf(s->name, sizeof s->name, "%.*s", (int)(strcspn(base, ".") ? strcspn(base, ".") : 5),
           base);
  /* a file's own device list replaces the defaults */
  int devices_seen = 0;
  char line[2048], why[512];
  for (int ln = 1; fgets(line, sizeof line, f); ln++) {
    char *hash = strchr(line, '#');
    if (hash) *hash = '\0';
    char *t = trim(line);
    if (!*t) continue;
    char *eq = strchr(t, '=');
    if (!eq) {
      snprintf(err, errlen, "%s:%d: expected 'key = value'", path, ln);
      fclose(f);
      return -1;
    }
    *eq = '\0';
    char *key = trim(t), *val = trim(eq + 1);
    if (!strcmp(key, "devices") && !devices_seen++) s->ndevices = 0;
    if (s2s_sweep_set(s, key, val, why, sizeof why) != 0) {
      snprintf(err, errlen, "%s:%d: %s", path, ln, why);
      fclose(f);
      return -1;
    }
  }
  fclose(f);
  return 0;
}

int s2s_sweep_point_config(const s2s_sweep *s, int preset, int batch, int len, s2s_config *c,
                           char *err, size_t errlen) {
  if (s2s_config_preset(c, s->presets[preset]) != 0) {
    snprintf(err, errlen, "unknown preset '%s'", s->presets[preset]);
    return -1;
  }
  for (int i = 0; i < s->noverrides; i++)
    if (s2s_config_set(c, s->overrides[i][0], s->overrides[i][1]) != 0) {
      snprintf(err, errlen, "%s = %s: bad value", s->overrides[i][0], s->overrides[i][1]);
      return -1;
    }
  c->batch = s->batches[batch];
  if (s->lens[len] > c->max_len) c->max_len = s->lens[len];
  return s2s_config_check(c, err, errlen);
}

int s2s_sweep_splits_for(const s2s_sweep *s, int ndev, const char **out, int max) {
  int n = 0;
  for (int i = 0; i < s->nsplits && n < max; i++)
    if (s->splits[i].ndev == ndev) out[n++] = s->splits[i].spec;
  if (!n && max > 0) out[n++] = "default";
  return n;
}

int s2s_sweep_open(const char *spec, s2s_device **devs, int *count, int *used, char *err,
                   size_t errlen) {
  char buf[256];
  snprintf(buf, sizeof buf, "%s", spec);
  char *at = strrchr(buf, '@');
  long keep = 0;
  if (at) {
    *at = '\0';
    if (s2s_parse_long(at + 1, 1, S2S_MAX_DEVICES, &keep) != 0) {
      snprintf(err, errlen, "'%s': write SPEC@N with N in 1..16", spec);
      return -1;
    }
  }
  if (s2s_blas_open_devices(buf, devs, count, err, errlen) != 0) return -1;
  if (keep > *count) {
    snprintf(err, errlen, "'%s': selects only %d device(s)", spec, *count);
    s2s_device_close(*devs, *count);
    return -1;
  }
  *used = keep ? (int)keep : *count;
  if (*used > S2S_MAX_DEVICES) {
    snprintf(err, errlen, "'%s': more than 16 devices", spec);
    s2s_device_close(*devs, *count);
    return -1;
  }
  return 0;
}

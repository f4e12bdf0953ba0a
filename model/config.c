/* Presets, strict flag parsing and the learning-rate schedule of the 2014 translator.
 * `paper` is the published system; `small` and `tiny` keep its optimiser and shrink the
 * sizes so that training finishes on a 2-core CPU. Library code: never exits, never
 * prints; errors come back as status codes or a message in a caller's buffer. */
#include "config.h"

#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const s2s_config_keys[] = {
    "layers", "hidden",     "embed",       "src-vocab",   "tgt-vocab", "batch", "max-len",
    "lr",     "clip",       "init-scale",  "decay-start", "decay-every", "epochs", "seed",
    NULL};

/* The optimiser of the paper, shared by every preset unless a preset says otherwise. */
static void set_paper_optimiser(s2s_config *c) {
  c->lr = 0.7f;
  c->clip = 5.0f;
  c->init_scale = 0.08f;
  c->decay_start = 5.0f;
  c->decay_every = 0.5f;
  c->epochs = 7.5f;
  c->seed = 1;
}

int s2s_config_preset(s2s_config *c, const char *name) {
  if (!c || !name) return -1;
  s2s_config t;
  memset(&t, 0, sizeof t);
  set_paper_optimiser(&t);
  if (strcmp(name, "paper") == 0) {
    t.layers = 4, t.hidden = 1000, t.embed = 1000;
    t.src_vocab = 160000, t.tgt_vocab = 80000;
    t.batch = 128, t.max_len = 50;
  } else if (strcmp(name, "small") == 0) {
    t.layers = 2, t.hidden = 256, t.embed = 256;
    t.src_vocab = 16000, t.tgt_vocab = 16000;
    t.batch = 64, t.max_len = 50;
  } else if (strcmp(name, "tiny") == 0) {
    /* lr 5, not the paper's 0.7: see config.h for the measurement. */
    t.layers = 2, t.hidden = 64, t.embed = 64;
    t.lr = 5.0f;
    t.src_vocab = 64, t.tgt_vocab = 64;
    t.batch = 32, t.max_len = 16;
  } else {
    return -1;
  }
  snprintf(t.preset, sizeof t.preset, "%s", name);
  *c = t;
  return 0;
}

/* Strict parsers: the whole string must be the number (no leading blanks, no trailing
 * characters), in range. They return 0 or -2, as s2s_config_set does. */
static int parse_int(const char *s, long lo, long hi, int *out) {
  if (!s || !*s || !(s[0] == '-' || s[0] == '+' || (s[0] >= '0' && s[0] <= '9'))) return -2;
  char *end = NULL;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno == ERANGE || end == s || *end != '\0' || v < lo || v > hi) return -2;
  *out = (int)v;
  return 0;
}

static int parse_float(const char *s, double lo, int lo_open, float *out) {
  if (!s || !*s || !(s[0] == '-' || s[0] == '+' || s[0] == '.' || (s[0] >= '0' && s[0] <= '9')))
    return -2;
  char *end = NULL;
  errno = 0;
  double v = strtod(s, &end);
  if (errno == ERANGE || end == s || *end != '\0' || !isfinite(v) || fabs(v) > FLT_MAX) return -2;
  if (lo_open ? !(v > lo) : !(v >= lo)) return -2;
  *out = (float)v;
  return 0;
}

static int parse_u64(const char *s, uint64_t *out) {
  if (!s || !(s[0] >= '0' && s[0] <= '9')) return -2; /* no sign, no blanks */
  char *end = NULL;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno == ERANGE || end == s || *end != '\0') return -2;
  *out = (uint64_t)v;
  return 0;
}

int s2s_config_set(s2s_config *c, const char *key, const char *value) {
  if (!c || !key) return -1;
  if (!strcmp(key, "layers")) return parse_int(value, 1, S2S_MAX_LAYERS, &c->layers);
  if (!strcmp(key, "hidden")) return parse_int(value, 1, INT_MAX, &c->hidden);
  if (!strcmp(key, "embed")) return parse_int(value, 1, INT_MAX, &c->embed);
  if (!strcmp(key, "src-vocab")) return parse_int(value, 3, INT_MAX, &c->src_vocab);
  if (!strcmp(key, "tgt-vocab")) return parse_int(value, 3, INT_MAX, &c->tgt_vocab);
  if (!strcmp(key, "batch")) return parse_int(value, 1, INT_MAX, &c->batch);
  if (!strcmp(key, "max-len")) return parse_int(value, 1, INT_MAX, &c->max_len);
  if (!strcmp(key, "lr")) return parse_float(value, 0.0, 1, &c->lr);
  if (!strcmp(key, "clip")) return parse_float(value, 0.0, 1, &c->clip);
  if (!strcmp(key, "init-scale")) return parse_float(value, 0.0, 0, &c->init_scale);
  if (!strcmp(key, "decay-start")) return parse_float(value, 0.0, 0, &c->decay_start);
  if (!strcmp(key, "decay-every")) return parse_float(value, 0.0, 1, &c->decay_every);
  if (!strcmp(key, "epochs")) return parse_float(value, 0.0, 1, &c->epochs);
  if (!strcmp(key, "seed")) return parse_u64(value, &c->seed);
  return -1;
}

static int fail(char *err, size_t errlen, const char *fmt, ...) {
  if (err && errlen) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
  }
  return -1;
}

int s2s_config_check(const s2s_config *c, char *err, size_t errlen) {
  if (!c) return fail(err, errlen, "no configuration");
  if (c->layers < 1 || c->layers > S2S_MAX_LAYERS)
    return fail(err, errlen, "layers = %d: must be 1..%d", c->layers, S2S_MAX_LAYERS);
  if (c->hidden < 1) return fail(err, errlen, "hidden = %d: must be >= 1", c->hidden);
  if (c->embed < 1) return fail(err, errlen, "embed = %d: must be >= 1", c->embed);
  if (c->src_vocab < 3)
    return fail(err, errlen, "src-vocab = %d: must be >= 3 (<unk>, <eos>, one word)", c->src_vocab);
  if (c->tgt_vocab < 3)
    return fail(err, errlen, "tgt-vocab = %d: must be >= 3 (<unk>, <eos>, one word)", c->tgt_vocab);
  if (c->batch < 1) return fail(err, errlen, "batch = %d: must be >= 1", c->batch);
  if (c->max_len < 1) return fail(err, errlen, "max-len = %d: must be >= 1", c->max_len);
  if (!(isfinite(c->lr) && c->lr > 0)) return fail(err, errlen, "lr = %g: must be > 0", c->lr);
  if (!(isfinite(c->clip) && c->clip > 0))
    return fail(err, errlen, "clip = %g: must be > 0", c->clip);
  if (!(isfinite(c->init_scale) && c->init_scale >= 0))
    return fail(err, errlen, "init-scale = %g: must be >= 0", c->init_scale);
  if (!(isfinite(c->decay_start) && c->decay_start >= 0))
    return fail(err, errlen, "decay-start = %g: must be >= 0", c->decay_start);
  if (!(isfinite(c->decay_every) && c->decay_every > 0))
    return fail(err, errlen, "decay-every = %g: must be > 0", c->decay_every);
  if (!(isfinite(c->epochs) && c->epochs > 0))
    return fail(err, errlen, "epochs = %g: must be > 0", c->epochs);
  /* The parameter block (and its double copy in the reference) must be addressable:
   * every product below stays far from overflow on a 64-bit size_t when each factor is
   * an int, but a 32-bit size_t could wrap. */
  double H = c->hidden, E = c->embed, In = c->embed > c->hidden ? c->embed : c->hidden;
  double total = (c->src_vocab + (double)c->tgt_vocab) * E + c->tgt_vocab * (H + 1) +
                 2.0 * c->layers * 4 * H * (In + H + 1);
  if (total * sizeof(double) >= (double)SIZE_MAX)
    return fail(err, errlen, "%.0f parameters do not fit this machine's address space", total);
  return 0;
}

float s2s_config_lr_at(const s2s_config *c, double epoch) {
  /* q counts decay periods since decay_start; the 1e-6 slack makes a boundary that lands
   * on a step count (5.5 epochs = 11 of 2 steps/epoch, or a float-rounded 0.1f period)
   * count as reached. */
  double q = (epoch - (double)c->decay_start) / (double)c->decay_every + 1e-6;
  if (!(q >= 0)) return c->lr; /* before decay_start (and NaN epochs) */
  double halvings = 1.0 + floor(q);
  if (halvings > 2000) return 0.0f; /* below every float */
  return (float)ldexp((double)c->lr, -(int)halvings);
}

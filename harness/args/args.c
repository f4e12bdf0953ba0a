/* Flag and number parsing for the subcommands (see args.h). */
#include "args/args.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int s2s_parse_long(const char *v, long min, long max, long *out) {
  char *end;
  errno = 0;
  long x = strtol(v, &end, 10);
  if (errno || end == v || *end || x < min || x > max) return -1;
  *out = x;
  return 0;
}

int s2s_parse_double(const char *v, double min, double max, double *out) {
  char *end;
  errno = 0;
  double x = strtod(v, &end);
  if (errno || end == v || *end || !(x >= min && x <= max)) return -1;
  *out = x;
  return 0;
}

void s2s_args_init(s2s_args *c, const char *cmd, int argc, char **argv) {
  *c = (s2s_args){.cmd = cmd, .argc = argc, .argv = argv, .i = 0};
}

int s2s_args_next(s2s_args *c) {
  static char name[128];
  c->i++;
  if (c->i >= c->argc) return 0;
  const char *a = c->argv[c->i];
  const char *eq = strncmp(a, "--", 2) == 0 ? strchr(a, '=') : NULL;
  if (eq && (size_t)(eq - a) < sizeof name) {
    memcpy(name, a, (size_t)(eq - a));
    name[eq - a] = '\0';
    c->flag = name;
    c->inline_value = eq + 1;
  } else {
    c->flag = a;
    c->inline_value = NULL;
  }
  return 1;
}

int s2s_args_is(const s2s_args *c, const char *name) { return strcmp(c->flag, name) == 0; }

const char *s2s_args_value(s2s_args *c) {
  if (c->inline_value) return c->inline_value;
  if (c->i + 1 >= c->argc) {
    fprintf(stderr, "s2sbench %s: flag '%s' needs a value\n", c->cmd, c->flag);
    return NULL;
  }
  return c->argv[++c->i];
}

int s2s_args_long(s2s_args *c, long min, long max, long *out) {
  const char *v = s2s_args_value(c);
  if (!v) return -1;
  if (s2s_parse_long(v, min, max, out) != 0) {
    fprintf(stderr, "s2sbench %s: %s: '%s' is not an integer in [%ld, %ld]\n", c->cmd, c->flag,
            v, min, max);
    return -1;
  }
  return 0;
}

int s2s_args_double(s2s_args *c, double min, double max, double *out) {
  const char *v = s2s_args_value(c);
  if (!v) return -1;
  if (s2s_parse_double(v, min, max, out) != 0) {
    fprintf(stderr, "s2sbench %s: %s: '%s' is not a number in [%g, %g]\n", c->cmd, c->flag, v,
            min, max);
    return -1;
  }
  return 0;
}

int s2s_args_config(s2s_args *c, s2s_config *cfg) {
  if (s2s_args_is(c, "--preset")) {
    if (c->size_flag) {
      fprintf(stderr, "s2sbench %s: --preset must come before the size flags: it would reset "
              "%s, given before it\n", c->cmd, c->size_flag);
      return -1;
    }
    const char *v = s2s_args_value(c);
    if (!v) return -1;
    if (s2s_config_preset(cfg, v) != 0) {
      fprintf(stderr, "s2sbench %s: --preset: unknown preset '%s' (paper, small, tiny)\n",
              c->cmd, v);
      return -1;
    }
    return 1;
  }
  if (strncmp(c->flag, "--", 2) != 0) return 0;
  for (const char *const *k = s2s_config_keys; *k; k++) {
    if (strcmp(c->flag + 2, *k) != 0) continue;
    if (!c->size_flag) c->size_flag = c->argv[c->i];
    const char *v = s2s_args_value(c);
    if (!v) return -1;
    if (s2s_config_set(cfg, *k, v) != 0) {
      fprintf(stderr, "s2sbench %s: %s: invalid value '%s'\n", c->cmd, c->flag, v);
      return -1;
    }
    return 1;
  }
  return 0;
}

int s2s_args_unknown(const s2s_args *c) {
  fprintf(stderr, "s2sbench %s: unknown flag '%s' (see s2sbench %s --help)\n", c->cmd, c->flag,
          c->cmd);
  return 2;
}

/* Unit and value of each config key, for the help table. */
static const struct {
  const char *key, *unit;
} key_units[] = {
    {"layers", "LSTM layers per side"},       {"hidden", "cells per layer"},
    {"embed", "embedding width"},             {"src-vocab", "source words (with <unk>, <eos>)"},
    {"tgt-vocab", "target words (with <unk>, <eos>)"}, {"batch", "sentences per step"},
    {"max-len", "words per sentence at most"}, {"lr", "SGD learning rate"},
    {"clip", "bound on the gradient's L2 norm"}, {"init-scale", "init U(-x, x)"},
    {"decay-start", "epochs before lr halving"}, {"decay-every", "epochs between halvings"},
    {"epochs", "training epochs"},            {"seed", "init and data order"}};

static void key_value(const s2s_config *c, const char *k, char *buf, size_t len) {
  if (!strcmp(k, "layers")) snprintf(buf, len, "%d", c->layers);
  else if (!strcmp(k, "hidden")) snprintf(buf, len, "%d", c->hidden);
  else if (!strcmp(k, "embed")) snprintf(buf, len, "%d", c->embed);
  else if (!strcmp(k, "src-vocab")) snprintf(buf, len, "%d", c->src_vocab);
  else if (!strcmp(k, "tgt-vocab")) snprintf(buf, len, "%d", c->tgt_vocab);
  else if (!strcmp(k, "batch")) snprintf(buf, len, "%d", c->batch);
  else if (!strcmp(k, "max-len")) snprintf(buf, len, "%d", c->max_len);
  else if (!strcmp(k, "lr")) snprintf(buf, len, "%g", c->lr);
  else if (!strcmp(k, "clip")) snprintf(buf, len, "%g", c->clip);
  else if (!strcmp(k, "init-scale")) snprintf(buf, len, "%g", c->init_scale);
  else if (!strcmp(k, "decay-start")) snprintf(buf, len, "%g", c->decay_start);
  else if (!strcmp(k, "decay-every")) snprintf(buf, len, "%g", c->decay_every);
  else if (!strcmp(k, "epochs")) snprintf(buf, len, "%g", c->epochs);
  else if (!strcmp(k, "seed")) snprintf(buf, len, "%llu", (unsigned long long)c->seed);
  else snprintf(buf, len, "?");
}

void s2s_args_config_help(void) {
  static const char *const presets[] = {"tiny", "small", "paper"};
  s2s_config pc[3];
  for (int i = 0; i < 3; i++) s2s_config_preset(&pc[i], presets[i]);
  printf("model and optimiser: --preset tiny|small|paper first (paper = the 2014 system), then\n"
         "any flag below overrides one value (a size flag before --preset is refused):\n"
         "  %-16s %-34s %7s %7s %7s\n", "flag", "unit", "tiny", "small", "paper");
  for (const char *const *k = s2s_config_keys; *k; k++) { /* every key, unit or not */
    const char *unit = "";
    for (size_t i = 0; i < sizeof key_units / sizeof key_units[0]; i++)
      if (!strcmp(key_units[i].key, *k)) unit = key_units[i].unit;
    char flag[32], v[3][24];
    snprintf(flag, sizeof flag, "--%s N", *k);
    for (int p = 0; p < 3; p++) key_value(&pc[p], *k, v[p], sizeof v[p]);
    printf("  %-16s %-34s %7s %7s %7s\n", flag, unit, v[0], v[1], v[2]);
  }
}

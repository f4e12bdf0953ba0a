/* Parsing, defaults and printing of layer/softmax splits (see pipeline_split.h). */
#include "step/pipeline_split.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void cut_vocab(s2s_split *s, int V) {
  for (int k = 0; k <= s->shards; k++) s->shard_v0[k] = (int)((long long)V * k / s->shards);
}

void s2s_split_default(s2s_split *s, int n, const s2s_config *c) {
  memset(s, 0, sizeof *s);
  const int L = c->layers;
  s->ndev = n;
  s->layers = L;
  if (n <= L) {
    for (int l = 0; l < L; l++) s->layer_dev[l] = l * n / L;
    s->shards = n;
    for (int k = 0; k < n; k++) s->shard_dev[k] = k;
  } else {
    int k = n - L > S2S_MAX_SHARDS ? S2S_MAX_SHARDS : n - L;
    for (int l = 0; l < L; l++) s->layer_dev[l] = l;
    s->shards = k;
    for (int i = 0; i < k; i++) s->shard_dev[i] = L + i;
  }
  cut_vocab(s, c->tgt_vocab);
}

/* Parses "a,b,c" into out (up to max); returns the count or -1. */
static int parse_list(const char *p, const char *end, int *out, int max, int ndev,
                      const char *what, char *err, size_t errlen) {
  int n = 0;
  while (p < end) {
    if (!isdigit((unsigned char)*p)) {
      snprintf(err, errlen, "--split: %s: expected a device number at '%.*s'", what,
               (int)(end - p), p);
      return -1;
    }
    char *q;
    long v = strtol(p, &q, 10);
    if (v >= ndev) {
      snprintf(err, errlen, "--split: %s: device %ld does not exist (the run has %d device%s, "
               "numbered 0..%d)", what, v, ndev, ndev == 1 ? "" : "s", ndev - 1);
      return -1;
    }
    if (n == max) {
      snprintf(err, errlen, "--split: %s: more than %d entries", what, max);
      return -1;
    }
    out[n++] = (int)v;
    p = q;
    if (p < end && *p == ',') p++;
    else if (p < end) {
      snprintf(err, errlen, "--split: %s: unexpected '%c'", what, *p);
      return -1;
    }
  }
  return n;
}

int s2s_split_parse(s2s_split *s, const char *spec, int ndev, const s2s_config *c, char *err,
                    size_t errlen) {
  memset(s, 0, sizeof *s);
  s->ndev = ndev;
  s->layers = c->layers;
  int have_layers = 0, have_softmax = 0;
  for (const char *p = spec; *p;) {
    const char *end = strchr(p, ';');
    if (!end) end = p + strlen(p);
    const char *eq = memchr(p, '=', (size_t)(end - p));
    if (!eq) {
      snprintf(err, errlen, "--split '%s': expected layers=...;softmax=...", spec);
      return -1;
    }
    size_t klen = (size_t)(eq - p);
    const int is_layers = klen == 6 && !strncmp(p, "layers", 6);
    if ((is_layers && have_layers) ||
        (klen == 7 && !strncmp(p, "softmax", 7) && have_softmax)) { /* found by fuzz_sweep */
      snprintf(err, errlen, "--split '%s': '%.*s' is given twice", spec, (int)klen, p);
      return -1;
    }
    if (is_layers) {
      int n = parse_list(eq + 1, end, s->layer_dev, S2S_MAX_LAYERS, ndev, "layers", err, errlen);
      if (n < 0) return -1;
      if (n != c->layers) {
        snprintf(err, errlen, "--split: layers lists %d device%s, the model has %d layer "
                 "pairs (one device each, bottom to top)", n, n == 1 ? "" : "s", c->layers);
        return -1;
      }
      have_layers = 1;
    } else if (klen == 7 && !strncmp(p, "softmax", 7)) {
      int n = parse_list(eq + 1, end, s->shard_dev, S2S_MAX_SHARDS, ndev, "softmax", err, errlen);
      if (n < 0) return -1;
      if (n < 1) {
        snprintf(err, errlen, "--split: softmax needs at least one device");
        return -1;
      }
      s->shards = n;
      have_softmax = 1;
    } else {
      snprintf(err, errlen, "--split: unknown part '%.*s' (layers, softmax)", (int)klen, p);
      return -1;
    }
    p = *end ? end + 1 : end;
  }
  if (!have_layers || !have_softmax) {
    snprintf(err, errlen, "--split '%s': give both layers=... and softmax=...", spec);
    return -1;
  }
  if (s->shards > c->tgt_vocab) {
    snprintf(err, errlen, "--split: %d softmax shards for a %d-word vocabulary", s->shards,
             c->tgt_vocab);
    return -1;
  }
  for (int d = 0; d < ndev; d++) {
    int used = 0;
    for (int l = 0; l < c->layers; l++) used |= s->layer_dev[l] == d;
    for (int k = 0; k < s->shards; k++) used |= s->shard_dev[k] == d;
    if (!used) {
      snprintf(err, errlen, "--split: device %d holds no layer and no softmax shard", d);
      return -1;
    }
  }
  cut_vocab(s, c->tgt_vocab);
  return 0;
}

void s2s_split_format(const s2s_split *s, char *buf, size_t len) {
  size_t n = (size_t)snprintf(buf, len, "layers=");
  for (int l = 0; l < s->layers && n < len; l++)
    n += (size_t)snprintf(buf + n, len - n, "%s%d", l ? "," : "", s->layer_dev[l]);
  if (n < len) n += (size_t)snprintf(buf + n, len - n, ";softmax=");
  for (int k = 0; k < s->shards && n < len; k++)
    n += (size_t)snprintf(buf + n, len - n, "%s%d", k ? "," : "", s->shard_dev[k]);
}

double s2s_split_bound(const s2s_split *s, const s2s_config *c, int T_src, int T_tgt,
                       double *share) {
  double work[S2S_MAX_DEVICES] = {0}, lstm[S2S_MAX_DEVICES] = {0};
  const double H = c->hidden, E = c->embed, T = T_src + T_tgt;
  for (int l = 0; l < c->layers; l++) { /* per sentence: 6 * weights per token, both sides */
    double w = 6.0 * 4 * H * ((l ? H : E) + H) * T;
    work[s->layer_dev[l]] += w;
    lstm[s->layer_dev[l]] += w;
  }
  for (int k = 0; k < s->shards; k++)
    work[s->shard_dev[k]] += 6.0 * H * (s->shard_v0[k + 1] - s->shard_v0[k]) * T_tgt;
  double total = 0, busiest = 0, slowest_layer_dev = 0;
  int chain = 1;
  for (int l = 1; l < c->layers; l++) chain += s->layer_dev[l] != s->layer_dev[l - 1];
  for (int d = 0; d < s->ndev; d++) {
    total += work[d];
    if (work[d] > busiest) busiest = work[d];
    if (lstm[d] > slowest_layer_dev) slowest_layer_dev = lstm[d];
  }
  for (int d = 0; share && d < s->ndev; d++) share[d] = work[d] / total;
  /* encoder and decoder form one chain of T steps per pass (decoder layer l follows
   * encoder layer l on its device); it fills and drains over (chain - 1) of the slowest
   * layer device's steps, in each pass alike, so the fraction is the same for all three */
  double fill = (chain - 1) * slowest_layer_dev / (T > 0 ? T : 1);
  return total / (busiest + fill);
}

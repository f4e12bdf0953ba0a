/* The parameter block: one offset per matrix, in the order src_emb, tgt_emb, encoder
 * layers, decoder layers, out_w, out_b (each LSTM layer w_ih, w_hh, bias). The same
 * offsets index the float block on devices, the double block of the CPU reference and
 * the checkpoint, so this file is the single place the order is written down. */
#include "params.h"

#include <stdio.h>

#include "rng.h"

static size_t lstm_layout(s2s_lstm_offsets *o, size_t at, int in, int H) {
  o->in = in;
  o->w_ih = at;
  at += (size_t)4 * H * in; /* (4H, Ein) */
  o->w_hh = at;
  at += (size_t)4 * H * H; /* (4H, H) */
  o->bias = at;
  at += (size_t)4 * H; /* (4H) */
  return at;
}

void s2s_params_layout(s2s_param_layout *lay, const s2s_config *c) {
  const int H = c->hidden, E = c->embed, L = c->layers;
  size_t at = 0;
  *lay = (s2s_param_layout){0};
  lay->src_emb = at;
  at += (size_t)c->src_vocab * E; /* (Vs, E) */
  lay->tgt_emb = at;
  at += (size_t)c->tgt_vocab * E; /* (Vt, E) */
  for (int l = 0; l < L; l++) at = lstm_layout(&lay->enc[l], at, l == 0 ? E : H, H);
  for (int l = 0; l < L; l++) at = lstm_layout(&lay->dec[l], at, l == 0 ? E : H, H);
  lay->out_w = at;
  at += (size_t)c->tgt_vocab * H; /* (Vt, H) */
  lay->out_b = at;
  at += (size_t)c->tgt_vocab; /* (Vt) */
  lay->total = at;
}

/* Element i = (2 u(seed, i) - 1) * init_scale. u has 24 bits, so 2u - 1 is exact in float
 * and the one rounding is that of the product: float and double arithmetic agree. */
void s2s_params_init(float *p, const s2s_param_layout *lay, const s2s_config *c, uint64_t seed) {
  const double scale = (double)c->init_scale;
  for (size_t i = 0; i < lay->total; i++)
    p[i] = (float)((2.0 * (double)s2s_uniform_at(seed, i) - 1.0) * scale);
}

static int add_group(s2s_param_group *g, int max, int n, const char *name, size_t off,
                     size_t count) {
  if (n < max) {
    snprintf(g[n].name, sizeof g[n].name, "%s", name);
    g[n].offset = off;
    g[n].count = count;
  }
  return n + 1;
}

int s2s_params_groups(const s2s_param_layout *lay, const s2s_config *c, s2s_param_group *g, int max) {
  const int H = c->hidden, E = c->embed, L = c->layers;
  int n = 0;
  char name[32];
  n = add_group(g, max, n, "src_emb", lay->src_emb, (size_t)c->src_vocab * E);
  n = add_group(g, max, n, "tgt_emb", lay->tgt_emb, (size_t)c->tgt_vocab * E);
  for (int side = 0; side < 2; side++) {
    const s2s_lstm_offsets *o = side == 0 ? lay->enc : lay->dec;
    const char *pre = side == 0 ? "enc" : "dec";
    for (int l = 0; l < L; l++) {
      snprintf(name, sizeof name, "%s%d.w_ih", pre, l);
      n = add_group(g, max, n, name, o[l].w_ih, (size_t)4 * H * o[l].in);
      snprintf(name, sizeof name, "%s%d.w_hh", pre, l);
      n = add_group(g, max, n, name, o[l].w_hh, (size_t)4 * H * H);
      snprintf(name, sizeof name, "%s%d.bias", pre, l);
      n = add_group(g, max, n, name, o[l].bias, (size_t)4 * H);
    }
  }
  n = add_group(g, max, n, "out_w", lay->out_w, (size_t)c->tgt_vocab * H);
  n = add_group(g, max, n, "out_b", lay->out_b, (size_t)c->tgt_vocab);
  return n;
}

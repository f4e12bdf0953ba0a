/* Parameter layout and initialisation: offsets in the documented order with no gaps or
 * overlaps, group names and counts, deterministic U(-s, s) init that depends only on
 * (seed, index), and the float <-> double copies the reference uses. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "model/params.h"
#include "model/reference.h"
#include "model/rng.h"
#include "test_util.h"

static void test_layout(void) {
  s2s_config c;
  s2s_config_preset(&c, "tiny");
  s2s_config_set(&c, "layers", "3");
  s2s_config_set(&c, "hidden", "5");
  s2s_config_set(&c, "embed", "4");
  s2s_config_set(&c, "src-vocab", "7");
  s2s_config_set(&c, "tgt-vocab", "9");
  s2s_param_layout lay;
  s2s_params_layout(&lay, &c);
  const size_t H = 5, E = 4, Vs = 7, Vt = 9;
  /* Hand-computed offsets: the order is the contract with devices and checkpoints. */
  size_t at = 0;
  T_CHECK(lay.src_emb == at, "src_emb");
  at += Vs * E;
  T_CHECK(lay.tgt_emb == at, "tgt_emb");
  at += Vt * E;
  const s2s_lstm_offsets *sides[2] = {lay.enc, lay.dec};
  for (int s = 0; s < 2; s++)
    for (int l = 0; l < 3; l++) {
      size_t in = l == 0 ? E : H;
      T_CHECK(sides[s][l].in == (int)in, "side %d layer %d in %d", s, l, sides[s][l].in);
      T_CHECK(sides[s][l].w_ih == at, "side %d layer %d w_ih %zu want %zu", s, l,
              sides[s][l].w_ih, at);
      at += 4 * H * in;
      T_CHECK(sides[s][l].w_hh == at, "side %d layer %d w_hh", s, l);
      at += 4 * H * H;
      T_CHECK(sides[s][l].bias == at, "side %d layer %d bias", s, l);
      at += 4 * H;
    }
  T_CHECK(lay.out_w == at, "out_w");
  at += Vt * H;
  T_CHECK(lay.out_b == at, "out_b");
  at += Vt;
  T_CHECK(lay.total == at, "total %zu want %zu", lay.total, at);

  s2s_param_group g[64];
  int n = s2s_params_groups(&lay, &c, g, 64);
  T_CHECK(n == 4 + 6 * 3, "%d groups", n);
  const char *names[] = {"src_emb",   "tgt_emb",   "enc0.w_ih", "enc0.w_hh", "enc0.bias",
                         "enc1.w_ih", "enc1.w_hh", "enc1.bias", "enc2.w_ih", "enc2.w_hh",
                         "enc2.bias", "dec0.w_ih", "dec0.w_hh", "dec0.bias", "dec1.w_ih",
                         "dec1.w_hh", "dec1.bias", "dec2.w_ih", "dec2.w_hh", "dec2.bias",
                         "out_w",     "out_b"};
  size_t next = 0;
  for (int i = 0; i < n && i < 22; i++) {
    T_CHECK(!strcmp(g[i].name, names[i]), "group %d is %s want %s", i, g[i].name, names[i]);
    T_CHECK(g[i].offset == next, "group %s offset %zu want %zu", g[i].name, g[i].offset, next);
    next = g[i].offset + g[i].count;
  }
  T_CHECK(next == lay.total, "groups cover the block: %zu of %zu", next, lay.total);
  s2s_param_group few[3];
  memset(few, 0x7f, sizeof few);
  T_CHECK(s2s_params_groups(&lay, &c, few, 2) == 22, "count when max is small");
  T_CHECK(!strcmp(few[1].name, "tgt_emb") && few[2].count == 0x7f7f7f7f7f7f7f7full,
          "max respected");
}

static void test_init(void) {
  s2s_config c;
  s2s_config_preset(&c, "tiny");
  s2s_param_layout lay;
  s2s_params_layout(&lay, &c);
  float *p = malloc(lay.total * sizeof *p), *q = malloc(lay.total * sizeof *q);
  s2s_params_init(p, &lay, &c, 7);
  s2s_params_init(q, &lay, &c, 7);
  T_CHECK(!memcmp(p, q, lay.total * sizeof *p), "same seed, same block");
  double sum = 0, sumsq = 0, lo = 1, hi = -1;
  int exact = 0;
  for (size_t i = 0; i < lay.total; i++) {
    sum += p[i], sumsq += (double)p[i] * p[i];
    lo = p[i] < lo ? p[i] : lo, hi = p[i] > hi ? p[i] : hi;
    exact += p[i] == (float)((2.0 * s2s_uniform_at(7, i) - 1.0) * 0.08f);
  }
  T_CHECK(exact == (int)lay.total, "element i is (2u(seed,i)-1)*s: %d of %zu", exact, lay.total);
  T_CHECK(lo >= -0.08f && hi < 0.08f, "range [%g, %g]", lo, hi);
  double mean = sum / lay.total, var = sumsq / lay.total - mean * mean;
  /* U(-a, a): mean 0, variance a^2/3; with ~40k samples, 5 sigma bounds. */
  T_CHECK(fabs(mean) < 5 * 0.08 / sqrt(3.0 * lay.total), "mean %g", mean);
  T_CHECK(fabs(var - 0.08 * 0.08 / 3) < 0.05 * 0.08 * 0.08 / 3, "variance %g", var);
  s2s_params_init(q, &lay, &c, 8);
  size_t same = 0;
  for (size_t i = 0; i < lay.total; i++) same += p[i] == q[i];
  T_CHECK(same < lay.total / 100, "another seed differs (%zu equal)", same);

  double *d = malloc(lay.total * sizeof *d);
  s2s_reference_params_from_float(d, p, lay.total);
  s2s_reference_params_to_float(q, d, lay.total);
  T_CHECK(!memcmp(p, q, lay.total * sizeof *p), "float -> double -> float is exact");
  T_CHECK(d[5] == (double)p[5], "widening");
  free(p);
  free(q);
  free(d);
}

int main(void) {
  test_layout();
  test_init();
  return s2s_test_finish("test_params");
}

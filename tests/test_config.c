/* Configuration and batches: the presets (paper sizes and its exact parameter count),
 * strict flag parsing and its error codes, the consistency check, the learning-rate
 * schedule at and around its boundaries, and batch construction on a hand-written
 * example (reversal, left padding, <eos> placement, masks, word counts). */
#include <math.h>
#include <string.h>

#include "model/batch.h"
#include "model/config.h"
#include "model/params.h"
#include "test_util.h"

static void test_presets(void) {
  s2s_config c;
  T_CHECK(s2s_config_preset(&c, "paper") == 0, "paper preset");
  T_CHECK(!strcmp(c.preset, "paper"), "name %s", c.preset);
  T_CHECK(c.layers == 4 && c.hidden == 1000 && c.embed == 1000, "paper sizes");
  T_CHECK(c.src_vocab == 160000 && c.tgt_vocab == 80000, "paper vocab");
  T_CHECK(c.batch == 128 && c.max_len == 50, "paper batch");
  T_CHECK(c.lr == 0.7f && c.clip == 5.0f && c.init_scale == 0.08f, "paper optimiser");
  T_CHECK(c.decay_start == 5.0f && c.decay_every == 0.5f && c.epochs == 7.5f, "paper decay");
  T_CHECK(c.seed == 1, "seed");
  char err[128] = "";
  T_CHECK(s2s_config_check(&c, err, sizeof err) == 0, "paper check: %s", err);

  /* 160M + 80M source/target embeddings, 80M softmax, 8 layers of 4000 x 2000 weights,
   * 8 x 4000 biases and 80000 softmax biases: the paper's 384M + 0.11M. */
  s2s_param_layout lay;
  s2s_params_layout(&lay, &c);
  const size_t want = 160000000ull + 80000000ull + 80000000ull + 8ull * 4000 * 2000 +
                      8ull * 4000 + 80000ull;
  T_CHECK(want == 384112000ull, "arithmetic");
  T_CHECK(lay.total == want, "paper total %zu want %zu", lay.total, want);

  T_CHECK(s2s_config_preset(&c, "small") == 0, "small preset");
  T_CHECK(c.layers == 2 && c.hidden == 256 && c.embed == 256, "small sizes");
  T_CHECK(c.src_vocab == 16000 && c.tgt_vocab == 16000 && c.batch == 64 && c.max_len == 50,
          "small vocab/batch");
  T_CHECK(c.lr == 0.7f && c.clip == 5.0f && c.epochs == 7.5f, "small optimiser");
  T_CHECK(s2s_config_check(&c, err, sizeof err) == 0, "small check: %s", err);

  T_CHECK(s2s_config_preset(&c, "tiny") == 0, "tiny preset");
  T_CHECK(c.layers == 2 && c.hidden == 64 && c.embed == 64, "tiny sizes");
  T_CHECK(c.src_vocab == 64 && c.tgt_vocab == 64 && c.batch == 32 && c.max_len == 16,
          "tiny vocab/batch");
  T_CHECK(c.lr == 5.0f && c.clip == 5.0f, "tiny optimiser (lr 5: see config.h)");
  T_CHECK(s2s_config_check(&c, err, sizeof err) == 0, "tiny check: %s", err);

  s2s_config before = c;
  T_CHECK(s2s_config_preset(&c, "huge") == -1, "unknown preset");
  T_CHECK(!memcmp(&before, &c, sizeof c), "unknown preset leaves config untouched");
}

static void test_set(void) {
  s2s_config c;
  s2s_config_preset(&c, "tiny");
  T_CHECK(s2s_config_set(&c, "layers", "3") == 0 && c.layers == 3, "layers");
  T_CHECK(s2s_config_set(&c, "hidden", "48") == 0 && c.hidden == 48, "hidden");
  T_CHECK(s2s_config_set(&c, "src-vocab", "3") == 0 && c.src_vocab == 3, "src-vocab min");
  T_CHECK(s2s_config_set(&c, "lr", "1.5") == 0 && c.lr == 1.5f, "lr");
  T_CHECK(s2s_config_set(&c, "lr", "1e-2") == 0 && c.lr == 0.01f, "lr exp");
  T_CHECK(s2s_config_set(&c, "init-scale", "0") == 0 && c.init_scale == 0.0f, "init 0");
  T_CHECK(s2s_config_set(&c, "seed", "18446744073709551615") == 0 &&
              c.seed == 18446744073709551615ull, "seed max");
  T_CHECK(s2s_config_set(&c, "decay-every", ".25") == 0 && c.decay_every == 0.25f, "decay");

  /* Every key named in s2s_config_keys is accepted. */
  int nkeys = 0;
  for (const char *const *k = s2s_config_keys; *k; k++, nkeys++)
    T_CHECK(s2s_config_set(&c, *k, "3") == 0, "key %s", *k);
  T_CHECK(nkeys == 14, "%d keys", nkeys);

  s2s_config_preset(&c, "tiny");
  s2s_config before = c;
  struct { const char *key, *value; int want; } bad[] = {
      {"hidden_size", "3", -1}, {"Layers", "3", -1}, {"", "3", -1},
      {"layers", "0", -2},      {"layers", "9", -2}, {"layers", "", -2},
      {"layers", "2x", -2},     {"layers", " 2", -2}, {"layers", "2 ", -2},
      {"layers", "2.0", -2},    {"hidden", "0", -2}, {"hidden", "-4", -2},
      {"hidden", "99999999999", -2}, {"embed", "abc", -2}, {"src-vocab", "2", -2},
      {"tgt-vocab", "1", -2},   {"batch", "0", -2},  {"max-len", "0", -2},
      {"lr", "0", -2},          {"lr", "-0.7", -2},  {"lr", "nan", -2},
      {"lr", "inf", -2},        {"lr", "1e39", -2},  {"lr", "0.7x", -2},
      {"clip", "0", -2},        {"init-scale", "-0.1", -2}, {"decay-every", "0", -2},
      {"decay-start", "-1", -2}, {"epochs", "0", -2}, {"seed", "-1", -2},
      {"seed", "18446744073709551616", -2}, {"seed", "0x10", -2}, {"seed", "", -2},
      {"layers", NULL, -2},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    int got = s2s_config_set(&c, bad[i].key, bad[i].value);
    T_CHECK(got == bad[i].want, "set(%s, %s) = %d want %d", bad[i].key,
            bad[i].value ? bad[i].value : "NULL", got, bad[i].want);
  }
  T_CHECK(!memcmp(&before, &c, sizeof c), "failed sets leave the config untouched");
}

static void test_check(void) {
  s2s_config c;
  char err[128];
  s2s_config_preset(&c, "tiny");
  struct { const char *what; s2s_config c; } bad[10];
  int n = 0;
  for (int i = 0; i < 10; i++) bad[i].c = c;
  bad[n].what = "layers", bad[n++].c.layers = S2S_MAX_LAYERS + 1;
  bad[n].what = "hidden", bad[n++].c.hidden = 0;
  bad[n].what = "src-vocab", bad[n++].c.src_vocab = 2;
  bad[n].what = "batch", bad[n++].c.batch = 0;
  bad[n].what = "lr", bad[n++].c.lr = NAN;
  bad[n].what = "clip", bad[n++].c.clip = 0;
  bad[n].what = "decay-every", bad[n++].c.decay_every = 0;
  bad[n].what = "epochs", bad[n++].c.epochs = -1;
  for (int i = 0; i < n; i++) {
    err[0] = 0;
    T_CHECK(s2s_config_check(&bad[i].c, err, sizeof err) == -1, "%s accepted", bad[i].what);
    T_CHECK(strstr(err, bad[i].what) != NULL, "reason '%s' names %s", err, bad[i].what);
  }
  T_CHECK(s2s_config_check(&c, NULL, 0) == 0, "NULL err buffer");
}

static void test_lr(void) {
  s2s_config c;
  s2s_config_preset(&c, "paper");
  /* epoch = training done before the step; halving starts at exactly 5.0 epochs. */
  struct { double epoch; double want; } pts[] = {
      {0.0, 0.7},      {4.999, 0.7},     {5.0, 0.35},     {5.25, 0.35},
      {5.4999, 0.35},  {5.5, 0.175},     {5.9999, 0.175}, {6.0, 0.0875},
      {6.5, 0.04375},  {7.0, 0.021875},  {7.4999, 0.021875}, {7.5, 0.0109375},
  };
  for (size_t i = 0; i < sizeof pts / sizeof pts[0]; i++) {
    float got = s2s_config_lr_at(&c, pts[i].epoch);
    /* float result of one rounding: rtol 1e-7 */
    T_CHECK(s2s_close(got, (float)pts[i].want, 1e-7, 0), "lr_at(%g) = %.9g want %.9g",
            pts[i].epoch, got, pts[i].want);
  }
  /* A boundary computed as steps / steps_per_epoch lands exactly: 11 / 2 = 5.5. */
  T_CHECK(s2s_config_lr_at(&c, 11.0 / 2.0) == 0.175f, "5.5 from steps");
  /* Float-rounded period 0.1f: 5.2 epochs (52 of 10 steps) is the 2nd boundary. */
  s2s_config_set(&c, "decay-every", "0.1");
  T_CHECK(s2s_config_lr_at(&c, 52.0 / 10.0) == (float)(0.7f / 8.0), "0.1 period: %.9g",
          s2s_config_lr_at(&c, 52.0 / 10.0));
  T_CHECK(s2s_config_lr_at(&c, 5.19) == (float)(0.7f / 4.0), "just before the 0.1 boundary");
  /* decay_start 0: the very first step is already halved. */
  s2s_config_set(&c, "decay-start", "0");
  T_CHECK(s2s_config_lr_at(&c, 0.0) == (float)(0.7f / 2.0), "decay-start 0");
  T_CHECK(s2s_config_lr_at(&c, 1e6) == 0.0f, "far past: underflows to 0");
}

static void test_batch(void) {
  s2s_batch b;
  T_CHECK(s2s_batch_alloc(&b, 3, 4, 5) == 0, "alloc");
  T_CHECK(s2s_batch_alloc(&(s2s_batch){0}, 0, 4, 5) == -1, "B = 0 refused");
  s2s_batch_clear(&b);
  const int32_t s0[] = {10, 11, 12}, t0[] = {20, 21, 22, 23};
  const int32_t s1[] = {13, 14, 15, 16}, t1[] = {24};
  s2s_batch_set(&b, 0, s0, 3, t0, 4); /* full target: nt + 1 = T_tgt */
  s2s_batch_set(&b, 1, s1, 4, t1, 1); /* full source */
  s2s_batch_set(&b, 2, NULL, 0, NULL, 0); /* empty source and target */
  /* (T, B) time-major, row = time step. */
  const int32_t src[4][3] = {{0, 16, 0}, {12, 15, 0}, {11, 14, 0}, {10, 13, 0}};
  const float src_mask[4][3] = {{0, 1, 0}, {1, 1, 0}, {1, 1, 0}, {1, 1, 0}};
  const int32_t tin[5][3] = {{1, 1, 1}, {20, 24, 0}, {21, 0, 0}, {22, 0, 0}, {23, 0, 0}};
  const int32_t tout[5][3] = {{20, 24, 1}, {21, 1, 0}, {22, 0, 0}, {23, 0, 0}, {1, 0, 0}};
  const float tmask[5][3] = {{1, 1, 1}, {1, 1, 0}, {1, 0, 0}, {1, 0, 0}, {1, 0, 0}};
  for (int t = 0; t < 4; t++)
    for (int i = 0; i < 3; i++) {
      T_CHECK(b.src[t * 3 + i] == src[t][i], "src[%d,%d] = %d", t, i, b.src[t * 3 + i]);
      T_CHECK(b.src_mask[t * 3 + i] == src_mask[t][i], "src_mask[%d,%d]", t, i);
    }
  for (int t = 0; t < 5; t++)
    for (int i = 0; i < 3; i++) {
      T_CHECK(b.tgt_in[t * 3 + i] == tin[t][i], "tgt_in[%d,%d] = %d", t, i, b.tgt_in[t * 3 + i]);
      T_CHECK(b.tgt_out[t * 3 + i] == tout[t][i], "tgt_out[%d,%d] = %d", t, i,
              b.tgt_out[t * 3 + i]);
      T_CHECK(b.tgt_mask[t * 3 + i] == tmask[t][i], "tgt_mask[%d,%d]", t, i);
    }
  T_CHECK(b.src_words == 7, "src_words %d", b.src_words);
  T_CHECK(b.tgt_words == 5, "tgt_words %d", b.tgt_words);
  /* Setting a row again replaces it, counts included. */
  s2s_batch_set(&b, 1, s0, 2, t0, 2);
  T_CHECK(b.src_words == 5 && b.tgt_words == 6, "after reset: %d %d", b.src_words, b.tgt_words);
  T_CHECK(b.src[3 * 3 + 1] == 10 && b.src[2 * 3 + 1] == 11 && b.src_mask[1 * 3 + 1] == 0,
          "row 1 rebuilt");
  T_CHECK(b.tgt_out[2 * 3 + 1] == 1 && b.tgt_mask[3 * 3 + 1] == 0, "row 1 target rebuilt");
  s2s_batch_clear(&b);
  T_CHECK(b.src_words == 0 && b.tgt_words == 0 && b.tgt_mask[0] == 0, "clear");
  s2s_batch_free(&b);
  T_CHECK(b.src == NULL, "free zeroes");
}

int main(void) {
  test_presets();
  test_set();
  test_check();
  test_lr();
  test_batch();
  return s2s_test_finish("test_config");
}

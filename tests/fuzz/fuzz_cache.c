/* libFuzzer target for the token-id cache reader and the vocabulary blocks. Each input is
 * checked twice: as given (checksums usually fail) and with both checksums recomputed, so
 * the structural checks behind them are reached. A cache that passes must serve every
 * training and dev batch without reading out of bounds (ASan) or yielding an id outside
 * its vocabulary. Seeds: a real cache built from tests/fixtures/data/enfr at start-up
 * (S2S_FUZZ_SEED_DIR). Run by tests/test_fuzz_sgm_cache.sh. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/checkpoint.h"
#include "data/dataset_internal.h"

static void use_view(const s2s_cache_view *v) {
  const int L = (int)v->h->max_len, B = 3;
  s2s_buckets k;
  s2s_batch b;
  if (s2s_buckets_init(&k, v, B, L, 1, 0) != 0) return;
  if (s2s_batch_alloc(&b, B, L, L + 1) == 0) {
    const int nv[2] = {s2s_vocab_size(v->vocab[0]), s2s_vocab_size(v->vocab[1])};
    for (uint64_t i = 0; i < (uint64_t)(k.steps < 4 ? 2 * k.steps : 8); i++) {
      if (s2s_buckets_train(&k, v, i, &b) != 0) abort();
      for (int t = 0; t < b.T_src * B; t++)
        if (b.src[t] < 0 || b.src[t] >= nv[0]) abort();
      for (int t = 0; t < b.T_tgt * B; t++)
        if (b.tgt_out[t] < 0 || b.tgt_out[t] >= nv[1]) abort();
    }
    for (int i = 0; i < k.dev_batches; i++)
      if (s2s_buckets_dev(&k, v, i, &b) != 0) abort();
    s2s_batch_free(&b);
  }
  double x, y;
  s2s_buckets_padding(&k, v, &x, &y);
  s2s_buckets_free(&k);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char err[256];
  s2s_vocab *a, *t;
  if (s2s_dataset_vocabs_deserialize(data, size, &a, &t, NULL, err, sizeof err) == 0)
    s2s_vocab_free(a), s2s_vocab_free(t);
  size_t vl;
  s2s_vocab *one = s2s_vocab_deserialize(data, size, err, sizeof err);
  if (one) { /* a block that reads must write back byte for byte */
    unsigned char *p = s2s_vocab_serialize(one, &vl);
    if (!p || vl != size || memcmp(p, data, size)) abort();
    free(p);
    s2s_vocab_free(one);
  }
  uint64_t *buf = malloc((size / 8 + 1) * 8); /* 8-aligned, as a mapping is */
  for (int fix = 0; fix < 2; fix++) {
    memcpy(buf, data, size);
    if (fix && size >= S2S_CACHE_HEADER) {
      s2s_cache_header *h = (s2s_cache_header *)buf;
      s2s_cache_sum s;
      s2s_cache_sum_init(&s);
      s2s_cache_sum_update(&s, (unsigned char *)buf + S2S_CACHE_HEADER, size - S2S_CACHE_HEADER);
      h->payload_sum = s2s_cache_sum_final(&s);
      h->file_bytes = size;
      h->header_sum = s2s_fnv1a64(S2S_FNV1A64_INIT, h, offsetof(s2s_cache_header, header_sum));
    }
    s2s_cache_view v;
    if (s2s_cache_view_init(&v, buf, size, NULL, NULL, err, sizeof err) == 0) {
      use_view(&v);
      s2s_cache_view_free(&v);
    }
  }
  free(buf);
  return 0;
}

/* Writes a real cache (the fixture corpus, max_len 16, vocabularies 40) as a seed. */
int LLVMFuzzerInitialize(int *argc, char ***argv) {
  const char *fix = getenv("S2S_FUZZ_FIXTURE"), *out = getenv("S2S_FUZZ_SEED_DIR");
  if (!fix || !out) return 0;
  char p[4][1024], seed[1024], err[512];
  const char *names[4] = {"train.en", "train.fr", "dev.en", "dev.fr"};
  for (int i = 0; i < 4; i++)
    snprintf(p[i], sizeof p[i], "%s/%s", fix, names[i]);
  s2s_dataset_opts o = {.train_src = p[0],
                       .train_tgt = p[1],
                       .dev_src = p[2],
                       .dev_tgt = p[3],
                       .tokenize = 1,
                       .quiet = 1};
  s2s_config c;
  s2s_config_preset(&c, "tiny");
  c.max_len = 16, c.src_vocab = c.tgt_vocab = 40;
  uint8_t key[32] = {0};
  snprintf(seed, sizeof seed, "%s/fixture.ids", out);
  if (s2s_cache_build(&o, &c, key, seed, err, sizeof err) != 0) fprintf(stderr, "seed: %s\n", err);
  return 0;
}

/* The synthetic copy/reverse generator: lengths uniform in [min_len, max_len], words
 * uniform over the vocabulary, everything drawn from splitmix64 keyed by (seed, stream,
 * batch index). */
#include "task.h"

#include <string.h>

#include "rng.h"

int s2s_task_parse(const char *name, s2s_task_kind *kind) {
  if (!strcmp(name, "copy")) *kind = S2S_TASK_COPY;
  else if (!strcmp(name, "reverse")) *kind = S2S_TASK_REVERSE;
  else return -1;
  return 0;
}

const char *s2s_task_name(s2s_task_kind kind) {
  return kind == S2S_TASK_COPY ? "copy" : "reverse";
}

void s2s_task_batch(const s2s_task *t, uint64_t index, int dev, int B, s2s_batch *b) {
  s2s_rng r;
  s2s_rng_init(&r, s2s_splitmix64(t->seed ^ (dev ? 0xD5A61266F0C9392Cull : 0)) + index);
  int32_t src[1024], tgt[1024];
  int lens[4096];
  int T = 0;
  const int span = t->max_len - t->min_len + 1;
  for (int i = 0; i < B; i++) {
    lens[i] = t->min_len + (int)s2s_rng_below(&r, (uint32_t)span);
    if (lens[i] > T) T = lens[i];
  }
  b->B = B;
  b->T_src = T;
  b->T_tgt = T + 1;
  s2s_batch_clear(b);
  const uint32_t words = (uint32_t)(t->vocab - S2S_TOKEN_FIRST_WORD);
  for (int i = 0; i < B; i++) {
    const int n = lens[i];
    for (int k = 0; k < n; k++) src[k] = S2S_TOKEN_FIRST_WORD + (int32_t)s2s_rng_below(&r, words);
    for (int k = 0; k < n; k++) tgt[k] = t->kind == S2S_TASK_COPY ? src[k] : src[n - 1 - k];
    s2s_batch_set(b, i, src, n, tgt, n);
  }
}

/* The synthetic copy/reverse generator: lengths uniform in [min_len, max_len], words
 * uniform over the vocabulary, everything drawn from splitmix64 keyed by (seed, stream,
 * batch index). */
#include "data/task.h"

#include <stdlib.h>
#include <string.h>

#include "record/json.h"
#include "model/rng.h"

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

typedef struct task_source {
  s2s_data_source src;
  s2s_task task;
  int B;
} task_source;

static int task_train(s2s_data_source *s, uint64_t step, s2s_batch *b) {
  task_source *t = s->impl;
  s2s_task_batch(&t->task, step, 0, t->B, b);
  return 0;
}

static int task_dev(s2s_data_source *s, int i, s2s_batch *b) {
  task_source *t = s->impl;
  s2s_task_batch(&t->task, (uint64_t)i, 1, t->B, b);
  return 0;
}

static void task_describe(s2s_data_source *s, void *json) {
  task_source *t = s->impl;
  s2s_json *j = json;
  s2s_json_int(j, "task_vocab", t->task.vocab);
  s2s_json_int(j, "min_len", t->task.min_len);
  s2s_json_int(j, "max_len", t->task.max_len);
}

static void task_free(s2s_data_source *s) { free(s->impl); }

s2s_data_source *s2s_task_source(const s2s_task *t, int B, int dev_batches) {
  task_source *ts = calloc(1, sizeof *ts);
  if (!ts) return NULL;
  ts->task = *t;
  ts->B = B;
  ts->src = (s2s_data_source){.name = s2s_task_name(t->kind),
                              .sentences = t->sentences,
                              .steps_per_epoch = t->sentences / B > 0 ? t->sentences / B : 1,
                              .dev_batches = dev_batches,
                              .train_batch = task_train,
                              .dev_batch = task_dev,
                              .describe = task_describe,
                              .free = task_free,
                              .impl = ts};
  return &ts->src;
}

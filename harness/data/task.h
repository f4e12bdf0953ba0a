/* Synthetic translation tasks for tests and quick checks: `copy` and `reverse` of random
 * word sequences of varied length. Batch i is a pure function of (seed, i), so any run
 * can be resumed at any step and reproduce the same data, on every machine. */
#ifndef S2S_TASK_H
#define S2S_TASK_H

#include <stdint.h>

#include "model/batch.h"
#include "model/config.h"

typedef enum { S2S_TASK_COPY = 0, S2S_TASK_REVERSE = 1 } s2s_task_kind;

typedef struct s2s_task {
  s2s_task_kind kind;
  int vocab;        /* word ids are S2S_TOKEN_FIRST_WORD .. vocab-1 */
  int min_len, max_len;
  long sentences;   /* size of one epoch (for --epochs and the lr schedule) */
  uint64_t seed;
} s2s_task;

/* "copy" or "reverse" -> kind; returns 0 or -1. */
int s2s_task_parse(const char *name, s2s_task_kind *kind);
const char *s2s_task_name(s2s_task_kind kind);

/* Fills b (allocated for at least B sentences and max_len (+1) tokens) with training batch
 * `index` (dev = 0) or with dev batch `index` (dev = 1, a disjoint stream). */
void s2s_task_batch(const s2s_task *t, uint64_t index, int dev, int B, s2s_batch *b);

#include "data/data_source.h"

/* The task as a data source with batches of B sentences and `dev_batches` dev batches.
 * Returns NULL when out of memory. */
s2s_data_source *s2s_task_source(const s2s_task *t, int B, int dev_batches);

#endif

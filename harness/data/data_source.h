/* Where training batches come from: the synthetic tasks or a parallel corpus. The training
 * loop only sees this table. Batch i of the training stream must be a pure function of
 * (source, seed, i) so a resumed run reproduces the uninterrupted one. */
#ifndef S2S_DATA_SOURCE_H
#define S2S_DATA_SOURCE_H

#include <stdint.h>

#include "model/batch.h"

typedef struct s2s_data_source s2s_data_source;
struct s2s_data_source {
  const char *name;        /* "reverse", "copy", "corpus" (for run.json) */
  long sentences;          /* training sentences per epoch */
  long steps_per_epoch;    /* batches per epoch */
  int dev_batches;         /* batches in the dev set (0: none) */
  uint64_t data_hash;      /* identifies the data + vocabulary (0 for synthetic) */
  /* Fills b with training batch `step` (b allocated for cfg batch and max_len). */
  int (*train_batch)(s2s_data_source *s, uint64_t step, s2s_batch *b);
  /* Fills b with dev batch i (0 <= i < dev_batches). */
  int (*dev_batch)(s2s_data_source *s, int i, s2s_batch *b);
  /* Writes source-specific keys into run.json's "data" object (s2s_json*). */
  void (*describe)(s2s_data_source *s, void *json);
  void (*free)(s2s_data_source *s);
  void *impl;
};

#endif

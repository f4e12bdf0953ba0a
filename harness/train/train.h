/* The training loop on one device: batches from the synthetic task, the lr schedule,
 * progress on the terminal, train.tsv + run.json under --out, checkpoints, resume (the
 * earlier train.tsv rows kept), a hard stop on a non-finite loss or gradient norm (the
 * last good checkpoint is kept), and a clean stop on SIGINT / SIGTERM. */
#ifndef S2S_TRAIN_H
#define S2S_TRAIN_H

#include "model/config.h"
#include "data/data_source.h"

typedef struct s2s_train_opts {
  s2s_config cfg;
  s2s_data_source *data;  /* batches (synthetic task or corpus); owned by the caller */
  const void *ckpt_extra; /* saved in checkpoints (the vocabularies), may be NULL */
  size_t ckpt_extra_bytes;
  long steps;             /* > 0: train this many steps in total (counting resumed ones) */
  double epochs;          /* used when steps == 0 (0: the config's epochs) */
  const char *devices;    /* device spec (device.h) */
  const char *split;      /* layer/softmax split (pipeline_split.h); NULL: the default */
  int replicas;           /* data parallel: copies of the split over the devices (0, 1: one) */
  long replica_check;     /* replicas compare parameter checksums every N steps (0: never) */
  int micro_batches;      /* the micro-batched pipeline: row blocks of the batch (0, 1: none) */
  int schedule;           /* their order: S2S_SCHEDULE_FILL_DRAIN or S2S_SCHEDULE_1F1B */
  const char *out_dir;    /* NULL: no files */
  const char *checkpoint; /* NULL: none */
  long checkpoint_every;  /* steps; 0: only at the end */
  const char *resume;     /* NULL: fresh start */
  int overwrite;          /* 1: a fresh run may replace an existing --checkpoint file */
  long log_every;         /* rows of train.tsv */
  long eval_every;        /* dev loss, perplexity, accuracy and BLEU every N steps (0: off) */
  double eval_epochs;     /* the same every X epochs (0: off), at the first step that reaches
                           * each multiple of X: the paper's half-epoch schedule */
  int eval_beam;          /* beam of the dev BLEU decoding (1 = greedy) */
  int quiet;
} s2s_train_opts;

/* Returns the process exit status: 0; 1 for a failed run (also when an output path
 * cannot be written, found before any work, or a fresh run would overwrite an existing
 * checkpoint without `overwrite`); 128 + the signal (130 SIGINT, 143 SIGTERM) for a run
 * stopped by one after its step, checkpoint and run.json. */
int s2s_train_run(const s2s_train_opts *o, int argc, char **argv);

#endif

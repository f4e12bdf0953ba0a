/* train.tsv of the training loop: written to train.tsv.partial while the run goes and
 * renamed into place when it ends, so the file holds whole rows only. A resumed run into
 * the same folder keeps the earlier run's rows up to the resume step (from the killed
 * run's .partial, else the finished train.tsv); rows after it are dropped, since the
 * resumed run logs those steps again: the curve equals the uninterrupted run's. */
#ifndef S2S_TRAIN_TSV_H
#define S2S_TRAIN_TSV_H

#include <stdio.h>

typedef struct s2s_train_tsv {
  FILE *f;
  char path[4200], tmp[4300];
  long carried; /* rows kept from the earlier run */
  /* the clocks of the last kept row (0 without): a resumed run's elapsed_s and train_s go
   * on from them, so the curve against time has no jump back. Time of steps that are
   * redone (after the checkpoint, before the kill) is not counted. */
  double carried_elapsed_s, carried_train_s;
} s2s_train_tsv;

/* Creates out_dir and opens its train.tsv.partial with the header. resume_step >= 0: a
 * resumed run; the earlier rows with step <= resume_step come first. Returns 0, or -1
 * with a message on stderr naming the file. */
int s2s_train_tsv_open(s2s_train_tsv *t, const char *out_dir, long resume_step);
/* Closes and renames train.tsv.partial to train.tsv (also after a failed run, so the log
 * up to the failure is kept). No-op when not open. */
void s2s_train_tsv_close(s2s_train_tsv *t);

#endif

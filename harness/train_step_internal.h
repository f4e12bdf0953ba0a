/* Shared between the parts of the training step (train_step.c, softmax_step.c): ordering
 * across devices and the views of the token id and mask blocks. Not a public interface. */
#ifndef S2S_TRAIN_STEP_INTERNAL_H
#define S2S_TRAIN_STEP_INTERNAL_H

#include "train_step.h"

/* An event that completes when everything enqueued so far on device d is done. */
int s2s_step_mark(s2s_train_step *s, int d, cl_event *ev);
/* Later commands on device d wait for ev (CLBlast takes no wait list, hence a barrier). */
int s2s_step_wait(s2s_train_step *s, int d, cl_event ev);
/* (T_max, B) views: ids part 0 source, 1 decoder input, 2 targets; masks 0 source, 1 target. */
s2s_buf s2s_step_ids(s2s_train_step *s, int part);
s2s_buf s2s_step_mask(s2s_train_step *s, int part);
/* Softmax + loss over the decoder's top layer; with backward, dL/dh_top and the softmax
 * weight gradients too. Leaves the loss and accuracy sums in shard 0's device scalars. */
int s2s_step_softmax(s2s_train_step *s, const s2s_batch *b, int backward);

#endif

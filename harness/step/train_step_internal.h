/* Shared between the parts of the training step (train_step_init.c, train_step.c,
 * train_step_softmax.c, pipeline_transport.c): ordering
 * across devices and the views of the token id and mask blocks. Not a public interface. */
#ifndef S2S_TRAIN_STEP_INTERNAL_H
#define S2S_TRAIN_STEP_INTERNAL_H

#include "step/train_step.h"

/* Transport (pipeline_transport.c): a producer posts n floats of a view for device dst right
 * after computing them; dst fetches them before use. See pipeline_transport.c. */
int s2s_step_post(s2s_train_step *s, int src, s2s_buf from, size_t n, int dst, s2s_ticket *t);
/* The view dst should read: `from` itself in one context (after waiting), else `local`
 * filled from host staging. */
int s2s_step_fetch(s2s_train_step *s, const s2s_ticket *t, int dst, s2s_buf from, s2s_buf local,
                   size_t n, s2s_buf *view);
/* The data always lands in `to` on dst (a device copy in one context). */
int s2s_step_fetch_into(s2s_train_step *s, const s2s_ticket *t, int dst, s2s_buf from,
                        s2s_buf to, size_t n);
int s2s_step_same_ctx(const s2s_train_step *s, int a, int b);

/* Releases the events of the current step and resets its tickets and staging area. */
void s2s_step_release(s2s_train_step *s);

/* An event that completes when everything enqueued so far on device d is done. */
int s2s_step_mark(s2s_train_step *s, int d, cl_event *ev);
/* Later commands on device d wait for ev (CLBlast takes no wait list, hence a barrier). */
int s2s_step_wait(s2s_train_step *s, int d, cl_event ev);
/* (T_max, B) views on device d: ids part 0 source, 1 decoder input, 2 targets; masks 0
 * source, 1 target. */
s2s_buf s2s_step_ids(s2s_train_step *s, int d, int part);
s2s_buf s2s_step_mask(s2s_train_step *s, int d, int part);
/* Softmax + loss over the decoder's top layer; with backward, dL/dh_top and the softmax
 * weight gradients too. Leaves the loss and accuracy sums in shard 0's device scalars. */
int s2s_step_softmax(s2s_train_step *s, const s2s_batch *b, int backward);

#endif

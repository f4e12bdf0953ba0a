/* Shared between the parts of the training step (train_step_init.c, train_step.c,
 * train_step_softmax.c, pipeline_transport.c): ordering
 * across devices and the views of the token id and mask blocks. Not a public interface. */
#ifndef S2S_TRAIN_STEP_INTERNAL_H
#define S2S_TRAIN_STEP_INTERNAL_H

#include "step/train_step.h"

/* Transport (pipeline_transport.c): a producer posts n floats of a view for device dst right
 * after computing them; dst fetches them (from src) before use. tag names the message
 * between MPI ranks (S2S_TAG): the same at the post and its fetches, unique in a step.
 * Each side runs only on the rank that holds its device (post: src; fetch: dst). */
int s2s_step_post(s2s_train_step *s, int src, s2s_buf from, size_t n, int dst, int tag,
                  s2s_ticket *t);
/* The view dst should read: `from` itself in one context (after waiting), else `local`
 * filled from host staging or an MPI message. */
int s2s_step_fetch(s2s_train_step *s, const s2s_ticket *t, int src, int dst, int tag,
                   s2s_buf from, s2s_buf local, size_t n, s2s_buf *view);
/* The data always lands in `to` on dst (a device copy in one context). */
int s2s_step_fetch_into(s2s_train_step *s, const s2s_ticket *t, int src, int dst, int tag,
                        s2s_buf from, s2s_buf to, size_t n);
/* MPI: every queued send goes out now (waiting for its read): before a blocking collective,
 * so no rank waits in it for data another rank needs first. */
int s2s_step_send_all(s2s_train_step *s);
/* ... and completes (before the step's staging memory is reused). */
int s2s_step_sends_complete(s2s_train_step *s);

/* Message tags: kind, then a (layer, chunk) and b (time step, shard pair), each < 4096;
 * bits 27.. name the micro-batch (s->tag_salt: S2S_TAG_MICRO(m)), so micro-batches in
 * flight between the same ranks never take each other's messages. */
#define S2S_TAG_MICRO(m) ((m) << 27)
#define S2S_MAX_MICRO_MPI 16
enum { S2S_TAG_FWD = 1, S2S_TAG_BWD, S2S_TAG_TOP, S2S_TAG_STATS, S2S_TAG_DH, S2S_TAG_KINDS };
#define S2S_TAG(kind, a, b) (((kind) << 24) | (((a) & 4095) << 12) | ((b) & 4095))

/* This process runs device d's part of the step (always, without MPI). */
static inline int s2s_step_here(const s2s_train_step *s, int d) { return s->st[d].local; }

int s2s_step_same_ctx(const s2s_train_step *s, int a, int b);

/* Releases the events of the current step and resets its tickets and staging area. */
void s2s_step_release(s2s_train_step *s);
/* s2s_train_step_init for a step that shares `with`'s parameters, gradients and transposed
 * weights (a micro-batch's): it allocates only its own buffers, and its memory check counts
 * them on top of what `with` (and the steps sharing it so far) hold on each device. */
int s2s_step_init_sharing(s2s_train_step *s, s2s_device *devs, int ndev, const s2s_split *split,
                          const s2s_config *cfg, const s2s_train_step *with);

/* An event that completes when everything enqueued so far on device d is done. */
int s2s_step_mark(s2s_train_step *s, int d, cl_event *ev);
/* Later commands on device d wait for ev (CLBlast takes no wait list, hence a barrier). */
int s2s_step_wait(s2s_train_step *s, int d, cl_event ev);
/* (T_max, B) views on device d: ids part 0 source, 1 decoder input, 2 targets; masks 0
 * source, 1 target. */
s2s_buf s2s_step_ids(s2s_train_step *s, int d, int part);
s2s_buf s2s_step_mask(s2s_train_step *s, int d, int part);
/* The phases of a step (train_step.c), which the data-parallel step (data_parallel.c) runs
 * on every replica with the gradient all-reduce between them. grads: upload, zero, forward,
 * softmax, backward, all enqueued. norm2: the squared global norm of this pipeline's
 * gradients. update: the clipped SGD update with that norm. forward: a forward-only pass
 * (eval). sums: the loss and accuracy sums of the batch. done: the queues drained and
 * the step's events released. */
int s2s_step_grads(s2s_train_step *s, const s2s_batch *b);
/* grads in three parts, for micro-batches (micro_batch.c) that share the gradients: zero
 * them; fwd (upload, forward, the softmax with its gradient); bwd (the LSTM backward,
 * adding into the gradients). */
int s2s_step_zero_grads(s2s_train_step *s);
int s2s_step_fwd(s2s_train_step *s, const s2s_batch *b);
int s2s_step_bwd(s2s_train_step *s, const s2s_batch *b);
int s2s_step_forward(s2s_train_step *s, const s2s_batch *b);
int s2s_step_norm2(s2s_train_step *s, double *g2);
int s2s_step_update(s2s_train_step *s, double g2, float lr);
int s2s_step_sums(s2s_train_step *s, double sums[2]);
int s2s_step_done(s2s_train_step *s);
/* One pipeline's step, eval, teardown and parameter upload (train_step.c,
 * train_step_init.c); the public s2s_train_step_* of train_step_parallel.c add the replicas
 * and micro-batches around them, so the files call each other one way only. */
int s2s_step_run_one(s2s_train_step *s, const s2s_batch *b, float lr, int update,
                     s2s_step_result *out);
int s2s_step_eval_one(s2s_train_step *s, const s2s_batch *b, s2s_step_result *out);
void s2s_step_free_one(s2s_train_step *s);
int s2s_step_set_params_one(s2s_train_step *s, const float *params);

/* data_parallel.c: the step and eval of a step with replicas (s->dp). */
int s2s_dp_run(s2s_train_step *s, const s2s_batch *b, float lr, int update,
               s2s_step_result *out);
int s2s_dp_eval(s2s_train_step *s, const s2s_batch *b, s2s_step_result *out);
void s2s_dp_free(s2s_train_step *s);
int s2s_dp_set_params(s2s_train_step *s, const float *params); /* replicas 1.. */
/* Local replica r (0: s itself) of a step with replicas. */
s2s_train_step *s2s_dp_replica(s2s_train_step *s, int r);
/* The index of a device (its handle) among all replicas' devices: device d of replica r
 * is r * S + d; -1 when no local replica has it. */
int s2s_dp_device_index(s2s_train_step *s, const void *handle);

/* micro_batch.c: the step and eval of a micro-batched pipeline (s->mb). */
int s2s_mb_run(s2s_train_step *s, const s2s_batch *b, float lr, int update,
               s2s_step_result *out);
int s2s_mb_eval(s2s_train_step *s, const s2s_batch *b, s2s_step_result *out);
void s2s_mb_free(s2s_train_step *s);

/* The factor of the loss gradient: 1 / the rows the loss is averaged over (the batch's B;
 * a replica's is the global batch's). */
static inline float s2s_step_loss_scale(const s2s_train_step *s, const s2s_batch *b) {
  return 1.0f / (float)(s->loss_rows > 0 ? s->loss_rows : b->B);
}

/* Softmax + loss over the decoder's top layer; with backward, dL/dh_top and the softmax
 * weight gradients too. Leaves the loss and accuracy sums in shard 0's device scalars. */
int s2s_step_softmax(s2s_train_step *s, const s2s_batch *b, int backward);

#endif

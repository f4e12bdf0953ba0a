/* Moving activations between the devices of a pipeline within one training step. A
 * producer posts a view right after computing it; the consumer fetches it before use.
 * Devices in one OpenCL context: the post is a marker event and the consumer waits on it
 * and reads the producer's buffer directly (or copies it, for fetch_into). Devices in
 * different contexts (different platforms or vendors): the post reads the view into host
 * staging memory (non-blocking); the consumer's fetch waits on the host for that read
 * and writes the staging memory into its own buffer. Everything a fetch waits for was
 * enqueued before it, so the host never waits on work it has yet to enqueue. (An earlier
 * version chained a read callback to a user event so the host never waited; PoCL 3.1
 * crashed in its worker thread releasing such events under load.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cl/status.h"
#include "step/train_step_internal.h"

static int keep(s2s_train_step *s, cl_event ev) {
  if (s->nevents == s->cap_events) {
    size_t cap = s->cap_events ? 2 * s->cap_events : 256;
    cl_event *p = realloc(s->events, cap * sizeof *p);
    if (!p) return -1;
    s->events = p;
    s->cap_events = cap;
  }
  s->events[s->nevents++] = ev;
  return 0;
}

void s2s_step_release(s2s_train_step *s) {
  for (size_t i = 0; i < s->nevents; i++) clReleaseEvent(s->events[i]);
  s->nevents = 0;
  for (int side = 0; side < 2; side++)
    for (int l = 0; l < s->cfg.layers; l++)
      for (int t = 0; t < (side ? s->T_tgt_max : s->T_src_max); t++) {
        if (s->tk_fwd[side][l]) s->tk_fwd[side][l][t] = (s2s_ticket){0};
        if (s->tk_bwd[side][l]) s->tk_bwd[side][l][t] = (s2s_ticket){0};
      }
  for (int d = 0; d < s->ndev; d++)
    if (s->st[d].top_tk) memset(s->st[d].top_tk, 0, sizeof(s2s_ticket) * s->T_tgt_max);
  s->staging_used = 0;
}

int s2s_step_mark(s2s_train_step *s, int d, cl_event *ev) {
  S2S_CL_CHECK(clEnqueueMarkerWithWaitList(s->st[d].dev->queue, 0, NULL, ev));
  return keep(s, *ev);
}

int s2s_step_wait(s2s_train_step *s, int d, cl_event ev) {
  if (!ev) return 0;
  S2S_CL_CHECK(clEnqueueBarrierWithWaitList(s->st[d].dev->queue, 1, &ev, NULL));
  return 0;
}

int s2s_step_same_ctx(const s2s_train_step *s, int a, int b) {
  return s->st[a].dev->ctx == s->st[b].dev->ctx;
}

int s2s_step_post(s2s_train_step *s, int src, s2s_buf from, size_t n, int dst, s2s_ticket *t) {
  *t = (s2s_ticket){0};
  if (src == dst) return 0; /* in queue order already */
  if (s2s_step_same_ctx(s, src, dst)) return s2s_step_mark(s, src, &t->ev);
  if (s->staging_used + n > s->staging_cap) {
    fprintf(stderr, "s2sbench: host staging area exhausted (%zu + %zu floats of %zu)\n",
            s->staging_used, n, s->staging_cap);
    return -1;
  }
  t->slot = s->staging + s->staging_used;
  s->staging_used += n;
  S2S_CL_CHECK(clEnqueueReadBuffer(s->st[src].dev->queue, from.mem, CL_FALSE, from.off * 4,
                                   n * sizeof(float), t->slot, 0, NULL, &t->ev));
  S2S_CL_CHECK(clFlush(s->st[src].dev->queue));
  return keep(s, t->ev);
}

/* Staged data lands in `to` on dst once the staging read is done. */
static int write_staged(s2s_train_step *s, const s2s_ticket *t, int dst, s2s_buf to, size_t n) {
  S2S_CL_CHECK(clWaitForEvents(1, &t->ev));
  S2S_CL_CHECK(clEnqueueWriteBuffer(s->st[dst].dev->queue, to.mem, CL_FALSE, to.off * 4,
                                    n * sizeof(float), t->slot, 0, NULL, NULL));
  return 0;
}

int s2s_step_fetch(s2s_train_step *s, const s2s_ticket *t, int dst, s2s_buf from, s2s_buf local,
                   size_t n, s2s_buf *view) {
  *view = from;
  if (!t->slot) return s2s_step_wait(s, dst, t->ev);
  *view = local;
  return write_staged(s, t, dst, local, n);
}

int s2s_step_fetch_into(s2s_train_step *s, const s2s_ticket *t, int dst, s2s_buf from,
                        s2s_buf to, size_t n) {
  if (t->slot) return write_staged(s, t, dst, to, n);
  S2S_CL_CHECK(clEnqueueCopyBuffer(s->st[dst].dev->queue, from.mem, to.mem, from.off * 4,
                                   to.off * 4, n * sizeof(float), t->ev ? 1 : 0,
                                   t->ev ? &t->ev : NULL, NULL));
  return 0;
}

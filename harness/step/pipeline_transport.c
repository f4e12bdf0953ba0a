/* Moving activations between the devices of a pipeline within one training step. A
 * producer posts a view right after computing it; the consumer fetches it before use.
 * Three transports behind one interface:
 * - Devices in one OpenCL context: the post is a marker event and the consumer waits on it
 *   and reads the producer's buffer directly (or copies it, for fetch_into).
 * - Devices in different contexts of this process (different platforms or vendors): the
 *   post reads the view into host staging memory (non-blocking); the consumer's fetch
 *   waits on the host for that read and writes the staging memory into its own buffer.
 *   Everything a fetch waits for was enqueued before it, so the host never waits on work
 *   it has yet to enqueue. (An earlier version chained a read callback to a user event so
 *   the host never waited; PoCL 3.1 crashed in its worker thread releasing such events
 *   under load.)
 * - Devices of other MPI ranks: the post reads the view into staging memory and queues a
 *   send; the send (MPI_Isend) goes out as soon as the read is complete, which every later
 *   transport call checks (progress). The consumer's fetch posts an MPI_Irecv for the same
 *   tag and polls it, making progress on its own sends meanwhile (so two ranks waiting on
 *   each other's data never deadlock), then writes the data into its own buffer. Each rank
 *   runs only the posts of its producers and the fetches of its consumers; a message is
 *   named by its tag (kind, layer or chunk, step or shard pair), unique within a step. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <time.h>

#include "cl/status.h"
#include "cl/timeline.h"
#include "mpi/world.h"
#include "plan/plan.h"
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
  s->nsends = 0;
  s->sends_done = 0;
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

/* Every command here is a plan node too (plan/plan.h): markers and the reads other
 * devices wait on are bound to their nodes, so a wait names the node it waits for. On dry
 * devices (s->dry) the nodes are all there is: their events are the nodes' fake events. */
int s2s_step_mark(s2s_train_step *s, int d, cl_event *ev) {
  const long node = s2s_plan_add(s->st[d].dev, S2S_OP_MARKER, "marker", 0, -1, 0);
  if (s->dry) return *ev = s2s_plan_fake_event(node), 0;
  S2S_CL_CHECK(clEnqueueMarkerWithWaitList(s->st[d].dev->queue, 0, NULL, ev));
  s2s_plan_bind(*ev, node);
  return keep(s, *ev);
}

int s2s_step_wait(s2s_train_step *s, int d, cl_event ev) {
  if (!ev) return 0;
  s2s_plan_add(s->st[d].dev, S2S_OP_BARRIER, "barrier", 0, (int)s2s_plan_node_of(ev), 0);
  if (s->dry) return 0;
  S2S_CL_CHECK(clEnqueueBarrierWithWaitList(s->st[d].dev->queue, 1, &ev, NULL));
  return 0;
}

int s2s_step_same_ctx(const s2s_train_step *s, int a, int b) {
  return s->st[a].local && s->st[b].local && s->st[a].dev->ctx == s->st[b].dev->ctx;
}

static float *staging_slot(s2s_train_step *s, size_t n) {
  if (s->dry) return (float *)(uintptr_t)16; /* never written: no command runs */
  if (s->staging_used + n > s->staging_cap) {
    fprintf(stderr, "s2sbench: host staging area exhausted (%zu + %zu floats of %zu)\n",
            s->staging_used, n, s->staging_cap);
    return NULL;
  }
  float *p = s->staging + s->staging_used;
  s->staging_used += n;
  return p;
}

/* --- MPI: sends that go out when their staging read completes ------------------------ */

static int send_now(s2s_send *m) {
  m->req = s2s_mpi_isend(m->slot, m->n * sizeof(float), m->rank, m->tag);
  m->state = 1;
  return m->req < 0 ? -1 : 0;
}

/* Every queued send whose read has completed goes out. */
static int progress(s2s_train_step *s) {
  for (; s->sends_done < s->nsends; s->sends_done++) { /* in order: reads complete in order */
    s2s_send *m = &s->sends[s->sends_done];
    cl_int st = CL_QUEUED;
    S2S_CL_CHECK(clGetEventInfo(m->ev, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof st, &st, NULL));
    if (st < 0) {
      fprintf(stderr, "s2sbench: rank %d: the read of a message for rank %d failed: %s\n",
              s2s_mpi_rank(), m->rank, s2s_cl_status_name(st));
      return -1;
    }
    if (st != CL_COMPLETE) return 0;
    S2S_TRY(send_now(m));
  }
  return 0;
}

int s2s_step_send_all(s2s_train_step *s) {
  for (; s->sends_done < s->nsends; s->sends_done++) {
    s2s_send *m = &s->sends[s->sends_done];
    S2S_CL_CHECK(clWaitForEvents(1, &m->ev));
    S2S_TRY(send_now(m));
  }
  return 0;
}

int s2s_step_sends_complete(s2s_train_step *s) {
  S2S_TRY(s2s_step_send_all(s));
  int rc = 0;
  for (size_t i = 0; i < s->nsends; i++)
    if (s->sends[i].state == 1 && s2s_mpi_wait(s->sends[i].req) != 0) rc = -1;
    else s->sends[i].state = 2;
  return rc;
}

static int queue_send(s2s_train_step *s, int src, s2s_buf from, size_t n, int dst, int tag) {
  if (s->nsends == s->cap_sends) {
    size_t cap = s->cap_sends ? 2 * s->cap_sends : 256;
    s2s_send *p = realloc(s->sends, cap * sizeof *p);
    if (!p) return -1;
    s->sends = p;
    s->cap_sends = cap;
  }
  s2s_send *m = &s->sends[s->nsends];
  *m = (s2s_send){.n = n, .rank = s->st[dst].dev->rank, .tag = tag | s->tag_salt, .req = -1};
  if (!(m->slot = staging_slot(s, n))) return -1;
  const long node = s2s_plan_add(s->st[src].dev, S2S_OP_READ, "MPI send read", n, -1, 0);
  S2S_CL_CHECK(clEnqueueReadBuffer(s->st[src].dev->queue, from.mem, CL_FALSE, from.off * 4,
                                   n * sizeof(float), m->slot, 0, NULL, &m->ev));
  S2S_CL_CHECK(clFlush(s->st[src].dev->queue));
  s2s_timeline_keep(s->st[src].dev->queue, "transfer read (MPI send)", m->ev, node);
  s->nsends++;
  S2S_TRY(keep(s, m->ev));
  return progress(s);
}

/* The message of tag from src's rank lands in `to` on dst (local), polling for it. */
static int receive(s2s_train_step *s, int src, int tag, int dst, s2s_buf to, size_t n) {
  float *slot = staging_slot(s, n);
  if (!slot) return -1;
  const int req = s2s_mpi_irecv(slot, n * sizeof(float), s->st[src].dev->rank, tag | s->tag_salt);
  if (req < 0) return -1;
  /* While the message is not here: post every ready send (the peer may be waiting for one
     of ours first), then block on the earliest send still being read from our device, or,
     with none, nap with a doubling backoff 20 us -> 640 us so the host thread does not eat a
     core.  Measured (small, len 20, 3 trials, cpu/1x1,cpu/1x1 under mpirun -np 2, on the
     2-core Xeon): a fixed 20 us nap 997-1,037 words/s and 38.6 s user + 3 s system CPU;
     backoff alone 1,245-1,248; block on the pending read else backoff 1,270-1,274 (caps of
     160 us and 2,560 us measured the same).  Blocking is safe: a read enqueued earlier
     cannot depend on the write this message will enqueue later. */
  long nap_ns = 20000;
  const long long t0 = s2s_timeline_now();
  for (int done = 0;;) {
    S2S_TRY(s2s_mpi_test(req, &done));
    if (done) break;
    s2s_send *pending = NULL;
    for (s2s_train_step *t = s->mb_head ? s->mb_head : s; t; t = t->mb_next) {
      S2S_TRY(progress(t));
      if (!pending && t->sends_done < t->nsends) pending = &t->sends[t->sends_done];
    }
    /* the next pass posts it; a failed read falls through, and progress() names it */
    if (pending && clWaitForEvents(1, &pending->ev) == CL_SUCCESS) continue;
    const struct timespec nap = {0, nap_ns};
    nanosleep(&nap, NULL);
    if (nap_ns < 640000) nap_ns *= 2;
  }
  cl_command_queue q = s->st[dst].dev->queue;
  s2s_timeline_host_wait(q, "MPI message", t0, s2s_timeline_now(),
                         s2s_plan_add(s->st[dst].dev, S2S_OP_HOST_WAIT, "MPI message", n, -1, 1));
  const long node = s2s_plan_add(s->st[dst].dev, S2S_OP_WRITE, "MPI write", n, -1, 0);
  S2S_CL_CHECK(clEnqueueWriteBuffer(q, to.mem, CL_FALSE, to.off * 4, n * sizeof(float), slot, 0,
                                    NULL, s2s_timeline_slot_node(q, "transfer write (MPI)", node)));
  return progress(s);
}

/* --- the interface ------------------------------------------------------------------- */

int s2s_step_post(s2s_train_step *s, int src, s2s_buf from, size_t n, int dst, int tag,
                  s2s_ticket *t) {
  *t = (s2s_ticket){0};
  if (src == dst || !s->st[src].local) return 0; /* in queue order / another rank's post */
  if (!s->st[dst].local) return queue_send(s, src, from, n, dst, tag);
  if (s2s_step_same_ctx(s, src, dst)) return s2s_step_mark(s, src, &t->ev);
  if (!(t->slot = staging_slot(s, n))) return -1;
  const long node = s2s_plan_add(s->st[src].dev, S2S_OP_READ, "staging read", n, -1, 0);
  if (s->dry) return t->ev = s2s_plan_fake_event(node), 0;
  S2S_CL_CHECK(clEnqueueReadBuffer(s->st[src].dev->queue, from.mem, CL_FALSE, from.off * 4,
                                   n * sizeof(float), t->slot, 0, NULL, &t->ev));
  S2S_CL_CHECK(clFlush(s->st[src].dev->queue));
  s2s_plan_bind(t->ev, node);
  s2s_timeline_keep(s->st[src].dev->queue, "transfer read (staging)", t->ev, node);
  return keep(s, t->ev);
}

/* Staged data lands in `to` on dst once the staging read is done. */
static int write_staged(s2s_train_step *s, const s2s_ticket *t, int dst, s2s_buf to, size_t n) {
  cl_command_queue q = s->st[dst].dev->queue;
  const long wait = s2s_plan_add(s->st[dst].dev, S2S_OP_HOST_WAIT, "staging read", n,
                                 (int)s2s_plan_node_of(t->ev), 1);
  const long node = s2s_plan_add(s->st[dst].dev, S2S_OP_WRITE, "staging write", n, -1, 0);
  if (s->dry) return 0;
  const long long t0 = s2s_timeline_now();
  S2S_CL_CHECK(clWaitForEvents(1, &t->ev));
  s2s_timeline_host_wait(q, "staging read", t0, s2s_timeline_now(), wait);
  S2S_CL_CHECK(clEnqueueWriteBuffer(q, to.mem, CL_FALSE, to.off * 4, n * sizeof(float), t->slot,
                                    0, NULL, s2s_timeline_slot_node(q, "transfer write (staging)",
                                                                    node)));
  return 0;
}

int s2s_step_fetch(s2s_train_step *s, const s2s_ticket *t, int src, int dst, int tag,
                   s2s_buf from, s2s_buf local, size_t n, s2s_buf *view) {
  *view = from;
  if (!s->st[dst].local) return 0;
  if (!s->st[src].local) {
    *view = local;
    return receive(s, src, tag, dst, local, n);
  }
  if (!t->slot) return s2s_step_wait(s, dst, t->ev);
  *view = local;
  return write_staged(s, t, dst, local, n);
}

int s2s_step_fetch_into(s2s_train_step *s, const s2s_ticket *t, int src, int dst, int tag,
                        s2s_buf from, s2s_buf to, size_t n) {
  if (!s->st[dst].local) return 0;
  if (!s->st[src].local) return receive(s, src, tag, dst, to, n);
  if (t->slot) return write_staged(s, t, dst, to, n);
  cl_command_queue q = s->st[dst].dev->queue;
  const long node = s2s_plan_add(s->st[dst].dev, S2S_OP_COPY, "transfer copy", n,
                                 (int)s2s_plan_node_of(t->ev), 0);
  if (s->dry) return 0;
  S2S_CL_CHECK(clEnqueueCopyBuffer(q, from.mem, to.mem, from.off * 4, to.off * 4,
                                   n * sizeof(float), t->ev ? 1 : 0, t->ev ? &t->ev : NULL,
                                   s2s_timeline_slot_node(q, "transfer copy", node)));
  return 0;
}

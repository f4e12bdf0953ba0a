/* Per-device timelines from OpenCL profiling events: while a capture is active on this
 * host thread, every custom kernel launch and every CLBlast call asks for an event, and
 * the capture keeps (device, what, event). Afterwards the events' start/end times give a
 * timeline per device (timeline.tsv) and each device's busy fraction of the span.
 * A CLBlast call runs several kernels (pads, transposes, the product) and reports an event
 * for its last one only: such a sequence's interval ends at that event and starts at the
 * later of the host's clock when the call was made and the end of the command before it on
 * the in-order queue (s2s_timeline_open).
 * Clocks: each device's profiling clock is put on the host's CLOCK_MONOTONIC by an offset
 * measured with a marker round trip (the tightest of five; error half of it, some 10 us on
 * PoCL), so devices of different platforms share one axis, and so do MPI ranks on one host
 * (origin_s). Ranks on different hosts would need their hosts' clock offset too (not done). */
#ifndef S2S_TIMELINE_H
#define S2S_TIMELINE_H

#include <stdio.h>

#include "cl/device.h"
#include "plan/plan.h"

typedef struct s2s_timeline_event {
  int device;
  char what[40];
  cl_event ev;
  long long open_ns; /* a command sequence (s2s_timeline_open): the host's CLOCK_MONOTONIC
                        when it was opened; 0: a single command, ev alone is the interval */
  long long host_ns[2]; /* a host wait (ev NULL): its start and end on CLOCK_MONOTONIC */
  double start_s, end_s; /* from the span's start, filled by s2s_timeline_finish (0 0: none) */
} s2s_timeline_event;

typedef struct s2s_timeline {
  s2s_device *devs;
  int ndev;
  s2s_timeline_event *ev;
  size_t n, cap;
  double busy[16];   /* per device: seconds with at least one command running */
  double span;       /* first start to last end, seconds */
  double origin_s;   /* the span's start on the host's CLOCK_MONOTONIC (s2s_timeline_finish
                        puts every device on that clock, so processes of one host align) */
  double clock_error_s; /* the largest uncertainty of a device's clock offset */
} s2s_timeline;

void s2s_timeline_init(s2s_timeline *t, s2s_device *devs, int ndev);
void s2s_timeline_free(s2s_timeline *t);
/* Starts (t != NULL) or stops (NULL) capturing on this thread. */
void s2s_timeline_capture(s2s_timeline *t);
/* Is a capture active on this thread? */
int s2s_timeline_active(void);
/* For launchers: an event to fill for a command on queue q, or NULL when not capturing. */
cl_event *s2s_timeline_slot(cl_command_queue q, const char *what);
/* The same for the command of plan node `node` (plan/plan.h, -1: none): the node's ref
 * becomes the command's timeline row, so a measured plan gets every node's interval. */
cl_event *s2s_timeline_slot_node(cl_command_queue q, const char *what, long node);
/* For a command sequence on q (a CLBlast call, whose event is its last kernel's): returns a
 * handle, or -1 when not capturing on q. The sequence's start is the later of the host's
 * clock now (on the device's clock) and the end of the command before it on q: an in-order
 * queue starts it no earlier. No marker is enqueued: on Intel's CPU runtime a marker before
 * every CLBlast call doubled the step (measured: the small step's captured trial 2.47-2.57
 * s against 1.25-1.35 s; without the markers 1.30-1.34 s). */
long s2s_timeline_open(cl_command_queue q, const char *what);
long s2s_timeline_open_node(cl_command_queue q, const char *what, long node);
/* Ends the interval of handle h (h < 0: nothing) at ev, which the timeline retains. */
void s2s_timeline_close(long h, cl_event ev);
/* A command on q whose event the caller keeps too (a transfer another device waits on): the
 * timeline retains ev. */
void s2s_timeline_keep(cl_command_queue q, const char *what, cl_event ev, long node);
/* The host thread waited from t0 to t1 (s2s_timeline_now) for data device q's next command
 * needs: a row "host wait: what" on that device's lane, not counted as the device's busy
 * time. */
long long s2s_timeline_now(void);
void s2s_timeline_host_wait(cl_command_queue q, const char *what, long long t0, long long t1,
                            long node);
/* The host thread computed from t0 to t1 for device q (the all-reduce's adding): a row
 * "host work: what" on that device's lane, not its busy time either. */
void s2s_timeline_host_work(cl_command_queue q, const char *what, long long t0, long long t1,
                            long node);
/* Reads the profiling times (all commands must be complete), fills busy/span, and writes
 * device, what, start_s, end_s rows to path (atomically) when path != NULL. */
int s2s_timeline_finish(s2s_timeline *t, const char *path);
/* The timeline.tsv format, for every writer of one (a device timeline, every rank's rows
 * gathered, a simulated plan): the header line, then one row per interval, what prefixed
 * by prefix (NULL: none; "host wait: " for the host's rows), seconds from the span's
 * start. */
void s2s_timeline_tsv_header(FILE *f);
void s2s_timeline_tsv_row(FILE *f, int device, const char *prefix, const char *what,
                          double start_s, double end_s);

/* After finish: every node of plan p recorded with this timeline (its ref a row) gets that
 * row's interval (start_s, end_s); nodes without a row keep 0, 0. */
void s2s_timeline_fill_plan(const s2s_timeline *t, s2s_plan *p);

/* After finish: seconds of the intervals named `what` on device d (commands of one in-order
 * queue do not overlap, so this is their busy time). */
double s2s_timeline_sum(const s2s_timeline *t, int d, const char *what);

#endif

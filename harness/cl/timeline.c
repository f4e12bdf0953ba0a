/* Capture of profiling events into per-device timelines (see timeline.h). */
#include "cl/timeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>

#include "record/atomic_file.h"

static _Thread_local s2s_timeline *current;

void s2s_timeline_init(s2s_timeline *t, s2s_device *devs, int ndev) {
  memset(t, 0, sizeof *t);
  t->devs = devs;
  t->ndev = ndev > 16 ? 16 : ndev;
}

void s2s_timeline_free(s2s_timeline *t) {
  for (size_t i = 0; i < t->n; i++) {
    if (t->ev[i].ev) clReleaseEvent(t->ev[i].ev);
  }
  free(t->ev);
  memset(t, 0, sizeof *t);
}

void s2s_timeline_capture(s2s_timeline *t) { current = t; }
int s2s_timeline_active(void) { return current != NULL; }

cl_event *s2s_timeline_slot(cl_command_queue q, const char *what) {
  s2s_timeline *t = current;
  if (!t) return NULL;
  int d = -1;
  for (int i = 0; i < t->ndev; i++)
    if (t->devs[i].queue == q) d = i;
  if (d < 0) return NULL;
  if (t->n == t->cap) {
    size_t cap = t->cap ? 2 * t->cap : 1024;
    s2s_timeline_event *p = realloc(t->ev, cap * sizeof *p);
    if (!p) return NULL;
    t->ev = p;
    t->cap = cap;
  }
  s2s_timeline_event *e = &t->ev[t->n++];
  memset(e, 0, sizeof *e);
  e->device = d;
  snprintf(e->what, sizeof e->what, "%s", what);
  return &e->ev;
}

cl_event *s2s_timeline_slot_node(cl_command_queue q, const char *what, long node) {
  cl_event *slot = s2s_timeline_slot(q, what);
  if (slot) s2s_plan_set_ref(node, (long)(current->n - 1));
  return slot;
}

void s2s_timeline_keep(cl_command_queue q, const char *what, cl_event ev, long node) {
  cl_event *slot = ev ? s2s_timeline_slot_node(q, what, node) : NULL;
  if (!slot) return;
  clRetainEvent(ev);
  *slot = ev;
}

static long long host_ns(void);
long long s2s_timeline_now(void) { return current ? host_ns() : 0; }

static void host_row(cl_command_queue q, const char *prefix, const char *what, long long t0,
                     long long t1, long node) {
  char w[40];
  snprintf(w, sizeof w, "%s%s", prefix, what);
  if (!current || t1 <= t0 || !s2s_timeline_slot_node(q, w, node)) return;
  s2s_timeline_event *e = &current->ev[current->n - 1];
  e->host_ns[0] = t0, e->host_ns[1] = t1;
}

void s2s_timeline_host_wait(cl_command_queue q, const char *what, long long t0, long long t1,
                            long node) {
  host_row(q, "host wait: ", what, t0, t1, node);
}

void s2s_timeline_host_work(cl_command_queue q, const char *what, long long t0, long long t1,
                            long node) {
  host_row(q, "host work: ", what, t0, t1, node);
}

long s2s_timeline_open(cl_command_queue q, const char *what) {
  cl_event *slot = s2s_timeline_slot(q, what);
  if (!slot) return -1;
  current->ev[current->n - 1].open_ns = host_ns();
  return (long)(current->n - 1);
}

long s2s_timeline_open_node(cl_command_queue q, const char *what, long node) {
  const long h = s2s_timeline_open(q, what);
  if (h >= 0) s2s_plan_set_ref(node, h);
  return h;
}

void s2s_timeline_close(long h, cl_event ev) {
  s2s_timeline *t = current;
  if (!t || h < 0 || (size_t)h >= t->n || !ev) return;
  clRetainEvent(ev);
  t->ev[h].ev = ev;
}

typedef struct span { double a, b; } span;

static int by_start(const void *x, const void *y) {
  double p = ((const span *)x)->a, q = ((const span *)y)->a;
  return (p > q) - (p < q);
}

static long long host_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Host CLOCK_MONOTONIC minus the device's profiling clock, in ns: a marker's end time
 * against the host clock halfway through its round trip, the tightest of five (error: half
 * that round trip, in *err_ns). 0 when the device cannot say. */
static long long clock_offset_ns(cl_command_queue q, long long *err_ns) {
  long long best = 0, gap = -1;
  for (int k = 0; k < 5; k++) {
    cl_event e;
    const long long a = host_ns();
    if (clEnqueueMarkerWithWaitList(q, 0, NULL, &e) != CL_SUCCESS) break;
    cl_ulong end = 0;
    const int ok = clFinish(q) == CL_SUCCESS &&
                   clGetEventProfilingInfo(e, CL_PROFILING_COMMAND_END, sizeof end, &end,
                                           NULL) == CL_SUCCESS;
    const long long b = host_ns();
    clReleaseEvent(e);
    if (ok && end && (gap < 0 || b - a < gap)) gap = b - a, best = (a + b) / 2 - (long long)end;
  }
  if (gap > *err_ns) *err_ns = gap / 2;
  return best;
}

int s2s_timeline_finish(s2s_timeline *t, const char *path) {
  /* every device's times on the host's monotonic clock: devices of different platforms
   * (and processes, under MPI, on one host) then share one time axis */
  long long off[16] = {0}, err = 0;
  for (int d = 0; d < t->ndev && d < 16; d++)
    if (t->devs[d].queue) off[d] = clock_offset_ns(t->devs[d].queue, &err);
  t->clock_error_s = err * 1e-9;
  cl_ulong t0 = (cl_ulong)-1, t1 = 0, prev_end[16] = {0}; /* per device, its clock */
  span *sp = malloc((t->n + 1) * sizeof *sp);
  cl_ulong *st = malloc((t->n + 1) * 2 * sizeof *st);
  if (!sp || !st) return free(sp), free(st), -1;
  for (size_t i = 0; i < t->n; i++) {
    st[2 * i] = st[2 * i + 1] = 0;
    if (!t->ev[i].ev && t->ev[i].host_ns[1] > t->ev[i].host_ns[0]) { /* on the host clock */
      st[2 * i] = (cl_ulong)t->ev[i].host_ns[0];
      st[2 * i + 1] = (cl_ulong)t->ev[i].host_ns[1];
      if (st[2 * i] < t0) t0 = st[2 * i];
      if (st[2 * i + 1] > t1) t1 = st[2 * i + 1];
      continue;
    }
    if (!t->ev[i].ev) continue;
    clGetEventProfilingInfo(t->ev[i].ev, CL_PROFILING_COMMAND_START, sizeof(cl_ulong),
                            &st[2 * i], NULL);
    clGetEventProfilingInfo(t->ev[i].ev, CL_PROFILING_COMMAND_END, sizeof(cl_ulong),
                            &st[2 * i + 1], NULL);
    const int dv = t->ev[i].device;
    if (!st[2 * i] || !st[2 * i + 1] || dv < 0 || dv >= 16) {
      st[2 * i] = st[2 * i + 1] = 0;
      continue;
    }
    if (t->ev[i].open_ns) { /* a sequence: from the later of its opening and the queue's
                               previous command's end (both on the device's clock) */
      const long long opened = t->ev[i].open_ns - off[dv];
      cl_ulong s0 = prev_end[dv];
      if (off[dv] && opened > 0 && (cl_ulong)opened > s0) s0 = (cl_ulong)opened;
      if (s0 && s0 < st[2 * i]) st[2 * i] = s0;
    }
    if (st[2 * i + 1] > prev_end[dv]) prev_end[dv] = st[2 * i + 1];
    st[2 * i] = (cl_ulong)((long long)st[2 * i] + off[dv]);
    st[2 * i + 1] = (cl_ulong)((long long)st[2 * i + 1] + off[dv]);
    if (st[2 * i] < t0) t0 = st[2 * i];
    if (st[2 * i + 1] > t1) t1 = st[2 * i + 1];
  }
  t->origin_s = t1 > t0 ? t0 * 1e-9 : 0;
  t->span = t1 > t0 ? (t1 - t0) * 1e-9 : 0;
  for (size_t i = 0; i < t->n; i++) {
    const int ok = st[2 * i + 1] > st[2 * i];
    t->ev[i].start_s = ok ? (st[2 * i] - t0) * 1e-9 : 0;
    t->ev[i].end_s = ok ? (st[2 * i + 1] - t0) * 1e-9 : 0;
  }
  for (int d = 0; d < t->ndev; d++) { /* union of the device's intervals */
    size_t m = 0;
    for (size_t i = 0; i < t->n; i++)
      if (t->ev[i].device == d && st[2 * i + 1] > st[2 * i] && t->ev[i].ev) /* not host waits */
        sp[m++] = (span){(st[2 * i] - t0) * 1e-9, (st[2 * i + 1] - t0) * 1e-9};
    qsort(sp, m, sizeof *sp, by_start);
    double busy = 0, a = 0, b = -1;
    for (size_t i = 0; i < m; i++) {
      if (sp[i].a > b) {
        if (b > a) busy += b - a;
        a = sp[i].a, b = sp[i].b;
      } else if (sp[i].b > b) {
        b = sp[i].b;
      }
    }
    if (b > a) busy += b - a;
    t->busy[d] = busy;
  }
  int rc = 0;
  if (path) {
    s2s_atomic_file f;
    rc = s2s_atomic_open(&f, path);
    if (!rc) {
      s2s_timeline_tsv_header(f.f);
      for (size_t i = 0; i < t->n; i++)
        if (st[2 * i + 1] > st[2 * i])
          s2s_timeline_tsv_row(f.f, t->ev[i].device, NULL, t->ev[i].what,
                               (st[2 * i] - t0) * 1e-9, (st[2 * i + 1] - t0) * 1e-9);
      rc = s2s_atomic_commit(&f);
    }
  }
  free(sp);
  free(st);
  return rc;
}

void s2s_timeline_tsv_header(FILE *f) { fputs("device\twhat\tstart_s\tend_s\n", f); }

void s2s_timeline_tsv_row(FILE *f, int device, const char *prefix, const char *what,
                          double start_s, double end_s) {
  fprintf(f, "%d\t%s%s\t%.9f\t%.9f\n", device, prefix ? prefix : "", what, start_s, end_s);
}

void s2s_timeline_fill_plan(const s2s_timeline *t, s2s_plan *p) {
  for (size_t i = 0; i < p->n; i++) {
    s2s_plan_node *n = &p->node[i];
    const int ok = n->ref >= 0 && (size_t)n->ref < t->n;
    n->start_s = ok ? t->ev[n->ref].start_s : 0;
    n->end_s = ok ? t->ev[n->ref].end_s : 0;
  }
}

double s2s_timeline_sum(const s2s_timeline *t, int d, const char *what) {
  double sum = 0;
  for (size_t i = 0; i < t->n; i++)
    if (t->ev[i].device == d && !strcmp(t->ev[i].what, what))
      sum += t->ev[i].end_s - t->ev[i].start_s;
  return sum;
}

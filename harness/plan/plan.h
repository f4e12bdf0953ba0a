/* The training step as a plan: the commands one host thread gives the devices' in-order
 * queues, in the order it gives them, each with its device, kind, shape, FLOP and bytes,
 * and its one cross-device dependency (an event of another command, or a host wait).
 * The executor (step/) records the plan while it runs (every enqueue goes through the cl/
 * and blas/ doors, which call s2s_plan_add) or builds it dry, on described devices that
 * are never opened (s2s_train_step_plan). The simulator (plan/simulate.h) runs the same
 * plan on a model of the devices; a measured timeline gives each node its interval. One
 * code path: a prediction and a run read the same plan.
 * Pure C, no OpenCL and no files (profile/cost_table.h reads and writes them): nodes name
 * devices by their index in the step. */
#ifndef S2S_PLAN_H
#define S2S_PLAN_H

#include <stddef.h>
#include <stdint.h>

typedef enum s2s_op {
  S2S_OP_KERNEL = 0, /* a custom kernel: what = its name, elems = global work size */
  S2S_OP_GEMM,       /* one CLBlast SGEMM (all its kernels): m, n, k, ta, tb */
  S2S_OP_BLAS,       /* another CLBlast call (transpose copy, scal): what, elems */
  S2S_OP_FILL,       /* elems floats set to one value: clEnqueueFillBuffer ("fill"), or
                        the fill_floats kernel (the gradient's zeroing) */
  S2S_OP_WRITE,      /* host -> device: elems floats (blocking: the host waits for it) */
  S2S_OP_READ,       /* device -> host: elems floats (blocking, or a staging read) */
  S2S_OP_COPY,       /* device -> device in one context: elems floats */
  S2S_OP_MARKER,     /* an event other devices wait on: no work */
  S2S_OP_BARRIER,    /* this queue waits for node dep (another device's marker): no work */
  S2S_OP_HOST_WAIT,  /* the host thread waits for node dep before it enqueues more */
  S2S_OP_HOST_WORK,  /* the host thread computes (the all-reduce adding elems floats), after
                        node dep if any: no device (dev: whose host thread), holds the host */
  S2S_OP_KINDS
} s2s_op;

typedef struct s2s_plan_node {
  int dev;          /* device index in the step (HOST_WAIT, HOST_WORK: the device the data
                       is for, whose host thread it holds) */
  s2s_op op;
  char what[40];    /* kernel name, "gemm", "fill", "staging read", ... */
  int m, n, k;      /* GEMM, row-major: C (m x n) += A (m x k) B (k x n) */
  char ta, tb;      /* GEMM: 'N' or 'T' */
  size_t elems;     /* KERNEL: global work size; BLAS, FILL, WRITE, READ, COPY: floats */
  double flops;     /* GEMM: 2mnk; else 0 */
  double bytes;     /* WRITE, READ, COPY, FILL: 4 elems; else 0 */
  int dep;          /* the node this one waits for besides its queue order, or -1 */
  int blocking;     /* the host goes on only when this node is complete */
  long ref;         /* the recorder's own handle (a measured run: the node's timeline row), -1 */
  double issue_s;   /* recorded: when the host enqueued it (CLOCK_MONOTONIC seconds) */
  /* filled by a measured run or by the simulator (plan/simulate.h): */
  double start_s, end_s;
} s2s_plan_node;

typedef struct s2s_plan {
  int ndev;
  s2s_plan_node *node;
  size_t n, cap;
  int failed;       /* an allocation failed while recording: the plan is incomplete */
} s2s_plan;

void s2s_plan_init(s2s_plan *p, int ndev);
void s2s_plan_free(s2s_plan *p);
void s2s_plan_clear(s2s_plan *p);

/* Recording: while a capture is active on this thread (s2s_plan_capture(p, map, ctx)),
 * s2s_plan_add appends a node; `dev_of(ctx, queue_or_device)` maps the caller's handle (a
 * cl_command_queue, as a void pointer) to a device index, -1 for a queue outside the step
 * (then nothing is recorded). Returns the node index, or -1 when not capturing. */
typedef int (*s2s_plan_dev_of)(void *ctx, const void *handle);
void s2s_plan_capture(s2s_plan *p, s2s_plan_dev_of dev_of, void *ctx);
s2s_plan *s2s_plan_current(void);
long s2s_plan_add(const void *handle, s2s_op op, const char *what, size_t elems, int dep,
                  int blocking);
long s2s_plan_add_gemm(const void *handle, char ta, char tb, int m, int n, int k);
/* Events stand for nodes: after an enqueue that returned event ev for node i, bind them;
 * a later dependency on ev finds i. Dry runs hand out fake events (s2s_plan_fake_event). */
void s2s_plan_bind(const void *event, long node);
long s2s_plan_node_of(const void *event);
/* Sets node's ref (nothing when node < 0 or not capturing). */
void s2s_plan_set_ref(long node, long ref);
/* A dry device's "event": a distinct non-NULL pointer that names node i. */
void *s2s_plan_fake_event(long node);

const char *s2s_op_name(s2s_op op);

#endif

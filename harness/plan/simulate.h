/* Running a plan (plan.h) on a model of its devices: one host thread (or one per process:
 * s2s_sim_costs.host) enqueues the nodes in plan order, each device runs its nodes in order (an in-order queue), a node starts when
 * the host has enqueued it, its queue is free and its dependency is done. A blocking node
 * (a blocking read or write), a host wait and host work hold the host until they complete, so work
 * the host has not enqueued yet cannot start (the single host thread's real behaviour).
 * Costs come from the caller (profile/cost_table.h measures them on one device). Fills
 * every node's start_s and end_s, and finds the critical path. */
#ifndef S2S_SIMULATE_H
#define S2S_SIMULATE_H

#include "plan/plan.h"

#define S2S_SIM_MAX_DEVICES 64

typedef struct s2s_sim_costs {
  double (*device_s)(void *ctx, const s2s_plan_node *n); /* seconds on its device (>= 0) */
  double (*host_s)(void *ctx, const s2s_plan_node *n);   /* host seconds to enqueue it */
  void *ctx;
  const int *host; /* the host thread that enqueues each device's nodes (NULL: one thread
                      for all, as one process; host[d] = d: a process per device, as MPI
                      ranks), each in plan order */
} s2s_sim_costs;

typedef struct s2s_sim_result {
  double step_s;                        /* the last node's end */
  int ndev;
  double busy_s[S2S_SIM_MAX_DEVICES];   /* device seconds of each device's nodes */
  double idle[S2S_SIM_MAX_DEVICES];     /* 1 - busy_s / step_s (0 for an empty step) */
  double host_enqueue_s;                /* all host enqueue seconds */
  double host_blocked_s;                /* seconds the host stood still, waiting */
  double host_work_s;                   /* seconds of host work (HOST_WORK nodes) */
  size_t *critical, ncritical;          /* the critical path, first node to last */
  double path_op_s[S2S_OP_KINDS];       /* its seconds of device work, per op (transfers:
                                           READ + WRITE + COPY; a host wait on the path is
                                           walked through to what it waited for) */
  double path_host_s;                   /* its seconds of host enqueueing; with path_op_s
                                           it adds up to step_s */
} s2s_sim_result;

/* Simulates p with costs c into r (and p's start_s / end_s). A node whose dependency is
 * not an earlier node, or a device index out of range, is refused with a message naming
 * the node. 0 or -1; free r with s2s_sim_result_free either way. */
int s2s_simulate(s2s_plan *p, const s2s_sim_costs *c, s2s_sim_result *r);
void s2s_sim_result_free(s2s_sim_result *r);

#endif

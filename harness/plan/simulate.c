/* List scheduling of a plan over in-order queues fed by one host thread (simulate.h). */
#include "plan/simulate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { BY_HOST, BY_QUEUE, BY_DEP }; /* what set a node's start */

typedef struct trace {
  int *by;          /* BY_*: the constraint that set the node's start (or a wait's end) */
  long *prev;       /* the previous node on the same queue, -1 */
  long *host_src;   /* the node whose completion last moved the host clock before it, -1 */
  double *host_base;/* the host clock that node left (0 at the start) */
} trace;

static int check(const s2s_plan *p, const s2s_sim_costs *c) {
  if (p->ndev < 1 || p->ndev > S2S_SIM_MAX_DEVICES) {
    fprintf(stderr, "s2sbench: a plan of %d devices (1..%d simulated)\n", p->ndev,
            S2S_SIM_MAX_DEVICES);
    return -1;
  }
  for (size_t i = 0; i < p->n; i++) {
    const s2s_plan_node *n = &p->node[i];
    if (n->dev < 0 || n->dev >= p->ndev || n->dep >= (long)i || n->dep < -1) {
      fprintf(stderr, "s2sbench: plan node %zu (%s on device %d) has device or dependency %d "
              "out of range\n", i, n->what, n->dev, n->dep);
      return -1;
    }
  }
  for (int d = 0; c->host && d < p->ndev; d++)
    if (c->host[d] < 0 || c->host[d] >= S2S_SIM_MAX_DEVICES) {
      fprintf(stderr, "s2sbench: device %d of the plan has host thread %d (0..%d)\n", d,
              c->host[d], S2S_SIM_MAX_DEVICES - 1);
      return -1;
    }
  return 0;
}

/* Forward pass: start and end of every node, the host clock, the constraints. */
static void schedule(s2s_plan *p, const s2s_sim_costs *c, s2s_sim_result *r, trace *t) {
  /* per host thread: its clock, the node that last moved it and the clock it left */
  double free_at[S2S_SIM_MAX_DEVICES] = {0}, hc[S2S_SIM_MAX_DEVICES] = {0},
         hbase[S2S_SIM_MAX_DEVICES] = {0};
  long last[S2S_SIM_MAX_DEVICES], hsrc[S2S_SIM_MAX_DEVICES];
  for (int d = 0; d < S2S_SIM_MAX_DEVICES; d++) last[d] = -1, hsrc[d] = -1;
  for (size_t i = 0; i < p->n; i++) {
    s2s_plan_node *n = &p->node[i];
    const int k = c->host ? c->host[n->dev] : 0;
    double *h = &hc[k];
    const double hs = c->host_s ? c->host_s(c->ctx, n) : 0;
    *h += hs;
    r->host_enqueue_s += hs;
    t->host_src[i] = hsrc[k], t->host_base[i] = hbase[k], t->prev[i] = last[n->dev];
    const double dep_end = n->dep >= 0 ? p->node[n->dep].end_s : 0;
    if (n->op == S2S_OP_HOST_WAIT) { /* no device: the host stands still until dep is done */
      n->start_s = *h;
      n->end_s = dep_end > *h ? dep_end : *h;
      t->by[i] = dep_end > *h ? BY_DEP : BY_HOST;
    } else if (n->op == S2S_OP_HOST_WORK) { /* no device: the host works, after dep */
      n->start_s = dep_end > *h ? dep_end : *h;
      t->by[i] = dep_end > *h ? BY_DEP : BY_HOST;
      const double ws = c->device_s ? c->device_s(c->ctx, n) : 0;
      n->end_s = n->start_s + ws;
      r->host_work_s += ws;
    } else {
      double s = *h;
      t->by[i] = BY_HOST;
      if (free_at[n->dev] > s) s = free_at[n->dev], t->by[i] = BY_QUEUE;
      if (n->dep >= 0 && dep_end > s) s = dep_end, t->by[i] = BY_DEP;
      const double ds = c->device_s ? c->device_s(c->ctx, n) : 0;
      n->start_s = s;
      n->end_s = s + ds;
      free_at[n->dev] = n->end_s;
      last[n->dev] = (long)i;
      r->busy_s[n->dev] += ds;
    }
    const int holds = n->blocking || n->op == S2S_OP_HOST_WAIT || n->op == S2S_OP_HOST_WORK;
    if (holds && n->end_s > *h) {
      r->host_blocked_s += (n->op == S2S_OP_HOST_WORK ? n->start_s : n->end_s) - *h;
      *h = n->end_s;
    }
    if (holds) hsrc[k] = (long)i, hbase[k] = *h;
    if (n->end_s > r->step_s) r->step_s = n->end_s;
  }
}

/* Backward pass: from the node that ends last, along whichever constraint set each start. */
static int critical_path(const s2s_plan *p, const trace *t, s2s_sim_result *r) {
  long cur = -1;
  for (size_t i = 0; i < p->n; i++)
    if (cur < 0 || p->node[i].end_s > p->node[cur].end_s) cur = (long)i;
  size_t cap = 64, n = 0;
  size_t *path = malloc(cap * sizeof *path);
  if (!path) return -1;
  while (cur >= 0) {
    const s2s_plan_node *x = &p->node[cur];
    if (n == cap) {
      size_t *q = realloc(path, 2 * cap * sizeof *q);
      if (!q) return free(path), -1;
      path = q, cap *= 2;
    }
    path[n++] = (size_t)cur;
    if (x->op != S2S_OP_HOST_WAIT) r->path_op_s[x->op] += x->end_s - x->start_s;
    if (t->by[cur] == BY_DEP) cur = x->dep;
    else if (t->by[cur] == BY_QUEUE) cur = t->prev[cur];
    else { /* the host enqueued it at start_s: host time back to what last moved the host */
      r->path_host_s += x->start_s - t->host_base[cur];
      cur = t->host_src[cur];
    }
  }
  for (size_t i = 0; i < n / 2; i++) { /* first node to last */
    const size_t s = path[i];
    path[i] = path[n - 1 - i], path[n - 1 - i] = s;
  }
  r->critical = path, r->ncritical = n;
  return 0;
}

int s2s_simulate(s2s_plan *p, const s2s_sim_costs *c, s2s_sim_result *r) {
  memset(r, 0, sizeof *r);
  if (check(p, c) != 0) return -1;
  r->ndev = p->ndev;
  const size_t n = p->n ? p->n : 1;
  trace t = {malloc(n * sizeof(int)), malloc(n * sizeof(long)), malloc(n * sizeof(long)),
             malloc(n * sizeof(double))};
  int rc = t.by && t.prev && t.host_src && t.host_base ? 0 : -1;
  if (rc == 0) schedule(p, c, r, &t);
  for (int d = 0; d < p->ndev; d++) r->idle[d] = r->step_s > 0 ? 1 - r->busy_s[d] / r->step_s : 0;
  if (rc == 0) rc = critical_path(p, &t, r);
  free(t.by), free(t.prev), free(t.host_src), free(t.host_base);
  return rc;
}

void s2s_sim_result_free(s2s_sim_result *r) {
  free(r->critical);
  r->critical = NULL;
  r->ncritical = 0;
}

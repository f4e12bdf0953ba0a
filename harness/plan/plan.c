/* Recording the step's plan (see plan.h): a thread-local capture, nodes appended in the
 * host's enqueue order, events bound to the nodes they stand for. */
#include "plan/plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static _Thread_local s2s_plan *current;
static _Thread_local s2s_plan_dev_of current_map;
static _Thread_local void *current_ctx;

/* event -> node, for the current capture: an open-addressing table keyed by pointer */
typedef struct bind {
  const void *ev;
  long node;
} bind;
static _Thread_local bind *binds;
static _Thread_local size_t nbind_cap, nbinds;

void s2s_plan_init(s2s_plan *p, int ndev) {
  memset(p, 0, sizeof *p);
  p->ndev = ndev;
}

void s2s_plan_free(s2s_plan *p) {
  if (current == p) s2s_plan_capture(NULL, NULL, NULL);
  free(p->node);
  memset(p, 0, sizeof *p);
}

void s2s_plan_clear(s2s_plan *p) {
  p->n = 0;
  p->failed = 0;
  if (current == p && binds) nbinds = 0, memset(binds, 0, nbind_cap * sizeof *binds);
}

void s2s_plan_capture(s2s_plan *p, s2s_plan_dev_of dev_of, void *ctx) {
  current = p;
  current_map = dev_of;
  current_ctx = ctx;
  nbinds = 0;
  if (binds) memset(binds, 0, nbind_cap * sizeof *binds);
  if (!p) free(binds), binds = NULL, nbind_cap = 0;
}

s2s_plan *s2s_plan_current(void) { return current; }

static s2s_plan_node *append(const void *handle) {
  s2s_plan *p = current;
  if (!p) return NULL;
  const int d = current_map ? current_map(current_ctx, handle) : -1;
  if (d < 0) return NULL;
  if (p->n == p->cap) {
    size_t cap = p->cap ? 2 * p->cap : 1024;
    s2s_plan_node *q = realloc(p->node, cap * sizeof *q);
    if (!q) {
      p->failed = 1;
      return NULL;
    }
    p->node = q;
    p->cap = cap;
  }
  s2s_plan_node *n = &p->node[p->n++];
  memset(n, 0, sizeof *n);
  n->dev = d;
  n->dep = -1;
  n->ref = -1;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  n->issue_s = (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
  return n;
}

long s2s_plan_add(const void *handle, s2s_op op, const char *what, size_t elems, int dep,
                  int blocking) {
  s2s_plan_node *n = append(handle);
  if (!n) return -1;
  n->op = op;
  snprintf(n->what, sizeof n->what, "%s", what ? what : s2s_op_name(op));
  n->elems = elems;
  n->dep = dep;
  n->blocking = blocking;
  if (op == S2S_OP_FILL || op == S2S_OP_WRITE || op == S2S_OP_READ || op == S2S_OP_COPY)
    n->bytes = 4.0 * (double)elems;
  return (long)(n - current->node);
}

long s2s_plan_add_gemm(const void *handle, char ta, char tb, int m, int n_, int k) {
  s2s_plan_node *n = append(handle);
  if (!n) return -1;
  n->op = S2S_OP_GEMM;
  snprintf(n->what, sizeof n->what, "gemm");
  n->m = m, n->n = n_, n->k = k, n->ta = ta, n->tb = tb;
  n->flops = 2.0 * m * n_ * k;
  return (long)(n - current->node);
}

static size_t slot_of(const void *ev) {
  size_t h = (size_t)(uintptr_t)ev;
  h ^= h >> 17;
  h *= 0x9E3779B97F4A7C15ull;
  return (size_t)(h >> 7);
}

void s2s_plan_bind(const void *event, long node) {
  if (!current || !event || node < 0) return;
  if (2 * (nbinds + 1) > nbind_cap) {
    size_t cap = nbind_cap ? 2 * nbind_cap : 1024;
    bind *t = calloc(cap, sizeof *t);
    if (!t) {
      current->failed = 1;
      return;
    }
    for (size_t i = 0; i < nbind_cap; i++)
      if (binds[i].ev) {
        size_t j = slot_of(binds[i].ev) & (cap - 1);
        while (t[j].ev) j = (j + 1) & (cap - 1);
        t[j] = binds[i];
      }
    free(binds);
    binds = t;
    nbind_cap = cap;
  }
  size_t j = slot_of(event) & (nbind_cap - 1);
  while (binds[j].ev && binds[j].ev != event) j = (j + 1) & (nbind_cap - 1);
  if (!binds[j].ev) nbinds++;
  binds[j] = (bind){event, node};
}

long s2s_plan_node_of(const void *event) {
  if (event && ((uintptr_t)event & 0xFu) == 0x9u) return (long)((uintptr_t)event >> 4); /* fake */
  if (!current || !event || !nbind_cap) return -1;
  size_t j = slot_of(event) & (nbind_cap - 1);
  while (binds[j].ev) {
    if (binds[j].ev == event) return binds[j].node;
    j = (j + 1) & (nbind_cap - 1);
  }
  return -1;
}

void s2s_plan_set_ref(long node, long ref) {
  if (current && node >= 0 && (size_t)node < current->n) current->node[node].ref = ref;
}

void *s2s_plan_fake_event(long node) {
  /* odd addresses never come from malloc: such a pointer cannot be a real event */
  return (void *)(uintptr_t)(((uintptr_t)node << 4) | 0x9);
}

const char *s2s_op_name(s2s_op op) {
  static const char *const names[S2S_OP_KINDS] = {"kernel", "gemm",    "blas",    "fill",
                                                  "write",  "read",    "copy",    "marker",
                                                  "barrier", "host_wait", "host_work"};
  return op >= 0 && op < S2S_OP_KINDS ? names[op] : "?";
}

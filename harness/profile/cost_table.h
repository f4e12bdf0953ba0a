/* What each plan node (plan/plan.h) costs on one kind of device, measured there: device
 * seconds per node signature (op, name, shape) as the median of its samples, the host's
 * enqueue seconds per op, and for host transfers a link of latency + bytes / bandwidth
 * fitted to the measured reads and writes. The simulator (plan/simulate.h) asks it for
 * every node of a plan of any split; a shape never measured is scaled from the nearest
 * measured one (GEMMs by FLOP, kernels and fills by elements), and says so.
 * Saved as TSV (`# s2sbench cost table v1`), so a table measured on one machine predicts
 * devices of its kind on another (`s2sbench predict --cost`). */
#ifndef S2S_COST_TABLE_H
#define S2S_COST_TABLE_H

#include "plan/simulate.h"

typedef struct s2s_cost_entry {
  s2s_plan_node key;  /* op, what, m, n, k, ta, tb, elems (the rest unused) */
  double *samples;     /* sorted; a row loaded from a file is one sample, its median */
  size_t ns, cap;
  size_t count;        /* the samples behind median (a loaded row: the file's count) */
  double median;
} s2s_cost_entry;

typedef struct s2s_cost_table {
  char device[256];                     /* the measured device's name */
  unsigned long long global_mem, max_alloc; /* its memory: plans of devices like it are
                                               laid out (softmax chunks) and refused alike */
  s2s_cost_entry *e;
  size_t n, cap;
  s2s_cost_entry host[S2S_OP_KINDS];    /* host enqueue seconds per op (key unused) */
  double link_latency_s, link_bytes_per_s; /* given: the link of every host transfer (a
                                              machine's measured or quoted figures); 0 0:
                                              fitted to the measured reads and writes */
} s2s_cost_table;

void s2s_cost_table_init(s2s_cost_table *t);
void s2s_cost_table_free(s2s_cost_table *t);
/* Adds the samples of a measured plan: each device node with an interval (end_s > start_s)
 * gives its signature a sample; the gaps between consecutive enqueues (issue_s) give the
 * host's enqueue seconds of the earlier node's op, where the host did not wait between. */
int s2s_cost_table_add_plan(s2s_cost_table *t, const s2s_plan *p);
/* Device seconds of node n; *how (may be NULL): 0 measured at this signature, 1 scaled
 * from the nearest measured one, 2 the link model, -1 nothing to go by (returns -1).
 * Markers, barriers and host waits cost 0. A given link (link_bytes_per_s > 0) costs every
 * READ and WRITE, measured or not: it stands for another machine's host link. */
double s2s_cost_device_s(const s2s_cost_table *t, const s2s_plan_node *n, int *how);
/* Host enqueue seconds of n's op (0 when never measured). */
double s2s_cost_host_s(const s2s_cost_table *t, const s2s_plan_node *n);
/* How far the measured samples disagree: of the signatures with two samples or more and a
 * median of at least min_s, those whose slowest sample took over `ratio` times their
 * fastest, their share of the measured seconds (median x samples, over every such
 * signature), and the one of them with the most seconds. A prediction inherits that
 * spread: its costs are the medians. A table loaded from a file has one sample per row. */
typedef struct s2s_cost_spread {
  size_t wide, considered;
  double wide_share;
  const s2s_cost_entry *heaviest; /* NULL: no signature over ratio */
} s2s_cost_spread;
void s2s_cost_table_spread(const s2s_cost_table *t, double min_s, double ratio,
                           s2s_cost_spread *out);
/* The table as the simulator's costs. */
s2s_sim_costs s2s_cost_table_sim(const s2s_cost_table *t);
/* Writes the table atomically / reads one (a malformed line is an error naming the file
 * and the line). 0 or -1. */
int s2s_cost_table_save(const s2s_cost_table *t, const char *path);
int s2s_cost_table_load(s2s_cost_table *t, const char *path);

#endif

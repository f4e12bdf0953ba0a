/* Predicting a split from one device's costs (predict.h). */
#include "bench/predict.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args/args.h"
#include "blas/gemm.h"
#include "cl/buffer.h"
#include "cl/timeline.h"
#include "record/atomic_file.h"
#include "run/run_record.h"

/* --- measuring the cost table on one device ---------------------------------------- */

/* The split with every layer and shard on device 0: the same shard widths, and the
 * sharded softmax wherever the split has it (a lone shard off the top layer's device). */
static void split_on_one(const s2s_split *t, s2s_split *one) {
  *one = *t;
  one->ndev = 1;
  for (int l = 0; l < t->layers; l++) one->layer_dev[l] = 0;
  for (int k = 0; k < t->shards; k++) one->shard_dev[k] = 0;
  one->unfused = !(t->shards == 1 && t->shard_dev[0] == t->layer_dev[t->layers - 1]);
}

/* One session of the step on dev with split (NULL: the default), its last trial's plan
 * measured into t: device seconds per node and the host's enqueue seconds per op. */
/* par (NULL: neither): R data-parallel replicas of split, all on dev (one queue: the
 * all-reduce's transfers and kernels at their sizes, each replica's products at its rows),
 * or M micro-batches of split on dev (each micro-batch's products at its rows). */
static int measure_step(const step_bench *o, s2s_device *dev, const s2s_split *split,
                        const s2s_parallel *par, s2s_cost_table *t) {
  step_numbers m = {0};
  s2s_plan plan = {0};
  const int R = par && par->replicas > 1 ? par->replicas : 1;
  s2s_device same[S2S_MAX_REPLICAS];
  for (int r = 0; r < R && r < S2S_MAX_REPLICAS; r++) same[r] = *dev;
  m.trial_s = calloc((size_t)o->trials, sizeof *m.trial_s);
  m.plan = &plan;
  if (par) m.par = *par;
  int rc = m.trial_s ? s2s_step_bench_measure(o, R > 1 ? same : dev, R, split, &m) : -1;
  if (rc == 0 && plan.n == 0) rc = -1;
  if (rc == 0) rc = s2s_cost_table_add_plan(t, &plan);
  s2s_plan_free(&plan);
  free(m.trial_s);
  return rc;
}

/* Seconds of one SGEMM at n's shape on dev: the median of 5 after a warm-up, each
 * finished alone (scratch operands, contents irrelevant to the time). */
static double time_gemm(s2s_device *dev, const s2s_plan_node *n, s2s_buf a, s2s_buf b,
                        s2s_buf c) {
  const s2s_trans ta = n->ta == 'T' ? S2S_TRANS : S2S_NO_TRANS;
  const s2s_trans tb = n->tb == 'T' ? S2S_TRANS : S2S_NO_TRANS;
  const size_t lda = ta == S2S_TRANS ? (size_t)n->m : (size_t)n->k;
  const size_t ldb = tb == S2S_TRANS ? (size_t)n->k : (size_t)n->n;
  double s[6];
  for (int r = 0; r < 6; r++) {
    const double t0 = s2s_now();
    if (s2s_gemm(dev, ta, tb, n->m, n->n, n->k, 1.0f, a, lda, b, ldb, 0.0f, c, n->n, NULL) != 0 ||
        clFinish(dev->queue) != CL_SUCCESS)
      return -1;
    s[r] = s2s_now() - t0;
  }
  s2s_summary sum;
  s2s_summarize(s + 1, 5, &sum);
  return sum.median;
}

/* Adds a sample of `seconds` for node n to t (a plan of that one node). */
static int add_sample(s2s_cost_table *t, const s2s_plan_node *n, double seconds) {
  s2s_plan one = {.ndev = n->dev + 1, .n = 1, .cap = 1};
  s2s_plan_node x = *n;
  x.start_s = 0, x.end_s = seconds, x.ref = 0;
  one.node = &x;
  return s2s_cost_table_add_plan(t, &one);
}

/* Every GEMM of plan p without an exact entry in t, replayed alone on dev. */
static int replay_missing_gemms(s2s_device *dev, const s2s_plan *p, s2s_cost_table *t) {
  size_t most = 1;
  for (size_t i = 0; i < p->n; i++) {
    const s2s_plan_node *n = &p->node[i];
    int how = 0;
    if (n->op != S2S_OP_GEMM || (s2s_cost_device_s(t, n, &how) >= 0 && how == 0)) continue;
    const size_t sz[3] = {(size_t)n->m * n->k, (size_t)n->k * n->n, (size_t)n->m * n->n};
    for (int k = 0; k < 3; k++) most = sz[k] > most ? sz[k] : most;
  }
  s2s_buf a = {0}, b = {0}, c = {0};
  int rc = s2s_buf_alloc(dev, most, &a) || s2s_buf_alloc(dev, most, &b) ||
           s2s_buf_alloc(dev, most, &c) || s2s_buf_fill(dev, a, 0.5f, most) ||
           s2s_buf_fill(dev, b, 0.25f, most);
  for (size_t i = 0; rc == 0 && i < p->n; i++) {
    const s2s_plan_node *n = &p->node[i];
    int how = 0;
    if (n->op != S2S_OP_GEMM || (s2s_cost_device_s(t, n, &how) >= 0 && how == 0)) continue;
    const double s = time_gemm(dev, n, a, b, c);
    rc = s < 0 ? -1 : add_sample(t, n, s);
  }
  s2s_buf_free(&a), s2s_buf_free(&b), s2s_buf_free(&c);
  return rc;
}

/* The host staging link: blocking reads and writes of one float and of one time step's
 * activations (B*H floats), the sizes the pipeline's staged transfers move. */
static int measure_link(s2s_device *dev, const s2s_config *cfg, s2s_cost_table *t) {
  const size_t big = (size_t)cfg->batch * cfg->hidden;
  float *host = calloc(big, sizeof *host);
  s2s_buf buf = {0};
  int rc = !host || s2s_buf_alloc(dev, big, &buf) ? -1 : 0;
  const size_t sizes[2] = {1, big};
  for (int op = 0; rc == 0 && op < 2; op++)
    for (int k = 0; rc == 0 && k < 2; k++)
      for (int r = 0; rc == 0 && r < 6; r++) {
        s2s_plan_node n = {.op = op ? S2S_OP_WRITE : S2S_OP_READ, .elems = sizes[k], .dep = -1};
        snprintf(n.what, sizeof n.what, op ? "staging write" : "staging read");
        n.bytes = 4.0 * (double)sizes[k];
        const double t0 = s2s_now();
        rc = op ? s2s_buf_write(dev, buf, host, sizes[k]) : s2s_buf_read(dev, buf, host, sizes[k]);
        if (rc == 0 && r > 0) rc = add_sample(t, &n, s2s_now() - t0);
      }
  s2s_buf_free(&buf);
  free(host);
  return rc;
}

int s2s_predict_measure(const step_bench *o, s2s_device *dev, const s2s_split *split, int ndev,
                        const s2s_parallel *par, const int *context, const s2s_plan *base_plan,
                        s2s_cost_table *t) {
  const int R = par && par->replicas > 1 ? par->replicas : 1;
  const int M = par && par->micro_batches > 1 ? par->micro_batches : 1;
  /* R' < R replicas where R copies of the model do not fit the one device: the same
   * transfers, adds and kernels per replica (kernels scaled by their elements), and the
   * products at R's row blocks replayed alone below */
  s2s_parallel mpar = par ? *par : (s2s_parallel){0};
  if (R > 1 && o->measure_replicas > 1 && o->measure_replicas < R)
    mpar.replicas = (int)o->measure_replicas;
  snprintf(t->device, sizeof t->device, "%s", dev->info.name);
  t->global_mem = dev->info.global_mem, t->max_alloc = dev->info.max_alloc;
  s2s_split one;
  split_on_one(split, &one);
  if (base_plan ? s2s_cost_table_add_plan(t, base_plan) != 0  /* timed already: the baseline */
                : measure_step(o, dev, NULL, NULL, t) != 0)
    return -1;
  /* the split mapped onto the one device, as the replicas or micro-batches run it */
  if ((ndev > R || M > 1) && measure_step(o, dev, ndev > R ? &one : NULL, &mpar, t) != 0)
    return -1;
  if (ndev == R && R > 1 && measure_step(o, dev, NULL, &mpar, t) != 0) return -1;
  s2s_device_info info[S2S_MAX_DEVICES];
  for (int d = 0; d < ndev; d++) info[d] = dev->info;
  s2s_plan p;
  if (s2s_train_step_plan_parallel(info, ndev, par, context, split, &o->cfg, o->cfg.batch,
                                   (int)o->len, (int)o->len + 1, &p) != 0)
    return -1;
  int rc = replay_missing_gemms(dev, &p, t);
  s2s_plan_free(&p);
  return rc == 0 ? measure_link(dev, &o->cfg, t) : -1;
}

/* --- simulating a split ------------------------------------------------------------- */

static int write_timeline(const s2s_plan *p, const char *path) {
  s2s_atomic_file f;
  if (s2s_atomic_open(&f, path) != 0) return -1;
  s2s_timeline_tsv_header(f.f);
  for (size_t i = 0; i < p->n; i++) {
    const s2s_plan_node *n = &p->node[i];
    if (n->end_s <= n->start_s) continue; /* markers, barriers, waits that did not wait */
    const char *prefix = n->op == S2S_OP_HOST_WAIT   ? "host wait: "
                         : n->op == S2S_OP_HOST_WORK ? "host work: "
                                                     : NULL;
    s2s_timeline_tsv_row(f.f, n->dev, prefix, n->op == S2S_OP_GEMM ? "sgemm" : n->what,
                         n->start_s, n->end_s);
  }
  return s2s_atomic_commit(&f);
}

static int simulate(const s2s_cost_table *t, const int *host, s2s_plan *p, s2s_sim_result *r,
                    size_t *scaled, size_t *missing) {
  *scaled = *missing = 0;
  for (size_t i = 0; i < p->n; i++) {
    int how = 0;
    const double s = s2s_cost_device_s(t, &p->node[i], &how);
    if (s < 0) {
      if (!*missing)
        fprintf(stderr, "s2sbench predict: no cost for %s %s (%zu elements) in the table of "
                "'%s'\n", s2s_op_name(p->node[i].op), p->node[i].what, p->node[i].elems,
                t->device);
      ++*missing;
    } else if (how == 1) {
      ++*scaled;
    }
  }
  if (*missing) return -1;
  s2s_sim_costs c = s2s_cost_table_sim(t);
  c.host = host;
  return s2s_simulate(p, &c, r);
}

int s2s_predict_split(const s2s_cost_table *t, const s2s_config *cfg, int len,
                      const s2s_device_info *info, int ndev, const s2s_parallel *par,
                      const int *context,
                      const int *host, const s2s_split *split, const char *timeline_path,
                      s2s_prediction *pr) {
  memset(pr, 0, sizeof *pr);
  s2s_plan base, pipe;
  s2s_sim_result rb;
  size_t sc, mi;
  memset(&rb, 0, sizeof rb);
  if (s2s_train_step_plan(info, 1, NULL, NULL, cfg, cfg->batch, len, len + 1, &base) != 0)
    return -1;
  int rc = simulate(t, NULL, &base, &rb, &sc, &mi);
  pr->base_s = rb.step_s;
  s2s_sim_result_free(&rb);
  s2s_plan_free(&base);
  if (rc != 0) return -1;
  if (s2s_train_step_plan_parallel(info, ndev, par, context, split, cfg, cfg->batch, len,
                                   len + 1, &pipe) != 0)
    return -1;
  rc = simulate(t, host, &pipe, &pr->sim, &pr->scaled, &pr->missing);
  pr->nodes = pipe.n;
  pr->step_s = pr->sim.step_s;
  pr->speedup = pr->step_s > 0 ? pr->base_s / pr->step_s : 0;
  if (rc == 0 && timeline_path) rc = write_timeline(&pipe, timeline_path);
  s2s_plan_free(&pipe);
  return rc;
}

void s2s_prediction_free(s2s_prediction *p) { s2s_sim_result_free(&p->sim); }

/* Where the critical path spends its time: device work per op, then the host. */
static void path_parts(const s2s_sim_result *r, double *gemm, double *kernels, double *moves,
                       double *other) {
  *gemm = r->path_op_s[S2S_OP_GEMM];
  *kernels = r->path_op_s[S2S_OP_KERNEL] + r->path_op_s[S2S_OP_BLAS];
  *moves = r->path_op_s[S2S_OP_READ] + r->path_op_s[S2S_OP_WRITE] + r->path_op_s[S2S_OP_COPY];
  *other = r->path_op_s[S2S_OP_FILL];
}

void s2s_prediction_print(const s2s_prediction *p, FILE *f) {
  const s2s_sim_result *r = &p->sim;
  double g, k, m, o;
  path_parts(r, &g, &k, &m, &o);
  fprintf(f, "predicted step %.1f ms on %d devices, %.1f ms on one: speedup %.2fx (%zu plan "
          "nodes, %zu costed by scaling a measured neighbour)\n", 1e3 * p->step_s, r->ndev,
          1e3 * p->base_s, p->speedup, p->nodes, p->scaled);
  fprintf(f, "  critical path (%zu nodes): GEMMs %.1f ms, kernels %.1f ms, transfers %.1f ms, "
          "fills %.1f ms, host work %.1f ms, host enqueueing %.1f ms\n", r->ncritical, 1e3 * g,
          1e3 * k, 1e3 * m, 1e3 * o, 1e3 * r->path_op_s[S2S_OP_HOST_WORK], 1e3 * r->path_host_s);
  fprintf(f, "  predicted busy:");
  for (int d = 0; d < r->ndev; d++)
    fprintf(f, " device %d %.0f %%", d, r->step_s > 0 ? 100 * r->busy_s[d] / r->step_s : 0);
  fprintf(f, "; the host blocked %.1f ms\n", 1e3 * r->host_blocked_s);
}

void s2s_prediction_json(const s2s_prediction *p, s2s_json *j) {
  const s2s_sim_result *r = &p->sim;
  double g, k, m, o;
  path_parts(r, &g, &k, &m, &o);
  s2s_json_num(j, "predicted_speedup", p->speedup);
  s2s_json_num(j, "predicted_step_s", p->step_s);
  s2s_json_num(j, "predicted_one_device_step_s", p->base_s);
  s2s_json_int(j, "plan_nodes", (long long)p->nodes);
  s2s_json_int(j, "plan_nodes_scaled", (long long)p->scaled);
  s2s_json_object(j, "critical_path");
  s2s_json_int(j, "nodes", (long long)r->ncritical);
  s2s_json_num(j, "gemm_s", g);
  s2s_json_num(j, "kernels_s", k);
  s2s_json_num(j, "transfers_s", m);
  s2s_json_num(j, "fills_s", o);
  s2s_json_num(j, "host_work_s", r->path_op_s[S2S_OP_HOST_WORK]);
  s2s_json_num(j, "host_enqueue_s", r->path_host_s);
  s2s_json_close(j, '}');
  s2s_json_array(j, "predicted_busy_fraction");
  for (int d = 0; d < r->ndev; d++) s2s_json_num(j, NULL, r->step_s > 0 ? r->busy_s[d] / r->step_s : 0);
  s2s_json_close(j, ']');
  s2s_json_num(j, "predicted_host_blocked_s", r->host_blocked_s);
  s2s_json_num(j, "predicted_host_work_s", r->host_work_s);
}

int s2s_predict_devices(const step_bench *o, s2s_device *base, s2s_device *devs, int n,
                        const s2s_parallel *par, const s2s_split *split,
                        const s2s_plan *base_plan, const char *out_dir, s2s_prediction *pr) {
  step_bench q = *o;
  q.trials = o->trials < 3 ? o->trials : 3; /* the costs are medians: a few trials do */
  int context[S2S_MAX_DEVICES], host[S2S_MAX_DEVICES], ranks = 0;
  s2s_device_info info[S2S_MAX_DEVICES];
  for (int d = 0; d < n; d++) ranks |= devs[d].remote;
  for (int d = 0; d < n; d++) { /* devices of one context share one in the model too */
    context[d] = host[d] = d; /* under mpirun: a context and a host thread per rank */
    for (int e = 0; !ranks && e < d; e++)
      if (devs[e].ctx == devs[d].ctx) context[d] = context[e];
    info[d] = devs[d].info;
  }
  s2s_cost_table t;
  s2s_cost_table_init(&t);
  char path[4200];
  /* the files of a data-parallel or micro-batched prediction */
  const char *tag = par && par->replicas > 1 ? "-replicas"
                    : par && par->micro_batches > 1 ? "-micro" : "";
  if (out_dir) snprintf(path, sizeof path, "%s/timeline-predicted%s.tsv", out_dir, tag);
  int rc = s2s_predict_measure(&q, base, split, n, par, context, base_plan, &t);
  if (rc == 0)
    rc = s2s_predict_split(&t, &o->cfg, (int)o->len, info, n, par, context,
                           ranks ? host : NULL, split, out_dir ? path : NULL, pr);
  if (rc == 0 && out_dir) {
    snprintf(path, sizeof path, "%s/cost%s.tsv", out_dir, tag);
    rc = s2s_cost_table_save(&t, path);
  }
  s2s_cost_table_free(&t);
  return rc;
}

/* --- s2sbench predict ---------------------------------------------------------------- */

static void help(void) {
  printf("usage: s2sbench predict [--devices N] [--split SPEC] [--replicas R [--measure-replicas R']]\n"
         "                        [--contexts one|each|ranks]\n"
         "                        [--cost FILE | --measure-on SPEC] [--save-cost FILE]\n"
         "                        [--link-gbs G [--link-us U]]\n"
         "                        [--preset P] [size flags] [--len T] [--trials N] [--out DIR]\n\n"
         "Predicts the training step on N devices (default 2) laid out by --split (default:\n"
         "the default split for N), from costs measured on one device: the step's own\n"
         "commands (its plan, built dry) run on N modelled in-order queues fed by one host\n"
         "thread, each command costing what it cost on the measured device, cross-context\n"
         "data moving through host staging (--contexts each: every device its own context,\n"
         "as devices of different platforms or GPUs opened one by one; --contexts ranks:\n"
         "every device in a process of its own with its own host thread, as the MPI ranks\n"
         "of mpirun -np N, messages costed as the staging read and write around them;\n"
         "default one).\n"
         "  --replicas R       data parallel: R replicas of the split of N/R devices, each a\n"
         "                     row block of the batch, the gradients summed through the host\n"
         "                     (the same table measures them: R replicas on the one device;\n"
         "                     --measure-replicas R' < R: as R' replicas where R copies of\n"
         "                     the model do not fit it, the products at R's rows replayed);\n"
         "                     with --contexts ranks each rank reads its piece, waits for the\n"
         "                     last rank's read and writes the sum back (the MPI collective's\n"
         "                     own seconds are not costed: ranks on one host, shared memory)\n"
         "  --micro-batches M [--schedule fill-drain|1f1b]  the split micro-batched: the batch\n"
         "                     cut into M row blocks flowing through the stages in turn\n"
         "  --cost FILE        a cost table measured before (on another machine too)\n"
         "  --measure-on SPEC  measure the table now on this one device (default cpu/1x1,\n"
         "                     one 1-CU sub-device, the device of a cpu/2 pipeline's stage)\n"
         "  --save-cost FILE   write the table used\n"
         "  --memory-gib G     each modelled device has G GiB of global memory (default: the\n"
         "                     measured device's; a split that does not fit is refused)\n"
         "  --link-gbs G --link-us U  every host transfer (staging read or write) costs U us\n"
         "                     + bytes / G GB/s instead of the measured link (another\n"
         "                     machine's PCIe or network: bench transfer measures one)\n"
         "Prints the predicted step, the speedup over the one-device step predicted from the\n"
         "same table, and the critical path. --out DIR writes run.json, cost.tsv and the\n"
         "predicted timeline (timeline-predicted.tsv, the TSV of a measured timeline:\n"
         "s2sbench plot draws both).\n");
  s2s_args_config_help();
}

typedef struct predict_opts {
  step_bench o;
  long ndev;
  const char *cost, *measure_on, *save_cost, *contexts;
  double link_us, link_gbs; /* a given host link (0: the table's) */
  double memory_gib;        /* the modelled devices' global memory (0: the table's) */
} predict_opts;

static int parse(predict_opts *p, int argc, char **argv) {
  step_bench *o = &p->o;
  s2s_config_preset(&o->cfg, "small");
  o->trials = 3, o->warmup = 1, o->gemm_reps = 1, o->replicas = 1, o->micro_batches = 1;
  p->ndev = 2, p->measure_on = "cpu/1x1", p->contexts = "one";
  s2s_args c;
  s2s_args_init(&c, "predict", argc, argv);
  while (s2s_args_next(&c)) {
    const int r = s2s_args_config(&c, &o->cfg);
    if (r < 0) return 2;
    if (r > 0) continue;
    if (s2s_args_is(&c, "--help") || s2s_args_is(&c, "-h")) return help(), 1;
    else if (s2s_args_is(&c, "--devices")) { if (s2s_args_long(&c, 1, S2S_MAX_DEVICES, &p->ndev)) return 2; }
    else if (s2s_args_is(&c, "--split")) { if (!(o->split = s2s_args_value(&c))) return 2; }
    else if (s2s_args_is(&c, "--replicas")) { if (s2s_args_long(&c, 1, S2S_MAX_REPLICAS, &o->replicas)) return 2; }
    else if (s2s_args_is(&c, "--measure-replicas")) { if (s2s_args_long(&c, 2, S2S_MAX_REPLICAS, &o->measure_replicas)) return 2; }
    else if (s2s_args_is(&c, "--micro-batches")) { if (s2s_args_long(&c, 1, S2S_MAX_MICRO, &o->micro_batches)) return 2; }
    else if (s2s_args_is(&c, "--schedule")) {
      const char *v = s2s_args_value(&c);
      if (!v) return 2;
      if ((o->schedule = s2s_schedule_parse(v)) < 0) {
        fprintf(stderr, "s2sbench predict: --schedule takes fill-drain or 1f1b, not '%s'\n", v);
        return 2;
      }
    }
    else if (s2s_args_is(&c, "--contexts")) { if (!(p->contexts = s2s_args_value(&c))) return 2; }
    else if (s2s_args_is(&c, "--cost")) { if (!(p->cost = s2s_args_value(&c))) return 2; }
    else if (s2s_args_is(&c, "--measure-on")) { if (!(p->measure_on = s2s_args_value(&c))) return 2; }
    else if (s2s_args_is(&c, "--save-cost")) { if (!(p->save_cost = s2s_args_value(&c))) return 2; }
    else if (s2s_args_is(&c, "--out")) { if (!(o->out_dir = s2s_args_value(&c))) return 2; }
    else if (s2s_args_is(&c, "--len")) { if (s2s_args_long(&c, 1, 1000, &o->len)) return 2; }
    else if (s2s_args_is(&c, "--trials")) { if (s2s_args_long(&c, 1, 1000, &o->trials)) return 2; }
    else if (s2s_args_is(&c, "--link-us")) { if (s2s_args_double(&c, 0, 1e7, &p->link_us)) return 2; }
    else if (s2s_args_is(&c, "--memory-gib")) { if (s2s_args_double(&c, 0.001, 1e6, &p->memory_gib)) return 2; }
    else if (s2s_args_is(&c, "--link-gbs")) { if (s2s_args_double(&c, 1e-6, 1e6, &p->link_gbs)) return 2; }
    else return s2s_args_unknown(&c);
  }
  char err[256];
  if (s2s_config_check(&o->cfg, err, sizeof err) != 0) {
    fprintf(stderr, "s2sbench predict: %s\n", err);
    return 2;
  }
  if (strcmp(p->contexts, "one") && strcmp(p->contexts, "each") && strcmp(p->contexts, "ranks")) {
    fprintf(stderr, "s2sbench predict: --contexts takes one, each or ranks, not '%s'\n",
            p->contexts);
    return 2;
  }
  if (!o->len) o->len = o->cfg.max_len < 30 ? o->cfg.max_len : 30;
  if (o->len > o->cfg.max_len) {
    fprintf(stderr, "s2sbench predict: --len %ld exceeds --max-len %d\n", o->len, o->cfg.max_len);
    return 2;
  }
  return 0;
}

/* The paper's measurement, for a prediction of its own layout (results/FACTS.md: one GPU
 * about 1,700 words/s, eight GPUs 6,300 words/s, 3.7x). */
#define PAPER_SPEEDUP 3.7
static int is_paper_layout(const s2s_config *c, int ndev, const char *split) {
  s2s_config p;
  s2s_config_preset(&p, "paper");
  if (ndev != 8 || c->layers != p.layers || c->hidden != p.hidden || c->embed != p.embed ||
      c->src_vocab != p.src_vocab || c->tgt_vocab != p.tgt_vocab || c->batch != p.batch)
    return 0;
  s2s_split d; /* the default for 8 devices is the paper's 4 + 4 */
  char want[256];
  s2s_split_default(&d, ndev, c);
  s2s_split_format(&d, want, sizeof want);
  return !strcmp(split, want);
}

/* The measured samples' spread (cost_table.h), said before the prediction that inherits
 * it, and recorded. */
#define SPREAD_MIN_S 1e-5 /* shorter ones are timer noise; the share weighs by seconds */
#define SPREAD_RATIO 1.25

static void print_spread(const s2s_cost_table *t) {
  s2s_cost_spread sp;
  s2s_cost_table_spread(t, SPREAD_MIN_S, SPREAD_RATIO, &sp);
  printf("predict: %zu of %zu costs measured more than once (medians over 10 us) spread over "
         "%.2fx, holding %.0f %% of the measured seconds", sp.wide, sp.considered, SPREAD_RATIO,
         100 * sp.wide_share);
  const s2s_cost_entry *e = sp.heaviest;
  if (e && e->key.op == S2S_OP_GEMM)
    printf("; the most: gemm %dx%dx%d %c%c, %zu samples %.3g-%.3g ms", e->key.m, e->key.n,
           e->key.k, e->key.ta, e->key.tb, e->ns, 1e3 * e->samples[0], 1e3 * e->samples[e->ns - 1]);
  else if (e)
    printf("; the most: %s (%zu elements), %zu samples %.3g-%.3g ms", e->key.what,
           (size_t)e->key.elems, e->ns, 1e3 * e->samples[0], 1e3 * e->samples[e->ns - 1]);
  printf("\n");
}

static void spread_json(const s2s_cost_table *t, s2s_json *j) {
  s2s_cost_spread sp;
  s2s_cost_table_spread(t, SPREAD_MIN_S, SPREAD_RATIO, &sp);
  s2s_json_object(j, "cost_spread");
  s2s_json_num(j, "ratio", SPREAD_RATIO);
  s2s_json_int(j, "considered", (long long)sp.considered);
  s2s_json_int(j, "wide", (long long)sp.wide);
  s2s_json_num(j, "wide_share", sp.wide_share);
  if (sp.heaviest) {
    const s2s_cost_entry *e = sp.heaviest;
    s2s_json_str(j, "heaviest", e->key.what);
    s2s_json_int(j, "m", e->key.m), s2s_json_int(j, "n", e->key.n), s2s_json_int(j, "k", e->key.k);
    s2s_json_int(j, "samples", (long long)e->ns);
    s2s_json_num(j, "min_s", e->samples[0]);
    s2s_json_num(j, "max_s", e->samples[e->ns - 1]);
  }
  s2s_json_close(j, '}');
}

static int write_run(const predict_opts *p, const s2s_prediction *pr, const char *split,
                     const s2s_cost_table *t, int argc, char **argv) {
  char path[4200];
  snprintf(path, sizeof path, "%s/run.json", p->o.out_dir);
  s2s_atomic_file a;
  if (s2s_atomic_open(&a, path) != 0) return -1;
  s2s_json j;
  s2s_json_begin(&j, a.f);
  s2s_run_record_meta(&j, "predict", argc, argv, NULL, 0);
  s2s_run_record_config(&j, &p->o.cfg);
  s2s_json_str(&j, "split", split);
  s2s_json_int(&j, "replicas", p->o.replicas); /* data parallel: copies of the split */
  if (p->o.measure_replicas) s2s_json_int(&j, "measure_replicas", p->o.measure_replicas);
  s2s_json_int(&j, "micro_batches", p->o.micro_batches);
  if (p->o.micro_batches > 1) s2s_json_str(&j, "schedule", s2s_schedule_name(p->o.schedule));
  s2s_json_str(&j, "cost_table_device", t->device);
  if (!p->cost) spread_json(t, &j); /* a table from a file has one sample per row */
  s2s_json_object(&j, "summary");
  s2s_json_int(&j, "devices", (int)p->ndev);
  s2s_json_str(&j, "contexts", p->contexts);
  s2s_json_int(&j, "words_per_sentence", (int)p->o.len);
  s2s_prediction_json(pr, &j);
  if (is_paper_layout(&p->o.cfg, (int)p->ndev, split)) s2s_json_num(&j, "paper_speedup", PAPER_SPEEDUP);
  s2s_json_close(&j, '}');
  s2s_json_end(&j);
  return s2s_atomic_commit(&a);
}

int s2s_predict_main(int argc, char **argv) {
  predict_opts p = {0};
  const int r = parse(&p, argc, argv);
  if (r) return r == 1 ? 0 : r;
  const int n = (int)p.ndev, reps = (int)p.o.replicas;
  const s2s_parallel par = {.replicas = reps, .micro_batches = (int)p.o.micro_batches,
                            .schedule = p.o.schedule};
  if (reps > 1 && par.micro_batches > 1) {
    fprintf(stderr, "s2sbench predict: --replicas with --micro-batches is not supported yet\n");
    return 2;
  }
  s2s_split split;
  char err[256], splitbuf[256];
  if (n % reps) {
    fprintf(stderr, "s2sbench predict: --replicas %d: %d devices do not cut into %d replicas of "
            "the same size\n", reps, n, reps);
    return 2;
  }
  if (p.o.measure_replicas && (p.o.measure_replicas >= reps || p.cost)) {
    fprintf(stderr, "s2sbench predict: --measure-replicas %ld measures fewer replicas than "
            "--replicas (%d), and not with --cost (a table measured before)\n",
            p.o.measure_replicas, reps);
    return 2;
  }
  if (p.o.split ? s2s_split_parse(&split, p.o.split, n / reps, &p.o.cfg, err, sizeof err)
                : (s2s_split_default(&split, n / reps, &p.o.cfg), 0)) {
    fprintf(stderr, "s2sbench predict: --split: %s\n", err);
    return 2;
  }
  s2s_split_format(&split, splitbuf, sizeof splitbuf);
  int context[S2S_MAX_DEVICES], host[S2S_MAX_DEVICES];
  const int ranks = !strcmp(p.contexts, "ranks");
  for (int d = 0; d < n; d++) context[d] = strcmp(p.contexts, "one") ? d : 0, host[d] = d;
  s2s_cost_table t;
  s2s_cost_table_init(&t);
  s2s_device_info info;
  memset(&info, 0, sizeof info);
  int rc = 1;
  if (p.cost) {
    if (s2s_cost_table_load(&t, p.cost) != 0) goto out;
  } else {
    s2s_device *devs = NULL;
    int nd = 0;
    const int opened = s2s_run_open_devices("predict", "--measure-on", p.measure_on, &devs, &nd);
    if (opened != 0) {
      rc = S2S_DEVICE_EXIT(opened);
      goto out;
    }
    printf("predict: measuring the costs on %s (%s)\n", p.measure_on, devs[0].info.name);
    const int m = s2s_predict_measure(&p.o, &devs[0], &split, n, &par, context, NULL, &t);
    info = devs[0].info;
    s2s_device_close(devs, nd);
    if (m != 0) goto out;
    print_spread(&t);
  }
  if (p.link_gbs > 0) { /* every host transfer over the link given */
    t.link_latency_s = 1e-6 * p.link_us;
    t.link_bytes_per_s = 1e9 * p.link_gbs;
  } else if (p.link_us > 0) {
    fprintf(stderr, "s2sbench predict: --link-us needs --link-gbs too\n");
    rc = 2;
    goto out;
  }
  if (!info.name[0]) { /* a table from a file: devices like the one it was measured on */
    snprintf(info.name, sizeof info.name, "%s", t.device);
    info.global_mem = t.global_mem, info.max_alloc = t.max_alloc;
  }
  if (p.memory_gib > 0) { /* devices of another memory size (a GPU's) */
    info.global_mem = (unsigned long long)(p.memory_gib * 1073741824.0);
    if (!info.max_alloc || info.max_alloc > info.global_mem) info.max_alloc = info.global_mem;
  }
  s2s_device_info infos[S2S_MAX_DEVICES];
  for (int d = 0; d < n; d++) infos[d] = info;
  char tl[4200], cost[4200];
  if (p.o.out_dir) {
    if (s2s_mkdirs(p.o.out_dir) != 0) goto out;
    snprintf(tl, sizeof tl, "%s/timeline-predicted.tsv", p.o.out_dir);
    snprintf(cost, sizeof cost, "%s/cost.tsv", p.o.out_dir);
  }
  s2s_prediction pr;
  if (s2s_predict_split(&t, &p.o.cfg, (int)p.o.len, infos, n, &par, context, ranks ? host : NULL, &split,
                        p.o.out_dir ? tl : NULL, &pr) != 0) {
    fprintf(stderr, "s2sbench predict: the prediction failed\n");
    goto out;
  }
  if (reps > 1) printf("predict: data parallel, %d replicas of %d device%s each\n", reps,
                       n / reps, n / reps > 1 ? "s" : "");
  if (par.micro_batches > 1)
    printf("predict: the split micro-batched, %d micro-batches, %s\n", par.micro_batches,
           s2s_schedule_name(par.schedule));
  printf("predict: %d devices of '%s', split %s, %s, batch %d, %ld + %ld tokens\n", n,
         t.device, splitbuf, ranks ? "a process (MPI rank) each" : strcmp(p.contexts, "one")
         ? "a context each" : "one context", p.o.cfg.batch, p.o.len, p.o.len + 1);
  s2s_prediction_print(&pr, stdout);
  if (is_paper_layout(&p.o.cfg, n, splitbuf))
    printf("  the paper's 8 GPUs (Sutskever et al. 2014): %.1fx measured (6,300 words/s against "
           "about 1,700 on one GPU); predicted here %.2fx from the costs of '%s'\n",
           PAPER_SPEEDUP, pr.speedup, t.device);
  rc = 0;
  if (p.save_cost && s2s_cost_table_save(&t, p.save_cost) != 0) rc = 1;
  if (p.o.out_dir && (s2s_cost_table_save(&t, cost) != 0 ||
                      write_run(&p, &pr, splitbuf, &t, argc, argv) != 0))
    rc = 1;
  s2s_prediction_free(&pr);
out:
  s2s_cost_table_free(&t);
  return rc;
}

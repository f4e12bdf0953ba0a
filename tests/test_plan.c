/* The step as a plan (plan/plan.h, step/train_step.h): the plan built dry on described
 * devices is the sequence of commands a real step gives its devices, node for node (op,
 * device, name, shape, dependency), on one device, on two sub-devices of one context and
 * on two contexts; its GEMM FLOP equal the step's FLOP formula; every cross-device
 * dependency points back to a marker or a staging read of another device; a recorded plan
 * with a timeline gives every device command its measured interval; two data-parallel
 * replicas as MPI ranks (a host thread each) sum their gradients only once both have read
 * theirs. */
#include <string.h>

/* test_pipeline_util.h's run and compare are for the pipeline tests */
#pragma GCC diagnostic ignored "-Wunused-function"

#include "cl/timeline.h"
#include "plan/simulate.h"
#include "test_pipeline_util.h"

static int parse_split(const char *spec, int n, const s2s_config *c, s2s_split *sp) {
  char err[256];
  if (!spec) return s2s_split_default(sp, n, c), 0;
  if (s2s_split_parse(sp, spec, n, c, err, sizeof err) != 0) {
    fprintf(stderr, "split '%s': %s\n", spec, err);
    return -1;
  }
  return 0;
}

/* The plan of one real step (update on) on devs, with a timeline; nodes keep their rows. */
static int recorded(s2s_device *devs, int n, const s2s_split *sp, const s2s_config *c,
                    s2s_plan *out, s2s_timeline *tl) {
  s2s_param_layout lay;
  s2s_params_layout(&lay, c);
  float *p = malloc(lay.total * sizeof *p);
  s2s_params_init(p, &lay, c, 7);
  s2s_train_step st;
  s2s_batch b;
  s2s_batch_alloc(&b, c->batch, c->max_len, c->max_len + 1);
  make_batch(&b, 0);
  int rc = s2s_train_step_init(&st, devs, n, sp, c) || s2s_train_step_set_params(&st, p);
  s2s_plan_init(out, n);
  s2s_timeline_init(tl, devs, n);
  if (!rc) {
    s2s_step_result r;
    s2s_train_step_record(&st, out);
    s2s_timeline_capture(tl);
    rc = s2s_train_step_run(&st, &b, 0.5f, 1, &r);
    s2s_timeline_capture(NULL);
    s2s_train_step_record(&st, NULL);
    if (!rc) rc = s2s_timeline_finish(tl, NULL);
  }
  s2s_train_step_free(&st);
  s2s_batch_free(&b);
  free(p);
  return rc;
}

static int same_node(const s2s_plan_node *a, const s2s_plan_node *b) {
  return a->op == b->op && a->dev == b->dev && !strcmp(a->what, b->what) && a->m == b->m &&
         a->n == b->n && a->k == b->k && a->ta == b->ta && a->tb == b->tb &&
         a->elems == b->elems && a->dep == b->dep && a->blocking == b->blocking;
}

static void check_plan(const char *spec, const char *split, const int *context) {
  s2s_config c = test_config();
  int n = 0;
  s2s_device *devs = s2s_test_device_open(spec, &n);
  s2s_split sp;
  if (!devs || parse_split(split, n, &c, &sp) != 0) {
    T_CHECK(0, "%s: devices and split", spec);
    return;
  }
  s2s_device_info info[S2S_MAX_DEVICES];
  for (int d = 0; d < n; d++) info[d] = devs[d].info;
  s2s_plan dry, wet;
  s2s_timeline tl;
  T_CHECK(s2s_train_step_plan(info, n, context, &sp, &c, c.batch, 5, 6, &dry) == 0,
          "%s: dry plan", spec);
  T_CHECK(recorded(devs, n, &sp, &c, &wet, &tl) == 0, "%s: recorded plan", spec);
  T_CHECK(dry.n == wet.n && dry.n > 0, "%s: %zu nodes dry, %zu recorded", spec, dry.n, wet.n);
  size_t first_diff = dry.n;
  for (size_t i = 0; i < dry.n && i < wet.n && first_diff == dry.n; i++)
    if (!same_node(&dry.node[i], &wet.node[i])) first_diff = i;
  if (first_diff < dry.n && first_diff < wet.n)
    printf("  first difference at node %zu: dry %s %s dev %d dep %d, recorded %s %s dev %d dep %d\n",
           first_diff, s2s_op_name(dry.node[first_diff].op), dry.node[first_diff].what,
           dry.node[first_diff].dev, dry.node[first_diff].dep, s2s_op_name(wet.node[first_diff].op),
           wet.node[first_diff].what, wet.node[first_diff].dev, wet.node[first_diff].dep);
  T_CHECK(first_diff == dry.n, "%s: dry and recorded plans agree node for node", spec);
  /* FLOP: the plan's GEMMs against the formula of train_step.h (a full batch) */
  s2s_batch b = {.B = c.batch, .T_src = 5, .T_tgt = 6};
  double flops = 0;
  size_t deps = 0, rows = 0, device_nodes = 0;
  for (size_t i = 0; i < dry.n; i++) {
    const s2s_plan_node *x = &dry.node[i];
    flops += x->flops;
    if (x->dep >= 0) {
      deps++;
      const s2s_plan_node *y = &dry.node[x->dep];
      T_CHECK((size_t)x->dep < i && y->dev != x->dev &&
                  (y->op == S2S_OP_MARKER || y->op == S2S_OP_READ),
              "%s: node %zu (%s) waits for node %d (%s on device %d)", spec, i, x->what, x->dep,
              y->what, y->dev);
    }
  }
  for (size_t i = 0; i < wet.n; i++) {
    const s2s_plan_node *x = &wet.node[i];
    if (x->op == S2S_OP_MARKER || x->op == S2S_OP_BARRIER || x->op == S2S_OP_HOST_WAIT) continue;
    device_nodes++;
    if (x->ref >= 0 && tl.ev[x->ref].end_s > tl.ev[x->ref].start_s &&
        tl.ev[x->ref].device == x->dev)
      rows++;
  }
  const double want = s2s_train_step_flops(&c, &b);
  T_CHECK(fabs(flops - want) <= 1e-9 * want, "%s: plan GEMM FLOP %.0f, formula %.0f", spec, flops,
          want);
  T_CHECK(n == 1 ? deps == 0 : deps > 0, "%s: %zu cross-device dependencies", spec, deps);
  T_CHECK(rows == device_nodes, "%s: %zu of %zu device commands have a measured interval", spec,
          rows, device_nodes);
  printf("%s (%s): %zu nodes, %zu cross-device dependencies, %.0f FLOP\n", spec,
         split ? split : "default split", dry.n, deps, flops);
  s2s_plan_free(&dry);
  s2s_plan_free(&wet);
  s2s_timeline_free(&tl);
  s2s_device_close(devs, n);
}

/* Device 0's reads cost 1 s, every other command 1 us: a replica on device 1 must still
 * wait for each of them before it writes back that piece's sum (without the all-reduce's
 * waits its own host thread would write at once). */
static double slow_reads(void *ctx, const s2s_plan_node *n) {
  (void)ctx;
  if (n->op == S2S_OP_MARKER || n->op == S2S_OP_BARRIER || n->op == S2S_OP_HOST_WAIT) return 0;
  return n->op == S2S_OP_READ && n->dev == 0 ? 1.0 : 1e-6;
}

static void check_ranks_allreduce(const s2s_device_info *info0) {
  s2s_config c = test_config();
  s2s_device_info info[2] = {*info0, *info0};
  static const int context[2] = {0, 1}, host[2] = {0, 1};
  const s2s_parallel par = {.replicas = 2, .micro_batches = 1};
  s2s_split sp;
  s2s_split_default(&sp, 1, &c);
  s2s_plan p;
  if (s2s_train_step_plan_parallel(info, 2, &par, context, &sp, &c, c.batch, 5, 6, &p) != 0) {
    T_CHECK(0, "ranks: the dry plan of 2 replicas");
    return;
  }
  s2s_sim_costs costs = {slow_reads, NULL, NULL, host};
  s2s_sim_result r;
  T_CHECK(s2s_simulate(&p, &costs, &r) == 0, "ranks: the plan simulates");
  size_t waits = 0, early = 0;
  double waited = 0;
  for (size_t i = 0; i < p.n; i++) {
    const s2s_plan_node *w = &p.node[i];
    if (w->op != S2S_OP_HOST_WAIT || strcmp(w->what, "all-reduce")) continue;
    waits++;
    if (w->dev != 1) continue;
    const double ready = p.node[w->dep].end_s; /* device 0's read of the same piece */
    waited = ready > waited ? ready : waited;
    for (size_t k = i + 1; k < p.n; k++) /* replica 1's next command on its device */
      if (p.node[k].dev == 1 && p.node[k].op != S2S_OP_HOST_WAIT) {
        early += p.node[k].start_s < ready;
        break;
      }
  }
  T_CHECK(waits > 0 && waits % 2 == 0, "ranks: %zu all-reduce waits (one per replica a piece)",
          waits);
  T_CHECK(waited > 1 && early == 0, "ranks: replica 1 writes back each sum after replica 0's "
          "read of it (the last at %.3f s; %zu too early)", waited, early);
  s2s_sim_result_free(&r);
  s2s_plan_free(&p);
}

int main(void) {
  int n = 0;
  s2s_device *one = s2s_test_device(&n); /* exits 77 without any OpenCL device */
  check_ranks_allreduce(&one[0].info);
  s2s_device_close(one, n);
  check_plan("cpu/1", NULL, NULL);
  check_plan("cpu/2", "layers=0,0,1;softmax=1", NULL);
  static const int two_contexts[] = {0, 1};
  check_plan("cpu/1x1,cpu/1x1", "layers=0,1,1;softmax=0,1", two_contexts);
  return s2s_test_finish("test_plan");
}

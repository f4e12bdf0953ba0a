/* The simulator (plan/simulate.h) on hand-built plans with exact answers: queue order on
 * one device, a cross-device dependency, the wavefront of two devices over four steps
 * ((4 + 1) steps of time), a host wait that holds back an independent device (one host
 * thread) and does not with a host thread per device (MPI ranks), host enqueue time adding up,
 * host work holding the host, the critical path adding up to the step, refused
 * dependencies; and the cost table (profile/cost_table.h): measured plans in, exact and
 * scaled lookups, the link model, the file round trip and malformed files refused. */
#include <stdint.h>
#include <unistd.h>

#include "plan/simulate.h"
#include "profile/cost_table.h"
#include "test_util.h"

static int dev_of(void *ctx, const void *handle) {
  (void)ctx;
  return (int)(intptr_t)handle - 1;
}
#define DEV(d) ((const void *)(intptr_t)((d) + 1))

/* every node: `unit` seconds of device work (markers and barriers none), host `host` each */
static double unit = 1.0, host = 0.0;
static double dev_s(void *ctx, const s2s_plan_node *n) {
  (void)ctx;
  return n->op == S2S_OP_MARKER || n->op == S2S_OP_BARRIER || n->op == S2S_OP_HOST_WAIT ? 0 : unit;
}
static double host_s(void *ctx, const s2s_plan_node *n) {
  (void)ctx, (void)n;
  return host;
}
static const s2s_sim_costs costs = {dev_s, host_s, NULL, NULL};

static double sim(s2s_plan *p, s2s_sim_result *r) {
  memset(r, 0, sizeof *r);
  const int rc = s2s_simulate(p, &costs, r);
  return rc == 0 ? r->step_s : -1;
}

static void path_adds_up(const s2s_sim_result *r, const char *what) {
  double sum = r->path_host_s;
  for (int o = 0; o < S2S_OP_KINDS; o++) sum += r->path_op_s[o];
  T_CHECK(s2s_close(sum, r->step_s, 1e-12, 1e-12), "%s: critical path %.3f s of %.3f", what, sum,
          r->step_s);
}

static void test_schedules(void) {
  s2s_plan p;
  s2s_sim_result r;
  /* (a) three kernels on one queue */
  s2s_plan_init(&p, 1);
  s2s_plan_capture(&p, dev_of, NULL);
  for (int i = 0; i < 3; i++) s2s_plan_add(DEV(0), S2S_OP_KERNEL, "k", 8, -1, 0);
  T_CHECK(sim(&p, &r) == 3.0, "one queue: %.3f s", r.step_s);
  T_CHECK(r.ncritical == 3 && r.busy_s[0] == 3.0, "one queue: path %zu, busy %.1f", r.ncritical,
          r.busy_s[0]);
  s2s_sim_result_free(&r);
  /* (b) device 1 waits on device 0's marker */
  s2s_plan_clear(&p);
  p.ndev = 2;
  s2s_plan_add(DEV(0), S2S_OP_KERNEL, "k", 8, -1, 0);
  const long m = s2s_plan_add(DEV(0), S2S_OP_MARKER, NULL, 0, -1, 0);
  s2s_plan_add(DEV(1), S2S_OP_BARRIER, NULL, 0, (int)m, 0);
  s2s_plan_add(DEV(1), S2S_OP_KERNEL, "k", 8, -1, 0);
  T_CHECK(sim(&p, &r) == 2.0 && p.node[3].start_s == 1.0, "dependency: %.3f s, start %.3f",
          r.step_s, p.node[3].start_s);
  T_CHECK(r.idle[0] == 0.5 && r.idle[1] == 0.5, "dependency: idle %.2f %.2f (want 0.5 0.5)",
          r.idle[0], r.idle[1]);
  s2s_sim_result_free(&r);
  /* (c) the wavefront: device 1's step t after device 0's step t, four steps: 5 units */
  s2s_plan_clear(&p);
  for (int t = 0; t < 4; t++) {
    s2s_plan_add(DEV(0), S2S_OP_GEMM, "gemm", 0, -1, 0);
    const long mk = s2s_plan_add(DEV(0), S2S_OP_MARKER, NULL, 0, -1, 0);
    s2s_plan_add(DEV(1), S2S_OP_BARRIER, NULL, 0, (int)mk, 0);
    s2s_plan_add(DEV(1), S2S_OP_GEMM, "gemm", 0, -1, 0);
  }
  T_CHECK(sim(&p, &r) == 5.0, "wavefront: %.3f s (want 5)", r.step_s);
  T_CHECK(r.path_op_s[S2S_OP_GEMM] == 5.0, "wavefront: the path's GEMMs %.3f s",
          r.path_op_s[S2S_OP_GEMM]);
  int devs_on_path[2] = {0, 0};
  for (size_t i = 0; i < r.ncritical; i++) devs_on_path[p.node[r.critical[i]].dev] = 1;
  T_CHECK(devs_on_path[0] && devs_on_path[1], "wavefront: the path crosses both devices");
  path_adds_up(&r, "wavefront");
  s2s_sim_result_free(&r);
  /* (d) one host thread: a host wait for device 0's read holds back device 1's kernel */
  s2s_plan_clear(&p);
  for (int i = 0; i < 3; i++) s2s_plan_add(DEV(0), S2S_OP_KERNEL, "k", 8, -1, 0);
  const long rd = s2s_plan_add(DEV(0), S2S_OP_READ, "staging read", 8, -1, 0);
  s2s_plan_add(DEV(1), S2S_OP_HOST_WAIT, "staging read", 8, (int)rd, 1);
  s2s_plan_add(DEV(1), S2S_OP_WRITE, "staging write", 8, -1, 0);
  s2s_plan_add(DEV(1), S2S_OP_KERNEL, "k", 8, -1, 0);
  T_CHECK(sim(&p, &r) == 6.0 && p.node[6].start_s == 5.0,
          "host wait: %.3f s, kernel after it at %.3f (want 6, 5)", r.step_s, p.node[6].start_s);
  T_CHECK(r.host_blocked_s == 4.0, "host wait: blocked %.3f s", r.host_blocked_s);
  path_adds_up(&r, "host wait");
  s2s_sim_result_free(&r);
  /* (d2) the same wait with three kernels of device 2 after it: one host thread starts them
   * after the wait (at 4, step 7); a host thread per device (MPI ranks) at once (step 6) */
  s2s_plan_clear(&p);
  p.ndev = 3;
  for (int i = 0; i < 3; i++) s2s_plan_add(DEV(0), S2S_OP_KERNEL, "k", 8, -1, 0);
  const long rd2 = s2s_plan_add(DEV(0), S2S_OP_READ, "staging read", 8, -1, 0);
  s2s_plan_add(DEV(1), S2S_OP_HOST_WAIT, "staging read", 8, (int)rd2, 1);
  s2s_plan_add(DEV(1), S2S_OP_WRITE, "staging write", 8, -1, 0);
  s2s_plan_add(DEV(1), S2S_OP_KERNEL, "k", 8, -1, 0);
  for (int i = 0; i < 3; i++) s2s_plan_add(DEV(2), S2S_OP_KERNEL, "k", 8, -1, 0);
  T_CHECK(sim(&p, &r) == 7.0 && p.node[7].start_s == 4.0,
          "one host: %.3f s, device 2 starts at %.3f (want 7, 4)", r.step_s, p.node[7].start_s);
  s2s_sim_result_free(&r);
  const int per_dev[3] = {0, 1, 2};
  s2s_sim_costs ranks = costs;
  ranks.host = per_dev;
  memset(&r, 0, sizeof r);
  T_CHECK(s2s_simulate(&p, &ranks, &r) == 0 && r.step_s == 6.0 && p.node[7].start_s == 0.0 &&
              p.node[6].start_s == 5.0 && r.host_blocked_s == 4.0,
          "a host per device: %.3f s, device 2 starts at %.3f, device 1's kernel at %.3f, "
          "blocked %.3f (want 6, 0, 5, 4)", r.step_s, p.node[7].start_s, p.node[6].start_s,
          r.host_blocked_s);
  path_adds_up(&r, "a host per device");
  s2s_sim_result_free(&r);
  const int bad_host[3] = {0, 1, S2S_SIM_MAX_DEVICES};
  ranks.host = bad_host;
  T_CHECK(s2s_simulate(&p, &ranks, &r) < 0, "a host thread out of range is refused");
  s2s_sim_result_free(&r);
  p.ndev = 2;
  /* (e) host enqueue time adds up where the device is free */
  s2s_plan_clear(&p);
  unit = 0, host = 0.25;
  for (int i = 0; i < 4; i++) s2s_plan_add(DEV(0), S2S_OP_KERNEL, "k", 8, -1, 0);
  T_CHECK(sim(&p, &r) == 1.0 && r.host_enqueue_s == 1.0, "host bound: %.3f s", r.step_s);
  T_CHECK(r.path_host_s == 1.0, "host bound: the path's host time %.3f", r.path_host_s);
  s2s_sim_result_free(&r);
  unit = 1, host = 0;
  /* (e2) host work (the all-reduce's adding) after device 0's kernel holds the host: device
   * 1's kernel is enqueued when it ends; it is not device 1's busy time */
  s2s_plan_clear(&p);
  const long k0 = s2s_plan_add(DEV(0), S2S_OP_KERNEL, "k", 8, -1, 0);
  s2s_plan_add(DEV(1), S2S_OP_HOST_WORK, "all-reduce add", 8, (int)k0, 1);
  s2s_plan_add(DEV(1), S2S_OP_KERNEL, "k", 8, -1, 0);
  T_CHECK(sim(&p, &r) == 3.0 && p.node[1].start_s == 1.0 && p.node[2].start_s == 2.0 &&
              r.busy_s[1] == 1.0 && r.host_work_s == 1.0 && r.host_blocked_s == 1.0 &&
              r.path_op_s[S2S_OP_HOST_WORK] == 1.0 && r.ncritical == 3,
          "host work: %.3f s, starts %.3f, next kernel %.3f, busy %.3f, work %.3f, blocked "
          "%.3f, path %zu (want 3, 1, 2, 1, 1, 1, 3)", r.step_s, p.node[1].start_s,
          p.node[2].start_s, r.busy_s[1], r.host_work_s, r.host_blocked_s, r.ncritical);
  path_adds_up(&r, "host work");
  s2s_sim_result_free(&r);
  /* (f) a dependency on itself or a later node, or below -1, and a device out of range */
  const int bad_dep[3] = {3, 1, -2};
  for (int i = 0; i < 3; i++) {
    p.node[1].dep = bad_dep[i];
    T_CHECK(sim(&p, &r) < 0, "dependency %d of node 1 is refused", bad_dep[i]);
    s2s_sim_result_free(&r);
  }
  p.node[1].dep = -1;
  p.node[2].dev = 2;
  T_CHECK(sim(&p, &r) < 0, "device 2 of a 2-device plan is refused");
  s2s_sim_result_free(&r);
  s2s_plan_capture(NULL, NULL, NULL);
  s2s_plan_free(&p);
}

static s2s_plan_node gemm(int m, int n, int k) {
  s2s_plan_node x = {.op = S2S_OP_GEMM, .m = m, .n = n, .k = k, .ta = 'N', .tb = 'N', .dep = -1};
  snprintf(x.what, sizeof x.what, "gemm");
  return x;
}

static void test_cost_table(void) {
  s2s_plan_node nodes[5] = {gemm(64, 1024, 256), gemm(64, 1024, 256),
                            {.op = S2S_OP_KERNEL, .what = "axpy", .elems = 1000, .dep = -1},
                            {.op = S2S_OP_READ, .what = "read", .elems = 1000, .dep = -1},
                            {.op = S2S_OP_READ, .what = "read", .elems = 3000, .dep = -1}};
  /* device seconds; the enqueue gaps: GEMMs 0.125 and 0.25 s, the kernel 0.0625 s */
  const double secs[5] = {1e-3, 3e-3, 2e-5, 1e-4, 2e-4}, issue[5] = {1, 1.125, 1.375, 1.4375, 2};
  for (int i = 0; i < 5; i++)
    nodes[i].start_s = 1.0, nodes[i].end_s = 1.0 + secs[i], nodes[i].issue_s = issue[i];
  nodes[3].blocking = 1; /* the host waited on it: its gap is no enqueue time */
  s2s_plan p = {.ndev = 1, .node = nodes, .n = 5, .cap = 5};
  s2s_cost_table t;
  s2s_cost_table_init(&t);
  snprintf(t.device, sizeof t.device, "test device");
  T_CHECK(s2s_cost_table_add_plan(&t, &p) == 0, "add a measured plan");
  int how = 9;
  s2s_plan_node q = gemm(64, 1024, 256);
  T_CHECK(s2s_close(s2s_cost_device_s(&t, &q, &how), 2e-3, 1e-9, 0) && how == 0,
          "exact GEMM: the median of 1 and 3 ms (how %d)", how);
  q = gemm(128, 1024, 256);
  T_CHECK(s2s_close(s2s_cost_device_s(&t, &q, &how), 4e-3, 1e-9, 0) && how == 1,
          "a GEMM of twice the FLOP, scaled (how %d)", how);
  s2s_plan_node k = {.op = S2S_OP_KERNEL, .what = "axpy", .elems = 3000};
  T_CHECK(s2s_close(s2s_cost_device_s(&t, &k, &how), 6e-5, 1e-9, 0) && how == 1,
          "a kernel of 3x the elements");
  snprintf(k.what, sizeof k.what, "never_measured");
  T_CHECK(s2s_cost_device_s(&t, &k, &how) < 0 && how == -1, "an unknown kernel has no cost");
  T_CHECK(t.host[S2S_OP_GEMM].median == 0.1875 && t.host[S2S_OP_KERNEL].median == 0.0625 &&
              t.host[S2S_OP_READ].count == 0 && s2s_cost_host_s(&t, &nodes[0]) == 0.1875,
          "host enqueue medians %g %g", t.host[S2S_OP_GEMM].median, t.host[S2S_OP_KERNEL].median);
  /* the samples' spread: the GEMM's 1 and 3 ms disagree 3x; the rest have one sample */
  s2s_cost_spread sp;
  s2s_cost_table_spread(&t, 1e-3, 1.25, &sp);
  T_CHECK(sp.considered == 1 && sp.wide == 1 && sp.wide_share == 1.0 && sp.heaviest &&
              sp.heaviest->key.m == 64 && s2s_close(sp.heaviest->samples[0], 1e-3, 1e-9, 0),
          "spread: %zu of %zu wide, share %g", sp.wide, sp.considered, sp.wide_share);
  s2s_cost_table_spread(&t, 1e-3, 4.0, &sp);
  T_CHECK(sp.considered == 1 && sp.wide == 0 && sp.wide_share == 0 && !sp.heaviest,
          "spread: within 4x, none wide");
  s2s_cost_table_spread(&t, 2.5e-3, 1.25, &sp);
  T_CHECK(sp.considered == 0 && !sp.heaviest, "spread: medians under min_s are not considered");
  /* the fitted link: 4000 B in 100 us, 12000 B in 200 us -> 50 us + 12.5 ns/B */
  s2s_plan_node rd = {.op = S2S_OP_READ, .what = "staging read", .elems = 50};
  T_CHECK(s2s_close(s2s_cost_device_s(&t, &rd, &how), 5.25e-5, 1e-9, 0) && how == 2,
          "a read of 200 B from the fitted link: %g s", s2s_cost_device_s(&t, &rd, NULL));
  char path[] = "/tmp/s2s-cost-XXXXXX";
  int fd = mkstemp(path);
  close(fd);
  T_CHECK(s2s_cost_table_save(&t, path) == 0, "save");
  s2s_cost_table u;
  T_CHECK(s2s_cost_table_load(&u, path) == 0, "load");
  q = gemm(64, 1024, 256);
  int same = u.n == t.n && !strcmp(u.device, "test device");
  for (size_t i = 0; same && i < t.n; i++)
    same = s2s_cost_device_s(&u, &t.e[i].key, &how) == t.e[i].median && how == 0 &&
           u.e[i].count == t.e[i].count;
  for (int o = 0; same && o < S2S_OP_KINDS; o++)
    same = u.host[o].median == t.host[o].median && u.host[o].count == t.host[o].count;
  T_CHECK(same, "the loaded table gives the same costs and sample counts");
  T_CHECK(u.e[0].count == 2, "the GEMM's two samples survive the file (%zu)", u.e[0].count);
  s2s_cost_table_spread(&u, 1e-3, 1.25, &sp);
  T_CHECK(sp.considered == 0, "spread: a loaded table has one sample per row");
  s2s_cost_table_free(&u);
  /* a given link costs every host transfer, measured or not: 10 us + 4000 B at 1 GB/s */
  t.link_latency_s = 1e-5, t.link_bytes_per_s = 1e9;
  T_CHECK(s2s_close(s2s_cost_device_s(&t, &nodes[3], &how), 1.4e-5, 1e-9, 0) && how == 2,
          "a read over the given link");
  static const char *const bad[] = {
      "not a cost table\n",
      "# s2sbench cost table v1\ngemm\tgemm\t64\t1024\n",
      "# s2sbench cost table v1\nwarp\tx\t0\t0\t0\t-\t-\t1\t0.1\t1\n",
      "# s2sbench cost table v1\ngemm\tgemm\t64\tlots\t256\tN\tN\t0\t0.1\t1\n",
      "# s2sbench cost table v1\nkernel\taxpy\t0\t0\t0\t-\t-\t10\t-1\t1\n",
      "# s2sbench cost table v1\nkernel\taxpy\t0\t0\t0\t-\t-\t10\t\t1\n",
      "# s2sbench cost table v1\ngemm\tgemm\t64\t8\t8\tX\tN\t0\t0.1\t1\n",
      "# s2sbench cost table v1\nkernel\taxpy\t0\t0\t0\t-\t-\t10\t0.1\t0\n",
      "# s2sbench cost table v1\nkernel\taxpy\t0\t0\t0\t-\t-\t-10\t0.1\t1\n",
      "# s2sbench cost table v1\nkernel\taxpy\t0\t0\t0\t-\t-\t10\t0.1\t1\textra\n",
      "# s2sbench cost table v1\nkernel\taxpy\t0\t0\t0\t-\t-\t10\t1e999\t1\n",
      "# s2sbench cost table v1\nkernel\taxpy\t0\t0\t0\t-\t-\t10\t0.1"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    FILE *f = fopen(path, "w");
    fputs(bad[i], f);
    fclose(f);
    T_CHECK(s2s_cost_table_load(&u, path) == -1, "malformed table %zu refused", i);
  }
  unlink(path);
  s2s_cost_table_free(&t);
}

int main(void) {
  test_schedules();
  test_cost_table();
  return s2s_test_finish("test_simulate");
}

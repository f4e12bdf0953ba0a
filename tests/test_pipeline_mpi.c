/* The pipeline across MPI processes is the single-device step: under mpirun, each rank holds
 * the device of its --devices item and runs only its stages; activations and gradients go
 * as MPI messages. Loss, every gradient group and, after three clipped updates, the
 * parameters equal the single-device step's (rank 0 runs that reference on its own whole
 * CPU device). Run without mpirun (as ctest does), the program starts itself under mpirun
 * for each case: 2 ranks (one 1-CU sub-device each; a split that crosses back and forth
 * with two softmax shards on one rank), 3 ranks (default split and the softmax on its own
 * rank) and PoCL + Intel in two ranks (mixed vendors); and data parallel, each rank one
 * replica (2 and 3 ranks, gradients summed by MPI_Allreduce, parameter checksums compared
 * over the ranks after every update), and the hybrid: 2 replicas of a 2-stage pipeline on
 * 4 ranks (each replica's collectives in its own group, each stage's all-reduce in
 * another); and micro-batches over the ranks' stages, fill-drain and 1F1B. */
#include <stdlib.h>

#include "mpi/world.h"
#include "run/run_record.h"
#include "test_mpi_util.h"
#include "test_pipeline_util.h"

/* One case, inside the MPI world: argv = spec, split ("-" = default), replicas,
 * micro-batches, schedule. */
static int rank_case(const char *spec, const char *split, int replicas, int micro, int schedule) {
  s2s_config c = test_config();
  s2s_device *devs = NULL;
  int n = 0;
  if (s2s_run_open_devices("test_pipeline_mpi", "--devices", spec, &devs, &n) != 0) return 1;
  outcome ref = {0}, o = {0};
  int ok = 1;
  if (s2s_mpi_rank() == 0) { /* the reference, on this rank's own whole CPU */
    int n1;
    s2s_device *one = s2s_test_device_open("cpu", &n1);
    ok = run(one, 1, NULL, &c, &ref) == 0;
    c.clip = ok ? (float)(ref.norm[1] * 0.7) : 1.0f; /* clipping on the updates */
    free(ref.grads), free(ref.params);
    ok = ok && run(one, 1, NULL, &c, &ref) == 0;
    s2s_device_close(one, n1);
  }
  T_CHECK(s2s_mpi_bcast(&c.clip, sizeof c.clip, 0) == 0, "broadcast of the clip");
  T_CHECK(s2s_mpi_max_int(!ok) == 0, "reference run on rank 0");
  char name[160];
  char reps[64] = "";
  if (replicas > 1) snprintf(reps, sizeof reps, ", %d replicas", replicas);
  if (micro > 1)
    snprintf(reps, sizeof reps, ", %d micro-batches %s", micro, s2s_schedule_name(schedule));
  snprintf(name, sizeof name, "mpi %d ranks %s %s%s", s2s_mpi_size(), spec,
           split ? split : "default", reps);
  if (run_with(devs, n, replicas, micro, schedule, split, &c, &o) != 0) {
    T_CHECK(0, "%s: run failed on rank %d", name, s2s_mpi_rank());
  } else if (s2s_mpi_rank() == 0) {
    compare(name, &c, &ref, &o);
    printf("%s: losses %.7f %.7f %.7f %.7f (single device %.7f %.7f %.7f %.7f)\n", name,
           o.loss[0], o.loss[1], o.loss[2], o.loss[3], ref.loss[0], ref.loss[1], ref.loss[2],
           ref.loss[3]);
  }
  for (int d = 0; d < n; d++)
    T_CHECK(devs[d].remote == (d != s2s_mpi_rank()) && devs[d].rank == d,
            "device %d: held by rank %d (remote %d)", d, devs[d].rank, devs[d].remote);
  free(o.grads), free(o.params), free(ref.grads), free(ref.params);
  s2s_device_close(devs, n);
  return s2s_test_finish("test_pipeline_mpi");
}

/* Outside MPI: a case under mpirun; 1 when it failed. */
static int launch_with(int ranks, const char *spec, const char *split, int replicas, int micro,
                       int schedule) {
  char args[600];
  snprintf(args, sizeof args, "'%s' '%s' %d %d %d", spec, split ? split : "-", replicas, micro,
           schedule);
  return s2s_test_mpirun(ranks, args);
}
static int launch_replicas(int ranks, const char *spec, const char *split, int replicas) {
  return launch_with(ranks, spec, split, replicas, 1, 0);
}
static int launch(int ranks, const char *spec, const char *split) {
  return launch_with(ranks, spec, split, 1, 1, 0);
}

int main(int argc, char **argv) {
  setenv("POCL_MAX_PTHREAD_COUNT", "4", 0); /* cpu/1x1 needs CUs; before any OpenCL call */
  if (s2s_mpi_init(&argc, &argv) != 0) return 1;
  if (s2s_mpi_active()) {
    if (argc != 6) return s2s_mpi_finish(2);
    const int rc = rank_case(argv[1], strcmp(argv[2], "-") ? argv[2] : NULL, atoi(argv[3]),
                             atoi(argv[4]), atoi(argv[5]));
    return s2s_mpi_finish(rc);
  }
  launch(2, "cpu/1x1,cpu/1x1", NULL);                          /* layers 0,0,1; shards 0,1 */
  launch(2, "cpu/1x1,cpu/1x1", "layers=1,0,1;softmax=0,1,1");  /* back and forth */
  launch(3, "cpu,cpu,cpu", NULL);
  launch(3, "cpu,cpu,cpu", "layers=0,1,2;softmax=2,0");
  launch(3, "cpu,cpu,cpu", "layers=0,0,0;softmax=1,2");        /* softmax ranks only */
  launch_replicas(2, "cpu/1x1,cpu/1x1", NULL, 2);              /* data parallel */
  launch_replicas(3, "cpu,cpu,cpu", NULL, 3);
  launch_replicas(4, "cpu,cpu,cpu,cpu", NULL, 2);                 /* hybrid: 2 x 2 stages */
  launch_replicas(4, "cpu,cpu,cpu,cpu", "layers=0,1,1;softmax=1,0", 2);
  launch_with(2, "cpu/1x1,cpu/1x1", NULL, 1, 3, S2S_SCHEDULE_FILL_DRAIN); /* micro-batches */
  launch_with(3, "cpu,cpu,cpu", "layers=0,1,2;softmax=2,0", 1, 3, S2S_SCHEDULE_1F1B);
  char specs[8][32], names[8][128], mixed[72];
  int np = s2s_test_cpu_platforms(specs, names, 8), pocl = -1, intel = -1;
  for (int i = 0; i < np; i++) {
    if (strstr(names[i], "Portable Computing Language") && pocl < 0) pocl = i;
    if (strstr(names[i], "Intel") && intel < 0) intel = i;
  }
  if (pocl < 0 || intel < 0) {
    printf("skipping the mixed-vendor MPI case: %s OpenCL CPU platform is absent\n",
           pocl < 0 ? "PoCL's" : "Intel's");
    s2s_test_finish("test_pipeline_mpi");
    return 77;
  }
  snprintf(mixed, sizeof mixed, "%s,%s", specs[pocl], specs[intel]);
  launch(2, mixed, NULL);
  return s2s_test_finish("test_pipeline_mpi");
}

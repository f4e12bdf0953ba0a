/* Metadata common to every results record, so a number can be traced to the machine,
 * libraries, settings and source revision that produced it. */
#include "run/run_record.h"

#include "cl/topology.h"
#include "blas/blas_devices.h"
#include "mpi/world.h"

#include <hwloc.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "s2s_git_commit.h" /* generated at every build: S2S_GIT_COMMIT */
#ifndef S2S_CLBLAST_VERSION
#define S2S_CLBLAST_VERSION "unknown"
#endif
#ifndef S2S_VERSION
#define S2S_VERSION "unknown"
#endif

extern char **environ;

static int full_argc;
static char **full_argv;
static s2s_topology *topo;

void s2s_run_record_argv(int argc, char **argv) {
  full_argc = argc;
  full_argv = argv;
}

void s2s_run_record_topology(void) {
  if (!topo && s2s_topology_load(&topo) != 0) topo = NULL;
}

/* Each rank's host and topology, gathered when the devices open under mpirun, for the
 * "mpi" block of run.json. */
typedef struct rank_world {
  char host[128];
  s2s_topology_summary topo;
  int have_topo;
} rank_world;
static rank_world *world;

static int gather_world(void) {
  rank_world mine;
  memset(&mine, 0, sizeof mine);
  s2s_mpi_host(mine.host, sizeof mine.host);
  if (topo) s2s_topology_summarize(topo, &mine.topo), mine.have_topo = 1;
  free(world);
  world = calloc((size_t)s2s_mpi_size(), sizeof *world);
  return world ? s2s_mpi_allgather(&mine, sizeof mine, world) : -1;
}

static void mpi_json(s2s_json *j, const s2s_device *devs, int ndev) {
  if (!world || !s2s_mpi_active()) return;
  s2s_json_object(j, "mpi");
  s2s_json_int(j, "ranks", s2s_mpi_size());
  s2s_json_str(j, "library", "Open MPI");
  s2s_json_array(j, "per_rank");
  for (int r = 0; r < s2s_mpi_size(); r++) {
    s2s_json_object(j, NULL);
    s2s_json_int(j, "rank", r);
    s2s_json_str(j, "host", world[r].host);
    s2s_json_array(j, "devices");
    for (int d = 0; d < ndev; d++)
      if (devs[d].rank == r) s2s_json_str(j, NULL, devs[d].info.name);
    s2s_json_close(j, ']');
    if (world[r].have_topo) {
      s2s_json_key(j, "topology");
      s2s_topology_json(&world[r].topo, j->f);
    }
    s2s_json_close(j, '}');
  }
  s2s_json_close(j, ']');
  s2s_json_close(j, '}');
}

/* Under mpirun: rank r opens item r; the others are placeholders with the info their rank
 * opened (gathered), so every rank lays out and sizes the same split. */
static int open_rank_device(const char *cmd, const char *flag, const char *spec,
                            s2s_device **devs, int *count) {
  const int rank = s2s_mpi_rank(), size = s2s_mpi_size();
  const int items = s2s_device_spec_items(spec);
  if (items != size) {
    if (rank == 0)
      fprintf(stderr, "s2sbench %s: %s: '%s' has %d item%s, but mpirun started %d ranks (rank "
              "r opens item r: give one item per rank)\n", cmd, flag, spec ? spec : "", items,
              items == 1 ? "" : "s", size);
    return S2S_DEVICE_BAD_SPEC;
  }
  char err[1024];
  s2s_device *mine = NULL;
  int n = 0;
  const int rc = s2s_blas_open_device_item(spec, rank, &mine, &n, err, sizeof err);
  if (rc != 0) fprintf(stderr, "s2sbench %s: %s: rank %d: %s\n", cmd, flag, rank, err);
  const int worst = s2s_mpi_max_int(rc == 0 ? 0 : rc == S2S_DEVICE_BAD_SPEC ? 2 : 1);
  if (worst != 0) {
    if (rc == 0 && rank == 0)
      fprintf(stderr, "s2sbench %s: %s: another rank could not open its device (above)\n", cmd,
              flag);
    s2s_device_close(mine, n);
    return worst == 2 ? S2S_DEVICE_BAD_SPEC : -1;
  }
  s2s_device_info *all = malloc((size_t)size * sizeof *all);
  s2s_device *v = calloc((size_t)size, sizeof *v);
  if (!all || !v || s2s_mpi_allgather(&mine->info, sizeof *all, all) != 0) {
    free(all), free(v);
    s2s_device_close(mine, n);
    return -1;
  }
  for (int r = 0; r < size; r++) {
    if (r == rank) v[r] = mine[0];
    v[r].info = all[r];
    v[r].rank = r;
    v[r].remote = r != rank;
  }
  free(mine); /* its queue and context now belong to v[rank] */
  if (gather_world() != 0) {
    free(all);
    s2s_device_close(v, size);
    return -1;
  }
  free(all);
  *devs = v;
  *count = size;
  return 0;
}

void s2s_run_warn_binding(const char *cmd, const s2s_device *devs, int n) {
  static int warned;
  s2s_topology_summary s;
  if (!topo || warned) return;
  s2s_topology_summarize(topo, &s);
  if (s.process_pus <= 0 || s.process_pus >= s.pus) return;
  unsigned units = 0; /* this process's CPU devices together (sub-devices of one CPU too) */
  int first = -1, count = 0;
  for (int d = 0; d < n; d++)
    if (!devs[d].remote && (devs[d].info.type & CL_DEVICE_TYPE_CPU)) {
      units += devs[d].info.compute_units, count++;
      if (first < 0) first = d;
    }
  if (units <= (unsigned)s.process_pus) return;
  char who[32] = "";
  if (s2s_mpi_active()) snprintf(who, sizeof who, "rank %d: ", s2s_mpi_rank());
  fprintf(stderr, "s2sbench %s: warning: %sthis process may run on PU%s %s only (%d of %d), but "
          "its CPU device%s ('%s'%s) %s %u compute units: they share %s%s\n",
          cmd, who, s.process_pus == 1 ? "" : "s", s.process_cpuset, s.process_pus, s.pus,
          count > 1 ? "s" : "", devs[first].info.name, count > 1 ? ", ..." : "",
          count > 1 ? "have" : "has", units, s.process_pus == 1 ? "it" : "them",
          s2s_mpi_active() ? " (mpirun binds each rank to a core by default; "
                             "mpirun --bind-to none lifts it)" : "");
  warned = 1;
}

int s2s_run_open_devices(const char *cmd, const char *flag, const char *spec, s2s_device **devs,
                         int *count) {
  char err[1024];
  s2s_run_record_topology();
  int rc = s2s_mpi_size() > 1 ? open_rank_device(cmd, flag, spec, devs, count)
                              : s2s_blas_open_devices(spec, devs, count, err, sizeof err);
  if (rc != 0 && s2s_mpi_size() <= 1) fprintf(stderr, "s2sbench %s: %s: %s\n", cmd, flag, err);
  if (rc == 0) s2s_run_warn_binding(cmd, *devs, *count);
  return rc;
}

void s2s_run_record_bind(const s2s_device_info *d) {
  s2s_placement p;
  if (topo && s2s_topology_locate(topo, d, &p) >= 0 && p.by_pci)
    s2s_topology_bind_thread(topo, &p);
}

static void topology_json(s2s_json *j, const s2s_device *devs, int ndev) {
  if (!topo) return;
  s2s_topology_summary sum;
  s2s_topology_summarize(topo, &sum);
  s2s_json_key(j, "topology");
  s2s_topology_json(&sum, j->f);
  s2s_json_array(j, "placement");
  for (int i = 0; i < ndev; i++) {
    s2s_placement p;
    if (s2s_topology_locate(topo, &devs[i].info, &p) < 0) continue;
    s2s_json_key(j, NULL);
    s2s_placement_json(&p, j->f);
  }
  s2s_json_close(j, ']');
}

static void env_vars(s2s_json *j) {
  static const char *const prefixes[] = {"POCL_", "OCL_ICD", "CLBLAST_", "S2S_", "CUDA_VISIBLE",
                                         "OMP_", "HWLOC_"};
  s2s_json_object(j, "environment");
  for (char **e = environ; *e; e++)
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
      if (!strncmp(*e, prefixes[i], strlen(prefixes[i]))) {
        char key[256];
        const char *eq = strchr(*e, '=');
        size_t n = eq ? (size_t)(eq - *e) : strlen(*e);
        if (n >= sizeof key) n = sizeof key - 1;
        memcpy(key, *e, n);
        key[n] = '\0';
        s2s_json_str(j, key, eq ? eq + 1 : "");
        break;
      }
  s2s_json_close(j, '}');
}

void s2s_run_record_meta(s2s_json *j, const char *kind, int argc, char **argv,
                         const s2s_device *devs, int ndev) {
  s2s_json_int(j, "schema_version", S2S_RESULTS_SCHEMA);
  s2s_json_str(j, "kind", kind);
  s2s_json_array(j, "command");
  if (full_argv) argc = full_argc, argv = full_argv;
  for (int i = 0; i < argc; i++) s2s_json_str(j, NULL, argv[i]);
  s2s_json_close(j, ']');
  char date[64], host[256] = "";
  time_t now = time(NULL);
  strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
  gethostname(host, sizeof host - 1);
  s2s_json_str(j, "date", date);
  s2s_json_str(j, "host", host);
  s2s_json_str(j, "git_commit", S2S_GIT_COMMIT);
  /* a record from a build of uncommitted changes cannot be traced to a commit: say so */
  const int clean = strcmp(S2S_GIT_COMMIT, "unknown") && !strstr(S2S_GIT_COMMIT, "-dirty");
  s2s_json_bool(j, "git_tree_clean", clean);
  static int warned;
  if (!clean && !warned++)
    fprintf(stderr, "s2sbench: note: this build is of commit %s: its records say "
            "git_tree_clean false (rebuild from a clean tree for reference results)\n",
            S2S_GIT_COMMIT);
  s2s_json_object(j, "versions");
  s2s_json_str(j, "s2sbench", S2S_VERSION);
  s2s_json_str(j, "clblast", S2S_CLBLAST_VERSION);
  unsigned hv = hwloc_get_api_version();
  char hws[32];
  snprintf(hws, sizeof hws, "%u.%u.%u", hv >> 16, (hv >> 8) & 0xff, hv & 0xff);
  s2s_json_str(j, "hwloc_api", hws);
  s2s_json_close(j, '}');
  s2s_json_array(j, "devices");
  for (int i = 0; i < ndev; i++) {
    s2s_json_key(j, NULL);
    s2s_device_json(&devs[i].info, j->f);
  }
  s2s_json_close(j, ']');
  topology_json(j, devs, ndev);
  mpi_json(j, devs, ndev);
  env_vars(j);
}

/* Floats as their shortest decimal (0.08, not 0.07999999821). */
static double f7(float x) {
  char b[32];
  snprintf(b, sizeof b, "%.7g", (double)x);
  return strtod(b, NULL);
}

void s2s_run_record_config(s2s_json *j, const s2s_config *c) {
  s2s_json_object(j, "config");
  s2s_json_str(j, "preset", c->preset);
  s2s_json_int(j, "layers", c->layers);
  s2s_json_int(j, "hidden", c->hidden);
  s2s_json_int(j, "embed", c->embed);
  s2s_json_int(j, "src_vocab", c->src_vocab);
  s2s_json_int(j, "tgt_vocab", c->tgt_vocab);
  s2s_json_int(j, "batch", c->batch);
  s2s_json_int(j, "max_len", c->max_len);
  s2s_json_num(j, "lr", f7(c->lr));
  s2s_json_num(j, "clip", f7(c->clip));
  s2s_json_num(j, "init_scale", f7(c->init_scale));
  s2s_json_num(j, "decay_start", f7(c->decay_start));
  s2s_json_num(j, "decay_every", f7(c->decay_every));
  s2s_json_num(j, "epochs", f7(c->epochs));
  s2s_json_int(j, "seed", (long long)c->seed);
  s2s_json_close(j, '}');
}

/* The MPI world of a run (world.h). Initialised only under a launcher: Open MPI's mpirun
 * sets OMPI_COMM_WORLD_SIZE, PMIx launchers PMIX_RANK, Hydra-style ones PMI_RANK. */
#include "mpi/world.h"

#include <limits.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int active, rank, size = 1;

/* A collective's wait that naps instead of spinning: Open MPI's blocking collectives poll
 * a core at 100 % while one rank waits for another, and on a machine whose cores also run
 * the devices (a CPU split into 1-CU devices, one per rank) that core is a stage's. */
static int wait_napping(MPI_Request *r) {
  const struct timespec nap = {0, 50000}; /* 50 us */
  for (;;) {
    int flag = 0, rc = MPI_Test(r, &flag, MPI_STATUS_IGNORE);
    if (rc != MPI_SUCCESS) return rc;
    if (flag) return MPI_SUCCESS;
    nanosleep(&nap, NULL);
  }
}

/* Groups: handle 0 is the world, handles 1.. communicators split from it. */
#define MAX_GROUPS 16
static MPI_Comm groups[MAX_GROUPS];
static int ngroups = 1;

#define MAX_REQ 4096
static MPI_Request req_table[MAX_REQ];
static unsigned char req_used[MAX_REQ];

static int mpi_fail(const char *what, int code) {
  char msg[MPI_MAX_ERROR_STRING] = "";
  int len = 0;
  MPI_Error_string(code, msg, &len);
  fprintf(stderr, "s2sbench: rank %d of %d: %s failed: %s\n", rank, size, what, msg);
  return -1;
}
#define MPI_TRY(call, what)                          \
  do {                                               \
    int mpi_rc_ = (call);                            \
    if (mpi_rc_ != MPI_SUCCESS) return mpi_fail(what, mpi_rc_); \
  } while (0)

int s2s_mpi_init(int *argc, char ***argv) {
  if (!getenv("OMPI_COMM_WORLD_SIZE") && !getenv("PMIX_RANK") && !getenv("PMI_RANK")) return 0;
  int provided = 0;
  if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
    fprintf(stderr, "s2sbench: MPI_Init_thread failed (started by mpirun?)\n");
    return -1;
  }
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  active = 1;
  return 0;
}

int s2s_mpi_active(void) { return active; }
int s2s_mpi_rank(void) { return rank; }
int s2s_mpi_size(void) { return size; }

int s2s_mpi_finish(int rc) {
  if (!active) return rc;
  if (rc == 0) {
    for (int g = 1; g < ngroups; g++) MPI_Comm_free(&groups[g]);
    MPI_Finalize();
    return 0;
  }
  char host[256];
  s2s_mpi_host(host, sizeof host);
  fprintf(stderr, "s2sbench: rank %d of %d (host %s) failed with exit status %d; aborting "
          "every rank\n", rank, size, host, rc);
  fflush(NULL);
  MPI_Abort(MPI_COMM_WORLD, rc);
  return rc;
}


static MPI_Comm comm_of(int g) { return g > 0 && g < ngroups ? groups[g] : MPI_COMM_WORLD; }

int s2s_mpi_group_split(int color, int key) {
  if (!active) return 0;
  if (ngroups == MAX_GROUPS) {
    fprintf(stderr, "s2sbench: rank %d: more than %d MPI groups\n", rank, MAX_GROUPS - 1);
    return -1;
  }
  MPI_TRY(MPI_Comm_split(MPI_COMM_WORLD, color, key, &groups[ngroups]), "MPI_Comm_split");
  MPI_Comm_set_errhandler(groups[ngroups], MPI_ERRORS_RETURN);
  return ngroups++;
}

int s2s_mpi_group_size(int g) {
  if (!active) return 1;
  int n = 1;
  MPI_Comm_size(comm_of(g), &n);
  return n;
}

int s2s_mpi_sum_in(int g, double *v, int n) {
  if (!active || s2s_mpi_group_size(g) == 1) return 0;
  MPI_Request r;
  MPI_TRY(MPI_Iallreduce(MPI_IN_PLACE, v, n, MPI_DOUBLE, MPI_SUM, comm_of(g), &r),
          "MPI_Iallreduce");
  MPI_TRY(wait_napping(&r), "MPI_Iallreduce");
  return 0;
}
int s2s_mpi_sum(double *v, int n) { return s2s_mpi_sum_in(0, v, n); }

int s2s_mpi_sum_floats_in(int g, float *v, size_t n) {
  if (!active || s2s_mpi_group_size(g) == 1) return 0;
  for (size_t at = 0; at < n; at += (size_t)INT_MAX / 2) {
    const size_t k = n - at < (size_t)INT_MAX / 2 ? n - at : (size_t)INT_MAX / 2;
    MPI_Request r; /* napping, not spinning: see wait_napping */
    MPI_TRY(MPI_Iallreduce(MPI_IN_PLACE, v + at, (int)k, MPI_FLOAT, MPI_SUM, comm_of(g), &r),
            "MPI_Iallreduce");
    MPI_TRY(wait_napping(&r), "MPI_Iallreduce");
  }
  return 0;
}
int s2s_mpi_sum_floats(float *v, size_t n) { return s2s_mpi_sum_floats_in(0, v, n); }

int s2s_mpi_max_int(int v) {
  if (!active || size == 1) return v;
  int out = v;
  MPI_Request r;
  MPI_TRY(MPI_Iallreduce(&v, &out, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD, &r), "MPI_Iallreduce");
  MPI_TRY(wait_napping(&r), "MPI_Iallreduce");
  return out;
}

int s2s_mpi_allgather(const void *mine, size_t bytes, void *all) {
  if (!active || size == 1) {
    memmove(all, mine, bytes);
    return 0;
  }
  if (bytes > INT_MAX) return mpi_fail("MPI_Allgather (message too large)", MPI_ERR_COUNT);
  MPI_TRY(MPI_Allgather(mine, (int)bytes, MPI_BYTE, all, (int)bytes, MPI_BYTE, MPI_COMM_WORLD),
          "MPI_Allgather");
  return 0;
}

int s2s_mpi_bcast(void *buf, size_t bytes, int root) {
  if (!active || size == 1) return 0;
  for (size_t at = 0; at < bytes; at += (size_t)INT_MAX) {
    const size_t k = bytes - at < (size_t)INT_MAX ? bytes - at : (size_t)INT_MAX;
    MPI_TRY(MPI_Bcast((char *)buf + at, (int)k, MPI_BYTE, root, MPI_COMM_WORLD), "MPI_Bcast");
  }
  return 0;
}

int s2s_mpi_barrier(void) {
  if (!active || size == 1) return 0;
  MPI_Request r;
  MPI_TRY(MPI_Ibarrier(MPI_COMM_WORLD, &r), "MPI_Ibarrier");
  MPI_TRY(wait_napping(&r), "MPI_Ibarrier");
  return 0;
}

static int req_slot(void) {
  for (int i = 0; i < MAX_REQ; i++)
    if (!req_used[i]) {
      req_used[i] = 1;
      return i;
    }
  fprintf(stderr, "s2sbench: rank %d: more than %d MPI messages in flight\n", rank, MAX_REQ);
  return -1;
}

static int p2p(int send, void *buf, size_t bytes, int peer, int tag) {
  if (!active) {
    fprintf(stderr, "s2sbench: internal error: an MPI message without MPI\n");
    return -1;
  }
  if (bytes > INT_MAX) return mpi_fail(send ? "MPI_Isend (too large)" : "MPI_Irecv (too large)",
                                       MPI_ERR_COUNT);
  const int i = req_slot();
  if (i < 0) return -1;
  int rc = send ? MPI_Isend(buf, (int)bytes, MPI_BYTE, peer, tag, MPI_COMM_WORLD, &req_table[i])
                : MPI_Irecv(buf, (int)bytes, MPI_BYTE, peer, tag, MPI_COMM_WORLD, &req_table[i]);
  if (rc != MPI_SUCCESS) {
    req_used[i] = 0;
    return mpi_fail(send ? "MPI_Isend" : "MPI_Irecv", rc);
  }
  return i;
}

int s2s_mpi_isend(const void *buf, size_t bytes, int dst, int tag) {
  return p2p(1, (void *)buf, bytes, dst, tag);
}
int s2s_mpi_irecv(void *buf, size_t bytes, int src, int tag) { return p2p(0, buf, bytes, src, tag); }

int s2s_mpi_test(int req, int *done) {
  *done = 0;
  if (req < 0 || req >= MAX_REQ || !req_used[req]) return -1;
  int flag = 0;
  MPI_TRY(MPI_Test(&req_table[req], &flag, MPI_STATUS_IGNORE), "MPI_Test");
  if (flag) req_used[req] = 0, *done = 1;
  return 0;
}

int s2s_mpi_wait(int req) {
  if (req < 0 || req >= MAX_REQ || !req_used[req]) return -1;
  req_used[req] = 0;
  MPI_TRY(wait_napping(&req_table[req]), "MPI_Wait");
  return 0;
}

int s2s_mpi_tag_ub(void) {
  if (!active) return INT_MAX;
  int *ub = NULL, flag = 0;
  MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_TAG_UB, &ub, &flag);
  return flag && ub ? *ub : 32767;
}

void s2s_mpi_host(char *buf, size_t len) {
  if (gethostname(buf, len) != 0 && len) buf[0] = '\0';
  if (len) buf[len - 1] = '\0';
}

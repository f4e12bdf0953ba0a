/* The MPI world of a run (Open MPI, an existing engine): whether this process is one rank of
 * several started by mpirun, and the few collective and point-to-point operations the
 * pipeline needs. Without mpirun MPI is never initialised and everything here is the
 * identity of a one-rank world, so a plain run behaves as if MPI were not linked.
 * Under mpirun, rank r opens item r of --devices (cl/device.h) and runs the stages the split
 * gives that device; only rank 0 writes results. An error on one rank aborts the world
 * (s2s_mpi_finish) with a message naming the rank, so no rank waits forever for a dead one. */
#ifndef S2S_MPI_WORLD_H
#define S2S_MPI_WORLD_H

#include <stddef.h>

/* Initialises MPI when the process was started by mpirun (Open MPI's or a PMI launcher's
 * environment), else does nothing. 0, or -1 with a message. */
int s2s_mpi_init(int *argc, char ***argv);
/* 1 when this process is a rank of an MPI world (even a world of one rank). */
int s2s_mpi_active(void);
int s2s_mpi_rank(void); /* 0 without MPI */
int s2s_mpi_size(void); /* 1 without MPI */
/* The end of the process: MPI_Finalize after rc == 0; else a message naming this rank and
 * MPI_Abort(rc), which ends every rank (mpirun then exits non-zero). No-op without MPI.
 * Returns rc. */
int s2s_mpi_finish(int rc);

/* Collectives over every rank (identity without MPI). */
int s2s_mpi_sum(double *v, int n);            /* in place */
int s2s_mpi_sum_floats(float *v, size_t n);   /* in place, any length */
int s2s_mpi_max_int(int v);                   /* the largest v of all ranks; -1 on error */
int s2s_mpi_allgather(const void *mine, size_t bytes, void *all); /* all: size * bytes */
int s2s_mpi_bcast(void *buf, size_t bytes, int root);
int s2s_mpi_barrier(void);

/* Groups of ranks (MPI communicators split from the world; handle 0 is the world): a
 * replicated pipeline's collectives stay within its replica, and the data-parallel
 * all-reduce within the ranks of one stage. Every rank calls s2s_mpi_group_split in the
 * same order; it returns the handle of this rank's group (ranks of one color, ordered by
 * key), 0 without MPI, -1 on an error. */
int s2s_mpi_group_split(int color, int key);
int s2s_mpi_group_size(int group);
int s2s_mpi_sum_in(int group, double *v, int n);
int s2s_mpi_sum_floats_in(int group, float *v, size_t n);

/* Non-blocking point-to-point messages of bytes between ranks, identified by tag. A
 * request is an index (>= 0) into this process's table; s2s_mpi_test completes it
 * (*done = 1 and the slot is freed) or leaves it pending. */
int s2s_mpi_isend(const void *buf, size_t bytes, int dst, int tag);
int s2s_mpi_irecv(void *buf, size_t bytes, int src, int tag);
int s2s_mpi_test(int req, int *done);
int s2s_mpi_wait(int req);
/* The largest tag every rank accepts (MPI_TAG_UB). */
int s2s_mpi_tag_ub(void);

/* This rank's host name ("" when unknown). */
void s2s_mpi_host(char *buf, size_t len);

#endif

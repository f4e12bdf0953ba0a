/* The host's hardware topology through hwloc: a summary for every results record, the
 * CPUs nearest each OpenCL device (PCI locality where the device reports a bus id, the
 * whole machine otherwise) and binding a host thread there. Load the topology before the
 * first OpenCL call: PoCL changes HWLOC_PLUGINS_PATH when it initialises. Synthetic and
 * XML topologies exist for tests. */
#ifndef S2S_TOPOLOGY_H
#define S2S_TOPOLOGY_H

#include "cl/device.h"

typedef struct s2s_topology s2s_topology;

typedef struct s2s_topology_summary {
  int packages, cores, pus, numa_nodes;
  unsigned long long numa_memory; /* bytes over all NUMA nodes (0 if hwloc did not say) */
  char cpuset[256];               /* PU OS indices of the machine, "0-15" */
  char source[16];                /* "this system", "synthetic" or "xml" */
  char hwloc_version[16];         /* of the hwloc headers built against */
  char process_cpuset[256];       /* PUs this process may run on (its binding; mpirun binds
                                     each rank to a core by default); "" when not known */
  int process_pus;                /* in process_cpuset; 0 when not known */
} s2s_topology_summary;

typedef struct s2s_placement {
  char cpuset[256]; /* PU OS indices near the device, "0-7" */
  char nodeset[64]; /* NUMA node OS indices near the device, "1" */
  int numa_node;    /* the one nearest NUMA node (OS index), -1 when several */
  int cores, pus;   /* in cpuset */
  int by_pci;       /* 1: from the device's PCI bus id; 0: whole machine */
  char how[160];    /* "PCI 0000:41:00.0 under Package P#1", "whole machine (CPU device)" */
} s2s_placement;

/* Topology of this machine with I/O (PCI) discovery. Returns 0 or -1 (message printed). */
int s2s_topology_load(s2s_topology **out);
/* A synthetic topology, e.g. "pack:2 numa:2 core:4 pu:2" (hwloc_topology_set_synthetic). */
int s2s_topology_load_synthetic(const char *desc, s2s_topology **out);
/* A topology exported by lstopo (or hand-written in its XML format), I/O objects kept. */
int s2s_topology_load_xml(const char *path, s2s_topology **out);
void s2s_topology_free(s2s_topology *t);

void s2s_topology_summarize(const s2s_topology *t, s2s_topology_summary *out);

/* The CPUs and NUMA node nearest device d. Always fills *out (whole machine when the
 * device has no PCI locality); returns 1 when found by PCI locality, 0 otherwise. */
int s2s_topology_locate(const s2s_topology *t, const s2s_device_info *d, s2s_placement *out);

/* Binds the calling thread to the placement's PUs. On failure (sandboxes, containers,
 * non-native topologies) prints one warning line and returns -1: callers continue. */
int s2s_topology_bind_thread(const s2s_topology *t, const s2s_placement *p);

/* JSON objects for results records. */
void s2s_topology_json(const s2s_topology_summary *s, void *file /* FILE* */);
void s2s_placement_json(const s2s_placement *p, void *file /* FILE* */);

#endif

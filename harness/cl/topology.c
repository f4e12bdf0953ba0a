/* hwloc topology: load (this machine with PCI discovery, synthetic, or XML), summarise,
 * map an OpenCL device to its nearest CPUs and NUMA node through its PCI bus id, and bind
 * host threads there. GPU-runtime hwloc plugins (opencl, cuda, nvml, ...) are disabled so
 * loading the topology never initialises an OpenCL or CUDA runtime behind our back. */
#include "cl/topology.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hwloc.h>

#include "record/json.h"

struct s2s_topology {
  hwloc_topology_t topo;
  const char *source;
};

typedef enum { FROM_SYSTEM, FROM_SYNTHETIC, FROM_XML } load_kind;

static int load(load_kind kind, const char *arg, s2s_topology **out) {
  *out = NULL;
  s2s_topology *t = calloc(1, sizeof *t);
  if (!t) return -1;
  if (hwloc_topology_init(&t->topo) != 0) {
    fprintf(stderr, "s2sbench: hwloc_topology_init failed: %s\n", strerror(errno));
    free(t);
    return -1;
  }
  /* PCI devices and bridges that lead to something important (GPUs, NICs, storage) */
  hwloc_topology_set_io_types_filter(t->topo, HWLOC_TYPE_FILTER_KEEP_IMPORTANT);
  static const char *const no_runtimes[] = {"opencl", "cuda", "nvml", "rsmi", "levelzero", "gl"};
  for (size_t i = 0; i < sizeof no_runtimes / sizeof no_runtimes[0]; i++)
    hwloc_topology_set_components(t->topo, HWLOC_TOPOLOGY_COMPONENTS_FLAG_BLACKLIST,
                                  no_runtimes[i]); /* unknown names are fine to ignore */
  int rc = 0;
  const char *what = "this system";
  if (kind == FROM_SYNTHETIC) {
    what = "synthetic";
    rc = hwloc_topology_set_synthetic(t->topo, arg);
  } else if (kind == FROM_XML) {
    what = "xml";
    rc = hwloc_topology_set_xml(t->topo, arg);
  }
  if (rc == 0) rc = hwloc_topology_load(t->topo);
  if (rc != 0) {
    int e = errno;
    fprintf(stderr, "s2sbench: hwloc: cannot load the %s topology%s%s%s: %s\n", what,
            arg ? " '" : "", arg ? arg : "", arg ? "'" : "", strerror(e));
    hwloc_topology_destroy(t->topo);
    free(t);
    return -1;
  }
  t->source = what;
  *out = t;
  return 0;
}

int s2s_topology_load(s2s_topology **out) {
  return load(FROM_SYSTEM, NULL, out);
}

int s2s_topology_load_synthetic(const char *desc, s2s_topology **out) {
  return load(FROM_SYNTHETIC, desc, out);
}

int s2s_topology_load_xml(const char *path, s2s_topology **out) {
  return load(FROM_XML, path, out);
}

void s2s_topology_free(s2s_topology *t) {
  if (!t) return;
  hwloc_topology_destroy(t->topo);
  free(t);
}

static int count(const s2s_topology *t, hwloc_obj_type_t type) {
  int n = hwloc_get_nbobjs_by_type(t->topo, type);
  return n < 0 ? 0 : n; /* -1: objects of this type at several depths (not for these) */
}

void s2s_topology_summarize(const s2s_topology *t, s2s_topology_summary *out) {
  memset(out, 0, sizeof *out);
  out->packages = count(t, HWLOC_OBJ_PACKAGE);
  out->cores = count(t, HWLOC_OBJ_CORE);
  out->pus = count(t, HWLOC_OBJ_PU);
  out->numa_nodes = count(t, HWLOC_OBJ_NUMANODE);
  for (int i = 0; i < out->numa_nodes; i++) {
    hwloc_obj_t n = hwloc_get_obj_by_type(t->topo, HWLOC_OBJ_NUMANODE, (unsigned)i);
    if (n) out->numa_memory += n->attr->numanode.local_memory;
  }
  hwloc_obj_t root = hwloc_get_root_obj(t->topo);
  hwloc_bitmap_list_snprintf(out->cpuset, sizeof out->cpuset, root->cpuset);
  snprintf(out->source, sizeof out->source, "%s", t->source);
  hwloc_bitmap_t bound = hwloc_bitmap_alloc();
  if (bound && !strcmp(t->source, "this system") &&
      hwloc_get_cpubind(t->topo, bound, HWLOC_CPUBIND_PROCESS) == 0) {
    hwloc_bitmap_and(bound, bound, root->cpuset);
    hwloc_bitmap_list_snprintf(out->process_cpuset, sizeof out->process_cpuset, bound);
    out->process_pus = hwloc_get_nbobjs_inside_cpuset_by_type(t->topo, bound, HWLOC_OBJ_PU);
  }
  hwloc_bitmap_free(bound);
  snprintf(out->hwloc_version, sizeof out->hwloc_version, "%s", HWLOC_VERSION);
}

/* Fills cpuset/nodeset/counts of out from obj's sets. */
static void place_at(const s2s_topology *t, hwloc_const_cpuset_t cpus, hwloc_const_nodeset_t nodes,
                     s2s_placement *out) {
  hwloc_bitmap_list_snprintf(out->cpuset, sizeof out->cpuset, cpus);
  hwloc_bitmap_list_snprintf(out->nodeset, sizeof out->nodeset, nodes);
  out->numa_node = hwloc_bitmap_weight(nodes) == 1 ? hwloc_bitmap_first(nodes) : -1;
  out->cores = hwloc_get_nbobjs_inside_cpuset_by_type(t->topo, cpus, HWLOC_OBJ_CORE);
  out->pus = hwloc_get_nbobjs_inside_cpuset_by_type(t->topo, cpus, HWLOC_OBJ_PU);
}

int s2s_topology_locate(const s2s_topology *t, const s2s_device_info *d, s2s_placement *out) {
  memset(out, 0, sizeof *out);
  hwloc_obj_t root = hwloc_get_root_obj(t->topo);
  const char *why = "no PCI bus id reported";
  if (d->type & CL_DEVICE_TYPE_CPU) {
    why = "CPU device";
  } else if (d->pci_bus_id[0]) {
    hwloc_obj_t pci = hwloc_get_pcidev_by_busidstring(t->topo, d->pci_bus_id);
    hwloc_obj_t anc = pci ? hwloc_get_non_io_ancestor_obj(t->topo, pci) : NULL;
    if (anc && anc->cpuset) {
      place_at(t, anc->cpuset, anc->nodeset, out);
      out->by_pci = 1;
      snprintf(out->how, sizeof out->how, "PCI %s under %s P#%u", d->pci_bus_id,
               hwloc_obj_type_string(anc->type), anc->os_index);
      if (anc->type == HWLOC_OBJ_MACHINE) /* no finer locality known: say so */
        snprintf(out->how, sizeof out->how, "PCI %s under the whole machine", d->pci_bus_id);
      return 1;
    }
    why = "PCI device not in the hwloc topology";
  }
  place_at(t, root->cpuset, root->nodeset, out);
  snprintf(out->how, sizeof out->how, "whole machine (%s)", why);
  return 0;
}

int s2s_topology_bind_thread(const s2s_topology *t, const s2s_placement *p) {
  hwloc_bitmap_t set = hwloc_bitmap_alloc();
  if (!set) return -1;
  int rc = hwloc_bitmap_list_sscanf(set, p->cpuset);
  if (rc == 0 && hwloc_bitmap_iszero(set)) rc = -1;
  if (rc == 0) rc = hwloc_set_cpubind(t->topo, set, HWLOC_CPUBIND_THREAD);
  if (rc != 0)
    fprintf(stderr,
            "s2sbench: warning: cannot bind thread to PUs %s: %s (continuing "
            "unbound)\n",
            p->cpuset[0] ? p->cpuset : "(none)", strerror(errno));
  hwloc_bitmap_free(set);
  return rc ? -1 : 0;
}

void s2s_topology_json(const s2s_topology_summary *s, void *file) {
  FILE *f = file;
  fprintf(f, "{\"source\": ");
  s2s_json_escape(f, s->source);
  fprintf(f, ", \"hwloc_version\": ");
  s2s_json_escape(f, s->hwloc_version);
  fprintf(f,
          ", \"packages\": %d, \"cores\": %d, \"pus\": %d, \"numa_nodes\": %d, "
          "\"numa_memory\": %llu, \"cpuset\": ",
          s->packages, s->cores, s->pus, s->numa_nodes, s->numa_memory);
  s2s_json_escape(f, s->cpuset);
  if (s->process_pus > 0) {
    fprintf(f, ", \"process_cpuset\": ");
    s2s_json_escape(f, s->process_cpuset);
    fprintf(f, ", \"process_pus\": %d", s->process_pus);
  }
  fputc('}', f);
}

void s2s_placement_json(const s2s_placement *p, void *file) {
  FILE *f = file;
  fprintf(f, "{\"cpuset\": ");
  s2s_json_escape(f, p->cpuset);
  fprintf(f, ", \"nodeset\": ");
  s2s_json_escape(f, p->nodeset);
  fprintf(f, ", \"numa_node\": %d, \"cores\": %d, \"pus\": %d, \"by_pci\": %s, \"how\": ",
          p->numa_node, p->cores, p->pus, p->by_pci ? "true" : "false");
  s2s_json_escape(f, p->how);
  fputc('}', f);
}

/* `s2sbench devices`: lists every OpenCL device (or the devices a --devices spec opens,
 * sub-devices included) with what a results record needs to name it, and the hwloc
 * topology with the CPUs nearest each device. --json writes the same as one JSON object.
 * The topology is loaded before the first OpenCL call (see topology.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args/args.h"
#include "cli/commands.h"
#include "cl/device.h"
#include "record/json.h"
#include "cl/topology.h"
#include "blas/blas_devices.h"
#include "blas/tuning.h"

#include <sys/stat.h>

#define MAX_LISTED 64

static void usage(FILE *f) {
  fprintf(f, "usage: s2sbench devices [--devices SPEC] [--json]\n\n"
             "Lists OpenCL devices, how they can be split into sub-devices, and the hwloc\n"
             "topology (cores, NUMA nodes, which CPUs are near which device).\n\n"
             "  --devices SPEC  open SPEC and list the resulting (sub-)devices; SPEC is a\n"
             "                  comma-separated list of items:\n"
             "                    cpu | gpu | accelerator         devices of that type on the\n"
             "                                                    first platform that has one\n"
             "                    all                             every device\n"
             "                    P:D                             platform P, device D as listed\n"
             "                    name=TEXT                       name contains TEXT (any case)\n"
             "                    platform=TEXT                   every device of the platforms\n"
             "                                                    whose name/vendor has TEXT\n"
             "                    ITEM/N                          split into N sub-devices of\n"
             "                                                    CUs/N compute units each\n"
             "                    ITEM/NxC                        N sub-devices of C CUs each\n"
             "                  e.g. cpu/2 (two 1-CU devices on a 2-core machine), gpu,cpu\n"
             "  --json          machine-readable output (one JSON object on stdout)\n"
             "  --help          this text\n\n"
             "Platforms are listed in a stable order: PoCL first, then by platform name (not\n"
             "the ICD loader's order). So with PoCL and Intel's CPU runtime, cpu and cpu/2\n"
             "are PoCL's CPU as on PoCL alone; platform=intel/2 splits Intel's; mixing is\n"
             "explicit, e.g. cpu,platform=intel. P:D still differs between machines: prefer\n"
             "types, platform= and name= in scripts.\n");
}

static const char *human(unsigned long long b, char *buf, size_t len) {
  const char *unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = (double)b;
  int u = 0;
  while (v >= 1024.0 && u < 4)
    v /= 1024.0, u++;
  snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
  return buf;
}

static void print_topology(const s2s_topology_summary *s) {
  char mem[32];
  printf("hwloc %s (%s): %d package%s, %d cores, %d PUs, %d NUMA node%s (%s), PUs %s\n",
         s->hwloc_version, s->source, s->packages, s->packages == 1 ? "" : "s", s->cores, s->pus,
         s->numa_nodes, s->numa_nodes == 1 ? "" : "s", human(s->numa_memory, mem, 32), s->cpuset);
}

static void print_device(const char *label, const s2s_device_info *d, const s2s_topology *topo) {
  char a[32], b[32], c[32];
  printf("  %s  %s\n", label, d->name);
  printf("      %-14s %s (%s)\n", "platform", d->platform, d->platform_version);
  printf("      %-14s %s\n", "vendor", d->vendor);
  printf("      %-14s %s\n", "driver", d->driver);
  printf("      %-14s %s; %s\n", "OpenCL", d->version, d->c_version);
  printf("      %-14s %s\n", "type", s2s_device_type_name(d->type));
  printf("      %-14s %u @ %u MHz\n", "compute units", d->compute_units, d->max_clock_mhz);
  printf("      %-14s global %s, max alloc %s, local %s\n", "memory", human(d->global_mem, a, 32),
         human(d->max_alloc, b, 32), human(d->local_mem, c, 32));
  printf("      %-14s %s / %s\n", "fp16 / fp64", d->fp16 ? "yes" : "no", d->fp64 ? "yes" : "no");
  printf("      %-14s %s\n", "PCI bus id", d->pci_bus_id[0] ? d->pci_bus_id : "n/a");
  if (d->max_sub_devices > 1)
    printf("      %-14s %s (up to %u sub-devices)\n", "partition", d->partition_types,
           d->max_sub_devices);
  else
    printf("      %-14s %s\n", "partition", d->partition_types);
  if (d->sub_index >= 0)
    printf("      %-14s %d of %d (the parts of one spec item share a context; the items, "
           "each its own)\n", "sub-device", d->sub_index, d->sub_count);
  if (topo) {
    s2s_placement p;
    s2s_topology_locate(topo, d, &p);
    printf("      %-14s PUs %s (%d cores), NUMA node %s: %s\n", "near CPUs", p.cpuset, p.cores,
           p.nodeset[0] ? p.nodeset : "?", p.how);
  }
  char tuning[4400];
  struct stat st;
  s2s_tuning_path(d, tuning, sizeof tuning); /* the file a run on it applies (s2s_tuning_key) */
  printf("      %-14s %s (%s)\n", "tuning file", tuning,
         stat(tuning, &st) == 0 ? "present: applied" : "none: CLBlast's defaults");
}

/* Printed only once the devices are known, so an error leaves no half-written JSON. */
static void print_header(const s2s_topology *topo, int json) {
  s2s_topology_summary sum;
  if (topo) s2s_topology_summarize(topo, &sum);
  if (json) {
    printf("{\n  \"topology\": ");
    if (topo)
      s2s_topology_json(&sum, stdout);
    else
      printf("null");
    printf(",\n");
  } else if (topo) {
    print_topology(&sum);
  }
}

static void json_device(const s2s_device_info *d, const s2s_topology *topo, int first) {
  printf("%s\n    {\"device\": ", first ? "" : ",");
  s2s_device_json(d, stdout);
  if (topo) {
    s2s_placement p;
    s2s_topology_locate(topo, d, &p);
    printf(", \"placement\": ");
    s2s_placement_json(&p, stdout);
  }
  printf("}");
}

/* Without a spec: every whole device, then what splitting the splittable ones gives. */
static int list_all(const s2s_topology *topo, int json) {
  s2s_device_info info[MAX_LISTED];
  int n = s2s_device_list(info, MAX_LISTED);
  if (n < 0) {
    fprintf(stderr, "s2sbench devices: OpenCL platform query failed\n");
    return 1;
  }
  if (n == 0) {
    fprintf(stderr, "s2sbench devices: no OpenCL device found (is an OpenCL driver "
                    "registered with the ICD loader? see clinfo, OCL_ICD_VENDORS)\n");
    return 1;
  }
  print_header(topo, json);
  if (json)
    printf("  \"devices\": [");
  else
    printf("\nOpenCL devices (%d):\n", n);
  for (int i = 0; i < n; i++) {
    char label[32];
    snprintf(label, sizeof label, "%d:%d", info[i].platform_index, info[i].device_index);
    if (json)
      json_device(&info[i], topo, i == 0);
    else
      print_device(label, &info[i], topo);
  }
  if (json) printf("\n  ],\n  \"splits\": [");
  int nsplit = 0;
  for (int i = 0; i < n; i++) {
    if (!strstr(info[i].partition_types, "equally") || info[i].compute_units < 2) continue;
    char spec[32], err[512];
    snprintf(spec, sizeof spec, "%d:%d/2", info[i].platform_index, info[i].device_index);
    s2s_device *devs = NULL;
    int count = 0;
    int rc = s2s_blas_open_devices(spec, &devs, &count, err, sizeof err);
    if (json) {
      printf("%s\n    {\"spec\": ", nsplit++ ? "," : "");
      s2s_json_escape(stdout, spec);
      printf(", \"ok\": %s, \"parts\": [", rc == 0 ? "true" : "false");
      for (int j = 0; rc == 0 && j < count; j++) {
        printf("%s", j ? ", " : "");
        s2s_device_json(&devs[j].info, stdout);
      }
      printf("]}");
    } else {
      printf("\nSplitting %d:%d (--devices %d:%d/N, N = 1..%u, or /NxC; cpu/N when it is the "
             "first platform's only CPU):\n",
             info[i].platform_index, info[i].device_index, info[i].platform_index,
             info[i].device_index, info[i].compute_units);
      if (rc != 0) printf("  %s: failed: %s\n", spec, err);
      for (int j = 0; rc == 0 && j < count; j++) {
        char line[512];
        s2s_device_describe(&devs[j].info, line, sizeof line);
        printf("  %s #%d: %s\n", spec, j, line);
      }
    }
    if (rc == 0) s2s_device_close(devs, count);
  }
  if (json) printf("\n  ]");
  return 0;
}

static int list_spec(const char *spec, const s2s_topology *topo, int json) {
  s2s_device *devs = NULL;
  int count = 0;
  char err[1024];
  const int opened = s2s_blas_open_devices(spec, &devs, &count, err, sizeof err);
  if (opened != 0) {
    fprintf(stderr, "s2sbench devices: --devices: %s\n", err);
    return S2S_DEVICE_EXIT(opened);
  }
  print_header(topo, json);
  if (json) {
    printf("  \"spec\": ");
    s2s_json_escape(stdout, spec);
    printf(",\n  \"devices\": [");
  } else {
    printf("\n--devices '%s' opens %d device%s:\n", spec, count, count == 1 ? "" : "s");
  }
  for (int i = 0; i < count; i++) {
    char label[32];
    snprintf(label, sizeof label, "#%d", i);
    if (json)
      json_device(&devs[i].info, topo, i == 0);
    else
      print_device(label, &devs[i].info, topo);
  }
  if (json) printf("\n  ]");
  s2s_device_close(devs, count);
  return 0;
}

int s2s_cmd_devices(int argc, char **argv) {
  const char *spec = NULL;
  int json = 0;
  s2s_args c;
  s2s_args_init(&c, "devices", argc, argv);
  while (s2s_args_next(&c)) {
    if (s2s_args_is(&c, "--help") || s2s_args_is(&c, "-h")) {
      usage(stdout);
      return 0;
    } else if (s2s_args_is(&c, "--json")) {
      json = 1;
    } else if (s2s_args_is(&c, "--devices")) {
      if (!(spec = s2s_args_value(&c))) return 2;
      if (!*spec) {
        fprintf(stderr, "s2sbench devices: --devices: empty SPEC (see --help)\n");
        return 2;
      }
    } else {
      return s2s_args_unknown(&c);
    }
  }
  /* hwloc before OpenCL; without a topology the device list is still worth having */
  s2s_topology *topo = NULL;
  if (s2s_topology_load(&topo) != 0)
    fprintf(stderr, "s2sbench devices: warning: no hwloc topology; listing devices only\n");
  int rc = spec ? list_spec(spec, topo, json) : list_all(topo, json);
  if (json && rc == 0) printf("\n}\n");
  s2s_topology_free(topo);
  return rc;
}

/* hwloc topology: summary numbers of a synthetic machine, placement of CPU devices (whole
 * machine) and of a PCI device from a hand-made XML fixture (its package's cores and NUMA
 * node), load errors, binding errors, and the JSON writers. No OpenCL device needed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "cl/topology.h"

/* String-aware check that {} and [] balance and no raw control character sits in a
 * string: enough to catch a writer that forgets a brace, comma-free JSON aside. */
static int json_balanced(const char *s) {
  int depth = 0, in_str = 0;
  char stack[64];
  for (; *s; s++) {
    if (in_str) {
      if (*s == '\\' && s[1])
        s++;
      else if (*s == '"')
        in_str = 0;
      else if ((unsigned char)*s < 0x20)
        return 0;
    } else if (*s == '"') {
      in_str = 1;
    } else if (*s == '{' || *s == '[') {
      if (depth == 64) return 0;
      stack[depth++] = *s == '{' ? '}' : ']';
    } else if (*s == '}' || *s == ']') {
      if (!depth || stack[--depth] != *s) return 0;
    }
  }
  return depth == 0 && !in_str;
}

static char *fixture(const char *name) {
  static char path[1024];
  const char *src = getenv("S2S_SOURCE_DIR");
  if (src && *src) {
    snprintf(path, sizeof path, "%s/tests/fixtures/%s", src, name);
  } else { /* __FILE__ is absolute under CMake: tests/test_topology.c -> tests/fixtures */
    snprintf(path, sizeof path, "%s", __FILE__);
    char *slash = strrchr(path, '/');
    snprintf(slash ? slash + 1 : path, sizeof path - (size_t)(slash ? slash + 1 - path : 0),
             "fixtures/%s", name);
  }
  return path;
}

static s2s_device_info fake_device(cl_device_type type, const char *bus) {
  s2s_device_info d;
  memset(&d, 0, sizeof d);
  d.type = type;
  d.sub_index = -1;
  snprintf(d.name, sizeof d.name, "test device");
  snprintf(d.pci_bus_id, sizeof d.pci_bus_id, "%s", bus);
  return d;
}

static void test_synthetic(void) {
  s2s_topology *t = NULL;
  const char *desc = "pack:2 numa:2 core:4 pu:2";
  T_CHECK(s2s_topology_load_synthetic(desc, &t) == 0, "load synthetic '%s'", desc);
  if (!t) return;
  s2s_topology_summary s;
  s2s_topology_summarize(t, &s);
  /* 2 packages x 2 NUMA groups x 4 cores x 2 PUs; synthetic NUMA nodes hold 1 GiB each */
  T_CHECK(s.packages == 2, "packages %d", s.packages);
  T_CHECK(s.cores == 16, "cores %d", s.cores);
  T_CHECK(s.pus == 32, "pus %d", s.pus);
  T_CHECK(s.numa_nodes == 4, "numa nodes %d", s.numa_nodes);
  T_CHECK(s.numa_memory == 4ull << 30, "numa memory %llu", s.numa_memory);
  T_CHECK(!strcmp(s.cpuset, "0-31"), "cpuset '%s'", s.cpuset);
  T_CHECK(!strcmp(s.source, "synthetic"), "source '%s'", s.source);

  s2s_placement p;
  s2s_device_info cpu = fake_device(CL_DEVICE_TYPE_CPU, "");
  T_CHECK(s2s_topology_locate(t, &cpu, &p) == 0, "CPU device: not by PCI");
  T_CHECK(!p.by_pci && !strcmp(p.cpuset, "0-31"), "CPU device cpuset '%s'", p.cpuset);
  T_CHECK(p.numa_node == -1 && !strcmp(p.nodeset, "0-3"), "CPU device nodes %d '%s'", p.numa_node,
          p.nodeset);
  T_CHECK(p.cores == 16 && p.pus == 32, "CPU device cores %d pus %d", p.cores, p.pus);
  T_CHECK(strstr(p.how, "whole machine") && strstr(p.how, "CPU"), "how '%s'", p.how);

  /* a GPU that reports no bus id, and one whose bus id hwloc does not know */
  s2s_device_info gpu = fake_device(CL_DEVICE_TYPE_GPU, "");
  T_CHECK(s2s_topology_locate(t, &gpu, &p) == 0 && strstr(p.how, "no PCI bus id"),
          "GPU without bus id: '%s'", p.how);
  gpu = fake_device(CL_DEVICE_TYPE_GPU, "0000:41:00.0");
  T_CHECK(s2s_topology_locate(t, &gpu, &p) == 0 && strstr(p.how, "not in the hwloc"),
          "GPU unknown to hwloc: '%s'", p.how);

  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  fputc('[', f);
  s2s_topology_json(&s, f);
  fputc(',', f);
  s2s_placement_json(&p, f);
  fputc(']', f);
  fclose(f);
  T_CHECK(json_balanced(buf), "JSON balanced: %s", buf);
  T_CHECK(strstr(buf, "\"cores\": 16") && strstr(buf, "\"by_pci\": false"), "JSON: %s", buf);
  free(buf);

  /* not this system: binding must fail softly (warning, -1), never crash */
  s2s_placement empty = p;
  empty.cpuset[0] = '\0';
  T_CHECK(s2s_topology_bind_thread(t, &empty) == -1, "binding to no PUs fails");
  s2s_topology_free(t);
}

static void test_xml_pci(void) {
  s2s_topology *t = NULL;
  const char *path = fixture("topo_pci.xml");
  T_CHECK(s2s_topology_load_xml(path, &t) == 0, "load %s", path);
  if (!t) return;
  s2s_topology_summary s;
  s2s_topology_summarize(t, &s);
  T_CHECK(s.packages == 2 && s.cores == 8 && s.pus == 8 && s.numa_nodes == 2,
          "xml summary %d/%d/%d/%d", s.packages, s.cores, s.pus, s.numa_nodes);
  T_CHECK(s.numa_memory == 2ull << 30, "xml numa memory %llu", s.numa_memory);

  s2s_placement p;
  s2s_device_info gpu = fake_device(CL_DEVICE_TYPE_GPU, "0000:41:00.0");
  T_CHECK(s2s_topology_locate(t, &gpu, &p) == 1, "GPU found by PCI locality");
  T_CHECK(p.by_pci && !strcmp(p.cpuset, "4-7"), "GPU cpuset '%s' (want 4-7)", p.cpuset);
  T_CHECK(p.numa_node == 1 && !strcmp(p.nodeset, "1"), "GPU numa %d '%s'", p.numa_node, p.nodeset);
  T_CHECK(p.cores == 4 && p.pus == 4, "GPU cores %d pus %d", p.cores, p.pus);
  T_CHECK(strstr(p.how, "0000:41:00.0") && strstr(p.how, "Package"), "how '%s'", p.how);

  gpu = fake_device(CL_DEVICE_TYPE_GPU, "0000:42:00.0"); /* not in the fixture */
  T_CHECK(s2s_topology_locate(t, &gpu, &p) == 0 && !strcmp(p.cpuset, "0-7"),
          "unknown bus id: whole machine, cpuset '%s'", p.cpuset);
  /* a CPU device never uses PCI locality, even with a (bogus) bus id */
  s2s_device_info cpu = fake_device(CL_DEVICE_TYPE_CPU, "0000:41:00.0");
  T_CHECK(s2s_topology_locate(t, &cpu, &p) == 0 && !strcmp(p.cpuset, "0-7"),
          "CPU device: whole machine, cpuset '%s'", p.cpuset);
  s2s_topology_free(t);
}

static void test_errors_and_system(void) {
  s2s_topology *t = NULL;
  fprintf(stderr, "(expected errors follow)\n");
  T_CHECK(s2s_topology_load_xml("/nonexistent/topo.xml", &t) == -1 && !t, "missing XML");
  T_CHECK(s2s_topology_load_synthetic("bogus:3 what", &t) == -1 && !t, "bad synthetic");

  T_CHECK(s2s_topology_load(&t) == 0, "load this system");
  if (!t) return;
  s2s_topology_summary s;
  s2s_topology_summarize(t, &s);
  printf("this system: %d packages, %d cores, %d PUs, %d NUMA nodes, PUs %s\n", s.packages, s.cores,
         s.pus, s.numa_nodes, s.cpuset);
  T_CHECK(s.pus >= 1 && s.cores >= 1 && s.numa_nodes >= 1 && s.cores <= s.pus,
          "system summary %d/%d/%d", s.cores, s.pus, s.numa_nodes);
  s2s_placement p;
  s2s_device_info cpu = fake_device(CL_DEVICE_TYPE_CPU, "");
  s2s_topology_locate(t, &cpu, &p);
  T_CHECK(!strcmp(p.cpuset, s.cpuset), "CPU device covers the machine: '%s' vs '%s'", p.cpuset,
          s.cpuset);
  /* binding may be refused in a sandbox: either outcome is fine, it must not abort */
  printf("bind to %s: %s\n", p.cpuset, s2s_topology_bind_thread(t, &p) == 0 ? "ok" : "refused");
  s2s_topology_free(t);
}

int main(void) {
  test_synthetic();
  test_xml_pci();
  test_errors_and_system();
  return s2s_test_finish("test_topology");
}

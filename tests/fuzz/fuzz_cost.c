/* libFuzzer target for the cost table reader (harness/profile/cost_table.c), which reads
 * `predict --cost FILE`, a file that may come from another machine. Any bytes load or fail
 * with "FILE:LINE" and leave an empty table. A table that loads has terminated names and
 * finite, non-negative medians and counts of at least 1; saved (s2s_cost_table_save), it
 * loads again to the same entries, medians, counts, device, memory and link; and lookups
 * of a GEMM, a kernel and a host read answer without reading out of bounds. Seeds: the
 * committed records' cost.tsv files and a small hand-written table.
 * Run by tests/test_fuzz_readers.sh and scripts/fuzz.sh. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_file.h"
#include "profile/cost_table.h"

static void check_entry(const s2s_cost_entry *e) {
  if (!memchr(e->key.what, 0, sizeof e->key.what) || !isfinite(e->median) || e->median < 0 ||
      e->count < 1)
    abort();
}

static void same(const s2s_cost_table *a, const s2s_cost_table *b) {
  if (a->n != b->n || strcmp(a->device, b->device) || a->global_mem != b->global_mem ||
      a->max_alloc != b->max_alloc || a->link_bytes_per_s != b->link_bytes_per_s ||
      a->link_latency_s != b->link_latency_s)
    abort();
  for (size_t i = 0; i < a->n; i++)
    if (a->e[i].median != b->e[i].median || a->e[i].count != b->e[i].count ||
        strcmp(a->e[i].key.what, b->e[i].key.what) || a->e[i].key.op != b->e[i].key.op)
      abort();
  for (int o = 0; o < S2S_OP_KINDS; o++)
    if (a->host[o].median != b->host[o].median) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = s2s_fuzz_file(0, ".tsv", data, size);
  if (!path) return 0;
  s2s_cost_table t;
  if (s2s_cost_table_load(&t, path) != 0) {
    if (t.n || t.e) abort(); /* a refused file leaves nothing */
    return 0;
  }
  if (!memchr(t.device, 0, sizeof t.device)) abort();
  for (size_t i = 0; i < t.n; i++) check_entry(&t.e[i]);
  const char *again = s2s_fuzz_path(1, ".tsv");
  s2s_cost_table u;
  if (s2s_cost_table_save(&t, again) != 0 || s2s_cost_table_load(&u, again) != 0) abort();
  same(&t, &u);
  s2s_cost_table_free(&u);
  s2s_plan_node probe[3] = {{.op = S2S_OP_GEMM, .what = "gemm", .m = 64, .n = 1024, .k = 256,
                             .ta = 'N', .tb = 'T'},
                            {.op = S2S_OP_KERNEL, .what = "axpy", .elems = 4096},
                            {.op = S2S_OP_READ, .what = "staging read", .elems = 16384}};
  for (int i = 0; i < 3; i++) {
    int how = 0;
    const double s = s2s_cost_device_s(&t, &probe[i], &how);
    if (how < -1 || how > 2 || (how >= 0 && !(s >= 0))) abort();
  }
  s2s_cost_table_free(&t);
  return 0;
}

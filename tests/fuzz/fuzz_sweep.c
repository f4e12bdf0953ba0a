/* libFuzzer target for sweep config files (bench/sweep_config.c: s2s_sweep_load takes a
 * path, so each input is written to a file first, fuzz_file.h) and what `sweep` makes of a
 * file that loads, without opening a device: every list stays inside its table and names
 * are terminated; each point of the grid (first 3 presets x batches x lens) gets its model
 * config (s2s_sweep_point_config), and each split.N line is parsed for that model and N
 * devices (s2s_split_parse, as bench/sweep.c does per point; "default" is not read from
 * the file and not checked); a split that parses prints
 * in canonical form (s2s_split_format) and parses back to the same split, and its bound
 * (s2s_split_bound) is finite. A failure names the file and line. Opening devices
 * (s2s_sweep_open) is not reached: its two device symbols are stubbed below, so no OpenCL
 * is linked. Seeds: bench/sweeps/NAME.cfg and the sweep fixtures.
 * Run by tests/test_fuzz_readers.sh and scripts/fuzz.sh. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_file.h"
#include "bench/sweep.h"
#include "blas/blas_devices.h"
#include "step/pipeline_split.h"

/* Only s2s_sweep_open calls these; the target never does. */
int s2s_blas_open_devices(const char *spec, s2s_device **devs, int *count, char *err, size_t errlen) {
  (void)spec, (void)devs, (void)count, (void)err, (void)errlen;
  abort();
}
void s2s_device_close(s2s_device *devs, int count) {
  (void)devs, (void)count;
  abort();
}

#define TERM(a) (memchr((a), 0, sizeof(a)) != NULL)

static void check_split(const s2s_split *s, const char *spec, int ndev, const s2s_config *c) {
  char canon[512], err[512];
  s2s_split_format(s, canon, sizeof canon);
  s2s_split back;
  if (s2s_split_parse(&back, canon, ndev, c, err, sizeof err) != 0) {
    fprintf(stderr, "'%s' parses, its canonical form '%s' does not: %s\n", spec, canon, err);
    abort();
  }
  if (memcmp(&back, s, sizeof back) != 0) {
    fprintf(stderr, "'%s' and its canonical form '%s' parse to different splits\n", spec, canon);
    abort();
  }
  for (int k = 0; k < s->shards; k++)
    if (s->shard_v0[k] >= s->shard_v0[k + 1] || s->shard_dev[k] < 0 || s->shard_dev[k] >= ndev)
      abort();
  if (s->shard_v0[0] != 0 || s->shard_v0[s->shards] != c->tgt_vocab) abort();
  double share[S2S_MAX_DEVICES];
  double b = s2s_split_bound(s, c, 3, 4, share);
  if (!isfinite(b) || b <= 0) {
    fprintf(stderr, "'%s': bound %g\n", spec, b);
    abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static s2s_sweep s; /* large: off the stack */
  s2s_sweep_defaults(&s);
  const char *path = s2s_fuzz_file(0, ".cfg", data, size);
  char err[4096];
  if (s2s_sweep_load(&s, path, err, sizeof err) != 0) {
    if (strncmp(err, path, strlen(path)) != 0) {
      fprintf(stderr, "error without the file name: '%s'\n", err);
      abort();
    }
    return 0;
  }
  if (s.ndevices < 1 || s.ndevices > S2S_SWEEP_MAX || s.npresets < 1 || s.npresets > S2S_SWEEP_MAX ||
      s.nbatches < 1 || s.nbatches > S2S_SWEEP_MAX || s.nlens < 1 || s.nlens > S2S_SWEEP_MAX ||
      s.nsplits < 0 || s.nsplits > 2 * S2S_SWEEP_MAX || s.noverrides < 0 ||
      s.noverrides > S2S_SWEEP_MAX || !TERM(s.name) || !TERM(s.source) || !TERM(s.out_dir))
    abort();
  for (int i = 0; i < s.ndevices; i++)
    if (!TERM(s.devices[i]) || !s.devices[i][0]) abort();
  for (int i = 0; i < s.npresets; i++)
    if (!TERM(s.presets[i])) abort();
  for (int i = 0; i < s.nsplits; i++)
    if (!TERM(s.splits[i].spec) || s.splits[i].ndev < 1 || s.splits[i].ndev > S2S_MAX_DEVICES) abort();
  for (int p = 0; p < s.npresets && p < 3; p++)
    for (int b = 0; b < s.nbatches && b < 3; b++)
      for (int l = 0; l < s.nlens && l < 3; l++) {
        s2s_config c;
        if (s2s_sweep_point_config(&s, p, b, l, &c, err, sizeof err) != 0) continue;
        if (c.batch != s.batches[b] || c.max_len < s.lens[l]) abort();
        for (int ndev = 1; ndev <= S2S_MAX_DEVICES; ndev++) {
          const char *specs[2 * S2S_SWEEP_MAX];
          int n = s2s_sweep_splits_for(&s, ndev, specs, 2 * S2S_SWEEP_MAX);
          if (n < 1) abort();
          for (int k = 0; k < n; k++) {
            s2s_split sp;
            if (strcmp(specs[k], "default") && !s2s_split_parse(&sp, specs[k], ndev, &c, err, sizeof err))
              check_split(&sp, specs[k], ndev, &c);
          }
        }
      }
  return 0;
}

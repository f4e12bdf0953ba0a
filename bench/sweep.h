/* `s2sbench sweep`: a grid of training-step measurements (device sets x splits x presets x
 * batch sizes x sentence lengths), each point a results folder OUT/points/<name>/, and a
 * summary (OUT/sweep.tsv, OUT/sweep.json) with each point's speedup over the 1-device
 * point of the same preset, batch and length in the same sweep, the efficiency
 * (speedup / devices) and the FLOP balance of its split (pipeline_split.h). A point whose
 * run.json exists and parses is finished: an interrupted sweep resumes where it stopped.
 *
 * Config file (bench/sweeps/NAME.cfg): `key = value` lines, '#' comments, lists separated by
 * spaces; a key given twice appends (devices, split.N) or replaces (the rest):
 *   devices = cpu/1 cpu/2      device specs (device.h), one point set each; SPEC@N keeps
 *                              the first N devices SPEC selects (gpu@1 gpu@2 ... gpu@8)
 *   split.N = SPEC             a split (pipeline_split.h syntax) for the N-device points; several
 *                              lines = several splits; "default" = s2s_split_default;
 *                              no line for N = the default split only
 *   presets = small            batches = 64          lens = 20 (words per sentence)
 *   trials = 5 (alias: repetitions: timed steps per point)   warmup = 1
 *   gemm_reps = 1 (replays of the 1-device points' GEMMs for their ceiling)
 *   predict = on (points of several devices: predicted_speedup from device 0's costs,
 *                 measured after the point's trials; off skips it)
 *   out = results/local/sweep  name = cpu-2core      any model key (hidden = 512, ...) */
#ifndef S2S_SWEEP_H
#define S2S_SWEEP_H

#include <stddef.h>

#include "model/config.h"
#include "cl/device.h"
#include "step/pipeline_split.h"

#define S2S_SWEEP_MAX 16

typedef struct s2s_sweep_split {
  int ndev;
  char spec[256];
} s2s_sweep_split;

typedef struct s2s_sweep {
  char name[64], source[1024], out_dir[2048];
  char devices[S2S_SWEEP_MAX][256];
  int ndevices;
  s2s_sweep_split splits[S2S_SWEEP_MAX * 2];
  int nsplits;
  char presets[S2S_SWEEP_MAX][16];
  int npresets;
  int batches[S2S_SWEEP_MAX], nbatches;
  int lens[S2S_SWEEP_MAX], nlens;
  char overrides[S2S_SWEEP_MAX][2][64]; /* model keys applied after each preset */
  int noverrides;
  long trials, warmup, gemm_reps;
  int no_predict; /* predict = off */
} s2s_sweep;

/* Defaults: devices cpu/1 cpu/2, preset small, batch 64, len 20, trials 5, warmup 1. */
void s2s_sweep_defaults(s2s_sweep *s);
/* Reads a config file over s. Errors name the file and line. Returns 0 or -1. */
int s2s_sweep_load(s2s_sweep *s, const char *path, char *err, size_t errlen);
/* Sets one key (as in the file; also used by the command-line flags). Returns 0 or -1. */
int s2s_sweep_set(s2s_sweep *s, const char *key, const char *value, char *err, size_t errlen);
/* The model config of one point; -1 with a message for a bad preset or override. */
int s2s_sweep_point_config(const s2s_sweep *s, int preset, int batch, int len, s2s_config *c,
                           char *err, size_t errlen);
/* The splits for an N-device point (count returned, specs in out; "default" included). */
int s2s_sweep_splits_for(const s2s_sweep *s, int ndev, const char **out, int max);

/* Opens a sweep device spec ("cpu/2", "gpu@4"): all devices are opened (closed together),
 * *used gets how many the point uses. Returns 0 or -1 (message in err). */
int s2s_sweep_open(const char *spec, s2s_device **devs, int *count, int *used, char *err,
                   size_t errlen);

/* Runs every unfinished point, then writes the summary. Returns 0 when every point has a
 * result whose output check passed, 1 otherwise, -1 on an error. */
int s2s_sweep_run(const s2s_sweep *s, int argc, char **argv);

#endif

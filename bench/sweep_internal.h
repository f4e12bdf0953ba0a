/* Shared by the sweep files (sweep.c runs the points, sweep_summary.c summarizes them):
 * the grid's points in order, their folders, and whether one is finished. */
#ifndef S2S_SWEEP_INTERNAL_H
#define S2S_SWEEP_INTERNAL_H

#include "bench/sweep.h"

typedef struct s2s_sweep_point {
  int preset, batch, len, spec, ndev; /* indices into the sweep's lists; devices used */
  const char *split;                  /* split spec or "default" */
  char name[256], dir[2400];
  int done; /* run.json exists and parses */
} s2s_sweep_point;

/* "cpu/2" -> "cpu-2": letters, digits and '.' kept, other runs as one '-'. */
void s2s_sweep_slug(const char *in, char *out, size_t len);
/* The grid's points (presets x batches x lens x device specs x splits), given each device
 * spec's device count. Returns the count (*out malloc'd) or -1. */
int s2s_sweep_points(const s2s_sweep *s, const int *ndev, s2s_sweep_point **out);
/* Does the point's run.json exist and parse as a sweep point? */
int s2s_sweep_point_done(const s2s_sweep_point *p);

/* Rebuilds OUT/sweep.tsv and OUT/sweep.json from the points' run.json files; devs are
 * the widest device set (recorded as the sweep's devices). Returns how many points lack a
 * valid result, or -1 when the summary cannot be written. */
int s2s_sweep_summarize(const s2s_sweep *s, const s2s_sweep_point *pts, int np,
                        const s2s_device *devs, int ndev, int argc, char **argv);

#endif

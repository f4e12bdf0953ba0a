/* The frame shared by the microbenchmarks (bench gemm|lstm|softmax|transfer): common
 * flags, the timing loop (warm-up recorded apart, every trial kept, median/min/max), a
 * table of cases with FLOP and bytes per call from explicit counts, the output check of
 * each case, and the results folder (run.json, trials.tsv, cases.tsv). */
#ifndef S2S_MICRO_H
#define S2S_MICRO_H

#include <stddef.h>

#include "args/args.h"
#include "model/config.h"
#include "cl/device.h"
#include "profile/stats.h"

#define S2S_MICRO_MAX_WARMUP 16

typedef struct s2s_micro_case {
  char name[48];    /* "gates_fwd", "h2d", ... */
  char variant[24]; /* "default" / "tuned" (GEMM), "" */
  char shape[64];   /* "64x1024x512 NT", "262144 B", ... */
  int device;       /* position in --devices (transfers: the destination) */
  double flops;     /* per call, 0 when not meaningful */
  double bytes;     /* per call: bytes moved (read + written, or transferred) */
  double warm_s[S2S_MICRO_MAX_WARMUP];
  double *trial_s;
  s2s_summary s;
  int check;      /* 1 passed, 0 failed (numbers withheld), -1 not checked */
  double max_err; /* worst error of the check, relative to its tolerance scale */
} s2s_micro_case;

typedef struct s2s_micro {
  const char *kind; /* "bench gemm" */
  s2s_config cfg;
  const char *devices, *out_dir;
  long trials, warmup, len;
  s2s_micro_case *cases;
  size_t n, cap;
  int argc;
  char **argv;
  const char *note; /* recorded in the summary when set (e.g. the tuning file used) */
} s2s_micro;

/* A bench-specific flag: returns 1 handled, 0 not ours, -1 bad value (message printed). */
typedef int (*s2s_micro_flag_fn)(s2s_args *c, void *ctx);

/* Parses --preset/size flags, --device(s), --trials, --warmup, --len, --out and the bench's
 * own flags. Returns 0 ok, 1 help printed, 2 bad flag. */
int s2s_micro_parse(s2s_micro *m, const char *kind, int argc, char **argv, void (*help)(void),
                    s2s_micro_flag_fn flag, void *ctx);
void s2s_micro_help_common(void);

/* Times run(ctx): warm-up calls (recorded apart) then m->trials calls; run must wait for
 * its work to finish (clFinish). prep(ctx) (may be NULL) runs before each call, untimed
 * (e.g. restores an input the kernel overwrites). Adds a case (fields from proto) and
 * returns it, or NULL on an error. */
s2s_micro_case *s2s_micro_time(s2s_micro *m, const s2s_micro_case *proto, int (*run)(void *ctx),
                               int (*prep)(void *ctx), void *ctx);

/* Prints the cases as a table (withheld numbers shown as such). */
void s2s_micro_report(const s2s_micro *m, const s2s_device *devs, int ndev);
/* Writes run.json, trials.tsv, cases.tsv under m->out_dir. Returns 0 or -1. */
int s2s_micro_write(const s2s_micro *m, const s2s_device *devs, int ndev);
/* All checks passed (or not checked)? */
int s2s_micro_ok(const s2s_micro *m);
void s2s_micro_free(s2s_micro *m);

/* Deterministic floats in [-scale, scale]. */
void s2s_micro_fill(float *x, size_t n, float scale, unsigned seed);

#endif

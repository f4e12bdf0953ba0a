/* CLBlast tuning per device: parameters found by CLBlast's own tuners (clblast-utils:
 * clblast_tuner_xgemm, clblast_tuner_xgemm_direct), kept in
 * results/tuning/<device-slug>.json and applied with CLBlastOverrideParameters to every
 * device of that name a run opens, before its first GEMM. S2S_TUNING=off disables it;
 * S2S_TUNING_DIR names another folder.
 *
 * A file holds base sets (one per kernel: the tuners' best) and, when `tune` has chosen
 * them, one setting per shape class of the step (gemm_classes.h): the route (CLBlast's
 * direct kernel or its indirect Xgemm path, forced through GemmRoutine's
 * XGEMM_MIN_INDIRECT_SIZE) and that kernel's parameters, the fastest of the candidates
 * timed at that shape. Before each product s2s_gemm switches the device to the setting
 * of the class nearest to the product's shape when another one is in effect
 * (s2s_tuning_select). CLBlast keys its compiled programs by the parameter values, so a
 * switch back costs the override calls, not a compilation. */
#ifndef S2S_TUNING_H
#define S2S_TUNING_H

#include <stddef.h>

#include "cl/device.h"

#define S2S_TUNING_MAX_PARAMS 24
#define S2S_TUNING_MAX_KERNELS 8

typedef struct s2s_tuned_kernel {
  char kernel[32];  /* CLBlast database name: "Xgemm", "XgemmDirect" */
  char family[48];  /* tuner output family: "xgemm_2", "xgemm_direct_1" */
  char variant[48]; /* the kernel the tuner timed: "Xgemm", "XgemmDirectTN" */
  int nparams;
  char names[S2S_TUNING_MAX_PARAMS][24];
  size_t values[S2S_TUNING_MAX_PARAMS];
  double time_ms; /* best time at the tuned shape */
  long m, n, k;   /* the shape the tuner ran */
  long configs;   /* configurations the tuner timed and verified */
  int complete;   /* 0: salvaged from the log of a tuner stopped by the time limit */
} s2s_tuned_kernel;

#define S2S_TUNING_MAX_CLASSES 16

/* The setting `tune` chose for one shape class: set.kernel "Xgemm" routes the class's
 * products through the indirect path with set's parameters, "XgemmDirect" through the
 * direct kernel; the other kernel keeps its base set. No parameters (set.nparams 0,
 * "pristine" in the file): the kernel keeps CLBlast's own, which the file then overrides
 * for no class (once overridden they cannot be restored: CLBlast's C API cannot read them
 * back). set.time_ms is the median time at the class's shape, set.m/n/k that shape. */
typedef struct s2s_tuned_class {
  char name[24];
  int ta, tb; /* 1: transposed */
  s2s_tuned_kernel set;
  double default_ms; /* CLBlast's own parameters and routing, same shape, same session */
  long candidates;   /* settings timed at this class */
} s2s_tuned_class;

typedef struct s2s_tuning {
  char device[256], driver[128], platform[128];
  int nkernels;
  s2s_tuned_kernel k[S2S_TUNING_MAX_KERNELS];
  int nclasses;
  s2s_tuned_class c[S2S_TUNING_MAX_CLASSES];
  double switch_ms; /* measured cost of one switch between two classes' settings, -1 unknown */
} s2s_tuning;

/* "pthread-skylake-avx512-amd-epyc": the device name, lower case, [a-z0-9.] kept, other
 * runs of characters as one '-', a clock ("@ 2.80GHz") left out: virtual machines of one
 * CPU kind report it or not and at different clocks, and it does not change which kernel
 * is fastest. Sub-devices share their parent's slug. */
void s2s_tuning_slug(const char *device_name, char *buf, size_t len);
/* The tuning folder: $S2S_TUNING_DIR, else results/tuning of the source tree. */
void s2s_tuning_dir(char *buf, size_t len);
/* The host CPU's widest vector ISA: "avx512", "avx2", "avx", "sse" (x86), "" elsewhere. */
const char *s2s_tuning_host_isa(void);
/* The name of this device's tuning file: its slug, and for a CPU device "-" and the host's
 * ISA ("amd-epyc-avx512"): virtual machines report one CPU name for different cores
 * (a Zen 3 and a Zen 4 are both "AMD EPYC"), and a setting tuned for AVX-512 is not the
 * fastest for AVX2. */
void s2s_tuning_key(const s2s_device_info *d, char *buf, size_t len);
/* <dir>/<key>.json for this device. */
void s2s_tuning_path(const s2s_device_info *d, char *buf, size_t len);

/* One CLBlast tuner output file (clblast_xgemm_1_32.json): its best result, without the
 * PRECISION entry (not a database parameter). Returns 0 or -1 (reason in err). */
int s2s_tuning_parse_tuner_json(const char *path, s2s_tuned_kernel *out, char *err, size_t errlen);
/* The same, but the max fastest distinct results, fastest first (configs: the file's
 * count on each). Returns how many (>= 1) or -1. */
int s2s_tuning_parse_tuner_json_top(const char *path, s2s_tuned_kernel *out, int max, char *err,
                                    size_t errlen);
/* A tuner's terminal output (what it printed before it finished or was stopped): the best
 * verified ("results match") row of section `section` (0-based, one per tuning phase).
 * Returns 0, 1 when the section has no verified row, -1 when it does not exist. */
int s2s_tuning_parse_tuner_log(const char *path, int section, const char *kernel,
                               s2s_tuned_kernel *out);
/* The max fastest distinct verified rows of that section, fastest first. Returns how many
 * (0 when none is verified), -1 when the section does not exist. */
int s2s_tuning_parse_tuner_log_top(const char *path, int section, const char *kernel,
                                   s2s_tuned_kernel *out, int max);
/* Keeps k in t, replacing an entry of the same kernel only when k is faster. */
void s2s_tuning_merge(s2s_tuning *t, const s2s_tuned_kernel *k);

int s2s_tuning_load(const char *path, s2s_tuning *t, char *err, size_t errlen);
/* Writes t atomically. extra (may be NULL) writes the first members of the top-level
 * object: the run record's metadata with kind "tuning"; without it only schema_version
 * and kind are written. */
int s2s_tuning_save(const char *path, const s2s_tuning *t, void (*extra)(void *json, void *ctx),
                    void *ctx);

/* Applies the tuning file of d's device, if there is one: returns the number of kernels
 * applied (0: no file, or S2S_TUNING=off), -1 on a bad file or a CLBlast refusal (message
 * on stderr). Call after opening the device and before its first GEMM. If applied_path
 * is not NULL it gets the file used ("" when none). */
int s2s_tuning_apply(const s2s_device *d, char *applied_path, size_t len);

/* The class of t nearest to a product's shape: the same transposes if any class has them,
 * then the smallest sum of |log| ratios of m, n and k. -1 when t has no classes. */
int s2s_tuning_nearest(const s2s_tuning *t, int ta, int tb, size_t m, size_t n, size_t k);

/* Sets d's CLBlast parameters to t's base sets with class cls's setting on top (cls -1:
 * the base sets and CLBlast's routing left alone). Returns 0 or -1 (reported). */
int s2s_tuning_use(const s2s_device *d, const s2s_tuning *t, int cls);

/* 1 when x and y set the device alike: the same kernel (so the same route) and the same
 * parameters in any order (CLBlast's own parameters: none); else 0. */
int s2s_tuned_same(const s2s_tuned_kernel *x, const s2s_tuned_kernel *y);

/* Makes t (copied) the class table of d: every later s2s_tuning_select on d switches among
 * its classes. t NULL forgets d's table. Returns 0 or -1 (out of memory). */
int s2s_tuning_register(const s2s_device *d, const s2s_tuning *t);

/* Called by s2s_gemm before each product: switches d to the nearest class's setting when
 * d has a class table and another class with another setting is in effect (two classes
 * tuned to the same kernel and parameters share it: no switch). Returns 0 or -1
 * (reported). */
int s2s_tuning_select(const s2s_device *d, int ta, int tb, size_t m, size_t n, size_t k);

/* Switches made by s2s_tuning_select since the start of the process (for tests and for
 * the step's record). */
long s2s_tuning_switches(void);

#endif

/* OpenCL devices: enumerate every platform's devices, select them with a spec string,
 * split a device into sub-devices, and describe each one. One s2s_device = one context
 * and one in-order queue (profiling enabled) on one (sub-)device.
 *
 * Platform order (P in P:D, the order `devices` lists): stable, not the ICD loader's
 * (which follows directory order): PoCL first, then the others by platform name. PoCL
 * comes first because it is the project's reference CPU platform (tests, CI and recorded
 * results): installing a second CPU runtime (Intel's) must not change what a spec means.
 *
 * Device spec (comma-separated list of items; each item selects one or more devices):
 *   cpu | gpu | accelerator        the devices of that type on ONE platform: the first in
 *                                  the order above that has one (PoCL + Intel: cpu is
 *                                  PoCL's CPU, exactly as on PoCL alone)
 *   all                            every device of every platform
 *   P:D                            platform index P, device index D (as `devices` lists)
 *   name=TEXT                      devices whose name contains TEXT (case-insensitive),
 *                                  on any platform
 *   platform=TEXT                  every device of the platforms whose name or vendor
 *                                  contains TEXT (case-insensitive): platform=intel,
 *                                  platform=pocl; mixing vendors: cpu,platform=intel
 *   ITEM/N                         split the (single) selected device into N sub-devices
 *                                  of ONE compute unit each (CL_DEVICE_PARTITION_EQUALLY):
 *                                  cpu/2 = two isolated 1-CU devices, cpu/1 = one 1-CU
 *                                  sub-device (the single-device baseline with the same
 *                                  resources per device, so 1..N speedups compare alike).
 *   ITEM/NxC                       N sub-devices of C compute units each (cpu/2x4 = two
 *                                  4-CU devices on a machine of 8 or more cores).
 * Splitting needs an item that selects exactly one device (else name it: P:D, name=TEXT,
 * platform=TEXT); cpu/2 with PoCL and Intel present splits PoCL's CPU, platform=intel/2
 * Intel's.
 * The default spec (NULL or "") is the first GPU if any, else the first CPU (same order).
 * Sub-devices split from one parent share a context (so one run's stages can order each
 * other with events); devices of different parents/platforms get contexts of their own. */
#ifndef S2S_DEVICE_H
#define S2S_DEVICE_H

#include <CL/cl.h>
#include <stddef.h>

typedef struct s2s_device_info {
  char platform[128], platform_version[128];
  char name[256], vendor[128], driver[128], version[128], c_version[64];
  cl_device_type type;
  unsigned compute_units;
  unsigned long long global_mem, max_alloc, local_mem;
  int fp16, fp64;
  char pci_bus_id[32];   /* "0000:41:00.0", or "" where the device does not report it */
  int platform_index, device_index;
  int sub_index;         /* -1 for a whole device, else index among its parent's parts */
  int sub_count;         /* parts the parent was split into (0 for a whole device) */
  /* added: */
  char partition_types[64]; /* "equally, by counts, by affinity domain" or "none" */
  unsigned max_sub_devices;
  char tuning[256];         /* CLBlast parameters applied from this file ("" = defaults) */
  unsigned max_clock_mhz;
  size_t max_work_group;
  int icd_platform_index;   /* the ICD loader's index of the platform (not the stable
                               platform_index): for tools that take it, clblast_tuner_* */
} s2s_device_info;

typedef struct s2s_device {
  cl_device_id id;
  cl_context ctx;             /* shared between sub-devices of one parent (retained) */
  cl_command_queue queue;     /* in-order, CL_QUEUE_PROFILING_ENABLE */
  s2s_device_info info;
  int remote;                 /* a device another MPI rank holds: info only, no context,
                                 queue or id (run/run_record.h s2s_run_open_devices) */
  int rank;                   /* the MPI rank that holds it (0 without MPI) */
  int dry;                    /* described, never opened: every command is only recorded in
                                 the plan being captured (plan/plan.h), no OpenCL call made */
} s2s_device;

/* Lists every device of every platform (whole devices only). Returns how many were
 * written to out (up to max), or -1 on an OpenCL error. 0 = no OpenCL device (also when
 * the ICD loader finds no platform). With out == NULL returns the total count. */
int s2s_device_list(s2s_device_info *out, int max);

/* Opens the devices the spec selects, in spec order (CLBlast tuning is applied one layer up:
 * blas/blas_devices.h opens devices with their tuned parameters). On success *devs is a malloc'd array of *count opened devices. On a bad spec or an unavailable device, writes a message that
 * names the offending spec item to err and returns -1 or S2S_DEVICE_BAD_SPEC (nothing left open). */
int s2s_device_open(const char *spec, s2s_device **devs, int *count, char *err, size_t errlen);
/* Only item `item` (0-based) of the spec, which must select one device; the items before
 * it are not opened, but a split of the same device takes its sub-devices after theirs, as
 * in a whole open (cpu/1x1,cpu/1x1: item 1 is sub-device 1). For an MPI rank (rank r opens
 * item r). item -1: every item (s2s_device_open). */
int s2s_device_open_item(const char *spec, int item, s2s_device **devs, int *count, char *err,
                         size_t errlen);
/* The number of comma-separated items of a spec (1 for the default spec). */
int s2s_device_spec_items(const char *spec);
/* s2s_device_open's return for a spec whose syntax is wrong (checked before any OpenCL
 * call): a usage error, exit 2; -1 is a device that is missing or fails to open, exit 1. */
#define S2S_DEVICE_BAD_SPEC (-2)
/* The spec's syntax alone (every item, no empty one), no OpenCL call: 0, or
 * S2S_DEVICE_BAD_SPEC with the message naming the item. For checking flags before work. */
int s2s_device_spec_check(const char *spec, char *err, size_t errlen);
/* The exit status for an open's return: 0, 2 for S2S_DEVICE_BAD_SPEC, else 1. */
#define S2S_DEVICE_EXIT(rc) ((rc) == 0 ? 0 : (rc) == S2S_DEVICE_BAD_SPEC ? 2 : 1)
/* Runs every close hook on each device (so the program cache and the GEMM temp buffers of
 * these devices go), then releases the queues and contexts and frees the array. */
void s2s_device_close(s2s_device *devs, int count);

/* A layer that keeps per-device state registers its release function once (idempotent);
 * s2s_device_close calls the hooks in reverse order of registration. At most 8. */
typedef void (*s2s_device_hook)(s2s_device *d);
void s2s_device_on_close(s2s_device_hook fn);

/* One-line description, e.g. "pthread-skylake-avx512-AMD EPYC [PoCL 3.1, 1 CU, sub 0/2]". */
void s2s_device_describe(const s2s_device_info *d, char *buf, size_t len);

/* Writes a JSON object describing the device to f (used in every results record). */
void s2s_device_json(const s2s_device_info *d, void *file /* FILE* */);

/* Fills every info field of device d on platform p (indices as `devices` lists them;
 * sub_index -1). Fields a driver does not report stay zero/empty. (device_info.c) */
void s2s_device_query_info(cl_platform_id p, cl_device_id d, int platform_index,
                           int device_index, s2s_device_info *info);
/* A string device query copied into buf (truncated; "" on error). */
void s2s_device_info_string(cl_device_id d, cl_device_info what, char *buf, size_t len);
/* "CPU", "GPU", "ACCELERATOR", "CUSTOM" or "DEFAULT". */
const char *s2s_device_type_name(cl_device_type type);

#endif

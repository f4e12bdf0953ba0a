/* The self-describing part of every results record (run.json): schema version, command
 * line, git commit, date, host, versions of s2sbench/CLBlast/hwloc and the OpenCL
 * platforms, every device, relevant environment variables, and the model config. */
#ifndef S2S_RUN_RECORD_H
#define S2S_RUN_RECORD_H

#include "model/config.h"
#include "cl/device.h"
#include "record/json.h"


/* The full command line as main() saw it (recorded instead of a subcommand's argv). */
void s2s_run_record_argv(int argc, char **argv);

/* Loads the machine topology with hwloc; call before the first OpenCL call of a command
 * that records results. Later records carry its summary and each device's placement. */
void s2s_run_record_topology(void);

/* For a command that records results: loads the topology (before the first OpenCL call),
 * then opens the devices of spec; on failure prints "s2sbench CMD: FLAG: reason" and
 * returns -1. */
int s2s_run_open_devices(const char *cmd, const char *flag, const char *spec, s2s_device **devs,
                         int *count);

/* Binds the calling (host) thread near device d (hwloc); on failure (sandbox, CPU device
 * spanning the machine) one warning line, and the run goes on. */
void s2s_run_record_bind(const s2s_device_info *d);
/* Warns (once per process) when a CPU device of devs has more compute units than the PUs
 * this process may run on: its threads share them, and the numbers measure that. */
void s2s_run_warn_binding(const char *cmd, const s2s_device *devs, int n);

/* Writes the metadata keys into an open top-level object. */
void s2s_run_record_meta(s2s_json *j, const char *kind, int argc, char **argv,
                         const s2s_device *devs, int ndev);
/* Writes "config": {...}. */
void s2s_run_record_config(s2s_json *j, const s2s_config *c);

#endif

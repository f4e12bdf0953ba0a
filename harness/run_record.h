/* The self-describing part of every results record (run.json): schema version, command
 * line, git commit, date, host, versions of s2sbench/CLBlast/hwloc and the OpenCL
 * platforms, every device, relevant environment variables, and the model config. */
#ifndef S2S_RUN_RECORD_H
#define S2S_RUN_RECORD_H

#include "config.h"
#include "device.h"
#include "json.h"

#define S2S_RESULTS_SCHEMA 1

/* Writes the metadata keys into an open top-level object. */
void s2s_run_record_meta(s2s_json *j, const char *kind, int argc, char **argv,
                         const s2s_device *devs, int ndev);
/* Writes "config": {...}. */
void s2s_run_record_config(s2s_json *j, const s2s_config *c);

#endif

/* For tests that run a case as several MPI ranks: the test program starts itself under
 * mpirun (ctest runs it plainly) and checks the exit status. */
#ifndef S2S_TEST_MPI_UTIL_H
#define S2S_TEST_MPI_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_util.h"

/* Runs this program under `mpirun -np ranks` with args (already quoted); 0 when every rank
 * exited 0. Root may start ranks (containers and CI run as root). Under the sanitizers the
 * ranks check memory errors and undefined behaviour but not leaks: Open MPI's components
 * are dlopen'ed and closed again at MPI_Finalize, so LeakSanitizer reports the memory they
 * keep in "<unknown module>" frames that no suppression can name. */
static inline int s2s_test_mpirun(int ranks, const char *args) {
  char self[4096], cmd[8400];
  const ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
  if (len <= 0) {
    T_CHECK(0, "/proc/self/exe");
    return 1;
  }
  self[len] = '\0';
  setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 0);
  setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 0);
  const char *asan = getenv("ASAN_OPTIONS");
  if (!asan || !strstr(asan, "detect_leaks")) {
    char opts[2048];
    snprintf(opts, sizeof opts, "%s%sdetect_leaks=0", asan ? asan : "", asan ? ":" : "");
    setenv("ASAN_OPTIONS", opts, 1);
  }
  snprintf(cmd, sizeof cmd, "mpirun --oversubscribe -np %d '%s' %s", ranks, self, args);
  printf("== %s\n", cmd);
  fflush(stdout);
  const int rc = system(cmd);
  T_CHECK(rc == 0, "%s: exit status %d", cmd, rc);
  return rc != 0;
}

#endif

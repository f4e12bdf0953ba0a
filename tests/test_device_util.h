/* Device-test helpers: open the default test device or skip (exit 77) when there is no
 * OpenCL device at all. CI has PoCL, so there these tests run. S2S_TEST_DEVICE overrides
 * the device spec (default "cpu": PoCL's CPU when PoCL is present, see cl/device.h).
 * s2s_test_each_cpu_platform() at the top of a kernel test's main runs the whole test
 * once per platform with a CPU device (PoCL, Intel's CPU runtime, ...), each run in a
 * fresh process with S2S_TEST_DEVICE naming that platform's first CPU device. */
#ifndef S2S_TEST_DEVICE_UTIL_H
#define S2S_TEST_DEVICE_UTIL_H

#include <spawn.h>
#include <sys/wait.h>

#include "blas/blas_devices.h"
#include "test_util.h"

static inline s2s_device *s2s_test_device_open(const char *spec, int *count) {
  s2s_device_info info[4];
  if (s2s_device_list(info, 4) <= 0) {
    fprintf(stderr, "no OpenCL device: skipping\n");
    exit(77);
  }
  if (!spec) spec = getenv("S2S_TEST_DEVICE");
  if (!spec || !*spec) spec = "cpu";
  s2s_device *d = NULL;
  char err[512];
  if (s2s_blas_open_devices(spec, &d, count, err, sizeof err) != 0) {
    fprintf(stderr, "cannot open test device '%s': %s\n", spec, err);
    exit(1);
  }
  return d;
}
/* The marker that gives a test the ctest label `device`. */
#define s2s_test_device(countp) s2s_test_device_open(NULL, countp)

/* One device spec ("P:D") per platform that has a CPU device: its first CPU device, with
 * the platform's name; platforms in the stable order of cl/device.h (PoCL first).
 * Returns how many (0 without any OpenCL CPU device). */
static inline int s2s_test_cpu_platforms(char specs[][32], char names[][128], int max) {
  s2s_device_info info[32];
  _Static_assert(sizeof info[0].platform == 128, "names[] holds a platform name");
  int n = s2s_device_list(info, 32), count = 0, last = -1;
  for (int i = 0; i < n && count < max; i++) {
    if (!(info[i].type & CL_DEVICE_TYPE_CPU) || info[i].platform_index == last) continue;
    last = info[i].platform_index;
    snprintf(specs[count], 32, "%d:%d", info[i].platform_index, info[i].device_index);
    memcpy(names[count], info[i].platform, sizeof info[i].platform); /* both 128 */
    names[count++][127] = '\0';
  }
  return count;
}

/* With one CPU platform (or S2S_TEST_DEVICE set: a chosen device, or one of the runs
 * below) returns and the test runs as before. With several, runs this test's executable
 * again once per platform (posix_spawn: a fresh process, no OpenCL state carried over)
 * and exits: 1 if any run failed, 77 if every run skipped, else 0. */
static inline void s2s_test_each_cpu_platform(void) {
  const char *chosen = getenv("S2S_TEST_DEVICE");
  if (chosen && *chosen) return;
  char specs[8][32], names[8][128];
  int n = s2s_test_cpu_platforms(specs, names, 8);
  if (n <= 1) return;
  extern char **environ;
  size_t nenv = 0;
  while (environ[nenv]) nenv++;
  char **env = calloc(nenv + 2, sizeof *env), var[64];
  if (!env) exit(1);
  size_t kept = 0; /* an empty S2S_TEST_DEVICE= would hide ours: each run would loop again */
  for (size_t i = 0; i < nenv; i++)
    if (strncmp(environ[i], "S2S_TEST_DEVICE=", 16) != 0) env[kept++] = environ[i];
  env[kept] = var;
  int failed = 0, skipped = 0;
  for (int i = 0; i < n; i++) {
    snprintf(var, sizeof var, "S2S_TEST_DEVICE=%s", specs[i]);
    printf("=== platform %d of %d: %s (S2S_TEST_DEVICE=%s)\n", i + 1, n, names[i], specs[i]);
    fflush(stdout);
    fflush(stderr);
    char *argv[] = {"/proc/self/exe", NULL};
    pid_t pid;
    int status = 0;
    if (posix_spawn(&pid, "/proc/self/exe", NULL, NULL, argv, env) != 0 ||
        waitpid(pid, &status, 0) != pid) {
      fprintf(stderr, "cannot run this test again for %s\n", names[i]);
      failed++;
      continue;
    }
    int rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    const char *verdict = rc == 0 ? "passed" : rc == 77 ? "skipped" : "FAILED";
    printf("=== %s: %s (exit %d)\n", names[i], verdict, rc);
    failed += rc != 0 && rc != 77;
    skipped += rc == 77;
  }
  free(env);
  exit(failed ? 1 : skipped == n ? 77 : 0);
}

#endif

#include "cl/buffer.h"

/* Canary floats after every device output: a kernel that writes past its output region
 * changes them and the download check fails. */
#define S2S_TEST_CANARIES 16

static inline float s2s_test_canary(void) {
  float f;
  unsigned u = S2S_CANARY;
  memcpy(&f, &u, sizeof f);
  return f;
}

/* Allocates n floats + canaries on d and fills them from x (double, may be NULL = zeros). */
static inline s2s_buf s2s_test_upload(s2s_device *d, const double *x, size_t n) {
  float *h = malloc((n + S2S_TEST_CANARIES) * sizeof *h);
  for (size_t i = 0; i < n; i++) h[i] = x ? (float)x[i] : 0.0f;
  for (size_t i = 0; i < S2S_TEST_CANARIES; i++) h[n + i] = s2s_test_canary();
  s2s_buf b;
  if (s2s_buf_alloc(d, n + S2S_TEST_CANARIES, &b) != 0 ||
      s2s_buf_write(d, b, h, n + S2S_TEST_CANARIES) != 0) {
    fprintf(stderr, "device upload of %zu floats failed\n", n);
    exit(1);
  }
  free(h);
  return b;
}

/* Same for int32 data (token ids). */
static inline s2s_buf s2s_test_upload_ids(s2s_device *d, const int32_t *x, size_t n) {
  s2s_buf b;
  if (s2s_buf_alloc(d, n, &b) != 0 || s2s_buf_write(d, b, x, n) != 0) {
    fprintf(stderr, "device upload of %zu ids failed\n", n);
    exit(1);
  }
  return b;
}

/* Reads n floats into out (double) and checks the canaries behind them. */
static inline void s2s_test_download(s2s_device *d, s2s_buf b, size_t n, double *out,
                                     const char *what) {
  float *h = malloc((n + S2S_TEST_CANARIES) * sizeof *h);
  if (s2s_buf_read(d, b, h, n + S2S_TEST_CANARIES) != 0) {
    fprintf(stderr, "device download of %s failed\n", what);
    exit(1);
  }
  for (size_t i = 0; i < n; i++) out[i] = h[i];
  for (size_t i = 0; i < S2S_TEST_CANARIES; i++) {
    unsigned u;
    memcpy(&u, &h[n + i], sizeof u);
    T_CHECK(u == S2S_CANARY, "%s: canary %zu after the output was overwritten", what, i);
  }
  free(h);
}

/* Deterministic test data in [-scale, scale]. */
static inline void s2s_test_fill(double *x, size_t n, double scale, unsigned seed) {
  unsigned long long s = 0x9E3779B97F4A7C15ull * (seed + 1);
  for (size_t i = 0; i < n; i++) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    x[i] = scale * (2.0 * (double)(s >> 11) / 9007199254740992.0 - 1.0);
  }
}

/* For libFuzzer targets whose reader takes a path (s2s_ckpt_read, s2s_sweep_load,
 * s2s_tuning_load, the tuner-output parsers): the input is written to a file of this
 * process's own and its name returned. The folder is $S2S_FUZZ_TMP (the fuzz scripts point
 * it at a tmpfs folder they remove), else $TMPDIR, else /tmp; the files are removed at
 * exit. `slot` picks one of a few names (0..3) so a target can keep a second file, e.g. a
 * round trip's output. */
#ifndef S2S_FUZZ_FILE_H
#define S2S_FUZZ_FILE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char s2s_fuzz_paths[4][512];

static void s2s_fuzz_cleanup(void) {
  for (int i = 0; i < 4; i++)
    if (s2s_fuzz_paths[i][0]) {
      remove(s2s_fuzz_paths[i]);
      char tmp[600]; /* what an atomic writer may leave after a crash mid-write */
      snprintf(tmp, sizeof tmp, "%s.tmp", s2s_fuzz_paths[i]);
      remove(tmp);
    }
}

/* The path of slot `slot` (made once per process), ending in `suffix` (".json", ".cfg"). */
static const char *s2s_fuzz_path(int slot, const char *suffix) {
  if (!s2s_fuzz_paths[slot][0]) {
    const char *dir = getenv("S2S_FUZZ_TMP");
    if (!dir || !*dir) dir = getenv("TMPDIR");
    if (!dir || !*dir) dir = "/tmp";
    static int registered;
    if (!registered++) atexit(s2s_fuzz_cleanup);
    snprintf(s2s_fuzz_paths[slot], sizeof s2s_fuzz_paths[slot], "%s/s2s_fuzz_%ld_%d%s", dir,
             (long)getpid(), slot, suffix);
  }
  return s2s_fuzz_paths[slot];
}

/* Writes data to slot `slot` and returns its path (aborts when it cannot: a broken run,
 * not a finding). */
static const char *s2s_fuzz_file(int slot, const char *suffix, const uint8_t *data, size_t size) {
  const char *p = s2s_fuzz_path(slot, suffix);
  FILE *f = fopen(p, "wb");
  if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
    perror(p);
    abort();
  }
  return p;
}

#endif

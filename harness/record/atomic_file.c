/* Atomic file replacement and folder creation for results and checkpoints. */
#include "record/atomic_file.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int s2s_atomic_open(s2s_atomic_file *a, const char *path) {
  memset(a, 0, sizeof *a);
  if (strlen(path) >= sizeof a->path) {
    fprintf(stderr, "s2sbench: path too long: %s\n", path);
    return -1;
  }
  snprintf(a->path, sizeof a->path, "%s", path);
  snprintf(a->tmp, sizeof a->tmp, "%s.tmp", path);
  a->f = fopen(a->tmp, "w");
  if (!a->f) {
    fprintf(stderr, "s2sbench: cannot write '%s': %s\n", a->tmp, strerror(errno));
    return -1;
  }
  return 0;
}

int s2s_atomic_commit(s2s_atomic_file *a) {
  int ok = fflush(a->f) == 0 && fsync(fileno(a->f)) == 0;
  ok = fclose(a->f) == 0 && ok;
  a->f = NULL;
  if (!ok || rename(a->tmp, a->path) != 0) {
    fprintf(stderr, "s2sbench: cannot write '%s': %s\n", a->path, strerror(errno));
    remove(a->tmp);
    return -1;
  }
  return 0;
}

void s2s_atomic_abort(s2s_atomic_file *a) {
  if (a->f) fclose(a->f);
  a->f = NULL;
  remove(a->tmp);
}

int s2s_mkdirs(const char *dir) {
  char buf[4096];
  if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf) return -1;
  for (char *p = buf + 1; ; p++) {
    if (*p == '/' || *p == '\0') {
      char c = *p;
      *p = '\0';
      if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "s2sbench: cannot create folder '%s': %s\n", buf, strerror(errno));
        return -1;
      }
      *p = c;
      if (!c) break;
    }
  }
  return 0;
}

/* Atomic file replacement and folder creation for results and checkpoints. */
#include "record/atomic_file.h"

#include <errno.h>
#include <stdlib.h>
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

int s2s_path_folder(const char *path, char *out, size_t cap) {
  const char *slash = strrchr(path, '/');
  while (slash && slash > path && slash[-1] == '/') slash--; /* "a//b": folder "a" */
  const int n = !slash ? 1 : slash == path ? 1 : (int)(slash - path);
  return snprintf(out, cap, "%.*s", n, !slash ? "." : path) >= (int)cap ? -1 : 0;
}

int s2s_check_out_dir(const char *dir, char *err, size_t errlen) {
  char p[4096];
  if (snprintf(p, sizeof p, "%s", dir) >= (int)sizeof p)
    return snprintf(err, errlen, "path too long"), -1;
  /* the nearest existing folder on the way up decides: what is missing below it is
   * created by s2s_mkdirs later */
  for (;;) {
    struct stat st;
    if (stat(p, &st) == 0) {
      if (!S_ISDIR(st.st_mode))
        return snprintf(err, errlen, "'%s' is not a folder", p), -1;
      if (access(p, W_OK | X_OK) != 0)
        return snprintf(err, errlen, "folder '%s' is not writable: %s", p, strerror(errno)), -1;
      return 0;
    }
    if (errno != ENOENT && errno != ENOTDIR)
      return snprintf(err, errlen, "'%s': %s", p, strerror(errno)), -1;
    char up[4096];
    if (s2s_path_folder(p, up, sizeof up) != 0 || !strcmp(up, p)) /* "/" or "." is missing */
      return snprintf(err, errlen, "'%s': %s", p, strerror(errno)), -1;
    memcpy(p, up, strlen(up) + 1);
  }
}

int s2s_check_out_file(const char *path, int mkdir_ok, char *err, size_t errlen) {
  struct stat st;
  if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
    return snprintf(err, errlen, "'%s' is a directory, not a file", path), -1;
  char dir[4096];
  if (s2s_path_folder(path, dir, sizeof dir) != 0)
    return snprintf(err, errlen, "path too long"), -1;
  if (mkdir_ok) return s2s_check_out_dir(dir, err, errlen);
  if (stat(dir, &st) != 0)
    return snprintf(err, errlen, "folder '%s' does not exist", dir), -1;
  if (!S_ISDIR(st.st_mode)) return snprintf(err, errlen, "'%s' is not a folder", dir), -1;
  if (access(dir, W_OK | X_OK) != 0)
    return snprintf(err, errlen, "folder '%s' is not writable: %s", dir, strerror(errno)), -1;
  return 0;
}

/* Files that appear whole or not at all: write to PATH.tmp, then flush, fsync and rename
 * over PATH. An interrupted run leaves the previous PATH untouched. */
#ifndef S2S_ATOMIC_FILE_H
#define S2S_ATOMIC_FILE_H

#include <stdio.h>

typedef struct s2s_atomic_file {
  FILE *f;
  char path[4096], tmp[4100];
} s2s_atomic_file;

/* Opens PATH.tmp for writing. Returns 0, or -1 with a message on stderr naming the path. */
int s2s_atomic_open(s2s_atomic_file *a, const char *path);
/* Flushes, syncs and renames to PATH. Returns 0, or -1 (the temporary file is removed). */
int s2s_atomic_commit(s2s_atomic_file *a);
/* Gives up: closes and removes the temporary file. */
void s2s_atomic_abort(s2s_atomic_file *a);

/* mkdir -p. Returns 0 or -1 with a message naming the folder. */
int s2s_mkdirs(const char *dir);

#endif

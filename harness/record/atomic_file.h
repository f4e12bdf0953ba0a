/* Files that appear whole or not at all: write to PATH.tmp, then flush, fsync and rename
 * over PATH. An interrupted run leaves the previous PATH untouched. */
#ifndef S2S_ATOMIC_FILE_H
#define S2S_ATOMIC_FILE_H

#include <stddef.h>
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

/* Checks, before a command does its work, that its outputs can be written, so a long run
 * does not end in "cannot write" with its results lost. Nothing is created.
 * s2s_check_out_dir: DIR is a writable folder, or can be created (s2s_mkdirs) under the
 * nearest existing one, which is a writable folder.
 * s2s_check_out_file: PATH is not a folder, and its folder is writable (mkdir_ok: or can
 * be created as above; 0: it must exist). Both return 0, or -1 with a message in err
 * naming the folder or file at fault (callers add the flag). */
int s2s_check_out_dir(const char *dir, char *err, size_t errlen);
int s2s_check_out_file(const char *path, int mkdir_ok, char *err, size_t errlen);
/* The folder part of path ("." when it has none) into out. Returns 0 or -1 (too long). */
int s2s_path_folder(const char *path, char *out, size_t cap);

#endif

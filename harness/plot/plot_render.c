/* Rendering the figures (plot.h): legend titles, quoting for gnuplot, and running a
 * script of scripts/plot/ on a figure's data, each output written to a temporary name and
 * renamed once gnuplot succeeded. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "plot/plot.h"

#ifndef S2S_SOURCE_DIR
#define S2S_SOURCE_DIR "."
#endif

void s2s_plot_quote(char *buf, size_t len, const char *s) {
  size_t o = strlen(buf);
  if (o + 2 >= len) return;
  buf[o++] = '\'';
  for (; *s && o + 3 < len; s++) {
    if (*s == '\'') buf[o++] = '\'';
    buf[o++] = *s;
  }
  buf[o++] = '\'';
  buf[o] = '\0';
}

void s2s_plot_title_add(s2s_plot_titles *t, const char *title) {
  size_t o = strlen(t->s);
  if (o + 4 >= sizeof t->s) return;
  if (t->n) t->s[o++] = ' ';
  t->s[o++] = '"';
  for (const char *c = title; *c && o + 3 < sizeof t->s; c++)
    t->s[o++] = *c == '"' || *c == '\'' ? '`' : *c; /* gnuplot words: no quotes inside */
  t->s[o++] = '"';
  t->s[o] = '\0';
  t->n++;
}

FILE *s2s_plot_data_file(const s2s_plot *p, const char *name, char *path, size_t len) {
  snprintf(path, len, "%s/data/%s.tsv", p->out_dir, name);
  FILE *f = fopen(path, "w");
  if (!f) fprintf(stderr, "s2sbench plot: cannot write '%s': %s\n", path, strerror(errno));
  return f;
}

/* Runs argv, output to stderr; returns the exit status (127: could not start). */
int s2s_plot_spawn(char *const *argv, int quiet) {
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    if (quiet) {
      int fd = open("/dev/null", O_WRONLY);
      if (fd >= 0) dup2(fd, 1), dup2(fd, 2);
    } else {
      dup2(2, 1);
    }
    execvp(argv[0], argv);
    _exit(127);
  }
  int st;
  if (waitpid(pid, &st, 0) != pid) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

int s2s_plot_file_size(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 ? (int)(st.st_size > 1 << 30 ? 1 << 30 : st.st_size) : -1;
}

void s2s_plot_render(s2s_plot *p, const char *script, const char *name, const char *data,
                     const char *vars) {
  char gp[4200], e[12288], out[4200], tmp[4300];
  snprintf(gp, sizeof gp, "%s/%s.gp", p->scripts, script);
  for (int i = 0; i < p->nformats; i++) {
    snprintf(out, sizeof out, "%s/%s.%s", p->out_dir, name, p->formats[i]);
    snprintf(tmp, sizeof tmp, "%s.tmp", out);
    snprintf(e, sizeof e, "fmt='%s'; scripts=", p->formats[i]);
    s2s_plot_quote(e, sizeof e, p->scripts);
    strncat(e, "; out=", sizeof e - strlen(e) - 1);
    s2s_plot_quote(e, sizeof e, tmp);
    strncat(e, "; data=", sizeof e - strlen(e) - 1);
    s2s_plot_quote(e, sizeof e, data);
    strncat(e, "; ", sizeof e - strlen(e) - 1);
    strncat(e, vars, sizeof e - strlen(e) - 1);
    char *argv[] = {(char *)p->gnuplot, "-e", e, gp, NULL};
    remove(tmp);
    const int st = s2s_plot_spawn(argv, 0);
    if (st != 0 || s2s_plot_file_size(tmp) <= 0 || rename(tmp, out) != 0) {
      fprintf(stderr, "s2sbench plot: %s: gnuplot %s failed (status %d); data in %s\n", out, gp, st,
              data);
      remove(tmp);
      p->failed++;
      continue;
    }
    printf("  %s\n", out);
    p->figures++;
  }
}

void s2s_plot_render_series(s2s_plot *p, const char *script, const char *name, const char *data,
                            const s2s_plot_titles *t, const char *more) {
  char vars[8192];
  snprintf(vars, sizeof vars, "n=%d; titles=", t->n);
  s2s_plot_quote(vars, sizeof vars, t->s);
  if (more && *more) {
    strncat(vars, "; ", sizeof vars - strlen(vars) - 1);
    strncat(vars, more, sizeof vars - strlen(vars) - 1);
  }
  s2s_plot_render(p, script, name, data, vars);
}

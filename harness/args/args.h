/* Flag parsing shared by the subcommands: `--name VALUE` or `--name=VALUE`, strict numbers
 * with ranges, and error messages that name the command and the flag. */
#ifndef S2S_ARGS_H
#define S2S_ARGS_H

#include "model/config.h"

typedef struct s2s_args {
  const char *cmd;   /* "train", "bench step", ... for messages */
  int argc;
  char **argv;
  int i;             /* index of the current flag */
  const char *flag;  /* current flag name without its value ("--steps") */
  const char *inline_value;
  const char *size_flag; /* the first config flag given (not --preset), for the order check */
} s2s_args;

/* The one number parser: the whole of v as a decimal integer / a finite number in
 * [min, max]. Returns 0, or -1 (nothing printed: the caller names the flag or key). */
int s2s_parse_long(const char *v, long min, long max, long *out);
int s2s_parse_double(const char *v, double min, double max, double *out);

void s2s_args_init(s2s_args *c, const char *cmd, int argc, char **argv);
/* Advances to the next argument; returns 0 at the end. */
int s2s_args_next(s2s_args *c);
/* Is the current flag `name`? */
int s2s_args_is(const s2s_args *c, const char *name);
/* The value of the current flag, or NULL (error printed: the flag needs a value). */
const char *s2s_args_value(s2s_args *c);
/* Parse the current flag's value; on error print "s2sbench CMD: --flag: ..." and return -1. */
int s2s_args_long(s2s_args *c, long min, long max, long *out);
int s2s_args_double(s2s_args *c, double min, double max, double *out);
/* If the current flag is a config key (--layers, --hidden, ..., --preset), apply it. Returns
 * 1 if handled, 0 if not a config flag, -1 on a bad value (error printed). A preset sets
 * every field, so --preset after a size flag would silently undo it: that order is refused
 * (-1, naming both flags). */
int s2s_args_config(s2s_args *c, s2s_config *cfg);
/* Prints "s2sbench CMD: unknown flag '--x' (see s2sbench CMD --help)" and returns 2. */
int s2s_args_unknown(const s2s_args *c);
/* Help lines for the config flags. */
void s2s_args_config_help(void);

#endif

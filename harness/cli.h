/* Flag parsing shared by the subcommands: `--name VALUE` or `--name=VALUE`, strict numbers
 * with ranges, and error messages that name the command and the flag. */
#ifndef S2S_CLI_H
#define S2S_CLI_H

#include "config.h"

typedef struct s2s_cli {
  const char *cmd;   /* "train", "bench step", ... for messages */
  int argc;
  char **argv;
  int i;             /* index of the current flag */
  const char *flag;  /* current flag name without its value ("--steps") */
  const char *inline_value;
} s2s_cli;

void s2s_cli_init(s2s_cli *c, const char *cmd, int argc, char **argv);
/* Advances to the next argument; returns 0 at the end. */
int s2s_cli_next(s2s_cli *c);
/* Is the current flag `name`? */
int s2s_cli_is(const s2s_cli *c, const char *name);
/* The value of the current flag, or NULL (error printed: the flag needs a value). */
const char *s2s_cli_value(s2s_cli *c);
/* Parse the current flag's value; on error print "s2sbench CMD: --flag: ..." and return -1. */
int s2s_cli_long(s2s_cli *c, long min, long max, long *out);
int s2s_cli_double(s2s_cli *c, double min, double max, double *out);
/* If the current flag is a config key (--layers, --hidden, ..., --preset), apply it. Returns
 * 1 if handled, 0 if not a config flag, -1 on a bad value (error printed). Presets reset
 * all fields, so give --preset before size flags. */
int s2s_cli_config(s2s_cli *c, s2s_config *cfg);
/* Prints "s2sbench CMD: unknown flag '--x' (see s2sbench CMD --help)" and returns 2. */
int s2s_cli_unknown(const s2s_cli *c);
/* Help lines for the config flags. */
void s2s_cli_config_help(void);

#endif

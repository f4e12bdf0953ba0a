/* s2sbench: one binary, one subcommand per job. `s2sbench help` lists them; each takes
 * --help. Only this file and the cmd_*.c entry points decide exit statuses. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "mpi/world.h"
#include "run/run_record.h"

typedef struct {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary;
} s2s_command;

static const s2s_command commands[] = {
    {"devices", s2s_cmd_devices, "list OpenCL devices, sub-devices and the hwloc topology"},
    {"train", s2s_cmd_train, "train on one device or pipelined over several (synthetic or corpus)"},
    {"translate", s2s_cmd_translate, "translate sentences with a checkpoint (beam search on one device)"},
    {"bench", s2s_cmd_bench, "benchmarks: step, pipeline, gemm, lstm, softmax, transfer, decode"},
    {"sweep", s2s_cmd_sweep, "grid of training-step benchmarks over device counts and splits: speedup, efficiency"},
    {"predict", s2s_cmd_predict, "a split's training step on N devices predicted from one device's costs"},
    {"tune", s2s_cmd_tune, "run CLBlast's tuners for a device; later runs apply the parameters"},
    {"plot", s2s_cmd_plot, "gnuplot figures (PNG/PDF/SVG) from result folders"},
    {"bleu", s2s_cmd_bleu, "corpus BLEU, sacreBLEU-exact (13a/intl/char/none, smoothing, multi-bleu mode)"},
    {"corpus", s2s_cmd_corpus, "build a parallel corpus from gettext catalogs (used by scripts/get-corpus.sh)"},
};

static void usage(FILE *f) {
  fprintf(f, "s2sbench %s: the 2014 sequence-to-sequence LSTM translator as an OpenCL "
             "benchmark\n\nusage: s2sbench COMMAND [flags]   (s2sbench COMMAND --help)\n\n"
             "commands:\n", S2S_VERSION_STRING);
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf(f, "  %-10s %s\n", "help", "this text");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  const char *cmd = argv[1];
  s2s_run_record_argv(argc, argv);
  if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
    if (argc > 2) {
      for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[2], commands[i].name)) {
          char *help_argv[] = {argv[2], "--help", NULL};
          return commands[i].run(2, help_argv);
        }
      fprintf(stderr, "s2sbench: unknown command '%s' (see s2sbench help)\n", argv[2]);
      return 2;
    }
    usage(stdout);
    return 0;
  }
  if (!strcmp(cmd, "--version")) {
    printf("s2sbench %s\n", S2S_VERSION_STRING);
    return 0;
  }
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (!strcmp(cmd, commands[i].name)) {
      if (s2s_mpi_init(&argc, &argv) != 0) return 1;
      /* under mpirun: the commands whose steps run as pipeline stages, one rank each */
      const int mpi_ok = !strcmp(cmd, "train") || !strcmp(cmd, "sweep") ||
                         (!strcmp(cmd, "bench") && argc > 2 && !strcmp(argv[2], "pipeline"));
      if (s2s_mpi_size() > 1 && !mpi_ok) {
        if (s2s_mpi_rank() == 0)
          fprintf(stderr, "s2sbench: '%s' does not run under mpirun with %d ranks (train, "
                  "bench pipeline and sweep do: rank r runs the stages of --devices item r)\n", cmd,
                  s2s_mpi_size());
        return s2s_mpi_finish(2);
      }
      return s2s_mpi_finish(commands[i].run(argc - 1, argv + 1));
    }
  fprintf(stderr, "s2sbench: unknown command '%s' (see s2sbench help)\n", cmd);
  return 2;
}

/* `s2sbench bench KIND ...`: dispatch to the benchmark programs in bench/. */
#include <stdio.h>
#include <string.h>

#include "bench/bench.h"
#include "cli/commands.h"

static const struct {
  const char *kind;
  int (*run)(int, char **);
  const char *summary;
} kinds[] = {
    {"step", s2s_bench_step, "full training step vs the device's SGEMM ceiling"},
    {"pipeline", s2s_bench_pipeline, "training step on N devices vs one: speedup, predicted speedup"},
    {"gemm", s2s_bench_gemm, "CLBlast SGEMM at the step's shapes, default vs tuned parameters"},
    {"lstm", s2s_bench_lstm, "LSTM cell kernels (forward, backward): GB/s and GFLOP/s"},
    {"softmax", s2s_bench_softmax, "fused softmax + cross-entropy kernel: GB/s and GFLOP/s"},
    {"transfer", s2s_bench_transfer, "host<->device and device<->device copies at the pipeline's sizes"},
    {"decode", s2s_bench_decode, "beam search: BLEU and decoding speed against beam size"},
};

int s2s_cmd_bench(int argc, char **argv) {
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    printf("usage: s2sbench bench KIND [flags]   (s2sbench bench KIND --help)\n\nkinds:\n");
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
      printf("  %-8s %s\n", kinds[i].kind, kinds[i].summary);
    return argc < 2 ? 2 : 0;
  }
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
    if (!strcmp(argv[1], kinds[i].kind)) return kinds[i].run(argc - 1, argv + 1);
  fprintf(stderr, "s2sbench bench: unknown benchmark '%s' (see s2sbench bench --help)\n",
          argv[1]);
  return 2;
}

/* Benchmarks run by `s2sbench bench KIND`: each takes the arguments after KIND (argv[0]
 * is the kind) and returns the exit status. */
#ifndef S2S_BENCH_H
#define S2S_BENCH_H

int s2s_bench_step(int argc, char **argv);

#endif

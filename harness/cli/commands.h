/* Subcommands of the s2sbench binary: each takes the arguments after its name
 * (argv[0] is the subcommand name) and returns the process exit status. */
#ifndef S2S_COMMANDS_H
#define S2S_COMMANDS_H

int s2s_cmd_devices(int argc, char **argv);
int s2s_cmd_train(int argc, char **argv);
int s2s_cmd_translate(int argc, char **argv);
int s2s_cmd_bench(int argc, char **argv);
int s2s_cmd_bleu(int argc, char **argv);
int s2s_cmd_sweep(int argc, char **argv);
int s2s_cmd_predict(int argc, char **argv);
int s2s_cmd_tune(int argc, char **argv);
int s2s_cmd_plot(int argc, char **argv);
int s2s_cmd_corpus(int argc, char **argv);

#endif

/* `s2sbench train`: flags -> s2s_train_opts -> the training loop. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "task.h"
#include "train.h"

static void help(void) {
  printf("usage: s2sbench train [--preset tiny|small|paper] [size flags] --task reverse|copy\n"
         "                      [--steps N | --epochs X] [--device SPEC] [--out DIR]\n"
         "                      [--checkpoint FILE [--checkpoint-every N]] [--resume FILE]\n\n"
         "Trains the 2014 seq2seq LSTM translator on one OpenCL device (every matrix product\n"
         "by CLBlast) and logs loss, perplexity, gradient norm, accuracy and words/s.\n\n"
         "data:\n"
         "  --task copy|reverse      synthetic task: copy or reverse random word sequences\n"
         "  --task-size N            sentences per epoch (default 65536)\n"
         "  --min-len N              shortest sentence (default 1); the longest is --max-len\n"
         "training:\n"
         "  --steps N                total steps (counting resumed ones)\n"
         "  --epochs X               total epochs (default: the preset's, paper 7.5)\n"
         "  --devices SPEC           devices: cpu, gpu, P:D, name=TEXT, cpu/2 (see devices);\n"
         "                           several devices run the layers as a pipeline\n"
         "  --split SPEC             layers=D,..;softmax=D,.. (default printed at start;\n"
         "                           the paper's 4+4 for 4 layers on 8 devices)\n"
         "  --out DIR                write DIR/train.tsv and DIR/run.json\n"
         "  --log-every N            rows of train.tsv (default 10)\n"
         "  --eval-every N           dev loss/perplexity every N steps (default 0 = off)\n"
         "  --eval-batches N         dev batches per evaluation (default 4)\n"
         "  --checkpoint FILE        save the model here (at the end and every N steps)\n"
         "  --checkpoint-every N\n"
         "  --resume FILE            continue from a checkpoint (same sizes)\n"
         "  --quiet                  no progress output\n");
  s2s_cli_config_help();
}

int s2s_cmd_train(int argc, char **argv) {
  s2s_train_opts o;
  memset(&o, 0, sizeof o);
  s2s_config_preset(&o.cfg, "tiny");
  s2s_task task = {.kind = S2S_TASK_REVERSE, .min_len = 1, .sentences = 65536};
  o.log_every = 10;
  long eval_batches = 4;
  int have_task = 0;
  long v;
  s2s_cli c;
  s2s_cli_init(&c, "train", argc, argv);
  while (s2s_cli_next(&c)) {
    int r = s2s_cli_config(&c, &o.cfg);
    if (r < 0) return 2;
    if (r > 0) continue;
    if (s2s_cli_is(&c, "--help") || s2s_cli_is(&c, "-h")) {
      help();
      return 0;
    } else if (s2s_cli_is(&c, "--task")) {
      const char *t = s2s_cli_value(&c);
      if (!t) return 2;
      if (s2s_task_parse(t, &task.kind) != 0) {
        fprintf(stderr, "s2sbench train: --task: unknown task '%s' (copy, reverse)\n", t);
        return 2;
      }
      have_task = 1;
    } else if (s2s_cli_is(&c, "--task-size")) {
      if (s2s_cli_long(&c, 1, 1L << 40, &task.sentences)) return 2;
    } else if (s2s_cli_is(&c, "--min-len")) {
      if (s2s_cli_long(&c, 1, 1000, &v)) return 2;
      task.min_len = (int)v;
    } else if (s2s_cli_is(&c, "--steps")) {
      if (s2s_cli_long(&c, 1, 1L << 40, &o.steps)) return 2;
    } else if (s2s_cli_is(&c, "--epochs")) {
      if (s2s_cli_double(&c, 1e-9, 1e6, &o.epochs)) return 2;
    } else if (s2s_cli_is(&c, "--device") || s2s_cli_is(&c, "--devices")) {
      if (!(o.devices = s2s_cli_value(&c))) return 2;
    } else if (s2s_cli_is(&c, "--split")) {
      if (!(o.split = s2s_cli_value(&c))) return 2;
    } else if (s2s_cli_is(&c, "--out")) {
      if (!(o.out_dir = s2s_cli_value(&c))) return 2;
    } else if (s2s_cli_is(&c, "--log-every")) {
      if (s2s_cli_long(&c, 1, 1L << 40, &o.log_every)) return 2;
    } else if (s2s_cli_is(&c, "--eval-every")) {
      if (s2s_cli_long(&c, 0, 1L << 40, &o.eval_every)) return 2;
    } else if (s2s_cli_is(&c, "--eval-batches")) {
      if (s2s_cli_long(&c, 1, 100000, &eval_batches)) return 2;
    } else if (s2s_cli_is(&c, "--checkpoint")) {
      if (!(o.checkpoint = s2s_cli_value(&c))) return 2;
    } else if (s2s_cli_is(&c, "--checkpoint-every")) {
      if (s2s_cli_long(&c, 1, 1L << 40, &o.checkpoint_every)) return 2;
    } else if (s2s_cli_is(&c, "--resume")) {
      if (!(o.resume = s2s_cli_value(&c))) return 2;
    } else if (s2s_cli_is(&c, "--quiet")) {
      o.quiet = 1;
    } else {
      return s2s_cli_unknown(&c);
    }
  }
  if (!have_task) {
    fprintf(stderr, "s2sbench train: --task copy|reverse is required (real corpora: not in "
                    "this build yet)\n");
    return 2;
  }
  char err[256];
  if (s2s_config_check(&o.cfg, err, sizeof err) != 0) {
    fprintf(stderr, "s2sbench train: %s\n", err);
    return 2;
  }
  if (o.cfg.batch > 4096 || o.cfg.max_len > 1024) {
    fprintf(stderr, "s2sbench train: the synthetic task supports --batch <= 4096 and "
                    "--max-len <= 1024\n");
    return 2;
  }
  task.max_len = o.cfg.max_len;
  if (task.min_len > task.max_len) {
    fprintf(stderr, "s2sbench train: --min-len %d exceeds --max-len %d\n", task.min_len,
            task.max_len);
    return 2;
  }
  task.vocab = o.cfg.src_vocab < o.cfg.tgt_vocab ? o.cfg.src_vocab : o.cfg.tgt_vocab;
  task.seed = o.cfg.seed;
  if (o.checkpoint_every && !o.checkpoint) {
    fprintf(stderr, "s2sbench train: --checkpoint-every needs --checkpoint FILE\n");
    return 2;
  }
  o.data = s2s_task_source(&task, o.cfg.batch, (int)eval_batches);
  if (!o.data) return 1;
  int rc = s2s_train_run(&o, argc, argv);
  o.data->free(o.data);
  return rc;
}

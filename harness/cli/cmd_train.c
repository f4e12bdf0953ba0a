/* `s2sbench train`: flags -> s2s_train_opts -> the training loop. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args/args.h"
#include "cli/commands.h"
#include "data/dataset.h"
#include "data/task.h"
#include "run/run_record.h"
#include "step/train_step.h"
#include "train/train.h"

static void help(void) {
  printf("usage: s2sbench train [--preset tiny|small|paper] [size flags]\n"
         "                      (--task reverse|copy | --data DIR | --train-src F --train-tgt F)\n"
         "                      [--steps N | --epochs X] [--devices SPEC [--split SPEC]]\n"
         "                      [--replicas R | --micro-batches M [--schedule S]] [--out DIR]\n"
         "                      [--checkpoint FILE [--checkpoint-every N]] [--resume FILE]\n\n"
         "Trains the 2014 seq2seq LSTM translator on one OpenCL device or pipelined over\n"
         "several (every matrix product by CLBlast) and logs loss, perplexity, gradient norm,\n"
         "accuracy and words/s. In train.tsv, loss is the paper's: the sum over a sentence's\n"
         "target tokens (<eos> included), averaged over the batch; dev_loss is per target token\n"
         "(so dev_ppl = exp(dev_loss)); words/s counts source + target words, <eos> excluded.\n\n"
         "data:\n"
         "  --task copy|reverse      synthetic task: copy or reverse random word sequences\n"
         "  --task-size N            sentences per epoch (default 65536)\n"
         "  --min-len N              shortest sentence (default 1); the longest is --max-len\n"
         "  --data DIR               parallel corpus DIR/train.SRC, train.TGT [, dev.SRC, dev.TGT]\n"
         "                           (SRC, TGT from --src-lang/--tgt-lang, default en, fr), e.g.\n"
         "                           data/enfr-l10n from scripts/get-corpus.sh\n"
         "  --train-src F --train-tgt F [--dev-src F --dev-tgt F]   the same, file by file\n"
         "  --tokenize               raw text: Moses-like tokenizer first (default: the files are\n"
         "                           tokenized already; words split on space/tab)\n"
         "  --src-lang L --tgt-lang L  tokenizer rules (en, fr, other = neutral); default: the\n"
         "                           file extensions\n"
         "  --cache-dir DIR          token-id cache folder (default: .s2s-cache next to the data)\n"
         "                           Vocabularies: the top --src-vocab/--tgt-vocab words; pairs\n"
         "                           with an empty side or over --max-len words are skipped\n"
         "                           and counted; batches of similar lengths, shuffled each\n"
         "                           epoch by --seed.\n"
         "training:\n"
         "  --steps N                total steps, counting resumed ones (default: --epochs, below,\n"
         "                           over the data: --preset tiny --task copy is 7.5 x 65536 / 32 =\n"
         "                           15,360 steps)\n"

         "  --devices SPEC           devices: cpu, gpu, P:D, name=TEXT, cpu/2 (see devices);\n"
         "                           several devices run the layers as a pipeline; under\n"
         "                           mpirun -np N (N items), rank r runs item r's stages\n"
         "  --split SPEC             layers=D,..;softmax=D,.. (default printed at start;\n"
         "                           the paper's 4+4 for 4 layers on 8 devices)\n"
         "  --replicas R             data parallel beside the pipeline: R copies of the split,\n"
         "                           each on N/R of the N devices and a row block of the batch;\n"
         "                           gradients summed over them (embeddings as touched rows)\n"
         "  --replica-check N        replicas compare parameter checksums every N steps\n"
         "                           (default 100; 0 = never); a mismatch stops the run\n"
         "  --micro-batches M        the micro-batched pipeline: the batch cut into M row\n"
         "                           blocks flowing through the split's stages in turn\n"
         "  --schedule S             their order: fill-drain (GPipe, default) or 1f1b\n");
  printf("  --out DIR                write DIR/train.tsv and DIR/run.json\n"
         "  --log-every N            rows of train.tsv (default 10)\n"
         "  --eval-every N           dev loss, perplexity, accuracy and BLEU (sacreBLEU-exact,\n"
         "                           beam search on the device) every N steps (0 = off)\n"
         "  --eval-epochs X          the same every X epochs (0.5: the paper's half epochs), at\n"
         "                           the first step that reaches each multiple of X\n"
         "  --eval-beam K            beam of the dev BLEU decoding (default 1 = greedy)\n"
         "  --eval-batches N         dev batches per evaluation (default 4; corpus: all, or N\n"
         "                           spread over the length-sorted dev set)\n"
         "  --checkpoint FILE        save the model here (at the end and every N steps)\n"
         "  --checkpoint-every N\n"
         "  --resume FILE            continue from a checkpoint (same sizes)\n"
         "  --overwrite              a fresh run may replace an existing --checkpoint FILE\n"
         "  --quiet                  no progress output\n"
         "  --plan-memory N          print what the split needs on N devices like the first of\n"
         "                           --devices (sizing only: no data, one device opened), e.g.\n"
         "                           the paper 4+4: --preset paper --plan-memory 8; exit 0 fits,\n"
         "                           1 does not\n"
         "exit status: 0 done; 1 an error (nothing written is lost); 2 a usage error; 130 or\n"
         "143 stopped by SIGINT or SIGTERM after finishing its step and writing the checkpoint\n"
         "and run.json.\n");
  s2s_args_config_help();
}

/* The language of a corpus file from its extension ("train.fr" -> "fr"), "" if none. */
static const char *ext_lang(const char *path) {
  const char *dot = path ? strrchr(path, '.') : NULL;
  s2s_lang l;
  return dot && !strchr(dot, '/') && s2s_lang_parse(dot + 1, &l) == 0 ? dot + 1 : "";
}

static int train_corpus(s2s_train_opts *o, s2s_dataset_opts *co, const char *dir,
                        const char *src_lang, const char *tgt_lang, int eval_batches, int argc,
                        char **argv) {
  char buf[4 * 4200], err[1024];
  if (dir && (co->train_src || co->train_tgt || co->dev_src || co->dev_tgt)) {
    fprintf(stderr, "s2sbench train: --data and --train-src/--train-tgt/--dev-src/--dev-tgt "
                    "exclude each other\n");
    return 2;
  }
  s2s_lang lang;
  const char *bad = src_lang && s2s_lang_parse(src_lang, &lang) ? src_lang
                    : tgt_lang && s2s_lang_parse(tgt_lang, &lang) ? tgt_lang
                                                                  : NULL;
  if (bad) {
    fprintf(stderr, "s2sbench train: --src-lang/--tgt-lang: '%s' is not a language code (en, "
                    "fr, de ...)\n", bad);
    return 2;
  }
  if (dir && s2s_dataset_opts_from_dir(co, dir, src_lang ? src_lang : "en",
                                      tgt_lang ? tgt_lang : "fr", buf, sizeof buf, err,
                                      sizeof err) != 0) {
    fprintf(stderr, "s2sbench train: %s\n", err);
    return 2;
  }
  if (!co->train_src || !co->train_tgt || !co->dev_src != !co->dev_tgt) {
    fprintf(stderr, "s2sbench train: give --train-src and --train-tgt, and both --dev-src and "
                    "--dev-tgt or neither\n");
    return 2;
  }
  const char *sl = src_lang ? src_lang : ext_lang(co->train_src);
  const char *tl = tgt_lang ? tgt_lang : ext_lang(co->train_tgt);
  s2s_lang_parse(sl, &co->src_lang); /* both valid: checked above or from ext_lang */
  s2s_lang_parse(tl, &co->tgt_lang);
  co->dev_max_batches = eval_batches;
  co->quiet = o->quiet;
  o->data = s2s_dataset_open(co, &o->cfg, err, sizeof err);
  if (!o->data) {
    fprintf(stderr, "s2sbench train: %s\n", err);
    return 1;
  }
  if (!o->quiet) s2s_dataset_print(o->data, stderr);
  size_t extra_len = 0;
  const s2s_text_rules rules = {1, co->tokenize, co->src_lang, co->tgt_lang};
  unsigned char *extra = s2s_dataset_vocabs_serialize(s2s_dataset_vocab(o->data, 0),
                                                      s2s_dataset_vocab(o->data, 1), &rules,
                                                      &extra_len);
  int rc = 1;
  if (extra) {
    o->ckpt_extra = extra, o->ckpt_extra_bytes = extra_len;
    rc = s2s_train_run(o, argc, argv);
  }
  free(extra);
  o->data->free(o->data);
  return rc;
}

/* --plan-memory N: the split's memory on N devices like the first of --devices, from the
 * step's sizing pass, without opening more than that one device or reading any data. */
static int plan_memory(const s2s_train_opts *o, int n) {
  s2s_device *devs = NULL;
  int nd = 0;
  const int opened = s2s_run_open_devices("train", "--devices", o->devices, &devs, &nd);
  if (opened != 0) return S2S_DEVICE_EXIT(opened);
  s2s_split split;
  char err[256], desc[512], text[256];
  if (o->split ? s2s_split_parse(&split, o->split, n, &o->cfg, err, sizeof err)
               : (s2s_split_default(&split, n, &o->cfg), 0)) {
    fprintf(stderr, "s2sbench train: %s\n", err);
    s2s_device_close(devs, nd);
    return 2;
  }
  s2s_split_format(&split, text, sizeof text);
  s2s_device_describe(&devs[0].info, desc, sizeof desc);
  printf("memory plan: %s %dx%d E%d V%d/%d B%d, sentences up to %d words, split %s on %d "
         "devices like %s (each holds its own parameters and gradients):\n", o->cfg.preset,
         o->cfg.layers, o->cfg.hidden, o->cfg.embed, o->cfg.src_vocab, o->cfg.tgt_vocab,
         o->cfg.batch, o->cfg.max_len, text, n, desc);
  const int rc = s2s_train_step_plan_memory(&devs[0].info, n, &split, &o->cfg, stdout);
  if (rc == 0) printf("fits: every device's need is within its memory and largest allocation\n");
  if (rc == 1)
    printf("does not fit: a device needs more than its memory or one buffer exceeds its "
           "largest allocation (a smaller --batch or --max-len, or more devices, lowers it)\n");
  s2s_device_close(devs, nd);
  return rc < 0 ? 1 : rc;
}

int s2s_cmd_train(int argc, char **argv) {
  s2s_train_opts o;
  memset(&o, 0, sizeof o);
  o.replica_check = S2S_REPLICA_CHECK_EVERY;
  s2s_config_preset(&o.cfg, "tiny");
  s2s_task task = {.kind = S2S_TASK_REVERSE, .min_len = 1, .sentences = 65536};
  o.log_every = 10;
  o.eval_beam = 1;
  long eval_batches = 4;
  int have_task = 0, eval_batches_set = 0;
  s2s_dataset_opts co = {0};
  const char *data_dir = NULL, *src_lang = NULL, *tgt_lang = NULL;
  long v, plan_devices = 0;
  s2s_args c;
  s2s_args_init(&c, "train", argc, argv);
  while (s2s_args_next(&c)) {
    int r = s2s_args_config(&c, &o.cfg);
    if (r < 0) return 2;
    if (r > 0) continue;
    if (s2s_args_is(&c, "--help") || s2s_args_is(&c, "-h")) {
      help();
      return 0;
    } else if (s2s_args_is(&c, "--task")) {
      const char *t = s2s_args_value(&c);
      if (!t) return 2;
      if (s2s_task_parse(t, &task.kind) != 0) {
        fprintf(stderr, "s2sbench train: --task: unknown task '%s' (copy, reverse)\n", t);
        return 2;
      }
      have_task = 1;
    } else if (s2s_args_is(&c, "--task-size")) {
      if (s2s_args_long(&c, 1, 1L << 40, &task.sentences)) return 2;
    } else if (s2s_args_is(&c, "--min-len")) {
      if (s2s_args_long(&c, 1, 1000, &v)) return 2;
      task.min_len = (int)v;
    } else if (s2s_args_is(&c, "--steps")) {
      if (s2s_args_long(&c, 1, 1L << 40, &o.steps)) return 2;
    } else if (s2s_args_is(&c, "--epochs")) {
      if (s2s_args_double(&c, 1e-9, 1e6, &o.epochs)) return 2;
    } else if (s2s_args_is(&c, "--device") || s2s_args_is(&c, "--devices")) {
      if (!(o.devices = s2s_args_value(&c))) return 2;
    } else if (s2s_args_is(&c, "--split")) {
      if (!(o.split = s2s_args_value(&c))) return 2;
    } else if (s2s_args_is(&c, "--replicas")) {
      if (s2s_args_long(&c, 1, S2S_MAX_REPLICAS, &v)) return 2;
      o.replicas = (int)v;
    } else if (s2s_args_is(&c, "--replica-check")) {
      if (s2s_args_long(&c, 0, 1L << 40, &o.replica_check)) return 2;
    } else if (s2s_args_is(&c, "--micro-batches")) {
      if (s2s_args_long(&c, 1, S2S_MAX_MICRO, &v)) return 2;
      o.micro_batches = (int)v;
    } else if (s2s_args_is(&c, "--schedule")) {
      const char *name = s2s_args_value(&c);
      if (!name) return 2;
      if ((o.schedule = s2s_schedule_parse(name)) < 0) {
        fprintf(stderr, "s2sbench train: --schedule takes fill-drain or 1f1b, not '%s'\n", name);
        return 2;
      }
    } else if (s2s_args_is(&c, "--out")) {
      if (!(o.out_dir = s2s_args_value(&c))) return 2;
    } else if (s2s_args_is(&c, "--log-every")) {
      if (s2s_args_long(&c, 1, 1L << 40, &o.log_every)) return 2;
    } else if (s2s_args_is(&c, "--eval-every")) {
      if (s2s_args_long(&c, 0, 1L << 40, &o.eval_every)) return 2;
    } else if (s2s_args_is(&c, "--eval-epochs")) {
      if (s2s_args_double(&c, 1e-6, 1e6, &o.eval_epochs)) return 2;
    } else if (s2s_args_is(&c, "--eval-beam")) {
      if (s2s_args_long(&c, 1, 64, &v)) return 2;
      o.eval_beam = (int)v;
    } else if (s2s_args_is(&c, "--eval-batches")) {
      if (s2s_args_long(&c, 1, 100000, &eval_batches)) return 2;
      eval_batches_set = 1;
    } else if (s2s_args_is(&c, "--data")) {
      if (!(data_dir = s2s_args_value(&c))) return 2;
    } else if (s2s_args_is(&c, "--train-src")) {
      if (!(co.train_src = s2s_args_value(&c))) return 2;
    } else if (s2s_args_is(&c, "--train-tgt")) {
      if (!(co.train_tgt = s2s_args_value(&c))) return 2;
    } else if (s2s_args_is(&c, "--dev-src")) {
      if (!(co.dev_src = s2s_args_value(&c))) return 2;
    } else if (s2s_args_is(&c, "--dev-tgt")) {
      if (!(co.dev_tgt = s2s_args_value(&c))) return 2;
    } else if (s2s_args_is(&c, "--tokenize")) {
      co.tokenize = 1;
    } else if (s2s_args_is(&c, "--src-lang")) {
      if (!(src_lang = s2s_args_value(&c))) return 2;
    } else if (s2s_args_is(&c, "--tgt-lang")) {
      if (!(tgt_lang = s2s_args_value(&c))) return 2;
    } else if (s2s_args_is(&c, "--cache-dir")) {
      if (!(co.cache_dir = s2s_args_value(&c))) return 2;
    } else if (s2s_args_is(&c, "--checkpoint")) {
      if (!(o.checkpoint = s2s_args_value(&c))) return 2;
    } else if (s2s_args_is(&c, "--checkpoint-every")) {
      if (s2s_args_long(&c, 1, 1L << 40, &o.checkpoint_every)) return 2;
    } else if (s2s_args_is(&c, "--resume")) {
      if (!(o.resume = s2s_args_value(&c))) return 2;
    } else if (s2s_args_is(&c, "--quiet")) {
      o.quiet = 1;
    } else if (s2s_args_is(&c, "--overwrite")) {
      o.overwrite = 1;
    } else if (s2s_args_is(&c, "--plan-memory")) {
      if (s2s_args_long(&c, 1, S2S_MAX_DEVICES, &plan_devices)) return 2;
    } else {
      return s2s_args_unknown(&c);
    }
  }
  const int corpus = data_dir || co.train_src || co.train_tgt || co.dev_src || co.dev_tgt;
  if (plan_devices > 0) {
    char err[256];
    if (s2s_config_check(&o.cfg, err, sizeof err) != 0) {
      fprintf(stderr, "s2sbench train: %s\n", err);
      return 2;
    }
    return plan_memory(&o, (int)plan_devices);
  }
  if (!have_task && !corpus) {
    fprintf(stderr, "s2sbench train: give the data: --data DIR, --train-src F --train-tgt F, "
                    "or --task copy|reverse\n");
    return 2;
  }
  if (have_task && corpus) {
    fprintf(stderr, "s2sbench train: --task and a corpus (--data, --train-src ...) exclude "
                    "each other\n");
    return 2;
  }
  char err[256];
  if (s2s_config_check(&o.cfg, err, sizeof err) != 0) {
    fprintf(stderr, "s2sbench train: %s\n", err);
    return 2;
  }
  if (corpus) {
    if (o.checkpoint_every && !o.checkpoint) {
      fprintf(stderr, "s2sbench train: --checkpoint-every needs --checkpoint FILE\n");
      return 2;
    }
    return train_corpus(&o, &co, data_dir, src_lang, tgt_lang,
                        eval_batches_set ? (int)eval_batches : 0, argc, argv);
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

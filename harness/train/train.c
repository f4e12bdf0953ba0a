/* The training loop (see train.h). Batch i and the learning rate at step i depend only on
 * (data, seed, i), so a run resumed from a checkpoint at step k continues exactly as the
 * uninterrupted run would (same device, same seed). Outputs are checked before any work;
 * SIGINT / SIGTERM end the run after the current step with a checkpoint and run.json. */
#include "train/train.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "record/atomic_file.h"
#include "model/checkpoint.h"
#include "decode/beam_search.h"
#include "mpi/world.h"
#include "record/json.h"
#include "model/params.h"
#include "run/run_record.h"
#include "profile/stats.h"
#include "step/train_step.h"
#include "train/train_tsv.h"

typedef struct run_state {
  const s2s_train_opts *o;
  s2s_train_step step;
  s2s_device *devs;
  int ndev;
  s2s_split split;
  long steps_per_epoch, first_step, total_steps, done;
  s2s_batch batch;
  s2s_train_tsv tsv;
  double t0, words;
  double train_s;             /* seconds in batches and steps only: no eval, decode, checkpoint */
  s2s_step_result last;
  double last_lr, last_eval_loss, last_eval_acc, last_eval_bleu;
  s2s_decoder dec;            /* dev BLEU: greedy or beam decoding on device 0 */
  int have_dec;
  float *host_params;
  long last_ckpt_step;
  int root;                   /* this process writes (rank 0 under mpirun; always without) */
  int quiet;                  /* --quiet, or a rank other than 0 */
  int stop_signal;            /* the signal that ended the loop early, 0 if none */
} run_state;

/* SIGINT / SIGTERM: the handler only records the signal; the loop finishes its step and
 * stops. A second signal while it winds down ends the process at once (default action). */
static volatile sig_atomic_t pending_signal = 0;

static void on_signal(int sig) {
  if (pending_signal) {
    signal(sig, SIG_DFL);
    raise(sig);
    return;
  }
  pending_signal = sig;
}

static const int stop_signals[2] = {SIGINT, SIGTERM};

/* A signal ignored when we started (nohup, a background job's SIGINT) stays ignored. */
static void catch_signals(struct sigaction old[2]) {
  pending_signal = 0;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART; /* reads and writes go on; the flag is polled per step */
  for (int i = 0; i < 2; i++)
    if (sigaction(stop_signals[i], NULL, &old[i]) == 0 && old[i].sa_handler != SIG_IGN)
      sigaction(stop_signals[i], &sa, NULL);
}

static void restore_signals(const struct sigaction old[2]) {
  for (int i = 0; i < 2; i++) sigaction(stop_signals[i], &old[i], NULL);
}

/* Before any work: the outputs can be written (a run that trains for hours and then
 * cannot save loses the model), and a fresh run does not silently replace a model. */
static int check_outputs(const s2s_train_opts *o) {
  char err[4600];
  struct stat st;
  if (o->checkpoint && s2s_check_out_file(o->checkpoint, 1, err, sizeof err) != 0) {
    fprintf(stderr, "s2sbench train: --checkpoint '%s': %s\n", o->checkpoint, err);
    return -1;
  }
  if (o->out_dir && s2s_check_out_dir(o->out_dir, err, sizeof err) != 0) {
    fprintf(stderr, "s2sbench train: --out '%s': %s\n", o->out_dir, err);
    return -1;
  }
  if (o->checkpoint && !o->resume && !o->overwrite && stat(o->checkpoint, &st) == 0) {
    fprintf(stderr, "s2sbench train: --checkpoint '%s' exists: a fresh run would overwrite "
            "that model; continue it with --resume '%s', remove it, or pass --overwrite\n",
            o->checkpoint, o->checkpoint);
    return -1;
  }
  return 0;
}

static int save_checkpoint(run_state *r, long step, double lr) {
  const s2s_train_opts *o = r->o;
  float *p = malloc(r->step.lay.total * sizeof *p);
  if (!p || s2s_train_step_get_params(&r->step, p) != 0) {
    free(p);
    return -1;
  }
  s2s_ckpt_header h;
  memset(&h, 0, sizeof h);
  s2s_ckpt_header_from_config(&h, &o->cfg);
  h.step = (uint64_t)step;
  h.epoch = (double)step / r->steps_per_epoch;
  h.lr = (float)lr;
  h.params = r->step.lay.total;
  h.extra_bytes = o->ckpt_extra_bytes;
  h.data_hash = o->data->data_hash;
  snprintf(h.task, sizeof h.task, "%s", o->data->name);
  char err[512] = "", dir[4096];
  if (!r->root) { /* every rank gathered; rank 0 writes */
    free(p);
    r->last_ckpt_step = step;
    return 0;
  }
  int rc = s2s_path_folder(o->checkpoint, dir, sizeof dir) != 0 || s2s_mkdirs(dir) != 0
               ? -1 /* checked creatable at the start (check_outputs); s2s_mkdirs says why */
               : s2s_ckpt_write(o->checkpoint, &h, p, o->ckpt_extra, err, sizeof err);
  if (rc && !err[0]) snprintf(err, sizeof err, "cannot write checkpoint '%s'", o->checkpoint);
  free(p);
  if (rc) fprintf(stderr, "s2sbench train: %s\n", err);
  else r->last_ckpt_step = step;
  return rc;
}

static int resume(run_state *r) {
  s2s_ckpt ck;
  char err[512];
  if (s2s_ckpt_read(r->o->resume, &ck, err, sizeof err) != 0 ||
      s2s_ckpt_matches(&ck.h, &r->o->cfg, err, sizeof err) != 0 ||
      ck.h.params != r->step.lay.total) {
    fprintf(stderr, "s2sbench train: --resume: %s\n", err);
    s2s_ckpt_free(&ck);
    return -1;
  }
  if (ck.h.data_hash != r->o->data->data_hash || strcmp(ck.h.task, r->o->data->name) != 0) {
    fprintf(stderr, "s2sbench train: --resume: checkpoint '%s' was trained on other data "
            "(%s, hash %016llx; this run: %s, hash %016llx)\n", r->o->resume, ck.h.task,
            (unsigned long long)ck.h.data_hash, r->o->data->name,
            (unsigned long long)r->o->data->data_hash);
    s2s_ckpt_free(&ck);
    return -1;
  }
  /* the data order and the batch shapes follow seed and max-len: another value is a different
   * run from here on, allowed but said */
  if (ck.h.seed != r->o->cfg.seed)
    fprintf(stderr, "s2sbench train: warning: --resume: the checkpoint was trained with --seed "
            "%llu, this run uses %llu: batches from here on differ from the uninterrupted run\n",
            (unsigned long long)ck.h.seed, (unsigned long long)r->o->cfg.seed);
  if ((int)ck.h.max_len != r->o->cfg.max_len)
    fprintf(stderr, "s2sbench train: warning: --resume: the checkpoint was trained with "
            "--max-len %u, this run uses %d: the data differ from the uninterrupted run\n",
            ck.h.max_len, r->o->cfg.max_len);
  int rc = s2s_train_step_set_params(&r->step, ck.params);
  r->first_step = (long)ck.h.step;
  if (!r->quiet)
    fprintf(stderr, "resumed from %s at step %ld (epoch %.3f)\n", r->o->resume, r->first_step,
            ck.h.epoch);
  s2s_ckpt_free(&ck);
  return rc;
}

static int init_params(run_state *r) {
  float *p = malloc(r->step.lay.total * sizeof *p);
  if (!p) return -1;
  s2s_params_init(p, &r->step.lay, &r->o->cfg, r->o->cfg.seed);
  int rc = s2s_train_step_set_params(&r->step, p);
  free(p);
  return rc;
}

static void progress(run_state *r, long step, int force) {
  static double last_print = 0;
  static long last_step = -1;
  if (force && last_step == step && !isatty(2)) return; /* that line is out already */
  const int tty = isatty(2);
  double t = s2s_now();
  /* on a terminal refresh twice a second; in a log, a line every 10% or 60 s */
  long tenth = r->total_steps / 10 > 0 ? r->total_steps / 10 : 1;
  if (r->quiet) return;
  if (!force && tty && t - last_print < 0.5) return;
  if (!force && !tty && (step % tenth) != 0 && t - last_print < 60) return;
  last_print = t;
  last_step = step;
  double el = t - r->t0;
  double wps = r->words / (r->train_s > 0 ? r->train_s : 1);
  long left = r->total_steps - step;
  double eta = r->done ? el / r->done * left : 0;
  double ppl = exp(r->last.loss * r->batch.B / r->last.tokens);
  fprintf(stderr, "%sstep %ld/%ld  loss %.4f  ppl %.3f  acc %.3f  %.0f words/s  eta %.0fs%s",
          tty ? "\r" : "", step, r->total_steps, r->last.loss, ppl,
          r->last.correct / r->last.tokens, wps, eta, tty && !force ? "   " : "\n");
}

static int evaluate(run_state *r) {
  const s2s_train_opts *o = r->o;
  double loss = 0, tokens = 0, correct = 0;
  for (int i = 0; i < o->data->dev_batches; i++) {
    if (o->data->dev_batch(o->data, i, &r->batch) != 0) return -1;
    s2s_step_result res;
    if (s2s_train_step_eval(&r->step, &r->batch, &res) != 0) return -1;
    loss += res.loss * r->batch.B;
    tokens += res.tokens;
    correct += res.correct;
  }
  r->last_eval_loss = loss / tokens;
  r->last_eval_acc = correct / tokens;
  /* dev BLEU: decode the dev set with the current parameters (gathered from every device;
   * under mpirun on rank 0's device, while the other ranks wait for the next step) */
  if (!r->host_params && !(r->host_params = malloc(r->step.lay.total * sizeof *r->host_params)))
    return -1;
  if (s2s_train_step_get_params(&r->step, r->host_params) != 0) return -1;
  r->last_eval_bleu = 0;
  if (!r->root) return 0;
  if (!r->have_dec) {
    if (s2s_decoder_init(&r->dec, &r->devs[0], &o->cfg, o->cfg.batch, o->eval_beam, 0) != 0)
      return -1;
    r->have_dec = 1;
  }
  if (s2s_decoder_upload_params(&r->dec, r->host_params) != 0) return -1;
  s2s_decode_stats ds;
  return s2s_decode_bleu_dev(&r->dec, o->data, o->data->dev_batches, &r->batch,
                             &r->last_eval_bleu, &ds);
}

static void log_row(run_state *r, long step, double lr, int eval) {
  FILE *tsv = r->tsv.f;
  if (!tsv) return;
  const s2s_step_result *s = &r->last;
  /* the clocks go on from the rows a resumed run carried over (train_tsv.h) */
  double el = s2s_now() - r->t0 + r->tsv.carried_elapsed_s;
  fprintf(tsv, "%ld\t%.6f\t%.6g\t%.6f\t%.6f\t%.6f\t%.6f\t%.1f\t%.3f", step,
          (double)step / r->steps_per_epoch, lr, s->loss, exp(s->loss * r->batch.B / s->tokens),
          s->grad_norm, s->correct / s->tokens, r->words / (r->train_s > 0 ? r->train_s : 1), el);
  if (eval)
    fprintf(tsv, "\t%.6f\t%.6f\t%.6f\t%.4f", r->last_eval_loss, exp(r->last_eval_loss),
            r->last_eval_acc, r->last_eval_bleu);
  else
    fprintf(tsv, "\t\t\t\t");
  fprintf(tsv, "\t%.3f\n", r->train_s + r->tsv.carried_train_s);
  fflush(tsv);
}

static int write_run_json(run_state *r, int argc, char **argv, const char *status) {
  char path[4200];
  snprintf(path, sizeof path, "%s/run.json", r->o->out_dir);
  s2s_atomic_file a;
  if (s2s_atomic_open(&a, path) != 0) return -1;
  s2s_json j;
  s2s_json_begin(&j, a.f);
  s2s_run_record_meta(&j, "train", argc, argv, r->devs, r->ndev);
  s2s_run_record_config(&j, &r->o->cfg);
  char split[256];
  s2s_split_format(&r->split, split, sizeof split);
  s2s_json_str(&j, "split", split);
  s2s_json_int(&j, "replicas", s2s_train_step_replicas(&r->step)); /* data-parallel copies */
  s2s_json_int(&j, "micro_batches", s2s_train_step_micro_batches(&r->step));
  if (s2s_train_step_micro_batches(&r->step) > 1)
    s2s_json_str(&j, "schedule", s2s_schedule_name(r->o->schedule));
  s2s_json_object(&j, "data");
  s2s_json_str(&j, "source", r->o->data->name);
  s2s_json_int(&j, "sentences_per_epoch", r->o->data->sentences);
  s2s_json_int(&j, "steps_per_epoch", r->steps_per_epoch);
  if (r->o->data->describe) r->o->data->describe(r->o->data, &j);
  s2s_json_close(&j, '}');
  double el = s2s_now() - r->t0;
  s2s_json_object(&j, "summary");
  s2s_json_str(&j, "status", status);
  if (r->stop_signal)
    s2s_json_str(&j, "signal", r->stop_signal == SIGINT ? "SIGINT" : "SIGTERM");
  s2s_json_int(&j, "first_step", r->first_step);
  s2s_json_int(&j, "last_step", r->first_step + r->done);
  s2s_json_num(&j, "epochs_done", (double)(r->first_step + r->done) / r->steps_per_epoch);
  s2s_json_num(&j, "final_loss", r->last.loss);
  s2s_json_num(&j, "final_perplexity", exp(r->last.loss * r->batch.B / r->last.tokens));
  s2s_json_num(&j, "final_accuracy", r->last.correct / r->last.tokens);
  s2s_json_num(&j, "final_grad_norm", r->last.grad_norm);
  s2s_json_num(&j, "elapsed_s", el);
  s2s_json_num(&j, "train_s", r->train_s);
  /* training throughput: the time of batches and steps only (evaluation, dev decoding and
   * checkpoints are in elapsed_s, and in wall_words_per_s) */
  s2s_json_num(&j, "words_per_s", r->words / (r->train_s > 0 ? r->train_s : 1));
  s2s_json_num(&j, "wall_words_per_s", r->words / (el > 0 ? el : 1));
  s2s_json_str(&j, "words_convention", "source + target words per second, <eos> excluded");
  if (r->last_ckpt_step >= 0) s2s_json_int(&j, "last_checkpoint_step", r->last_ckpt_step);
  s2s_json_close(&j, '}');
  s2s_json_end(&j);
  return s2s_atomic_commit(&a);
}

/* 1 when steps a..b cross a multiple of `every` epochs (b reaches it, a did not). */
static int epoch_mark(double every, long steps_per_epoch, long a, long b) {
  if (every <= 0 || steps_per_epoch <= 0) return 0;
  const double span = every * (double)steps_per_epoch; /* steps between evaluations */
  return floor((double)b / span + 1e-9) > floor((double)a / span + 1e-9);
}

static int loop(run_state *r) {
  const s2s_train_opts *o = r->o;
  for (long step = r->first_step; step < r->total_steps; step++) {
    double epoch = (double)step / r->steps_per_epoch;
    double lr = s2s_config_lr_at(&o->cfg, epoch);
    const double ts = s2s_now();
    if (o->data->train_batch(o->data, (uint64_t)step, &r->batch) != 0) return -1;
    if (s2s_train_step_run(&r->step, &r->batch, (float)lr, 1, &r->last) != 0) return -1;
    r->train_s += s2s_now() - ts; /* the step returns once its loss is read back */
    r->done++;
    r->words += r->batch.src_words + r->batch.tgt_words;
    r->last_lr = lr;
    if (!isfinite(r->last.loss) || !isfinite(r->last.grad_norm)) {
      fprintf(stderr, "\ns2sbench train: step %ld: non-finite %s (loss %g, grad norm %g); "
              "stopping.", step + 1, isfinite(r->last.loss) ? "gradient norm" : "loss",
              r->last.loss, r->last.grad_norm);
      if (o->checkpoint && r->last_ckpt_step >= 0)
        fprintf(stderr, " Last good checkpoint: %s (step %ld), left untouched.\n", o->checkpoint,
                r->last_ckpt_step);
      else
        fprintf(stderr, " No checkpoint was written.\n");
      log_row(r, step + 1, lr, 0);
      return -1;
    }
    const long s1 = step + 1;
    int eval = (o->eval_every > 0 || o->eval_epochs > 0) && o->data->dev_batches > 0 &&
               ((o->eval_every > 0 && s1 % o->eval_every == 0) || s1 == r->total_steps ||
                epoch_mark(o->eval_epochs, r->steps_per_epoch, step, s1));
    if (eval && evaluate(r) != 0) return -1;
    if (s1 % o->log_every == 0 || s1 == r->total_steps || eval) log_row(r, s1, lr, eval);
    if (o->checkpoint && o->checkpoint_every > 0 && s1 % o->checkpoint_every == 0 &&
        save_checkpoint(r, s1, lr) != 0)
      return -1;
    progress(r, s1, 0);
    /* under mpirun every rank stops after the same step: a signal to any stops all */
    const int sig = s2s_mpi_active() ? s2s_mpi_max_int(pending_signal) : pending_signal;
    if (sig < 0) return -1;
    if (sig) { /* the step is done: stop here, saving as at the end */
      r->stop_signal = sig;
      break;
    }
  }
  const long end = r->first_step + r->done;
  if (r->stop_signal && !r->quiet)
    fprintf(stderr, "\ns2sbench train: %s at step %ld: stopping%s\n",
            r->stop_signal == SIGINT ? "SIGINT" : "SIGTERM", end,
            o->checkpoint ? ", saving the checkpoint" : " (no --checkpoint: nothing to save)");
  if (o->checkpoint && r->last_ckpt_step != end && save_checkpoint(r, end, r->last_lr) != 0)
    return -1;
  if (r->done) progress(r, end, 1);
  return 0;
}

int s2s_train_run(const s2s_train_opts *o, int argc, char **argv) {
  run_state r;
  memset(&r, 0, sizeof r);
  r.o = o;
  r.last_ckpt_step = -1;
  r.root = s2s_mpi_rank() == 0;
  r.quiet = o->quiet || !r.root;
  char err[1024];
  if (r.root && check_outputs(o) != 0) return 1;
  if (o->devices && !*o->devices) {
    fprintf(stderr, "s2sbench train: --devices: empty SPEC (leave the flag out for the default "
            "device)\n");
    return 2;
  }
  if ((o->eval_every > 0 || o->eval_epochs > 0) && o->data->dev_batches == 0) {
    fprintf(stderr, "s2sbench train: %s: the data have no dev set (give --data "
            "with dev files, or --dev-src/--dev-tgt)\n",
            o->eval_every > 0 ? "--eval-every" : "--eval-epochs");
    return 2;
  }
  const int opened = s2s_run_open_devices("train", "--devices", o->devices, &r.devs, &r.ndev);
  if (opened != 0) return S2S_DEVICE_EXIT(opened);
  const int reps = o->replicas > 1 ? o->replicas : 1;
  if (reps > 1 && o->micro_batches > 1) {
    fprintf(stderr, "s2sbench train: --replicas with --micro-batches is not supported yet: "
            "give one of them\n");
    s2s_device_close(r.devs, r.ndev);
    return 2;
  }
  const s2s_parallel par = {.replicas = reps, .micro_batches = o->micro_batches,
                            .schedule = o->schedule};
  if (r.ndev % reps) {
    fprintf(stderr, "s2sbench train: --replicas %d: the %d devices of --devices do not cut into "
            "%d replicas of the same size\n", reps, r.ndev, reps);
    s2s_device_close(r.devs, r.ndev);
    return 2;
  }
  if (o->split ? s2s_split_parse(&r.split, o->split, r.ndev / reps, &o->cfg, err, sizeof err)
               : (s2s_split_default(&r.split, r.ndev / reps, &o->cfg), 0)) {
    fprintf(stderr, "s2sbench train: %s\n", err); /* err names --split */
    s2s_device_close(r.devs, r.ndev);
    return 2; /* a usage error, like every other bad flag */
  }
  for (int d = 0; d < r.ndev; d++) /* one host thread drives every device of this process */
    if (!r.devs[d].remote) {
      s2s_run_record_bind(&r.devs[d].info);
      break;
    }
  r.steps_per_epoch = o->data->steps_per_epoch;
  double epochs = o->epochs > 0 ? o->epochs : o->cfg.epochs;
  r.total_steps = o->steps > 0 ? o->steps : (long)ceil(epochs * r.steps_per_epoch);
  int rc = 1;
  const char *status = "failed";
  if (!r.quiet) {
    char desc[512], split[256];
    s2s_split_format(&r.split, split, sizeof split);
    fprintf(stderr, "train: %s %dx%d E%d V%d/%d B%d, data %s, %ld steps, split %s%s\n",
            o->cfg.preset, o->cfg.layers, o->cfg.hidden, o->cfg.embed, o->cfg.src_vocab,
            o->cfg.tgt_vocab, o->cfg.batch, o->data->name, r.total_steps, split,
            reps > 1 ? " (each replica's)" : "");
    if (o->micro_batches > 1)
      fprintf(stderr, "micro-batched pipeline: %d micro-batches of %d rows, %s\n",
              o->micro_batches, (o->cfg.batch + o->micro_batches - 1) / o->micro_batches,
              s2s_schedule_name(o->schedule));
    if (reps > 1)
      fprintf(stderr, "data parallel: %d replicas of %d device%s, %d rows of the batch each\n",
              reps, r.ndev / reps, r.ndev / reps > 1 ? "s" : "", (o->cfg.batch + reps - 1) / reps);
    for (int d = 0; d < r.ndev; d++) {
      s2s_device_describe(&r.devs[d].info, desc, sizeof desc);
      if (s2s_mpi_active())
        fprintf(stderr, "  device %d: %s (MPI rank %d)\n", d, desc, r.devs[d].rank);
      else
        fprintf(stderr, "  device %d: %s\n", d, desc);
    }
  }
  if (s2s_batch_alloc(&r.batch, o->cfg.batch, o->cfg.max_len, o->cfg.max_len + 1) != 0 ||
      s2s_train_step_init_parallel(&r.step, r.devs, r.ndev, &par, &r.split, &o->cfg) != 0)
    goto out;
  s2s_train_step_replica_check(&r.step, o->replica_check);
  if (!r.quiet) {
    fprintf(stderr, "memory per device (each holds its own parameters and gradients):\n");
    s2s_train_step_memory_print(&r.step, stderr);
  }
  if ((o->resume ? resume(&r) : init_params(&r)) != 0) goto out;
  if (r.first_step >= r.total_steps) {
    fprintf(stderr, "s2sbench train: checkpoint is at step %ld, nothing to do for %ld steps\n",
            r.first_step, r.total_steps);
    goto out;
  }
  if (r.root && o->out_dir && s2s_train_tsv_open(&r.tsv, o->out_dir, o->resume ? r.first_step : -1) != 0)
    goto out;
  r.t0 = s2s_now();
  struct sigaction old[2];
  catch_signals(old);
  const int looped = loop(&r);
  restore_signals(old);
  if (looped == 0 && r.stop_signal) { /* saved and logged; the exit says it was cut short */
    rc = 128 + r.stop_signal;
    status = "interrupted";
  } else if (looped == 0) {
    rc = 0;
    status = "completed";
  }
  s2s_train_tsv_close(&r.tsv);
  if (r.root && o->out_dir && write_run_json(&r, argc, argv, status) != 0) rc = 1;
out:
  s2s_train_tsv_close(&r.tsv);
  if (r.have_dec) s2s_decoder_free(&r.dec);
  free(r.host_params);
  s2s_train_step_free(&r.step);
  s2s_batch_free(&r.batch);
  s2s_device_close(r.devs, r.ndev);
  return rc;
}

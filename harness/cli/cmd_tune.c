/* `s2sbench tune`: runs CLBlast's tuners (Debian clblast-utils) for one device at the
 * model's GEMM shapes, each in a folder of its own and under a time limit (a tuner stopped
 * by the limit still yields the configurations it verified, read from its output), then
 * times the fastest configurations of every tuner at each shape class of the step through
 * s2s_gemm and keeps the fastest per class (tuning_select.h). The base sets (each kernel's
 * best) and the classes go to results/tuning/<device-key>.json (tuning.h s2s_tuning_key), which
 * every later run on that device applies. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "record/atomic_file.h"
#include "args/args.h"
#include "cli/commands.h"
#include "record/json.h"
#include "run/run_record.h"
#include "profile/stats.h"
#include "blas/gemm.h"
#include "blas/gemm_classes.h"
#include "blas/tuning.h"
#include "blas/tuning_select.h"
#include "plan/plan.h"
#include "step/train_step.h"

#define S2S_TUNE_MAX_TOP 32 /* --candidates */
#define S2S_TUNE_MAX_RUNS 8
#define S2S_TUNE_MAX_CANDS (S2S_TUNE_MAX_RUNS * 2 * S2S_TUNE_MAX_TOP)

typedef struct tune_opts {
  s2s_config cfg;
  const char *device, *out_dir, *raw_dir, *from_dir, *tuners, *tuner_dir, *select;
  double fraction, time_limit, select_time;
  long runs, len, select_trials, candidates;
} tune_opts;

typedef struct tuner_run {
  char name[32], kernel[32]; /* "xgemm_direct", "XgemmDirect" */
  char dir[64];              /* its folder: "xgemm_direct", or "xgemm-gates_x" for xgemm@gates_x */
  long m, n, k;
  double seconds;
  int status; /* exit status, -1 stopped by the time limit */
} tuner_run;

static void help(void) {
  printf("usage: s2sbench tune [--device SPEC] [--preset P] [size flags] [--len T]\n"
         "                     [--tuners LIST] [--time-limit S] [--fraction F] [--runs N]\n"
         "                     [--candidates N] [--select on|off] [--select-time S]\n"
         "                     [--select-trials N] [--out DIR] [--raw DIR] [--from DIR]\n\n"
         "Runs CLBlast's tuners (clblast-utils) on the device at the model's GEMM shapes, then\n"
         "times each tuner's fastest configurations at every shape class of the training step\n"
         "(those of `bench gemm`: per-step recurrent, batched input, softmax, the backward dh\n"
         "and dW products), each routed through its kernel (direct or indirect), against\n"
         "CLBlast's defaults, and keeps the fastest per class. It stores the classes and the\n"
         "best set per kernel in DIR/<device-key>.json (default results/tuning; the key is\n"
         "the device name's slug, and for a CPU device the host's ISA too: ...-avx512). Every\n"
         "later run on a device of that key switches to the nearest class's setting before each\n"
         "product (S2S_TUNING=off disables); `s2sbench bench gemm` shows default vs tuned. A\n"
         "sub-device is tuned through its parent device (same name).\n\n"
         "  --tuners LIST     tuner[@CLASS|@MxNxK],... (default\n"
         "                    xgemm_direct,xgemm,xgemm@gates_h,xgemm@gates_x): a tuner alone\n"
         "                    runs XgemmDirect at the recurrent product B x 4H x H, Xgemm at\n"
         "                    the per-step softmax B x V x H; @ names a class of the step or\n"
         "                    a product's MxNxK; the tuner gets the kernel's shape, N x M x K\n"
         "                    (CLBlast is called column-major; M x N x K with\n"
         "                    S2S_GEMM_LAYOUT=row), Xgemm's rounded up to multiples of 64,\n"
         "                    64, 32 (its tiles)\n"
         "  --candidates N    fastest configurations of each tuner timed per class (default 6)\n"
         "  --select MODE     on (default): choose per class; off: only the tuners' bests\n"
         "  --select-time S   no new candidate after S seconds of selection (default 600)\n"
         "  --select-trials N timed calls per candidate and class, median (default 3)\n"
         "  --len T           words per sentence for the classes' shapes (default 20)\n"
         "  --time-limit S    seconds per tuner (default 240); a stopped tuner keeps its best\n"
         "  --fraction F      share of the random search space (default 0.0005)\n"
         "  --runs N          timing runs per configuration (default 1)\n"
         "  --raw DIR         keep the tuners' own outputs there (default: a temporary folder,\n"
         "                    removed afterwards)\n"
         "  --from DIR        parse the outputs already in DIR/<tuner>/ instead of running\n"
         "  --tuner-dir DIR   where the clblast_tuner_* programs are (default: PATH)\n");
  s2s_args_config_help();
}

static int parse(tune_opts *o, int argc, char **argv) {
  memset(o, 0, sizeof *o);
  s2s_config_preset(&o->cfg, "small");
  o->tuners = "xgemm_direct,xgemm,xgemm@gates_h,xgemm@gates_x", o->fraction = 0.0005;
  o->time_limit = 240, o->runs = 1, o->len = 20, o->select = "on", o->select_time = 600;
  o->select_trials = 3, o->candidates = 6;
  s2s_args c;
  s2s_args_init(&c, "tune", argc, argv);
  while (s2s_args_next(&c)) {
    int r = s2s_args_config(&c, &o->cfg);
    if (r < 0) return 2;
    if (r > 0) continue;
    if (s2s_args_is(&c, "--help") || s2s_args_is(&c, "-h")) {
      help();
      return 1;
    }
    const char **str = s2s_args_is(&c, "--device") || s2s_args_is(&c, "--devices") ? &o->device
                       : s2s_args_is(&c, "--out")                                 ? &o->out_dir
                       : s2s_args_is(&c, "--raw")                                 ? &o->raw_dir
                       : s2s_args_is(&c, "--from")                                ? &o->from_dir
                       : s2s_args_is(&c, "--tuners")                              ? &o->tuners
                       : s2s_args_is(&c, "--tuner-dir")                           ? &o->tuner_dir
                       : s2s_args_is(&c, "--select")                              ? &o->select
                                                                                 : NULL;
    if (str) {
      if (!(*str = s2s_args_value(&c))) return 2;
    } else if (s2s_args_is(&c, "--time-limit")) {
      if (s2s_args_double(&c, 1, 86400, &o->time_limit)) return 2;
    } else if (s2s_args_is(&c, "--fraction")) {
      if (s2s_args_double(&c, 1e-7, 1, &o->fraction)) return 2;
    } else if (s2s_args_is(&c, "--runs")) {
      if (s2s_args_long(&c, 1, 100, &o->runs)) return 2;
    } else if (s2s_args_is(&c, "--len")) {
      if (s2s_args_long(&c, 1, 1000, &o->len)) return 2;
    } else if (s2s_args_is(&c, "--candidates")) {
      if (s2s_args_long(&c, 1, S2S_TUNE_MAX_TOP, &o->candidates)) return 2;
    } else if (s2s_args_is(&c, "--select-time")) {
      if (s2s_args_double(&c, 0, 86400, &o->select_time)) return 2;
    } else if (s2s_args_is(&c, "--select-trials")) {
      if (s2s_args_long(&c, 1, 64, &o->select_trials)) return 2;
    } else {
      return s2s_args_unknown(&c);
    }
  }
  if (strcmp(o->select, "on") && strcmp(o->select, "off")) {
    fprintf(stderr, "s2sbench tune: --select: on or off, not '%s'\n", o->select);
    return 2;
  }
  return 0;
}

/* A SIGINT or SIGTERM to tune while a tuner runs: the tuner's group is stopped too (it
 * runs in a group of its own, which a signal to tune's group does not reach). */
static volatile sig_atomic_t stop_signal;
static void on_stop(int sig) { stop_signal = sig; }

/* Stops the tuner's group: TERM, then KILL after 2 s. */
static void stop_tuner(pid_t pid, int *st) {
  kill(-pid, SIGTERM), kill(pid, SIGTERM);
  struct timespec ts = {2, 0};
  nanosleep(&ts, NULL);
  if (waitpid(pid, st, WNOHANG) != pid) {
    kill(-pid, SIGKILL), kill(pid, SIGKILL);
    waitpid(pid, st, 0);
  }
}

/* Runs argv with cwd dir and output to dir/log.txt; stops it after limit seconds. */
static int run_tuner(char *const *argv, const char *dir, double limit, tuner_run *tr) {
  char log[4300];
  snprintf(log, sizeof log, "%s/log.txt", dir);
  const double t0 = s2s_now();
  pid_t pid = fork();
  if (pid < 0) {
    fprintf(stderr, "s2sbench tune: fork: %s\n", strerror(errno));
    return -1;
  }
  if (pid == 0) {
    int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || chdir(dir) != 0) _exit(126);
    dup2(fd, 1), dup2(fd, 2);
    setpgid(0, 0); /* its own group, so the limit stops it and whatever it started */
    execvp(argv[0], argv);
    _exit(127);
  }
  int st = 0;
  double last = t0;
  struct sigaction sa = {.sa_handler = on_stop}, old_int, old_term;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &old_int), sigaction(SIGTERM, &sa, &old_term);
  for (;;) {
    pid_t w = waitpid(pid, &st, WNOHANG);
    if (w == pid) break;
    const double now = s2s_now();
    if (stop_signal) {
      stop_tuner(pid, &st);
      sigaction(SIGINT, &old_int, NULL), sigaction(SIGTERM, &old_term, NULL);
      fprintf(stderr, "s2sbench tune: stopped by signal %d; %s stopped too, nothing written\n",
              (int)stop_signal, tr->name);
      return -1;
    }
    if (now - t0 > limit) {
      stop_tuner(pid, &st);
      sigaction(SIGINT, &old_int, NULL), sigaction(SIGTERM, &old_term, NULL);
      tr->status = -1;
      tr->seconds = s2s_now() - t0;
      return 0;
    }
    if (now - last > 30) {
      fprintf(stderr, "  %s: %.0f s of at most %.0f s\n", tr->name, now - t0, limit);
      last = now;
    }
    struct timespec ts = {0, 200 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  sigaction(SIGINT, &old_int, NULL), sigaction(SIGTERM, &old_term, NULL);
  tr->seconds = s2s_now() - t0;
  tr->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  if (tr->status == 127)
    fprintf(stderr,
            "s2sbench tune: cannot run %s (install clblast-utils: scripts/setup.sh, "
            "or give --tuner-dir)\n",
            argv[0]);
  return 0;
}

/* Candidates for the selection: top[0..n) added to cands unless a set with the same
 * kernel and parameters is there already. */
static void add_candidates(s2s_tuned_kernel *cands, int *ncands, const s2s_tuned_kernel *top,
                           int n, const char *from, int *rank) {
  for (int i = 0; i < n && *ncands < S2S_TUNE_MAX_CANDS; i++) {
    int dup = 0;
    for (int c = 0; c < *ncands && !dup; c++)
      dup = !strcmp(cands[c].kernel, top[i].kernel) && cands[c].nparams == top[i].nparams &&
            !memcmp(cands[c].values, top[i].values, sizeof top[i].values[0] * top[i].nparams);
    if (dup) continue;
    cands[*ncands] = top[i];
    snprintf(cands[*ncands].family, sizeof cands[0].family, "%.20s %.26s", from, top[i].family);
    rank[(*ncands)++] = i;
  }
}

/* Completed phases (JSON files) first, then the log's next section (a stopped phase): each
 * one's best merges into t's base sets, its `top` fastest become candidates. */
static int collect(const char *dir, tuner_run *tr, s2s_tuning *t, s2s_tuned_kernel *cands,
                   int *ncands, int *rank, int top) {
  DIR *d = opendir(dir);
  int phases = 0, found = 0;
  struct dirent *e;
  char path[4600], err[600];
  s2s_tuned_kernel *best = calloc((size_t)top, sizeof *best);
  if (!best) return 0;
  while (d && (e = readdir(d))) {
    size_t len = strlen(e->d_name);
    if (strncmp(e->d_name, "clblast_", 8) || len < 8 || strcmp(e->d_name + len - 8, "_32.json"))
      continue;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    const int got = s2s_tuning_parse_tuner_json_top(path, best, top, err, sizeof err);
    if (got < 1) {
      fprintf(stderr, "s2sbench tune: %s\n", err);
      continue;
    }
    phases++;
    if (strcmp(best[0].kernel, tr->kernel)) continue;
    s2s_tuning_merge(t, &best[0]), found++;
    add_candidates(cands, ncands, best, got, tr->dir, rank);
    const s2s_tuned_kernel *k = &best[0];
    printf("  %-20s phase %-16s %5ld configurations, best %8.3f ms = %7.2f GFLOP/s (%s)\n",
           tr->dir, k->family, k->configs, k->time_ms, 2e-6 * k->m * k->n * k->k / k->time_ms,
           k->variant);
  }
  if (d) closedir(d);
  snprintf(path, sizeof path, "%s/log.txt", dir);
  const int got = s2s_tuning_parse_tuner_log_top(path, phases, tr->kernel, best, top);
  if (got > 0) {
    for (int i = 0; i < got; i++)
      snprintf(best[i].family, sizeof best[i].family, "%s (stopped)", tr->name);
    s2s_tuning_merge(t, &best[0]), found++;
    add_candidates(cands, ncands, best, got, tr->dir, rank);
    const s2s_tuned_kernel *k = &best[0];
    printf("  %-20s stopped phase %d: %5ld configurations, best %8.3f ms = %7.2f GFLOP/s\n",
           tr->dir, phases + 1, k->configs, k->time_ms, 2e-6 * k->m * k->n * k->k / k->time_ms);
  }
  free(best);
  return found;
}

/* Removes a temporary tuner folder: the files the tuners write, then the folders. */
static void remove_raw(const char *raw, const tuner_run *runs, int nruns) {
  for (int i = 0; i < nruns; i++) {
    char dir[4400], path[4800];
    snprintf(dir, sizeof dir, "%.4000s/%.63s", raw, runs[i].dir);
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)))
      if (!strcmp(e->d_name, "log.txt") || !strncmp(e->d_name, "clblast_", 8)) {
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        remove(path);
      }
    if (d) closedir(d);
    rmdir(dir);
  }
  rmdir(raw);
}

typedef struct extra_ctx {
  const tune_opts *o;
  tuner_run *runs;
  int nruns;
  int argc;
  char **argv;
  const s2s_device *dev;
} extra_ctx;

static void extra(void *json, void *ctx) {
  s2s_json *j = json;
  const extra_ctx *x = ctx;
  s2s_run_record_meta(j, "tuning", x->argc, x->argv, x->dev, 1);
  s2s_json_object(j, "tuners");
  s2s_json_num(j, "fraction", x->o->fraction);
  s2s_json_num(j, "time_limit_s", x->o->time_limit);
  s2s_json_int(j, "runs_per_configuration", x->o->runs);
  s2s_json_int(j, "candidates_per_tuner", x->o->candidates);
  s2s_json_str(j, "selection", x->o->select);
  s2s_json_num(j, "selection_time_s", x->o->select_time);
  s2s_json_int(j, "selection_trials", x->o->select_trials);
  s2s_json_str(j, "preset", x->o->cfg.preset);
  s2s_json_int(j, "len", x->o->len);
  s2s_json_array(j, "runs");
  for (int i = 0; i < x->nruns; i++) {
    s2s_json_object(j, NULL);
    s2s_json_str(j, "tuner", x->runs[i].name);
    s2s_json_str(j, "folder", x->runs[i].dir);
    s2s_json_int(j, "m", x->runs[i].m);
    s2s_json_int(j, "n", x->runs[i].n);
    s2s_json_int(j, "k", x->runs[i].k);
    s2s_json_num(j, "seconds", x->runs[i].seconds);
    s2s_json_str(j, "outcome",
                 x->runs[i].status == -1  ? "stopped by the time limit"
                 : x->runs[i].status == 0 ? "completed"
                                          : "failed");
    if (x->runs[i].status > 0) s2s_json_int(j, "exit_status", x->runs[i].status);
    s2s_json_close(j, '}');
  }
  s2s_json_close(j, ']');
  s2s_json_close(j, '}');
}

/* A tuner entry "xgemm@gates_x" or "xgemm@64x1024x256": its tuner, folder, kernel and
 * shape. Returns 0, or -1 with the reason printed. */
static int tuner_entry(const char *entry, const tune_opts *o, const s2s_gemm_class *cs, int ncs,
                       tuner_run *tr) {
  memset(tr, 0, sizeof *tr);
  const char *at = strchr(entry, '@');
  const size_t len = at ? (size_t)(at - entry) : strlen(entry);
  snprintf(tr->name, sizeof tr->name, "%.*s", (int)(len < 31 ? len : 31), entry);
  const long B = o->cfg.batch, H = o->cfg.hidden, V = o->cfg.tgt_vocab;
  if (!strcmp(tr->name, "xgemm_direct")) {
    snprintf(tr->kernel, sizeof tr->kernel, "XgemmDirect");
    tr->m = B, tr->n = 4L * H, tr->k = H;
  } else if (!strcmp(tr->name, "xgemm")) {
    snprintf(tr->kernel, sizeof tr->kernel, "Xgemm");
    tr->m = B, tr->n = V, tr->k = H;
  } else {
    fprintf(stderr, "s2sbench tune: --tuners: unknown tuner '%s' (xgemm_direct, xgemm)\n",
            tr->name);
    return -1;
  }
  snprintf(tr->dir, sizeof tr->dir, "%s", entry);
  if (at) {
    char *p = strchr(tr->dir, '@');
    *p = '-';
    const s2s_gemm_class *c = s2s_gemm_class_named(cs, ncs, at + 1);
    char tail;
    if (c) {
      tr->m = (long)c->m, tr->n = (long)c->n, tr->k = (long)c->k;
    } else if (sscanf(at + 1, "%ldx%ldx%ld%c", &tr->m, &tr->n, &tr->k, &tail) != 3 || tr->m < 1 ||
               tr->n < 1 || tr->k < 1) {
      fprintf(stderr,
              "s2sbench tune: --tuners: '%s': after @ a class of the step (gates_x, gates_h, "
              "gates_dh, gates_dx, gates_dw, softmax_fwd, softmax_dh, softmax_dw) or MxNxK\n",
              entry);
      return -1;
    }
  }
  if (!s2s_gemm_row_major()) { /* the kernel sees the column-major C^T: n x m (gemm.h) */
    const long m = tr->m;
    tr->m = tr->n, tr->n = m;
  }
  if (!strcmp(tr->kernel, "Xgemm")) /* the tuner wants m, n multiples of 64 and k of 32 */
    tr->m = (tr->m + 63) / 64 * 64, tr->n = (tr->n + 63) / 64 * 64, tr->k = (tr->k + 31) / 32 * 32;
  return 0;
}

/* Runs (or, with --from, finds) one tuner; its folder is raw/<tr->dir>. */
static int run_one(const tune_opts *o, const s2s_device_info *info, const char *raw,
                   tuner_run *tr, char *dir, size_t dirlen) {
  snprintf(dir, dirlen, "%s/%s", raw, tr->dir);
  if (o->from_dir) return 0;
  if (s2s_mkdirs(dir) != 0) return -1;
  char bin[4200], a[7][32];
  snprintf(bin, sizeof bin, "%s%sclblast_tuner_%s", o->tuner_dir ? o->tuner_dir : "",
           o->tuner_dir ? "/" : "", tr->name);
  /* the tuner counts platforms in the ICD loader's order, not in our stable one */
  snprintf(a[0], 32, "%d", info->icd_platform_index);
  snprintf(a[1], 32, "%d", info->device_index);
  snprintf(a[2], 32, "%ld", tr->m), snprintf(a[3], 32, "%ld", tr->n);
  snprintf(a[4], 32, "%ld", tr->k), snprintf(a[5], 32, "%g", o->fraction);
  snprintf(a[6], 32, "%ld", o->runs);
  char *targv[] = {bin,  "-platform", a[0], "-device", a[1], "-precision",
                   "32", "-m",        a[2], "-n",      a[3], "-k",
                   a[4], "-fraction", a[5], "-runs",   a[6], NULL};
  printf("  %s at %ldx%ldx%ld, at most %.0f s (output in %s)\n", tr->name, tr->m, tr->n, tr->k,
         o->time_limit, dir);
  fflush(stdout);
  if (run_tuner(targv, dir, o->time_limit, tr) != 0) return -1;
  if (tr->status > 0)
    printf("  %s FAILED: exit status %d after %.0f s (see %s/log.txt)\n", tr->dir, tr->status,
           tr->seconds, dir);
  else if (tr->status < 0)
    printf("  %s stopped by the time limit after %.0f s\n", tr->dir, tr->seconds);
  return 0;
}

/* The GEMMs of one training step on a device like info, in the order the step issues them
 * (its dry plan: one device, B sentences of len source and len + 1 target tokens), for the
 * selection's count of switches; NULL (and a note) when the plan cannot be built. */
static s2s_gemm_class *step_order(const s2s_device_info *info, const s2s_config *cfg, long len,
                                  int *n) {
  s2s_plan p;
  *n = 0;
  if (s2s_train_step_plan(info, 1, NULL, NULL, cfg, cfg->batch, (int)len, (int)len + 1, &p) != 0) {
    printf("tune: no plan of the step: classes weighted by their products per step, switches "
           "not counted\n");
    return NULL;
  }
  s2s_gemm_class *o = calloc(p.n ? p.n : 1, sizeof *o);
  for (size_t i = 0; o && i < p.n; i++) {
    const s2s_plan_node *e = &p.node[i];
    if (e->op != S2S_OP_GEMM) continue;
    o[(*n)++] = (s2s_gemm_class){.ta = e->ta == 'T' ? S2S_TRANS : S2S_NO_TRANS,
                                 .tb = e->tb == 'T' ? S2S_TRANS : S2S_NO_TRANS,
                                 .m = (size_t)e->m, .n = (size_t)e->n, .k = (size_t)e->k};
  }
  s2s_plan_free(&p);
  return o;
}

int s2s_cmd_tune(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0); /* progress lines in order with the tuners' stderr */
  tune_opts o;
  int r = parse(&o, argc, argv);
  if (r) return r == 1 ? 0 : r;
  s2s_device *devs;
  int n;
  char err[1024], raw[4096], outdir[4096], path[4500];
  /* the selection times CLBlast's own parameters first: open the device without tuning */
  setenv("S2S_TUNING", "off", 1);
  const int opened = s2s_run_open_devices("tune", "--device", o.device, &devs, &n);
  if (opened != 0) return S2S_DEVICE_EXIT(opened);
  const s2s_device_info *info = &devs[0].info;
  if (n > 1) printf("tune: %d devices selected; tuning the first (same name = same tuning)\n", n);
  snprintf(outdir, sizeof outdir, "%s", o.out_dir ? o.out_dir : "");
  if (!o.out_dir) s2s_tuning_dir(outdir, sizeof outdir);
  if (o.from_dir)
    snprintf(raw, sizeof raw, "%s", o.from_dir);
  else if (o.raw_dir)
    snprintf(raw, sizeof raw, "%s", o.raw_dir);
  else
    snprintf(raw, sizeof raw, "%s/s2sbench-tune-%ld", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
             (long)getpid());
  s2s_tuning *t = calloc(1, sizeof *t);
  s2s_tuning *old = malloc(sizeof *old);
  s2s_tuned_kernel *cands = calloc(S2S_TUNE_MAX_CANDS, sizeof *cands);
  int rank[S2S_TUNE_MAX_CANDS]; /* a candidate's place in its tuner phase's list, 0 = best */
  tuner_run runs[S2S_TUNE_MAX_RUNS];
  int nruns = 0, tuned = 0, rc = 1, ncands = 0;
  if (!t || !old || !cands) goto out;
  t->switch_ms = -1;
  snprintf(t->device, sizeof t->device, "%s", info->name);
  snprintf(t->driver, sizeof t->driver, "%s", info->driver);
  snprintf(t->platform, sizeof t->platform, "%s", info->platform);
  s2s_gemm_class cs[S2S_GEMM_MAX_CLASSES];
  const int ncs = s2s_gemm_step_classes(&o.cfg, o.len, info->max_alloc, cs);
  printf("tune: %s (platform %d, device %d)%s\n", info->name, info->platform_index,
         info->device_index, info->sub_index >= 0 ? " through its parent device" : "");
  char list[512];
  snprintf(list, sizeof list, "%s", o.tuners);
  char *save = NULL; /* strtok_r: the parsers below use strtok */
  for (char *name = strtok_r(list, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
    if (nruns == S2S_TUNE_MAX_RUNS) {
      fprintf(stderr, "s2sbench tune: --tuners: at most %d entries\n", S2S_TUNE_MAX_RUNS);
      goto out;
    }
    tuner_run *tr = &runs[nruns];
    if (tuner_entry(name, &o, cs, ncs, tr) != 0) goto out;
    nruns++;
    char dir[4200];
    if (run_one(&o, info, raw, tr, dir, sizeof dir) != 0) goto out;
    int got = collect(dir, tr, t, cands, &ncands, rank, (int)o.candidates);
    if (!got) printf("  %s: no verified configuration: nothing stored for %s\n", tr->dir, tr->kernel);
    tuned += got > 0;
  }
  if (!tuned) {
    fprintf(stderr, "s2sbench tune: no tuner produced a verified configuration; nothing "
                    "written\n");
    goto out;
  }
  char key[300];
  s2s_tuning_key(info, key, sizeof key);
  snprintf(path, sizeof path, "%s/%s.json", outdir, key);
  /* keep the kernels (and, without a selection, the classes) of an earlier tuning */
  const int had = s2s_tuning_load(path, old, err, sizeof err) == 0;
  if (had)
    for (int i = 0; i < old->nkernels; i++) {
      int mine = 0;
      for (int k = 0; k < t->nkernels; k++)
        mine |= !strcmp(old->k[i].kernel, t->k[k].kernel);
      if (!mine) s2s_tuning_merge(t, &old->k[i]);
    }
  if (!strcmp(o.select, "on")) {
    /* every phase's best first, then every second best, ...: if the selection's time runs
     * out, each tuner has had its best configurations timed */
    for (int i = 1; i < ncands; i++)
      for (int j = i; j > 0 && rank[j] < rank[j - 1]; j--) {
        const s2s_tuned_kernel k = cands[j];
        const int r = rank[j];
        cands[j] = cands[j - 1], rank[j] = rank[j - 1];
        cands[j - 1] = k, rank[j - 1] = r;
      }
    printf("tune: choosing per shape class among %d candidates (%s, len %ld)\n", ncands,
           o.cfg.preset, o.len);
    int norder;
    s2s_gemm_class *order = step_order(info, &o.cfg, o.len, &norder);
    const s2s_select_opts so = {(int)o.select_trials, o.select_time, stdout, order, norder};
    const int picked = s2s_tuning_select_classes(&devs[0], t, cs, ncs, cands, ncands, &so);
    free(order);
    if (picked < 0) goto out;
    for (int i = 0; i < t->nclasses; i++) {
      const s2s_tuned_class *c = &t->c[i];
      const double f = 2e-6 * c->set.m * c->set.n * c->set.k;
      printf("  %-12s %-8s %-11s %7.2f GFLOP/s (default %7.2f, %.2fx) from %s\n", c->name,
             strcmp(c->set.kernel, "XgemmDirect") ? "indirect" : "direct", c->set.kernel,
             f / c->set.time_ms, f / c->default_ms, c->default_ms / c->set.time_ms, c->set.family);
    }
    if (t->switch_ms >= 0) printf("  one switch between two classes' settings: %.3f ms\n", t->switch_ms);
  } else if (had) {
    t->nclasses = old->nclasses, t->switch_ms = old->switch_ms;
    memcpy(t->c, old->c, sizeof t->c);
  }
  extra_ctx x = {&o, runs, nruns, argc, argv, devs};
  if (s2s_mkdirs(outdir) != 0 || s2s_tuning_save(path, t, extra, &x) != 0) goto out;
  printf("tune: wrote %s (%d kernel%s, %d class%s); later runs on %s apply it\n", path,
         t->nkernels, t->nkernels == 1 ? "" : "s", t->nclasses, t->nclasses == 1 ? "" : "es",
         info->name);
  rc = 0;
out:
  if (!o.raw_dir && !o.from_dir) remove_raw(raw, runs, nruns);
  if (stop_signal) rc = 128 + (int)stop_signal;
  free(t), free(old), free(cands);
  s2s_device_close(devs, n);
  return rc;
}

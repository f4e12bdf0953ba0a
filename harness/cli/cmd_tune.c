/* `s2sbench tune`: runs CLBlast's tuners (Debian clblast-utils) for one device at the
 * model's GEMM shapes, each in a folder of its own and under a time limit (a tuner stopped
 * by the limit still yields the best configuration it verified, read from its output),
 * and stores the best parameters per kernel in results/tuning/<device-slug>.json, which
 * every later run on that device applies (tuning.h). */
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
#include "blas/tuning.h"

typedef struct tune_opts {
  s2s_config cfg;
  const char *device, *out_dir, *raw_dir, *from_dir, *tuners, *tuner_dir;
  double fraction, time_limit;
  long runs, len;
} tune_opts;

typedef struct tuner_run {
  char name[32], kernel[32]; /* "xgemm_direct", "XgemmDirect" */
  long m, n, k;
  double seconds;
  int status; /* exit status, -1 stopped by the time limit */
} tuner_run;

static void help(void) {
  printf("usage: s2sbench tune [--device SPEC] [--preset P] [size flags] [--tuners LIST]\n"
         "                     [--time-limit S] [--fraction F] [--runs N] [--out DIR]\n"
         "                     [--raw DIR] [--from DIR]\n\n"
         "Runs CLBlast's tuners (clblast-utils) on the device at the model's GEMM shapes and\n"
         "stores the best parameters per kernel in DIR/<device-slug>.json (default\n"
         "results/tuning). Every later run on a device of that name applies them with\n"
         "CLBlastOverrideParameters (S2S_TUNING=off disables); `s2sbench bench gemm` shows\n"
         "default vs tuned. A sub-device is tuned through its parent device (same name).\n\n"
         "  --tuners LIST     xgemm_direct,xgemm (default): XgemmDirect at the recurrent\n"
         "                    gate product B x 4H x H, Xgemm at the per-step softmax B x V x H\n"
         "                    (rounded up to multiples of 64, 64, 32: the tuner's tiles)\n"
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
  o->tuners = "xgemm_direct,xgemm", o->fraction = 0.0005, o->time_limit = 240, o->runs = 1;
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
                                                                                 : NULL;
    if (str) {
      if (!(*str = s2s_args_value(&c))) return 2;
    } else if (s2s_args_is(&c, "--time-limit")) {
      if (s2s_args_double(&c, 1, 86400, &o->time_limit)) return 2;
    } else if (s2s_args_is(&c, "--fraction")) {
      if (s2s_args_double(&c, 1e-7, 1, &o->fraction)) return 2;
    } else if (s2s_args_is(&c, "--runs")) {
      if (s2s_args_long(&c, 1, 100, &o->runs)) return 2;
    } else {
      return s2s_args_unknown(&c);
    }
  }
  return 0;
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
  for (;;) {
    pid_t w = waitpid(pid, &st, WNOHANG);
    if (w == pid) break;
    const double now = s2s_now();
    if (now - t0 > limit) {
      kill(-pid, SIGTERM), kill(pid, SIGTERM);
      struct timespec ts = {2, 0};
      nanosleep(&ts, NULL);
      if (waitpid(pid, &st, WNOHANG) != pid) {
        kill(-pid, SIGKILL), kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
      }
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
  tr->seconds = s2s_now() - t0;
  tr->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  if (tr->status == 127)
    fprintf(stderr,
            "s2sbench tune: cannot run %s (install clblast-utils: scripts/setup.sh, "
            "or give --tuner-dir)\n",
            argv[0]);
  return 0;
}

/* Completed phases (JSON files) first, then the log's next section (a stopped phase). */
static int collect(const char *dir, tuner_run *tr, const s2s_device_info *info, s2s_tuning *t) {
  DIR *d = opendir(dir);
  int phases = 0, found = 0;
  struct dirent *e;
  char path[4600], err[600];
  while (d && (e = readdir(d))) {
    size_t len = strlen(e->d_name);
    if (strncmp(e->d_name, "clblast_", 8) || len < 8 || strcmp(e->d_name + len - 8, "_32.json"))
      continue;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    s2s_tuned_kernel k;
    if (s2s_tuning_parse_tuner_json(path, &k, err, sizeof err) != 0) {
      fprintf(stderr, "s2sbench tune: %s\n", err);
      continue;
    }
    phases++;
    if (strcmp(k.kernel, tr->kernel)) continue;
    s2s_tuning_merge(t, &k), found++;
    printf("  %-14s phase %-16s %5ld configurations, best %8.3f ms = %7.2f GFLOP/s (%s)\n",
           tr->name, k.family, k.configs, k.time_ms, 2e-6 * k.m * k.n * k.k / k.time_ms, k.variant);
  }
  if (d) closedir(d);
  snprintf(path, sizeof path, "%s/log.txt", dir);
  s2s_tuned_kernel k;
  int r = s2s_tuning_parse_tuner_log(path, phases, tr->kernel, &k);
  if (r == 0) {
    snprintf(k.family, sizeof k.family, "%s (stopped)", tr->name);
    s2s_tuning_merge(t, &k), found++;
    printf("  %-14s stopped phase %d: %5ld configurations, best %8.3f ms = %7.2f GFLOP/s\n",
           tr->name, phases + 1, k.configs, k.time_ms, 2e-6 * k.m * k.n * k.k / k.time_ms);
  }
  (void)info;
  return found;
}

/* Removes a temporary tuner folder: the files the tuners write, then the folders. */
static void remove_raw(const char *raw, const tuner_run *runs, int nruns) {
  for (int i = 0; i < nruns; i++) {
    char dir[4400], path[4800];
    snprintf(dir, sizeof dir, "%.4000s/%.31s", raw, runs[i].name);
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
  s2s_json_array(j, "runs");
  for (int i = 0; i < x->nruns; i++) {
    s2s_json_object(j, NULL);
    s2s_json_str(j, "tuner", x->runs[i].name);
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

int s2s_cmd_tune(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0); /* progress lines in order with the tuners' stderr */
  tune_opts o;
  int r = parse(&o, argc, argv);
  if (r) return r == 1 ? 0 : r;
  s2s_device *devs;
  int n;
  char err[1024], raw[4096], outdir[4096], path[4400];
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
  s2s_tuning t = {0};
  snprintf(t.device, sizeof t.device, "%s", info->name);
  snprintf(t.driver, sizeof t.driver, "%s", info->driver);
  snprintf(t.platform, sizeof t.platform, "%s", info->platform);
  tuner_run runs[4];
  int nruns = 0, tuned = 0, rc = 1;
  const int B = o.cfg.batch, H = o.cfg.hidden, V = o.cfg.tgt_vocab;
  printf("tune: %s (platform %d, device %d)%s\n", info->name, info->platform_index,
         info->device_index, info->sub_index >= 0 ? " through its parent device" : "");
  char list[256];
  snprintf(list, sizeof list, "%s", o.tuners);
  char *save = NULL; /* strtok_r: the parsers below use strtok */
  for (char *name = strtok_r(list, ",", &save); name && nruns < 4;
       name = strtok_r(NULL, ",", &save)) {
    tuner_run *tr = &runs[nruns];
    memset(tr, 0, sizeof *tr);
    snprintf(tr->name, sizeof tr->name, "%s", name);
    if (!strcmp(name, "xgemm_direct")) {
      snprintf(tr->kernel, sizeof tr->kernel, "XgemmDirect");
      tr->m = B, tr->n = 4L * H, tr->k = H;
    } else if (!strcmp(name, "xgemm")) {
      snprintf(tr->kernel, sizeof tr->kernel, "Xgemm");
      /* the Xgemm tuner wants m and n multiples of 64 and k of 32 (its largest tiles) */
      tr->m = (B + 63) / 64 * 64, tr->n = (V + 63) / 64 * 64, tr->k = (H + 31) / 32 * 32;
    } else {
      fprintf(stderr, "s2sbench tune: --tuners: unknown tuner '%s' (xgemm_direct, xgemm)\n", name);
      goto out;
    }
    nruns++;
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/%s", raw, name);
    if (!o.from_dir) {
      if (s2s_mkdirs(dir) != 0) goto out;
      char bin[4200], a[7][32];
      snprintf(bin, sizeof bin, "%s%sclblast_tuner_%s", o.tuner_dir ? o.tuner_dir : "",
               o.tuner_dir ? "/" : "", name);
      /* the tuner counts platforms in the ICD loader's order, not in our stable one */
      snprintf(a[0], 32, "%d", info->icd_platform_index);
      snprintf(a[1], 32, "%d", info->device_index);
      snprintf(a[2], 32, "%ld", tr->m), snprintf(a[3], 32, "%ld", tr->n);
      snprintf(a[4], 32, "%ld", tr->k), snprintf(a[5], 32, "%g", o.fraction);
      snprintf(a[6], 32, "%ld", o.runs);
      char *targv[] = {bin,  "-platform", a[0], "-device", a[1], "-precision",
                       "32", "-m",        a[2], "-n",      a[3], "-k",
                       a[4], "-fraction", a[5], "-runs",   a[6], NULL};
      printf("  %s at %ldx%ldx%ld, at most %.0f s (output in %s)\n", name, tr->m, tr->n, tr->k,
             o.time_limit, dir);
      fflush(stdout);
      if (run_tuner(targv, dir, o.time_limit, tr) != 0) goto out;
      if (tr->status > 0)
        printf("  %s FAILED: exit status %d after %.0f s (see %s/log.txt)\n", name, tr->status,
               tr->seconds, dir);
      else if (tr->status < 0)
        printf("  %s stopped by the time limit after %.0f s\n", name, tr->seconds);
    }
    int got = collect(dir, tr, info, &t);
    if (!got) printf("  %s: no verified configuration: nothing stored for %s\n", name, tr->kernel);
    tuned += got > 0;
  }
  if (!tuned) {
    fprintf(stderr, "s2sbench tune: no tuner produced a verified configuration; nothing "
                    "written\n");
    goto out;
  }
  char slug[256];
  s2s_tuning_slug(info->name, slug, sizeof slug);
  snprintf(path, sizeof path, "%s/%s.json", outdir, slug);
  s2s_tuning old; /* keep the kernels of an earlier tuning that this run did not tune */
  if (s2s_tuning_load(path, &old, err, sizeof err) == 0)
    for (int i = 0; i < old.nkernels; i++) {
      int mine = 0;
      for (int k = 0; k < t.nkernels; k++)
        mine |= !strcmp(old.k[i].kernel, t.k[k].kernel);
      if (!mine) s2s_tuning_merge(&t, &old.k[i]);
    }
  extra_ctx x = {&o, runs, nruns, argc, argv, devs};
  if (s2s_mkdirs(outdir) != 0 || s2s_tuning_save(path, &t, extra, &x) != 0) goto out;
  printf("tune: wrote %s (%d kernel%s); later runs on %s apply it\n", path, t.nkernels,
         t.nkernels == 1 ? "" : "s", info->name);
  rc = 0;
out:
  if (!o.raw_dir && !o.from_dir) remove_raw(raw, runs, nruns);
  s2s_device_close(devs, n);
  return rc;
}

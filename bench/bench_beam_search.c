/* `s2sbench bench decode`: the paper's beam table. For each beam width, decoding speed
 * (warm-up decodes timed apart, median of repeated decodes of the whole set, every trial
 * kept) and BLEU (sacreBLEU's, harness/bleu/bleu.h) on a test set: -i SRC -r REF, or for a
 * synthetic checkpoint its task's dev stream with references made by the task's rule (copy
 * or reverse of the source). Words counted as source + output words. Numbers of a beam
 * whose trials did not all give the same translations are withheld. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/atomic_file.h"
#include "bench/bench.h"
#include "bleu/bleu.h"
#include "model/checkpoint.h"
#include "args/args.h"
#include "decode/beam_search.h"
#include "record/json.h"
#include "run/run_record.h"
#include "profile/stats.h"
#include "data/task.h"
#include "decode/translate_io.h"
#include "text/utf8.h"
#include "blas/blas_devices.h"

#define MAX_BEAMS 16

typedef struct decode_bench {
  const char *checkpoint, *src, *ref, *devices, *out_dir;
  int beams[MAX_BEAMS], nbeams;
  long sentences, batch, max_len, trials, warmup;
  int length_norm, tokenize; /* tokenize -1: as the checkpoint says */
} decode_bench;

typedef struct beam_numbers {
  int K, valid;
  double build_s, warm_s, *trial_s, bleu, flops; /* flops: of one decode of the set */
  s2s_summary t;
  long out_words;
  long placeholders_dropped; /* placeholder tokens the decoder emitted that the line lacks */
  char bleu_line[256];
} beam_numbers;

typedef struct test_set {
  int n;
  int32_t **src;
  int *len;
  char **ref; /* (n) reference lines */
  char **tables; /* (n) placeholders masked in each source line (NULL: none), restored in
                  * the hypothesis as translate does, so BLEU scores what a reader sees */
  long src_words;
  char what[256];
} test_set;

static void help(void) {
  printf("usage: s2sbench bench decode --checkpoint FILE [--beams 1,2,4,8,12] [-i SRC -r REF]\n"
         "                             [--sentences N] [--batch S] [--max-len N] [--length-norm]\n"
         "                             [--trials N] [--warmup N] [--[no-]tokenize] [--device SPEC]\n"
         "                             [--out DIR]\n\n"
         "BLEU and decoding speed against beam size (the paper's beam table). The test set is\n"
         "SRC with references REF (one sentence per line), or for a checkpoint of a synthetic\n"
         "task N sentences of that task's dev stream with their copied/reversed references.\n"
         "BLEU is sacreBLEU's default (13a, exp smoothing). Speed: median decode time of the\n"
         "whole set over the trials (warm-ups excluded), sentences/s and words/s (source +\n"
         "output words). --out DIR writes run.json, beams.tsv, ref.txt and hyp.beamK.txt.\n\n"
         "  --beams LIST     beam widths, 1..%d (default 1,2,4,8,12)\n"
         "  --sentences N    synthetic test set size (default 256)\n"
         "  --batch S        sentences decoded together (default 64)\n"
         "  --max-len N      most output words (default 2 * source words + 10)\n"
         "  --length-norm    rank finished hypotheses by log p per token\n"
         "  --tokenize       raw SRC: tokenize it and detokenize the output (default: as\n"
         "                   the model was trained, from its checkpoint; placeholders such\n"
         "                   as %%s are masked and restored as translate does)\n"
         "  --no-tokenize    SRC is tokenized already\n"
         "  --trials N       timed decodes of the set per beam (default 3)\n"
         "  --warmup N       untimed decodes first, recorded apart (default 1)\n",
         S2S_BEAM_MAX_K);
}

static int parse_beams(decode_bench *o, const char *v) {
  o->nbeams = 0;
  for (const char *p = v; *p;) {
    char *end;
    errno = 0;
    long k = strtol(p, &end, 10);
    if (end == p || errno || k < 1 || k > S2S_BEAM_MAX_K || o->nbeams == MAX_BEAMS ||
        (*end && *end != ',')) {
      fprintf(stderr, "s2sbench bench decode: --beams: '%s' is not a list of up to %d widths "
              "in 1..%d\n", v, MAX_BEAMS, S2S_BEAM_MAX_K);
      return -1;
    }
    o->beams[o->nbeams++] = (int)k;
    p = *end ? end + 1 : end;
  }
  return o->nbeams ? 0 : -1;
}

static int parse(decode_bench *o, int argc, char **argv) {
  *o = (decode_bench){.sentences = 256, .batch = 64, .trials = 3, .warmup = 1, .tokenize = -1};
  parse_beams(o, "1,2,4,8,12");
  s2s_args c;
  s2s_args_init(&c, "bench decode", argc, argv);
  while (s2s_args_next(&c)) {
    const char *v;
    if (s2s_args_is(&c, "--help") || s2s_args_is(&c, "-h")) {
      help();
      return 1;
    } else if (s2s_args_is(&c, "--checkpoint")) {
      if (!(o->checkpoint = s2s_args_value(&c))) return 2;
    } else if (s2s_args_is(&c, "--beams")) {
      if (!(v = s2s_args_value(&c)) || parse_beams(o, v)) return 2;
    } else if (s2s_args_is(&c, "-i") || s2s_args_is(&c, "--input")) {
      if (!(o->src = s2s_args_value(&c))) return 2;
    } else if (s2s_args_is(&c, "-r") || s2s_args_is(&c, "--reference")) {
      if (!(o->ref = s2s_args_value(&c))) return 2;
    } else if (s2s_args_is(&c, "--sentences")) {
      if (s2s_args_long(&c, 1, 1000000, &o->sentences)) return 2;
    } else if (s2s_args_is(&c, "--batch")) {
      if (s2s_args_long(&c, 1, 4096, &o->batch)) return 2;
    } else if (s2s_args_is(&c, "--max-len")) {
      if (s2s_args_long(&c, 1, 100000, &o->max_len)) return 2;
    } else if (s2s_args_is(&c, "--trials")) {
      if (s2s_args_long(&c, 1, 10000, &o->trials)) return 2;
    } else if (s2s_args_is(&c, "--warmup")) {
      if (s2s_args_long(&c, 0, 1000, &o->warmup)) return 2;
    } else if (s2s_args_is(&c, "--length-norm")) {
      o->length_norm = 1;
    } else if (s2s_args_is(&c, "--tokenize") || s2s_args_is(&c, "--no-tokenize")) {
      o->tokenize = s2s_args_is(&c, "--tokenize");
    } else if (s2s_args_is(&c, "--device") || s2s_args_is(&c, "--devices")) {
      if (!(o->devices = s2s_args_value(&c))) return 2;
    } else if (s2s_args_is(&c, "--out")) {
      if (!(o->out_dir = s2s_args_value(&c))) return 2;
    } else {
      return s2s_args_unknown(&c);
    }
  }
  if (!o->checkpoint || !o->src != !o->ref) {
    fprintf(stderr, "s2sbench bench decode: %s\n",
            !o->checkpoint ? "--checkpoint FILE is required" : "-i SRC and -r REF go together");
    return 2;
  }
  return 0;
}

static void set_free(test_set *t) {
  for (int i = 0; i < t->n; i++) free(t->src[i]), free(t->ref[i]), free(t->tables[i]);
  free(t->src), free(t->len), free(t->ref), free(t->tables);
  memset(t, 0, sizeof *t);
}

static int set_alloc(test_set *t, int n) {
  t->src = calloc((size_t)n, sizeof *t->src);
  t->len = calloc((size_t)n, sizeof *t->len);
  t->ref = calloc((size_t)n, sizeof *t->ref);
  t->tables = calloc((size_t)n, sizeof *t->tables);
  return t->src && t->len && t->ref && t->tables ? 0 : -1;
}

static int read_lines(const char *path, s2s_text_lines *t) {
  char err[512];
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "s2sbench bench decode: cannot open '%s': %s\n", path, strerror(errno));
    return -1;
  }
  int rc = s2s_text_lines_read(f, path, S2S_LINES_LF, 1, t, err, sizeof err);
  fclose(f);
  if (rc) fprintf(stderr, "s2sbench bench decode: %s\n", err);
  return rc;
}

static int file_set(const decode_bench *o, const s2s_translate_vocabs *v, test_set *t) {
  s2s_text_lines s, r;
  int rc = -1;
  if (read_lines(o->src, &s)) return -1;
  if (read_lines(o->ref, &r)) {
    s2s_text_lines_free(&s);
    return -1;
  }
  if (s.n == 0 || s.n != r.n) {
    fprintf(stderr, "s2sbench bench decode: %s has %zu lines but %s has %zu%s\n", o->src, s.n,
            o->ref, r.n, s.n ? "" : " (no sentences)");
  } else if (set_alloc(t, (int)s.n) == 0) {
    for (rc = 0; rc == 0 && t->n < (int)s.n; t->n++) {
      const int i = t->n;
      /* corpus models saw placeholders as single tokens: mask them as translate does */
      char *masked = v->synthetic ? NULL : s2s_translate_mask(s.line[i], s.len[i], &t->tables[i]);
      long k = masked ? s2s_translate_encode(v, masked, strlen(masked), &t->src[i])
                      : s2s_translate_encode(v, s.line[i], s.len[i], &t->src[i]);
      free(masked);
      t->ref[i] = strndup(r.line[i], r.len[i]);
      if (k < 0 || !t->ref[i]) rc = -1;
      t->len[i] = (int)(k < 0 ? 0 : k);
      t->src_words += t->len[i];
    }
    snprintf(t->what, sizeof t->what, "%.70s (%d sentences) against %.70s", o->src, t->n, o->ref);
  }
  s2s_text_lines_free(&s);
  s2s_text_lines_free(&r);
  return rc;
}

/* The task's dev stream: the source and the reference the task defines for it. */
static int synthetic_set(const decode_bench *o, const s2s_ckpt *ck,
                         const s2s_translate_vocabs *v, test_set *t) {
  s2s_task task = {.min_len = 1, .max_len = (int)ck->h.max_len, .seed = ck->h.seed};
  if (s2s_task_parse(ck->h.task, &task.kind) != 0) {
    fprintf(stderr, "s2sbench bench decode: %s was trained on '%s', not a synthetic task: "
            "give -i SRC -r REF\n", o->checkpoint, ck->h.task);
    return -1;
  }
  task.vocab = (int)(ck->h.src_vocab < ck->h.tgt_vocab ? ck->h.src_vocab : ck->h.tgt_vocab);
  const int B = 64, n = (int)o->sentences;
  s2s_batch b;
  int32_t *tgt = malloc((size_t)(task.max_len + 2) * sizeof *tgt);
  if (!tgt || set_alloc(t, n) || s2s_batch_alloc(&b, B, task.max_len, task.max_len + 1)) {
    free(tgt);
    return -1;
  }
  int rc = 0;
  for (uint64_t bi = 0; rc == 0 && t->n < n; bi++) {
    s2s_task_batch(&task, bi, 1, B, &b);
    for (int r = 0; r < B && t->n < n && rc == 0; r++) {
      int nt, i = t->n;
      if (!(t->src[i] = malloc((size_t)(b.T_src + 1) * sizeof **t->src))) {
        rc = -1;
      } else if (s2s_decode_batch_row(&b, r, t->src[i], &t->len[i], tgt, &nt)) {
        if (!(t->ref[i] = s2s_translate_text(v, tgt, nt))) rc = -1;
        t->src_words += t->len[i];
        t->n++;
      } else {
        free(t->src[i]), t->src[i] = NULL;
      }
    }
  }
  snprintf(t->what, sizeof t->what, "%d sentences of the synthetic %s task's dev stream", t->n,
           ck->h.task);
  s2s_batch_free(&b);
  free(tgt);
  return rc;
}

/* Decodes the set once: outputs into out / out_len (freed first), seconds returned. */
static double decode_once(s2s_decoder *d, const test_set *t, int32_t **out, int *out_len,
                          double *flops) {
  s2s_decode_stats st = {0};
  for (int i = 0; i < t->n; i++) free(out[i]), out[i] = NULL;
  const double t0 = s2s_now();
  if (s2s_decode_all(d, t->n, (const int32_t *const *)t->src, t->len, out, out_len, NULL, &st))
    return -1;
  *flops = st.flops;
  return s2s_now() - t0;
}

static int score(const decode_bench *o, const s2s_translate_vocabs *v, const test_set *t,
                 int32_t **out, const int *out_len, beam_numbers *m) {
  s2s_bleu_options opt;
  s2s_bleu_options_init(&opt);
  s2s_bleu b;
  FILE *hyp = NULL;
  s2s_atomic_file a;
  if (s2s_bleu_init(&b, &opt) != 0) return -1;
  int rc = 0;
  if (o->out_dir) {
    char path[4200];
    snprintf(path, sizeof path, "%s/hyp.beam%d.txt", o->out_dir, m->K);
    if (s2s_atomic_open(&a, path) != 0) rc = -1;
    else hyp = a.f;
  }
  m->out_words = 0;
  m->placeholders_dropped = 0;
  for (int i = 0; rc == 0 && i < t->n; i++) {
    char *h = s2s_translate_restore(v, out[i], out_len[i], t->tables[i],
                                    &m->placeholders_dropped);
    const char *refs[1] = {t->ref[i]};
    if (!h || s2s_bleu_add(&b, h, refs, 1) != 0) rc = -1;
    if (h && hyp) fprintf(hyp, "%s\n", h);
    m->out_words += out_len[i];
    free(h);
  }
  s2s_bleu_score sc;
  char sig[128];
  if (rc == 0 && s2s_bleu_score_get(&b, &sc) == 0) {
    m->bleu = sc.score;
    s2s_bleu_signature(&opt, 1, 0, sig, sizeof sig);
    s2s_bleu_format(&sc, 1, sig, m->bleu_line, sizeof m->bleu_line);
  } else {
    rc = -1;
  }
  if (hyp) rc = rc == 0 ? s2s_atomic_commit(&a) : (s2s_atomic_abort(&a), -1);
  s2s_bleu_free(&b);
  return rc;
}

static int measure(const decode_bench *o, s2s_device *dev, const s2s_ckpt *ck,
                   const s2s_translate_vocabs *v, const test_set *t, beam_numbers *m) {
  s2s_config cfg;
  s2s_ckpt_header_to_config(&ck->h, &cfg);
  s2s_decoder d;
  int32_t **out = calloc((size_t)t->n, sizeof *out), **first = calloc((size_t)t->n, sizeof *out);
  int *out_len = calloc((size_t)t->n, sizeof *out_len);
  int *first_len = calloc((size_t)t->n, sizeof *first_len), rc = -1;
  const int S = t->n < o->batch ? t->n : (int)o->batch;
  double t0 = s2s_now();
  if (!out || !first || !out_len || !first_len) goto out;
  if (s2s_decoder_init(&d, dev, &cfg, S, m->K, (int)o->max_len) != 0) goto out;
  d.length_norm = o->length_norm;
  if (s2s_decoder_upload_params(&d, ck->params) != 0 || clFinish(dev->queue) != CL_SUCCESS)
    goto out_dec;
  m->build_s = s2s_now() - t0;
  for (long w = 0; w < o->warmup; w++) {
    double s = decode_once(&d, t, out, out_len, &m->flops);
    if (s < 0) goto out_dec;
    m->warm_s += s;
  }
  m->valid = 1;
  for (long i = 0; i < o->trials; i++) {
    if ((m->trial_s[i] = decode_once(&d, t, i ? out : first, i ? out_len : first_len,
                                     &m->flops)) < 0)
      goto out_dec;
    for (int k = 0; i && k < t->n; k++) /* every trial must give the same translations */
      m->valid &= out_len[k] == first_len[k] &&
                  !memcmp(out[k], first[k], (size_t)out_len[k] * sizeof **out);
  }
  s2s_summarize(m->trial_s, (size_t)o->trials, &m->t);
  rc = score(o, v, t, first, first_len, m);
out_dec:
  s2s_decoder_free(&d);
out:
  for (int i = 0; i < t->n; i++) {
    if (out) free(out[i]);
    if (first) free(first[i]);
  }
  free(out), free(first), free(out_len), free(first_len);
  return rc;
}

static void report_row(const test_set *t, const beam_numbers *m) {
  if (!m->valid) {
    printf("  %4d  OUTPUT CHECK FAILED: trials gave different translations; withheld\n", m->K);
    return;
  }
  const double s = m->t.median;
  printf("  %4d  %6.2f  %8.4f  %8.4f  %8.4f  %11.1f  %9.0f  %9ld  %8.2f\n", m->K, m->bleu, s,
         m->t.min, m->t.max, t->n / s, (t->src_words + m->out_words) / s, m->out_words,
         m->flops / s * 1e-9);
}

static int write_results(const decode_bench *o, const s2s_device *dev, const s2s_ckpt *ck,
                         const test_set *t, const beam_numbers *m, int argc, char **argv) {
  char path[4200];
  s2s_atomic_file a;
  snprintf(path, sizeof path, "%s/beams.tsv", o->out_dir);
  if (s2s_atomic_open(&a, path) != 0) return -1;
  fprintf(a.f, "beam\tbleu\tdecode_s_median\tdecode_s_min\tdecode_s_max\tsentences_per_s\t"
               "words_per_s\toutput_words\tgflop\tgflops\tvalid\n");
  for (int b = 0; b < o->nbeams; b++) {
    const double s = m[b].t.median;
    fprintf(a.f, "%d\t%.4f\t%.6f\t%.6f\t%.6f\t%.2f\t%.1f\t%ld\t%.6f\t%.3f\t%d\n", m[b].K,
            m[b].bleu, s, m[b].t.min, m[b].t.max, t->n / s, (t->src_words + m[b].out_words) / s,
            m[b].out_words, m[b].flops * 1e-9, m[b].flops / s * 1e-9, m[b].valid);
  }
  if (s2s_atomic_commit(&a) != 0) return -1;
  snprintf(path, sizeof path, "%s/run.json", o->out_dir);
  if (s2s_atomic_open(&a, path) != 0) return -1;
  s2s_config cfg;
  s2s_ckpt_header_to_config(&ck->h, &cfg);
  s2s_json j;
  s2s_json_begin(&j, a.f);
  s2s_run_record_meta(&j, "bench decode", argc, argv, dev, 1);
  s2s_run_record_config(&j, &cfg);
  s2s_json_object(&j, "summary");
  s2s_json_str(&j, "checkpoint", o->checkpoint);
  s2s_json_int(&j, "checkpoint_step", (long long)ck->h.step);
  s2s_json_str(&j, "test_set", t->what);
  s2s_json_int(&j, "sentences", t->n);
  s2s_json_int(&j, "source_words", t->src_words);
  s2s_json_str(&j, "words_convention", "source + output words, <eos> excluded");
  s2s_json_str(&j, "flop_convention", "matrix products only, multiply-add = 2, padding and "
                                      "empty beam slots included");
  s2s_json_int(&j, "batch", o->batch);
  s2s_json_int(&j, "max_len", o->max_len);
  s2s_json_bool(&j, "length_norm", o->length_norm);
  s2s_json_array(&j, "beams");
  for (int b = 0; b < o->nbeams; b++) {
    s2s_json_object(&j, NULL);
    s2s_json_int(&j, "beam", m[b].K);
    s2s_json_bool(&j, "output_check_passed", m[b].valid);
    s2s_json_num(&j, "setup_s", m[b].build_s);
    s2s_json_num(&j, "warmup_s", m[b].warm_s);
    if (m[b].valid) {
      s2s_json_num(&j, "bleu", m[b].bleu);
      s2s_json_str(&j, "bleu_line", m[b].bleu_line);
      s2s_json_num(&j, "decode_s_median", m[b].t.median);
      s2s_json_num(&j, "decode_s_min", m[b].t.min);
      s2s_json_num(&j, "decode_s_max", m[b].t.max);
      s2s_json_num(&j, "sentences_per_s", t->n / m[b].t.median);
      s2s_json_num(&j, "words_per_s", (t->src_words + m[b].out_words) / m[b].t.median);
      s2s_json_int(&j, "output_words", m[b].out_words);
      s2s_json_int(&j, "placeholders_dropped", m[b].placeholders_dropped);
      s2s_json_num(&j, "gflop", m[b].flops * 1e-9);
      s2s_json_num(&j, "achieved_gflops", m[b].flops / m[b].t.median * 1e-9);
      s2s_json_array(&j, "trials_s");
      for (long i = 0; i < o->trials; i++) s2s_json_num(&j, NULL, m[b].trial_s[i]);
      s2s_json_close(&j, ']');
    }
    s2s_json_close(&j, '}');
  }
  s2s_json_close(&j, ']');
  s2s_json_close(&j, '}');
  s2s_json_end(&j);
  return s2s_atomic_commit(&a);
}

/* DIR/ref.txt: the references BLEU was computed against (s2sbench bleu can re-check). */
static int write_refs(const decode_bench *o, const test_set *t) {
  char path[4200];
  s2s_atomic_file a;
  snprintf(path, sizeof path, "%s/ref.txt", o->out_dir);
  if (s2s_atomic_open(&a, path) != 0) return -1;
  for (int i = 0; i < t->n; i++) fprintf(a.f, "%s\n", t->ref[i]);
  return s2s_atomic_commit(&a);
}

static int bench(const decode_bench *o, s2s_device *dev, const s2s_ckpt *ck,
                 const s2s_translate_vocabs *v, int argc, char **argv) {
  test_set t = {0};
  beam_numbers m[MAX_BEAMS] = {{0}};
  int rc = 1;
  if ((o->src ? file_set(o, v, &t) : synthetic_set(o, ck, v, &t)) != 0) goto out;
  if (o->out_dir && (s2s_mkdirs(o->out_dir) != 0 || write_refs(o, &t) != 0)) goto out;
  printf("bench decode: %s (L%u H%u E%u V%u/%u, step %llu), %s, on %s\n", o->checkpoint,
         ck->h.layers, ck->h.hidden, ck->h.embed, ck->h.src_vocab, ck->h.tgt_vocab,
         (unsigned long long)ck->h.step, t.what, dev->info.name);
  printf("  beam    BLEU  median s     min s     max s  sentences/s    words/s  out words  "
         "GFLOP/s\n");
  rc = 0;
  for (int b = 0; b < o->nbeams && rc == 0; b++) {
    m[b].K = o->beams[b];
    if (!(m[b].trial_s = calloc((size_t)o->trials, sizeof(double))) ||
        measure(o, dev, ck, v, &t, &m[b]) != 0) {
      fprintf(stderr, "s2sbench bench decode: beam %d failed on %s\n", m[b].K, dev->info.name);
      rc = 1;
      break;
    }
    report_row(&t, &m[b]);
    if (!m[b].valid) rc = 1;
  }
  if (rc == 0) printf("  %s (beam %d)\n", m[o->nbeams - 1].bleu_line, m[o->nbeams - 1].K);
  if (rc == 0 && o->out_dir && write_results(o, dev, ck, &t, m, argc, argv) != 0) rc = 1;
out:
  for (int b = 0; b < MAX_BEAMS; b++) free(m[b].trial_s);
  set_free(&t);
  return rc;
}

int s2s_bench_decode(int argc, char **argv) {
  decode_bench o;
  int r = parse(&o, argc, argv);
  if (r) return r == 1 ? 0 : r;
  s2s_ckpt ck;
  char err[1024];
  if (o.out_dir && s2s_check_out_dir(o.out_dir, err, sizeof err) != 0) {
    fprintf(stderr, "s2sbench bench decode: --out '%s': %s\n", o.out_dir, err);
    return 1;
  }
  if (s2s_ckpt_read(o.checkpoint, &ck, err, sizeof err) != 0) {
    fprintf(stderr, "s2sbench bench decode: %s\n", err);
    return 1;
  }
  s2s_translate_vocabs v;
  if (s2s_translate_vocabs_load(&ck, &v, err, sizeof err) != 0) {
    fprintf(stderr, "s2sbench bench decode: %s: %s\n", o.checkpoint, err);
    s2s_ckpt_free(&ck);
    return 1;
  }
  s2s_translate_vocabs_override(&v, o.tokenize, -1, -1);
  s2s_device *devs;
  int n, rc = 1;
  const int opened = s2s_blas_open_devices(o.devices, &devs, &n, err, sizeof err);
  if (opened != 0) {
    fprintf(stderr, "s2sbench bench decode: --device: %s\n", err);
    rc = S2S_DEVICE_EXIT(opened);
  } else {
    if (n != 1)
      fprintf(stderr, "s2sbench bench decode: --device must select one device (got %d)\n", n);
    else
      rc = bench(&o, &devs[0], &ck, &v, argc, argv);
    s2s_device_close(devs, n);
  }
  s2s_translate_vocabs_free(&v);
  s2s_ckpt_free(&ck);
  return rc;
}

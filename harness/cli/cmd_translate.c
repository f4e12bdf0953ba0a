/* `s2sbench translate`: a checkpoint + sentences in (one per line, UTF-8) -> translations
 * out, one per line, by beam search on one OpenCL device (harness/decode/beam_search.c). Vocabularies
 * come from the checkpoint (its extra section; synthetic tasks: w2, w3, ...). Speed goes
 * to stderr: sentences/s and words/s (source + output words, the paper's convention). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/atomic_file.h"
#include "model/checkpoint.h"
#include "args/args.h"
#include "cli/commands.h"
#include "decode/beam_search.h"
#include "model/reference.h"
#include "profile/stats.h"
#include "cl/device.h"
#include "decode/translate_io.h"
#include "text/utf8.h"
#include "blas/blas_devices.h"

typedef struct translate_opts {
  const char *checkpoint, *input, *output, *devices;
  long beam, max_len, batch;
  int length_norm, quiet, reference;
  int tokenize, src_lang, tgt_lang; /* -1: not given (the checkpoint's rules hold) */
} translate_opts;

static void help(void) {
  printf("usage: s2sbench translate --checkpoint FILE [--beam K] [--max-len N] [--length-norm]\n"
         "                          [-i SRC] [-o OUT] [--device SPEC] [--batch S]\n"
         "                          [--tokenize|--no-tokenize] [--src-lang L] [--tgt-lang L]\n\n"
         "Translates SRC (default stdin), one sentence per line, with the paper's left-to-right\n"
         "beam search on one OpenCL device, and writes one translation per line to OUT\n"
         "(default stdout; a file appears whole or not at all). Speed goes to stderr.\n\n"
         "  --checkpoint FILE  model and vocabularies (from train --checkpoint)\n"
         "  --beam K           hypotheses kept per sentence, 1..%d (default 12, the paper's;\n"
         "                     1 = greedy)\n"
         "  --max-len N        most output words per sentence (default 2 * source words + 10)\n"
         "  --length-norm      rank finished hypotheses by log p per token (off: the paper)\n"
         "  --batch S          sentences decoded together (default 64)\n"
         "  --device SPEC      one device: cpu, gpu, P:D, name=TEXT (see s2sbench devices)\n"
         "  -i, --input SRC    source sentences\n"
         "  -o, --output OUT   translations\n"
         "  --tokenize         raw text: tokenize the input, detokenize the output (default:\n"
         "                     as the model was trained, which its checkpoint says; older\n"
         "                     checkpoints and synthetic tasks: off)\n"
         "  --no-tokenize      the input is tokenized already; the output stays tokenized\n"
         "  --src-lang L       tokenizer rules of the input: en, fr, any (default: the\n"
         "                     checkpoint's, else any)\n"
         "  --tgt-lang L       detokenizer rules of the output (default: the same)\n"
         "  --cpu-reference    decode with the CPU reference in double instead (slow; the\n"
         "                     oracle the device decoder is tested against)\n"
         "  --quiet            no speed report\n"
         "exit: 0 ok, 1 bad input or a failed run, 2 bad usage\n",
         S2S_BEAM_MAX_K);
}

static int parse(translate_opts *o, int argc, char **argv) {
  *o = (translate_opts){.beam = 12, .batch = 64, .tokenize = -1, .src_lang = -1, .tgt_lang = -1};
  s2s_args c;
  s2s_args_init(&c, "translate", argc, argv);
  while (s2s_args_next(&c)) {
    if (s2s_args_is(&c, "--help") || s2s_args_is(&c, "-h")) {
      help();
      return 1;
    } else if (s2s_args_is(&c, "--checkpoint")) {
      if (!(o->checkpoint = s2s_args_value(&c))) return 2;
    } else if (s2s_args_is(&c, "--beam")) {
      if (s2s_args_long(&c, 1, S2S_BEAM_MAX_K, &o->beam)) return 2;
    } else if (s2s_args_is(&c, "--max-len")) {
      if (s2s_args_long(&c, 1, 100000, &o->max_len)) return 2;
    } else if (s2s_args_is(&c, "--batch")) {
      if (s2s_args_long(&c, 1, 4096, &o->batch)) return 2;
    } else if (s2s_args_is(&c, "--length-norm")) {
      o->length_norm = 1;
    } else if (s2s_args_is(&c, "--quiet")) {
      o->quiet = 1;
    } else if (s2s_args_is(&c, "--cpu-reference")) {
      o->reference = 1;
    } else if (s2s_args_is(&c, "--tokenize") || s2s_args_is(&c, "--no-tokenize")) {
      o->tokenize = s2s_args_is(&c, "--tokenize");
    } else if (s2s_args_is(&c, "--src-lang") || s2s_args_is(&c, "--tgt-lang")) {
      const char *v = s2s_args_value(&c);
      s2s_lang lang;
      if (!v) return 2;
      if (s2s_lang_parse(v, &lang)) {
        fprintf(stderr, "s2sbench translate: %s: '%s' is not a language code\n", c.flag, v);
        return 2;
      }
      *(s2s_args_is(&c, "--src-lang") ? &o->src_lang : &o->tgt_lang) = (int)lang;
    } else if (s2s_args_is(&c, "--device") || s2s_args_is(&c, "--devices")) {
      if (!(o->devices = s2s_args_value(&c))) return 2;
    } else if (s2s_args_is(&c, "-i") || s2s_args_is(&c, "--input")) {
      if (!(o->input = s2s_args_value(&c))) return 2;
    } else if (s2s_args_is(&c, "-o") || s2s_args_is(&c, "--output")) {
      if (!(o->output = s2s_args_value(&c))) return 2;
    } else {
      return s2s_args_unknown(&c);
    }
  }
  if (!o->checkpoint) {
    fprintf(stderr, "s2sbench translate: --checkpoint FILE is required\n");
    return 2;
  }
  char err[512];
  if (o->devices && *o->devices && s2s_device_spec_check(o->devices, err, sizeof err) != 0) {
    fprintf(stderr, "s2sbench translate: --device: %s\n", err);
    return 2;
  }
  return 0;
}

/* The sentences of the input, as ids. */
typedef struct sentences {
  int n;
  int32_t **ids;
  int *len;
  char **tables;  /* per line: the placeholders masked in it, to restore in the output */
} sentences;

static void sentences_free(sentences *s) {
  for (int i = 0; s->ids && i < s->n; i++) free(s->ids[i]);
  for (int i = 0; s->tables && i < s->n; i++) free(s->tables[i]);
  free(s->ids), free(s->len), free(s->tables);
  memset(s, 0, sizeof *s);
}

static int read_input(const translate_opts *o, const s2s_translate_vocabs *v, sentences *out) {
  char err[512];
  FILE *f = o->input ? fopen(o->input, "rb") : stdin;
  if (!f) {
    fprintf(stderr, "s2sbench translate: cannot open input '%s': %s\n", o->input,
            strerror(errno));
    return -1;
  }
  s2s_text_lines t;
  int rc = s2s_text_lines_read(f, o->input ? o->input : "<stdin>", S2S_LINES_UNIVERSAL, 1, &t,
                               err, sizeof err);
  if (f != stdin) fclose(f);
  if (rc != 0) {
    fprintf(stderr, "s2sbench translate: %s\n", err);
    return -1;
  }
  memset(out, 0, sizeof *out);
  if (t.n == 0) {
    fprintf(stderr, "s2sbench translate: %s: no input sentences\n",
            o->input ? o->input : "<stdin>");
    s2s_text_lines_free(&t);
    return -1;
  }
  out->ids = calloc(t.n, sizeof *out->ids);
  out->len = calloc(t.n, sizeof *out->len);
  out->tables = calloc(t.n, sizeof *out->tables);
  rc = out->ids && out->len && out->tables ? 0 : -1;
  for (size_t i = 0; rc == 0 && i < t.n; i++, out->n++) {
    if (memchr(t.line[i], '\0', t.len[i])) {
      fprintf(stderr, "s2sbench translate: %s:%zu: NUL byte in the line\n",
              o->input ? o->input : "<stdin>", i + 1);
      rc = -1;
      break;
    }
    /* corpus models saw placeholders as single tokens: mask them the same way */
    char *masked = v->synthetic ? NULL : s2s_translate_mask(t.line[i], t.len[i], &out->tables[i]);
    long n = masked ? s2s_translate_encode(v, masked, strlen(masked), &out->ids[i])
                    : s2s_translate_encode(v, t.line[i], t.len[i], &out->ids[i]);
    free(masked);
    if (n < 0) rc = -1;
    out->len[i] = (int)(n < 0 ? 0 : n);
  }
  s2s_text_lines_free(&t);
  if (rc != 0) sentences_free(out);
  return rc;
}

static int write_output(const translate_opts *o, const s2s_translate_vocabs *v,
                        int32_t *const *out, const int *out_len, char *const *tables, int n) {
  s2s_atomic_file a = {0};
  FILE *f = stdout;
  if (o->output) {
    if (s2s_atomic_open(&a, o->output) != 0) return -1;
    f = a.f;
  }
  int rc = 0;
  for (int i = 0; i < n && rc == 0; i++)
    rc = s2s_translate_write(v, out[i], out_len[i], tables ? tables[i] : NULL, f);
  if (rc == 0 && ferror(f)) rc = -1;
  if (!o->output) return rc || fflush(stdout) ? -1 : 0;
  if (rc != 0) {
    fprintf(stderr, "s2sbench translate: cannot write '%s'\n", o->output);
    s2s_atomic_abort(&a);
    return -1;
  }
  return s2s_atomic_commit(&a);
}

/* The CPU reference decoder (model/beam_search.c), sentence by sentence. */
static int run_reference(const translate_opts *o, const s2s_ckpt *ck,
                         const s2s_translate_vocabs *v, const sentences *in) {
  s2s_config cfg;
  s2s_ckpt_header_to_config(&ck->h, &cfg);
  s2s_param_layout lay;
  s2s_params_layout(&lay, &cfg);
  double *p = malloc(lay.total * sizeof *p);
  int32_t **out = calloc((size_t)in->n, sizeof *out);
  int *out_len = calloc((size_t)in->n, sizeof *out_len), rc = 1;
  const s2s_beam_opts bo = {(int)o->beam, (int)o->max_len, o->length_norm};
  const double t0 = s2s_now();
  long words = 0;
  int i = 0;
  if (p && out && out_len) {
    s2s_reference_params_from_float(p, ck->params, lay.total);
    for (; i < in->n; i++) {
      s2s_beam_result r;
      if (s2s_beam_search(&cfg, &lay, p, in->ids[i], in->len[i], &bo, &r) != 0) break;
      out[i] = r.tokens, out_len[i] = r.len; /* the result's words are ours now */
      words += in->len[i] + r.len;
    }
  }
  const double sec = s2s_now() - t0;
  if (i < in->n) fprintf(stderr, "s2sbench translate: the CPU reference decoder failed\n");
  else if (write_output(o, v, out, out_len, in->tables, in->n) == 0) rc = 0;
  if (rc == 0 && !o->quiet)
    fprintf(stderr, "translate: %d sentences, %ld words (source + output) in %.3f s: "
            "%.1f sentences/s, %.0f words/s (beam %ld, CPU reference in double)\n", in->n,
            words, sec, in->n / sec, words / sec, o->beam);
  for (int k = 0; out && k < in->n; k++) free(out[k]);
  free(out), free(out_len), free(p);
  return rc;
}

static int run(const translate_opts *o, const s2s_ckpt *ck, const s2s_translate_vocabs *v,
               const sentences *in) {
  s2s_config cfg;
  s2s_ckpt_header_to_config(&ck->h, &cfg);
  s2s_device *devs;
  int ndev, rc = 1;
  char err[1024];
  const int opened = s2s_blas_open_devices(o->devices, &devs, &ndev, err, sizeof err);
  if (opened != 0) {
    fprintf(stderr, "s2sbench translate: --device: %s\n", err);
    return S2S_DEVICE_EXIT(opened);
  }
  int32_t **out = calloc((size_t)in->n, sizeof *out);
  int *out_len = calloc((size_t)in->n, sizeof *out_len);
  s2s_decoder d = {0};
  s2s_decode_stats st = {0};
  const int S = in->n < o->batch ? in->n : (int)o->batch;
  if (ndev != 1) {
    fprintf(stderr, "s2sbench translate: --device must select one device (got %d)\n", ndev);
  } else if (!out || !out_len ||
             s2s_decoder_init(&d, &devs[0], &cfg, S, (int)o->beam, (int)o->max_len) != 0 ||
             s2s_decoder_upload_params(&d, ck->params) != 0) {
    fprintf(stderr, "s2sbench translate: cannot set up the decoder on %s\n",
            devs[0].info.name);
  } else {
    d.length_norm = o->length_norm;
    /* warm-up: CLBlast compiles its kernels on the first call; keep that out of the rate */
    int ok = s2s_decode_all(&d, 1, (const int32_t *const *)in->ids, in->len, out, out_len, NULL,
                            NULL) == 0;
    if (ok) free(out[0]), out[0] = NULL;
    ok = ok && s2s_decode_all(&d, in->n, (const int32_t *const *)in->ids, in->len, out,
                              out_len, NULL, &st) == 0;
    if (!ok) {
      fprintf(stderr, "s2sbench translate: decoding failed on %s\n", devs[0].info.name);
    } else if (write_output(o, v, out, out_len, in->tables, in->n) == 0) {
      rc = 0;
      if (!o->quiet)
        fprintf(stderr,
                "translate: %ld sentences, %ld + %ld words (source + output) in %.3f s: "
                "%.1f sentences/s, %.0f words/s (beam %ld, %s)\n",
                st.sentences, st.src_words, st.out_words, st.seconds,
                st.sentences / st.seconds, (st.src_words + st.out_words) / st.seconds, o->beam,
                devs[0].info.name);
    }
  }
  for (int i = 0; out && i < in->n; i++) free(out[i]);
  free(out), free(out_len);
  s2s_decoder_free(&d);
  s2s_device_close(devs, ndev);
  return rc;
}

int s2s_cmd_translate(int argc, char **argv) {
  translate_opts o;
  int r = parse(&o, argc, argv);
  if (r) return r == 1 ? 0 : r;
  s2s_ckpt ck;
  char err[1024];
  if (o.output && s2s_check_out_file(o.output, 0, err, sizeof err) != 0) {
    fprintf(stderr, "s2sbench translate: -o '%s': %s\n", o.output, err);
    return 1;
  }
  if (s2s_ckpt_read(o.checkpoint, &ck, err, sizeof err) != 0) {
    fprintf(stderr, "s2sbench translate: %s\n", err);
    return 1;
  }
  s2s_translate_vocabs v;
  sentences in = {0};
  int rc = 1;
  if (s2s_translate_vocabs_load(&ck, &v, err, sizeof err) != 0) {
    fprintf(stderr, "s2sbench translate: %s: %s\n", o.checkpoint, err);
  } else {
    s2s_translate_vocabs_override(&v, o.tokenize, o.src_lang, o.tgt_lang);
    if (read_input(&o, &v, &in) == 0)
      rc = o.reference ? run_reference(&o, &ck, &v, &in) : run(&o, &ck, &v, &in);
    sentences_free(&in);
    s2s_translate_vocabs_free(&v);
  }
  s2s_ckpt_free(&ck);
  return rc;
}

/* `s2sbench bleu`: corpus BLEU from files, with sacreBLEU 2.x's command line, numbers and
 * output (JSON by default, -f text, -b, -sl), or multi-bleu.perl's (--multi-bleu). Reads
 * files as sacreBLEU does (split on "\n", rstrip; stdin with universal newlines) and decides
 * exit statuses: 0 ok, 1 bad input, 2 bad usage. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args/args.h"
#include "bleu/bleu.h"
#include "cli/commands.h"
#include "text/utf8.h"

static void usage(FILE *f) {
  fprintf(f,
          "usage: s2sbench bleu REF [REF...] [-i HYP] [options]\n"
          "\n"
          "Corpus BLEU of HYP (or stdin) against one or more reference files, line by line.\n"
          "Numbers, signature and output equal sacreBLEU %s's command line (checked by\n"
          "tests/test_bleu_sacrebleu.sh); the signature's version field names that release.\n"
          "\n"
          "  -i, --input HYP              hypotheses (default: stdin, as sacreBLEU reads it)\n"
          "  -tok, --tokenize NAME        13a (default), intl, char, none\n"
          "  -s, --smooth-method NAME     exp (default), floor, add-k, none\n"
          "  -sv, --smooth-value V        floor (default 0.1) or add-k (default 1) value\n"
          "  -lc, --lowercase             case-insensitive (Python str.lower())\n"
          "  -f, --format json|text       output format (default json, like sacreBLEU)\n"
          "  -b, --score-only             print the score alone\n"
          "  -w, --width N                decimals of the score (default 1, like sacreBLEU)\n"
          "  -sh, --short                 short signature (text format)\n"
          "  -sl, --sentence-level        one line per segment (effective order, text)\n"
          "  --force                      no warning for hypotheses that look tokenized\n"
          "  -q, --quiet                  accepted for sacreBLEU compatibility\n"
          "  --multi-bleu                 multi-bleu.perl instead: tokenized text split on ASCII\n"
          "                               whitespace, no smoothing, its output line; with -lc\n"
          "                               lowercases ASCII; a last line without a newline loses\n"
          "                               its last byte, as Perl's chop does there\n"
          "  -h, --help                   this text\n"
          "\n"
          "Differences from sacreBLEU: one system only (no tab-separated stdin, no paired tests);\n"
          "no test-set download; no -nr; SACREBLEU_FORMAT is ignored; UTF-8 only.\n"
          "exit: 0 ok, 1 bad input (file, line count, UTF-8), 2 bad usage\n",
          S2S_BLEU_SACREBLEU_VERSION);
}

#define ERR(...) (fprintf(stderr, "s2sbench bleu: " __VA_ARGS__), fputc('\n', stderr))

typedef struct {
  const char **refs;
  int nrefs;
  const char *hyp; /* NULL: stdin */
  s2s_bleu_options opt;
  int json, score_only, width, short_sig, sentence, force;
} args;

/* Matches -s / --long and returns its value (from "--long=V" or the next argument). */
static int take(int argc, char **argv, int *i, const char *s, const char *l, const char **val) {
  const char *a = argv[*i];
  size_t n = strlen(l);
  if (!strncmp(a, l, n) && a[n] == '=') {
    *val = a + n + 1;
    return 1;
  }
  if (strcmp(a, s) && strcmp(a, l)) return 0;
  if (*i + 1 >= argc) {
    ERR("%s needs a value", a);
    *val = NULL;
    return -1;
  }
  *val = argv[++*i];
  return 1;
}

static int is_flag(const char *a, const char *s, const char *l) {
  return !strcmp(a, s) || !strcmp(a, l);
}

/* Returns 0, 1 for --help, or 2 for a usage error (already reported). */
static int parse(int argc, char **argv, args *a) {
  memset(a, 0, sizeof *a);
  s2s_bleu_options_init(&a->opt);
  a->json = 1;
  a->width = 1;
  a->refs = calloc((size_t)argc, sizeof *a->refs);
  if (!a->refs) return 2;
  int after_input = 0, sacre_only = 0;
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i], *v;
    int r;
    if (arg[0] != '-' || !strcmp(arg, "-")) {
      if (after_input) {
        ERR("'%s' after -i %s: sacreBLEU would read it as a second system; put references "
            "before -i (one system only here)",
            arg, a->hyp);
        return 2;
      }
      a->refs[a->nrefs++] = arg;
      continue;
    }
    after_input = 0;
    if (is_flag(arg, "-h", "--help")) return 1;
    if ((r = take(argc, argv, &i, "-i", "--input", &v))) {
      if (r < 0) return 2;
      if (a->hyp) {
        ERR("-i given twice: one system only");
        return 2;
      }
      a->hyp = v;
      after_input = 1;
    } else if ((r = take(argc, argv, &i, "-tok", "--tokenize", &v))) {
      if (r < 0) return 2;
      if (s2s_bleu_tok_parse(v, &a->opt.tokenize) != 0) {
        ERR("unknown tokenizer '%s' for -tok (here: 13a, intl, char, none)", v);
        return 2;
      }
      sacre_only = 1;
    } else if ((r = take(argc, argv, &i, "-s", "--smooth-method", &v))) {
      if (r < 0) return 2;
      if (s2s_bleu_smooth_parse(v, &a->opt.smooth) != 0) {
        ERR("unknown smoothing method '%s' for -s (exp, floor, add-k, none)", v);
        return 2;
      }
      sacre_only = 1;
    } else if ((r = take(argc, argv, &i, "-sv", "--smooth-value", &v))) {
      if (r < 0) return 2;
      if (s2s_parse_double(v, 0.0, HUGE_VAL, &a->opt.smooth_value) != 0 ||
          !isfinite(a->opt.smooth_value)) {
        ERR("-sv needs a finite number >= 0, got '%s'", v);
        return 2;
      }
      sacre_only = 1;
    } else if ((r = take(argc, argv, &i, "-f", "--format", &v))) {
      if (r < 0) return 2;
      if (strcmp(v, "json") && strcmp(v, "text")) {
        ERR("-f must be json or text, got '%s'", v);
        return 2;
      }
      a->json = !strcmp(v, "json");
      sacre_only = 1;
    } else if ((r = take(argc, argv, &i, "-w", "--width", &v))) {
      if (r < 0) return 2;
      long w;
      if (s2s_parse_long(v, 0, 30, &w) != 0) {
        ERR("-w needs an integer 0..30, got '%s'", v);
        return 2;
      }
      a->width = (int)w;
      sacre_only = 1;
    } else if (is_flag(arg, "-lc", "--lowercase")) {
      a->opt.lowercase = 1;
    } else if (is_flag(arg, "-b", "--score-only")) {
      a->score_only = 1;
    } else if (is_flag(arg, "-sh", "--short")) {
      a->short_sig = 1;
    } else if (is_flag(arg, "-sl", "--sentence-level")) {
      a->sentence = 1;
      sacre_only = 1;
    } else if (is_flag(arg, "-q", "--quiet")) {
    } else if (!strcmp(arg, "--force")) {
      a->force = 1;
    } else if (!strcmp(arg, "--multi-bleu")) {
      a->opt.multi_bleu = 1;
    } else {
      ERR("unknown flag '%s' (see s2sbench bleu --help)", arg);
      return 2;
    }
  }
  if (a->nrefs == 0) {
    ERR("no reference file given (usage: s2sbench bleu REF... [-i HYP])");
    return 2;
  }
  if (a->opt.multi_bleu && sacre_only) {
    ERR("--multi-bleu takes only -lc, -b and -i (-tok/-s/-sv/-f/-w/-sl are sacreBLEU's)");
    return 2;
  }
  return 0;
}

static int read_lines(const char *role, const char *path, s2s_lines_mode mode,
                      s2s_text_lines *out) {
  char err[512];
  FILE *f = path ? fopen(path, "rb") : stdin;
  if (!f) {
    ERR("cannot open %s file '%s': %s", role, path, strerror(errno));
    return -1;
  }
  int rc = s2s_text_lines_read(f, path ? path : "<stdin>", mode, 1, out, err, sizeof err);
  if (f != stdin) fclose(f);
  if (rc != 0) ERR("%s", err);
  return rc;
}

/* Python's repr() of a float: the shortest digits that read back, fixed notation for
 * 1e-4 <= |x| < 1e16, else exponent with at least two digits ("1e-05"). */
static void py_float_repr(double x, char *out, size_t n) {
  char tmp[64], dig[32];
  int prec = 1;
  for (; prec < 17; prec++) {
    snprintf(tmp, sizeof tmp, "%.*e", prec - 1, x);
    if (strtod(tmp, NULL) == x) break;
  }
  snprintf(tmp, sizeof tmp, "%.*e", prec - 1, x);
  const char *p = tmp;
  int neg = *p == '-', nd = 0;
  if (neg) p++;
  for (; *p && *p != 'e'; p++)
    if (*p != '.') dig[nd++] = *p;
  int decpt = atoi(p + 1) + 1;
  while (nd > 1 && dig[nd - 1] == '0')
    nd--;
  dig[nd] = '\0';
  if (x == 0) decpt = 1;
  char buf[96];
  size_t m = 0;
  if (neg) buf[m++] = '-';
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) {
      buf[m++] = '0';
      buf[m++] = '.';
      for (int k = 0; k < -decpt; k++)
        buf[m++] = '0';
      for (int k = 0; k < nd; k++)
        buf[m++] = dig[k];
    } else {
      for (int k = 0; k < decpt; k++)
        buf[m++] = k < nd ? dig[k] : '0';
      buf[m++] = '.';
      if (decpt >= nd) buf[m++] = '0';
      for (int k = decpt; k < nd; k++)
        buf[m++] = dig[k];
    }
    buf[m] = '\0';
  } else {
    int e = decpt - 1;
    snprintf(buf + m, sizeof buf - m, "%c%s%se%c%02d", dig[0], nd > 1 ? "." : "", dig + 1,
             e < 0 ? '-' : '+', e < 0 ? -e : e);
  }
  snprintf(out, n, "%s", buf);
}

/* sacreBLEU's Score.format(..., is_json=True): json.dumps(d, indent=1). */
static void print_json(const s2s_bleu_score *s, int width, const char *sig) {
  char num[128], rounded[64], verbose[512];
  snprintf(rounded, sizeof rounded, "%.*f", width, s->score);
  py_float_repr(strtod(rounded, NULL), num, sizeof num);
  s2s_bleu_format_verbose(s, verbose, sizeof verbose);
  printf("{\n \"name\": \"BLEU\",\n \"score\": %s,\n \"signature\": \"%s\",\n"
         " \"verbose_score\": \"%s\"",
         num, sig, verbose);
  const char *p = sig;
  while (*p) { /* one "key": "value" per signature field */
    const char *colon = strchr(p, ':'), *bar = strchr(p, '|');
    if (!bar) bar = p + strlen(p);
    printf(",\n \"%.*s\": \"%.*s\"", (int)(colon - p), p, (int)(bar - colon - 1), colon + 1);
    p = *bar ? bar + 1 : bar;
  }
  printf("\n}\n");
}

/* sacreBLEU's BLEU warns when >= 100 hypotheses end in " ." (after rstrip) unless --force. */
static void warn_tokenized(const s2s_text_lines *hyp) {
  size_t count = 0;
  for (size_t i = 0; i < hyp->n; i++) {
    size_t n = s2s_utf8_rstrip_len(hyp->line[i], hyp->len[i]);
    if (n >= 2 && hyp->line[i][n - 2] == ' ' && hyp->line[i][n - 1] == '.') count++;
  }
  if (count >= 100)
    ERR("warning: %zu hypotheses end in a tokenized period ' .': BLEU expects detokenized "
        "text (--force silences this)",
        count);
}

static int run(const args *a, s2s_text_lines *refs, s2s_text_lines *hyp) {
  s2s_bleu b;
  int rc = s2s_bleu_init(&b, &a->opt);
  if (rc != 0) {
    ERR("%s", s2s_bleu_strerror(rc));
    return 1;
  }
  const char **seg = malloc((size_t)a->nrefs * sizeof *seg);
  size_t *len = malloc((size_t)a->nrefs * sizeof *len);
  if (!seg || !len) {
    ERR("out of memory");
    rc = 1;
    goto done;
  }
  char sig[256], line[1024];
  s2s_bleu_options sent_opt = a->opt;
  sent_opt.effective_order = 1; /* sacreBLEU -sl turns it on */
  if (a->sentence) s2s_bleu_signature(&sent_opt, a->nrefs, a->short_sig, sig, sizeof sig);
  for (size_t i = 0; i < hyp->n; i++) {
    for (int r = 0; r < a->nrefs; r++) {
      seg[r] = refs[r].line[i];
      len[r] = refs[r].len[i];
    }
    s2s_bleu_stats one;
    rc = s2s_bleu_add_n(&b, hyp->line[i], hyp->len[i], seg, len, (size_t)a->nrefs, &one);
    if (rc != 0) {
      ERR("line %zu: %s", i + 1, s2s_bleu_strerror(rc));
      rc = 1;
      goto done;
    }
    if (a->sentence) {
      s2s_bleu_score s;
      s2s_bleu_compute(&one, &sent_opt, &s);
      if (a->score_only)
        printf("%.*f\n", a->width, s.score);
      else {
        s2s_bleu_format(&s, a->width, sig, line, sizeof line);
        printf("%s\n", line);
      }
    }
  }
  if (a->sentence) goto done;
  s2s_bleu_score s;
  rc = s2s_bleu_score_get(&b, &s);
  if (a->opt.multi_bleu) {
    if (rc == S2S_BLEU_EREFZERO) { /* multi-bleu.perl prints this and exits 1 */
      printf("BLEU = 0, 0/0/0/0 (BP=0, ratio=0, hyp_len=0, ref_len=0)\n");
      rc = 1;
    } else if (rc != 0) {
      ERR("%s", s2s_bleu_strerror(rc));
      rc = 1;
    } else if (a->score_only) {
      printf("%.2f\n", s.score);
    } else {
      s2s_bleu_format_multi_bleu(&s, line, sizeof line);
      printf("%s\n", line);
    }
    goto done;
  }
  s2s_bleu_signature(&a->opt, a->nrefs, a->json ? 0 : a->short_sig, sig, sizeof sig);
  if (a->score_only) {
    printf("%.*f\n", a->width, s.score);
  } else if (a->json) {
    print_json(&s, a->width, sig);
  } else {
    s2s_bleu_format(&s, a->width, sig, line, sizeof line);
    printf("%s\n", line);
  }
  rc = 0;
done:
  free(seg);
  free(len);
  s2s_bleu_free(&b);
  return rc;
}

int s2s_cmd_bleu(int argc, char **argv) {
  args a;
  int rc = parse(argc, argv, &a);
  if (rc == 1) {
    usage(stdout);
    free(a.refs);
    return 0;
  }
  if (rc != 0) {
    free(a.refs);
    return 2;
  }
  s2s_text_lines *refs = calloc((size_t)a.nrefs, sizeof *refs);
  s2s_text_lines hyp = {0};
  rc = 1;
  if (!refs) goto out;
  for (int r = 0; r < a.nrefs; r++)
    if (read_lines("reference", a.refs[r], S2S_LINES_LF, &refs[r]) != 0) goto out;
  /* sacreBLEU reads stdin in Python's default (universal newline) mode, files with "\n" */
  s2s_lines_mode mode = (a.hyp || a.opt.multi_bleu) ? S2S_LINES_LF : S2S_LINES_UNIVERSAL;
  if (read_lines("hypothesis", a.hyp, mode, &hyp) != 0) goto out;
  const char *hyp_name = a.hyp ? a.hyp : "<stdin>";
  if (hyp.n == 0) {
    ERR("%s: no hypotheses (empty input)", hyp_name);
    goto out;
  }
  for (int r = 0; r < a.nrefs; r++)
    if (refs[r].n != hyp.n) {
      ERR("line counts differ: reference file '%s' has %zu lines, hypothesis file '%s' has %zu",
          a.refs[r], refs[r].n, hyp_name, hyp.n);
      goto out;
    }
  if (a.opt.multi_bleu) { /* Perl's chop removes the last byte of an unterminated last line */
    for (int r = 0; r < a.nrefs; r++)
      if (refs[r].last_unterminated && refs[r].len[refs[r].n - 1]) refs[r].len[refs[r].n - 1]--;
    if (hyp.last_unterminated && hyp.len[hyp.n - 1]) hyp.len[hyp.n - 1]--;
  } else {
    if (!a.hyp)
      for (size_t i = 0; i < hyp.n; i++) {
        size_t n = s2s_utf8_rstrip_len(hyp.line[i], hyp.len[i]);
        if (memchr(hyp.line[i], '\t', n)) {
          ERR("<stdin>:%zu: a tab inside the line: sacreBLEU reads tab-separated stdin as "
              "several systems (not supported); pass the file with -i",
              i + 1);
          goto out;
        }
      }
    if (!a.force) warn_tokenized(&hyp);
  }
  rc = run(&a, refs, &hyp);
out:
  if (refs)
    for (int r = 0; r < a.nrefs; r++)
      s2s_text_lines_free(&refs[r]);
  free(refs);
  s2s_text_lines_free(&hyp);
  free(a.refs);
  return rc;
}

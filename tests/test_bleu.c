/* BLEU against its oracles: the tokenizers against outputs of sacreBLEU 2.6.0's own
 * tokenizers (recorded below), the test vectors of sacreBLEU's test/test_bleu.py
 * (github.com/mjpost/sacrebleu, test/test_bleu.py: expected scores copied with the
 * tolerance that file uses), multi-bleu.perl outputs, and the UTF-8 / line-reader rules.
 * tests/test_bleu_sacrebleu.sh compares whole command lines against sacreBLEU itself. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bleu/bleu.h"
#include "bleu/bleu_tokenize.h"
#include "test_util.h"
#include "text/unicode_tables.h"
#include "text/utf8.h"

#define EPSILON 1e-8 /* test_bleu.py's EPSILON */

static s2s_bleu_tokenizer tk;

static void check_tok(s2s_bleu_tok tok, int lc, const char *in, const char *want) {
  const char *out;
  size_t len, ntok;
  int rc = s2s_bleu_tokenize(&tk, tok, lc, in, strlen(in), &out, &len, &ntok);
  T_CHECK(rc == 0 && !strcmp(out, want), "%s%s(\"%s\") = \"%s\", want \"%s\"",
          s2s_bleu_tok_name(tok), lc ? "+lc" : "", in, rc == 0 ? out : "(error)", want);
}

/* Expected strings: ' '.join(tokenizer(s.rstrip()).split()) from sacreBLEU 2.6.0. */
static void test_tokenizers(void) {
  s2s_bleu_tokenizer_init(&tk);
  const s2s_bleu_tok T13 = S2S_BLEU_TOK_13A, TI = S2S_BLEU_TOK_INTL;
  check_tok(T13, 0, "Hello, world!", "Hello , world !");
  check_tok(T13, 0, "The U.S. economy grew 3.5% in 2014-2015.",
            "The U . S . economy grew 3.5 % in 2014 - 2015 .");
  check_tok(T13, 0, "a.b,c 1,000.50 x, y.", "a . b , c 1,000.50 x , y .");
  check_tok(T13, 0, "e-mail -- 5-6 don't", "e-mail -- 5 - 6 don't");
  check_tok(T13, 0, "&quot;Quoted&quot; &amp;amp; &lt;b&gt; &QUOT;",
            "\" Quoted \" & amp ; < b > & QUOT ;");
  check_tok(T13, 0, "<skipped>gone<skipped> x", "gone x");
  check_tok(T13, 0, "A-\nB and C\nD", "AB and C D");
  check_tok(T13, 0, "{a}[b](c)~`^_|\\/@#$", "{ a } [ b ] ( c ) ~ ` ^ _ | \\ / @ # $");
  check_tok(T13, 0,
            "\xc2\xab\xc2\xa0"
            "Bonjour\xc2\xa0\xc2\xbb, dit-il\xe2\x80\xaf!",
            "\xc2\xab Bonjour \xc2\xbb , dit-il !"); /* U+00A0, U+202F split */
  check_tok(T13, 0, "..., ,. 3.. .3", ". . . , , . 3 . . . 3");
  check_tok(T13, 0, "1-\t2", "1 - 2");
  check_tok(T13, 0, "  trailing \xe2\x80\x83 ", "trailing");
  check_tok(TI, 0,
            "\xc2\xab\xc2\xa0"
            "Bonjour\xc2\xa0\xc2\xbb, dit-il\xe2\x80\xaf!",
            "\xc2\xab Bonjour \xc2\xbb , dit - il !");
  check_tok(TI, 0, "Il a 3,5\xc2\xa0% en 2014.", "Il a 3,5 % en 2014.");
  check_tok(TI, 0,
            "l\xe2\x80\x99\xc3\xa9t\xc3\xa9 \xe2\x80\x94 c\xe2\x80\x99"
            "est \xc3\xa7"
            "a\xe2\x80\xa6",
            "l \xe2\x80\x99 \xc3\xa9t\xc3\xa9 \xe2\x80\x94 c \xe2\x80\x99 est \xc3\xa7"
            "a \xe2\x80\xa6");
  check_tok(TI, 0,
            "\xc2\xbfQu\xc3\xa9? \xc2\xa1Hola! 10\xe2\x82\xac 5\xc2\xb0"
            "C \xc2\xbd\xc2\xb2",
            "\xc2\xbf Qu\xc3\xa9 ? \xc2\xa1 Hola ! 10 \xe2\x82\xac 5 \xc2\xb0 C \xc2\xbd\xc2\xb2");
  check_tok(TI, 0, "a.b 1.5 x.y. 1,5,", "a . b 1.5 x . y . 1,5,");
  check_tok(TI, 0, "$5 + 3 = 8", "$ 5 + 3 = 8");
  check_tok(TI, 0, "\xf0\x9f\x98\x80ok\xc2\xa9", "\xf0\x9f\x98\x80 ok \xc2\xa9");
  check_tok(S2S_BLEU_TOK_CHAR, 0,
            "ab c\xc2\xa0"
            "d",
            "a b c d");
  check_tok(S2S_BLEU_TOK_NONE, 0,
            " a\xe3\x80\x80"
            "b,  c. ",
            "a b, c.");
  /* str.lower(): final sigma (also before a case-ignorable mark), dotted I, sharp s */
  check_tok(S2S_BLEU_TOK_NONE, 1,
            "\xce\x9f\xce\x94\xce\x9f\xce\xa3 \xce\xa3\xce\x91\xce\xa3 \xce\xa3. "
            "\xce\x91\xce\xa3\xcc\x81 \xce\x91\xce\xa3\xce\x91",
            "\xce\xbf\xce\xb4\xce\xbf\xcf\x82 \xcf\x83\xce\xb1\xcf\x82 \xcf\x83. "
            "\xce\xb1\xcf\x82\xcc\x81 \xce\xb1\xcf\x83\xce\xb1");
  check_tok(S2S_BLEU_TOK_NONE, 1, "\xc4\xb0stanbul \xe1\xba\x9e STRASSE \xc7\x85",
            "i\xcc\x87stanbul \xc3\x9f strasse \xc7\x86");
  check_tok(T13, 1, "&QUOT;Hi&QUOT;", "\" hi \"");
  const char *out;
  size_t len, ntok;
  T_CHECK(s2s_bleu_tokenize(&tk, T13, 0, "bad \xff", 5, &out, &len, &ntok) == -1,
          "invalid UTF-8 must be refused");
  T_CHECK(s2s_utf8_rstrip_len("ab \xc2\xa0\xe2\x80\xaf", 8) == 2, "rstrip of U+00A0 U+202F");
  T_CHECK(s2s_uni_is_space(0xA0) && s2s_uni_is_space(0x202F) && s2s_uni_is_space(0x85) &&
              !s2s_uni_is_space(0x200B) && !s2s_uni_is_space(0xFEFF),
          "Python whitespace: U+00A0, U+202F, U+0085 yes; U+200B, U+FEFF no");
  s2s_bleu_tokenizer_free(&tk);
}

/* Corpus BLEU of hyps against refs[r][i] with options; returns the score struct. */
static s2s_bleu_score corpus(const s2s_bleu_options *o, const char *const *hyps, size_t n,
                             const char *const *refs, size_t nrefs, s2s_bleu_stats *st) {
  s2s_bleu b;
  s2s_bleu_score s = {0};
  T_CHECK(s2s_bleu_init(&b, o) == 0, "init");
  for (size_t i = 0; i < n; i++) {
    const char *seg[4];
    for (size_t r = 0; r < nrefs; r++)
      seg[r] = refs[r * n + i];
    T_CHECK(s2s_bleu_add(&b, hyps[i], seg, nrefs) == 0, "add segment %zu", i);
  }
  T_CHECK(s2s_bleu_score_get(&b, &s) == 0, "score");
  if (st) *st = b.stats;
  s2s_bleu_free(&b);
  return s;
}

/* raw_corpus_bleu(hyps, refs, v): floor smoothing v, tokenize none, effective order */
static s2s_bleu_options raw_opts(double v) {
  s2s_bleu_options o;
  s2s_bleu_options_init(&o);
  o.tokenize = S2S_BLEU_TOK_NONE;
  o.smooth = S2S_BLEU_SMOOTH_FLOOR;
  o.smooth_value = v;
  o.effective_order = 1;
  return o;
}

static const char *const readme_hyps[] = {"The dog bit the man.", "It wasn't surprising.",
                                          "The man had just bitten him."};
static const char *const readme_refs[] = {"The dog bit the man.",   "It was not unexpected.",
                                          "The man bit him first.", "The dog had bit the man.",
                                          "No one was surprised.",  "The man had bitten the dog."};

static void test_sacrebleu_vectors(void) {
  s2s_bleu_options o;
  s2s_bleu_score s;
  /* test_raw_bleu_cases */
  o = raw_opts(.01);
  const char *h1[] = {"this is a test", "another test"}, *r1[] = {"ref1", "ref2"};
  s = corpus(&o, h1, 2, r1, 1, NULL);
  T_CHECK(fabs(s.score / 100 - 0.0) < EPSILON, "raw 1: %.12g", s.score);
  const char *h2[] = {"this is a test"}, *r2[] = {"this is a test"};
  s = corpus(&o, h2, 1, r2, 1, NULL);
  T_CHECK(fabs(s.score / 100 - 1.0) < EPSILON, "raw 2: %.12g", s.score);
  const char *h3[] = {"this is a fest"};
  s = corpus(&o, h3, 1, r2, 1, NULL);
  T_CHECK(fabs(s.score / 100 - 0.223606797749979) < EPSILON, "raw 3: %.12g", s.score);

  /* test_corpus_bleu_cases */
  const struct {
    s2s_bleu_tok tok;
    s2s_bleu_smooth smooth;
    int empty_hyps;
    double want;
  } cc[] = {{S2S_BLEU_TOK_13A, S2S_BLEU_SMOOTH_EXP, 0, 48.530827},
            {S2S_BLEU_TOK_13A, S2S_BLEU_SMOOTH_EXP, 1, 0.0},
            {S2S_BLEU_TOK_NONE, S2S_BLEU_SMOOTH_EXP, 0, 49.1919566},
            {S2S_BLEU_TOK_INTL, S2S_BLEU_SMOOTH_EXP, 0, 43.91623493},
            {S2S_BLEU_TOK_13A, S2S_BLEU_SMOOTH_NONE, 0, 48.530827}};
  const char *empty[] = {"", "", ""};
  for (size_t i = 0; i < sizeof cc / sizeof cc[0]; i++) {
    s2s_bleu_options_init(&o);
    o.tokenize = cc[i].tok;
    o.smooth = cc[i].smooth;
    s = corpus(&o, cc[i].empty_hyps ? empty : readme_hyps, 3, readme_refs, 2, NULL);
    T_CHECK(fabs(s.score - cc[i].want) < EPSILON, "corpus case %zu: %.10f want %.10f", i, s.score,
            cc[i].want);
  }

  /* test_case_statistics and test_case_offset */
  const char *h4[] = {"am I am a character sequence"};
  const char *r4[] = {"I am a symbol string sequence a a"};
  s2s_bleu_stats st;
  o = raw_opts(.01);
  corpus(&o, h4, 1, r4, 1, &st);
  const int64_t wc[4] = {4, 2, 1, 0}, wt[4] = {6, 5, 4, 3};
  for (int n = 0; n < 4; n++)
    T_CHECK(st.correct[n] == wc[n] && st.total[n] == wt[n], "statistics order %d: %lld/%lld", n + 1,
            (long long)st.correct[n], (long long)st.total[n]);
  o = raw_opts(0.0);
  s = corpus(&o, h4, 1, r4, 1, NULL);
  T_CHECK(fabs(s.score / 100 - 0) < EPSILON, "offset 0: %.12g", s.score);
  o = raw_opts(NAN); /* None: floor's default 0.1 */
  s = corpus(&o, h4, 1, r4, 1, NULL);
  T_CHECK(fabs(s.score / 100 - 0.1555722182) < EPSILON, "offset default: %.12g", s.score);

  /* test_case_effective_order */
  o = raw_opts(.01);
  const char *eh[] = {"test", "a test", "a little test"};
  const double ew[] = {0.3678794411714425, 1.0, 0.03218297948685433};
  const char *er[] = {"a test"};
  for (int i = 0; i < 3; i++) {
    s = corpus(&o, &eh[i], 1, er, 1, NULL);
    T_CHECK(fabs(s.score / 100 - ew[i]) < EPSILON, "effective order %d: %.12g", i, s.score);
  }

  /* test_case_scoring: compute_bleu's own default smoothing is 'none' */
  s2s_bleu_stats sc = {
      .hyp_len = 11, .ref_len = 11, .correct = {9, 7, 5, 3}, .total = {10, 8, 6, 4}};
  s2s_bleu_options_init(&o);
  o.smooth = S2S_BLEU_SMOOTH_NONE;
  s2s_bleu_compute(&sc, &o, &s);
  T_CHECK(fabs(s.score / 100 - 0.8375922397) < EPSILON, "scoring: %.12g", s.score);

  /* test_case_degenerate_stats: floor smoothing, score exactly 0 */
  const struct {
    int64_t c[4], t[4], sys, ref;
    double v;
  } dg[] = {{{0, 0, 0, 0}, {4, 4, 2, 1}, 0, 1, 0.0}, {{0, 0, 0, 0}, {10, 11, 12, 0}, 14, 10, 0.0},
            {{0, 0, 0, 0}, {0, 0, 0, 0}, 0, 0, 0.0}, {{6, 5, 4, 0}, {6, 5, 4, 3}, 6, 6, 0.0},
            {{0, 0, 0, 0}, {0, 0, 0, 0}, 0, 0, 0.1}, {{0, 0, 0, 0}, {0, 0, 0, 0}, 1, 5, 0.01}};
  for (size_t i = 0; i < sizeof dg / sizeof dg[0]; i++) {
    s2s_bleu_stats d = {.hyp_len = dg[i].sys, .ref_len = dg[i].ref};
    memcpy(d.correct, dg[i].c, sizeof dg[i].c);
    memcpy(d.total, dg[i].t, sizeof dg[i].t);
    s2s_bleu_options_init(&o);
    o.smooth = S2S_BLEU_SMOOTH_FLOOR;
    o.smooth_value = dg[i].v;
    s2s_bleu_compute(&d, &o, &s);
    T_CHECK(s.score == 0.0, "degenerate %zu: %.17g", i, s.score);
  }

  /* test_bleu_max_order: f"{score:.2f}" */
  const char *mo[] = {"77.65", "60.50", "53.93", "48.53", "46.14", "43.28"};
  for (int order = 1; order <= 6; order++) {
    char got[32];
    s2s_bleu_options_init(&o);
    o.max_order = order;
    s = corpus(&o, readme_hyps, 3, readme_refs, 2, NULL);
    snprintf(got, sizeof got, "%.2f", s.score);
    T_CHECK(!strcmp(got, mo[order - 1]), "max order %d: %s want %s", order, got, mo[order - 1]);
  }
}

/* Text lines and signatures as sacreBLEU 2.6.0 printed them for the README corpus. */
static void test_format(void) {
  s2s_bleu_options o;
  char sig[256], line[512];
  s2s_bleu_options_init(&o);
  s2s_bleu_score s = corpus(&o, readme_hyps, 3, readme_refs, 2, NULL);
  s2s_bleu_signature(&o, 2, 0, sig, sizeof sig);
  s2s_bleu_format(&s, 1, sig, line, sizeof line);
  T_CHECK(!strcmp(line, "BLEU|nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0 = "
                        "48.5 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 "
                        "ref_len = 18)"),
          "text line: %s", line);
  s2s_bleu_signature(&o, 2, 1, sig, sizeof sig);
  s2s_bleu_format(&s, 2, sig, line, sizeof line);
  T_CHECK(!strcmp(line, "BLEU|#:2|c:mixed|e:no|tok:13a|s:exp|v:2.6.0 = 48.53 "
                        "82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)"),
          "short text line: %s", line);
  o.smooth = S2S_BLEU_SMOOTH_FLOOR;
  o.lowercase = 1;
  o.tokenize = S2S_BLEU_TOK_INTL;
  s = corpus(&o, readme_hyps, 3, readme_refs, 2, NULL);
  s2s_bleu_signature(&o, 2, 0, sig, sizeof sig);
  s2s_bleu_format(&s, 3, sig, line, sizeof line);
  T_CHECK(!strcmp(line, "BLEU|nrefs:2|case:lc|eff:no|tok:intl|smooth:floor[0.10]|version:2.6.0"
                        " = 43.916 73.7/43.8/38.5/30.0 (BP = 1.000 ratio = 1.056 hyp_len = 19 "
                        "ref_len = 18)"),
          "floor/lc/intl line: %s", line);
  o.smooth = S2S_BLEU_SMOOTH_ADD_K;
  s2s_bleu_signature(&o, -1, 0, sig, sizeof sig);
  T_CHECK(strstr(sig, "nrefs:var|") && strstr(sig, "|smooth:add-k[1.00]|"), "sig: %s", sig);
}

/* Statistics add up: segment by segment equals merged halves. */
static void test_accumulate(void) {
  s2s_bleu_options o;
  s2s_bleu_options_init(&o);
  s2s_bleu_stats all, a, b;
  corpus(&o, readme_hyps, 3, readme_refs, 2, &all);
  const char *r01[] = {readme_refs[0], readme_refs[1], readme_refs[3], readme_refs[4]};
  const char *r2[] = {readme_refs[2], readme_refs[5]};
  corpus(&o, readme_hyps, 2, r01, 2, &a);
  corpus(&o, readme_hyps + 2, 1, r2, 2, &b);
  s2s_bleu_stats_merge(&a, &b);
  T_CHECK(!memcmp(&a, &all, sizeof a), "merged statistics differ from one pass");
  T_CHECK(all.segments == 3 && all.nrefs == 2, "segments %lld nrefs %d", (long long)all.segments,
          all.nrefs);
  /* errors: no references, invalid UTF-8, bad options */
  s2s_bleu bl;
  T_CHECK(s2s_bleu_init(&bl, &o) == 0, "init");
  const char *refs[] = {"ok"};
  T_CHECK(s2s_bleu_add(&bl, "x", refs, 0) == S2S_BLEU_EINVAL, "nrefs 0 must fail");
  T_CHECK(s2s_bleu_add(&bl, "x\xc3", refs, 1) == S2S_BLEU_EUTF8, "bad UTF-8 must fail");
  s2s_bleu_free(&bl);
  o.max_order = 0;
  T_CHECK(s2s_bleu_init(&bl, &o) == S2S_BLEU_EINVAL, "max_order 0 must fail");
  s2s_bleu_free(&bl);
}

/* multi-bleu.perl outputs (moses scripts/generic/multi-bleu.perl, run on these inputs) */
static void test_multi_bleu(void) {
  s2s_bleu_options o;
  s2s_bleu_options_init(&o);
  o.multi_bleu = 1;
  const char *h[] = {"the cat sat on a mat .", "there is the cat on the mat", "A B C D E"};
  const char *r[] = {"the cat sat on the mat .", "There is a Cat on the mat",   "A B C D",
                     "the cat is on the mat .",  "there is a cat on the mat .", "A B"};
  char line[256];
  s2s_bleu_score s = corpus(&o, h, 3, r, 2, NULL);
  s2s_bleu_format_multi_bleu(&s, line, sizeof line);
  T_CHECK(!strcmp(line, "BLEU = 53.21, 84.2/68.8/46.2/30.0 (BP=1.000, ratio=1.056, hyp_len=19, "
                        "ref_len=18)"),
          "multi-bleu: %s", line);
  const char *lh[] = {"THE CAT sat on the Mat"}, *lr[] = {"the cat sat on the mat ."};
  s = corpus(&o, lh, 1, lr, 1, NULL);
  s2s_bleu_format_multi_bleu(&s, line, sizeof line);
  T_CHECK(!strcmp(line, "BLEU = 0.00, 50.0/40.0/25.0/0.0 (BP=0.846, ratio=0.857, hyp_len=6, "
                        "ref_len=7)"),
          "multi-bleu cased: %s", line);
  o.lowercase = 1;
  s = corpus(&o, lh, 1, lr, 1, NULL);
  s2s_bleu_format_multi_bleu(&s, line, sizeof line);
  T_CHECK(!strcmp(line, "BLEU = 84.65, 100.0/100.0/100.0/100.0 (BP=0.846, ratio=0.857, "
                        "hyp_len=6, ref_len=7)"),
          "multi-bleu -lc: %s", line);
  s2s_bleu_stats z = {0};
  T_CHECK(s2s_bleu_compute(&z, &o, &s) == S2S_BLEU_EREFZERO, "ref_len 0");
  z.ref_len = 3;
  T_CHECK(s2s_bleu_compute(&z, &o, &s) == S2S_BLEU_EHYPZERO, "hyp_len 0");
}

static void test_utf8(void) {
  size_t bad = 99;
  T_CHECK(s2s_utf8_validate("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 10, &bad) == 0, "valid");
  const char *invalid[] = {"\xc0\xaf",         "\xe0\x80\xaf",         "\xed\xa0\x80",
                           "\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80", "\x80",
                           "\xe2\x82"};
  for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++)
    T_CHECK(s2s_utf8_validate(invalid[i], strlen(invalid[i]), &bad) == -1 && bad == 0,
            "invalid sequence %zu accepted", i);
  /* line reader: "\n" only vs universal newlines, unterminated last line, error line */
  char text[] = "a\r\nb\rc\n\nd";
  FILE *f = fmemopen(text, sizeof text - 1, "rb");
  s2s_text_lines t;
  char err[256];
  T_CHECK(f && s2s_text_lines_read(f, "mem", S2S_LINES_LF, 1, &t, err, sizeof err) == 0, "read");
  T_CHECK(t.n == 4 && t.len[0] == 2 && t.len[1] == 3 && t.len[2] == 0 && !strcmp(t.line[3], "d") &&
              t.last_unterminated,
          "LF lines: %zu", t.n);
  s2s_text_lines_free(&t);
  fclose(f);
  f = fmemopen(text, sizeof text - 1, "rb");
  T_CHECK(s2s_text_lines_read(f, "mem", S2S_LINES_UNIVERSAL, 1, &t, err, sizeof err) == 0, "read");
  T_CHECK(t.n == 5 && !strcmp(t.line[1], "b") && !strcmp(t.line[2], "c") && t.len[3] == 0,
          "universal lines: %zu", t.n);
  s2s_text_lines_free(&t);
  fclose(f);
  char badtext[] = "ok\nstill ok\nbad \xff here\n";
  f = fmemopen(badtext, sizeof badtext - 1, "rb");
  T_CHECK(s2s_text_lines_read(f, "x.txt", S2S_LINES_LF, 1, &t, err, sizeof err) == -1 &&
              strstr(err, "x.txt:3:"),
          "error must name file and line 3: %s", err);
  fclose(f);
}

int main(void) {
  test_tokenizers();
  test_sacrebleu_vectors();
  test_format();
  test_accumulate();
  test_multi_bleu();
  test_utf8();
  return s2s_test_finish("test_bleu");
}

/* Tokenizer and detokenizer: one case per rule of tokenize.h (punctuation, numbers, URLs,
 * placeholders, English and French apostrophes, abbreviations), the detokenizer's round
 * trip, hostile input (invalid UTF-8, a million-character line: linear time), and the
 * language codes. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "test_util.h"
#include "data/tokenize.h"

static void tok(const char *in, s2s_lang lang, const char *want) {
  size_t n = strlen(in);
  char *out = malloc(2 * n + 1);
  size_t len = s2s_tokenize(in, n, lang, out);
  T_CHECK(len == strlen(out) && !strcmp(out, want), "%s: tokenize('%s')\n   got '%s'\n  want '%s'",
          s2s_lang_name(lang), in, out, want);
  free(out);
}

/* detokenize(tokenize(x)) == x */
static void round_trip(const char *in, s2s_lang lang) {
  size_t n = strlen(in);
  char *t = malloc(2 * n + 1), *back = malloc(2 * n + 1);
  size_t tl = s2s_tokenize(in, n, lang, t);
  s2s_detokenize(t, tl, lang, back);
  T_CHECK(!strcmp(back, in), "%s: round trip\n    in '%s'\n   tok '%s'\n  back '%s'",
          s2s_lang_name(lang), in, t, back);
  free(t);
  free(back);
}

static void detok(const char *in, s2s_lang lang, const char *want) {
  char out[512];
  s2s_detokenize(in, strlen(in), lang, out);
  T_CHECK(!strcmp(out, want), "detokenize('%s'): got '%s' want '%s'", in, out, want);
}

int main(void) {
  const s2s_lang A = S2S_LANG_ANY, E = S2S_LANG_EN, F = S2S_LANG_FR;
  /* punctuation and whitespace */
  tok("Hello, world!", E, "Hello , world !");
  tok("  a\t b  \r\n", A, "a b");
  tok("", A, "");
  tok("(see the manual) [x] {y}", A, "( see the manual ) [ x ] { y }");
  tok("Really?!", A, "Really ? !");
  tok("He said \"yes\".", E, "He said \" yes \" .");
  tok("Wait...", A, "Wait ...");
  tok("one; two: three", A, "one ; two : three");
  tok("« texte » “quoted” …", F, "« texte » “ quoted ” …");
  /* word chars: symbols stay inside words */
  tok("Use --help or -o file/dir key=value 50% C:\\dir", A,
      "Use --help or -o file/dir key=value 50% C:\\dir");
  tok("well-known e-mail", A, "well-known e-mail");
  /* numbers and internal punctuation */
  tok("1,000.50 at 12:30 and 3.14.", A, "1,000.50 at 12:30 and 3.14 .");
  tok("a,b a:b, c", A, "a,b a:b , c");
  tok("Edit .bashrc now.", A, "Edit .bashrc now .");
  /* abbreviations and final dots */
  tok("e.g. the U.S. and Mr. Smith.", E, "e.g. the U.S. and Mr. Smith .");
  tok("M. Dupont et Mme. Durand.", F, "M . Dupont et Mme. Durand .");
  /* URLs */
  tok("See https://example.org/a?b=c, or www.x.org.", A,
      "See https://example.org/a?b=c , or www.x.org .");
  tok("(http://x.y/z)", A, "( http://x.y/z )");
  /* placeholders: whole, glued to letters, cut from punctuation */
  tok("⟨ph1⟩: cannot open ⟨ph2⟩", E, "⟨ph1⟩ : cannot open ⟨ph2⟩");
  tok("⟨ph1⟩B: not enough ⟨ph2⟩.", E, "⟨ph1⟩B : not enough ⟨ph2⟩ .");
  tok("malloc: ⟨ph1⟩:⟨ph2⟩: assertion", E, "malloc : ⟨ph1⟩ : ⟨ph2⟩ : assertion");
  tok("'⟨ph1⟩' (⟨ph12⟩)", E, "' ⟨ph1⟩ ' ( ⟨ph12⟩ )");
  tok("-⟨ph1⟩ or ⟨ph1⟩⟨ph2⟩", A, "-⟨ph1⟩ or ⟨ph1⟩⟨ph2⟩");
  tok("un ⟨ unclosed ⟩ bracket", A, "un ⟨ unclosed ⟩ bracket");
  tok("⟨ph1⟩'s size", E, "⟨ph1⟩ 's size");
  tok("l'⟨ph1⟩", F, "l' ⟨ph1⟩");
  /* apostrophes */
  tok("don't, John's, 1990's", E, "don 't , John 's , 1990 's");
  tok("the students' books", E, "the students ' books");
  tok("l'homme d'affaires aujourd'hui qu'il", F, "l' homme d' affaires aujourd' hui qu' il");
  tok("l’option n’est pas", F, "l’ option n’ est pas");
  tok("don't l'homme", A, "don't l'homme");
  tok("'quoted'", A, "' quoted '");

  /* detokenizer */
  detok("Hello , world !", E, "Hello, world!");
  detok("Erreur : impossible d' ouvrir « ⟨ph1⟩ » ?", F, "Erreur : impossible d'ouvrir « ⟨ph1⟩ » ?");
  detok("He said \" yes \" and ' no ' .", E, "He said \"yes\" and 'no'.");
  detok("( a ) [ b ] ¿ c ?", A, "(a) [b] ¿c?");
  detok("I do n't know , John 's", E, "I do n't know, John's");
  detok("  spaced   out  ", A, "spaced out");
  detok("", A, "");
  const char *en[] = {"Hello, world!",
                      "Cannot open file: permission denied.",
                      "Don't save the user's changes?",
                      "Use (default) settings; see e.g. the manual.",
                      "Wait...",
                      "⟨ph1⟩: ⟨ph2⟩ (⟨ph3⟩)",
                      "⟨ph1⟩B: not enough memory",
                      "Visit https://example.org/x, then restart.",
                      "Value is 3.14, not 1,000.",
                      "He said \"yes\".",
                      "-⟨ph1⟩ or -o option",
                      NULL};
  for (int k = 0; en[k]; k++)
    round_trip(en[k], E);
  const char *fr[] = {"Impossible d'ouvrir le fichier : permission refusée.",
                      "Voulez-vous l'enregistrer ?",
                      "L’option « ⟨ph1⟩ » n’est pas valide !",
                      "jusqu'à ⟨ph1⟩ éléments ; voir (page ⟨ph2⟩)",
                      "Attention...",
                      "Aujourd'hui, qu'en est-il ?",
                      NULL};
  for (int k = 0; fr[k]; k++)
    round_trip(fr[k], F);

  /* hostile input: invalid bytes are word chars; nothing overflows 2n + 1 */
  tok("a\xff\xfe b\xc3", A, "a\xff\xfe b\xc3");
  tok("\xe2\x9f\xa8ph1", A, "\xe2\x9f\xa8 ph1");
  char worst[64], out[129];
  memset(worst, '!', 63);
  worst[63] = 0;
  size_t wl = s2s_tokenize(worst, 63, A, out);
  T_CHECK(wl == 125 && strlen(out) == 125, "63 '!' -> 63 tokens, 125 bytes (got %zu)", wl);

  /* a million-character line: linear (one pass; a quadratic rule would take minutes) */
  size_t big = 1000000;
  char *line = malloc(big + 1), *bo = malloc(2 * big + 1);
  for (size_t k = 0; k < big; k++)
    line[k] = "ab, c.d'e "[k % 10];
  line[big] = 0;
  clock_t t0 = clock();
  size_t bl = s2s_tokenize(line, big, E, bo);
  double sec;
  memset(line, 'x', big); /* one single million-byte word */
  size_t bl2 = s2s_tokenize(line, big, E, bo);
  sec = (double)(clock() - t0) / CLOCKS_PER_SEC;
  T_CHECK(bl > big && bl2 == big, "million-char lines tokenized (%zu, %zu bytes)", bl, bl2);
  T_CHECK(sec < 2.0, "million-char line took %.2f s (linear: well under 2 s)", sec);
  free(line);
  free(bo);

  s2s_lang l;
  T_CHECK(s2s_lang_parse("en", &l) == 0 && l == E, "en");
  T_CHECK(s2s_lang_parse("fr", &l) == 0 && l == F, "fr");
  T_CHECK(s2s_lang_parse("de", &l) == 0 && l == A, "de -> neutral rules");
  T_CHECK(s2s_lang_parse("", &l) == 0 && l == A, "empty -> neutral");
  T_CHECK(s2s_lang_parse("english", &l) == -1 && s2s_lang_parse("E", &l) == -1, "bad codes");
  return s2s_test_finish("test_tokenize");
}

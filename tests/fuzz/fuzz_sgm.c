/* libFuzzer target for the SGM reader and the tokenizer: any bytes parse or fail with a
 * file:line message; every segment is trimmed single-line text; each segment then goes
 * through s2s_tokenize and s2s_detokenize, whose output bounds (2n + 1, n + 1) and spacing
 * (one space between tokens, none at the ends) are checked. Run by tests/test_fuzz_sgm_cache.sh. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/sgm.h"
#include "data/tokenize.h"

static void check_tokens(const char *t, size_t n) {
  if (strlen(t) != n || (n && (t[0] == ' ' || t[n - 1] == ' ')) || strstr(t, "  ")) {
    fprintf(stderr, "bad token spacing: '%s'\n", t);
    abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  s2s_segments s;
  char err[256];
  if (s2s_sgm_parse((const char *)data, size, "fuzz.sgm", &s, err, sizeof err) != 0) {
    if (strncmp(err, "fuzz.sgm:", 9) != 0) {
      fprintf(stderr, "error without file:line: '%s'\n", err);
      abort();
    }
    return 0;
  }
  for (size_t i = 0; i < s.n; i++) {
    const char *t = s.text[i];
    size_t n = strlen(t);
    if (strpbrk(t, "\r\n\t") || (n && (t[0] == ' ' || t[n - 1] == ' ')) || !s.id[i] || !s.doc[i])
      abort();
    char *tok = malloc(2 * n + 1), *back = malloc(2 * n + 1);
    for (int lang = 0; lang < 3; lang++) {
      size_t tl = s2s_tokenize(t, n, (s2s_lang)lang, tok);
      if (tl > 2 * n) abort();
      check_tokens(tok, tl);
      size_t bl = s2s_detokenize(tok, tl, (s2s_lang)lang, back);
      if (bl > tl || strlen(back) != bl) abort();
    }
    free(tok);
    free(back);
  }
  s2s_segments_free(&s);
  return 0;
}

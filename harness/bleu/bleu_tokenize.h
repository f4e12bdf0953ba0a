/* sacreBLEU's BLEU preprocessing of one segment, in C: optional str.lower(), rstrip(), a
 * tokenizer (13a = mteval-v13a, intl = mteval-v14 international, char, none), then
 * str.split() on Unicode whitespace. Works on code points, re-creating Python's re.sub
 * scanning, so the tokens equal sacreBLEU 2.x's byte for byte. */
#ifndef S2S_BLEU_TOKENIZE_H
#define S2S_BLEU_TOKENIZE_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
  S2S_BLEU_TOK_13A,  /* sacreBLEU's default: mteval-v13a.pl */
  S2S_BLEU_TOK_INTL, /* mteval-v14.pl --international-tokenization (Unicode P/S classes) */
  S2S_BLEU_TOK_NONE, /* split on whitespace only */
  S2S_BLEU_TOK_CHAR  /* every non-whitespace character is a token */
} s2s_bleu_tok;

/* "13a", "intl", "none", "char": the names in sacreBLEU's signature and -tok flag. */
const char *s2s_bleu_tok_name(s2s_bleu_tok tok);
/* Returns 0 and sets *tok for a known name, -1 otherwise. */
int s2s_bleu_tok_parse(const char *name, s2s_bleu_tok *tok);

/* Scratch buffers, reused across calls (no global state). */
typedef struct {
  uint32_t *a, *b; /* code point work buffers, cap each */
  size_t cap;
  char *out; /* tokenized UTF-8 line */
  size_t out_cap;
} s2s_bleu_tokenizer;

void s2s_bleu_tokenizer_init(s2s_bleu_tokenizer *t);
void s2s_bleu_tokenizer_free(s2s_bleu_tokenizer *t);

/* Preprocesses the UTF-8 segment s[0..n) (may hold NUL bytes) as sacreBLEU does before
 * counting n-grams. On success returns 0, *out = the tokens joined by single spaces
 * (NUL-terminated, owned by t, valid until the next call), *out_len its bytes and *ntok
 * the token count. Returns -1 for invalid UTF-8, -2 when out of memory. */
int s2s_bleu_tokenize(s2s_bleu_tokenizer *t, s2s_bleu_tok tok, int lowercase, const char *s,
                      size_t n, const char **out, size_t *out_len, size_t *ntok);

/* Bytes of the valid UTF-8 s[0..n) left after Python's str.rstrip(). */
size_t s2s_utf8_rstrip_len(const char *s, size_t n);

#endif

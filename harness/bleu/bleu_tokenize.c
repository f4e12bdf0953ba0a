/* sacreBLEU's segment preprocessing (lowercase, rstrip, tokenizers 13a/intl/char/none,
 * whitespace split) on code points. Each regex rule of sacreBLEU is a two-character (or
 * one-character) pattern; Python's re.sub scans left to right and resumes after each
 * match, which the pass functions below reproduce exactly. */
#include "bleu/bleu_tokenize.h"

#include <stdlib.h>
#include <string.h>

#include "text/unicode_tables.h"
#include "text/utf8.h"

static const char *const tok_names[] = {"13a", "intl", "none", "char"};

const char *s2s_bleu_tok_name(s2s_bleu_tok tok) {
  return (unsigned)tok < 4 ? tok_names[tok] : "?";
}

int s2s_bleu_tok_parse(const char *name, s2s_bleu_tok *tok) {
  for (int i = 0; i < 4; i++)
    if (!strcmp(name, tok_names[i])) {
      *tok = (s2s_bleu_tok)i;
      return 0;
    }
  return -1;
}

void s2s_bleu_tokenizer_init(s2s_bleu_tokenizer *t) {
  memset(t, 0, sizeof *t);
}

void s2s_bleu_tokenizer_free(s2s_bleu_tokenizer *t) {
  free(t->a);
  free(t->b);
  free(t->out);
  memset(t, 0, sizeof *t);
}

/* Both work buffers hold at least `need` code points afterwards (contents of a kept). */
static int reserve(s2s_bleu_tokenizer *t, size_t need) {
  if (need <= t->cap) return 0;
  size_t cap = t->cap ? t->cap : 256;
  while (cap < need)
    cap *= 2;
  uint32_t *a = realloc(t->a, cap * sizeof *a);
  if (!a) return -2;
  t->a = a;
  uint32_t *b = realloc(t->b, cap * sizeof *b);
  if (!b) return -2;
  t->b = b;
  t->cap = cap;
  return 0;
}

static void swap_ab(s2s_bleu_tokenizer *t) {
  uint32_t *x = t->a;
  t->a = t->b;
  t->b = x;
}

/* ---- Python str.lower() with its final-sigma rule (unicodeobject.c) ---------------- */
static uint32_t capital_sigma(const uint32_t *s, size_t n, size_t i) {
  size_t j = i;
  while (j > 0 && s2s_uni_is_case_ignorable(s[j - 1]))
    j--;
  int final = j > 0 && s2s_uni_is_cased(s[j - 1]);
  if (final) {
    j = i + 1;
    while (j < n && s2s_uni_is_case_ignorable(s[j]))
      j++;
    final = j == n || !s2s_uni_is_cased(s[j]);
  }
  return final ? 0x3C2 : 0x3C3;
}

static size_t lower_pass(const uint32_t *in, size_t n, uint32_t *out) {
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    if (in[i] == 0x3A3) {
      out[m++] = capital_sigma(in, n, i);
    } else {
      uint32_t l[3];
      int k = s2s_uni_lower(in[i], l);
      for (int j = 0; j < k; j++)
        out[m++] = l[j];
    }
  }
  return m;
}

/* ---- str.replace(old, new) with ASCII old/new, new no longer than old -------------- */
static size_t replace_pass(const uint32_t *in, size_t n, const char *old, const char *new_,
                           uint32_t *out) {
  size_t lo = strlen(old), ln = strlen(new_), m = 0, i = 0;
  while (i < n) {
    size_t k = 0;
    while (k < lo && i + k < n && in[i + k] == (uint32_t)(unsigned char)old[k])
      k++;
    if (k == lo) {
      for (size_t j = 0; j < ln; j++)
        out[m++] = (unsigned char)new_[j];
      i += lo;
    } else {
      out[m++] = in[i++];
    }
  }
  return m;
}

/* ---- character classes ------------------------------------------------------------- */
static int is_digit(uint32_t c) {
  return c >= '0' && c <= '9';
}
static int is_dotcomma(uint32_t c) {
  return c == '.' || c == ',';
}
/* 13a: [\{-\~\[-\` -\&\(-\+\:-\@\/] */
static int is_13a_punct(uint32_t c) {
  return (c >= 0x7B && c <= 0x7E) || (c >= 0x5B && c <= 0x60) || (c >= 0x20 && c <= 0x26) ||
         (c >= 0x28 && c <= 0x2B) || (c >= 0x3A && c <= 0x40) || c == 0x2F;
}
static int not_number(uint32_t c) {
  return !s2s_uni_is_number(c);
}
static int not_digit(uint32_t c) {
  return !is_digit(c);
}
static int is_dash(uint32_t c) {
  return c == '-';
}

/* re.sub(r'(X)', r' \1 ', s) */
static size_t pad1_pass(const uint32_t *in, size_t n, int (*x)(uint32_t), uint32_t *out) {
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    if (x(in[i])) {
      out[m++] = ' ';
      out[m++] = in[i];
      out[m++] = ' ';
    } else {
      out[m++] = in[i];
    }
  }
  return m;
}

/* re.sub(r'(X)(Y)', r'\1 \2 ', s) when lead_space == 0, r' \1 \2' when lead_space == 1 */
static size_t pair_pass(const uint32_t *in, size_t n, int (*x)(uint32_t), int (*y)(uint32_t),
                        int lead_space, uint32_t *out) {
  size_t m = 0, i = 0;
  while (i < n) {
    if (i + 1 < n && x(in[i]) && y(in[i + 1])) {
      if (lead_space) {
        out[m++] = ' ';
        out[m++] = in[i];
        out[m++] = ' ';
        out[m++] = in[i + 1];
      } else {
        out[m++] = in[i];
        out[m++] = ' ';
        out[m++] = in[i + 1];
        out[m++] = ' ';
      }
      i += 2;
    } else {
      out[m++] = in[i++];
    }
  }
  return m;
}

/* Runs one pass from t->a (n code points) into t->b and makes b the new a. Every pass
 * at most triples the length. */
#define PASS(call)                                                                                 \
  do {                                                                                             \
    if (reserve(t, 3 * n + 4) != 0) return -2;                                                     \
    n = (call);                                                                                    \
    swap_ab(t);                                                                                    \
  } while (0)

static int tokenize_13a(s2s_bleu_tokenizer *t, size_t *np) {
  size_t n = *np;
  PASS(replace_pass(t->a, n, "<skipped>", "", t->b));
  PASS(replace_pass(t->a, n, "-\n", "", t->b));
  PASS(replace_pass(t->a, n, "\n", " ", t->b));
  PASS(replace_pass(t->a, n, "&quot;", "\"", t->b));
  PASS(replace_pass(t->a, n, "&amp;", "&", t->b));
  PASS(replace_pass(t->a, n, "&lt;", "<", t->b));
  PASS(replace_pass(t->a, n, "&gt;", ">", t->b));
  if (reserve(t, n + 2) != 0) return -2;
  memmove(t->a + 1, t->a, n * sizeof *t->a); /* f' {line} ' */
  t->a[0] = ' ';
  t->a[n + 1] = ' ';
  n += 2;
  PASS(pad1_pass(t->a, n, is_13a_punct, t->b));
  PASS(pair_pass(t->a, n, not_digit, is_dotcomma, 0, t->b));
  PASS(pair_pass(t->a, n, is_dotcomma, not_digit, 1, t->b));
  PASS(pair_pass(t->a, n, is_digit, is_dash, 0, t->b));
  *np = n;
  return 0;
}

static int is_p(uint32_t c) {
  return s2s_uni_is_punct(c);
}
static int is_s(uint32_t c) {
  return s2s_uni_is_symbol(c);
}

static int tokenize_intl(s2s_bleu_tokenizer *t, size_t *np) {
  size_t n = *np;
  PASS(pair_pass(t->a, n, not_number, is_p, 0, t->b));
  PASS(pair_pass(t->a, n, is_p, not_number, 1, t->b));
  PASS(pad1_pass(t->a, n, is_s, t->b));
  *np = n;
  return 0;
}

/* str.split() then ' '.join(), UTF-8 encoded into t->out. With per_char every
 * non-whitespace code point is its own token (tokenizer char). */
static int split_join(s2s_bleu_tokenizer *t, size_t n, int per_char, size_t *out_len,
                      size_t *ntok) {
  size_t need = 5 * n + 1;
  if (need > t->out_cap) {
    char *o = realloc(t->out, need);
    if (!o) return -2;
    t->out = o;
    t->out_cap = need;
  }
  size_t m = 0, k = 0;
  int in_tok = 0;
  for (size_t i = 0; i < n; i++) {
    uint32_t c = t->a[i];
    if (s2s_uni_is_space(c)) {
      in_tok = 0;
      continue;
    }
    if (!in_tok || per_char) {
      if (k) t->out[m++] = ' ';
      k++;
      in_tok = 1;
    }
    m += s2s_utf8_encode(c, t->out + m);
  }
  t->out[m] = '\0';
  *out_len = m;
  *ntok = k;
  return 0;
}

int s2s_bleu_tokenize(s2s_bleu_tokenizer *t, s2s_bleu_tok tok, int lowercase, const char *s,
                      size_t n, const char **out, size_t *out_len, size_t *ntok) {
  if (s2s_utf8_validate(s, n, NULL) != 0) return -1;
  if (reserve(t, n + 4) != 0) return -2;
  size_t m = s2s_utf8_decode(s, n, t->a);
  if (lowercase) {
    if (reserve(t, 3 * m + 4) != 0) return -2;
    m = lower_pass(t->a, m, t->b);
    swap_ab(t);
  }
  while (m > 0 && s2s_uni_is_space(t->a[m - 1]))
    m--; /* rstrip() */
  int rc = 0;
  if (tok == S2S_BLEU_TOK_13A)
    rc = tokenize_13a(t, &m);
  else if (tok == S2S_BLEU_TOK_INTL)
    rc = tokenize_intl(t, &m);
  if (rc != 0) return rc;
  rc = split_join(t, m, tok == S2S_BLEU_TOK_CHAR, out_len, ntok);
  if (rc != 0) return rc;
  *out = t->out;
  return 0;
}

size_t s2s_utf8_rstrip_len(const char *s, size_t n) {
  const unsigned char *u = (const unsigned char *)s;
  while (n > 0) {
    size_t start = n - 1; /* back up to the lead byte of the last code point */
    while (start > 0 && (u[start] & 0xC0) == 0x80)
      start--;
    uint32_t cp;
    s2s_utf8_decode(s + start, n - start, &cp);
    if (!s2s_uni_is_space(cp)) break;
    n = start;
  }
  return n;
}

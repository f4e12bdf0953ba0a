/* The Moses-like tokenizer and its detokenizer (rules in tokenize.h). A line is cut into
 * units (one code point, or one whole placeholder), each unit gets a class, and the rules
 * mark cuts between neighbouring units; tokens are the runs between cuts. Linear in the
 * input: a line of a million characters costs a million steps. */
#include "data/tokenize.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { U_SPACE, U_ALWAYS, U_DOT, U_SEP, U_APOS, U_PH, U_WORD };

typedef struct {
  size_t off;   /* byte offset in the text */
  uint32_t len; /* bytes */
  uint32_t cp;  /* code point (0 for a placeholder or an invalid byte) */
  uint8_t cls;
  uint8_t alpha; /* a letter (apostrophe rules) */
  uint8_t digit;
} unit;

int s2s_lang_parse(const char *name, s2s_lang *out) {
  size_t n = strlen(name);
  if (n == 0) return *out = S2S_LANG_ANY, 0;
  if (n > 3 || n < 2) return -1;
  for (size_t i = 0; i < n; i++)
    if (name[i] < 'a' || name[i] > 'z') return -1;
  *out = !strcmp(name, "en") ? S2S_LANG_EN : !strcmp(name, "fr") ? S2S_LANG_FR : S2S_LANG_ANY;
  return 0;
}

const char *s2s_lang_name(s2s_lang lang) {
  return lang == S2S_LANG_EN ? "en" : lang == S2S_LANG_FR ? "fr" : "any";
}

/* Decodes one code point at s[0..n); returns its length, or 1 with *cp = 0 when invalid. */
static uint32_t decode(const unsigned char *s, size_t n, uint32_t *cp) {
  unsigned c = s[0];
  uint32_t len = c < 0x80                ? 1
                 : c >= 0xC2 && c < 0xE0 ? 2
                 : c >= 0xE0 && c < 0xF0 ? 3
                 : c >= 0xF0 && c < 0xF5 ? 4
                                         : 0;
  if (len == 0 || len > n) return *cp = 0, 1;
  uint32_t x = len == 1 ? c : c & (0x7F >> len);
  for (uint32_t k = 1; k < len; k++) {
    if ((s[k] & 0xC0) != 0x80) return *cp = 0, 1;
    x = x << 6 | (s[k] & 0x3F);
  }
  *cp = x;
  return len;
}

/* ? ! ; ( ) [ ] { } " ` « » “ ” „ ‘ ¿ ¡ … – — */
static int always_split(uint32_t c) {
  static const uint32_t set[] = {'?',    '!',    ';',    '(',    ')',    ']',   '[',  '{',
                                 '}',    '"',    '`',    0xAB,   0xBB,   0xBF,  0xA1, 0x201C,
                                 0x201D, 0x201E, 0x2018, 0x2026, 0x2013, 0x2014};
  for (size_t i = 0; i < sizeof set / sizeof *set; i++)
    if (set[i] == c) return 1;
  return 0;
}

/* Letters for the apostrophe rules: ASCII letters and every code point above U+00BF that
 * is not punctuation or a symbol block this tokenizer knows of. */
static int is_alpha(uint32_t c) {
  if (c < 0x80) return (c | 32) >= 'a' && (c | 32) <= 'z';
  if (c < 0xC0 || c == 0xD7 || c == 0xF7) return 0;
  if (c >= 0x2000 && c <= 0x2BFF) return 0; /* punctuation, arrows, math, boxes */
  if (c >= 0x3000 && c <= 0x303F) return 0;
  return 1;
}

static void classify(const unsigned char *s, size_t n, size_t i, unit *u) {
  u->off = i;
  u->alpha = u->digit = 0;
  /* placeholder: U+27E8 (E2 9F A8) ... U+27E9 (E2 9F A9), <= 32 bytes, no whitespace */
  if (n - i >= 6 && s[i] == 0xE2 && s[i + 1] == 0x9F && s[i + 2] == 0xA8) {
    for (size_t k = i + 3; k + 3 <= n && k - i <= 29; k++) {
      if (s[k] <= ' ') break;
      if (s[k] == 0xE2 && s[k + 1] == 0x9F && (s[k + 2] == 0xA8 || s[k + 2] == 0xA9)) {
        if (s[k + 2] == 0xA8 || k == i + 3) break;
        u->len = (uint32_t)(k + 3 - i), u->cp = 0, u->cls = U_PH, u->alpha = 1;
        return;
      }
    }
  }
  uint32_t c;
  u->len = decode(s + i, n - i, &c);
  u->cp = c;
  if (c == ' ' || (c >= '\t' && c <= '\r'))
    u->cls = U_SPACE;
  else if (always_split(c) || c == 0x27E8 || c == 0x27E9)
    u->cls = U_ALWAYS;
  else if (c == '.')
    u->cls = U_DOT;
  else if (c == ',' || c == ':')
    u->cls = U_SEP;
  else if (c == '\'' || c == 0x2019)
    u->cls = U_APOS;
  else {
    u->cls = U_WORD;
    u->alpha = (uint8_t)is_alpha(c);
    u->digit = c >= '0' && c <= '9';
  }
}

static int is_abbrev(const unsigned char *s, size_t len) {
  static const char *const list[] = {"Mr", "Mrs", "Ms",  "Dr",   "Prof", "St",  "Jr", "Sr",
                                     "vs", "cf",  "Mme", "Mlle", "MM",   "Mgr", NULL};
  for (int k = 0; list[k]; k++)
    if (strlen(list[k]) == len && !memcmp(list[k], s, len)) return 1;
  return 0;
}

/* Start of a URL at unit i of a chunk: scheme:// (scheme of ASCII letters) or "www.". */
static int url_at(const unsigned char *s, size_t n, size_t i) {
  if (n - i >= 4 && !memcmp(s + i, "www.", 4)) return 1;
  size_t k = i;
  while (k < n && k - i < 16 && (((s[k] | 32) >= 'a' && (s[k] | 32) <= 'z') || s[k] == '+'))
    k++;
  return k - i >= 2 && n - k >= 4 && !memcmp(s + k, "://", 3) && s[k + 3] > ' ';
}

static int url_trailer(uint32_t c) {
  return c == '.' || c == ',' || c == ':' || c == ';' || c == '!' || c == '?' || c == ')' ||
         c == ']' || c == '}' || c == '"' || c == '\'' || c == 0xBB || c == 0x201D || c == 0x2019;
}

/* Cuts for one chunk u[0..m) (no spaces inside): cut[k] = 1 means a token starts at u[k]. */
static void chunk_cuts(const unsigned char *s, size_t n, const unit *u, size_t m, s2s_lang lang,
                       uint8_t *cut) {
  memset(cut, 0, m + 1);
  cut[0] = cut[m] = 1;
  size_t us = m, ue = m; /* protected URL span [us, ue) */
  for (size_t k = 0; k < m && (k == 0 || u[k - 1].cls == U_ALWAYS || u[k - 1].cls == U_APOS); k++) {
    if (url_at(s, n, u[k].off)) {
      us = k;
      while (ue > us + 1 && url_trailer(u[ue - 1].cp))
        ue--;
      break;
    }
  }
  size_t tok = 0; /* first unit of the token being built */
  for (size_t k = 0; k < m; k++) {
    if (cut[k]) tok = k;
    const unit *p = k ? &u[k - 1] : NULL, *q = k + 1 < m ? &u[k + 1] : NULL;
    switch (u[k].cls) {
    case U_ALWAYS:
      cut[k] = cut[k + 1] = 1;
      break;
    case U_SEP:
      if (!(p && q && p->cls == U_WORD && q->cls == U_WORD)) cut[k] = cut[k + 1] = 1;
      break;
    case U_DOT:
      if (q && q->cls == U_DOT) { /* a run of dots is one token */
        size_t e = k;
        while (e < m && u[e].cls == U_DOT)
          e++;
        cut[k] = cut[e] = 1;
        k = e - 1;
      } else if (!(q && q->cls == U_WORD)) {
        int keep = 0;
        if (k > tok) {
          int dot = 0, alpha = 0;
          for (size_t j = tok; j < k; j++)
            dot |= u[j].cls == U_DOT, alpha |= u[j].alpha;
          keep = (dot && alpha) || is_abbrev(s + u[tok].off, u[k].off - u[tok].off);
        }
        if (!keep) cut[k] = 1;
        cut[k + 1] = 1;
      }
      break;
    case U_APOS:
      if (p && q && (p->alpha || p->digit || p->cls == U_PH) && (q->alpha || q->cls == U_PH)) {
        if (lang == S2S_LANG_EN)
          cut[k] = 1;
        else if (lang == S2S_LANG_FR)
          cut[k + 1] = 1;
      } else {
        cut[k] = cut[k + 1] = 1;
      }
      break;
    default:
      break;
    }
    if (cut[k] && k > tok) tok = k;
  }
  if (us < m) {
    for (size_t k = us + 1; k < ue; k++)
      cut[k] = 0;
    cut[us] = cut[ue] = 1;
  }
}

size_t s2s_tokenize(const char *text, size_t n, s2s_lang lang, char *out) {
  const unsigned char *s = (const unsigned char *)text;
  size_t o = 0, i = 0;
  unit *u = NULL;
  uint8_t *cut = NULL;
  size_t cap = 0;
  while (i < n) {
    unit first;
    classify(s, n, i, &first);
    if (first.cls == U_SPACE) {
      i += first.len;
      continue;
    }
    size_t m = 0; /* collect the chunk up to the next whitespace */
    for (size_t j = i; j < n;) {
      unit x;
      classify(s, n, j, &x);
      if (x.cls == U_SPACE) break;
      if (m == cap) {
        size_t nc = cap ? 2 * cap : 64;
        unit *nu = realloc(u, nc * sizeof *nu);
        uint8_t *ncut = nu ? realloc(cut, nc + 1) : NULL;
        if (nu) u = nu;
        if (!ncut) goto oom;
        cut = ncut, cap = nc;
      }
      u[m++] = x;
      j += x.len;
    }
    chunk_cuts(s, n, u, m, lang, cut);
    for (size_t k = 0; k < m; k++) {
      if (cut[k] && o > 0) out[o++] = ' ';
      memcpy(out + o, s + u[k].off, u[k].len);
      o += u[k].len;
    }
    i = u[m - 1].off + u[m - 1].len;
  }
  free(u);
  free(cut);
  out[o] = '\0';
  return o;
oom: /* keep going without splitting: the text stays usable, only untokenized */
  free(u);
  free(cut);
  memcpy(out, text, n);
  out[n] = '\0';
  return n;
}

/* ---- detokenizer ---------------------------------------------------------------------- */

static int tok_is(const char *t, size_t n, const char *w) {
  return strlen(w) == n && !memcmp(t, w, n);
}

static int all_dots(const char *t, size_t n) {
  for (size_t k = 0; k < n; k++)
    if (t[k] != '.') return 0;
  return 1;
}

static int apos_at(const char *t, size_t n, size_t k) { /* ' or ’ (E2 80 99) at byte k */
  if (k < n && t[k] == '\'') return 1;
  return k + 3 <= n && !memcmp(t + k, "\xE2\x80\x99", 3);
}

/* French elision: a word that ends in an apostrophe right after a letter (l' qu' jusqu’). */
static int elided(const char *t, size_t len) {
  size_t a = len >= 2 && t[len - 1] == '\''         ? len - 1
             : len >= 4 && apos_at(t, len, len - 3) ? len - 3
                                                    : 0;
  if (!a) return 0;
  unsigned char c = (unsigned char)t[a - 1];
  return c >= 0x80 || ((c | 32) >= 'a' && (c | 32) <= 'z');
}

size_t s2s_detokenize(const char *text, size_t n, s2s_lang lang, char *out) {
  size_t o = 0, i = 0;
  int glue_next = 1; /* no space before the next token (start of line, after an opener) */
  int spaced = 0;    /* the previous token was « : whatever follows keeps its space */
  int dq_open = 0, sq_open = 0;
  const int fr = lang == S2S_LANG_FR;
  while (i < n) {
    while (i < n && (text[i] == ' ' || text[i] == '\t'))
      i++;
    if (i >= n) break;
    size_t e = i;
    while (e < n && text[e] != ' ' && text[e] != '\t')
      e++;
    const char *t = text + i;
    size_t len = e - i;
    int left = 0, right = 0; /* attach to the previous / next token */
    if (tok_is(t, len, ",") || all_dots(t, len) || tok_is(t, len, "\xE2\x80\xA6") ||
        tok_is(t, len, ")") || tok_is(t, len, "]") || tok_is(t, len, "}"))
      left = 1;
    else if (tok_is(t, len, "?") || tok_is(t, len, "!") || tok_is(t, len, ":") ||
             tok_is(t, len, ";"))
      left = !fr;
    else if (tok_is(t, len, "(") || tok_is(t, len, "[") || tok_is(t, len, "{") ||
             tok_is(t, len, "\xC2\xBF") || tok_is(t, len, "\xC2\xA1") ||
             tok_is(t, len, "\xE2\x80\x9C") || tok_is(t, len, "\xE2\x80\x98") ||
             tok_is(t, len, "\xE2\x80\x9E"))
      right = 1;
    else if (tok_is(t, len, "\xE2\x80\x9D") || tok_is(t, len, "\xE2\x80\x99"))
      left = 1;
    else if (tok_is(t, len, "\"") || tok_is(t, len, "`"))
      dq_open = !dq_open, right = dq_open, left = !dq_open;
    else if (tok_is(t, len, "'"))
      sq_open = !sq_open, right = sq_open, left = !sq_open;
    else if (lang == S2S_LANG_EN && len > 1 && apos_at(t, len, 0))
      left = 1; /* 's 't 'll */
    else if (fr && elided(t, len))
      right = 1; /* l' d' qu' */
    if (o > 0 && !glue_next && (!left || spaced)) out[o++] = ' ';
    spaced = tok_is(t, len, "\xC2\xAB");
    memcpy(out + o, t, len);
    o += len;
    glue_next = right;
    i = e;
  }
  out[o] = '\0';
  return o;
}

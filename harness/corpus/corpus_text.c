/* Text normalisation for the corpus (see corpus.h for the exact rules). Works on code
 * points decoded from validated UTF-8; whitespace is whatever Python's str.isspace() calls
 * whitespace (the table BLEU uses), so "Fichier\u00a0:" and "Fichier :" become one text. */
#include <stdint.h>
#include <string.h>

#include "corpus/corpus.h"
#include "text/unicode_tables.h"
#include "text/utf8.h"

/* (base, combining mark, precomposed): generated with Python's unicodedata for U+00C0..U+017F */
static const struct {
  char base;
  uint16_t mark, composed;
} compose[] = {
    {'A', 0x300, 0xC0},  {'A', 0x301, 0xC1},  {'A', 0x302, 0xC2},  {'A', 0x303, 0xC3},
    {'A', 0x308, 0xC4},  {'C', 0x327, 0xC7},  {'E', 0x300, 0xC8},  {'E', 0x301, 0xC9},
    {'E', 0x302, 0xCA},  {'E', 0x308, 0xCB},  {'I', 0x300, 0xCC},  {'I', 0x301, 0xCD},
    {'I', 0x302, 0xCE},  {'I', 0x308, 0xCF},  {'N', 0x303, 0xD1},  {'O', 0x300, 0xD2},
    {'O', 0x301, 0xD3},  {'O', 0x302, 0xD4},  {'O', 0x303, 0xD5},  {'O', 0x308, 0xD6},
    {'U', 0x300, 0xD9},  {'U', 0x301, 0xDA},  {'U', 0x302, 0xDB},  {'U', 0x308, 0xDC},
    {'Y', 0x301, 0xDD},  {'a', 0x300, 0xE0},  {'a', 0x301, 0xE1},  {'a', 0x302, 0xE2},
    {'a', 0x303, 0xE3},  {'a', 0x308, 0xE4},  {'c', 0x327, 0xE7},  {'e', 0x300, 0xE8},
    {'e', 0x301, 0xE9},  {'e', 0x302, 0xEA},  {'e', 0x308, 0xEB},  {'i', 0x300, 0xEC},
    {'i', 0x301, 0xED},  {'i', 0x302, 0xEE},  {'i', 0x308, 0xEF},  {'n', 0x303, 0xF1},
    {'o', 0x300, 0xF2},  {'o', 0x301, 0xF3},  {'o', 0x302, 0xF4},  {'o', 0x303, 0xF5},
    {'o', 0x308, 0xF6},  {'u', 0x300, 0xF9},  {'u', 0x301, 0xFA},  {'u', 0x302, 0xFB},
    {'u', 0x308, 0xFC},  {'y', 0x301, 0xFD},  {'y', 0x308, 0xFF},  {'C', 0x301, 0x106},
    {'c', 0x301, 0x107}, {'C', 0x302, 0x108}, {'c', 0x302, 0x109}, {'G', 0x302, 0x11C},
    {'g', 0x302, 0x11D}, {'G', 0x327, 0x122}, {'g', 0x327, 0x123}, {'H', 0x302, 0x124},
    {'h', 0x302, 0x125}, {'I', 0x303, 0x128}, {'i', 0x303, 0x129}, {'J', 0x302, 0x134},
    {'j', 0x302, 0x135}, {'K', 0x327, 0x136}, {'k', 0x327, 0x137}, {'L', 0x301, 0x139},
    {'l', 0x301, 0x13A}, {'L', 0x327, 0x13B}, {'l', 0x327, 0x13C}, {'N', 0x301, 0x143},
    {'n', 0x301, 0x144}, {'N', 0x327, 0x145}, {'n', 0x327, 0x146}, {'R', 0x301, 0x154},
    {'r', 0x301, 0x155}, {'R', 0x327, 0x156}, {'r', 0x327, 0x157}, {'S', 0x301, 0x15A},
    {'s', 0x301, 0x15B}, {'S', 0x302, 0x15C}, {'s', 0x302, 0x15D}, {'S', 0x327, 0x15E},
    {'s', 0x327, 0x15F}, {'T', 0x327, 0x162}, {'t', 0x327, 0x163}, {'U', 0x303, 0x168},
    {'u', 0x303, 0x169}, {'W', 0x302, 0x174}, {'w', 0x302, 0x175}, {'Y', 0x302, 0x176},
    {'y', 0x302, 0x177}, {'Y', 0x308, 0x178}, {'Z', 0x301, 0x179}, {'z', 0x301, 0x17A},
};

static uint32_t compose_pair(uint32_t base, uint32_t mark) {
  if (base >= 0x80) return 0;
  for (size_t i = 0; i < sizeof compose / sizeof *compose; i++)
    if ((uint32_t)(unsigned char)compose[i].base == base && compose[i].mark == mark)
      return compose[i].composed;
  return 0;
}

static int is_dropped(uint32_t cp) {
  return cp == 0x200B || cp == 0x2060 || cp == 0xFEFF || cp == 0x00AD;
}

static int is_control(uint32_t cp) {
  return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0);
}

/* Next code point of valid UTF-8 at s[*i..n). */
static uint32_t next_cp(const unsigned char *s, size_t n, size_t *i) {
  uint32_t c = s[*i];
  int len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
  if (len > 1) c &= 0x3F >> (len - 1);
  for (int k = 1; k < len && *i + (size_t)k < n; k++)
    c = c << 6 | (s[*i + (size_t)k] & 0x3F);
  *i += (size_t)len;
  return c;
}

/* HTML character references that stand for typography, not markup: decoded. The five that
 * markup needs (&amp; &lt; &gt; &quot; &apos;, also as numbers) stay and get masked. */
static const struct {
  const char *name;
  uint16_t cp;
} entities[] = {
    {"nbsp", 0xA0},    {"rsquo", 0x2019}, {"lsquo", 0x2018},  {"sbquo", 0x201A}, {"ldquo", 0x201C},
    {"rdquo", 0x201D}, {"bdquo", 0x201E}, {"laquo", 0xAB},    {"raquo", 0xBB},   {"hellip", 0x2026},
    {"ndash", 0x2013}, {"mdash", 0x2014}, {"thinsp", 0x2009}, {"ensp", 0x2002},  {"emsp", 0x2003},
    {"times", 0xD7},   {"copy", 0xA9},    {"reg", 0xAE},      {"trade", 0x2122}, {"euro", 0x20AC},
    {"deg", 0xB0},     {"middot", 0xB7},  {"bull", 0x2022},   {"eacute", 0xE9},  {"egrave", 0xE8},
    {"ecirc", 0xEA},   {"agrave", 0xE0},  {"acirc", 0xE2},    {"ccedil", 0xE7},  {"ocirc", 0xF4},
    {"ucirc", 0xFB},   {"ugrave", 0xF9},  {"icirc", 0xEE},    {"Eacute", 0xC9},  {"oelig", 0x153},
};

/* Length of a decodable reference at s[at] == '&' (0: none); *cp = its code point. */
static size_t entity_at(const unsigned char *s, size_t n, size_t at, uint32_t *cp) {
  size_t j = at + 1;
  if (j < n && s[j] == '#') {
    int hex = j + 1 < n && (s[j + 1] | 32) == 'x';
    uint32_t v = 0;
    size_t d = j = j + 1 + (size_t)hex;
    for (; j < n && j - d < 7; j++) {
      unsigned c = s[j], x = c >= '0' && c <= '9'                        ? c - '0'
                             : hex && (c | 32) >= 'a' && (c | 32) <= 'f' ? (c | 32) - 'a' + 10
                                                                         : 99;
      if (x == 99) break;
      v = v * (hex ? 16 : 10) + x;
    }
    if (j == d || j >= n || s[j] != ';' || v == 0 || v > 0x10FFFF || (v >= 0xD800 && v < 0xE000) ||
        v == '&' || v == '<' || v == '>' || v == '"' || v == '\'')
      return 0;
    *cp = v;
    return j + 1 - at;
  }
  for (size_t k = 0; k < sizeof entities / sizeof *entities; k++) {
    size_t len = strlen(entities[k].name);
    if (j + len < n && !memcmp(s + j, entities[k].name, len) && s[j + len] == ';') {
      *cp = entities[k].cp;
      return len + 2;
    }
  }
  return 0;
}

/* ISO-8859-15 differs from ISO-8859-1 in eight positions */
static uint32_t latin9(unsigned char c) {
  static const unsigned char at[8] = {0xA4, 0xA6, 0xA8, 0xB4, 0xB8, 0xBC, 0xBD, 0xBE};
  static const uint16_t cp[8] = {0x20AC, 0x160, 0x161, 0x17D, 0x17E, 0x152, 0x153, 0x178};
  for (int i = 0; i < 8; i++)
    if (c == at[i]) return cp[i];
  return c;
}

int s2s_corpus_normalize(const char *in, size_t n, int legacy, char *out, size_t cap) {
  if (cap == 0) return S2S_NORM_TOO_LONG;
  if (legacy) { /* 8-bit -> UTF-8 (at most 3 bytes per byte), then the UTF-8 path */
    char conv[6144];
    size_t m = 0;
    if (3 * n >= sizeof conv) return S2S_NORM_TOO_LONG;
    for (size_t i = 0; i < n; i++) {
      unsigned char c = (unsigned char)in[i];
      m += s2s_utf8_encode(legacy == S2S_ISO_8859_15 ? latin9(c) : c, conv + m);
    }
    return s2s_corpus_normalize(conv, m, 0, out, cap);
  }
  const unsigned char *s = (const unsigned char *)in;
  size_t bad;
  if (s2s_utf8_validate((const char *)s, n, &bad) != 0) return S2S_NORM_BAD_UTF8;
  size_t w = 0, i = 0;
  int pending_space = 0;
  uint32_t prev = 0; /* last code point written, for composition */
  size_t prev_at = 0;
  while (i < n) {
    uint32_t cp = next_cp(s, n, &i), dec;
    size_t elen = cp == '&' ? entity_at(s, n, i - 1, &dec) : 0;
    if (elen) cp = dec, i += elen - 1;
    if (is_dropped(cp)) continue;
    if (s2s_uni_is_space(cp) || is_control(cp)) {
      pending_space = w > 0;
      prev = 0;
      continue;
    }
    uint32_t c = pending_space ? 0 : compose_pair(prev, cp);
    if (c) { /* rewrite the base letter (1 byte) as the composed letter */
      w = prev_at;
      cp = c;
    } else if (pending_space) {
      if (w + 1 >= cap) return S2S_NORM_TOO_LONG;
      out[w++] = ' ';
      pending_space = 0;
    }
    char enc[4];
    size_t k = s2s_utf8_encode(cp, enc);
    if (w + k >= cap) return S2S_NORM_TOO_LONG;
    prev_at = w;
    memcpy(out + w, enc, k);
    w += k;
    prev = cp;
  }
  out[w] = '\0';
  return S2S_NORM_OK;
}

size_t s2s_corpus_words(const char *s) {
  size_t n = 0;
  int in_word = 0;
  for (; *s; s++) {
    if (*s == ' ')
      in_word = 0;
    else if (!in_word)
      in_word = 1, n++;
  }
  return n;
}

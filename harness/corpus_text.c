/* Text normalisation for the corpus (see corpus.h for the exact rules). Works on code
 * points decoded from validated UTF-8; whitespace is whatever Python's str.isspace() calls
 * whitespace (the table BLEU uses), so "Fichier\u00a0:" and "Fichier :" become one text. */
#include <stdint.h>
#include <string.h>

#include "corpus.h"
#include "unicode_tables.h"
#include "utf8.h"

/* (base, combining mark, precomposed): generated with Python's unicodedata for U+00C0..U+017F */
static const struct {
  char base;
  uint16_t mark, composed;
} compose[] = {
    {'A', 0x300, 0xC0}, {'A', 0x301, 0xC1}, {'A', 0x302, 0xC2}, {'A', 0x303, 0xC3},
    {'A', 0x308, 0xC4}, {'C', 0x327, 0xC7}, {'E', 0x300, 0xC8}, {'E', 0x301, 0xC9},
    {'E', 0x302, 0xCA}, {'E', 0x308, 0xCB}, {'I', 0x300, 0xCC}, {'I', 0x301, 0xCD},
    {'I', 0x302, 0xCE}, {'I', 0x308, 0xCF}, {'N', 0x303, 0xD1}, {'O', 0x300, 0xD2},
    {'O', 0x301, 0xD3}, {'O', 0x302, 0xD4}, {'O', 0x303, 0xD5}, {'O', 0x308, 0xD6},
    {'U', 0x300, 0xD9}, {'U', 0x301, 0xDA}, {'U', 0x302, 0xDB}, {'U', 0x308, 0xDC},
    {'Y', 0x301, 0xDD}, {'a', 0x300, 0xE0}, {'a', 0x301, 0xE1}, {'a', 0x302, 0xE2},
    {'a', 0x303, 0xE3}, {'a', 0x308, 0xE4}, {'c', 0x327, 0xE7}, {'e', 0x300, 0xE8},
    {'e', 0x301, 0xE9}, {'e', 0x302, 0xEA}, {'e', 0x308, 0xEB}, {'i', 0x300, 0xEC},
    {'i', 0x301, 0xED}, {'i', 0x302, 0xEE}, {'i', 0x308, 0xEF}, {'n', 0x303, 0xF1},
    {'o', 0x300, 0xF2}, {'o', 0x301, 0xF3}, {'o', 0x302, 0xF4}, {'o', 0x303, 0xF5},
    {'o', 0x308, 0xF6}, {'u', 0x300, 0xF9}, {'u', 0x301, 0xFA}, {'u', 0x302, 0xFB},
    {'u', 0x308, 0xFC}, {'y', 0x301, 0xFD}, {'y', 0x308, 0xFF}, {'C', 0x301, 0x106},
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

static int is_control(uint32_t cp) { return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0); }

/* Next code point of valid UTF-8 at s[*i..n). */
static uint32_t next_cp(const unsigned char *s, size_t n, size_t *i) {
  uint32_t c = s[*i];
  int len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
  if (len > 1) c &= 0x3F >> (len - 1);
  for (int k = 1; k < len && *i + (size_t)k < n; k++) c = c << 6 | (s[*i + (size_t)k] & 0x3F);
  *i += (size_t)len;
  return c;
}

int s2s_corpus_normalize(const char *in, size_t n, int latin1, char *out, size_t cap) {
  if (cap == 0) return S2S_NORM_TOO_LONG;
  /* Latin-1 -> UTF-8 in a scratch copy: at most 2 bytes per byte */
  char small[4096];
  char *conv = NULL;
  const unsigned char *s = (const unsigned char *)in;
  if (latin1) {
    conv = 2 * n < sizeof small ? small : NULL;
    if (!conv) return S2S_NORM_TOO_LONG;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
      unsigned char c = s[i];
      if (c < 0x80) conv[m++] = (char)c;
      else conv[m++] = (char)(0xC0 | c >> 6), conv[m++] = (char)(0x80 | (c & 0x3F));
    }
    s = (const unsigned char *)conv;
    n = m;
  }
  size_t bad;
  if (s2s_utf8_validate((const char *)s, n, &bad) != 0) return S2S_NORM_BAD_UTF8;
  size_t w = 0, i = 0;
  int pending_space = 0;
  uint32_t prev = 0; /* last code point written, for composition */
  size_t prev_at = 0;
  while (i < n) {
    uint32_t cp = next_cp(s, n, &i);
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
    if (*s == ' ') in_word = 0;
    else if (!in_word) in_word = 1, n++;
  }
  return n;
}

/* Strict UTF-8 (Python's utf-8 codec rules), code point conversion, and a text-file line
 * reader whose errors name file and line. See utf8.h. */
#include "text/utf8.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Length of the valid sequence at s[0..n), or 0 when it is invalid (Python's rules:
 * no overlong forms, no surrogates U+D800..U+DFFF, nothing above U+10FFFF). */
static size_t seq_len(const unsigned char *s, size_t n) {
  unsigned char c = s[0];
  if (c < 0x80) return 1;
  if (c < 0xC2) return 0; /* continuation byte or overlong 2-byte lead */
  if (c < 0xE0) return (n >= 2 && (s[1] & 0xC0) == 0x80) ? 2 : 0;
  if (c < 0xF0) {
    if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80) return 0;
    if (c == 0xE0 && s[1] < 0xA0) return 0;  /* overlong */
    if (c == 0xED && s[1] >= 0xA0) return 0; /* surrogate */
    return 3;
  }
  if (c < 0xF5) {
    if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80) return 0;
    if (c == 0xF0 && s[1] < 0x90) return 0;  /* overlong */
    if (c == 0xF4 && s[1] >= 0x90) return 0; /* above U+10FFFF */
    return 4;
  }
  return 0;
}

int s2s_utf8_validate(const char *s, size_t n, size_t *bad) {
  const unsigned char *u = (const unsigned char *)s;
  size_t i = 0;
  while (i < n) {
    if (u[i] < 0x80) {
      i++;
      continue;
    }
    size_t k = seq_len(u + i, n - i);
    if (!k) {
      if (bad) *bad = i;
      return -1;
    }
    i += k;
  }
  return 0;
}

size_t s2s_utf8_decode(const char *s, size_t n, uint32_t *out) {
  const unsigned char *u = (const unsigned char *)s;
  size_t i = 0, m = 0;
  while (i < n) {
    unsigned char c = u[i];
    if (c < 0x80) {
      out[m++] = c;
      i++;
    } else if (c < 0xE0 && i + 1 < n) {
      out[m++] = ((uint32_t)(c & 0x1F) << 6) | (u[i + 1] & 0x3F);
      i += 2;
    } else if (c < 0xF0 && i + 2 < n) {
      out[m++] =
          ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(u[i + 1] & 0x3F) << 6) | (u[i + 2] & 0x3F);
      i += 3;
    } else if (i + 3 < n) {
      out[m++] = ((uint32_t)(c & 0x07) << 18) | ((uint32_t)(u[i + 1] & 0x3F) << 12) |
                 ((uint32_t)(u[i + 2] & 0x3F) << 6) | (u[i + 3] & 0x3F);
      i += 4;
    } else {
      out[m++] = 0xFFFD; /* truncated: callers validate first, so this is a safety net */
      i = n;
    }
  }
  return m;
}

size_t s2s_utf8_encode(uint32_t cp, char *out) {
  unsigned char *o = (unsigned char *)out;
  if (cp < 0x80) {
    o[0] = (unsigned char)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (unsigned char)(0xC0 | (cp >> 6));
    o[1] = (unsigned char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (unsigned char)(0xE0 | (cp >> 12));
    o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (unsigned char)(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = (unsigned char)(0xF0 | (cp >> 18));
  o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
  o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
  o[3] = (unsigned char)(0x80 | (cp & 0x3F));
  return 4;
}

static int slurp(FILE *f, char **data, size_t *n) {
  size_t cap = 1 << 16, len = 0;
  char *buf = malloc(cap);
  if (!buf) return -1;
  for (;;) {
    if (cap - len < 4096) {
      char *nb = realloc(buf, cap * 2);
      if (!nb) {
        free(buf);
        return -1;
      }
      buf = nb;
      cap *= 2;
    }
    size_t got = fread(buf + len, 1, cap - len - 1, f);
    len += got;
    if (got == 0) break;
  }
  if (ferror(f)) {
    free(buf);
    return -1;
  }
  buf[len] = '\0';
  *data = buf;
  *n = len;
  return 0;
}

int s2s_text_lines_read(FILE *f, const char *name, s2s_lines_mode mode, int validate_utf8,
                        s2s_text_lines *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  size_t n = 0;
  errno = 0;
  if (slurp(f, &out->data, &n) != 0) {
    snprintf(err, errlen, "%s: read failed: %s", name, errno ? strerror(errno) : "out of memory");
    return -1;
  }
  size_t cap = 64;
  out->line = malloc(cap * sizeof *out->line);
  out->len = malloc(cap * sizeof *out->len);
  if (!out->line || !out->len) goto oom;
  char *d = out->data;
  size_t start = 0;
  while (start < n) {
    /* find the terminator of the line starting at `start` */
    size_t end = start, next;
    while (end < n && d[end] != '\n' && !(mode == S2S_LINES_UNIVERSAL && d[end] == '\r'))
      end++;
    if (end == n) {
      next = n;
      out->last_unterminated = 1;
    } else if (d[end] == '\r' && end + 1 < n && d[end + 1] == '\n') {
      next = end + 2;
    } else {
      next = end + 1;
    }
    if (out->n == cap) {
      cap *= 2;
      char **nl = realloc(out->line, cap * sizeof *nl);
      if (nl) out->line = nl;
      size_t *nn = realloc(out->len, cap * sizeof *nn);
      if (nn) out->len = nn;
      if (!nl || !nn) goto oom;
    }
    size_t bad;
    if (validate_utf8 && s2s_utf8_validate(d + start, end - start, &bad) != 0) {
      snprintf(err, errlen, "%s:%zu: invalid UTF-8 at byte %zu of the line (counting from 1): "
               "0x%02X", name, out->n + 1, bad + 1, (unsigned)(unsigned char)d[start + bad]);
      s2s_text_lines_free(out);
      return -1;
    }
    d[end] = '\0'; /* in place: the terminator byte (or the final NUL) ends the line */
    out->line[out->n] = d + start;
    out->len[out->n] = end - start;
    out->n++;
    start = next;
  }
  return 0;
oom:
  snprintf(err, errlen, "%s: out of memory", name);
  s2s_text_lines_free(out);
  return -1;
}

void s2s_text_lines_free(s2s_text_lines *t) {
  free(t->data);
  free(t->line);
  free(t->len);
  memset(t, 0, sizeof *t);
}

/* Recursive-descent JSON parser (RFC 8259; \u escapes decoded to UTF-8, surrogate pairs
 * joined) building the tree of json_read.h. Depth is capped so a hostile file cannot
 * exhaust the stack. */
#include "record/json_read.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64

typedef struct parser {
  const char *s;
  size_t n, i;
  char *err;
  size_t errlen;
  int failed;
} parser;

static void fail(parser *p, const char *fmt, ...) {
  if (p->failed) return;
  p->failed = 1;
  int line = 1;
  for (size_t k = 0; k < p->i && k < p->n; k++)
    line += p->s[k] == '\n';
  int w = snprintf(p->err, p->errlen, "line %d: ", line);
  if (w < 0 || (size_t)w >= p->errlen) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(p->err + w, p->errlen - (size_t)w, fmt, ap);
  va_end(ap);
}

static void ws(parser *p) {
  while (p->i < p->n && strchr(" \t\r\n", p->s[p->i]) && p->s[p->i])
    p->i++;
}

static void free_val(s2s_jval *v) {
  while (v) {
    s2s_jval *next = v->next;
    free_val(v->child);
    free(v->str);
    free(v->key);
    free(v);
    v = next;
  }
}

static void put_utf8(char *out, size_t *o, unsigned cp) {
  if (cp < 0x80) {
    out[(*o)++] = (char)cp;
  } else if (cp < 0x800) {
    out[(*o)++] = (char)(0xC0 | (cp >> 6));
    out[(*o)++] = (char)(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out[(*o)++] = (char)(0xE0 | (cp >> 12));
    out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[(*o)++] = (char)(0x80 | (cp & 0x3F));
  } else {
    out[(*o)++] = (char)(0xF0 | (cp >> 18));
    out[(*o)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[(*o)++] = (char)(0x80 | (cp & 0x3F));
  }
}

static int hex4(parser *p, unsigned *cp) {
  if (p->i + 4 > p->n) return -1;
  *cp = 0;
  for (int k = 0; k < 4; k++) {
    char c = p->s[p->i++];
    unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
                 : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                 : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
                                        : 16u;
    if (d > 15) return -1;
    *cp = *cp * 16 + d;
  }
  return 0;
}

/* At the opening quote; returns a malloc'd decoded string or NULL (error set). */
static char *string(parser *p) {
  p->i++;
  size_t start = p->i;
  while (p->i < p->n && p->s[p->i] != '"')
    p->i += p->s[p->i] == '\\' ? 2 : 1;
  if (p->i >= p->n) {
    fail(p, "unterminated string");
    return NULL;
  }
  char *out = malloc(p->i - start + 1); /* decoding never grows the text */
  if (!out) {
    fail(p, "out of memory");
    return NULL;
  }
  size_t end = p->i, o = 0;
  for (p->i = start; p->i < end;) {
    unsigned char c = (unsigned char)p->s[p->i++];
    if (c < 0x20) {
      fail(p, "control character in string");
      break;
    }
    if (c != '\\') {
      out[o++] = (char)c;
      continue;
    }
    char e = p->s[p->i++];
    const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
    const char *hit = e ? strchr(from, e) : NULL;
    if (hit) {
      out[o++] = to[hit - from];
      continue;
    }
    unsigned cp, lo;
    if (e != 'u' || hex4(p, &cp) != 0) {
      fail(p, "bad escape in string");
      break;
    }
    if (cp >= 0xD800 && cp < 0xDC00 && p->i + 6 <= end && p->s[p->i] == '\\' &&
        p->s[p->i + 1] == 'u') {
      p->i += 2;
      if (hex4(p, &lo) != 0 || lo < 0xDC00 || lo > 0xDFFF) {
        fail(p, "bad surrogate pair in string");
        break;
      }
      cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    }
    put_utf8(out, &o, cp);
  }
  out[o] = '\0';
  p->i = end + 1;
  if (p->failed) {
    free(out);
    return NULL;
  }
  return out;
}

/* Length of the RFC 8259 number at s[0..n): -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?,
 * 0 when there is none. strtod alone also takes 012, 1., 0x1p3, -inf and -nan. */
static size_t number_len(const char *s, size_t n) {
  size_t i = s[0] == '-', d;
  if (i < n && s[i] == '0') {
    i++;
  } else if (i < n && s[i] >= '1' && s[i] <= '9') {
    while (i < n && s[i] >= '0' && s[i] <= '9')
      i++;
  } else {
    return 0;
  }
  if (i < n && s[i] == '.') {
    d = ++i;
    while (i < n && s[i] >= '0' && s[i] <= '9')
      i++;
    if (i == d) return 0;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    i += i + 1 < n && (s[i + 1] == '+' || s[i + 1] == '-') ? 2 : 1;
    d = i;
    while (i < n && s[i] >= '0' && s[i] <= '9')
      i++;
    if (i == d) return 0;
  }
  return i;
}

static s2s_jval *value(parser *p, int depth);

static s2s_jval *container(parser *p, s2s_jval *v, int depth) {
  const char close = v->type == S2S_JOBJ ? '}' : ']';
  s2s_jval **tail = &v->child;
  p->i++;
  ws(p);
  if (p->i < p->n && p->s[p->i] == close) {
    p->i++;
    return v;
  }
  for (;;) {
    char *key = NULL;
    ws(p);
    if (v->type == S2S_JOBJ) {
      if (p->i >= p->n || p->s[p->i] != '"') {
        fail(p, "expected a member name");
        return v;
      }
      if (!(key = string(p))) return v;
      ws(p);
      if (p->i >= p->n || p->s[p->i] != ':') {
        free(key);
        fail(p, "expected ':' after member name");
        return v;
      }
      p->i++;
    }
    s2s_jval *c = value(p, depth + 1);
    if (!c) {
      free(key);
      return v;
    }
    c->key = key;
    *tail = c;
    tail = &c->next;
    v->count++;
    ws(p);
    if (p->i < p->n && p->s[p->i] == ',') {
      p->i++;
      continue;
    }
    if (p->i < p->n && p->s[p->i] == close) {
      p->i++;
      return v;
    }
    fail(p, "expected ',' or '%c'", close);
    return v;
  }
}

static s2s_jval *value(parser *p, int depth) {
  ws(p);
  if (depth > MAX_DEPTH) {
    fail(p, "nesting deeper than %d", MAX_DEPTH);
    return NULL;
  }
  if (p->i >= p->n) {
    fail(p, "unexpected end of document");
    return NULL;
  }
  s2s_jval *v = calloc(1, sizeof *v);
  if (!v) {
    fail(p, "out of memory");
    return NULL;
  }
  v->begin = p->i;
  const char c = p->s[p->i];
  if (c == '{' || c == '[') {
    v->type = c == '{' ? S2S_JOBJ : S2S_JARR;
    container(p, v, depth);
  } else if (c == '"') {
    v->type = S2S_JSTR;
    v->str = string(p);
  } else if (!strncmp(p->s + p->i, "true", 4) || !strncmp(p->s + p->i, "false", 5)) {
    v->type = S2S_JBOOL;
    v->num = c == 't';
    p->i += c == 't' ? 4 : 5;
  } else if (!strncmp(p->s + p->i, "null", 4)) {
    v->type = S2S_JNULL;
    p->i += 4;
  } else if (c == '-' || (c >= '0' && c <= '9')) {
    char *end;
    errno = 0;
    v->type = S2S_JNUM;
    v->num = strtod(p->s + p->i, &end);
    const size_t len = number_len(p->s + p->i, p->n - p->i);
    if (!len || end != p->s + p->i + len) fail(p, "bad number");
    p->i = (size_t)(end - p->s);
  } else {
    fail(p, "unexpected character '%c'", c);
  }
  v->end = p->i;
  if (p->failed) {
    free_val(v);
    return NULL;
  }
  return v;
}

int s2s_jdoc_parse(s2s_jdoc *d, const char *text, size_t len, char *err, size_t errlen) {
  memset(d, 0, sizeof *d);
  if (!(d->text = malloc(len + 1))) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  memcpy(d->text, text, len);
  d->text[len] = '\0'; /* strtod stops at the terminator */
  d->len = len;
  parser p = {.s = d->text, .n = len, .err = err, .errlen = errlen};
  d->root = value(&p, 0);
  ws(&p);
  if (d->root && p.i < p.n) fail(&p, "text after the document");
  if (p.failed) {
    s2s_jdoc_free(d);
    return -1;
  }
  return 0;
}

int s2s_jdoc_load(s2s_jdoc *d, const char *path, char *err, size_t errlen) {
  memset(d, 0, sizeof *d);
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return -1;
  }
  size_t cap = 1 << 16, n = 0, got;
  char *buf = malloc(cap);
  while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) {
      char *b2 = realloc(buf, cap *= 2);
      if (!b2) free(buf);
      buf = b2;
    }
  }
  fclose(f);
  if (!buf) {
    snprintf(err, errlen, "%s: out of memory", path);
    return -1;
  }
  char why[256];
  int rc = s2s_jdoc_parse(d, buf, n, why, sizeof why);
  if (rc) snprintf(err, errlen, "%s: %s", path, why);
  free(buf);
  return rc;
}

void s2s_jdoc_free(s2s_jdoc *d) {
  free_val(d->root);
  free(d->text);
  memset(d, 0, sizeof *d);
}

const s2s_jval *s2s_jat(const s2s_jval *v, size_t i) {
  if (!v || (v->type != S2S_JARR && v->type != S2S_JOBJ)) return NULL;
  const s2s_jval *c = v->child;
  while (c && i--)
    c = c->next;
  return c;
}

const s2s_jval *s2s_jget(const s2s_jval *v, const char *path) {
  while (v && path && *path) {
    const char *dot = strchr(path, '.');
    size_t len = dot ? (size_t)(dot - path) : strlen(path);
    const s2s_jval *c = NULL;
    if (v->type == S2S_JOBJ) {
      for (c = v->child; c && (strlen(c->key) != len || strncmp(c->key, path, len)); c = c->next)
        ;
    } else if (v->type == S2S_JARR) {
      char *end;
      unsigned long idx = strtoul(path, &end, 10);
      if (end == path + len) c = s2s_jat(v, idx);
    }
    v = c;
    path = dot ? dot + 1 : NULL;
  }
  return v;
}

double s2s_jnum(const s2s_jval *v, const char *path, double dflt) {
  const s2s_jval *x = s2s_jget(v, path);
  return x && (x->type == S2S_JNUM || x->type == S2S_JBOOL) ? x->num : dflt;
}

const char *s2s_jstr(const s2s_jval *v, const char *path, const char *dflt) {
  const s2s_jval *x = s2s_jget(v, path);
  return x && x->type == S2S_JSTR ? x->str : dflt;
}

void s2s_jcopy(const s2s_jdoc *d, const s2s_jval *v, FILE *f) {
  if (v)
    fwrite(d->text + v->begin, 1, v->end - v->begin, f);
  else
    fputs("null", f);
}

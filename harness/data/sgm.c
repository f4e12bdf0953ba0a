/* SGM and plain-text test sets (sgm.h). One forward scan over the bytes: tags are found by
 * '<', only doc and seg matter, and a segment's text runs to its "</seg>". Line numbers for
 * messages come from a counter that follows the scan, so the whole parse is linear. */
#include "data/sgm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "text/utf8.h"

typedef struct scan {
  const char *s, *name;
  size_t n;
  size_t line_pos; /* line_no counts the newlines before line_pos */
  long line_no;
  char *err;
  size_t errlen;
} scan;

static long line_at(scan *c, size_t pos) {
  if (pos < c->line_pos) c->line_pos = 0, c->line_no = 1; /* never happens in a forward scan */
  for (; c->line_pos < pos && c->line_pos < c->n; c->line_pos++)
    c->line_no += c->s[c->line_pos] == '\n';
  return c->line_no;
}

static int push(s2s_segments *o, size_t *cap, char *text, char *id, char *doc) {
  if (!text || !id || !doc) return free(text), free(id), free(doc), -1;
  if (o->n == *cap) {
    size_t c = *cap ? 2 * *cap : 256;
    char **t = realloc(o->text, c * sizeof *t);
    if (t) o->text = t;
    char **i = realloc(o->id, c * sizeof *i);
    if (i) o->id = i;
    char **d = realloc(o->doc, c * sizeof *d);
    if (d) o->doc = d;
    if (!t || !i || !d) return free(text), free(id), free(doc), -1;
    *cap = c;
  }
  o->text[o->n] = text, o->id[o->n] = id, o->doc[o->n] = doc;
  o->n++;
  return 0;
}

static char *dup_n(const char *s, size_t n) {
  char *p = malloc(n + 1);
  if (p) memcpy(p, s, n), p[n] = '\0';
  return p;
}

/* Unescapes s[0..n) into a new string: entities, CR/LF/tab -> space, ends trimmed. */
static char *unescape(const char *s, size_t n) {
  char *o = malloc(n + 1);
  if (!o) return NULL;
  size_t k = 0;
  for (size_t i = 0; i < n;) {
    if (s[i] == '&') {
      static const struct {
        const char *e;
        char c;
      } named[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
      int done = 0;
      for (int j = 0; j < 5 && !done; j++) {
        size_t l = strlen(named[j].e);
        if (n - i >= l && !memcmp(s + i, named[j].e, l)) o[k++] = named[j].c, i += l, done = 1;
      }
      if (!done && n - i >= 4 && s[i + 1] == '#') {
        int hex = s[i + 2] == 'x' || s[i + 2] == 'X';
        size_t j = i + 2 + hex;
        unsigned long cp = 0;
        int digits = 0;
        for (; j < n && digits < 8; j++, digits++) {
          int d = s[j] >= '0' && s[j] <= '9'                        ? s[j] - '0'
                  : hex && (s[j] | 32) >= 'a' && (s[j] | 32) <= 'f' ? (s[j] | 32) - 'a' + 10
                                                                    : -1;
          if (d < 0) break;
          cp = cp * (hex ? 16 : 10) + (unsigned long)d;
        }
        if (digits && j < n && s[j] == ';' && cp > 0 && cp <= 0x10FFFF &&
            !(cp >= 0xD800 && cp <= 0xDFFF)) {
          if (cp == '\n' || cp == '\r' || cp == '\t') /* "&#10;": a segment stays one line */
            o[k++] = ' ';
          else
            k += s2s_utf8_encode((uint32_t)cp, o + k); /* <= bytes of "&#N;" */
          i = j + 1;
          done = 1;
        }
      }
      if (done) continue;
    }
    char c = s[i++];
    o[k++] = c == '\n' || c == '\r' || c == '\t' ? ' ' : c;
  }
  size_t a = 0;
  while (a < k && o[a] == ' ')
    a++;
  while (k > a && o[k - 1] == ' ')
    k--;
  memmove(o, o + a, k - a);
  o[k - a] = '\0';
  return o;
}

/* The value of attribute `want` in the tag body s[0..n) (after the tag name), or "". */
static char *attribute(const char *s, size_t n, const char *want) {
  size_t i = 0;
  while (i < n) {
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' || s[i] == '/'))
      i++;
    size_t a = i;
    while (i < n && s[i] != '=' && s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
      i++;
    size_t an = i - a;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
      i++;
    if (i >= n || s[i] != '=') {
      if (i == a) i++; /* stray byte: move on */
      continue;
    }
    i++;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
      i++;
    size_t v = i, vn;
    if (i < n && (s[i] == '"' || s[i] == '\'')) {
      const char q = s[i++];
      v = i;
      while (i < n && s[i] != q)
        i++;
      vn = i - v;
      if (i < n) i++;
    } else {
      while (i < n && s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
        i++;
      vn = i - v;
    }
    if (an == strlen(want) && !strncasecmp(s + a, want, an)) return unescape(s + v, vn);
  }
  return dup_n("", 0);
}

/* Is s[i..n) the tag "<name" followed by whitespace, '>' or '/'? */
static int tag_is(const char *s, size_t n, size_t i, const char *name) {
  size_t l = strlen(name);
  if (n - i < l + 2 || s[i] != '<' || strncasecmp(s + i + 1, name, l)) return 0;
  char c = s[i + 1 + l];
  return c == '>' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '/';
}

#define FAIL(pos, ...)                                                                             \
  do {                                                                                             \
    int k_ = snprintf(err, errlen, "%s:%ld: ", name, line_at(&c, pos));                            \
    if (k_ >= 0 && (size_t)k_ < errlen) snprintf(err + k_, errlen - (size_t)k_, __VA_ARGS__);      \
    goto fail;                                                                                     \
  } while (0)

int s2s_sgm_parse(const char *s, size_t n, const char *name, s2s_segments *out, char *err,
                  size_t errlen) {
  memset(out, 0, sizeof *out);
  scan c = {.s = s, .name = name, .n = n, .line_no = 1};
  size_t cap = 0, bad;
  char *doc = dup_n("", 0);
  if (!doc) FAIL(0, "out of memory");
  if (s2s_utf8_validate(s, n, &bad) != 0) FAIL(bad, "invalid UTF-8");
  const char *nul = memchr(s, 0, n);
  if (nul) FAIL((size_t)(nul - s), "NUL byte");
  for (size_t i = 0; i < n;) {
    const char *lt = memchr(s + i, '<', n - i);
    if (!lt) break;
    i = (size_t)(lt - s);
    const char *gt = memchr(s + i, '>', n - i);
    if (!gt) FAIL(i, "tag without '>'");
    const size_t end = (size_t)(gt - s) + 1; /* just after the tag */
    if (tag_is(s, n, i, "doc")) {
      free(doc);
      if (!(doc = attribute(s + i + 4, end - 1 - (i + 4), "docid"))) FAIL(i, "out of memory");
    } else if (tag_is(s, n, i, "/doc")) {
      doc[0] = '\0';
    } else if (tag_is(s, n, i, "seg")) {
      size_t j = end, close = n;
      for (const char *p; j < n && (p = memchr(s + j, '<', n - j)); j = (size_t)(p - s) + 1) {
        const size_t at = (size_t)(p - s);
        if (tag_is(s, n, at, "/seg")) {
          close = at;
          break;
        }
        if (tag_is(s, n, at, "seg")) FAIL(at, "<seg> inside the <seg> of line %ld", line_at(&c, i));
      }
      if (close == n) FAIL(i, "<seg> is never closed (no </seg>)");
      char *id = attribute(s + i + 4, end - 1 - (i + 4), "id");
      if (push(out, &cap, unescape(s + end, close - end), id, dup_n(doc, strlen(doc))) != 0)
        FAIL(i, "out of memory");
      const char *cg = memchr(s + close, '>', n - close);
      if (!cg) FAIL(close, "tag without '>'");
      i = (size_t)(cg - s) + 1;
      continue;
    } else if (tag_is(s, n, i, "/seg")) {
      FAIL(i, "</seg> without a <seg>");
    }
    i = end;
  }
  free(doc);
  return 0;
fail:
  free(doc);
  s2s_segments_free(out);
  return -1;
}

static int slurp(const char *path, char **data, size_t *n, char *err, size_t errlen) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
    return -1;
  }
  size_t cap = 1 << 16, len = 0, got;
  char *b = malloc(cap);
  while (b && (got = fread(b + len, 1, cap - len, f)) > 0) {
    len += got;
    if (len == cap) {
      char *nb = realloc(b, cap *= 2);
      if (!nb) free(b);
      b = nb;
    }
  }
  int bad = !b || ferror(f);
  fclose(f);
  if (bad) {
    free(b);
    snprintf(err, errlen, "cannot read '%s'", path);
    return -1;
  }
  *data = b, *n = len;
  return 0;
}

int s2s_sgm_read(const char *path, s2s_segments *out, char *err, size_t errlen) {
  char *d;
  size_t n;
  memset(out, 0, sizeof *out);
  if (slurp(path, &d, &n, err, errlen) != 0) return -1;
  int rc = s2s_sgm_parse(d, n, path, out, err, errlen);
  free(d);
  return rc;
}

int s2s_segments_read(const char *path, s2s_segments *out, int *is_sgm, char *err, size_t errlen) {
  char *d;
  size_t n, i = 0;
  memset(out, 0, sizeof *out);
  if (slurp(path, &d, &n, err, errlen) != 0) return -1;
  while (i < n && (d[i] == ' ' || d[i] == '\t' || d[i] == '\r' || d[i] == '\n'))
    i++;
  int sgm = 0;
  for (size_t j = i; i < n && d[i] == '<' && j < n && !sgm; j++)
    sgm = tag_is(d, n, j, "seg");
  if (is_sgm) *is_sgm = sgm;
  int rc;
  if (sgm) {
    rc = s2s_sgm_parse(d, n, path, out, err, errlen);
    free(d);
    return rc;
  }
  free(d);
  FILE *f = fopen(path, "rb");
  s2s_text_lines t;
  rc = f ? s2s_text_lines_read(f, path, S2S_LINES_LF, 1, &t, err, errlen) : -1;
  if (f) fclose(f);
  if (rc != 0) {
    if (!f) snprintf(err, errlen, "cannot read '%s'", path);
    return -1;
  }
  size_t cap = 0;
  for (size_t k = 0; k < t.n; k++) {
    size_t len = t.len[k];
    if (len && t.line[k][len - 1] == '\r') len--;
    if (memchr(t.line[k], 0, len)) {
      snprintf(err, errlen, "%s:%zu: NUL byte", path, k + 1);
      rc = -1;
      break;
    }
    char num[24];
    snprintf(num, sizeof num, "%zu", k + 1);
    if ((rc = push(out, &cap, dup_n(t.line[k], len), dup_n(num, strlen(num)), dup_n("", 0)))) {
      snprintf(err, errlen, "out of memory");
      break;
    }
  }
  s2s_text_lines_free(&t);
  if (rc) s2s_segments_free(out);
  return rc;
}

void s2s_segments_free(s2s_segments *s) {
  for (size_t i = 0; i < s->n; i++)
    free(s->text[i]), free(s->id[i]), free(s->doc[i]);
  free(s->text);
  free(s->id);
  free(s->doc);
  memset(s, 0, sizeof *s);
}

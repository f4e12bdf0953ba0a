/* .mo parser (see mo_reader.h). Layout per gettext's gmo.h: a 28-byte header (magic,
 * revision, N, offset of the original-string table, offset of the translation table, hash
 * size and offset), tables of (length, offset) pairs, NUL-terminated strings; revision 0.1
 * adds 20 header bytes describing system-dependent strings. The hash table is not used. */
#include "corpus/mo_reader.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MO_MAGIC 0x950412deu
#define SEGMENTS_END 0xffffffffu

typedef struct {
  const uint8_t *d;
  size_t size;
  int be;
  char *err;
  size_t errlen;
} reader;

static int fail(reader *r, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  if (r->errlen) vsnprintf(r->err, r->errlen, fmt, ap);
  va_end(ap);
  return -1;
}

/* 32-bit word at byte offset off; the caller has checked off + 4 <= size */
static uint32_t word(const reader *r, uint64_t off) {
  const uint8_t *p = r->d + off;
  if (r->be) return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
  return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static int need(reader *r, uint64_t off, uint64_t len, const char *what) {
  if (off > r->size || len > r->size - off)
    return fail(r, "%s at offset %llu length %llu runs past the end of the file (%zu bytes)", what,
                (unsigned long long)off, (unsigned long long)len, r->size);
  return 0;
}

/* String i of the table at tab: (length, offset) pair, then the bytes. */
static int table_string(reader *r, uint32_t tab, uint32_t i, const char *which, s2s_mo_str *s) {
  char what[64];
  uint64_t at = (uint64_t)tab + 8ull * i;
  snprintf(what, sizeof what, "%s table entry %u", which, i);
  if (need(r, at, 8, what)) return -1;
  uint32_t len = word(r, at), off = word(r, at + 4);
  snprintf(what, sizeof what, "%s string %u", which, i);
  if (need(r, off, len, what)) return -1;
  s->p = (const char *)r->d + off;
  s->n = len;
  return 0;
}

/* Splits "ctx\x04id\0id_plural" into the entry's fields. */
static void split_id(s2s_mo_str raw, s2s_mo_entry *e) {
  const char *eot = memchr(raw.p, '\x04', raw.n);
  if (eot) {
    e->ctx = (s2s_mo_str){raw.p, (size_t)(eot - raw.p)};
    raw.n -= (size_t)(eot - raw.p) + 1;
    raw.p = eot + 1;
  }
  const char *nul = memchr(raw.p, '\0', raw.n);
  if (nul) {
    e->id = (s2s_mo_str){raw.p, (size_t)(nul - raw.p)};
    e->id_plural = (s2s_mo_str){nul + 1, raw.n - (size_t)(nul - raw.p) - 1};
    const char *nul2 = memchr(e->id_plural.p, '\0', e->id_plural.n); /* extra forms: ignore */
    if (nul2) e->id_plural.n = (size_t)(nul2 - e->id_plural.p);
  } else {
    e->id = raw;
  }
}

static uint32_t count_forms(s2s_mo_str s) {
  uint32_t k = 1;
  for (size_t i = 0; i < s.n; i++)
    k += s.p[i] == '\0';
  return k;
}

/* "PRIu64" -> "lu" as <inttypes.h> on LP64 Linux; "I" -> "I" (glibc's locale digits flag);
 * anything else -> "<NAME>" as it was written in the .po file. */
static size_t sysdep_expand(s2s_mo_str name, char out[80]) {
  if (name.n == 1 && name.p[0] == 'I') return (size_t)snprintf(out, 80, "I");
  if (name.n >= 4 && name.n < 60 && !memcmp(name.p, "PRI", 3) && strchr("diouxX", name.p[3])) {
    static const char *longs[] = {"64", "MAX", "PTR", "FAST16", "FAST32", "FAST64", "LEAST64"};
    int is_long = 0;
    for (size_t i = 0; i < sizeof longs / sizeof *longs; i++)
      is_long |= name.n - 4 == strlen(longs[i]) && !memcmp(name.p + 4, longs[i], name.n - 4);
    return (size_t)snprintf(out, 80, "%s%c", is_long ? "l" : "", name.p[3]);
  }
  return (size_t)snprintf(out, 80, "<%.*s>", (int)(name.n < 60 ? name.n : 60), name.p);
}

/* Builds sysdep string k of table tab into buf (when buf != NULL); returns its length or
 * -1 on a bounds error. Called twice: once to size, once to fill. */
static long long sysdep_string(reader *r, uint32_t tab, uint32_t k, const char *which,
                               uint32_t nseg, uint32_t segtab, char *buf) {
  char what[64];
  snprintf(what, sizeof what, "%s sysdep string %u", which, k);
  uint64_t at = (uint64_t)tab + 4ull * k;
  if (need(r, at, 4, what)) return -1;
  uint64_t desc = word(r, at);
  if (need(r, desc, 4, what)) return -1;
  uint64_t src = word(r, desc), len = 0;
  for (uint64_t p = desc + 4;; p += 8) {
    if (need(r, p, 8, what)) return -1;
    uint32_t segsize = word(r, p), ref = word(r, p + 4);
    if (need(r, src, segsize, what)) return -1;
    if (buf) memcpy(buf + len, r->d + src, segsize);
    src += segsize, len += segsize;
    if (ref == SEGMENTS_END) break;
    if (ref >= nseg) return fail(r, "%s refers to segment %u of %u", what, ref, nseg);
    uint64_t sat = (uint64_t)segtab + 8ull * ref;
    if (need(r, sat, 8, "sysdep segment table")) return -1;
    s2s_mo_str name = {(const char *)r->d + word(r, sat + 4), word(r, sat)};
    if (need(r, word(r, sat + 4), name.n, "sysdep segment name")) return -1;
    while (name.n && name.p[name.n - 1] == '\0')
      name.n--;
    char exp[80];
    size_t m = sysdep_expand(name, exp);
    if (buf) memcpy(buf + len, exp, m);
    len += m;
    if (len > r->size * 4 + 4096) return fail(r, "%s expands beyond any sane size", what);
  }
  if (buf && len && buf[len - 1] == '\0') len--; /* segments carry the terminating NUL */
  return (long long)len;
}

static void parse_header(s2s_mo_catalog *cat, s2s_mo_str h) {
  char tmp[1024];
  size_t n = h.n < sizeof tmp - 1 ? h.n : sizeof tmp - 1;
  memcpy(tmp, h.p, n);
  tmp[n] = '\0';
  for (size_t i = 0; i < n; i++)
    tmp[i] = tmp[i] == '\0' ? ' ' : tmp[i];
  const char *cs = strstr(tmp, "charset=");
  if (cs) {
    cs += 8;
    size_t k = 0;
    while (cs[k] && cs[k] != '\n' && cs[k] != ';' && cs[k] != ' ' && k < sizeof cat->charset - 1)
      cat->charset[k] = cs[k], k++;
    cat->charset[k] = '\0';
  }
  const char *np = strstr(tmp, "nplurals=");
  if (np) {
    np += 9;
    while (*np == ' ')
      np++;
    int v = 0;
    while (*np >= '0' && *np <= '9' && v < 1000)
      v = v * 10 + (*np++ - '0');
    cat->nplurals = v;
  }
}

int s2s_mo_parse(const void *data, size_t size, s2s_mo_catalog *cat, char *err, size_t errlen) {
  memset(cat, 0, sizeof *cat);
  if (errlen) err[0] = '\0';
  reader r = {data, size, 0, err, errlen};
  if (size < 28) return fail(&r, "too short for a .mo header (%zu bytes, need 28)", size);
  if (word(&r, 0) != MO_MAGIC) {
    r.be = 1;
    if (word(&r, 0) != MO_MAGIC) return fail(&r, "not a .mo file (bad magic number)");
  }
  uint32_t rev = word(&r, 4), n = word(&r, 8), otab = word(&r, 12), ttab = word(&r, 16);
  if (rev >> 16) return fail(&r, "unsupported major revision %u", rev >> 16);
  uint32_t nseg = 0, segtab = 0, nsys = 0, osys = 0, tsys = 0;
  if (rev > 0) {
    if (size < 48) return fail(&r, "revision %u header needs 48 bytes, file has %zu", rev, size);
    nseg = word(&r, 28), segtab = word(&r, 32), nsys = word(&r, 36);
    osys = word(&r, 40), tsys = word(&r, 44);
  }
  if (need(&r, otab, 8ull * n, "original-string table") ||
      need(&r, ttab, 8ull * n, "translation table") ||
      need(&r, segtab, 8ull * nseg, "sysdep segment table") ||
      need(&r, osys, 4ull * nsys, "sysdep original table") ||
      need(&r, tsys, 4ull * nsys, "sysdep translation table"))
    return -1;
  /* copy so the catalog owns its strings; +1 keeps a NUL after the last byte */
  cat->data = malloc(size + 1);
  cat->entries = calloc((size_t)n + nsys + 1, sizeof *cat->entries);
  if (!cat->data || !cat->entries) {
    s2s_mo_free(cat);
    return fail(&r, "out of memory for %zu bytes", size);
  }
  memcpy(cat->data, data, size);
  cat->data[size] = '\0';
  cat->size = size;
  r.d = (const uint8_t *)cat->data;
  cat->big_endian = r.be;
  cat->revision = rev;
  for (uint32_t i = 0; i < n; i++) {
    s2s_mo_str id, str;
    if (table_string(&r, otab, i, "original", &id) ||
        table_string(&r, ttab, i, "translation", &str)) {
      s2s_mo_free(cat);
      return -1;
    }
    s2s_mo_entry *e = &cat->entries[cat->n++];
    split_id(id, e);
    e->str = str;
    e->nstr = count_forms(str);
    e->index = i;
  }
  if (nsys) { /* two passes over the sysdep tables: size, then fill */
    uint64_t total = 0;
    for (uint32_t k = 0; k < nsys; k++) {
      long long a = sysdep_string(&r, osys, k, "original", nseg, segtab, NULL);
      long long b = a < 0 ? -1 : sysdep_string(&r, tsys, k, "translation", nseg, segtab, NULL);
      if (b < 0) {
        s2s_mo_free(cat);
        return -1;
      }
      total += (uint64_t)a + (uint64_t)b;
    }
    cat->sysdep_buf = malloc(total + 1);
    if (!cat->sysdep_buf) {
      s2s_mo_free(cat);
      return fail(&r, "out of memory for sysdep strings");
    }
    char *w = cat->sysdep_buf;
    for (uint32_t k = 0; k < nsys; k++) {
      long long a = sysdep_string(&r, osys, k, "original", nseg, segtab, w);
      s2s_mo_str id = {w, (size_t)a};
      w += a;
      long long b = sysdep_string(&r, tsys, k, "translation", nseg, segtab, w);
      s2s_mo_str str = {w, (size_t)b};
      w += b;
      s2s_mo_entry *e = &cat->entries[cat->n++];
      split_id(id, e);
      e->str = str;
      e->nstr = count_forms(str);
      e->index = n + k;
      e->sysdep = 1;
    }
  }
  for (size_t i = 0; i < cat->n; i++)
    if (!cat->entries[i].ctx.p && cat->entries[i].id.n == 0) {
      parse_header(cat, cat->entries[i].str);
      break;
    }
  return 0;
}

int s2s_mo_read_file(const char *path, s2s_mo_catalog *cat, char *err, size_t errlen) {
  memset(cat, 0, sizeof *cat);
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
    return -1;
  }
  size_t cap = 1 << 16, n = 0, got;
  char *buf = malloc(cap);
  while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) {
      char *nb = cap < ((size_t)1 << 31) ? realloc(buf, cap * 2) : NULL;
      if (!nb) free(buf);
      buf = nb;
      cap *= 2;
    }
  }
  int bad = !buf || ferror(f);
  fclose(f);
  if (bad) {
    free(buf);
    snprintf(err, errlen, "%s: cannot read (or larger than 2 GiB)", path);
    return -1;
  }
  char msg[400];
  int rc = s2s_mo_parse(buf, n, cat, msg, sizeof msg);
  free(buf);
  if (rc) snprintf(err, errlen, "%s: %s", path, msg);
  return rc;
}

void s2s_mo_free(s2s_mo_catalog *cat) {
  free(cat->data);
  free(cat->entries);
  free(cat->sysdep_buf);
  memset(cat, 0, sizeof *cat);
}

s2s_mo_str s2s_mo_form(s2s_mo_str s, uint32_t k) {
  const char *p = s.p, *end = s.p + s.n;
  for (uint32_t i = 0; i < k; i++) {
    const char *nul = memchr(p, '\0', (size_t)(end - p));
    if (!nul) return (s2s_mo_str){end, 0};
    p = nul + 1;
  }
  const char *nul = memchr(p, '\0', (size_t)(end - p));
  return (s2s_mo_str){p, nul ? (size_t)(nul - p) : (size_t)(end - p)};
}

int s2s_mo_pairs(const s2s_mo_catalog *cat, s2s_mo_pair **pairs, size_t *n, s2s_mo_counts *counts) {
  *pairs = malloc((2 * cat->n + 1) * sizeof **pairs);
  *n = 0;
  if (!*pairs) return -1;
  for (size_t i = 0; i < cat->n; i++) {
    const s2s_mo_entry *e = &cat->entries[i];
    if (!e->ctx.p && e->id.n == 0) {
      counts->header++;
      continue;
    }
    counts->entries++;
    counts->with_context += e->ctx.p != NULL;
    counts->sysdep += e->sysdep;
    s2s_mo_str fr0 = s2s_mo_form(e->str, 0);
    if (e->id.n && fr0.n)
      (*pairs)[(*n)++] = (s2s_mo_pair){e->ctx, e->id, fr0, e->index, 0};
    else
      counts->untranslated++;
    if (!e->id_plural.p) continue;
    s2s_mo_str fr1 = e->nstr > 1 ? s2s_mo_form(e->str, 1) : (s2s_mo_str){NULL, 0};
    if (e->id_plural.n && fr1.n) {
      (*pairs)[(*n)++] = (s2s_mo_pair){e->ctx, e->id_plural, fr1, e->index, 1};
      counts->plural_extra++;
    } else {
      counts->untranslated++;
    }
  }
  return 0;
}

/* .mo reader against catalogs msgfmt wrote (tests/fixtures/mo: little and big endian,
 * context, plurals, a system-dependent string, Latin-1) and against broken input: every
 * truncation of a real catalog, bad magic, bad revision, offsets past the end, and catalogs
 * built here byte by byte (empty translations, a missing plural form). */
#include "corpus/mo_reader.h"
#include "test_util.h"

static const char *src_dir(void) {
  const char *d = getenv("S2S_SOURCE_DIR");
  return d ? d : ".";
}

static int str_is(s2s_mo_str s, const char *want) {
  return s.p && s.n == strlen(want) && memcmp(s.p, want, s.n) == 0;
}

static char *slurp(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = malloc(1 << 16);
  *n = fread(buf, 1, 1 << 16, f);
  fclose(f);
  return buf;
}

/* The five pairs of basic.po, in the order msgfmt sorts entries (by msgid bytes). */
static void check_basic(const char *file, int want_be) {
  char path[1024], err[512];
  snprintf(path, sizeof path, "%s/tests/fixtures/mo/%s", src_dir(), file);
  s2s_mo_catalog cat;
  int rc = s2s_mo_read_file(path, &cat, err, sizeof err);
  T_CHECK(rc == 0, "%s: %s", file, err);
  if (rc) return;
  T_CHECK(cat.big_endian == want_be, "%s: big_endian %d", file, cat.big_endian);
  T_CHECK(cat.n == 5, "%s: %zu entries (header + 4; untranslated and fuzzy are not in a .mo)", file,
          cat.n);
  T_CHECK(strcmp(cat.charset, "UTF-8") == 0, "%s: charset '%s'", file, cat.charset);
  T_CHECK(cat.nplurals == 2, "%s: nplurals %d", file, cat.nplurals);
  s2s_mo_pair *p;
  size_t n;
  s2s_mo_counts k = {0};
  T_CHECK(s2s_mo_pairs(&cat, &p, &n, &k) == 0, "pairs");
  T_CHECK(n == 5, "%s: %zu pairs (4 entries, one plural giving two)", file, n);
  T_CHECK(k.header == 1 && k.entries == 4 && k.with_context == 2 && k.plural_extra == 1 &&
              k.untranslated == 0,
          "%s: counts header %zu entries %zu ctx %zu plural %zu untranslated %zu", file, k.header,
          k.entries, k.with_context, k.plural_extra, k.untranslated);
  int seen = 0;
  for (size_t i = 0; i < n; i++) {
    if (str_is(p[i].en, "%d file was removed")) {
      seen |= 1;
      T_CHECK(p[i].form == 0 && str_is(p[i].fr, "%d fichier a été supprimé"), "singular");
    } else if (str_is(p[i].en, "%d files were removed")) {
      seen |= 2;
      T_CHECK(p[i].form == 1 && str_is(p[i].fr, "%d fichiers ont été supprimés"), "plural");
    } else if (str_is(p[i].en, "Open the file") && !p[i].ctx.p) {
      seen |= 4;
      T_CHECK(str_is(p[i].fr, "Ouvrir le fichier"), "no context");
    } else if (str_is(p[i].en, "Open the file")) {
      seen |= 8;
      T_CHECK(str_is(p[i].ctx, "verb") && str_is(p[i].fr, "Ouvre le fichier"), "verb context");
    } else if (str_is(p[i].en, "Open")) {
      seen |= 16;
      T_CHECK(str_is(p[i].ctx, "menu") && str_is(p[i].fr, "Ouvrir"), "menu context");
    }
  }
  T_CHECK(seen == 31, "%s: pairs seen mask %d, want 31", file, seen);
  free(p);
  /* every truncation short of the final NUL must fail with a message, never crash */
  size_t size;
  char *data = slurp(path, &size);
  for (size_t cut = 0; data && cut + 1 < size; cut++) {
    s2s_mo_catalog t;
    err[0] = '\0';
    rc = s2s_mo_parse(data, cut, &t, err, sizeof err);
    T_CHECK(rc == -1 && err[0], "%s cut to %zu bytes: rc %d", file, cut, rc);
    if (rc == 0) s2s_mo_free(&t);
  }
  free(data);
  s2s_mo_free(&cat);
}

static void put32le(unsigned char *w, uint32_t v) {
  for (int i = 0; i < 4; i++)
    w[i] = (unsigned char)(v >> (8 * i));
}

/* A little-endian revision-0 catalog from (msgid, msgstr) byte strings of given lengths. */
static size_t build_mo(unsigned char *out, int n, const char *const *id, const size_t *idn,
                       const char *const *str, const size_t *strn) {
  size_t at = 28 + 16 * (size_t)n;
  unsigned char *w = out;
  uint32_t head[7] = {0x950412de, 0, (uint32_t)n, 28, 28 + 8 * (uint32_t)n, 0, 0};
  for (int i = 0; i < 7; i++)
    put32le(w + 4 * i, head[i]);
  for (int t = 0; t < 2; t++)
    for (int i = 0; i < n; i++) {
      uint32_t len = (uint32_t)(t ? strn[i] : idn[i]), off = (uint32_t)at;
      put32le(w + 28 + 8 * (size_t)(t * n + i), len);
      put32le(w + 32 + 8 * (size_t)(t * n + i), off);
      memcpy(w + at, t ? str[i] : id[i], len);
      w[at + len] = 0;
      at += len + 1;
    }
  return at;
}

int main(void) {
  check_basic("basic-le.mo", 0);
  check_basic("basic-be.mo", 1);

  char path[1024], err[512];
  s2s_mo_catalog cat;
  snprintf(path, sizeof path, "%s/tests/fixtures/mo/sysdep.mo", src_dir());
  T_CHECK(s2s_mo_read_file(path, &cat, err, sizeof err) == 0, "sysdep: %s", err);
  T_CHECK(cat.revision == 1, "sysdep: revision %u", cat.revision);
  int found = 0;
  for (size_t i = 0; i < cat.n; i++)
    if (cat.entries[i].sysdep) {
      found++;
      T_CHECK(str_is(cat.entries[i].id, "read %lu bytes from %s"), "sysdep msgid '%.*s'",
              (int)cat.entries[i].id.n, cat.entries[i].id.p);
      T_CHECK(str_is(cat.entries[i].str, "%lu octets lus depuis %s"), "sysdep msgstr '%.*s'",
              (int)cat.entries[i].str.n, cat.entries[i].str.p);
    }
  T_CHECK(found == 1, "sysdep entries: %d", found);
  size_t size;
  char *data = slurp(path, &size);
  for (size_t cut = 0; data && cut + 1 < size; cut++) {
    s2s_mo_catalog t;
    int rc = s2s_mo_parse(data, cut, &t, err, sizeof err);
    T_CHECK(rc == -1, "sysdep cut to %zu bytes parsed", cut);
    if (rc == 0) s2s_mo_free(&t);
  }
  free(data);
  s2s_mo_free(&cat);

  snprintf(path, sizeof path, "%s/tests/fixtures/mo/latin1.mo", src_dir());
  T_CHECK(s2s_mo_read_file(path, &cat, err, sizeof err) == 0, "latin1: %s", err);
  T_CHECK(strcmp(cat.charset, "ISO-8859-1") == 0, "latin1 charset '%s'", cat.charset);
  for (size_t i = 0; i < cat.n; i++)
    if (cat.entries[i].id.n)
      T_CHECK(str_is(cat.entries[i].str, "Le fichier a \xe9t\xe9 supprim\xe9"), "latin1 bytes");
  s2s_mo_free(&cat);

  /* a truncated copy on disk: the message names the file and the problem */
  snprintf(path, sizeof path, "%s/tests/fixtures/mo/basic-le.mo", src_dir());
  data = slurp(path, &size);
  char tpath[] = "/tmp/s2s_mo_trunc_XXXXXX";
  int fd = mkstemp(tpath);
  FILE *f = fdopen(fd, "wb");
  fwrite(data, 1, size - 40, f);
  fclose(f);
  T_CHECK(s2s_mo_read_file(tpath, &cat, err, sizeof err) == -1, "truncated file parsed");
  T_CHECK(strstr(err, tpath) && strstr(err, "past the end"), "message: %s", err);
  remove(tpath);
  T_CHECK(s2s_mo_read_file("/nonexistent/x.mo", &cat, err, sizeof err) == -1 &&
              strstr(err, "/nonexistent/x.mo"),
          "missing file: %s", err);

  /* header corruption */
  unsigned char bad[4096];
  T_CHECK(size <= sizeof bad, "fixture too large");
  memcpy(bad, data, size);
  bad[0] ^= 0xff;
  T_CHECK(s2s_mo_parse(bad, size, &cat, err, sizeof err) == -1 && strstr(err, "magic"), "%s", err);
  memcpy(bad, data, size);
  bad[6] = 2; /* major revision 2 (little endian: bytes 6-7 are the high half) */
  T_CHECK(s2s_mo_parse(bad, size, &cat, err, sizeof err) == -1 && strstr(err, "revision"), "%s",
          err);
  memcpy(bad, data, size);
  bad[11] = 0x7f; /* N = 2^30 + ...: tables run past the end */
  T_CHECK(s2s_mo_parse(bad, size, &cat, err, sizeof err) == -1 && strstr(err, "table"), "%s", err);
  memcpy(bad, data, size);
  uint32_t otab = bad[12] | (uint32_t)bad[13] << 8; /* small file: two bytes suffice */
  put32le(bad + otab + 4, 0xfffffff0u); /* first string's offset: a 32-bit sum would wrap */
  T_CHECK(s2s_mo_parse(bad, size, &cat, err, sizeof err) == -1 && strstr(err, "past the end"), "%s",
          err);
  free(data);

  /* built here: an empty translation, a plural with one form, a 3-form plural */
  const char *ids[] = {"", "Empty translation here", "one apple\0many apples",
                       "one pear\0many pears"};
  const size_t idn[] = {0, 22, 21, 19};
  const char *strs[] = {"Content-Type: text/plain; charset=UTF-8\n", "", "une pomme",
                        "une poire\0des poires\0beaucoup de poires"};
  const size_t strn[] = {40, 0, 9, 39};
  unsigned char mo[1024];
  size_t mn = build_mo(mo, 4, ids, idn, strs, strn);
  T_CHECK(s2s_mo_parse(mo, mn, &cat, err, sizeof err) == 0, "built: %s", err);
  s2s_mo_pair *p;
  size_t n;
  s2s_mo_counts k = {0};
  s2s_mo_pairs(&cat, &p, &n, &k);
  T_CHECK(n == 3, "built: %zu pairs (apple singular, pear singular and plural)", n);
  T_CHECK(k.untranslated == 2, "built: untranslated %zu (empty msgstr, missing msgstr[1])",
          k.untranslated);
  T_CHECK(n == 3 && str_is(p[2].en, "many pears") && str_is(p[2].fr, "des poires"),
          "3-form plural: form 1 kept, form 2 ignored");
  free(p);
  s2s_mo_free(&cat);
  return s2s_test_finish("test_mo_reader");
}

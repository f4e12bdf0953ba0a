/* GNU gettext .mo catalogs (the binary form msgfmt writes): both byte orders, revision 0
 * and 0.1 (system-dependent strings such as "%" PRIu64, expanded as on LP64 Linux), msgctxt,
 * plural forms. Every offset and length is bounds-checked against the file size, so a
 * truncated or hostile file yields an error message, never a read outside the buffer. */
#ifndef S2S_MO_READER_H
#define S2S_MO_READER_H

#include <stddef.h>
#include <stdint.h>

/* A byte string inside the catalog (not NUL-terminated; may hold NULs between forms). */
typedef struct {
  const char *p;
  size_t n;
} s2s_mo_str;

typedef struct {
  s2s_mo_str ctx;       /* msgctxt; p == NULL when the entry has none */
  s2s_mo_str id;        /* msgid (English), context stripped */
  s2s_mo_str id_plural; /* msgid_plural; p == NULL for a non-plural entry */
  s2s_mo_str str;       /* msgstr: nstr forms separated by NUL bytes */
  uint32_t nstr;        /* number of msgstr forms (1 for a non-plural entry) */
  uint32_t index;       /* position in the file: table order, sysdep strings after */
  int sysdep;           /* 1 when expanded from a system-dependent string */
} s2s_mo_entry;

typedef struct {
  char *data;            /* owned copy of the file plus expanded sysdep strings */
  size_t size;           /* bytes of the file */
  s2s_mo_entry *entries; /* (n) including the header entry (msgid "") if present */
  size_t n;
  int big_endian;
  uint32_t revision;
  char charset[32]; /* from the header's Content-Type, "" when absent */
  int nplurals;     /* from the header's Plural-Forms, 0 when absent */
  char *sysdep_buf; /* owned storage of expanded sysdep strings */
} s2s_mo_catalog;

/* Parses size bytes at data (copied). Returns 0, or -1 with a message in err naming what is
 * wrong ("string 12 at offset 900 length 40 runs past the end of the file (920 bytes)"). */
int s2s_mo_parse(const void *data, size_t size, s2s_mo_catalog *cat, char *err, size_t errlen);
/* Reads and parses a file; messages start with the path. */
int s2s_mo_read_file(const char *path, s2s_mo_catalog *cat, char *err, size_t errlen);
void s2s_mo_free(s2s_mo_catalog *cat);

/* The k-th NUL-separated form of s (k < count); n == 0 past the last form. */
s2s_mo_str s2s_mo_form(s2s_mo_str s, uint32_t k);

/* One English -> French pair. Plural entries give two pairs: (msgid, msgstr[0]) with
 * form 0 and (msgid_plural, msgstr[1]) with form 1 — French has nplurals=2 and msgstr[0]
 * is the singular; further forms (other languages' catalogs) are ignored. */
typedef struct {
  s2s_mo_str ctx, en, fr;
  uint32_t entry; /* index of the entry in the catalog */
  int form;       /* 0 singular or non-plural, 1 plural */
} s2s_mo_pair;

typedef struct {
  size_t entries;      /* entries in the catalog, header excluded */
  size_t header;       /* header entries skipped (msgid "" without context) */
  size_t untranslated; /* empty msgid or msgstr (form by form) */
  size_t plural_extra; /* plural entries whose msgid_plural gave a second pair */
  size_t with_context; /* entries carrying a msgctxt (kept, context stripped) */
  size_t sysdep;       /* entries expanded from system-dependent strings */
} s2s_mo_counts;

/* Expands the catalog into pairs (*pairs malloc'd, borrowing cat's strings). counts is
 * added to (not reset). Returns 0, or -1 when out of memory. */
int s2s_mo_pairs(const s2s_mo_catalog *cat, s2s_mo_pair **pairs, size_t *n, s2s_mo_counts *counts);

#endif

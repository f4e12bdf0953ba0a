/* A small JSON reader for results records (run.json, sweep.json, tuning files, CLBlast
 * tuner outputs): parses a whole document into a tree, looks values up by dotted path
 * ("summary.words_per_s", "devices.0.name"), and remembers each value's byte range so a
 * subtree can be copied verbatim into another record. */
#ifndef S2S_JSON_READ_H
#define S2S_JSON_READ_H

#include <stddef.h>
#include <stdio.h>

typedef enum { S2S_JNULL, S2S_JBOOL, S2S_JNUM, S2S_JSTR, S2S_JARR, S2S_JOBJ } s2s_jtype;

typedef struct s2s_jval {
  s2s_jtype type;
  double num;             /* numbers; bools as 0/1 */
  char *str;              /* strings (decoded UTF-8) */
  char *key;              /* the member name inside an object, else NULL */
  struct s2s_jval *child; /* first element or member */
  struct s2s_jval *next;  /* next sibling */
  size_t count;           /* elements or members */
  size_t begin, end;      /* byte range of the value in the document text */
} s2s_jval;

typedef struct s2s_jdoc {
  char *text;
  size_t len;
  s2s_jval *root;
} s2s_jdoc;

/* Parses text (copied). Returns 0, or -1 with "line L: what" in err. */
int s2s_jdoc_parse(s2s_jdoc *d, const char *text, size_t len, char *err, size_t errlen);
/* Reads and parses a file. Returns 0, or -1 with the path and the reason in err. */
int s2s_jdoc_load(s2s_jdoc *d, const char *path, char *err, size_t errlen);
void s2s_jdoc_free(s2s_jdoc *d);

/* The value at a dotted path below v (array elements by index), or NULL. */
const s2s_jval *s2s_jget(const s2s_jval *v, const char *path);
/* Typed lookups with a default when the path is missing or of another type. */
double s2s_jnum(const s2s_jval *v, const char *path, double dflt);
const char *s2s_jstr(const s2s_jval *v, const char *path, const char *dflt);
/* The i-th element or member of an array or object, or NULL. */
const s2s_jval *s2s_jat(const s2s_jval *v, size_t i);
/* Writes the value's source text verbatim (for copying a subtree into another record). */
void s2s_jcopy(const s2s_jdoc *d, const s2s_jval *v, FILE *f);

#endif

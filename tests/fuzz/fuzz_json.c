/* libFuzzer target for the JSON reader (harness/record/json_read.c), which reads every
 * results record, tuning file and CLBlast tuner output. Any bytes parse or fail with a
 * "line L: what" message. A tree that parses is checked against the document: every
 * value's byte range lies inside the text and holds that kind of value (a number's text
 * follows RFC 8259's grammar, as the reader's header promises; a string's is quoted;
 * containers are bracketed and count their children; members have names, elements do
 * not); s2s_jget finds every node by its dotted path (names not empty and without '.',
 * the first member of a name where an object repeats it); s2s_jat agrees
 * with the child list; and a subtree copied with s2s_jcopy parses again to the same shape
 * (how records embed each other). Seeds: the repository's records (results/, fixtures,
 * tuner outputs). Run by tests/test_fuzz_readers.sh and scripts/fuzz.sh. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/json_read.h"

static const char *doc;
static size_t doc_len;

#define CHECK(cond, what)                                                                   \
  do {                                                                                      \
    if (!(cond)) {                                                                          \
      fprintf(stderr, "fuzz_json: %s (value at bytes %zu..%zu)\n", what, v->begin, v->end); \
      abort();                                                                              \
    }                                                                                       \
  } while (0)

/* RFC 8259: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int json_number(const char *s, size_t n) {
  size_t i = 0;
  if (i < n && s[i] == '-') i++;
  if (i < n && s[i] == '0') {
    i++;
  } else if (i < n && s[i] >= '1' && s[i] <= '9') {
    while (i < n && s[i] >= '0' && s[i] <= '9')
      i++;
  } else {
    return 0;
  }
  if (i < n && s[i] == '.') {
    size_t d = ++i;
    while (i < n && s[i] >= '0' && s[i] <= '9')
      i++;
    if (i == d) return 0;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    size_t d = i;
    while (i < n && s[i] >= '0' && s[i] <= '9')
      i++;
    if (i == d) return 0;
  }
  return i == n;
}

static int nodes; /* path lookups done for this input (bounded: each costs O(depth)) */

/* path: v's dotted path (plen bytes), NULL when it has none (a name with '.', too deep). */
static void walk(const s2s_jval *root, const s2s_jval *v, const char *path, size_t plen, int depth,
                 int in_obj) {
  CHECK(v->begin < v->end && v->end <= doc_len, "byte range outside the document");
  const char *t = doc + v->begin;
  const size_t n = v->end - v->begin;
  CHECK(in_obj ? v->key != NULL : v->key == NULL, "member without a name or element with one");
  switch (v->type) {
  case S2S_JNUM: CHECK(json_number(t, n), "a number that RFC 8259 does not allow"); break;
  case S2S_JSTR: CHECK(n >= 2 && t[0] == '"' && t[n - 1] == '"' && v->str, "string not quoted"); break;
  case S2S_JBOOL: CHECK((n == 4 && !memcmp(t, "true", 4)) || (n == 5 && !memcmp(t, "false", 5)), "bool"); break;
  case S2S_JNULL: CHECK(n == 4 && !memcmp(t, "null", 4), "null"); break;
  case S2S_JARR:
  case S2S_JOBJ: {
    CHECK(t[0] == (v->type == S2S_JARR ? '[' : '{') && t[n - 1] == (v->type == S2S_JARR ? ']' : '}'),
          "container not bracketed");
    size_t k = 0;
    for (const s2s_jval *c = v->child; c; c = c->next, k++) {
      CHECK(c->begin >= v->begin + 1 && c->end <= v->end - 1, "child outside its parent");
      CHECK(s2s_jat(v, k) == c, "s2s_jat disagrees with the child list");
      char sub[512];
      const size_t sl = v->type == S2S_JOBJ ? strlen(c->key) : 0;
      int first = k < 64; /* s2s_jget takes the first member of a name: later ones have no path */
      for (const s2s_jval *e = v->child; v->type == S2S_JOBJ && e != c && first; e = e->next)
        first = strcmp(e->key, c->key) != 0;
      if (path && first && depth < 16 && plen + sl + 24 < sizeof sub &&
          (v->type == S2S_JARR || (c->key[0] && !strchr(c->key, '.')))) {
        memcpy(sub, path, plen);
        size_t o = plen;
        if (plen) sub[o++] = '.';
        if (v->type == S2S_JOBJ) memcpy(sub + o, c->key, sl), o += sl;
        else o += (size_t)snprintf(sub + o, sizeof sub - o, "%zu", k);
        sub[o] = '\0';
        if (nodes++ < 256) CHECK(s2s_jget(root, sub) != NULL, "s2s_jget misses a node by its path");
        walk(root, c, sub, o, depth + 1, v->type == S2S_JOBJ);
      } else { /* no path to look it up by: still checked */
        walk(root, c, NULL, 0, depth + 1, v->type == S2S_JOBJ);
      }
    }
    CHECK(k == v->count, "count differs from the children");
    CHECK(s2s_jat(v, k) == NULL, "s2s_jat past the end");
    break;
  }
  default: CHECK(0, "unknown type");
  }
}

/* Same shape: types, counts, names, numbers (NaN-free: the grammar has no NaN). */
static int same(const s2s_jval *a, const s2s_jval *b) {
  for (; a && b; a = a->next, b = b->next) {
    if (a->type != b->type || a->count != b->count || (a->key == NULL) != (b->key == NULL) ||
        (a->key && strcmp(a->key, b->key)) || (a->type == S2S_JNUM && a->num != b->num) ||
        (a->type == S2S_JSTR && strcmp(a->str, b->str)) || !same(a->child, b->child))
      return 0;
  }
  return a == b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  s2s_jdoc d;
  char err[256];
  if (s2s_jdoc_parse(&d, (const char *)data, size, err, sizeof err) != 0) {
    if (strncmp(err, "line ", 5) != 0) {
      fprintf(stderr, "error without a line: '%s'\n", err);
      abort();
    }
    return 0;
  }
  if (!d.root || d.len != size) abort();
  doc = d.text, doc_len = d.len, nodes = 0;
  char path[512] = "";
  walk(d.root, d.root, path, 0, 0, 0);
  /* the lookups the record readers make */
  static const char *const paths[] = {"summary.words_per_s", "devices.0.name", "kernels.0.parameters",
                                      "results.0.time", "config.hidden", "", ".", "0", "a..b"};
  for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
    (void)s2s_jnum(d.root, paths[i], 0), (void)s2s_jstr(d.root, paths[i], NULL);
  /* s2s_jcopy of the root and of its first children parse again to the same shape */
  const s2s_jval *pick[4] = {d.root, s2s_jat(d.root, 0), s2s_jat(d.root, 1), NULL};
  for (int i = 0; pick[i]; i++) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) abort();
    s2s_jcopy(&d, pick[i], f);
    fclose(f);
    s2s_jdoc e;
    if (s2s_jdoc_parse(&e, buf, len, err, sizeof err) != 0) {
      fprintf(stderr, "a copied subtree does not parse: %s\n", err);
      abort();
    }
    s2s_jval a = *pick[i], b = *e.root; /* compare the values, not their names or siblings */
    a.next = b.next = NULL, a.key = b.key = NULL;
    if (!same(&a, &b)) {
      fprintf(stderr, "a copied subtree parses to another shape\n");
      abort();
    }
    s2s_jdoc_free(&e);
    free(buf);
  }
  s2s_jdoc_free(&d);
  return 0;
}

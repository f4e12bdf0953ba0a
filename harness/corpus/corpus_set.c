/* A small string-pair set for the corpus dedup and leak checks: open addressing with linear
 * probing, FNV-1a hashes, keys borrowed (not copied). Order never leaks out of it, so the
 * corpus stays deterministic. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "corpus/corpus_internal.h"

static uint64_t fnv(uint64_t h, const char *s) {
  for (; s && *s; s++)
    h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
  return h;
}

static size_t slot(const s2s_strset *s, const char *a, const char *b) {
  uint64_t h = fnv(fnv(0xcbf29ce484222325ull, a) ^ 0xff, b ? b : "");
  size_t i = (size_t)(h & (s->cap - 1));
  while (s->a[i] && !(strcmp(s->a[i], a) == 0 &&
                      ((!b && !s->b[i]) || (b && s->b[i] && strcmp(s->b[i], b) == 0))))
    i = (i + 1) & (s->cap - 1);
  return i;
}

int s2s_strset_init(s2s_strset *s, size_t expected) {
  s->cap = 64;
  while (s->cap < 2 * expected + 2)
    s->cap *= 2;
  s->n = 0;
  s->a = calloc(s->cap, sizeof *s->a);
  s->b = calloc(s->cap, sizeof *s->b);
  if (!s->a || !s->b) {
    s2s_strset_free(s);
    return -1;
  }
  return 0;
}

void s2s_strset_free(s2s_strset *s) {
  free(s->a);
  free(s->b);
  memset(s, 0, sizeof *s);
}

static int grow(s2s_strset *s) {
  s2s_strset t;
  if (s2s_strset_init(&t, s->cap)) return -1;
  for (size_t i = 0; i < s->cap; i++)
    if (s->a[i]) {
      size_t j = slot(&t, s->a[i], s->b[i]);
      t.a[j] = s->a[i], t.b[j] = s->b[i], t.n++;
    }
  s2s_strset_free(s);
  *s = t;
  return 0;
}

int s2s_strset_add(s2s_strset *s, const char *a, const char *b) {
  if (2 * (s->n + 1) > s->cap && grow(s)) return -1;
  size_t i = slot(s, a, b);
  if (s->a[i]) return 0;
  s->a[i] = a, s->b[i] = b, s->n++;
  return 1;
}

int s2s_strset_has(const s2s_strset *s, const char *a, const char *b) {
  return s->a[slot(s, a, b)] != NULL;
}

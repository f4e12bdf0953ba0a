/* Vocabulary (see vocab.h): words in one blob, an open-addressing hash table for word -> id,
 * the deterministic top-K selection (count desc, then bytes asc) and the versioned byte
 * format saved in checkpoints and token-id caches. Everything is little-endian on disk. */
#include "vocab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h" /* s2s_fnv1a64 */
#include "config.h"

#define VOCAB_MAGIC "S2SVOCB1"
#define VOCAB_VERSION 1u
#define VOCAB_HEADER 32 /* magic 8, version 4, count 4, payload bytes 8, hash 8 */
#define VOCAB_MAX_WORD (1u << 20)

struct s2s_vocab {
  int n;             /* words, <unk> and <eos> included */
  const char **word; /* (n) NUL-terminated, inside blob */
  uint32_t *len;     /* (n) bytes of each word */
  char *blob;        /* all words, each followed by NUL */
  int32_t *slot;     /* (cap) id or -1; cap a power of two >= 2n */
  size_t cap;
  uint64_t hash;
};

static uint64_t word_hash(const char *w, size_t len) {
  return s2s_fnv1a64(S2S_FNV1A64_INIT, w, len);
}

/* Returns the slot holding `w`, or the empty slot where it would go. */
static size_t find_slot(const s2s_vocab *v, const char *w, size_t len) {
  size_t i = (size_t)word_hash(w, len) & (v->cap - 1);
  for (;;) {
    int32_t id = v->slot[i];
    if (id < 0 || (v->len[id] == len && memcmp(v->word[id], w, len) == 0)) return i;
    i = (i + 1) & (v->cap - 1);
  }
}

static uint64_t list_hash(const s2s_vocab *v) {
  uint64_t h = S2S_FNV1A64_INIT;
  unsigned char b[4];
  for (int i = 0; i < v->n; i++) {
    for (int k = 0; k < 4; k++)
      b[k] = (unsigned char)(v->len[i] >> (8 * k));
    h = s2s_fnv1a64(h, b, 4);
    h = s2s_fnv1a64(h, v->word[i], v->len[i]);
  }
  return h;
}

/* Allocates room for up to n words of `bytes` total (NULs excluded). */
static s2s_vocab *vocab_alloc(size_t n, size_t bytes) {
  s2s_vocab *v = calloc(1, sizeof *v);
  if (!v) return NULL;
  v->cap = 16;
  while (v->cap < 2 * n)
    v->cap *= 2;
  v->word = malloc((n ? n : 1) * sizeof *v->word);
  v->len = malloc((n ? n : 1) * sizeof *v->len);
  v->blob = malloc(bytes + n + 1);
  v->slot = malloc(v->cap * sizeof *v->slot);
  if (!v->word || !v->len || !v->blob || !v->slot) {
    s2s_vocab_free(v);
    return NULL;
  }
  memset(v->slot, 0xff, v->cap * sizeof *v->slot);
  return v;
}

/* Appends a word at the blob position *pos; returns 0, or 1 when it is already present. */
static int vocab_add(s2s_vocab *v, const char *w, size_t len, size_t *pos) {
  size_t s = find_slot(v, w, len);
  if (v->slot[s] >= 0) return 1;
  char *dst = v->blob + *pos;
  memcpy(dst, w, len);
  dst[len] = '\0';
  *pos += len + 1;
  v->word[v->n] = dst;
  v->len[v->n] = (uint32_t)len;
  v->slot[s] = v->n++;
  return 0;
}

static int is_reserved(const char *w) {
  return !strcmp(w, "<unk>") || !strcmp(w, "<eos>");
}

s2s_vocab *s2s_vocab_synthetic(int n) {
  if (n < S2S_TOKEN_FIRST_WORD) return NULL;
  s2s_vocab *v = vocab_alloc((size_t)n, (size_t)n * 12 + 16);
  if (!v) return NULL;
  size_t pos = 0;
  vocab_add(v, "<unk>", 5, &pos);
  vocab_add(v, "<eos>", 5, &pos);
  char buf[24];
  for (int i = S2S_TOKEN_FIRST_WORD; i < n; i++) {
    int k = snprintf(buf, sizeof buf, "w%d", i);
    vocab_add(v, buf, (size_t)k, &pos);
  }
  v->hash = list_hash(v);
  return v;
}

typedef struct {
  const char *w;
  uint64_t c;
} word_count;

/* Falling count, then byte order (strcmp compares as unsigned char): a total order on
 * distinct words, so the result never depends on the input order or on qsort. */
static int by_count(const void *a, const void *b) {
  const word_count *x = a, *y = b;
  if (x->c != y->c) return x->c > y->c ? -1 : 1;
  return strcmp(x->w, y->w);
}

/* Words that are NULL, empty, longer than 1 MiB or spelled like a reserved token are left
 * out (the reserved ids already exist); a word listed twice keeps its larger count. */
s2s_vocab *s2s_vocab_from_counts(const char *const *words, const uint64_t *counts, size_t n,
                                 int max_size) {
  if (max_size < S2S_TOKEN_FIRST_WORD) return NULL;
  word_count *wc = malloc((n ? n : 1) * sizeof *wc);
  if (!wc) return NULL;
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    if (!words[i] || !words[i][0] || is_reserved(words[i]) || strlen(words[i]) > VOCAB_MAX_WORD)
      continue;
    wc[m].w = words[i];
    wc[m++].c = counts[i];
  }
  qsort(wc, m, sizeof *wc, by_count);
  /* first pass over a table with room for every word (a repeated word is skipped), then a
   * compact copy of the ids that made the cut */
  size_t bytes = 10;
  for (size_t i = 0; i < m; i++)
    bytes += strlen(wc[i].w);
  s2s_vocab *all = vocab_alloc(m + S2S_TOKEN_FIRST_WORD, bytes), *v = NULL;
  if (all) {
    size_t pos = 0;
    vocab_add(all, "<unk>", 5, &pos);
    vocab_add(all, "<eos>", 5, &pos);
    for (size_t i = 0; i < m && all->n < max_size; i++)
      vocab_add(all, wc[i].w, strlen(wc[i].w), &pos);
    size_t kept = 0;
    for (int i = 0; i < all->n; i++)
      kept += all->len[i];
    if ((v = vocab_alloc((size_t)all->n, kept))) {
      pos = 0;
      for (int i = 0; i < all->n; i++)
        vocab_add(v, all->word[i], all->len[i], &pos);
      v->hash = list_hash(v);
    }
  }
  s2s_vocab_free(all);
  free(wc);
  return v;
}

void s2s_vocab_free(s2s_vocab *v) {
  if (!v) return;
  free(v->word);
  free(v->len);
  free(v->blob);
  free(v->slot);
  free(v);
}

int s2s_vocab_size(const s2s_vocab *v) {
  return v->n;
}

int32_t s2s_vocab_id(const s2s_vocab *v, const char *word, size_t len) {
  int32_t id = v->slot[find_slot(v, word, len)];
  return id < 0 ? S2S_TOKEN_UNK : id;
}

const char *s2s_vocab_word(const s2s_vocab *v, int32_t id) {
  return id >= 0 && id < v->n ? v->word[id] : v->word[S2S_TOKEN_UNK];
}

uint64_t s2s_vocab_hash(const s2s_vocab *v) {
  return v->hash;
}

static void put_u32(unsigned char *p, uint32_t x) {
  for (int k = 0; k < 4; k++)
    p[k] = (unsigned char)(x >> (8 * k));
}
static void put_u64(unsigned char *p, uint64_t x) {
  for (int k = 0; k < 8; k++)
    p[k] = (unsigned char)(x >> (8 * k));
}
static uint32_t get_u32(const unsigned char *p) {
  uint32_t x = 0;
  for (int k = 3; k >= 0; k--)
    x = x << 8 | p[k];
  return x;
}
static uint64_t get_u64(const unsigned char *p) {
  uint64_t x = 0;
  for (int k = 7; k >= 0; k--)
    x = x << 8 | p[k];
  return x;
}

/* Layout (little-endian):
 *   "S2SVOCB1" | u32 version | u32 words | u64 payload bytes | u64 s2s_vocab_hash
 *   then per word, in id order: u32 length | bytes (no NUL)
 * The reader rebuilds the table and recomputes the hash, so a block that deserialises is
 * byte-for-byte the one that was written. */
unsigned char *s2s_vocab_serialize(const s2s_vocab *v, size_t *len) {
  size_t payload = 0;
  for (int i = 0; i < v->n; i++)
    payload += 4 + (size_t)v->len[i];
  unsigned char *p = malloc(VOCAB_HEADER + payload);
  if (!p) return NULL;
  memcpy(p, VOCAB_MAGIC, 8);
  put_u32(p + 8, VOCAB_VERSION);
  put_u32(p + 12, (uint32_t)v->n);
  put_u64(p + 16, payload);
  put_u64(p + 24, v->hash);
  unsigned char *q = p + VOCAB_HEADER;
  for (int i = 0; i < v->n; i++) {
    put_u32(q, v->len[i]);
    memcpy(q + 4, v->word[i], v->len[i]);
    q += 4 + v->len[i];
  }
  *len = VOCAB_HEADER + payload;
  return p;
}

#define FAIL(...)                                                                                  \
  do {                                                                                             \
    snprintf(err, errlen, __VA_ARGS__);                                                            \
    s2s_vocab_free(v);                                                                             \
    return NULL;                                                                                   \
  } while (0)

s2s_vocab *s2s_vocab_deserialize(const unsigned char *p, size_t len, char *err, size_t errlen) {
  s2s_vocab *v = NULL;
  if (!p || len < VOCAB_HEADER) FAIL("vocabulary block truncated (%zu bytes)", len);
  if (memcmp(p, VOCAB_MAGIC, 8) != 0) FAIL("not a vocabulary block (bad magic)");
  uint32_t version = get_u32(p + 8), n = get_u32(p + 12);
  uint64_t payload = get_u64(p + 16), hash = get_u64(p + 24);
  if (version != VOCAB_VERSION)
    FAIL("vocabulary format version %u (this build reads %u)", version, VOCAB_VERSION);
  if (payload != len - VOCAB_HEADER)
    FAIL("vocabulary block is %zu bytes, its header says %llu", len,
         (unsigned long long)(payload + VOCAB_HEADER));
  if (n < S2S_TOKEN_FIRST_WORD || n > 0x7fffffffu || (uint64_t)n * 4 > payload)
    FAIL("vocabulary block: bad word count %u", n);
  if (!(v = vocab_alloc(n, (size_t)payload))) FAIL("out of memory");
  const unsigned char *q = p + VOCAB_HEADER, *end = p + len;
  size_t pos = 0;
  for (uint32_t i = 0; i < n; i++) {
    if (end - q < 4) FAIL("vocabulary block: word %u runs past the end", i);
    uint32_t wl = get_u32(q);
    if (wl == 0 || wl > VOCAB_MAX_WORD || (size_t)(end - q - 4) < wl)
      FAIL("vocabulary block: word %u has a bad length %u", i, wl);
    if (memchr(q + 4, 0, wl)) FAIL("vocabulary block: word %u holds a NUL byte", i);
    if (vocab_add(v, (const char *)q + 4, wl, &pos)) FAIL("vocabulary block: word %u repeats", i);
    q += 4 + wl;
  }
  if (q != end) FAIL("vocabulary block: %zu bytes after the last word", (size_t)(end - q));
  if (strcmp(v->word[0], "<unk>") || strcmp(v->word[1], "<eos>"))
    FAIL("vocabulary block: ids 0 and 1 are not <unk> and <eos>");
  v->hash = list_hash(v);
  if (v->hash != hash) FAIL("vocabulary block: checksum mismatch (corrupt)");
  return v;
}

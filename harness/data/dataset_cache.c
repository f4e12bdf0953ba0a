/* The token-id cache file (layout in dataset_internal.h): the content key of the inputs,
 * the checks a file must pass before anything indexes into it, the read-only mapping, and
 * the atomic writer (PATH.tmp.PID, then rename). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/checkpoint.h" /* s2s_fnv1a64 */
#include "data/dataset_internal.h"
#include "text/sha256.h"

_Static_assert(sizeof(s2s_cache_header) == S2S_CACHE_HEADER, "cache header is 512 bytes");

#define SUM_PRIME 0x100000001B3ull

void s2s_cache_sum_init(s2s_cache_sum *s) {
  memset(s, 0, sizeof *s), s->h = S2S_FNV1A64_INIT;
}

static inline uint64_t mix(uint64_t h, uint64_t w) {
  return (h ^ w) * SUM_PRIME + (h >> 29);
}

void s2s_cache_sum_update(s2s_cache_sum *s, const void *p, size_t n) {
  const unsigned char *b = p;
  s->bytes += n;
  while (n && s->fill) { /* finish a pending word */
    s->pending |= (uint64_t)*b++ << (8 * s->fill);
    n--;
    if (++s->fill == 8) s->h = mix(s->h, s->pending), s->pending = 0, s->fill = 0;
  }
  uint64_t h = s->h;
  for (; n >= 8; n -= 8, b += 8) {
    uint64_t w = 0;
    for (int k = 7; k >= 0; k--)
      w = w << 8 | b[k];
    h = mix(h, w);
  }
  s->h = h;
  for (; n; n--)
    s->pending |= (uint64_t)*b++ << (8 * s->fill++);
}

uint64_t s2s_cache_sum_final(const s2s_cache_sum *s) {
  uint64_t h = s->fill ? mix(s->h, s->pending) : s->h;
  return mix(h, s->bytes);
}

/* ---- the key ---------------------------------------------------------------------------- */

/* SHA-256 of one file's bytes and its line count (a last line without "\n" counts). */
static int hash_file(const char *path, uint8_t digest[32], long *lines, char *err, size_t errlen) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
    return -1;
  }
  enum { CHUNK = 1 << 20 };
  unsigned char *buf = malloc(CHUNK);
  if (!buf) {
    fclose(f);
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  s2s_sha256 s;
  s2s_sha256_init(&s);
  long n = 0;
  unsigned char last = '\n';
  size_t got;
  while ((got = fread(buf, 1, CHUNK, f)) > 0) {
    s2s_sha256_update(&s, buf, got);
    for (const unsigned char *p = buf, *e = buf + got; (p = memchr(p, '\n', (size_t)(e - p)));)
      n++, p++;
    last = buf[got - 1];
  }
  int bad = ferror(f);
  fclose(f);
  free(buf);
  if (bad) {
    snprintf(err, errlen, "error reading '%s'", path);
    return -1;
  }
  s2s_sha256_final(&s, digest);
  *lines = n + (last != '\n');
  return 0;
}

int s2s_cache_key(const s2s_dataset_opts *o, const s2s_config *cfg, uint8_t key[32], long lines[2],
                  char *err, size_t errlen) {
  const char *path[4] = {o->train_src, o->train_tgt, o->dev_src, o->dev_tgt};
  const char *role[4] = {"train_src", "train_tgt", "dev_src", "dev_tgt"};
  s2s_sha256 k;
  s2s_sha256_init(&k);
  /* "v1" names the cache format and the tokenizer rules: change it when either changes */
  char line[256];
  int len = snprintf(line, sizeof line,
                     "s2sbench token ids v1 max_len=%d src_vocab=%d tgt_vocab=%d tokenize=%d "
                     "src_lang=%s tgt_lang=%s\n",
                     cfg->max_len, cfg->src_vocab, cfg->tgt_vocab, o->tokenize != 0,
                     s2s_lang_name(o->src_lang), s2s_lang_name(o->tgt_lang));
  s2s_sha256_update(&k, line, (size_t)len);
  long n[4] = {0, 0, 0, 0};
  for (int i = 0; i < 4; i++) {
    uint8_t d[32];
    s2s_sha256_update(&k, role[i], strlen(role[i]));
    if (!path[i]) {
      s2s_sha256_update(&k, "-", 1);
      continue;
    }
    if (hash_file(path[i], d, &n[i], err, errlen) != 0) return -1;
    s2s_sha256_update(&k, d, sizeof d);
  }
  for (int s = 0; s < 2; s++) {
    if (path[2 * s] && n[2 * s] != n[2 * s + 1]) {
      snprintf(err, errlen,
               "'%s' has %ld lines but '%s' has %ld: a parallel corpus needs one "
               "line per sentence on both sides",
               path[2 * s], n[2 * s], path[2 * s + 1], n[2 * s + 1]);
      return -1;
    }
    lines[s] = n[2 * s];
  }
  s2s_sha256_final(&k, key);
  return 0;
}

/* ---- checking a cache -------------------------------------------------------------------- */

#define BAD(rc, ...)                                                                               \
  do {                                                                                             \
    snprintf(err, errlen, __VA_ARGS__);                                                            \
    s2s_cache_view_free(v);                                                                        \
    return rc;                                                                                     \
  } while (0)

/* [off, off + count * size) inside [S2S_CACHE_HEADER, n), aligned to 8, no overflow */
static int in_file(uint64_t off, uint64_t count, uint64_t size, size_t n) {
  if (off < S2S_CACHE_HEADER || off % 8 || off > n) return 0;
  return count <= (n - off) / size;
}

static int check_records(const s2s_cache_view *v, int set, int max_len, char *err, size_t errlen) {
  const int32_t *r = v->rec[set];
  const uint64_t words = v->h->rec_words[set];
  const int32_t nv[2] = {s2s_vocab_size(v->vocab[0]), s2s_vocab_size(v->vocab[1])};
  uint64_t off = 0;
  for (uint64_t i = 0; i < v->pairs[set]; i++) {
    if (v->idx[set][i] != off || words - off < 2) {
      snprintf(err, errlen, "index of pair %llu is wrong", (unsigned long long)i);
      return -1;
    }
    const int32_t ls = r[off], lt = r[off + 1];
    if (ls < 1 || ls > max_len || lt < 1 || lt > max_len ||
        words - off - 2 < (uint64_t)ls + (uint64_t)lt) {
      snprintf(err, errlen, "pair %llu has bad lengths %d, %d", (unsigned long long)i, ls, lt);
      return -1;
    }
    for (int32_t k = 0; k < ls + lt; k++) {
      const int32_t id = r[off + 2 + k], lim = nv[k >= ls];
      if (id < 0 || id >= lim || id == S2S_TOKEN_EOS) {
        snprintf(err, errlen, "pair %llu holds id %d (vocabulary %d)", (unsigned long long)i, id,
                 lim);
        return -1;
      }
    }
    off += 2 + (uint64_t)ls + (uint64_t)lt;
  }
  if (off != words) {
    snprintf(err, errlen, "%llu stray words after the last record",
             (unsigned long long)(words - off));
    return -1;
  }
  return 0;
}

int s2s_cache_view_init(s2s_cache_view *v, const void *p, size_t n, const uint8_t *key,
                        const s2s_config *cfg, char *err, size_t errlen) {
  memset(v, 0, sizeof *v);
  v->base = p, v->bytes = n;
  const s2s_cache_header *h = p;
  v->h = h;
  if (n < S2S_CACHE_HEADER) BAD(-1, "truncated (%zu bytes, not even a header)", n);
  if (memcmp(h->magic, S2S_CACHE_MAGIC, 8) != 0) BAD(-1, "not a token-id cache (bad magic)");
  if (h->version != S2S_CACHE_VERSION)
    BAD(1, "format version %u (this build writes %u)", h->version, S2S_CACHE_VERSION);
  if (h->byte_order != 0x01020304u) BAD(1, "written on a machine of the other byte order");
  if (s2s_fnv1a64(S2S_FNV1A64_INIT, h, offsetof(s2s_cache_header, header_sum)) != h->header_sum)
    BAD(-1, "corrupt header (checksum mismatch)");
  if (h->file_bytes != n)
    BAD(-1, "%s (%zu bytes, the header says %llu)", n < h->file_bytes ? "truncated" : "too long", n,
        (unsigned long long)h->file_bytes);
  if (key && memcmp(h->key, key, 32) != 0) BAD(1, "made from other inputs or options (stale)");
  if (cfg && ((int)h->max_len != cfg->max_len || (int)h->src_vocab != cfg->src_vocab ||
              (int)h->tgt_vocab != cfg->tgt_vocab))
    BAD(1, "made for other sizes (max_len %u, vocabularies %u/%u)", h->max_len, h->src_vocab,
        h->tgt_vocab);
  if (h->max_len < 1 || h->max_len > 100000) BAD(-1, "bad max_len %u", h->max_len);
  s2s_cache_sum s;
  s2s_cache_sum_init(&s);
  s2s_cache_sum_update(&s, (const unsigned char *)p + S2S_CACHE_HEADER, n - S2S_CACHE_HEADER);
  if (s2s_cache_sum_final(&s) != h->payload_sum) BAD(-1, "corrupt (payload checksum mismatch)");
  for (int side = 0; side < 2; side++) {
    if (!in_file(h->vocab_off[side], h->vocab_len[side], 1, n))
      BAD(-1, "vocabulary section out of bounds");
    char verr[256];
    v->vocab[side] = s2s_vocab_deserialize((const unsigned char *)p + h->vocab_off[side],
                                           (size_t)h->vocab_len[side], verr, sizeof verr);
    if (!v->vocab[side]) BAD(-1, "%s", verr);
    const int lim = side ? (int)h->tgt_vocab : (int)h->src_vocab;
    if (s2s_vocab_size(v->vocab[side]) > lim) BAD(-1, "vocabulary larger than its limit");
  }
  for (int set = 0; set < 2; set++) {
    if (h->pairs[set] > 0xFFFFFFFFull || (int64_t)h->pairs[set] != h->stats[set][S2S_CS_KEPT])
      BAD(-1, "bad pair count");
    if (!in_file(h->rec_off[set], h->rec_words[set], 4, n) ||
        !in_file(h->idx_off[set], h->pairs[set], 8, n))
      BAD(-1, "section out of bounds");
    v->rec[set] = (const int32_t *)((const unsigned char *)p + h->rec_off[set]);
    v->idx[set] = (const uint64_t *)((const unsigned char *)p + h->idx_off[set]);
    v->pairs[set] = h->pairs[set];
    char rerr[200];
    if (check_records(v, set, (int)h->max_len, rerr, sizeof rerr) != 0)
      BAD(-1, "%s records: %s", set ? "dev" : "train", rerr);
  }
  return 0;
}

void s2s_cache_view_free(s2s_cache_view *v) {
  s2s_vocab_free(v->vocab[0]);
  s2s_vocab_free(v->vocab[1]);
  v->vocab[0] = v->vocab[1] = NULL;
  if (v->map) munmap(v->map, v->bytes);
  v->map = NULL;
}

int s2s_cache_map(s2s_cache_view *v, const char *path, const uint8_t key[32], const s2s_config *cfg,
                  char *err, size_t errlen) {
  memset(v, 0, sizeof *v);
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    snprintf(err, errlen, "%s", strerror(errno));
    return errno == ENOENT ? -2 : -1;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || st.st_size < S2S_CACHE_HEADER) {
    close(fd);
    snprintf(err, errlen, "truncated (%lld bytes, not even a header)", (long long)st.st_size);
    return -1;
  }
  size_t n = (size_t)st.st_size;
  void *m = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (m == MAP_FAILED) {
    snprintf(err, errlen, "cannot map: %s", strerror(errno));
    return -1;
  }
  int rc = s2s_cache_view_init(v, m, n, key, cfg, err, errlen);
  if (rc != 0) {
    munmap(m, n);
    return rc;
  }
  v->map = m;
  return 0;
}

/* ---- writing ----------------------------------------------------------------------------- */

/* A killed build leaves NAME.ids.tmp.PID behind (nothing else removes it): files of that
 * form whose process is gone are removed. A live PID (a build running now, perhaps in
 * another process) and a PID we may not signal (EPERM: alive, another user's) are kept. */
int s2s_cache_sweep_tmp(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return 0;
  int removed = 0;
  char path[4600];
  for (struct dirent *e; (e = readdir(d)) != NULL;) {
    const char *t = strstr(e->d_name, ".ids.tmp.");
    if (!t) continue;
    const char *digits = t + strlen(".ids.tmp."), *q = digits;
    while (*q >= '0' && *q <= '9') q++;
    if (q == digits || *q || q - digits > 9) continue; /* not PID-suffixed: not ours */
    const long pid = strtol(digits, NULL, 10);
    if (pid <= 0 || pid == (long)getpid()) continue;
    if (kill((pid_t)pid, 0) == -1 && errno == ESRCH &&
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name) < (int)sizeof path &&
        remove(path) == 0)
      removed++;
  }
  closedir(d);
  return removed;
}

static int is_cache_name(const char *n) {
  return strlen(n) == 36 && strspn(n, "0123456789abcdef") == 32 && !strcmp(n + 32, ".ids");
}

typedef struct aged {
  char name[40];
  struct timespec t;
} aged;

static int newest_first(const void *a, const void *b) {
  const struct timespec *x = &((const aged *)a)->t, *y = &((const aged *)b)->t;
  if (x->tv_sec != y->tv_sec) return x->tv_sec < y->tv_sec ? 1 : -1;
  return x->tv_nsec < y->tv_nsec ? 1 : x->tv_nsec > y->tv_nsec ? -1 : 0;
}

int s2s_cache_evict(const char *dir, const char *used, int keep) {
  if (used) utimensat(AT_FDCWD, used, NULL, 0); /* now: the least recently used go first */
  DIR *d = opendir(dir);
  if (!d) return 0;
  aged *v = NULL;
  size_t n = 0, cap = 0;
  char path[4600];
  for (struct dirent *e; (e = readdir(d)) != NULL;) {
    struct stat st;
    if (!is_cache_name(e->d_name) ||
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path ||
        stat(path, &st) != 0 || !S_ISREG(st.st_mode))
      continue;
    if (n == cap) {
      aged *g = realloc(v, (cap = 2 * cap + 16) * sizeof *v);
      if (!g) break;
      v = g;
    }
    snprintf(v[n].name, sizeof v[n].name, "%s", e->d_name);
    v[n++].t = st.st_mtim;
  }
  closedir(d);
  qsort(v, n, sizeof *v, newest_first);
  int removed = 0;
  for (size_t i = (size_t)(keep > 0 ? keep : 0); i < n; i++)
    if (snprintf(path, sizeof path, "%s/%s", dir, v[i].name) < (int)sizeof path &&
        (!used || strcmp(path, used) != 0) && remove(path) == 0)
      removed++;
  free(v);
  return removed;
}

int s2s_cache_writer_open(s2s_cache_writer *w, const char *path, char *err, size_t errlen) {
  memset(w, 0, sizeof *w);
  snprintf(w->path, sizeof w->path, "%s", path);
  snprintf(w->tmp, sizeof w->tmp, "%s.tmp.%ld", path, (long)getpid());
  w->f = fopen(w->tmp, "wb");
  if (!w->f) {
    snprintf(err, errlen, "cannot write '%s': %s", w->tmp, strerror(errno));
    return -1;
  }
  static const unsigned char zero[S2S_CACHE_HEADER];
  if (fwrite(zero, 1, sizeof zero, w->f) != sizeof zero) {
    snprintf(err, errlen, "cannot write '%s'", w->tmp);
    s2s_cache_writer_abort(w);
    return -1;
  }
  w->pos = S2S_CACHE_HEADER;
  s2s_cache_sum_init(&w->sum);
  return 0;
}

int s2s_cache_write(s2s_cache_writer *w, const void *p, size_t n) {
  if (n && fwrite(p, 1, n, w->f) != n) return -1;
  s2s_cache_sum_update(&w->sum, p, n);
  w->pos += n;
  return 0;
}

int s2s_cache_align(s2s_cache_writer *w) {
  static const unsigned char zero[8];
  return s2s_cache_write(w, zero, (8 - w->pos % 8) % 8);
}

int s2s_cache_writer_commit(s2s_cache_writer *w, char *err, size_t errlen) {
  s2s_cache_header *h = &w->h;
  if (s2s_cache_align(w) != 0) goto fail;
  memcpy(h->magic, S2S_CACHE_MAGIC, 8);
  h->version = S2S_CACHE_VERSION;
  h->byte_order = 0x01020304u;
  h->file_bytes = w->pos;
  h->payload_sum = s2s_cache_sum_final(&w->sum);
  h->header_sum = s2s_fnv1a64(S2S_FNV1A64_INIT, h, offsetof(s2s_cache_header, header_sum));
  if (fseek(w->f, 0, SEEK_SET) != 0 || fwrite(h, 1, sizeof *h, w->f) != sizeof *h ||
      fflush(w->f) != 0 || fsync(fileno(w->f)) != 0)
    goto fail;
  int rc = fclose(w->f);
  w->f = NULL;
  if (rc != 0 || rename(w->tmp, w->path) != 0) goto fail;
  return 0;
fail:
  snprintf(err, errlen, "cannot write '%s': %s", w->tmp, strerror(errno));
  s2s_cache_writer_abort(w);
  return -1;
}

void s2s_cache_writer_abort(s2s_cache_writer *w) {
  if (w->f) fclose(w->f);
  w->f = NULL;
  remove(w->tmp);
}

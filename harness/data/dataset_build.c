/* Text -> vocabularies -> token-id cache. Two streaming passes over the training files (count
 * words; then write ids) and one over the dev files; memory holds the word counts and one
 * u64 per kept pair, never the text, so a 12M-pair corpus builds in a few hundred MB. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model/checkpoint.h" /* s2s_fnv1a64 */
#include "data/dataset_internal.h"
#include "text/utf8.h"

/* ---- lines ------------------------------------------------------------------------------ */

/* Reads lines of any length in linear time; a line over `max` bytes is consumed without
 * being stored and reported as too long. A final "\r" is dropped (CRLF files). */
typedef struct line_reader {
  FILE *f;
  const char *path;
  long line_no; /* 1-based number of the line last returned */
  char *buf;    /* (CHUNK) read buffer, [pos, len) unread */
  size_t len, pos;
  char *line; /* the line, NUL-terminated */
  size_t n, cap, max;
  int too_long;
} line_reader;

enum { CHUNK = 1 << 20 };

static int lr_open(line_reader *r, const char *path, size_t max, char *err, size_t errlen) {
  memset(r, 0, sizeof *r);
  r->path = path, r->max = max;
  r->f = fopen(path, "rb");
  r->buf = malloc(CHUNK);
  r->cap = 4096;
  r->line = malloc(r->cap);
  if (!r->f || !r->buf || !r->line) {
    snprintf(err, errlen, "cannot read '%s'", path);
    return -1;
  }
  return 0;
}

static void lr_close(line_reader *r) {
  if (r->f) fclose(r->f);
  free(r->buf);
  free(r->line);
  memset(r, 0, sizeof *r);
}

/* Returns 1 with a line, 0 at the end, -1 on a read error or no memory. */
static int lr_next(line_reader *r) {
  int got = 0;
  r->n = 0, r->too_long = 0;
  for (;;) {
    if (r->pos == r->len) {
      r->len = fread(r->buf, 1, CHUNK, r->f), r->pos = 0;
      if (r->len == 0) {
        if (ferror(r->f)) return -1;
        if (!got) return 0;
        break;
      }
    }
    got = 1;
    char *s = r->buf + r->pos, *nl = memchr(s, '\n', r->len - r->pos);
    size_t seg = nl ? (size_t)(nl - s) : r->len - r->pos;
    if (!r->too_long && r->n + seg > r->max) r->too_long = 1, r->n = 0;
    if (!r->too_long) {
      if (r->n + seg + 1 > r->cap) {
        size_t c = r->cap;
        while (c < r->n + seg + 1)
          c *= 2;
        char *l = realloc(r->line, c);
        if (!l) return -1;
        r->line = l, r->cap = c;
      }
      memcpy(r->line + r->n, s, seg);
      r->n += seg;
    }
    r->pos += seg + (nl != NULL);
    if (nl) break;
  }
  r->line_no++;
  if (r->n && r->line[r->n - 1] == '\r') r->n--;
  r->line[r->n] = '\0';
  return 1;
}

/* ---- one side of a pair: validate, tokenize, split -------------------------------------- */

typedef struct side {
  char *tok; /* tokenized text (or a copy of the line) */
  size_t tok_cap;
  uint32_t *at, *len; /* (max_len + 1) word spans in tok */
  int words;          /* words found, counting stops at max_len + 1 */
} side;

enum { P_OK, P_EMPTY, P_LONG, P_ERROR };

static int side_prepare(side *sd, line_reader *r, int tokenize, s2s_lang lang, int max_len,
                        char *err, size_t errlen) {
  sd->words = 0;
  if (r->too_long) return P_LONG;
  size_t bad;
  if (s2s_utf8_validate(r->line, r->n, &bad) != 0) {
    snprintf(err, errlen, "%s:%ld: invalid UTF-8 at byte %zu of the line (counting from 1): 0x%02X",
             r->path, r->line_no, bad + 1, (unsigned)(unsigned char)r->line[bad]);
    return P_ERROR;
  }
  if (memchr(r->line, 0, r->n)) {
    snprintf(err, errlen, "%s:%ld: NUL byte in the text", r->path, r->line_no);
    return P_ERROR;
  }
  size_t need = 2 * r->n + 1;
  if (need > sd->tok_cap) {
    char *t = realloc(sd->tok, need);
    if (!t) return snprintf(err, errlen, "out of memory"), P_ERROR;
    sd->tok = t, sd->tok_cap = need;
  }
  size_t n = tokenize ? s2s_tokenize(r->line, r->n, lang, sd->tok)
                      : (memcpy(sd->tok, r->line, r->n + 1), r->n);
  for (size_t i = 0; i < n;) {
    while (i < n && (sd->tok[i] == ' ' || sd->tok[i] == '\t'))
      i++;
    if (i == n) break;
    size_t e = i;
    while (e < n && sd->tok[e] != ' ' && sd->tok[e] != '\t')
      e++;
    if (sd->words > max_len) return P_LONG;
    sd->at[sd->words] = (uint32_t)i, sd->len[sd->words] = (uint32_t)(e - i);
    sd->words++;
    sd->tok[e < n ? e : n] = '\0';
    i = e + 1;
  }
  return sd->words == 0 ? P_EMPTY : sd->words > max_len ? P_LONG : P_OK;
}

/* ---- word counts ------------------------------------------------------------------------ */

typedef struct wmap {
  char **key; /* (cap) NULL for empty slots */
  uint64_t *count;
  size_t cap, n;
  char **blocks; /* arena: key bytes */
  size_t nblocks, used, block_size;
} wmap;

static int wmap_init(wmap *m) {
  memset(m, 0, sizeof *m);
  m->cap = 1 << 16;
  m->key = calloc(m->cap, sizeof *m->key);
  m->count = calloc(m->cap, sizeof *m->count);
  return m->key && m->count ? 0 : -1;
}

static void wmap_free(wmap *m) {
  for (size_t i = 0; i < m->nblocks; i++)
    free(m->blocks[i]);
  free(m->blocks);
  free(m->key);
  free(m->count);
}

static char *arena_copy(wmap *m, const char *w, size_t len) {
  if (m->nblocks == 0 || m->used + len + 1 > m->block_size) {
    size_t bs = len + 1 > (1 << 20) ? len + 1 : (1 << 20);
    char **b = realloc(m->blocks, (m->nblocks + 1) * sizeof *b);
    if (!b) return NULL;
    m->blocks = b;
    if (!(b[m->nblocks] = malloc(bs))) return NULL;
    m->nblocks++, m->used = 0, m->block_size = bs;
  }
  char *p = m->blocks[m->nblocks - 1] + m->used;
  memcpy(p, w, len);
  p[len] = '\0';
  m->used += len + 1;
  return p;
}

static int wmap_add(wmap *m, const char *w, size_t len) {
  if (2 * (m->n + 1) > m->cap) { /* grow at half full */
    size_t nc = 2 * m->cap;
    char **nk = calloc(nc, sizeof *nk);
    uint64_t *ncount = calloc(nc, sizeof *ncount);
    if (!nk || !ncount) return free(nk), free(ncount), -1;
    for (size_t i = 0; i < m->cap; i++) {
      if (!m->key[i]) continue;
      size_t j = (size_t)s2s_fnv1a64(S2S_FNV1A64_INIT, m->key[i], strlen(m->key[i])) & (nc - 1);
      while (nk[j])
        j = (j + 1) & (nc - 1);
      nk[j] = m->key[i], ncount[j] = m->count[i];
    }
    free(m->key), free(m->count);
    m->key = nk, m->count = ncount, m->cap = nc;
  }
  size_t j = (size_t)s2s_fnv1a64(S2S_FNV1A64_INIT, w, len) & (m->cap - 1);
  while (m->key[j] && !(strncmp(m->key[j], w, len) == 0 && m->key[j][len] == '\0'))
    j = (j + 1) & (m->cap - 1);
  if (!m->key[j]) {
    if (!(m->key[j] = arena_copy(m, w, len))) return -1;
    m->n++;
  }
  m->count[j]++;
  return 0;
}

static s2s_vocab *wmap_vocab(const wmap *m, int max_size) {
  const char **w = malloc((m->n ? m->n : 1) * sizeof *w);
  uint64_t *c = malloc((m->n ? m->n : 1) * sizeof *c);
  s2s_vocab *v = NULL;
  if (w && c) {
    size_t k = 0;
    for (size_t i = 0; i < m->cap; i++)
      if (m->key[i]) w[k] = m->key[i], c[k++] = m->count[i];
    v = s2s_vocab_from_counts(w, c, k, max_size);
  }
  free(w);
  free(c);
  return v;
}

/* ---- passes ----------------------------------------------------------------------------- */

typedef struct build {
  const s2s_dataset_opts *o;
  const s2s_config *cfg;
  side sd[2];
  wmap counts[2];
  s2s_vocab *vocab[2];
  s2s_cache_writer w;
  uint64_t *index; /* (pairs of the set being written) */
  size_t index_cap;
  int32_t *rec; /* (2 + 2 * max_len) one record */
} build;

/* One pass over a set. count: add kept pairs' words to the maps; else write records. */
static int pass(build *b, int set, int count, int64_t st[S2S_CS_N], char *err, size_t errlen) {
  const s2s_dataset_opts *o = b->o;
  const char *path[2] = {set ? o->dev_src : o->train_src, set ? o->dev_tgt : o->train_tgt};
  const s2s_lang lang[2] = {o->src_lang, o->tgt_lang};
  const int max_len = b->cfg->max_len;
  line_reader r[2];
  int rc = -1;
  uint64_t words = 0;
  memset(st, 0, S2S_CS_N * sizeof *st);
  const size_t max_bytes = (size_t)max_len * 256 + 4096;
  if (lr_open(&r[0], path[0], max_bytes, err, errlen) ||
      lr_open(&r[1], path[1], max_bytes, err, errlen))
    goto out;
  for (;;) {
    int g0 = lr_next(&r[0]), g1 = lr_next(&r[1]);
    if (g0 < 0 || g1 < 0) {
      snprintf(err, errlen, "error reading '%s'", path[g0 < 0 ? 0 : 1]);
      goto out;
    }
    if (g0 != g1) {
      snprintf(err, errlen, "'%s' ended at line %ld but '%s' goes on (changed while reading?)",
               path[g0 ? 1 : 0], r[g0 ? 1 : 0].line_no, path[g0 ? 0 : 1]);
      goto out;
    }
    if (!g0) break;
    st[S2S_CS_LINES]++;
    int p[2];
    for (int s = 0; s < 2; s++) {
      p[s] = side_prepare(&b->sd[s], &r[s], o->tokenize, lang[s], max_len, err, errlen);
      if (p[s] == P_ERROR) goto out;
    }
    if (p[0] == P_EMPTY || p[1] == P_EMPTY) {
      st[S2S_CS_EMPTY]++;
      continue;
    }
    if (p[0] == P_LONG || p[1] == P_LONG) {
      st[S2S_CS_LONG]++;
      continue;
    }
    st[S2S_CS_KEPT]++;
    if (count) {
      for (int s = 0; s < 2; s++)
        for (int k = 0; k < b->sd[s].words; k++)
          if (wmap_add(&b->counts[s], b->sd[s].tok + b->sd[s].at[k], b->sd[s].len[k]) != 0)
            goto oom;
      continue;
    }
    int32_t *rec = b->rec, n = 2;
    rec[0] = b->sd[0].words, rec[1] = b->sd[1].words;
    for (int s = 0; s < 2; s++) {
      for (int k = 0; k < b->sd[s].words; k++) {
        int32_t id = s2s_vocab_id(b->vocab[s], b->sd[s].tok + b->sd[s].at[k], b->sd[s].len[k]);
        if (id == S2S_TOKEN_EOS) id = S2S_TOKEN_UNK; /* a literal "<eos>" is not the end */
        st[S2S_CS_OOV_SRC + s] += id == S2S_TOKEN_UNK;
        rec[n++] = id;
      }
      st[S2S_CS_WORDS_SRC + s] += b->sd[s].words;
    }
    if ((size_t)st[S2S_CS_KEPT] > b->index_cap) {
      size_t c = b->index_cap ? 2 * b->index_cap : 4096;
      uint64_t *x = realloc(b->index, c * sizeof *x);
      if (!x) goto oom;
      b->index = x, b->index_cap = c;
    }
    b->index[st[S2S_CS_KEPT] - 1] = words;
    words += (uint64_t)n;
    if (s2s_cache_write(&b->w, rec, (size_t)n * sizeof *rec) != 0) {
      snprintf(err, errlen, "cannot write '%s'", b->w.tmp);
      goto out;
    }
    if (!o->quiet && st[S2S_CS_LINES] % 1000000 == 0)
      fprintf(stderr, "corpus: %s: %ld pairs\n", set ? "dev" : "train", (long)st[S2S_CS_LINES]);
  }
  rc = 0;
  goto out;
oom:
  snprintf(err, errlen, "out of memory");
out:
  lr_close(&r[0]);
  lr_close(&r[1]);
  return rc;
}

int s2s_cache_build(const s2s_dataset_opts *o, const s2s_config *cfg, const uint8_t key[32],
                    const char *path, char *err, size_t errlen) {
  build b;
  memset(&b, 0, sizeof b);
  b.o = o, b.cfg = cfg;
  int rc = -1;
  const int L = cfg->max_len;
  uint64_t *idx[2] = {NULL, NULL}; /* [set] record offsets, moved out of b.index */
  int64_t st0[S2S_CS_N], distinct[2];
  for (int s = 0; s < 2; s++) {
    b.sd[s].at = malloc((size_t)(L + 1) * sizeof(uint32_t));
    b.sd[s].len = malloc((size_t)(L + 1) * sizeof(uint32_t));
    if (!b.sd[s].at || !b.sd[s].len || wmap_init(&b.counts[s]) != 0) goto oom;
  }
  if (!(b.rec = malloc((size_t)(2 + 2 * L) * sizeof *b.rec))) goto oom;
  if (pass(&b, S2S_SET_TRAIN, 1, st0, err, errlen) != 0) goto out;
  for (int s = 0; s < 2; s++) {
    distinct[s] = (int64_t)b.counts[s].n;
    if (!(b.vocab[s] = wmap_vocab(&b.counts[s], s ? cfg->tgt_vocab : cfg->src_vocab))) goto oom;
    wmap_free(&b.counts[s]);
    memset(&b.counts[s], 0, sizeof b.counts[s]);
  }
  if (s2s_cache_writer_open(&b.w, path, err, errlen) != 0) goto out;
  s2s_cache_header *h = &b.w.h;
  memcpy(h->distinct, distinct, sizeof distinct);
  for (int set = 0; set < 2; set++) {
    h->rec_off[set] = b.w.pos;
    const uint64_t start = b.w.pos;
    if (set == S2S_SET_TRAIN || o->dev_src) {
      if (pass(&b, set, 0, h->stats[set], err, errlen) != 0) goto fail;
    } else {
      memset(h->stats[set], 0, sizeof h->stats[set]);
    }
    h->rec_words[set] = (b.w.pos - start) / 4;
    h->pairs[set] = (uint64_t)h->stats[set][S2S_CS_KEPT];
    idx[set] = b.index, b.index = NULL, b.index_cap = 0;
    if (s2s_cache_align(&b.w) != 0) goto werr;
  }
  for (int set = 0; set < 2; set++) {
    h->idx_off[set] = b.w.pos;
    if (s2s_cache_write(&b.w, idx[set], h->pairs[set] * sizeof(uint64_t)) != 0) goto werr;
  }
  for (int s = 0; s < 2; s++) {
    size_t len;
    unsigned char *vb = s2s_vocab_serialize(b.vocab[s], &len);
    if (!vb) goto oom;
    h->vocab_off[s] = b.w.pos, h->vocab_len[s] = len;
    int wr = s2s_cache_write(&b.w, vb, len) || s2s_cache_align(&b.w);
    free(vb);
    if (wr) goto werr;
  }
  memcpy(h->key, key, 32);
  h->max_len = (uint32_t)L;
  h->src_vocab = (uint32_t)cfg->src_vocab, h->tgt_vocab = (uint32_t)cfg->tgt_vocab;
  h->tokenize = (uint32_t)(o->tokenize != 0);
  rc = s2s_cache_writer_commit(&b.w, err, errlen);
  goto out;
werr:
  snprintf(err, errlen, "cannot write '%s'", b.w.tmp);
fail:
  s2s_cache_writer_abort(&b.w);
  goto out;
oom:
  snprintf(err, errlen, "out of memory");
  s2s_cache_writer_abort(&b.w);
out:
  free(idx[0]), free(idx[1]);
  for (int s = 0; s < 2; s++) {
    free(b.sd[s].tok), free(b.sd[s].at), free(b.sd[s].len);
    wmap_free(&b.counts[s]);
    s2s_vocab_free(b.vocab[s]);
  }
  free(b.rec);
  free(b.index);
  return rc;
}

/* The corpus data source (dataset.h): finds or builds the token-id cache for the inputs,
 * maps it, buckets it, and serves batches, stats and the vocabularies; plus the vocabulary
 * pair block for checkpoints and sentence <-> ids helpers for translate. */
#include "data/dataset.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "record/atomic_file.h"
#include "model/checkpoint.h" /* s2s_fnv1a64 */
#include "data/dataset_internal.h"
#include "record/json.h"

typedef struct corpus_source {
  s2s_data_source src;
  s2s_dataset_opts o;
  s2s_config cfg;
  s2s_dataset_stats st;
  s2s_cache_view view;
  s2s_buckets buckets;
  char path[4][4096];
} corpus_source;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int file_exists(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

int s2s_dataset_opts_from_dir(s2s_dataset_opts *o, const char *dir, const char *src_ext,
                             const char *tgt_ext, char *buf, size_t bufsize, char *err,
                             size_t errlen) {
  const size_t each = bufsize / 4;
  const char *set[2] = {"train", "dev"}, *ext[2] = {src_ext, tgt_ext};
  char *p[4];
  for (int i = 0; i < 4; i++) {
    p[i] = buf + i * each;
    if ((size_t)snprintf(p[i], each, "%s/%s.%s", dir, set[i / 2], ext[i % 2]) >= each) {
      snprintf(err, errlen, "--data: path too long");
      return -1;
    }
  }
  for (int i = 0; i < 2; i++)
    if (!file_exists(p[i])) {
      snprintf(err, errlen,
               "--data %s: no training file '%s' (the folder needs train.%s, "
               "train.%s and optionally dev.%s, dev.%s)",
               dir, p[i], src_ext, tgt_ext, src_ext, tgt_ext);
      return -1;
    }
  o->train_src = p[0], o->train_tgt = p[1];
  const int dev = file_exists(p[2]) && file_exists(p[3]);
  o->dev_src = dev ? p[2] : NULL, o->dev_tgt = dev ? p[3] : NULL;
  return 0;
}

static corpus_source *impl(const s2s_data_source *s) {
  return s && s->name && !strcmp(s->name, "corpus") ? s->impl : NULL;
}

const s2s_dataset_stats *s2s_dataset_get_stats(const s2s_data_source *s) {
  corpus_source *c = impl(s);
  return c ? &c->st : NULL;
}

const s2s_vocab *s2s_dataset_vocab(const s2s_data_source *s, int side) {
  corpus_source *c = impl(s);
  return c && (side == 0 || side == 1) ? c->view.vocab[side] : NULL;
}

static int cs_train(s2s_data_source *s, uint64_t step, s2s_batch *b) {
  corpus_source *c = s->impl;
  return s2s_buckets_train(&c->buckets, &c->view, step, b);
}

static int cs_dev(s2s_data_source *s, int i, s2s_batch *b) {
  corpus_source *c = s->impl;
  return s2s_buckets_dev(&c->buckets, &c->view, i, b);
}

static double rate(long a, long b) {
  return b > 0 ? (double)a / b : 0;
}

static void cs_describe(s2s_data_source *s, void *json) {
  corpus_source *c = s->impl;
  s2s_json *j = json;
  const s2s_dataset_stats *st = &c->st;
  const char *key[4] = {"train_src", "train_tgt", "dev_src", "dev_tgt"};
  const char *path[4] = {c->o.train_src, c->o.train_tgt, c->o.dev_src, c->o.dev_tgt};
  for (int i = 0; i < 4; i++)
    if (path[i]) s2s_json_str(j, key[i], path[i]);
  s2s_json_bool(j, "tokenize", c->o.tokenize);
  s2s_json_str(j, "src_lang", s2s_lang_name(c->o.src_lang));
  s2s_json_str(j, "tgt_lang", s2s_lang_name(c->o.tgt_lang));
  char hex[17];
  snprintf(hex, sizeof hex, "%016llx", (unsigned long long)s->data_hash);
  s2s_json_str(j, "data_hash", hex);
  s2s_json_str(j, "cache", st->cache_path);
  s2s_json_bool(j, "cache_hit", st->cache_hit);
  s2s_json_num(j, "open_seconds", st->open_seconds);
  s2s_json_int(j, "src_vocab_used", st->vocab_size[0]);
  s2s_json_int(j, "tgt_vocab_used", st->vocab_size[1]);
  s2s_json_int(j, "src_distinct_words", st->distinct[0]);
  s2s_json_int(j, "tgt_distinct_words", st->distinct[1]);
  const char *set[2] = {"train", "dev"};
  for (int k = 0; k < 2; k++) {
    s2s_json_object(j, set[k]);
    s2s_json_int(j, "pairs_read", st->lines[k]);
    s2s_json_int(j, "pairs", st->kept[k]);
    s2s_json_int(j, "skipped_empty", st->skipped_empty[k]);
    s2s_json_int(j, "skipped_too_long", st->skipped_long[k]);
    s2s_json_int(j, "src_words", st->words[k][0]);
    s2s_json_int(j, "tgt_words", st->words[k][1]);
    s2s_json_num(j, "src_oov_rate", rate(st->oov[k][0], st->words[k][0]));
    s2s_json_num(j, "tgt_oov_rate", rate(st->oov[k][1], st->words[k][1]));
    s2s_json_close(j, '}');
  }
  s2s_json_int(j, "dev_batches", s->dev_batches);
  s2s_json_int(j, "dev_batches_total", c->buckets.dev_total);
  s2s_json_num(j, "padding_efficiency", st->padding_efficiency);
  s2s_json_num(j, "padding_efficiency_unbucketed", st->padding_efficiency_random);
  s2s_json_str(j, "padding_efficiency_definition",
               "(source words + target words + 1 <eos> per pair) / (B * (T_src + T_tgt)) per "
               "batch, summed over epoch 0");
}

void s2s_dataset_print(const s2s_data_source *s, FILE *f) {
  corpus_source *c = impl(s);
  if (!c) return;
  const s2s_dataset_stats *st = &c->st;
  const char *set[2] = {"train", "dev"};
  for (int k = 0; k < 2; k++) {
    if (k == 1 && !c->o.dev_src) {
      fprintf(f, "corpus: no dev set\n");
      continue;
    }
    fprintf(f,
            "corpus: %-5s %ld pairs (%ld read; skipped %ld with an empty side, %ld over "
            "%d words); OOV %.2f%% source, %.2f%% target\n",
            set[k], st->kept[k], st->lines[k], st->skipped_empty[k], st->skipped_long[k],
            c->cfg.max_len, 100 * rate(st->oov[k][0], st->words[k][0]),
            100 * rate(st->oov[k][1], st->words[k][1]));
  }
  fprintf(f,
          "corpus: vocabulary %d source / %d target ids (of %ld / %ld distinct words); "
          "padding efficiency %.3f (random batches: %.3f); %d dev batches\n",
          st->vocab_size[0], st->vocab_size[1], st->distinct[0], st->distinct[1],
          st->padding_efficiency, st->padding_efficiency_random, s->dev_batches);
  fprintf(f, "corpus: token ids %s %s (%.1f s)\n", st->cache_hit ? "from cache" : "cached in",
          st->cache_path, st->open_seconds);
}

static void cs_free(s2s_data_source *s) {
  corpus_source *c = s->impl;
  s2s_buckets_free(&c->buckets);
  s2s_cache_view_free(&c->view);
  free(c);
}

/* DIR/.s2s-cache next to the training source, or o->cache_dir; when that cannot be written,
 * TMPDIR (the file is deleted once mapped). Returns 1 when the fallback is used, 0 when not,
 * -1 when the path does not fit. */
static int cache_path(const s2s_dataset_opts *o, const uint8_t key[32], char *out, size_t cap) {
  char dir[4096];
  if (o->cache_dir) {
    snprintf(dir, sizeof dir, "%s", o->cache_dir);
  } else {
    const char *slash = strrchr(o->train_src, '/');
    int n = slash ? (int)(slash - o->train_src) : 1;
    snprintf(dir, sizeof dir, "%.*s/.s2s-cache", n, slash ? o->train_src : ".");
  }
  int tmp = 0;
  if ((o->cache_dir                                 ? s2s_mkdirs(dir)
       : (mkdir(dir, 0777) != 0 && errno != EEXIST) ? -1
                                                    : 0) ||
      access(dir, W_OK) != 0) {
    const char *t = getenv("TMPDIR");
    if (!o->quiet)
      fprintf(stderr,
              "corpus: cannot write the cache folder '%s': using a temporary file "
              "(the next run builds it again)\n",
              dir);
    snprintf(dir, sizeof dir, "%s", t && *t ? t : "/tmp");
    tmp = 1;
  }
  if (!tmp) s2s_cache_sweep_tmp(dir); /* leftovers of killed builds (never in TMPDIR) */
  char hex[33];
  for (int i = 0; i < 16; i++)
    snprintf(hex + 2 * i, 3, "%02x", key[i]);
  int k = snprintf(out, cap, tmp ? "%s/s2s-%s.%ld.ids" : "%s/%s.ids", dir, hex, (long)getpid());
  return k < 0 || (size_t)k >= cap ? -1 : tmp;
}

#define FAIL(...)                                                                                  \
  do {                                                                                             \
    snprintf(err, errlen, __VA_ARGS__);                                                            \
    goto fail;                                                                                     \
  } while (0)

s2s_data_source *s2s_dataset_open(const s2s_dataset_opts *o, const s2s_config *cfg, char *err,
                                        size_t errlen) {
  const double t0 = now_s();
  corpus_source *c = calloc(1, sizeof *c);
  if (!c) return snprintf(err, errlen, "out of memory"), NULL;
  c->o = *o, c->cfg = *cfg;
  const char *in[4] = {o->train_src, o->train_tgt, o->dev_src, o->dev_tgt};
  const char **dst[4] = {&c->o.train_src, &c->o.train_tgt, &c->o.dev_src, &c->o.dev_tgt};
  for (int i = 0; i < 4; i++) /* own copies: the caller's strings may go away */
    if (in[i]) snprintf(c->path[i], sizeof c->path[i], "%s", in[i]), *dst[i] = c->path[i];
  if (!o->train_src || !o->train_tgt) FAIL("a training source and target file are needed");
  if (!o->dev_src != !o->dev_tgt) FAIL("give both dev files or neither");
  if (cfg->max_len < 1 || cfg->batch < 1 || cfg->src_vocab < 2 || cfg->tgt_vocab < 2)
    FAIL("bad sizes (max_len %d, batch %d, vocabularies %d/%d)", cfg->max_len, cfg->batch,
         cfg->src_vocab, cfg->tgt_vocab);
  uint8_t key[32];
  long lines[2];
  if (s2s_cache_key(&c->o, cfg, key, lines, err, errlen) != 0) goto fail;
  s2s_dataset_stats *st = &c->st;
  const int tmp = cache_path(&c->o, key, st->cache_path, sizeof st->cache_path);
  if (tmp < 0) FAIL("cache path too long");
  char why[512];
  int rc = tmp ? -2 : s2s_cache_map(&c->view, st->cache_path, key, cfg, why, sizeof why);
  st->cache_hit = rc == 0;
  if (rc != 0) {
    if (rc != -2 && !o->quiet)
      fprintf(stderr, "corpus: cache %s: %s: rebuilding it\n", st->cache_path, why);
    if (!o->quiet)
      fprintf(stderr, "corpus: reading %ld + %ld pairs, building vocabularies and token ids\n",
              lines[0], lines[1]);
    if (s2s_cache_build(&c->o, cfg, key, st->cache_path, err, errlen) != 0) goto fail;
    rc = s2s_cache_map(&c->view, st->cache_path, key, cfg, why, sizeof why);
    if (tmp) remove(st->cache_path);
    if (rc != 0) FAIL("cache %s: %s (just written)", st->cache_path, why);
  }
  if (!tmp) { /* this cache is the newest used; the folder keeps S2S_CACHE_KEEP of them */
    char dir[4200];
    snprintf(dir, sizeof dir, "%s", st->cache_path);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = '\0';
    const int gone = s2s_cache_evict(slash ? dir : ".", st->cache_path, S2S_CACHE_KEEP);
    if (gone > 0 && !o->quiet)
      fprintf(stderr, "corpus: removed %d older token cache(s) from %s (it keeps the %d most "
              "recently used)\n", gone, slash ? dir : ".", S2S_CACHE_KEEP);
  }
  const s2s_cache_header *h = c->view.h;
  for (int k = 0; k < 2; k++) {
    st->lines[k] = (long)h->stats[k][S2S_CS_LINES];
    st->kept[k] = (long)h->stats[k][S2S_CS_KEPT];
    st->skipped_empty[k] = (long)h->stats[k][S2S_CS_EMPTY];
    st->skipped_long[k] = (long)h->stats[k][S2S_CS_LONG];
    for (int s = 0; s < 2; s++) {
      st->words[k][s] = (long)h->stats[k][S2S_CS_WORDS_SRC + s];
      st->oov[k][s] = (long)h->stats[k][S2S_CS_OOV_SRC + s];
    }
    st->distinct[k] = (long)h->distinct[k];
    st->vocab_size[k] = s2s_vocab_size(c->view.vocab[k]);
  }
  if (st->kept[0] == 0)
    FAIL("'%s': no training pair left (%ld read: %ld with an empty side, %ld over %d words)",
         c->o.train_src, st->lines[0], st->skipped_empty[0], st->skipped_long[0], cfg->max_len);
  if (s2s_buckets_init(&c->buckets, &c->view, cfg->batch, cfg->max_len, cfg->seed,
                       o->dev_max_batches) != 0)
    FAIL("out of memory");
  s2s_buckets_padding(&c->buckets, &c->view, &st->padding_efficiency,
                      &st->padding_efficiency_random);
  uint64_t hv[2] = {s2s_vocab_hash(c->view.vocab[0]), s2s_vocab_hash(c->view.vocab[1])};
  uint64_t dh = s2s_fnv1a64(S2S_FNV1A64_INIT, hv, sizeof hv);
  c->src = (s2s_data_source){.name = "corpus",
                             .sentences = st->kept[0],
                             .steps_per_epoch = c->buckets.steps,
                             .dev_batches = c->buckets.dev_batches,
                             .data_hash = s2s_fnv1a64(dh, key, 32),
                             .train_batch = cs_train,
                             .dev_batch = cs_dev,
                             .describe = cs_describe,
                             .free = cs_free,
                             .impl = c};
  st->open_seconds = now_s() - t0;
  return &c->src;
fail:
  s2s_buckets_free(&c->buckets);
  s2s_cache_view_free(&c->view);
  free(c);
  return NULL;
}

/* ---- vocabulary pair block ------------------------------------------------------------- */

#define PAIR_MAGIC "S2SVPAIR"
#define PAIR_HEADER 32

static void put64(unsigned char *p, uint64_t x) {
  for (int k = 0; k < 8; k++)
    p[k] = (unsigned char)(x >> (8 * k));
}
static uint64_t get64(const unsigned char *p) {
  uint64_t x = 0;
  for (int k = 7; k >= 0; k--)
    x = x << 8 | p[k];
  return x;
}

unsigned char *s2s_dataset_vocabs_serialize(const s2s_vocab *src, const s2s_vocab *tgt,
                                            const s2s_text_rules *rules, size_t *len) {
  size_t n[2];
  unsigned char *b[2] = {s2s_vocab_serialize(src, &n[0]), s2s_vocab_serialize(tgt, &n[1])};
  unsigned char *p = b[0] && b[1] ? malloc(PAIR_HEADER + n[0] + n[1]) : NULL;
  if (p) {
    memcpy(p, PAIR_MAGIC, 8);
    memset(p + 8, 0, 8);
    p[8] = 2; /* u32 version 2, then the rules */
    p[12] = (unsigned char)(rules && rules->tokenize);
    p[13] = (unsigned char)(rules ? rules->src_lang : S2S_LANG_ANY);
    p[14] = (unsigned char)(rules ? rules->tgt_lang : S2S_LANG_ANY);
    put64(p + 16, n[0]);
    put64(p + 24, n[1]);
    memcpy(p + PAIR_HEADER, b[0], n[0]);
    memcpy(p + PAIR_HEADER + n[0], b[1], n[1]);
    *len = PAIR_HEADER + n[0] + n[1];
  }
  free(b[0]);
  free(b[1]);
  return p;
}

int s2s_dataset_vocabs_deserialize(const unsigned char *p, size_t len, s2s_vocab **src,
                                  s2s_vocab **tgt, s2s_text_rules *rules, char *err,
                                  size_t errlen) {
  *src = *tgt = NULL;
  if (rules) memset(rules, 0, sizeof *rules);
  if (!p || len < PAIR_HEADER || memcmp(p, PAIR_MAGIC, 8) != 0) {
    snprintf(err, errlen, "no vocabularies in this block (a checkpoint of a synthetic task?)");
    return -1;
  }
  if ((p[8] != 1 && p[8] != 2) || p[9] || p[10] || p[11]) {
    snprintf(err, errlen, "vocabulary pair format version %u (this build reads 1 and 2)", p[8]);
    return -1;
  }
  if (p[8] == 1 ? (p[12] || p[13] || p[14] || p[15])
                : (p[12] > 1 || p[13] > S2S_LANG_FR || p[14] > S2S_LANG_FR || p[15])) {
    snprintf(err, errlen, "vocabulary pair block: invalid text rules (bytes 12-15: %u %u %u %u)",
             p[12], p[13], p[14], p[15]);
    return -1;
  }
  const uint64_t a = get64(p + 16), b = get64(p + 24);
  if (a > len - PAIR_HEADER || b != len - PAIR_HEADER - a) {
    snprintf(err, errlen, "vocabulary pair block: sizes %llu + %llu do not fill %zu bytes",
             (unsigned long long)a, (unsigned long long)b, len - PAIR_HEADER);
    return -1;
  }
  char e[256];
  *src = s2s_vocab_deserialize(p + PAIR_HEADER, (size_t)a, e, sizeof e);
  if (*src) *tgt = s2s_vocab_deserialize(p + PAIR_HEADER + a, (size_t)b, e, sizeof e);
  if (!*src || !*tgt) {
    snprintf(err, errlen, "%s vocabulary: %s", *src ? "target" : "source", e);
    s2s_vocab_free(*src);
    *src = NULL;
    return -1;
  }
  if (rules && p[8] == 2)
    *rules = (s2s_text_rules){1, p[12], (s2s_lang)p[13], (s2s_lang)p[14]};
  return 0;
}

/* ---- sentences <-> ids ----------------------------------------------------------------- */

long s2s_dataset_encode(const s2s_vocab *v, const char *text, size_t n, int tokenize, s2s_lang lang,
                       int32_t *ids, long cap) {
  char *tok = NULL;
  if (tokenize) {
    if (!(tok = malloc(2 * n + 1))) return -1;
    n = s2s_tokenize(text, n, lang, tok);
    text = tok;
  }
  long w = 0;
  for (size_t i = 0; i < n;) {
    while (i < n && (text[i] == ' ' || text[i] == '\t'))
      i++;
    if (i == n) break;
    size_t e = i;
    while (e < n && text[e] != ' ' && text[e] != '\t')
      e++;
    int32_t id = s2s_vocab_id(v, text + i, e - i);
    if (w < cap) ids[w] = id == S2S_TOKEN_EOS ? S2S_TOKEN_UNK : id;
    w++;
    i = e;
  }
  free(tok);
  return w;
}

long s2s_dataset_decode(const s2s_vocab *v, const int32_t *ids, long n, int detokenize,
                       s2s_lang lang, char *out, size_t cap) {
  if (cap == 0) return -1;
  size_t o = 0;
  for (long i = 0; i < n && ids[i] != S2S_TOKEN_EOS; i++) {
    const char *w = s2s_vocab_word(v, ids[i]);
    size_t wl = strlen(w);
    if (o + (o > 0) + wl + 1 > cap) break;
    if (o > 0) out[o++] = ' ';
    memcpy(out + o, w, wl);
    o += wl;
  }
  out[o] = '\0';
  if (!detokenize) return (long)o;
  char *d = malloc(o + 1);
  if (!d) return -1;
  size_t dl = s2s_detokenize(out, o, lang, d);
  memcpy(out, d, dl + 1);
  free(d);
  return (long)dl;
}

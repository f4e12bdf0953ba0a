/* Corpus data source on the fixture corpus (tests/fixtures/data/enfr: 50 training pairs,
 * one with an empty side, one over 16 words; 10 dev pairs): counts and skips, vocabulary
 * and OOV, the cache (second open hits it; truncated or corrupt caches are rebuilt),
 * bucketing (batches hold disjoint length ranges), every pair exactly once per epoch,
 * determinism, per-epoch order, padding efficiency, dev batches, bad input files, and the
 * removal of tmp files that killed cache builds left. */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "data/dataset.h"
#include "data/dataset_internal.h"
#include "test_util.h"

static char dir[4096], cache[4200], tmp[256];

static s2s_config small_cfg(int B, int vocab) {
  s2s_config c;
  s2s_config_preset(&c, "tiny");
  c.batch = B, c.max_len = 16, c.src_vocab = c.tgt_vocab = vocab, c.seed = 7;
  return c;
}

static s2s_data_source *open_fixture(const s2s_config *c, int tokenize, int dev_max) {
  char buf[4 * 4200], err[512];
  s2s_dataset_opts o = {.tokenize = tokenize,
                       .src_lang = S2S_LANG_EN,
                       .tgt_lang = S2S_LANG_FR,
                       .cache_dir = cache,
                       .dev_max_batches = dev_max,
                       .quiet = 1};
  if (s2s_dataset_opts_from_dir(&o, dir, "en", "fr", buf, sizeof buf, err, sizeof err)) {
    fprintf(stderr, "%s\n", err);
    return NULL;
  }
  s2s_data_source *s = s2s_dataset_open(&o, c, err, sizeof err);
  if (!s) fprintf(stderr, "open: %s\n", err);
  return s;
}

/* A row's fingerprint: hash of its source (reading order) and target ids. */
static uint64_t row_print(const s2s_batch *b, int i, int *ls_out) {
  int ls = 0, lt = 0;
  for (int t = 0; t < b->T_src; t++)
    ls += b->src_mask[t * b->B + i] != 0;
  for (int t = 0; t < b->T_tgt; t++)
    lt += b->tgt_mask[t * b->B + i] != 0;
  if (ls_out) *ls_out = ls;
  if (lt == 0) return 0; /* an unused row of a short batch */
  uint64_t h = 1469598103934665603ull;
  for (int k = 0; k < ls; k++)
    h = (h ^ (uint64_t)b->src[(b->T_src - 1 - k) * b->B + i]) * 1099511628211ull;
  h = (h ^ 0xFFFF) * 1099511628211ull;
  for (int t = 0; t < lt - 1; t++)
    h = (h ^ (uint64_t)b->tgt_out[t * b->B + i]) * 1099511628211ull;
  return h | 1;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static void test_source(void) {
  s2s_config c = small_cfg(8, 64);
  s2s_data_source *s = open_fixture(&c, 1, 0);
  T_CHECK(s != NULL, "open");
  if (!s) return;
  const s2s_dataset_stats *st = s2s_dataset_get_stats(s);
  T_CHECK(!st->cache_hit, "first open builds the cache");
  T_CHECK(st->lines[0] == 50 && st->kept[0] == 48 && st->skipped_empty[0] == 1 &&
              st->skipped_long[0] == 1,
          "train: %ld read, %ld kept, %ld empty, %ld long", st->lines[0], st->kept[0],
          st->skipped_empty[0], st->skipped_long[0]);
  T_CHECK(st->lines[1] == 10 && st->kept[1] == 10, "dev: %ld read, %ld kept", st->lines[1],
          st->kept[1]);
  T_CHECK(s->sentences == 48 && s->steps_per_epoch == 6 && s->dev_batches == 2,
          "48 sentences, 6 steps, 2 dev batches (got %ld %ld %d)", s->sentences, s->steps_per_epoch,
          s->dev_batches);
  T_CHECK(!strcmp(s->name, "corpus") && s->data_hash != 0, "name and hash");
  T_CHECK(st->vocab_size[0] == 64 && st->vocab_size[1] == 64 && st->distinct[0] > 62,
          "vocab full at 64 (distinct %ld)", st->distinct[0]);
  T_CHECK(st->oov[0][0] > 0 && st->oov[0][0] < st->words[0][0], "some train OOV");
  const s2s_vocab *vs = s2s_dataset_vocab(s, 0);
  T_CHECK(vs && s2s_vocab_id(vs, ".", 1) >= 2, "'.' is a frequent source word");
  T_CHECK(vs && s2s_vocab_id(vs, "⟨ph1⟩", strlen("⟨ph1⟩")) >= 2, "placeholder is a word");

  /* one epoch: each kept pair once; batches hold disjoint source-length ranges */
  s2s_batch b, b2;
  s2s_batch_alloc(&b, c.batch, c.max_len, c.max_len + 1);
  s2s_batch_alloc(&b2, c.batch, c.max_len, c.max_len + 1);
  uint64_t seen[2][48];
  int lo[6], hi[6];
  double real = 0, padded = 0;
  for (int e = 0; e < 2; e++) {
    int n = 0;
    for (int k = 0; k < 6; k++) {
      T_CHECK(s->train_batch(s, (uint64_t)(e * 6 + k), &b) == 0, "train batch");
      lo[k] = 99, hi[k] = 0;
      for (int i = 0; i < b.B; i++) {
        int ls;
        uint64_t f = row_print(&b, i, &ls);
        if (!f) continue;
        if (n < 48) seen[e][n] = f;
        n++;
        lo[k] = ls < lo[k] ? ls : lo[k], hi[k] = ls > hi[k] ? ls : hi[k];
        if (e == 0) real += 1; /* the row's <eos> */
      }
      if (e == 0) {
        real += b.src_words + b.tgt_words;
        padded += (double)b.B * (b.T_src + b.T_tgt);
      }
    }
    T_CHECK(n == 48, "epoch %d: %d rows, want 48", e, n);
    for (int k = 0; k < 6; k++)
      for (int m = 0; m < 6; m++)
        T_CHECK(m == k || hi[k] <= lo[m] || hi[m] <= lo[k] || (lo[k] == hi[k] && lo[m] == hi[m]),
                "epoch %d: batches %d [%d,%d] and %d [%d,%d] overlap in source length", e, k, lo[k],
                hi[k], m, lo[m], hi[m]);
  }
  qsort(seen[0], 48, sizeof(uint64_t), cmp_u64);
  qsort(seen[1], 48, sizeof(uint64_t), cmp_u64);
  /* the kept pairs as the cache holds them (a multiset: OOV words can make pairs equal) */
  s2s_cache_view v;
  char verr[256];
  uint64_t want[48];
  T_CHECK(s2s_cache_map(&v, st->cache_path, NULL, &c, verr, sizeof verr) == 0, "map: %s", verr);
  for (int i = 0; i < 48 && v.pairs[0] == 48; i++) {
    const int32_t *src, *tgt;
    int ls, lt;
    s2s_cache_pair(&v, 0, (uint64_t)i, &src, &ls, &tgt, &lt);
    s2s_batch_clear(&b);
    b.T_src = ls, b.T_tgt = lt + 1;
    s2s_batch_set(&b, 0, src, ls, tgt, lt);
    want[i] = row_print(&b, 0, NULL);
  }
  s2s_cache_view_free(&v);
  qsort(want, 48, sizeof(uint64_t), cmp_u64);
  T_CHECK(!memcmp(seen[0], want, sizeof want) && !memcmp(seen[1], want, sizeof want),
          "each kept pair exactly once in epochs 0 and 1");
  T_CHECK(fabs(real / padded - st->padding_efficiency) < 1e-9,
          "padding efficiency %.6f, recomputed from the batches %.6f", st->padding_efficiency,
          real / padded);
  T_CHECK(st->padding_efficiency > st->padding_efficiency_random,
          "bucketing pads less: %.3f vs random %.3f", st->padding_efficiency,
          st->padding_efficiency_random);

  /* different epochs, different order; a second source (cache hit) gives the same stream,
   * fetched out of order (batch i is a pure function of (seed, i)) */
  int differ = 0;
  for (int k = 0; k < 6; k++) {
    s->train_batch(s, (uint64_t)k, &b);
    s->train_batch(s, (uint64_t)(k + 6), &b2);
    differ += b.T_src != b2.T_src || memcmp(b.src, b2.src, sizeof(int32_t) * b.B * b.T_src);
  }
  T_CHECK(differ > 0, "epochs 0 and 1 have different batch orders");
  s2s_data_source *s2 = open_fixture(&c, 1, 0);
  T_CHECK(s2 && s2s_dataset_get_stats(s2)->cache_hit, "second open hits the cache");
  if (s2) {
    T_CHECK(s2->data_hash == s->data_hash, "same data hash");
    int same = 1;
    for (int k = 17; k >= 0; k -= 3) {
      s->train_batch(s, (uint64_t)k, &b);
      s2->train_batch(s2, (uint64_t)k, &b2);
      same &= b.T_src == b2.T_src && b.T_tgt == b2.T_tgt &&
              !memcmp(b.src, b2.src, sizeof(int32_t) * b.B * b.T_src) &&
              !memcmp(b.tgt_out, b2.tgt_out, sizeof(int32_t) * b.B * b.T_tgt);
    }
    T_CHECK(same, "same batches from both sources, any fetch order");
    s2->free(s2);
  }
  /* dev: fixed order, sorted by length; a cap spreads the batches */
  s->dev_batch(s, 0, &b);
  s->dev_batch(s, 1, &b2);
  T_CHECK(b.T_src <= b2.T_src, "dev batches sorted by length (%d, %d)", b.T_src, b2.T_src);
  T_CHECK(s->dev_batch(s, 2, &b) != 0, "dev batch out of range refused");
  s2s_data_source *s3 = open_fixture(&c, 1, 1);
  T_CHECK(s3 && s3->dev_batches == 1, "--eval-batches 1 keeps 1 dev batch");
  if (s3) s3->free(s3);

  /* the vocabulary pair block round trip */
  size_t len;
  const s2s_text_rules rules = {1, 1, S2S_LANG_EN, S2S_LANG_FR};
  unsigned char *blk = s2s_dataset_vocabs_serialize(vs, s2s_dataset_vocab(s, 1), &rules, &len);
  s2s_vocab *a = NULL, *t = NULL;
  char err[512];
  s2s_text_rules back;
  T_CHECK(blk && s2s_dataset_vocabs_deserialize(blk, len, &a, &t, &back, err, sizeof err) == 0,
          "pair block: %s", err);
  T_CHECK(back.known == 1 && back.tokenize == 1 && back.src_lang == S2S_LANG_EN &&
              back.tgt_lang == S2S_LANG_FR,
          "text rules round trip (known %d tokenize %d langs %d %d)", back.known,
          back.tokenize, (int)back.src_lang, (int)back.tgt_lang);
  s2s_vocab_free(a), s2s_vocab_free(t);
  /* a version-1 block (before the rules were saved) still reads, rules unknown */
  blk[8] = 1, blk[12] = blk[13] = blk[14] = 0;
  T_CHECK(s2s_dataset_vocabs_deserialize(blk, len, &a, &t, &back, err, sizeof err) == 0 &&
              back.known == 0,
          "version-1 pair block read, rules unknown: %s", err);
  s2s_vocab_free(a), s2s_vocab_free(t);
  blk[8] = 1, blk[12] = 1; /* rules bytes in a version-1 block */
  T_CHECK(s2s_dataset_vocabs_deserialize(blk, len, &a, &t, &back, err, sizeof err) != 0 &&
              strstr(err, "text rules"),
          "version 1 with rule bytes refused: %s", err);
  blk[8] = 2, blk[13] = 7; /* no such language */
  T_CHECK(s2s_dataset_vocabs_deserialize(blk, len, &a, &t, &back, err, sizeof err) != 0 &&
              strstr(err, "text rules"),
          "unknown language refused: %s", err);
  blk[12] = 1, blk[13] = S2S_LANG_EN;
  T_CHECK(s2s_dataset_vocabs_deserialize(blk, len, &a, &t, NULL, err, sizeof err) == 0,
          "rules restored: %s", err);
  if (a && t)
    T_CHECK(s2s_vocab_hash(a) == s2s_vocab_hash(vs) &&
                s2s_vocab_hash(t) == s2s_vocab_hash(s2s_dataset_vocab(s, 1)),
            "same vocabs");
  s2s_vocab_free(a), s2s_vocab_free(t);
  blk[len - 1] ^= 0x40;
  T_CHECK(s2s_dataset_vocabs_deserialize(blk, len, &a, &t, NULL, err, sizeof err) != 0 &&
              strstr(err, "target"),
          "corrupt pair block refused: %s", err);
  T_CHECK(s2s_dataset_vocabs_deserialize(blk, len - 5, &a, &t, NULL, err, sizeof err) != 0,
          "short pair block refused");
  free(blk);
  s2s_batch_free(&b);
  s2s_batch_free(&b2);
  s->free(s);
}

static void test_cache_repair(void) {
  s2s_config c = small_cfg(8, 64);
  s2s_data_source *s = open_fixture(&c, 1, 0);
  T_CHECK(s != NULL, "open");
  if (!s) return;
  char path[4096];
  snprintf(path, sizeof path, "%s", s2s_dataset_get_stats(s)->cache_path);
  const uint64_t hash = s->data_hash;
  s->free(s);
  FILE *f = fopen(path, "rb");
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fclose(f);
  T_CHECK(truncate(path, size / 2) == 0, "truncate");
  s = open_fixture(&c, 1, 0);
  T_CHECK(s && !s2s_dataset_get_stats(s)->cache_hit && s->data_hash == hash,
          "truncated cache rebuilt, same data");
  if (s) s->free(s);
  f = fopen(path, "r+b");
  fseek(f, size - 700, SEEK_SET);
  fputc(0x7f, f);
  fclose(f);
  s = open_fixture(&c, 1, 0);
  T_CHECK(s && !s2s_dataset_get_stats(s)->cache_hit, "corrupt cache rebuilt");
  if (s) s->free(s);
  s = open_fixture(&c, 1, 0);
  T_CHECK(s && s2s_dataset_get_stats(s)->cache_hit, "then hit again");
  if (s) s->free(s);
  /* other options: another cache and another data hash */
  s = open_fixture(&c, 0, 0);
  T_CHECK(s && !s2s_dataset_get_stats(s)->cache_hit && s->data_hash != hash,
          "untokenized input: another key");
  if (s) {
    T_CHECK(s2s_dataset_get_stats(s)->kept[0] == 48, "same skips untokenized");
    s->free(s);
  }
  s2s_config c2 = small_cfg(8, 200);
  s = open_fixture(&c2, 1, 0);
  T_CHECK(s && s->data_hash != hash, "another vocab size: another hash");
  if (s) {
    /* encode/decode: a training sentence round trips when every word is in the vocab */
    const char *line = "The file ⟨ph1⟩ already exists. Do you want to replace it?";
    int32_t ids[64];
    long n = s2s_dataset_encode(s2s_dataset_vocab(s, 0), line, strlen(line), 1, S2S_LANG_EN,
                               ids, 64);
    char out[256];
    T_CHECK(n == 13, "13 words (got %ld)", n);
    s2s_dataset_decode(s2s_dataset_vocab(s, 0), ids, n, 1, S2S_LANG_EN, out, sizeof out);
    T_CHECK(!strcmp(out, line), "decode(encode(x)) = x: '%s'", out);
    ids[2] = 99999, ids[3] = S2S_TOKEN_EOS;
    s2s_dataset_decode(s2s_dataset_vocab(s, 0), ids, n, 0, S2S_LANG_EN, out, sizeof out);
    T_CHECK(!strcmp(out, "The file <unk>"), "bad id -> <unk>, <eos> ends: '%s'", out);
    s->free(s);
  }
}

/* A killed build's NAME.ids.tmp.PID: opening the cache folder removes those whose process
 * is gone, and keeps a live process's (a build running now) and names of another form. */
static void test_cache_tmp_sweep(void) {
  pid_t child = fork();
  if (child == 0) _exit(0);
  T_CHECK(child > 0 && waitpid(child, NULL, 0) == child, "fork a process that ends");
  char dead[4400], live[4400], other[4400];
  snprintf(dead, sizeof dead, "%s/0123abcd.ids.tmp.%ld", cache, (long)child);
  snprintf(live, sizeof live, "%s/4567abcd.ids.tmp.%ld", cache, (long)getppid());
  snprintf(other, sizeof other, "%s/89abcdef.ids.tmp.12ab", cache);
  mkdir(cache, 0777);
  const char *files[3] = {dead, live, other};
  for (int i = 0; i < 3; i++) {
    FILE *f = fopen(files[i], "wb");
    T_CHECK(f != NULL, "create %s", files[i]);
    if (f) fputs("partial cache", f), fclose(f);
  }
  s2s_config c = small_cfg(8, 64);
  s2s_data_source *s = open_fixture(&c, 1, 0);
  T_CHECK(s != NULL, "open");
  if (s) s->free(s);
  T_CHECK(access(dead, F_OK) != 0, "tmp file of a dead process removed: %s", dead);
  T_CHECK(access(live, F_OK) == 0, "tmp file of a live process kept: %s", live);
  T_CHECK(access(other, F_OK) == 0, "a name without a PID kept: %s", other);
  remove(live), remove(other);
}

/* Old caches: opening keeps the S2S_CACHE_KEEP most recently used HEX32.ids files of the
 * folder (the one just used among them), removes the older ones, leaves other names. */
static void test_cache_evict(void) {
  char cmd[4500]; /* an empty folder: the earlier tests' caches would count */
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", cache);
  T_CHECK(system(cmd) == 0, "empty %s", cache);
  mkdir(cache, 0777);
  char path[4400], other[4400];
  const int extra = S2S_CACHE_KEEP + 3;
  for (int i = 0; i < extra; i++) { /* stale caches, the i-th used i hours ago */
    snprintf(path, sizeof path, "%s/%032x.ids", cache, i + 1);
    FILE *f = fopen(path, "wb");
    T_CHECK(f != NULL, "create %s", path);
    if (f) fputs("old cache", f), fclose(f);
    struct timespec t[2] = {{time(NULL) - 3600 * (i + 1), 0}, {time(NULL) - 3600 * (i + 1), 0}};
    utimensat(AT_FDCWD, path, t, 0);
  }
  snprintf(other, sizeof other, "%s/notes.txt", cache);
  FILE *f = fopen(other, "wb");
  if (f) fputs("mine", f), fclose(f);
  s2s_config c = small_cfg(8, 64);
  s2s_data_source *s = open_fixture(&c, 1, 0);
  T_CHECK(s != NULL, "open");
  const char *used = s ? s2s_dataset_get_stats(s)->cache_path : "";
  T_CHECK(access(used, F_OK) == 0, "the cache in use is kept: %s", used);
  int kept = 0;
  for (int i = 0; i < extra; i++) {
    snprintf(path, sizeof path, "%s/%032x.ids", cache, i + 1);
    const int there = access(path, F_OK) == 0;
    kept += there;
    T_CHECK(there == (i < S2S_CACHE_KEEP - 1), "cache used %d h ago %s", i + 1,
            there ? "kept" : "removed");
  }
  T_CHECK(kept == S2S_CACHE_KEEP - 1, "%d old caches kept beside the one in use", kept);
  T_CHECK(access(other, F_OK) == 0, "other files left alone");
  if (s) s->free(s);
  remove(other);
}

static void write_file(const char *name, const char *data, size_t n) {
  char p[512];
  snprintf(p, sizeof p, "%s/%s", tmp, name);
  FILE *f = fopen(p, "wb");
  fwrite(data, 1, n, f);
  fclose(f);
}

/* Opens tmp/a.en + tmp/a.fr; returns NULL with the message in err. */
static s2s_data_source *open_bad(char *err, size_t errlen) {
  char a[512], b[512];
  snprintf(a, sizeof a, "%s/a.en", tmp);
  snprintf(b, sizeof b, "%s/a.fr", tmp);
  s2s_dataset_opts o = {.train_src = a, .train_tgt = b, .tokenize = 1, .quiet = 1};
  s2s_config c = small_cfg(4, 32);
  err[0] = 0;
  return s2s_dataset_open(&o, &c, err, errlen);
}

static void expect_error(const char *what, const char *en, size_t en_n, const char *fr,
                         const char *want) {
  write_file("a.en", en, en_n);
  write_file("a.fr", fr, strlen(fr));
  char err[1024];
  s2s_data_source *s = open_bad(err, sizeof err);
  T_CHECK(!s && strstr(err, want), "%s: got '%s', want '%s'", what, err, want);
  if (s) s->free(s);
}

static void test_bad_input(void) {
  expect_error("line counts", "a\nb\nc\n", 6, "a\nb\n", "a.en' has 3 lines but");
  expect_error("line counts name both", "a\nb\nc\n", 6, "a\nb\n", "a.fr' has 2");
  expect_error("invalid UTF-8", "ok\nbad \xC3\x28 here\n", 15, "ok\nok\n", "a.en:2: invalid UTF-8");
  expect_error("NUL byte", "ok\nn\0l\n", 7, "ok\nok\n", "a.en:2: NUL byte");
  expect_error("all empty", "\n\n", 2, "x\ny\n",
               "no training pair left (2 read: 2 with an empty side");
  char err[1024];
  s2s_dataset_opts o = {.train_src = "/nonexistent/x.en", .train_tgt = "/nonexistent/x.fr"};
  s2s_config c = small_cfg(4, 32);
  T_CHECK(!s2s_dataset_open(&o, &c, err, sizeof err) && strstr(err, "/nonexistent/x.en"),
          "missing file: '%s'", err);
  char buf[8192];
  T_CHECK(s2s_dataset_opts_from_dir(&o, "/nonexistent", "en", "fr", buf, sizeof buf, err,
                                   sizeof err) != 0 &&
              strstr(err, "train.en"),
          "--data without files: '%s'", err);

  /* a million-character line is skipped as over-long, in linear time; CRLF is fine */
  size_t big = 1000000;
  char *en = malloc(big + 64);
  strcpy(en, "short line\r\n");
  size_t n = strlen(en);
  for (size_t k = 0; k < big; k++)
    en[n + k] = "ab "[k % 3];
  n += big;
  memcpy(en + n, "\nlast one\n", 11);
  n += 10;
  write_file("a.en", en, n);
  write_file("a.fr", "ligne courte\r\nx\nla derniere\n", 28);
  clock_t t0 = clock();
  s2s_data_source *s = open_bad(err, sizeof err);
  double sec = (double)(clock() - t0) / CLOCKS_PER_SEC;
  T_CHECK(s != NULL, "open with a huge line: %s", err);
  if (s) {
    const s2s_dataset_stats *st = s2s_dataset_get_stats(s);
    T_CHECK(st->kept[0] == 2 && st->skipped_long[0] == 1, "huge line skipped (kept %ld)",
            st->kept[0]);
    T_CHECK(st->words[0][1] == 4, "CR dropped: 4 target words (got %ld)", st->words[0][1]);
    s->free(s);
  }
  T_CHECK(sec < 5.0, "huge line took %.2f s", sec);
  free(en);
}

int main(void) {
  const char *src = getenv("S2S_SOURCE_DIR");
  snprintf(dir, sizeof dir, "%s/tests/fixtures/data/enfr", src ? src : "..");
  snprintf(tmp, sizeof tmp, "/tmp/s2s_corpus_data.XXXXXX");
  if (!mkdtemp(tmp)) return perror("mkdtemp"), 1;
  snprintf(cache, sizeof cache, "%s/cache", tmp);
  test_source();
  test_cache_repair();
  test_cache_tmp_sweep();
  test_cache_evict();
  test_bad_input();
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmp);
  return s2s_test_finish("test_corpus_data");
}

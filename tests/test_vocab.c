/* Vocabulary: top-K selection order (count desc, ties by bytes), <unk>/<eos> ids, lookups,
 * the serialised block's round trip (byte-identical) and its refusal of corrupt blocks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/config.h"
#include "test_util.h"
#include "model/vocab.h"

static void test_order(void) {
  /* counts: b 5, a 5, c 9, d 1, é 5 (bytes 0xC3 0xA9 sort after ASCII), e 0 */
  const char *w[] = {"b", "a", "c", "d", "\xC3\xA9", "e"};
  const uint64_t n[] = {5, 5, 9, 1, 5, 0};
  s2s_vocab *v = s2s_vocab_from_counts(w, n, 6, 100);
  T_CHECK(v && s2s_vocab_size(v) == 8, "size %d, want 8 (6 words + 2 reserved)",
          v ? s2s_vocab_size(v) : -1);
  if (!v) return;
  const char *want[] = {"<unk>", "<eos>", "c", "a", "b", "\xC3\xA9", "d", "e"};
  for (int i = 0; i < 8; i++)
    T_CHECK(!strcmp(s2s_vocab_word(v, i), want[i]), "id %d is '%s', want '%s'", i,
            s2s_vocab_word(v, i), want[i]);
  T_CHECK(s2s_vocab_id(v, "c", 1) == 2, "id of c");
  T_CHECK(s2s_vocab_id(v, "zz", 2) == S2S_TOKEN_UNK, "absent word -> <unk>");
  T_CHECK(s2s_vocab_id(v, "ab", 1) == 3, "lookup uses the given length");
  T_CHECK(!strcmp(s2s_vocab_word(v, 99), "<unk>"), "out-of-range id -> <unk>");
  T_CHECK(!strcmp(s2s_vocab_word(v, -1), "<unk>"), "negative id -> <unk>");
  s2s_vocab_free(v);

  /* the cut: K = 4 keeps the two most frequent words; a tie at the cut goes by bytes */
  v = s2s_vocab_from_counts(w, n, 6, 4);
  T_CHECK(v && s2s_vocab_size(v) == 4, "K=4 size");
  if (v) {
    T_CHECK(s2s_vocab_id(v, "a", 1) == 3 && s2s_vocab_id(v, "b", 1) == 0, "tie at the cut");
    s2s_vocab_free(v);
  }
  /* input order does not matter */
  const char *w2[] = {"e", "\xC3\xA9", "d", "c", "a", "b"};
  const uint64_t n2[] = {0, 5, 1, 9, 5, 5};
  s2s_vocab *x = s2s_vocab_from_counts(w, n, 6, 100), *y = s2s_vocab_from_counts(w2, n2, 6, 100);
  T_CHECK(x && y && s2s_vocab_hash(x) == s2s_vocab_hash(y), "same words, same hash");
  s2s_vocab_free(x);
  s2s_vocab_free(y);
  /* reserved spellings, empty words and repeats are not words */
  const char *w3[] = {"<unk>", "x", "", "<eos>", "x", "y"};
  const uint64_t n3[] = {100, 3, 50, 100, 7, 1};
  v = s2s_vocab_from_counts(w3, n3, 6, 100);
  T_CHECK(v && s2s_vocab_size(v) == 4, "reserved/empty/repeat skipped: size %d",
          v ? s2s_vocab_size(v) : -1);
  if (v) {
    T_CHECK(s2s_vocab_id(v, "x", 1) == 2 && s2s_vocab_id(v, "y", 1) == 3, "x then y");
    T_CHECK(s2s_vocab_id(v, "<eos>", 5) == S2S_TOKEN_EOS, "<eos> spelled");
    s2s_vocab_free(v);
  }
  T_CHECK(s2s_vocab_from_counts(w, n, 6, 1) == NULL, "K < 2 refused");
  v = s2s_vocab_from_counts(NULL, NULL, 0, 10);
  T_CHECK(v && s2s_vocab_size(v) == 2, "empty corpus gives <unk>, <eos>");
  s2s_vocab_free(v);
}

static void test_synthetic(void) {
  s2s_vocab *v = s2s_vocab_synthetic(10);
  T_CHECK(v && s2s_vocab_size(v) == 10, "synthetic size");
  if (!v) return;
  T_CHECK(!strcmp(s2s_vocab_word(v, 0), "<unk>") && !strcmp(s2s_vocab_word(v, 1), "<eos>"),
          "reserved");
  T_CHECK(!strcmp(s2s_vocab_word(v, 9), "w9") && s2s_vocab_id(v, "w7", 2) == 7, "w7 <-> 7");
  s2s_vocab_free(v);
}

static s2s_vocab *many_words(int n, int k) {
  char **w = malloc(n * sizeof *w);
  uint64_t *c = malloc(n * sizeof *c);
  for (int i = 0; i < n; i++) {
    w[i] = malloc(16);
    snprintf(w[i], 16, "t%d", i);
    c[i] = (uint64_t)(i % 97);
  }
  s2s_vocab *v = s2s_vocab_from_counts((const char *const *)w, c, n, k);
  for (int i = 0; i < n; i++)
    free(w[i]);
  free(w);
  free(c);
  return v;
}

static void test_serialize(void) {
  s2s_vocab *v = many_words(5000, 3000);
  T_CHECK(v && s2s_vocab_size(v) == 3000, "big vocab");
  if (!v) return;
  size_t len = 0, len2 = 0;
  unsigned char *p = s2s_vocab_serialize(v, &len);
  char err[256] = "";
  s2s_vocab *w = s2s_vocab_deserialize(p, len, err, sizeof err);
  T_CHECK(w != NULL, "round trip: %s", err);
  if (w) {
    T_CHECK(s2s_vocab_size(w) == 3000 && s2s_vocab_hash(w) == s2s_vocab_hash(v), "same list");
    int same = 1;
    for (int i = 0; i < 3000; i++) {
      const char *a = s2s_vocab_word(v, i);
      same &= !strcmp(a, s2s_vocab_word(w, i)) && s2s_vocab_id(w, a, strlen(a)) == i;
    }
    T_CHECK(same, "every word and id survives");
    unsigned char *q = s2s_vocab_serialize(w, &len2);
    T_CHECK(len2 == len && !memcmp(p, q, len), "re-serialised block is byte-identical");
    free(q);
    s2s_vocab_free(w);
  }
  /* corruption: every one refused with a message, never a crash */
  unsigned char *c = malloc(len);
  struct {
    size_t at;
    unsigned char x;
    const char *msg;
  } flips[] = {{0, 'X', "magic"},      {8, 9, "version"},   {15, 0x80, "word count"},
               {16, 1, "header says"}, {24, 1, "checksum"}, {len - 1, 0x40, "checksum"},
               {36, 0, "NUL"}};
  for (size_t k = 0; k < sizeof flips / sizeof *flips; k++) {
    memcpy(c, p, len);
    c[flips[k].at] ^= flips[k].x ? flips[k].x : c[flips[k].at];
    err[0] = 0;
    w = s2s_vocab_deserialize(c, len, err, sizeof err);
    T_CHECK(!w && strstr(err, flips[k].msg), "flip %zu: got '%s', want '%s'", k, err, flips[k].msg);
    s2s_vocab_free(w);
  }
  for (size_t cut = 0; cut < len; cut += len / 7 + 1) {
    w = s2s_vocab_deserialize(p, cut, err, sizeof err);
    T_CHECK(!w && err[0], "truncated to %zu bytes refused", cut);
    s2s_vocab_free(w);
  }
  /* a repeated word (written by hand: 2 reserved + "a" + "a") */
  s2s_vocab *s = s2s_vocab_synthetic(3);
  size_t sl;
  unsigned char *sp = s2s_vocab_serialize(s, &sl);
  unsigned char *d = malloc(sl + 6);
  memcpy(d, sp, sl);
  memcpy(d + sl, "\x02\x00\x00\x00w2", 6);
  d[12] = 4;
  d[16] += 6;
  w = s2s_vocab_deserialize(d, sl + 6, err, sizeof err);
  T_CHECK(!w && strstr(err, "repeats"), "repeated word: '%s'", err);
  s2s_vocab_free(w);
  free(d);
  free(sp);
  s2s_vocab_free(s);
  free(c);
  free(p);
  s2s_vocab_free(v);
}

int main(void) {
  test_order();
  test_synthetic();
  test_serialize();
  return s2s_test_finish("test_vocab");
}

/* libFuzzer target for the .mo reader and the corpus text rules. Input that parses as a .mo
 * is expanded into pairs; input that does not is split at its middle into one (en, fr) pair.
 * Each pair is normalised and masked, and an accepted pair must unmask back to its
 * normalised text on both sides (abort otherwise). Built and run by tests/test_fuzz_mo.sh. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus/corpus.h"
#include "corpus/mo_reader.h"

static void check_pair(const char *en, size_t en_n, const char *fr, size_t fr_n) {
  static char a[8192], b[8192], back[65536];
  if (s2s_corpus_normalize(en, en_n, 0, a, sizeof a) ||
      s2s_corpus_normalize(fr, fr_n, 0, b, sizeof b))
    return;
  s2s_corpus_normalize(en, en_n, S2S_ISO_8859_1, back, sizeof back); /* 8-bit paths: no crash */
  s2s_corpus_normalize(fr, fr_n, S2S_ISO_8859_15, back, sizeof back);
  s2s_masked_pair m;
  if (s2s_corpus_mask_pair(a, b, &m) != S2S_MASK_OK) return;
  if (s2s_corpus_unmask(m.src, m.src_table, back, sizeof back) != 0 || strcmp(back, a)) {
    fprintf(stderr, "en round trip failed:\n  in   '%s'\n  mask '%s'\n  back '%s'\n", a, m.src,
            back);
    abort();
  }
  if (s2s_corpus_unmask(m.tgt, m.tgt_table, back, sizeof back) != 0 || strcmp(back, b)) {
    fprintf(stderr, "fr round trip failed:\n  in   '%s'\n  mask '%s'\n  back '%s'\n", b, m.tgt,
            back);
    abort();
  }
  s2s_masked_pair_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  s2s_mo_catalog cat;
  char err[256];
  if (s2s_mo_parse(data, size, &cat, err, sizeof err) != 0) {
    if (!err[0]) abort(); /* every failure explains itself */
    check_pair((const char *)data, size / 2, (const char *)data + size / 2, size - size / 2);
    return 0;
  }
  s2s_mo_pair *p;
  size_t n;
  s2s_mo_counts k = {0};
  if (s2s_mo_pairs(&cat, &p, &n, &k) == 0) {
    for (size_t i = 0; i < n && i < 200; i++)
      check_pair(p[i].en.p, p[i].en.n, p[i].fr.p, p[i].fr.n);
    free(p);
  }
  s2s_mo_free(&cat);
  return 0;
}

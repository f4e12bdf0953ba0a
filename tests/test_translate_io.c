/* Placeholders through translation: an input line is masked as the corpus was (one token
 * per placeholder), the translation's tokens are restored from the line's table, tokens
 * the decoder invents are dropped, and no accelerator is put into the translation; a
 * placeholder the line cannot restore is never printed raw (no table, not in the table,
 * with and without detokenization), and no words give an empty line. */
#include "corpus/corpus.h"
#include "test_util.h"
#include "decode/translate_io.h"
#include "model/vocab.h"

static void roundtrip(const char *line, const char *want_masked, const char *translation,
                      const char *want_out) {
  char *table = NULL;
  char *masked = s2s_translate_mask(line, strlen(line), &table);
  if (!want_masked) {
    T_CHECK(!masked && !table, "'%s' needs no masking, got '%s'", line, masked ? masked : "");
    free(masked), free(table);
    return;
  }
  T_CHECK(masked && !strcmp(masked, want_masked), "mask '%s': got '%s' want '%s'", line,
          masked ? masked : "(null)", want_masked);
  char out[512];
  T_CHECK(table && s2s_corpus_unmask(translation, table, out, sizeof out) >= 0, "unmask");
  T_CHECK(!strcmp(out, want_out), "restore '%s': got '%s' want '%s'", translation, out,
          want_out);
  free(masked), free(table);
}

/* s2s_translate_write of ids (words of v's target side) into a string. */
static char *written(const s2s_translate_vocabs *v, const char *const *words, int n,
                     const char *table) {
  int32_t ids[16];
  for (int i = 0; i < n; i++) ids[i] = s2s_vocab_id(v->tgt, words[i], strlen(words[i]));
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  T_CHECK(f && s2s_translate_write(v, ids, n, table, f) == 0, "write");
  if (f) fclose(f);
  return buf;
}

static void unrestorable(void) {
  const char *words[] = {"Ouvrir", "\u27e8ph1\u27e9", "\u27e8ph2\u27e9", "le", "fichier", ".",
                         "\u27e8ph2\u27e9s"};
  const uint64_t counts[] = {9, 8, 7, 6, 5, 4, 3};
  s2s_translate_vocabs v = {0};
  v.tgt = s2s_vocab_from_counts(words, counts, 7, 32);
  v.tgt_lang = S2S_LANG_FR;
  const char *out1[] = {"Ouvrir", "\u27e8ph1\u27e9", "le", "fichier"};
  const char *out2[] = {"Ouvrir", "\u27e8ph2\u27e9", ".", "\u27e8ph1\u27e9"};
  const char *out3[] = {"le", "\u27e8ph2\u27e9s", "fichier"};
  for (v.tokenize = 0; v.tokenize <= 1; v.tokenize++) {
    char *s = written(&v, out1, 4, NULL); /* a line without placeholders: no table */
    T_CHECK(s && !strcmp(s, "Ouvrir le fichier\n"), "no table (tokenize %d): '%s'", v.tokenize,
            s);
    free(s);
    s = written(&v, out2, 4, "\u27e8ph1\u27e9\t%s\n"); /* ph2 is not the line's */
    T_CHECK(s && !strstr(s, "\u27e8") && strstr(s, "%s"), "ph2 not in the table (tokenize %d): "
            "'%s'", v.tokenize, s);
    free(s);
    s = written(&v, out3, 3, NULL); /* a token inside a word */
    T_CHECK(s && !strstr(s, "\u27e8"), "token inside a word (tokenize %d): '%s'", v.tokenize, s);
    free(s);
    s = written(&v, out1, 0, NULL); /* nothing decoded: an empty line, one per input line */
    T_CHECK(s && !strcmp(s, "\n"), "no words: '%s'", s);
    free(s);
  }
  s2s_vocab_free(v.tgt);
}

int main(void) {
  unrestorable();
  roundtrip("Cannot open %s: %d", "Cannot open \u27e8ph1\u27e9: \u27e8ph2\u27e9",
            "Impossible d'ouvrir \u27e8ph1\u27e9 : \u27e8ph2\u27e9",
            "Impossible d'ouvrir %s : %d");
  /* reordered arguments and an invented token (ph9 is not in the table: dropped) */
  roundtrip("Copy %1$s to %2$s", "Copy \u27e8ph1\u27e9 to \u27e8ph2\u27e9",
            "Copier \u27e8ph2\u27e9 \u27e8ph9\u27e9 depuis \u27e8ph1\u27e9",
            "Copier %2$s  depuis %1$s");
  /* markup comes back; an accelerator in the input stays as typed (the corpus drops it
   * only where the French differs, which a lone input line cannot show) and is not put
   * back into the translation */
  roundtrip("_Open <b>%s</b>", "_Open \u27e8ph1\u27e9\u27e8ph2\u27e9\u27e8ph3\u27e9",
            "Ouvrir \u27e8ph1\u27e9\u27e8ph2\u27e9\u27e8ph3\u27e9", "Ouvrir <b>%s</b>");
  roundtrip("Plain text, nothing to mask.", NULL, NULL, NULL);
  return s2s_test_finish("test_translate_io");
}

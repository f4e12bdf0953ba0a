/* Placeholders through translation: an input line is masked as the corpus was (one token
 * per placeholder), the translation's tokens are restored from the line's table, tokens
 * the decoder invents are dropped, and no accelerator is put into the translation. */
#include "corpus/corpus.h"
#include "test_util.h"
#include "decode/translate_io.h"

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

int main(void) {
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

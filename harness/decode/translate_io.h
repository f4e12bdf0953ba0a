/* Text <-> word ids for `translate` and `bench decode`: the vocabularies a checkpoint was
 * trained with, one input line to ids, ids to one output line, through the corpus
 * module's encoder/decoder (harness/data/dataset.h) with optional tokenization of raw input
 * and detokenization of the output. Placeholders (the corpus's masked ⟨phN⟩ spans) are
 * restored by s2s_translate_write from the line's table; s2s_translate_text leaves them
 * as tokens (BLEU against masked references). */
#ifndef S2S_TRANSLATE_IO_H
#define S2S_TRANSLATE_IO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model/checkpoint.h"
#include "data/tokenize.h"
#include "model/vocab.h"

typedef struct s2s_translate_vocabs {
  s2s_vocab *src, *tgt;
  int synthetic;           /* 1: the copy/reverse tasks' w2, w3, ... (no extra section) */
  int tokenize;            /* raw text: tokenize input lines, detokenize outputs */
  s2s_lang src_lang, tgt_lang;
  int rules_known;         /* tokenize and the languages came from the checkpoint */
} s2s_translate_vocabs;

/* From the checkpoint's extra section (s2s_dataset_vocabs_deserialize), or the synthetic
 * vocabularies of its sizes when it has none. Tokenization and languages as the model was
 * trained (rules_known), off for checkpoints that do not say (synthetic, version 1). Returns 0, or -1 with a
 * message; also -1 when the model of the header is invalid or its parameter count is not
 * the checkpoint's (the decoders read that many floats). */
int s2s_translate_vocabs_load(const s2s_ckpt *ck, s2s_translate_vocabs *v, char *err,
                              size_t errlen);
void s2s_translate_vocabs_free(s2s_translate_vocabs *v);
/* The user's flags over the checkpoint's rules: each value -1 (flag not given: keep what
 * the checkpoint says), else tokenize 0/1 and an s2s_lang. */
void s2s_translate_vocabs_override(s2s_translate_vocabs *v, int tokenize, int src_lang,
                                   int tgt_lang);

/* One line (n bytes, valid UTF-8) to source ids in *ids (malloc'd; free it); unknown words
 * -> <unk>. Returns the word count, or -1 when out of memory. */
long s2s_translate_encode(const s2s_translate_vocabs *v, const char *line, size_t n,
                          int32_t **ids);

/* Target ids to text: a malloc'd NUL-terminated line without "\n" (NULL: no memory). */
char *s2s_translate_text(const s2s_translate_vocabs *v, const int32_t *ids, int n);
/* The output line a reader sees: placeholders restored from table; one the table lacks
 * (or any, with no table) is dropped, never printed raw, and counted in *dropped (may be
 * NULL). Malloc'd; NULL: no memory. */
char *s2s_translate_restore(const s2s_translate_vocabs *v, const int32_t *ids, int n,
                            const char *table /* placeholders to restore, or NULL */,
                            long *dropped);
/* The same written to f with a "\n". No ids: an empty line. Returns 0 or -1. */
int s2s_translate_write(const s2s_translate_vocabs *v, const int32_t *ids, int n,
                        const char *table /* placeholders to restore, or NULL */, FILE *f);

/* Placeholders of a raw input line (printf/Qt/Python formats, markup, entities) masked as
 * the corpus masks them (corpus.h): returns the masked line (malloc'd) and in *table what
 * to restore (malloc'd, NULL when nothing was masked); NULL return = use the line as it
 * is (nothing to mask, or an unmaskable line). */
char *s2s_translate_mask(const char *line, size_t n, char **table);

#endif

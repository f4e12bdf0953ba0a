/* Vocabulary: word <-> id for one side. Ids 0 and 1 are <unk> and <eos> (config.h); words
 * start at S2S_TOKEN_FIRST_WORD in order of falling frequency (ties by byte order), so the
 * same corpus gives the same ids on every machine. Saved with the model (checkpoint extra
 * section) so decoding uses the training ids. */
#ifndef S2S_VOCAB_H
#define S2S_VOCAB_H

#include <stddef.h>
#include <stdint.h>

typedef struct s2s_vocab s2s_vocab; /* opaque */

/* The synthetic tasks' vocabulary: "<unk>", "<eos>", "w2", "w3", ... "w{n-1}". */
s2s_vocab *s2s_vocab_synthetic(int n);
/* Builds the top-(max_size - 2) words of the given counts (word, count) pairs. */
s2s_vocab *s2s_vocab_from_counts(const char *const *words, const uint64_t *counts, size_t n,
                                 int max_size);
void s2s_vocab_free(s2s_vocab *v);

int s2s_vocab_size(const s2s_vocab *v);
/* Id of a word, S2S_TOKEN_UNK when absent. */
int32_t s2s_vocab_id(const s2s_vocab *v, const char *word, size_t len);
/* The word of an id ("<unk>" for out-of-range ids). */
const char *s2s_vocab_word(const s2s_vocab *v, int32_t id);

/* Serialisation for the checkpoint's extra section: a malloc'd byte block and its size;
 * and back (NULL with a message in err on a malformed block). */
unsigned char *s2s_vocab_serialize(const s2s_vocab *v, size_t *len);
s2s_vocab *s2s_vocab_deserialize(const unsigned char *p, size_t len, char *err, size_t errlen);
/* 64-bit hash of the word list (identifies a vocabulary in caches and checkpoints). */
uint64_t s2s_vocab_hash(const s2s_vocab *v);

#endif

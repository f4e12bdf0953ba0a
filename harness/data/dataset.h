/* Reading a parallel corpus for training: plain UTF-8 files, one sentence per line (already
 * tokenized, or raw with `tokenize`), top-K vocabularies, token ids cached in a memory-mapped
 * binary file next to the data, and the paper's batching (length buckets, per-epoch shuffled
 * batch order) behind the s2s_data_source table the training loop reads. */
#ifndef S2S_CORPUS_DATA_H
#define S2S_CORPUS_DATA_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model/config.h"
#include "data/data_source.h"
#include "data/tokenize.h"
#include "model/vocab.h"

typedef struct s2s_dataset_opts {
  const char *train_src, *train_tgt; /* required */
  const char *dev_src, *dev_tgt;     /* both or neither */
  int tokenize;                      /* raw text: run s2s_tokenize on every line */
  s2s_lang src_lang, tgt_lang;       /* tokenizer rules */
  const char *cache_dir;             /* NULL: DIR/.s2s-cache next to train_src; unwritable: a
                                        temporary file, deleted once mapped (said on stderr) */
  int dev_max_batches; /* > 0: use this many dev batches, evenly spread over lengths */
  int quiet;           /* no progress or cache messages on stderr */
} s2s_dataset_opts;

/* Sets the four paths to DIR/{train,dev}.{src_ext,tgt_ext} ("en", "fr"); the strings live in
 * `buf` (at least 4 * (strlen(dir) + 16) bytes). The dev pair is left NULL when either dev
 * file is missing. Returns 0, or -1 with a message when a training file is missing. */
int s2s_dataset_opts_from_dir(s2s_dataset_opts *o, const char *dir, const char *src_ext,
                             const char *tgt_ext, char *buf, size_t bufsize, char *err,
                             size_t errlen);

enum { S2S_SET_TRAIN = 0, S2S_SET_DEV = 1 };
enum { S2S_SIDE_SRC = 0, S2S_SIDE_TGT = 1 };

typedef struct s2s_dataset_stats {
  long lines[2];                    /* [set] pairs read */
  long kept[2];                     /* [set] pairs used */
  long skipped_empty[2];            /* [set] either side has no words */
  long skipped_long[2];             /* [set] either side over max_len words (or over
                                       256 * max_len + 4096 bytes, not tokenized) */
  long words[2][2];                 /* [set][side] words in kept pairs (no <eos>) */
  long oov[2][2];                   /* [set][side] of those, mapped to <unk> */
  long distinct[2];                 /* [side] distinct words in the kept training pairs */
  int vocab_size[2];                /* [side] ids used, <unk> and <eos> included (<= config) */
  int cache_hit;                    /* the token ids came from an existing cache */
  double open_seconds;              /* wall time of s2s_dataset_open */
  double padding_efficiency;        /* real / padded tokens, epoch 0 of the bucketed order */
  double padding_efficiency_random; /* the same for random batches (what bucketing saves) */
  char cache_path[4096];
} s2s_dataset_stats;

/* Opens a corpus as a data source for batches of cfg->batch sentences of at most
 * cfg->max_len words per side; vocabularies of cfg->src_vocab / cfg->tgt_vocab ids.
 * Pairs with an empty side or a side over max_len are skipped and counted (train and dev).
 * Errors (message in err, NULL returned): a missing or unreadable file; different line
 * counts ("A has N lines but B has M"); invalid UTF-8 or a NUL byte ("FILE:LINE: ...");
 * no training pair left. A cache that is truncated, corrupt or from other inputs is
 * reported on stderr and rebuilt.
 *   name "corpus"; data_hash = hash(source vocab, target vocab, cache key), so a checkpoint
 *   from another corpus, vocabulary size, max_len or tokenization is refused on --resume;
 *   training batch i = f(seed, i): epoch i / steps_per_epoch, position i % steps_per_epoch;
 *   dev batches in a fixed order (sorted by length). */
s2s_data_source *s2s_dataset_open(const s2s_dataset_opts *o, const s2s_config *cfg, char *err,
                                        size_t errlen);
/* Accessors for a source made by s2s_dataset_open (NULL for any other source). */
const s2s_dataset_stats *s2s_dataset_get_stats(const s2s_data_source *s);
const s2s_vocab *s2s_dataset_vocab(const s2s_data_source *s, int side);
/* The human summary (pairs, skips, vocabularies, OOV rates, padding, cache) to f. */
void s2s_dataset_print(const s2s_data_source *s, FILE *f);

/* How the text of a model's corpus was cut into words, so that translate and bench
 * decode apply the same rules to new input without repeated flags. */
typedef struct s2s_text_rules {
  int known;    /* 0: a version-1 block (written before the rules were saved) */
  int tokenize; /* 1: raw text, tokenized (and the output detokenized) */
  s2s_lang src_lang, tgt_lang;
} s2s_text_rules;

/* Both vocabularies and the text rules in one block for the checkpoint's extra section,
 * and back:
 *   "S2SVPAIR" | u32 version (2) | u8 tokenize, u8 source lang, u8 target lang, u8 0
 *   | u64 source block bytes | u64 target block bytes
 *   | source block | target block   (each block: s2s_vocab_serialize)
 * Version 1 (the same with four zero bytes of rules) is still read: rules->known = 0.
 * Deserialise returns 0, or -1 with a message (nothing allocated); rules may be NULL. */
unsigned char *s2s_dataset_vocabs_serialize(const s2s_vocab *src, const s2s_vocab *tgt,
                                            const s2s_text_rules *rules, size_t *len);
int s2s_dataset_vocabs_deserialize(const unsigned char *p, size_t len, s2s_vocab **src,
                                  s2s_vocab **tgt, s2s_text_rules *rules, char *err,
                                  size_t errlen);

/* One sentence to word ids (for translate): tokenized first when `tokenize` is set, split
 * on ASCII space/tab, unknown words (and a literal "<eos>") -> <unk>; no <eos> added.
 * Writes at most cap ids and returns the word count (which may exceed cap), -1 when out of
 * memory. */
long s2s_dataset_encode(const s2s_vocab *v, const char *text, size_t n, int tokenize, s2s_lang lang,
                       int32_t *ids, long cap);
/* Word ids back to text: words joined by spaces (<eos> ends the sentence, ids out of range
 * print as <unk>), then detokenized when `detokenize` is set. Returns the length written
 * to out (NUL-terminated, truncated at a word boundary to fit cap), or -1 on no memory. */
long s2s_dataset_decode(const s2s_vocab *v, const int32_t *ids, long n, int detokenize,
                       s2s_lang lang, char *out, size_t cap);

#endif

/* Shared between dataset.c (the data source), dataset_cache.c (the token-id cache file:
 * key, layout, checks, mmap), dataset_build.c (text -> vocabularies -> cache) and
 * dataset_batches.c (length buckets, epoch order). Not a public interface. */
#ifndef S2S_CORPUS_DATA_INTERNAL_H
#define S2S_CORPUS_DATA_INTERNAL_H

#include <stdint.h>
#include <stdio.h>

#include "data/dataset.h"

/* ---- cache file (dataset_cache.c) ------------------------------------------------------
 * Host byte order (a file written on a machine of the other order reads as stale and is
 * rebuilt), every section 8-byte aligned, file size a multiple of 8:
 *   header (s2s_cache_header, 512 bytes)
 *   records[set]: per kept pair, int32 ls, int32 lt, ls source ids, lt target ids
 *                 (source in reading order; ids < vocab size, never <eos>)
 *   index[set]:   u64 per kept pair, its record's offset in int32s from records[set]
 *   vocab[side]:  s2s_vocab_serialize blocks
 * payload_sum: cache_sum over bytes [512, file_bytes); header_sum over the header bytes
 * before it. A reader checks magic, version, byte order, both sums, the key, every bound,
 * every record and id, and the vocabularies, so a file that opens cannot misindex. */
#define S2S_CACHE_MAGIC "S2SIDS01"
#define S2S_CACHE_VERSION 1u
#define S2S_CACHE_HEADER 512

enum {
  S2S_CS_LINES,
  S2S_CS_KEPT,
  S2S_CS_EMPTY,
  S2S_CS_LONG,
  S2S_CS_WORDS_SRC,
  S2S_CS_WORDS_TGT,
  S2S_CS_OOV_SRC,
  S2S_CS_OOV_TGT,
  S2S_CS_N
};

typedef struct s2s_cache_header {
  char magic[8];
  uint32_t version;
  uint32_t byte_order; /* 0x01020304 as written */
  uint8_t key[32];     /* s2s_cache_key */
  uint64_t file_bytes;
  uint32_t max_len, src_vocab, tgt_vocab, tokenize; /* what the key covers, for messages */
  uint64_t pairs[2];                                /* [set] kept pairs */
  uint64_t rec_off[2];                              /* [set] byte offset of the records */
  uint64_t rec_words[2];                            /* [set] int32s in the records */
  uint64_t idx_off[2];                              /* [set] byte offset of the index */
  uint64_t vocab_off[2];                            /* [side] */
  uint64_t vocab_len[2];                            /* [side] bytes */
  int64_t stats[2][S2S_CS_N];                       /* [set] counts of s2s_dataset_stats */
  int64_t distinct[2];                              /* [side] */
  uint8_t reserved[S2S_CACHE_HEADER - 328];         /* zero */
  uint64_t payload_sum;
  uint64_t header_sum;
} s2s_cache_header;

/* A checked cache: pointers into the caller's bytes (or the mapping) plus the vocabularies. */
typedef struct s2s_cache_view {
  const unsigned char *base;
  size_t bytes;
  const s2s_cache_header *h;
  const int32_t *rec[2];  /* [set] records */
  const uint64_t *idx[2]; /* [set] (pairs) offsets into rec */
  uint64_t pairs[2];
  s2s_vocab *vocab[2];
  void *map; /* non-NULL when mapped by s2s_cache_map */
} s2s_cache_view;

/* Pair i of a set: source and target ids in reading order. */
static inline void s2s_cache_pair(const s2s_cache_view *v, int set, uint64_t i, const int32_t **src,
                                  int *ls, const int32_t **tgt, int *lt) {
  const int32_t *r = v->rec[set] + v->idx[set][i];
  *ls = r[0], *lt = r[1];
  *src = r + 2, *tgt = r + 2 + r[0];
}

/* Running checksum over 8-byte little-endian words (bytes fed in any split). */
typedef struct {
  uint64_t h, pending, bytes;
  unsigned fill;
} s2s_cache_sum;
void s2s_cache_sum_init(s2s_cache_sum *s);
void s2s_cache_sum_update(s2s_cache_sum *s, const void *p, size_t n);
uint64_t s2s_cache_sum_final(const s2s_cache_sum *s);

/* Streaming pass over the input files: SHA-256 of each file's bytes and its line count,
 * then the key = SHA-256 of every file digest and the options that change the ids.
 * lines[set] = line count of the source file; differing counts are an error naming both
 * files. Returns 0, or -1 with a message. */
int s2s_cache_key(const s2s_dataset_opts *o, const s2s_config *cfg, uint8_t key[32], long lines[2],
                  char *err, size_t errlen);

/* Checks bytes p[0..n) as a cache for `key` (NULL: any) and the config's sizes, and fills v.
 * Returns 0; 1 when it is a well-formed cache of other inputs (stale); -1 when it is
 * truncated or corrupt. Message in err either way. */
int s2s_cache_view_init(s2s_cache_view *v, const void *p, size_t n, const uint8_t *key,
                        const s2s_config *cfg, char *err, size_t errlen);
/* Maps and checks a cache file. Returns as s2s_cache_view_init; -2 when it does not exist. */
int s2s_cache_map(s2s_cache_view *v, const char *path, const uint8_t key[32], const s2s_config *cfg,
                  char *err, size_t errlen);
void s2s_cache_view_free(s2s_cache_view *v);

/* Writer: sections appended in order, checksummed as they go, header written last. */
typedef struct s2s_cache_writer {
  FILE *f;
  uint64_t pos;
  s2s_cache_sum sum;
  s2s_cache_header h;
  char path[4096], tmp[4200];
} s2s_cache_writer;
/* Removes DIR's NAME.ids.tmp.PID files whose process no longer exists (kill(pid, 0)
 * fails with ESRCH): what killed builds left. Returns how many were removed. */
int s2s_cache_sweep_tmp(const char *dir);
/* Old caches pile up (one per corpus, vocabulary size, max_len, tokenization): marks
 * `used` (a cache just read or written) as used now and removes DIR's other HEX32.ids
 * files beyond the `keep` most recently used. A cache another process has mapped stays
 * readable to it (the mapping outlives the name). Returns how many were removed. */
#define S2S_CACHE_KEEP 8
int s2s_cache_evict(const char *dir, const char *used, int keep);
int s2s_cache_writer_open(s2s_cache_writer *w, const char *path, char *err, size_t errlen);
int s2s_cache_write(s2s_cache_writer *w, const void *p, size_t n);
int s2s_cache_align(s2s_cache_writer *w); /* zero bytes up to the next multiple of 8 */
/* Fills the sums, writes the header and renames into place. Returns 0 or -1 (message). */
int s2s_cache_writer_commit(s2s_cache_writer *w, char *err, size_t errlen);
void s2s_cache_writer_abort(s2s_cache_writer *w);

/* ---- building (dataset_build.c) -------------------------------------------------------- */
/* Reads the text, builds both vocabularies and writes the cache file at `path`. */
int s2s_cache_build(const s2s_dataset_opts *o, const s2s_config *cfg, const uint8_t key[32],
                    const char *path, char *err, size_t errlen);

/* ---- batching (dataset_batches.c) ------------------------------------------------------ */
typedef struct s2s_buckets {
  int B;
  uint64_t seed;
  uint32_t n;          /* training pairs */
  uint32_t *sorted;    /* (n) pair ids by (ls, lt, id) */
  uint32_t *group_end; /* (groups) end of each equal-(ls, lt) run in sorted */
  uint32_t groups;
  long steps;      /* batches per epoch: ceil(n / B) */
  uint32_t *order; /* (n) this epoch's pairs: sorted, shuffled within groups */
  uint32_t *perm;  /* (steps) this epoch's batch order */
  int64_t epoch;   /* epoch held in order/perm; -1 none */
  uint32_t dev_n;
  uint32_t *dev_sorted; /* (dev_n) dev pair ids by (ls, lt, id) */
  int dev_total;        /* ceil(dev_n / B) */
  int dev_batches;      /* used (<= dev_total) */
} s2s_buckets;

int s2s_buckets_init(s2s_buckets *k, const s2s_cache_view *v, int B, int max_len, uint64_t seed,
                     int dev_max_batches);
void s2s_buckets_free(s2s_buckets *k);
/* Training batch `step`: fills b (allocated for B rows, max_len + 1 steps). */
int s2s_buckets_train(s2s_buckets *k, const s2s_cache_view *v, uint64_t step, s2s_batch *b);
int s2s_buckets_dev(const s2s_buckets *k, const s2s_cache_view *v, int i, s2s_batch *b);
/* Pair ids of training batch `step` in row order (n_out rows; <= B). */
int s2s_buckets_rows(s2s_buckets *k, uint64_t step, const uint32_t **rows, int *n_out);
/* Real / padded tokens of one epoch: bucketed (epoch 0) and random batches. */
void s2s_buckets_padding(s2s_buckets *k, const s2s_cache_view *v, double *bucketed, double *random);

#endif

/* Checkpoint file format (little-endian):
 *   header (s2s_ckpt_header, 160 bytes): magic "S2SCKPT1", format version, model sizes,
 *   training position (step, epoch, lr), seed, parameter count, extra-section size and a
 *   64-bit FNV-1a checksum over every byte of the file: the header with its checksum field
 *   read as zero, then the parameters and the extra section (version 1 summed only the
 *   part after the header, so a flipped bit in the step counter resumed silently from
 *   another step; version 1 files are refused with a message saying so);
 *   parameters: `params` floats in the layout of params.h;
 *   extra: `extra_bytes` opaque bytes (the vocabulary of corpus runs; may be 0).
 * Written to FILE.tmp, flushed, then renamed, so an existing checkpoint is never left
 * half-written. Reading refuses a wrong magic/version, a truncated file, a checksum
 * mismatch, or sizes that differ from the expected config, each with a message. */
#ifndef S2S_CHECKPOINT_H
#define S2S_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define S2S_CKPT_VERSION 2

typedef struct s2s_ckpt_header {
  char magic[8];          /* "S2SCKPT1" */
  uint32_t version;       /* S2S_CKPT_VERSION */
  uint32_t layers, hidden, embed, src_vocab, tgt_vocab;
  uint32_t batch, max_len;
  uint64_t step;          /* optimizer steps done */
  double epoch;           /* fractional epochs done */
  float lr, clip, init_scale, decay_start, decay_every, epochs;
  uint64_t seed;
  uint64_t params;        /* float count */
  uint64_t extra_bytes;
  uint64_t checksum;      /* FNV-1a 64 over header (this field zero), params, extra */
  char task[16];          /* data source tag, e.g. "reverse", "corpus" */
  uint64_t data_hash;     /* hash of the training data / vocabulary (0 = synthetic) */
  uint8_t reserved[24];   /* zero; room for later fields without a new version */
} s2s_ckpt_header;

typedef struct s2s_ckpt {
  s2s_ckpt_header h;
  float *params;          /* malloc'd, h.params floats */
  unsigned char *extra;   /* malloc'd, h.extra_bytes (NULL if 0) */
} s2s_ckpt;

/* Fills the header's config fields from c. */
void s2s_ckpt_header_from_config(s2s_ckpt_header *h, const s2s_config *c);
/* Restores a config from a header (preset name "checkpoint"). */
void s2s_ckpt_header_to_config(const s2s_ckpt_header *h, s2s_config *c);

/* Atomic write. Returns 0, or -1 with a message in err. */
int s2s_ckpt_write(const char *path, const s2s_ckpt_header *h, const float *params,
                   const void *extra, char *err, size_t errlen);
/* Reads and verifies a checkpoint. Returns 0, or -1 with a message in err naming the file
 * and the fault (a directory and an empty file are named as such). Free with
 * s2s_ckpt_free. */
int s2s_ckpt_read(const char *path, s2s_ckpt *out, char *err, size_t errlen);
void s2s_ckpt_free(s2s_ckpt *c);
/* Checks that a checkpoint's model sizes equal the config's; message names the field. */
int s2s_ckpt_matches(const s2s_ckpt_header *h, const s2s_config *c, char *err, size_t errlen);

uint64_t s2s_fnv1a64(uint64_t hash, const void *data, size_t n);
#define S2S_FNV1A64_INIT 0xCBF29CE484222325ull

#endif

/* libFuzzer target for the checkpoint reader (model/checkpoint.c: s2s_ckpt_read takes a
 * path, so each input is written to a file first, fuzz_file.h) and what `translate` and
 * `bench decode` do with a checkpoint that reads: the vocabularies of its extra section
 * (s2s_translate_vocabs_load), the model its header describes, and that model's parameter
 * block converted for the CPU reference decoder, as `translate --cpu-reference` does.
 * Each input is tried twice: as given (the checksum usually fails) and with the checksum
 * recomputed, so the checks behind it are reached. A checkpoint that reads must hold what
 * its header promises and write back byte for byte (s2s_ckpt_write). A failure must name
 * the file. Seeds: tiny checkpoints written at start-up to $S2S_FUZZ_SEED_DIR (synthetic
 * vocabularies, and a corpus-style one with a vocabulary section), plus whatever
 * checkpoints the scripts put in the corpus (`s2sbench train ... --checkpoint`).
 * Run by tests/test_fuzz_readers.sh and scripts/fuzz.sh. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_file.h"
#include "model/checkpoint.h"
#include "model/params.h"
#include "model/reference.h"
#include "model/vocab.h"
#include "data/dataset.h"
#include "decode/translate_io.h"

#define HDR sizeof(s2s_ckpt_header)

static void check_vocab(const s2s_vocab *v) {
  const int n = s2s_vocab_size(v);
  for (int i = 0; i < n && i < 64; i++) {
    const char *w = s2s_vocab_word(v, i);
    if (!w) abort();
    (void)s2s_vocab_id(v, w, strlen(w));
  }
  (void)s2s_vocab_word(v, n), (void)s2s_vocab_word(v, -1);
}

static void use(const s2s_ckpt *ck, const uint8_t *file, size_t size) {
  const s2s_ckpt_header *h = &ck->h;
  /* the reader's promise: sizes add up to the file, the blocks are the file's bytes */
  if (HDR + h->params * sizeof(float) + h->extra_bytes != size ||
      memcmp(ck->params, file + HDR, h->params * sizeof(float)) ||
      (h->extra_bytes && memcmp(ck->extra, file + HDR + h->params * sizeof(float), h->extra_bytes)))
    abort();
  char err[512];
  s2s_config c;
  s2s_ckpt_header_to_config(h, &c);
  if (s2s_ckpt_matches(h, &c, err, sizeof err) != 0) abort();
  /* translate / bench decode: vocabularies, then the model of the header */
  s2s_translate_vocabs v;
  if (s2s_translate_vocabs_load(ck, &v, err, sizeof err) != 0) return;
  check_vocab(v.src), check_vocab(v.tgt);
  s2s_translate_vocabs_free(&v);
  if (s2s_config_check(&c, err, sizeof err) != 0) return;
  s2s_param_layout lay;
  s2s_params_layout(&lay, &c);
  if (lay.total > (16u << 20)) return; /* the double copy below would exceed the RSS limit */
  double *p = malloc((lay.total ? lay.total : 1) * sizeof *p);
  if (!p) return;
  s2s_reference_params_from_float(p, ck->params, lay.total); /* cmd_translate.c run_reference */
  free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t *buf = malloc(size ? size : 1);
  for (int fix = 0; fix < 2; fix++) {
    memcpy(buf, data, size);
    if (fix) {
      if (size < HDR) break;
      s2s_ckpt_header h; /* the file checksum: every byte, its own field read as zero */
      memcpy(&h, buf, HDR);
      h.checksum = 0;
      memcpy(buf, &h, HDR);
      h.checksum = s2s_fnv1a64(S2S_FNV1A64_INIT, buf, size);
      memcpy(buf, &h, HDR);
    }
    const char *path = s2s_fuzz_file(0, ".ckpt", buf, size);
    s2s_ckpt ck;
    char err[1024];
    if (s2s_ckpt_read(path, &ck, err, sizeof err) != 0) {
      if (!strstr(err, path)) {
        fprintf(stderr, "error without the file name: '%s'\n", err);
        abort();
      }
      if (ck.params || ck.extra) abort(); /* nothing left allocated on failure */
      continue;
    }
    use(&ck, buf, size);
    /* a checkpoint that reads writes back byte for byte */
    const char *out = s2s_fuzz_path(1, ".ckpt");
    if (s2s_ckpt_write(out, &ck.h, ck.params, ck.extra, err, sizeof err) != 0) {
      fprintf(stderr, "rewrite: %s\n", err);
      abort();
    }
    FILE *f = fopen(out, "rb");
    uint8_t *back = malloc(size + 1);
    if (!f || !back || fread(back, 1, size + 1, f) != size || memcmp(back, buf, size)) {
      fprintf(stderr, "a checkpoint that reads does not write back the same bytes\n");
      abort();
    }
    fclose(f);
    free(back);
    s2s_ckpt_free(&ck);
  }
  free(buf);
  return 0;
}

/* Seeds: a synthetic-vocabulary checkpoint and one with a vocabulary section, both of a
 * model small enough for the fuzzer (1 layer, 2 cells, 6 + 5 words). */
static void seed(const char *dir, const char *name, const char *const *words, size_t nw) {
  s2s_config c;
  s2s_config_preset(&c, "tiny");
  c.layers = 1, c.hidden = 2, c.embed = 2, c.src_vocab = 6, c.tgt_vocab = 5;
  s2s_param_layout lay;
  s2s_params_layout(&lay, &c);
  float *p = malloc(lay.total * sizeof *p);
  s2s_params_init(p, &lay, &c, c.seed);
  s2s_ckpt_header h;
  memset(&h, 0, sizeof h);
  s2s_ckpt_header_from_config(&h, &c);
  h.step = 7, h.epoch = 0.25, h.params = lay.total;
  unsigned char *extra = NULL;
  size_t elen = 0;
  if (words) {
    uint64_t counts[16];
    for (size_t i = 0; i < nw; i++)
      counts[i] = 10 - i;
    s2s_vocab *s = s2s_vocab_from_counts(words, counts, nw, c.src_vocab);
    s2s_vocab *t = s2s_vocab_from_counts(words, counts, nw, c.tgt_vocab);
    extra = s2s_dataset_vocabs_serialize(s, t, NULL, &elen);
    s2s_vocab_free(s), s2s_vocab_free(t);
    snprintf(h.task, sizeof h.task, "corpus");
    h.data_hash = 0x1234;
  } else {
    snprintf(h.task, sizeof h.task, "copy");
  }
  h.extra_bytes = elen;
  char path[1024], err[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  if (s2s_ckpt_write(path, &h, p, extra, err, sizeof err) != 0) fprintf(stderr, "seed: %s\n", err);
  free(p);
  free(extra);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  const char *dir = getenv("S2S_FUZZ_SEED_DIR");
  if (!dir || !*dir) return 0;
  static const char *const words[] = {"the", "l'homme", "ok", "«", "a"};
  seed(dir, "seed-synthetic.ckpt", NULL, 0);
  seed(dir, "seed-corpus.ckpt", words, 5);
  return 0;
}

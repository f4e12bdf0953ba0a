/* Checkpoint writing and reading: header + parameter block + extra section, checksummed,
 * written atomically (temporary name, fsync, rename). */
#include "checkpoint.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

_Static_assert(sizeof(s2s_ckpt_header) == 160, "checkpoint header must be 160 bytes");

uint64_t s2s_fnv1a64(uint64_t hash, const void *data, size_t n) {
  const unsigned char *p = data;
  for (size_t i = 0; i < n; i++) {
    hash ^= p[i];
    hash *= 0x100000001B3ull;
  }
  return hash;
}

void s2s_ckpt_header_from_config(s2s_ckpt_header *h, const s2s_config *c) {
  memcpy(h->magic, "S2SCKPT1", 8);
  h->version = S2S_CKPT_VERSION;
  h->layers = (uint32_t)c->layers;
  h->hidden = (uint32_t)c->hidden;
  h->embed = (uint32_t)c->embed;
  h->src_vocab = (uint32_t)c->src_vocab;
  h->tgt_vocab = (uint32_t)c->tgt_vocab;
  h->batch = (uint32_t)c->batch;
  h->max_len = (uint32_t)c->max_len;
  h->lr = c->lr;
  h->clip = c->clip;
  h->init_scale = c->init_scale;
  h->decay_start = c->decay_start;
  h->decay_every = c->decay_every;
  h->epochs = c->epochs;
  h->seed = c->seed;
}

void s2s_ckpt_header_to_config(const s2s_ckpt_header *h, s2s_config *c) {
  memset(c, 0, sizeof *c);
  snprintf(c->preset, sizeof c->preset, "checkpoint");
  c->layers = (int)h->layers;
  c->hidden = (int)h->hidden;
  c->embed = (int)h->embed;
  c->src_vocab = (int)h->src_vocab;
  c->tgt_vocab = (int)h->tgt_vocab;
  c->batch = (int)h->batch;
  c->max_len = (int)h->max_len;
  c->lr = h->lr;
  c->clip = h->clip;
  c->init_scale = h->init_scale;
  c->decay_start = h->decay_start;
  c->decay_every = h->decay_every;
  c->epochs = h->epochs;
  c->seed = h->seed;
}

/* The checksum of a whole file: the header with its checksum field zero, so every other
 * header byte (magic, version, sizes, step ...) is covered too, then params and extra. */
static uint64_t file_sum(const s2s_ckpt_header *hdr, const void *params, const void *extra) {
  s2s_ckpt_header h = *hdr;
  h.checksum = 0;
  uint64_t sum = s2s_fnv1a64(S2S_FNV1A64_INIT, &h, sizeof h);
  sum = s2s_fnv1a64(sum, params, h.params * sizeof(float));
  if (h.extra_bytes) sum = s2s_fnv1a64(sum, extra, h.extra_bytes);
  return sum;
}

int s2s_ckpt_write(const char *path, const s2s_ckpt_header *hdr, const float *params,
                   const void *extra, char *err, size_t errlen) {
  s2s_ckpt_header h = *hdr;
  memcpy(h.magic, "S2SCKPT1", 8);
  h.version = S2S_CKPT_VERSION;
  h.checksum = file_sum(&h, params, extra);
  size_t n = strlen(path);
  char *tmp = malloc(n + 5);
  if (!tmp) return snprintf(err, errlen, "out of memory"), -1;
  memcpy(tmp, path, n);
  memcpy(tmp + n, ".tmp", 5);
  FILE *f = fopen(tmp, "wb");
  if (!f) {
    snprintf(err, errlen, "cannot write checkpoint '%s': %s", tmp, strerror(errno));
    free(tmp);
    return -1;
  }
  int ok = fwrite(&h, sizeof h, 1, f) == 1 &&
           fwrite(params, sizeof(float), h.params, f) == h.params &&
           (!h.extra_bytes || fwrite(extra, 1, h.extra_bytes, f) == h.extra_bytes) &&
           fflush(f) == 0 && fsync(fileno(f)) == 0;
  int saved = errno;
  ok = (fclose(f) == 0) && ok;
  if (!ok || rename(tmp, path) != 0) {
    snprintf(err, errlen, "cannot write checkpoint '%s': %s", path,
             strerror(ok ? errno : saved));
    remove(tmp);
    free(tmp);
    return -1;
  }
  free(tmp);
  return 0;
}

int s2s_ckpt_read(const char *path, s2s_ckpt *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  FILE *f = fopen(path, "rb");
  if (!f) return snprintf(err, errlen, "cannot open checkpoint '%s': %s", path, strerror(errno)), -1;
  int rc = -1;
  s2s_ckpt_header h;
  struct stat sb; /* fopen succeeds on a folder; say what the path is, not "truncated" */
  if (fstat(fileno(f), &sb) == 0 && S_ISDIR(sb.st_mode)) {
    snprintf(err, errlen, "checkpoint '%s' is a directory, not a checkpoint file", path);
    goto done;
  }
  if (fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size == 0) {
    snprintf(err, errlen, "checkpoint '%s' is empty (0 bytes)", path);
    goto done;
  }
  if (fread(&h, sizeof h, 1, f) != 1) {
    snprintf(err, errlen, "checkpoint '%s': truncated header", path);
    goto done;
  }
  if (memcmp(h.magic, "S2SCKPT1", 8) != 0) {
    snprintf(err, errlen, "'%s' is not an s2sbench checkpoint (bad magic)", path);
    goto done;
  }
  if (h.version == 1) { /* its checksum left the header out: nothing vouches for the step */
    snprintf(err, errlen, "checkpoint '%s': format version 1 (its checksum does not cover "
             "the header), this build reads only version %d: train it again", path,
             S2S_CKPT_VERSION);
    goto done;
  }
  if (h.version != S2S_CKPT_VERSION) {
    snprintf(err, errlen, "checkpoint '%s': format version %u, this build reads %d", path,
             h.version, S2S_CKPT_VERSION);
    goto done;
  }
  if (fseek(f, 0, SEEK_END) != 0) goto io;
  long size = ftell(f);
  if (size < 0 || fseek(f, (long)sizeof h, SEEK_SET) != 0) goto io;
  /* compared by division: a corrupt count must not wrap around to the right size */
  const uint64_t body = (uint64_t)size - sizeof h; /* size >= sizeof h: the header was read */
  if (h.params > body / sizeof(float) || h.extra_bytes != body - h.params * sizeof(float)) {
    snprintf(err, errlen, "checkpoint '%s': %ld bytes, header promises %zu + %llu floats + "
             "%llu bytes (truncated or corrupt)", path, size, sizeof h,
             (unsigned long long)h.params, (unsigned long long)h.extra_bytes);
    goto done;
  }
  out->params = malloc(h.params * sizeof(float) + 1);
  out->extra = h.extra_bytes ? malloc(h.extra_bytes) : NULL;
  if (!out->params || (h.extra_bytes && !out->extra)) {
    snprintf(err, errlen, "checkpoint '%s': out of memory", path);
    goto done;
  }
  if (fread(out->params, sizeof(float), h.params, f) != h.params ||
      (h.extra_bytes && fread(out->extra, 1, h.extra_bytes, f) != h.extra_bytes))
    goto io;
  if (file_sum(&h, out->params, out->extra) != h.checksum) {
    snprintf(err, errlen, "checkpoint '%s': checksum mismatch (corrupt file)", path);
    goto done;
  }
  out->h = h;
  rc = 0;
  goto done;
io:
  snprintf(err, errlen, "checkpoint '%s': read error: %s", path, strerror(errno));
done:
  fclose(f);
  if (rc) s2s_ckpt_free(out);
  return rc;
}

void s2s_ckpt_free(s2s_ckpt *c) {
  free(c->params);
  free(c->extra);
  memset(c, 0, sizeof *c);
}

int s2s_ckpt_matches(const s2s_ckpt_header *h, const s2s_config *c, char *err, size_t errlen) {
  const struct { const char *name; uint32_t got; int want; } f[] = {
      {"layers", h->layers, c->layers},          {"hidden", h->hidden, c->hidden},
      {"embed", h->embed, c->embed},             {"src-vocab", h->src_vocab, c->src_vocab},
      {"tgt-vocab", h->tgt_vocab, c->tgt_vocab},
  };
  for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
    if (f[i].got != (uint32_t)f[i].want) {
      snprintf(err, errlen, "checkpoint has %s %u, the run asks for %d", f[i].name, f[i].got,
               f[i].want);
      return -1;
    }
  return 0;
}

/* Checkpoint files (model/checkpoint.c): a write reads back exactly; every single-bit flip
 * of the 160-byte header is refused (the checksum covers the header, step counter
 * included, since format version 2); a version 1 file, a directory, an empty file and a
 * truncated one are refused with a message saying which. */
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/checkpoint.h"
#include "test_util.h"

static char dir[256];

static void write_bytes(const char *path, const unsigned char *p, size_t n) {
  FILE *f = fopen(path, "wb");
  T_CHECK(f && fwrite(p, 1, n, f) == n, "write %s", path);
  if (f) fclose(f);
}

static unsigned char *read_bytes(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  *n = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *p = malloc(*n);
  if (p && fread(p, 1, *n, f) != *n) free(p), p = NULL;
  fclose(f);
  return p;
}

/* Reads path expecting a refusal whose message holds `want`. */
static void expect_refused(const char *what, const char *path, const char *want) {
  s2s_ckpt ck;
  char err[512] = "";
  int rc = s2s_ckpt_read(path, &ck, err, sizeof err);
  T_CHECK(rc == -1, "%s: read accepted", what);
  if (rc == 0) s2s_ckpt_free(&ck);
  T_CHECK(strstr(err, want) != NULL, "%s: message '%s' lacks '%s'", what, err, want);
  T_CHECK(strstr(err, path) != NULL, "%s: message '%s' does not name the path", what, err);
}

int main(void) {
  snprintf(dir, sizeof dir, "/tmp/s2s_ckpt_test.XXXXXX");
  if (!mkdtemp(dir)) return perror("mkdtemp"), 1;
  char path[512], bad[512];
  snprintf(path, sizeof path, "%s/m.ckpt", dir);
  snprintf(bad, sizeof bad, "%s/bad.ckpt", dir);

  s2s_config c;
  s2s_config_preset(&c, "tiny");
  s2s_ckpt_header h;
  memset(&h, 0, sizeof h);
  s2s_ckpt_header_from_config(&h, &c);
  float params[37];
  for (int i = 0; i < 37; i++) params[i] = 0.25f * (float)i - 3.0f;
  const char extra[] = "vocabulary bytes";
  h.step = 1234, h.epoch = 1.5, h.params = 37, h.extra_bytes = sizeof extra;
  h.data_hash = 0x0123456789ABCDEFull;
  snprintf(h.task, sizeof h.task, "reverse");
  char err[512];
  T_CHECK(s2s_ckpt_write(path, &h, params, extra, err, sizeof err) == 0, "write: %s", err);

  s2s_ckpt ck;
  T_CHECK(s2s_ckpt_read(path, &ck, err, sizeof err) == 0, "read back: %s", err);
  T_CHECK(ck.h.version == S2S_CKPT_VERSION && ck.h.step == 1234 && ck.h.params == 37 &&
              ck.h.data_hash == h.data_hash && !strcmp(ck.h.task, "reverse"),
          "header fields read back");
  T_CHECK(ck.params && !memcmp(ck.params, params, sizeof params), "params read back");
  T_CHECK(ck.extra && !memcmp(ck.extra, extra, sizeof extra), "extra read back");
  s2s_ckpt_free(&ck);

  /* every bit of every header byte: one flip anywhere is refused, never resumed from */
  size_t n = 0;
  unsigned char *file = read_bytes(path, &n);
  T_CHECK(file && n == sizeof h + sizeof params + sizeof extra, "file size %zu", n);
  int accepted = 0;
  for (size_t byte = 0; file && byte < sizeof h; byte++)
    for (int bit = 0; bit < 8; bit++) {
      file[byte] ^= (unsigned char)(1u << bit);
      write_bytes(bad, file, n);
      file[byte] ^= (unsigned char)(1u << bit);
      if (s2s_ckpt_read(bad, &ck, err, sizeof err) == 0) {
        if (accepted++ < 5) fprintf(stderr, "  header byte %zu bit %d: accepted\n", byte, bit);
        s2s_ckpt_free(&ck);
      }
    }
  T_CHECK(accepted == 0, "%d header bit flips accepted", accepted);
  /* the step counter (bytes 40..47) in particular says checksum */
  if (file) {
    file[41] ^= 0x04;
    write_bytes(bad, file, n);
    file[41] ^= 0x04;
    expect_refused("step counter flip", bad, "checksum mismatch");
  }

  /* a version 1 file (whose checksum skipped the header) is refused, saying why */
  if (file) {
    s2s_ckpt_header old;
    memcpy(&old, file, sizeof old);
    old.version = 1;
    unsigned char *v1 = malloc(n);
    memcpy(v1, file, n);
    memcpy(v1, &old, sizeof old);
    write_bytes(bad, v1, n);
    free(v1);
    expect_refused("version 1", bad, "format version 1");
  }

  /* what the path is, not "truncated header" */
  expect_refused("directory", dir, "is a directory");
  write_bytes(bad, (const unsigned char *)"", 0);
  expect_refused("empty file", bad, "is empty (0 bytes)");
  if (file) write_bytes(bad, file, 100);
  expect_refused("short header", bad, "truncated header");
  if (file) write_bytes(bad, file, n - 3);
  expect_refused("short body", bad, "truncated");

  free(file);
  remove(path), remove(bad), rmdir(dir);
  return s2s_test_finish("test_checkpoint");
}

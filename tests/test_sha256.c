/* SHA-256 against the FIPS 180-4 / NIST CAVP example vectors, plus streaming in odd chunk
 * sizes (1, 3, 63, 64, 65 bytes) against one-shot hashing: every padding boundary. */
#include "text/sha256.h"
#include "test_util.h"

static void check(const char *what, const char *got, const char *want) {
  T_CHECK(strcmp(got, want) == 0, "%s: got %s want %s", what, got, want);
}

int main(void) {
  char hex[65];
  s2s_sha256_hex("", 0, hex);
  check("empty", hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  s2s_sha256_hex("abc", 3, hex);
  check("abc", hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  s2s_sha256_hex(m448, strlen(m448), hex);
  check("448 bits", hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  const char *m896 =
      "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
      "klmnopqrlmnopqrsmnopqrstnopqrstu";
  s2s_sha256_hex(m896, strlen(m896), hex);
  check("896 bits", hex, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");

  /* one million 'a', fed in 1000-byte pieces */
  char *a = malloc(1000000);
  memset(a, 'a', 1000000);
  s2s_sha256 s;
  uint8_t d[32];
  s2s_sha256_init(&s);
  for (int i = 0; i < 1000; i++)
    s2s_sha256_update(&s, a + 1000 * i, 1000);
  s2s_sha256_final(&s, d);
  s2s_sha256_to_hex(d, hex);
  check("million a", hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");

  /* streaming equals one-shot for every length 0..200 and several chunk sizes */
  for (size_t n = 0; n <= 200; n++) {
    for (size_t i = 0; i < n; i++)
      a[i] = (char)(i * 7 + n);
    char want[65];
    s2s_sha256_hex(a, n, want);
    const size_t chunks[] = {1, 3, 63, 64, 65};
    for (size_t c = 0; c < 5; c++) {
      s2s_sha256_init(&s);
      for (size_t off = 0; off < n; off += chunks[c])
        s2s_sha256_update(&s, a + off, n - off < chunks[c] ? n - off : chunks[c]);
      s2s_sha256_final(&s, d);
      s2s_sha256_to_hex(d, hex);
      T_CHECK(strcmp(hex, want) == 0, "length %zu chunk %zu", n, chunks[c]);
    }
  }
  free(a);

  /* file helper: hash of a file written here equals the in-memory hash */
  char path[] = "/tmp/s2s_sha256_XXXXXX";
  int fd = mkstemp(path);
  T_CHECK(fd >= 0, "mkstemp");
  FILE *f = fdopen(fd, "wb");
  fwrite(m896, 1, strlen(m896), f);
  fclose(f);
  T_CHECK(s2s_sha256_file(path, hex) == 0, "read %s", path);
  check("file", hex, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  remove(path);
  T_CHECK(s2s_sha256_file("/nonexistent/s2s", hex) == -1, "missing file must fail");
  return s2s_test_finish("test_sha256");
}

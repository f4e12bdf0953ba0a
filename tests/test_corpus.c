/* End-to-end corpus build on the fixture catalogs (tests/fixtures/corpus: families gnu, gtk
 * -> train, kde -> dev, office -> test, plus a truncated catalog made here). Checks every
 * counter, the files, the manifest, restoring placeholders from the mask sidecar, and:
 *   LEAK CHECK: no English or French line of dev or test occurs in train, and no test line
 *   occurs in dev, also up to letter case and spacing (the fixtures hold three dev pairs,
 *   one a case variant, and two test pairs that would leak);
 *   DETERMINISM: two builds from the inputs listed in different orders give the same bytes
 *   and the same CORPUS_HASH. */
#include <ctype.h>
#include <sys/stat.h>
#include <unistd.h>

#include "corpus/corpus.h"
#include "text/sha256.h"
#include "test_util.h"

static char tmp[] = "/tmp/s2s_corpus_XXXXXX";

typedef struct {
  char **line;
  size_t n;
} lines;

static lines read_lines(const char *dir, const char *name) {
  char path[1100], buf[4096];
  lines l = {NULL, 0};
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "r");
  T_CHECK(f != NULL, "cannot open %s", path);
  while (f && fgets(buf, sizeof buf, f)) {
    buf[strcspn(buf, "\n")] = '\0';
    l.line = realloc(l.line, (l.n + 1) * sizeof *l.line);
    l.line[l.n++] = strdup(buf);
  }
  if (f) fclose(f);
  return l;
}

static void free_lines(lines *l) {
  for (size_t i = 0; i < l->n; i++)
    free(l->line[i]);
  free(l->line);
}

/* a and b equal up to ASCII letter case and runs of spaces (an oracle independent of the
 * corpus's own Unicode folding; the fixtures' case variants are ASCII) */
static int same_folded(const char *a, const char *b) {
  for (;;) {
    while (*a == ' ' && (a[1] == ' ' || a[1] == '\0')) a++;
    while (*b == ' ' && (b[1] == ' ' || b[1] == '\0')) b++;
    if (!*a || !*b) return !*a && !*b;
    if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) return 0;
    a++, b++;
  }
}

static int contains(const lines *l, const char *s) {
  for (size_t i = 0; i < l->n; i++)
    if (same_folded(l->line[i], s)) return 1;
  return 0;
}

/* The inputs list; reversed lists the catalogs in the opposite order. The truncated
 * catalog lives in the temporary folder, the others in tests/fixtures/corpus. */
static void write_inputs(const char *path, int reversed) {
  const char *src = getenv("S2S_SOURCE_DIR") ? getenv("S2S_SOURCE_DIR") : ".";
  const char *rows[][3] = {
      {"gnu-a", "gnu", "gnu-a.mo"},       {"gnu-b", "gnu", "gnu-b.mo"},
      {"gnu-broken", "gnu", "broken.mo"}, {"gtk-pkg", "gtk", "gtk.mo"},
      {"kde-pkg", "kde", "kde.mo"},       {"office-pkg", "office", "office.mo"}};
  const char *sha = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  FILE *f = fopen(path, "w");
  fprintf(f, "# package\tversion\tfamily\tdeb_sha256\tcatalog\tpath\n");
  for (int k = 0; k < 6; k++) {
    int i = reversed ? 5 - k : k;
    char file[600];
    if (i == 2)
      snprintf(file, sizeof file, "%s/%s", tmp, rows[i][2]);
    else
      snprintf(file, sizeof file, "%s/tests/fixtures/corpus/%s", src, rows[i][2]);
    fprintf(f, "%s\t1.0-%d\t%s\t%s\tusr/share/locale/fr/LC_MESSAGES/%s\t%s\n", rows[i][0], i,
            rows[i][1], i == 0 ? "-" : sha, rows[i][2], file);
  }
  fclose(f);
}

static int build(const char *out, const char *inputs, const char *dev, const char *test,
                 long min_train, s2s_corpus_stats *st, char *err) {
  s2s_corpus_options o;
  s2s_corpus_options_default(&o);
  o.out_dir = out, o.inputs = inputs, o.dev_families = dev, o.test_families = test;
  o.min_train = min_train, o.quiet = 1;
  return s2s_corpus_build(&o, st, err, 1024);
}

static void check_leaks(const char *dir) {
  lines te = read_lines(dir, "train.en"), tf = read_lines(dir, "train.fr");
  lines de = read_lines(dir, "dev.en"), df = read_lines(dir, "dev.fr");
  lines se = read_lines(dir, "test.en"), sf = read_lines(dir, "test.fr");
  for (size_t i = 0; i < de.n; i++)
    T_CHECK(!contains(&te, de.line[i]) && !contains(&tf, df.line[i]), "dev line %zu leaks: %s",
            i + 1, de.line[i]);
  for (size_t i = 0; i < se.n; i++)
    T_CHECK(!contains(&te, se.line[i]) && !contains(&tf, sf.line[i]) &&
                !contains(&de, se.line[i]) && !contains(&df, sf.line[i]),
            "test line %zu leaks: %s", i + 1, se.line[i]);
  free_lines(&te), free_lines(&tf), free_lines(&de), free_lines(&df);
  free_lines(&se), free_lines(&sf);
}

static void same_file(const char *a, const char *b, const char *name) {
  char pa[1100], pb[1100], ha[65], hb[65];
  snprintf(pa, sizeof pa, "%s/%s", a, name);
  snprintf(pb, sizeof pb, "%s/%s", b, name);
  T_CHECK(s2s_sha256_file(pa, ha) == 0 && s2s_sha256_file(pb, hb) == 0 && !strcmp(ha, hb),
          "%s differs between builds", name);
}

int main(void) {
  T_CHECK(mkdtemp(tmp) != NULL, "mkdtemp");
  char path[1100], inputs[512], inputs_rev[512], out[512], out2[512], err[1024];
  /* a catalog cut short: read, named, counted, skipped */
  const char *src = getenv("S2S_SOURCE_DIR") ? getenv("S2S_SOURCE_DIR") : ".";
  snprintf(path, sizeof path, "%s/tests/fixtures/corpus/gnu-a.mo", src);
  FILE *f = fopen(path, "rb");
  char buf[200];
  size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;
  if (f) fclose(f);
  snprintf(path, sizeof path, "%s/broken.mo", tmp);
  f = fopen(path, "wb");
  fwrite(buf, 1, n, f);
  fclose(f);
  snprintf(inputs, sizeof inputs, "%s/inputs.tsv", tmp);
  snprintf(inputs_rev, sizeof inputs_rev, "%s/inputs-rev.tsv", tmp);
  write_inputs(inputs, 0);
  write_inputs(inputs_rev, 1);
  s2s_corpus_stats st;
  snprintf(out, sizeof out, "%s/c1", tmp);
  int rc = build(out, inputs, "kde", "office", 1, &st, err);
  T_CHECK(rc == 0, "build: %s", err);
  /* counts: see the comments in the .po files; each number is exact for these fixtures */
  T_CHECK(st.catalogs == 6 && st.catalogs_failed == 1, "catalogs %ld failed %ld", st.catalogs,
          st.catalogs_failed);
  T_CHECK(st.header_entries == 5 && st.context_entries == 1 && st.sysdep_entries == 1 &&
              st.plural_pairs == 1,
          "header %ld context %ld sysdep %ld plural %ld", st.header_entries, st.context_entries,
          st.sysdep_entries, st.plural_pairs);
  T_CHECK(st.pairs_read == 31, "pairs read %ld (gnu-a 11, gnu-b 4, gtk 5, kde 7, office 4)",
          st.pairs_read);
  T_CHECK(st.identical == 1 && st.placeholder_mismatch == 1 && st.length_filtered == 1,
          "identical %ld mismatch %ld length %ld", st.identical, st.placeholder_mismatch,
          st.length_filtered);
  T_CHECK(st.duplicate_pairs == 1 && st.conflicting_english == 1, "dup %ld conflict %ld",
          st.duplicate_pairs, st.conflicting_english);
  T_CHECK(st.leaked_dev == 3 && st.leaked_test == 2, "leaked dev %ld test %ld", st.leaked_dev,
          st.leaked_test);
  T_CHECK(st.pairs[0] == 15 && st.pairs[1] == 4 && st.pairs[2] == 2, "train %ld dev %ld test %ld",
          st.pairs[0], st.pairs[1], st.pairs[2]);
  check_leaks(out);

  lines te = read_lines(out, "train.en"), tf = read_lines(out, "train.fr");
  lines de = read_lines(out, "dev.en"), df = read_lines(out, "dev.fr");
  T_CHECK(te.n == 15 && tf.n == 15 && de.n == 4 && df.n == 4, "line counts %zu %zu %zu %zu", te.n,
          tf.n, de.n, df.n);
  T_CHECK(contains(&te, "Usage: frob [OPTION]... Frob the files."), "newline normalised");
  T_CHECK(contains(&tf, "⟨ph1⟩ : erreur d'écriture sur ⟨ph2⟩"), "NBSP normalised, masked");
  T_CHECK(contains(&tf, "⟨ph2⟩ éléments et ⟨ph1⟩"), "positional placeholders renumbered");
  T_CHECK(contains(&tf, "impossible d'ouvrir le fichier ⟨ph1⟩") &&
              !contains(&tf, "ne peut ouvrir le fichier ⟨ph1⟩"),
          "first translation of a repeated English kept");
  T_CHECK(contains(&te, "⟨ph1⟩ bytes copied in total"), "sysdep string read");
  T_CHECK(contains(&de, "Tom && Jerry are here") && !contains(&de, "Open the selected file"),
          "dev content");
  /* the mask sidecar restores the dev French of "Delete %1 files from the trash?" */
  lines mask = read_lines(out, "dev.mask.tsv");
  size_t at = 0;
  for (size_t i = 0; i < de.n; i++)
    if (!strcmp(de.line[i], "Delete ⟨ph1⟩ files from the trash?")) at = i + 1;
  char table[512] = "", want_line[16], restored[512];
  snprintf(want_line, sizeof want_line, "%zu\tfr\t", at);
  for (size_t i = 0; i < mask.n; i++)
    if (!strncmp(mask.line[i], want_line, strlen(want_line)))
      snprintf(table + strlen(table), sizeof table - strlen(table), "%s\n",
               mask.line[i] + strlen(want_line));
  T_CHECK(at && s2s_corpus_unmask(df.line[at - 1], table, restored, sizeof restored) == 0 &&
              !strcmp(restored, "Supprimer %1 fichiers de la corbeille ?"),
          "restored '%s' from table '%s'", restored, table);
  free_lines(&mask), free_lines(&te), free_lines(&tf), free_lines(&de), free_lines(&df);

  lines man = read_lines(out, "MANIFEST.tsv");
  T_CHECK(man.n == 7, "manifest rows %zu (header + 6 catalogs)", man.n);
  int broken = 0, kde = 0;
  for (size_t i = 0; i < man.n; i++) {
    broken += strstr(man.line[i], "gnu-broken\t") == man.line[i] &&
              strstr(man.line[i], "\terror: ") != NULL;
    kde += strstr(man.line[i], "kde-pkg\t1.0-4\tkde\tdev\t") == man.line[i] &&
           strstr(man.line[i], "\t7\t4\tok") != NULL;
    T_CHECK(!strstr(man.line[i], tmp), "manifest holds a machine path: %s", man.line[i]);
  }
  T_CHECK(broken == 1 && kde == 1, "manifest rows: broken %d kde %d", broken, kde);
  free_lines(&man);

  /* CORPUS_HASH: line 1 is the SHA-256 of the lines after it */
  lines h = read_lines(out, "CORPUS_HASH");
  char rest[2048] = "", hex[65];
  for (size_t i = 1; i < h.n; i++)
    snprintf(rest + strlen(rest), sizeof rest - strlen(rest), "%s\n", h.line[i]);
  s2s_sha256_hex(rest, strlen(rest), hex);
  T_CHECK(h.n == 12 && !strcmp(h.line[0], hex) && !strcmp(hex, st.corpus_hash),
          "CORPUS_HASH self-check");
  free_lines(&h);

  /* determinism: inputs in reverse order, another folder, same bytes */
  s2s_corpus_stats st2;
  snprintf(out2, sizeof out2, "%s/c2", tmp);
  T_CHECK(build(out2, inputs_rev, "kde", "office", 1, &st2, err) == 0, "build 2: %s", err);
  T_CHECK(!strcmp(st.corpus_hash, st2.corpus_hash), "hash %s vs %s", st.corpus_hash,
          st2.corpus_hash);
  const char *names[] = {"train.en", "train.fr",       "dev.en",       "dev.fr",    "test.en",
                         "test.fr",  "train.mask.tsv", "MANIFEST.tsv", "STATS.txt", "CORPUS_HASH"};
  for (size_t i = 0; i < sizeof names / sizeof *names; i++)
    same_file(out, out2, names[i]);

  /* rebuilding over an existing folder keeps files that are not the corpus's */
  snprintf(path, sizeof path, "%s/loader.cache", out2);
  f = fopen(path, "w");
  fputs("cache", f);
  fclose(f);
  T_CHECK(build(out2, inputs, "kde", "office", 1, &st2, err) == 0, "rebuild: %s", err);
  T_CHECK(access(path, F_OK) == 0, "foreign file carried over");
  snprintf(path, sizeof path, "%s/c2.tmp", tmp);
  T_CHECK(access(path, F_OK) != 0, "no .tmp folder left");

  /* below the floor: error, and nothing installed */
  snprintf(out2, sizeof out2, "%s/c3", tmp);
  T_CHECK(build(out2, inputs, "kde", "office", 1000, &st2, err) == 1 && strstr(err, "floor"),
          "floor: %s", err);
  T_CHECK(access(out2, F_OK) != 0, "nothing installed below the floor");

  /* automatic split: deterministic and leak-free */
  s2s_corpus_stats a1, a2;
  snprintf(out2, sizeof out2, "%s/auto1", tmp);
  T_CHECK(build(out2, inputs, NULL, NULL, 1, &a1, err) == 0, "auto: %s", err);
  check_leaks(out2);
  snprintf(out2, sizeof out2, "%s/auto2", tmp);
  T_CHECK(build(out2, inputs_rev, NULL, NULL, 1, &a2, err) == 0, "auto 2: %s", err);
  T_CHECK(!strcmp(a1.corpus_hash, a2.corpus_hash) && a1.pairs[0] > 0, "auto split determinism");

  /* errors name the file and line, or the flag */
  T_CHECK(build(out2, inputs, "nosuch", "office", 1, &st2, err) == -1 && strstr(err, "nosuch"),
          "unknown family: %s", err);
  T_CHECK(build(out2, inputs, "kde", "kde", 1, &st2, err) == -1, "family in two splits");
  snprintf(path, sizeof path, "%s/bad.tsv", tmp);
  f = fopen(path, "w");
  fputs("# comment\npkg\t1\tfam\t-\tcatalog\n", f);
  fclose(f);
  T_CHECK(build(out2, path, NULL, NULL, 1, &st2, err) == -1 && strstr(err, "bad.tsv:2:"),
          "short line: %s", err);

  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
  if (s2s_test_failures == 0 && system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmp);
  return s2s_test_finish("test_corpus");
}

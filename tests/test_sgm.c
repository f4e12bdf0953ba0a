/* SGM reader: segments in order with ids and doc ids, entities, odd attribute spellings,
 * errors naming file:line, and plain-text test sets through the same reader. The fixture
 * tests/fixtures/data/newstest-sample.sgm is shaped like newstest2014-fren-src.en.sgm. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/sgm.h"
#include "test_util.h"

static void parse_ok(const char *what, const char *text, size_t n_want, const char *const *want,
                     s2s_segments *out) {
  char err[256] = "";
  int rc = s2s_sgm_parse(text, strlen(text), "t.sgm", out, err, sizeof err);
  T_CHECK(rc == 0, "%s: %s", what, err);
  if (rc) return;
  T_CHECK(out->n == n_want, "%s: %zu segments, want %zu", what, out->n, n_want);
  for (size_t i = 0; i < out->n && i < n_want; i++)
    T_CHECK(!strcmp(out->text[i], want[i]), "%s: seg %zu '%s', want '%s'", what, i, out->text[i],
            want[i]);
}

/* n = 0: strlen(text) */
static void parse_bad(const char *what, const char *text, size_t n, const char *want) {
  s2s_segments s;
  char err[256] = "";
  int rc = s2s_sgm_parse(text, n ? n : strlen(text), "t.sgm", &s, err, sizeof err);
  T_CHECK(rc == -1 && strstr(err, want), "%s: rc %d, '%s', want '%s'", what, rc, err, want);
  T_CHECK(s.n == 0 && !s.text, "%s: nothing left allocated", what);
}

int main(void) {
  s2s_segments s;
  const char *doc =
      "<srcset setid=\"newstest2014\" srclang=\"any\">\n"
      "<doc sysid=\"ref\" docid=\"1012-bbc\" genre=\"news\" origlang=\"en\">\n"
      "<hl>\n<seg id=\"1\">Headline &amp; more</seg>\n</hl>\n"
      "<p>\n<seg id=\"2\"> A &quot;quoted&quot; &lt;word&gt; </seg>\n"
      "<seg id=3>L&apos;homme &#233;t&#xE9; &#x1F600; &bogus; &#xD800; &#;</seg>\n</p>\n"
      "</doc>\n<DOC docid='x2'>\n<SEG ID='a b'>Upper\tcase\r\ntags</SEG>\n</DOC>\n"
      "<seg>outside</seg>\n</srcset>\n";
  const char *want[] = {"Headline & more", "A \"quoted\" <word>",
                        "L'homme été 😀 &bogus; &#xD800; &#;", "Upper case  tags", "outside"};
  parse_ok("newstest shape", doc, 5, want, &s);
  if (s.n == 5) {
    T_CHECK(!strcmp(s.id[0], "1") && !strcmp(s.id[2], "3") && !strcmp(s.id[3], "a b") &&
                !strcmp(s.id[4], ""),
            "ids");
    T_CHECK(!strcmp(s.doc[0], "1012-bbc") && !strcmp(s.doc[3], "x2") && !strcmp(s.doc[4], ""),
            "doc ids");
  }
  s2s_segments_free(&s);
  const char *empty[] = {""};
  parse_ok("empty seg", "<seg id=\"1\"></seg>", 1, empty, &s);
  s2s_segments_free(&s);
  parse_ok("no segs", "<srcset>\n</srcset>\n", 0, NULL, &s);
  s2s_segments_free(&s);
  /* numeric entities of line breaks and tabs (found by fuzz_sgm): a segment stays one line */
  const char *nl[] = {"one two three  four"};
  parse_ok("&#10; &#13; &#x9; become spaces", "<seg id=1>one&#10;two&#13;three&#x9;&#9;four&#10;</seg>", 1,
           nl, &s);
  s2s_segments_free(&s);
  const char *lt[] = {"a < b"};
  parse_ok("bare < in text", "<seg id=1>a < b</seg>", 1, lt, &s);
  s2s_segments_free(&s);

  parse_bad("unclosed", "<doc>\n<seg id=\"1\">text\n</doc>\n", 0, "t.sgm:2: <seg> is never closed");
  parse_bad("nested", "<seg id=1>a\n<seg id=2>b</seg>", 0,
            "t.sgm:2: <seg> inside the <seg> of line 1");
  parse_bad("no >", "<seg id=1>a</seg>\n\n<p", 0, "t.sgm:3: tag without '>'");
  parse_bad("stray close", "x\n</seg>", 0, "t.sgm:2: </seg> without");
  parse_bad("utf-8", "<seg>ok</seg>\n<seg>\xC3\x28</seg>", 0, "t.sgm:2: invalid UTF-8");
  parse_bad("nul", "<seg>a\0b</seg>", 14, "t.sgm:1: NUL byte");

  /* files: the fixture, plain text, and errors naming the file */
  const char *src = getenv("S2S_SOURCE_DIR");
  char path[4096], err[512];
  snprintf(path, sizeof path, "%s/tests/fixtures/data/newstest-sample.sgm", src ? src : "..");
  int is_sgm = -1;
  T_CHECK(s2s_segments_read(path, &s, &is_sgm, err, sizeof err) == 0, "fixture: %s", err);
  T_CHECK(is_sgm == 1 && s.n == 4, "fixture: sgm %d, %zu segments", is_sgm, s.n);
  if (s.n == 4)
    T_CHECK(!strcmp(s.text[3], "Prices rose by 3.5% in \"Q2\" & Q3.") && !strcmp(s.id[3], "4") &&
                !strcmp(s.doc[3], "1013-cnn"),
            "fixture seg 4: '%s'", s.text[3]);
  s2s_segments_free(&s);
  char tmp[] = "/tmp/s2s_sgm_XXXXXX";
  int fd = mkstemp(tmp);
  FILE *f = fdopen(fd, "wb");
  fputs("first line\r\n<b>second</b> &amp;\n\nfourth", f);
  fclose(f);
  T_CHECK(s2s_segments_read(tmp, &s, &is_sgm, err, sizeof err) == 0, "plain: %s", err);
  T_CHECK(is_sgm == 0 && s.n == 4, "plain: sgm %d, %zu lines", is_sgm, s.n);
  if (s.n == 4)
    T_CHECK(!strcmp(s.text[0], "first line") && !strcmp(s.text[1], "<b>second</b> &amp;") &&
                !strcmp(s.text[2], "") && !strcmp(s.id[3], "4"),
            "plain lines kept verbatim");
  s2s_segments_free(&s);
  f = fopen(tmp, "wb");
  fputs("ok\nbad \xFF\n", f);
  fclose(f);
  T_CHECK(s2s_segments_read(tmp, &s, NULL, err, sizeof err) == -1 && strstr(err, ":2:") &&
              strstr(err, tmp),
          "plain invalid UTF-8 names file:line: '%s'", err);
  f = fopen(tmp, "wb");
  fputs("<refset>\n<doc docid=\"d\">\n<seg id=\"1\">never closed\n", f);
  fclose(f);
  T_CHECK(s2s_segments_read(tmp, &s, &is_sgm, err, sizeof err) == -1 && strstr(err, ":3:"),
          "sgm error names file:line: '%s'", err);
  remove(tmp);
  T_CHECK(s2s_segments_read("/nonexistent.sgm", &s, NULL, err, sizeof err) == -1 &&
              strstr(err, "/nonexistent.sgm"),
          "missing file: '%s'", err);
  return s2s_test_finish("test_sgm");
}

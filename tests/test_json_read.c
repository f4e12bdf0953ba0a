/* The JSON reader of the results records (harness/record/json_read.c): values of every type,
 * dotted paths into objects and arrays, escapes (\u with surrogate pairs) decoded to
 * UTF-8, verbatim subtree copies, and refusal of malformed documents with a line number;
 * a round trip through the results writer (harness/record/json.c). */
#include <stdio.h>
#include <string.h>

#include "record/json.h"
#include "record/json_read.h"
#include "test_util.h"

static void test_values(void) {
  const char *text = "{\n \"a\": 1.5, \"b\": [true, false, null, -2e3, \"x\"],\n"
                     " \"c\": {\"d\": {\"e\": \"t\\u00e9\\ud83d\\ude00\\n\\\"q\\\"\"}},\n"
                     " \"empty\": {}, \"none\": []\n}";
  s2s_jdoc d;
  char err[256];
  T_CHECK(s2s_jdoc_parse(&d, text, strlen(text), err, sizeof err) == 0, "parse: %s", err);
  T_CHECK(s2s_jnum(d.root, "a", 0) == 1.5, "a");
  T_CHECK(s2s_jget(d.root, "b")->count == 5, "b count");
  T_CHECK(s2s_jget(d.root, "b.0")->type == S2S_JBOOL && s2s_jnum(d.root, "b.0", 0) == 1, "b.0");
  T_CHECK(s2s_jget(d.root, "b.2")->type == S2S_JNULL, "b.2 null");
  T_CHECK(s2s_jnum(d.root, "b.3", 0) == -2000, "b.3");
  T_CHECK(!strcmp(s2s_jstr(d.root, "b.4", ""), "x"), "b.4");
  T_CHECK(s2s_jget(d.root, "b.5") == NULL && s2s_jget(d.root, "b.x") == NULL, "out of range");
  T_CHECK(!strcmp(s2s_jstr(d.root, "c.d.e", ""), "t\xc3\xa9\xf0\x9f\x98\x80\n\"q\""),
          "escapes: '%s'", s2s_jstr(d.root, "c.d.e", ""));
  T_CHECK(s2s_jnum(d.root, "c.d", -1) == -1, "an object is not a number");
  T_CHECK(!strcmp(s2s_jstr(d.root, "missing.path", "dflt"), "dflt"), "default");
  T_CHECK(s2s_jget(d.root, "empty")->count == 0 && s2s_jget(d.root, "none")->count == 0, "empties");
  FILE *f = tmpfile();
  s2s_jcopy(&d, s2s_jget(d.root, "b"), f);
  rewind(f);
  char buf[128] = "";
  T_CHECK(fgets(buf, sizeof buf, f) && !strcmp(buf, "[true, false, null, -2e3, \"x\"]"),
          "verbatim copy: %s", buf);
  fclose(f);
  s2s_jdoc_free(&d);
}

static void test_errors(void) {
  const char *bad[] = {"",
                       "{",
                       "{\"a\" 1}",
                       "{\"a\": 1,}",
                       "[1 2]",
                       "{\"a\": tru}",
                       "{\"a\": \"x}",
                       "{\"a\": 1} x",
                       "{\"a\": \"\\q\"}",
                       "{\"a\": -}"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    s2s_jdoc d;
    char err[256] = "";
    T_CHECK(s2s_jdoc_parse(&d, bad[i], strlen(bad[i]), err, sizeof err) == -1 &&
                !strncmp(err, "line ", 5),
            "'%s' accepted (%s)", bad[i], err);
  }
  char deep[400];
  memset(deep, '[', sizeof deep - 1);
  deep[sizeof deep - 1] = '\0';
  s2s_jdoc d;
  char err[256];
  T_CHECK(s2s_jdoc_parse(&d, deep, strlen(deep), err, sizeof err) == -1 && strstr(err, "deeper"),
          "deep nesting: %s", err);
  T_CHECK(s2s_jdoc_load(&d, "/nonexistent/run.json", err, sizeof err) == -1 &&
              strstr(err, "/nonexistent/run.json"),
          "missing file names the path: %s", err);
}

static void test_round_trip(void) {
  FILE *f = tmpfile();
  s2s_json j;
  s2s_json_begin(&j, f);
  s2s_json_str(&j, "name", "tab\there \"quoted\" \x01");
  s2s_json_array(&j, "xs");
  s2s_json_num(&j, NULL, 0.1);
  s2s_json_num(&j, NULL, 1.0 / 0.0); /* non-finite: null */
  s2s_json_int(&j, NULL, -7);
  s2s_json_close(&j, ']');
  s2s_json_end(&j);
  long n = ftell(f);
  rewind(f);
  char buf[512];
  size_t got = fread(buf, 1, sizeof buf, f);
  fclose(f);
  s2s_jdoc d;
  char err[256];
  T_CHECK((long)got == n && s2s_jdoc_parse(&d, buf, got, err, sizeof err) == 0, "%s", err);
  T_CHECK(!strcmp(s2s_jstr(d.root, "name", ""), "tab\there \"quoted\" \x01"), "string");
  T_CHECK(s2s_jnum(d.root, "xs.0", 0) == 0.1, "0.1");
  T_CHECK(s2s_jget(d.root, "xs.1")->type == S2S_JNULL, "inf -> null");
  T_CHECK(s2s_jnum(d.root, "xs.2", 0) == -7, "-7");
  s2s_jdoc_free(&d);
}

int main(void) {
  test_values();
  test_errors();
  test_round_trip();
  return s2s_test_finish("test_json_read");
}

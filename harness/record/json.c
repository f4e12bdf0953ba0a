/* Streaming JSON writer (see json.h). */
#include "record/json.h"

#include <math.h>

static void sep(s2s_json *j, const char *key) {
  if (!j->first[j->depth]) fputc(',', j->f);
  j->first[j->depth] = 0;
  fprintf(j->f, "\n%*s", 2 * j->depth, "");
  if (key) {
    s2s_json_escape(j->f, key);
    fputs(": ", j->f);
  }
}

void s2s_json_escape(FILE *f, const char *s) {
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
    if (*p == '"' || *p == '\\') fprintf(f, "\\%c", *p);
    else if (*p == '\n') fputs("\\n", f);
    else if (*p == '\t') fputs("\\t", f);
    else if (*p < 0x20) fprintf(f, "\\u%04x", *p);
    else fputc(*p, f);
  }
  fputc('"', f);
}

void s2s_json_begin(s2s_json *j, FILE *f) {
  j->f = f;
  j->depth = 0;
  j->first[0] = 1;
  fputc('{', f);
  j->depth = 1;
  j->first[1] = 1;
}

void s2s_json_end(s2s_json *j) {
  fputs("\n}\n", j->f);
  j->depth = 0;
}

static void open_(s2s_json *j, const char *key, char c) {
  sep(j, key);
  fputc(c, j->f);
  if (j->depth < 31) j->depth++;
  j->first[j->depth] = 1;
}

void s2s_json_object(s2s_json *j, const char *key) { open_(j, key, '{'); }
void s2s_json_array(s2s_json *j, const char *key) { open_(j, key, '['); }

void s2s_json_close(s2s_json *j, char bracket) {
  int empty = j->first[j->depth];
  j->depth--;
  if (!empty) fprintf(j->f, "\n%*s", 2 * j->depth, "");
  fputc(bracket, j->f);
}

void s2s_json_str(s2s_json *j, const char *key, const char *value) {
  sep(j, key);
  s2s_json_escape(j->f, value);
}

void s2s_json_num(s2s_json *j, const char *key, double v) {
  sep(j, key);
  if (isfinite(v)) fprintf(j->f, "%.10g", v);
  else fputs("null", j->f);
}

void s2s_json_int(s2s_json *j, const char *key, long long v) {
  sep(j, key);
  fprintf(j->f, "%lld", v);
}

void s2s_json_bool(s2s_json *j, const char *key, int v) {
  sep(j, key);
  fputs(v ? "true" : "false", j->f);
}

void s2s_json_key(s2s_json *j, const char *key) { sep(j, key); }

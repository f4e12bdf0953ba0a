/* A small streaming JSON writer for results records: objects, arrays, keys, escaped
 * strings, numbers (non-finite numbers become null), with two-space indentation. */
#ifndef S2S_JSON_H
#define S2S_JSON_H

/* Schema version of every results record the suite writes (run.json, sweep.json, tuning
 * files); bumped when a field changes meaning. */
#define S2S_RESULTS_SCHEMA 1

#include <stdio.h>

typedef struct s2s_json {
  FILE *f;
  int depth;
  int first[32];  /* no element written yet at this depth */
} s2s_json;

void s2s_json_begin(s2s_json *j, FILE *f);          /* opens the top-level object */
void s2s_json_end(s2s_json *j);                     /* closes it, adds a newline */
void s2s_json_object(s2s_json *j, const char *key); /* key NULL inside arrays */
void s2s_json_array(s2s_json *j, const char *key);
void s2s_json_close(s2s_json *j, char bracket);     /* '}' or ']' */
void s2s_json_str(s2s_json *j, const char *key, const char *value);
void s2s_json_num(s2s_json *j, const char *key, double value);
void s2s_json_int(s2s_json *j, const char *key, long long value);
void s2s_json_bool(s2s_json *j, const char *key, int value);
/* Writes the key and leaves the value to the caller (raw JSON, e.g. from another writer). */
void s2s_json_key(s2s_json *j, const char *key);
void s2s_json_escape(FILE *f, const char *s);

#endif

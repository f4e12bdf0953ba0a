/* UTF-8 for the text tools (BLEU first): strict validation with the same rules as
 * Python's utf-8 codec (no overlongs, no surrogates, nothing above U+10FFFF), decoding to
 * and encoding from code points, and reading a text file into lines with errors that name
 * the file and line. Library code: returns status, writes messages into the caller's buffer. */
#ifndef S2S_UTF8_H
#define S2S_UTF8_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Returns 0 when s[0..n) is valid UTF-8, else -1 with *bad = offset of the first byte of
 * the first invalid sequence. */
int s2s_utf8_validate(const char *s, size_t n, size_t *bad);

/* Decodes valid UTF-8 s[0..n) into out (room for n code points); returns the count. */
size_t s2s_utf8_decode(const char *s, size_t n, uint32_t *out);

/* Encodes one code point (<= U+10FFFF) into out[0..4); returns the byte count. */
size_t s2s_utf8_encode(uint32_t cp, char *out);

/* Line splitting: S2S_LINES_LF splits on "\n" only (Python open(newline="\n"), Perl);
 * S2S_LINES_UNIVERSAL splits on "\n", "\r\n" and "\r" (Python's default text mode,
 * which is how sacreBLEU reads stdin). Terminators are not part of the lines. */
typedef enum { S2S_LINES_LF, S2S_LINES_UNIVERSAL } s2s_lines_mode;

typedef struct {
  char *data;            /* the whole file; each line is NUL-terminated in place */
  char **line;           /* (n) start of each line */
  size_t *len;           /* (n) bytes in each line (lines may hold NUL bytes) */
  size_t n;              /* number of lines: a final line without a terminator counts */
  int last_unterminated; /* 1 when the last line had no terminator */
} s2s_text_lines;

/* Reads all of f into lines. `name` is used in messages ("-" for stdin). When
 * validate_utf8 is set, invalid UTF-8 fails with "NAME:LINE: invalid UTF-8 ...".
 * Returns 0, or -1 with a message in err[0..errlen). */
int s2s_text_lines_read(FILE *f, const char *name, s2s_lines_mode mode, int validate_utf8,
                        s2s_text_lines *out, char *err, size_t errlen);
void s2s_text_lines_free(s2s_text_lines *t);

#endif

/* Test sets as WMT ships them: newstest SGM files (<srcset>/<refset> > <doc docid=..> >
 * <seg id=..>text</seg>) read directly, and plain text (one segment per line) behind the
 * same interface, so translate and bleu take either. Errors name the file and line. */
#ifndef S2S_SGM_H
#define S2S_SGM_H

#include <stddef.h>

typedef struct s2s_segments {
  char **text; /* (n) segment text: entities unescaped, CR/LF/tab -> space, ends trimmed */
  char **id;   /* (n) the seg's id attribute ("" when absent); plain text: "1".."n" */
  char **doc;  /* (n) docid of the enclosing <doc> ("" when none) */
  size_t n;
} s2s_segments;

/* Parses SGM data[0..n) (name is used in messages). Every <seg ...>...</seg> in file order,
 * whatever encloses it (<p>, <hl>, <doc>); tag and attribute names are case-insensitive,
 * attribute values quoted ("..." '...') or bare. Unescaped: &amp; &lt; &gt; &quot; &apos;
 * &#N; &#xH; (an unknown or malformed entity stays as written). Errors (-1, message
 * "NAME:LINE: ..."): invalid UTF-8, a NUL byte, a tag without '>', a <seg> inside a <seg>,
 * a <seg> never closed. Returns 0; free with s2s_segments_free. */
int s2s_sgm_parse(const char *data, size_t n, const char *name, s2s_segments *out, char *err,
                  size_t errlen);
int s2s_sgm_read(const char *path, s2s_segments *out, char *err, size_t errlen);

/* Reads a test set of either kind: SGM when the first non-blank byte is '<' and the file
 * holds a "<seg" tag, else plain UTF-8 text with one segment per line ("\n", "\r\n").
 * *is_sgm (may be NULL) says which. Returns 0, or -1 with a message naming file and line. */
int s2s_segments_read(const char *path, s2s_segments *out, int *is_sgm, char *err, size_t errlen);
void s2s_segments_free(s2s_segments *s);

#endif

/* Unicode properties for sacreBLEU-exact BLEU, generated from Python and its `regex`
 * module by scripts/gen_unicode_tables.py (unicode_tables.c is committed, not built from
 * a UCD file): whitespace as str.split() sees it, \p{P} \p{S} \p{N} as regex sees them
 * (tokenizer intl), str.lower() per code point and its final-sigma context properties. */
#ifndef S2S_UNICODE_TABLES_H
#define S2S_UNICODE_TABLES_H

#include <stdint.h>

/* "Python 3.11.7, unicodedata 14.0.0, regex ..." : where the tables came from. */
extern const char s2s_unicode_tables_source[];

int s2s_uni_is_space(uint32_t cp);          /* str.isspace(): split()/rstrip() separators */
int s2s_uni_is_punct(uint32_t cp);          /* regex \p{P} */
int s2s_uni_is_symbol(uint32_t cp);         /* regex \p{S} */
int s2s_uni_is_number(uint32_t cp);         /* regex \p{N} */
int s2s_uni_is_case_ignorable(uint32_t cp); /* skipped by the final-sigma context scan */
int s2s_uni_is_cased(uint32_t cp);          /* cased and not case-ignorable */
/* str.lower() of the single code point cp (U+03A3 gives U+03C3; callers handle the
 * final-sigma context). Writes 1..3 code points to out, returns the count. */
int s2s_uni_lower(uint32_t cp, uint32_t out[3]);

#endif

/* A small Moses-like word tokenizer for raw text (`train --tokenize`) and the detokenizer that
 * undoes it for output. It follows Moses' tokenizer.perl where that suits software messages
 * and the masked corpus placeholders, and is simpler elsewhere; the rules are below, and
 * tests/test_tokenize.c holds one case per rule. */
#ifndef S2S_TOKENIZE_H
#define S2S_TOKENIZE_H

#include <stddef.h>

/* Language-specific apostrophe and spacing rules: English, French, or neutral. */
typedef enum { S2S_LANG_ANY = 0, S2S_LANG_EN, S2S_LANG_FR } s2s_lang;

/* "en" -> EN, "fr" -> FR, "" or any other 2-3 lowercase letters (de, es, any) -> ANY.
 * Returns 0, or -1 for something that is not a language code. */
int s2s_lang_parse(const char *name, s2s_lang *out);
const char *s2s_lang_name(s2s_lang lang);

/* Tokenizes UTF-8 text[0..n) into out: tokens joined by one ASCII space, NUL-terminated, no
 * leading or trailing space. out must hold 2n + 1 bytes. Returns the output length.
 * Rules (a "word char" is a letter, digit or any symbol not named below: - / _ = + * @ # $
 * % & ~ < > | \ ^ stay inside words, unlike Moses, so --help, a/b, key=value, 50% and
 * C:\dir stay whole):
 *  - whitespace (ASCII space, tab, CR, LF, VT, FF) separates; runs collapse. Input that is
 *    not valid UTF-8 is cut byte by byte as word chars (callers validate first).
 *  - placeholders ⟨...⟩ (U+27E8 .. U+27E9, at most 32 bytes, no whitespace; the corpus's
 *    ⟨ph1⟩) are never split and count as word chars next to letters ("⟨ph1⟩B" stays one
 *    token) but not next to punctuation ("⟨ph1⟩:" -> "⟨ph1⟩ :").
 *  - always split off: ? ! ; ( ) [ ] { } " ` « » “ ” „ ‘ ¿ ¡ … – —
 *  - , and : split off unless both neighbours are word chars (1,000  12:30  a:b stay).
 *  - . splits off unless a word char follows (3.14, .bashrc, www.x.org stay); a final .
 *    stays on a token that already holds a . and a letter (e.g., U.S.) or on the
 *    abbreviations Mr Mrs Ms Dr Prof St Jr Sr vs cf Mme Mlle MM Mgr. Runs of 2+ dots are
 *    one token ("...").
 *  - apostrophes ' and ’ between a letter/digit/placeholder and a letter/placeholder:
 *    English splits before ("don't" -> "don 't", "John's" -> "John 's"), French after
 *    ("l'homme" -> "l' homme", "aujourd'hui" -> "aujourd' hui"), ANY keeps the word whole.
 *    Any other apostrophe is a token of its own (a quote).
 *  - URLs (scheme://... or www. at the start of a chunk) stay whole, except trailing
 *    . , : ; ! ? ) ] } " ' » ” ’ which split off as usual. */
size_t s2s_tokenize(const char *text, size_t n, s2s_lang lang, char *out);

/* Joins tokenized text[0..n) (split on ASCII space/tab) back into running text in out
 * (n + 1 bytes suffice); returns the length. No space before , . ... … ) ] } and, except
 * in French, ? ! : ; ; no space after ( [ { ¿ ¡ “ ‘ „; " and lone ' alternate between
 * opening and closing quotes; English 's 'll n't-style tokens attach left, French l' d'
 * qu'-style tokens attach right; French keeps its spaces before ? ! : ; » and after «.
 * detokenize(tokenize(x)) == x for text that follows these conventions (tested); spacing
 * the tokenizer cannot see ("a , b", "x:y" split by a placeholder) is normalised. */
size_t s2s_detokenize(const char *text, size_t n, s2s_lang lang, char *out);

#endif

/* The embedded English->French corpus: gettext catalogs (.mo) of Debian packages turned into
 * train/dev/test files (scripts/get-corpus.sh drives it; docs in scripts/corpus-packages.txt).
 * Text normalisation, placeholder masking and restoring (s2s_corpus_unmask, for decoders),
 * and the whole build: pairs -> filters -> family split -> dedup -> leak check -> files. */
#ifndef S2S_CORPUS_H
#define S2S_CORPUS_H

#include <stddef.h>

/* ---- normalisation (corpus_text.c) -------------------------------------------------------
 * In order: ISO-8859-1/-15 bytes to UTF-8 when `legacy` says so; strict UTF-8 check; every
 * Unicode whitespace code point (Python's str.isspace: \t \n \r, U+00A0, U+202F, ...) and
 * every other control character becomes one ASCII space; runs collapse; both ends trimmed;
 * HTML references for typography (&nbsp; &rsquo; &laquo; &#8217; ...) are decoded, those
 * markup needs (&amp; &lt; &gt; &quot; &apos;) are kept (and masked later);
 * zero-width and soft-hyphen characters (U+200B, U+2060, U+FEFF, U+00AD) removed; a base
 * letter followed by a combining grave/acute/circumflex/tilde/diaeresis/cedilla is composed
 * into its precomposed Latin-1/Latin Extended-A letter (the part of NFC French text needs;
 * full NFC is not done). No case change, no tokenization. */
enum { S2S_NORM_OK = 0, S2S_NORM_BAD_UTF8 = 1, S2S_NORM_TOO_LONG = 2 };
enum { S2S_UTF8 = 0, S2S_ISO_8859_1 = 1, S2S_ISO_8859_15 = 2 }; /* `legacy` encodings */
/* Writes the normalised, NUL-terminated text of in[0..n) to out (cap bytes). */
int s2s_corpus_normalize(const char *in, size_t n, int legacy, char *out, size_t cap);
/* Whitespace-separated words (after normalisation every separator is one ASCII space). */
size_t s2s_corpus_words(const char *s);

/* ---- placeholder masking (corpus_mask.c) -------------------------------------------------
 * Each placeholder becomes one token "⟨phN⟩" (U+27E8, U+27E9), N numbered 1.. in source
 * order; the target's placeholders take the number of the matching source placeholder:
 *   printf  %s %d %-10s %'d %lu %1$s %qs %q+D %< %> %%  %(name)s  %{name}  (no space flag:
 *           "50 % des" stays text); %s/%d and %1$s/%2$d match by argument number and spec,
 *           so "%s %d" matches "%2$d %1$s"
 *   Qt      %1 .. %99, %L1                  Python/C# {0} {name} {0:.2f} {} ${VAR}
 *   markup  <b> </b> <a href="..."> <br/> ... (HTML, Pango and KDE KUIT tag names only, so
 *           usage text like "<file>" stays translatable text)   entities &amp; &#160;
 * Accelerators (_File, &File; "&&" is a literal &) are not words: the marker is removed
 * and recorded (table record "acc@OFFSET"), and they do not take part in matching. Only a
 * text with exactly one candidate loses it ("_A or _B" and _NET_WM_NAME stay as they are).
 * Pairs whose placeholder multisets differ are rejected (S2S_MASK_MISMATCH).
 * Tables: one record per line, "TOKEN\tORIGINAL\n", ORIGINAL escaped (\\ \t \n). */
enum {
  S2S_MASK_OK = 0,
  S2S_MASK_MISMATCH = 1, /* placeholder multisets differ */
  S2S_MASK_RESERVED = 2, /* the text already holds U+27E8 or U+27E9 */
  S2S_MASK_TOO_MANY = 3, /* more than S2S_MASK_MAX placeholders */
  S2S_MASK_NOMEM = -1
};
#define S2S_MASK_MAX 64

typedef struct {
  char *src, *tgt;             /* masked texts */
  char *src_table, *tgt_table; /* restore tables ("" when nothing was masked) */
  int placeholders;            /* tokens per side */
  int accelerators;            /* accelerator markers removed (both sides) */
} s2s_masked_pair;

/* Masks a normalised pair. On S2S_MASK_OK the caller frees with s2s_masked_pair_free. */
int s2s_corpus_mask_pair(const char *en, const char *fr, s2s_masked_pair *out);
void s2s_masked_pair_free(s2s_masked_pair *m);
/* Restores the placeholders of masked text from one side's table into out (cap bytes).
 * Tokens absent from the table (a decoder may invent them) are dropped. An accelerator goes
 * back at its recorded offset when that still starts a letter, else before the first letter.
 * Returns the number of dropped tokens (>= 0), or -1 when out is too small. */
int s2s_corpus_unmask(const char *masked, const char *table, char *out, size_t cap);

/* ---- building the corpus (corpus.c, corpus_split.c, corpus_write.c) ---------------------- */
typedef struct {
  const char *out_dir;       /* DIR: written whole via DIR.tmp, then renamed */
  const char *inputs;        /* TSV: package version family deb_sha256 catalog_name mo_path */
  const char *dev_families;  /* comma-separated; NULL: chosen from the data (deterministic) */
  const char *test_families; /* same */
  long min_words, max_words; /* per side, after masking (3, 50) */
  long dev_size, test_size;  /* targets when families are chosen automatically (3000) */
  long min_train;            /* fewer training pairs than this is an error (50000) */
  int quiet;                 /* no per-catalog warnings on stderr */
} s2s_corpus_options;

void s2s_corpus_options_default(s2s_corpus_options *o);

typedef struct {
  long catalogs, catalogs_failed, catalogs_bad_charset;
  long entries, header_entries, context_entries, sysdep_entries, plural_pairs;
  long untranslated, pairs_read, identical, invalid_utf8, reserved_chars;
  long placeholder_mismatch, too_many_placeholders, length_filtered;
  long duplicate_pairs, conflicting_english, leaked_dev, leaked_test;
  long with_placeholders, with_accelerators;
  long pairs[3]; /* train, dev, test */
  long words_en[3], words_fr[3];
  char corpus_hash[65];
} s2s_corpus_stats;

/* Builds the corpus. Returns 0, 1 when the training split ends below min_train (nothing
 * installed), or -1 on an error (message in err: file and line where there is one). */
int s2s_corpus_build(const s2s_corpus_options *opt, s2s_corpus_stats *st, char *err, size_t errlen);

#endif

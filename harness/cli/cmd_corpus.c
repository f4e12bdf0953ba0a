/* `s2sbench corpus`: builds the English->French corpus from gettext catalogs listed in an
 * inputs file (scripts/get-corpus.sh writes it after downloading and extracting the pinned
 * packages). Prints the counts; exit 0 ok, 1 build failed or below --min-train, 2 usage. */
#include <stdio.h>
#include <string.h>

#include "args/args.h"
#include "cli/commands.h"
#include "corpus/corpus.h"

static void usage(FILE *f) {
  fprintf(f, "usage: s2sbench corpus --out DIR --inputs LIST [flags]\n\n"
             "Builds DIR/{train,dev,test}.{en,fr} (+ .mask.tsv), MANIFEST.tsv, STATS.txt and\n"
             "CORPUS_HASH from the French gettext catalogs (.mo) named in LIST. DIR is replaced\n"
             "whole (written as DIR.tmp, then renamed). scripts/get-corpus.sh runs this.\n\n"
             "  --out DIR          output folder\n"
             "  --inputs LIST      tab-separated: package version family deb_sha256 catalog path\n"
             "  --dev F1,F2        families for dev (default: chosen from the data, fixed order)\n"
             "  --test F1,F2       families for test (same)\n"
             "  --dev-size N       dev target when chosen automatically (3000)\n"
             "  --test-size N      test target when chosen automatically (3000)\n"
             "  --min-words N      fewest words per side after masking (3)\n"
             "  --max-words N      most words per side after masking (50)\n"
             "  --min-train N      fail (and keep DIR as it was) below N training pairs (50000)\n"
             "  --quiet            no per-catalog warnings\n");
}

static void print_stats(const s2s_corpus_options *o, const s2s_corpus_stats *s) {
  printf("corpus: %ld catalogs (%ld unreadable, %ld bad charset), %ld entries -> %ld pairs read"
         " (%ld plural, %ld untranslated skipped)\n",
         s->catalogs, s->catalogs_failed, s->catalogs_bad_charset, s->entries, s->pairs_read,
         s->plural_pairs, s->untranslated);
  printf("dropped: %ld placeholder mismatch, %ld length outside %ld-%ld words, %ld identical, "
         "%ld invalid UTF-8, %ld other\n",
         s->placeholder_mismatch, s->length_filtered, o->min_words, o->max_words, s->identical,
         s->invalid_utf8, s->reserved_chars + s->too_many_placeholders);
  printf("dedup: %ld duplicate pairs, %ld same English with another French\n", s->duplicate_pairs,
         s->conflicting_english);
  printf("leak check: dropped %ld dev and %ld test pairs whose English or French occurs in "
         "train (test also vs dev)\n",
         s->leaked_dev, s->leaked_test);
  const char *name[3] = {"train", "dev", "test"};
  for (int k = 0; k < 3; k++)
    printf("%-5s %8ld pairs %9ld English words %9ld French words\n", name[k], s->pairs[k],
           s->words_en[k], s->words_fr[k]);
  printf("placeholders in %ld pairs, accelerators in %ld\n", s->with_placeholders,
         s->with_accelerators);
}

int s2s_cmd_corpus(int argc, char **argv) {
  s2s_corpus_options o;
  s2s_corpus_options_default(&o);
  s2s_args c;
  s2s_args_init(&c, "corpus", argc, argv);
  while (s2s_args_next(&c)) {
    long *num = NULL, lo = 0, hi = 1000000000L;
    if (s2s_args_is(&c, "--help") || s2s_args_is(&c, "-h")) {
      usage(stdout);
      return 0;
    } else if (s2s_args_is(&c, "--quiet")) {
      o.quiet = 1;
    } else if (s2s_args_is(&c, "--out") || s2s_args_is(&c, "--inputs") || s2s_args_is(&c, "--dev") ||
               s2s_args_is(&c, "--test")) {
      const char *v = s2s_args_value(&c);
      if (!v) return 2;
      const char **dst = s2s_args_is(&c, "--out")      ? &o.out_dir
                         : s2s_args_is(&c, "--inputs") ? &o.inputs
                         : s2s_args_is(&c, "--dev")    ? &o.dev_families
                                                      : &o.test_families;
      *dst = v;
    } else if (s2s_args_is(&c, "--min-words")) {
      num = &o.min_words, lo = 1, hi = 10000;
    } else if (s2s_args_is(&c, "--max-words")) {
      num = &o.max_words, lo = 1, hi = 10000;
    } else if (s2s_args_is(&c, "--dev-size")) {
      num = &o.dev_size;
    } else if (s2s_args_is(&c, "--test-size")) {
      num = &o.test_size;
    } else if (s2s_args_is(&c, "--min-train")) {
      num = &o.min_train;
    } else {
      return s2s_args_unknown(&c);
    }
    if (num && s2s_args_long(&c, lo, hi, num)) return 2;
  }
  if (!o.out_dir || !o.inputs) {
    fprintf(stderr, "s2sbench corpus: --out and --inputs are required (see s2sbench corpus "
                    "--help)\n");
    return 2;
  }
  if (o.min_words > o.max_words) {
    fprintf(stderr, "s2sbench corpus: --min-words %ld is above --max-words %ld\n", o.min_words,
            o.max_words);
    return 2;
  }
  s2s_corpus_stats st;
  char err[1024];
  int rc = s2s_corpus_build(&o, &st, err, sizeof err);
  if (rc < 0) {
    fprintf(stderr, "s2sbench corpus: %s\n", err);
    return 1;
  }
  print_stats(&o, &st);
  if (rc > 0) {
    fprintf(stderr, "s2sbench corpus: %s\n", err);
    return 1;
  }
  printf("wrote %s (CORPUS_HASH %s)\n", o.out_dir, st.corpus_hash);
  return 0;
}

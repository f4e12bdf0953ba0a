/* Corpus BLEU that equals sacreBLEU 2.x (metrics/bleu.py) to the last printed digit, plus
 * a multi-bleu.perl mode. Feed segments one at a time (hypothesis + its references, UTF-8)
 * into an s2s_bleu, then score: usable from training and decoding loops. No global state.
 * Numbers reproduce sacreBLEU S2S_BLEU_SACREBLEU_VERSION; signature strings name it. */
#ifndef S2S_BLEU_H
#define S2S_BLEU_H

#include <stddef.h>
#include <stdint.h>

#include "bleu/bleu_tokenize.h"

/* The sacreBLEU release whose numbers and output format are reproduced (checked by
 * tests/test_bleu_sacrebleu.sh against the installed sacrebleu). */
#define S2S_BLEU_SACREBLEU_VERSION "2.6.0"
#define S2S_BLEU_MAX_ORDER 8 /* largest n-gram order accepted (sacreBLEU default: 4) */

/* Status codes (0 = ok). */
#define S2S_BLEU_EUTF8 (-1)    /* a segment is not valid UTF-8 */
#define S2S_BLEU_ENOMEM (-2)   /* out of memory */
#define S2S_BLEU_EINVAL (-3)   /* bad option or argument (e.g. no references) */
#define S2S_BLEU_EREFZERO (-4) /* multi-bleu: total reference length 0 (it prints zeros, exits 1)  \
                                */
#define S2S_BLEU_EHYPZERO                                                                          \
  (-5) /* multi-bleu: empty hypotheses, refs not (Perl dies: division by 0) */
const char *s2s_bleu_strerror(int status);

typedef enum {
  S2S_BLEU_SMOOTH_EXP,   /* NIST geometric decay (mteval-v13a), sacreBLEU's default */
  S2S_BLEU_SMOOTH_FLOOR, /* zero precisions become value/total (default value 0.1) */
  S2S_BLEU_SMOOTH_ADD_K, /* value added to matches and totals for n > 1 (default 1) */
  S2S_BLEU_SMOOTH_NONE
} s2s_bleu_smooth;
const char *s2s_bleu_smooth_name(s2s_bleu_smooth m); /* "exp", "floor", "add-k", "none" */
int s2s_bleu_smooth_parse(const char *name, s2s_bleu_smooth *m); /* 0, or -1 if unknown */

typedef struct {
  s2s_bleu_tok tokenize;  /* S2S_BLEU_TOK_13A */
  int lowercase;          /* Python str.lower() before tokenizing (signature case:lc) */
  s2s_bleu_smooth smooth; /* S2S_BLEU_SMOOTH_EXP */
  double smooth_value;    /* NAN: the method's default (floor 0.1, add-k 1) */
  int max_order;          /* 1..S2S_BLEU_MAX_ORDER, 4 */
  int effective_order;    /* stop at the first order without n-grams (sentence BLEU) */
  int multi_bleu;         /* multi-bleu.perl: split on ASCII whitespace, ASCII lc, no
                             smoothing, order 4, its arithmetic; tokenize/smooth ignored */
} s2s_bleu_options;

/* sacreBLEU's defaults: 13a, mixed case, exp smoothing, order 4, no effective order. */
void s2s_bleu_options_init(s2s_bleu_options *o);

/* Sufficient statistics; sums of per-segment statistics (they add up). */
typedef struct {
  int64_t hyp_len, ref_len; /* tokens; ref_len = closest reference, ties to the shorter */
  int64_t correct[S2S_BLEU_MAX_ORDER]; /* clipped n-gram matches, order n at [n-1] */
  int64_t total[S2S_BLEU_MAX_ORDER];   /* hypothesis n-grams */
  int64_t segments;
  int nrefs; /* references per segment, -1 when it varied (signature nrefs:var), 0 = none yet */
} s2s_bleu_stats;

void s2s_bleu_stats_merge(s2s_bleu_stats *dst, const s2s_bleu_stats *src);

typedef struct {
  double score;                          /* BLEU in 0..100 */
  double precisions[S2S_BLEU_MAX_ORDER]; /* percent, [0..max_order) used */
  double bp, ratio;                      /* brevity penalty, hyp_len/ref_len (0 if ref_len 0) */
  int64_t hyp_len, ref_len;
  int max_order;
} s2s_bleu_score;

typedef struct s2s_bleu_work s2s_bleu_work;
typedef struct {
  s2s_bleu_options opt;
  s2s_bleu_stats stats; /* everything added so far */
  s2s_bleu_work *work;  /* scratch buffers (tokenizer, hash tables), reused */
} s2s_bleu;

/* Returns 0, S2S_BLEU_EINVAL for bad options, S2S_BLEU_ENOMEM. */
int s2s_bleu_init(s2s_bleu *b, const s2s_bleu_options *opt);
void s2s_bleu_free(s2s_bleu *b);
void s2s_bleu_reset(s2s_bleu *b); /* forget the statistics, keep options and buffers */

/* Adds one segment: hypothesis and nrefs >= 1 references, NUL-terminated UTF-8. */
int s2s_bleu_add(s2s_bleu *b, const char *hyp, const char *const *refs, size_t nrefs);
/* Same with explicit byte lengths (segments may hold NUL bytes). When seg is not NULL it
 * receives this segment's statistics alone (for sentence BLEU). */
int s2s_bleu_add_n(s2s_bleu *b, const char *hyp, size_t hyp_len, const char *const *refs,
                   const size_t *ref_lens, size_t nrefs, s2s_bleu_stats *seg);

/* Scores statistics with the options' smoothing (sacreBLEU's BLEU.compute_bleu, or
 * multi-bleu.perl's formula). Returns 0 or a status (multi-bleu's EREFZERO/EHYPZERO). */
int s2s_bleu_compute(const s2s_bleu_stats *st, const s2s_bleu_options *opt, s2s_bleu_score *out);
static inline int s2s_bleu_score_get(const s2s_bleu *b, s2s_bleu_score *out) {
  return s2s_bleu_compute(&b->stats, &b->opt, out);
}

/* sacreBLEU's signature, "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0"
 * (short_form: "#:1|c:mixed|e:no|tok:13a|s:exp|v:2.6.0"). nrefs -1 prints "var".
 * Returns the length snprintf would write. */
int s2s_bleu_signature(const s2s_bleu_options *opt, int nrefs, int short_form, char *buf, size_t n);

/* sacreBLEU's text line: "BLEU|SIG = 22.1 56.0/28.6/14.8/8.0 (BP = 1.000 ratio = 1.017
 * hyp_len = 59 ref_len = 58)" with the score at `width` decimals ("BLEU = ..." when sig is
 * NULL or empty). The verbose part alone, from the precisions on, via s2s_bleu_format_verbose. */
int s2s_bleu_format(const s2s_bleu_score *s, int width, const char *sig, char *buf, size_t n);
int s2s_bleu_format_verbose(const s2s_bleu_score *s, char *buf, size_t n);
/* multi-bleu.perl's line: "BLEU = 30.59, 62.1/36.9/24.2/16.3 (BP=1.000, ratio=1.004,
 * hyp_len=..., ref_len=...)". */
int s2s_bleu_format_multi_bleu(const s2s_bleu_score *s, char *buf, size_t n);

#endif

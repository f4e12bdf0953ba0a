/* sacreBLEU-exact corpus BLEU: n-gram statistics per segment (clipped by the maximum count
 * over references, closest reference length with ties to the shorter), BLEU.compute_bleu's
 * smoothing and log(0) rule, the signature and text line; multi-bleu.perl's variant. Each
 * segment's tokens are interned to ids, n-grams hashed over ids in one open-addressing table. */
#include "bleu/bleu.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *s2s_bleu_strerror(int status) {
  switch (status) {
  case 0:
    return "ok";
  case S2S_BLEU_EUTF8:
    return "invalid UTF-8";
  case S2S_BLEU_ENOMEM:
    return "out of memory";
  case S2S_BLEU_EINVAL:
    return "invalid argument";
  case S2S_BLEU_EREFZERO:
    return "total reference length is 0";
  case S2S_BLEU_EHYPZERO:
    return "all hypotheses are empty (multi-bleu.perl dies: division by 0)";
  default:
    return "unknown status";
  }
}

static const char *const smooth_names[] = {"exp", "floor", "add-k", "none"};
const char *s2s_bleu_smooth_name(s2s_bleu_smooth m) {
  return (unsigned)m < 4 ? smooth_names[m] : "?";
}
int s2s_bleu_smooth_parse(const char *name, s2s_bleu_smooth *m) {
  for (int i = 0; i < 4; i++)
    if (!strcmp(name, smooth_names[i])) {
      *m = (s2s_bleu_smooth)i;
      return 0;
    }
  return -1;
}

void s2s_bleu_options_init(s2s_bleu_options *o) {
  memset(o, 0, sizeof *o);
  o->tokenize = S2S_BLEU_TOK_13A;
  o->smooth = S2S_BLEU_SMOOTH_EXP;
  o->smooth_value = NAN;
  o->max_order = 4;
}

/* BLEU.SMOOTH_DEFAULTS */
static double smooth_value(const s2s_bleu_options *o) {
  if (!isnan(o->smooth_value)) return o->smooth_value;
  return o->smooth == S2S_BLEU_SMOOTH_FLOOR ? 0.1 : o->smooth == S2S_BLEU_SMOOTH_ADD_K ? 1.0 : 0.0;
}

void s2s_bleu_stats_merge(s2s_bleu_stats *dst, const s2s_bleu_stats *src) {
  dst->hyp_len += src->hyp_len;
  dst->ref_len += src->ref_len;
  for (int i = 0; i < S2S_BLEU_MAX_ORDER; i++) {
    dst->correct[i] += src->correct[i];
    dst->total[i] += src->total[i];
  }
  dst->segments += src->segments;
  if (src->nrefs)
    dst->nrefs = !dst->nrefs ? src->nrefs : dst->nrefs == src->nrefs ? dst->nrefs : -1;
}

/* ---- per-segment scratch ------------------------------------------------------------ */
typedef struct {
  uint64_t h;
  uint32_t pos;     /* first occurrence: index into ids */
  uint32_t n;       /* order */
  uint32_t ref_max; /* max count over references */
  uint32_t ref_cur; /* count in reference ref_last */
  uint32_t hyp;     /* count in the hypothesis */
  int32_t ref_last;
  int used;
} ngram_slot;

struct s2s_bleu_work {
  s2s_bleu_tokenizer tk;
  char *text; /* the segment's tokenized strings, each "tok tok tok", concatenated */
  size_t text_len, text_cap;
  size_t *str_text; /* (nstr+1) byte offset of each string in text */
  size_t *str_tok;  /* (nstr+1) index of each string's first token in ids */
  size_t str_cap;
  uint32_t *ids; /* (ntok) token ids */
  size_t *tok_off, *tok_len;
  size_t tok_cap;
  uint32_t *intern; /* (intern_cap) token index + 1, 0 = empty */
  size_t intern_cap;
  ngram_slot *slots;
  uint32_t *slot_list; /* used slots, for iteration and clearing */
  size_t slot_cap, nslot_used;
};

#define GROW(ptr, cap, need)                                                                       \
  do {                                                                                             \
    if ((need) > (cap)) {                                                                          \
      size_t nc_ = (cap) ? (cap) : 64;                                                             \
      while (nc_ < (need))                                                                         \
        nc_ *= 2;                                                                                  \
      void *np_ = realloc((ptr), nc_ * sizeof *(ptr));                                             \
      if (!np_) return S2S_BLEU_ENOMEM;                                                            \
      (ptr) = np_;                                                                                 \
      (cap) = nc_;                                                                                 \
    }                                                                                              \
  } while (0)

int s2s_bleu_init(s2s_bleu *b, const s2s_bleu_options *opt) {
  memset(b, 0, sizeof *b);
  if (opt->max_order < 1 || opt->max_order > S2S_BLEU_MAX_ORDER) return S2S_BLEU_EINVAL;
  if ((unsigned)opt->tokenize > S2S_BLEU_TOK_CHAR || (unsigned)opt->smooth > S2S_BLEU_SMOOTH_NONE)
    return S2S_BLEU_EINVAL;
  if (!isnan(opt->smooth_value) && !(opt->smooth_value >= 0 && isfinite(opt->smooth_value)))
    return S2S_BLEU_EINVAL;
  if (opt->multi_bleu && opt->max_order != 4) return S2S_BLEU_EINVAL;
  b->opt = *opt;
  b->work = calloc(1, sizeof *b->work);
  if (!b->work) return S2S_BLEU_ENOMEM;
  s2s_bleu_tokenizer_init(&b->work->tk);
  return 0;
}

void s2s_bleu_free(s2s_bleu *b) {
  s2s_bleu_work *w = b->work;
  if (w) {
    s2s_bleu_tokenizer_free(&w->tk);
    free(w->text);
    free(w->str_text);
    free(w->str_tok);
    free(w->ids);
    free(w->tok_off);
    free(w->tok_len);
    free(w->intern);
    free(w->slots);
    free(w->slot_list);
    free(w);
  }
  memset(b, 0, sizeof *b);
}

void s2s_bleu_reset(s2s_bleu *b) {
  memset(&b->stats, 0, sizeof b->stats);
}

static int append_text(s2s_bleu_work *w, const char *s, size_t n) {
  GROW(w->text, w->text_cap, w->text_len + n + 1);
  memcpy(w->text + w->text_len, s, n);
  w->text_len += n;
  w->text[w->text_len] = '\0';
  return 0;
}

/* multi-bleu.perl: Perl's split on (byte) whitespace, lc on ASCII, tokens re-joined. */
static int append_multi_bleu(s2s_bleu_work *w, const char *s, size_t n, int lowercase) {
  GROW(w->text, w->text_cap, w->text_len + n + 1);
  size_t m = w->text_len;
  int in_tok = 0, any = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == ' ' || (c >= 0x09 && c <= 0x0D)) {
      in_tok = 0;
      continue;
    }
    if (!in_tok && any) w->text[m++] = ' ';
    in_tok = any = 1;
    w->text[m++] = (char)(lowercase && c >= 'A' && c <= 'Z' ? c + 32 : c);
  }
  w->text_len = m;
  w->text[m] = '\0';
  return 0;
}

static uint64_t hash_bytes(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for (size_t i = 0; i < n; i++)
    h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
  return h;
}

static uint64_t mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}

/* Splits every string into tokens and gives equal tokens equal ids. */
static int intern_tokens(s2s_bleu_work *w, size_t nstr) {
  size_t ntok = 0;
  for (size_t i = 0; i < w->text_len; i++)
    ntok += w->text[i] == ' ';
  ntok += nstr; /* upper bound: each string has (spaces + 1) tokens or none */
  if (ntok > w->tok_cap) {
    size_t cap = w->tok_cap ? w->tok_cap : 64;
    while (cap < ntok)
      cap *= 2;
    size_t *off = realloc(w->tok_off, cap * sizeof *off);
    if (off) w->tok_off = off;
    size_t *len = realloc(w->tok_len, cap * sizeof *len);
    if (len) w->tok_len = len;
    uint32_t *ids = realloc(w->ids, cap * sizeof *ids);
    if (ids) w->ids = ids;
    if (!off || !len || !ids) return S2S_BLEU_ENOMEM;
    w->tok_cap = cap;
  }
  ntok = 0;
  for (size_t k = 0; k < nstr; k++) {
    w->str_tok[k] = ntok;
    size_t i = w->str_text[k], end = w->str_text[k + 1];
    while (i < end) {
      size_t j = i;
      while (j < end && w->text[j] != ' ')
        j++;
      w->tok_off[ntok] = i;
      w->tok_len[ntok] = j - i;
      ntok++;
      i = j + 1;
    }
  }
  w->str_tok[nstr] = ntok;
  size_t cap = 16;
  while (cap < 2 * ntok)
    cap *= 2;
  if (cap > w->intern_cap) {
    free(w->intern);
    w->intern = malloc(cap * sizeof *w->intern);
    if (!w->intern) {
      w->intern_cap = 0;
      return S2S_BLEU_ENOMEM;
    }
    w->intern_cap = cap;
  }
  memset(w->intern, 0, cap * sizeof *w->intern);
  for (size_t t = 0; t < ntok; t++) {
    const char *s = w->text + w->tok_off[t];
    size_t len = w->tok_len[t], i = hash_bytes(s, len) & (cap - 1);
    for (;; i = (i + 1) & (cap - 1)) {
      uint32_t e = w->intern[i];
      if (!e) {
        w->intern[i] = (uint32_t)t + 1;
        w->ids[t] = (uint32_t)t;
        break;
      }
      if (w->tok_len[e - 1] == len && !memcmp(w->text + w->tok_off[e - 1], s, len)) {
        w->ids[t] = w->ids[e - 1];
        break;
      }
    }
  }
  return 0;
}

/* Finds or inserts the n-gram ids[pos..pos+n) in the table (capacity cap, a power of 2). */
static ngram_slot *ngram_find(s2s_bleu_work *w, size_t cap, uint32_t pos, uint32_t n) {
  uint64_t h = n;
  for (uint32_t k = 0; k < n; k++)
    h = mix(h * 31 + w->ids[pos + k] + 1);
  for (size_t i = h & (cap - 1);; i = (i + 1) & (cap - 1)) {
    ngram_slot *s = &w->slots[i];
    if (!s->used) {
      *s = (ngram_slot){.h = h, .pos = pos, .n = n, .ref_last = -1, .used = 1};
      w->slot_list[w->nslot_used++] = (uint32_t)i;
      return s;
    }
    if (s->h == h && s->n == n && !memcmp(&w->ids[s->pos], &w->ids[pos], n * sizeof(uint32_t)))
      return s;
  }
}

static int count_segment(s2s_bleu_work *w, size_t nrefs, int max_order, int multi_bleu,
                         s2s_bleu_stats *seg) {
  size_t nstr = nrefs + 1, ntok = w->str_tok[nstr];
  size_t cap = 64;
  while (cap < 2 * (ntok * (size_t)max_order + 1))
    cap *= 2;
  if (cap > w->slot_cap) {
    free(w->slots);
    free(w->slot_list);
    w->slots = calloc(cap, sizeof *w->slots);
    w->slot_list = malloc(cap * sizeof *w->slot_list);
    if (!w->slots || !w->slot_list) {
      w->slot_cap = 0;
      return S2S_BLEU_ENOMEM;
    }
    w->slot_cap = cap;
  }
  cap = w->slot_cap; /* the table is all-unused here: cleared after every segment */
  w->nslot_used = 0;
  int64_t hyp_len = (int64_t)(w->str_tok[1] - w->str_tok[0]);
  /* closest reference length, ties to the shorter; multi-bleu.perl starts from 9999 */
  int64_t best_diff = multi_bleu ? 9999 : -1, best_len = multi_bleu ? 9999 : -1;
  for (size_t r = 1; r < nstr; r++) {
    uint32_t start = (uint32_t)w->str_tok[r], len = (uint32_t)(w->str_tok[r + 1] - start);
    int64_t diff = hyp_len > len ? hyp_len - len : (int64_t)len - hyp_len;
    if (best_diff == -1 || diff < best_diff) {
      best_diff = diff;
      best_len = len;
    } else if (diff == best_diff && len < best_len) {
      best_len = len;
    }
    for (uint32_t n = 1; n <= (uint32_t)max_order; n++)
      for (uint32_t i = 0; i + n <= len; i++) {
        ngram_slot *s = ngram_find(w, cap, start + i, n);
        if (s->ref_last != (int32_t)r) {
          s->ref_last = (int32_t)r;
          s->ref_cur = 0;
        }
        if (++s->ref_cur > s->ref_max) s->ref_max = s->ref_cur;
      }
  }
  for (uint32_t n = 1; n <= (uint32_t)max_order; n++)
    for (uint32_t i = 0; i + n <= hyp_len; i++)
      ngram_find(w, cap, i, n)->hyp++;
  memset(seg, 0, sizeof *seg);
  for (size_t k = 0; k < w->nslot_used; k++) {
    ngram_slot *s = &w->slots[w->slot_list[k]];
    seg->total[s->n - 1] += s->hyp;
    seg->correct[s->n - 1] += s->hyp < s->ref_max ? s->hyp : s->ref_max;
    s->used = 0;
  }
  seg->hyp_len = hyp_len;
  seg->ref_len = best_len;
  seg->segments = 1;
  seg->nrefs = (int)nrefs;
  return 0;
}

int s2s_bleu_add_n(s2s_bleu *b, const char *hyp, size_t hyp_len, const char *const *refs,
                   const size_t *ref_lens, size_t nrefs, s2s_bleu_stats *seg) {
  s2s_bleu_work *w = b->work;
  if (!w || nrefs < 1 || !hyp || !refs) return S2S_BLEU_EINVAL;
  size_t nstr = nrefs + 1;
  GROW(w->str_text, w->str_cap, nstr + 1);
  size_t cap = w->str_cap;
  size_t *st = realloc(w->str_tok, cap * sizeof *st);
  if (!st) return S2S_BLEU_ENOMEM;
  w->str_tok = st;
  w->text_len = 0;
  for (size_t k = 0; k < nstr; k++) {
    const char *s = k ? refs[k - 1] : hyp;
    size_t n = k ? ref_lens[k - 1] : hyp_len;
    if (!s) return S2S_BLEU_EINVAL;
    w->str_text[k] = w->text_len;
    int rc;
    if (b->opt.multi_bleu) {
      rc = append_multi_bleu(w, s, n, b->opt.lowercase);
    } else {
      const char *tok;
      size_t tok_len, ntok;
      rc =
          s2s_bleu_tokenize(&w->tk, b->opt.tokenize, b->opt.lowercase, s, n, &tok, &tok_len, &ntok);
      if (rc == -1) return S2S_BLEU_EUTF8;
      if (rc != 0) return S2S_BLEU_ENOMEM;
      rc = append_text(w, tok, tok_len);
    }
    if (rc != 0) return rc;
  }
  w->str_text[nstr] = w->text_len;
  int rc = intern_tokens(w, nstr);
  if (rc != 0) return rc;
  s2s_bleu_stats one;
  rc = count_segment(w, nrefs, b->opt.max_order, b->opt.multi_bleu, &one);
  if (rc != 0) return rc;
  s2s_bleu_stats_merge(&b->stats, &one);
  if (seg) *seg = one;
  return 0;
}

int s2s_bleu_add(s2s_bleu *b, const char *hyp, const char *const *refs, size_t nrefs) {
  size_t lens_small[8], *lens = nrefs <= 8 ? lens_small : malloc(nrefs * sizeof *lens);
  if (!lens) return S2S_BLEU_ENOMEM;
  for (size_t r = 0; r < nrefs; r++)
    lens[r] = refs[r] ? strlen(refs[r]) : 0;
  int rc = hyp ? s2s_bleu_add_n(b, hyp, strlen(hyp), refs, lens, nrefs, NULL) : S2S_BLEU_EINVAL;
  if (lens != lens_small) free(lens);
  return rc;
}

/* sacreBLEU's my_log: log(0) counts as -9999999999 (so the score becomes 0) */
static double my_log(double x) {
  return x == 0.0 ? -9999999999.0 : log(x);
}

static int compute_multi_bleu(const s2s_bleu_stats *st, s2s_bleu_score *out) {
  out->max_order = 4;
  out->hyp_len = st->hyp_len;
  out->ref_len = st->ref_len;
  double p[4];
  for (int n = 0; n < 4; n++) {
    p[n] = st->total[n] ? (double)st->correct[n] / (double)st->total[n] : 0.0;
    out->precisions[n] = 100 * p[n]; /* Perl: 100*$bleu[n], the ratio first */
  }
  if (st->ref_len == 0) return S2S_BLEU_EREFZERO;
  out->bp = 1;
  if (st->hyp_len < st->ref_len) {
    if (st->hyp_len == 0) return S2S_BLEU_EHYPZERO;
    out->bp = exp(1 - (double)st->ref_len / (double)st->hyp_len);
  }
  double bleu = out->bp * exp((my_log(p[0]) + my_log(p[1]) + my_log(p[2]) + my_log(p[3])) / 4);
  out->score = 100 * bleu;
  out->ratio = (double)st->hyp_len / (double)st->ref_len;
  return 0;
}

int s2s_bleu_compute(const s2s_bleu_stats *st, const s2s_bleu_options *opt, s2s_bleu_score *out) {
  memset(out, 0, sizeof *out);
  if (opt->max_order < 1 || opt->max_order > S2S_BLEU_MAX_ORDER) return S2S_BLEU_EINVAL;
  if (opt->multi_bleu) return compute_multi_bleu(st, out);
  int N = opt->max_order;
  double k = smooth_value(opt);
  out->max_order = N;
  out->hyp_len = st->hyp_len;
  out->ref_len = st->ref_len;
  out->ratio = st->ref_len ? (double)st->hyp_len / (double)st->ref_len : 0.0;
  out->bp = 1.0;
  if (st->hyp_len < st->ref_len)
    out->bp = st->hyp_len > 0 ? exp(1 - (double)st->ref_len / (double)st->hyp_len) : 0.0;
  int any = 0;
  for (int n = 0; n < N; n++)
    any |= st->correct[n] != 0;
  if (!any) return 0; /* no matches at all: score 0, precisions 0 (sacreBLEU #141) */
  double smooth_mteval = 1.0;
  int eff_order = N;
  for (int n = 1; n <= N; n++) {
    double correct = (double)st->correct[n - 1], total = (double)st->total[n - 1];
    if (opt->smooth == S2S_BLEU_SMOOTH_ADD_K && n > 1) {
      correct += k;
      total += k;
    }
    if (total == 0) break;
    if (opt->effective_order) eff_order = n;
    if (correct == 0) {
      if (opt->smooth == S2S_BLEU_SMOOTH_EXP) {
        smooth_mteval *= 2;
        out->precisions[n - 1] = 100. / (smooth_mteval * total);
      } else if (opt->smooth == S2S_BLEU_SMOOTH_FLOOR) {
        out->precisions[n - 1] = 100. * k / total;
      }
    } else {
      out->precisions[n - 1] = 100. * correct / total;
    }
  }
  double sum = 0; /* left to right, as Python 3.11's sum() (3.12+ compensates; same digits) */
  for (int n = 0; n < eff_order; n++)
    sum += my_log(out->precisions[n]);
  out->score = out->bp * exp(sum / eff_order);
  return 0;
}

int s2s_bleu_signature(const s2s_bleu_options *opt, int nrefs, int short_form, char *buf,
                       size_t n) {
  char refs[24], smooth[48];
  if (nrefs < 0)
    snprintf(refs, sizeof refs, "var");
  else
    snprintf(refs, sizeof refs, "%d", nrefs);
  if (opt->smooth == S2S_BLEU_SMOOTH_FLOOR || opt->smooth == S2S_BLEU_SMOOTH_ADD_K)
    snprintf(smooth, sizeof smooth, "%s[%.2f]", s2s_bleu_smooth_name(opt->smooth),
             smooth_value(opt));
  else
    snprintf(smooth, sizeof smooth, "%s", s2s_bleu_smooth_name(opt->smooth));
  return snprintf(buf, n, "%s:%s|%s:%s|%s:%s|tok:%s|%s:%s|%s:%s", short_form ? "#" : "nrefs", refs,
                  short_form ? "c" : "case", opt->lowercase ? "lc" : "mixed",
                  short_form ? "e" : "eff", opt->effective_order ? "yes" : "no",
                  s2s_bleu_tok_name(opt->tokenize), short_form ? "s" : "smooth", smooth,
                  short_form ? "v" : "version", S2S_BLEU_SACREBLEU_VERSION);
}

int s2s_bleu_format_verbose(const s2s_bleu_score *s, char *buf, size_t n) {
  size_t m = 0;
  for (int i = 0; i < s->max_order; i++) {
    size_t off = m < n ? m : n;
    m += (size_t)snprintf(buf + off, n - off, i ? "/%.1f" : "%.1f", s->precisions[i]);
  }
  size_t off = m < n ? m : n;
  m += (size_t)snprintf(buf + off, n - off,
                        " (BP = %.3f ratio = %.3f hyp_len = %lld ref_len = %lld)", s->bp, s->ratio,
                        (long long)s->hyp_len, (long long)s->ref_len);
  return (int)m;
}

int s2s_bleu_format(const s2s_bleu_score *s, int width, const char *sig, char *buf, size_t n) {
  int m = (sig && *sig) ? snprintf(buf, n, "BLEU|%s = %.*f ", sig, width, s->score)
                        : snprintf(buf, n, "BLEU = %.*f ", width, s->score);
  size_t off = (size_t)m < n ? (size_t)m : n;
  return m + s2s_bleu_format_verbose(s, buf + off, n - off);
}

int s2s_bleu_format_multi_bleu(const s2s_bleu_score *s, char *buf, size_t n) {
  return snprintf(buf, n,
                  "BLEU = %.2f, %.1f/%.1f/%.1f/%.1f (BP=%.3f, ratio=%.3f, hyp_len=%lld, "
                  "ref_len=%lld)",
                  s->score, s->precisions[0], s->precisions[1], s->precisions[2], s->precisions[3],
                  s->bp, s->ratio, (long long)s->hyp_len, (long long)s->ref_len);
}

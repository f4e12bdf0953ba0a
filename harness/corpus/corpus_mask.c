/* Placeholder masking for the corpus (rules in corpus.h): find printf/Qt/Python
 * placeholders, markup, entities and accelerators in each side of a pair, match the
 * target's placeholders to the source's, and write "⟨phN⟩" tokens plus restore tables.
 * s2s_corpus_unmask is the inverse, used on decoder output and in the round-trip tests. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus/corpus.h"

#define TOK_OPEN "\xE2\x9F\xA8"  /* U+27E8 ⟨ */
#define TOK_CLOSE "\xE2\x9F\xA9" /* U+27E9 ⟩ */
#define KEY_MAX 320

typedef struct {
  size_t off, len;   /* bytes in the normalised text */
  int acc;           /* accelerator marker ('_' or '&', one byte), 0: placeholder */
  int num;           /* token number (placeholders) */
  char key[KEY_MAX]; /* matching identity */
} item;

typedef struct {
  item it[S2S_MASK_MAX + 8];
  int n, n_ph;
} side;

static int is_alpha(unsigned char c) {
  return (c | 32) >= 'a' && (c | 32) <= 'z';
}
static int is_digit(unsigned char c) {
  return c >= '0' && c <= '9';
}
static int is_alnum(unsigned char c) {
  return is_alpha(c) || is_digit(c);
}
/* a letter for accelerator purposes: ASCII alnum or the lead byte of a non-ASCII letter */
static int is_letterish(unsigned char c) {
  return is_alnum(c) || c >= 0xC3;
}

/* printf conversion at s[i] == '%'; returns its length (0: not one) and sets key. */
static size_t match_printf(const char *s, size_t i, int *next_arg, char *key) {
  const unsigned char *u = (const unsigned char *)s;
  size_t j = i + 1;
  /* %'d %'.2f are printf's grouping flag; %' before other text is GCC's apostrophe */
  int grouping = s[j] == '\'' && (is_digit(u[j + 1]) || s[j + 1] == '.' ||
                                  (s[j + 1] && strchr("diufFgG", s[j + 1]) && !is_alpha(u[j + 2])));
  if (s[j] == '%' || s[j] == '<' || s[j] == '>' || (s[j] == '\'' && !grouping)) {
    snprintf(key, KEY_MAX, "T%.2s", s + i); /* %% and GCC's %< %> %' (quotes, apostrophe) */
    return 2;
  }
  if (s[j] >= 'A' && s[j] <= 'Z' && s[j + 1] >= 'A' && s[j + 1] <= 'Z') { /* %NAME (LibreOffice) */
    size_t k = j;
    while ((s[k] >= 'A' && s[k] <= 'Z') || is_digit(u[k]) || s[k] == '_')
      k++;
    if (k - j >= 3) {
      snprintf(key, KEY_MAX, "T%.*s", (int)(k - i), s + i);
      return k - i;
    }
  }
  if (s[j] == '(' || s[j] == '{') { /* %(name)s  %{name} */
    char close = s[j] == '(' ? ')' : '}';
    size_t k = j + 1;
    while (k - j < 64 && (is_alnum(u[k]) || s[k] == '_' || s[k] == '-'))
      k++;
    if (s[k] != close || k == j + 1) return 0;
    k++;
    if (close == ')') { /* a conversion follows: %(name)s, %(n)d, %(x)-10.2f */
      while (strchr("-+#0 ", s[k]) && s[k])
        k++;
      while (is_digit(u[k]) || s[k] == '.')
        k++;
      if (!is_alpha(u[k])) return 0;
      k++;
    }
    snprintf(key, KEY_MAX, "T%.*s", (int)(k - i), s + i);
    return k - i;
  }
  size_t d0 = j;
  while (is_digit(u[j]))
    j++;
  int argno = 0;
  if (j > d0 && s[j] == '$' && s[d0] != '0') { /* %2$s */
    argno = atoi(s + d0);
    d0 = ++j;
  } else if (j > d0 && s[d0] != '0' && !is_alpha(u[j]) && s[j] != '*' &&
             !(s[j] == '.' && (is_digit(u[j + 1]) || s[j + 1] == '*'))) {
    snprintf(key, KEY_MAX, "T%.*s", (int)(j - i), s + i); /* Qt %1 */
    return j - i;
  } else if (s[j] == 'L' && is_digit(u[j + 1]) && s[j + 1] != '0' && j == d0) {
    j++;
    while (is_digit(u[j]))
      j++;
    snprintf(key, KEY_MAX, "T%.*s", (int)(j - i), s + i); /* Qt %L1 */
    return j - i;
  } else {
    j = d0; /* digits were a width: reparse them below */
  }
  int stars = 0;
  while (s[j] && strchr("-+#0'Iq", s[j]))
    j++;
  if (s[j] == '*') stars++, j++;
  while (is_digit(u[j]))
    j++;
  if (s[j] == '.') {
    j++;
    if (s[j] == '*') stars++, j++;
    while (is_digit(u[j]))
      j++;
  }
  static const char *lengths[] = {"hh", "ll", "h", "l", "L", "j", "z", "Z", "t", "w"};
  for (size_t k = 0; k < sizeof lengths / sizeof *lengths; k++)
    if (!strncmp(s + j, lengths[k], strlen(lengths[k]))) {
      j += strlen(lengths[k]);
      break;
    }
  if (!is_alpha(u[j])) return 0;
  char conv = s[j++];
  if (!argno) {
    *next_arg += stars;
    argno = conv == 'm' ? 0 : ++*next_arg; /* %m prints strerror(errno): no argument */
  }
  snprintf(key, KEY_MAX, "P%d:%.*s", argno, (int)(j - d0), s + d0);
  return j - i;
}

/* {0} {name} {0:.2f} {} ${VAR}: no whitespace, no nested braces, at most 64 bytes */
static size_t match_brace(const char *s, size_t i, char *key) {
  size_t j = i + (s[i] == '$');
  if (s[j] != '{' || s[j + 1] == '{') return 0;
  size_t k = j + 1;
  while (k - j < 64 && s[k] && s[k] != '}' && s[k] != '{' && s[k] != ' ' && s[k] != '"')
    k++;
  if (s[k] != '}') return 0;
  for (size_t m = j + 1; m < k && s[m] != ':' && s[m] != '!'; m++)
    if (!is_alnum((unsigned char)s[m]) && !strchr("_.[]", s[m])) return 0;
  snprintf(key, KEY_MAX, "T%.*s", (int)(k + 1 - i), s + i);
  return k + 1 - i;
}

static int known_tag(const char *name, size_t n) {
  static const char *tags =
      " a abbr acronym application b bcode big blockquote body br center cite code command dd"
      " del div dl dt em email emphasis envar filename font guibutton guilabel guimenu"
      " guimenuitem h1 h2 h3 h4 h5 h6 head hr html i icode img interface item kbd keycap li"
      " link list message nl nobr note numid ol option p para placeholder pre q qt resource"
      " s samp shortcut small span strike strong sub subtitle sup table tbody td th thead"
      " title tr tt u ul userinput var warning ";
  char buf[24];
  if (n == 0 || n > 20) return 0;
  buf[0] = ' ';
  for (size_t k = 0; k < n; k++)
    buf[k + 1] = (char)(name[k] | 32);
  buf[n + 1] = ' ', buf[n + 2] = '\0';
  return strstr(tags, buf) != NULL;
}

/* <b> </b> <a href="x"> <br/> with a known tag name; attributes up to 300 bytes */
static size_t match_tag(const char *s, size_t i, char *key) {
  size_t j = i + 1 + (s[i + 1] == '/'), n0 = j;
  while (is_alnum((unsigned char)s[j]))
    j++;
  if (!known_tag(s + n0, j - n0)) return 0;
  if (s[j] == ' ') {
    while (s[j] && s[j] != '>' && s[j] != '<' && j - i < 300)
      j++;
  }
  if (s[j] == '/' && s[j + 1] == '>') j++;
  if (s[j] != '>') return 0;
  snprintf(key, KEY_MAX, "T%.*s", (int)(j + 1 - i), s + i);
  return j + 1 - i;
}

/* &amp; &#160; &#xA0; */
static size_t match_entity(const char *s, size_t i, char *key) {
  const unsigned char *u = (const unsigned char *)s;
  size_t j = i + 1;
  if (s[j] == '#') {
    j++;
    int hex = s[j] == 'x' || s[j] == 'X';
    j += hex;
    size_t d = j;
    while (hex ? (is_digit(u[j]) || ((u[j] | 32) >= 'a' && (u[j] | 32) <= 'f')) : is_digit(u[j]))
      j++;
    if (j == d || j - d > 7) return 0;
  } else {
    if (!is_alpha(u[j])) return 0;
    while (is_alnum(u[j]) && j - i < 32)
      j++;
  }
  if (s[j] != ';') return 0;
  snprintf(key, KEY_MAX, "T%.*s", (int)(j + 1 - i), s + i);
  return j + 1 - i;
}

/* Could '_' at s[i] be a GTK accelerator? Before a letter, the only '_' of the rest of the
 * word (so not _NET_WM_NAME, __init__), and either at a word start (1) or inside a word of
 * letters only (2: "Rep_lace", "Su_pprimer"; not R_TLS, an upper-case constant). It may
 * still be an identifier (_gp, open_sync): settle_accelerators asks the other side. */
static int is_underscore_acc(const char *s, size_t i) {
  const unsigned char *u = (const unsigned char *)s;
  if (!is_letterish(u[i + 1])) return 0;
  for (size_t k = i + 1; s[k] && s[k] != ' '; k++)
    if (s[k] == '_') return 0;
  if (i == 0 || !(is_alnum(u[i - 1]) || u[i - 1] == '_' || u[i - 1] >= 0x80)) return 1;
  if (u[i - 1] >= 'A' && u[i - 1] <= 'Z' && u[i + 1] >= 'A' && u[i + 1] <= 'Z')
    return 0; /* R_TLS */
  size_t b = i;
  while (b > 0 && s[b - 1] != ' ')
    b--;
  for (size_t k = b; s[k] && s[k] != ' '; k++)
    if (k != i && !is_alpha(u[k]) && u[k] < 0x80) return 0;
  return 2;
}

/* Is '&' at s[i] (not an entity, not "&&") a Qt/KDE accelerator? Before a letter, and not
 * after a digit or '=' (URL queries such as a=1&b=2). */
static int is_amp_acc(const char *s, size_t i) {
  const unsigned char *u = (const unsigned char *)s;
  if (!is_letterish(u[i + 1])) return 0;
  if (i > 0 && (is_digit(u[i - 1]) || s[i - 1] == '=' || s[i - 1] == '&')) return 0;
  return 1;
}

/* Finds every placeholder and accelerator candidate (settle_accelerators then decides).
 * Returns S2S_MASK_OK or S2S_MASK_TOO_MANY. */
static int scan(const char *s, side *sd) {
  int next_arg = 0;
  sd->n = sd->n_ph = 0;
  for (size_t i = 0; s[i];) {
    item it = {0};
    size_t len = 0;
    if (s[i] == '%')
      len = match_printf(s, i, &next_arg, it.key);
    else if (s[i] == '{' || s[i] == '$')
      len = match_brace(s, i, it.key);
    else if (s[i] == '<')
      len = match_tag(s, i, it.key);
    else if (s[i] == '&' && s[i + 1] == '&') {
      i += 2; /* a literal ampersand in Qt; left as text */
      continue;
    } else if (s[i] == '&') {
      len = match_entity(s, i, it.key);
      if (!len && is_amp_acc(s, i)) it.acc = '&', len = 1;
    } else if (s[i] == '_' && is_underscore_acc(s, i)) {
      it.acc = '_', len = 1;
    }
    if (!len) {
      if (s[i] == '{' && s[i + 1] == '{') i++; /* "{{" is an escaped brace */
      i++;
      continue;
    }
    if (sd->n >= S2S_MASK_MAX + 8 || (!it.acc && sd->n_ph >= S2S_MASK_MAX))
      return S2S_MASK_TOO_MANY;
    it.off = i, it.len = len;
    sd->n_ph += !it.acc;
    sd->it[sd->n++] = it;
    i += len;
  }
  return S2S_MASK_OK;
}

/* Does the whitespace-delimited word of s around byte i occur as a word of other? */
static int word_in(const char *s, size_t i, const char *other) {
  size_t b = i, e = i;
  while (b > 0 && s[b - 1] != ' ')
    b--;
  while (s[e] && s[e] != ' ')
    e++;
  for (const char *p = other; *p;) {
    size_t n = strcspn(p, " ");
    if (n == e - b && !strncmp(p, s + b, n)) return 1;
    p += n + (p[n] == ' ');
  }
  return 0;
}

/* Keeps an accelerator only when it is the one candidate left in the text after dropping
 * underscores whose word the other side copies verbatim (an identifier such as _gp). */
static void settle_accelerators(side *sd, const char *s, const char *other) {
  int cand = 0;
  for (int k = 0; k < sd->n; k++) {
    item *it = &sd->it[k];
    if (it->acc == '_' && word_in(s, it->off, other)) it->acc = -1; /* _gp, open_sync */
    cand += it->acc > 0;
  }
  int m = 0;
  for (int k = 0; k < sd->n; k++)
    if (sd->it[k].acc == 0 || (sd->it[k].acc > 0 && cand == 1)) sd->it[m++] = sd->it[k];
  sd->n = m;
}

static int append(char **buf, size_t *len, size_t *cap, const char *p, size_t n) {
  if (*len + n + 1 > *cap) {
    size_t nc = (*cap ? *cap * 2 : 128) + n;
    char *nb = realloc(*buf, nc);
    if (!nb) return -1;
    *buf = nb, *cap = nc;
  }
  memcpy(*buf + *len, p, n);
  *len += n;
  (*buf)[*len] = '\0';
  return 0;
}

static int append_escaped(char **buf, size_t *len, size_t *cap, const char *p, size_t n) {
  for (size_t k = 0; k < n; k++) {
    const char *e = p[k] == '\\' ? "\\\\" : p[k] == '\t' ? "\\t" : p[k] == '\n' ? "\\n" : NULL;
    if (append(buf, len, cap, e ? e : p + k, e ? 2 : 1)) return -1;
  }
  return 0;
}

/* Writes the masked text and table of one side. */
static int emit(const char *s, const side *sd, char **text, char **table) {
  size_t tl = 0, tc = 0, bl = 0, bc = 0, at = 0;
  *text = NULL, *table = NULL;
  if (append(text, &tl, &tc, "", 0) || append(table, &bl, &bc, "", 0)) return -1;
  for (int k = 0; k < sd->n; k++) {
    const item *it = &sd->it[k];
    char tok[64];
    if (append(text, &tl, &tc, s + at, it->off - at)) return -1;
    if (it->acc) {
      int n = snprintf(tok, sizeof tok, "acc@%zu\t", tl);
      if (append(table, &bl, &bc, tok, (size_t)n)) return -1;
    } else {
      int n = snprintf(tok, sizeof tok, TOK_OPEN "ph%d" TOK_CLOSE, it->num);
      if (append(text, &tl, &tc, tok, (size_t)n) || append(table, &bl, &bc, tok, (size_t)n) ||
          append(table, &bl, &bc, "\t", 1))
        return -1;
    }
    if (append_escaped(table, &bl, &bc, s + it->off, it->len) || append(table, &bl, &bc, "\n", 1))
      return -1;
    at = it->off + it->len;
  }
  return append(text, &tl, &tc, s + at, strlen(s + at));
}

int s2s_corpus_mask_pair(const char *en, const char *fr, s2s_masked_pair *out) {
  memset(out, 0, sizeof *out);
  if (strstr(en, TOK_OPEN) || strstr(en, TOK_CLOSE) || strstr(fr, TOK_OPEN) ||
      strstr(fr, TOK_CLOSE))
    return S2S_MASK_RESERVED;
  side *a = malloc(sizeof *a), *b = malloc(sizeof *b);
  int rc = (a && b) ? S2S_MASK_OK : S2S_MASK_NOMEM;
  if (rc == S2S_MASK_OK) rc = scan(en, a);
  if (rc == S2S_MASK_OK) rc = scan(fr, b);
  if (rc == S2S_MASK_OK) settle_accelerators(a, en, fr), settle_accelerators(b, fr, en);
  if (rc == S2S_MASK_OK && a->n_ph != b->n_ph) rc = S2S_MASK_MISMATCH;
  if (rc == S2S_MASK_OK) {
    int num = 0;
    for (int k = 0; k < a->n; k++)
      if (!a->it[k].acc) a->it[k].num = ++num;
    unsigned char used[S2S_MASK_MAX + 8] = {0};
    for (int k = 0; k < b->n && rc == S2S_MASK_OK; k++) {
      if (b->it[k].acc) continue;
      int found = 0;
      for (int m = 0; m < a->n && !found; m++)
        if (!a->it[m].acc && !used[m] && !strcmp(a->it[m].key, b->it[k].key)) {
          used[m] = 1;
          b->it[k].num = a->it[m].num;
          found = 1;
        }
      if (!found) rc = S2S_MASK_MISMATCH; /* equal counts: every source one is then used */
    }
  }
  if (rc == S2S_MASK_OK) {
    if (emit(en, a, &out->src, &out->src_table) || emit(fr, b, &out->tgt, &out->tgt_table))
      rc = S2S_MASK_NOMEM;
    out->placeholders = a->n_ph;
    out->accelerators = (a->n - a->n_ph) + (b->n - b->n_ph);
  }
  free(a);
  free(b);
  if (rc != S2S_MASK_OK) s2s_masked_pair_free(out);
  return rc;
}

void s2s_masked_pair_free(s2s_masked_pair *m) {
  free(m->src);
  free(m->tgt);
  free(m->src_table);
  free(m->tgt_table);
  memset(m, 0, sizeof *m);
}

/* Length of a "⟨phN⟩" token at s (0: none); *num = N. */
static size_t token_at(const char *s, int *num) {
  if (strncmp(s, TOK_OPEN "ph", 5)) return 0;
  size_t k = 5;
  int n = 0;
  while (is_digit((unsigned char)s[k]) && k < 9)
    n = n * 10 + (s[k++] - '0');
  if (k == 5 || strncmp(s + k, TOK_CLOSE, 3)) return 0;
  *num = n;
  return k + 3;
}

/* Appends the unescaped original of table record `name` (NULL if absent) to out. */
static const char *find_record(const char *table, const char *name, size_t n) {
  for (const char *p = table; p && *p;) {
    if (!strncmp(p, name, n) && p[n] == '\t') return p + n + 1;
    p = strchr(p, '\n');
    p = p ? p + 1 : NULL;
  }
  return NULL;
}

static int put(char *out, size_t cap, size_t *w, char c) {
  if (*w + 1 >= cap) return -1;
  out[(*w)++] = c;
  return 0;
}

static int put_original(char *out, size_t cap, size_t *w, const char *p) {
  for (; *p && *p != '\n'; p++) {
    char c = *p;
    if (c == '\\' && p[1]) c = *++p == 't' ? '\t' : *p == 'n' ? '\n' : *p;
    if (put(out, cap, w, c)) return -1;
  }
  return 0;
}

int s2s_corpus_unmask(const char *masked, const char *table, char *out, size_t cap) {
  size_t w = 0, len = strlen(masked);
  int dropped = 0, num;
  if (cap == 0) return -1;
  /* the accelerator: recorded offset if it still starts a letter, else the first letter */
  const char *acc = NULL;
  size_t acc_at = (size_t)-1;
  for (const char *p = table; p && *p;) {
    if (!strncmp(p, "acc@", 4)) {
      char *end;
      size_t off = strtoul(p + 4, &end, 10);
      if (*end == '\t' && end[1] && end[1] != '\n') acc = end + 1, acc_at = off;
    }
    p = strchr(p, '\n');
    p = p ? p + 1 : NULL;
  }
  if (acc && (acc_at >= len || !is_letterish((unsigned char)masked[acc_at]) ||
              token_at(masked + acc_at, &num))) {
    acc_at = (size_t)-1;
    for (size_t i = 0; i < len;) {
      size_t t = token_at(masked + i, &num);
      if (t) {
        i += t;
        continue;
      }
      if (is_letterish((unsigned char)masked[i])) {
        acc_at = i;
        break;
      }
      i++;
    }
  }
  for (size_t i = 0; i <= len;) {
    if (acc && i == acc_at && put(out, cap, &w, *acc)) return -1;
    if (i == len) break;
    size_t t = token_at(masked + i, &num);
    if (t) {
      const char *orig = find_record(table, masked + i, t);
      if (!orig)
        dropped++;
      else if (put_original(out, cap, &w, orig))
        return -1;
      i += t;
      continue;
    }
    if (put(out, cap, &w, masked[i++])) return -1;
  }
  out[w] = '\0';
  return dropped;
}

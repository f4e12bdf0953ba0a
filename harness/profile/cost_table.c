/* Per-node costs measured on one device (cost_table.h). */
#include "profile/cost_table.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/atomic_file.h"
#include "record/tsv_fields.h"

void s2s_cost_table_init(s2s_cost_table *t) { memset(t, 0, sizeof *t); }

static void entry_free(s2s_cost_entry *e) {
  free(e->samples);
  e->samples = NULL;
  e->ns = e->cap = 0;
}

void s2s_cost_table_free(s2s_cost_table *t) {
  for (size_t i = 0; i < t->n; i++) entry_free(&t->e[i]);
  for (int o = 0; o < S2S_OP_KINDS; o++) entry_free(&t->host[o]);
  free(t->e);
  memset(t, 0, sizeof *t);
}

static int by_value(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Inserts s keeping the samples sorted, and updates the median. */
static int sample(s2s_cost_entry *e, double s) {
  if (e->ns == e->cap) {
    size_t cap = e->cap ? 2 * e->cap : 4;
    double *p = realloc(e->samples, cap * sizeof *p);
    if (!p) return -1;
    e->samples = p, e->cap = cap;
  }
  e->samples[e->ns++] = s;
  e->count++;
  qsort(e->samples, e->ns, sizeof *e->samples, by_value);
  const size_t h = e->ns / 2;
  e->median = e->ns % 2 ? e->samples[h] : 0.5 * (e->samples[h - 1] + e->samples[h]);
  return 0;
}

static int same_key(const s2s_plan_node *a, const s2s_plan_node *b) {
  return a->op == b->op && !strcmp(a->what, b->what) && a->m == b->m && a->n == b->n &&
         a->k == b->k && a->ta == b->ta && a->tb == b->tb && a->elems == b->elems;
}

static s2s_cost_entry *find(const s2s_cost_table *t, const s2s_plan_node *n) {
  for (size_t i = 0; i < t->n; i++)
    if (same_key(&t->e[i].key, n)) return &t->e[i];
  return NULL;
}

static s2s_cost_entry *find_or_add(s2s_cost_table *t, const s2s_plan_node *n) {
  s2s_cost_entry *e = find(t, n);
  if (e) return e;
  if (t->n == t->cap) {
    size_t cap = t->cap ? 2 * t->cap : 64;
    s2s_cost_entry *p = realloc(t->e, cap * sizeof *p);
    if (!p) return NULL;
    t->e = p, t->cap = cap;
  }
  e = &t->e[t->n++];
  memset(e, 0, sizeof *e);
  e->key.op = n->op, e->key.m = n->m, e->key.n = n->n, e->key.k = n->k;
  e->key.ta = n->ta, e->key.tb = n->tb, e->key.elems = n->elems;
  snprintf(e->key.what, sizeof e->key.what, "%s", n->what);
  return e;
}

static int no_work(s2s_op op) {
  return op == S2S_OP_MARKER || op == S2S_OP_BARRIER || op == S2S_OP_HOST_WAIT;
}

int s2s_cost_table_add_plan(s2s_cost_table *t, const s2s_plan *p) {
  for (size_t i = 0; i < p->n; i++) {
    const s2s_plan_node *n = &p->node[i];
    if (!no_work(n->op) && n->end_s > n->start_s) {
      s2s_cost_entry *e = find_or_add(t, n);
      if (!e || sample(e, n->end_s - n->start_s) != 0) return -1;
    }
    /* the host's enqueue time: to the next node, unless this one held the host */
    const s2s_plan_node *next = i + 1 < p->n ? &p->node[i + 1] : NULL;
    if (next && !n->blocking && n->op != S2S_OP_HOST_WAIT && next->issue_s > n->issue_s &&
        n->issue_s > 0 && sample(&t->host[n->op], next->issue_s - n->issue_s) != 0)
      return -1;
  }
  return 0;
}

/* log-distance of two GEMM shapes */
static double shape_distance(const s2s_plan_node *a, const s2s_plan_node *b) {
  const double dm = log((double)a->m / b->m), dn = log((double)a->n / b->n),
               dk = log((double)a->k / b->k);
  return dm * dm + dn * dn + dk * dk;
}

/* The nearest entry comparable with n (GEMM: same transposes; kernels and CLBlast calls:
 * same name, host work too; fills and copies: same op), scaled to n's size. */
static double scaled(const s2s_cost_table *t, const s2s_plan_node *n) {
  const s2s_cost_entry *best = NULL;
  double bd = INFINITY;
  for (size_t i = 0; i < t->n; i++) {
    const s2s_plan_node *k = &t->e[i].key;
    if (k->op != n->op) continue;
    double d;
    if (n->op == S2S_OP_GEMM) {
      if (k->ta != n->ta || k->tb != n->tb || !k->m || !k->n || !k->k) continue;
      d = shape_distance(k, n);
    } else {
      if ((n->op == S2S_OP_KERNEL || n->op == S2S_OP_BLAS || n->op == S2S_OP_HOST_WORK) &&
          strcmp(k->what, n->what))
        continue;
      if (!k->elems) continue;
      d = fabs(log((double)(n->elems ? n->elems : 1) / k->elems));
    }
    if (d < bd) bd = d, best = &t->e[i];
  }
  if (!best) return -1;
  const s2s_plan_node *k = &best->key;
  if (n->op == S2S_OP_GEMM)
    return best->median * ((double)n->m * n->n * n->k) / ((double)k->m * k->n * k->k);
  return best->median * (double)n->elems / (double)k->elems;
}

/* READ / WRITE of a size never measured: latency + bytes / bandwidth, least squares over
 * the measured reads (or writes). */
static double link_model(const s2s_cost_table *t, const s2s_plan_node *n) {
  if (t->link_bytes_per_s > 0)
    return t->link_latency_s + 4.0 * (double)n->elems / t->link_bytes_per_s;
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  size_t m = 0;
  for (size_t i = 0; i < t->n; i++) {
    const s2s_cost_entry *e = &t->e[i];
    if (e->key.op != n->op) continue;
    const double x = 4.0 * (double)e->key.elems, y = e->median;
    sx += x, sy += y, sxx += x * x, sxy += x * y, m++;
  }
  if (!m) return -1;
  const double den = m * sxx - sx * sx;
  double slope = den > 0 ? (m * sxy - sx * sy) / den : 0, lat = (sy - slope * sx) / m;
  if (slope < 0) slope = 0, lat = sy / m;
  if (lat < 0) lat = 0;
  return lat + slope * 4.0 * (double)n->elems;
}

double s2s_cost_device_s(const s2s_cost_table *t, const s2s_plan_node *n, int *how_out) {
  int ignored, *how = how_out ? how_out : &ignored;
  *how = 0;
  if (no_work(n->op)) return 0;
  if (t->link_bytes_per_s > 0 && (n->op == S2S_OP_READ || n->op == S2S_OP_WRITE))
    return *how = 2, link_model(t, n); /* a given link stands for every host transfer */
  const s2s_cost_entry *e = find(t, n);
  if (e) return e->median;
  double s;
  if (n->op == S2S_OP_READ || n->op == S2S_OP_WRITE) {
    *how = 2;
    s = link_model(t, n);
  } else {
    *how = 1;
    s = scaled(t, n);
  }
  if (s < 0) *how = -1;
  return s;
}

double s2s_cost_host_s(const s2s_cost_table *t, const s2s_plan_node *n) {
  return n->op >= 0 && n->op < S2S_OP_KINDS ? t->host[n->op].median : 0;
}

void s2s_cost_table_spread(const s2s_cost_table *t, double min_s, double ratio,
                           s2s_cost_spread *out) {
  memset(out, 0, sizeof *out);
  double total = 0, wide = 0, most = 0;
  for (size_t i = 0; i < t->n; i++) {
    const s2s_cost_entry *e = &t->e[i];
    if (e->ns < 2 || e->median < min_s) continue;
    const double secs = e->median * (double)e->ns;
    out->considered++;
    total += secs;
    if (!(e->samples[e->ns - 1] > ratio * e->samples[0])) continue;
    out->wide++;
    wide += secs;
    if (secs > most) most = secs, out->heaviest = e;
  }
  out->wide_share = total > 0 ? wide / total : 0;
}

static double sim_device(void *ctx, const s2s_plan_node *n) {
  int how;
  const double s = s2s_cost_device_s(ctx, n, &how);
  return s > 0 ? s : 0;
}
static double sim_host(void *ctx, const s2s_plan_node *n) { return s2s_cost_host_s(ctx, n); }

s2s_sim_costs s2s_cost_table_sim(const s2s_cost_table *t) {
  return (s2s_sim_costs){sim_device, sim_host, (void *)t, NULL};
}

/* --- files ------------------------------------------------------------------------- */

static const char *const header =
    "op\twhat\tm\tn\tk\tta\ttb\telems\tseconds\tsamples";

/* The device name on one line: a newline or tab in it would end the comment early. */
static void put_name(FILE *f, const char *name) {
  for (const char *c = name; *c; c++) fputc((unsigned char)*c < 0x20 ? ' ' : *c, f);
}

int s2s_cost_table_save(const s2s_cost_table *t, const char *path) {
  s2s_atomic_file f;
  if (s2s_atomic_open(&f, path) != 0) return -1;
  fputs("# s2sbench cost table v1\n# device ", f.f);
  put_name(f.f, t->device);
  fprintf(f.f, "\n# memory %llu %llu\n", t->global_mem, t->max_alloc);
  if (t->link_bytes_per_s > 0)
    fprintf(f.f, "# link %.17g %.17g\n", t->link_latency_s, t->link_bytes_per_s);
  fprintf(f.f, "%s\n", header);
  for (size_t i = 0; i < t->n; i++) {
    const s2s_plan_node *k = &t->e[i].key;
    fprintf(f.f, "%s\t%s\t%d\t%d\t%d\t%c\t%c\t%zu\t%.17g\t%zu\n", s2s_op_name(k->op), k->what,
            k->m, k->n, k->k, k->ta ? k->ta : '-', k->tb ? k->tb : '-', k->elems,
            t->e[i].median, t->e[i].count);
  }
  for (int o = 0; o < S2S_OP_KINDS; o++) /* host enqueue seconds: op "host", what the op */
    if (t->host[o].ns)
      fprintf(f.f, "host\t%s\t0\t0\t0\t-\t-\t0\t%.17g\t%zu\n", s2s_op_name((s2s_op)o),
              t->host[o].median, t->host[o].count);
  return s2s_atomic_commit(&f);
}

static int op_of(const char *name) {
  for (int o = 0; o < S2S_OP_KINDS; o++)
    if (!strcmp(name, s2s_op_name((s2s_op)o))) return o;
  return -1;
}


/* A decimal count in 0..max: no sign, no trailing text. */
static int parse_count(const char *f, unsigned long long max, unsigned long long *v) {
  char *end;
  errno = 0;
  *v = strtoull(f, &end, 10);
  return f[0] >= '0' && f[0] <= '9' && !errno && !*end && *v <= max ? 0 : -1;
}

/* A seconds column: a finite number >= 0, nothing after it. */
static int parse_seconds(const char *f, double *s) {
  char *end;
  errno = 0;
  *s = strtod(f, &end);
  return end != f && !*end && !errno && isfinite(*s) && *s >= 0 ? 0 : -1;
}

/* A transpose column: 'N', 'T', or '-' for none. */
static int parse_trans(const char *f, char *c) {
  if (strlen(f) != 1 || !strchr("NT-", f[0])) return -1;
  *c = f[0] == '-' ? 0 : f[0];
  return 0;
}

/* Adds one row, a median standing for `count` samples; 0 or -1 (malformed). */
static int parse_row(s2s_cost_table *t, char *line) {
  char *f[11];
  if (s2s_tsv_fields(line, f, 11) != 10) return -1;
  const int host = !strcmp(f[0], "host");
  const int op = op_of(host ? f[1] : f[0]);
  unsigned long long v[3], elems, count;
  for (int i = 0; i < 3; i++)
    if (parse_count(f[2 + i], 2147483647ULL, &v[i])) return -1;
  double s;
  s2s_plan_node k = {.op = (s2s_op)op, .m = (int)v[0], .n = (int)v[1], .k = (int)v[2]};
  if (op < 0 || parse_count(f[7], SIZE_MAX, &elems) || parse_count(f[9], SIZE_MAX, &count) ||
      !count || parse_trans(f[5], &k.ta) || parse_trans(f[6], &k.tb) ||
      parse_seconds(f[8], &s) || strlen(f[1]) >= sizeof k.what)
    return -1;
  k.elems = (size_t)elems;
  snprintf(k.what, sizeof k.what, "%s", f[1]);
  s2s_cost_entry *e = host ? &t->host[op] : find_or_add(t, &k);
  if (!e || sample(e, s) != 0) return -1;
  e->count += (size_t)count - 1;
  return 0;
}

int s2s_cost_table_load(s2s_cost_table *t, const char *path) {
  s2s_cost_table_init(t);
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "s2sbench: cannot read the cost table %s: %s\n", path, strerror(errno));
    return -1;
  }
  char line[1024];
  int lineno = 0, rc = 0, saw_magic = 0;
  while (rc == 0 && fgets(line, sizeof line, f)) {
    lineno++;
    const size_t len = strlen(line);
    if (len && line[len - 1] == '\n') line[len - 1] = '\0';
    else if (!feof(f)) rc = -1; /* a line longer than any row */
    if (rc) break;
    if (lineno == 1) {
      saw_magic = !strcmp(line, "# s2sbench cost table v1");
      if (!saw_magic) rc = -1;
    } else if (!strncmp(line, "# device ", 9)) {
      snprintf(t->device, sizeof t->device, "%.255s", line + 9);
      for (char *c = t->device; *c; c++) /* as saved: control characters are spaces */
        if ((unsigned char)*c < 0x20) *c = ' ';
    } else if (!strncmp(line, "# memory ", 9)) {
      if (sscanf(line + 9, "%llu %llu", &t->global_mem, &t->max_alloc) != 2) rc = -1;
    } else if (!strncmp(line, "# link ", 7)) {
      if (sscanf(line + 7, "%lf %lf", &t->link_latency_s, &t->link_bytes_per_s) != 2 ||
          !(t->link_bytes_per_s > 0) || !(t->link_latency_s >= 0))
        rc = -1;
    } else if (line[0] == '#' || !strcmp(line, header)) {
      continue;
    } else {
      rc = parse_row(t, line);
    }
  }
  fclose(f);
  if (rc == 0 && !saw_magic) rc = -1, lineno = 1;
  if (rc != 0) {
    fprintf(stderr, "s2sbench: %s:%d: not a line of an s2sbench cost table (v1: %s)\n", path,
            lineno, lineno == 1 ? "'# s2sbench cost table v1' first" : header);
    s2s_cost_table_free(t);
  }
  return rc;
}

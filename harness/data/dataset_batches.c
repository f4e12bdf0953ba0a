/* The paper's batching: pairs sorted by (source length, target length) so each batch holds
 * sentences of similar length, ties shuffled and batch order permuted per epoch from
 * (seed, epoch) alone, so training batch i is a pure function of (seed, i) and a resumed run
 * sees the same batches. Dev batches keep one fixed length-sorted order. */
#include <stdlib.h>
#include <string.h>

#include "data/dataset_internal.h"
#include "model/rng.h"

static void lengths(const s2s_cache_view *v, int set, uint32_t i, int *ls, int *lt) {
  const int32_t *src, *tgt;
  s2s_cache_pair(v, set, i, &src, ls, &tgt, lt);
}

/* ids 0..n-1 sorted by (ls, lt, id): two stable counting passes (lt, then ls). */
static uint32_t *sort_by_length(const s2s_cache_view *v, int set, uint32_t n, int max_len) {
  uint32_t *a = malloc((n ? n : 1) * sizeof *a), *b = malloc((n ? n : 1) * sizeof *b);
  uint32_t *cnt = malloc((size_t)(max_len + 2) * sizeof *cnt);
  if (!a || !b || !cnt) {
    free(a), free(b), free(cnt);
    return NULL;
  }
  for (uint32_t i = 0; i < n; i++)
    a[i] = i;
  for (int pass = 0; pass < 2; pass++) { /* pass 0 keys on lt, pass 1 on ls */
    memset(cnt, 0, (size_t)(max_len + 2) * sizeof *cnt);
    for (uint32_t i = 0; i < n; i++) {
      int ls, lt;
      lengths(v, set, a[i], &ls, &lt);
      cnt[(pass ? ls : lt) + 1]++;
    }
    for (int l = 1; l <= max_len + 1; l++)
      cnt[l] += cnt[l - 1];
    for (uint32_t i = 0; i < n; i++) {
      int ls, lt;
      lengths(v, set, a[i], &ls, &lt);
      b[cnt[pass ? ls : lt]++] = a[i];
    }
    uint32_t *t = a;
    a = b, b = t;
  }
  free(b);
  free(cnt);
  return a;
}

int s2s_buckets_init(s2s_buckets *k, const s2s_cache_view *v, int B, int max_len, uint64_t seed,
                     int dev_max_batches) {
  memset(k, 0, sizeof *k);
  k->B = B, k->seed = seed, k->epoch = -1;
  k->n = (uint32_t)v->pairs[S2S_SET_TRAIN];
  k->dev_n = (uint32_t)v->pairs[S2S_SET_DEV];
  k->steps = k->n ? (long)((k->n + (uint32_t)B - 1) / (uint32_t)B) : 0;
  k->sorted = sort_by_length(v, S2S_SET_TRAIN, k->n, max_len);
  k->dev_sorted = sort_by_length(v, S2S_SET_DEV, k->dev_n, max_len);
  k->group_end = malloc((k->n ? k->n : 1) * sizeof *k->group_end);
  k->order = malloc((k->n ? k->n : 1) * sizeof *k->order);
  k->perm = malloc((k->steps ? (size_t)k->steps : 1) * sizeof *k->perm);
  if (!k->sorted || !k->dev_sorted || !k->group_end || !k->order || !k->perm) {
    s2s_buckets_free(k);
    return -1;
  }
  int pls = -1, plt = -1;
  for (uint32_t i = 0; i < k->n; i++) {
    int ls, lt;
    lengths(v, S2S_SET_TRAIN, k->sorted[i], &ls, &lt);
    if (i > 0 && (ls != pls || lt != plt)) k->group_end[k->groups++] = i;
    pls = ls, plt = lt;
  }
  if (k->n) k->group_end[k->groups++] = k->n;
  k->dev_total = (int)((k->dev_n + (uint32_t)B - 1) / (uint32_t)B);
  k->dev_batches =
      dev_max_batches > 0 && dev_max_batches < k->dev_total ? dev_max_batches : k->dev_total;
  return 0;
}

void s2s_buckets_free(s2s_buckets *k) {
  free(k->sorted);
  free(k->group_end);
  free(k->order);
  free(k->perm);
  free(k->dev_sorted);
  memset(k, 0, sizeof *k);
}

/* Epoch e's pair order (sorted, each equal-length group shuffled) and batch order. */
static void make_epoch(s2s_buckets *k, int64_t e) {
  s2s_rng r;
  s2s_rng_init(&r, s2s_splitmix64(k->seed ^ 0x243F6A8885A308D3ull) + (uint64_t)e);
  memcpy(k->order, k->sorted, k->n * sizeof *k->order);
  uint32_t a = 0;
  for (uint32_t g = 0; g < k->groups; a = k->group_end[g++])
    for (uint32_t i = k->group_end[g] - 1; i > a; i--) {
      uint32_t j = a + s2s_rng_below(&r, i - a + 1), t = k->order[i];
      k->order[i] = k->order[j], k->order[j] = t;
    }
  s2s_rng_init(&r, s2s_splitmix64(k->seed ^ 0x13198A2E03707344ull) + (uint64_t)e);
  for (long i = 0; i < k->steps; i++)
    k->perm[i] = (uint32_t)i;
  for (long i = k->steps - 1; i > 0; i--) {
    uint32_t j = s2s_rng_below(&r, (uint32_t)i + 1), t = k->perm[i];
    k->perm[i] = k->perm[j], k->perm[j] = t;
  }
  k->epoch = e;
}

int s2s_buckets_rows(s2s_buckets *k, uint64_t step, const uint32_t **rows, int *n_out) {
  if (k->steps == 0) return -1;
  const int64_t e = (int64_t)(step / (uint64_t)k->steps);
  if (e != k->epoch) make_epoch(k, e);
  const uint32_t c = k->perm[step % (uint64_t)k->steps], start = c * (uint32_t)k->B;
  *rows = k->order + start;
  *n_out = (int)(k->n - start < (uint32_t)k->B ? k->n - start : (uint32_t)k->B);
  return 0;
}

static void fill(const s2s_cache_view *v, int set, const uint32_t *rows, int n, int B,
                 s2s_batch *b) {
  int Ts = 1, Tt = 1;
  for (int i = 0; i < n; i++) {
    int ls, lt;
    lengths(v, set, rows[i], &ls, &lt);
    if (ls > Ts) Ts = ls;
    if (lt > Tt) Tt = lt;
  }
  b->B = B, b->T_src = Ts, b->T_tgt = Tt + 1; /* fits: b was allocated for max_len + 1 */
  s2s_batch_clear(b);
  for (int i = 0; i < n; i++) {
    const int32_t *src, *tgt;
    int ls, lt;
    s2s_cache_pair(v, set, rows[i], &src, &ls, &tgt, &lt);
    s2s_batch_set(b, i, src, ls, tgt, lt);
  }
}

int s2s_buckets_train(s2s_buckets *k, const s2s_cache_view *v, uint64_t step, s2s_batch *b) {
  const uint32_t *rows;
  int n;
  if (s2s_buckets_rows(k, step, &rows, &n) != 0) return -1;
  fill(v, S2S_SET_TRAIN, rows, n, k->B, b);
  return 0;
}

/* With fewer batches than the dev set holds, batch i is batch floor((i + 1/2) * total /
 * used) of the sorted set, so every length range is represented. */
int s2s_buckets_dev(const s2s_buckets *k, const s2s_cache_view *v, int i, s2s_batch *b) {
  if (i < 0 || i >= k->dev_batches) return -1;
  const int64_t j = ((int64_t)2 * i + 1) * k->dev_total / (2 * (int64_t)k->dev_batches);
  const uint32_t start = (uint32_t)j * (uint32_t)k->B;
  const uint32_t n = k->dev_n - start < (uint32_t)k->B ? k->dev_n - start : (uint32_t)k->B;
  fill(v, S2S_SET_DEV, k->dev_sorted + start, (int)n, k->B, b);
  return 0;
}

/* real tokens: ls + lt + 1 per pair (the target's <eos> is predicted); padded tokens:
 * B * (T_src + T_tgt) per batch, short last batch included (the device computes B rows). */
static void efficiency(const s2s_cache_view *v, const uint32_t *order, uint32_t n, int B,
                       double *real, double *padded) {
  *real = *padded = 0;
  for (uint32_t a = 0; a < n; a += (uint32_t)B) {
    int Ts = 0, Tt = 0;
    for (uint32_t i = a; i < n && i < a + (uint32_t)B; i++) {
      int ls, lt;
      lengths(v, S2S_SET_TRAIN, order[i], &ls, &lt);
      *real += ls + lt + 1;
      if (ls > Ts) Ts = ls;
      if (lt > Tt) Tt = lt;
    }
    *padded += (double)B * (Ts + Tt + 1);
  }
}

void s2s_buckets_padding(s2s_buckets *k, const s2s_cache_view *v, double *bucketed,
                         double *random) {
  double real, padded;
  *bucketed = *random = 0;
  if (k->n == 0) return;
  make_epoch(k, 0);
  efficiency(v, k->order, k->n, k->B, &real, &padded);
  *bucketed = real / padded;
  uint32_t *p = malloc(k->n * sizeof *p);
  if (!p) return;
  s2s_rng r;
  s2s_rng_init(&r, k->seed ^ 0xA4093822299F31D0ull);
  for (uint32_t i = 0; i < k->n; i++)
    p[i] = i;
  for (uint32_t i = k->n - 1; i > 0; i--) {
    uint32_t j = s2s_rng_below(&r, i + 1), t = p[i];
    p[i] = p[j], p[j] = t;
  }
  efficiency(v, p, k->n, k->B, &real, &padded);
  *random = real / padded;
  free(p);
}

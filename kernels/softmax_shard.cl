/* Softmax + cross-entropy when the vocabulary is split into column shards on several
 * devices (the paper's 4 softmax GPUs). Each shard holds logits for target words
 * [v0, v0 + Vk). Pass one (softmax_shard_stats) gives per row and shard: the shard's max,
 * sum of exp(x - max), the target's logit when the target falls in the shard, and the
 * shard's best word and its logit. The shards exchange these rows (a few floats each);
 * pass two (softmax_shard_grad) combines all shards' statistics into the row's
 * log-sum-exp and overwrites the shard's logits with dL/dlogits = scale*mask*(p - onehot);
 * the shard with write_loss != 0 also writes the row's loss and accuracy.
 *   logits (N, Vk) in: h W_shard^T; after pass one exp(x - shard max); after pass two
 *          dlogits                                      bias (Vk) the shard's bias slice
 *   target (N) int32 global ids, mask (N)
 *   stats  (N, 5): max, sumexp, target logit (-INF if not in shard), best logit, best id
 *   all    (shards, N, 5): every shard's stats for these rows, shard-major; me = this
 *          shard's index in it
 * One work-group per row; local size S2S_XENT_WG (power of two). Built after
 * softmax_rows.cl (the row reductions). */

__kernel __attribute__((reqd_work_group_size(S2S_XENT_WG, 1, 1)))
void softmax_shard_stats(const int N, const int Vk, const int v0,
                         __global float *logits, const ulong logits_off,
                         __global const float *bias, const ulong bias_off,
                         __global const int *target, const ulong target_off,
                         __global float *stats, const ulong stats_off) {
  __local float red[S2S_XENT_WG];
  __local int arg[S2S_XENT_WG];
  const int n = get_group_id(0), lid = get_local_id(0); /* global size is N * WG */
  __global float *row = logits + logits_off + (size_t)n * Vk;
  bias += bias_off;
  float mx;
  int amax;
  s2s_row_max(row, bias, Vk, red, arg, &mx, &amax);
  const int t = target[target_off + n] - v0;
  const float xt = (t >= 0 && t < Vk) ? row[t] + bias[t] : -INFINITY; /* before the exps */
  barrier(CLK_GLOBAL_MEM_FENCE);
  const float sum = s2s_row_sumexp(row, bias, Vk, mx, red); /* row now holds exp(x - mx) */
  if (lid == 0) {
    __global float *st = stats + stats_off + (size_t)n * 5;
    st[0] = mx;
    st[1] = sum;
    st[2] = xt;
    st[3] = mx;
    st[4] = (float)(v0 + amax);
  }
}

__kernel __attribute__((reqd_work_group_size(S2S_XENT_WG, 1, 1)))
void softmax_shard_grad(const int N, const int Vk, const int v0, const int shards, const int me,
                        __global float *logits, const ulong logits_off,
                        __global const float *bias, const ulong bias_off,
                        __global const int *target, const ulong target_off,
                        __global const float *mask, const ulong mask_off,
                        __global const float *all, const ulong all_off,
                        const float scale, const int write_loss,
                        __global float *loss, const ulong loss_off,
                        __global float *correct, const ulong correct_off) {
  const int n = get_group_id(0), lid = get_local_id(0);
  __global float *row = logits + logits_off + (size_t)n * Vk;
  bias += bias_off;
  all += all_off;
  float M = -INFINITY;
  for (int k = 0; k < shards; k++) M = fmax(M, all[((size_t)k * N + n) * 5]);
  float S = 0.0f, xt = -INFINITY, best = -INFINITY, best_id = 0.0f;
  for (int k = 0; k < shards; k++) {
    __global const float *st = all + ((size_t)k * N + n) * 5;
    S += st[1] * exp(st[0] - M);
    xt = fmax(xt, st[2]);
    if (st[3] > best) { best = st[3]; best_id = st[4]; } /* shards in id order: ties -> low id */
  }
  const float lse = M + log(S);
  const int t = target[target_off + n];
  const float m = mask[mask_off + n];
  if (write_loss && lid == 0) {
    loss[loss_off + n] = m * (lse - xt);
    correct[correct_off + n] = m * ((int)best_id == t ? 1.0f : 0.0f);
  }
  const float k = scale * m;
  /* the row holds exp(x - mx_own) from pass one: p = that * exp(mx_own - lse) */
  const float f = exp(all[((size_t)me * N + n) * 5] - lse);
  for (int v = lid; v < Vk; v += S2S_XENT_WG)
    row[v] = k * (row[v] * f - (v0 + v == t ? 1.0f : 0.0f));
}

/* Softmax + cross-entropy over the target vocabulary, forward and backward fused, one
 * work-group per row (a target position). The logits come from CLBlast without the bias;
 * the kernel adds it, computes the row's max, log-sum-exp, loss and argmax, and overwrites
 * the logits with dL/dlogits = scale * mask * (softmax - onehot(target)) (one exp per
 * logit: the exponentials are kept in the row between the passes).
 *   logits (N, V) in: h W_out^T; out: dlogits     bias (V)
 *   target (N) int32, mask (N) 1.0 real / 0.0 padding, scale = 1/B
 *   loss (N) out: mask * -log p(target)   correct (N) out: mask * (argmax == target)
 * Ties in the argmax go to the lowest id. Local size S2S_XENT_WG (a power of two).
 * Built after softmax_rows.cl (the row reductions). */

__kernel __attribute__((reqd_work_group_size(S2S_XENT_WG, 1, 1)))
void softmax_xent(const int N, const int V,
                  __global float *logits, const ulong logits_off,
                  __global const float *bias, const ulong bias_off,
                  __global const int *target, const ulong target_off,
                  __global const float *mask, const ulong mask_off,
                  const float scale,
                  __global float *loss, const ulong loss_off,
                  __global float *correct, const ulong correct_off) {
  __local float red[S2S_XENT_WG];
  __local int arg[S2S_XENT_WG];
  const int n = get_group_id(0), lid = get_local_id(0); /* global size is N * WG */
  __global float *row = logits + logits_off + (size_t)n * V;
  bias += bias_off;

  float mx;
  int amax;
  s2s_row_max(row, bias, V, red, arg, &mx, &amax);
  const int t = target[target_off + n];
  const float m = mask[mask_off + n];
  const float xt = row[t] + bias[t]; /* read before the row turns into exponentials */
  barrier(CLK_GLOBAL_MEM_FENCE);
  const float sum = s2s_row_sumexp(row, bias, V, mx, red);
  const float lse = mx + log(sum);
  if (lid == 0) {
    loss[loss_off + n] = m * (lse - xt);
    correct[correct_off + n] = m * (amax == t ? 1.0f : 0.0f);
  }
  const float k = scale * m, inv = 1.0f / sum;
  for (int v = lid; v < V; v += S2S_XENT_WG)
    row[v] = k * (row[v] * inv - (v == t ? 1.0f : 0.0f));
}

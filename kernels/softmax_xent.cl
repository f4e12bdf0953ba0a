/* Softmax + cross-entropy over the target vocabulary, forward and backward fused, one
 * work-group per row (a target position). The logits come from CLBlast without the bias;
 * the kernel adds it, computes the row's max, log-sum-exp, loss and argmax, and overwrites
 * the logits with dL/dlogits = scale * mask * (softmax - onehot(target)).
 *   logits (N, V) in: h W_out^T; out: dlogits     bias (V)
 *   target (N) int32, mask (N) 1.0 real / 0.0 padding, scale = 1/B
 *   loss (N) out: mask * -log p(target)   correct (N) out: mask * (argmax == target)
 * Ties in the argmax go to the lowest id. Local size S2S_XENT_WG (a power of two). */

#ifndef S2S_XENT_WG
#define S2S_XENT_WG 256
#endif

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

  float best = -INFINITY;
  int best_id = V;
  for (int v = lid; v < V; v += S2S_XENT_WG) {
    const float x = row[v] + bias[v];
    if (x > best) { best = x; best_id = v; }
  }
  red[lid] = best;
  arg[lid] = best_id;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int s = S2S_XENT_WG / 2; s > 0; s >>= 1) {
    if (lid < s) {
      const float o = red[lid + s];
      const int oi = arg[lid + s];
      if (o > red[lid] || (o == red[lid] && oi < arg[lid])) { red[lid] = o; arg[lid] = oi; }
    }
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  const float mx = red[0];
  const int amax = arg[0];
  barrier(CLK_LOCAL_MEM_FENCE);

  float sum = 0.0f;
  for (int v = lid; v < V; v += S2S_XENT_WG) sum += exp(row[v] + bias[v] - mx);
  red[lid] = sum;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int s = S2S_XENT_WG / 2; s > 0; s >>= 1) {
    if (lid < s) red[lid] += red[lid + s];
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  const float lse = mx + log(red[0]);
  const int t = target[target_off + n];
  const float m = mask[mask_off + n];
  /* every work-item reads the target logit before anyone overwrites the row */
  const float xt = row[t] + bias[t];
  barrier(CLK_GLOBAL_MEM_FENCE);
  if (lid == 0) {
    loss[loss_off + n] = m * (lse - xt);
    correct[correct_off + n] = m * (amax == t ? 1.0f : 0.0f);
  }
  const float k = scale * m;
  for (int v = lid; v < V; v += S2S_XENT_WG) {
    const float p = exp(row[v] + bias[v] - lse);
    row[v] = k * (p - (v == t ? 1.0f : 0.0f));
  }
}

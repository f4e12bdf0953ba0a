/* Row reductions shared by softmax_xent.cl and softmax_shard.cl (built in front of them):
 * one work-group of S2S_XENT_WG work-items reduces one row of logits + bias.
 *   row (V) logits without bias, bias (V); red, arg: __local scratch of S2S_XENT_WG. */

#ifndef S2S_XENT_WG
#define S2S_XENT_WG 256
#endif

/* The row's largest logit and its id (ties go to the lowest id; V if the row is empty). */
inline void s2s_row_max(__global const float *row, __global const float *bias, const int V,
                        __local float *red, __local int *arg, float *mx, int *amax) {
  const int lid = get_local_id(0);
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
  *mx = red[0];
  *amax = arg[0];
  barrier(CLK_LOCAL_MEM_FENCE);
}

/* Sum over the row of e = exp(x - mx), leaving e in the row in place of the logit (so the
 * gradient pass needs no second exp). Read anything else of the row before calling. */
inline float s2s_row_sumexp(__global float *row, __global const float *bias, const int V,
                            const float mx, __local float *red) {
  const int lid = get_local_id(0);
  float sum = 0.0f;
  for (int v = lid; v < V; v += S2S_XENT_WG) {
    const float e = exp(row[v] + bias[v] - mx);
    row[v] = e;
    sum += e;
  }
  red[lid] = sum;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int s = S2S_XENT_WG / 2; s > 0; s >>= 1) {
    if (lid < s) red[lid] += red[lid + s];
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  const float total = red[0];
  barrier(CLK_LOCAL_MEM_FENCE);
  return total;
}

/* Sums (or sums of squares) of long float vectors in two passes: pass one gives one partial
 * per work-group (grid-stride loop, tree in local memory), pass two runs the same kernel
 * with one work-group over the partials. `accumulate` adds the result to out[out_off]
 * instead of overwriting it (losses summed over softmax chunks). Local size S2S_RED_WG.
 *   x (n) floats; out (groups) partials, or a single scalar in pass two. */

#ifndef S2S_RED_WG
#define S2S_RED_WG 256
#endif

__kernel __attribute__((reqd_work_group_size(S2S_RED_WG, 1, 1)))
void reduce_sum(const ulong n, __global const float *x, const ulong x_off, const int squares,
                __global float *out, const ulong out_off, const int accumulate) {
  __local float red[S2S_RED_WG];
  const int lid = get_local_id(0);
  float acc = 0.0f;
  x += x_off;
  for (ulong i = get_global_id(0); i < n; i += get_global_size(0)) {
    const float v = x[i];
    acc += squares ? v * v : v;
  }
  red[lid] = acc;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int s = S2S_RED_WG / 2; s > 0; s >>= 1) {
    if (lid < s) red[lid] += red[lid + s];
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  if (lid == 0) {
    __global float *o = out + out_off + get_group_id(0);
    *o = accumulate ? *o + red[0] : red[0];
  }
}

/* Column sums added into out: out[j] += sum over i < rows of x[i * cols + j], j < cols (the
 * bias gradients: dL/db = the column sums of dL/dgates, or of dL/dlogits). One work-item
 * per column, the rows in order, so neighbouring work-items read neighbouring words; a
 * GEMM against a vector of ones does the same at m = 1, where CLBlast ran at 0.3 GFLOP/s.
 *   x (rows, cols) at x_off; out (cols) at out_off. */
__kernel void column_sum(const ulong rows, const ulong cols, __global const float *x,
                         const ulong x_off, __global float *out, const ulong out_off) {
  const ulong j = get_global_id(0);
  if (j >= cols) return;
  x += x_off + j;
  float acc = 0.0f;
  for (ulong i = 0; i < rows; i++) acc += x[i * cols];
  out[out_off + j] += acc;
}

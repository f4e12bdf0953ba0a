/* The SGD update with global-norm clipping (the paper's: if s = ||g||2 > clip, g <- clip g/s)
 * in one pass over the parameter block, plus y += a*x for gradient hand-overs and the
 * gradient's zeroing before each step.
 * The squared norm is read from the device (scalars[norm2_index]) so no value goes through
 * the host between the reduction and the update. A non-finite norm leaves the parameters
 * untouched (the host stops the run and keeps the last good checkpoint).
 *   params, grads (n) floats; scalars: device scalars. */

__kernel void sgd_clip_update(const ulong n, __global float *params, const ulong p_off,
                              __global const float *grads, const ulong g_off,
                              __global const float *scalars, const int norm2_index,
                              const float lr, const float clip) {
  const ulong i = get_global_id(0);
  if (i >= n) return;
  const float norm = sqrt(scalars[norm2_index]);
  if (!isfinite(norm)) return;
  const float s = norm > clip ? clip / norm : 1.0f;
  params[p_off + i] -= lr * s * grads[g_off + i];
}

__kernel void axpy(const ulong n, const float a, __global const float *x, const ulong x_off,
                   __global float *y, const ulong y_off) {
  const ulong i = get_global_id(0);
  if (i >= n) return;
  y[y_off + i] += a * x[x_off + i];
}

/* x[x_off + i] = value, i < n: the gradient zeroed before each step. A kernel, not
 * clEnqueueFillBuffer: Intel's CPU runtime filled the small preset's 58 MB gradient in
 * 33 ms, 8x what sgd_clip_update takes to read and write as much (PoCL: 8 ms). */
__kernel void fill_floats(const ulong n, const float value, __global float *x,
                          const ulong x_off) {
  const ulong i = get_global_id(0);
  if (i >= n) return;
  x[x_off + i] = value;
}

/* LSTM cell, forward and backward, fused per (sentence b, cell j): one work-item each,
 * global size B*H. The gate pre-activations come from CLBlast (x W_ih^T + h W_hh^T); the
 * kernel adds the bias, applies the nonlinearities and the cell update, and keeps the
 * activated gates in place of the pre-activations for the backward pass.
 * Gate order (i, f, g, o) in blocks of H: gates[b*4H + k*H + j]. A masked sentence
 * (mask[b] == 0, padding) carries (h, c) through unchanged and gets no gate gradient.
 * Every buffer comes as (pointer, offset in floats).
 *   gates  (B, 4H) in: pre-activations without bias; out: activated gates (forward)
 *   bias   (4H)
 *   c_prev, h_prev, c, h  (B, H)
 *   mask   (B)     1.0 real token, 0.0 padding
 *   backward: act (B, 4H) in: activated gates; out: d pre-activation (in place)
 *             dh (B, H) total dL/dh_t; dc (B, H) in dL/dc_t, out dL/dc_{t-1};
 *             dh_prev (B, H) accumulates the part of dL/dh_{t-1} that bypasses W_hh. */

inline float s2s_sigmoid(float x) { return 1.0f / (1.0f + exp(-x)); }

__kernel void lstm_cell_forward(const int B, const int H,
                                __global float *gates, const ulong gates_off,
                                __global const float *bias, const ulong bias_off,
                                __global const float *c_prev, const ulong c_prev_off,
                                __global const float *h_prev, const ulong h_prev_off,
                                __global const float *mask, const ulong mask_off,
                                __global float *c, const ulong c_off,
                                __global float *h, const ulong h_off) {
  const int gid = get_global_id(0);
  if (gid >= B * H) return;
  const int b = gid / H, j = gid - b * H;
  __global float *g4 = gates + gates_off + (size_t)b * 4 * H + j;
  bias += bias_off + j;
  const float i = s2s_sigmoid(g4[0] + bias[0]);
  const float f = s2s_sigmoid(g4[H] + bias[H]);
  const float g = tanh(g4[2 * H] + bias[2 * H]);
  const float o = s2s_sigmoid(g4[3 * H] + bias[3 * H]);
  g4[0] = i;
  g4[H] = f;
  g4[2 * H] = g;
  g4[3 * H] = o;
  const float cp = c_prev[c_prev_off + gid];
  float cn = f * cp + i * g;
  float hn = o * tanh(cn);
  if (mask[mask_off + b] == 0.0f) {
    cn = cp;
    hn = h_prev[h_prev_off + gid];
  }
  c[c_off + gid] = cn;
  h[h_off + gid] = hn;
}

__kernel void lstm_cell_backward(const int B, const int H,
                                 __global float *act, const ulong act_off,
                                 __global const float *c_prev, const ulong c_prev_off,
                                 __global const float *c, const ulong c_off,
                                 __global const float *mask, const ulong mask_off,
                                 __global const float *dh, const ulong dh_off,
                                 __global float *dc, const ulong dc_off,
                                 __global float *dh_prev, const ulong dh_prev_off) {
  const int gid = get_global_id(0);
  if (gid >= B * H) return;
  const int b = gid / H, j = gid - b * H;
  __global float *a4 = act + act_off + (size_t)b * 4 * H + j;
  const float dht = dh[dh_off + gid];
  if (mask[mask_off + b] == 0.0f) {
    /* padding: the state went through unchanged, so does its gradient */
    a4[0] = 0.0f;
    a4[H] = 0.0f;
    a4[2 * H] = 0.0f;
    a4[3 * H] = 0.0f;
    dh_prev[dh_prev_off + gid] += dht;
    return;
  }
  const float i = a4[0], f = a4[H], g = a4[2 * H], o = a4[3 * H];
  const float tc = tanh(c[c_off + gid]);
  const float dct = dc[dc_off + gid] + dht * o * (1.0f - tc * tc);
  a4[0] = dct * g * i * (1.0f - i);
  a4[H] = dct * c_prev[c_prev_off + gid] * f * (1.0f - f);
  a4[2 * H] = dct * i * (1.0f - g * g);
  a4[3 * H] = dht * tc * o * (1.0f - o);
  dc[dc_off + gid] = dct * f;
}

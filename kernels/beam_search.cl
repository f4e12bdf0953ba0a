/* Beam search on the device (the rules are model/beam_search.h's): per decoder step,
 * beam_topk turns each hypothesis row's logits into log-probabilities and keeps the row's
 * K best non-<eos> candidates (and its <eos> candidate); beam_select walks the K*(K+1)
 * candidates of each sentence in ranking order and refills the beam; gather_rows moves
 * the LSTM state rows to their new hypotheses. Rows are R = S*K: row s*K + j is beam
 * slot j of sentence s. A candidate ranks above another when its score is higher, then
 * its row is lower, then its word id is lower. Scores are -INFINITY for empty slots.
 * Buffers come as (pointer, offset in elements). S2S_BEAM_K (the beam width, 1..64) and
 * S2S_BEAM_WG (beam_topk's work-group size, a power of two) are set by the host. */

#ifndef S2S_BEAM_K
#define S2S_BEAM_K 4
#endif
#ifndef S2S_BEAM_WG
#define S2S_BEAM_WG 128
#endif
#define S2S_EOS 1
#define S2S_NO_WORD 0x7fffffff

/* (sa, wa) ranks above (sb, wb): higher score, then lower id (rows are compared apart). */
inline int s2s_beam_above(float sa, int wa, float sb, int wb) {
  return sa > sb || (sa == sb && wa < wb);
}

/* One work-group per row (global size R * S2S_BEAM_WG).
 *   logits     (R, V) h_top W_out^T, without the bias
 *   bias       (V)
 *   beam_score (R) the row's hypothesis score; -INFINITY: empty slot (no candidates)
 *   cand_score (R, K) out: beam_score + log p(w) of the row's K best words w != <eos>,
 *              best first (ties: lower id); -INFINITY past the last one
 *   cand_word  (R, K) out: those w (int32), -1 past the last one
 *   eos_score  (R) out: beam_score + log p(<eos>)
 * log p(w) = (z_w + b_w) - m - log(sum_v exp(z_v + b_v - m)), m the row maximum. */
__kernel __attribute__((reqd_work_group_size(S2S_BEAM_WG, 1, 1)))
void beam_topk(const int R, const int V,
               __global const float *logits, const ulong logits_off,
               __global const float *bias, const ulong bias_off,
               __global const float *beam_score, const ulong beam_score_off,
               __global float *cand_score, const ulong cand_score_off,
               __global int *cand_word, const ulong cand_word_off,
               __global float *eos_score, const ulong eos_score_off) {
  __local float red[S2S_BEAM_WG];
  __local int red_id[S2S_BEAM_WG];
  __local int red_lid[S2S_BEAM_WG];
  const int r = get_group_id(0), lid = get_local_id(0);
  __global const float *z = logits + logits_off + (size_t)r * V;
  bias += bias_off;

  float mx = -INFINITY;
  for (int v = lid; v < V; v += S2S_BEAM_WG) mx = fmax(mx, z[v] + bias[v]);
  red[lid] = mx;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int s = S2S_BEAM_WG / 2; s > 0; s >>= 1) {
    if (lid < s) red[lid] = fmax(red[lid], red[lid + s]);
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  mx = red[0];
  barrier(CLK_LOCAL_MEM_FENCE);
  float sum = 0.0f;
  for (int v = lid; v < V; v += S2S_BEAM_WG) sum += exp(z[v] + bias[v] - mx);
  red[lid] = sum;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int s = S2S_BEAM_WG / 2; s > 0; s >>= 1) {
    if (lid < s) red[lid] += red[lid + s];
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  const float lse = mx + log(red[0]);
  const float base = beam_score[beam_score_off + r];
  const int live = base > -INFINITY;

  /* each work-item: its own sorted best-K over words lid, lid + WG, ... */
  float ps[S2S_BEAM_K];
  int pw[S2S_BEAM_K];
  int n = 0;
  for (int v = lid; v < V && live; v += S2S_BEAM_WG) {
    if (v == S2S_EOS) continue;
    const float x = base + ((z[v] + bias[v]) - lse);
    if (n == S2S_BEAM_K && !s2s_beam_above(x, v, ps[n - 1], pw[n - 1])) continue;
    int k = n < S2S_BEAM_K ? n++ : S2S_BEAM_K - 1;
    for (; k > 0 && s2s_beam_above(x, v, ps[k - 1], pw[k - 1]); k--) {
      ps[k] = ps[k - 1];
      pw[k] = pw[k - 1];
    }
    ps[k] = x;
    pw[k] = v;
  }

  /* K rounds: the best head among the work-items' lists wins and its owner advances */
  int head = 0;
  for (int k = 0; k < S2S_BEAM_K; k++) {
    barrier(CLK_LOCAL_MEM_FENCE);
    red[lid] = head < n ? ps[head] : -INFINITY;
    red_id[lid] = head < n ? pw[head] : S2S_NO_WORD;
    red_lid[lid] = lid;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = S2S_BEAM_WG / 2; s > 0; s >>= 1) {
      if (lid < s && s2s_beam_above(red[lid + s], red_id[lid + s], red[lid], red_id[lid])) {
        red[lid] = red[lid + s];
        red_id[lid] = red_id[lid + s];
        red_lid[lid] = red_lid[lid + s];
      }
      barrier(CLK_LOCAL_MEM_FENCE);
    }
    const int found = red_id[0] != S2S_NO_WORD;
    if (found && red_lid[0] == lid) head++;
    if (lid == 0) {
      cand_score[cand_score_off + (size_t)r * S2S_BEAM_K + k] = found ? red[0] : -INFINITY;
      cand_word[cand_word_off + (size_t)r * S2S_BEAM_K + k] = found ? red_id[0] : -1;
    }
  }
  if (lid == 0)
    eos_score[eos_score_off + r] =
        live ? base + ((z[S2S_EOS] + bias[S2S_EOS]) - lse) : -INFINITY;
}

/* One work-item per sentence s (global size S): walks the sentence's candidates in
 * ranking order (each row's list is already sorted, so this is a K-way merge), sends
 * <eos> candidates to the finished set and makes the others the new beam until K are
 * live. Only the first candidate to finish in a step can beat the sentence's best (all
 * finish with the same token count t+1), so only it is compared.
 *   t           the step (0-based); length_norm: 1 divides finished scores by t+1
 *   max_len     (S) int32: steps allowed; at step max_len-1 live candidates finish too
 *   beam_score  (R) out: the new beam's scores (-INFINITY for empty slots)
 *   step_out    int32 (2R + 2S), read by the host every step:
 *                 word   [0, R)        new beam's last words (the next step's input ids)
 *                 parent [R, 2R)       row each new slot extends (state gather index)
 *                 event  [2R, 2R+S)    -1; j: row j's <eos> candidate is the new best;
 *                                      K+n: new slot n, finished at max_len, is
 *                 done   [2R+S, 2R+2S) in/out: 1 once the sentence is decided
 *   best        (S) in/out: best finished score so far (-INFINITY: none) */
__kernel void beam_select(const int S, const int t, const int length_norm,
                          __global const float *cand_score, const ulong cand_score_off,
                          __global const int *cand_word, const ulong cand_word_off,
                          __global const float *eos_score, const ulong eos_score_off,
                          __global const int *max_len, const ulong max_len_off,
                          __global float *beam_score, const ulong beam_score_off,
                          __global int *step_out, const ulong step_out_off,
                          __global float *best, const ulong best_off) {
  const int s = get_global_id(0);
  if (s >= S) return;
  const int K = S2S_BEAM_K, R = S * K, b0 = s * K;
  cand_score += cand_score_off;
  cand_word += cand_word_off;
  eos_score += eos_score_off;
  beam_score += beam_score_off;
  __global int *word = step_out + step_out_off, *parent = word + R;
  __global int *event = parent + R, *done = event + S;
  const int last = t >= max_len[max_len_off + s] - 1;

  int ptr[S2S_BEAM_K];
  ulong eos_taken = 0; /* bit j: row j's <eos> candidate was walked past */
  for (int j = 0; j < K; j++) ptr[j] = 0;
  int live = 0, first = -1;
  float first_score = -INFINITY;
  while (!done[s] && live < K) {
    float bs = -INFINITY;
    int bj = -1, bw = 0;
    for (int j = 0; j < K; j++) {
      const int row = b0 + j; /* rows in order: a tie keeps the lower row */
      if (ptr[j] < K) {
        const float x = cand_score[(size_t)row * K + ptr[j]];
        const int w = cand_word[(size_t)row * K + ptr[j]];
        if (x > -INFINITY && (bj < 0 || x > bs || (x == bs && j == bj && w < bw))) {
          bs = x, bj = j, bw = w;
        }
      }
      if (!((eos_taken >> j) & 1)) {
        const float x = eos_score[row];
        if (x > -INFINITY && (bj < 0 || x > bs || (x == bs && j == bj && S2S_EOS < bw))) {
          bs = x, bj = j, bw = S2S_EOS;
        }
      }
    }
    if (bj < 0) break;
    if (bw == S2S_EOS) {
      eos_taken |= (ulong)1 << bj;
      if (first < 0) first = bj, first_score = bs;
    } else {
      ptr[bj]++;
      if (last && first < 0) first = K + live, first_score = bs;
      beam_score[b0 + live] = bs;
      word[b0 + live] = bw;
      parent[b0 + live] = b0 + bj;
      live++;
    }
  }
  for (int n = live; n < K; n++) {
    beam_score[b0 + n] = -INFINITY;
    word[b0 + n] = S2S_EOS;
    parent[b0 + n] = b0; /* any real row: keeps the state finite */
  }
  event[s] = -1;
  if (!done[s]) {
    float bst = best[best_off + s];
    if (first >= 0) {
      const float sc = length_norm ? first_score / (float)(t + 1) : first_score;
      if (sc > bst) {
        bst = sc;
        best[best_off + s] = sc;
        event[s] = first;
      }
    }
    const float top = beam_score[b0];
    const float bound = length_norm ? top / (float)max_len[max_len_off + s] : top;
    if (last || live == 0 || (bst > -INFINITY && bst >= bound)) done[s] = 1;
  }
}

/* Row gather in G groups: dst[(g*Rd + r)*W + i] = src[(g*Rs + idx[r])*W + i] for g < G,
 * r < Rd, i < W. Reordering the beam: G = 2L state blocks (h and c per layer), Rd = Rs = R,
 * idx = the parents. Broadcasting the encoder's final state: G = 1, Rs = S, idx[r] = r/K.
 * One work-item per element (global size G*Rd*W). */
__kernel void gather_rows(const int G, const int Rd, const int Rs, const int W,
                          __global const float *src, const ulong src_off,
                          __global const int *idx, const ulong idx_off,
                          __global float *dst, const ulong dst_off) {
  const size_t gid = get_global_id(0);
  if (gid >= (size_t)G * Rd * W) return;
  const size_t i = gid % W, q = gid / W;
  const size_t r = q % Rd, g = q / Rd;
  dst[dst_off + gid] = src[src_off + (g * Rs + idx[idx_off + r]) * W + i];
}

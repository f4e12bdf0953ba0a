/* Embedding lookup (gather), its gradient (scatter-add), and rows set from a packed block
 * (the data-parallel all-reduce's sparse rows), for the source and target tables. The backward is deterministic: one work-item per embedding column walks the
 * tokens in order, so repeated words add up in the same order on every run (resumed runs
 * reproduce uninterrupted ones bit for bit).
 *   table (V, E), ids (N) int32 token ids, out / dout (N, E), dtable (V, E) accumulated;
 *   rows_set: ids (N) distinct rows, src (N, E), table rows ids[n] <- src[n]. */

__kernel void embedding_forward(const int N, const int E,
                                __global const float *table, const ulong table_off,
                                __global const int *ids, const ulong ids_off,
                                __global float *out, const ulong out_off) {
  const int gid = get_global_id(0);
  if (gid >= N * E) return;
  const int n = gid / E, e = gid - n * E;
  out[out_off + gid] = table[table_off + (size_t)ids[ids_off + n] * E + e];
}

__kernel void embedding_backward(const int N, const int E,
                                 __global const int *ids, const ulong ids_off,
                                 __global const float *dout, const ulong dout_off,
                                 __global float *dtable, const ulong dtable_off) {
  const int e = get_global_id(0);
  if (e >= E) return;
  dout += dout_off + e;
  dtable += dtable_off + e;
  ids += ids_off;
  for (int n = 0; n < N; n++) dtable[(size_t)ids[n] * E] += dout[(size_t)n * E];
}

__kernel void embedding_rows_set(const int N, const int E,
                                 __global const int *ids, const ulong ids_off,
                                 __global const float *src, const ulong src_off,
                                 __global float *table, const ulong table_off) {
  const int gid = get_global_id(0);
  if (gid >= N * E) return;
  const int n = gid / E, e = gid - n * E;
  table[table_off + (size_t)ids[ids_off + n] * E + e] = src[src_off + gid];
}

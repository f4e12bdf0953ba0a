/* Parameter layout: all parameters live in one block of floats addressed by offsets (in
 * elements). The same layout indexes the host copy, the device buffer, the gradient block,
 * the CPU reference (in double) and the checkpoint. Row-major matrices, PyTorch's
 * convention for LSTMs: gates = x W_ih^T + h W_hh^T + bias, gate order (i, f, g, o). */
#ifndef S2S_PARAMS_H
#define S2S_PARAMS_H

#include "config.h"

typedef struct s2s_lstm_offsets {
  size_t w_ih;  /* (4H, Ein)  Ein = E for layer 0, H above */
  size_t w_hh;  /* (4H, H) */
  size_t bias;  /* (4H) */
  int in;       /* Ein */
} s2s_lstm_offsets;

typedef struct s2s_param_layout {
  size_t src_emb;                       /* (Vs, E) */
  size_t tgt_emb;                       /* (Vt, E) */
  s2s_lstm_offsets enc[S2S_MAX_LAYERS]; /* encoder layers 0..L-1 */
  s2s_lstm_offsets dec[S2S_MAX_LAYERS]; /* decoder layers 0..L-1 */
  size_t out_w;                         /* (Vt, H) softmax weights, row v = word v */
  size_t out_b;                         /* (Vt) softmax bias */
  size_t total;                         /* elements in the block */
} s2s_param_layout;

void s2s_params_layout(s2s_param_layout *lay, const s2s_config *c);

/* U(-c->init_scale, c->init_scale) over the whole block from a counter-based generator:
 * element i depends only on (seed, i), so every machine gets the same parameters. */
void s2s_params_init(float *p, const s2s_param_layout *lay, const s2s_config *c, uint64_t seed);

/* Named parameter groups, for reports and per-group gradient checks. */
typedef struct s2s_param_group {
  char name[32];
  size_t offset, count;
} s2s_param_group;
/* Fills up to max groups in layout order; returns how many there are. */
int s2s_params_groups(const s2s_param_layout *lay, const s2s_config *c, s2s_param_group *g, int max);

#endif

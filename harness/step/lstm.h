/* One LSTM layer forward on a device, the only one: the training step (with the wavefront's
 * per-step fetches and posts as hooks) and the beam-search decoder (its encoder over the
 * source, its decoder one step at a time) both run it. One product layout: the forward
 * products are NN GEMMs on the weights transposed once per parameter change (NN ran up to
 * 3x faster than NT in CLBlast on PoCL at the gate shapes). */
#ifndef S2S_STEP_LSTM_H
#define S2S_STEP_LSTM_H

#include "cl/kernels.h"

typedef struct s2s_cl_lstm {
  s2s_device *dev;
  s2s_kernels *k;
  int H, in;       /* cells, input width */
  s2s_buf wt_ih;   /* (in, 4H) W_ih transposed */
  s2s_buf wt_hh;   /* (H, 4H) W_hh transposed */
  s2s_buf bias;    /* (4H) */
} s2s_cl_lstm;

/* Per-step hooks of a layer that another device feeds or that feeds another device. */
typedef struct s2s_cl_lstm_hooks {
  void *ctx;
  /* Before step t: the step's input x_t (B, in) as this device can read it. When set, the
   * input product is done step by step instead of batched over time. */
  int (*input)(void *ctx, int t, s2s_buf *xt);
  /* After step t: its output h_{t+1} (B, H), e.g. to post to the next device. */
  int (*output)(void *ctx, int t, s2s_buf ht);
} s2s_cl_lstm_hooks;

/* Transposes W_ih (4H, in) and W_hh (4H, H) at w_ih, w_hh into l->wt_ih, l->wt_hh. */
int s2s_cl_lstm_transpose(const s2s_cl_lstm *l, s2s_buf w_ih, s2s_buf w_hh);

/* gates (rows, 4H) = x (rows, in) W_ih^T. */
int s2s_cl_lstm_input(const s2s_cl_lstm *l, size_t rows, s2s_buf x, s2s_buf gates);

/* One step for `rows` rows: gates += h W_hh^T, then the cell: (c, h) -> (c_next, h_next);
 * a row whose mask is 0 carries its state through unchanged. */
int s2s_cl_lstm_step(const s2s_cl_lstm *l, int rows, s2s_buf gates, s2s_buf h, s2s_buf c,
                     s2s_buf mask, s2s_buf h_next, s2s_buf c_next);

/* The layer over T steps of B rows: h, c (T+1, B, H) with slot 0 the initial state; act
 * (T, B, 4H) keeps the gates for the backward pass; mask (T, B); x (T, B, in) unless
 * hooks->input gives each step's input. hooks may be NULL. */
int s2s_cl_lstm_forward(const s2s_cl_lstm *l, int T, int B, s2s_buf x, s2s_buf mask, s2s_buf h,
                        s2s_buf c, s2s_buf act, const s2s_cl_lstm_hooks *hooks);

#endif

/* The device LSTM layer forward (lstm.h): CLBlast GEMMs for the gate products, the fused
 * cell kernel of kernels/lstm_cell.cl for the rest. */
#include "step/lstm.h"

#include "blas/gemm.h"
#include "cl/status.h"

#define NN S2S_NO_TRANS

int s2s_cl_lstm_transpose(const s2s_cl_lstm *l, s2s_buf w_ih, s2s_buf w_hh) {
  const size_t H = (size_t)l->H, G = 4 * H, in = (size_t)l->in;
  S2S_TRY(s2s_transpose(l->dev, G, in, w_ih, in, l->wt_ih, G));
  return s2s_transpose(l->dev, G, H, w_hh, H, l->wt_hh, G);
}

int s2s_cl_lstm_input(const s2s_cl_lstm *l, size_t rows, s2s_buf x, s2s_buf gates) {
  const size_t G = 4 * (size_t)l->H, in = (size_t)l->in;
  return s2s_gemm(l->dev, NN, NN, rows, G, in, 1.0f, x, in, l->wt_ih, G, 0.0f, gates, G, NULL);
}

int s2s_cl_lstm_step(const s2s_cl_lstm *l, int rows, s2s_buf gates, s2s_buf h, s2s_buf c,
                     s2s_buf mask, s2s_buf h_next, s2s_buf c_next) {
  const size_t H = (size_t)l->H, G = 4 * H;
  S2S_TRY(s2s_gemm(l->dev, NN, NN, (size_t)rows, G, H, 1.0f, h, H, l->wt_hh, G, 1.0f, gates, G,
                   NULL));
  return s2s_cl_lstm_cell_forward(l->k, rows, l->H, gates, l->bias, c, h, mask, c_next, h_next);
}

int s2s_cl_lstm_forward(const s2s_cl_lstm *l, int T, int B, s2s_buf x, s2s_buf mask, s2s_buf h,
                        s2s_buf c, s2s_buf act, const s2s_cl_lstm_hooks *hooks) {
  const size_t BH = (size_t)B * l->H, BG = 4 * BH;
  const int per_step_input = hooks && hooks->input;
  if (!per_step_input) S2S_TRY(s2s_cl_lstm_input(l, (size_t)T * B, x, act));
  for (int t = 0; t < T; t++) {
    s2s_buf gates = s2s_buf_at(act, (size_t)t * BG);
    if (per_step_input) {
      s2s_buf xt;
      S2S_TRY(hooks->input(hooks->ctx, t, &xt));
      S2S_TRY(s2s_cl_lstm_input(l, (size_t)B, xt, gates));
    }
    S2S_TRY(s2s_cl_lstm_step(l, B, gates, s2s_buf_at(h, t * BH), s2s_buf_at(c, t * BH),
                             s2s_buf_at(mask, (size_t)t * B), s2s_buf_at(h, (t + 1) * BH),
                             s2s_buf_at(c, (t + 1) * BH)));
    if (hooks && hooks->output) S2S_TRY(hooks->output(hooks->ctx, t, s2s_buf_at(h, (t + 1) * BH)));
  }
  return 0;
}

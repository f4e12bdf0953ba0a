/* One LSTM layer over T time steps, CPU reference in double, and the dense products it is
 * built from. Forward saves the tape (act, c, h at every step); backward runs BPTT over it.
 * Layouts are time-major: x (T, B, In), h and c (T, B, H), act (T, B, 4H) with gate order
 * (i, f, g, o). Weights follow params.h: w_ih (4H, In), w_hh (4H, H), bias (4H). */
#ifndef S2S_LSTM_H
#define S2S_LSTM_H

#include <stddef.h>

/* Dense layer y = x W^T + b, the product behind the gates and the softmax logits.
 * accumulate = 0: y is overwritten; 1: the product is added to y. b may be NULL. */
void s2s_linear_forward(int N, int In, int Out, const double *x /* (N, In) */,
                        const double *w /* (Out, In) */, const double *b /* (Out) or NULL */,
                        int accumulate, double *y /* (N, Out) */);

/* Its gradients, all accumulated: dx += dy W, dw += dy^T x, db += sum_n dy. Any of dx,
 * dw, db may be NULL. */
void s2s_linear_backward(int N, int In, int Out, const double *x /* (N, In) */,
                         const double *w /* (Out, In) */, const double *dy /* (N, Out) */,
                         double *dx /* (N, In) += or NULL */, double *dw /* (Out, In) += or NULL */,
                         double *db /* (Out) += or NULL */);

/* Forward over t = 0..T-1 from the initial state (h0, c0) (NULL = zeros):
 * gates_t = x_t W_ih^T + h_{t-1} W_hh^T + bias, then the cell of lstm_cell.h with mask row
 * t. The final state is (h[T-1], c[T-1]). */
void s2s_lstm_forward(int T, int B, int In, int H, const double *x /* (T, B, In) */,
                      const double *mask /* (T, B) or NULL = all 1 */,
                      const double *h0 /* (B, H) or NULL */, const double *c0 /* (B, H) or NULL */,
                      const double *w_ih /* (4H, In) */, const double *w_hh /* (4H, H) */,
                      const double *bias /* (4H) */,
                      double *act /* (T, B, 4H) out */, double *c /* (T, B, H) out */,
                      double *h /* (T, B, H) out */);

/* Doubles of scratch s2s_lstm_backward needs. */
size_t s2s_lstm_work_size(int B, int H);

/* Backward through time. The loss reaches the layer through dh_seq (dL/dh_t from the
 * layer above or the softmax, not counting the recurrence; NULL = 0) and through the
 * final state (dh_last, dc_last: dL/dh_{T-1}, dL/dc_{T-1} from whoever reads it, e.g.
 * the decoder layer this encoder layer hands over to; NULL = 0). Gives dx (overwritten),
 * the weight gradients (accumulated +=) and dL/d(h0, c0) (overwritten). Outputs may be
 * NULL when not wanted; work holds s2s_lstm_work_size(B, H) doubles. */
void s2s_lstm_backward(int T, int B, int In, int H, const double *x /* (T, B, In) */,
                       const double *mask /* (T, B) or NULL */,
                       const double *h0 /* (B, H) or NULL */, const double *c0 /* (B, H) or NULL */,
                       const double *w_ih /* (4H, In) */, const double *w_hh /* (4H, H) */,
                       const double *act /* (T, B, 4H) */, const double *c /* (T, B, H) */,
                       const double *h /* (T, B, H) */,
                       const double *dh_seq /* (T, B, H) or NULL */,
                       const double *dh_last /* (B, H) or NULL */,
                       const double *dc_last /* (B, H) or NULL */,
                       double *dx /* (T, B, In) out or NULL */,
                       double *dw_ih /* (4H, In) += */, double *dw_hh /* (4H, H) += */,
                       double *dbias /* (4H) += */,
                       double *dh0 /* (B, H) out or NULL */, double *dc0 /* (B, H) out or NULL */,
                       double *work /* s2s_lstm_work_size(B, H) */);

#endif

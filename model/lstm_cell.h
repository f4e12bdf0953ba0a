/* One LSTM time step after the matrix products, CPU reference in double: the twin of the
 * device cell kernels. Gate layout per row: [i | f | g | o], H each (PyTorch's order);
 * i, f, o are sigmoids, g is tanh; c = f*c_prev + i*g; h = o*tanh(c). A masked row
 * (mask 0) carries the state through: h = h_prev, c = c_prev. Masks are 0 or 1. */
#ifndef S2S_LSTM_CELL_H
#define S2S_LSTM_CELL_H

/* act is computed for every row, masked or not (the backward ignores masked rows). */
void s2s_lstm_cell_forward(int B, int H,
                           const double *gates /* (B, 4H) pre-activations incl. bias */,
                           const double *c_prev /* (B, H) */,
                           const double *h_prev /* (B, H) */,
                           const double *mask /* (B) or NULL = all 1 */,
                           double *act /* (B, 4H) out: activated i, f, g, o */,
                           double *c /* (B, H) out */,
                           double *h /* (B, H) out */);

/* Given dh = total dL/dh_t (from above and from step t+1) and dc = dL/dc_t from step
 * t+1, gives dL/d(pre-activation gates), dL/dc_{t-1} (in place in dc) and the part of
 * dL/dh_{t-1} that does not go through W_hh: dh for a masked row (the carried state),
 * 0 otherwise. A masked row has dgates = 0 and leaves dc unchanged. */
void s2s_lstm_cell_backward(int B, int H,
                            const double *act /* (B, 4H) from the forward */,
                            const double *c_prev /* (B, H) */,
                            const double *c /* (B, H) */,
                            const double *mask /* (B) or NULL = all 1 */,
                            const double *dh /* (B, H) total dL/dh_t */,
                            double *dc /* (B, H) in: dL/dc_t (0 at the last step); out: dL/dc_{t-1} */,
                            double *dgates /* (B, 4H) out */,
                            double *dh_prev /* (B, H) out: dh if masked else 0 */);

#endif

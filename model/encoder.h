/* The encoder forward in double, the only one: the reference training step keeps its tape
 * for the backward pass, the reference beam search keeps its final state. */
#ifndef S2S_ENCODER_H
#define S2S_ENCODER_H

#include <stdint.h>

#include "config.h"
#include "params.h"

/* Embeds src (T, B) into x (T, B, E), then runs the L encoder layers from the zero state:
 * layer l writes act[l] (T, B, 4H), c[l] and h[l] (T, B, H); layer l+1 reads h[l]. mask
 * (T, B) or NULL (all 1). Layer l's final state is (h[l], c[l]) at step T-1. */
void s2s_encoder_forward(const s2s_config *c, const s2s_param_layout *lay, const double *p, int T,
                         int B, const int32_t *src, const double *mask, double *x,
                         double *const *act, double *const *cs, double *const *h);

#endif

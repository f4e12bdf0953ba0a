/* The encoder forward (encoder.h). */
#include "encoder.h"

#include "embedding.h"
#include "lstm.h"

void s2s_encoder_forward(const s2s_config *c, const s2s_param_layout *lay, const double *p, int T,
                         int B, const int32_t *src, const double *mask, double *x,
                         double *const *act, double *const *cs, double *const *h) {
  s2s_embedding_forward(T * B, c->embed, p + lay->src_emb, src, x); /* (T, B, E) */
  for (int l = 0; l < c->layers; l++) {
    const s2s_lstm_offsets *o = &lay->enc[l];
    const double *in = l == 0 ? x : h[l - 1]; /* (T, B, In) */
    s2s_lstm_forward(T, B, o->in, c->hidden, in, mask, NULL, NULL, p + o->w_ih, p + o->w_hh,
                     p + o->bias, act[l], cs[l], h[l]);
  }
}

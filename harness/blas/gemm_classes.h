/* The shape classes of the training step's GEMMs: one entry per kind of product that
 * train_step.c and train_step_softmax.c issue, at the shapes a config and a sentence
 * length give. `bench gemm` times them; `tune` chooses CLBlast parameters per class and
 * every later product on the device uses the class nearest to its shape (tuning.h). */
#ifndef S2S_GEMM_CLASSES_H
#define S2S_GEMM_CLASSES_H

#include <stddef.h>

#include "blas/gemm.h"
#include "model/config.h"

#define S2S_GEMM_MAX_CLASSES 12

typedef struct s2s_gemm_class {
  const char *name; /* "gates_h" */
  s2s_trans ta, tb;
  size_t m, n, k;
  double per_step; /* products of this class in one training step (about: 2L per layer kind,
                      2LT per-step recurrent ones; the weights of tune's choice) */
} s2s_gemm_class;

/* The step's classes for cfg at len words per sentence (N = len * B rows; the softmax rows
 * R are capped so that logits and their gradient fit max_alloc, 0 = no cap): gates_x,
 * gates_h, gates_dh, gates_dx, gates_dw, softmax_fwd, softmax_dh, softmax_dw. Returns the
 * count (at most S2S_GEMM_MAX_CLASSES). */
int s2s_gemm_step_classes(const s2s_config *cfg, long len, size_t max_alloc, s2s_gemm_class *out);

/* The class of cs[0..n) by name, NULL when there is none. */
const s2s_gemm_class *s2s_gemm_class_named(const s2s_gemm_class *cs, int n, const char *name);

/* Stored leading dimensions of op(A) (m, k) and op(B) (k, n), row-major and tight. */
static inline size_t s2s_gemm_class_lda(const s2s_gemm_class *c) {
  return c->ta == S2S_TRANS ? c->m : c->k;
}
static inline size_t s2s_gemm_class_ldb(const s2s_gemm_class *c) {
  return c->tb == S2S_TRANS ? c->k : c->n;
}

#endif

/* The whole training step on a device against the CPU reference (model/reference.c): loss,
 * every gradient group, gradient norm, the clipped SGD update, and five consecutive steps,
 * on odd sizes with padded sentences. Float on the device vs double in the reference. */
#include <math.h>

#include "model/optimizer.h"
#include "model/reference.h"
#include "test_device_util.h"
#include "step/train_step.h"

static s2s_config test_config(void) {
  s2s_config c;
  s2s_config_preset(&c, "tiny");
  c.layers = 2, c.hidden = 7, c.embed = 6, c.src_vocab = 11, c.tgt_vocab = 13;
  c.batch = 3, c.max_len = 5;
  c.init_scale = 0.3f; /* larger than the paper's 0.08 so every path carries signal */
  c.clip = 5.0f;
  return c;
}

/* Three sentences of different lengths: padding on both sides, one full-length source. */
static void make_batch(s2s_batch *b, int variant) {
  static const int32_t s0[] = {2, 3, 4, 5, 6}, s1[] = {7, 8}, s2[] = {9, 10, 2, 5};
  static const int32_t t0[] = {12, 3, 4}, t1[] = {5, 6, 7, 8, 9}, t2[] = {10};
  b->T_src = 5, b->T_tgt = 6, b->B = 3;
  s2s_batch_clear(b);
  if (variant % 2 == 0) {
    s2s_batch_set(b, 0, s0, 5, t0, 3);
    s2s_batch_set(b, 1, s1, 2, t1, 5);
    s2s_batch_set(b, 2, s2, 4, t2, 1);
  } else {
    s2s_batch_set(b, 0, s2, 4, t1, 5);
    s2s_batch_set(b, 1, s0, 5, t2, 1);
    s2s_batch_set(b, 2, s1, 2, t0, 3);
  }
}

/* Compares one float block with the double reference, group by group. Tolerance: float
 * accumulation over these tiny sums stays near 1e-6 relative; 1e-4 of the group's largest
 * value absolute + 2e-3 relative leaves room without hiding a wrong term. */
static void compare_groups(const char *what, const s2s_param_layout *lay, const s2s_config *c,
                           const float *got, const double *want) {
  s2s_param_group g[64];
  int ng = s2s_params_groups(lay, c, g, 64);
  T_CHECK(ng > 0, "no parameter groups");
  for (int i = 0; i < ng; i++) {
    double mx = 0;
    for (size_t j = 0; j < g[i].count; j++) mx = fmax(mx, fabs(want[g[i].offset + j]));
    double *gd = malloc(g[i].count * sizeof *gd);
    for (size_t j = 0; j < g[i].count; j++) gd[j] = got[g[i].offset + j];
    char name[160];
    snprintf(name, sizeof name, "%.60s %.60s", what, g[i].name);
    s2s_check_close_arrays(name, gd, want + g[i].offset, g[i].count, 2e-3, 1e-4 * mx + 1e-9);
    free(gd);
  }
}

int main(void) {
  int count;
  s2s_device *d = s2s_test_device(&count);
  s2s_config c = test_config();
  s2s_param_layout lay;
  s2s_params_layout(&lay, &c);
  float *pf = malloc(lay.total * sizeof *pf), *gf = malloc(lay.total * sizeof *gf);
  double *pd = malloc(lay.total * sizeof *pd), *gd = malloc(lay.total * sizeof *gd);
  s2s_params_init(pf, &lay, &c, 42);
  s2s_reference_params_from_float(pd, pf, lay.total);
  float *p0 = malloc(lay.total * sizeof *p0); /* the initial parameters, to isolate updates */
  memcpy(p0, pf, lay.total * sizeof *p0);

  s2s_batch b;
  s2s_batch_alloc(&b, c.batch, c.max_len, c.max_len + 1);
  make_batch(&b, 0);
  s2s_reference ref;
  T_CHECK(s2s_reference_init(&ref, &c, c.max_len, c.max_len + 1) == 0, "reference init");
  s2s_train_step st;
  if (s2s_train_step_init(&st, d, 1, NULL, &c) != 0 || s2s_train_step_set_params(&st, pf) != 0) return 1;

  /* 1. gradients without an update */
  s2s_step_result res;
  T_CHECK(s2s_train_step_run(&st, &b, 0.7f, 0, &res) == 0, "device step");
  double loss = s2s_reference_forward_backward(&ref, &c, &lay, pd, &b, gd);
  T_CHECK(s2s_close(res.loss, loss, 1e-5, 1e-6), "loss %.9g want %.9g", res.loss, loss);
  double norm = s2s_grad_norm(gd, lay.total);
  T_CHECK(s2s_close(res.grad_norm, norm, 1e-4, 0), "norm %.9g want %.9g", res.grad_norm, norm);
  /* tokens: words + one <eos> per real sentence (the mask sum); all 3 rows are real here */
  T_CHECK(res.tokens == b.tgt_words + 3 && res.tokens == 9 + 3, "tokens %g want %d",
          res.tokens, b.tgt_words + 3);
  s2s_train_step_get_grads(&st, gf);
  compare_groups("grad", &lay, &c, gf, gd);
  printf("loss device %.7f reference %.7f, |g| device %.7f reference %.7f\n", res.loss, loss,
         res.grad_norm, norm);

  /* 2. five steps with updates, alternating batches; clip below the norm so clipping
   * is exercised on the first steps */
  c.clip = (float)(norm * 0.5);
  st.cfg.clip = c.clip;
  for (int step = 0; step < 5; step++) {
    make_batch(&b, step);
    s2s_step_stats ss;
    T_CHECK(s2s_train_step_run(&st, &b, 0.7f, 1, &res) == 0, "device step %d", step);
    T_CHECK(s2s_reference_step(&ref, &c, &lay, pd, gd, &b, 0.7, &ss) == 0, "reference step");
    T_CHECK(s2s_close(res.loss, ss.loss, 1e-4, 1e-6), "step %d loss %.9g want %.9g", step,
            res.loss, ss.loss);
    if (step == 0) T_CHECK(ss.scale < 1.0, "clipping not exercised (scale %g)", ss.scale);
  }
  s2s_train_step_get_params(&st, pf);
  /* the updates, not the parameters: initial values of 0.08 would dominate a relative
   * comparison of the parameters and hide a wrong update of 1e-3 */
  {
    float *du = malloc(lay.total * sizeof *du);
    double *dr = malloc(lay.total * sizeof *dr);
    for (size_t j = 0; j < lay.total; j++) {
      du[j] = (float)((double)pf[j] - (double)p0[j]);
      dr[j] = pd[j] - (double)p0[j];
    }
    compare_groups("updates over 5 steps", &lay, &c, du, dr);
    free(du), free(dr);
  }
  compare_groups("params after 5 steps", &lay, &c, pf, pd);

  /* 2b. a short batch (the last of an epoch): B stays 3, only 2 rows are real; the unset
   * row predicts nothing, so tokens = words + 2 <eos>, not words + B */
  {
    static const int32_t s0[] = {2, 3, 4}, s1[] = {7, 8}, t0[] = {12, 3}, t1[] = {5, 6, 7};
    b.T_src = 5, b.T_tgt = 6, b.B = 3;
    s2s_batch_clear(&b);
    s2s_batch_set(&b, 0, s0, 3, t0, 2);
    s2s_batch_set(&b, 1, s1, 2, t1, 3);
    T_CHECK(s2s_batch_tokens(&b) == 5 + 2, "batch tokens %d want 7", s2s_batch_tokens(&b));
    T_CHECK(s2s_train_step_eval(&st, &b, &res) == 0, "short batch eval");
    T_CHECK(res.tokens == b.tgt_words + 2, "short batch tokens %g want %d (not %d)", res.tokens,
            b.tgt_words + 2, b.tgt_words + b.B);
    s2s_train_step_get_params(&st, pf);
    s2s_reference_params_from_float(pd, pf, lay.total);
    double want = s2s_reference_forward_backward(&ref, &c, &lay, pd, &b, NULL);
    T_CHECK(s2s_close(res.loss, want, 1e-5, 1e-6), "short batch loss %.9g want %.9g", res.loss,
            want);
    s2s_step_stats ss;
    T_CHECK(s2s_reference_step(&ref, &c, &lay, pd, gd, &b, 0.0, &ss) == 0 &&
                ss.tokens == res.tokens,
            "reference counts the same tokens (%d vs %g)", ss.tokens, res.tokens);
  }

  /* 3. forward-only evaluation equals the forward part of a step */
  make_batch(&b, 1);
  T_CHECK(s2s_train_step_eval(&st, &b, &res) == 0, "eval");
  s2s_reference_params_from_float(pd, pf, lay.total);
  loss = s2s_reference_forward_backward(&ref, &c, &lay, pd, &b, NULL);
  T_CHECK(s2s_close(res.loss, loss, 1e-5, 1e-6), "eval loss %.9g want %.9g", res.loss, loss);

  s2s_train_step_free(&st);
  s2s_reference_free(&ref);
  s2s_batch_free(&b);
  free(pf), free(gf), free(pd), free(gd), free(p0);
  s2s_device_close(d, count);
  return s2s_test_finish("test_train_step");
}

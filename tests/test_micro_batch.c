/* The micro-batched pipeline is the single-device step: the batch cut into M micro-batches
 * that flow through the stages in GPipe's fill-drain order or in 1F1B order, sharing the
 * parameters and adding up their gradients, gives the same loss, every gradient group and,
 * after three clipped updates, the same parameters as the whole batch on one device (2
 * and 3 micro-batches, 2 and 3 stages, a sharded softmax, two contexts, and one stage: a
 * micro-batched step on a single device). A bad schedule or too many micro-batches are
 * refused. PoCL is asked for 4 threads (= CUs). */
#include "test_pipeline_util.h"

int main(void) {
  setenv("POCL_MAX_PTHREAD_COUNT", "4", 0); /* before the first OpenCL call */
  s2s_config c = test_config();
  int n1;
  outcome ref = {0};
  run_reference(&c, &ref);
  for (int sch = S2S_SCHEDULE_FILL_DRAIN; sch <= S2S_SCHEDULE_1F1B; sch++) {
    check_case("cpu/2", 1, 2, sch, NULL, &c, &ref);                        /* rows 2 + 1 */
    check_case("cpu/2", 1, 3, sch, NULL, &c, &ref);                        /* one row each */
    check_case("cpu/3", 1, 3, sch, "layers=0,1,2;softmax=2", &c, &ref);    /* 3 stages */
    check_case("cpu/3", 1, 2, sch, "layers=0,0,1;softmax=1,2", &c, &ref);  /* sharded softmax */
    check_case("cpu/1x1,cpu/1x1", 1, 2, sch, NULL, &c, &ref);      /* two contexts */
  }
  s2s_device *d = s2s_test_device_open("cpu", &n1);
  outcome o = {0};
  T_CHECK(run_with(d, 1, 1, 3, S2S_SCHEDULE_1F1B, NULL, &c, &o) == 0, "one device, 3 micro-batches");
  if (o.grads) compare("one device, 3 micro-batches", &c, &ref, &o);
  free(o.grads), free(o.params);
  s2s_train_step st;
  /* memory: the parameters, gradients and transposes once, every micro-batch's activations */
  s2s_config one_row = c;
  one_row.batch = 1;
  size_t need1 = 0, need3 = 0, owned = 0;
  int ok = s2s_train_step_init(&st, d, 1, NULL, &one_row) == 0;
  if (ok) need1 = st.st[0].need_bytes, owned = st.st[0].owned;
  s2s_train_step_free(&st);
  ok = ok && s2s_train_step_init_micro(&st, d, 1, 3, S2S_SCHEDULE_1F1B, NULL, &c) == 0;
  if (ok) need3 = st.st[0].need_bytes;
  s2s_train_step_free(&st);
  T_CHECK(ok, "a one-row step and 3 micro-batches of one row");
  const size_t act = (need3 - need1) / 2; /* micro-batches 1 and 2 each add their own */
  T_CHECK(need3 > need1 && (need3 - need1) % 2 == 0 && need1 - act >= 2 * owned * sizeof(float),
          "3 micro-batches need %zu bytes, one row %zu: the parameters and gradients (%zu "
          "bytes) once", need3, need1, 2 * owned * sizeof(float));
  const size_t mem = d[0].info.global_mem;
  d[0].info.global_mem = need3 - 1;
  fprintf(stderr, "(a split that does not fit is expected next)\n");
  T_CHECK(s2s_train_step_init_micro(&st, d, 1, 3, S2S_SCHEDULE_1F1B, NULL, &c) != 0,
          "3 micro-batches on a device one byte short of their %zu bytes are refused", need3);
  s2s_train_step_free(&st);
  d[0].info.global_mem = mem;
  fprintf(stderr, "(two errors about micro-batches are expected next)\n");
  T_CHECK(s2s_train_step_init_micro(&st, d, 1, 4, S2S_SCHEDULE_1F1B, NULL, &c) != 0,
          "more micro-batches (4) than rows (3) is refused");
  s2s_train_step_free(&st);
  T_CHECK(s2s_train_step_init_micro(&st, d, 1, 2, 7, NULL, &c) != 0, "an unknown schedule is refused");
  s2s_train_step_free(&st);
  T_CHECK(s2s_schedule_parse("1f1b") == S2S_SCHEDULE_1F1B &&
              s2s_schedule_parse("fill-drain") == S2S_SCHEDULE_FILL_DRAIN &&
              s2s_schedule_parse("gpipe") < 0, "schedule names");
  s2s_device_close(d, n1);
  free(ref.grads), free(ref.params);
  return s2s_test_finish("test_micro_batch");
}

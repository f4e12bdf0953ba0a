/* Data parallelism is the single-device step: R replicas of a pipeline, each given a row
 * block of the global batch, give the same loss, every gradient group and, after three
 * clipped updates, the same parameters as the whole batch on one device (2 and 3 replicas
 * of one stage, 2 replicas of a 2-stage pipeline on 4 devices, replicas in two contexts,
 * and PoCL + Intel when both are present). The all-reduce moves the embedding tables'
 * touched rows only (the bytes are counted against the batch's distinct ids), and a
 * replica whose parameters drifted fails the step. PoCL is asked for 4 threads (= CUs). */
#include "test_pipeline_util.h"

#include "step/train_step_internal.h"

/* Distinct ids of one table in a batch (padding's 0 included, as the all-reduce counts). */
static long distinct(const int32_t *ids, size_t n, int V) {
  char seen[64] = {0};
  long k = 0;
  for (size_t i = 0; i < n; i++)
    if (ids[i] >= 0 && ids[i] < V && !seen[ids[i]]) seen[ids[i]] = 1, k++;
  return k;
}

/* The bytes of one step's all-reduce: dense parameters whole, embeddings as rows. */
static void check_bytes(s2s_device *d, int n, int R, const s2s_config *c) {
  s2s_param_layout lay;
  s2s_params_layout(&lay, c);
  float *p = malloc(lay.total * sizeof *p);
  s2s_params_init(p, &lay, c, 7);
  s2s_train_step st;
  s2s_batch b;
  s2s_batch_alloc(&b, c->batch, c->max_len, c->max_len + 1);
  make_batch(&b, 0);
  s2s_step_result r;
  T_CHECK(s2s_train_step_init_replicas(&st, d, n, R, NULL, c) == 0 &&
              s2s_train_step_set_params(&st, p) == 0 && s2s_train_step_run(&st, &b, 0.5f, 1, &r) == 0,
          "bytes: %d replicas run", R);
  const s2s_allreduce_bytes a = s2s_train_step_allreduce_bytes(&st);
  const long rs = distinct(b.src, (size_t)b.T_src * b.B, c->src_vocab);
  const long rt = distinct(b.tgt_in, (size_t)b.T_tgt * b.B, c->tgt_vocab);
  const double E = c->embed, tables = ((double)c->src_vocab + c->tgt_vocab) * E;
  T_CHECK(a.rows_src == rs && a.rows_tgt == rt, "touched rows %ld/%ld, the batch has %ld/%ld",
          a.rows_src, a.rows_tgt, rs, rt);
  T_CHECK(rs < c->src_vocab && rt < c->tgt_vocab, "the batch leaves rows untouched (%ld/%d, "
          "%ld/%d): the test must show that they stay home", rs, c->src_vocab, rt, c->tgt_vocab);
  T_CHECK(a.rows == 2.0 * R * (double)(rs + rt) * E * 4, "embedding bytes %.0f, expected %.0f",
          a.rows, 2.0 * R * (double)(rs + rt) * E * 4);
  T_CHECK(a.dense == 2.0 * R * ((double)lay.total - tables) * 4, "dense bytes %.0f, expected %.0f",
          a.dense, 2.0 * R * ((double)lay.total - tables) * 4);
  printf("all-reduce of %d replicas: dense %.0f bytes, embedding rows %ld + %ld of %d + %d "
         "(%.0f bytes; whole tables %.0f)\n", R, a.dense, rs, rt, c->src_vocab, c->tgt_vocab,
         a.rows, 2.0 * R * tables * 4);
  /* a replica that drifted: the next step's check fails */
  p[lay.out_b] += 1e-3f;
  s2s_train_step_replica_check(&st, 1);
  T_CHECK(s2s_train_step_set_params(s2s_dp_replica(&st, R - 1), p) == 0, "drift: set");
  fprintf(stderr, "(an error about diverged replicas is expected next)\n");
  T_CHECK(s2s_train_step_run(&st, &b, 0.5f, 1, &r) != 0, "a replica that drifted is an error");
  s2s_train_step_free(&st);
  s2s_batch_free(&b);
  free(p);
}

int main(void) {
  setenv("POCL_MAX_PTHREAD_COUNT", "4", 0); /* before the first OpenCL call */
  s2s_config c = test_config();
  outcome ref = {0};
  run_reference(&c, &ref);

  check_case("cpu/2", 2, 1, 0, NULL, &c, &ref);                       /* blocks of 2 and 1 rows */
  check_case("cpu/3", 3, 1, 0, NULL, &c, &ref);                       /* one row each */
  check_case("cpu/4", 2, 1, 0, NULL, &c, &ref);                       /* hybrid: 2 x 2 stages */
  check_case("cpu/4", 2, 1, 0, "layers=0,1,1;softmax=0,1", &c, &ref); /* hybrid, sharded softmax */
  check_case("cpu/1x1,cpu/1x1", 2, 1, 0, NULL, &c, &ref);     /* replicas in two contexts */

  char specs[8][32], names[8][128], mixed[72] = "";
  const int np = s2s_test_cpu_platforms(specs, names, 8);
  for (int i = 0, pocl = -1, intel = -1; i < np; i++) {
    if (strstr(names[i], "Portable Computing Language") && pocl < 0) pocl = i;
    if (strstr(names[i], "Intel") && intel < 0) intel = i;
    if (pocl >= 0 && intel >= 0 && !*mixed)
      snprintf(mixed, sizeof mixed, "%s,%s", specs[pocl], specs[intel]);
  }
  if (*mixed) check_case(mixed, 2, 1, 0, NULL, &c, &ref); /* a replica on each vendor */

  int n2;
  s2s_device *two = s2s_test_device_open("cpu/2", &n2);
  check_bytes(two, n2, 2, &c);
  s2s_device_close(two, n2);
  free(ref.grads), free(ref.params);
  if (!*mixed)
    printf("skipping the mixed-vendor case (PoCL + Intel): a platform is absent "
           "(scripts/setup.sh installs Intel's)\n");
  const int rc = s2s_test_finish("test_data_parallel");
  return rc == 0 && !*mixed ? 77 : rc;
}

/* The device decoder (harness/decode/beam_search.c) against the CPU reference decoder
 * (model/beam_search.c): identical words and scores within 1e-4 for random tiny models
 * of odd sizes, beams 1, 2, 3, 5, 16, sentences of different lengths (an empty one too) in
 * batches smaller than the set, with and without length normalisation and with a max
 * length short enough to cut hypotheses. Also the top-K kernel alone against a sort. */
#include <math.h>

#include "decode/beam_search_kernels.h"
#include "decode/beam_search.h"
#include "model/reference.h"
#include "data/task.h"
#include "test_device_util.h"

static s2s_config test_config(void) {
  s2s_config c;
  s2s_config_preset(&c, "tiny");
  c.layers = 2, c.hidden = 7, c.embed = 6, c.src_vocab = 11, c.tgt_vocab = 13;
  c.batch = 4, c.max_len = 8;
  c.init_scale = 1.0f; /* peaked distributions: <eos> comes at varied steps */
  return c;
}

#define NSENT 7
static const int32_t s0[] = {3, 9, 4}, s1[] = {10}, s2[] = {2, 5, 7, 8, 6, 4, 3},
                     s3[] = {6, 6, 2, 9}, s5[] = {5, 2}, s6[] = {8, 7, 6, 5, 4};
static const int32_t *const sents[NSENT] = {s0, s1, s2, s3, NULL, s5, s6};
static const int lens[NSENT] = {3, 1, 7, 4, 0, 2, 5};

/* Decodes the set on the device and with the reference; returns mismatching sentences. */
static int compare(s2s_device *dev, const s2s_config *c, const double *pd, const float *pf,
                   int K, int max_len, int norm, int *eos_seen, int *cut_seen) {
  s2s_param_layout lay;
  s2s_params_layout(&lay, c);
  s2s_decoder d;
  if (s2s_decoder_init(&d, dev, c, 4, K, max_len) != 0 || s2s_decoder_upload_params(&d, pf)) {
    T_CHECK(0, "decoder init K=%d", K);
    return NSENT;
  }
  d.length_norm = norm;
  int32_t *out[NSENT];
  int out_len[NSENT], bad = 0;
  float score[NSENT];
  s2s_decode_stats st = {0};
  int rc = s2s_decode_all(&d, NSENT, sents, lens, out, out_len, score, &st);
  T_CHECK(rc == 0, "device decode K=%d", K);
  if (rc != 0) {
    s2s_decoder_free(&d);
    return NSENT;
  }
  T_CHECK(st.sentences == NSENT && st.src_words == 22, "stats %ld sentences %ld words",
          st.sentences, st.src_words);
  T_CHECK(out_len[4] == 0 && score[4] == 0.0f, "empty source: %d words out", out_len[4]);
  s2s_beam_opts o = {.beam = K, .max_len = max_len, .length_norm = norm};
  for (int s = 0; s < NSENT; s++) {
    s2s_beam_result r;
    T_CHECK(s2s_beam_search(c, &lay, pd, sents[s], lens[s], &o, &r) == 0, "reference");
    int same = r.len == out_len[s];
    for (int i = 0; same && i < r.len; i++) same = r.tokens[i] == out[s][i];
    /* float vs double over a few steps of a 7-cell model: 1e-4 absolute on log p */
    if (!same || !s2s_close(score[s], r.score, 0, 1e-4)) {
      fprintf(stderr, "K=%d max_len=%d norm=%d sentence %d: device (len %d, score %.7f) "
              "reference (len %d, score %.7f)\n", K, max_len, norm, s, out_len[s], score[s],
              r.len, r.score);
      bad++;
    }
    *eos_seen += r.eos;
    *cut_seen += !r.eos;
    s2s_beam_result_free(&r);
    free(out[s]);
  }
  s2s_decoder_free(&d);
  return bad;
}

/* beam_topk alone on an odd shape: R rows of V = 1000 words against a sort on the host. */
static void topk_kernel(s2s_device *dev) {
  enum { R = 3, V = 1000, K = 5 };
  double *z = malloc(sizeof(double) * R * V), bias[V], bs[R] = {0.0, -2.5, -INFINITY};
  s2s_test_fill(z, (size_t)R * V, 4.0, 11);
  s2s_test_fill(bias, V, 1.0, 12);
  z[7] = z[8] - bias[7] + bias[8]; /* a tie on row 0 between words 7 and 8 */
  s2s_beam_kernels k;
  T_CHECK(s2s_beam_kernels_init(&k, dev, K, V) == 0, "beam kernels");
  s2s_buf lz = s2s_test_upload(dev, z, (size_t)R * V), lb = s2s_test_upload(dev, bias, V);
  s2s_buf lbs = s2s_test_upload(dev, bs, R), cs = s2s_test_upload(dev, NULL, R * K);
  s2s_buf cw = s2s_test_upload(dev, NULL, R * K), es = s2s_test_upload(dev, NULL, R);
  T_CHECK(s2s_cl_beam_topk(&k, R, V, lz, lb, lbs, cs, cw, es) == 0, "topk launch");
  double got_s[R * K], got_e[R];
  int32_t got_w[R * K + S2S_TEST_CANARIES];
  s2s_test_download(dev, cs, R * K, got_s, "cand_score");
  s2s_test_download(dev, es, R, got_e, "eos_score");
  s2s_buf_read(dev, cw, got_w, R * K);
  for (int r = 0; r < R; r++) {
    const double *zr = z + (size_t)r * V;
    double m = -INFINITY, sum = 0;
    for (int v = 0; v < V; v++) m = fmax(m, zr[v] + bias[v]);
    for (int v = 0; v < V; v++) sum += exp(zr[v] + bias[v] - m);
    const double lse = m + log(sum);
    int used[V] = {0};
    for (int k2 = 0; k2 < K; k2++) { /* the k-th best non-<eos> word, ties to the lower id */
      int w = -1;
      for (int v = 0; v < V; v++)
        if (v != S2S_TOKEN_EOS && !used[v] && (w < 0 || zr[v] + bias[v] > zr[w] + bias[w])) w = v;
      used[w] = 1;
      const double want = bs[r] + (zr[w] + bias[w] - lse);
      if (isinf(bs[r])) {
        T_CHECK(got_w[r * K + k2] == -1 && isinf(got_s[r * K + k2]), "empty row %d", r);
      } else {
        T_CHECK(got_w[r * K + k2] == w, "row %d rank %d: word %d want %d", r, k2,
                got_w[r * K + k2], w);
        T_CHECK(s2s_close(got_s[r * K + k2], want, 0, 1e-5), "row %d rank %d: %.7f want %.7f",
                r, k2, got_s[r * K + k2], want);
      }
    }
    const double we = bs[r] + (zr[1] + bias[1] - lse);
    T_CHECK(isinf(bs[r]) ? isinf(got_e[r]) : s2s_close(got_e[r], we, 0, 1e-5),
            "eos row %d: %.7f want %.7f", r, got_e[r], we);
  }
  s2s_buf *all[] = {&lz, &lb, &lbs, &cs, &cw, &es};
  for (int i = 0; i < 6; i++) s2s_buf_free(all[i]);
  s2s_beam_kernels_free(&k);
  free(z);
}

/* The training loop's helpers: batch rows back in reading order, and dev BLEU. */
static void bleu_helpers(s2s_device *dev, const s2s_config *c, const float *pf) {
  s2s_task task = {.kind = S2S_TASK_REVERSE, .vocab = 11, .min_len = 1, .max_len = 6, .seed = 3};
  s2s_data_source *ds = s2s_task_source(&task, 5, 2);
  s2s_batch b;
  s2s_batch_alloc(&b, 5, 6, 7);
  s2s_task_batch(&task, 1, 1, 5, &b);
  int32_t src[8], tgt[8];
  int ns, nt;
  for (int r = 0; r < 5; r++) {
    T_CHECK(s2s_decode_batch_row(&b, r, src, &ns, tgt, &nt) == 1, "row %d is real", r);
    int ok = ns == nt && ns >= 1;
    for (int k = 0; ok && k < ns; k++) ok = tgt[k] == src[ns - 1 - k]; /* the reverse task */
    T_CHECK(ok, "row %d: source and target are not reversals (%d, %d words)", r, ns, nt);
  }
  s2s_decoder d;
  T_CHECK(s2s_decoder_init(&d, dev, c, 3, 2, 0) == 0 && s2s_decoder_upload_params(&d, pf) == 0,
          "decoder");
  double bleu = -1;
  s2s_decode_stats st = {0};
  T_CHECK(s2s_decode_bleu_dev(&d, ds, 2, &b, &bleu, &st) == 0, "dev BLEU");
  T_CHECK(bleu >= 0 && bleu <= 100 && st.sentences == 10, "dev BLEU %g over %ld sentences", bleu,
          st.sentences);
  /* references equal to the decodes themselves: BLEU 100 */
  int32_t *out[NSENT];
  int out_len[NSENT], words = 0;
  T_CHECK(s2s_decode_all(&d, NSENT, sents, lens, out, out_len, NULL, NULL) == 0, "decode");
  for (int i = 0; i < NSENT; i++) words += out_len[i];
  T_CHECK(s2s_decode_bleu(&d, NSENT, sents, lens, (const int32_t *const *)out, out_len, &bleu,
                          NULL) == 0, "self BLEU");
  T_CHECK(words < 8 || fabs(bleu - 100.0) < 1e-9, "self BLEU %g (%d words)", bleu, words);
  for (int i = 0; i < NSENT; i++) free(out[i]);
  s2s_decoder_free(&d);
  s2s_batch_free(&b);
  ds->free(ds);
}

int main(void) {
  s2s_test_each_cpu_platform(); /* PoCL, Intel's CPU runtime, ...: each in its own run */
  int count;
  s2s_device *dev = s2s_test_device(&count);
  topk_kernel(dev);
  s2s_config c = test_config();
  s2s_param_layout lay;
  s2s_params_layout(&lay, &c);
  float *pf = malloc(lay.total * sizeof *pf);
  double *pd = malloc(lay.total * sizeof *pd);
  /* 16 > the 12 words that are not <eos>: rows run out of candidates, slots stay empty */
  static const int beams[] = {1, 2, 3, 5, 16};
  int eos_seen = 0, cut_seen = 0, runs = 0;
  for (int seed = 1; seed <= 2; seed++) {
    s2s_params_init(pf, &lay, &c, (uint64_t)seed);
    /* seed 1: <eos> likely enough to end most sentences; seed 2: as initialised */
    if (seed == 1) pf[lay.out_b + S2S_TOKEN_EOS] += 1.5f;
    s2s_reference_params_from_float(pd, pf, lay.total);
    for (int b = 0; b < 5; b++) {
      const int K = beams[b];
      int bad = compare(dev, &c, pd, pf, K, 0, 0, &eos_seen, &cut_seen);
      bad += compare(dev, &c, pd, pf, K, 3, 0, &eos_seen, &cut_seen);
      bad += compare(dev, &c, pd, pf, K, 0, 1, &eos_seen, &cut_seen);
      T_CHECK(bad == 0, "seed %d beam %d: %d sentences differ", seed, K, bad);
      runs += 3;
    }
  }
  bleu_helpers(dev, &c, pf);
  printf("%d decodes of %d sentences: %d ended by <eos>, %d cut at max length\n", runs, NSENT,
         eos_seen, cut_seen);
  T_CHECK(eos_seen > 0 && cut_seen > 0, "both endings must be exercised");
  free(pf), free(pd);
  s2s_device_close(dev, count);
  return s2s_test_finish("test_decode");
}

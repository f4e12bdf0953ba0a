/* Predicting a split's step time from one device's costs (issue 12): the split's plan is
 * built dry (step/train_step.h s2s_train_step_plan: the executor's own commands), every node
 * gets its cost from a table measured on one device (profile/cost_table.h), and the
 * simulator (plan/simulate.h) runs the plan over modelled in-order queues and one host
 * thread. The speedup predicted is the simulated one-device step over the simulated split,
 * both from the same table, so it names the same baseline as `bench pipeline`.
 * Measuring the table (s2s_predict_measure): the one-device step, the split mapped onto
 * the one device (its softmax shards and kernels as the split runs them), every GEMM shape
 * of the split's plan that these lack replayed alone, and the host staging link.
 * Data parallel (replicas R > 1 of a split over ndev / R devices): the split mapped onto
 * one device is measured as R replicas on that one device, so the all-reduce's transfers
 * and kernels and each replica's row-block products are in the table; the plan is the R
 * replicas' with their all-reduce through the host, the host's adding of the gradients a
 * host_work node (under MPI each replica's sum waits for every other replica's read; the
 * collective's own seconds are not costed). --measure-replicas R' < R measures the
 * all-reduce as R' replicas and replays the R replicas' products. Micro-batches:
 * the split mapped onto the one device runs micro-batched there, so each micro-batch's
 * products are in the table. par NULL: the pipeline alone. */
#ifndef S2S_PREDICT_H
#define S2S_PREDICT_H

#include "bench/bench.h"
#include "plan/simulate.h"
#include "profile/cost_table.h"
#include "record/json.h"

typedef struct s2s_prediction {
  double step_s;      /* the split's simulated step */
  double base_s;      /* the one-device step simulated from the same table */
  double speedup;     /* base_s / step_s */
  size_t nodes, scaled, missing; /* the split's nodes; costed by scaling; without a cost */
  s2s_sim_result sim; /* the split's simulation (critical path, busy seconds) */
} s2s_prediction;

/* Adds to t what predicting `split` over ndev devices like dev needs (see above), timing
 * with o's config, sentence length, warm-ups and trials. base_plan: the one-device step's
 * plan with its measured intervals, already timed on dev (bench pipeline's baseline), or
 * NULL to time it here. 0 or -1. */
int s2s_predict_measure(const step_bench *o, s2s_device *dev, const s2s_split *split, int ndev,
                        const s2s_parallel *par, const int *context,
                        const s2s_plan *base_plan, s2s_cost_table *t);
/* Predicts split on ndev devices described by info (context groups as in
 * s2s_train_step_plan; host: the host thread of each device, as s2s_sim_costs.host, NULL:
 * one, host[d] = d with every device its own context: MPI ranks) for batches of cfg->batch sentences of len + len + 1 tokens. Writes
 * the predicted timeline (the measured timeline's TSV) to timeline_path unless NULL.
 * 0 or -1; free with s2s_prediction_free. */
int s2s_predict_split(const s2s_cost_table *t, const s2s_config *cfg, int len,
                      const s2s_device_info *info, int ndev, const s2s_parallel *par,
                      const int *context,
                      const int *host, const s2s_split *split, const char *timeline_path,
                      s2s_prediction *p);
void s2s_prediction_free(s2s_prediction *p);
/* Both at once for devices that are open (bench pipeline, sweep points): the costs of the
 * one device `base` (base_plan as in s2s_predict_measure), the prediction of split over
 * devs (their contexts as they are; devices of other MPI ranks: a context and a host thread
 * per rank); out_dir (NULL: none) receives cost.tsv and timeline-predicted.tsv. 0 or -1. */
int s2s_predict_devices(const step_bench *o, s2s_device *base, s2s_device *devs, int n,
                        const s2s_parallel *par, const s2s_split *split,
                        const s2s_plan *base_plan, const char *out_dir, s2s_prediction *p);
/* One paragraph: predicted step and speedup, and where the critical path spends its time. */
void s2s_prediction_print(const s2s_prediction *p, FILE *f);
/* predicted_speedup, _step_s, _one_device_step_s, plan_nodes(_scaled), "critical_path":
 * {...}, predicted_busy_fraction and predicted_host_blocked_s into an open object. */
void s2s_prediction_json(const s2s_prediction *p, s2s_json *j);

/* `s2sbench predict` */
int s2s_predict_main(int argc, char **argv);

#endif

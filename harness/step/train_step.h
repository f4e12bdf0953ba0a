/* One training step of the whole model on one or several OpenCL devices (a single device
 * is a pipeline with one stage): upload token ids and masks; forward (embeddings,
 * encoder, decoder, softmax); backward through all of it; the global gradient norm over
 * all devices; clipping and the SGD update, each device updating the parameters it holds.
 * Layers and softmax shards are placed by a split (pipeline_split.h). Cell (l, t) runs when (l-1, t)
 * and (l, t-1) are done: a layer whose input comes from another device waits per time
 * step on that device's event (the wavefront); the backward is the mirror.
 * Every matrix product goes to CLBlast (gemm.c); everything else is a custom kernel.
 * Only ids and masks go in and a few scalars come out per step. The parameter and
 * gradient layout is the model's (params.h), so blocks compare with the CPU reference. */
#ifndef S2S_TRAIN_STEP_H
#define S2S_TRAIN_STEP_H

#include <stdio.h>

#include "model/batch.h"

#include "model/config.h"
#include "cl/kernels.h"
#include "model/params.h"
#include "plan/plan.h"
#include "step/pipeline_split.h"

typedef struct s2s_layer_bufs {
  s2s_buf h, c;  /* (T+1, B, H) slot 0 = initial state, slot t+1 = after step t */
  s2s_buf act;   /* (T, B, 4H) gate pre-activations -> activated gates -> their gradients */
  s2s_buf dh;    /* (T+1, B, H) dL/dh per slot */
  s2s_buf dxout; /* (T, B, H) per-step dL/d(input) for a layer below on another device */
  s2s_buf xin;   /* (T, B, H) local copy of the input from a device in another context */
  s2s_buf dxin;  /* (T, B, H) local copy of the layer above's dxout, likewise */
  s2s_buf wt_ih; /* (Ein, 4H) W_ih transposed, so the forward products are NN GEMMs */
  s2s_buf wt_hh; /* (H, 4H) W_hh transposed */
} s2s_layer_bufs;

/* Data posted by one device for another within a step (pipeline_transport.c). */
typedef struct s2s_ticket {
  cl_event ev;    /* one context: marker after the data; else the staging read */
  float *slot;    /* other context: host staging memory holding the data */
} s2s_ticket;

/* A message for another MPI rank: its staging read, then the send (pipeline_transport.c). */
typedef struct s2s_send {
  cl_event ev;    /* the read into slot */
  float *slot;
  size_t n;       /* floats */
  int rank, tag;
  int req;        /* the MPI request once sent */
  int state;      /* 0 read queued, 1 sent, 2 complete */
} s2s_send;

typedef struct s2s_step_result {
  double loss;        /* sum of cross-entropy over target tokens, divided by B */
  double tokens;      /* target tokens predicted: words + one <eos> per real sentence */
  double correct;     /* of those, argmax == target */
  double grad_norm;   /* global L2 norm before clipping */
} s2s_step_result;

#define S2S_MAX_SEGMENTS (4 * S2S_MAX_LAYERS + 2 * S2S_MAX_SHARDS + 4)

/* What one device holds and does. */
typedef struct s2s_stage {
  s2s_device *dev;
  int local;              /* this process runs it (0: another MPI rank's device) */
  s2s_kernels k;
  s2s_buf params, grads;  /* (owned): this stage's segments only, packed in offset order */
  s2s_buf scalars;        /* [loss, correct, own norm^2, global norm^2] */
  s2s_buf ids, masks;     /* this device's copies of the batch (see the step's fields) */
  s2s_buf htop;           /* (T_tgt, B, H) top decoder h copied from another context */
  s2s_ticket *top_tk;     /* (T_tgt) top decoder step t posted for this shard device */
  int nseg;
  size_t seg_off[S2S_MAX_SEGMENTS], seg_len[S2S_MAX_SEGMENTS]; /* owned parameters */
  size_t seg_loc[S2S_MAX_SEGMENTS]; /* where segment i starts in params / grads */
  size_t owned;                     /* floats of parameters this stage holds */
  size_t need_bytes, largest_bytes; /* device memory the step allocates here, its largest buffer */
} s2s_stage;

/* The view of parameter (or gradient) offset `off` of the whole layout (model/params.h) in
 * stage st's packed block; a stage that does not own it gets an empty view (mem NULL) and
 * a message: a launch with it fails. */
s2s_buf s2s_stage_param(const s2s_stage *st, size_t off);
s2s_buf s2s_stage_grad(const s2s_stage *st, size_t off);

typedef struct s2s_train_step {
  s2s_config cfg;
  s2s_param_layout lay;
  s2s_split split;
  int ndev;
  s2s_stage st[S2S_MAX_DEVICES];
  int T_src_max, T_tgt_max;
  s2s_layer_bufs enc[S2S_MAX_LAYERS], dec[S2S_MAX_LAYERS];
  s2s_buf dc[S2S_MAX_LAYERS];             /* (B, H) decoder layer l, then encoder layer l */
  s2s_buf x_src, x_tgt;                   /* (T, B, E) gathered embeddings (layer 0's device) */
  s2s_buf dx;                             /* (max T, B, E) embedding-input gradient */
  s2s_buf dh_shard[S2S_MAX_SHARDS];       /* (T_tgt, B, H) dL/dh_top from each shard */
  s2s_buf stats[S2S_MAX_SHARDS];          /* (chunk_rows, 5) each shard's row statistics */
  s2s_buf logits[S2S_MAX_SHARDS];         /* (chunk_rows, shard width) on the shard's device */
  s2s_buf comb[S2S_MAX_SHARDS];           /* (shards, chunk_rows, 5) all shards' statistics */
  s2s_buf wt_out[S2S_MAX_SHARDS];         /* (H, shard width) the shard's W_out transposed */
  int wt_stale;                           /* parameters changed since the transposes */
  s2s_buf row_loss, row_correct;          /* (T_tgt_max * B) written by shard 0's device */
  s2s_buf dhin[S2S_MAX_SHARDS];           /* (T_tgt, B, H) dh_shard copied to the top device */
  size_t chunk_rows;
  int fused_softmax;                      /* one shard on the top layer's device */
  int32_t *host_ids;                      /* src | tgt_in | tgt_out, each (T_max, B) */
  float *host_masks;                      /* src_mask | tgt_mask, each (T_max, B) */
  cl_event *events;                       /* cross-device events of the current step */
  size_t nevents, cap_events;
  s2s_ticket *tk_fwd[2][S2S_MAX_LAYERS];  /* (T) h of layer l, step t, for layer l+1 */
  s2s_ticket *tk_bwd[2][S2S_MAX_LAYERS];  /* (T) dxout of layer l, step t, for layer l-1 */
  s2s_send *sends;                        /* MPI: this step's messages for other ranks */
  size_t nsends, cap_sends, sends_done;   /* sends_done: sent so far, in order */
  float *staging;                         /* host staging between contexts and ranks */
  size_t staging_cap, staging_used;       /* floats */
  int sizing;                             /* init's first pass: count bytes, allocate nothing */
  int mpi;                                /* some stages are other MPI ranks' (collectives) */
  int dry;                                /* described devices (device.h `dry`): a step only
                                             records its plan (s2s_train_step_plan) */
  struct s2s_train_step *mb_head, *mb_next; /* MPI: every micro-batch's step in a list, so
                                             a rank waiting for one micro-batch's message
                                             sends the others' (NULL: just this one) */
  int tag_salt;                           /* MPI: or-ed into every message tag (a
                                             micro-batch's; 0 otherwise) */
  int group;                              /* MPI: the ranks of this pipeline, for its
                                             collectives (0: the world; a replica's) */
  int loss_rows;                          /* the loss gradient is divided by this many rows
                                             (0: the batch's B; a replica's: the global B) */
  struct s2s_dp *dp;                      /* data parallel: the other replicas and the
                                             all-reduce (data_parallel.c); NULL: one */
  struct s2s_mb *mb;                      /* micro-batches: the other micro-batches' steps,
                                             sharing this one's parameters and gradients
                                             (micro_batch.c); NULL: none */
  const struct s2s_train_step *shared;    /* a micro-batch's step: its params, grads and
                                             transposed weights are this step's (micro-
                                             batch 0's), never allocated nor freed here */
  s2s_buf xs[2][S2S_MAX_LAYERS];          /* each layer's input as its device reads it,
                                             from the forward, for the backward */
} s2s_train_step;

/* Allocates everything for ndev devices laid out by split (NULL: s2s_split_default), for
 * the config's batch and sentences of up to max_len source words and max_len+1 target
 * tokens. Each stage holds only its own parameters and gradients. A first pass counts
 * what every device needs (st[d].need_bytes, largest_bytes) and refuses, before any
 * allocation, a split that exceeds a device's global memory or largest allocation, with
 * every device's numbers; an allocation that fails anyway is named with its sizes. */
int s2s_train_step_init(s2s_train_step *s, s2s_device *devs, int ndev, const s2s_split *split,
                        const s2s_config *cfg);
void s2s_train_step_free(s2s_train_step *s);

/* How the devices share the step beside the split's pipeline: R data-parallel replicas, or
 * M micro-batches in a schedule (both 1: the pipeline alone; both > 1 is not supported
 * yet). */
typedef struct s2s_parallel {
  int replicas, micro_batches, schedule; /* 0 reads as 1; schedule: S2S_SCHEDULE_* */
} s2s_parallel;
/* s2s_train_step_init_replicas or _micro as par says (NULL: s2s_train_step_init). */
int s2s_train_step_init_parallel(s2s_train_step *s, s2s_device *devs, int ndev,
                                 const s2s_parallel *par, const s2s_split *split,
                                 const s2s_config *cfg);

/* Data parallelism beside the pipeline (data_parallel.c): R replicas of the split's
 * pipeline, replica r on devices [r*S, (r+1)*S) of devs (S = ndev / R; split describes S
 * devices). s itself is replica 0; cfg->batch is the global batch, cut into R row blocks of
 * ceil(B/R) rows (the batch content is the 1-device run's). After the backward the
 * gradients are summed over the replicas (the embedding tables as their touched rows
 * only), the clip norm is taken from the sum, and every replica applies the same update.
 * R = 1 is s2s_train_step_init. Under mpirun a rank per device: replica q is ranks
 * [q*S, (q+1)*S), a pipeline whose collectives stay within it (s->group), and each stage's
 * gradients are summed by MPI_Allreduce among the R ranks that hold that stage. */
#define S2S_MAX_REPLICAS 16
int s2s_train_step_init_replicas(s2s_train_step *s, s2s_device *devs, int ndev, int replicas,
                                 const s2s_split *split, const s2s_config *cfg);
/* The micro-batched pipeline (micro_batch.c): the batch cut into M row blocks that flow
 * through the split's stages one after another, in the schedule's order (fill-drain:
 * every forward, then every backward; 1F1B: a forward per stage in flight, then a backward
 * and a forward in turn), their gradients added up, then one norm and one update: the same
 * step as one device. The micro-batches share the parameters and gradients; each holds its
 * own activations, and the memory check counts the parameters once and every
 * micro-batch's activations. M = 1 is s2s_train_step_init. Under mpirun a rank per device,
 * as the pipeline. */
#define S2S_MAX_MICRO 64
enum { S2S_SCHEDULE_FILL_DRAIN = 0, S2S_SCHEDULE_1F1B = 1 };
int s2s_train_step_init_micro(s2s_train_step *s, s2s_device *devs, int ndev, int micro_batches,
                              int schedule, const s2s_split *split, const s2s_config *cfg);
int s2s_train_step_micro_batches(const s2s_train_step *s);
/* Parses "fill-drain" or "1f1b"; -1 for anything else. */
int s2s_schedule_parse(const char *name);
const char *s2s_schedule_name(int schedule);

/* Replicas compare a checksum of their parameters every `every` steps (0: never; the
 * default is S2S_REPLICA_CHECK_EVERY); a mismatch fails the step with both checksums. */
#define S2S_REPLICA_CHECK_EVERY 100
void s2s_train_step_replica_check(s2s_train_step *s, long every);
/* What the last step's all-reduce moved between the devices and the host, in bytes of
 * gradient (read and written back), the embedding rows' part separately. 0 without
 * replicas. */
typedef struct s2s_allreduce_bytes {
  double dense, rows;  /* bytes: dense parameters; touched embedding rows */
  double mpi;          /* under mpirun: gradient bytes this rank gave MPI_Allreduce */
  long rows_src, rows_tgt; /* the touched rows of each table */
} s2s_allreduce_bytes;
s2s_allreduce_bytes s2s_train_step_allreduce_bytes(const s2s_train_step *s);
int s2s_train_step_replicas(const s2s_train_step *s);       /* R */
int s2s_train_step_local_replicas(const s2s_train_step *s); /* in this process */
/* The sizing pass alone, for ndev devices like `info` that are not opened (the paper's 8
 * GPUs from a machine with one): one line per device (s2s_train_step_memory_print) to f.
 * 0 when the split fits such devices, 1 when it does not, -1 on an error. */
int s2s_train_step_plan_memory(const s2s_device_info *info, int ndev, const s2s_split *split,
                               const s2s_config *cfg, FILE *f);
/* One line per device: what the step needs there against the device's memory. */
void s2s_train_step_memory_print(const s2s_train_step *s, FILE *f);

/* The plan of one training step with update (plan/plan.h), built dry: the step's own code
 * runs on ndev devices described by info[d] (never opened), so every node is a command the
 * executor would give, in the order it gives them. context[d] groups devices into OpenCL
 * contexts (NULL: all in one; different groups: host staging between them, as for devices
 * of different platforms). The batch is B sentences of T_src source and T_tgt target
 * tokens. Refuses (with every device's numbers) a split that does not fit the memory that
 * info describes. 0 or -1. */
int s2s_train_step_plan(const s2s_device_info *info, int ndev, const int *context,
                        const s2s_split *split, const s2s_config *cfg, int B, int T_src,
                        int T_tgt, s2s_plan *out);
/* The same with par (NULL: the pipeline alone): R data-parallel replicas of split over
 * ndev = R * S devices (device d of replica r: r * S + d), with the all-reduce's transfers
 * and kernels (the batch's words all differ while the vocabularies last, so the embedding
 * rows moved are an upper bound); or M micro-batches in their schedule's order. */
int s2s_train_step_plan_parallel(const s2s_device_info *info, int ndev, const s2s_parallel *par,
                                 const int *context, const s2s_split *split,
                                 const s2s_config *cfg, int B, int T_src, int T_tgt,
                                 s2s_plan *out);
/* Records the commands of the next steps run on s into p (NULL: stop); with a timeline
 * captured at the same time, each node's ref is its timeline row. */
void s2s_train_step_record(s2s_train_step *s, s2s_plan *p);

int s2s_train_step_set_params(s2s_train_step *s, const float *params);
int s2s_train_step_get_params(s2s_train_step *s, float *params);
int s2s_train_step_get_grads(s2s_train_step *s, float *grads);

/* Forward + backward (+ norm, and the clipped SGD update with rate lr when update != 0). */
int s2s_train_step_run(s2s_train_step *s, const s2s_batch *b, float lr, int update,
                       s2s_step_result *out);

/* Forward only: loss and accuracy of a batch without touching gradients (dev perplexity). */
int s2s_train_step_eval(s2s_train_step *s, const s2s_batch *b, s2s_step_result *out);

/* FLOP of one training step on this batch (results/FACTS.md: 3x forward, multiply-add = 2). */
double s2s_train_step_flops(const s2s_config *cfg, const s2s_batch *b);

#endif

/* How the model is laid over the devices of a run (the paper put one LSTM layer pair on
 * each of 4 GPUs and the softmax in 4 column shards on 4 more). Encoder layer l and
 * decoder layer l always share a device (the decoder starts from that encoder layer's
 * state); the embeddings live with layer 0; the softmax is split into column shards.
 *
 * Syntax (device numbers are positions in --devices, from 0):
 *   layers=D0,D1,...;softmax=S0,S1,...
 *     layers:  one device per layer pair, bottom to top (L entries)
 *     softmax: one device per shard (k entries, k >= 1); the vocabulary is cut into k
 *              column ranges of near-equal width, in order; a device may hold several
 *              shards or also layers (shared) or only shards (dedicated).
 *   Examples for L = 4: "layers=0,1,2,3;softmax=4,5,6,7" (the paper's 4 + 4 on 8 devices),
 *   "layers=0,0,1,1;softmax=1" (two devices, uneven), "layers=0,1,1,1;softmax=0,1".
 * Default for n devices and L layers (s2s_split_default):
 *   n = 1: everything on device 0;
 *   n >= 2L: layers on devices 0..L-1, softmax shards on devices L..n-1 (paper: 4 + 4);
 *   L < n < 2L: layers on 0..L-1, softmax shards on L..n-1;
 *   n <= L: layers in contiguous blocks (layer l on device l*n/L), softmax in n shards,
 *           one per device (the softmax is the largest part of the step). */
#ifndef S2S_SPLIT_H
#define S2S_SPLIT_H

#include <stddef.h>

#include "model/config.h"

#define S2S_MAX_DEVICES 16
#define S2S_MAX_SHARDS 16

typedef struct s2s_split {
  int ndev;
  int layers;
  int layer_dev[S2S_MAX_LAYERS];     /* device of layer pair l */
  int shards;
  int shard_dev[S2S_MAX_SHARDS];     /* device of softmax shard k */
  int shard_v0[S2S_MAX_SHARDS + 1];  /* shard k holds target words [v0[k], v0[k+1]) */
  int unfused;  /* the sharded softmax even where one shard sits on the top layer's device
                   (predict: a split's softmax timed on one device; never parsed) */
} s2s_split;

/* Default split (rules above) for n devices and the config's layers and vocabulary. */
void s2s_split_default(s2s_split *s, int ndev, const s2s_config *c);
/* Parses spec; refuses an unknown device, a wrong layer count, too many shards, a shard
 * narrower than one word, or a device that holds nothing. Message in err, returns -1. */
int s2s_split_parse(s2s_split *s, const char *spec, int ndev, const s2s_config *c, char *err,
                    size_t errlen);
/* "layers=0,1;softmax=1,0" (the canonical form, printed and recorded). */
void s2s_split_format(const s2s_split *s, char *buf, size_t len);

/* The analytic speedup bound of a split for sentences of T_src + T_tgt tokens, with FLOPs
 * standing in for time: total work / (busiest device's work + the wavefront's fill and
 * drain, (D - 1) steps of the slowest layer device, D = devices along the layer chain).
 * One layer per device over T steps gives L*T/(T+L-1); unbalanced stages give at most
 * sum/max (results/FACTS.md). Also returns each device's share of the work in share[ndev]. */
double s2s_split_bound(const s2s_split *s, const s2s_config *c, int T_src, int T_tgt,
                       double *share);

#endif

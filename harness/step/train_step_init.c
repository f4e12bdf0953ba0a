/* Setting up and tearing down the training step (train_step.h): which parameters each
 * device holds, the per-layer and softmax buffers on their devices (with local copies
 * where devices sit in different contexts), and the parameter/gradient block moving in
 * and out. The step itself is in train_step.c and train_step_softmax.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blas/gemm.h"
#include "cl/status.h"
#include "mpi/world.h"
#include "step/train_step_internal.h"

static int alloc(s2s_train_step *s, int d, size_t n, s2s_buf *b, const char *what) {
  if (s->sizing) { /* the first pass: count */
    const size_t bytes = (n ? n : 1) * sizeof(float);
    s->st[d].need_bytes += bytes;
    if (bytes > s->st[d].largest_bytes) s->st[d].largest_bytes = bytes;
    return 0;
  }
  if (!s->st[d].local) return 0; /* another MPI rank's device: it allocates its own */
  if (s2s_buf_alloc(s->st[d].dev, n, b) != 0) {
    fprintf(stderr, "s2sbench: cannot allocate %s (%.1f MiB) on device %d (%s)\n", what,
            (double)n * 4 / (1 << 20), d, s->st[d].dev->info.name);
    return -1;
  }
  return 0;
}

/* A buffer a micro-batch's step shares (s->shared): theirs, neither counted nor allocated. */
static int alloc_or_share(s2s_train_step *s, int d, size_t n, s2s_buf *b, const s2s_buf *theirs,
                          const char *what) {
  if (!s->shared) return alloc(s, d, n, b, what);
  if (!s->sizing) *b = *theirs;
  return 0;
}

static void own(s2s_stage *st, size_t off, size_t len) {
  st->seg_off[st->nseg] = off;
  st->seg_len[st->nseg++] = len;
}

static size_t lstm_len(const s2s_config *c, const s2s_lstm_offsets *o) {
  const size_t G = 4 * (size_t)c->hidden;
  return G * (size_t)o->in + G * (size_t)c->hidden + G;
}

/* Which parameters each device holds: layer pairs (+ embeddings with layer 0), shards. */
static void assign_segments(s2s_train_step *s) {
  const s2s_config *c = &s->cfg;
  for (int l = 0; l < c->layers; l++) {
    s2s_stage *st = &s->st[s->split.layer_dev[l]];
    if (l == 0) {
      own(st, s->lay.src_emb, (size_t)c->src_vocab * c->embed);
      own(st, s->lay.tgt_emb, (size_t)c->tgt_vocab * c->embed);
    }
    own(st, s->lay.enc[l].w_ih, lstm_len(c, &s->lay.enc[l]));
    own(st, s->lay.dec[l].w_ih, lstm_len(c, &s->lay.dec[l]));
  }
  for (int k = 0; k < s->split.shards; k++) {
    s2s_stage *st = &s->st[s->split.shard_dev[k]];
    const size_t v0 = (size_t)s->split.shard_v0[k], w = (size_t)s->split.shard_v0[k + 1] - v0;
    own(st, s->lay.out_w + v0 * c->hidden, w * c->hidden);
    own(st, s->lay.out_b + v0, w);
  }
  for (int d = 0; d < s->ndev; d++) { /* sort by offset and merge neighbours */
    s2s_stage *st = &s->st[d];
    for (int i = 1; i < st->nseg; i++)
      for (int j = i; j > 0 && st->seg_off[j - 1] > st->seg_off[j]; j--) {
        size_t o = st->seg_off[j], n = st->seg_len[j];
        st->seg_off[j] = st->seg_off[j - 1], st->seg_len[j] = st->seg_len[j - 1];
        st->seg_off[j - 1] = o, st->seg_len[j - 1] = n;
      }
    int m = 0;
    for (int i = 0; i < st->nseg; i++) {
      if (m && st->seg_off[m - 1] + st->seg_len[m - 1] == st->seg_off[i]) {
        st->seg_len[m - 1] += st->seg_len[i];
      } else {
        st->seg_off[m] = st->seg_off[i];
        st->seg_len[m++] = st->seg_len[i];
      }
    }
    st->nseg = m;
    st->owned = 0;
    for (int i = 0; i < m; i++) st->seg_loc[i] = st->owned, st->owned += st->seg_len[i];
  }
}

static s2s_buf stage_view(const s2s_stage *st, s2s_buf block, size_t off, const char *what) {
  for (int i = 0; i < st->nseg; i++)
    if (off >= st->seg_off[i] && off < st->seg_off[i] + st->seg_len[i])
      return s2s_buf_at(block, st->seg_loc[i] + (off - st->seg_off[i]));
  fprintf(stderr, "s2sbench: internal error: %s offset %zu is not held by device %s\n", what, off,
          st->dev ? st->dev->info.name : "?");
  return (s2s_buf){0};
}
s2s_buf s2s_stage_param(const s2s_stage *st, size_t off) {
  return stage_view(st, st->params, off, "parameter");
}
s2s_buf s2s_stage_grad(const s2s_stage *st, size_t off) {
  return stage_view(st, st->grads, off, "gradient");
}

static int alloc_layers(s2s_train_step *s) {
  const s2s_config *c = &s->cfg;
  const size_t B = (size_t)c->batch, H = (size_t)c->hidden;
  for (int side = 0; side < 2; side++)
    for (int l = 0; l < c->layers; l++) {
      const int d = s->split.layer_dev[l];
      s2s_layer_bufs *lb = side ? &s->dec[l] : &s->enc[l];
      const size_t T = side ? (size_t)s->T_tgt_max : (size_t)s->T_src_max;
      S2S_TRY(alloc(s, d, (T + 1) * B * H, &lb->h, "LSTM h"));
      S2S_TRY(alloc(s, d, (T + 1) * B * H, &lb->c, "LSTM c"));
      S2S_TRY(alloc(s, d, (T + 1) * B * H, &lb->dh, "LSTM dh"));
      S2S_TRY(alloc(s, d, T * B * 4 * H, &lb->act, "LSTM gates"));
      const size_t in = (size_t)(side ? s->lay.dec : s->lay.enc)[l].in;
      const s2s_layer_bufs *th = s->shared ? &(side ? s->shared->dec : s->shared->enc)[l] : lb;
      S2S_TRY(alloc_or_share(s, d, in * 4 * H, &lb->wt_ih, &th->wt_ih, "transposed W_ih"));
      S2S_TRY(alloc_or_share(s, d, H * 4 * H, &lb->wt_hh, &th->wt_hh, "transposed W_hh"));
      if (l > 0 && s->split.layer_dev[l - 1] != d) {
        const int below = s->split.layer_dev[l - 1];
        S2S_TRY(alloc(s, d, T * B * H, &lb->dxout, "LSTM input gradient"));
        if (!s2s_step_same_ctx(s, below, d)) {
          S2S_TRY(alloc(s, d, T * B * H, &lb->xin, "LSTM input copy"));
          S2S_TRY(alloc(s, below, T * B * H, &(side ? s->dec : s->enc)[l - 1].dxin,
                        "LSTM input-gradient copy"));
        }
      }
      if (s->sizing) continue;
      s->tk_fwd[side][l] = calloc(T, sizeof(s2s_ticket));
      s->tk_bwd[side][l] = calloc(T, sizeof(s2s_ticket));
      if (!s->tk_fwd[side][l] || !s->tk_bwd[side][l]) return -1;
    }
  for (int l = 0; l < c->layers; l++)
    S2S_TRY(alloc(s, s->split.layer_dev[l], B * H, &s->dc[l], "LSTM dc"));
  return 0;
}

static int alloc_softmax(s2s_train_step *s) {
  const s2s_config *c = &s->cfg;
  const size_t B = (size_t)c->batch, H = (size_t)c->hidden, Tm = (size_t)s->T_tgt_max;
  const int top = s->split.layer_dev[c->layers - 1];
  s->fused_softmax = s->split.shards == 1 && s->split.shard_dev[0] == top && !s->split.unfused;
  size_t widest = 0;
  for (int k = 0; k < s->split.shards; k++) {
    size_t w = (size_t)(s->split.shard_v0[k + 1] - s->split.shard_v0[k]);
    if (w > widest) widest = w;
  }
  /* rows per chunk: a quarter of the smallest device's largest single allocation */
  size_t cap = (size_t)-1;
  for (int d = 0; d < s->ndev; d++) {
    size_t r = s->st[d].dev->info.max_alloc / 4 / sizeof(float) / widest;
    if (r < cap) cap = r;
  }
  s->chunk_rows = Tm * B < cap ? Tm * B : cap;
  if (s->chunk_rows < 1) s->chunk_rows = 1;
  int seen[S2S_MAX_DEVICES] = {0}; /* shard devices given the top layer's h already */
  for (int k = 0; k < s->split.shards; k++) {
    const int d = s->split.shard_dev[k];
    const size_t w = (size_t)(s->split.shard_v0[k + 1] - s->split.shard_v0[k]);
    S2S_TRY(alloc(s, d, s->chunk_rows * w, &s->logits[k], "softmax logits"));
    S2S_TRY(alloc_or_share(s, d, H * w, &s->wt_out[k], s->shared ? &s->shared->wt_out[k] : NULL,
                           "transposed softmax weights"));
    if (s->fused_softmax) break;
    S2S_TRY(alloc(s, d, Tm * B * H, &s->dh_shard[k], "softmax dL/dh"));
    if (d != top && !seen[d]) {
      seen[d] = 1;
      if (!s->sizing && !(s->st[d].top_tk = calloc(Tm, sizeof(s2s_ticket)))) return -1;
      if (!s2s_step_same_ctx(s, d, top))
        S2S_TRY(alloc(s, d, Tm * B * H, &s->st[d].htop, "top decoder h copy"));
    }
    if (!s2s_step_same_ctx(s, d, top))
      S2S_TRY(alloc(s, top, Tm * B * H, &s->dhin[k], "softmax dL/dh copy"));
    S2S_TRY(alloc(s, d, s->chunk_rows * 5, &s->stats[k], "softmax row statistics"));
    S2S_TRY(alloc(s, d, (size_t)s->split.shards * s->chunk_rows * 5, &s->comb[k],
                  "softmax row statistics of all shards"));
  }
  const int d0 = s->split.shard_dev[0];
  S2S_TRY(alloc(s, d0, Tm * B, &s->row_loss, "row losses"));
  S2S_TRY(alloc(s, d0, Tm * B, &s->row_correct, "row accuracy"));
  return 0;
}

void s2s_train_step_memory_print(const s2s_train_step *s, FILE *f) {
  for (int d = 0; d < s->ndev; d++) {
    const s2s_stage *st = &s->st[d];
    fprintf(f, "  device %d: %.1f MiB (parameters and gradients %.1f MiB, largest buffer %.1f "
            "MiB) of %.1f MiB, largest allocation %.1f MiB\n", d, st->need_bytes / 1048576.0,
            2.0 * st->owned * sizeof(float) / 1048576.0, st->largest_bytes / 1048576.0,
            st->dev->info.global_mem / 1048576.0, st->dev->info.max_alloc / 1048576.0);
  }
}

/* The refusal: every device's needs against its memory, before anything is allocated. */
/* A stage needs more than its device's memory or one buffer exceeds its largest allocation
 * (a limit the device does not report is no limit). */
static int over_memory(const s2s_stage *st) {
  const s2s_device_info *i = &st->dev->info;
  return (i->global_mem && st->need_bytes > i->global_mem) ||
         (i->max_alloc && st->largest_bytes > i->max_alloc);
}

static int memory_check(const s2s_train_step *s) {
  int bad = 0;
  for (int d = 0; d < s->ndev; d++) bad |= over_memory(&s->st[d]);
  if (!bad) return 0;
  fprintf(stderr, "s2sbench: the split does not fit the devices (model %dx%d E%d V%d/%d, batch "
          "%d, %d words per sentence):\n", s->cfg.layers, s->cfg.hidden, s->cfg.embed,
          s->cfg.src_vocab, s->cfg.tgt_vocab, s->cfg.batch, s->cfg.max_len);
  s2s_train_step_memory_print(s, stderr);
  for (int d = 0; d < s->ndev; d++) {
    const s2s_stage *st = &s->st[d];
    const s2s_device_info *i = &st->dev->info;
    if (i->global_mem && st->need_bytes > i->global_mem)
      fprintf(stderr, "  device %d (%s) needs more than its global memory\n", d, i->name);
    if (i->max_alloc && st->largest_bytes > i->max_alloc)
      fprintf(stderr, "  device %d (%s): one buffer exceeds its largest allocation\n", d, i->name);
  }
  fprintf(stderr, "  (a smaller --batch or --max-len, or more devices in --split, lowers it)\n");
  return -1;
}

/* Every device buffer of the step, in one order for both passes (sizing: counted only). */
static int alloc_all(s2s_train_step *s) {
  const size_t B = (size_t)s->cfg.batch, E = (size_t)s->cfg.embed, Tm = (size_t)s->T_tgt_max;
  for (int d = 0; d < s->ndev; d++) {
    s2s_stage *st = &s->st[d];
    const s2s_stage *th = s->shared ? &s->shared->st[d] : st;
    S2S_TRY(alloc_or_share(s, d, st->owned, &st->params, &th->params, "parameters"));
    S2S_TRY(alloc_or_share(s, d, st->owned, &st->grads, &th->grads, "gradients"));
    S2S_TRY(alloc(s, d, 4, &st->scalars, "scalars"));
  }
  S2S_TRY(alloc_layers(s));
  const int d0 = s->split.layer_dev[0];
  S2S_TRY(alloc(s, d0, (size_t)s->T_src_max * B * E, &s->x_src, "source embeddings"));
  S2S_TRY(alloc(s, d0, Tm * B * E, &s->x_tgt, "target embeddings"));
  S2S_TRY(alloc(s, d0, Tm * B * E, &s->dx, "embedding gradient"));
  S2S_TRY(alloc_softmax(s));
  for (int d = 0; d < s->ndev; d++) {
    S2S_TRY(alloc(s, d, 3 * Tm * B, &s->st[d].ids, "token ids"));
    S2S_TRY(alloc(s, d, 2 * Tm * B, &s->st[d].masks, "masks"));
  }
  return 0;
}

/* What init and the memory plan share: config, layout, split, sentence lengths, the
 * stages' devices (local unless a placeholder of another rank) and their segments. */
static int lay_out(s2s_train_step *s, s2s_device *devs, int ndev, const s2s_split *split,
                   const s2s_config *cfg) {
  memset(s, 0, sizeof *s);
  if (ndev < 1 || ndev > S2S_MAX_DEVICES) {
    fprintf(stderr, "s2sbench: %d devices (1..%d supported)\n", ndev, S2S_MAX_DEVICES);
    return -1;
  }
  s->cfg = *cfg;
  s->ndev = ndev;
  s2s_params_layout(&s->lay, cfg);
  if (split) s->split = *split;
  else s2s_split_default(&s->split, ndev, cfg);
  s->T_src_max = cfg->max_len;
  s->T_tgt_max = cfg->max_len + 1;
  for (int d = 0; d < ndev; d++) s->st[d].dev = &devs[d], s->st[d].local = !devs[d].remote;
  assign_segments(s);
  return 0;
}

int s2s_train_step_plan_memory(const s2s_device_info *info, int ndev, const s2s_split *split,
                               const s2s_config *cfg, FILE *f) {
  s2s_train_step *s = calloc(1, sizeof *s);
  s2s_device *devs = calloc(ndev > 0 ? (size_t)ndev : 1, sizeof *devs);
  if (!s || !devs) return free(s), free(devs), -1;
  for (int d = 0; d < ndev && d < S2S_MAX_DEVICES; d++) { /* described, never opened */
    devs[d].info = *info;
    devs[d].remote = 1;
    devs[d].rank = d;
  }
  int rc = lay_out(s, devs, ndev, split, cfg);
  int fits = 1;
  if (rc == 0) {
    s->sizing = 1;
    rc = alloc_all(s);
    for (int d = 0; d < ndev; d++) fits &= !over_memory(&s->st[d]);
  }
  if (rc == 0) s2s_train_step_memory_print(s, f);
  free(s);
  free(devs);
  return rc != 0 ? -1 : fits ? 0 : 1;
}

int s2s_train_step_init(s2s_train_step *s, s2s_device *devs, int ndev, const s2s_split *split,
                        const s2s_config *cfg) {
  return s2s_step_init_sharing(s, devs, ndev, split, cfg, NULL);
}

int s2s_step_init_sharing(s2s_train_step *s, s2s_device *devs, int ndev, const s2s_split *split,
                          const s2s_config *cfg, const s2s_train_step *with) {
  S2S_TRY(lay_out(s, devs, ndev, split, cfg));
  s->shared = with;
  for (int d = 0; with && d < ndev; d++) { /* on top of what the shared steps hold */
    s->st[d].need_bytes = with->st[d].need_bytes;
    s->st[d].largest_bytes = with->st[d].largest_bytes;
  }
  s->dry = devs[0].dry;
  for (int d = 1; d < ndev; d++)
    if (devs[d].dry != s->dry) {
      fprintf(stderr, "s2sbench: internal error: described and opened devices in one step\n");
      return -1;
    }
  const size_t B = (size_t)cfg->batch, Tm = (size_t)s->T_tgt_max;
  int first_local = -1;
  for (int d = ndev - 1; d >= 0; d--)
    if (s->st[d].local) first_local = d;
    else s->mpi = 1;
  if (first_local < 0) {
    fprintf(stderr, "s2sbench: internal error: no device of the step is this process's\n");
    return -1;
  }
  if (s->mpi && (cfg->max_len + 1 >= 4096 || s2s_mpi_tag_ub() < S2S_TAG(S2S_TAG_KINDS, 0, 0))) {
    fprintf(stderr, "s2sbench: under MPI, --max-len must stay below 4095 and MPI_TAG_UB at or "
            "above %d (it is %d)\n", S2S_TAG(S2S_TAG_KINDS, 0, 0), s2s_mpi_tag_ub());
    return -1;
  }
  /* pass 0 counts what each device needs and refuses a split that cannot fit; pass 1
   * allocates */
  for (s->sizing = 1; s->sizing >= 0; s->sizing--) {
    S2S_TRY(alloc_all(s));
    if (s->sizing && memory_check(s) != 0) {
      s->sizing = 0;
      return -1;
    }
    if (s->sizing)
      for (int d = 0; d < ndev; d++)
        if (s->st[d].local) S2S_TRY(s2s_kernels_init(&s->st[d].k, s->st[d].dev));
  }
  s->sizing = 0;
  int staged = 0;
  for (int d = 0; d < ndev; d++) staged |= !s2s_step_same_ctx(s, 0, d);
  if (staged && !s->dry) { /* a generous bound on what crosses contexts in one step */
    const size_t H = (size_t)cfg->hidden, T2 = (size_t)(s->T_src_max + s->T_tgt_max);
    s->staging_cap = 4 * T2 * B * H * (size_t)cfg->layers +
                     (size_t)ndev * (2 * Tm * B * H) +
                     (size_t)s->split.shards * s->split.shards * Tm * B * 5;
    s->staging = malloc(s->staging_cap * sizeof(float));
    if (!s->staging) return -1;
  }
  s->host_ids = calloc(3 * Tm * B, sizeof *s->host_ids);
  s->host_masks = calloc(2 * Tm * B, sizeof *s->host_masks);
  if (!s->host_ids || !s->host_masks) return -1;
  if (s->dry) return 0;
  return clFinish(s->st[first_local].dev->queue) == CL_SUCCESS ? 0 : -1;
}

static void free_buf(s2s_buf *b) {
  if (b->mem) s2s_buf_free(b);
}

void s2s_step_free_one(s2s_train_step *s) {
  for (int d = 0; d < s->ndev; d++)
    if (s->st[d].dev && s->st[d].local && !s->dry) clFinish(s->st[d].dev->queue);
  s2s_step_release(s);
  free(s->events);
  free(s->sends);
  s2s_buf *all[] = {&s->x_src, &s->x_tgt, &s->dx, &s->row_loss, &s->row_correct};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) free_buf(all[i]);
  for (int l = 0; l < S2S_MAX_LAYERS; l++) {
    s2s_layer_bufs *lbs[] = {&s->enc[l], &s->dec[l]};
    for (int k = 0; k < 2; k++) {
      free_buf(&lbs[k]->h), free_buf(&lbs[k]->c), free_buf(&lbs[k]->act);
      free_buf(&lbs[k]->dh), free_buf(&lbs[k]->dxout);
      free_buf(&lbs[k]->xin), free_buf(&lbs[k]->dxin);
      free_buf(&lbs[k]->wt_ih), free_buf(&lbs[k]->wt_hh);
      free(s->tk_fwd[k][l]);
      free(s->tk_bwd[k][l]);
    }
    free_buf(&s->dc[l]);
  }
  for (int k = 0; k < S2S_MAX_SHARDS; k++) {
    free_buf(&s->dh_shard[k]), free_buf(&s->stats[k]);
    free_buf(&s->logits[k]), free_buf(&s->comb[k]), free_buf(&s->dhin[k]);
    free_buf(&s->wt_out[k]);
  }
  for (int d = 0; d < s->ndev; d++) {
    s2s_stage *st = &s->st[d];
    free_buf(&st->params), free_buf(&st->grads), free_buf(&st->scalars);
    free_buf(&st->ids), free_buf(&st->masks), free_buf(&st->htop);
    free(st->top_tk);
    if (st->k.dev) s2s_kernels_free(&st->k);
  }
  free(s->host_ids);
  free(s->host_masks);
  free(s->staging);
  memset(s, 0, sizeof *s);
}

int s2s_step_set_params_one(s2s_train_step *s, const float *params) {
  s->wt_stale = 1;
  for (int d = 0; d < s->ndev; d++) {
    s2s_stage *st = &s->st[d];
    for (int i = 0; st->local && i < st->nseg; i++)
      S2S_TRY(s2s_buf_write(st->dev, s2s_buf_at(st->params, st->seg_loc[i]),
                            params + st->seg_off[i], st->seg_len[i]));
  }
  return 0;
}

/* Gathers a block (params or grads) from the devices that own each segment. Under MPI
 * every rank calls it: each fills its own segments into a zeroed block and a sum over the
 * ranks completes it everywhere (each float is owned by exactly one device). */
static int gather(s2s_train_step *s, int grads, float *out) {
  if (s->mpi) memset(out, 0, s->lay.total * sizeof *out);
  for (int d = 0; d < s->ndev; d++) {
    s2s_stage *st = &s->st[d];
    for (int i = 0; st->local && i < st->nseg; i++)
      S2S_TRY(s2s_buf_read(st->dev, s2s_buf_at(grads ? st->grads : st->params, st->seg_loc[i]),
                           out + st->seg_off[i], st->seg_len[i]));
  }
  return s->mpi ? s2s_mpi_sum_floats_in(s->group, out, s->lay.total) : 0;
}
int s2s_train_step_get_params(s2s_train_step *s, float *params) { return gather(s, 0, params); }
int s2s_train_step_get_grads(s2s_train_step *s, float *grads) { return gather(s, 1, grads); }

/* Views of one part (source 0, target 1) of a device's token id and mask blocks. */
s2s_buf s2s_step_ids(s2s_train_step *s, int d, int part) {
  return s2s_buf_at(s->st[d].ids, (size_t)part * s->T_tgt_max * s->cfg.batch);
}
s2s_buf s2s_step_mask(s2s_train_step *s, int d, int part) {
  return s2s_buf_at(s->st[d].masks, (size_t)part * s->T_tgt_max * s->cfg.batch);
}

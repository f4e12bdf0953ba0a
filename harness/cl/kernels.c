/* Builds the model's kernel program for one device and launches its kernels. Arguments
 * are set from a short type string ("i" int, "u" ulong, "f" float, "m" cl_mem, "b" a
 * (buffer, offset) view = cl_mem then ulong) so each launcher reads like its signature. */
#include "cl/kernels.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cl/program.h"
#include "cl/status.h"
#include "cl/timeline.h"
#include "plan/plan.h"

/* A buffer of another context is undefined behaviour: Intel's runtime refuses it
 * (CL_INVALID_MEM_OBJECT), PoCL takes it silently, so a pipeline over several PoCL
 * contexts would hide the bug that a mixed-vendor run hits. Checked on every buffer
 * argument (two info queries: cheap next to a launch); names the kernel and argument. */
static int same_context(cl_kernel kern, cl_context *kctx, cl_mem m, cl_uint idx) {
  if (!m) return 1;
  if (!*kctx && clGetKernelInfo(kern, CL_KERNEL_CONTEXT, sizeof *kctx, kctx, NULL) != CL_SUCCESS)
    return 1; /* cannot tell: let clSetKernelArg judge */
  cl_context mctx = NULL;
  if (clGetMemObjectInfo(m, CL_MEM_CONTEXT, sizeof mctx, &mctx, NULL) != CL_SUCCESS) return 1;
  if (mctx == *kctx) return 1;
  char name[64] = "";
  clGetKernelInfo(kern, CL_KERNEL_FUNCTION_NAME, sizeof name - 1, name, NULL);
  fprintf(stderr, "s2sbench: kernel %s argument %u: a buffer of another OpenCL context\n", name,
          idx);
  return 0;
}

/* A dry device's kernels (device.h `dry`) are handles that name an entry of this table:
 * odd values no runtime hands out. Launching one records its plan node only. */
static const char *const dry_names[] = {
    "lstm_cell_forward", "lstm_cell_backward", "embedding_forward",   "embedding_backward",
    "softmax_xent",      "reduce_sum",         "column_sum",          "sgd_clip_update",
    "axpy",              "softmax_shard_stats", "softmax_shard_grad", "embedding_rows_set",
    "fill_floats"};
#define DRY_TAG 0x5u
static int is_dry(cl_kernel kern) { return ((uintptr_t)kern & 0xFu) == DRY_TAG; }
static const char *dry_name(cl_kernel kern) {
  const size_t i = (uintptr_t)kern >> 4;
  return i < sizeof dry_names / sizeof *dry_names ? dry_names[i] : "kernel";
}
static cl_kernel dry_kernel(const char *name) {
  size_t i = 0;
  while (i + 1 < sizeof dry_names / sizeof *dry_names && strcmp(dry_names[i], name)) i++;
  return (cl_kernel)(uintptr_t)((i << 4) | DRY_TAG);
}

int s2s_kernel_args(cl_kernel kern, const char *types, ...) {
  if (is_dry(kern)) return 0;
  va_list ap;
  va_start(ap, types);
  cl_uint idx = 0;
  cl_int st = CL_SUCCESS;
  cl_context kctx = NULL;
  for (const char *t = types; *t && st == CL_SUCCESS; t++) {
    switch (*t) {
    case 'i': {
      cl_int v = va_arg(ap, int);
      st = clSetKernelArg(kern, idx++, sizeof v, &v);
      break;
    }
    case 'u': {
      cl_ulong v = (cl_ulong)va_arg(ap, size_t);
      st = clSetKernelArg(kern, idx++, sizeof v, &v);
      break;
    }
    case 'f': {
      cl_float v = (cl_float)va_arg(ap, double);
      st = clSetKernelArg(kern, idx++, sizeof v, &v);
      break;
    }
    case 'm': {
      cl_mem v = va_arg(ap, cl_mem);
      if (!same_context(kern, &kctx, v, idx)) st = CL_INVALID_MEM_OBJECT;
      else st = clSetKernelArg(kern, idx++, sizeof v, &v);
      break;
    }
    case 'b': {
      s2s_buf b = va_arg(ap, s2s_buf);
      cl_ulong off = b.off;
      if (!same_context(kern, &kctx, b.mem, idx)) {
        st = CL_INVALID_MEM_OBJECT;
        break;
      }
      st = clSetKernelArg(kern, idx++, sizeof b.mem, &b.mem);
      if (st == CL_SUCCESS) st = clSetKernelArg(kern, idx++, sizeof off, &off);
      break;
    }
    }
  }
  va_end(ap);
  if (st != CL_SUCCESS) {
    s2s_report_cl(__FILE__, __LINE__, "clSetKernelArg", st);
    return -1;
  }
  return 0;
}

/* A launch recorded as a plan node of op (a kernel, or a fill that a kernel does). */
static int launch(s2s_device *d, cl_kernel kern, size_t global, size_t local, s2s_op op) {
  if (global == 0) return 0;
  if (local) global = (global + local - 1) / local * local;
  cl_event *ev = NULL;
  if (d->dry) {
    s2s_plan_add(d, op, dry_name(kern), global, -1, 0);
    return 0;
  }
  if (s2s_timeline_active() || s2s_plan_current()) {
    char name[40] = "";
    clGetKernelInfo(kern, CL_KERNEL_FUNCTION_NAME, sizeof name - 1, name, NULL);
    ev = s2s_timeline_slot_node(d->queue, name, s2s_plan_add(d, op, name, global, -1, 0));
  }
  S2S_CL_CHECK(clEnqueueNDRangeKernel(d->queue, kern, 1, NULL, &global,
                                      local ? &local : NULL, 0, NULL, ev));
  return 0;
}

int s2s_kernel_launch(s2s_device *d, cl_kernel kern, size_t global, size_t local) {
  return launch(d, kern, global, local, S2S_OP_KERNEL);
}

static size_t pow2_at_most(size_t cap, size_t want) {
  size_t p = 1;
  while (p * 2 <= cap && p * 2 <= want) p *= 2;
  return p;
}

/* A dry device's launchers: the sizes a typical device gives, kernels that only record. */
static void kernels_dry(s2s_kernels *k) {
  k->xent_wg = k->red_wg = k->red_groups = 256;
  cl_kernel *all[] = {&k->lstm_fwd, &k->lstm_bwd, &k->emb_fwd, &k->emb_bwd,     &k->xent,
                      &k->reduce,   &k->colsum,   &k->sgd,     &k->axpy,        &k->shard_stats,
                      &k->shard_grad, &k->emb_set, &k->fill};
  for (size_t i = 0; i < sizeof all / sizeof *all; i++) *all[i] = dry_kernel(dry_names[i]);
}

int s2s_kernels_init(s2s_kernels *k, s2s_device *dev) {
  *k = (s2s_kernels){.dev = dev};
  if (dev->dry) return kernels_dry(k), 0;
  size_t max_wg = 0;
  S2S_CL_CHECK(clGetDeviceInfo(dev->id, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof max_wg, &max_wg,
                               NULL));
  k->xent_wg = pow2_at_most(max_wg, 256);
  k->red_wg = pow2_at_most(max_wg, 256);
  k->red_groups = 256;
  char opts[128];
  snprintf(opts, sizeof opts, "-DS2S_XENT_WG=%zu -DS2S_RED_WG=%zu", k->xent_wg, k->red_wg);
  static const char *const names[] = {"lstm_cell",     "embedding", "softmax_rows",
                                      "softmax_xent",  "softmax_shard", "reduce",
                                      "optimizer",     NULL};
  S2S_TRY(s2s_program_build(dev, names, opts, &k->program));
  S2S_TRY(s2s_kernel_create(k->program, "lstm_cell_forward", &k->lstm_fwd));
  S2S_TRY(s2s_kernel_create(k->program, "lstm_cell_backward", &k->lstm_bwd));
  S2S_TRY(s2s_kernel_create(k->program, "embedding_forward", &k->emb_fwd));
  S2S_TRY(s2s_kernel_create(k->program, "embedding_backward", &k->emb_bwd));
  S2S_TRY(s2s_kernel_create(k->program, "embedding_rows_set", &k->emb_set));
  S2S_TRY(s2s_kernel_create(k->program, "softmax_xent", &k->xent));
  S2S_TRY(s2s_kernel_create(k->program, "reduce_sum", &k->reduce));
  S2S_TRY(s2s_kernel_create(k->program, "column_sum", &k->colsum));
  S2S_TRY(s2s_kernel_create(k->program, "sgd_clip_update", &k->sgd));
  S2S_TRY(s2s_kernel_create(k->program, "axpy", &k->axpy));
  S2S_TRY(s2s_kernel_create(k->program, "fill_floats", &k->fill));
  S2S_TRY(s2s_kernel_create(k->program, "softmax_shard_stats", &k->shard_stats));
  S2S_TRY(s2s_kernel_create(k->program, "softmax_shard_grad", &k->shard_grad));
  S2S_TRY(s2s_buf_alloc(dev, k->red_groups, &k->partials));
  return 0;
}

void s2s_kernels_free(s2s_kernels *k) {
  cl_kernel all[] = {k->lstm_fwd, k->lstm_bwd, k->emb_fwd, k->emb_bwd,     k->xent,
                     k->reduce,   k->colsum,   k->sgd,     k->axpy,        k->shard_stats,
                     k->shard_grad, k->emb_set, k->fill};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
    if (all[i] && !is_dry(all[i])) clReleaseKernel(all[i]);
  if (k->partials.mem) s2s_buf_free(&k->partials);
  /* the program is owned by program.c's cache */
  *k = (s2s_kernels){0};
}

int s2s_cl_lstm_cell_forward(s2s_kernels *k, int B, int H, s2s_buf gates, s2s_buf bias,
                             s2s_buf c_prev, s2s_buf h_prev, s2s_buf mask, s2s_buf c,
                             s2s_buf h) {
  S2S_TRY(s2s_kernel_args(k->lstm_fwd, "iibbbbbbb", B, H, gates, bias, c_prev, h_prev, mask, c, h));
  return s2s_kernel_launch(k->dev, k->lstm_fwd, (size_t)B * H, 0);
}

int s2s_cl_lstm_cell_backward(s2s_kernels *k, int B, int H, s2s_buf act, s2s_buf c_prev,
                              s2s_buf c, s2s_buf mask, s2s_buf dh, s2s_buf dc,
                              s2s_buf dh_prev) {
  S2S_TRY(s2s_kernel_args(k->lstm_bwd, "iibbbbbbb", B, H, act, c_prev, c, mask, dh, dc, dh_prev));
  return s2s_kernel_launch(k->dev, k->lstm_bwd, (size_t)B * H, 0);
}

int s2s_cl_embedding_forward(s2s_kernels *k, int N, int E, s2s_buf table, s2s_buf ids,
                             s2s_buf out) {
  S2S_TRY(s2s_kernel_args(k->emb_fwd, "iibbb", N, E, table, ids, out));
  return s2s_kernel_launch(k->dev, k->emb_fwd, (size_t)N * E, 0);
}

int s2s_cl_embedding_backward(s2s_kernels *k, int N, int E, s2s_buf ids, s2s_buf dout,
                              s2s_buf dtable) {
  S2S_TRY(s2s_kernel_args(k->emb_bwd, "iibbb", N, E, ids, dout, dtable));
  return s2s_kernel_launch(k->dev, k->emb_bwd, (size_t)E, 0);
}

int s2s_cl_embedding_rows_set(s2s_kernels *k, int N, int E, s2s_buf ids, s2s_buf src,
                              s2s_buf table) {
  S2S_TRY(s2s_kernel_args(k->emb_set, "iibbb", N, E, ids, src, table));
  return s2s_kernel_launch(k->dev, k->emb_set, (size_t)N * E, 0);
}

int s2s_cl_softmax_xent(s2s_kernels *k, int N, int V, s2s_buf logits, s2s_buf bias,
                        s2s_buf target, s2s_buf mask, float scale, s2s_buf loss,
                        s2s_buf correct) {
  S2S_TRY(s2s_kernel_args(k->xent, "iibbbbfbb", N, V, logits, bias, target, mask, (double)scale, loss,
                   correct));
  return s2s_kernel_launch(k->dev, k->xent, (size_t)N * k->xent_wg, k->xent_wg);
}

int s2s_cl_softmax_shard_stats(s2s_kernels *k, int N, int Vk, int v0, s2s_buf logits,
                               s2s_buf bias, s2s_buf target, s2s_buf stats) {
  S2S_TRY(s2s_kernel_args(k->shard_stats, "iiibbbb", N, Vk, v0, logits, bias, target, stats));
  return s2s_kernel_launch(k->dev, k->shard_stats, (size_t)N * k->xent_wg, k->xent_wg);
}

int s2s_cl_softmax_shard_grad(s2s_kernels *k, int N, int Vk, int v0, int shards, int me,
                              s2s_buf logits, s2s_buf bias, s2s_buf target, s2s_buf mask,
                              s2s_buf all, float scale, int write_loss, s2s_buf loss,
                              s2s_buf correct) {
  S2S_TRY(s2s_kernel_args(k->shard_grad, "iiiiibbbbbfibb", N, Vk, v0, shards, me, logits, bias, target,
                   mask, all, (double)scale, write_loss, loss, correct));
  return s2s_kernel_launch(k->dev, k->shard_grad, (size_t)N * k->xent_wg, k->xent_wg);
}

int s2s_cl_reduce_sum(s2s_kernels *k, size_t n, s2s_buf x, int squares, s2s_buf out,
                      int accumulate) {
  size_t groups = (n + k->red_wg - 1) / k->red_wg;
  if (groups > k->red_groups) groups = k->red_groups;
  if (groups <= 1) {
    S2S_TRY(s2s_kernel_args(k->reduce, "ubibi", n, x, squares, out, accumulate));
    return s2s_kernel_launch(k->dev, k->reduce, k->red_wg, k->red_wg);
  }
  S2S_TRY(s2s_kernel_args(k->reduce, "ubibi", n, x, squares, k->partials, 0));
  S2S_TRY(s2s_kernel_launch(k->dev, k->reduce, groups * k->red_wg, k->red_wg));
  S2S_TRY(s2s_kernel_args(k->reduce, "ubibi", groups, k->partials, 0, out, accumulate));
  return s2s_kernel_launch(k->dev, k->reduce, k->red_wg, k->red_wg);
}

int s2s_cl_sgd_clip_update(s2s_kernels *k, size_t n, s2s_buf params, s2s_buf grads,
                           s2s_buf scalars, int norm2_index, float lr, float clip) {
  S2S_TRY(s2s_kernel_args(k->sgd, "ubbmiff", n, params, grads, scalars.mem,
                   (int)(scalars.off + (size_t)norm2_index), (double)lr, (double)clip));
  return s2s_kernel_launch(k->dev, k->sgd, n, 0);
}

int s2s_cl_column_sum(s2s_kernels *k, size_t rows, size_t cols, s2s_buf x, s2s_buf out) {
  S2S_TRY(s2s_kernel_args(k->colsum, "uubb", rows, cols, x, out));
  return s2s_kernel_launch(k->dev, k->colsum, cols, 0);
}

int s2s_cl_fill(s2s_kernels *k, s2s_buf x, float value, size_t n) {
  S2S_TRY(s2s_kernel_args(k->fill, "ufb", n, (double)value, x));
  return launch(k->dev, k->fill, n, 0, S2S_OP_FILL);
}

int s2s_cl_axpy(s2s_kernels *k, size_t n, float a, s2s_buf x, s2s_buf y) {
  S2S_TRY(s2s_kernel_args(k->axpy, "ufbb", n, (double)a, x, y));
  return s2s_kernel_launch(k->dev, k->axpy, n, 0);
}

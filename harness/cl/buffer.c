/* Device buffers addressed as (cl_mem, offset in 4-byte elements): allocation checked
 * against the device's largest single allocation, blocking host copies, and fills.
 * Out-of-range views are reported with both sizes before OpenCL sees them. */
#include "cl/buffer.h"

#include <stdint.h>
#include <stdio.h>

#include <string.h>

#include "cl/status.h"
#include "cl/timeline.h"
#include "plan/plan.h"

#define MIB(bytes) ((double)(bytes) / (1024.0 * 1024.0))

int s2s_buf_alloc(s2s_device *d, size_t n, s2s_buf *out) {
  out->mem = NULL;
  out->off = 0;
  if (d->dry) return 0; /* a described device: views without memory */
  if (n == 0) n = 1; /* OpenCL has no empty buffers; an empty block still gets a handle */
  if (n > SIZE_MAX / 4) {
    fprintf(stderr, "s2sbench: buffer of %zu elements overflows size_t\n", n);
    return -1;
  }
  size_t bytes = n * 4;
  if (d->info.max_alloc && bytes > d->info.max_alloc) {
    fprintf(stderr,
            "s2sbench: buffer of %zu elements (%zu bytes, %.1f MiB) exceeds the largest "
            "single allocation of '%s' (%llu bytes, CL_DEVICE_MAX_MEM_ALLOC_SIZE): split the "
            "block\n",
            n, bytes, MIB(bytes), d->info.name, d->info.max_alloc);
    return -1;
  }
  cl_int st;
  out->mem = clCreateBuffer(d->ctx, CL_MEM_READ_WRITE, bytes, NULL, &st);
  if (st != CL_SUCCESS) {
    fprintf(stderr, "s2sbench: allocating %.1f MiB on '%s':\n", MIB(bytes), d->info.name);
    s2s_report_cl(__FILE__, __LINE__, "clCreateBuffer", st);
    out->mem = NULL;
    return -1;
  }
  return 0;
}

void s2s_buf_free(s2s_buf *b) {
  if (b->mem) clReleaseMemObject(b->mem);
  b->mem = NULL;
  b->off = 0;
}

/* The view [off, off + n) must lie inside the buffer. */
static int check_range(s2s_buf b, size_t n, const char *what) {
  size_t size = 0;
  if (!b.mem) {
    fprintf(stderr, "s2sbench: %s on a NULL buffer\n", what);
    return -1;
  }
  S2S_CL_CHECK(clGetMemObjectInfo(b.mem, CL_MEM_SIZE, sizeof size, &size, NULL));
  size /= 4;
  if (b.off > size || n > size - b.off) {
    fprintf(stderr,
            "s2sbench: %s of %zu elements at offset %zu exceeds the buffer (%zu "
            "elements)\n",
            what, n, b.off, size);
    return -1;
  }
  return 0;
}

/* Every command below is a plan node while a plan is recorded (plan/plan.h) and a
 * timeline row while a timeline is captured; on a dry device it is only the node. */
int s2s_buf_write(s2s_device *d, s2s_buf dst, const void *src, size_t n) {
  if (n == 0) return 0;
  const long node = s2s_plan_add(d, S2S_OP_WRITE, "write", n, -1, 1);
  if (d->dry) return 0;
  S2S_TRY(check_range(dst, n, "s2s_buf_write"));
  S2S_CL_CHECK(clEnqueueWriteBuffer(d->queue, dst.mem, CL_TRUE, dst.off * 4, n * 4, src, 0, NULL,
                                    s2s_timeline_slot_node(d->queue, "write", node)));
  return 0;
}

int s2s_buf_read(s2s_device *d, s2s_buf src, void *dst, size_t n) {
  if (n == 0) return 0;
  const long node = s2s_plan_add(d, S2S_OP_READ, "read", n, -1, 1);
  if (d->dry) return memset(dst, 0, n * 4), 0;
  S2S_TRY(check_range(src, n, "s2s_buf_read"));
  S2S_CL_CHECK(clEnqueueReadBuffer(d->queue, src.mem, CL_TRUE, src.off * 4, n * 4, dst, 0, NULL,
                                   s2s_timeline_slot_node(d->queue, "read", node)));
  return 0;
}

int s2s_buf_fill(s2s_device *d, s2s_buf dst, float value, size_t n) {
  if (n == 0) return 0;
  const long node = s2s_plan_add(d, S2S_OP_FILL, "fill", n, -1, 0);
  if (d->dry) return 0;
  S2S_TRY(check_range(dst, n, "s2s_buf_fill"));
  S2S_CL_CHECK(clEnqueueFillBuffer(d->queue, dst.mem, &value, sizeof value, dst.off * 4, n * 4, 0,
                                   NULL, s2s_timeline_slot_node(d->queue, "fill", node)));
  return 0;
}

int s2s_buf_copy(s2s_device *d, s2s_buf src, s2s_buf dst, size_t n) {
  if (n == 0) return 0;
  const long node = s2s_plan_add(d, S2S_OP_COPY, "copy", n, -1, 0);
  if (d->dry) return 0;
  S2S_TRY(check_range(src, n, "s2s_buf_copy"));
  S2S_TRY(check_range(dst, n, "s2s_buf_copy"));
  S2S_CL_CHECK(clEnqueueCopyBuffer(d->queue, src.mem, dst.mem, src.off * 4, dst.off * 4, n * 4, 0,
                                   NULL, s2s_timeline_slot_node(d->queue, "copy", node)));
  return 0;
}

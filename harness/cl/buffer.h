/* Device memory addressed as (cl_mem, offset in floats or ints), llm.c style: parameters,
 * gradients and activations each live in one allocation and are handed around as views. */
#ifndef S2S_BUFFER_H
#define S2S_BUFFER_H

#include "cl/device.h"

typedef struct s2s_buf {
  cl_mem mem;
  size_t off;  /* in elements (4-byte floats or int32) */
} s2s_buf;

static inline s2s_buf s2s_buf_at(s2s_buf b, size_t elems) {
  b.off += elems;
  return b;
}

/* Allocates n 4-byte elements on the device; a request above the device's max single
 * allocation fails with a message naming both sizes. Returns 0 or -1. */
int s2s_buf_alloc(s2s_device *d, size_t n, s2s_buf *out);
void s2s_buf_free(s2s_buf *b);
/* Blocking copies of n elements between host and (buffer, offset). */
int s2s_buf_write(s2s_device *d, s2s_buf dst, const void *src, size_t n);
int s2s_buf_read(s2s_device *d, s2s_buf src, void *dst, size_t n);
/* Fills n floats with value (clEnqueueFillBuffer, non-blocking in queue order). */
int s2s_buf_fill(s2s_device *d, s2s_buf dst, float value, size_t n);
/* n floats from src to dst on d's queue (one context), non-blocking, in queue order. */
int s2s_buf_copy(s2s_device *d, s2s_buf src, s2s_buf dst, size_t n);

#endif

/* OpenCL devices: select devices with the spec grammar of device.h (by type, P:D, name=,
 * platform=, split with /N or /NxC), open one context per parent device (shared by its
 * sub-devices) and one in-order profiling queue per device. Platforms come in the stable
 * order of device_platforms.c, never the ICD loader's. */
#include "cl/device.h"

#include <ctype.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cl/device_internal.h"
#include "cl/status.h"

typedef s2s_dev_entry entry;

static void errf(char *err, size_t len, const char *fmt, ...) {
  if (!err || !len) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, len, fmt, ap);
  va_end(ap);
}

static void trim_right(char *s) {
  size_t n = strlen(s);
  while (n && isspace((unsigned char)s[n - 1]))
    s[--n] = '\0';
}

int s2s_device_list(s2s_device_info *out, int max) {
  entry *e;
  int n;
  if (s2s_dev_enumerate(&e, &n) != 0) return -1;
  int w = out ? (n < max ? n : max) : n;
  for (int i = 0; out && i < w; i++)
    s2s_device_query_info(e[i].plat, e[i].dev, e[i].pi, e[i].di, &out[i]);
  free(e);
  return w;
}

/* ---- opening ------------------------------------------------------------------------ */

typedef struct {
  s2s_device *v;
  int n, cap;
} dev_vec;

static s2s_device *vec_push(dev_vec *v) {
  if (v->n == v->cap) {
    int cap = v->cap ? 2 * v->cap : 4;
    s2s_device *g = realloc(v->v, (size_t)cap * sizeof *g);
    if (!g) return NULL;
    v->v = g;
    v->cap = cap;
  }
  s2s_device *d = &v->v[v->n++];
  memset(d, 0, sizeof *d);
  d->info.sub_index = -1; /* close must not release a root device it never retained */
  return d;
}

static void CL_CALLBACK ctx_notify(const char *msg, const void *p, size_t n, void *u) {
  fprintf(stderr, "s2sbench: OpenCL context: %s\n", msg);
}

static int make_queue(s2s_device *d) {
  cl_int st;
  d->queue = clCreateCommandQueue(d->ctx, d->id, CL_QUEUE_PROFILING_ENABLE, &st);
  S2S_CL_CHECK(st);
  return 0;
}

static int open_whole(const entry *e, dev_vec *v) {
  s2s_device *d = vec_push(v);
  if (!d) return -1;
  cl_context_properties props[] = {CL_CONTEXT_PLATFORM, (cl_context_properties)e->plat, 0};
  cl_int st;
  d->id = e->dev;
  s2s_device_query_info(e->plat, e->dev, e->pi, e->di, &d->info);
  d->ctx = clCreateContext(props, 1, &e->dev, ctx_notify, NULL, &st);
  S2S_CL_CHECK(st);
  return make_queue(d);
}

/* Splits e into n sub-devices of `per` CUs (0: one CU each), all in one new context.
 * *cursor counts the CUs of e that earlier items of the same spec took: this item's
 * sub-devices start after them. Each clCreateSubDevices call partitions the device anew
 * and PoCL maps sub-device i to the same cores every time, so `cpu/1x1,cpu/1x1` used to
 * put both devices on core 0 (measured: two 1-CU kernels in two contexts took 1.83 s
 * where one took 0.92 s; sub-devices 0 and 1, 0.94 s). */
static int open_split(const entry *e, const char *item, unsigned n, unsigned per, dev_vec *v,
                      unsigned *cursor, char *err, size_t errlen) {
  s2s_device_info pinfo;
  s2s_device_query_info(e->plat, e->dev, e->pi, e->di, &pinfo);
  unsigned cus = pinfo.compute_units;
  if (!strstr(pinfo.partition_types, "equally")) {
    errf(err, errlen, "'%s': device %d:%d '%s' cannot be split (partition types: %s)",
         item, e->pi, e->di, pinfo.name, pinfo.partition_types);
    return -1;
  }
  int explicit_per = per != 0;
  if (per == 0) per = n <= cus ? 1 : 0;
  if (n == 0 || per == 0 || (unsigned long long)n * per > cus) {
    if (explicit_per)
      errf(err, errlen,
           "'%s': device %d:%d '%s' has %u compute units, fewer than "
           "%u parts x %u",
           item, e->pi, e->di, pinfo.name, cus, n, per);
    else
      errf(err, errlen,
           "'%s': device %d:%d '%s' has %u compute units: it splits "
           "into at most %u parts",
           item, e->pi, e->di, pinfo.name, cus, cus);
    return -1;
  }
  cl_device_partition_property props[] = {CL_DEVICE_PARTITION_EQUALLY,
                                          (cl_device_partition_property)per, 0};
  cl_uint avail = 0;
  cl_int st = clCreateSubDevices(e->dev, props, 0, NULL, &avail);
  if (st != CL_SUCCESS || avail < n) {
    errf(err, errlen,
         "'%s': clCreateSubDevices(EQUALLY %u) on '%s' failed: %s (%u "
         "sub-devices available)",
         item, per, pinfo.name, s2s_cl_status_name(st), avail);
    return -1;
  }
  cl_device_id *subs = malloc(avail * sizeof *subs);
  if (!subs) return -1;
  if ((st = clCreateSubDevices(e->dev, props, avail, subs, NULL)) != CL_SUCCESS) {
    errf(err, errlen, "'%s': clCreateSubDevices failed: %s", item,
         s2s_cl_status_name(st));
    free(subs);
    return -1;
  }
  const unsigned first = (*cursor + per - 1) / per; /* after the CUs earlier items took */
  if (first + n > avail) {
    errf(err, errlen,
         "'%s': device %d:%d '%s' has %u compute units; the spec's earlier items took %u of "
         "them, too many for %u more parts of %u",
         item, e->pi, e->di, pinfo.name, cus, *cursor, n, per);
    for (cl_uint i = 0; i < avail; i++)
      clReleaseDevice(subs[i]);
    free(subs);
    return -1;
  }
  for (cl_uint i = 0; i < avail; i++)
    if (i < first || i >= first + n) clReleaseDevice(subs[i]); /* only these n are wanted */
  memmove(subs, subs + first, n * sizeof *subs);
  *cursor = (first + n) * per;
  cl_context_properties cprops[] = {CL_CONTEXT_PLATFORM, (cl_context_properties)e->plat, 0};
  cl_context ctx = clCreateContext(cprops, n, subs, ctx_notify, NULL, &st);
  if (st != CL_SUCCESS) {
    s2s_report_cl(__FILE__, __LINE__, "clCreateContext", st);
    for (unsigned i = 0; i < n; i++)
      clReleaseDevice(subs[i]);
    free(subs);
    return -1;
  }
  int rc = 0;
  for (unsigned i = 0; i < n; i++) {
    s2s_device *d = vec_push(v);
    if (!d) { /* the remaining ids and the context's last reference are ours to drop */
      for (unsigned j = i; j < n; j++)
        clReleaseDevice(subs[j]);
      if (i == 0) clReleaseContext(ctx);
      rc = -1;
      break;
    }
    d->id = subs[i];
    d->ctx = ctx;
    if (i > 0) clRetainContext(ctx); /* each device owns one reference */
    s2s_device_query_info(e->plat, subs[i], e->pi, e->di, &d->info);
    d->info.sub_index = (int)(first + i); /* of the partition's avail sub-devices */
    d->info.sub_count = (int)avail;
    if (rc == 0 && make_queue(d) != 0) rc = -1;
  }
  free(subs);
  return rc;
}

static void list_available(const entry *e, int n, char *buf, size_t len) {
  buf[0] = '\0';
  for (int i = 0; i < n; i++) {
    s2s_device_info info;
    s2s_device_query_info(e[i].plat, e[i].dev, e[i].pi, e[i].di, &info);
    size_t used = strlen(buf);
    snprintf(buf + used, len - used, "%s%d:%d %s (%s, %s)", i ? ", " : "", e[i].pi, e[i].di,
             info.name, s2s_device_type_name(info.type), e[i].pname);
  }
  if (!n) snprintf(buf, len, "none");
}

static int icontains(const char *hay, const char *needle) {
  size_t n = strlen(needle);
  for (; *hay; hay++) {
    size_t i = 0;
    while (i < n && hay[i] && tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
      i++;
    if (i == n) return 1;
  }
  return n == 0;
}

static cl_device_type dev_type(cl_device_id d) {
  cl_device_type t = 0;
  clGetDeviceInfo(d, CL_DEVICE_TYPE, sizeof t, &t, NULL);
  return t;
}

/* Selects entries for one item without its /N suffix; writes indices into sel. */
static int select_base(const char *item, const char *base, const entry *e, int n, int *sel,
                       int *nsel, char *err, size_t errlen) {
  char avail[1024];
  *nsel = 0;
  cl_device_type want = 0;
  const char *tname = NULL;
  if (!strcasecmp(base, "cpu"))
    want = CL_DEVICE_TYPE_CPU, tname = "CPU";
  else if (!strcasecmp(base, "gpu"))
    want = CL_DEVICE_TYPE_GPU, tname = "GPU";
  else if (!strcasecmp(base, "accelerator"))
    want = CL_DEVICE_TYPE_ACCELERATOR, tname = "accelerator";
  else if (!strcasecmp(base, "all"))
    want = CL_DEVICE_TYPE_ALL, tname = "OpenCL";
  if (want) { /* a type: one platform, the first in the stable order that has one (device.h) */
    const int every_platform = want == CL_DEVICE_TYPE_ALL;
    int plat = -1; /* entries come grouped by platform, in that order */
    for (int i = 0; i < n; i++)
      if ((dev_type(e[i].dev) & want) && (every_platform || plat < 0 || e[i].pi == plat))
        sel[(*nsel)++] = i, plat = e[i].pi;
  } else if (!strncmp(base, "name=", 5) || !strncmp(base, "platform=", 9)) {
    const int by_name = base[0] == 'n';
    const char *text = base + (by_name ? 5 : 9);
    if (!*text) {
      errf(err, errlen, "'%s': %s needs a text", item, by_name ? "name=" : "platform=");
      return -1;
    }
    for (int i = 0; i < n; i++) {
      char name[256];
      if (by_name) s2s_device_info_string(e[i].dev, CL_DEVICE_NAME, name, sizeof name);
      int hit = by_name ? icontains(name, text)
                        : icontains(e[i].pname, text) || icontains(e[i].pvendor, text);
      if (hit) sel[(*nsel)++] = i;
    }
    if (!*nsel) {
      list_available(e, n, avail, sizeof avail);
      errf(err, errlen, "'%s': no %s contains '%s'; available: %s", item,
           by_name ? "device name" : "platform name or vendor", text, avail);
      return -1;
    }
    return 0;
  } else {
    int p, d, used = 0;
    if (sscanf(base, "%d:%d%n", &p, &d, &used) != 2 || base[used] != '\0' || p < 0 || d < 0) {
      errf(err, errlen,
           "'%s': unknown device spec item (expected cpu, gpu, "
           "accelerator, all, P:D, name=TEXT or platform=TEXT, optionally /N or /NxC)",
           item);
      return -1;
    }
    for (int i = 0; i < n; i++)
      if (e[i].pi == p && e[i].di == d) sel[(*nsel)++] = i;
    if (!*nsel) {
      list_available(e, n, avail, sizeof avail);
      errf(err, errlen, "'%s': no device %d:%d; available: %s", item, p, d, avail);
      return -1;
    }
    return 0;
  }
  if (!*nsel) {
    list_available(e, n, avail, sizeof avail);
    errf(err, errlen, "'%s': no %s device found; available: %s", item, tname, avail);
    return -1;
  }
  return 0;
}

/* An item's syntax, before any device is looked at: "BASE", "BASE/N" or "BASE/NxC", BASE one
 * of the types, P:D, name=TEXT or platform=TEXT. Fills base, parts, per (0: no split);
 * returns 0, or S2S_DEVICE_BAD_SPEC with the message. */
static int parse_item(const char *item, char base[256], unsigned *parts, unsigned *per, char *err,
                      size_t errlen) {
  *parts = *per = 0;
  const char *slash = strrchr(item, '/');
  /* a name may hold '/' ("Radeon RX 6800/6900"): only a numeric suffix is a split there */
  if (slash && (!strncmp(item, "name=", 5) || !strncmp(item, "platform=", 9)) &&
      strspn(slash + 1, "0123456789x") != strlen(slash + 1))
    slash = NULL;
  size_t blen = slash ? (size_t)(slash - item) : strlen(item);
  if (blen >= 256 || blen == 0) {
    errf(err, errlen, "'%s': %s device spec item", item, blen ? "overlong" : "empty");
    return S2S_DEVICE_BAD_SPEC;
  }
  memcpy(base, item, blen);
  base[blen] = '\0';
  if (slash) {
    int used = 0;
    int ok = sscanf(slash + 1, "%u%n", parts, &used) == 1 && isdigit((unsigned char)slash[1]);
    if (ok && slash[1 + used] == 'x') {
      int used2 = 0;
      const char *c = slash + 2 + used;
      ok = isdigit((unsigned char)*c) && sscanf(c, "%u%n", per, &used2) == 1 && !c[used2] &&
           *per > 0;
    } else if (ok) {
      ok = slash[1 + used] == '\0';
    }
    if (!ok || *parts == 0) {
      errf(err, errlen, "'%s': expected ITEM/N or ITEM/NxC with N, C >= 1", item);
      return S2S_DEVICE_BAD_SPEC;
    }
  }
  int p, d, used = 0;
  if (!strcasecmp(base, "cpu") || !strcasecmp(base, "gpu") || !strcasecmp(base, "accelerator") ||
      !strcasecmp(base, "all"))
    return 0;
  if (!strncmp(base, "name=", 5) || !strncmp(base, "platform=", 9)) {
    if (base[base[0] == 'n' ? 5 : 9]) return 0;
    errf(err, errlen, "'%s': %s needs a text", item, base[0] == 'n' ? "name=" : "platform=");
    return S2S_DEVICE_BAD_SPEC;
  }
  if (sscanf(base, "%d:%d%n", &p, &d, &used) == 2 && base[used] == '\0' && p >= 0 && d >= 0)
    return 0;
  errf(err, errlen,
       "'%s': unknown device spec item (expected cpu, gpu, "
       "accelerator, all, P:D, name=TEXT or platform=TEXT, optionally /N or /NxC)",
       item);
  return S2S_DEVICE_BAD_SPEC;
}

int s2s_device_spec_check(const char *spec, char *err, size_t errlen) {
  /* strtok_r skips empty fields: ",," or a stray comma is a typo worth naming */
  size_t sl = strlen(spec);
  if (strstr(spec, ",,") || spec[0] == ',' || spec[sl - 1] == ',') {
    errf(err, errlen, "'%s': empty device spec item", spec);
    return S2S_DEVICE_BAD_SPEC;
  }
  char *copy = strdup(spec), *save = NULL, base[256];
  unsigned parts, per;
  int rc = copy ? 0 : -1;
  for (char *tok = copy ? strtok_r(copy, ",", &save) : NULL; tok && rc == 0;
       tok = strtok_r(NULL, ",", &save)) {
    while (isspace((unsigned char)*tok))
      tok++;
    trim_right(tok);
    rc = parse_item(tok, base, &parts, &per, err, errlen);
  }
  free(copy);
  return rc;
}

/* The CUs an item before the one opened takes from its device (s2s_device_open_item): the
 * cursor moves as if open_split had run; errors are the opening rank's to report. */
static void skip_split(const entry *e, unsigned n, unsigned per, unsigned *cursor) {
  s2s_device_info pinfo;
  s2s_device_query_info(e->plat, e->dev, e->pi, e->di, &pinfo);
  if (per == 0) per = n <= pinfo.compute_units ? 1 : 0;
  if (per) *cursor = ((*cursor + per - 1) / per + n) * per;
}

/* One item (its syntax checked): opens what it selects; with skip, only moves the cursor
 * of the device a split item takes its CUs from. */
static int open_item(const char *item, const entry *e, int n, dev_vec *v, unsigned *cursor,
                     int skip, char *err, size_t errlen) {
  char base[256];
  unsigned parts, per;
  if (parse_item(item, base, &parts, &per, err, errlen) != 0) return S2S_DEVICE_BAD_SPEC;
  const int slash = parts > 0;
  int *sel = malloc((size_t)(n ? n : 1) * sizeof *sel), nsel = 0;
  if (!sel) return -1;
  int rc = select_base(item, base, e, n, sel, &nsel, err, errlen);
  if (skip) {
    if (rc == 0 && slash && nsel == 1) skip_split(&e[sel[0]], parts, per, &cursor[sel[0]]);
    if (err && errlen) err[0] = '\0';
    free(sel);
    return 0;
  }
  if (rc == 0 && slash && nsel != 1) {
    char names[768] = "";
    for (int i = 0; i < nsel; i++)
      snprintf(names + strlen(names), sizeof names - strlen(names), "%s%d:%d", i ? ", " : "",
               e[sel[i]].pi, e[sel[i]].di);
    errf(err, errlen,
         "'%s': '%s' selects %d devices (%s); a split needs exactly one "
         "(name it with P:D, name=TEXT or platform=TEXT)",
         item, base, nsel, names);
    rc = -1;
  }
  if (rc == 0) {
    if (slash) {
      rc = open_split(&e[sel[0]], item, parts, per, v, &cursor[sel[0]], err, errlen);
    } else {
      for (int i = 0; i < nsel && rc == 0; i++)
        rc = open_whole(&e[sel[i]], v);
    }
    if (rc != 0 && err && !err[0]) errf(err, errlen, "'%s': cannot open device", item);
  }
  free(sel);
  return rc;
}

int s2s_device_open(const char *spec, s2s_device **devs, int *count, char *err, size_t errlen) {
  return s2s_device_open_item(spec, -1, devs, count, err, errlen);
}

int s2s_device_spec_items(const char *spec) {
  if (!spec || !*spec) return 1;
  int n = 1;
  for (const char *c = spec; *c; c++) n += *c == ',';
  return n;
}

int s2s_device_open_item(const char *spec, int only, s2s_device **devs, int *count, char *err,
                         size_t errlen) {
  *devs = NULL;
  *count = 0;
  if (err && errlen) err[0] = '\0';
  if (spec && *spec && s2s_device_spec_check(spec, err, errlen) != 0) return S2S_DEVICE_BAD_SPEC;
  entry *e;
  int n;
  if (s2s_dev_enumerate(&e, &n) != 0) {
    errf(err, errlen, "'%s': OpenCL platform query failed", spec ? spec : "");
    return -1;
  }
  if (n == 0) {
    errf(err, errlen,
         "'%s': no OpenCL device found (no platform registered with "
         "the ICD loader? see clinfo)",
         spec ? spec : "");
    free(e);
    return -1;
  }
  dev_vec v = {0};
  int rc = 0;
  if (!spec || !*spec) {
    int pick = -1;
    for (int i = 0; i < n && pick < 0; i++)
      if (dev_type(e[i].dev) & CL_DEVICE_TYPE_GPU) pick = i;
    for (int i = 0; i < n && pick < 0; i++)
      if (dev_type(e[i].dev) & CL_DEVICE_TYPE_CPU) pick = i;
    rc = open_whole(&e[pick < 0 ? 0 : pick], &v);
    if (rc) errf(err, errlen, "'' (the default): cannot open the default device");
  } else {
    char *copy = strdup(spec);
    unsigned *cursor = calloc((size_t)n, sizeof *cursor); /* CUs taken per device */
    if (!copy || !cursor) rc = -1;
    char *save = NULL;
    int at = 0;
    for (char *tok = copy && cursor ? strtok_r(copy, ",", &save) : NULL;
         tok && rc == 0 && (only < 0 || at <= only); tok = strtok_r(NULL, ",", &save), at++) {
      while (isspace((unsigned char)*tok))
        tok++;
      trim_right(tok);
      rc = open_item(tok, e, n, &v, cursor, only >= 0 && at < only, err, errlen);
      if (rc == 0 && only == at && v.n != 1) {
        errf(err, errlen, "'%s' (item %d): selects %d devices; under mpirun each item names "
             "one device (its rank's)", tok, at, v.n);
        rc = -1;
      }
    }
    if (rc == 0 && only >= 0 && v.n == 0) {
      errf(err, errlen, "'%s': no item %d (the spec has %d items)", spec, only, at);
      rc = -1;
    }
    free(cursor);
    free(copy);
  }
  free(e);
  if (rc != 0) {
    s2s_device_close(v.v, v.n);
    return -1;
  }
  *devs = v.v;
  *count = v.n;
  return 0;
}

/* Layers above keep per-device state (program caches, CLBlast temp buffers); each registers
 * one hook, and closing a device runs them all before its queue goes. */
static s2s_device_hook close_hooks[8];
static int nclose_hooks;
static pthread_mutex_t hooks_lock = PTHREAD_MUTEX_INITIALIZER;

void s2s_device_on_close(s2s_device_hook fn) {
  pthread_mutex_lock(&hooks_lock);
  int known = 0;
  for (int i = 0; i < nclose_hooks; i++)
    known |= close_hooks[i] == fn;
  if (!known && nclose_hooks < (int)(sizeof close_hooks / sizeof *close_hooks))
    close_hooks[nclose_hooks++] = fn;
  pthread_mutex_unlock(&hooks_lock);
}

/* Closing a device must not race its runtime's own threads. PoCL 3.1's worker thread drops
 * its reference to a finished command's event just after the command completes, so a
 * blocking read (and clFinish, which PoCL implements with a marker) returns while that
 * thread may still touch the event and, through it, the queue and the device; releasing
 * the queue, context and sub-device then crashed it in POclReleaseEvent (test_devices: 1
 * run in 20 with Intel's runtime loaded beside PoCL). Two defences:
 *  - drain(): the queue ends with a marker of our own; after it completes we wait (up to
 *    1 s) until its reference count is ours alone, i.e. the worker is done with the last
 *    command, and release it here, in this thread;
 *  - the queue, context and sub-device go to a graveyard and are released by a later close
 *    only once they have been dead for GRAVE_NS. "One close later" was not enough: a failed
 *    open cleans up with a close, microseconds after the previous one (test_split's
 *    expected errors), and crashed 1 run in 5.
 * What is still in the graveyard at exit is released with the process. */
#define GRAVE_NS 200000000LL /* 200 ms */

typedef struct graveyard {
  cl_command_queue queue;
  cl_context ctx;
  cl_device_id sub;
  long long died_ns;
  struct graveyard *next;
} graveyard;
static graveyard *dead;

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void release_one(graveyard *g) {
  if (g->queue) clReleaseCommandQueue(g->queue);
  if (g->ctx) clReleaseContext(g->ctx);
  if (g->sub) clReleaseDevice(g->sub);
  free(g);
}

/* Takes the entries dead for at least GRAVE_NS out of the list (under hooks_lock). */
static graveyard *take_old(long long t) {
  graveyard *old = NULL, **p = &dead;
  while (*p) {
    graveyard *g = *p;
    if (t - g->died_ns >= GRAVE_NS) {
      *p = g->next;
      g->next = old;
      old = g;
    } else {
      p = &g->next;
    }
  }
  return old;
}

static void drain(cl_command_queue q) {
  cl_event e = NULL;
  if (clEnqueueMarkerWithWaitList(q, 0, NULL, &e) != CL_SUCCESS || !e) {
    clFinish(q);
    return;
  }
  clWaitForEvents(1, &e);
  clFinish(q);
  for (int i = 0; i < 20000; i++) { /* 20000 x 50 us = 1 s */
    cl_uint refs = 0;
    if (clGetEventInfo(e, CL_EVENT_REFERENCE_COUNT, sizeof refs, &refs, NULL) != CL_SUCCESS ||
        refs <= 1)
      break;
    nanosleep(&(struct timespec){0, 50000}, NULL);
  }
  clReleaseEvent(e);
}

void s2s_device_close(s2s_device *devs, int count) {
  if (!devs) return;
  pthread_mutex_lock(&hooks_lock);
  int nh = nclose_hooks;
  s2s_device_hook hooks[8];
  memcpy(hooks, close_hooks, sizeof hooks);
  graveyard *old = take_old(now_ns()), *fresh = NULL;
  pthread_mutex_unlock(&hooks_lock);
  while (old) {
    graveyard *next = old->next;
    release_one(old);
    old = next;
  }
  for (int i = 0; i < count; i++) {
    s2s_device *d = &devs[i];
    if (d->queue) {
      drain(d->queue);
      for (int h = nh - 1; h >= 0; h--)
        hooks[h](d);
      drain(d->queue); /* a hook may have enqueued work (a release, a read) */
    }
    graveyard *g = malloc(sizeof *g);
    cl_device_id sub = d->id && d->info.sub_index >= 0 ? d->id : NULL;
    if (!g) { /* no memory for the list: release now */
      if (d->queue) clReleaseCommandQueue(d->queue);
      if (d->ctx) clReleaseContext(d->ctx);
      if (sub) clReleaseDevice(sub);
      continue;
    }
    *g = (graveyard){d->queue, d->ctx, sub, now_ns(), fresh};
    fresh = g;
  }
  pthread_mutex_lock(&hooks_lock);
  graveyard **tail = &fresh;
  while (*tail) tail = &(*tail)->next;
  *tail = dead;
  dead = fresh;
  pthread_mutex_unlock(&hooks_lock);
  free(devs);
}

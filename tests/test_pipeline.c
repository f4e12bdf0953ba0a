/* The pipeline is the single-device step: a step over several PoCL sub-devices (layers and
 * softmax shards split in different ways) gives the same loss, every gradient group and,
 * after three clipped updates, the same parameters as the whole step on one device.
 * Devices in one context read each other's buffers after events; devices in different
 * contexts go through host staging (both transports are checked), also between PoCL and
 * Intel's CPU runtime when both are present (else the test says so and exits 77). Needs
 * a device that splits into 3 one-CU parts: PoCL is asked for 4 threads (= CUs). */
#include "test_pipeline_util.h"

/* Mixed vendors: PoCL's and Intel's CPU devices (two platforms, so two contexts and host
 * staging) against the PoCL single-device reference; every buffer must stay in its own
 * context (Intel refuses a foreign one, cl/kernels.c checks it on every launch). Returns
 * 0 when Intel's CPU platform is absent (said; the test then exits 77), else 1. */
static int run_mixed(const s2s_config *c, const outcome *ref) {
  char specs[8][32], names[8][128];
  int np = s2s_test_cpu_platforms(specs, names, 8), pocl = -1, intel = -1;
  for (int i = 0; i < np; i++) {
    if (strstr(names[i], "Portable Computing Language") && pocl < 0) pocl = i;
    if (strstr(names[i], "Intel") && intel < 0) intel = i;
  }
  if (pocl < 0 || intel < 0) {
    printf("skipping the mixed-vendor case (PoCL + Intel): %s OpenCL CPU platform is absent "
           "(scripts/setup.sh installs Intel's)\n", pocl < 0 ? "PoCL's" : "Intel's");
    return 0;
  }
  char pi[72], ip[72];
  snprintf(pi, sizeof pi, "%s,%s", specs[pocl], specs[intel]);
  snprintf(ip, sizeof ip, "%s,%s", specs[intel], specs[pocl]);
  const struct { const char *devs, *split; } mixed[] = {
      {pi, NULL},                         /* layers 0,0,1 on PoCL, PoCL, Intel; shards 0,1 */
      {pi, "layers=1,0,1;softmax=0,1,1"}, /* back and forth, both shards cross */
      {ip, NULL},                         /* Intel first: the embeddings and shard 0 there */
  };
  for (size_t i = 0; i < sizeof mixed / sizeof mixed[0]; i++) {
    int n;
    s2s_device *d = s2s_test_device_open(mixed[i].devs, &n);
    T_CHECK(n == 2 && strcmp(d[0].info.platform, d[1].info.platform) != 0,
            "%s: two platforms", mixed[i].devs);
    outcome o = {0};
    char name[128];
    snprintf(name, sizeof name, "mixed %s (%.12s + %.12s) %s", mixed[i].devs, d[0].info.platform,
             d[n - 1].info.platform, mixed[i].split ? mixed[i].split : "default");
    if (run(d, n, mixed[i].split, c, &o) == 0) /* a failed run leaves o unset: no compare */
      compare(name, c, ref, &o);
    else
      T_CHECK(0, "%s: run failed", name);
    printf("%s: losses %.7f %.7f %.7f %.7f (single device %.7f %.7f %.7f %.7f)\n", name,
           o.loss[0], o.loss[1], o.loss[2], o.loss[3], ref->loss[0], ref->loss[1], ref->loss[2],
           ref->loss[3]);
    free(o.grads), free(o.params);
    s2s_device_close(d, n);
  }
  return 1;
}

int main(void) {
  setenv("POCL_MAX_PTHREAD_COUNT", "4", 0); /* before the first OpenCL call */
  s2s_config c = test_config();
  int n1, n2, n3;
  s2s_device *one = s2s_test_device_open("cpu", &n1);
  outcome ref = {0};
  if (run(one, 1, NULL, &c, &ref) != 0) { /* nothing to compare against */
    T_CHECK(0, "single device run");
    return s2s_test_finish("test_pipeline");
  }
  T_CHECK(ref.loss[0] > 0, "reference loss %g", ref.loss[0]);
  c.clip = (float)(ref.norm[1] * 0.7); /* clipping on the updates: rerun the reference */
  free(ref.grads), free(ref.params);
  if (run(one, 1, NULL, &c, &ref) != 0) {
    T_CHECK(0, "single device run with clipping");
    return s2s_test_finish("test_pipeline");
  }
  s2s_device_close(one, n1);

  s2s_device *two = s2s_test_device_open("cpu/2", &n2);
  static const char *const splits2[] = {
      NULL,                               /* default: layers 0,0,1; softmax shards 0,1 */
      "layers=0,1,1;softmax=1",           /* fused softmax on the top layer's device */
      "layers=0,0,0;softmax=1",           /* a dedicated softmax device */
      "layers=1,0,1;softmax=0,1,1",       /* back and forth; two shards on one device */
  };
  for (size_t i = 0; i < sizeof splits2 / sizeof splits2[0]; i++) {
    outcome o = {0};
    const char *name = splits2[i] ? splits2[i] : "default (2 devices)";
    if (run(two, n2, splits2[i], &c, &o) == 0) /* a failed run leaves o unset: no compare */
      compare(name, &c, &ref, &o);
    else
      T_CHECK(0, "%s: run failed", name);
    free(o.grads), free(o.params);
  }
  s2s_device_close(two, n2);

  s2s_device *three = s2s_test_device_open("cpu/3", &n3);
  static const char *const splits3[] = {NULL, "layers=0,1,2;softmax=2,0"};
  for (size_t i = 0; i < sizeof splits3 / sizeof splits3[0]; i++) {
    outcome o = {0};
    const char *name = splits3[i] ? splits3[i] : "default (3 devices)";
    if (run(three, n3, splits3[i], &c, &o) == 0) /* a failed run leaves o unset: no compare */
      compare(name, &c, &ref, &o);
    else
      T_CHECK(0, "%s: run failed", name);
    free(o.grads), free(o.params);
  }
  s2s_device_close(three, n3);

  /* devices in different OpenCL contexts (as devices of different platforms are): every
   * activation crosses through host staging; "cpu/2,cpu/1x1" mixes both transports */
  static const struct { const char *devs, *split; } staged[] = {
      {"cpu/1x1,cpu/1x1", NULL},
      {"cpu/1x1,cpu/1x1", "layers=1,0,1;softmax=0,1,1"},
      {"cpu/2,cpu/1x1", "layers=0,1,2;softmax=2,0"},
      {"cpu/2,cpu/1x1", NULL},
  };
  for (size_t i = 0; i < sizeof staged / sizeof staged[0]; i++) {
    int n;
    s2s_device *d = s2s_test_device_open(staged[i].devs, &n);
    T_CHECK(n < 2 || d[0].ctx != d[n - 1].ctx, "%s: expected separate contexts", staged[i].devs);
    outcome o = {0};
    char name[128];
    snprintf(name, sizeof name, "%s %s", staged[i].devs, staged[i].split ? staged[i].split : "default");
    if (run(d, n, staged[i].split, &c, &o) == 0) /* a failed run leaves o unset: no compare */
      compare(name, &c, &ref, &o);
    else
      T_CHECK(0, "%s: run failed", name);
    free(o.grads), free(o.params);
    s2s_device_close(d, n);
  }
  int mixed = run_mixed(&c, &ref);
  free(ref.grads), free(ref.params);
  int rc = s2s_test_finish("test_pipeline");
  return rc == 0 && !mixed ? 77 : rc;
}

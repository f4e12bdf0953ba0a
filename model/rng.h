/* Deterministic random numbers that are identical on every machine: splitmix64, and a
 * counter-based uniform for (seed, index) so parameter i never depends on order. */
#ifndef S2S_RNG_H
#define S2S_RNG_H

#include <stdint.h>

typedef struct s2s_rng { uint64_t state; } s2s_rng;

static inline uint64_t s2s_splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}
static inline void s2s_rng_init(s2s_rng *r, uint64_t seed) { r->state = s2s_splitmix64(seed); }
static inline uint64_t s2s_rng_next(s2s_rng *r) { return s2s_splitmix64(r->state++); }
/* Uniform in [0, 1) with 24 bits: exact in float, the same everywhere. */
static inline float s2s_rng_uniform(s2s_rng *r) {
  return (float)(s2s_rng_next(r) >> 40) * (1.0f / 16777216.0f);
}
/* Uniform integer in [0, n). */
static inline uint32_t s2s_rng_below(s2s_rng *r, uint32_t n) {
  return (uint32_t)(((s2s_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}
static inline float s2s_uniform_at(uint64_t seed, uint64_t i) {
  return (float)(s2s_splitmix64(seed ^ s2s_splitmix64(i)) >> 40) * (1.0f / 16777216.0f);
}

#endif

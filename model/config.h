/* Model and training configuration: the sizes of the 2014 translator, the optimiser
 * settings, and the named presets (`paper` is the exact 2014 system; `small` and `tiny`
 * train on a 2-core CPU). Every field can be overridden by name (s2s_config_set). */
#ifndef S2S_CONFIG_H
#define S2S_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define S2S_MAX_LAYERS 8

/* Reserved token ids on both sides. The decoder's first input is <eos> (it marks the
 * boundary between source and target, as in the paper's Figure 1). */
#define S2S_TOKEN_UNK 0
#define S2S_TOKEN_EOS 1
#define S2S_TOKEN_FIRST_WORD 2

typedef struct s2s_config {
  char preset[16];
  int layers;     /* L: LSTM layers per side (encoder and decoder each) */
  int hidden;     /* H: LSTM cells per layer */
  int embed;      /* E: embedding width (input of layer 0) */
  int src_vocab;  /* Vs: source vocabulary incl. <unk>, <eos> */
  int tgt_vocab;  /* Vt: target vocabulary incl. <unk>, <eos> */
  int batch;      /* B: sentences per minibatch */
  int max_len;    /* longest sentence (tokens) kept for training */
  float lr;           /* SGD learning rate (paper 0.7) */
  float clip;         /* global gradient L2 norm bound (paper 5) */
  float init_scale;   /* parameters ~ U(-init_scale, init_scale) (paper 0.08) */
  float decay_start;  /* epoch after which lr halves ... (paper 5) */
  float decay_every;  /* ... every this many epochs (paper 0.5) */
  float epochs;       /* total training epochs (paper 7.5) */
  uint64_t seed;      /* parameter init and data order */
} s2s_config;

/* Fills c with preset `name` ("paper", "small", "tiny"). Returns 0, or -1 if unknown.
 *   paper: L4 H1000 E1000 Vs160000 Vt80000 B128 max-len 50
 *   small: L2 H256  E256  Vs16000  Vt16000 B64  max-len 50
 *   tiny:  L2 H64   E64   Vs64     Vt64    B32  max-len 16
 * All three keep the paper's optimiser (clip 5, init 0.08, halving from epoch 5 every 0.5,
 * 7.5 epochs, seed 1); paper and small keep lr 0.7, tiny uses lr 5. Measured on the
 * synthetic tasks (B 32, lengths 1-5): at 32 cells lr 0.7 and 1.0 stay on the plateau
 * where only lengths are learned (dev perplexity ~22 of 62 words), lr 5 leaves it after
 * ~2500 steps, and the reverse task then tops out near BLEU 46 (token accuracy 0.91); at
 * 64 cells with lr 5 it reaches dev BLEU 96 (greedy) in 20k steps with --decay-every 2
 * (bench/learning/reverse_bleu.sh), so tiny has 64 cells. --lr 0.7 gives the paper's
 * rate back.
 */
int s2s_config_preset(s2s_config *c, const char *name);

/* Sets one field by its flag name ("layers", "hidden", "embed", "src-vocab", "tgt-vocab",
 * "batch", "max-len", "lr", "clip", "init-scale", "decay-start", "decay-every", "epochs",
 * "seed"). Returns 0; -1 for an unknown key; -2 for a value that is not a valid number
 * or is out of range. */
int s2s_config_set(s2s_config *c, const char *key, const char *value);

/* Checks the sizes are consistent; on failure writes a reason to err and returns -1. */
int s2s_config_check(const s2s_config *c, char *err, size_t errlen);

/* Learning rate at fractional epoch `epoch`: constant, then halved every decay_every
 * epochs once decay_start epochs are done. `epoch` is the training done so far,
 * steps_done / steps_per_epoch, and the result is the rate of the next step:
 *   epoch <  decay_start: lr
 *   epoch >= decay_start: lr * 0.5^(1 + floor((epoch - decay_start) / decay_every))
 * so the first step after exactly 5 epochs already uses lr/2, the first after 5.5 uses
 * lr/4 (paper: 0.7 for [0,5), 0.35 [5,5.5), 0.175 [5.5,6) ... 0.021875 [7,7.5)). A point
 * within 1e-6 decay periods below a boundary counts as on it (float-rounded periods such
 * as 0.1f still halve on the step that lands on the boundary). Computed in double, the
 * result rounded to float once. */
float s2s_config_lr_at(const s2s_config *c, double epoch);

/* The names s2s_config_set accepts, NULL-terminated (for help text and CLIs). */
extern const char *const s2s_config_keys[];

#endif

/* `s2sbench predict`: a split's training step predicted from one device's costs
 * (bench/predict.h). */
#include "bench/predict.h"
#include "cli/commands.h"

int s2s_cmd_predict(int argc, char **argv) { return s2s_predict_main(argc, argv); }

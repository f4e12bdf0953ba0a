# bleu_epochs.gp: dev BLEU (or dev perplexity, see ylab) against training epochs, one
# series per run (also drawn as ppl_epochs for dev perplexity).
# data blocks: step, elapsed_s, value, epoch. Variables: n, titles, ylab.
load scripts . "/common.gp"
if (!exists("ylab")) ylab = "dev BLEU"
set xlabel "epochs"
set ylabel ylab
if (ylab eq "dev perplexity") set logscale y
plot for [i = 0:n - 1] data index i using 4:3 title word(titles, i + 1) with linespoints lt (i % 8) + 1

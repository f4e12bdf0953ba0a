# bleu_time.gp: dev BLEU (or dev perplexity) against wall-clock training time, one series
# per run. data blocks: step, elapsed_s, value, epoch. Variables: n, titles, ylab, tdiv, tunit.
load scripts . "/common.gp"
if (!exists("ylab")) ylab = "dev BLEU"
if (!exists("tdiv")) tdiv = 1
if (!exists("tunit")) tunit = "s"
set xlabel "wall time (" . tunit . ")"
set ylabel ylab
if (ylab eq "dev perplexity") set logscale y
plot for [i = 0:n - 1] data index i using ($2 / tdiv):3 title word(titles, i + 1) with linespoints lt (i % 8) + 1

# bleu_beam.gp: BLEU against beam size (solid, left axis) and decoding speed in
# sentences/s (dashed, right axis), one colour per run. data blocks: beam, bleu,
# sentences_per_s. Variables: n, titles.
load scripts . "/common.gp"
set xlabel "beam size"
set ylabel "BLEU"
set y2label "sentences/s (dashed)"
set logscale x 2
set xtics (1, 2, 4, 8, 12, 16, 32)
set y2tics nomirror out scale 0.6
set border 11 lw 0.8
plot for [i = 0:n - 1] data index i using 1:2 title word(titles, i + 1) with linespoints lt (i % 8) + 1, \
     for [i = 0:n - 1] data index i using 1:3 axes x1y2 notitle with lines lt (i % 8) + 1 dt 2

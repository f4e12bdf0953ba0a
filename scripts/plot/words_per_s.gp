# words_per_s.gp: training throughput (source + target words per second) against the
# number of devices, one series per run; bars span the fastest and slowest trial.
# data blocks: devices, speedup, bound, words/s, min, max, speedup min, speedup max.
# Variables: n, titles, maxdev.
load scripts . "/common.gp"
if (!exists("maxdev")) maxdev = 8
set xlabel "devices"
set ylabel "words/s (source + target)"
set xrange [0.8:maxdev + 0.2]
set yrange [0:*]
set xtics 1
plot for [i = 0:n - 1] data index i using 1:4:5:6 notitle with yerrorbars lt (i % 8) + 1 ps 0, \
     for [i = 0:n - 1] data index i using 1:4 title word(titles, i + 1) with linespoints lt (i % 8) + 1

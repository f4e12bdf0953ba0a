# speedup.gp: training-step speedup against the number of devices, one series per run
# (solid: measured, bars from the slowest to the fastest trial; open circles: predicted from
# one device's costs, s2sbench predict; dotted: the split's FLOP balance; grey: ideal).
# data blocks: devices, speedup, bound, words/s, min, max, speedup min, speedup max,
# predicted (NaN: none).
# Variables: n, titles, maxdev.
load scripts . "/common.gp"
if (!exists("maxdev")) maxdev = 8
set xlabel "devices"
set ylabel "speedup over 1 device"
set xrange [0.8:maxdev + 0.2]
set yrange [0:*]
set xtics 1
plot x title "ideal" with lines lt 9, \
     NaN title "FLOP balance of the split (dotted; not a bound)" with lines lc rgb "#888888" dt 3, \
     NaN title "predicted from one device's costs (open circles)" with points lc rgb "#888888" pt 6 ps 1.5, \
     for [i = 0:n - 1] data index i using 1:9 notitle with points lt (i % 8) + 1 pt 6 ps 1.5, \
     for [i = 0:n - 1] data index i using 1:3 notitle with lines lt (i % 8) + 1 dt 3, \
     for [i = 0:n - 1] data index i using 1:2:7:8 notitle with yerrorbars lt (i % 8) + 1 ps 0, \
     for [i = 0:n - 1] data index i using 1:2 title word(titles, i + 1) with linespoints lt (i % 8) + 1

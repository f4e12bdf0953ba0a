# vendors.gp: training words/s (source + target) of one step per OpenCL platform and tuning,
# with the PyTorch peer on the same CPU, one horizontal bar each (the labels are long);
# whiskers span the slowest and fastest round. data: label, words/s median, min, max
# (bench/vendors/step_vendors.sh summary.tsv).
load scripts . "/common.gp"
set xlabel "thousand words/s (source + target)"
set xrange [0:*]
set yrange [-0.6:*] reverse
set style fill solid 0.9 noborder
set ytics scale 0 font ",6"
set grid noytics
set key off
plot data using (0.0005 * $2):0:(0.0005 * $2):(0.35):ytic(1) with boxxyerror lt 1, \
     data using ($2 / 1000):0:($3 / 1000):($4 / 1000) with xerrorbars lt 7 pt 0 ps 0

# vendors.gp: training words/s (source + target) of one step per OpenCL platform and tuning,
# with the PyTorch peer on the same CPU, one bar each; bars span the slowest and fastest
# round. data: label, words/s median, min, max (bench/vendors/step_vendors.sh summary.tsv).
load scripts . "/common.gp"
set ylabel "words/s (source + target)"
set yrange [0:*]
set style fill solid 0.9 noborder
set boxwidth 0.7
set xtics rotate by 30 right scale 0 font ",7"
set key off
plot data using 0:2:xtic(1) with boxes lt 1, \
     data using 0:2:3:4 with yerrorbars lt 7 ps 0

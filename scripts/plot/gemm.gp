# gemm.gp: CLBlast SGEMM GFLOP/s at each of the training step's GEMM shapes, one bar per
# run and parameter set (default / tuned). data: case, then one GFLOP/s column per series.
# Variables: n, titles.
load scripts . "/common.gp"
set ylabel "GFLOP/s"
set yrange [0:*]
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.9 noborder
set boxwidth 0.9
set xtics rotate by 45 right scale 0 font ",7"
plot for [i = 1:n] data using (column(i + 1)):xtic(1) title word(titles, i) lt (i - 1) % 8 + 1

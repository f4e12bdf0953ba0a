# gemm.gp: CLBlast SGEMM GFLOP/s at each of the training step's GEMM shapes, one bar per
# run and parameter set (default / tuned) and one per BLAS peer (numpy_gemm.py) at the same
# shapes; the peers' estimate of the CPU's FP32 peak as a dashed line when known.
# data: case, then one GFLOP/s column per series. Variables: n, titles, peak (optional).
load scripts . "/common.gp"
set ylabel "GFLOP/s"
set yrange [0:*]
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.9 noborder
set boxwidth 0.9
set xtics rotate by 45 right scale 0 font ",7"
if (exists("peak")) {
  set arrow from graph 0, first peak to graph 1, first peak nohead lt 9
  set label sprintf("FP32 peak (estimate) %.0f", peak) at graph 0.01, first peak offset 0, 0.5 font ",6"
  set yrange [0:peak * 1.1]
}
plot for [i = 1:n] data using (column(i + 1)):xtic(1) title word(titles, i) lt (i - 1) % 8 + 1

# timeline.gp: what each device does during one training step (the last timed trial):
# GEMMs, other kernels and transfers as bars from their profiling start to end; gaps are
# idle time; the host's waits for a device's incoming data as thin bars on its lane.
# data: device, start_s, end_s, category (0 GEMM, 1 kernel, 2 transfer, 3 host wait or work).
# Variables: titles (one word: the run), ndev, span, busy (busy % per device, as words).
load scripts . "/common.gp"
set key outside below center horizontal Left reverse nobox samplen 1.2 font ",7"
# the run, centred on the whole figure (long device names)
set label 1 word(titles, 1) at screen 0.5, screen 0.96 center font ",7"
set tmargin 2
set xlabel "time in the step (ms)"
set yrange [-0.6:ndev - 0.4] reverse
if (!exists("busy")) busy = ""
set ytics 1 font ",7"
# tic labels pass through a format, so a literal percent sign is written %%%% here
do for [d = 0:ndev - 1] { set ytics add (sprintf("dev %d%s", d, words(busy) > d ? sprintf("\n%s%%%% busy", word(busy, d + 1)) : "") d) }
set xrange [0:span * 1000]
set grid noytics
set style fill solid 1.0 noborder
box(c, want) = (c == want ? 1 : NaN)
plot for [c = 0:3] data using (($2 + $3) / 2 * 1000 * box($4, c)):1:(($3 - $2) / 2 * 1000):(c == 3 ? 0.08 : 0.35) \
     title (c == 0 ? "GEMM" : c == 1 ? "other kernels" : c == 2 ? "transfers" : "host waits and work") with boxxyerror lt c + 1

# common.gp: what every figure shares, loaded first by each script of this folder.
# One column of a two-column paper: 3.5 x 2.4 inches, 8 pt Helvetica (legends 7 pt). PDF and SVG carry
# those sizes; PNG is the same picture at 300 dpi (fontscale and linewidth matched to the
# PDF by eye). Variables set by `s2sbench plot -e`:
# fmt (png|pdf|svg), out (output file), data (data file), n, titles (quoted words).
if (!exists("fmt")) fmt = "pdf"
if (!exists("width")) width = 3.5
if (!exists("height")) height = 2.4
if (fmt eq "pdf") set terminal pdfcairo size width, height font "Helvetica,8" linewidth 1.5 noenhanced
if (fmt eq "svg") set terminal svg size int(width * 72), int(height * 72) font "Helvetica,8" linewidth 1.5 noenhanced background "white"
if (fmt eq "png") set terminal pngcairo size int(width * 300), int(height * 300) font "Helvetica,8" fontscale 2.35 linewidth 4.2 noenhanced
if (exists("out")) set output out
set datafile separator "\t"
set datafile missing "-"
set border 3 lw 0.8
set tics nomirror out scale 0.6
set grid lw 0.4 lc rgb "#dddddd"
# legends above the plot, one entry a line, smaller than the axes: device names are long
set key tmargin left horizontal maxcols 1 Left reverse nobox samplen 2.5 spacing 1.0 font ",7"
# Okabe-Ito colours (distinguishable in colour-blind vision and in grey print)
array C[8] = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]
psz = (fmt eq "png") ? 1.4 : 0.35  # the same printed point size in every format
do for [i = 1:8] { set linetype i lc rgb C[i] lw 1 pt (i == 1 ? 7 : i == 2 ? 5 : i == 3 ? 9 : i == 4 ? 11 : 13) ps psz }
set linetype 9 lc rgb "#888888" lw 0.8 dt 2

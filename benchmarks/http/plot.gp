# Grouped bars of requests/s, one group per workload, one bar per server:
# dskv serve, nginx serving the same 100-byte value as a static file, and
# minikeyvalue's published figures where it has one. benchmarks/http/run.sh
# calls it as
#   gnuplot -e "datafile='http.dat'; outfile='http.svg'; chart_title='...'" plot.gp
# on a data file it writes: a header of series names, then one quoted label
# and one value per series on each line ('?' where a server has none).

set terminal svg size 1100,560 dynamic enhanced font 'sans,11' background rgb 'white'
set output outfile
set title chart_title
set datafile missing '?'
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.85 border rgb 'black'
set boxwidth 0.9
# Log scale: minikeyvalue's figures are two orders of magnitude below.
set logscale y 10
set yrange [50:*]
set format y '%.0s%c'
set ylabel 'requests/s (thrasher: PUT+GET+DELETE triples/s), log scale'
set grid ytics mytics
set key outside bottom center horizontal
# Short labels, unrotated: some SVG renderers misplace rotated text.
set xtics nomirror scale 0 font ',10'
set linetype 1 lc rgb '#1f77b4'
set linetype 2 lc rgb '#2ca02c'
set linetype 3 lc rgb '#bbbbbb'
plot for [i=2:*] datafile using i:xtic(1) title columnheader(i)

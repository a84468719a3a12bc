# Grouped bars of ops/s, one group per phase and thread count, one bar per
# store. benchmarks/peers/run.sh calls it as
#   gnuplot -e "datafile='w1.dat'; outfile='w1.svg'; chart_title='...'" plot.gp
# on a data file written by report.cc (a header of store names, then one
# quoted label and one value per store on each line; '?' if missing).

set terminal svg size 1280,600 dynamic enhanced font 'sans,11' background rgb 'white'
set output outfile
set title chart_title
set datafile missing '?'
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.85 border rgb 'black'
set boxwidth 0.9
set logscale y 10
set format y '%.0s%c'
set ylabel 'ops/s (log scale)'
set grid ytics mytics
set key outside right top vertical
set xtics rotate by 30 right scale 0 font ',10'
set bmargin 9
plot for [i=2:*] datafile using i:xtic(1) title columnheader(i)

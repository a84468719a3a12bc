# Grouped bars of requests/s from redis-benchmark, one panel per pipelining
# depth (-P 1, -P 16), one group per command, one bar per server: dskv serve
# --resp, redis-server with AOF everysec, redis-server without
# persistence. PING_MBULK is the load generator's ceiling. The panels have
# their own scales: -P 16 serves several times more. benchmarks/redis/run.sh
# calls it as
#   gnuplot -e "p1='p1.dat'; p16='p16.dat'; outfile='redis.svg'; chart_title='...'" plot.gp
# on two data files it writes: a header of series names, then one quoted
# label and one value per series on each line ('?' where none was measured).

set terminal svg size 1200,560 dynamic enhanced font 'sans,11' background rgb 'white'
set output outfile
set datafile missing '?'
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.85 border rgb 'black'
set boxwidth 0.9
set yrange [0:*]
set format y '%.0s%c'
set grid ytics
set key outside bottom center horizontal
# Short labels, unrotated: some SVG renderers misplace rotated text.
set xtics nomirror scale 0 font ',10'
set linetype 1 lc rgb '#1f77b4'
set linetype 2 lc rgb '#d62728'
set linetype 3 lc rgb '#bbbbbb'

set multiplot layout 1,2 title chart_title
set title 'no pipelining (-P 1)'
set ylabel 'requests/s'
plot for [i=2:*] p1 using i:xtic(1) title columnheader(i)
set title 'pipelining 16 (-P 16)'
unset ylabel
plot for [i=2:*] p16 using i:xtic(1) title columnheader(i)
unset multiplot

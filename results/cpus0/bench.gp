set terminal pngcairo size 1400,600 noenhanced
set output 'results/cpus0/bench.png'
set multiplot layout 1,2
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set logscale y
set grid ytics
set xtics rotate by -40
set key top right
set title 'FUSE ops/s: emulated Bao path vs direct vhost-user vs host (QD1 only)'
plot 'results/cpus0/bench.dat' index 0 using 2:xtic(1) title 'emulated (adaptive)', '' index 0 using 3 title 'direct vhost-user', '' index 0 using 4 title 'host syscalls'
set title 'p50 latency, microseconds (log)'
unset key
plot 'results/cpus0/bench.dat' index 1 using 2:xtic(1) title 'p50 us'
unset multiplot

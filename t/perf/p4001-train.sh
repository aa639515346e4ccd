#!/bin/sh
# p4001-train.sh - 'mlw train ridge' and 'mlw train linear' end to end
# against pandas.read_csv + sklearn Ridge().fit / LinearRegression().fit
# on the 1,000,000 x 50 file (target: 8x faster end to end, the fit alone
# under 0.1 s), and the peak RSS of training against the matrix in
# doubles (target <= 1.5x).  Best of $P4_RUNS (3) runs each, wall and CPU.
. "$(dirname "$0")/lib-p4.sh"

RUNS=${P4_RUNS:-3}
gen_csv || exit 1
warm "$BIG"
dir=$(mktemp -d /tmp/mlw-p4001-XXXXXX)
printf 'machine           %s CPUs, load average %s\n' "$(nproc)" \
	"$(cut -d' ' -f1-3 /proc/loadavg)"
for algo in ridge linear; do
	case $algo in
	ridge) sk=Ridge ;;
	linear) sk=LinearRegression ;;
	esac
	best=999
	for i in $(seq "$RUNS"); do
		t0=$(now)
		/usr/bin/time -f "%U %S %M" -o "$dir/cpu" "$MLW" train $algo \
			--data "$BIG" --target y -o json >"$dir/run.json" || exit 1
		t=$(echo "$(now) - $t0" | bc -l)
		if test "$(echo "$t < $best" | bc -l)" = 1; then
			best=$t
			cp "$dir/run.json" "$dir/mlw.json"
			cp "$dir/cpu" "$dir/mlw.cpu"
		fi
	done
	set -- $(cat "$dir/mlw.cpu")
	mlw_cpu=$(echo "$1 + $2" | bc -l) rss=$3
	set -- $($PY -c "
import json; d = json.load(open('$dir/mlw.json'))
t = d['time']
print(t['load_seconds'], t['fit_seconds'], t['total_seconds'], d['rows'],
      d['features'], d['solver'], d['blas'])")
	load=$1 fit=$2 inside=$3 n=$4 p=$5 solver=$6 blas=$7
	set -- $($PY - "$BIG" "$sk" "$RUNS" <<-\PY
	import sys, time
	t0, c0 = time.perf_counter(), time.process_time()
	import pandas, sklearn.linear_model as lm
	imp = time.perf_counter() - t0
	path, est, runs = sys.argv[1], getattr(lm, sys.argv[2]), int(sys.argv[3])
	best = None
	for r in range(runs):
	    t1, c1 = time.perf_counter(), time.process_time()
	    df = pandas.read_csv(path)
	    t2 = time.perf_counter()
	    est().fit(df.drop(columns="y").values, df["y"].values)
	    t3, c3 = time.perf_counter(), time.process_time()
	    run = (t3 - t1 + imp, c3 - c1, t2 - t1, t3 - t2)
	    if best is None or run[0] < best[0]:
	        best = run
	print(*best)
	PY
	)
	pd_total=$1 pd_cpu=$2 pd_read=$3 pd_fit=$4
	mat=$(echo "8 * $n * ($p + 1) / 1024" | bc)
	printf 'mlw train %-7s %6.3f s wall %6.3f s CPU (load %.3f, fit %.3f [%s, BLAS core %s], other %.3f)\n' \
		$algo "$best" "$mlw_cpu" "$load" "$fit" "$solver" "$blas" \
		"$(echo "$inside - $load - $fit" | bc -l)"
	printf 'pandas + %-8s %6.3f s wall %6.3f s CPU (read_csv %.3f, fit %.3f)\n' \
		"$sk" "$pd_total" "$pd_cpu" "$pd_read" "$pd_fit"
	printf 'ratio             %.1fx wall, %.1fx CPU; fit %.1fx\n' \
		"$(echo "$pd_total / $best" | bc -l)" \
		"$(echo "$pd_cpu / $mlw_cpu" | bc -l)" "$(echo "$pd_fit / $fit" | bc -l)"
	printf 'peak RSS          %d KiB = %.2fx the %d KiB matrix of doubles\n' \
		"$rss" "$(echo "$rss / $mat" | bc -l)" "$mat"
done
rm -rf "$dir"

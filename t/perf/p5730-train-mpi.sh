#!/bin/sh
# p5730-train-mpi.sh - 'mlw train' under Open MPI (share/doc/scaling.md
# quotes it): for d = 10, 100, 1000 features, ridge in one process and
# as 1 and 2 ranks of mpirun on files of about 40 MB, reporting load and
# fit time and rows/s per rank; logistic (Newton: one sum of the
# (d + 1)^2 Hessian per iteration) the same way; and the cost of one sum
# over 2 ranks (reduce + broadcast, as training takes it) of the
# (d + 1)^2 Gram matrix, by t/perf/allreduce-bench.bin.  Best of
# $P5730_RUNS (3) runs.  The load average is printed before and after:
# on a shared machine the figures are only comparable within one run.
. "$(dirname "$0")/perf-lib.sh"
perf_setup "$@"

RUNS=${P5730_RUNS:-3}
PY=/usr/bin/python3
MPI="mpirun --allow-run-as-root --oversubscribe"
BENCH=$PERF_TOP/t/perf/allreduce-bench.bin

command -v mpirun >/dev/null || { echo "$PERF_NAME: no mpirun" >&2; exit 2; }
test -x "$BENCH" || make -s t/perf/allreduce-bench.bin >/dev/null ||
	exit 2

echo "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"

# gen D N: N rows of D features, a target y and a class c, 6 digits
gen () {
	$PY - "$1" "$2" "$PERF_TMP/d$1.csv" <<-\PY
	import sys
	import numpy as np
	d, n, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
	rng = np.random.default_rng(d)
	X = rng.standard_normal((n, d))
	w = rng.standard_normal(d) / np.sqrt(d)
	y = X @ w + 0.5 * rng.standard_normal(n)
	c = (y + 0.3 * rng.standard_normal(n) > 0).astype(int)
	with open(path, "w") as f:
	    f.write(",".join("x%d" % j for j in range(d)) + ",y,c\n")
	    np.savetxt(f, np.column_stack([X, y, c]), fmt="%.6g", delimiter=",")
	PY
}

# best RUNS ARGS...: the fastest total of the runs, as
# "total load fit rows mpi_init" from -o json (load includes MPI_Init)
best () {
	runs=$1
	shift
	b=
	for i in $(seq "$runs"); do
		t0=$(date +%s.%N)
		"$@" -o json >"$PERF_TMP/run.json" 2>/dev/null || return 1
		t=$(echo "$(date +%s.%N) - $t0" | bc -l)
		set -- "$@"
		r=$($PY -c "
import json; d = json.load(open('$PERF_TMP/run.json'))
t = d['time']
print('%.3f %.3f %.3f %d %.3f' % ($t, t['load_seconds'], t['fit_seconds'], d['rows'], t.get('mpi_init_seconds', 0)))")
		if test -z "$b" ||
		   test "$(echo "${r%% *} < ${b%% *}" | bc -l)" = 1; then
			b=$r
		fi
	done
	echo "$b"
}

# rows/s/rank: rows / ranks / (parse + fit), MPI_Init left out
printf '%-9s %5s %8s %-7s %8s %8s %8s %8s %12s\n' algo d rows how \
	total_s init_s parse_s fit_s rows/s/rank
for spec in "10 600000" "100 60000" "1000 6000"; do
	set -- $spec
	d=$1 n=$2
	gen "$d" "$n" || exit 1
	f=$PERF_TMP/d$d.csv
	cat "$f" >/dev/null
	for algo in ridge logistic; do
		case $algo in
		ridge) args="--target y --exclude c" ;;
		logistic) args="--target c --exclude y" ;;
		esac
		for how in one 1rank 2ranks; do
			case $how in
			one) set -- "$MLW" ; ranks=1 ;;
			1rank) set -- $MPI -n 1 "$MLW" ; ranks=1 ;;
			2ranks) set -- $MPI -n 2 "$MLW" ; ranks=2 ;;
			esac
			r=$(best "$RUNS" "$@" train $algo --data "$f" $args) ||
				{ echo "$PERF_NAME: $algo $how failed" >&2; exit 1; }
			set -- $r
			parse=$(echo "$2 - $5" | bc -l)
			printf '%-9s %5s %8s %-7s %8s %8s %8.3f %8s %12.0f\n' \
				$algo $d $4 $how $1 $5 $parse $3 \
				"$(echo "$4 / $ranks / ($parse + $3)" | bc -l)"
		done
	done
done

echo
echo "one sum over 2 ranks of the (d+1)^2 Gram matrix (reduce + broadcast):"
printf '%5s %9s %10s %12s\n' d doubles bytes us/sum
$MPI -n 2 "$BENCH" 0 10 100 1000 | while read d n b us; do
	printf '%5s %9s %10s %12s\n' $d $n $b $us
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
perf_done

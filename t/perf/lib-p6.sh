# lib-p6.sh - shared by the p6* sweep benchmarks, after perf-lib.sh: the
# driver that runs lib/sweep in-process (t/perf/sweep-bench.c, built by
# 'make perf') and its Optuna peer (t/perf/lib-p6.py, Debian's
# python3-optuna under /usr/bin/python3).

PY=/usr/bin/python3
BENCH=$PERF_TOP/t/perf/sweep-bench.bin
PEER=$PERF_TOP/t/perf/lib-p6.py

# p6_need [optuna]: the driver (and Optuna) or the package to install
p6_need () {
	perf_need "$BENCH"
	if test "$1" = optuna; then
		perf_need "$PY"
		"$PY" -c 'import optuna' 2>/dev/null ||
			perf_die "python3-optuna is missing (make install-deps)"
	fi
	echo "# load: $(cut -d' ' -f1-3 /proc/loadavg); the machine may" \
	     "be shared: times are indicative"
}

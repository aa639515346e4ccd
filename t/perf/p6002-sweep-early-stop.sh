#!/bin/sh
# p6002-sweep-early-stop - what early termination saves.
#
# A synthetic sweep (t/perf/sweep-bench.c): 100 trials of 100 steps, 10
# at a time, x ~ uniform(0, 1); a trial's accuracy approaches 0.05 +
# 0.2 x for the hopeless half (x < 0.5) and 0.6 + 0.6 (x - 0.5) for the
# rest as 1 - exp(-step / 10), with noise.  Each policy (evaluation
# interval 1, delay 5): bandit with slack_factor 0.1, median stopping,
# truncation selection at 20%.  Steps used against 100 x 100 without a
# policy; the best trial must be the one found without a policy.
# Target (the issue): bandit saves at least 40% of the steps.
. t/perf/perf-lib.sh
. t/perf/lib-p6.sh
perf_setup "$@"
p6_need

for p in none bandit median truncation; do
	"$BENCH" early $p 100 100 >>"$PERF_TMP/early" ||
		perf_die "sweep-bench early $p"
done
ref=$(awk '$1 == "none" { print $4 }' "$PERF_TMP/early")
for p in bandit median truncation; do
	set -- $(awk -v p=$p '$1 == p { print $2, $3, $4, $5 }' \
		"$PERF_TMP/early")
	saved=$(perf_calc "100 * (1 - $1 / $2)")
	kept=no
	test "$3" = "$ref" && kept=yes
	perf_info "$p: steps used of $2, best trial kept" "$1 $kept"
	if test $p = bandit; then
		perf_result "bandit (slack 0.1): steps saved" "$saved" '>' 40 %
		perf_result "bandit keeps the best trial (1 = yes)" \
			"$(test $kept = yes && echo 1 || echo 0)" '>' 1 ""
	else
		perf_info "$p: steps saved" "$saved" %
	fi
done
perf_done

#!/bin/sh
# run.sh SECONDS NAME... - run each fuzz harness for SECONDS seconds.
#
# For each NAME: the inputs that once broke it (t/fuzz/regress/NAME) are
# replayed first, then .build/fuzz/fuzz-NAME runs on its corpus (kept in
# FUZZ_DIR/corpus/NAME between runs, so coverage accumulates) and on
# fresh seeds (seeds.sh).  A finding (crash, leak, sanitizer report,
# broken invariant, timeout, out of memory) is kept in
# FUZZ_DIR/findings/; executions and findings are appended to
# FUZZ_DIR/record.tsv (date, harness, seconds, executions, executions
# per second, findings).  Exits 1 when anything was found.
seconds=${1:?usage: run.sh SECONDS NAME...}
shift
top=$(cd "$(dirname "$0")/../.." && pwd)
dir=${FUZZ_DIR:-$top/.build/fuzz}
case $dir in /*) ;; *) dir=$top/$dir ;; esac
mkdir -p "$dir/findings"
MLW=${MLW:-$top/mlw} sh "$top/t/fuzz/seeds.sh" "$dir/seeds" >/dev/null ||
	exit 1
# leaks are findings too; a slow input is one past 10 s
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
found=0
printf '%-10s %12s %10s %8s\n' harness executions "exec/s" findings
for name in "$@"; do
	bin=$dir/fuzz-$name
	log=$dir/fuzz-$name.log
	mkdir -p "$dir/corpus/$name"
	before=$(ls "$dir/findings" | wc -l)
	if test -d "$top/t/fuzz/regress/$name" &&
	   ! "$bin" $(find "$top/t/fuzz/regress/$name" -type f | sort) \
		>"$log" 2>&1; then
		echo "fuzz-$name: an input of t/fuzz/regress/$name fails again:"
		tail -n 30 "$log"
		found=1
		continue
	fi
	"$bin" -max_total_time="$seconds" -print_final_stats=1 \
		-timeout=10 -rss_limit_mb=2048 -max_len=4096 \
		-artifact_prefix="$dir/findings/$name-" \
		"$dir/corpus/$name" "$dir/seeds/$name" >"$log" 2>&1
	status=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	new=$(($(ls "$dir/findings" | wc -l) - before))
	if test $status != 0 && test $new = 0; then
		# libFuzzer failed without leaving an input
		echo "fuzz-$name exited $status:"
		tail -n 30 "$log"
		new=1
	fi
	printf '%-10s %12s %10s %8s\n' $name ${execs:-0} ${rate:-0} $new
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
		$name $seconds ${execs:-0} ${rate:-0} $new >>"$dir/record.tsv"
	if test $new != 0; then
		found=1
		grep -E 'ERROR|invariant|SUMMARY|runtime error' "$log" | head -n 5
	fi
done
if test $found != 0; then
	echo "findings are in $dir/findings (replay: $dir/fuzz-NAME FILE)"
	exit 1
fi

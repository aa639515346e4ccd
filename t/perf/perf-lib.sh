# perf-lib.sh - shared helpers for the benchmarks in t/perf.
#
# A benchmark runs from the top of the tree (sh t/perf/pNNNN-name.sh),
# sources this file, times mlw and the peer a user would otherwise use on
# the same input in the same invocation, and reports each figure with
# perf_result (measured value, target, PASS or FAIL).  perf_done prints a
# summary and exits non-zero when a command failed, or, with --check, when
# a target was missed; without --check a missed target is reported, not
# fatal, so 'make perf' shows every benchmark.
#
#	. t/perf/perf-lib.sh
#	perf_setup "$@"
#	perf_best 3 secs "mlw hash-object -w" fresh_store -- \
#		"$MLW" -C "$PERF_TMP/s" hash-object -w "$PERF_TMP/f"
#	perf_result "mlw vs git" "$ratio" ">" 10 x
#	perf_done
#
# Data lives in a scratch directory $PERF_TMP under ${TMPDIR:-/tmp},
# removed on exit (also on failure and on ^C).

PERF_NAME=$(basename "$0" .sh)

if ! test -x ./mlw || ! test -f t/perf/perf-lib.sh; then
	echo "$PERF_NAME: run from the top of the tree after make" \
	     "(sh t/perf/$PERF_NAME.sh)" >&2
	exit 2
fi
PERF_TOP=$(pwd)
MLW=$PERF_TOP/mlw
LC_ALL=C
export LC_ALL
unset MLW_DIR

perf_check=
perf_pass=0
perf_fail=0
PERF_TMP=

perf_cleanup () {
	if test -n "$PERF_TMP"; then
		chmod -R u+w "$PERF_TMP" 2>/dev/null
		rm -rf "$PERF_TMP"
	fi
}

perf_die () {
	echo "$PERF_NAME: error: $*" >&2
	exit 1
}

# perf_setup [--check]: parse options, make the scratch directory
perf_setup () {
	for arg in "$@"; do
		case $arg in
		--check) perf_check=t ;;
		*) echo "usage: sh t/perf/$PERF_NAME.sh [--check]" >&2; exit 2 ;;
		esac
	done
	PERF_TMP=$(mktemp -d "${TMPDIR:-/tmp}/mlw-perf.XXXXXX") ||
		perf_die "cannot create a scratch directory"
	trap perf_cleanup EXIT
	trap 'perf_cleanup; exit 130' INT TERM
	# git must not read the user's configuration: defaults are compared
	GIT_CONFIG_NOSYSTEM=1
	GIT_CONFIG_GLOBAL=/dev/null
	HOME=$PERF_TMP
	export GIT_CONFIG_NOSYSTEM GIT_CONFIG_GLOBAL HOME
	echo "# $PERF_NAME on $(uname -m), $(nproc) cores, $(git --version 2>/dev/null)"
}

# perf_need CMD...: fail with the Debian package to install
perf_need () {
	for c in "$@"; do
		test -x "$c" || command -v "$c" >/dev/null 2>&1 ||
			perf_die "'$c' is missing (make install-deps)"
	done
}

# perf_http_bench: build t/perf/http-bench.c (the do-nothing HTTP
# servers) into $PERF_TMP/http-bench, against the plain build's library
perf_http_bench () {
	test "$(cut -d' ' -f1 .build/LINK-FLAGS 2>/dev/null)" = plain ||
		perf_die "build without SANITIZE first (make)"
	${CC:-cc} -O2 -std=c11 -D_GNU_SOURCE -no-pie -Ilib \
		$(pkg-config --cflags libmicrohttpd jansson) \
		-o "$PERF_TMP/http-bench" t/perf/http-bench.c \
		.build/plain/libmlw.a \
		$(pkg-config --libs libmicrohttpd jansson libcrypto) \
		-ldl -lpthread -lm ||
		perf_die "cannot compile t/perf/http-bench.c"
}

# perf_wrk_rps FILE: the requests/s of wrk's report in FILE
perf_wrk_rps () {
	awk '/^Requests\/sec:/ { print $2 }' "$1"
}

# perf_wrk_p99 FILE: the 99th percentile latency of wrk --latency's
# report in FILE, in milliseconds
perf_wrk_p99 () {
	awk '$1 == "99%" {
		v = $2
		if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 }
		else if (v ~ /ms$/) sub(/ms$/, "", v)
		else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 }
		print v
	}' "$1"
}

# perf_wrk_cpu_us PID FILE [TICKS]: the CPU time (user + system) process
# PID has used so far (or TICKS clock ticks of it, those of the run
# measured), per request of wrk's report in FILE, in microseconds: the
# work a request costs, which a busy machine disturbs far less than the
# requests/s it reaches
perf_wrk_cpu_us () {
	_ticks=${3:-$(awk '{ print $14 + $15 }' "/proc/$1/stat")}
	awk -v t="$_ticks" -v hz="$(getconf CLK_TCK)" '
		/ requests in / { n = $1 }
		END { printf "%.2f", t / hz * 1e6 / n }' "$2"
}

# perf_gen ARGS...: run the data generator (built once into $PERF_TMP)
perf_gen () {
	if ! test -x "$PERF_TMP/perf-gen"; then
		${CC:-cc} -O2 -std=c11 -D_GNU_SOURCE -o "$PERF_TMP/perf-gen" \
			"$PERF_TOP/t/perf/perf-gen.c" ||
			perf_die "cannot compile t/perf/perf-gen.c"
	fi
	"$PERF_TMP/perf-gen" "$@"
}

perf_now () {
	date +%s.%N
}

# perf_time VAR CMD...: wall seconds of CMD (stdout to $PERF_TMP/out)
perf_time () {
	_var=$1
	shift
	_t0=$(perf_now)
	"$@" >"$PERF_TMP/out" || perf_die "'$*' failed"
	_t1=$(perf_now)
	eval "$_var=\$(echo \$_t0 \$_t1 | awk '{ printf \"%.6f\", \$2 - \$1 }')"
}

# perf_best N VAR LABEL SETUP -- CMD...: the fastest of N runs of CMD,
# each after SETUP (not timed; 'true' for none); every run is printed
perf_best () {
	_n=$1 _bvar=$2 _label=$3 _setup=$4
	shift 4
	test "$1" = -- && shift
	_best=
	_runs=
	_i=0
	while test $_i -lt "$_n"; do
		$_setup || perf_die "setup '$_setup' failed"
		perf_time _t "$@"
		_runs="$_runs $_t"
		perf_keep_min _best "$_t"
		_i=$((_i + 1))
	done
	echo "#   $_label:$_runs s"
	eval "$_bvar=\$_best"
}

# perf_keep_min VAR T: VAR becomes T when empty or more than T
perf_keep_min () {
	eval "_kept=\$$1"
	if test -z "$_kept" || perf_lt "$2" "$_kept"; then
		eval "$1=\$2"
	fi
}

# perf_lt A B: true when number A < number B
perf_lt () {
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 < b + 0) }'
}

# perf_calc EXPR: evaluate an awk expression, print the result
perf_calc () {
	awk "BEGIN { printf \"%.6g\", $1 }"
}

# perf_result LABEL VALUE OP TARGET UNIT: print the figure and whether it
# meets the target; OP is '<' (at most) or '>' (at least)
perf_result () {
	_ok=$(awk -v v="$2" -v op="$3" -v t="$4" 'BEGIN {
		print (op == "<" ? v + 0 < t + 0 : v + 0 >= t + 0) ? "PASS" : "FAIL"
	}')
	if test "$_ok" = PASS; then
		perf_pass=$((perf_pass + 1))
	else
		perf_fail=$((perf_fail + 1))
	fi
	case $3 in
	'<') _want="under $4" ;;
	*) _want="at least $4" ;;
	esac
	printf '%-44s %10s %-6s (target %s %s)  %s\n' "$1" "$2" "$5" "$_want" "$5" "$_ok"
}

# perf_info LABEL VALUE [UNIT]: a figure without a target
perf_info () {
	printf '%-44s %10s %s\n' "$1" "$2" "${3:-}"
}

# perf_median: the median of numbers on stdin, one a line
perf_median () {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR % 2) print v[(NR + 1) / 2]
		else printf "%.6g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2
	}'
}

# perf_rss_kib VAR CMD...: peak resident set of CMD in KiB (GNU time)
perf_rss_kib () {
	_var=$1
	shift
	/usr/bin/time -f %M -o "$PERF_TMP/rss" "$@" >"$PERF_TMP/out" ||
		perf_die "'$*' failed"
	eval "$_var=\$(tail -n 1 \"\$PERF_TMP/rss\")"
}

# perf_du_bytes PATH: bytes allocated on disk under PATH
perf_du_bytes () {
	du -s -B1 "$1" | cut -f1
}

perf_done () {
	echo "$PERF_NAME: $perf_pass passed, $perf_fail failed"
	if test -n "$perf_check" && test "$perf_fail" -gt 0; then
		exit 1
	fi
	exit 0
}

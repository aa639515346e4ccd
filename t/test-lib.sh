# test-lib.sh - the shell test harness (after git's t/test-lib.sh).
#
# A test script sources this file, then calls test_expect_success and
# friends, then test_done.  Each script runs in its own trash directory
# (t/trash/NAME) with HOME pointing there, LC_ALL=C and TZ=UTC, and the
# freshly built ./mlw first on PATH.  Output is TAP, for prove.
#
#	test_description='what this script covers'
#	. ./test-lib.sh
#	test_expect_success 'init creates .mlw' '
#		mlw init &&
#		test -d .mlw/objects
#	'
#	test_done
#
# A test body runs in the script's shell (variables carry over); it passes
# when its last command exits 0.  Never pipe the command under test: its
# exit status would be lost.  Run a script with -v to see the output of
# every test, -i to stop at the first failure, -d to keep the trash.
#
# Every test body has a time limit (120 seconds by default, four times
# that when ./mlw is built with SANITIZE=1): a body that runs
# longer fails with "timed out", every process it started is killed (its
# descendants, and anything carrying the script's MLW_TEST_TAG in its
# environment, such as a job's detached supervisor), and the script ends
# there, so the suite can never hang.  A script that needs more says
# test_set_timeout SECONDS after sourcing this file; MLW_TEST_TIMEOUT in
# the environment overrides both (0: no limit, e.g. under a debugger).

# a script of t0003 that tests this harness runs in a trash directory
# named by MLW_TEST_TRASH, with the calling script's TEST_DIRECTORY
test_nested_=${MLW_TEST_TRASH:+t}
test -n "$MLW_TEST_TRASH" && test -f "$TEST_DIRECTORY/test-lib.sh" ||
	TEST_DIRECTORY=$(cd "$(dirname "$0")" && pwd)
MLW_BUILD_DIR=$(dirname "$TEST_DIRECTORY")
SHARED_DIRECTORY=$(cd "$MLW_BUILD_DIR/../shared" 2>/dev/null && pwd)
TEST_NAME=$(basename "$0" .sh)
TRASH_DIRECTORY=${MLW_TEST_TRASH:-$TEST_DIRECTORY/trash/$TEST_NAME}
export TEST_DIRECTORY MLW_BUILD_DIR SHARED_DIRECTORY TRASH_DIRECTORY

verbose= immediate= debug=
for arg in "$@"; do
	case $arg in
	-v|--verbose) verbose=t ;;
	-i|--immediate) immediate=t ;;
	-d|--debug) debug=t ;;
	esac
done

if ! test -x "$MLW_BUILD_DIR/mlw"; then
	echo "Bail out! $MLW_BUILD_DIR/mlw is not built; run make"
	exit 1
fi

PATH=$MLW_BUILD_DIR:$PATH
HOME=$TRASH_DIRECTORY
LC_ALL=C
LANG=C
TZ=UTC
export PATH HOME LC_ALL LANG TZ
unset MLW_DIR NO_COLOR MLW_TEST_TRASH
# every process a test starts inherits this: what the time limit kills
MLW_TEST_TAG=$TEST_NAME.$$
export MLW_TEST_TAG
# sanitizer reports must never pass for an expected failure (exit 99 is
# not an mlw exit code, so test_must_fail rejects it)
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:exitcode=99:abort_on_error=0}
LSAN_OPTIONS=${LSAN_OPTIONS:-exitcode=99}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=99}
export ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS

rm -rf "$TRASH_DIRECTORY" || {
	echo "Bail out! cannot remove $TRASH_DIRECTORY"
	exit 1
}
mkdir -p "$TRASH_DIRECTORY" && cd "$TRASH_DIRECTORY" || exit 1

# the script's own stdout and stderr, for messages from inside a test body
exec 5>&1 7>&2

test_count=0
test_failures=0
test_skipped=0
TEST_LOG=$TRASH_DIRECTORY/.test-log
satisfied_prereqs=" "

# --- prerequisites ---------------------------------------------------------

test_set_prereq () {
	satisfied_prereqs="$satisfied_prereqs$1 "
}

test_have_prereq () {
	for p in $(echo "$1" | tr , ' '); do
		case $p in
		!*)
			case "$satisfied_prereqs" in
			*" ${p#!} "*) return 1 ;;
			esac ;;
		*)
			case "$satisfied_prereqs" in
			*" $p "*) ;;
			*) return 1 ;;
			esac ;;
		esac
	done
	return 0
}

test -n "$SHARED_DIRECTORY" && test -d "$SHARED_DIRECTORY/corpus" &&
	test_set_prereq CORPUS
test -x /usr/bin/python3 && /usr/bin/python3 -c 'import sklearn' 2>/dev/null &&
	test_set_prereq SKLEARN
test -x /usr/bin/python3 && test_set_prereq PYTHON
test "$(id -u)" != 0 && test_set_prereq SANITY
command -v setpriv >/dev/null && test "$(id -u)" = 0 && test_set_prereq ROOT_SETPRIV
case "$ASAN_OPTIONS" in *detect_leaks*) ;; esac
if nm "$MLW_BUILD_DIR/mlw" 2>/dev/null | grep -q __asan_init; then
	test_set_prereq ASAN
else
	test_set_prereq !ASAN 2>/dev/null
fi

# --- running tests -----------------------------------------------------------

say () {
	echo "$@"
}

test_ok_ () {
	test_count=$((test_count + 1))
	say "ok $test_count - $1"
}

test_failure_ () {
	test_count=$((test_count + 1))
	test_failures=$((test_failures + 1))
	say "not ok $test_count - $1"
	test_desc_=$1
	shift
	{
		printf '%s\n' "$*" | sed -e 's/^/#	/'
		if test -s "$TEST_LOG"; then
			echo "#	output:"
			tail -n 60 "$TEST_LOG" | sed -e 's/^/#	/'
		fi
	} >"$TRASH_DIRECTORY.failed"
	cat "$TRASH_DIRECTORY.failed"
	# for 'make test', which shows what failed after prove's summary
	# (prove hides a script's TAP comments, and CI keeps only the tail)
	test -n "$test_nested_" || {
		echo "--- $TEST_NAME: not ok $test_count - $test_desc_"
		tail -n 40 "$TRASH_DIRECTORY.failed"
	} >>"$TEST_DIRECTORY/trash/FAILURES"
	rm -f "$TRASH_DIRECTORY.failed"
	test -n "$immediate" && { test_done; exit 1; }
	return 0
}

test_skip_ () {
	test_count=$((test_count + 1))
	test_skipped=$((test_skipped + 1))
	say "ok $test_count # skip $1 (missing $2)"
}

# --- the time limit of a test body -----------------------------------------

# test_set_timeout SECONDS: the limit of each test body from here on
# (scaled for sanitizer builds; MLW_TEST_TIMEOUT, when set, wins)
test_set_timeout () {
	if test -n "$MLW_TEST_TIMEOUT"; then
		test_timeout_=$MLW_TEST_TIMEOUT
	elif test_have_prereq ASAN; then
		test_timeout_=$(($1 * 4))
	else
		test_timeout_=$1
	fi
}

# the pids of every process started from this shell, however deep
test_descendants_ () {
	for stat in /proc/[0-9]*/stat; do
		{ read -r line <"$stat"; } 2>/dev/null || continue
		pid=${stat#/proc/}
		pid=${pid%/stat}
		# "PID (COMM) STATE PPID ...": COMM may hold anything
		set -- ${line##*) }
		echo "$pid $2"
	done | awk -v root=$$ '
		{ parent[$1] = $2 }
		END {
			found[root] = 1
			do {
				more = 0
				for (p in parent)
					if (!(p in found) && (parent[p] in found)) {
						found[p] = 1
						more = 1
					}
			} while (more)
			for (p in found)
				if (p != root)
					print p
		}'
}

# the pids of processes that carry tag $1 (detached ones too)
test_tagged_ () {
	grep -lzx "MLW_TEST_TAG=$1" /proc/[0-9]*/environ 2>/dev/null |
	sed -e 's|^/proc/||' -e 's|/environ$||'
}

# in the background, out of this shell's sight (so a bare 'wait' in a
# body does not wait for it): after test_timeout_ seconds tell the
# script's shell (SIGALRM, trapped below: it acts once the body's current
# command has ended), then kill what the test started, a few rounds to
# catch processes forked meanwhile.  It counts seconds with short sleeps
# so that stopping it is one SIGKILL, with no trap to race: what it
# leaves is a sleep of a second at most.
test_watchdog_ () {
	tag=$MLW_TEST_TAG
	MLW_TEST_TAG=watchdog
	left=$test_timeout_
	while test $left -gt 0; do
		sleep 1
		left=$((left - 1))
	done
	read -r self rest </proc/self/stat
	for round in 1 2 3; do
		victims=$( (test_descendants_; test_tagged_ "$tag") |
			   sort -u | grep -vx -e "$self")
		# once the shell has its signal it may exit, orphaning
		# subshells: their pids were taken just before
		test $round = 1 && kill -ALRM $test_shell_pid_
		test -n "$victims" && kill -9 $victims 2>/dev/null
		sleep 0.2
	done
}

test_watchdog_start_ () {
	test_watchdog_pid_=
	test "${test_timeout_:-0}" -gt 0 2>/dev/null || return 0
	# (a function put in the background with redirections keeps
	# dash's command substitution waiting: a subshell does not)
	test_watchdog_pid_=$(
		(test_watchdog_) >/dev/null 2>&1 </dev/null 5>&- 7>&- &
		echo $!
	)
}

test_watchdog_stop_ () {
	test -n "$test_watchdog_pid_" &&
		kill -9 $test_watchdog_pid_ 2>/dev/null
	test_watchdog_pid_=
}

# SIGALRM from the watchdog, seen when the body's current command is gone
test_timed_out_ () {
	trap - ALRM
	# the watchdog is killing what the body started: let it finish
	test_watchdog_pid_=
	test_count=$((test_count + 1))
	test_failures=$((test_failures + 1))
	{
		echo "not ok $test_count - $test_current_"
		echo "#	timed out after $test_timeout_ s" \
			"(test_set_timeout, MLW_TEST_TIMEOUT): its" \
			"processes were killed and the script stops here"
		if test -s "$TEST_LOG"; then
			echo "#	output:"
			tail -n 60 "$TEST_LOG" | sed -e 's/^/#	/'
		fi
		echo "1..$test_count"
	} >&5
	test -n "$test_nested_" || {
		echo "--- $TEST_NAME: not ok $test_count - $test_current_" \
			"(timed out after $test_timeout_ s)"
		test -s "$TEST_LOG" && tail -n 40 "$TEST_LOG"
	} >>"$TEST_DIRECTORY/trash/FAILURES"
	exit 1
}

test_shell_pid_=$$
trap test_timed_out_ ALRM
# however the script ends, no watchdog outlives it
trap 'test_watchdog_stop_' EXIT
test_set_timeout 120

# a body's 'return 1' (the usual way out of a loop in a body) returns
# from here, not from test_run_, which still has to stop the watchdog
test_eval_ () {
	eval "$1"
}

test_run_ () {
	test_current_=$2
	test_watchdog_start_
	if test -n "$verbose"; then
		test_eval_ "$1"
	else
		test_eval_ "$1" >"$TEST_LOG" 2>&1
	fi
	test_ret_=$?
	test_watchdog_stop_
	return $test_ret_
}

# test_expect_success [PREREQ] DESCRIPTION BODY
test_expect_success () {
	test $# = 3 && { prereq=$1; shift; } || prereq=
	if test -n "$prereq" && ! test_have_prereq "$prereq"; then
		test_skip_ "$1" "$prereq"
		return 0
	fi
	: >"$TEST_LOG"
	if test_run_ "$2" "$1"; then
		test_ok_ "$1"
	else
		test_failure_ "$@"
	fi
}

# test_expect_failure: a known breakage, reported as TODO
test_expect_failure () {
	test $# = 3 && { prereq=$1; shift; } || prereq=
	if test -n "$prereq" && ! test_have_prereq "$prereq"; then
		test_skip_ "$1" "$prereq"
		return 0
	fi
	: >"$TEST_LOG"
	if test_run_ "$2" "$1"; then
		test_count=$((test_count + 1))
		say "ok $test_count - $1 # TODO known breakage vanished"
	else
		test_count=$((test_count + 1))
		say "not ok $test_count - $1 # TODO known breakage"
	fi
}

test_done () {
	echo "1..$test_count"
	if test -z "$debug" && test "$test_failures" = 0; then
		cd "$TEST_DIRECTORY" && rm -rf "$TRASH_DIRECTORY"
	fi
	test "$test_failures" = 0
	exit $?
}

# --- helpers used inside test bodies ----------------------------------------

# the command must fail the way mlw fails (exit 1, 2, 3, 128 or 130), not
# crash, and not with a sanitizer report
test_must_fail () {
	"$@"
	code=$?
	case $code in
	1|2|3|128|130) return 0 ;;
	0) echo >&2 "test_must_fail: command succeeded: $*" ;;
	99) echo >&2 "test_must_fail: sanitizer report from: $*" ;;
	*) echo >&2 "test_must_fail: died with exit $code: $*" ;;
	esac
	return 1
}

# test_expect_code N COMMAND...
test_expect_code () {
	want=$1
	shift
	"$@"
	code=$?
	test "$code" = "$want" && return 0
	echo >&2 "test_expect_code: command exited $code, wanted $want: $*"
	return 1
}

test_cmp () {
	diff -u "$1" "$2"
}

# the first file must not be empty / must be empty
test_file_not_empty () {
	test -s "$1" || { echo >&2 "'$1' is empty or missing"; return 1; }
}

test_must_be_empty () {
	if test -s "$1"; then
		echo >&2 "'$1' is not empty:"
		cat >&2 "$1"
		return 1
	fi
}

# test_grep [-v] PATTERN FILE: grep that shows the file when it fails
test_grep () {
	if test "$1" = "-v"; then
		shift
		grep -e "$1" "$2" >/dev/null || return 0
		echo >&2 "test_grep: '$1' found in $2:"
	else
		grep -e "$1" "$2" >/dev/null && return 0
		echo >&2 "test_grep: '$1' not found in $2:"
	fi
	cat >&2 "$2"
	return 1
}

# two JSON documents are equal as values (key order and spacing ignored)
test_json_eq () {
	/usr/bin/python3 - "$1" "$2" <<-\PY
	import json, sys
	a = json.load(open(sys.argv[1]))
	b = json.load(open(sys.argv[2]))
	if a != b:
	    print("JSON differs:\n expected %r\n actual   %r" % (a, b), file=sys.stderr)
	    sys.exit(1)
	PY
}

# test_approx A B TOL: |A - B| <= TOL * max(1, |A|, |B|)
test_approx () {
	awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN {
		d = a - b; if (d < 0) d = -d
		m = a < 0 ? -a : a; n = b < 0 ? -b : b
		s = m > n ? m : n; if (s < 1) s = 1
		if (d <= t * s) exit 0
		printf "test_approx: %s and %s differ by more than %s\n", a, b, t > "/dev/stderr"
		exit 1
	}'
}

# a JSON field of a file, for assertions: test_json_get FILE PYEXPR
# e.g. test_json_get out.json '["problems"][0]["object"]'
test_json_get () {
	/usr/bin/python3 -c "import json,sys; v=json.load(open(sys.argv[1]))$2; print(v if not isinstance(v,(dict,list)) else json.dumps(v))" "$1"
}

# test_approx_lines FILE: each line "what a b tolerance" must agree as
# test_approx decides (relative, absolute below 1); one awk pass for many
test_approx_lines () {
	test_file_not_empty "$1" &&
	awk '{
		d = $2 - $3; if (d < 0) d = -d
		m = $2 < 0 ? -$2 : $2; n = $3 < 0 ? -$3 : $3
		s = m > n ? m : n; if (s < 1) s = 1
		if (!(d <= $4 * s)) { printf "mismatch: %s: %s and %s differ by more than %s\n", $1, $2, $3, $4; bad = 1 }
	} END { exit bad }' "$1"
}

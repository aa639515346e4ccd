#!/bin/sh
# p0001-startup - 'mlw --version' wall time against /bin/true.
#
# Target (the issue): mlw adds under 5 ms to a command.  What a process
# costs to create differs tenfold between machines (on a Firecracker VM a
# fork+exec of /bin/true alone takes ~11 ms), so the target is checked on
# mlw's own share: median(mlw --version) - median(/bin/true), both timed
# in the same loop, alternating, so drift hits both alike.  The absolute
# medians are printed too.
#
# Also lists the shared objects mlw loads at start (ldd, and what the
# dynamic loader really opens for 'mlw --version'): the heavy libraries
# (libgit2, libcurl, libmicrohttpd, LAPACKE/OpenBLAS) are loaded on first
# use and must never appear here.  With --check (make check-startup) the
# script exits non-zero when either target is missed.
#
# PERF_STARTUP_RUNS overrides the number of runs (200).
. t/perf/perf-lib.sh
perf_setup "$@"
perf_need perl /bin/true

runs=${PERF_STARTUP_RUNS:-200}
target_ms=5
heavy='libgit2|libcurl|libmicrohttpd|liblapack|libopenblas|libblas|libpcre2|libmpi'

# The timer: perl's fork/exec and a monotonic clock, microsecond precision
# (date(1) would time itself; /usr/bin/time has 10 ms resolution).
perl -MTime::HiRes=clock_gettime,CLOCK_MONOTONIC -e '
	my ($n, $out, @cmds) = @ARGV;
	my @c = map { [split / /] } @cmds;
	open(my $fh, ">", $out) or die "$out: $!";
	for my $i (1 .. $n + 5) {
		for my $k (0 .. $#c) {
			my $t0 = clock_gettime(CLOCK_MONOTONIC);
			my $pid = fork();
			die "fork: $!" unless defined $pid;
			if (!$pid) {
				open(STDOUT, ">", "/dev/null");
				exec @{$c[$k]} or exit 127;
			}
			waitpid($pid, 0);
			my $t = clock_gettime(CLOCK_MONOTONIC) - $t0;
			die "@{$c[$k]}: exit status $?\n" if $?;
			# the first runs only warm the caches
			printf $fh "%d %.6f\n", $k, $t * 1000 if $i > 5;
		}
	}
' "$runs" "$PERF_TMP/times" "$MLW --version" /bin/true ||
	perf_die "timing failed"

mlw_ms=$(awk '$1 == 0 { print $2 }' "$PERF_TMP/times" | perf_median)
true_ms=$(awk '$1 == 1 { print $2 }' "$PERF_TMP/times" | perf_median)
mlw_min=$(awk '$1 == 0 { print $2 }' "$PERF_TMP/times" | sort -g | head -n 1)
true_min=$(awk '$1 == 1 { print $2 }' "$PERF_TMP/times" | sort -g | head -n 1)
echo "#   command: mlw --version and /bin/true, $runs runs each, alternating"
perf_info "mlw --version, median (min $mlw_min)" "$mlw_ms" ms
perf_info "/bin/true (floor), median (min $true_min)" "$true_ms" ms
perf_info "ratio mlw / floor" "$(perf_calc "$mlw_ms / $true_ms")" x
perf_result "mlw --version over the floor" \
	"$(perf_calc "$mlw_ms - $true_ms")" '<' "$target_ms" ms

echo "#   ldd ./mlw:"
ldd "$MLW" | sed 's/^[[:space:]]*/#     /'
LD_DEBUG=files "$MLW" --version 2>"$PERF_TMP/ld" >/dev/null ||
	perf_die "mlw --version failed"
sed -n 's/.*file=\([^ ]*\).*\[0\];  *needed by.*/\1/p; s/.*file=\([^ ]*\).*dynamically loaded by.*/\1/p' \
	"$PERF_TMP/ld" | sort -u >"$PERF_TMP/loaded"
echo "#   objects the loader opens for 'mlw --version':" \
	"$(tr '\n' ' ' <"$PERF_TMP/loaded")"
nheavy=$( (ldd "$MLW"; cat "$PERF_TMP/loaded") | grep -cE "$heavy")
perf_result "heavy libraries loaded at start" "$nheavy" '<' 1 libs
perf_done

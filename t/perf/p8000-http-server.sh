#!/bin/sh
# p8000-http-server - the floor under every mlw HTTP service: lib/http's
# server answering a fixed body, against libmicrohttpd itself doing the
# same (t/perf/http-bench.c), both driven by wrk on loopback in turns.
#
# The endpoint target (issue 15) is at least 70% of what a do-nothing
# libmicrohttpd handler reaches, at 32 connections; this measures the
# layer under the endpoint against that peer, so the ratio here is the
# ceiling the endpoint's ratio can reach.  $PERF_RUNS (5) runs of
# $PERF_SECS (3) seconds each, the two servers in turns: the best
# requests/s of each, and the median server CPU time (user + system) a
# request, the work each does per request.  The target is on the CPU
# time: wrk and the servers share this machine's cores, and on a busy
# machine requests/s scatter widely from run to run (the load average is
# printed) while the work per request does not.  p99 latency at 8
# connections is printed for the record.
. t/perf/perf-lib.sh
perf_setup "$@"
perf_need wrk

runs=${PERF_RUNS:-5}
secs=${PERF_SECS:-3}

perf_http_bench

echo "# load: $(uptime | sed 's/.*load/load/')"

pid=
stop_server () {
	if test -n "$pid"; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		pid=
	fi
}
trap 'stop_server; perf_cleanup' EXIT
trap 'stop_server; perf_cleanup; exit 130' INT TERM

# start_server KIND: the server in the background, its port in $port
start_server () {
	rm -f "$PERF_TMP/port"
	"$PERF_TMP/http-bench" "$1" >"$PERF_TMP/port" &
	pid=$!
	for _w in 1 2 3 4 5 6 7 8 9 10; do
		test -s "$PERF_TMP/port" && break
		sleep 0.1
	done
	port=$(cat "$PERF_TMP/port")
	test -n "$port" || perf_die "the $1 server did not start"
}

# drive CONNECTIONS: wrk against $port, output in $PERF_TMP/wrk
drive () {
	wrk -t2 -c"$1" -d"${secs}s" --latency "http://127.0.0.1:$port/" \
		>"$PERF_TMP/wrk" 2>&1 || perf_die "wrk failed: $(cat "$PERF_TMP/wrk")"
	if grep -q 'Non-2xx' "$PERF_TMP/wrk"; then
		perf_die "errors from the server: $(cat "$PERF_TMP/wrk")"
	fi
}

rps () {
	perf_wrk_rps "$PERF_TMP/wrk"
}

# cpu_us: the server's CPU time per request served (perf-lib.sh)
cpu_us () {
	perf_wrk_cpu_us "$pid" "$PERF_TMP/wrk"
}

p99_ms () {
	perf_wrk_p99 "$PERF_TMP/wrk"
}

best_raw=0
best_mlw=0
i=0
while test $i -lt "$runs"; do
	for kind in raw mlw; do
		start_server $kind
		drive 32
		r=$(rps)
		c=$(cpu_us)
		echo "#   $kind, 32 connections: $r requests/s, $c us CPU a request"
		echo "$c" >>"$PERF_TMP/cpu.$kind"
		if test $kind = raw; then
			perf_lt "$best_raw" "$r" && best_raw=$r
		else
			perf_lt "$best_mlw" "$r" && best_mlw=$r
		fi
		stop_server
	done
	i=$((i + 1))
done
cpu_raw=$(perf_median <"$PERF_TMP/cpu.raw")
cpu_mlw=$(perf_median <"$PERF_TMP/cpu.mlw")

start_server mlw
drive 8
mlw_p99=$(p99_ms)
stop_server
start_server raw
drive 8
raw_p99=$(p99_ms)
stop_server

echo "# load: $(uptime | sed 's/.*load/load/')"
perf_info "libmicrohttpd do-nothing, 32 conns" "$best_raw" "requests/s"
perf_info "lib/http fixed body, 32 conns" "$best_mlw" "requests/s"
perf_info "p99 at 8 conns, libmicrohttpd / lib/http" "$raw_p99 / $mlw_p99" "ms"
perf_info "server CPU a request (median), libmicrohttpd" "$cpu_raw" "us"
perf_info "server CPU a request (median), lib/http" "$cpu_mlw" "us"
perf_info "lib/http vs libmicrohttpd, best requests/s" \
	"$(perf_calc "$best_mlw / $best_raw")" x
perf_result "lib/http vs libmicrohttpd, CPU a request" \
	"$(perf_calc "$cpu_mlw / $cpu_raw")" "<" 1.15 x
perf_done

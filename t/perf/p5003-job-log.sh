#!/bin/sh
# p5003-job-log - a job that prints 2 GiB of log.
#
# The job's command is 'cat' of a 2 GiB file of numeric CSV (perf-gen,
# so it compresses as real output does, not as a repeated line would).
# mlw captures it through a pipe into user_logs/std_log.txt, then stores
# it as a compressed object when the job ends; 'mlw job stream' replays
# the finished job's log from that object.  Measured: wall time and the
# peak RSS (GNU time: the largest of create, its supervisor and the
# command) of 'mlw job create --wait' and of 'mlw job stream > file'.
#
# The peers: 'cat F > file' (copy_file_range, the floor), 'cat F | cat >
# file' (the same bytes through a pipe, as the job's output travels) and
# 'gzip -1 -c F > file' (what storing it compressed costs with the usual
# tool).  Target (the issue): the log captured in bounded memory; peak RSS
# under 64 MiB is checked, the times are reported.
#
# PERF_LOG_SIZE overrides the size in bytes (2147483648).
. t/perf/perf-lib.sh
perf_setup "$@"
perf_need cc gzip cmp /usr/bin/time

size=${PERF_LOG_SIZE:-2147483648}
store=$PERF_TMP/store
log=$PERF_TMP/log.txt

echo "# load: $(uptime | sed 's/.*load/load/')"
perf_gen csv "$size" >"$log" || perf_die "cannot generate the log"
bytes=$(wc -c <"$log")
mkdir "$store" && (cd "$store" && "$MLW" -q init .) ||
	perf_die "cannot make a store"
cat >"$PERF_TMP/job.yml" <<EOF
command: cat $log
environment: azureml:x@latest
EOF
cat "$log" >/dev/null

rm_copy () {
	rm -f "$PERF_TMP/copy" && sync
}

perf_best 1 t_cat "cat F > file" rm_copy -- sh -c "cat '$log' >'$PERF_TMP/copy'"
perf_best 1 t_pipe "cat F | cat > file" rm_copy -- \
	sh -c "cat '$log' | cat >'$PERF_TMP/copy'"
perf_best 1 t_gzip "gzip -1 -c F > file" rm_copy -- \
	sh -c "gzip -1 -c '$log' >'$PERF_TMP/copy'"
gz=$(wc -c <"$PERF_TMP/copy")
rm_copy

sync
t0=$(perf_now)
/usr/bin/time -f %M -o "$PERF_TMP/rss.create" "$MLW" -C "$store" -q job \
	create -f "$PERF_TMP/job.yml" --wait --name big >/dev/null ||
	perf_die "the job failed"
t1=$(perf_now)
t_create=$(perf_calc "$t1 - $t0")
rss_create=$(tail -n 1 "$PERF_TMP/rss.create")
obj=$(du -s -B1 "$store/.mlw/objects" | cut -f1)

sync
t0=$(perf_now)
/usr/bin/time -f %M -o "$PERF_TMP/rss.stream" "$MLW" -C "$store" job \
	stream big >"$PERF_TMP/replay" || perf_die "job stream failed"
t1=$(perf_now)
t_stream=$(perf_calc "$t1 - $t0")
rss_stream=$(tail -n 1 "$PERF_TMP/rss.stream")
cmp -s "$log" "$PERF_TMP/replay" || perf_die "the replay differs from the log"
rm -f "$PERF_TMP/replay"

mib () {
	perf_calc "$1 / 1048576"
}
perf_info "load average at the end" "$(cut -d' ' -f1-3 /proc/loadavg)"
perf_info "log size" "$(mib "$bytes")" MiB
perf_info "cat F > file" "$t_cat" s
perf_info "cat F | cat > file" "$t_pipe" s
perf_info "gzip -1 -c F > file" "$t_gzip" s
perf_info "  gzip -1 output" "$(mib "$gz")" MiB
perf_info "mlw job create --wait (capture + store)" "$t_create" s
perf_info "  objects in the store afterwards" "$(mib "$obj")" MiB
perf_info "  MiB/s" "$(perf_calc "$bytes / 1048576 / $t_create")" MiB/s
perf_info "  over cat | cat + gzip -1" \
	"$(perf_calc "$t_create / ($t_pipe + $t_gzip)")" x
perf_info "mlw job stream > file (replay)" "$t_stream" s
perf_info "  MiB/s" "$(perf_calc "$bytes / 1048576 / $t_stream")" MiB/s
perf_result "peak RSS, job create --wait" "$rss_create" '<' 65536 KiB
perf_result "peak RSS, job stream" "$rss_stream" '<' 65536 KiB
perf_done

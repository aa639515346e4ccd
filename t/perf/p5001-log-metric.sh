#!/bin/sh
# p5001-log-metric - metric logging from inside a job.
#
# 1. 'mlw log metric --file F' of 1,000,000 points (5 keys, "NAME VALUE
#    STEP" lines, 21 MB), each try into a fresh run of the same store,
#    best of 3; and once from stdin.  Target (the issue): under 2 s wall.
#    The peer: what a user would otherwise do with the same rows, the
#    sqlite3 CLI importing them in one transaction into a table (key,
#    value, step) with an index on (key, step), in WAL mode with
#    synchronous=NORMAL as mlw's catalog.  CPU time (user + sys) is
#    printed too: on a loaded disk the wall time is mostly I/O.
#
# 2. One 'mlw log metric NAME VALUE' call, made from inside a running job
#    (MLW_RUN_ID set, the job's supervisor holding the catalog open) as a
#    training loop makes it.  Target: under 8 ms.  Measured with
#    'perf stat -r N' (task-clock and elapsed, when perf is installed) and
#    as the mean wall time of N calls in a shell loop, against the same
#    loop of /bin/true (what process creation alone costs here) and of
#    'sqlite3 DB "INSERT ..."' (the peer).
#
# PERF_POINTS and PERF_CALLS override the sizes (1000000, 200).
. t/perf/perf-lib.sh
perf_setup "$@"
perf_need sqlite3 awk /usr/bin/time

points=${PERF_POINTS:-1000000}
calls=${PERF_CALLS:-200}
store=$PERF_TMP/store
pts=$PERF_TMP/points

echo "# load: $(uptime | sed 's/.*load/load/')"
awk -v n="$points" 'BEGIN {
	split("loss accuracy rmse learning_rate grad_norm", k, " ")
	srand(1)
	for (i = 0; i < n; i++)
		printf "%s %.6g %d\n", k[i % 5 + 1], rand(), int(i / 5)
}' >"$pts" || perf_die "cannot generate the points"
cat "$pts" >/dev/null

mkdir "$store" && (cd "$store" && "$MLW" -q init .) ||
	perf_die "cannot make a store"
cat >"$PERF_TMP/idle.yml" <<EOF
command: "true"
environment: azureml:x@latest
EOF

nrun=0
# fresh_run: a finished job to log into, named in $run
fresh_run () {
	nrun=$((nrun + 1))
	run=r$nrun
	"$MLW" -C "$store" -q job create -f "$PERF_TMP/idle.yml" --wait \
		--name "$run" >/dev/null && sync
}

# cpu_time VAR CMD...: wall, and user + sys seconds of CMD into VAR_wall
# and VAR_cpu
cpu_time () {
	_v=$1
	shift
	/usr/bin/time -f "%e %U %S" -o "$PERF_TMP/time" "$@" \
		>"$PERF_TMP/out" || perf_die "'$*' failed"
	eval "${_v}_wall=\$(awk '{ print \$1 }' \"\$PERF_TMP/time\")"
	eval "${_v}_cpu=\$(awk '{ print \$2 + \$3 }' \"\$PERF_TMP/time\")"
}

best_wall= best_cpu= runs=
for i in 1 2 3; do
	fresh_run || perf_die "cannot create a job"
	cpu_time t env MLW_RUN_ID=$run "$MLW" -C "$store" log metric \
		--file "$pts"
	runs="$runs $t_wall/$t_cpu"
	perf_keep_min best_wall "$t_wall"
	perf_keep_min best_cpu "$t_cpu"
done
echo "#   mlw log metric --file (wall/cpu s):$runs"
"$MLW" -C "$store" job show "$run" -o json >"$PERF_TMP/show" &&
grep -q '"grad_norm"' "$PERF_TMP/show" ||
	perf_die "the points are not in the run"
n=$(sqlite3 "$store/.mlw/mlw.db" "SELECT count(*) FROM run_metric_points
	WHERE run = (SELECT id FROM runs WHERE name = '$run')")
test "$n" = "$points" || perf_die "$n points stored, not $points"
wal=0
test -f "$store/.mlw/mlw.db-wal" && wal=$(wc -c <"$store/.mlw/mlw.db-wal")

fresh_run || perf_die "cannot create a job"
cpu_time s sh -c "MLW_RUN_ID=$run '$MLW' -C '$store' log metric --file - \
	<'$pts'"

# the peer: sqlite3 importing the same rows
peer_db=$PERF_TMP/peer.db
peer_wall= peer_cpu=
for i in 1 2 3; do
	rm -f "$peer_db" "$peer_db-wal" "$peer_db-shm"
	sqlite3 "$peer_db" "PRAGMA journal_mode=WAL;
		CREATE TABLE metrics (key TEXT, value REAL, step INTEGER);
		CREATE INDEX metrics_key ON metrics (key, step);" >/dev/null
	sync
	cpu_time p sqlite3 "$peer_db" -cmd "PRAGMA synchronous=NORMAL" \
		-cmd ".mode list" -cmd ".separator ' '" \
		".import '$pts' metrics"
	if test -z "$peer_wall" || perf_lt "$p_wall" "$peer_wall"; then
		peer_wall=$p_wall
		peer_cpu=$p_cpu
	fi
done
n=$(sqlite3 "$peer_db" "SELECT count(*) FROM metrics")
test "$n" = "$points" || perf_die "sqlite3 imported $n rows, not $points"

# 2. single calls, from inside a job
cat >"$PERF_TMP/single.sh" <<EOF
out=$PERF_TMP/single.out
: >\$out
loop () {
	t0=\$(date +%s%N)
	i=0
	while test \$i -lt $calls; do
		"\$@" || exit 1
		i=\$((i + 1))
	done
	t1=\$(date +%s%N)
	echo "\$1 \$(( (t1 - t0) / $calls ))" >>\$out
}
"$MLW" log metric warmup 1
for k in 1 2 3; do
	loop /bin/true
	loop "$MLW" log metric loss 0.5
	loop sqlite3 "$peer_db" "INSERT INTO metrics VALUES ('loss', 0.5, 1)"
done
if command -v perf >/dev/null; then
	perf stat -x, -r $calls -e task-clock -o $PERF_TMP/perf.mlw \\
		"$MLW" log metric loss 0.5 &&
	perf stat -x, -r $calls -e task-clock -o $PERF_TMP/perf.true \\
		/bin/true &&
	perf stat -r $calls -e task-clock -o $PERF_TMP/perf.mlw.txt \\
		"$MLW" log metric loss 0.5
fi
EOF
cat >"$PERF_TMP/single.yml" <<EOF
command: sh $PERF_TMP/single.sh
environment: azureml:x@latest
EOF
"$MLW" -C "$store" -q job create -f "$PERF_TMP/single.yml" --wait \
	--name single >/dev/null || perf_die "the job of single calls failed"
# per command: the best of the three loops, in ms
loop_ms () {
	awk -v c="$1" '$1 ~ c { v = $2 / 1e6; if (b == "" || v < b) b = v }
		END { printf "%.3f", b }' "$PERF_TMP/single.out"
}
l_true=$(loop_ms '^/bin/true$')
l_mlw=$(loop_ms 'mlw$')
l_sql=$(loop_ms '^sqlite3$')
test "$(sqlite3 "$store/.mlw/mlw.db" "SELECT count(*) FROM run_metric_points
	WHERE run = (SELECT id FROM runs WHERE name = 'single')
	AND key = (SELECT id FROM metric_keys WHERE name = 'loss')")" -ge \
	$((3 * calls)) || perf_die "the single calls did not all record"

perf_info "load average at the end" "$(cut -d' ' -f1-3 /proc/loadavg)"
perf_info "points, mlw --file, best wall / cpu" "$best_wall / $best_cpu" s
perf_info "points, mlw --file -, stdin, wall / cpu" "$s_wall / $s_cpu" s
perf_info "points, sqlite3 .import, best wall / cpu" \
	"$peer_wall / $peer_cpu" s
perf_info "WAL left after the batch" "$wal" bytes
perf_info "speed mlw / sqlite3 .import (wall)" \
	"$(perf_calc "$peer_wall / $best_wall")" x
perf_result "mlw log metric --file, $points points" "$best_wall" '<' 2 s
perf_info "one call in a shell loop: /bin/true" "$l_true" ms
perf_info "one call in a shell loop: sqlite3 INSERT" "$l_sql" ms
perf_info "one call in a shell loop: mlw log metric" "$l_mlw" ms
perf_info "mlw log metric over /bin/true" \
	"$(perf_calc "$l_mlw - $l_true")" ms
if test -f "$PERF_TMP/perf.mlw"; then
	tc=$(awk -F, '$3 ~ /task-clock/ { print $1 }' "$PERF_TMP/perf.mlw")
	tt=$(awk -F, '$3 ~ /task-clock/ { print $1 }' "$PERF_TMP/perf.true")
	el=$(awk '/elapsed/ { print $1 * 1000 }' "$PERF_TMP/perf.mlw.txt")
	perf_info "perf stat -r $calls: /bin/true task-clock" "$tt" ms
	perf_info "perf stat -r $calls: mlw log metric elapsed" "$el" ms
	perf_result "perf stat -r $calls: mlw log metric task-clock" \
		"$tc" '<' 8 ms
else
	perf_result "mlw log metric, wall in a shell loop" "$l_mlw" '<' 8 ms
fi
perf_done

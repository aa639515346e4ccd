#!/bin/sh
# p5002-job-list - 'mlw job list' with 100,000 runs in the catalog.
#
# The runs (20 experiments, one in ten Failed, a tag on each, last values
# of two metrics) are written straight into the catalog with the sqlite3
# CLI in the current schema, in one statement: creating them with 'mlw job
# create' would take minutes and measure something else.  Then the real
# 'mlw job list' is timed, best of 5:
#
#   mlw job list                                  target under 200 ms
#   mlw job list --order-by metrics.rmse --max-results 10
#                                                 target under 300 ms
#
# and, for information, -o json, filters, and --all-results -o tsv (every
# run, streamed) with its peak RSS.  The peer is the sqlite3 CLI running
# the equivalent SELECT on the same catalog.
#
# PERF_RUNS overrides the number of runs (100000).
. t/perf/perf-lib.sh
perf_setup "$@"
perf_need sqlite3 /usr/bin/time

nruns=${PERF_RUNS:-100000}
store=$PERF_TMP/store
db=$store/.mlw/mlw.db

echo "# load: $(uptime | sed 's/.*load/load/')"
mkdir "$store" && (cd "$store" && "$MLW" -q init .) ||
	perf_die "cannot make a store"
# touch the catalog once through mlw so its schema is current
"$MLW" -C "$store" job list >/dev/null || perf_die "mlw job list failed"
sqlite3 "$db" "
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n
	WHERE i < $nruns)
INSERT INTO runs (name, experiment, type, status, created, queued,
	starting, running, finalizing, ended, compute, command, exit_code,
	code, spec, log)
SELECT printf('run_%07d', i), printf('exp%d', i % 20), 'command',
	CASE WHEN i % 10 = 0 THEN 'Failed' ELSE 'Completed' END,
	1.7e9 + i * 10.0, 1.7e9 + i * 10.0 + 0.1, 1.7e9 + i * 10.0 + 0.2,
	1.7e9 + i * 10.0 + 0.3, 1.7e9 + i * 10.0 + 5, 1.7e9 + i * 10.0 + 6,
	'local', 'python train.py --alpha ' || i, CASE WHEN i % 10 = 0
	THEN 1 ELSE 0 END, printf('%064x', i), printf('%064x', i + 1),
	printf('%064x', i + 2)
FROM n;
INSERT OR IGNORE INTO metric_keys (name) VALUES ('rmse'), ('r2');
INSERT INTO run_metrics_last (run, key, step, value, time, seq)
	SELECT id, 'rmse', 99, abs(random() % 1000000) / 1e5, created + 5, 99
	FROM runs;
INSERT INTO run_metrics_last (run, key, step, value, time, seq)
	SELECT id, 'r2', 99, abs(random() % 1000000) / 1e6, created + 5, 99
	FROM runs;
INSERT INTO run_tags (run, key, value)
	SELECT id, 'team', CASE WHEN id % 3 = 0 THEN 'a' ELSE 'b' END
	FROM runs;
COMMIT;" || perf_die "cannot populate the catalog"
test "$(sqlite3 "$db" "SELECT count(*) FROM runs")" = "$nruns" ||
	perf_die "the catalog does not hold $nruns runs"
cat "$store/.mlw/"* >/dev/null 2>&1

list () {
	"$MLW" -C "$store" job list "$@"
}

perf_best 5 t_list "mlw job list" true -- list
test "$(wc -l <"$PERF_TMP/out")" = 51 ||
	perf_die "mlw job list did not print 50 runs"
grep -q "run_$(printf %07d "$nruns")" "$PERF_TMP/out" ||
	perf_die "the newest run is not listed"
perf_best 5 t_json "mlw job list -o json" true -- list -o json
perf_best 5 t_order "mlw job list --order-by metrics.rmse -r 10" true -- \
	list --order-by metrics.rmse --max-results 10 -o tsv
test "$(wc -l <"$PERF_TMP/out")" = 10 || perf_die "--order-by: not 10 runs"
cut -f1 "$PERF_TMP/out" >"$PERF_TMP/order.mlw"
sqlite3 "$db" "SELECT r.name FROM runs r JOIN run_metrics_last m
	ON m.run = r.id AND m.key = 'rmse' ORDER BY m.value DESC
	LIMIT 10" >"$PERF_TMP/order.sql"
cmp -s "$PERF_TMP/order.mlw" "$PERF_TMP/order.sql" ||
	perf_die "--order-by metrics.rmse lists other runs than sqlite3"
perf_best 5 t_asc "mlw job list --order-by 'metrics.rmse asc'" true -- \
	list --order-by "metrics.rmse asc" --max-results 10
perf_best 5 t_exp "mlw job list --experiment-name exp7" true -- \
	list --experiment-name exp7
perf_best 5 t_status "mlw job list --status Failed" true -- \
	list --status Failed
perf_best 5 t_tag "mlw job list --tag team=a" true -- list --tag team=a
perf_best 3 t_all "mlw job list --all-results -o tsv" true -- \
	list --all-results -o tsv
test "$(wc -l <"$PERF_TMP/out")" = "$nruns" ||
	perf_die "--all-results did not list $nruns runs"
perf_rss_kib rss_all "$MLW" -C "$store" job list --all-results -o tsv
perf_best 5 t_sql "sqlite3 SELECT ... LIMIT 50" true -- \
	sqlite3 "$db" "SELECT name, experiment, status, created FROM runs
	WHERE archived = 0 ORDER BY created DESC LIMIT 50"
perf_best 5 t_sqlo "sqlite3 SELECT ... ORDER BY rmse LIMIT 10" true -- \
	sqlite3 "$db" "SELECT r.name, r.experiment, r.status, r.created
	FROM runs r JOIN run_metrics_last m ON m.run = r.id
	AND m.key = 'rmse' WHERE r.archived = 0 ORDER BY m.value DESC
	LIMIT 10"
perf_best 3 t_sqla "sqlite3 SELECT all runs" true -- \
	sqlite3 "$db" "SELECT name, experiment, status, created FROM runs
	WHERE archived = 0 ORDER BY created DESC"

ms () {
	perf_calc "$1 * 1000"
}
perf_info "load average at the end" "$(cut -d' ' -f1-3 /proc/loadavg)"
perf_info "runs in the catalog" "$nruns"
perf_info "sqlite3 CLI, 50 newest" "$(ms "$t_sql")" ms
perf_info "sqlite3 CLI, 10 best by rmse" "$(ms "$t_sqlo")" ms
perf_info "sqlite3 CLI, every run" "$(ms "$t_sqla")" ms
perf_info "mlw job list -o json" "$(ms "$t_json")" ms
perf_info "mlw job list --order-by 'metrics.rmse asc'" "$(ms "$t_asc")" ms
perf_info "mlw job list --experiment-name exp7" "$(ms "$t_exp")" ms
perf_info "mlw job list --status Failed" "$(ms "$t_status")" ms
perf_info "mlw job list --tag team=a" "$(ms "$t_tag")" ms
perf_info "mlw job list --all-results -o tsv" "$(ms "$t_all")" ms
perf_info "  its peak RSS" "$rss_all" KiB
perf_result "mlw job list" "$(ms "$t_list")" '<' 200 ms
perf_result "mlw job list --order-by metrics.rmse -r 10" \
	"$(ms "$t_order")" '<' 300 ms
perf_done

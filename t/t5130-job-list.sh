#!/bin/sh
test_description='mlw job list over many runs: order, filters, limits, formats'
. ./test-lib.sh

command -v sqlite3 >/dev/null && test_set_prereq SQLITE3

# 3000 runs written straight into the catalog (as t/perf/p5002 does);
# every 10th Failed, 20 experiments, a tag on each, rmse on all but every
# 7th, which has NaN (NULL)
test_expect_success SQLITE3 'setup' '
	mlw init -q . &&
	mlw job list >/dev/null &&
	sqlite3 .mlw/mlw.db <<-\EOT
	BEGIN;
	WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n
		WHERE i < 3000)
	INSERT INTO runs (name, experiment, type, status, created, running,
		ended, compute, command, exit_code)
	SELECT printf("run_%05d", i), printf("exp%d", i % 20), "command",
		CASE WHEN i % 10 = 0 THEN "Failed" ELSE "Completed" END,
		1.7e9 + i * 10.0, 1.7e9 + i * 10.0 + 1, 1.7e9 + i * 10.0 + 4,
		"local", "true", CASE WHEN i % 10 = 0 THEN 1 ELSE 0 END FROM n;
	INSERT INTO metric_keys (name) VALUES ("rmse");
	INSERT INTO run_metrics_last (run, key, step, value, time, seq)
		SELECT id, "rmse", 0, CASE WHEN id % 7 = 0 THEN NULL
		ELSE (id * 7919) % 3001 / 100.0 END, created, 0 FROM runs;
	INSERT INTO run_tags (run, key, value)
		SELECT id, "team", CASE WHEN id % 3 = 0 THEN "a" ELSE "b" END
		FROM runs WHERE id % 2 = 0;
	COMMIT;
	EOT
'

test_expect_success SQLITE3 'the 50 newest by default, newest first' '
	mlw job list -o tsv >out &&
	cut -f1 out >actual &&
	sqlite3 .mlw/mlw.db "SELECT name FROM runs ORDER BY created DESC
		LIMIT 50" >expect &&
	test_cmp expect actual &&
	mlw job list >table &&
	test $(wc -l <table) = 51 &&
	test_grep "^run_03000  *exp0  *Failed" table
'

test_expect_success SQLITE3 '--all-results lists every run, in the same order' '
	mlw job list --all-results -o tsv >out &&
	cut -f1 out >actual &&
	sqlite3 .mlw/mlw.db "SELECT name FROM runs ORDER BY created DESC" >expect &&
	test_cmp expect actual
'

test_expect_success SQLITE3 '-o json gives every field of each run' '
	mlw job list --max-results 2 -o json >j.json &&
	test "$(test_json_get j.json "[1][\"name\"]")" = run_02999 &&
	test "$(test_json_get j.json "[0][\"exit_code\"]")" = 1 &&
	test "$(test_json_get j.json "[0][\"duration\"]")" = 3.0 &&
	test "$(test_json_get j.json "[1][\"compute\"]")" = local
'

test_expect_success SQLITE3 '--parent-job-name lists the children of a run' '
	sqlite3 .mlw/mlw.db <<-\EOT &&
	INSERT INTO runs (name, experiment, type, status, created, parent)
	VALUES ("trial_1", "exp1", "sweep_trial", "Completed", 1.8e9, "run_00001"),
	       ("trial_2", "exp1", "sweep_trial", "Failed", 1.8e9 + 1, "run_00001"),
	       ("other_1", "exp2", "sweep_trial", "Completed", 1.8e9 + 2, "run_00002");
	EOT
	mlw job list --parent-job-name run_00001 -o tsv >out &&
	cut -f1 out >actual &&
	printf "trial_2\ntrial_1\n" >expect &&
	test_cmp expect actual &&
	mlw job list -p run_00001 --status Failed -o tsv >out &&
	test $(wc -l <out) = 1 &&
	mlw job list -p trial_1 -o tsv >out &&
	test_must_be_empty out &&
	sqlite3 .mlw/mlw.db "DELETE FROM runs WHERE parent IS NOT NULL"
'

test_expect_success SQLITE3 '--tag KEY and --tag KEY=VALUE' '
	mlw job list --all-results --tag team -o tsv >out &&
	test $(wc -l <out) = 1500 &&
	mlw job list --all-results --tag team=a -o tsv >out &&
	test $(wc -l <out) = 500 &&
	mlw job list --tag team=a --max-results 3 -o tsv >out &&
	cut -f1 out >actual &&
	printf "run_03000\nrun_02994\nrun_02988\n" >expect &&
	test_cmp expect actual &&
	mlw job list --tag team=nobody -o tsv >out &&
	test_must_be_empty out
'

test_expect_success SQLITE3 '--status and --experiment-name' '
	mlw job list --all-results --status failed -o tsv >out &&
	test $(wc -l <out) = 300 &&
	! grep -v "	Failed	" out &&
	mlw job list --all-results --experiment-name exp7 -o tsv >out &&
	test $(wc -l <out) = 150 &&
	mlw job list --all-results --experiment-name exp0 --status Failed \
		-o tsv >out &&
	test $(wc -l <out) = 150
'

test_expect_success SQLITE3 '--order-by metrics.rmse, descending and ascending' '
	mlw job list --order-by metrics.rmse --max-results 5 -o tsv >out &&
	cut -f1 out >actual &&
	sqlite3 .mlw/mlw.db "SELECT r.name FROM runs r JOIN run_metrics_last m
		ON m.run = r.id WHERE m.key = \"rmse\"
		ORDER BY m.value DESC LIMIT 5" >expect &&
	test_cmp expect actual &&
	mlw job list --order-by "metrics.rmse asc" --all-results -o tsv >out &&
	test $(wc -l <out) = $((3000 - 428)) &&
	head -n 1 out | cut -f1 >actual &&
	sqlite3 .mlw/mlw.db "SELECT r.name FROM runs r JOIN run_metrics_last m
		ON m.run = r.id WHERE m.key = \"rmse\" AND m.value IS NOT NULL
		ORDER BY m.value ASC LIMIT 1" >expect &&
	test_cmp expect actual
'

test_expect_success SQLITE3 'archived runs only with --include-archived' '
	mlw job archive run_03000 &&
	mlw job list --max-results 1 -o tsv >out &&
	test_grep "^run_02999" out &&
	mlw job list --include-archived --max-results 1 -o tsv >out &&
	test_grep "^run_03000" out
'

test_done

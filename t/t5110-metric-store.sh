#!/bin/sh
test_description='metric points in the catalog: ordering, steps, the WAL, and upgrading a store of the previous schema'
. ./test-lib.sh

command -v sqlite3 >/dev/null && test_set_prereq SQLITE3

# the history of KEY in run RUN as "step value" lines, in stored order
history () {
	mlw job show "$1" --metrics -o json >h.json &&
	/usr/bin/python3 -c "
import json, sys
for p in json.load(open(\"h.json\"))[\"metric_history\"]:
    if p[\"key\"] == sys.argv[1]:
        print(p[\"step\"], p[\"value\"])" "$2"
}

test_expect_success 'setup' '
	mlw init -q . &&
	cat >idle.yml <<-\EOT &&
	command: "true"
	environment: azureml:x@latest
	EOT
	mlw -q job create -f idle.yml --wait --name r1
'

test_expect_success 'points at the same step keep the order they were logged in' '
	printf "loss 3 5\nloss 1 5\nacc 1 0\nloss 2 5\nloss 9 4\n" >b &&
	MLW_RUN_ID=r1 mlw log metric --file b &&
	MLW_RUN_ID=r1 mlw log metric loss 7 --step 5 &&
	history r1 loss >actual &&
	cat >expect <<-\EOT &&
	4 9.0
	5 3.0
	5 1.0
	5 2.0
	5 7.0
	EOT
	test_cmp expect actual &&
	mlw job show r1 -o json >s.json &&
	test "$(test_json_get s.json "[\"metrics\"][\"loss\"]")" = 7.0
'

test_expect_success 'the next step continues across calls and batches' '
	MLW_RUN_ID=r1 mlw log metric loss 0.5 &&
	printf "loss 0.25\nloss 0.125\n" | MLW_RUN_ID=r1 mlw log metric --file - &&
	history r1 loss | tail -n 3 >actual &&
	printf "6 0.5\n7 0.25\n8 0.125\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'a key logged by one run is one key for all' '
	mlw -q job create -f idle.yml --wait --name r2 &&
	MLW_RUN_ID=r2 mlw log metric loss 42 &&
	history r2 loss >actual &&
	echo "0 42.0" >expect &&
	test_cmp expect actual &&
	history r1 loss >all && test $(wc -l <all) = 8
'

# every process that opens the catalog reads the whole WAL back: a big
# batch must not leave its frames there
test_expect_success SQLITE3 'keys are interned; the WAL is emptied after a big batch' '
	awk "BEGIN { for (i = 0; i < 100000; i++) print \"big\", i }" >many &&
	MLW_RUN_ID=r2 mlw log metric --file many &&
	test -f .mlw/mlw.db-wal &&
	test $(wc -c <.mlw/mlw.db-wal) -lt 1048576 &&
	test "$(sqlite3 .mlw/mlw.db "SELECT count(*) FROM metric_keys")" = 3 &&
	test "$(sqlite3 .mlw/mlw.db "SELECT count(*) FROM run_metric_points")" = 100010
'

test_expect_success SQLITE3 'job list --order-by uses the last values' '
	mlw job list --order-by metrics.loss -o tsv >l &&
	cut -f1 l >names &&
	printf "r2\nr1\n" >expect &&
	test_cmp expect names
'

# a store as the previous schema (version 3) left it: metric keys as text
# in run_metrics, with a rowid per point and an index
test_expect_success SQLITE3 'a store of schema 3 is upgraded and reads the same' '
	mkdir old && (
		cd old &&
		mlw init -q . &&
		mlw -q job create -f ../idle.yml --wait --name o1 &&
		sqlite3 .mlw/mlw.db <<-\EOT
		DROP TABLE catalog_schemas;
		DROP TABLE catalog_roots;
		DROP TABLE experiments;
		DROP TABLE experiment_tags;
		DROP INDEX runs_experiment_id;
		ALTER TABLE runs DROP COLUMN experiment_id;
		DROP TABLE run_metric_points;
		DROP TABLE metric_keys;
		ALTER TABLE run_metrics_last DROP COLUMN seq;
		CREATE TABLE run_metrics (
		  run INTEGER NOT NULL, key TEXT NOT NULL, step INTEGER NOT NULL,
		  value REAL, time REAL NOT NULL);
		CREATE INDEX run_metrics_run ON run_metrics(run, key, step);
		INSERT INTO run_metrics VALUES (1, "rmse", 0, 3.5, 100);
		INSERT INTO run_metrics VALUES (1, "rmse", 1, 2.5, 101);
		INSERT INTO run_metrics VALUES (1, "acc", 0, NULL, 101);
		INSERT INTO run_metrics VALUES (1, "rmse", 1, 2.0, 102);
		INSERT INTO run_metrics_last VALUES (1, "rmse", 1, 2.0, 102);
		INSERT INTO run_metrics_last VALUES (1, "acc", 0, NULL, 101);
		PRAGMA user_version = 3;
		EOT
	) &&
	test "$(sqlite3 old/.mlw/mlw.db "PRAGMA user_version")" = 3 &&
	mlw -C old job show o1 -o json >o.json &&
	mkdir fresh && mlw -C fresh init -q . &&
	test "$(sqlite3 old/.mlw/mlw.db "PRAGMA user_version")" = \
	     "$(sqlite3 fresh/.mlw/mlw.db "PRAGMA user_version")" &&
	test "$(test_json_get o.json "[\"metrics\"][\"rmse\"]")" = 2.0 &&
	test "$(test_json_get o.json "[\"metrics\"][\"acc\"]")" = NaN &&
	(cd old && history o1 rmse) >actual &&
	printf "0 3.5\n1 2.5\n1 2.0\n" >expect &&
	test_cmp expect actual
'

test_expect_success SQLITE3 'an upgraded store takes new points after the old ones' '
	(
		cd old &&
		MLW_RUN_ID=o1 mlw log metric rmse 1.5 --step 1 &&
		MLW_RUN_ID=o1 mlw log metric rmse 1.0 &&
		MLW_RUN_ID=o1 mlw log metric acc 0.5 &&
		history o1 rmse >../actual &&
		mlw job show o1 -o json >../o2.json
	) &&
	printf "0 3.5\n1 2.5\n1 2.0\n1 1.5\n2 1.0\n" >expect &&
	test_cmp expect actual &&
	test "$(test_json_get o2.json "[\"metrics\"][\"rmse\"]")" = 1.0 &&
	test "$(test_json_get o2.json "[\"metrics\"][\"acc\"]")" = 0.5 &&
	mlw -C old fsck
'

test_done

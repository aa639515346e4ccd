#!/bin/sh
test_description='the README quickstart runs: data, a command job that trains, metrics, scoring, a sweep'
. ./test-lib.sh

test_expect_success 'the quickstart runs to the end' '
	(cd "$MLW_BUILD_DIR" && MLW="$MLW_BUILD_DIR/mlw" \
		sh share/quickstart/run.sh "$TRASH_DIRECTORY/qs") >out 2>err &&
	test_grep "quickstart done in" out
'

test_expect_success 'it ran a command job whose metrics and params it shows' '
	test_grep "^r2_score: " out &&
	test_grep "^train_r2_score: " out &&
	test_grep "^normalized_root_mean_squared_error: " out &&
	test_grep "^alpha: " out &&
	mlw -C qs job show diabetes-ridge-1 -o json >s.json &&
	test "$(test_json_get s.json "[\"status\"]")" = Completed
'

test_expect_success 'the job registered its model, which scored every row' '
	mlw -C qs model show diabetes-ridge@latest -o json >m.json &&
	test "$(test_json_get m.json "[\"job_name\"]")" = diabetes-ridge-1 &&
	head -n 1 qs/predictions.csv >header &&
	echo prediction >expect &&
	test_cmp expect header &&
	test $(wc -l <qs/predictions.csv) = 443
'

test_expect_success 'it deployed the model, served it and invoked it' '
	test_grep "^http://127.0.0.1:[0-9]*$" out &&
	sed -n "/^\[/p" out >answer &&
	test $(tr "," "\n" <answer | wc -l) = 2 &&
	sed -n 2,3p qs/predictions.csv >expect &&
	tr -d "[]" <answer | tr "," "\n" >served &&
	test_cmp expect served &&
	! test -f qs/.mlw/endpoints/diabetes-online/server.json
'

test_expect_success 'it ran a sweep and registered the best trial'"'"'s model' '
	mlw -C qs job show diabetes-sweep-1 -o json >sw.json &&
	test "$(test_json_get sw.json "[\"status\"]")" = Completed &&
	test "$(test_json_get sw.json "[\"sweep\"][\"trial_counts\"][\"Completed\"]")" = 50 &&
	best=$(test_json_get sw.json "[\"best_child_run_id\"]") &&
	test_grep "^best: $best\$" out &&
	mlw -C qs model show diabetes-ridge-best@latest -o json >mb.json &&
	test "$(test_json_get mb.json "[\"job_name\"]")" = diabetes-sweep-1 &&
	test "$(test_json_get mb.json "[\"object\"]")" = \
	     "$(test_json_get sw.json "[\"outputs\"][\"model\"][\"object\"]")"
'

test_expect_success 'the store is clean' '
	test_grep "0 problems" err
'

test_done

#!/bin/sh
test_description='sweep jobs: bad input refused with positions, failing and hanging trials, a killed sweep'
. ./test-lib.sh
. "$TEST_DIRECTORY/lib-job.sh"

# sweep_spec FILE SEARCH_SPACE_LINES [LIMITS]: a sweep with that space
sweep_spec () {
	{
		cat <<-\EOT
		type: sweep
		trial:
		  command: echo ${{search_space.x}}
		  environment: azureml:e@1
		sampling_algorithm: random
		objective: {goal: minimize, primary_metric: loss}
		EOT
		printf "%s\n" "$2"
		test -z "$3" || printf "%s\n" "$3"
	} >"$1"
}

test_expect_success 'setup' '
	mlw init -q . &&
	sweep_spec empty.yml "search_space: {}" &&
	sweep_spec novalues.yml "search_space:
  x: {type: choice, values: []}" &&
	sweep_spec minmax.yml "search_space:
  x: {type: uniform, min_value: 5, max_value: 1}" &&
	sweep_spec negq.yml "search_space:
  x: {type: quniform, min_value: 0, max_value: 10, q: -1}" &&
	sweep_spec zero.yml "search_space:
  x: {type: uniform, min_value: 0, max_value: 1}" \
		"limits: {max_total_trials: 0}" &&
	sweep_spec nested.yml "search_space:
  x:
    type: choice
    values:
      - {kind: a, lr: {type: normal, mu: 0, sigma: 1}}" &&
	sed -e "s/sampling_algorithm: random/sampling_algorithm: grid/" \
		nested.yml >nested-grid.yml
'

# bad FILE LINE:COL MESSAGE: refused by validate and create, nothing recorded
bad () {
	test_expect_code 2 mlw job validate "$1" 2>err.v &&
	test_grep "$1:$2: $3" err.v &&
	test_expect_code 2 mlw job create -f "$1" 2>err.c &&
	test_grep "$1:$2: $3" err.c &&
	mlw job list --all-results -o tsv >runs &&
	test_must_be_empty runs
}

test_expect_success 'an empty search space' '
	bad empty.yml 7:15 "search_space is empty"
'

test_expect_success 'a choice with no values' '
	bad novalues.yml 8:29 "search_space .x.: choice has no values"
'

test_expect_success 'min_value > max_value' '
	bad minmax.yml 8:33 "search_space .x.: min_value 5 is greater than max_value 1"
'

test_expect_success 'a negative q' '
	bad negq.yml 8:55 "search_space .x.: q must be positive, not -1"
'

test_expect_success 'max_total_trials: 0' '
	bad zero.yml 9:28 "limits.max_total_trials must be 1 to 1000, not 0"
'

test_expect_success 'bayesian sampling with early termination' '
	sweep_spec bet.yml "search_space:
  x: {type: uniform, min_value: 0, max_value: 1}" \
		"early_termination: {type: bandit, slack_factor: 0.1}" &&
	sed -i -e "s/sampling_algorithm: random/sampling_algorithm: bayesian/" \
		bet.yml &&
	bad bet.yml 9:20 "bayesian sampling does not support early_termination"
'

test_expect_success 'a trial that is a registered component: refused, nothing recorded' '
	sweep_spec az.yml "search_space:
  x: {type: uniform, min_value: 0, max_value: 1}" &&
	sed -i -e "/^  command:/d" -e "/^  environment:/d" \
		-e "s/^trial:\$/trial: azureml:my_component:1/" az.yml &&
	test_expect_code 2 mlw job create -f az.yml 2>err &&
	test_grep "^mlw: error: az.yml:2:8: trial .azureml:my_component:1.: only inline trials and file: components run here" err &&
	mlw job list --all-results -o tsv >runs &&
	test_must_be_empty runs
'

test_expect_success 'grid refuses a normal distribution nested in a choice value' '
	mlw job validate nested.yml &&
	bad nested-grid.yml 11:23 "grid sampling does not support normal distributions (.x.lr.)"
'

test_expect_success 'a trial command that always fails: the sweep ends Failed after its trials, with the reason' '
	cat >fail.yml <<-\EOT &&
	type: sweep
	trial:
	  command: echo trying ${{search_space.x}}; exit 3
	  environment: azureml:e@1
	sampling_algorithm: grid
	search_space:
	  x: {type: choice, values: [1, 2, 3]}
	objective: {goal: minimize, primary_metric: loss}
	EOT
	test_expect_code 1 mlw job create -f fail.yml --name f1 --wait 2>err &&
	test_grep "job .f1. Failed: all 3 trials failed; f1_0: the command exited with status 3" err &&
	mlw job list --parent-job-name f1 -o tsv >kids &&
	test $(grep -c "	Failed	" kids) = 3 &&
	test_expect_code 1 mlw job stream f1_1 >trial.log &&
	test_grep "trying 2" trial.log
'

test_expect_success 'a trial that hangs is stopped by trial_timeout: Canceled, and the sweep says why' '
	cat >hang.yml <<-\EOT &&
	type: sweep
	trial:
	  command: sleep 60 || echo ${{search_space.x}}
	  environment: azureml:e@1
	sampling_algorithm: grid
	search_space:
	  x: {type: choice, values: [1, 2]}
	objective: {goal: minimize, primary_metric: loss}
	limits: {trial_timeout: 1, max_concurrent_trials: 2}
	EOT
	start=$(date +%s) &&
	test_expect_code 1 mlw job create -f hang.yml --name h1 --wait 2>err &&
	test $(( $(date +%s) - start )) -lt 30 &&
	test_grep "no trial completed with a value of .loss.: 0 completed, 0 failed, 2 canceled (2 by trial_timeout)" err &&
	mlw job show h1 -o json >h.json &&
	test "$(test_json_get h.json "[\"trials\"][0][\"status\"]")" = Canceled &&
	test "$(test_json_get h.json "[\"trials\"][0][\"stopped_by\"]")" = trial_timeout &&
	test_expect_code 1 mlw job stream h1 >log &&
	test_grep "h1_0: stopping: trial_timeout" log
'

test_expect_success 'the sweep timeout stops the running trials and starts no more' '
	cat >slowall.yml <<-\EOT &&
	type: sweep
	trial:
	  command: mlw log metric loss ${{search_space.x}} && sleep 60
	  environment: azureml:e@1
	sampling_algorithm: grid
	search_space:
	  x: {type: choice, values: [1, 2, 3, 4]}
	objective: {goal: minimize, primary_metric: loss}
	limits: {timeout: 2, max_concurrent_trials: 2}
	EOT
	start=$(date +%s) &&
	test_expect_code 1 mlw job create -f slowall.yml --name to1 --wait 2>err &&
	test $(( $(date +%s) - start )) -lt 40 &&
	test_grep "0 completed, 0 failed, 2 canceled (2 by timeout)" err &&
	mlw job show to1 -o json >to.json &&
	test "$(test_json_get to.json "[\"sweep\"][\"trial_counts\"][\"total\"]")" = 2 &&
	test "$(test_json_get to.json "[\"trials\"][0][\"stopped_by\"]")" = timeout &&
	test "$(test_json_get to.json "[\"trials\"][1][\"stopped_by\"]")" = timeout
'

test_expect_success 'a sweep of process trials forks their supervisors from one thread' '
	cat >onethread.yml <<-\EOT &&
	type: sweep
	trial:
	  command: mlw log metric loss ${{search_space.x}} && sleep 3
	  environment: azureml:e@1
	sampling_algorithm: grid
	search_space:
	  x: {type: choice, values: [1, 2]}
	objective: {goal: minimize, primary_metric: loss}
	limits: {max_concurrent_trials: 2}
	EOT
	mlw -q job create -f onethread.yml --name one1 >/dev/null &&
	pid=$(sqlite3 -cmd ".timeout 10000" .mlw/mlw.db "SELECT supervisor_pid FROM runs WHERE name = '\''one1'\''") &&
	until_true "test \$(mlw job list --parent-job-name one1 -o tsv | wc -l) -ge 2" &&
	# the supervisor and the tracking server'\''s listener (launch.c):
	# no sweep worker
	threads=$(sed -n "s/^Threads:[^0-9]*//p" /proc/$pid/status) &&
	test "$threads" -le 2 &&
	until_true "! kill -0 $pid 2>/dev/null" &&
	test "$(mlw job show one1 --query status -o tsv)" = Completed
'

test_expect_success 'a sweep killed mid-way: Failed by the next command, its finished trials kept' '
	cat >slow.yml <<-\EOT &&
	type: sweep
	trial:
	  command: mlw log metric loss ${{search_space.x}} && sleep 0.3
	  environment: azureml:e@1
	sampling_algorithm: grid
	search_space:
	  x: {type: choice, values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]}
	objective: {goal: minimize, primary_metric: loss}
	limits: {max_concurrent_trials: 1}
	EOT
	mlw -q job create -f slow.yml --name k1 >/dev/null &&
	pid=$(sqlite3 -cmd ".timeout 10000" .mlw/mlw.db "SELECT supervisor_pid FROM runs WHERE name = '\''k1'\''") &&
	until_true "test \$(mlw job list --parent-job-name k1 --status Completed -o tsv | wc -l) -ge 2" &&
	kill -9 $pid &&
	until_true "! kill -0 $pid 2>/dev/null" &&
	mlw job show k1 -o json >k.json 2>err &&
	test_grep "job .k1.: its supervisor died; marked Failed" err &&
	test "$(test_json_get k.json "[\"status\"]")" = Failed &&
	mlw job list --parent-job-name k1 --status Completed -o tsv >done &&
	test $(wc -l <done) -ge 2 &&
	test $(wc -l <done) -lt 12
'

test_expect_success 'in-process trials killed mid-sweep: the trials written whole, none left running' '
	awk "BEGIN { srand(7); print \"a,b,c,d,y\";
		for (i = 0; i < 20000; i++) { a = rand(); b = rand();
			c = rand(); d = rand();
			print a \",\" b \",\" c \",\" d \",\" a + 2 * b - c + rand() } }" \
		>big.csv &&
	cat >many.yml <<-\EOT &&
	type: sweep
	trial:
	  command: >-
	    mlw train ridge --data ${{inputs.data}} --target y
	    --alpha ${{search_space.alpha}} --cv 5
	  environment: azureml:e@1
	inputs:
	  data: {type: uri_file, path: ./big.csv}
	sampling_algorithm: {type: random, seed: 3}
	search_space:
	  alpha: {type: loguniform, min_value: -6, max_value: 2}
	objective: {goal: maximize, primary_metric: r2_score}
	limits: {max_total_trials: 1000, max_concurrent_trials: 2}
	EOT
	mlw -q job create -f many.yml --name k2 >/dev/null &&
	pid=$(sqlite3 -cmd ".timeout 10000" .mlw/mlw.db "SELECT supervisor_pid FROM runs WHERE name = '\''k2'\''") &&
	until_true "test \$(mlw job list --parent-job-name k2 --status Completed --all-results -o tsv | wc -l) -ge 20" &&
	kill -9 $pid &&
	until_true "! kill -0 $pid 2>/dev/null" &&
	mlw job show k2 -o json >k2.json 2>err &&
	test "$(test_json_get k2.json "[\"status\"]")" = Failed &&
	mlw job list --parent-job-name k2 --status Completed --all-results -o tsv >done &&
	test $(wc -l <done) -ge 20 &&
	test $(wc -l <done) -lt 1000 &&
	until_true "test -z \"\$(mlw job list --parent-job-name k2 --status Running -o tsv)\"" &&
	test -z "$(mlw job list --parent-job-name k2 --status Queued -o tsv)" &&
	# every trial written Completed has its param and its metrics
	sqlite3 .mlw/mlw.db "SELECT count(*) FROM runs r WHERE parent = '\''k2'\''
		AND status = '\''Completed'\'' AND (NOT EXISTS (SELECT 1
		FROM run_params p WHERE p.run = r.id AND p.key = '\''alpha'\'')
		OR NOT EXISTS (SELECT 1 FROM run_metrics_last m
		WHERE m.run = r.id AND m.key = '\''r2_score'\''))" >bad &&
	echo 0 >expect &&
	test_cmp expect bad
'

test_expect_success 'fsck finds the store clean' '
	until_true "test -z \"\$(mlw job list --parent-job-name k1 --status Running -o tsv)\"" &&
	mlw fsck
'

test_done

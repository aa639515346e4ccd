#!/bin/sh
test_description='sweep jobs: early termination in-process and as processes, the missing primary metric, cancel'
. ./test-lib.sh
. "$TEST_DIRECTORY/lib-job.sh"

# a repository of its own: the trash folder is ignored by mlw's own
test_expect_success 'setup' '
	mlw init -q . &&
	git init -q . &&
	cp "$MLW_BUILD_DIR/share/datasets/diabetes.csv" . &&
	mkdir src &&
	cat >src/steps.sh <<-\EOT
	# loss at steps 1..6: (x - 0.2)^2 + 1/step, a step every 0.15 s;
	# every 3 s for a hopeless x, so that a loaded machine still sees
	# it before it ends
	x=$1
	pause=0.15
	test "$(awk -v x=$x "BEGIN { print x > 1 }")" = 1 && pause=3
	i=1
	while test $i -le 6; do
		mlw log metric loss $(awk -v x=$x -v i=$i \
			"BEGIN { print (x - 0.2) * (x - 0.2) + 1 / i }") --step $i
		sleep $pause
		i=$((i + 1))
	done
	EOT
	cat >bandit.yml <<-\EOT
	type: sweep
	trial:
	  command: sh steps.sh ${{search_space.x}}
	  code: src
	  environment: azureml:e@1
	sampling_algorithm: grid
	search_space:
	  x: {type: choice, values: [0.2, 3, 0.3]}
	objective: {goal: minimize, primary_metric: loss}
	limits: {max_concurrent_trials: 1}
	early_termination: {type: bandit, slack_factor: 0.1, delay_evaluation: 2}
	EOT
'

test_expect_success 'bandit stops the hopeless process trial: Canceled, the policy named' '
	mlw -q job create -f bandit.yml --name b1 --wait &&
	mlw job show b1 -o json >b1.json &&
	/usr/bin/python3 - <<-\EOF
	import json
	s = json.load(open("b1.json"))
	t = {x["trial"]: x for x in s["trials"]}
	assert t[0]["status"] == "Completed" and not t[0]["stopped"], t[0]
	assert t[2]["status"] == "Completed" and not t[2]["stopped"], t[2]
	assert t[1]["status"] == "Canceled" and t[1]["stopped_by"] == "policy", t[1]
	assert t[1]["decision"].startswith("bandit at interval 2:"), t[1]["decision"]
	assert t[1]["params"] == {"x": "3"}, t[1]["params"]
	assert s["best_child_run_id"] == "b1_0", s["best_child_run_id"]
	assert "bandit (slack_factor 0.1" in s["sweep"]["early_termination"]
	EOF
'

test_expect_success 'the decision is logged with the numbers behind it' '
	mlw job stream b1 >log &&
	test_grep "b1_1: Canceled, loss 8.34[0-9]*: stopped by bandit: bandit at interval 2: best 8.34 > 0.55 = 0.5 . (1 + 0.1)" log &&
	mlw job show b1_1 -o json >t1.json &&
	test "$(test_json_get t1.json "[\"status\"]")" = Canceled
'

test_expect_success 'bandit stops an in-process trial at its first fold' '
	cat >inproc.yml <<-\EOT &&
	type: sweep
	trial:
	  command: >-
	    mlw train ridge --data ${{inputs.data}} --target target
	    --alpha ${{search_space.alpha}} --cv 10
	  environment: azureml:e@1
	inputs:
	  data: {type: uri_file, path: ./diabetes.csv}
	sampling_algorithm: grid
	search_space:
	  alpha: {type: choice, values: [0.001, 100000, 0.01]}
	objective: {goal: maximize, primary_metric: r2_score}
	limits: {max_concurrent_trials: 1}
	early_termination: {type: bandit, slack_amount: 0.1}
	EOT
	mlw -q job create -f inproc.yml --name i1 --wait &&
	mlw job show i1 -o json >i1.json &&
	mlw job show i1_1 --metrics -o json >i1_1.json &&
	/usr/bin/python3 - <<-\EOF
	import json
	s = json.load(open("i1.json"))
	t = {x["trial"]: x for x in s["trials"]}
	assert t[1]["status"] == "Canceled" and t[1]["stopped_by"] == "policy", t[1]
	assert t[0]["status"] == t[2]["status"] == "Completed", (t[0], t[2])
	pts = [m for m in json.load(open("i1_1.json"))["metric_history"]
	       if m["key"] == "r2_score"]
	assert len(pts) == 1 and pts[0]["step"] == 1, pts
	EOF
'

test_expect_success 'median stopping and truncation selection run too' '
	sed -e "s/early_termination: .*/early_termination: {type: median_stopping, delay_evaluation: 2}/" \
		bandit.yml >median.yml &&
	mlw -q job create -f median.yml --name m1 --wait &&
	test "$(mlw job show m1 --query trials[0].name -o tsv)" = m1_0 &&
	sed -e "s/early_termination: .*/early_termination: {type: truncation_selection, truncation_percentage: 50}/" \
		bandit.yml >trunc.yml &&
	mlw -q job create -f trunc.yml --name tr1 --wait &&
	test "$(mlw job show tr1 --query sweep.early_termination -o tsv)" != ""
'

test_expect_success 'a trial that never logs the primary metric is flagged in the log and job show' '
	cat >typo.yml <<-\EOT &&
	type: sweep
	trial:
	  command: mlw log metric acuracy ${{search_space.x}}
	  environment: azureml:e@1
	sampling_algorithm: grid
	search_space:
	  x: {type: choice, values: [0.5, 0.7]}
	objective: {goal: maximize, primary_metric: accuracy}
	EOT
	test_expect_code 1 mlw job create -f typo.yml --name ty1 --wait 2>err &&
	test_grep "no trial logged the primary metric .accuracy." err &&
	test_expect_code 1 mlw job stream ty1 >log &&
	test_grep "ty1_0: flagged: trial 0 ended without logging the primary metric .accuracy.; it logged .acuracy. (did you mean .acuracy.?)" log &&
	mlw job show ty1 -o json >ty.json &&
	case "$(test_json_get ty.json "[\"trials\"][0][\"missing_primary_metric\"]")" in
	*"did you mean"*) ;;
	*) false ;;
	esac
'

test_expect_success 'mlw job cancel SWEEP stops every trial' '
	cat >long.yml <<-\EOT &&
	type: sweep
	trial:
	  command: sleep 60 || echo ${{search_space.x}}
	  environment: azureml:e@1
	sampling_algorithm: grid
	search_space:
	  x: {type: choice, values: [1, 2, 3, 4]}
	objective: {goal: minimize, primary_metric: loss}
	limits: {max_concurrent_trials: 2}
	EOT
	mlw -q job create -f long.yml --name c1 >/dev/null &&
	until_true "test \$(mlw job list --parent-job-name c1 --status Running -o tsv | wc -l) = 2" &&
	pgids=$(sqlite3 -cmd ".timeout 10000" .mlw/mlw.db "SELECT pgid FROM runs WHERE parent = '\''c1'\''") &&
	mlw job cancel c1 &&
	test "$(mlw job show c1 --query status -o tsv)" = Canceled &&
	mlw job list --parent-job-name c1 -o tsv >kids &&
	test $(grep -c "	Canceled	" kids) = 2 &&
	for g in $pgids; do
		until_true "! kill -0 -$g 2>/dev/null" || return 1
	done
'

test_done

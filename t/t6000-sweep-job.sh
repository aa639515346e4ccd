#!/bin/sh
test_description='sweep jobs: in-process trials as child runs, the best trial and its model, samplers'
. ./test-lib.sh
. "$TEST_DIRECTORY/lib-job.sh"

test_expect_success 'setup' '
	mlw init -q . &&
	cp "$MLW_BUILD_DIR/share/datasets/diabetes.csv" . &&
	cat >sweep.yml <<-\EOT
	$schema: https://azuremlschemas.azureedge.net/latest/sweepJob.schema.json
	type: sweep
	experiment_name: ridge-sweep
	trial:
	  command: >-
	    mlw train ridge --data ${{inputs.data}} --target target
	    --alpha ${{search_space.alpha}} --cv 5
	  environment: azureml:AzureML-sklearn-1.0-ubuntu20.04-py38-cpu@latest
	inputs:
	  data:
	    type: uri_file
	    path: ./diabetes.csv
	sampling_algorithm:
	  type: random
	  seed: 42
	search_space:
	  alpha:
	    type: loguniform
	    min_value: -9
	    max_value: 5
	objective:
	  goal: maximize
	  primary_metric: r2_score
	limits:
	  max_total_trials: 24
	  max_concurrent_trials: 4
	EOT
	mlw -q job create -f sweep.yml --name s1 --wait &&
	mlw job show s1 -o json >s1.json
'

test_expect_success 'the sweep completes, with its type and every trial' '
	test "$(test_json_get s1.json "[\"status\"]")" = Completed &&
	test "$(test_json_get s1.json "[\"type\"]")" = sweep &&
	test "$(test_json_get s1.json "[\"sweep\"][\"trial_counts\"][\"Completed\"]")" = 24 &&
	test "$(test_json_get s1.json "[\"sweep\"][\"seed\"]")" = 42
'

test_expect_success 'each trial is a child run, named SWEEP_N, with its sampled alpha as a param' '
	mlw job list --parent-job-name s1 --all-results -o json >kids.json &&
	test "$(/usr/bin/python3 -c "import json; print(len(json.load(open(\"kids.json\"))))")" = 24 &&
	mlw job show s1_7 -o json >t7.json &&
	test "$(test_json_get t7.json "[\"parent_job_name\"]")" = s1 &&
	test "$(test_json_get t7.json "[\"experiment_name\"]")" = ridge-sweep &&
	alpha=$(test_json_get t7.json "[\"params\"][\"alpha\"]") &&
	case "$(test_json_get t7.json "[\"command\"]")" in
	*"--alpha $alpha --cv 5") ;;
	*) false ;;
	esac
'

test_expect_success 'a trial recorded in-process has the metrics mlw train gives for its command' '
	alpha=$(test_json_get t7.json "[\"params\"][\"alpha\"]") &&
	mlw train ridge --data diabetes.csv --target target --alpha "$alpha" \
		--cv 5 -o json >direct.json &&
	for m in r2_score root_mean_squared_error train_r2_score; do
		test "$(test_json_get t7.json "[\"metrics\"][\"$m\"]")" = \
		     "$(test_json_get direct.json "[\"metrics\"][\"$m\"]")" ||
		return 1
	done
'

test_expect_success 'the primary metric per fold: the running mean, the last the CV score' '
	mlw job show s1_7 --metrics -o json >m7.json &&
	/usr/bin/python3 - <<-\EOF
	import json
	d = json.load(open("m7.json"))
	pts = [m for m in d["metric_history"] if m["key"] == "r2_score"]
	assert [m["step"] for m in pts] == [1, 2, 3, 4, 5], pts
	assert pts[-1]["value"] == d["metrics"]["r2_score"], pts
	EOF
'

test_expect_success 'job show: the best trial, its value, the trials sorted by the objective' '
	/usr/bin/python3 - <<-\EOF
	import json
	s = json.load(open("s1.json"))
	trials = s["trials"]
	values = [t["r2_score"] for t in trials]
	assert len(trials) == 24
	assert values == sorted(values, reverse=True), values
	assert s["best_child_run_id"] == trials[0]["name"], s["best_child_run_id"]
	assert s["best_metric_value"] == values[0]
	assert all(t["status"] == "Completed" and not t["stopped"] for t in trials)
	assert "alpha" in trials[0]["params"]
	EOF
'

test_expect_success 'the log names each trial and the best' '
	mlw job stream s1 >log &&
	test_grep "s1_0: started in-process: alpha=" log &&
	test_grep "best trial: $(test_json_get s1.json "[\"best_child_run_id\"]"), r2_score" log
'

test_expect_success 'the best model is the sweep output: registered and scored' '
	mlw model create --name best --path azureml:jobs/s1/outputs/model \
		--type mlflow_model -o json >m.json &&
	test "$(test_json_get m.json "[\"job_name\"]")" = s1 &&
	best=$(test_json_get s1.json "[\"best_child_run_id\"]") &&
	alpha=$(test_json_get s1.json "[\"trials\"][0][\"params\"][\"alpha\"]") &&
	mlw train ridge --data diabetes.csv --target target --alpha "$alpha" \
		--output direct-model >/dev/null &&
	mlw model score best@latest --input diabetes.csv --output p1.csv &&
	mlw model score direct-model --input diabetes.csv --output p2.csv &&
	test_cmp p2.csv p1.csv
'

test_expect_success 'the same seed gives the same trials whatever the concurrency' '
	sed -e "s/max_concurrent_trials: 4/max_concurrent_trials: 1/" \
		sweep.yml >serial.yml &&
	mlw -q job create -f serial.yml --name s2 --wait &&
	mlw job show s1 --query trials -o json >a.json &&
	mlw job show s2 --query trials -o json >b.json &&
	/usr/bin/python3 - <<-\EOF
	import json
	a = {t["trial"]: t["params"] for t in json.load(open("a.json"))}
	b = {t["trial"]: t["params"] for t in json.load(open("b.json"))}
	assert a == b, (a, b)
	EOF
'

test_expect_success 'grid: the cartesian product in a stable order, then it stops' '
	cat >grid.yml <<-\EOT &&
	type: sweep
	trial:
	  command: >-
	    mlw train elastic_net --data ${{inputs.data}} --target target
	    --alpha ${{search_space.alpha}} --l1-ratio ${{search_space.r}}
	  environment: azureml:e@1
	inputs:
	  data: {type: uri_file, path: ./diabetes.csv}
	sampling_algorithm: grid
	search_space:
	  alpha: {type: choice, values: [0.1, 1]}
	  r: {type: choice, values: [0.2, 0.5, 0.8]}
	objective: {goal: minimize, primary_metric: train_root_mean_squared_error}
	EOT
	mlw -q job create -f grid.yml --name g1 --wait &&
	mlw job show g1 -o json >g.json &&
	/usr/bin/python3 - <<-\EOF
	import json
	g = json.load(open("g.json"))
	assert g["sweep"]["trial_counts"]["total"] == 6, g["sweep"]
	seen = sorted((t["trial"], t["params"]["alpha"], t["params"]["r"])
	              for t in g["trials"])
	assert seen == [(0, "0.1", "0.2"), (1, "0.1", "0.5"), (2, "0.1", "0.8"),
	                (3, "1", "0.2"), (4, "1", "0.5"), (5, "1", "0.8")], seen
	EOF
'

test_expect_success 'bayesian takes a seed (mlw addition) and replays' '
	cat >bayes.yml <<-\EOT &&
	type: sweep
	trial:
	  command: >-
	    mlw train ridge --data ${{inputs.data}} --target target
	    --alpha ${{search_space.alpha}} --validation-split 0.3 --seed 1
	  environment: azureml:e@1
	inputs:
	  data: {type: uri_file, path: ./diabetes.csv}
	sampling_algorithm: {type: bayesian, seed: 11}
	search_space:
	  alpha: {type: uniform, min_value: 0.001, max_value: 5}
	objective: {goal: minimize, primary_metric: root_mean_squared_error}
	limits: {max_total_trials: 20, max_concurrent_trials: 1}
	EOT
	mlw job validate bayes.yml &&
	mlw -q job create -f bayes.yml --name b1 --wait &&
	mlw -q job create -f bayes.yml --name b2 --wait &&
	mlw job show b1 --query trials -o json >b1.json &&
	mlw job show b2 --query trials -o json >b2.json &&
	/usr/bin/python3 - <<-\EOF
	import json
	a = sorted((t["trial"], t["params"]["alpha"]) for t in json.load(open("b1.json")))
	b = sorted((t["trial"], t["params"]["alpha"]) for t in json.load(open("b2.json")))
	assert a == b and len(a) == 20, (a, b)
	EOF
'

test_expect_success 'sobol sampling, seeded' '
	sed -e "s/type: random/type: random\n  rule: sobol/" sweep.yml |
	sed -e "s/max_total_trials: 24/max_total_trials: 8/" >sobol.yml &&
	mlw -q job create -f sobol.yml --name so1 --wait &&
	test "$(mlw job show so1 --query sweep.sampling_algorithm -o tsv)" = sobol
'

test_expect_success '--dry-run prints the trial command, bound but for the search space' '
	mlw job create -f sweep.yml --dry-run >dry &&
	test_grep "mlw train ridge --data .*/inputs/data/diabetes.csv --target target --alpha {{search_space.alpha}} --cv 5" dry
'

test_expect_success 'a trial from a command component: its inputs take the sampled values' '
	cat >comp.yml <<-\EOT &&
	$schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json
	type: command
	name: ridge_trial
	inputs:
	  data: {type: uri_file}
	  alpha: {type: number}
	command: >-
	  mlw train ridge --data ${{inputs.data}} --target target
	  --alpha ${{inputs.alpha}} --cv 3
	environment: azureml:e@1
	EOT
	cat >c.yml <<-\EOT &&
	type: sweep
	trial: file:comp.yml
	inputs:
	  data: {type: uri_file, path: ./diabetes.csv}
	sampling_algorithm: {type: random, seed: 3}
	search_space:
	  alpha: {type: loguniform, min_value: -3, max_value: 3}
	objective: {goal: maximize, primary_metric: r2_score}
	limits: {max_total_trials: 4, max_concurrent_trials: 2}
	EOT
	mlw -q job create -f c.yml --name comp1 --wait &&
	mlw job show comp1_2 -o json >c2.json &&
	alpha=$(test_json_get c2.json "[\"params\"][\"alpha\"]") &&
	case "$(test_json_get c2.json "[\"command\"]")" in
	*"--alpha $alpha --cv 3") ;;
	*) false ;;
	esac
'

test_expect_success 'a choice of dictionaries: each key bound as ${{search_space.NAME.KEY}}' '
	cat >nested.yml <<-\EOT &&
	type: sweep
	trial:
	  command: >-
	    mlw train ${{search_space.model.kind}} --data ${{inputs.data}}
	    --target target --alpha ${{search_space.model.alpha}} --cv 3
	  environment: azureml:e@1
	inputs:
	  data: {type: uri_file, path: ./diabetes.csv}
	sampling_algorithm: {type: random, seed: 5}
	search_space:
	  model:
	    type: choice
	    values:
	      - {kind: ridge, alpha: {type: loguniform, min_value: -3, max_value: 3}}
	      - {kind: lasso, alpha: {type: quniform, min_value: 0.1, max_value: 2, q: 0.1}}
	objective: {goal: maximize, primary_metric: r2_score}
	limits: {max_total_trials: 8, max_concurrent_trials: 2}
	EOT
	mlw -q job create -f nested.yml --name nest1 --wait &&
	mlw job show nest1 --query trials -o json >nest.json &&
	/usr/bin/python3 - <<-\EOF
	import json
	trials = json.load(open("nest.json"))
	assert len(trials) == 8, trials
	kinds = {t["params"]["model.kind"] for t in trials}
	assert kinds == {"ridge", "lasso"}, kinds
	for t in trials:
	    assert t["status"] == "Completed", t
	    a = float(t["params"]["model.alpha"])
	    if t["params"]["model.kind"] == "lasso":
	        assert abs(a * 10 - round(a * 10)) < 1e-9 and 0.1 <= a <= 2, t
	EOF
	mlw job show nest1_0 -o json >n0.json &&
	kind=$(test_json_get n0.json "[\"params\"][\"model.kind\"]") &&
	alpha=$(test_json_get n0.json "[\"params\"][\"model.alpha\"]") &&
	case "$(test_json_get n0.json "[\"command\"]")" in
	"mlw train $kind "*"--alpha $alpha --cv 3") ;;
	*) false ;;
	esac &&
	sed -e "s/model.alpha/modl.alpha/" nested.yml >typo.yml &&
	test_expect_code 2 mlw job create -f typo.yml 2>err &&
	test_grep "unknown search_space entry .modl. (did you mean .model.?)" err
'

test_expect_success 'every distribution samples within its law, as params' '
	cat >dists.yml <<-\EOT &&
	type: sweep
	trial:
	  command: mlw log metric loss ${{search_space.u}}
	  environment: azureml:e@1
	sampling_algorithm: {type: random, seed: 9}
	search_space:
	  u: {type: uniform, min_value: -1, max_value: 1}
	  lu: {type: loguniform, min_value: -2, max_value: 2}
	  qu: {type: quniform, min_value: 0, max_value: 10, q: 2}
	  qlu: {type: qloguniform, min_value: 0, max_value: 3, q: 1}
	  ri: {type: randint, upper: 5}
	  n: {type: normal, mu: 100, sigma: 1}
	  ln: {type: lognormal, mu: 0, sigma: 1}
	  qn: {type: qnormal, mu: 100, sigma: 5, q: 3}
	  qln: {type: qlognormal, mu: 1, sigma: 1, q: 1}
	  c: {type: choice, values: [a, 7, 0.5]}
	objective: {goal: minimize, primary_metric: loss}
	limits: {max_total_trials: 12, max_concurrent_trials: 3}
	EOT
	mlw -q job create -f dists.yml --name d1 --wait &&
	mlw job show d1 --query trials -o json >d.json &&
	/usr/bin/python3 - <<-\EOF
	import json, math
	trials = json.load(open("d.json"))
	assert len(trials) == 12, trials
	for t in trials:
	    p = {k: v for k, v in t["params"].items()}
	    f = {k: float(v) for k, v in p.items() if k != "c"}
	    assert -1 <= f["u"] <= 1 and t["loss"] == f["u"], t
	    assert math.exp(-2) <= f["lu"] <= math.exp(2), t
	    assert f["qu"] % 2 == 0 and 0 <= f["qu"] <= 10, t
	    assert f["qlu"] == round(f["qlu"]), t
	    assert 1 <= f["qlu"] <= round(math.exp(3)), t
	    assert f["ri"] in (0, 1, 2, 3, 4), t
	    assert 90 < f["n"] < 110, t
	    assert f["ln"] > 0, t
	    assert f["qn"] % 3 == 0, t
	    assert f["qln"] == round(f["qln"]) and f["qln"] >= 0, t
	    assert p["c"] in ("a", "7", "0.5"), t
	EOF
'

test_expect_success 'many short trials, recorded in batches: every one there when --wait returns' '
	printf "x,y\n1,2\n2,4.1\n3,5.9\n4,8.2\n5,9.9\n6,12\n" >tiny.csv &&
	cat >many.yml <<-\EOT &&
	type: sweep
	trial:
	  command: >-
	    mlw train ridge --data ${{inputs.data}} --target y
	    --alpha ${{search_space.alpha}}
	  environment: azureml:e@1
	inputs:
	  data: {type: uri_file, path: ./tiny.csv}
	sampling_algorithm: {type: random, seed: 5}
	search_space:
	  alpha: {type: loguniform, min_value: -6, max_value: -1}
	objective: {goal: maximize, primary_metric: train_r2_score}
	limits: {max_total_trials: 600, max_concurrent_trials: 2}
	EOT
	mlw -q job create -f many.yml --name m1 --wait &&
	mlw job list --parent-job-name m1 --status Completed --all-results \
		-o tsv >done &&
	test $(wc -l <done) = 600 &&
	sqlite3 .mlw/mlw.db "SELECT count(*), count(DISTINCT t.run),
		count(t.objective) FROM sweep_trials t JOIN runs s ON
		s.id = t.sweep WHERE s.name = '\''m1'\''" >rows &&
	echo "600|600|600" >expect &&
	test_cmp expect rows &&
	mlw job stream m1 >log &&
	test $(grep -c "^m1_[0-9]*: Completed, train_r2_score " log) = 600 &&
	test_grep "^600 trials in .* 600 completed" log
'

test_expect_success 'fsck finds the store clean' '
	mlw fsck
'

test_done

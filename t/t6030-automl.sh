#!/bin/sh
test_description='AutoML jobs: a search over the engine algorithms, the leaderboard, the best model, what is refused'
. ./test-lib.sh
. "$TEST_DIRECTORY/lib-job.sh"

test_expect_success 'setup' '
	mlw init -q . &&
	cp "$MLW_BUILD_DIR/share/datasets/diabetes.csv" . &&
	cp "$MLW_BUILD_DIR/share/datasets/iris.csv" . &&
	cat >reg.yml <<-\EOT
	$schema: https://azuremlsdk2.blob.core.windows.net/preview/0.0.1/autoMLJob.schema.json
	type: automl
	experiment_name: automl-reg
	task: regression
	primary_metric: r2_score
	target_column_name: target
	training_data:
	  path: ./diabetes.csv
	  type: uri_file
	n_cross_validations: 3
	limits:
	  max_trials: 12
	  max_concurrent_trials: 2
	training:
	  blocked_training_algorithms: [kernel_ridge]
	  enable_stack_ensemble: true
	EOT
	mlw -q job create -f reg.yml --name r1 --wait &&
	mlw job show r1 -o json >r1.json
'

test_expect_success 'the search completes as an automl run, every trial a child run' '
	test "$(test_json_get r1.json "[\"type\"]")" = automl &&
	test "$(test_json_get r1.json "[\"status\"]")" = Completed &&
	test "$(test_json_get r1.json "[\"sweep\"][\"sampling_algorithm\"]")" = bayesian &&
	test "$(mlw job list --parent-job-name r1 --all-results -o tsv | wc -l)" = 12
'

test_expect_success 'the leaderboard: sorted by the metric, algorithms and their hyperparameters' '
	/usr/bin/python3 - <<-\EOF
	import json
	s = json.load(open("r1.json"))
	lb = s["leaderboard"]
	values = [t["r2_score"] for t in lb]
	assert values == sorted(values, reverse=True), values
	assert s["best_child_run_id"] == lb[0]["name"]
	algos = {t["params"]["algorithm"] for t in lb}
	assert algos <= {"linear", "ridge", "lasso", "elastic_net"}, algos
	assert len(algos) >= 3, algos
	for t in lb:
	    if t["params"]["algorithm"] == "ridge":
	        assert float(t["params"]["alpha"]) > 0
	EOF
'

test_expect_success 'each trial is an mlw train command: rerun by hand, it gives the same score' '
	best=$(test_json_get r1.json "[\"best_child_run_id\"]") &&
	mlw job show $best -o json >best.json &&
	cmd=$(test_json_get best.json "[\"command\"]") &&
	case "$cmd" in
	"mlw train "*" --cv 3 --standardize --seed "*) ;;
	*) false ;;
	esac &&
	data=$(echo "$cmd" | sed -e "s/.*--data \([^ ]*\).*/\1/") &&
	test "$(basename "$data")" = diabetes.csv &&
	eval "$(echo "$cmd" | sed -e "s|--data [^ ]*|--data diabetes.csv|") -o json" >direct.json &&
	test "$(test_json_get direct.json "[\"metrics\"][\"r2_score\"]")" = \
	     "$(test_json_get r1.json "[\"best_metric_value\"]")"
'

test_expect_success 'the best model is an MLflow folder, the output best_model' '
	mlw job download r1 --output-name best_model --download-path dl &&
	test -f dl/named-outputs/best_model/MLmodel &&
	mlw model create --name automl-best \
		--path azureml:jobs/r1/outputs/best_model --type mlflow_model &&
	mlw model score automl-best@latest --input diabetes.csv --output p.csv &&
	test $(wc -l <p.csv) = 443
'

test_expect_success 'ensembles are declined with a note, in the log and job show' '
	mlw job stream r1 >log &&
	test_grep "note: ensembles are not built: the best single model is the job.s model" log &&
	case "$(test_json_get r1.json "[\"sweep\"][\"notes\"]")" in
	*"ensembles are not built"*) ;;
	*) false ;;
	esac
'

test_expect_success 'classification: Azure names for the algorithms, AUC_weighted, validation data' '
	head -n 1 iris.csv >valid.csv &&
	sed -n "2~3p" iris.csv >>valid.csv &&
	cat >cls.yml <<-\EOT &&
	type: automl
	task: classification
	primary_metric: AUC_weighted
	target_column_name: species
	training_data: ./iris.csv
	validation_data: ./valid.csv
	featurization: {mode: "off"}
	limits: {max_trials: 6}
	training:
	  allowed_training_algorithms: [LogisticRegression, RandomForest]
	EOT
	mlw -q job create -f cls.yml --name c1 --wait 2>err &&
	test_grep "RandomForest is not in mlw.s engine; skipped" err &&
	mlw job show c1 -o json >c1.json &&
	/usr/bin/python3 - <<-\EOF
	import json
	s = json.load(open("c1.json"))
	assert {t["params"]["algorithm"] for t in s["leaderboard"]} == {"logistic"}
	assert s["sweep"]["objective"] == {"primary_metric": "AUC_weighted",
	                                   "goal": "maximize"}
	EOF
	cmd=$(mlw job show c1_0 --query command -o tsv) &&
	case "$cmd" in
	*"--validation-data "*valid.csv*) ;;
	*) false ;;
	esac &&
	case "$cmd" in
	*--standardize*) false ;;
	esac
'

test_expect_success 'normalized_mean_absolute_error, derived as Azure reports it' '
	sed -e "s/primary_metric: r2_score/primary_metric: normalized_mean_absolute_error/" \
	    -e "s/max_trials: 12/max_trials: 3/" reg.yml >nmae.yml &&
	mlw -q job create -f nmae.yml --name n1 --wait &&
	test "$(mlw job show n1 --query sweep.objective.goal -o tsv)" = minimize &&
	best=$(mlw job show n1 --query best_child_run_id -o tsv) &&
	mlw job show $best -o json >nb.json &&
	/usr/bin/python3 - <<-\EOF
	import json
	t = json.load(open("nb.json"))
	m = t["metrics"]
	nmae = m["mean_absolute_error"] * m["normalized_root_mean_squared_error"] / m["root_mean_squared_error"]
	assert abs(m["normalized_mean_absolute_error"] - nmae) < 0.01 * nmae, m
	EOF
'

test_expect_success 'validation_data_size holds out that fraction; early termination ends a stale search' '
	cat >es.yml <<-\EOT &&
	type: automl
	task: regression
	primary_metric: r2_score
	target_column_name: target
	training_data: {path: ./diabetes.csv, type: uri_file}
	validation_data_size: 0.25
	limits: {max_trials: 80, max_concurrent_trials: 2}
	EOT
	mlw -q job create -f es.yml --name es1 --wait &&
	mlw job show es1 -o json >es.json &&
	n=$(test_json_get es.json "[\"sweep\"][\"trial_counts\"][\"total\"]") &&
	test $n -ge 20 && test $n -lt 80 &&
	mlw job stream es1 >log &&
	test_grep "early termination: the best r2_score (.*) has not improved over the last" log &&
	mlw job list --parent-job-name es1 --all-results -o json >kids.json &&
	for k in $(/usr/bin/python3 -c "import json; print(\" \".join(r[\"name\"] for r in json.load(open(\"kids.json\"))))"); do
		mlw job show $k --query command -o tsv >cmd &&
		test_grep "[-]-validation-split 0.25 " cmd || return 1
	done
'

test_expect_success 'enable_early_termination: false runs every trial' '
	sed -e "s/max_trials: 80/max_trials: 25, enable_early_termination: false/" \
		es.yml >noes.yml &&
	mlw -q job create -f noes.yml --name es2 --wait &&
	test "$(mlw job show es2 --query sweep.trial_counts.total -o tsv)" = 25 &&
	mlw job stream es2 >log2 &&
	test_grep -v "early termination:" log2
'

test_expect_success 'an image task is refused, naming the task; nothing recorded' '
	cat >img.yml <<-\EOT &&
	type: automl
	task: image_classification
	primary_metric: accuracy
	target_column_name: label
	training_data: {path: ./data, type: mltable}
	EOT
	mlw job validate img.yml &&
	test_expect_code 2 mlw job create -f img.yml --name bad1 2>err &&
	test_grep "img.yml:2:7: AutoML task .image_classification. cannot run locally" err &&
	test_expect_code 3 mlw job show bad1
'

test_expect_success 'an unknown primary metric is refused with the list' '
	sed -e "s/primary_metric: r2_score/primary_metric: rmse/" reg.yml >m.yml &&
	test_expect_code 2 mlw job create -f m.yml --name bad2 2>err &&
	test_grep "m.yml:5:17: unknown primary_metric .rmse. for regression" err &&
	test_grep "one of: normalized_root_mean_squared_error, r2_score" err &&
	test_expect_code 3 mlw job show bad2
'

test_expect_success 'a target column the data lacks fails the job, saying which' '
	sed -e "s/target_column_name: target/target_column_name: y/" reg.yml >y.yml &&
	test_expect_code 1 mlw job create -f y.yml --name y1 --wait 2>err &&
	test_grep "target_column_name .y. is not a column of the training data" err
'

test_done

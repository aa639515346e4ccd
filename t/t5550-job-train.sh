#!/bin/sh
test_description='mlw train inside a command job: in-process, params, metrics and model output recorded'
. ./test-lib.sh

# a repository of its own: the trash folder is ignored by mlw's own
test_expect_success 'setup' '
	mlw init -q . &&
	git init -q . &&
	cp "$MLW_BUILD_DIR/share/datasets/diabetes.csv" . &&
	cp "$MLW_BUILD_DIR/share/datasets/iris.csv" . &&
	mlw -q data create --name diabetes --path diabetes.csv --type uri_file &&
	cat >train.yml <<-\EOT
	command: >-
	  mlw train ridge --data ${{inputs.d}} --target target
	  --alpha ${{inputs.alpha}} --validation-split 0.2 --seed 3
	inputs:
	  d:
	    type: uri_file
	    path: azureml:diabetes@latest
	  alpha: 0.5
	outputs:
	  model:
	    type: mlflow_model
	environment: azureml:host@1
	environment_variables:
	  PATH: /nonexistent
	EOT
'

test_expect_success 'the job trains in-process (no PATH needed) and completes' '
	mlw -q job create -f train.yml --name t1 --wait &&
	mlw job show t1 -o json >s.json &&
	test "$(test_json_get s.json "[\"status\"]")" = Completed
'

test_expect_success 'params: the algorithm and the hyperparameters given' '
	test "$(test_json_get s.json "[\"params\"][\"algorithm\"]")" = ridge &&
	test "$(test_json_get s.json "[\"params\"][\"alpha\"]")" = 0.5 &&
	test "$(test_json_get s.json "[\"params\"][\"validation_split\"]")" = 0.2 &&
	test "$(test_json_get s.json "[\"params\"][\"seed\"]")" = 3
'

test_expect_success 'metrics: the same numbers as the trainer prints outside a job' '
	mlw train ridge --data diabetes.csv --target target --alpha 0.5 \
		--validation-split 0.2 --seed 3 -o json >direct.json &&
	for m in r2_score root_mean_squared_error spearman_correlation \
		 train_r2_score train_mean_absolute_error; do
		test "$(test_json_get s.json "[\"metrics\"][\"$m\"]")" = \
		     "$(test_json_get direct.json "[\"metrics\"][\"$m\"]")" ||
		return 1
	done
'

test_expect_success 'without --output the model goes to the job output "model"' '
	mlw job download t1 --output-name model --download-path dl &&
	test -f dl/named-outputs/model/MLmodel &&
	mlw model create --name from-job --path azureml:jobs/t1/outputs/model \
		--type mlflow_model -o json >m.json &&
	test "$(test_json_get m.json "[\"job_name\"]")" = t1 &&
	mlw model score from-job@latest --input diabetes.csv --output p.csv &&
	test $(wc -l <p.csv) = 443
'

test_expect_success 'params are write-once: a second fit with another alpha fails the job' '
	cat >twice.yml <<-\EOT &&
	command: >-
	  mlw train ridge --data diabetes.csv --target target --alpha 1 &&
	  mlw train ridge --data diabetes.csv --target target --alpha 2
	code: .
	environment: azureml:host@1
	environment_variables:
	  PATH: '"$MLW_BUILD_DIR"':/usr/bin:/bin
	EOT
	test_expect_code 1 mlw -q job create -f twice.yml --name t2 --wait &&
	mlw job show t2 -o json >s2.json &&
	test "$(test_json_get s2.json "[\"params\"][\"alpha\"]")" = 1 &&
	test_expect_code 1 mlw job stream t2 >log &&
	test_grep "alpha" log
'

test_expect_success 'an unsupervised fit records its metrics too' '
	cat >km.yml <<-\EOT &&
	command: mlw train kmeans --data iris.csv --exclude species --n-clusters 3 --seed 1
	code: .
	environment: azureml:host@1
	EOT
	mlw -q job create -f km.yml --name k1 --wait &&
	mlw job show k1 -o json >k.json &&
	test "$(test_json_get k.json "[\"params\"][\"n_clusters\"]")" = 3 &&
	test_json_get k.json "[\"metrics\"][\"inertia\"]" >inertia &&
	test -s inertia
'

test_done

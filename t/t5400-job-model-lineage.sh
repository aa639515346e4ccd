#!/bin/sh
test_description='train in a job, register its output as a model with lineage'
. ./test-lib.sh

test_expect_success 'setup: a training job writing an mlflow model folder' '
	mlw init -q &&
	mkdir data &&
	cp "$MLW_BUILD_DIR/share/datasets/diabetes.csv" data/ &&
	cat >train.yml <<-\EOF
	$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
	command: >-
	  mlw train ridge --data ${{inputs.training_data}}/diabetes.csv
	  --target target --alpha ${{inputs.alpha}} --output ${{outputs.model}}
	environment: azureml:AzureML-sklearn-1.0-ubuntu20.04-py38-cpu@latest
	inputs:
	  training_data:
	    type: uri_folder
	    path: data
	  alpha: 0.5
	outputs:
	  model:
	    type: mlflow_model
	EOF
	mlw job create -f train.yml --name train_1 --wait 2>err
'

test_expect_success 'model create --path azureml:jobs/JOB/outputs/NAME records lineage' '
	mlw model create -n diabetes-ridge -t mlflow_model \
		-p azureml:jobs/train_1/outputs/model -o json >model.json &&
	test "$(test_json_get model.json "[\"job_name\"]")" = train_1 &&
	test "$(test_json_get model.json "[\"path\"]")" = azureml:jobs/train_1/outputs/model &&
	test_json_get model.json "[\"flavors\"][\"mlw\"][\"algorithm\"]" >algo &&
	echo ridge >expect &&
	test_cmp expect algo
'

test_expect_success 'the model content is the job output, stored once' '
	mlw job show train_1 -o json >job.json &&
	test_json_get job.json "[\"outputs\"][\"model\"][\"object\"]" >job_obj 2>/dev/null ||
	test_json_get job.json "[\"outputs\"][0][\"object\"]" >job_obj &&
	test_json_get model.json "[\"object\"]" >model_obj &&
	test_cmp job_obj model_obj &&
	ls .mlw/tmp >left &&
	test_must_be_empty left
'

test_expect_success 'an output of an unknown job: exit 3, nothing registered' '
	mlw model list -o tsv >before &&
	test_expect_code 3 mlw model create -n x -p azureml:jobs/nope/outputs/model 2>err &&
	test_grep "job .nope. not found" err &&
	mlw model list -o tsv >after &&
	test_cmp before after &&
	mlw fsck
'

test_done

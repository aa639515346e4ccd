#!/bin/sh
test_description='-o json: numbers as the shortest text that reads back (0.7, not 0.69999999999999996)'
. ./test-lib.sh

test_expect_success 'setup: a workspace and a CSV of decimals' '
	mlw init -q &&
	printf "a,y\n0.1,0.7\n3,0.2\n" >d.csv
'

test_expect_success 'the output layer writes shortest reals, .0 on whole ones' '
	mlw preview-data d.csv -o json >out &&
	cat >expect <<-\EOF &&
	[
	  {
	    "a": 0.1,
	    "y": 0.7
	  },
	  {
	    "a": 3.0,
	    "y": 0.2
	  }
	]
	EOF
	test_cmp expect out
'

test_expect_success '--query results are written the same way' '
	cat >j.yml <<-\EOF &&
	command: mlw log metric acc 0.7
	environment: azureml:x@latest
	EOF
	name=$(mlw job create -f j.yml --wait -q) &&
	mlw job show "$name" --query metrics >out &&
	cat >expect <<-\EOF &&
	{
	  "acc": 0.7
	}
	EOF
	test_cmp expect out
'

test_expect_success 'JSON kept in the catalog (MLmodel flavors) reads back as written' '
	mkdir -p mdl &&
	cat >mdl/MLmodel <<-\EOF &&
	flavors:
	  python_function:
	    loader_module: mlflow.sklearn
	    threshold: 0.7
	EOF
	mlw model create -n m -p mdl --type mlflow_model -o json >out.json &&
	grep "\"threshold\"" out.json >line &&
	echo "      \"threshold\": 0.7" >expect &&
	test_cmp expect line &&
	mlw model show m -o yaml >out.yaml &&
	test_grep "threshold: 0.7$" out.yaml
'

test_done

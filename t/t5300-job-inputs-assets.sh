#!/bin/sh
test_description='job inputs from data assets, models and earlier jobs'
. ./test-lib.sh

test_expect_success 'setup: a workspace with a data asset' '
	mlw init -q &&
	mkdir data &&
	seq 1 5 >data/n.txt &&
	mlw data create -n nums -p data --type uri_folder -o tsv >/dev/null &&
	seq 1 3 >data/n.txt &&
	mlw data create -n nums -p data --type uri_folder -o tsv >/dev/null
'

write_job () {
	cat >"$1" <<-EOF
	\$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
	command: wc -l <\${{inputs.d}}/n.txt >\${{outputs.out}}/count.txt
	environment: azureml:AzureML-sklearn-1.0-ubuntu20.04-py38-cpu@latest
	inputs:
	  d:
	    type: uri_folder
	    path: $2
	outputs:
	  out:
	    type: uri_folder
	EOF
}

test_expect_success 'azureml:NAME@latest binds the newest version' '
	write_job latest.yml azureml:nums@latest &&
	mlw job create -f latest.yml --name j_latest --wait 2>err &&
	mlw job download j_latest --output-name out --download-path dl &&
	echo 3 >expect &&
	cat dl/named-outputs/out/count.txt >actual &&
	test_cmp expect actual
'

test_expect_success 'azureml:NAME:VERSION binds that version' '
	write_job v1.yml azureml:nums:1 &&
	mlw job create -f v1.yml --name j_v1 --wait &&
	mlw job download j_v1 --output-name out --download-path dl1 &&
	echo 5 >expect &&
	cat dl1/named-outputs/out/count.txt >actual &&
	test_cmp expect actual
'

test_expect_success 'an unknown asset is an error before anything runs' '
	write_job bad.yml azureml:nope:1 &&
	mlw job list -o tsv >before &&
	test_expect_code 2 mlw job create -f bad.yml --wait 2>err &&
	test_grep "bad.yml:[0-9]*:[0-9]*: input .d.: no data or model asset .nope. version .1." err &&
	mlw job list -o tsv >after &&
	test_cmp before after
'

test_expect_success 'an output of an earlier job feeds a later one' '
	cat >chain.yml <<-\EOF &&
	command: cat ${{inputs.prev}}/count.txt
	environment: azureml:local@latest
	inputs:
	  prev:
	    type: uri_folder
	    path: azureml:jobs/j_v1/outputs/out
	EOF
	mlw job create -f chain.yml --stream >out 2>err &&
	echo 5 >expect &&
	test_cmp expect out
'

test_expect_success 'a job that does not exist is named' '
	sed -e "s/j_v1/no_such_job/" chain.yml >chain2.yml &&
	test_expect_code 2 mlw job create -f chain2.yml --wait 2>err &&
	test_grep "job .no_such_job. not found" err &&
	mlw fsck
'

test_done

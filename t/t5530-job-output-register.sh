#!/bin/sh
test_description='command jobs: outputs with a name are registered as assets when the job completes'
. ./test-lib.sh

test_expect_success 'setup' '
	mlw init -q . &&
	cat >job.yml <<-\EOT
	command: >-
	  echo weights-$V >${{outputs.model}}/w.txt &&
	  echo a,b >${{outputs.table}}/t.csv &&
	  echo one >${{outputs.single}}
	environment: azureml:host@1
	environment_variables:
	  V: "1"
	outputs:
	  model:
	    type: custom_model
	    name: reg-model
	    version: "3"
	  table:
	    type: uri_folder
	    name: reg-data
	  single:
	    type: uri_file
	    path: azureml://datastores/workspaceblobstore/paths/out/one.txt
	    name: reg-file
	  scratch:
	    type: uri_folder
	EOT
'

test_expect_success 'named outputs become a model and data assets with lineage' '
	mlw -q job create -f job.yml --name r1 --wait &&
	mlw model show reg-model:3 -o json >m.json &&
	test "$(test_json_get m.json "[\"job_name\"]")" = r1 &&
	test "$(test_json_get m.json "[\"path\"]")" = azureml:jobs/r1/outputs/model &&
	test "$(test_json_get m.json "[\"type\"]")" = custom_model &&
	mlw data show reg-data@latest -o json >d.json &&
	test "$(test_json_get d.json "[\"version\"]")" = 1 &&
	test "$(test_json_get d.json "[\"path\"]")" = azureml:jobs/r1/outputs/table &&
	mlw data show reg-file@latest -o json >f.json &&
	test "$(test_json_get f.json "[\"type\"]")" = uri_file &&
	mlw job stream r1 >log &&
	test_grep "registered model .reg-model. version .3. from output .model." log &&
	test_must_fail mlw data show scratch
'

test_expect_success 'the registered content is what the job wrote' '
	mlw model download reg-model:3 --download-path dl &&
	echo weights-1 >expect &&
	test_cmp expect dl/reg-model/w.txt
'

test_expect_success 'the same version with other content fails the job, keeps the asset' '
	test_expect_code 1 mlw -q job create -f job.yml --name r2 --wait \
		--set environment_variables.V=2 2>err &&
	test_grep "cannot register output .model." err &&
	mlw model show reg-model:3 -o json >m.json &&
	test "$(test_json_get m.json "[\"job_name\"]")" = r1
'

test_expect_success 'a bad asset name stops create before anything runs' '
	sed "s/name: reg-data/name: \"bad name!\"/" job.yml >bad.yml &&
	test_expect_code 2 mlw job create -f bad.yml --name r3 2>err &&
	test_grep "bad.yml:[0-9]*:[0-9]*:.*not a valid asset name" err &&
	test_must_fail mlw job show r3
'

test_expect_success 'fsck is clean' '
	mlw fsck
'

test_done

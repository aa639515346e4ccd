#!/bin/sh
test_description='pipeline jobs: a step whose inputs did not change is reused'
. ./test-lib.sh
. "$TEST_DIRECTORY"/lib-pipeline.sh
. "$TEST_DIRECTORY"/lib-job.sh

test_expect_success 'setup' '
	mlw init -q . &&
	git init -q . &&
	mkdir -p data src/prep src/train &&
	printf "x,y\n1,2\n3,4\n" >data/d.csv &&
	echo "prep v1" >src/prep/p.txt &&
	echo "train v1" >src/train/t.txt &&
	cat >prep.yml <<-\EOT &&
	$schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json
	name: prep
	display_name: Prepare
	code: ./src/prep
	command: cat p.txt ${{inputs.raw}}/d.csv >${{outputs.clean}}/c.csv
	environment: azureml:env@latest
	inputs:
	  raw:
	    type: uri_folder
	outputs:
	  clean:
	    type: uri_folder
	EOT
	cat >train.yml <<-\EOT &&
	$schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json
	name: train
	code: ./src/train
	command: cat t.txt ${{inputs.data}}/c.csv >${{outputs.model}}/m.txt && echo ${{inputs.rate}} >>${{outputs.model}}/m.txt
	environment: azureml:env@latest
	inputs:
	  data:
	    type: uri_folder
	  rate:
	    type: number
	outputs:
	  model:
	    type: uri_folder
	EOT
	cat >pipe.yml <<-\EOT
	type: pipeline
	inputs:
	  raw:
	    type: uri_folder
	    path: ./data
	  rate: 0.5
	jobs:
	  prep:
	    component: ./prep.yml
	    inputs:
	      raw: ${{parent.inputs.raw}}
	  train:
	    component: ./train.yml
	    inputs:
	      data: ${{parent.jobs.prep.outputs.clean}}
	      rate: ${{parent.inputs.rate}}
	  other:
	    command: echo ${{inputs.r}}
	    environment: azureml:env@latest
	    inputs:
	      r: ${{parent.inputs.rate}}
	EOT
'

test_expect_success 'the first run runs every step' '
	mlw -q job create -f pipe.yml --name r1 --wait >/dev/null &&
	test "$(steps_ran r1)" = "other prep train"
'

test_expect_success 'a second run with nothing changed reuses every step' '
	mlw -q job create -f pipe.yml --name r2 --wait >/dev/null &&
	test "$(steps_ran r2)" = "" &&
	prep1=$(step_field r1 prep job) &&
	test "$(step_field r2 prep reused_from)" = "$prep1"
'

test_expect_success 'the log and the step say which job they reused' '
	mlw job stream r2 >log &&
	test_grep "step .prep.: reused from $prep1" log &&
	kid=$(step_field r2 prep job) &&
	test "$(mlw job show $kid --query reused_from -o tsv)" = "$prep1" &&
	test "$(mlw job show $kid --query status -o tsv)" = Completed &&
	mlw job stream $kid >kidlog &&
	test_grep "reused the outputs of an earlier job" kidlog
'

test_expect_success 'a reused step has the outputs of the job it reused' '
	mlw job download $kid --output-name clean --download-path here &&
	mlw job download $prep1 --output-name clean --download-path there &&
	test_cmp there/named-outputs/clean/c.csv here/named-outputs/clean/c.csv
'

test_expect_success 'a run after a reusing run reuses the job that ran' '
	mlw -q job create -f pipe.yml --name r3 --wait >/dev/null &&
	test "$(step_field r3 prep reused_from)" = "$prep1"
'

test_expect_success 'a change to a component code reruns it and what reads it' '
	echo "train v2" >src/train/t.txt &&
	mlw -q job create -f pipe.yml --name r4 --wait >/dev/null &&
	test "$(steps_ran r4)" = "train"
'

test_expect_success 'changing it back reuses the first run again' '
	echo "train v1" >src/train/t.txt &&
	mlw -q job create -f pipe.yml --name r5 --wait >/dev/null &&
	test "$(steps_ran r5)" = ""
'

test_expect_success 'a change to the data reruns the steps that read it' '
	printf "x,y\n5,6\n" >data/d.csv &&
	mlw -q job create -f pipe.yml --name r6 --wait >/dev/null &&
	test "$(steps_ran r6)" = "prep train"
'

test_expect_success 'the same data at another path is reused: content, not names' '
	mv data moved &&
	sed "s|path: ./data|path: ./moved|" pipe.yml >moved.yml &&
	mlw -q job create -f moved.yml --name r7 --wait >/dev/null &&
	test "$(steps_ran r7)" = ""
'

test_expect_success 'the same data as a registered asset is reused too' '
	mlw -q data create --name raw --path moved --type uri_folder >/dev/null &&
	sed "s|path: ./data|path: azureml:raw@latest|" pipe.yml >asset.yml &&
	mlw -q job create -f asset.yml --name r8 --wait >/dev/null &&
	test "$(steps_ran r8)" = "" &&
	mv moved data
'

test_expect_success 'a change to a literal reruns the steps that read it' '
	mlw -q job create -f pipe.yml --set inputs.rate=0.25 --name r9 --wait >/dev/null &&
	test "$(steps_ran r9)" = "other train"
'

test_expect_success 'a change to the command reruns the step' '
	sed "s|>>\${{outputs.model}}/m.txt|>>\${{outputs.model}}/m.txt \&\& true|" train.yml >train2.yml &&
	sed "s|./train.yml|./train2.yml|" pipe.yml >pipe2.yml &&
	mlw -q job create -f pipe2.yml --name r10 --wait >/dev/null &&
	test "$(steps_ran r10)" = "train"
'

test_expect_success 'a change to the environment reruns the step' '
	sed "s|azureml:env@latest|azureml:env:2|" prep.yml >prep2.yml &&
	sed "s|./prep.yml|./prep2.yml|" pipe.yml >pipe3.yml &&
	mlw -q job create -f pipe3.yml --name r11 --wait >/dev/null &&
	test "$(steps_ran r11)" = "prep"
'

test_expect_success 'names and descriptions are not part of the key' '
	sed -e "s|display_name: Prepare|display_name: Clean the data|" \
	    -e "s|^name: prep|name: prep_renamed\ndescription: says more|" \
	    prep.yml >prep3.yml &&
	sed "s|./prep.yml|./prep3.yml|" pipe.yml >pipe4.yml &&
	mlw -q job create -f pipe4.yml --name r12 --wait >/dev/null &&
	test "$(steps_ran r12)" = ""
'

test_expect_success 'is_deterministic: false is never reused' '
	sed "s|^name: prep|name: prep\nis_deterministic: false|" prep.yml >prep4.yml &&
	sed "s|./prep.yml|./prep4.yml|" pipe.yml >pipe5.yml &&
	mlw -q job create -f pipe5.yml --name r13 --wait >/dev/null &&
	mlw -q job create -f pipe5.yml --name r14 --wait >/dev/null &&
	test "$(steps_ran r14)" = "prep" &&
	mlw job stream r14 >log &&
	test_grep "step .prep.: not reused (is_deterministic: false)" log
'

test_expect_success 'force_rerun runs every step' '
	mlw -q job create -f pipe.yml --set settings.force_rerun=true --name r15 --wait >/dev/null &&
	test "$(steps_ran r15)" = "other prep train" &&
	mlw job stream r15 >log &&
	test_grep "not reused (settings.force_rerun)" log
'

test_expect_success 'a failed step is not reused' '
	cat >flaky.yml <<-\EOT &&
	type: pipeline
	jobs:
	  flaky:
	    command: test -f ok
	    environment: azureml:env@latest
	    code: ./flaky
	EOT
	mkdir flaky &&
	test_expect_code 1 mlw -q job create -f flaky.yml --name f1 --wait >/dev/null 2>&1 &&
	test_expect_code 1 mlw -q job create -f flaky.yml --name f2 --wait >/dev/null 2>&1 &&
	test "$(steps_ran f2)" = "flaky"
'

# 40 independent steps: more than one batch of reuses (REUSE_BATCH, 32)
test_expect_success 'a rerun records its reused steps in batches: every run there, its hook after its commit' '
	/usr/bin/python3 -c "
print(\"type: pipeline\")
print(\"settings:\")
print(\"  continue_on_step_failure: true\")
print(\"jobs:\")
for i in range(40):
    print(\"  w%d:\" % i)
    print(\"    command: echo %d >\${{outputs.o}}/f\" % i)
    print(\"    environment: azureml:env@latest\")
    print(\"    outputs:\")
    print(\"      o:\")
" >wide.yml &&
	mlw -q job create -f wide.yml --name b1 --wait >/dev/null &&
	mkdir -p .mlw/hooks &&
	cat >.mlw/hooks/run-completed <<-\EOT &&
	#!/bin/sh
	id=$(sed -n "s/.*\"runId\":\"\([^\"]*\)\".*/\1/p")
	echo "$id $(mlw -C "$MLW_DIR/.." job show "$id" --query status -o tsv 2>&1)" >>"$MLW_DIR/../hooked"
	EOT
	chmod +x .mlw/hooks/run-completed &&
	mlw -q job create -f wide.yml --name b2 --wait >/dev/null &&
	test "$(steps_ran b2)" = "" &&
	mlw job list --parent-job-name b2 --query "[].status" -o tsv >statuses &&
	test $(grep -c "^Completed$" statuses) = 40 &&
	test $(wc -l <statuses) = 40 &&
	until_true "test \$(wc -l <hooked) -ge 41" &&
	test $(grep -c " Completed$" hooked) = 41 &&
	rm .mlw/hooks/run-completed
'

test_expect_success 'a reused step whose record fails fails alone: the others of its batch are kept' '
	sqlite3 .mlw/mlw.db "CREATE TRIGGER no_w7 BEFORE UPDATE ON pipeline_steps WHEN NEW.step = '\''w7'\'' AND NEW.reused_from IS NOT NULL BEGIN SELECT RAISE(ABORT, '\''injected failure'\''); END;" &&
	test_expect_code 1 mlw -q job create -f wide.yml --name b3 --wait >/dev/null 2>err &&
	sqlite3 .mlw/mlw.db "DROP TRIGGER no_w7" &&
	test "$(step_field b3 w7 status)" = Failed &&
	test_grep "injected failure" err &&
	test "$(steps_ran b3)" = "w7" &&
	mlw job list --parent-job-name b3 --query "[].status" -o tsv >statuses &&
	test $(grep -c "^Completed$" statuses) = 39 &&
	test "$(step_field b3 w8 reused_from)" = "$(step_field b1 w8 job)" &&
	mlw fsck
'

test_done

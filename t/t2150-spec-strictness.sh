#!/bin/sh
test_description='specs: as strict as az, and as open: settings, steps, ARM ids, component inputs'
. ./test-lib.sh

test_expect_success 'setup: a workspace, a data asset and a command component' '
	mlw init -q &&
	mkdir -p data && echo 42 >data/x.txt &&
	mlw data create -n titanic -p data -o tsv >/dev/null &&
	mlw data create -n titanic -p data -v 3 -o tsv >/dev/null &&
	cat >train.yml <<-\EOF
	$schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json
	name: train
	inputs:
	  data: {type: uri_folder}
	  lr: {type: number, default: 0.1}
	  epochs: {type: integer}
	  note: {type: string, optional: true}
	command: echo ${{inputs.data}} ${{inputs.lr}} ${{inputs.epochs}}
	environment: azureml:env@latest
	EOF
'

# azure-ai-ml: PipelineJobSettingsSchema has unknown = INCLUDE; the
# azureml-examples 3a_basic_pipeline misspells default_datastore
test_expect_success 'an unknown key in pipeline settings is a warning, not an error' '
	cat >settings.yml <<-\EOF &&
	$schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json
	type: pipeline
	settings:
	  default_datestore: azureml:workspaceblobstore
	  default_compute: azureml:cpu-cluster
	jobs:
	  hello:
	    command: echo hi
	    environment: {image: python}
	EOF
	mlw job validate settings.yml >out 2>err &&
	test_grep "settings.yml: valid pipeline job" out &&
	test_grep "warning: settings.yml:4:3: unknown key .default_datestore. in pipeline settings (did you mean .default_datastore.?); az accepts it" err &&
	test_grep -v "error:" err
'

test_expect_success 'steps and inline components are open too; a command job is not' '
	cat >steps.yml <<-\EOF &&
	type: pipeline
	jobs:
	  hello:
	    command: echo hi
	    environment: {image: python}
	    retries: 3
	  inline:
	    component:
	      command: echo hi
	      environment: {image: python}
	      owner: me
	EOF
	mlw job validate steps.yml 2>err &&
	test_grep "warning: steps.yml:6:5: unknown key .retries. in a command step" err &&
	test_grep "warning: steps.yml:11:7: unknown key .owner. in an inline command component" err &&
	printf "command: echo\nenvironment: {image: python}\nretries: 3\n" >job.yml &&
	test_expect_code 2 mlw job validate job.yml 2>err &&
	test_grep "error: job.yml:3:1: unknown key .retries. in a command job" err
'

arm=/subscriptions/0000/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws

test_expect_success 'an input path that is an ARM id of a data asset is NAME:VERSION' '
	cat >arm.yml <<-EOF &&
	command: cat \${{inputs.d}}/x.txt
	environment: azureml:env@latest
	inputs:
	  d:
	    type: uri_folder
	    path: $arm/data/titanic/versions/3
	EOF
	mlw job validate arm.yml 2>err &&
	test_must_be_empty err &&
	name=$(mlw job create -f arm.yml --wait -q) &&
	mlw job show "$name" -o json >show.json &&
	test_json_get show.json "[\"status\"]" >status &&
	echo Completed >expect &&
	test_cmp expect status
'

test_expect_success 'an ARM id of a version not in the store is the usual warning' '
	sed "s|versions/3|versions/9|" arm.yml >arm9.yml &&
	mlw job validate arm9.yml 2>err &&
	test_grep "warning: arm9.yml:6:11: input path .*/versions/9. is not in the local store" err
'

test_expect_success 'an azureml:// form mlw does not know validates; running it fails' '
	cat >weird.yml <<-\EOF &&
	command: ls ${{inputs.d}}
	environment: azureml:env@latest
	inputs:
	  d:
	    type: uri_folder
	    path: azureml://featurestores/fs/paths/x
	EOF
	mlw job validate weird.yml >out 2>err &&
	test_grep "valid command job" out &&
	test_grep "warning: weird.yml:6:11: input path .azureml://featurestores/fs/paths/x. is a form of reference mlw does not know" err &&
	test_expect_code 2 mlw job create -f weird.yml 2>err &&
	test_grep "error: weird.yml:6:11: input .d.: .azureml://featurestores/fs/paths/x. is remote" err
'

# what az catches when it loads a pipeline: table of (step inputs, the
# error at its position)
while IFS="|" read inputs where message; do
	test_expect_success "step inputs {$inputs}: $message" '
		{
			echo "type: pipeline" &&
			echo "jobs:" &&
			echo "  s:" &&
			echo "    component: ./train.yml" &&
			echo "    inputs: {$inputs}"
		} >step.yml &&
		test_expect_code 2 mlw job validate step.yml 2>err &&
		test_grep "error: step.yml:$where: $message" err &&
		test $(grep -c "error:" err) = 1
	'
done <<-\EOF
data: ./data, epochs: 3, lrr: 0.5|5:39|step .s. gives input .lrr., which its component does not declare (did you mean .lr.?)
data: ./data|5:5|step .s. leaves required input .epochs. of its component unbound
data: ./data, epochs: abc|5:36|value of integer input .epochs. must be an integer, not .abc.
data: ./data, epochs: 3, lr: fast|5:43|value of number input .lr. must be a number, not .fast.
data: ./data, epochs: {value: 2.5}|5:44|value of integer input .epochs. must be an integer, not .2.5.
EOF

test_expect_success 'a step with every required input bound, bindings and optionals validates' '
	cat >good.yml <<-\EOF &&
	type: pipeline
	inputs:
	  n: 3
	jobs:
	  s:
	    component: file:train.yml
	    inputs:
	      data: {type: uri_folder, path: ./data}
	      epochs: ${{parent.inputs.n}}
	EOF
	mlw job validate good.yml 2>err &&
	test_must_be_empty err
'

while IFS="|" read kind input where message; do
	test_expect_success "$kind input $input: $message" '
		if test "$kind" = command
		then
			printf "command: echo\nenvironment: {image: python}\n"
		else
			printf "type: pipeline\njobs: {a: {command: echo, environment: {image: p}}}\n"
		fi >typed.yml &&
		printf "inputs:\n  x: %s\n" "$input" >>typed.yml &&
		test_expect_code 2 mlw job validate typed.yml 2>err &&
		test_grep "error: typed.yml:$where: $message" err
	'
done <<-\EOF
command|{type: integer, value: abc}|4:29|value of integer input .x. must be an integer, not .abc.
command|{type: number, default: one}|4:30|default of number input .x. must be a number, not .one.
pipeline|{type: boolean, value: maybe}|4:29|value of boolean input .x. must be true or false, not .maybe.
EOF

test_expect_success 'typed literals that fit their type validate' '
	cat >fits.yml <<-\EOF &&
	command: echo ${{inputs.a}} ${{inputs.b}} ${{inputs.c}}
	environment: {image: python}
	inputs:
	  a: {type: integer, value: "7"}
	  b: {type: number, value: 1e-3}
	  c: {type: boolean, default: "True"}
	EOF
	mlw job validate fits.yml 2>err &&
	test_must_be_empty err
'

test_done

#!/bin/sh
test_description='pipeline jobs: pipeline components as steps, and as the job'
. ./test-lib.sh
. "$TEST_DIRECTORY"/lib-pipeline.sh

test_expect_success 'setup' '
	mlw init -q . &&
	mkdir comp &&
	cat >comp/upper.yml <<-\EOT &&
	$schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json
	name: upper
	command: tr a-z A-Z <${{inputs.text}}/t.txt >${{outputs.out}}/t.txt
	environment: azureml:env@latest
	inputs:
	  text:
	    type: uri_folder
	outputs:
	  out:
	    type: uri_folder
	EOT
	cat >comp/twice.yml <<-\EOT &&
	$schema: https://azuremlschemas.azureedge.net/latest/pipelineComponent.schema.json
	name: twice
	type: pipeline
	inputs:
	  text:
	    type: uri_folder
	  suffix:
	    type: string
	    default: "!"
	outputs:
	  result:
	    type: uri_folder
	jobs:
	  first:
	    component: ./upper.yml
	    inputs:
	      text: ${{parent.inputs.text}}
	  second:
	    command: cat ${{inputs.t}}/t.txt ${{inputs.t}}/t.txt >${{outputs.o}}/t.txt && echo "${{inputs.s}}" >>${{outputs.o}}/t.txt
	    environment: azureml:env@latest
	    inputs:
	      t: ${{parent.jobs.first.outputs.out}}
	      s: ${{parent.inputs.suffix}}
	    outputs:
	      o: ${{parent.outputs.result}}
	EOT
	cat >outer.yml <<-\EOT
	type: pipeline
	inputs:
	  word: hello
	jobs:
	  make:
	    command: echo ${{inputs.w}} >${{outputs.o}}/t.txt
	    environment: azureml:env@latest
	    inputs:
	      w: ${{parent.inputs.word}}
	    outputs:
	      o:
	  inner:
	    type: pipeline
	    component: ./comp/twice.yml
	    inputs:
	      text: ${{parent.jobs.make.outputs.o}}
	      suffix: "?"
	  last:
	    command: cat ${{inputs.r}}/t.txt
	    environment: azureml:env@latest
	    inputs:
	      r: ${{parent.jobs.inner.outputs.result}}
	EOT
'

test_expect_success 'a pipeline step runs its component s steps in the graph' '
	mlw -q job create -f outer.yml --name n1 --wait >/dev/null &&
	test "$(step_field n1 inner/first status)" = Completed &&
	test "$(step_field n1 inner/second status)" = Completed &&
	test "$(step_field n1 inner type)" = pipeline &&
	test "$(step_field n1 inner/first pipeline_step)" = inner &&
	mlw job stream $(step_field n1 last job) >log &&
	printf "HELLO\nHELLO\n?\n" >expect &&
	test_cmp expect log
'

test_expect_success 'the pipeline step is a child run whose children are its steps' '
	group=$(step_field n1 inner job) &&
	test "$(mlw job show $group --query type -o tsv)" = pipeline &&
	test "$(mlw job show $group --query status -o tsv)" = Completed &&
	test "$(mlw job show $group --query parent_job_name -o tsv)" = n1 &&
	mlw job list --parent-job-name $group --query "[].display_name" -o tsv >kids &&
	sort kids >sorted &&
	printf "inner/first\ninner/second\n" >expect &&
	test_cmp expect sorted
'

test_expect_success 'show draws the inner steps under their pipeline step' '
	mlw job show n1 >graph &&
	test_grep "^├─ inner  *Completed.*pipeline" graph &&
	test_grep "^│  ├─ first  *Completed" graph &&
	test_grep "^│  └─ second  *Completed.*<- inner/first" graph &&
	test_grep "^└─ last  *Completed.*<- inner/second" graph &&
	mlw job show n1 --graph dot >g.dot &&
	test_grep "subgraph \"cluster_1\"" g.dot &&
	test_grep "\"make\" -> \"inner/first\"" g.dot
'

test_expect_success 'inner steps are reused like any other' '
	mlw -q job create -f outer.yml --name n2 --wait >/dev/null &&
	test "$(step_field n2 inner/second reused_from)" = "$(step_field n1 inner/second job)" &&
	mlw -q job create -f outer.yml --name n3 --set jobs.inner.inputs.suffix=. --wait >/dev/null &&
	test "$(step_field n3 inner/first reused_from)" = "$(step_field n1 inner/first job)" &&
	test "$(step_field n3 inner/second reused_from)" = None
'

test_expect_success 'a pipeline job may run a pipeline component itself' '
	mkdir data && echo abc >data/t.txt &&
	cat >wrap.yml <<-\EOT &&
	type: pipeline
	component: ./comp/twice.yml
	inputs:
	  text:
	    type: uri_folder
	    path: ./data
	outputs:
	  result:
	    name: shouted
	EOT
	mlw -q job create -f wrap.yml --name w1 --wait >/dev/null &&
	mlw job download w1 --output-name result --download-path got &&
	printf "ABC\nABC\n!\n" >expect &&
	test_cmp expect got/named-outputs/result/t.txt &&
	test "$(mlw data show shouted --query version -o tsv)" = 1
'

test_expect_success 'errors inside a pipeline component point into its file' '
	sed "s/first.outputs.out/first.outputs.nope/" comp/twice.yml >comp/bad.yml &&
	sed "s|./comp/twice.yml|./comp/bad.yml|" outer.yml >bad.yml &&
	test_expect_code 2 mlw job create -f bad.yml 2>err &&
	test_grep "comp/bad.yml:[0-9]*:[0-9]*: .*nope" err
'

test_expect_success 'a pipeline component that includes itself is refused' '
	cat >comp/loop.yml <<-\EOT &&
	$schema: https://azuremlschemas.azureedge.net/latest/pipelineComponent.schema.json
	name: loop
	type: pipeline
	jobs:
	  again:
	    type: pipeline
	    component: ./loop.yml
	EOT
	cat >loop.yml <<-\EOT &&
	type: pipeline
	jobs:
	  l:
	    type: pipeline
	    component: ./comp/loop.yml
	EOT
	test_expect_code 2 mlw job create -f loop.yml 2>err &&
	test_grep "nests pipelines more than 16 deep" err
'

test_expect_success CORPUS 'the Azure example pipeline component loads and checks' '
	d="$SHARED_DIRECTORY/corpus/cli/jobs/pipelines-with-components/pipeline_with_pipeline_component/nyc_taxi_data_regression_with_pipeline_component" &&
	cp -R "$d" nyc &&
	cat >nyc/job.yml <<-\EOT &&
	type: pipeline
	jobs:
	  train:
	    type: pipeline
	    component: ./train_pipeline/train_pipeline.yml
	    inputs:
	      train_data:
	        type: uri_folder
	        path: .
	      compute_train_node: local
	EOT
	test_expect_code 2 mlw job create -f nyc/job.yml --dry-run 2>err &&
	test_grep "score_src/score.yml" err
'

test_done

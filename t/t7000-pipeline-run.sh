#!/bin/sh
test_description='pipeline jobs: steps run as child jobs in dependency order'
. ./test-lib.sh
. "$TEST_DIRECTORY"/lib-job.sh
. "$TEST_DIRECTORY"/lib-pipeline.sh

test_expect_success 'setup' '
	mlw init -q . &&
	# the specs name azureml:cpu-cluster, as Azure'"'"'s examples do: run here
	git config -f .mlw/config compute.missing local &&
	mkdir data src &&
	printf "a,b\n1,2\n3,4\n" >data/t.csv &&
	echo "print(1)" >src/x.py &&
	cat >pipe.yml <<-\EOT
	$schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json
	type: pipeline
	display_name: io
	experiment_name: pipes
	inputs:
	  greeting: hello
	  table:
	    type: uri_folder
	    path: ./data
	outputs:
	  final:
	    name: final-words
	settings:
	  default_compute: azureml:cpu-cluster
	jobs:
	  make:
	    command: echo ${{inputs.g}} >${{outputs.words}}/w.txt && cat ${{inputs.t}}/t.csv >${{outputs.words}}/t.csv
	    environment: azureml:env@latest
	    inputs:
	      g: ${{parent.inputs.greeting}}
	      t: ${{parent.inputs.table}}
	    outputs:
	      words:
	  shout:
	    command: tr a-z A-Z <${{inputs.w}}/w.txt >${{outputs.loud}}/w.txt && ls ${{inputs.code_check}}
	    code: src
	    environment: azureml:env@latest
	    inputs:
	      w: ${{parent.jobs.make.outputs.words}}
	      code_check: ${{parent.jobs.make.outputs.words}}
	    outputs:
	      loud: ${{parent.outputs.final}}
	  alone:
	    command: echo alone
	    environment: azureml:env@latest
	EOT
	cat >hello.yml <<-\EOT
	type: pipeline
	jobs:
	  hello_job:
	    command: echo hello
	    environment: azureml:env@latest
	  world_job:
	    command: echo world
	    environment: azureml:env@latest
	EOT
	cat >fail.yml <<-\EOT
	type: pipeline
	jobs:
	  bad:
	    command: exit 3
	    environment: azureml:env@latest
	EOT
'

test_expect_success 'create --wait runs every step and exits 0' '
	mlw job create -f pipe.yml --name p1 --wait >out 2>err &&
	test_grep "^p1$" out &&
	test "$(mlw job show p1 --query status -o tsv)" = Completed &&
	test "$(mlw job show p1 --query type -o tsv)" = pipeline
'

test_expect_success 'each step is a child job of the pipeline' '
	mlw job list --parent-job-name p1 -o json >kids.json &&
	test "$(test_json_get kids.json "[0][\"parent_job_name\"]")" = p1 &&
	test "$(test_json_get kids.json ".__len__()")" = 3 &&
	mlw job list --parent-job-name p1 --query "[].display_name" -o tsv >names &&
	sort names >sorted &&
	printf "alone\nmake\nshout\n" >expect &&
	test_cmp expect sorted &&
	test "$(mlw job list --parent-job-name p1 --query "[].experiment_name" -o tsv | sort -u)" = pipes
'

test_expect_success 'data flows along the edges' '
	shout=$(mlw job list --parent-job-name p1 -o json | /usr/bin/python3 -c "import json,sys; print([j[\"name\"] for j in json.load(sys.stdin) if j[\"display_name\"] == \"shout\"][0])") &&
	mlw job download $shout --output-name loud --download-path got &&
	echo HELLO >expect &&
	test_cmp expect got/named-outputs/loud/w.txt
'

test_expect_success 'a step output promoted to the pipeline is its output' '
	mlw job download p1 --output-name final --download-path pipe-out &&
	test_cmp expect pipe-out/named-outputs/final/w.txt
'

test_expect_success 'a named pipeline output is registered as data' '
	mlw data show final-words -o json >asset.json &&
	test "$(test_json_get asset.json "[\"version\"]")" = 1 &&
	test "$(test_json_get asset.json "[\"path\"]")" = azureml:jobs/p1/outputs/final
'

test_expect_success 'a named step output is registered, also when the step is reused' '
	cat >named.yml <<-\EOT &&
	type: pipeline
	jobs:
	  make:
	    command: echo hi >${{outputs.o}}/h.txt
	    environment: azureml:env@latest
	    outputs:
	      o:
	        type: uri_folder
	        name: step-hi
	        version: "7"
	EOT
	mlw -q job create -f named.yml --name n1 --wait >/dev/null &&
	job=$(mlw job list --parent-job-name n1 --query "[0].name" -o tsv) &&
	mlw data show step-hi:7 -o json >a7.json &&
	test "$(test_json_get a7.json "[\"path\"]")" = azureml:jobs/$job/outputs/o &&
	mlw -q job create -f named.yml --name n2 --wait \
		--set jobs.make.outputs.o.version=8 >/dev/null &&
	mlw job show n2 -o json >n2.json &&
	test "$(test_json_get n2.json "[\"graph\"][\"steps\"][0][\"reused_from\"]")" = $job &&
	mlw data show step-hi:8 -o json >a8.json &&
	test "$(test_json_get a8.json "[\"object\"]")" = "$(test_json_get a7.json "[\"object\"]")" &&
	mlw data download step-hi:8 -p got &&
	echo hi >expect &&
	test_cmp expect got/step-hi/h.txt
'

test_expect_success 'defaults fill inputs not given; optional blocks go with them' '
	cat >opt.yml <<-\EOT &&
	$schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json
	name: opt
	command: echo n=${{inputs.n}}$[[ --extra ${{inputs.extra}}]] >${{outputs.o}}/o.txt
	environment: azureml:env@latest
	inputs:
	  n:
	    type: integer
	    default: 2
	  extra:
	    type: string
	    optional: true
	outputs:
	  o:
	    type: uri_folder
	EOT
	cat >optpipe.yml <<-\EOT &&
	type: pipeline
	jobs:
	  bare:
	    component: ./opt.yml
	  given:
	    component: ./opt.yml
	    inputs:
	      n: 3
	      extra: hey
	EOT
	mlw -q job create -f optpipe.yml --name o1 --wait >/dev/null &&
	for s in bare given
	do
		mlw job download $(step_field o1 $s job) --output-name o -p $s ||
		return 1
	done &&
	echo n=2 >expect && test_cmp expect bare/named-outputs/o/o.txt &&
	echo n=3 --extra hey >expect && test_cmp expect given/named-outputs/o/o.txt
'

test_expect_success 'a step records its resources and distribution in its spec' '
	cat >res.yml <<-\EOT &&
	$schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json
	name: res
	command: echo hi
	environment: azureml:env@latest
	resources:
	  instance_count: 2
	distribution:
	  type: pytorch
	  process_count_per_instance: 1
	EOT
	cat >respipe.yml <<-\EOT &&
	type: pipeline
	jobs:
	  mine:
	    component: ./res.yml
	  bigger:
	    component: ./res.yml
	    resources:
	      instance_count: 4
	EOT
	mlw -q job create -f respipe.yml --name rs1 --wait >/dev/null &&
	mlw cat-object -p $(mlw job show $(step_field rs1 mine job) --query spec -o tsv) >mine.spec &&
	mlw cat-object -p $(mlw job show $(step_field rs1 bigger job) --query spec -o tsv) >bigger.spec &&
	test "$(test_json_get mine.spec "[\"resources\"][\"instance_count\"]")" = 2 &&
	test "$(test_json_get bigger.spec "[\"resources\"][\"instance_count\"]")" = 4 &&
	test "$(test_json_get mine.spec "[\"distribution\"][\"type\"]")" = pytorch
'

test_expect_success 'settings are recorded; steps run on the default compute' '
	mlw job show p1 -o json >p1.json &&
	test "$(test_json_get p1.json "[\"settings\"][\"default_compute\"]")" = azureml:cpu-cluster &&
	test "$(test_json_get p1.json "[\"settings\"][\"default_datastore\"]")" = None &&
	test "$(test_json_get p1.json "[\"settings\"][\"force_rerun\"]")" = False &&
	test "$(test_json_get p1.json "[\"compute\"]")" = azureml:cpu-cluster &&
	mlw job list --parent-job-name p1 -o tsv --query "[].compute" >computes &&
	printf "azureml:cpu-cluster\n%.0s" 1 2 3 >expect &&
	test_cmp expect computes &&
	mlw -q job create -f hello.yml --name h0 --wait \
		--set settings.default_datastore=azureml:blobs \
		--set settings.continue_on_step_failure=true >/dev/null &&
	mlw job show h0 -o json >h0.json &&
	test "$(test_json_get h0.json "[\"settings\"][\"default_datastore\"]")" = azureml:blobs &&
	test "$(test_json_get h0.json "[\"settings\"][\"continue_on_step_failure\"]")" = True &&
	test "$(test_json_get h0.json "[\"settings\"][\"default_compute\"]")" = None &&
	test "$(test_json_get h0.json "[\"compute\"]")" = local
'

test_expect_success 'the log says what each step did' '
	mlw job stream p1 >log &&
	test_grep "step .make.: started as job" log &&
	test_grep "step .shout.: Completed" log &&
	test_grep "pipeline p1 Completed" log
'

test_expect_success 'show draws the graph with statuses and edges' '
	mlw job show p1 >graph &&
	test_grep "^pipeline p1  Completed" graph &&
	test_grep "make  *Completed" graph &&
	test_grep "shout  *Completed.*<- make" graph &&
	test_grep "alone  *Completed" graph
'

test_expect_success 'show -o json has the graph' '
	mlw job show p1 -o json >show.json &&
	test "$(test_json_get show.json "[\"graph\"][\"edges\"][0][\"from\"]")" = make &&
	test "$(test_json_get show.json "[\"graph\"][\"edges\"][0][\"to\"]")" = shout &&
	test "$(test_json_get show.json "[\"graph\"][\"edges\"][0][\"output\"]")" = words &&
	test "$(test_json_get show.json "[\"graph\"][\"steps\"][1][\"depends_on\"]")" = "[\"make\"]" &&
	test "$(test_json_get show.json "[\"graph\"][\"steps\"][0][\"status\"]")" = Completed
'

test_expect_success 'show --graph dot writes Graphviz' '
	mlw job show p1 --graph dot >g.dot &&
	test_grep "^digraph \"p1\" {" g.dot &&
	test_grep "\"make\" -> \"shout\" \[label=\"words -> w\"\]" g.dot &&
	test_grep "fillcolor=palegreen" g.dot &&
	test_expect_code 2 mlw job show p1 --graph svg
'

test_expect_success 'without --wait create returns at once with the name' '
	mlw job create -f hello.yml --name h1 >out &&
	test_grep "^h1$" out &&
	wait_status h1 Completed &&
	test "$(mlw job list --parent-job-name h1 --query "[].status" -o tsv | sort -u)" = Completed
'

test_expect_success 'a failing step fails the pipeline and --wait exits 1' '
	test_expect_code 1 mlw job create -f fail.yml --name f1 --wait 2>err &&
	test_grep "step .bad. Failed" err &&
	test "$(mlw job show f1 --query status -o tsv)" = Failed
'

test_expect_success 'a name taken is refused before anything runs' '
	test_expect_code 2 mlw job create -f hello.yml --name h1 2>err &&
	test_grep "already exists" err
'

test_expect_success CORPUS 'the hello pipelines of the Azure examples run' '
	for f in hello-pipeline hello-pipeline-io hello-pipeline-abc-serverless \
		 hello-pipeline-default-artifacts hello-pipeline-settings
	do
		cp "$SHARED_DIRECTORY/corpus/cli/jobs/basics/$f.yml" . &&
		mlw -q job create -f $f.yml --name $f --wait >/dev/null ||
		{ mlw job show $f; return 1; }
	done
'

test_expect_success CORPUS 'the default artifacts of a step feed the next' '
	kid=$(mlw job list --parent-job-name hello-pipeline-default-artifacts -o json |
	      /usr/bin/python3 -c "import json,sys; print([j[\"name\"] for j in json.load(sys.stdin) if j[\"display_name\"] == \"world_job\"][0])") &&
	mlw job stream $kid >log &&
	test_grep "^world$" log
'

test_expect_success CORPUS 'a step output takes the type and file name of the pipeline output' '
	cp "$SHARED_DIRECTORY/corpus/cli/jobs/basics/hello-pipeline-customize-output-file.yml" custom.yml &&
	mlw -q job create -f custom.yml --name custom --wait >/dev/null &&
	mlw job download custom --output-name output --download-path custom-out &&
	echo world >expect &&
	test_cmp expect custom-out/named-outputs/output/hello_world.txt
'

test_expect_success '--max-concurrent-steps takes 1 to 4096; a command job warns' '
	for n in 0 -1 4097 100000000000
	do
		test_expect_code 2 mlw job create -f hello.yml --name mc$n \
			--max-concurrent-steps $n 2>err &&
		test_grep "max-concurrent-steps takes 1 to 4096" err || return 1
	done &&
	test_expect_code 3 mlw job show mc0 &&
	mlw -q job create -f hello.yml --name mc1 --max-concurrent-steps 1 \
		--wait >/dev/null &&
	printf "command: echo one\nenvironment: azureml:env@latest\n" >one.yml &&
	mlw job create -f one.yml --max-concurrent-steps 2 --wait >/dev/null 2>err &&
	test_grep "max-concurrent-steps is for pipeline jobs; .one.yml. is a command job" err
'

test_expect_success '--dry-run checks and prints the order, runs nothing' '
	mlw job create -f pipe.yml --dry-run >plan &&
	printf "make\nshout\t<- make\nalone\n" >expect &&
	test_cmp expect plan &&
	test_expect_code 3 mlw job show DRY_RUN
'

test_done

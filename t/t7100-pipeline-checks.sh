#!/bin/sh
test_description='pipeline jobs: the graph is checked before anything runs'
. ./test-lib.sh

# nothing_recorded: no job at all in the workspace
nothing_recorded () {
	mlw job list -o tsv >jobs &&
	test_must_be_empty jobs
}

test_expect_success 'setup' '
	mlw init -q . &&
	cat >make.yml <<-\EOT
	$schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json
	name: make
	command: echo x >${{outputs.table}}/t.csv && echo y >${{outputs.file}}
	environment: azureml:env@latest
	outputs:
	  table:
	    type: uri_folder
	  file:
	    type: uri_file
	EOT
	cat >use.yml <<-\EOT
	$schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json
	name: use
	command: cat ${{inputs.data}}/t.csv && echo ${{inputs.n}}
	environment: azureml:env@latest
	inputs:
	  data:
	    type: uri_folder
	  n:
	    type: integer
	    default: 1
	EOT
'

test_expect_success 'a step output its component does not declare is an error' '
	cat >undeclared.yml <<-\EOT &&
	type: pipeline
	jobs:
	  a:
	    component: ./use.yml
	    inputs:
	      data:
	        type: uri_folder
	        path: .
	    outputs:
	      out:
	EOT
	test_expect_code 2 mlw job create -f undeclared.yml 2>err &&
	echo "mlw: error: undeclared.yml:10:7: step '\''a'\'' gives output '\''out'\'', which its component does not declare" >expect &&
	test_cmp expect err &&
	nothing_recorded
'

test_expect_success 'a cycle is an error naming its steps, at the input closing it' '
	cat >cycle2.yml <<-\EOT &&
	type: pipeline
	jobs:
	  a:
	    command: cp -r ${{inputs.data}} ${{outputs.out}}
	    environment: azureml:env@latest
	    inputs:
	      data: ${{parent.jobs.c.outputs.out}}
	    outputs:
	      out:
	  b:
	    command: cp -r ${{inputs.x}} ${{outputs.out}}
	    environment: azureml:env@latest
	    inputs:
	      x: ${{parent.jobs.a.outputs.out}}
	    outputs:
	      out:
	  c:
	    command: cp -r ${{inputs.x}} ${{outputs.out}}
	    environment: azureml:env@latest
	    inputs:
	      x: ${{parent.jobs.b.outputs.out}}
	    outputs:
	      out:
	EOT
	test_expect_code 2 mlw job create -f cycle2.yml 2>err &&
	echo "mlw: error: cycle2.yml:7:13: steps form a cycle: a -> b -> c -> a" >expect &&
	test_cmp expect err &&
	nothing_recorded
'

test_expect_success 'a binding to an output the component lacks is an error' '
	cat >dangling.yml <<-\EOT &&
	type: pipeline
	jobs:
	  make:
	    component: ./make.yml
	  use:
	    component: ./use.yml
	    inputs:
	      data: ${{parent.jobs.make.outputs.tabel}}
	EOT
	test_expect_code 2 mlw job create -f dangling.yml 2>err &&
	echo "mlw: error: dangling.yml:8:13: '\''\${{parent.jobs.make.outputs.tabel}}'\'': step '\''make'\'' has no output '\''tabel'\''; its outputs: table, file" >expect &&
	test_cmp expect err &&
	nothing_recorded
'

test_expect_success 'a binding to a step that does not exist is an error' '
	sed "s/jobs.make.outputs.tabel/jobs.maek.outputs.table/" dangling.yml >nostep.yml &&
	test_expect_code 2 mlw job create -f nostep.yml 2>err &&
	test_grep "nostep.yml:8:13: .*unknown step .maek. (did you mean .make.?)" err &&
	nothing_recorded
'

test_expect_success 'an output feeding an input of another type is an error' '
	sed "s/jobs.make.outputs.tabel/jobs.make.outputs.file/" dangling.yml >mismatch.yml &&
	test_expect_code 2 mlw job create -f mismatch.yml 2>err &&
	echo "mlw: error: mismatch.yml:8:13: input '\''data'\'' of step '\''use'\'' takes uri_folder, but output '\''file'\'' of step '\''make'\'' is uri_file" >expect &&
	test_cmp expect err &&
	cat >literal.yml <<-\EOT &&
	type: pipeline
	jobs:
	  make:
	    component: ./make.yml
	  use:
	    component: ./use.yml
	    inputs:
	      data: ${{parent.jobs.make.outputs.table}}
	      n: ${{parent.jobs.make.outputs.table}}
	EOT
	test_expect_code 2 mlw job create -f literal.yml 2>err &&
	test_grep "literal.yml:9:10: input .n. of step .use. takes integer, but output .table. of step .make. is uri_folder" err &&
	nothing_recorded
'

test_expect_success 'a pipeline literal of the wrong type for its input is an error' '
	cat >badlit.yml <<-\EOT &&
	type: pipeline
	inputs:
	  count: lots
	jobs:
	  use:
	    component: ./use.yml
	    inputs:
	      data:
	        type: uri_folder
	        path: .
	      n: ${{parent.inputs.count}}
	EOT
	test_expect_code 2 mlw job create -f badlit.yml 2>err &&
	test_grep "badlit.yml:11:10: input .n. of step .use. is integer input: .lots. is not an integer" err &&
	nothing_recorded
'

test_expect_success 'a literal outside its input'"'"'s min, max or enum is an error' '
	cat >bounded.yml <<-\EOT &&
	$schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json
	name: bounded
	command: echo ${{inputs.n}} ${{inputs.rate}} ${{inputs.mode}}
	environment: azureml:env@latest
	inputs:
	  n:
	    type: integer
	    min: 1
	    max: 5
	    default: 2
	  rate:
	    type: number
	    min: 0.5
	    default: 1
	  mode:
	    type: string
	    enum: [fast, slow]
	    default: fast
	EOT
	cat >bounds.yml <<-\EOT &&
	type: pipeline
	inputs:
	  how: medium
	jobs:
	  a:
	    component: ./bounded.yml
	    inputs:
	      n: 10
	      rate: 0.25
	      mode: ${{parent.inputs.how}}
	  b:
	    component: ./bounded.yml
	    inputs:
	      n: 5
	      rate: 0.5
	      mode: slow
	EOT
	test_expect_code 2 mlw job create -f bounds.yml 2>err &&
	test_grep "bounds.yml:8:10: input .n. of step .a. is at most 5: 10 is not" err &&
	test_grep "bounds.yml:9:13: input .rate. of step .a. is at least 0.5: 0.25 is not" err &&
	test_grep "bounds.yml:10:13: input .mode. of step .a. is one of fast, slow: not .medium." err &&
	test_grep -v "step .b." err &&
	nothing_recorded &&
	mlw job create -f bounds.yml --set jobs.a.inputs.n=1 \
		--set jobs.a.inputs.rate=3 --set inputs.how=fast --dry-run >out
'

test_expect_success 'every problem is reported at once' '
	cat >many.yml <<-\EOT &&
	type: pipeline
	jobs:
	  make:
	    component: ./make.yml
	  one:
	    component: ./use.yml
	    inputs:
	      data: ${{parent.jobs.make.outputs.file}}
	  two:
	    component: ./use.yml
	    inputs:
	      data: ${{parent.jobs.make.outputs.nothing}}
	EOT
	test_expect_code 2 mlw job create -f many.yml 2>err &&
	test_grep "many.yml:8:" err &&
	test_grep "many.yml:12:" err
'

test_expect_success 'steps of types mlw cannot run are refused' '
	cat >automl.yml <<-\EOT &&
	type: pipeline
	jobs:
	  auto:
	    type: automl
	    task: classification
	EOT
	test_expect_code 2 mlw job create -f automl.yml 2>err &&
	test_grep "automl.yml:4:11: step .auto. is an automl step, which mlw cannot run" err &&
	nothing_recorded
'

test_expect_success 'a sweep step sampling an input its trial lacks is refused' '
	cat >sweep.yml <<-\EOT &&
	type: pipeline
	jobs:
	  tune:
	    type: sweep
	    trial: ./use.yml
	    sampling_algorithm: random
	    search_space:
	      m:
	        type: choice
	        values: [1, 2]
	    objective:
	      goal: maximize
	      primary_metric: acc
	    inputs:
	      data:
	        type: uri_folder
	        path: .
	EOT
	test_expect_code 2 mlw job create -f sweep.yml 2>err &&
	test_grep "sweep.yml:8:7: search_space of sweep step .tune. names .m., which is no input of its trial component" err &&
	nothing_recorded
'

test_expect_success 'components mlw cannot find are errors at the reference' '
	cat >missing.yml <<-\EOT &&
	type: pipeline
	jobs:
	  a:
	    component: ./nowhere.yml
	  b:
	    component: azureml:not_registered@latest
	  c:
	    component: azureml://registries/azureml/components/x/versions/1
	EOT
	test_expect_code 2 mlw job create -f missing.yml 2>err &&
	test_grep "missing.yml:4:16: component .\./nowhere.yml.:" err &&
	test_grep "missing.yml:6:16: component .azureml:not_registered@latest. is not registered" err &&
	test_grep "missing.yml:8:16: component .*Azure registry" err &&
	nothing_recorded
'

test_expect_success 'a component of the wrong kind is an error' '
	cat >kind.yml <<-\EOT &&
	type: pipeline
	jobs:
	  a:
	    type: pipeline
	    component: ./make.yml
	EOT
	test_expect_code 2 mlw job create -f kind.yml 2>err &&
	test_grep "kind.yml:5:16: component .\./make.yml. is a command component, not a pipeline component" err
'

test_expect_success 'errors inside a component file point into that file' '
	cat >broken.yml <<-\EOT &&
	$schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json
	name: broken
	comand: echo
	environment: azureml:env@latest
	EOT
	cat >usebroken.yml <<-\EOT &&
	type: pipeline
	jobs:
	  a:
	    component: ./broken.yml
	EOT
	test_expect_code 2 mlw job create -f usebroken.yml 2>err &&
	test_grep "broken.yml:3:1: unknown key .comand." err &&
	nothing_recorded
'

test_expect_success 'validate passes a pipeline create would run' '
	cat >good.yml <<-\EOT &&
	type: pipeline
	jobs:
	  make:
	    component: ./make.yml
	  use:
	    component: ./use.yml
	    inputs:
	      data: ${{parent.jobs.make.outputs.table}}
	EOT
	mlw job create -f good.yml --dry-run >plan &&
	printf "make\nuse\t<- make\n" >expect &&
	test_cmp expect plan
'

test_expect_success 'validate checks the graph as create does' '
	mlw job validate good.yml >out &&
	test_grep "good.yml: valid pipeline job" out &&
	test_expect_code 2 mlw job validate cycle2.yml bounds.yml usebroken.yml \
		good.yml >out 2>err &&
	test_grep "cycle2.yml:7:13: steps form a cycle: a -> b -> c -> a" err &&
	test_grep "bounds.yml:8:10: input .n. of step .a. is at most 5" err &&
	test_grep "broken.yml:3:1: unknown key .comand." err &&
	test_grep "good.yml: valid pipeline job" out &&
	test_expect_code 2 mlw job validate -o json dangling.yml >out.json &&
	test "$(test_json_get out.json "[0][\"valid\"]")" = False &&
	test_grep "dangling.yml" out.json &&
	nothing_recorded
'

test_expect_success 'what only this machine lacks is a warning to validate, an error to create' '
	mlw job validate automl.yml missing.yml >out 2>err &&
	test_grep "warning: automl.yml" err &&
	test_grep "warning: missing.yml:4:16: component .\./nowhere.yml.:" err &&
	test_grep "warning: missing.yml:8:16: component .*Azure registry" err &&
	test_grep -v "error:" err &&
	test_grep "automl.yml: valid pipeline job" out &&
	for f in automl.yml missing.yml
	do
		test_expect_code 2 mlw job create -f $f 2>/dev/null || return 1
	done &&
	nothing_recorded
'

test_expect_success 'a step reading from a step that is wrong is not also unbound' '
	cat >gone.yml <<-\EOT &&
	type: pipeline
	jobs:
	  a:
	    component: ./nowhere.yml
	  use:
	    component: ./use.yml
	    inputs:
	      data: ${{parent.jobs.a.outputs.table}}
	EOT
	test_expect_code 2 mlw job create -f gone.yml 2>err &&
	test_grep "gone.yml:4:16: component .\./nowhere.yml.:" err &&
	test_grep -v "unbound" err &&
	test_expect_code 0 mlw job validate gone.yml 2>err &&
	test_grep -v "unbound" err
'

test_expect_success 'a broken component used by two steps is reported once' '
	cat >twice.yml <<-\EOT &&
	type: pipeline
	jobs:
	  a:
	    component: ./broken.yml
	  b:
	    component: ./broken.yml
	EOT
	test_expect_code 2 mlw job create -f twice.yml 2>err &&
	test $(grep -c "broken.yml:3:1: unknown key .comand." err) = 1 &&
	test_expect_code 2 mlw job validate -o json twice.yml >out.json &&
	test "$(test_json_get out.json "[0][\"errors\"][0][\"path\"]")" = ./broken.yml &&
	test "$(test_json_get out.json "[0][\"errors\"][0][\"line\"]")" = 1 &&
	nothing_recorded
'

test_done

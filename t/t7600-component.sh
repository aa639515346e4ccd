#!/bin/sh
test_description='mlw component: versioned components, their code snapshotted'
. ./test-lib.sh
. "$TEST_DIRECTORY"/lib-pipeline.sh

test_expect_success 'setup' '
	mlw init -q . &&
	git init -q . &&
	mkdir src &&
	echo one >src/v.txt &&
	echo junk >src/junk.tmp &&
	echo "*.tmp" >src/.gitignore &&
	cat >train.yml <<-\EOT &&
	$schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json
	name: copier
	display_name: Copier
	description: copies v.txt
	tags:
	  team: blue
	code: ./src
	command: cat v.txt >${{outputs.o}}/v.txt && ls
	environment: azureml:env@latest
	outputs:
	  o:
	    type: uri_folder
	EOT
	cat >pipe.yml <<-\EOT
	type: pipeline
	jobs:
	  first:
	    component: azureml:copier:1
	  newest:
	    component: azureml:copier@latest
	EOT
'

test_expect_success 'create registers version 1 with its code' '
	mlw component create -f train.yml -o json >c1.json &&
	test "$(test_json_get c1.json "[\"name\"]")" = copier &&
	test "$(test_json_get c1.json "[\"version\"]")" = 1 &&
	test "$(test_json_get c1.json "[\"type\"]")" = command &&
	test "$(test_json_get c1.json "[\"description\"]")" = "copies v.txt" &&
	test "$(test_json_get c1.json "[\"tags\"][\"team\"]")" = blue &&
	mlw ls-tree -r $(test_json_get c1.json "[\"object\"]") >tree &&
	test_grep "code/v.txt" tree &&
	test_grep "component.yml" tree &&
	test_grep -v "junk.tmp" tree
'

test_expect_success 'the same content again changes nothing; new code is version 2' '
	mlw component create -f train.yml -v 1 -o json >again.json 2>err &&
	test_grep "already there with this content" err &&
	echo two >src/v.txt &&
	mlw component create -f train.yml -o json >c2.json &&
	test "$(test_json_get c2.json "[\"version\"]")" = 2 &&
	test_expect_code 2 mlw component create -f train.yml -v 1 2>err &&
	test_grep "version .1. already exists with content" err
'

test_expect_success 'list, show, update, archive, restore' '
	mlw component list -o tsv >list &&
	test_grep "^copier	2	command" list &&
	mlw component list -n copier -o tsv >versions &&
	test $(wc -l <versions) = 2 &&
	test "$(mlw component show copier:1 --query version -o tsv)" = 1 &&
	test "$(mlw component show copier@latest --query version -o tsv)" = 2 &&
	mlw component update copier --set description=newer -o none &&
	test "$(mlw component show copier --query description -o tsv)" = newer &&
	mlw component archive copier:2 &&
	test "$(mlw component show copier@latest --query version -o tsv)" = 1 &&
	mlw component restore copier:2 &&
	test "$(mlw component show copier@latest --query version -o tsv)" = 2
'

test_expect_success 'download restores the spec and the code as registered' '
	mlw component download copier -v 1 -p dl &&
	echo one >expect &&
	test_cmp expect dl/copier/code/v.txt &&
	test_cmp train.yml dl/copier/component.yml
'

test_expect_success 'steps run the code of the version they name' '
	echo three >src/v.txt &&
	mlw -q job create -f pipe.yml --name p1 --wait >/dev/null &&
	mlw job download $(step_field p1 first job) --output-name o -p a &&
	mlw job download $(step_field p1 newest job) --output-name o -p b &&
	echo one >expect && test_cmp expect a/named-outputs/o/v.txt &&
	echo two >expect && test_cmp expect b/named-outputs/o/v.txt
'

test_expect_success 'a new version of a component reruns the steps naming @latest' '
	mlw -q component create -f train.yml -o none &&
	mlw -q job create -f pipe.yml --name p2 --wait >/dev/null &&
	test "$(steps_ran p2)" = newest &&
	mlw job download $(step_field p2 newest job) --output-name o -p c &&
	echo three >expect && test_cmp expect c/named-outputs/o/v.txt
'

test_expect_success 'a pipeline component is registered with its folder' '
	mkdir -p pc/inner &&
	echo hi >pc/inner/msg.txt &&
	cat >pc/inner/say.yml <<-\EOT &&
	$schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json
	name: say
	code: .
	command: cat msg.txt >${{outputs.o}}/m.txt
	environment: azureml:env@latest
	outputs:
	  o:
	    type: uri_folder
	EOT
	cat >pc/group.yml <<-\EOT &&
	$schema: https://azuremlschemas.azureedge.net/latest/pipelineComponent.schema.json
	name: group
	type: pipeline
	outputs:
	  said:
	    type: uri_folder
	jobs:
	  say:
	    component: ./inner/say.yml
	    outputs:
	      o: ${{parent.outputs.said}}
	EOT
	mlw component create -f pc/group.yml -o json >g.json &&
	test "$(test_json_get g.json "[\"type\"]")" = pipeline &&
	echo changed >pc/inner/msg.txt &&
	cat >usegroup.yml <<-\EOT &&
	type: pipeline
	jobs:
	  g:
	    type: pipeline
	    component: azureml:group@latest
	EOT
	mlw -q job create -f usegroup.yml --name g1 --wait >/dev/null &&
	mlw job download $(step_field g1 g/say job) --output-name o -p said &&
	echo hi >expect &&
	test_cmp expect said/named-outputs/o/m.txt
'

test_expect_success 'a pipeline component'"'"'s graph is checked before it is registered' '
	cat >pc/inner/echo.yml <<-\EOT &&
	$schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json
	name: echo
	command: echo ${{inputs.w}} >${{outputs.o}}/w.txt
	environment: azureml:env@latest
	inputs:
	  w:
	    type: string
	  d:
	    type: uri_folder
	    optional: true
	outputs:
	  o:
	    type: uri_folder
	EOT
	cat >pc/loop.yml <<-\EOT &&
	$schema: https://azuremlschemas.azureedge.net/latest/pipelineComponent.schema.json
	name: loop
	type: pipeline
	jobs:
	  a:
	    component: ./inner/echo.yml
	    inputs:
	      w: x
	      d: ${{parent.jobs.b.outputs.o}}
	  b:
	    component: ./inner/echo.yml
	    inputs:
	      w: y
	      d: ${{parent.jobs.a.outputs.o}}
	EOT
	test_expect_code 2 mlw component validate pc/loop.yml 2>err &&
	test_grep "loop.yml:.*steps form a cycle" err &&
	test_expect_code 2 mlw component create -f pc/loop.yml 2>err &&
	test_grep "loop.yml:.*steps form a cycle" err &&
	test_expect_code 3 mlw component show loop &&
	cat >pc/ask.yml <<-\EOT &&
	$schema: https://azuremlschemas.azureedge.net/latest/pipelineComponent.schema.json
	name: ask
	type: pipeline
	inputs:
	  word:
	    type: string
	jobs:
	  say:
	    component: ./inner/echo.yml
	    inputs:
	      w: ${{parent.inputs.word}}
	  again:
	    component: ./inner/echo.yml
	    inputs:
	      w: ${{parent.inputs.nope}}
	EOT
	test_expect_code 2 mlw component create -f pc/ask.yml 2>err &&
	test_grep "ask.yml:15:10: .\${{parent.inputs.nope}}. refers to an unknown pipeline input" err &&
	sed -i "s/inputs.nope/inputs.word/" pc/ask.yml &&
	mlw component validate pc/ask.yml &&
	mlw -q component create -f pc/ask.yml -o none
'

test_expect_success 'a command component for a pipeline step is refused' '
	cat >wrong.yml <<-\EOT &&
	type: pipeline
	jobs:
	  g:
	    type: pipeline
	    component: azureml:copier@latest
	EOT
	test_expect_code 2 mlw job create -f wrong.yml 2>err &&
	test_grep "wrong.yml:5:16: component .copier. version .3. is not a pipeline component" err
'

test_expect_success 'create refuses a spec with errors and records nothing' '
	sed "s/^command:/comand:/" train.yml >bad.yml &&
	test_expect_code 2 mlw component create -f bad.yml 2>err &&
	test_grep "bad.yml:8:1: unknown key .comand." err &&
	test $(mlw component list -n copier -o tsv | wc -l) = 3
'

test_expect_success 'validate checks command and pipeline components, records nothing' '
	mlw component list --include-archived -o tsv >before &&
	mlw component validate train.yml pc/group.yml >out &&
	test_grep "train.yml: valid command component" out &&
	test_grep "pc/group.yml: valid pipeline component" out &&
	test_expect_code 2 mlw component validate bad.yml 2>err &&
	test_grep "bad.yml:8:1: unknown key .comand." err &&
	mlw component list --include-archived -o tsv >after &&
	test_cmp before after
'

test_expect_success 'unknown names and versions are not found' '
	test_expect_code 3 mlw component show nope 2>err &&
	test_grep "component .nope. not found" err &&
	test_expect_code 3 mlw component show nope@latest &&
	test_expect_code 3 mlw component show copier:99 2>err &&
	test_grep "component .copier. has no version .99." err &&
	test_expect_code 3 mlw component download copier:99 -p nowhere &&
	! test -e nowhere
'

test_expect_success 'a version is immutable: update changes only description and tags' '
	mlw component show copier:1 -o json >v1.json &&
	test_expect_code 2 mlw component update copier:1 --set command=ls 2>err &&
	test_grep "content is immutable" err &&
	mlw component update copier:1 --set tags.stage=prod -o none &&
	mlw component show copier:1 -o json >v1b.json &&
	test "$(test_json_get v1b.json "[\"tags\"][\"stage\"]")" = prod &&
	test "$(test_json_get v1b.json "[\"object\"]")" = \
	     "$(test_json_get v1.json "[\"object\"]")"
'

test_expect_success 'list hides archived components unless asked' '
	mlw component archive copier &&
	mlw component list -o tsv >list &&
	test_grep -v "^copier	" list &&
	mlw component list --archived-only -o tsv >list &&
	test_grep "^copier	" list &&
	test_grep -v "^group	" list &&
	mlw component list --include-archived -o tsv >list &&
	test_grep "^copier	" list &&
	test_grep "^group	" list &&
	mlw component restore copier &&
	mlw component list -o tsv >list &&
	test_grep "^copier	" list
'

test_expect_success 'the registered code outlives gc --prune=now' '
	mlw gc --prune=now &&
	mlw fsck &&
	mlw component download copier:1 -p after-gc &&
	echo one >expect &&
	test_cmp expect after-gc/copier/code/v.txt
'

test_expect_success 'bad names and versions are refused before anything is written' '
	mlw component list -n copier -o tsv >before &&
	test_expect_code 2 mlw component create -f train.yml -n bad/name 2>err &&
	test_grep "invalid component name" err &&
	test_expect_code 2 mlw component create -f train.yml -v "1 2" 2>err &&
	test_grep "invalid version" err &&
	test_expect_code 2 mlw component create -f train.yml -v ../x &&
	mlw component list -n copier -o tsv >after &&
	test_cmp before after
'

test_expect_success 'a registered component takes the place of a built-in one' '
	sed -e "s/^name: copier/name: mlw_split/" train.yml >mine.yml &&
	mlw -q component create -f mine.yml -o none &&
	cat >usesplit.yml <<-\EOT &&
	type: pipeline
	jobs:
	  s:
	    component: azureml:mlw_split@latest
	EOT
	mlw -q job create -f usesplit.yml --name s1 --wait >/dev/null &&
	test "$(step_field s1 s status)" = Completed
'

test_done

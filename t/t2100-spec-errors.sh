#!/bin/sh
test_description='spec errors: every problem, with its position and a hint'
. ./test-lib.sh

specs=$TEST_DIRECTORY/data/specs

test_expect_success 'a misspelled key: position and suggestion' '
	test_expect_code 2 mlw job validate -f "$specs/bad-command-job.yml" 2>err &&
	test_grep "bad-command-job.yml:2:1: unknown key .comand. in a command job (did you mean .command.?)" err
'

test_expect_success 'all errors of a file are reported at once, in order' '
	grep "error:" err >errors &&
	test $(wc -l <errors) = 4 &&
	test_grep "bad-command-job.yml:1:1: missing required key .command." errors &&
	test_grep ":8:11: .inputs.data.type. must be one of: uri_file, uri_folder, mltable" errors &&
	test_grep "did you mean .uri_folder.?" errors &&
	test_grep ":11:19: .resources.instance_count. must be an integer, not a string .many." errors &&
	cut -d: -f4,5 errors >positions &&
	sort -t: -k1,1n -k2,2n positions >sorted &&
	test_cmp sorted positions
'

test_expect_success 'a missing local path is a warning, not an error' '
	test_grep "warning: .*bad-command-job.yml:9:11: input path ../data. does not exist" err
'

test_expect_success 'unknown ${{inputs.x}}, and parent.* outside a pipeline' '
	test_expect_code 2 mlw job validate "$specs/bad-refs.yml" 2>err &&
	test_grep "bad-refs.yml:1:10: .\${{inputs.nope}}. refers to an unknown input .nope.; known inputs: lr" err &&
	test_grep "parent.inputs.y}}. is only valid in a pipeline step" err &&
	test $(grep -c "error:" err) = 2
'

test_expect_success 'grid sampling with a uniform distribution' '
	test_expect_code 2 mlw job validate "$specs/grid-uniform.yml" 2>err &&
	test_grep "grid-uniform.yml:5:5: grid sampling does not support uniform distributions (.lr.); it allows only choice" err &&
	test_grep "grid-uniform.yml:12:9: .objective.goal. must be one of: maximize, minimize (got .maximise.); did you mean .maximize.?" err &&
	test_grep "grid-uniform.yml:15:54: .\${{search_space.dpeth}}. refers to an unknown search_space entry .dpeth. (did you mean .depth.?)" err
'

test_expect_success 'bayesian allows choice/uniform/quniform, not normal' '
	cat >bayes.yml <<-\EOF &&
	type: sweep
	sampling_algorithm: {type: bayesian}
	search_space:
	  a: {type: quniform, min_value: 1, max_value: 5, q: 1}
	  b: {type: normal, mu: 0, sigma: 1}
	objective: {goal: minimize, primary_metric: loss}
	trial: {command: "echo ${{search_space.a}}", environment: {image: python}}
	EOF
	test_expect_code 2 mlw job validate bayes.yml 2>err &&
	test_grep "bayes.yml:5:6: bayesian sampling does not support normal distributions (.b.); it allows only choice, uniform and quniform" err &&
	test $(grep -c "error:" err) = 1
'

test_expect_success 'a search-space distribution missing its parameters' '
	cat >dist.yml <<-\EOF &&
	type: sweep
	sampling_algorithm: random
	search_space:
	  lr: {type: loguniform, min_value: -6}
	  c: {type: chioce, values: [1]}
	objective: {goal: minimize, primary_metric: loss}
	trial: {command: "echo ${{search_space.lr}}", environment: azureml:e:1}
	EOF
	test_expect_code 2 mlw job validate dist.yml 2>err &&
	test_grep "dist.yml:4:7: missing required key .max_value. in a uniform distribution" err &&
	test_grep "dist.yml:5:13: .search_space.c.type. must be one of: choice, randint, uniform" err &&
	test_grep "did you mean .choice.?" err
'

test_expect_success 'union: the alternative the user meant, not a wall' '
	cat >env.yml <<-\EOF &&
	command: echo hi
	environment:
	  imag: python
	EOF
	test_expect_code 2 mlw job validate env.yml 2>err &&
	test_grep "env.yml:3:3: unknown key .imag. in an environment (did you mean .image.?)" err &&
	test $(grep -c "error:" err) = 1 &&
	cat >env2.yml <<-\EOF &&
	command: echo hi
	environment: [python]
	EOF
	test_expect_code 2 mlw job validate env2.yml 2>err &&
	test_grep "env2.yml:2:14: .environment. must be an environment reference or an environment, not a sequence" err
'

test_expect_success 'component: defaults coerce to the declared type' '
	cat >comp.yml <<-\EOF &&
	name: c
	type: command
	inputs:
	  tol: {type: number, default: 1e-3}
	  n: {type: integer, default: 2.5}
	  flag: {type: boolean, default: True}
	  s: {type: string, min: 1}
	command: echo ${{inputs.tol}} ${{inputs.n}} ${{inputs.flag}} ${{inputs.s}}
	environment: {image: python}
	EOF
	test_expect_code 2 mlw component validate comp.yml 2>err &&
	test_grep "comp.yml:5:31: default of integer input .n. must be an integer, not .2.5." err &&
	test_grep "comp.yml:7:26: min and max apply to integer and number inputs" err &&
	test $(grep -c "error:" err) = 2
'

test_expect_success 'optional input outside $[[ ]] is a warning; inside is fine' '
	cat >opt.yml <<-\EOF &&
	name: c
	inputs:
	  a: {type: integer, optional: true}
	  b: {type: integer, optional: true}
	command: echo $[[--a ${{inputs.a}}]] ${{inputs.b}}
	environment: {image: python}
	EOF
	mlw component validate opt.yml 2>err &&
	test_grep "warning: opt.yml:5:38: optional input .b. used outside" err &&
	test $(grep -c "warning:" err) = 1
'

test_expect_success 'pipeline: parent bindings and step outputs are checked' '
	cat >pipe.yml <<-\EOF &&
	type: pipeline
	inputs:
	  n: 3
	jobs:
	  a:
	    command: echo ${{inputs.x}} > ${{outputs.o}}/f
	    environment: {image: python}
	    inputs:
	      x: ${{parent.inputs.n}}
	    outputs:
	      o:
	  b:
	    command: cat ${{inputs.y}}
	    environment: {image: python}
	    inputs:
	      y: ${{parent.jobs.a.outputs.oo}}
	      z: ${{parent.inputs.m}}
	      w: ${{inputs.n}}
	  c:
	    command: echo
	    environment: {image: python}
	    inputs:
	      v: ${{parent.jobs.nosuch.outputs.o}}
	EOF
	test_expect_code 2 mlw job validate pipe.yml 2>err &&
	test_grep "pipe.yml:16:10: .\${{parent.jobs.a.outputs.oo}}. refers to an unknown step output .oo. (did you mean .o.?)" err &&
	test_grep "pipe.yml:17:10: .\${{parent.inputs.m}}. refers to an unknown pipeline input .m." err &&
	test_grep "pipe.yml:18:10: .\${{inputs.n}}. in a step.s inputs/outputs: bind to the pipeline with .\${{parent.inputs.n}}." err &&
	test_grep "pipe.yml:23:10: .\${{parent.jobs.nosuch.outputs.o}}. refers to an unknown step .nosuch." err &&
	test $(grep -c "error:" err) = 4
'

test_expect_success 'legacy {search_space.x} is accepted with a warning' '
	cat >legacy.yml <<-\EOF &&
	type: sweep
	sampling_algorithm: random
	search_space: {lr: {type: uniform, min_value: 0, max_value: 1}}
	objective: {goal: minimize, primary_metric: loss}
	trial: {command: "python t.py --lr {search_space.lr}", environment: {image: p}}
	EOF
	mlw job validate legacy.yml 2>err &&
	test_grep "warning: legacy.yml:5:36: legacy reference .{search_space.lr}.; write .\${{search_space.lr}}." err
'

test_expect_success 'a spec of the wrong kind names both' '
	cat >model.yml <<-\EOF &&
	$schema: https://azuremlschemas.azureedge.net/latest/model.schema.json
	name: m
	path: .
	EOF
	test_expect_code 2 mlw job validate model.yml 2>err &&
	test_grep "model.yml:1:10: this is a model spec (model), not a job spec; use .mlw model." err
'

test_expect_success 'an unsupported $schema kind is an error' '
	printf "\$schema: https://azuremlschemas.azureedge.net/latest/workspace.schema.json\nname: c\n" >ws.yml &&
	test_expect_code 2 mlw job validate ws.yml 2>err &&
	test_grep "ws.yml:1:10: unsupported spec kind .https://.*workspace.schema.json. in \$schema" err
'

test_expect_success '$schema in a yaml-language-server comment sets the kind' '
	cat >comment.yml <<-\EOF &&
	# yaml-language-server: $schema=http://azureml/sdk-2-0/CommandComponent.json
	name: c
	command: echo
	environment: {image: python}
	EOF
	mlw component validate -o json comment.yml >out &&
	test "$(test_json_get out "[0][\"kind\"]")" = commandComponent
'

test_expect_success 'YAML syntax errors give the position' '
	printf "command: echo\nenvironment: {image: python\ninputs: 1\n" >syntax.yml &&
	test_expect_code 2 mlw job validate syntax.yml 2>err &&
	test_grep "syntax.yml:3:7: YAML syntax error: did not find expected .,. or .}." err
'

test_expect_success 'duplicate keys are an error at the second one' '
	printf "command: a\nenvironment: {image: p}\ncommand: b\n" >dup.yml &&
	test_expect_code 2 mlw job validate dup.yml 2>err &&
	test_grep "dup.yml:3:1: duplicate key .command. (first at line 1)" err
'

test_expect_success 'an empty file, and a comments-only file' '
	: >empty.yml &&
	test_expect_code 2 mlw job validate empty.yml 2>err &&
	test_grep "empty.yml:1:1: empty document" err &&
	printf "# nothing here\n" >comments.yml &&
	test_expect_code 2 mlw job validate comments.yml 2>err &&
	test_grep "comments.yml:1:1: empty document" err
'

test_expect_success 'non-UTF-8 bytes are reported where they are' '
	printf "command: echo\nenvironment: {image: caf\351}\n" >latin1.yml &&
	test_expect_code 2 mlw job validate latin1.yml 2>err &&
	test_grep "latin1.yml:2:25: invalid UTF-8 (byte 0xe9)" err
'

test_expect_success 'an alias bomb is refused quickly' '
	{
		echo "a: &a [x, x, x, x, x, x, x, x, x, x]" &&
		prev=a &&
		for l in b c d e f g h i; do
			printf "%s: &%s [" $l $l &&
			for k in 1 2 3 4 5 6 7 8 9; do printf "*%s, " $prev; done &&
			printf "*%s]\n" $prev &&
			prev=$l || return 1
		done
	} >bomb.yml &&
	start=$(date +%s) &&
	test_expect_code 2 mlw job validate bomb.yml 2>err &&
	test $(( $(date +%s) - start )) -lt 3 &&
	test_grep "bomb.yml:[0-9]*:[0-9]*: document expands to more than 1048576 nodes (alias bomb?)" err
'

test_expect_success 'aliases within the budget work' '
	cat >alias.yml <<-\EOF &&
	command: echo
	environment: &env {image: python}
	tags: &t {a: b}
	properties: *t
	EOF
	mlw job validate alias.yml
'

test_expect_success 'nesting too deep is refused' '
	{ printf "command: echo\nenvironment: {image: p}\ntags: " &&
	  i=0 && while test $i -lt 70; do printf "["; i=$((i + 1)); done &&
	  echo; } >deep.yml &&
	test_expect_code 2 mlw job validate deep.yml 2>err &&
	test_grep "deep.yml:3:[0-9]*: nesting deeper than 64 levels" err
'

test_expect_success 'an oversize document is refused before it is read' '
	truncate -s 1G huge.yml &&
	start=$(date +%s) &&
	test_expect_code 2 mlw job validate huge.yml 2>err &&
	test $(( $(date +%s) - start )) -lt 2 &&
	test_grep "huge.yml:1:1: document larger than 16 MiB" err
'

test_expect_success 'a missing file exits 3' '
	test_expect_code 3 mlw job validate nosuch.yml 2>err &&
	test_grep "cannot open .nosuch.yml." err
'

test_expect_success 'more than 20 errors: the first 20 and a count' '
	{ echo "command: echo" && echo "environment: {image: p}" &&
	  i=0 && while test $i -lt 25; do echo "bad$i: 1"; i=$((i + 1)); done; } >many.yml &&
	test_expect_code 2 mlw job validate many.yml 2>err &&
	test $(grep -c "unknown key" err) = 20 &&
	test_grep "many.yml: 5 more errors not shown" err
'

test_expect_success '--set overrides are applied before validation' '
	cat >set.yml <<-\EOF &&
	command: echo ${{inputs.n}}
	environment: {image: python}
	inputs:
	  n: 1
	resources:
	  instance_count: many
	EOF
	test_expect_code 2 mlw job validate set.yml &&
	mlw job validate set.yml --set resources.instance_count=2 &&
	mlw job validate set.yml --set resources.instance_count=2 inputs.n=5 &&
	mlw job validate set.yml --set "tags={a: b}" --set resources.instance_count=2 &&
	mlw job validate set.yml --set "distribution.type=mpi" \
		distribution.process_count_per_instance=2 resources.instance_count=1
'

test_expect_success 'an invalid --set value names the override' '
	test_expect_code 2 mlw job validate set.yml --set resources.instance_count=lots 2>err &&
	test_grep "error: set.yml: --set .resources.instance_count=lots.: .resources.instance_count. must be an integer, not a string .lots." err &&
	test_expect_code 2 mlw job validate set.yml --set command.x=1 2>err &&
	test_grep "error: set.yml: --set .command.x=1.: cannot set .command.x.: its parent is a string, not a mapping" err &&
	test_expect_code 2 mlw job validate set.yml --set "a..b=1" 2>err &&
	test_grep "malformed path .a..b." err &&
	test_expect_code 2 mlw job validate set.yml --set resources.instance_count=2 --set comand=x 2>err &&
	test_grep "error: set.yml: --set .comand=x.: unknown key .comand. in a command job (did you mean .command.?)" err
'

test_expect_success '--set indexes into sequences' '
	cat >seq.yml <<-\EOF &&
	paths:
	  - file: ./a.csv
	EOF
	cp seq.yml MLTable &&
	mlw -q validate-spec --set "paths[1].folder=./d" MLTable &&
	test_expect_code 2 mlw validate-spec --set "paths[5].file=x" MLTable 2>err &&
	test_grep "index 5 is past the end (1 items)" err
'

test_expect_success '-o json reports each file with positions' '
	test_expect_code 2 mlw job validate -o json "$specs/grid-uniform.yml" alias.yml >out &&
	test "$(test_json_get out "[0][\"valid\"]")" = False &&
	test "$(test_json_get out "[0][\"kind\"]")" = sweepJob &&
	test "$(test_json_get out "[0][\"errors\"][0][\"line\"]")" = 5 &&
	test "$(test_json_get out "[0][\"errors\"][0][\"column\"]")" = 5 &&
	test "$(test_json_get out "[1][\"valid\"]")" = True &&
	test "$(test_json_get out "[1][\"kind\"]")" = commandJob
'

test_expect_success 'valid files print their kind' '
	mlw job validate alias.yml >out &&
	echo "alias.yml: valid command job" >expect &&
	test_cmp expect out
'

test_expect_success 'a folder given as a spec file says so, exit 2' '
	mkdir -p adir &&
	test_expect_code 2 mlw data validate adir 2>err &&
	echo "mlw: error: '"'"'adir'"'"' is a folder, not a spec file" >expect &&
	test_cmp expect err
'

test_expect_success 'each -f file gets its own error, not the one before' '
	printf "name: [\n" >broken.yml &&
	test_expect_code 2 mlw data validate -f broken.yml -f adir -f none.yml 2>err &&
	test_grep "broken.yml:2:1: YAML syntax error" err &&
	test_grep "^mlw: error: .adir. is a folder, not a spec file$" err &&
	test_grep "cannot open .none.yml." err &&
	test $(grep -c "YAML syntax" err) = 1
'

# versions: az's VersionField takes strings, and ints and floats it turns
# into text as Python's str() does; anything else is an error here
while read value want; do
	test_expect_success "version: $value registers as $want" '
		mkdir -p vdata && echo 1 >vdata/a &&
		{ test -d .mlw || mlw init -q; } &&
		printf "name: v\nversion: %s\npath: vdata\n" "$value" >v.yml &&
		mlw data create -f v.yml -o tsv >out &&
		cut -f2 out >got &&
		echo "$want" >expect &&
		test_cmp expect got
	'
done <<-\VERSIONS
1.50 1.5
2.0 2.0
0x10 16
"007" 007
7 7
v1.2-beta v1.2-beta
VERSIONS

while read value what; do
	test_expect_success "version: $value is refused at its position" '
		printf "name: w\nversion: %s\npath: vdata\n" "$value" >v.yml &&
		test_expect_code 2 mlw data validate v.yml 2>err &&
		test_grep "v.yml:2:10: .version. must be a string or a number, not $what" err &&
		test_expect_code 2 mlw data create -f v.yml 2>err &&
		test_expect_code 3 mlw data show w
	'
done <<-\VERSIONS
true a.boolean
null null
~ null
VERSIONS

test_expect_success 'version: with no value is refused, not the next integer' '
	printf "name: v\nversion:\npath: vdata\n" >v.yml &&
	test_expect_code 2 mlw model validate v.yml 2>err &&
	test_grep "v.yml:2:9: .version. must be a string or a number, not null$" err
'

test_expect_success 'an unknown search_space name lists the known entries' '
	cat >entries.yml <<-\EOF &&
	type: sweep
	sampling_algorithm: random
	search_space:
	  a: {type: choice, values: [1]}
	  b: {type: choice, values: [2]}
	objective: {goal: minimize, primary_metric: loss}
	trial: {command: "echo ${{search_space.zz}}", environment: {image: python}}
	EOF
	test_expect_code 2 mlw job validate entries.yml 2>err &&
	test_grep "known search_space entries: a, b$" err
'

test_done

#!/bin/sh
test_description='mlw env create -f: image, conda_file, build context, environment_variables, inference_config'
. ./test-lib.sh

snapshot_state () {
	mlw env list --include-archived -o tsv >state.list &&
	find .mlw/objects -type f | sort >state.objects
}

unchanged_state () {
	mlw env list --include-archived -o tsv >now.list &&
	find .mlw/objects -type f | sort >now.objects &&
	test_cmp state.list now.list &&
	test_cmp state.objects now.objects &&
	mlw fsck >/dev/null
}

test_expect_success 'setup' '
	mlw init -q &&
	mkdir -p envs/conda envs/ctx/sub &&
	printf "name: pydata\ndependencies:\n  - python=3.11\n" >envs/conda/py.yml &&
	printf "FROM python:3.11-slim\n" >envs/ctx/Dockerfile.gpu &&
	echo req >envs/ctx/sub/requirements.txt &&
	cat >envs/image.yml <<-\YML &&
	$schema: https://azuremlschemas.azureedge.net/latest/environment.schema.json
	name: sk
	image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04
	conda_file: conda/py.yml
	description: image plus conda
	tags:
	  team: ml
	environment_variables:
	  OMP_NUM_THREADS: 4
	  MODE: fast
	inference_config:
	  liveness_route:
	    path: /ok
	    port: 5001
	  readiness_route:
	    path: /ready
	    port: 5001
	  scoring_route:
	    path: /score
	    port: 5001
	YML
	cat >envs/build.yml <<-\YML &&
	name: built
	build:
	  path: ctx
	  dockerfile_path: Dockerfile.gpu
	YML
	cat >envs/inline.yml <<-\YML
	name: inline
	image: python:3.11-slim
	conda_file:
	  name: inline-env
	  channels: [conda-forge]
	  dependencies:
	    - python=3.11
	    - pip:
	      - "numpy==1.26"
	      - "scikit-learn>=1.3"
	YML
'

test_expect_success 'image, conda file, env vars, inference_config: recorded and shown' '
	mlw env create -f envs/image.yml >out.json 2>err &&
	test_grep "image is recorded" err &&
	test "$(test_json_get out.json "[\"image\"]")" = mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04 &&
	test_json_get out.json "[\"conda_file\"]" >conda &&
	printf "name: pydata\ndependencies:\n  - python=3.11\n\n" >expect &&
	test_cmp expect conda &&
	test "$(test_json_get out.json "[\"conda_file_object\"]")" = \
		"$(sha256sum envs/conda/py.yml | cut -d" " -f1)" &&
	test "$(test_json_get out.json "[\"environment_variables\"]")" = \
		"{\"MODE\": \"fast\", \"OMP_NUM_THREADS\": \"4\"}" &&
	test "$(test_json_get out.json "[\"inference_config\"][\"scoring_route\"]")" = \
		"{\"path\": \"/score\", \"port\": 5001}" &&
	test "$(test_json_get out.json "[\"inference_config\"][\"liveness_route\"][\"path\"]")" = /ok &&
	test "$(test_json_get out.json "[\"tags\"][\"team\"]")" = ml &&
	test "$(test_json_get out.json "[\"description\"]")" = "image plus conda" &&
	mlw env show sk -o json >show.json &&
	test_json_eq out.json show.json
'

test_expect_success 'build.path is snapshotted with its dockerfile_path' '
	mlw -q env create -f envs/build.yml >out.json &&
	test "$(test_json_get out.json "[\"build_context\"]")" = "$(mlw write-tree envs/ctx)" &&
	test "$(test_json_get out.json "[\"dockerfile_path\"]")" = Dockerfile.gpu &&
	test "$(test_json_get out.json "[\"build_context_path\"]")" = "$PWD/envs/ctx" &&
	test "$(test_json_get out.json "[\"image\"]")" = None
'

test_expect_success 'an inline conda file is stored as YAML that reads back the same' '
	mlw -q env create -f envs/inline.yml >out.json &&
	test_json_get out.json "[\"conda_file\"]" >conda.yml &&
	/usr/bin/python3 -c "
import yaml, sys
a = yaml.safe_load(open(\"conda.yml\"))
b = yaml.safe_load(open(\"envs/inline.yml\"))[\"conda_file\"]
assert a == b, (a, b)
" &&
	obj=$(test_json_get out.json "[\"conda_file_object\"]") &&
	mlw cat-object -p $obj >stored && test_grep "scikit-learn>=1.3" stored
'

test_expect_success 'flags and --set override the spec' '
	mlw -q env create -f envs/image.yml -v 5 -i python:3.12-slim \
		-c envs/conda/py.yml --tags a=b \
		--set environment_variables.MODE=slow >out.json &&
	test "$(test_json_get out.json "[\"version\"]")" = 5 &&
	test "$(test_json_get out.json "[\"image\"]")" = python:3.12-slim &&
	test "$(test_json_get out.json "[\"tags\"]")" = "{\"a\": \"b\"}" &&
	test "$(test_json_get out.json "[\"environment_variables\"][\"MODE\"]")" = slow &&
	mlw -q env create -n setonly -i python:3.11 --set inference_config.scoring_route.port=8080 \
		>out.json &&
	test "$(test_json_get out.json "[\"inference_config\"]")" = "{\"scoring_route\": {\"port\": 8080}}"
'

test_expect_success 'spec errors carry positions and change nothing' '
	snapshot_state &&
	printf "name: e\nimage: x\ninference_config:\n  scoring_route:\n    port: high\n" >bad.yml &&
	test_expect_code 2 mlw env create -f bad.yml 2>err &&
	test_grep "bad.yml:5:11: " err &&
	printf "name: e\nconda_file: c.yml\n" >noimage.yml &&
	test_expect_code 2 mlw env create -f noimage.yml 2>err &&
	test_grep "noimage.yml:1:1: an environment needs .image. or .build." err &&
	printf "name: e\nimage: x\nconda_file: nothere.yml\n" >envs/gone.yml &&
	test_expect_code 3 mlw env create -f envs/gone.yml 2>err &&
	test_grep "envs/gone.yml:3:13: conda file .*nothere.yml. does not exist" err &&
	printf "name: e\nbuild:\n  path: conda\n" >envs/nodocker.yml &&
	test_expect_code 2 mlw env create -f envs/nodocker.yml 2>err &&
	test_grep "nodocker.yml:3:9: build context .* has no .Dockerfile." err &&
	test_expect_code 2 mlw env create -f envs/image.yml -b envs/ctx 2>err &&
	test_grep "not both" err &&
	printf "\$schema: https://azuremlschemas.azureedge.net/latest/data.schema.json\nname: d\npath: x\n" >data.yml &&
	test_expect_code 2 mlw env create -f data.yml 2>err &&
	test_grep "not an env spec" err &&
	unchanged_state
'

test_expect_success 'validate' '
	mlw env validate -f envs/image.yml -f envs/build.yml >out &&
	test $(grep -c "valid environment" out) = 2 &&
	test_expect_code 2 mlw env validate bad.yml 2>err &&
	test_grep "bad.yml:5:11" err
'

test_expect_success PYTHON 'every json field of an environment is documented in mlw-env(1)' '
	mlw env list -o json >all.json &&
	/usr/bin/python3 - all.json >keys <<-\PY &&
	import json, sys
	keys = set()
	for a in json.load(open(sys.argv[1])):
	    keys.update(a)
	    for r in (a["inference_config"] or {}).items():
	        keys.add(r[0])
	        keys.update(r[1])
	print("\n".join(sorted(keys)))
	PY
	test_grep "^scoring_route$" keys &&
	for k in $(cat keys); do
		grep -E -e "^\.B[R]? $k( ,)?\$" "$MLW_BUILD_DIR/man/mlw-env.1" >/dev/null ||
		{ echo "mlw-env.1 does not document $k"; return 1; }
	done
'

test_expect_success CORPUS 'corpus environment specs' '
	corpus=$SHARED_DIRECTORY/corpus &&
	awk -F"	" "\$3 == \"environment\" { print \$1 }" "$corpus/MANIFEST.tsv" >specs.list &&
	test $(wc -l <specs.list) -ge 2 &&
	while read f; do
		dir=$(dirname "$corpus/$f") &&
		if grep -q "^  path:" "$corpus/$f" && ! test -f "$dir/Dockerfile"; then
			# a build context whose Dockerfile is not in the corpus
			test_expect_code 2 mlw env create -f "$corpus/$f" 2>err &&
			test_grep "has no .Dockerfile." err
		else
			mlw -q env create -f "$corpus/$f" >out.json &&
			c=$(sed -n "s/^conda_file: *//p" "$corpus/$f") &&
			if test -n "$c"; then
				test "$(test_json_get out.json "[\"conda_file_object\"]")" = \
					"$(sha256sum "$dir/$c" | cut -d" " -f1)"
			fi
		fi || { echo "FAIL: $f"; return 1; }
	done <specs.list &&
	mlw fsck >/dev/null
'

test_done

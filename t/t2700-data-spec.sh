#!/bin/sh
test_description='mlw data create -f and validate: az ml data specs, overrides, errors with positions'
. ./test-lib.sh

# the state a failed create must leave untouched
snapshot_state () {
	mlw data list --include-archived -o tsv >state.list &&
	find .mlw/objects -type f | sort >state.objects
}

unchanged_state () {
	mlw data list --include-archived -o tsv >now.list &&
	find .mlw/objects -type f | sort >now.objects &&
	test_cmp state.list now.list &&
	test_cmp state.objects now.objects &&
	mlw fsck >/dev/null
}

test_expect_success 'setup' '
	mlw init -q &&
	mkdir -p specs/data/sub other &&
	printf "a,b\n1,2\n" >specs/data/t.csv &&
	echo n >specs/data/sub/n.txt &&
	printf "x\n" >other/o.csv &&
	cat >specs/file.yml <<-\YML &&
	$schema: https://azuremlschemas.azureedge.net/latest/data.schema.json
	name: titanic
	description: from a spec
	type: uri_file
	path: data/t.csv
	tags:
	  source: kaggle
	  stage: raw
	YML
	cat >specs/folder.yml <<-\YML &&
	name: folder
	version: 7
	path: ./data
	YML
	cat >specs/remote.yml <<-\YML &&
	name: remote
	type: uri_folder
	path: wasbs://account.blob.core.windows.net/container/example-data/
	YML
	cat >specs/model.yml <<-\YML
	$schema: https://azuremlschemas.azureedge.net/latest/model.schema.json
	name: m
	path: data
	YML
'

test_expect_success 'create -f: paths are relative to the spec file' '
	mlw data create -f specs/file.yml >out.json &&
	test "$(test_json_get out.json "[\"name\"]")" = titanic &&
	test "$(test_json_get out.json "[\"version\"]")" = 1 &&
	test "$(test_json_get out.json "[\"type\"]")" = uri_file &&
	test "$(test_json_get out.json "[\"object\"]")" = \
		"$(sha256sum specs/data/t.csv | cut -d" " -f1)" &&
	test "$(test_json_get out.json "[\"path\"]")" = "$PWD/specs/data/t.csv" &&
	test "$(test_json_get out.json "[\"description\"]")" = "from a spec" &&
	test "$(test_json_get out.json "[\"tags\"][\"stage\"]")" = raw &&
	(cd specs/data && mlw data create -f ../folder.yml) >out.json &&
	test "$(test_json_get out.json "[\"version\"]")" = 7 &&
	test "$(test_json_get out.json "[\"type\"]")" = uri_folder &&
	test "$(test_json_get out.json "[\"object\"]")" = "$(mlw write-tree specs/data)" &&
	mlw fsck >/dev/null
'

test_expect_success 'a remote path is recorded as a reference, not fetched' '
	mlw data create -f specs/remote.yml >out.json 2>err &&
	test "$(test_json_get out.json "[\"reference\"]")" = \
		wasbs://account.blob.core.windows.net/container/example-data/ &&
	test "$(test_json_get out.json "[\"object\"]")" = None &&
	test_grep "recorded as a reference" err
'

test_expect_success 'flags override the file as az ml does' '
	mlw data create -f specs/file.yml -n titanic2 -v 3 -d "flag text" \
		--tags only=this -p other/o.csv >out.json &&
	test "$(test_json_get out.json "[\"name\"]")" = titanic2 &&
	test "$(test_json_get out.json "[\"version\"]")" = 3 &&
	test "$(test_json_get out.json "[\"description\"]")" = "flag text" &&
	test "$(test_json_get out.json "[\"tags\"]")" = "{\"only\": \"this\"}" &&
	test "$(test_json_get out.json "[\"object\"]")" = \
		"$(sha256sum other/o.csv | cut -d" " -f1)"
'

test_expect_success '--set applies before validation; several after one --set' '
	test_expect_code 2 mlw data create -f specs/file.yml \
		--set "description=set: text" 2>err &&
	test_grep "description=set: text.: .description. must be a string" err &&
	mlw data create -f specs/file.yml --set name=titanic3 \
		tags.stage=clean "description=\"set: text\"" >out.json &&
	test "$(test_json_get out.json "[\"name\"]")" = titanic3 &&
	test "$(test_json_get out.json "[\"tags\"][\"stage\"]")" = clean &&
	test "$(test_json_get out.json "[\"tags\"][\"source\"]")" = kaggle &&
	test "$(test_json_get out.json "[\"description\"]")" = "set: text" &&
	cat >noname.yml <<-\YML &&
	path: specs/data/t.csv
	type: uri_file
	YML
	test_expect_code 2 mlw data create -f noname.yml 2>err &&
	test_grep "noname.yml:1:1: .*name" err &&
	mlw data create -f noname.yml -n fromflag >out.json &&
	test "$(test_json_get out.json "[\"name\"]")" = fromflag
'

test_expect_success '--set without a file: flags and overrides alone' '
	mlw data create -n setonly -p specs/data --set tags.k=v \
		--set description=d >out.json &&
	test "$(test_json_get out.json "[\"tags\"][\"k\"]")" = v &&
	test "$(test_json_get out.json "[\"description\"]")" = d &&
	test "$(test_json_get out.json "[\"object\"]")" = "$(mlw write-tree specs/data)" &&
	snapshot_state &&
	test_expect_code 2 mlw data create -n setonly2 -p specs/data \
		--set type=uri_fil 2>err &&
	test_grep "type=uri_fil" err &&
	unchanged_state
'

test_expect_success 'spec errors carry FILE:LINE:COL, exit 2 and change nothing' '
	snapshot_state &&
	printf "name: bad\npath: specs/data\ntype: uri_fil\ncolour: red\n" >bad.yml &&
	test_expect_code 2 mlw data create -f bad.yml 2>err &&
	test_grep "bad.yml:3:7: " err &&
	test_grep "bad.yml:4:1: .*colour" err &&
	printf "name: [unclosed\n" >broken.yml &&
	test_expect_code 2 mlw data create -f broken.yml 2>err &&
	test_grep "broken.yml:[0-9]*:[0-9]*: " err &&
	printf "name: \"bad name\"\npath: specs/data\n" >badname.yml &&
	test_expect_code 2 mlw data create -f badname.yml 2>err &&
	test_grep "badname.yml:1:7: invalid name .bad name." err &&
	printf "name: v\nversion: <VERSION>\npath: specs/data\n" >badver.yml &&
	test_expect_code 2 mlw data create -f badver.yml 2>err &&
	test_grep "badver.yml:2:10: invalid version .<VERSION>." err &&
	printf "name: dir\ntype: uri_file\npath: data\n" >specs/wrongtype.yml &&
	test_expect_code 2 mlw data create -f specs/wrongtype.yml 2>err &&
	test_grep "wrongtype.yml:3:7: type uri_file needs a file" err &&
	printf "name: gone\npath: nothing/here\n" >specs/gone.yml &&
	test_expect_code 3 mlw data create -f specs/gone.yml 2>err &&
	test_grep "gone.yml:2:7: path .*nothing/here. does not exist" err &&
	test_expect_code 3 mlw data create -f missing.yml 2>err &&
	test_grep "missing.yml" err &&
	unchanged_state
'

test_expect_success 'a spec of another kind is an error naming both' '
	snapshot_state &&
	test_expect_code 2 mlw data create -f specs/model.yml 2>err &&
	test_grep "model spec" err &&
	test_grep "not a data spec" err &&
	test_expect_code 2 mlw data validate specs/model.yml 2>err &&
	test_grep "not a data spec" err &&
	unchanged_state
'

test_expect_success 'a job output path is still "no such job" (exit 3)' '
	snapshot_state &&
	printf "name: out\npath: azureml:jobs/happy_lamp/outputs/model\n" >job.yml &&
	test_expect_code 3 mlw data create -f job.yml 2>err &&
	test_grep "job .happy_lamp. not found" err &&
	unchanged_state
'

test_expect_success 'file: and file:// paths are local, relative to the spec' '
	printf "name: viafile\ntype: uri_file\npath: file:data/t.csv\n" \
		>specs/viafile.yml &&
	mlw data create -f specs/viafile.yml >out.json &&
	test "$(test_json_get out.json "[\"path\"]")" = "$PWD/specs/data/t.csv" &&
	mlw data create -n viaflag -t uri_file -p file:specs/data/t.csv \
		>out.json &&
	test "$(test_json_get out.json "[\"path\"]")" = "$PWD/specs/data/t.csv" &&
	printf "name: viaurl\ntype: uri_folder\npath: file://$PWD/other\n" \
		>viaurl.yml &&
	mlw data create -f viaurl.yml >out.json &&
	test "$(test_json_get out.json "[\"path\"]")" = "$PWD/other"
'

test_expect_success 'validate: valid files, every error, json' '
	mlw data validate -f specs/file.yml -f specs/folder.yml >out &&
	test_grep "specs/file.yml: valid data asset" out &&
	test_expect_code 2 mlw data validate specs/file.yml bad.yml >out 2>err &&
	test_grep "valid data asset" out &&
	test $(grep -c "error: bad.yml" err) = 2 &&
	test_expect_code 2 mlw data validate -o json specs/file.yml bad.yml >out.json 2>/dev/null &&
	test "$(test_json_get out.json "[1][\"valid\"]")" = False &&
	test "$(test_json_get out.json "[1][\"errors\"][0][\"line\"]")" = 3 &&
	mlw data validate -q --set path=other specs/file.yml 2>err &&
	test_must_be_empty err
'

test_expect_success 'validate looks azureml: references up in the catalog' '
	cat >job.yml <<-\YML &&
	$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
	command: echo ${{inputs.a}} ${{inputs.b}} ${{inputs.c}}
	environment:
	  image: python:3.11-slim
	inputs:
	  a:
	    type: uri_file
	    path: azureml:titanic:1
	  b:
	    type: uri_folder
	    path: azureml:folder@latest
	  c:
	    type: uri_folder
	    path: azureml:nosuch:1
	YML
	mlw job validate job.yml 2>err &&
	test_grep "azureml:nosuch:1. is not in the local store" err &&
	test_grep -v "titanic" err &&
	test_grep -v "folder@latest" err &&
	printf "  d:\n    type: uri_file\n    path: azureml:titanic:9\n" >>job.yml &&
	sed -i "s/inputs.c}}/inputs.c}} \${{inputs.d}}/" job.yml &&
	mlw job validate job.yml 2>err &&
	test_grep "azureml:titanic:9. is not in the local store" err &&
	mlw data archive folder &&
	mlw job validate job.yml 2>err &&
	test_grep "azureml:folder@latest. is not in the local store" err &&
	mlw data restore folder &&
	mkdir elsewhere &&
	(cd elsewhere &&
	 mlw --mlw-dir "$PWD/../nowhere/.mlw" job validate ../job.yml 2>../err) &&
	test_grep "azureml:titanic:1. is not in the local store" err
'

test_expect_success CORPUS 'every corpus data spec: local ones stored, remote ones referenced' '
	corpus=$SHARED_DIRECTORY/corpus &&
	awk -F"	" "\$3 == \"data\" { print \$1 }" "$corpus/MANIFEST.tsv" >specs.list &&
	test $(wc -l <specs.list) -ge 6 &&
	while read f; do
		mlw -q data create -f "$corpus/$f" >out.json ||
		{ echo "FAIL: $f"; return 1; }
		path=$(sed -n "s/^path: *//p" "$corpus/$f") &&
		case "$path" in
		*://*)
			test "$(test_json_get out.json "[\"reference\"]")" = "$path" &&
			test "$(test_json_get out.json "[\"object\"]")" = None ;;
		*)
			obj=$(test_json_get out.json "[\"object\"]") &&
			test -n "$obj" && test "$obj" != None &&
			mlw cat-object -t $obj >/dev/null ;;
		esac || { echo "FAIL: $f"; return 1; }
	done <specs.list &&
	mlw fsck >/dev/null
'

test_done

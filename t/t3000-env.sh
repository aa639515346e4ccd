#!/bin/sh
test_description='mlw env: image, conda file, build context'
. ./test-lib.sh

test_expect_success 'setup' '
	mlw init -q &&
	cat >conda.yml <<-\EOF &&
	name: sk
	dependencies:
	  - python=3.11
	  - scikit-learn
	EOF
	mkdir -p ctx &&
	echo "FROM python:3.11" >ctx/Dockerfile &&
	echo "numpy" >ctx/requirements.txt
'

test_expect_success 'create with an image and a conda file' '
	mlw env create -n sk -i mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04 \
		-c conda.yml -d "sklearn" --tags team=ml >out.json 2>err &&
	test_grep "recorded as asked" err &&
	test "$(test_json_get out.json "[\"version\"]")" = 1 &&
	test "$(test_json_get out.json "[\"image\"]")" = mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04 &&
	test "$(test_json_get out.json "[\"conda_file_object\"]")" = "$(sha256sum conda.yml | cut -d" " -f1)" &&
	test "$(test_json_get out.json "[\"conda_file\"]")" = "$(cat conda.yml)"
'

test_expect_success 'show prints the conda file content; yaml too' '
	mlw env show sk@latest >out.json &&
	test "$(test_json_get out.json "[\"conda_file\"]")" = "$(cat conda.yml)" &&
	mlw env show sk -o yaml >out.yaml &&
	test_grep "scikit-learn" out.yaml
'

test_expect_success 'a build context is snapshotted as a tree' '
	mlw env create -n custom -b ctx >out.json 2>/dev/null &&
	test "$(test_json_get out.json "[\"build_context\"]")" = "$(mlw write-tree ctx)" &&
	test "$(test_json_get out.json "[\"dockerfile_path\"]")" = Dockerfile &&
	test "$(test_json_get out.json "[\"image\"]")" = None &&
	test "$(test_json_get out.json "[\"build_context_path\"]")" = "$PWD/ctx"
'

test_expect_success 'bad environments: exit 2 or 3, nothing recorded' '
	test_expect_code 2 mlw env create -n x &&
	test_expect_code 2 mlw env create -n x -i img -b ctx &&
	test_expect_code 2 mlw env create -n x -i img --dockerfile-path D &&
	test_expect_code 3 mlw env create -n x -i img -c missing.yml &&
	test_expect_code 3 mlw env create -n x -b nodir &&
	mkdir empty &&
	test_expect_code 2 mlw env create -n x -b empty 2>err &&
	test_grep "Dockerfile" err &&
	test_expect_code 2 mlw env create -n x -b ctx --dockerfile-path ../ctx/Dockerfile &&
	test_expect_code 3 mlw env show x &&
	mlw fsck
'

test_expect_success 'immutable versions: same content fine, other content names both' '
	mlw env create -n sk -v 1 -i mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04 \
		-c conda.yml >/dev/null 2>&1 &&
	test_expect_code 2 mlw env create -n sk -v 1 -i other:latest -c conda.yml 2>err &&
	test_grep "other:latest" err &&
	test_grep "openmpi4.1.0" err &&
	echo "  - pandas" >>conda.yml &&
	mlw env create -n sk -i mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04 \
		-c conda.yml >out.json 2>/dev/null &&
	test "$(test_json_get out.json "[\"version\"]")" = 2 &&
	mlw env show sk:1 >old.json &&
	test_json_get old.json "[\"conda_file\"]" >shown &&
	test_grep -v pandas shown
'

test_expect_success 'list, update, archive, restore' '
	mlw env list -o tsv >list &&
	cut -f1,2,3 list >actual &&
	printf "custom\t1\t(build)\nsk\t2\tmcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04\n" >expect &&
	test_cmp expect actual &&
	mlw env update sk -d "with pandas" --tags pandas=yes >out.json &&
	test "$(test_json_get out.json "[\"description\"]")" = "with pandas" &&
	test_expect_code 2 mlw env update sk --set image=x &&
	mlw env archive sk:2 &&
	mlw env show sk >out.json &&
	test "$(test_json_get out.json "[\"version\"]")" = 1 &&
	mlw env restore sk &&
	mlw env show sk >out.json &&
	test "$(test_json_get out.json "[\"version\"]")" = 2
'

test_expect_success 'gc keeps conda files and build contexts; fsck clean' '
	mlw gc --prune=now &&
	mlw fsck &&
	mlw env show sk:1 >out.json &&
	test_json_get out.json "[\"conda_file\"]" >shown &&
	test_grep scikit-learn shown &&
	tree=$(test_json_get out.json "[\"build_context\"]") &&
	mlw env show custom >out.json &&
	mlw checkout-tree "$(test_json_get out.json "[\"build_context\"]")" restored &&
	test_cmp ctx/Dockerfile restored/Dockerfile
'

test_expect_success PYTHON 'every json field is documented in mlw-env(1)' '
	mlw env list --include-archived -o json >all.json &&
	/usr/bin/python3 -c "
import json
keys = set()
for a in json.load(open(\"all.json\")):
    keys.update(a.keys())
print(\"\n\".join(sorted(keys)))" >keys &&
	for k in $(cat keys); do
		grep -E -e "^\\.B $k\$" "$MLW_BUILD_DIR/man/mlw-env.1" >/dev/null ||
		{ echo "mlw-env.1 does not document $k"; return 1; }
	done
'

test_done

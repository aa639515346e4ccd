#!/bin/sh
test_description='mlw data show --preview: the rows the trainers see'
. ./test-lib.sh

test_expect_success 'setup: a CSV asset and an MLTable asset' '
	mlw init -q &&
	printf "a,b,c\n1,x,2.5\n2,y,\n3,x,4\n" >t.csv &&
	mlw data create -n t -p t.csv --type uri_file -o tsv >/dev/null &&
	mkdir mt &&
	printf "a;b\n1;keep\n2;drop\n3;keep\n" >mt/part.csv &&
	cat >mt/MLTable <<-\EOF &&
	paths:
	  - file: ./part.csv
	transformations:
	  - read_delimited:
	      delimiter: ";"
	      header: all_files_same_headers
	  - filter: b == "keep"
	EOF
	mlw data create -n mt -p mt --type mltable -o tsv >/dev/null
'

test_expect_success '--preview=N prints N rows, typed; a missing number is empty' '
	mlw data show t@latest --preview=2 -o tsv >out &&
	printf "1\tx\t2.5\n2\ty\t\n" >expect &&
	test_cmp expect out &&
	mlw data show t@latest --preview=2 -o json >out.json &&
	test_json_get out.json "[1][\"c\"]" >missing &&
	echo None >expect &&
	test_cmp expect missing
'

test_expect_success '--preview of an MLTable applies its transformations' '
	mlw data show mt --preview -o json >out.json &&
	test_json_get out.json "[1][\"a\"]" >second &&
	echo 3.0 >expect &&
	test_cmp expect second &&
	/usr/bin/python3 -c "import json,sys; sys.exit(len(json.load(open(\"out.json\"))) != 2)"
'

test_expect_success 'a ragged row is reported with its file and line' '
	printf "a,b\n1,2\n3\n" >bad.csv &&
	mlw data create -n bad -p bad.csv --type uri_file -o tsv >/dev/null &&
	test_must_fail mlw data show bad --preview 2>err &&
	test_grep "bad.csv:3" err
'

test_expect_success '--preview N (the count as its own word) works too' '
	mlw data show t --preview 1 -o tsv >out &&
	printf "1\tx\t2.5\n" >expect &&
	test_cmp expect out
'

test_expect_success '--preview is for data assets only' '
	test_expect_code 2 mlw model show x --preview 2>err &&
	test_grep "unknown option" err
'

test_expect_success 'inputs name assets as show does; remote ones are not local' '
	arm=/subscriptions/s/resourceGroups/g/providers/Microsoft.MachineLearningServices/workspaces/w &&
	mlw preview-data $arm/data/t/versions/1 -n 1 -o tsv >out &&
	printf "1\tx\t2.5\n" >expect &&
	test_cmp expect out &&
	test_expect_code 3 mlw preview-data azureml://datastores/blob/paths/t.csv 2>err &&
	test_grep "not available locally" err &&
	test_expect_code 3 mlw preview-data azureml://registries/r/data/t/versions/1 2>err &&
	test_grep "not available locally" err &&
	test_expect_code 2 mlw preview-data azureml:jobs/j/outputs/o 2>err &&
	test_grep "job.s output" err
'

test_done

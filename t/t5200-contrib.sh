#!/bin/sh
test_description='contrib: the post-commit hook and the example Makefile'
. ./test-lib.sh

test_expect_success 'setup' '
	mlw init -q . &&
	mkdir src data && echo 1 >data/d.txt && echo "print(1)" >src/a.py &&
	cat >job.yml <<-\EOT &&
	code: src
	command: cat ${{inputs.d}} && echo m >${{outputs.model}}/m.txt
	environment: azureml:x@latest
	inputs:
	  d:
	    type: uri_file
	    path: data/d.txt
	outputs:
	  model:
	EOT
	cp "$TEST_DIRECTORY/../share/examples/Makefile" .
'

test_expect_success 'the example Makefile trains once, then only on change' '
	make -s train >out 2>&1 &&
	test $(mlw job list -o tsv | wc -l) = 1 &&
	make -s train >out 2>&1 &&
	test $(mlw job list -o tsv | wc -l) = 1 &&
	sleep 1 && echo 2 >data/d.txt &&
	make -s train >out 2>&1 &&
	test $(mlw job list -o tsv | wc -l) = 2 &&
	make -s model &&
	test "$(cat model/named-outputs/model/m.txt)" = m
'

test_expect_success 'the example Makefile fails when the job fails' '
	sed "s/cat /false \\&\\& cat /" job.yml >bad.yml &&
	test_must_fail make -s train SPEC=bad.yml
'

test_expect_success 'the post-commit hook runs a job tagged with the commit' '
	git init -q . &&
	printf ".mlw/\nmodel/\n.mlw-last-job*\n" >.gitignore &&
	cp "$TEST_DIRECTORY/../contrib/hooks/post-commit" .git/hooks/ &&
	git add . &&
	git -c user.name=t -c user.email=t@example.com commit -q -m c1 >out 2>&1 &&
	test_grep "post-commit: job" out &&
	name=$(sed -n "s/post-commit: job \([^ ]*\) .*/\1/p" out) &&
	mlw job show $name -o json >s.json &&
	test "$(test_json_get s.json "[\"tags\"][\"commit\"]")" = "$(git rev-parse --short HEAD)"
'

test_done

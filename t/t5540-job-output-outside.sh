#!/bin/sh
test_description='command jobs: writes outside an output folder are not collected'
. ./test-lib.sh

test_expect_success 'setup' '
	mlw init -q . &&
	echo secret >secret.txt &&
	cat >job.yml <<-EOT
	command: >-
	  echo kept >\${{outputs.out}}/kept.txt &&
	  echo escaped >\${{outputs.out}}/../escaped.txt &&
	  echo escaped >\${{outputs.out}}/../other/x.txt 2>/dev/null;
	  ln -s $(pwd)/secret.txt \${{outputs.out}}/link &&
	  ln -s .. \${{outputs.out}}/up
	environment: azureml:host@1
	outputs:
	  out:
	  other:
	EOT
	mlw -q job create -f job.yml --name o1 --wait
'

test_expect_success 'the output holds what was written inside it, links as links' '
	mlw job show o1 -o json >s.json &&
	tree=$(test_json_get s.json "[\"outputs\"][\"out\"][\"object\"]") &&
	mlw ls-tree "$tree" >ls &&
	test_grep "kept.txt" ls &&
	test_grep "^120000 blob .*link$" ls &&
	test_grep "^120000 blob .*up$" ls &&
	! grep escaped ls
'

test_expect_success 'a write into a sibling output folder lands in that output only' '
	tree=$(test_json_get s.json "[\"outputs\"][\"other\"][\"object\"]") &&
	mlw ls-tree "$tree" >ls &&
	test_grep "x.txt" ls
'

test_expect_success 'download restores links without following them' '
	mlw job download o1 --output-name out --download-path dl &&
	test -h dl/named-outputs/out/link &&
	test "$(readlink dl/named-outputs/out/up)" = .. &&
	echo kept >expect &&
	test_cmp expect dl/named-outputs/out/kept.txt &&
	test ! -e dl/named-outputs/escaped.txt
'

test_expect_success 'nothing is left behind in the working area' '
	test_must_fail test -e .mlw/runs/o1 &&
	ls .mlw/runs >left &&
	test_must_be_empty left &&
	mlw fsck
'

test_expect_success '--keep-workdir keeps the working area' '
	mlw -q job create -f job.yml --name o2 --wait --keep-workdir &&
	test -f .mlw/runs/o2/outputs/escaped.txt &&
	test -f .mlw/runs/o2/outputs/out/kept.txt &&
	test -f .mlw/runs/o2/user_logs/std_log.txt &&
	test_grep "\"command\"" .mlw/runs/o2/job.json &&
	chmod -R u+w .mlw/runs/o2 && rm -rf .mlw/runs/o2 &&
	mlw fsck
'

test_expect_success 'a working area that cannot be made: error shown, run Failed' '
	rm -rf .mlw/runs && echo not-a-folder >.mlw/runs &&
	test_expect_code 128 mlw -q job create -f job.yml --name o3 --wait 2>err &&
	test_grep "runs.*Not a directory" err &&
	mlw job show o3 -o json >s.json &&
	test "$(test_json_get s.json "[\"status\"]")" = Failed &&
	rm .mlw/runs &&
	mlw -q job create -f job.yml --name o4 --wait
'

test_done

#!/bin/sh
test_description='command jobs: ./outputs and ./logs become the run'\''s artifacts, as in Azure'
. ./test-lib.sh

test_expect_success 'setup' '
	mlw init -q . &&
	git init -q . &&
	mkdir outside &&
	echo secret >outside/secret.txt
'

# Azure's hello-world-output.yml (azureml-examples, cli/jobs/basics)
test_expect_success 'hello-world-output.yml runs; its file is an artifact' '
	cat >hello-world-output.yml <<-\EOT &&
	$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
	command: echo "hello world" > ./outputs/helloworld.txt
	environment:
	  image: library/python:latest
	EOT
	mlw -q job create -f hello-world-output.yml --wait --name hwo &&
	mlw job show hwo -o json >s.json &&
	test "$(test_json_get s.json "[\"status\"]")" = Completed &&
	id=$(test_json_get s.json "[\"artifacts\"][\"outputs/helloworld.txt\"]") &&
	mlw cat-object -p $id >actual &&
	echo "hello world" >expect &&
	test_cmp expect actual
'

test_expect_success 'job download --all fetches it under artifacts/outputs/' '
	mlw job download hwo --all --download-path dl &&
	test_cmp expect dl/artifacts/outputs/helloworld.txt &&
	test -f dl/artifacts/user_logs/std_log.txt &&
	mlw job download hwo --download-path dl2 &&
	test_cmp expect dl2/artifacts/outputs/helloworld.txt
'

test_expect_success 'a script that makes outputs/ itself keeps its files; logs/ too; nested' '
	mkdir src &&
	cat >src/train.sh <<-\EOT &&
	mkdir -p outputs/model logs &&
	echo weights >outputs/model/w.bin &&
	echo "epoch 1" >logs/train.log &&
	echo ok >outputs/ok.txt
	EOT
	cat >made.yml <<-\EOT &&
	command: sh train.sh
	code: src
	environment: azureml:host@1
	EOT
	mlw -q job create -f made.yml --wait --name made &&
	mlw job show made --query artifacts -o json >arts &&
	test_grep "\"outputs/model/w.bin\"" arts &&
	test_grep "\"outputs/ok.txt\"" arts &&
	test_grep "\"logs/train.log\"" arts &&
	mlw job download made --all --download-path dl3 &&
	echo weights >expect && test_cmp expect dl3/artifacts/outputs/model/w.bin &&
	echo "epoch 1" >expect && test_cmp expect dl3/artifacts/logs/train.log
'

test_expect_success 'the folders mlw made are gone afterwards: the code copy is reused' '
	cat >plain.yml <<-\EOT &&
	command: echo x >outputs/x.txt
	code: src
	environment: azureml:host@1
	EOT
	mlw -q job create -f plain.yml --wait --name plain1 &&
	mlw -q job create -f plain.yml --wait --name plain2 -v 2>err &&
	test_grep "kept working copy reused" err &&
	mlw job show plain2 --query artifacts -o json >arts &&
	test_grep "\"outputs/x.txt\"" arts &&
	test_grep -v "outputs/ok.txt" arts
'

test_expect_success 'outputs/ in the code snapshot: its files are collected too, and stay' '
	mkdir -p src2/outputs &&
	echo shipped >src2/outputs/shipped.txt &&
	cat >shipped.yml <<-\EOT &&
	command: echo new >outputs/new.txt
	code: src2
	environment: azureml:host@1
	EOT
	mlw -q job create -f shipped.yml --wait --name shipped &&
	mlw job show shipped --query artifacts -o json >arts &&
	test_grep "\"outputs/shipped.txt\"" arts &&
	test_grep "\"outputs/new.txt\"" arts &&
	test -f src2/outputs/shipped.txt && test ! -e src2/outputs/new.txt
'

test_expect_success 'a failed job still has its outputs and logs collected' '
	cat >fail.yml <<-\EOT &&
	command: echo partial >outputs/p.txt && echo "why" >logs/l.txt && exit 3
	environment: azureml:host@1
	EOT
	test_expect_code 1 mlw -q job create -f fail.yml --wait --name failed &&
	mlw job show failed --query artifacts -o json >arts &&
	test_grep "\"outputs/p.txt\"" arts &&
	test_grep "\"logs/l.txt\"" arts
'

test_expect_success 'links are never followed: not in ./outputs, not as ./outputs itself' '
	cat >links.yml <<-EOT &&
	command: >-
	  ln -s $(pwd)/outside/secret.txt outputs/link &&
	  echo mine >outputs/mine.txt &&
	  rm -rf logs && ln -s $(pwd)/outside logs
	environment: azureml:host@1
	EOT
	mlw -q job create -f links.yml --wait --name links &&
	mlw job show links -o json >s.json &&
	test "$(test_json_get s.json "[\"status\"]")" = Completed &&
	test_json_get s.json "[\"artifacts\"]" >arts &&
	test_grep "outputs/mine.txt" arts &&
	test_grep -v "link" arts &&
	test_grep -v "secret" arts &&
	mlw job stream links >log &&
	test_grep "./outputs/link. is a symbolic link; not collected" log &&
	test_grep "logs. is no longer a folder" log &&
	test_expect_code 3 mlw cat-object -t $(sha256sum outside/secret.txt | cut -c1-64) &&
	echo secret >expect && test_cmp expect outside/secret.txt
'

test_expect_success 'a named output replaced by a link is not followed: the run fails' '
	cat >named.yml <<-EOT &&
	command: rmdir \${{outputs.o}} && ln -s $(pwd)/outside \${{outputs.o}}
	environment: azureml:host@1
	outputs:
	  o:
	EOT
	test_expect_code 1 mlw -q job create -f named.yml --wait --name named 2>err &&
	test_grep "no longer a folder" err &&
	test_expect_code 3 mlw cat-object -t $(sha256sum outside/secret.txt | cut -c1-64)
'

test_expect_success 'a file whose name no download could write is skipped, the rest kept' '
	cat >odd.yml <<-\EOT &&
	command: touch "outputs/$(printf "a\\nb")" outputs/fine
	environment: azureml:host@1
	EOT
	mlw -q job create -f odd.yml --wait --name odd &&
	mlw job show odd --query artifacts -o json >arts &&
	test_grep "outputs/fine" arts &&
	test $(grep -c outputs/ arts) = 1 &&
	mlw job stream odd >log &&
	test_grep "control character; not collected" log &&
	ls .mlw/runs >left &&
	test_must_be_empty left &&
	mlw fsck
'

# A rerun's outputs are hashed before they are compressed (odb.h,
# MLW_ODB_HASH_FIRST): bytes the store has are never written again.  The
# shim fails every write and rename under .mlw/objects, so a run that
# wrote even a temporary object file could not finish.
SHIM=$TEST_DIRECTORY/fault/libfault.so
test -f "$SHIM" && test_set_prereq SHIM
if test_have_prereq ASAN; then
	ASAN_OPTIONS=$ASAN_OPTIONS:verify_asan_link_order=0
fi

# big.yml N: a job writing the numbers 1..N (2.5 MB for 400000) as its
# named output
big_job () {
	cat >big.yml <<-EOF
	\$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
	command: seq 1 $1 >\${{outputs.out}}/big.txt
	environment: azureml:AzureML-sklearn-1.0-ubuntu20.04-py38-cpu@latest
	outputs:
	  out:
	    type: uri_folder
	EOF
}

no_object_files () {
	env LD_PRELOAD="$SHIM" MLW_FAULT_AT=1 MLW_FAULT_STICKY=1 \
		MLW_FAULT_ERRNO=EIO MLW_FAULT_CALLS=write,pwrite,rename,renameat \
		MLW_FAULT_PATH="$PWD/.mlw/objects" "$@"
}

test_expect_success SHIM 'a rerun whose large output the store has writes no object file' '
	big_job 400000 &&
	mlw job create -f big.yml --name big1 --wait -q >/dev/null &&
	no_object_files mlw job create -f big.yml --name big2 --wait -q >/dev/null &&
	mlw job show big1 --query outputs.out.object -o tsv >one &&
	mlw job show big2 --query outputs.out.object -o tsv >two &&
	test_cmp one two &&
	mlw job download big2 --output-name out --download-path dlbig -q &&
	seq 1 400000 >expect &&
	test_cmp expect dlbig/named-outputs/out/big.txt &&
	mlw fsck -q
'

test_expect_success SHIM 'a new large output is stored: the same run fails without object files' '
	big_job 400001 &&
	test_must_fail no_object_files mlw job create -f big.yml --name big3 \
		--wait -q >/dev/null &&
	mlw job create -f big.yml --name big4 --wait -q >/dev/null &&
	mlw job download big4 --output-name out --download-path dlbig4 -q &&
	seq 1 400001 >expect &&
	test_cmp expect dlbig4/named-outputs/out/big.txt &&
	mlw fsck -q
'

test_done

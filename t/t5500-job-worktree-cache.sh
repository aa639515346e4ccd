#!/bin/sh
test_description='command jobs: kept working copies of code are reused only when clean'
. ./test-lib.sh

# run a job whose command is $1; its stdout goes to the file "out"
run_job () {
	cat >j.yml <<-EOT &&
	command: $1
	code: src
	environment: azureml:host@1
	EOT
	mlw job create -f j.yml --wait -v -q 2>err &&
	name=$(mlw job list --max-results 1 -o tsv --query "[0].name") &&
	mlw job stream "$name" >out
}

# the trash folder is inside mlw's own (ignored) folder: a repository of
# its own keeps the code from being ignored
test_expect_success 'setup' '
	mlw init -q . &&
	git init -q . &&
	mkdir -p src/sub &&
	for i in 1 2 3; do echo "x$i" >src/f$i.txt || return 1; done &&
	echo deep >src/sub/d.txt &&
	printf "#!/bin/sh\necho run\n" >src/run.sh && chmod +x src/run.sh
'

test_expect_success 'the first run checks the code out, the second reuses it' '
	cat >j.yml <<-\EOT &&
	command: cat f1.txt sub/d.txt && ./run.sh
	code: src
	environment: azureml:host@1
	EOT
	mlw job create -f j.yml --wait -v 2>err1 &&
	test_grep "checked out" err1 &&
	mlw job create -f j.yml --wait -v 2>err2 &&
	test_grep "kept working copy reused" err2 &&
	name=$(mlw job list --max-results 1 -o tsv --query "[0].name") &&
	mlw job stream "$name" >out &&
	printf "x1\ndeep\nrun\n" >expect &&
	test_cmp expect out
'

test_expect_success 'a file changed at once (same size, same tick) is not reused' '
	run_job "echo y1 >f1.txt" &&
	run_job "cat f1.txt" &&
	echo x1 >expect &&
	test_cmp expect out
'

test_expect_success 'a file changed later is not reused' '
	run_job "sleep 0.05 && echo changed >f2.txt" &&
	run_job "cat f2.txt" &&
	echo x2 >expect &&
	test_cmp expect out
'

test_expect_success 'an added file, folder or removed file is not reused' '
	run_job "echo new >extra.txt" &&
	run_job "ls" &&
	! grep extra.txt out &&
	run_job "mkdir newdir" &&
	run_job "ls" &&
	! grep newdir out &&
	run_job "rm sub/d.txt" &&
	run_job "cat sub/d.txt" &&
	echo deep >expect &&
	test_cmp expect out
'

test_expect_success 'a mode change is not reused' '
	run_job "chmod -x run.sh" &&
	run_job "./run.sh" &&
	echo run >expect &&
	test_cmp expect out
'

test_expect_success 'a file replaced by a rename is not reused' '
	run_job "echo x3 >t && mv t f3.txt" &&
	run_job "cat f3.txt" &&
	echo x3 >expect &&
	test_cmp expect out
'

test_expect_success 'a kept copy changed while cached is not used' '
	run_job "true" &&
	run_job "true" &&
	test_grep "kept working copy reused" err &&
	for d in .mlw/cache/worktrees/*/tree; do
		echo tampered >"$d/f1.txt" || return 1
	done &&
	run_job "cat f1.txt" &&
	test_grep "checked out" err &&
	echo x1 >expect &&
	test_cmp expect out
'

test_expect_success 'changed code gets its own copy' '
	echo x1-new >src/f1.txt &&
	run_job "cat f1.txt" &&
	test_grep "checked out" err &&
	echo x1-new >expect &&
	test_cmp expect out
'

test_expect_success 'the cache is bounded' '
	for i in 1 2 3 4 5 6 7 8 9 10; do
		echo "v$i" >src/f3.txt && run_job true || return 1
	done &&
	test $(ls .mlw/cache/worktrees | wc -l) -le 8
'

test_expect_success 'the working area skeleton is kept for the next run, emptied' '
	run_job "echo first; mkdir -p extra; echo x >extra/y" &&
	ls .mlw/runs >left &&
	test_must_be_empty left &&
	(cd .mlw/cache/workdir && find . | sort) >skeleton &&
	printf ".\n./user_logs\n./user_logs/std_log.txt\n" >expect &&
	test_cmp expect skeleton &&
	run_job "echo second" &&
	test_grep "^second$" out &&
	! grep first out &&
	test -d .mlw/cache/workdir
'

test_expect_success 'fsck is clean with kept copies, gc empties the cache' '
	mlw fsck &&
	mlw gc &&
	ls .mlw/cache/worktrees >list &&
	test_must_be_empty list &&
	test_must_fail test -e .mlw/cache/workdir &&
	run_job "cat f1.txt" &&
	test_grep "checked out" err
'

test_expect_success 'a large snapshot is described by --dry-run and in the log' '
	mkdir -p big/lib big/data &&
	(cd big/lib && seq 2001 | sed "s/^/f/" | xargs touch) &&
	printf "%s\n" 1 2 3 >big/data/d.csv &&
	cat >big.yml <<-\EOT &&
	command: echo hi
	code: big
	environment: azureml:host@1
	EOT
	mlw job create -f big.yml --dry-run 2>err &&
	test_grep "is large: 2002 files" err &&
	test_grep "biggest entries: data/ 6 bytes, lib/ 0 bytes" err &&
	mlw -q job create -f big.yml --wait --name big1 &&
	mlw job stream big1 >log &&
	test_grep "is large: 2002 files" log &&
	test_grep "^hi" log &&
	mlw job create -f j.yml --dry-run 2>err &&
	! grep "is large" err
'

test_done

#!/bin/sh
test_description='runs and gc: races on the spare working area, killed supervisors, leftovers'
. ./test-lib.sh
. "$TEST_DIRECTORY"/lib-job.sh

test_expect_success 'setup' '
	mlw init -q . &&
	cat >echo.yml <<-\EOT &&
	command: echo hi
	environment: azureml:host@1
	EOT
	cat >sleep.yml <<-\EOT
	command: echo started && sleep 30
	environment: azureml:host@1
	EOT
'

# The spare working area .mlw/cache/workdir is what a starting run takes
# with one rename; gc removes it.  Made slow to remove (20000 files), gc
# is still at it when a job starts: the job must keep its working area
# (its log, its code folder) and complete.
test_expect_success 'a job starting while gc removes the spare working area keeps it' '
	cat >slow.yml <<-\EOT &&
	command: sleep 1 && pwd && echo hi
	environment: azureml:host@1
	EOT
	for k in 1 2; do
		mlw -q job create -f echo.yml --wait --name first$k >/dev/null &&
		test -d .mlw/cache/workdir/user_logs &&
		mkdir .mlw/cache/workdir/junk &&
		(cd .mlw/cache/workdir/junk && seq 20000 | xargs touch) &&
		{ mlw gc 2>gc.err & } &&
		gc=$! &&
		until_true "! test -d .mlw/cache/workdir/junk ||
			test \$(ls .mlw/cache/workdir/junk 2>/dev/null |
				wc -l) -lt 20000" &&
		mlw -q job create -f slow.yml --wait --name race$k >/dev/null &&
		wait $gc &&
		test_must_be_empty gc.err &&
		mlw job stream race$k >log &&
		test_grep "^hi$" log &&
		test_grep "/runs/race$k/code$" log || return 1
	done &&
	ls .mlw/cache >cache &&
	test_grep -v "workdir.gc" cache &&
	mlw fsck
'

# the supervisor's pid, once the run is Running
supervisor_of () {
	wait_status $1 Running &&
	sqlite3 .mlw/mlw.db "SELECT supervisor_pid FROM runs WHERE name = '$1'"
}

test_expect_success 'a run whose supervisor was killed: Failed, its log kept, its area gone' '
	mlw -q job create -f sleep.yml --name killed1 >/dev/null &&
	pid=$(supervisor_of killed1) &&
	pgid=$(sqlite3 .mlw/mlw.db "SELECT pgid FROM runs WHERE name = '\''killed1'\''") &&
	until_true "grep -q started .mlw/runs/killed1/user_logs/std_log.txt" &&
	kill -9 $pid &&
	until_true "! kill -0 $pid 2>/dev/null" &&
	mlw job show killed1 -o json >s.json 2>err &&
	test_grep "job .killed1.: its supervisor died; marked Failed" err &&
	test "$(test_json_get s.json "[\"status\"]")" = Failed &&
	test "$(test_json_get s.json "[\"error\"]")" = "the supervisor of the job died" &&
	log=$(test_json_get s.json "[\"log\"]") &&
	test "$log" != None &&
	mlw cat-object -p $log >log &&
	test_grep "^started$" log &&
	test_expect_code 1 mlw job stream killed1 >log2 &&
	test_grep "^started$" log2 &&
	test ! -e .mlw/runs/killed1 &&
	ps -eo pgid=,stat= | awk -v g=$pgid "\$1 == g && \$2 !~ /^Z/" >alive &&
	test_must_be_empty alive &&
	mlw job download killed1 --download-path dl &&
	test_cmp log dl/artifacts/user_logs/std_log.txt &&
	mlw fsck
'

test_expect_success 'reaped with --keep-workdir: the area is kept' '
	mlw -q job create -f sleep.yml --name killed2 --keep-workdir >/dev/null &&
	pid=$(supervisor_of killed2) &&
	kill -9 $pid &&
	until_true "! kill -0 $pid 2>/dev/null" &&
	mlw job list -o tsv >/dev/null 2>err &&
	test_grep "killed2" err &&
	test -f .mlw/runs/killed2/job.json &&
	mlw job show killed2 --query log -o tsv >log &&
	test_grep -v "^$" log
'

test_expect_success 'gc: working areas of ended runs go after the grace period' '
	mlw -q job create -f echo.yml --name kept --keep-workdir --wait &&
	test -d .mlw/runs/kept &&
	test -d .mlw/runs/killed2 &&
	mlw -q job create -f sleep.yml --name running >/dev/null &&
	supervisor_of running >/dev/null &&
	mkdir -p .mlw/runs/orphan-young .mlw/runs/orphan-old \
		.mlw/cache/workdir.gc-4242/user_logs &&
	touch -d "20 days ago" .mlw/runs/orphan-old .mlw/cache/workdir.gc-4242 &&
	mlw gc -o json >out &&
	test -d .mlw/runs/kept &&
	test -d .mlw/runs/orphan-young &&
	test ! -e .mlw/runs/orphan-old &&
	test ! -e .mlw/cache/workdir.gc-4242 &&
	test "$(test_json_get out "[\"removed_workdirs\"]")" = 2 &&
	mlw gc --prune=now --dry-run >out &&
	test_grep "would remove workdir .*/runs/kept$" out &&
	test_grep "would remove workdir .*/runs/killed2$" out &&
	test_grep -v "runs/running" out &&
	test -d .mlw/runs/kept &&
	chmod -R a-w .mlw/runs/killed2 &&
	mlw gc --prune=now &&
	test ! -e .mlw/runs/kept &&
	test ! -e .mlw/runs/killed2 &&
	test ! -e .mlw/runs/orphan-young &&
	test -d .mlw/runs/running &&
	mlw job cancel running &&
	until_true "test ! -e .mlw/runs/running" &&
	ls .mlw/runs >left &&
	test_must_be_empty left &&
	mlw fsck
'

test_expect_success 'gc: a lock file left by a killed writer goes after the grace period' '
	echo partial >.mlw/statcache.lock &&
	echo partial >.mlw/config.lock &&
	touch -d "20 days ago" .mlw/statcache.lock &&
	mlw gc -v 2>err &&
	test ! -e .mlw/statcache.lock &&
	test -f .mlw/config.lock &&
	mlw gc --prune=now &&
	test ! -e .mlw/config.lock &&
	mkdir data && echo 1 >data/a &&
	mlw -q data create --name d --path data --type uri_folder &&
	test -f .mlw/statcache
'

test_done

#!/bin/sh
test_description='pipeline jobs: failing steps, cancels, killed supervisors, races'
. ./test-lib.sh
. "$TEST_DIRECTORY"/lib-job.sh
. "$TEST_DIRECTORY"/lib-pipeline.sh

test_expect_success 'setup' '
	mlw init -q . &&
	cat >diamond.yml <<-\EOT
	type: pipeline
	jobs:
	  top:
	    command: echo top >${{outputs.o}}/f
	    environment: azureml:env@latest
	    outputs:
	      o:
	  left:
	    command: echo ${{inputs.i}}; exit 4
	    environment: azureml:env@latest
	    inputs:
	      i: ${{parent.jobs.top.outputs.o}}
	    outputs:
	      o:
	  right:
	    command: sleep ${{inputs.pause}} && cp ${{inputs.i}}/f ${{outputs.o}}/f
	    environment: azureml:env@latest
	    inputs:
	      i: ${{parent.jobs.top.outputs.o}}
	      pause: 3
	    outputs:
	      o:
	  bottom:
	    command: cat ${{inputs.a}}/f ${{inputs.b}}/f
	    environment: azureml:env@latest
	    inputs:
	      a: ${{parent.jobs.left.outputs.o}}
	      b: ${{parent.jobs.right.outputs.o}}
	EOT
'

test_expect_success 'a step failing in a diamond cancels the rest and fails' '
	test_expect_code 1 mlw -q job create -f diamond.yml --name d1 \
		--max-concurrent-steps 4 --wait >/dev/null 2>err &&
	test_grep "job .d1. Failed: step .left. Failed: the command exited with status 4" err &&
	test "$(step_field d1 top status)" = Completed &&
	test "$(step_field d1 left status)" = Failed &&
	test "$(step_field d1 right status)" = Canceled &&
	test "$(step_field d1 bottom status)" = Failed &&
	test "$(step_field d1 bottom error)" = "step '\''left'\'' it reads from failed" &&
	test "$(step_field d1 bottom job)" = None
'

test_expect_success 'with continue_on_step_failure the other branch completes' '
	test_expect_code 1 mlw -q job create -f diamond.yml --name d2 \
		--set settings.continue_on_step_failure=true \
		--max-concurrent-steps 4 --wait >/dev/null 2>err &&
	test "$(mlw job show d2 --query status -o tsv)" = Failed &&
	test "$(step_field d2 left status)" = Failed &&
	test "$(step_field d2 right status)" = Completed &&
	test "$(step_field d2 bottom status)" = Failed
'

test_expect_success 'cancel stops the running steps and the pipeline' '
	mlw job create -f diamond.yml --name c1 --set jobs.left.command="sleep 30" \
		--set jobs.right.inputs.pause=30 >/dev/null &&
	wait_status c1 Running &&
	until_true "test \"\$(step_field c1 left status)\" = Running" &&
	mlw job cancel c1 &&
	test "$(mlw job show c1 --query status -o tsv)" = Canceled &&
	until_true "test \"\$(step_field c1 left status)\" = Canceled" &&
	test "$(step_field c1 right status)" = Canceled &&
	test "$(step_field c1 bottom status)" = Canceled &&
	test_expect_code 1 mlw job cancel c1 2>err &&
	test_grep "already ended" err
'

test_expect_success 'steps share one supervisor process; cancelling one step stops it alone' '
	cat >pair.yml <<-\EOT &&
	type: pipeline
	settings:
	  continue_on_step_failure: true
	jobs:
	  slow:
	    command: sleep 30
	    environment: azureml:env@latest
	  other:
	    command: sleep 2 && echo done >${{outputs.o}}/f
	    environment: azureml:env@latest
	    outputs:
	      o:
	EOT
	mlw job create -f pair.yml --name h1 --max-concurrent-steps 2 >/dev/null &&
	until_true "test \"\$(step_field h1 slow status)\" = Running" &&
	until_true "test \"\$(step_field h1 other status)\" = Running" &&
	slow=$(step_field h1 slow job) && other=$(step_field h1 other job) &&
	pids=$(sqlite3 .mlw/mlw.db "SELECT DISTINCT supervisor_pid FROM runs
		WHERE name IN ('\''$slow'\'', '\''$other'\'')") &&
	test $(echo "$pids" | wc -l) = 1 &&
	test "$(cat /proc/$pids/comm)" = mlw-supervise &&
	pipe=$(sqlite3 .mlw/mlw.db "SELECT supervisor_pid FROM runs WHERE name = '\''h1'\''") &&
	test "$pids" != "$pipe" &&
	mlw job cancel $slow &&
	test "$(mlw job show $slow --query status -o tsv)" = Canceled &&
	test "$(mlw job show h1 --query status -o tsv)" = Running &&
	wait_status h1 Failed &&
	test "$(step_field h1 other status)" = Completed &&
	test "$(step_field h1 slow status)" = Canceled &&
	until_true "! kill -0 $pids 2>/dev/null" &&
	mlw fsck
'

test_expect_success 'a pipeline killed mid-way is Failed; its completed steps are reused' '
	cat >chain.yml <<-\EOT &&
	type: pipeline
	jobs:
	  first:
	    command: echo 1 >${{outputs.o}}/f
	    environment: azureml:env@latest
	    outputs:
	      o:
	  second:
	    command: sleep 2 && cat ${{inputs.i}}/f >${{outputs.o}}/f && echo 2 >>${{outputs.o}}/f
	    environment: azureml:env@latest
	    inputs:
	      i: ${{parent.jobs.first.outputs.o}}
	    outputs:
	      o:
	  third:
	    command: cat ${{inputs.i}}/f
	    environment: azureml:env@latest
	    inputs:
	      i: ${{parent.jobs.second.outputs.o}}
	EOT
	mlw job create -f chain.yml --name k1 >/dev/null &&
	until_true "test \"\$(step_field k1 second status)\" = Running" &&
	pid=$(sqlite3 .mlw/mlw.db "SELECT supervisor_pid FROM runs WHERE name = '\''k1'\''") &&
	kill -9 $pid &&
	until_true "! kill -0 $pid 2>/dev/null" &&
	mlw job show k1 --query status -o tsv >status 2>err &&
	echo Failed >expect &&
	test_cmp expect status &&
	test_grep "job .k1.: its supervisor died; marked Failed" err &&
	until_true "test \"\$(step_field k1 second status)\" = Completed" &&
	test "$(step_field k1 third status)" = NotStarted &&
	mlw -q job create -f chain.yml --name k2 --wait >/dev/null &&
	test "$(step_field k2 first reused_from)" = "$(step_field k1 first job)" &&
	test "$(step_field k2 second reused_from)" = "$(step_field k1 second job)" &&
	test "$(step_field k2 third reused_from)" = None &&
	mlw fsck
'

test_expect_success 'two pipelines sharing steps run at once, both right' '
	cat >share1.yml <<-\EOT &&
	type: pipeline
	jobs:
	  common:
	    command: sleep 1 && echo shared >${{outputs.o}}/f
	    environment: azureml:env@latest
	    outputs:
	      o:
	  mine:
	    command: cat ${{inputs.i}}/f && echo one
	    environment: azureml:env@latest
	    inputs:
	      i: ${{parent.jobs.common.outputs.o}}
	EOT
	sed "s/echo one/echo two/" share1.yml >share2.yml &&
	{ mlw -q job create -f share1.yml --name s1 --wait >out1 2>&1 & } &&
	{ mlw -q job create -f share2.yml --name s2 --wait >out2 2>&1 & } &&
	wait &&
	test "$(mlw job show s1 --query status -o tsv)" = Completed &&
	test "$(mlw job show s2 --query status -o tsv)" = Completed &&
	for p in s1 s2; do
		mlw job stream $(step_field $p mine job) >log.$p || return 1
	done &&
	test_grep "^shared$" log.s1 && test_grep "^one$" log.s1 &&
	test_grep "^shared$" log.s2 && test_grep "^two$" log.s2 &&
	mlw fsck >fsck.out 2>&1
'

test_expect_success 'an empty output folder is a warning; an empty file output stops its readers' '
	cat >empty.yml <<-\EOT &&
	type: pipeline
	settings:
	  continue_on_step_failure: true
	jobs:
	  lazy:
	    command: "true"
	    environment: azureml:env@latest
	    outputs:
	      folder:
	      file:
	        type: uri_file
	  reads_folder:
	    command: ls ${{inputs.i}} && echo saw the folder
	    environment: azureml:env@latest
	    inputs:
	      i: ${{parent.jobs.lazy.outputs.folder}}
	  reads_file:
	    command: cat ${{inputs.i}}
	    environment: azureml:env@latest
	    inputs:
	      i:
	        type: uri_file
	        path: ${{parent.jobs.lazy.outputs.file}}
	EOT
	test_expect_code 1 mlw -q job create -f empty.yml --name e1 --wait >/dev/null 2>err &&
	test_expect_code 1 mlw job stream e1 >log 2>/dev/null &&
	test_grep "warning: step .lazy. left its output .folder. empty" log &&
	test_grep "error: step .lazy. left its output .file. empty" log &&
	test "$(step_field e1 reads_folder status)" = Completed &&
	test "$(step_field e1 reads_file status)" = Failed &&
	test "$(step_field e1 reads_file error)" = "output '\''file'\'' of step '\''lazy'\'' is empty: a uri_file output must hold its file"
'

test_expect_success 'a step that cannot start fails with why' '
	cat >gone.yml <<-\EOT &&
	type: pipeline
	jobs:
	  a:
	    command: ls ${{inputs.d}}
	    environment: azureml:env@latest
	    inputs:
	      d:
	        type: uri_folder
	        path: ./not-there
	EOT
	test_expect_code 1 mlw -q job create -f gone.yml --name g1 --wait >/dev/null 2>err &&
	test "$(step_field g1 a status)" = Failed &&
	test_grep "does not exist" err
'

# a step's supervisor killed at its Nth sync or rename: its objects
# written (and made durable as one batch) but the run not recorded yet
SHIM=$TEST_DIRECTORY/fault/libfault.so
test -f "$SHIM" && test_set_prereq SHIM
if test_have_prereq ASAN; then
	ASAN_OPTIONS=$ASAN_OPTIONS:verify_asan_link_order=0
fi

test_expect_success SHIM 'a step killed between its objects and their record leaves a clean store, and the next run is exact' '
	cat >crash.yml <<-\EOT &&
	type: pipeline
	jobs:
	  a:
	    command: echo alpha >${{outputs.o}}/f
	    environment: azureml:env@latest
	    outputs:
	      o:
	  b:
	    command: cat ${{inputs.i}}/f >${{outputs.o}}/g && echo beta >>${{outputs.o}}/g
	    environment: azureml:env@latest
	    inputs:
	      i: ${{parent.jobs.a.outputs.o}}
	    outputs:
	      o:
	EOT
	printf "alpha\nbeta\n" >g.expect &&
	f_oid=$(printf "alpha\n" | sha256sum | cut -c1-64) &&
	n=1 between=0 &&
	while test $n -le 40
	do
		rm -rf crash-ws && mkdir crash-ws &&
		cp crash.yml crash-ws/ &&
		(
			cd crash-ws &&
			mlw init -q . &&
			: >../faults &&
			env LD_PRELOAD="$SHIM" MLW_FAULT_AT=$n MLW_FAULT_KILL=1 \
				MLW_FAULT_COMM=mlw-supervise \
				MLW_FAULT_CALLS=fsync,fdatasync,rename,renameat \
				MLW_FAULT_PATH="$PWD/.mlw" MLW_FAULT_LOG="$PWD/../faults" \
				timeout 120 mlw -q job create -f crash.yml --name p1 \
				--wait >/dev/null 2>../err
			status=$?
			case $status in
			0|1) ;;
			*) echo "round $n: status $status"; cat ../err; exit 1 ;;
			esac &&
			mlw fsck >../fsck.out 2>&1 ||
				{ echo "round $n: fsck"; cat ../fsck.out; exit 1; } &&
			# killed with its output stored, before the run says so
			a_status=$(step_field p1 a status) &&
			if test -f .mlw/objects/$(echo $f_oid | cut -c1-2)/$(echo $f_oid | cut -c3-) &&
			   test "$a_status" != Completed
			then
				echo between >../between
			fi &&
			# the next run: completes, reuses only what completed
			mlw -q job create -f crash.yml --name p2 --wait >/dev/null &&
			if test "$a_status" = Completed
			then
				test "$(steps_ran p2)" = "$(test "$(step_field p1 b status)" = Completed || echo b)"
			else
				test "$(steps_ran p2)" = "a b"
			fi &&
			mlw job download $(step_field p2 b job) --output-name o \
				--download-path out >/dev/null &&
			test_cmp ../g.expect out/named-outputs/o/g &&
			mlw -q job create -f crash.yml --name p3 --wait >/dev/null &&
			test "$(steps_ran p3)" = "" &&
			mlw fsck >/dev/null
		) || return 1
		test -s faults || break
		n=$((n + 1))
	done &&
	test -f between &&
	test $n -gt 3
'

test_done

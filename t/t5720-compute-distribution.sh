#!/bin/sh
test_description='distribution: mpi through mpirun, pytorch and tensorflow ranks with their variables, a rank that dies'
. ./test-lib.sh
. "$TEST_DIRECTORY"/lib-job.sh

command -v mpirun >/dev/null && test_set_prereq MPIRUN

test_expect_success 'setup' '
	mlw init -q .
'

test_expect_success MPIRUN 'mpi: K x N ranks through mpirun' '
	cat >mpi.yml <<-\EOT &&
	command: echo "rank $OMPI_COMM_WORLD_RANK of $OMPI_COMM_WORLD_SIZE"
	environment: azureml:host@1
	resources: {instance_count: 2}
	distribution: {type: mpi, process_count_per_instance: 2}
	EOT
	mlw job create -f mpi.yml --wait --name m1 2>err &&
	test_grep "every instance runs on this machine" err &&
	mlw job stream m1 >log &&
	for r in 0 1 2 3; do
		test_grep "rank $r of 4" log || return 1
	done
'

test_expect_success MPIRUN 'mpi: a rank that dies fails the run and stops the others' '
	cat >mpidie.yml <<-\EOT &&
	command: if test "$OMPI_COMM_WORLD_RANK" = 1; then exit 7; fi; sleep 302
	environment: azureml:host@1
	distribution: {type: mpi, process_count_per_instance: 3}
	EOT
	start=$(date +%s) &&
	test_expect_code 1 mlw -q job create -f mpidie.yml --wait --name m2 &&
	test $(($(date +%s) - start)) -lt 120 &&
	test "$(mlw job show m2 --query status -o tsv)" = Failed &&
	! pgrep -f "sleep 302" >/dev/null
'

test_expect_success 'pytorch: one process per rank with its variables' '
	cat >pt.yml <<-\EOT &&
	command: echo "rank=$RANK local=$LOCAL_RANK node=$NODE_RANK world=$WORLD_SIZE master=$MASTER_ADDR:$MASTER_PORT"
	environment: azureml:host@1
	resources: {instance_count: 2}
	distribution: {type: pytorch, process_count_per_instance: 2}
	EOT
	mlw -q job create -f pt.yml --wait --name p1 2>err &&
	mlw job stream p1 >log &&
	test_grep "rank=0 local=0 node=0 world=4 master=127.0.0.1:[1-9]" log &&
	test_grep "rank=1 local=1 node=0 world=4" log &&
	test_grep "rank=2 local=0 node=1 world=4" log &&
	test_grep "rank=3 local=1 node=1 world=4" log &&
	test $(grep -c "^rank=" log) = 4 &&
	sed -n "s/.*master=//p" log | sort -u >ports &&
	test $(wc -l <ports) = 1
'

test_expect_success 'tensorflow: TF_CONFIG for each worker and parameter server' '
	cat >tf.yml <<-\EOT &&
	command: echo "TF_CONFIG=$TF_CONFIG"
	environment: azureml:host@1
	distribution: {type: tensorflow, worker_count: 2, parameter_server_count: 1}
	EOT
	mlw -q job create -f tf.yml --wait --name t1 &&
	mlw job stream t1 >log &&
	sed -n "s/^TF_CONFIG=//p" log >configs &&
	test $(wc -l <configs) = 3 &&
	/usr/bin/python3 -c "
import json, sys
seen = set()
for line in open(\"configs\"):
    c = json.loads(line)
    assert len(c[\"cluster\"][\"worker\"]) == 2, c
    assert len(c[\"cluster\"][\"ps\"]) == 1, c
    seen.add((c[\"task\"][\"type\"], c[\"task\"][\"index\"]))
assert seen == {(\"worker\", 0), (\"worker\", 1), (\"ps\", 0)}, seen
"
'

test_expect_success 'pytorch: a rank that dies fails the run naming it, the others are stopped' '
	cat >ptdie.yml <<-\EOT &&
	command: if test "$RANK" = 2; then exit 5; fi; exec sleep 301
	environment: azureml:host@1
	distribution: {type: pytorch, process_count_per_instance: 3}
	EOT
	test_expect_code 1 mlw -q job create -f ptdie.yml --wait --name p2 &&
	mlw job show p2 -o json >p.json &&
	test "$(test_json_get p.json "[\"status\"]")" = Failed &&
	test_grep "rank 2 exited with status 5; the other 2 ranks were stopped" p.json &&
	! pgrep -f "sleep 301" >/dev/null
'

test_expect_success 'cancel stops every rank' '
	cat >ptsleep.yml <<-\EOT &&
	command: exec sleep 303
	environment: azureml:host@1
	distribution: {type: pytorch, process_count_per_instance: 3}
	EOT
	mlw -q job create -f ptsleep.yml --name p3 &&
	wait_status p3 Running &&
	until_true "test \$(pgrep -c -f \"sleep 303\") = 3" &&
	mlw job cancel p3 &&
	test "$(mlw job show p3 --query status -o tsv)" = Canceled &&
	until_true "! pgrep -f \"sleep 303\" >/dev/null"
'

test_expect_success 'process_count_per_instance: 0 is a spec error, nothing recorded' '
	cat >zero.yml <<-\EOT &&
	command: echo hi
	environment: azureml:host@1
	distribution:
	  type: mpi
	  process_count_per_instance: 0
	EOT
	mlw job list --all-results -o tsv >before &&
	test_expect_code 2 mlw job create -f zero.yml 2>err &&
	test_grep "zero.yml:5:31: .distribution.process_count_per_instance. must be at least 1 (got 0)" err &&
	mlw job list --all-results -o tsv >after &&
	test_cmp before after
'

test_expect_success 'tensorflow cannot go to Slurm: a spec error' '
	mlw compute create -q -o none -n hpc --type slurm &&
	printf "command: echo\nenvironment: azureml:host@1\ncompute: hpc\ndistribution: {type: tensorflow}\n" >tfs.yml &&
	test_expect_code 2 mlw job create -f tfs.yml 2>err &&
	test_grep "tensorflow runs on this machine only" err
'

test_done

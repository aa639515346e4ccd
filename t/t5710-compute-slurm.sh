#!/bin/sh
test_description='jobs on a Slurm compute: a real one-node Slurm on loopback (sbatch, squeue, scontrol, scancel)'
. ./test-lib.sh
. "$TEST_DIRECTORY"/lib-job.sh
. "$TEST_DIRECTORY"/lib-slurm.sh

slurm_start
test_set_timeout 400

# slurm_state ID STATE: whether Slurm job ID is in STATE
slurm_state () {
	scontrol show job -o $1 >sj.state &&
	grep -q "JobState=$2 " sj.state
}

# the trash folder is inside mlw's own (ignored) folder: a repository of
# its own keeps the code from being ignored
test_expect_success 'setup: a workspace with a Slurm compute' '
	git init -q . &&
	mlw init -q . &&
	mlw compute create -q -o none -n hpc --type slurm --partition debug \
		--time-limit 10 &&
	mkdir src &&
	cat >src/train.sh <<-\EOT &&
	echo "hello from Slurm job $SLURM_JOB_ID in $(basename "$PWD")"
	echo "run $MLW_RUN_ID greeting=$GREETING"
	echo "accuracy=0.75"
	echo model >"$MLW_OUTPUT_MODEL/model.txt"
	echo note >outputs/note.txt
	EOT
	cat >job.yml <<-\EOT
	command: sh train.sh
	code: src
	environment: azureml:host@1
	compute: azureml:hpc
	environment_variables: {GREETING: "hi there"}
	outputs:
	  model: {type: uri_folder}
	EOT
'

test_expect_success 'a job on a Slurm compute runs through sbatch and is collected as a local one' '
	mlw -q job create -f job.yml --wait --name s1 &&
	mlw job show s1 -o json >s.json &&
	test "$(test_json_get s.json "[\"status\"]")" = Completed &&
	test "$(test_json_get s.json "[\"exit_code\"]")" = 0 &&
	id=$(slurm_id s1) &&
	test -n "$id" &&
	scontrol show job -o $id >sj &&
	test_grep "JobName=mlw-s1 " sj &&
	until_true "slurm_state $id COMPLETED" &&
	mlw job stream s1 >log &&
	test_grep "hello from Slurm job $id in code" log &&
	test_grep "run s1 greeting=hi there" log &&
	mlw job download s1 --output-name model --download-path dl -q &&
	test_grep model dl/named-outputs/model/model.txt &&
	test ! -e .mlw/runs/s1
'

test_expect_success 'an amlCompute mapped to a partition in .mlw/config runs on Slurm' '
	cat >aml.yml <<-\EOT &&
	$schema: https://azuremlschemas.azureedge.net/latest/amlCompute.schema.json
	name: cpu-cluster
	type: amlcompute
	size: STANDARD_DS3_v2
	max_instances: 1
	EOT
	mlw compute create -q -o none -f aml.yml &&
	git config -f .mlw/config compute.cpu-cluster.partition debug &&
	sed "s/compute: azureml:hpc/compute: azureml:cpu-cluster/" job.yml >aml-job.yml &&
	mlw job create -f aml-job.yml --wait --name a1 2>err &&
	test_grep "runs on Slurm partition .debug." err &&
	id=$(slurm_id a1) &&
	test -n "$id" &&
	scontrol show job -o $id >sj &&
	test_grep "Partition=debug " sj
'

test_expect_success 'more instances than an amlCompute allows: a spec error' '
	sed "s/^environment:/resources: {instance_count: 2}\nenvironment:/" \
		aml-job.yml >two.yml &&
	test_expect_code 2 mlw job create -f two.yml 2>err &&
	test_grep "two.yml:[0-9]*:[0-9]*: resources.instance_count 2 is more than the 1 nodes compute .cpu-cluster. allows" err
'

test_expect_success 'a command that fails on Slurm fails the run with its status' '
	printf "command: exit 3\nenvironment: azureml:host@1\ncompute: hpc\n" >fail.yml &&
	test_expect_code 1 mlw -q job create -f fail.yml --wait --name f1 &&
	mlw job show f1 -o json >f.json &&
	test "$(test_json_get f.json "[\"status\"]")" = Failed &&
	test "$(test_json_get f.json "[\"exit_code\"]")" = 3
'

test_expect_success 'a job scancel-ed from outside is Canceled' '
	printf "command: sleep 300\nenvironment: azureml:host@1\ncompute: hpc\n" >sleep.yml &&
	mlw -q job create -f sleep.yml --name c1 &&
	wait_status c1 Running &&
	until_true "test -n \"\$(slurm_id c1)\"" &&
	id=$(slurm_id c1) &&
	until_true "slurm_state $id RUNNING" &&
	scancel $id &&
	wait_status c1 Canceled &&
	mlw job show c1 -o json >c.json &&
	test_grep "canceled outside mlw" c.json
'

test_expect_success 'mlw job cancel cancels the Slurm job' '
	mlw -q job create -f sleep.yml --name c2 &&
	wait_status c2 Running &&
	until_true "test -n \"\$(slurm_id c2)\"" &&
	id=$(slurm_id c2) &&
	mlw job cancel c2 &&
	test "$(mlw job show c2 --query status -o tsv)" = Canceled &&
	until_true "slurm_state $id CANCELLED"
'

test_expect_success 'a run whose supervisor died does not leave its Slurm job running' '
	mlw -q job create -f sleep.yml --name o1 &&
	wait_status o1 Running &&
	until_true "test -n \"\$(slurm_id o1)\"" &&
	id=$(slurm_id o1) &&
	until_true "slurm_state $id RUNNING" &&
	kill -9 $(sqlite3 .mlw/mlw.db "SELECT supervisor_pid FROM runs WHERE name = '\''o1'\''") &&
	until_true "mlw job list --status Failed -o tsv | grep -q ^o1" &&
	until_true "slurm_state $id CANCELLED"
'

test_expect_success 'mpi on Slurm: K x N ranks through srun, each its own' '
	cat >mpi.yml <<-\EOT &&
	command: echo "rank $SLURM_PROCID of $SLURM_NTASKS"
	environment: azureml:host@1
	compute: azureml:hpc
	distribution: {type: mpi, process_count_per_instance: 2}
	EOT
	mlw -q job create -f mpi.yml --wait --name m1 &&
	mlw job stream m1 >log &&
	test_grep "rank 0 of 2" log &&
	test_grep "rank 1 of 2" log
'

test_expect_success 'pytorch on Slurm: the variables torch.distributed reads' '
	cat >pt.yml <<-\EOT &&
	command: echo "rank=$RANK local=$LOCAL_RANK node=$NODE_RANK world=$WORLD_SIZE master=$MASTER_ADDR:$MASTER_PORT"
	environment: azureml:host@1
	compute: azureml:hpc
	distribution: {type: pytorch, process_count_per_instance: 2}
	EOT
	mlw -q job create -f pt.yml --wait --name p1 &&
	mlw job stream p1 >log &&
	test_grep "rank=0 local=0 node=0 world=2 master=$SLURM_NODE:[0-9]" log &&
	test_grep "rank=1 local=1 node=0 world=2 master=$SLURM_NODE:[0-9]" log
'

test_expect_success 'a Slurm that is down: a clear error, the run Failed, no Slurm job' '
	sed "s/^SlurmctldPort=.*/SlurmctldPort=$(slurm_free_port 7)/" \
		"$SLURM_CONF" >down.conf &&
	SLURM_CONF=$PWD/down.conf test_expect_code 1 mlw -q job create \
		-f job.yml --wait --name d1 2>err &&
	test_grep "sbatch could not submit the job" err &&
	mlw job show d1 -o json >d.json &&
	test "$(test_json_get d.json "[\"status\"]")" = Failed &&
	test "$(mlw job show d1 --query "tags.\"mlw.slurm_job_id\"" -o tsv)" = "" &&
	test ! -e .mlw/runs/d1 &&
	mlw fsck
'

test_expect_success 'a Slurm time limit reached fails the run, saying so' '
	mlw compute create -q -o none -n short --type slurm --time-limit 1 &&
	printf "command: sleep 600\nenvironment: azureml:host@1\ncompute: short\n" >long.yml &&
	test_expect_code 1 mlw -q job create -f long.yml --wait --name t1 &&
	mlw job show t1 -o json >t.json &&
	test "$(test_json_get t.json "[\"status\"]")" = Failed &&
	test_grep "reached its time limit" t.json
'

# the daemons stopped before test_done removes their folder
slurm_stop
test_done

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

# the Slurm job id mlw recorded for run $1
slurm_id () {
	mlw job show $1 --query 'tags."mlw.slurm_job_id"' -o tsv
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
test_done

#!/bin/sh
test_description='the Slurm executor against stand-in clients: a job the controller has forgotten is read from accounting (sacct), a sbatch that says no job id'
. ./test-lib.sh

# Slurm's clients as scripts: sbatch takes job 42 and runs nothing;
# the controller does not know it (squeue, scontrol); accounting does
mkdir bin &&
cat >bin/sbatch <<\EOF_ &&
#!/bin/sh
echo "$*" >>"$HOME/sbatch.args"
echo "${FAKE_SBATCH_SAYS:-42}"
EOF_
cat >bin/squeue <<\EOF_ &&
#!/bin/sh
echo "slurm_load_jobs error: Invalid job id specified" >&2
exit 1
EOF_
cat >bin/scontrol <<\EOF_ &&
#!/bin/sh
echo "slurm_load_jobs error: Invalid job id specified" >&2
exit 1
EOF_
cat >bin/sacct <<\EOF_ &&
#!/bin/sh
echo "$*" >>"$HOME/sacct.args"
echo "${FAKE_SACCT_SAYS}"
EOF_
cat >bin/scancel <<\EOF_ &&
#!/bin/sh
echo "$*" >>"$HOME/scancel.args"
EOF_
chmod +x bin/* || exit 1
PATH=$PWD/bin:$PATH

test_expect_success 'setup' '
	mlw init -q . &&
	mlw compute create -q -o none -n hpc --type slurm --partition p1 \
		--account acct --qos high --time-limit 5 --cpus-per-task 2 \
		--mem 1G --sbatch-option=--exclusive &&
	printf "command: echo hi\nenvironment: azureml:host@1\ncompute: hpc\n" >job.yml
'

test_expect_success 'a job Slurm forgot: accounting says how it ended' '
	FAKE_SACCT_SAYS="TIMEOUT|0:15" &&
	export FAKE_SACCT_SAYS &&
	test_expect_code 1 mlw -q job create -f job.yml --wait --name a1 &&
	mlw job show a1 -o json >a.json &&
	test "$(test_json_get a.json "[\"status\"]")" = Failed &&
	test_grep "Slurm job 42 reached its time limit" a.json &&
	test_grep " -j 42 " sacct.args &&
	test "$(mlw job show a1 --query "tags.\"mlw.slurm_job_id\"" -o tsv)" = 42
'

test_expect_success 'accounting says it was canceled outside mlw: Canceled' '
	FAKE_SACCT_SAYS="CANCELLED by 0|0:15" &&
	export FAKE_SACCT_SAYS &&
	test_expect_code 1 mlw -q job create -f job.yml --wait --name a2 &&
	test "$(mlw job show a2 --query status -o tsv)" = Canceled
'

test_expect_success 'neither the controller nor accounting knows it: Failed, saying so' '
	FAKE_SACCT_SAYS= &&
	test_expect_code 1 mlw -q job create -f job.yml --wait --name a3 &&
	mlw job show a3 -o json >a.json &&
	test_grep "Slurm no longer knows how it ended" a.json
'

test_expect_success 'sbatch is given the target settings' '
	head -n 1 sbatch.args >args &&
	for o in --parsable --job-name=mlw-a1 --partition=p1 --account=acct \
		--qos=high --time=5 --cpus-per-task=2 --mem=1G --nodes=1 \
		--ntasks-per-node=1 --exclusive; do
		grep -q -e "$o " args || return 1
	done &&
	test_grep "/\.mlw/runs/a1/slurm/job\.sh$" args
'

test_expect_success 'a sbatch that says no job id fails the run, saying what it said' '
	FAKE_SBATCH_SAYS="Submitted batch job" &&
	export FAKE_SBATCH_SAYS &&
	test_expect_code 1 mlw -q job create -f job.yml --wait --name a4 2>err &&
	test_grep "sbatch said .Submitted batch job., not a job id" err &&
	test "$(mlw job show a4 --query status -o tsv)" = Failed
'

test_done

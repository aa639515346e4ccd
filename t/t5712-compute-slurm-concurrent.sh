#!/bin/sh
test_description='a sweep and a pipeline on a Slurm compute: trials and ready steps are concurrent Slurm jobs (a real one-node Slurm on loopback)'
. ./test-lib.sh
. "$TEST_DIRECTORY"/lib-job.sh
. "$TEST_DIRECTORY"/lib-slurm.sh
. "$TEST_DIRECTORY"/lib-pipeline.sh

slurm_start
test_set_timeout 400

# slurm_spans RUN...: "START END" (epoch seconds, as Slurm records them)
# of each run's Slurm job, one line each; fails for a run without one
slurm_spans () {
	for run in "$@"; do
		id=$(slurm_id $run) &&
		test -n "$id" &&
		scontrol show job -o $id >sj.span &&
		/usr/bin/python3 -c '
import re, sys, datetime
t = open("sj.span").read()
def at(k):
    v = re.search(k + "=(\\S+)", t).group(1)
    return int(datetime.datetime.strptime(v, "%Y-%m-%dT%H:%M:%S").timestamp())
assert re.search("JobState=COMPLETED ", t), t
print(at("StartTime"), at("EndTime"))' || return 1
	done
}

# most_at_once FILE: the most Slurm jobs of FILE (slurm_spans) that ran at
# the same time; a job that ended in the second another started does not
# count as beside it (Slurm's seconds are truncated, so this never counts
# more jobs at once than there were)
most_at_once () {
	/usr/bin/python3 -c '
import sys
ev = []
for line in open(sys.argv[1]):
    s, e = map(int, line.split())
    ev += [(s, 1), (e, -1)]
n = best = 0
for _, d in sorted(ev):
    n += d
    best = max(best, n)
print(best)' "$1"
}

test_expect_success 'setup: a workspace with a Slurm compute' '
	git init -q . &&
	mlw init -q . &&
	mlw compute create -q -o none -n hpc --type slurm --partition debug \
		--time-limit 10 &&
	mkdir src &&
	cat >src/trial.sh <<-\EOT &&
	echo "trial x=$1 in Slurm job $SLURM_JOB_ID"
	sleep 3
	echo "score=$1"
	echo "$1" >"$MLW_OUTPUT_MODEL/x.txt"
	EOT
	cat >sweep.yml <<-\EOT
	type: sweep
	trial:
	  command: sh trial.sh ${{search_space.x}}
	  code: src
	  environment: azureml:host@1
	compute: azureml:hpc
	properties: {mlw.metrics_pattern: true}
	outputs:
	  model: {type: uri_folder}
	sampling_algorithm: grid
	search_space:
	  x: {type: choice, values: [1, 2, 3, 4, 5, 6]}
	objective: {goal: maximize, primary_metric: score}
	limits: {max_total_trials: 6, max_concurrent_trials: 3}
	EOT
'

# more at once than this machine has CPUs: the limit is the sweep's
test_expect_success 'a sweep on a Slurm compute: every trial a Slurm job, max_concurrent_trials at a time' '
	mlw -q job create -f sweep.yml --name sw &&
	until_true "test \$(squeue -h -t RUNNING -o %j | grep -c ^mlw-sw_) = 3" &&
	wait_status sw Completed &&
	slurm_spans sw_0 sw_1 sw_2 sw_3 sw_4 sw_5 >spans &&
	test "$(most_at_once spans)" = 3
'

test_expect_success 'the Slurm trials are recorded as local ones: params, metrics, outputs, the best' '
	for i in 0 1 2 3 4 5; do
		x=$((i + 1)) &&
		mlw job show sw_$i -o json >t.json &&
		test "$(test_json_get t.json "[\"status\"]")" = Completed &&
		test "$(test_json_get t.json "[\"params\"][\"x\"]")" = $x &&
		test "$(test_json_get t.json "[\"metrics\"][\"score\"]")" = $x.0 &&
		mlw job stream sw_$i >log &&
		test_grep "trial x=$x in Slurm job $(slurm_id sw_$i)\$" log &&
		rm -rf dl &&
		mlw job download sw_$i --output-name model --download-path dl -q &&
		test "$(cat dl/named-outputs/model/x.txt)" = $x &&
		test ! -e .mlw/runs/sw_$i || return 1
	done &&
	mlw job show sw -o json >sw.json &&
	test "$(test_json_get sw.json "[\"best_child_run_id\"]")" = sw_5 &&
	test "$(test_json_get sw.json "[\"outputs\"][\"model\"][\"object\"]")" = \
	     "$(mlw job show sw_5 --query outputs.model.object -o tsv)"
'

test_expect_success 'a sweep of mlw train on a Slurm compute: its trials are Slurm jobs, not in-process' '
	cp "$MLW_BUILD_DIR/share/datasets/diabetes.csv" . &&
	cat >train.yml <<-\EOT &&
	type: sweep
	trial:
	  command: mlw train ridge --data ${{inputs.data}} --target target --alpha ${{search_space.alpha}} --cv 3
	  environment: azureml:host@1
	compute: azureml:hpc
	inputs:
	  data: {type: uri_file, path: ./diabetes.csv}
	sampling_algorithm: grid
	search_space:
	  alpha: {type: choice, values: [0.01, 10]}
	objective: {goal: maximize, primary_metric: r2_score}
	limits: {max_total_trials: 2, max_concurrent_trials: 2}
	EOT
	mlw -q job create -f train.yml --wait --name ts &&
	mlw job stream ts >log &&
	test_grep "ts_0: started: alpha=" log &&
	test_grep -v "in-process:" log &&
	test_grep "2 trials in .* (0 in-process)" log &&
	slurm_spans ts_0 ts_1 >spans &&
	sed "s/compute: azureml:hpc/compute: local/" train.yml >train-local.yml &&
	mlw -q job create -f train-local.yml --wait --name tl &&
	mlw job stream tl >log &&
	test_grep "tl_0: started in-process" log
'

test_expect_success 'its trials have the metrics in-process trials have, and the best model is the output' '
	for i in 0 1; do
		for m in r2_score train_r2_score root_mean_squared_error; do
			test "$(mlw job show ts_$i --query "metrics.$m" -o tsv)" = \
			     "$(mlw job show tl_$i --query "metrics.$m" -o tsv)" ||
			return 1
		done
	done &&
	best=$(mlw job show ts --query best_child_run_id -o tsv) &&
	test "$best" = "$(mlw job show tl --query best_child_run_id -o tsv | sed s/^tl/ts/)" &&
	test -n "$(mlw job show ts --query outputs.model.object -o tsv)" &&
	test "$(mlw job show ts --query outputs.model.object -o tsv)" = \
	     "$(mlw job show $best --query outputs.model.object -o tsv)" &&
	mlw job download ts --output-name model --download-path dl-ts -q &&
	test_file_not_empty dl-ts/named-outputs/model/MLmodel
'

test_expect_success 'an AutoML job on a Slurm compute: every trial a Slurm job, the best model its output' '
	cat >automl.yml <<-\EOT &&
	type: automl
	task: regression
	primary_metric: r2_score
	target_column_name: target
	compute: azureml:hpc
	training_data: {path: ./diabetes.csv, type: uri_file}
	n_cross_validations: 3
	limits: {max_trials: 4, max_concurrent_trials: 2}
	EOT
	mlw -q job create -f automl.yml --wait --name am &&
	test "$(mlw job show am --query status -o tsv)" = Completed &&
	mlw job list --parent-job-name am --all-results --query "[].name" -o tsv >trials &&
	test $(wc -l <trials) = 4 &&
	slurm_spans $(cat trials) >spans &&
	test "$(most_at_once spans)" -le 2 &&
	best=$(mlw job show am --query best_child_run_id -o tsv) &&
	test -n "$(mlw job show am --query outputs.best_model.object -o tsv)" &&
	test "$(mlw job show am --query outputs.best_model.object -o tsv)" = \
	     "$(mlw job show $best --query outputs.best_model.object -o tsv)"
'

test_expect_success 'a pipeline with a Slurm default_compute: its ready steps are concurrent Slurm jobs' '
	cat >pipe.yml <<-\EOT &&
	type: pipeline
	settings: {default_compute: azureml:hpc}
	outputs:
	  joined: {type: uri_folder}
	jobs:
	  left:
	    command: echo "left in $SLURM_JOB_ID"; sleep 3; echo L >${{outputs.o}}/l.txt
	    environment: azureml:host@1
	    outputs: {o: {type: uri_folder}}
	  right:
	    command: echo "right in $SLURM_JOB_ID"; sleep 3; echo R >${{outputs.o}}/r.txt
	    environment: azureml:host@1
	    outputs: {o: {type: uri_folder}}
	  join:
	    command: cat ${{inputs.a}}/l.txt ${{inputs.b}}/r.txt >${{outputs.j}}/j.txt; echo "join in $SLURM_JOB_ID"
	    environment: azureml:host@1
	    inputs:
	      a: ${{parent.jobs.left.outputs.o}}
	      b: ${{parent.jobs.right.outputs.o}}
	    outputs:
	      j: ${{parent.outputs.joined}}
	EOT
	mlw -q job create -f pipe.yml --wait --name pp &&
	for s in left right join; do
		run=$(step_field pp $s job) &&
		eval "run_$s=$run" &&
		test "$(mlw job show $run --query compute -o tsv)" = azureml:hpc &&
		mlw job stream $run >log &&
		test_grep "$s in $(slurm_id $run)\$" log || return 1
	done &&
	slurm_spans $run_left $run_right >spans &&
	test "$(most_at_once spans)" = 2 &&
	slurm_spans $run_left $run_right $run_join >spans3 &&
	/usr/bin/python3 -c "
import sys
l, r, j = [list(map(int, x.split())) for x in open(\"spans3\")]
assert j[0] >= max(l[1], r[1]), (l, r, j)"
'

test_expect_success 'the steps outputs pass through the store, to the pipeline output' '
	mlw job download pp --output-name joined --download-path dl-pp -q &&
	printf "L\nR\n" >expect &&
	test_cmp expect dl-pp/named-outputs/joined/j.txt
'

test_expect_success 'steps that name a Slurm compute are Slurm jobs; the others run here' '
	cat >mixed.yml <<-\EOT &&
	type: pipeline
	jobs:
	  a:
	    command: echo "a in $SLURM_JOB_ID"; sleep 3; echo A >${{outputs.o}}/a.txt
	    environment: azureml:host@1
	    compute: azureml:hpc
	    outputs: {o: {type: uri_folder}}
	  b:
	    command: echo "b in $SLURM_JOB_ID"; sleep 3
	    environment: azureml:host@1
	    compute: hpc
	  c:
	    command: echo "c here${SLURM_JOB_ID}"; cat ${{inputs.a}}/a.txt
	    environment: azureml:host@1
	    inputs: {a: "${{parent.jobs.a.outputs.o}}"}
	EOT
	mlw -q job create -f mixed.yml --wait --name pm &&
	a=$(step_field pm a job) &&
	b=$(step_field pm b job) &&
	c=$(step_field pm c job) &&
	slurm_spans $a $b >spans &&
	test "$(most_at_once spans)" = 2 &&
	test "$(slurm_id $c)" = "" &&
	mlw job stream $c >log &&
	test_grep "^c here\$" log &&
	test_grep "^A\$" log
'

# the daemons stopped before test_done removes their folder
slurm_stop
test_done

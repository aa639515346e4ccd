#!/bin/sh
# p6001-sweep-overhead - the sweep engine's own cost per trial.
#
# 1,000 trials of a random sweep over three parameters (loguniform,
# uniform, choice) whose objective is their sum, one at a time: mlw's
# scheduler (next, report, finish; t/perf/sweep-bench.c) against Optuna's
# RandomSampler with in-memory storage on the same objective (Debian's
# python3-optuna; the issue measured 0.16 ms a trial).  Best of 9 for
# mlw (a run is a few milliseconds: one preemption on a shared machine
# triples it), of 3 for Optuna.
#
# Then the same with durability: a sweep job of 1,000 in-process trials
# whose objective is trivial (mlw train ridge on a 6-row CSV, alpha
# sampled), every trial a child run committed to the catalog, timed end
# to end ('mlw job create --wait': supervisor start, catalog, log),
# against Optuna with its SQLite storage (RDBStorage in a scratch file;
# the issue measured 26 ms a trial).  The issue's targets: 50x lower
# than Optuna in memory and 20x lower than Optuna on SQLite, with every
# trial durable.
#
# Each target is read like for like: the engine against Optuna in
# memory, the durable sweep job against Optuna on SQLite.  Read the
# other way, the first would ask for 3.2 us a durable trial (0.16 ms /
# 50), and would make the second (1.3 ms) say nothing.  That reading is
# printed too, for information, with what bounds it: the job's fixed
# cost (a 1-trial sweep: the process, its supervisor, the catalog) is
# several times 3.2 ms on its own, and a durable trial is some 30 B-tree
# entries (a run with its indexes, 12 metric points, 12 last values, a
# param), each near a microsecond in SQLite.
#
# PERF_TRIALS overrides 1000.
. t/perf/perf-lib.sh
. t/perf/lib-p6.sh
perf_setup "$@"
p6_need optuna

trials=${PERF_TRIALS:-1000}
# best_of N CMD...: the lowest ms/trial of N runs
best_of () {
	_best= _n=$1
	shift
	for _i in $(seq "$_n"); do
		"$@" >"$PERF_TMP/o" || perf_die "'$*' failed"
		_ms=$(awk '{ print $3 }' "$PERF_TMP/o")
		perf_keep_min _best "$_ms"
	done
	echo "$_best"
}
mlw_ms=$(best_of 9 "$BENCH" overhead "$trials")
opt_ms=$(best_of 3 "$PY" "$PEER" overhead "$trials")
perf_info "mlw engine, per trial ($trials trials)" "$mlw_ms" ms
perf_info "Optuna RandomSampler in memory, per trial" "$opt_ms" ms
perf_result "Optuna / mlw engine (no catalog)" \
	"$(perf_calc "$opt_ms / $mlw_ms")" '>' 50 x

W=$PERF_TMP/w
mkdir "$W" && cd "$W" || perf_die "no scratch folder"
"$MLW" init -q . || perf_die "mlw init"
printf 'x,y\n1,2\n2,4.1\n3,5.9\n4,8.2\n5,9.9\n6,12\n' >tiny.csv
cat >sweep.yml <<EOF
type: sweep
trial:
  command: >-
    mlw train ridge --data \${{inputs.data}} --target y
    --alpha \${{search_space.alpha}}
  environment: azureml:local@latest
inputs:
  data:
    type: uri_file
    path: ./tiny.csv
sampling_algorithm:
  type: random
  seed: 1
search_space:
  alpha:
    type: loguniform
    min_value: -6
    max_value: -1
objective:
  goal: maximize
  primary_metric: train_r2_score
limits:
  max_total_trials: $trials
  max_concurrent_trials: 1
EOF
run=0
mlw_sweep () {
	run=$((run + 1))
	"$MLW" -q job create -f sweep.yml --name "s$run" --wait
}
perf_best 3 job_s "mlw sweep job, $trials trials" true -- mlw_sweep
sed "s/max_total_trials: $trials/max_total_trials: 1/" sweep.yml >one.yml
mlw_one () {
	run=$((run + 1))
	"$MLW" -q job create -f one.yml --name "s$run" --wait
}
perf_best 3 one_s "mlw sweep job, 1 trial" true -- mlw_one
run=$((run - 3))
n=$("$MLW" job list --parent-job-name "s$run" --status Completed \
	--all-results -o tsv | wc -l)
# once: on SQLite a run of Optuna takes minutes
"$PY" "$PEER" overhead "$trials" "sqlite:///$W/optuna.db" >"$PERF_TMP/o" ||
	perf_die "Optuna on SQLite failed"
sql_ms=$(awk '{ print $3 }' "$PERF_TMP/o")
job_ms=$(perf_calc "$job_s * 1000 / $trials")
perf_info "mlw sweep job, per trial, durable" "$job_ms" ms
perf_info "Optuna RandomSampler on SQLite, per trial" "$sql_ms" ms
perf_info "mlw sweep job of 1 trial (the fixed cost)" \
	"$(perf_calc "$one_s * 1000")" ms
perf_info "mlw sweep job, per trial past the fixed cost" \
	"$(perf_calc "($job_s - $one_s) * 1000 / ($trials - 1)")" ms
perf_info "Optuna in memory / mlw sweep job (durable)" \
	"$(perf_calc "$opt_ms / $job_ms")" x
perf_result "Optuna on SQLite / mlw sweep job" \
	"$(perf_calc "$sql_ms / $job_ms")" '>' 20 x
perf_result "trials Completed in the catalog" "$n" '>' "$trials" ""
perf_done

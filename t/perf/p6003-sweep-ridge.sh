#!/bin/sh
# p6003-sweep-ridge - a real sweep job against scikit-learn and Optuna.
#
# The issue's benchmark: a 1,000-trial random sweep of ridge's alpha
# (loguniform over [e^-9, e^5]) with --cv 5 on the bundled diabetes data,
# run as a user runs it ('mlw job create -f sweep.yml --wait': every
# trial in-process and recorded as a child run in the catalog), against
# scikit-learn's GridSearchCV(Ridge(), {'alpha': the same 1,000 values},
# cv=5) and against Optuna's RandomSampler driving
# cross_val_score(Ridge(alpha), cv=5) for 1,000 trials (Debian's
# python3-sklearn and python3-optuna).  One trial at a time everywhere
# (max_concurrent_trials 1; scikit-learn's n_jobs=1), best of 3.
# Targets: at least 20x GridSearchCV's time, the same best alpha and CV
# score (mlw's --cv K folds are KFold(K)'s), every trial in the catalog.
# Optuna's figures (trials per second, the best score after the same
# number of trials) are reported.
#
# PERF_TRIALS overrides 1000.
. t/perf/perf-lib.sh
. t/perf/lib-p6.sh
perf_setup "$@"
perf_need "$MLW"
p6_need optuna
"$PY" -c 'import sklearn, pandas' 2>/dev/null ||
	perf_die "python3-sklearn or python3-pandas is missing (make install-deps)"

trials=${PERF_TRIALS:-1000}
W=$PERF_TMP/w
mkdir "$W" && cd "$W" || perf_die "no scratch folder"
"$MLW" init -q . || perf_die "mlw init"
cp "$PERF_TOP/share/datasets/diabetes.csv" . || perf_die "no diabetes.csv"
cat >sweep.yml <<EOF
type: sweep
trial:
  command: >-
    mlw train ridge --data \${{inputs.data}} --target target
    --alpha \${{search_space.alpha}} --cv 5
  environment: azureml:local@latest
inputs:
  data:
    type: uri_file
    path: ./diabetes.csv
sampling_algorithm:
  type: random
  seed: 1
search_space:
  alpha:
    type: loguniform
    min_value: -9
    max_value: 5
objective:
  goal: maximize
  primary_metric: r2_score
limits:
  max_total_trials: $trials
  max_concurrent_trials: 1
EOF

run=0
mlw_sweep () {
	run=$((run + 1))
	"$MLW" -q job create -f sweep.yml --name "s$run" --wait
}
perf_best 3 mlw_s "mlw sweep job, $trials trials" true -- mlw_sweep

# the last sweep's trials: all in the catalog, their alphas for the grid
"$MLW" job list --parent-job-name "s$run" --all-results -o json \
	>kids.json || perf_die "mlw job list"
"$MLW" job show "s$run" -o json >sweep.json || perf_die "mlw job show"
"$PY" - <<\EOF || perf_die "reading the sweep"
import json
kids = json.load(open("kids.json"))
s = json.load(open("sweep.json"))
with open("count", "w") as f:
    print(sum(k["status"] == "Completed" for k in kids), file=f)
with open("alphas", "w") as f:
    for t in s["trials"]:
        print(t["params"]["alpha"], file=f)
best = s["trials"][0]
with open("best", "w") as f:
    print(best["params"]["alpha"], s["best_metric_value"], file=f)
EOF
read -r mlw_alpha mlw_score <best

grid () {
	"$PY" "$PEER" grid diabetes.csv alphas >grid.out
}
ridge () {
	"$PY" "$PEER" ridge diabetes.csv "$trials" >ridge.out
}
# peer_best VAR PEER: the best of 3; the peers time themselves (the
# interpreter's start and imports are not counted)
peer_best () {
	_pb= _runs=
	for _i in 1 2 3; do
		"$2" || perf_die "the $2 peer failed"
		_s=$(cut -d' ' -f1 "$2.out")
		_runs="$_runs $_s"
		perf_keep_min _pb "$_s"
	done
	echo "#   $2:$_runs s"
	eval "$1=\$_pb"
}
peer_best grid_s grid
peer_best ridge_s ridge
read -r _ grid_alpha grid_score <grid.out
read -r _ opt_alpha opt_score <ridge.out

perf_info "mlw sweep job, $trials trials" "$mlw_s" s
perf_info "GridSearchCV, the same alphas" "$grid_s" s
perf_info "Optuna RandomSampler + cross_val_score" "$ridge_s" s
perf_info "mlw trials per second" "$(perf_calc "$trials / $mlw_s")"
perf_info "Optuna + scikit-learn trials per second" \
	"$(perf_calc "$trials / $ridge_s")"
perf_info "best alpha: mlw, GridSearchCV" "$mlw_alpha $grid_alpha"
perf_info "best CV r2: mlw, GridSearchCV" "$mlw_score $grid_score"
perf_info "best CV r2 after $trials trials: Optuna" "$opt_score"
perf_result "GridSearchCV / mlw sweep job" \
	"$(perf_calc "$grid_s / $mlw_s")" '>' 20 x
perf_result "Optuna + scikit-learn / mlw sweep job" \
	"$(perf_calc "$ridge_s / $mlw_s")" '>' 20 x
rel="(d = ($mlw_alpha - $grid_alpha) / $grid_alpha) < 0 ? -d : d"
perf_result "same best alpha (relative difference)" "$(perf_calc "$rel")" \
	'<' 1e-9 ""
perf_result "same best CV score (absolute difference)" \
	"$(perf_calc "(d = $mlw_score - $grid_score) < 0 ? -d : d")" '<' \
	1e-9 ""
perf_result "mlw best - Optuna best, equal trials" \
	"$(perf_calc "$mlw_score - $opt_score")" '>' -1e-9 ""
perf_result "trials Completed in the catalog" "$(cat count)" '>' \
	"$trials" ""
perf_done

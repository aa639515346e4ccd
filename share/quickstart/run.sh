#!/bin/sh
# The mlw quickstart: create a workspace, register data, run a command job
# that trains a model in-process on a bundled dataset, look at its metrics,
# score data with the model it registered, deploy it to an online
# endpoint and invoke it over HTTP, sweep its hyperparameter and register
# the best model, and verify the store.
# Run from the top of the source tree after 'make'; it works in a scratch
# folder and leaves it behind for a look.
set -e
top=$(pwd)
MLW=${MLW:-$top/mlw}
dir=${1:-${TMPDIR:-/tmp}/mlw-quickstart}
rm -rf "$dir"
mkdir -p "$dir/data"
cp -R share/quickstart/project/. "$dir/"
cp share/datasets/diabetes.csv "$dir/data/"
cd "$dir"
"$MLW" init
echo "== register the training data as a versioned data asset"
"$MLW" data create --name diabetes --path data/diabetes.csv --type uri_file -o table
echo "== its id is its SHA-256, as sha256sum prints"
"$MLW" hash-object data/diabetes.csv
sha256sum data/diabetes.csv
echo "== run the command job train-job.yml: ridge regression, in-process (LAPACK)"
"$MLW" job create -f train-job.yml --name diabetes-ridge-1 --stream
echo "== the job's metrics (validation; train_ on the training rows) and params"
"$MLW" job show diabetes-ridge-1 --query metrics -o yaml
"$MLW" job show diabetes-ridge-1 --query params -o yaml
echo "== the job registered its output as a model, with the job as lineage"
"$MLW" model list
echo "== score every row with the registered model"
"$MLW" model score diabetes-ridge@latest --input data/diabetes.csv \
	--output predictions.csv
head -n 5 predictions.csv
echo "== deploy the model to an online endpoint, serve it, invoke it over HTTP"
"$MLW" endpoint create -f endpoint.yml -o none
"$MLW" endpoint deployment create -f blue.yml --all-traffic -o none
trap '"$MLW" endpoint stop diabetes-online -q 2>/dev/null || :' EXIT
"$MLW" endpoint serve diabetes-online --port 0 --detach
"$MLW" endpoint invoke diabetes-online --request-file sample-request.json
"$MLW" endpoint stop diabetes-online
echo "== sweep alpha: 50 in-process trials, each a child run (sweep-job.yml)"
"$MLW" job create -f sweep-job.yml --name diabetes-sweep-1 --wait
echo "== the best trial, its alpha and CV score; the five best trials"
"$MLW" job show diabetes-sweep-1 \
	--query '{best: best_child_run_id, r2_score: best_metric_value}' -o yaml
"$MLW" job list --parent-job-name diabetes-sweep-1 \
	--order-by metrics.r2_score --max-results 5
echo "== register the best trial's model, the sweep's output"
"$MLW" model create --name diabetes-ridge-best --type mlflow_model \
	--path azureml:jobs/diabetes-sweep-1/outputs/model -o table
echo "== verify every object and reference"
"$MLW" fsck -v
echo "quickstart done in $dir"

#!/bin/sh
# run.sh - install the npm mlflow client next to train.js, run job.yml in
# a workspace in this folder (made if there is none),
# and show what the client logged in the job's run.
set -e
cd "$(dirname "$0")"
test -d src/node_modules/mlflow ||
	(cd src && npm install --no-audit --no-fund --loglevel=error \
		--no-package-lock --no-save mlflow@2.0.7 >/dev/null)
test -d .mlw || mlw init -q .
name=$(mlw -q job create -f job.yml --wait --query name -o tsv)
mlw job show "$name" --query "{status: status, params: params, metrics: metrics, tags: tags}"

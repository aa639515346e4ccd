#!/bin/sh
# The mlw quickstart: create a workspace, store data, train a model
# in-process on a bundled dataset, register it, and verify the store.
# Run from the top of the source tree after 'make'; it works in a scratch
# folder and leaves it behind for a look.
set -e
top=$(pwd)
MLW=${MLW:-$top/mlw}
dir=${1:-${TMPDIR:-/tmp}/mlw-quickstart}
rm -rf "$dir"
mkdir -p "$dir"
cp -R share/quickstart/project/. "$dir/"
cp share/datasets/diabetes.csv "$dir/data/"
cd "$dir"
"$MLW" init
echo "== register the training data as a versioned data asset"
"$MLW" data create --name diabetes --path data/diabetes.csv --type uri_file -o table
echo "== its id is its SHA-256, as sha256sum prints"
"$MLW" hash-object data/diabetes.csv
sha256sum data/diabetes.csv
echo "== train ridge regression in-process (LAPACK), 20% held out"
"$MLW" train ridge --data data/diabetes.csv --target target \
	--alpha 0.5 --validation-split 0.2 --seed 1 --output model
echo "== register the model folder (MLflow layout)"
"$MLW" model create --name diabetes-ridge --type mlflow_model --path model -o table
"$MLW" model list
echo "== snapshot the project folder into a tree and list it"
tree=$("$MLW" write-tree .)
"$MLW" update-ref quickstart "$tree"
"$MLW" ls-tree "$tree"
echo "== verify every object and reference"
"$MLW" fsck -v
echo "quickstart done in $dir"

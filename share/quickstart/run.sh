#!/bin/sh
# The mlw quickstart: create a workspace, store a file and a folder, list
# them, and verify the store.  Run from the top of the source tree after
# 'make'; it works in a scratch folder and leaves it behind for a look.
set -e
MLW=${MLW:-$(pwd)/mlw}
dir=${1:-${TMPDIR:-/tmp}/mlw-quickstart}
rm -rf "$dir"
mkdir -p "$dir"
cp -R share/quickstart/project/. "$dir/"
cd "$dir"
"$MLW" init
echo "== store one file: its id is its SHA-256, as sha256sum prints"
"$MLW" hash-object -w data/iris-sample.csv
sha256sum data/iris-sample.csv
echo "== snapshot the project folder into a tree and list it"
tree=$("$MLW" write-tree .)
"$MLW" update-ref quickstart "$tree"
"$MLW" ls-tree -r "$tree"
echo "== verify every object and reference"
"$MLW" fsck -v
echo "quickstart done in $dir"

#!/bin/sh
# seeds.sh OUT - make the fuzzers' seed corpora in OUT/NAME/, afresh.
#
# From what the tree and the machine have: t/data, share/, ./mlw itself
# (trees it writes, models it trains, catalogs it fills) and, when it is
# there, the shared corpus of real Azure ML files (../shared/corpus, or
# $MLW_CORPUS), read in place: nothing of it is copied into the tree.
set -e
out=$1
test -n "$out" || { echo "usage: seeds.sh OUT" >&2; exit 2; }
top=$(cd "$(dirname "$0")/../.." && pwd)
mlw=${MLW:-$top/mlw}
case $mlw in /*) ;; *) mlw=$top/$mlw ;; esac
corpus=${MLW_CORPUS:-$top/../shared/corpus}
test -d "$corpus" || corpus=
rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)
for t in tree number csv mltable params mlmodel spec json payload batch; do
	mkdir -p "$out/$t"
done
work=$(mktemp -d "${TMPDIR:-/tmp}/mlw-seeds.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
"$mlw" init -q >/dev/null

# seed NAME FILE: copy FILE in as a seed named after its content
seed () {
	cp "$2" "$out/$1/$(sha256sum <"$2" | cut -c1-16)"
}

# corpus files of a kind (nothing without the corpus)
corpus_files () {
	test -n "$corpus" || return 0
	find "$corpus" -type f "$@" | sort
}

# --- number and csv: data files, numbers at their edges
printf '%s\n' 0 -0 1 1.5 -2.25e-3 1e308 1.7976931348623157e308 1e309 \
	4.9e-324 2.2250738585072014e-308 0.1 123456789012345678901234567890 \
	9007199254740993 inf -Infinity nan 1e-400 .5 5. +3 0x10 \
	'"a,b",c' '1,2,3' >numbers
seed number numbers
printf 'a,b,t\n1,x,2\n2.5,y,3\n,,\nNA,x,1\n"3",y,4\n"q""uote",x,5\r\n' >small.csv
seed csv small.csv
printf 'a\tb\n1\t2\n' >tab.csv
seed csv tab.csv
for f in $(corpus_files -name '*.csv' -o -name '*.tsv'); do
	head -c 3000 "$f" | sed '$d' >part.csv
	seed csv part.csv
	seed number part.csv
done

# --- mltable: MLTable, "#%%data", data
mltable () {
	{ cat; echo '#%%data'; printf 'a,b\n1,x\n2,y\n3,x\n'; } >mlt
	seed mltable mlt
}
printf 'paths:\n  - file: ./d.csv\ntransformations:\n  - read_delimited:\n      delimiter: ","\n      header: all_files_same_headers\n  - take: 3\n  - filter: "a > 1 and b == '"'"'x'"'"'"\n' | mltable
printf 'paths:\n  - pattern: ./parts/*.csv\ntransformations:\n  - read_delimited:\n      header: from_first_file\n      encoding: latin1\n  - drop_columns: [b]\n  - skip: 1\n' | mltable
printf 'paths:\n  - folder: ./parts\ntransformations:\n  - read_delimited:\n      header: no_header\n  - take_random_sample:\n      probability: 0.5\n      seed: 7\n  - keep_columns: [Column1]\n' | mltable
printf 'paths:\n  - file: d.csv\ntransformations:\n  - convert_column_types:\n      - columns: [a]\n        column_type: float\n      - columns: b\n        column_type: boolean\n' | mltable
{
	printf 'paths:\n  - file: d.jsonl\ntransformations:\n  - read_json_lines:\n      encoding: utf8\n      invalid_lines: drop\n      include_path_column: true\n'
	echo '#%%data'
	printf '{"a": 1, "b": "x"}\n{"a": 2.5, "b": null, "c": true}\nnot json\n'
} >mlt
seed mltable mlt
for f in $(corpus_files -name MLTable); do
	d=$(dirname "$f")
	data=$(find "$d" -maxdepth 1 -type f ! -name MLTable | sort | head -1)
	{
		cat "$f"
		echo '#%%data'
		test -z "$data" || head -c 2000 "$data"
	} >mlt
	seed mltable mlt
done

# --- spec: specs from t/data, share/ and the corpus
for f in $(find "$top/t/data" "$top/share" -name '*.yml' -o -name '*.yaml' |
	   sort) $(corpus_files -name '*.yml' -o -name '*.yaml'); do
	seed spec "$f"
done
printf '#set command=echo hi\n#set inputs.lr=0.1\n$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json\ncommand: python train.py --lr ${{inputs.lr}}\nenvironment: azureml:env@latest\ninputs:\n  lr: 0.01\n' >setspec
seed spec setspec

# --- params and mlmodel: models mlw trains, MLmodel files of the corpus
printf 'a,b,c,t,k\n' >train.csv
i=1
while test $i -le 40; do
	echo "$((i % 7)).5,$((i * 3 % 11)),x$((i % 3)),$((i % 5)),$((i % 2))"
	i=$((i + 1))
done >>train.csv
for algo in linear ridge lasso elastic_net kernel_ridge logistic lda \
	    gaussian_nb kmeans pca; do
	case $algo in
	logistic|lda|gaussian_nb) target="--target k" ;;
	kmeans) target="--n-clusters 3" ;;
	pca) target= ;;
	*) target="--target t" ;;
	esac
	"$mlw" train $algo --data train.csv $target --output m-$algo \
		>/dev/null 2>&1 || continue
	seed params m-$algo/params.bin
	seed mlmodel m-$algo/MLmodel
done
"$mlw" train ridge --data train.csv --target t --standardize \
	--output m-std >/dev/null 2>&1 && seed params m-std/params.bin
for f in $(corpus_files -name MLmodel); do
	seed mlmodel "$f"
done

# --- json: what the catalog keeps for registered models, read back
n=0
for d in m-linear m-logistic $(corpus_files -name MLmodel | xargs -r -n1 dirname); do
	n=$((n + 1))
	"$mlw" model create -n m$n -p "$d" --type mlflow_model \
		--tags "team=ml" --tags "note=a \"quoted\" value" \
		--properties "origin=seeds" >/dev/null 2>&1 || continue
done
sqlite3 .mlw/mlw.db "SELECT id FROM assets" | while read -r id; do
	for col in tags properties environment_variables flavors signature; do
		sqlite3 .mlw/mlw.db "SELECT ifnull($col, '') FROM assets WHERE id = $id"
		echo '#%%'
	done >js
	printf '%s\n#%%%%\n%s\n' 'flavors.python_function' \
		'{"azureml.runsource": "x", "n": [1, 2.5, null]}' >>js
	seed json js
done

# --- payload: scoring requests, a first byte for style and type
# (bit 0: MLflow's /invocations; bits 1-2: JSON, JSON; charset=utf-8,
# CSV, no type), then the body: every form of payload.h, the split
# orient at its edges, and the corpus's sample requests
payload () {
	{ printf "\\$(printf '%03o' "$1")"; cat; } >pl
	seed payload pl
}
printf '{"input_data": {"columns": ["a", "b"], "index": [0, 1], "data": [[1, "x"], [2.5, null]]}}' | payload 0
printf '{"input_data":{"data":[[0,-0,-0.0,1e308,4.9e-324,1e-400,0.1,123456789012345678,9007199254740993.0]]}}' | payload 0
printf '{"input_data": {"data": [[true, false], [null, "s"]], "columns": ["p", "q"]}}' | payload 2
printf '{"input_data": {"data": [[1, 2], [3]]}}' | payload 0
printf '{"input_data": [[1, 2], [3, 4]]}' | payload 0
printf '{"input_data": {"a": [1, 2], "b": [3, 4]}}' | payload 0
printf '{"dataframe_split": {"columns": ["a"], "index": [0], "data": [[1.5]]}}' | payload 1
printf '{"dataframe_records": [{"a": 1, "b": "x"}, {"b": "y"}]}' | payload 1
printf '{"instances": [[1, 2], [3, 4]], "params": {"k": 1}}' | payload 3
printf '{"inputs": {"a": [1, 2], "b": ["u", "v"]}}' | payload 1
printf 'a,b\n1,x\n"2",NA\n' | payload 5
for f in $(corpus_files -name 'sample-request*.json'); do
	payload 0 <"$f"
	payload 1 <"$f"
done

# --- batch: MLflow runs/log-batch bodies as clients send them, and the
# shapes the scanner declines (escapes, duplicates, a cut body)
batch () {
	cat >bt &&
	seed batch bt
}
printf '{"run_id": "r1", "metrics": [{"key": "loss", "value": 0.5, "timestamp": 1700000000123, "step": 3}]}' | batch
printf '{"metrics":[{"step":1,"timestamp":5,"value":-2e-3,"key":"a/b"},{"key":"c","value":7,"timestamp":9}],"run_id":"r"}' | batch
printf '{"run_id": "r", "params": [{"key": "lr", "value": "0.1"}], "tags": [{"value": "x", "key": "t"}]}' | batch
printf '{"run_id": "r", "metrics": [{"key": "k", "value": "NaN", "timestamp": 1}, {"key": "k", "value": "-Infinity", "timestamp": 2}]}' | batch
printf '{"run_uuid": "old", "run_id": "new", "metrics": [{"key": "k", "value": 1e308, "timestamp": -1, "step": 0}]}' | batch
printf '{"run_id": "r\\u0041", "tags": [{"key": "mlflow.user", "value": "\\"q\\""}]}' | batch
printf '{"run_id": "r", "run_id": "s"}' | batch

# --- tree: trees mlw writes of folders here, in their stored form
raw_tree () {
	printf 'mlw tree 1\n'
	"$mlw" cat-object -p "$1" |
	awk -F'\t' '{ split($1, f, " "); printf "%s %s %s %s\n", f[1], f[3], f[4], $2 }' |
	tr '\n' '\0'
}
mkdir -p snap/sub
echo a >snap/a
printf 'b\n' >"snap/b c"
echo x >snap/sub/x
ln -s a snap/link
chmod +x snap/a
cp -r "$top/t/data" snap/
# seed_trees ID: the tree and every tree beneath it
seed_trees () {
	raw_tree $1 >tree
	test "$(sha256sum <tree | cut -c1-64)" = $1 ||
		{ echo "seeds.sh: tree $1 does not read back" >&2; exit 1; }
	seed tree tree
	for sub in $("$mlw" ls-tree $1 | awk '$2 == "tree" { print $3 }'); do
		seed_trees $sub
	done
}
seed_trees $("$mlw" write-tree snap)
seed_trees $("$mlw" write-tree "$top/share")

for t in "$out"/*; do
	echo "$(ls "$t" | wc -l) seeds for $(basename "$t")"
done

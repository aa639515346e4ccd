#!/bin/sh
test_description='mlw train data-parallel under Open MPI: 1, 2 and 3 ranks give the one-process model, the refusals, a rank that dies, through a job'
. ./test-lib.sh

DATA=$MLW_BUILD_DIR/share/datasets

command -v mpirun >/dev/null && test_set_prereq MPIRUN
# Open MPI's own leaks are excused by library name (lib/util/lsan.c); a
# name is found only on a whole stack, which the fast unwinder does not
# get through libc and Open MPI (built without frame pointers)
if test_have_prereq ASAN; then
	ASAN_OPTIONS=$ASAN_OPTIONS:fast_unwind_on_malloc=0
	export ASAN_OPTIONS
fi

# mpi N ARGS...: ARGS as N ranks of mpirun (as root it must be allowed;
# more ranks than cores on a small machine)
mpi () {
	n=$1 &&
	shift &&
	mpirun --allow-run-as-root --oversubscribe -n "$n" "$@"
}

test_expect_success 'setup' '
	cp "$DATA/diabetes.csv" "$DATA/iris.csv" . &&
	cat >same.py <<-\PY &&
	# same.py ONE.json MPI.json: every number of the report (model,
	# metrics) within 1e-10 relative; the silhouette is one-process only
	import json, sys
	skip = {"time", "model", "data", "data_bytes", "ranks",
	        "silhouette_score", "blas"}
	def flat(o, path=""):
	    if isinstance(o, dict):
	        for k in sorted(o):
	            if k not in skip:
	                yield from flat(o[k], path + "/" + k)
	    elif isinstance(o, list):
	        for i, x in enumerate(o):
	            yield from flat(x, "%s[%d]" % (path, i))
	    else:
	        yield path, o
	a = dict(flat(json.load(open(sys.argv[1]))))
	b = dict(flat(json.load(open(sys.argv[2]))))
	assert a.keys() == b.keys(), set(a) ^ set(b)
	for k in a:
	    x, y = a[k], b[k]
	    if isinstance(x, float) or isinstance(y, float):
	        d = abs(x - y) / max(abs(x), abs(y), 1e-300)
	        assert d <= 1e-10, (k, x, y, d)
	    else:
	        assert x == y, (k, x, y)
	print(len(a), "values agree")
	PY
	cat >samecsv.py <<-\PY
	# samecsv.py A B: the same CSV, numbers within 1e-10 relative
	import csv, sys
	A = list(csv.reader(open(sys.argv[1])))
	B = list(csv.reader(open(sys.argv[2])))
	assert len(A) == len(B) > 1 and A[0] == B[0], (len(A), len(B))
	for r, (a, b) in enumerate(zip(A, B)):
	    for x, y in zip(a, b):
	        try:
	            x, y = float(x), float(y)
	        except ValueError:
	            assert x == y, (r, x, y)
	            continue
	        assert abs(x - y) <= 1e-10 * max(abs(x), abs(y), 1e-300), (r, x, y)
	PY
'

# train_ranks NAME "TRAIN ARGS" "SCORE INPUT": one process, then 1, 2
# and 3 ranks; the reports and the scores of the models agree to 1e-10
train_ranks () {
	name=$1 args=$2 input=$3
	test_expect_success MPIRUN "$name: 1, 2 and 3 ranks give the one-process model" '
		mlw train $args --output one-$name -o json >one-$name.json &&
		mlw model score one-$name --input $input --output one-$name.csv &&
		for n in 1 2 3; do
			rm -rf $name-$n &&
			mpi $n mlw train $args --output $name-$n -o json \
				>$name-$n.json &&
			test "$(test_json_get $name-$n.json "[\"ranks\"]")" = $n &&
			/usr/bin/python3 same.py one-$name.json $name-$n.json &&
			mlw model score $name-$n --input $input \
				--output $name-$n.csv &&
			/usr/bin/python3 samecsv.py one-$name.csv $name-$n.csv ||
			return 1
		done
	'
}

train_ranks ridge "ridge --data diabetes.csv --target target --alpha 0.5" diabetes.csv
train_ranks linear "linear --data diabetes.csv --target target" diabetes.csv
train_ranks lasso "lasso --data diabetes.csv --target target --alpha 0.1" diabetes.csv
train_ranks enet "elastic_net --data diabetes.csv --target target --alpha 0.01 --l1-ratio 0.3" diabetes.csv
train_ranks ridge-std "ridge --data diabetes.csv --target target --standardize" diabetes.csv
# iris is sorted by species: with 3 ranks each holds about one class
train_ranks logistic "logistic --data iris.csv --target species --C 10" iris.csv
train_ranks logistic-bal "logistic --data diabetes.csv --target sex --class-weight balanced --standardize" diabetes.csv
train_ranks kmeans "kmeans --data iris.csv --exclude species --n-clusters 3 --seed 7" iris.csv
train_ranks pca "pca --data diabetes.csv --n-components 4 --whiten" diabetes.csv

test_expect_success MPIRUN 'only rank 0 prints and writes' '
	rm -rf only &&
	mpi 3 mlw train ridge --data diabetes.csv --target target \
		--output only >out 2>err &&
	test $(grep -c "^train_r2_score" out) = 1 &&
	test $(grep -c "on 3 ranks" err) = 1 &&
	test -f only/MLmodel &&
	test_grep "442 rows x 10 features on 3 ranks" err
'

test_expect_success MPIRUN,SKLEARN 'the 3-rank models against scikit-learn' '
	cat >sk.py <<-\PY &&
	import json, sys, warnings
	warnings.simplefilter("ignore")
	import numpy as np
	import pandas as pd
	from sklearn.linear_model import Ridge, LogisticRegression
	from sklearn.decomposition import PCA
	from sklearn.cluster import KMeans
	def close(what, a, b, tol):
	    a, b = np.asarray(a, float), np.asarray(b, float)
	    err = np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300)
	    assert err <= tol, (what, err, a, b)
	d = pd.read_csv("diabetes.csv"); X = d.drop(columns="target").values
	r = json.load(open("ridge-3.json"))["coefficients"]
	sk = Ridge(alpha=0.5).fit(X, d["target"])
	close("ridge coef", r["coef"][0], sk.coef_, 1e-9)
	close("ridge intercept", r["intercept"], [sk.intercept_], 1e-9)
	i = pd.read_csv("iris.csv"); Xi = i.drop(columns="species").values
	r = json.load(open("logistic-3.json"))["coefficients"]
	sk = LogisticRegression(C=10, tol=1e-12, max_iter=100000).fit(Xi, i["species"])
	assert r["classes"] == list(sk.classes_), r["classes"]
	# the optimum: our objective no higher than that of scikit-learn
	yi = np.searchsorted(sk.classes_, i["species"])
	def obj(W, b0):
	    Z = Xi @ np.asarray(W).T + b0
	    m = Z.max(axis=1)
	    ll = m + np.log(np.exp(Z - m[:, None]).sum(axis=1)) - Z[np.arange(len(yi)), yi]
	    return 10 * ll.sum() + 0.5 * (np.asarray(W) ** 2).sum()
	ours, theirs = obj(r["coef"], r["intercept"]), obj(sk.coef_, sk.intercept_)
	assert ours <= theirs * (1 + 1e-9), (ours, theirs)
	close("logistic coef", r["coef"], sk.coef_, 1e-2)
	r = json.load(open("pca-3.json"))["pca"]
	sk = PCA(n_components=4, whiten=True, svd_solver="full").fit(d.values)
	close("pca variance", r["explained_variance"], sk.explained_variance_, 1e-9)
	close("pca |components|", np.abs(r["components"]), np.abs(sk.components_), 1e-7)
	r = json.load(open("km-init.json"))
	C0 = np.loadtxt("centers.csv", delimiter=",", skiprows=1)
	sk = KMeans(n_clusters=3, init=C0, n_init=1, algorithm="lloyd").fit(Xi)
	close("kmeans centers", r["kmeans"]["cluster_centers"], sk.cluster_centers_, 1e-9)
	close("kmeans inertia", r["metrics"]["inertia"], sk.inertia_, 1e-9)
	PY
	{
		echo sepal_length,sepal_width,petal_length,petal_width &&
		sed -n "2p;60p;120p" iris.csv | cut -d, -f1-4
	} >centers.csv &&
	mpi 3 mlw train kmeans --data iris.csv --exclude species \
		--init-centers centers.csv -o json >km-init.json &&
	/usr/bin/python3 sk.py
'

test_expect_success MPIRUN 'rows are cut at row starts: quoted line ends, CRLF, an empty share' '
	/usr/bin/python3 -c "
import random
random.seed(3)
with open(\"q.csv\", \"w\", newline=\"\") as f:
    f.write(\"note,a,b,y\r\n\")
    for i in range(300):
        a, b = random.random(), random.random()
        f.write(\"\\\"line %d\nof \"\"text\"\", more\\\",%r,%r,%r\r\n\" % (i, a, b, 2 * a - b + random.random()))
" &&
	mlw train ridge --data q.csv --target y --exclude note -o json >q1.json &&
	mpi 3 mlw train ridge --data q.csv --target y --exclude note \
		-o json >q3.json &&
	test "$(test_json_get q3.json "[\"rows\"]")" = 300 &&
	/usr/bin/python3 same.py q1.json q3.json &&
	printf "a,b,y\n1,2,3\n2,1,4\n3,5,1\n" >three.csv &&
	mlw train ridge --data three.csv --target y -o json >t1.json &&
	mpi 3 mlw train ridge --data three.csv --target y -o json >t3.json &&
	/usr/bin/python3 same.py t1.json t3.json
'

test_expect_success MPIRUN 'what cannot be distributed exactly refuses, once, with exit 2' '
	for algo in lda gaussian_nb kernel_ridge; do
		case $algo in
		lda|gaussian_nb) t=species d=iris.csv ;;
		*) t=target d=diabetes.csv ;;
		esac &&
		test_expect_code 2 mpi 2 mlw train $algo --data $d --target $t \
			--output no-$algo 2>err &&
		test $(grep -c "mlw: error: $algo cannot be trained under MPI" err) = 1 &&
		test ! -e no-$algo || return 1
	done &&
	test_grep "needs all rows at once" err &&
	test_expect_code 2 mpi 2 mlw train ridge --data diabetes.csv \
		--target target --cv 3 2>err &&
	test_grep "cross-validation" err &&
	test_expect_code 2 mpi 2 mlw train ridge --data diabetes.csv \
		--target target --predictions p.csv 2>err &&
	test_grep "mlw model score" err &&
	test ! -e p.csv &&
	test_expect_code 0 mpi 2 mlw train pca --data diabetes.csv >/dev/null &&
	head -5 iris.csv >few.csv &&
	test_expect_code 2 mpi 2 mlw train pca --data few.csv --exclude species 2>err &&
	test_grep "at least 10 rows a feature" err &&
	test_expect_code 2 mpi 2 mlw train ridge --data iris.csv \
		--target petal_width 2>err &&
	test $(grep -c "categorical features cannot be trained under MPI" err) = 1 &&
	mkdir tbl &&
	test_expect_code 2 mpi 2 mlw train ridge --data tbl --target y 2>err &&
	test_grep "must be a CSV file" err
'

test_expect_success MPIRUN 'an error in one rank'"'"'s rows stops every rank, naming it' '
	{
		head -300 diabetes.csv &&
		echo "59,2,32.1,101,157,93.2,38,4,4.8598,87," &&
		sed -n "301,\$p" diabetes.csv
	} >hole.csv &&
	test_expect_code 2 mpi 2 mlw train ridge --data hole.csv \
		--target target 2>err &&
	test $(grep -c "^mlw: error: rank 1: .*target" err) = 1
'

test_expect_success MPIRUN 'a rank that dies: the run fails and the other ranks are stopped' '
	cp iris.csv dies-marker.csv &&
	start=$(date +%s) &&
	! MLW_TEST_MPI_KILL_RANK=1 mpi 3 mlw train kmeans \
		--data dies-marker.csv --exclude species --output dead \
		2>err &&
	test $(($(date +%s) - start)) -lt 120 &&
	test ! -e dead &&
	test_grep "signal 9" err &&
	deadline=$(($(date +%s) + 30)) &&
	while pgrep -f dies-marker.csv >/dev/null; do
		test $(date +%s) -lt $deadline || return 1
		sleep 0.2
	done
'

test_expect_success MPIRUN 'through a job: distribution mpi, 2 ranks, rank 0 records the run' '
	mlw init -q . &&
	cat >job.yml <<-\EOT &&
	command: >-
	  mlw train ridge --data ${{inputs.d}} --target target --alpha 0.5
	inputs:
	  d:
	    type: uri_file
	    path: ./diabetes.csv
	outputs:
	  model:
	    type: mlflow_model
	environment: azureml:host@1
	distribution: {type: mpi, process_count_per_instance: 2}
	EOT
	mlw -q job create -f job.yml --name mpi1 --wait &&
	mlw job show mpi1 -o json >s.json &&
	test "$(test_json_get s.json "[\"status\"]")" = Completed &&
	test "$(test_json_get s.json "[\"params\"][\"algorithm\"]")" = ridge &&
	mlw job stream mpi1 >log &&
	test $(grep -c "on 2 ranks" log) = 1 &&
	test $(grep -c "^train_r2_score" log) = 1 &&
	/usr/bin/python3 -c "
import json
s = json.load(open(\"s.json\"))[\"metrics\"]
o = json.load(open(\"ridge-1.json\"))[\"metrics\"]
for k, v in o.items():
    assert abs(s[k] - v) <= 1e-10 * abs(v), (k, s[k], v)
" &&
	mlw job download mpi1 --output-name model --download-path dl &&
	mlw model score dl/named-outputs/model --input diabetes.csv \
		--output job.csv &&
	/usr/bin/python3 samecsv.py one-ridge.csv job.csv
'

test_expect_success MPIRUN 'through a job: a rank that dies fails the run' '
	cat >jobdie.yml <<-\EOT &&
	command: mlw train ridge --data ${{inputs.d}} --target target
	inputs:
	  d:
	    type: uri_file
	    path: ./diabetes.csv
	environment: azureml:host@1
	environment_variables:
	  MLW_TEST_MPI_KILL_RANK: "1"
	distribution: {type: mpi, process_count_per_instance: 2}
	EOT
	test_expect_code 1 mlw -q job create -f jobdie.yml --name mpi2 --wait &&
	test "$(mlw job show mpi2 --query status -o tsv)" = Failed
'

test_done

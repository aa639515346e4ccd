#!/bin/sh
test_description='mlw train kmeans against sklearn.cluster.KMeans (lloyd)'
. ./test-lib.sh

DATA=$MLW_BUILD_DIR/share/datasets


test_expect_success SKLEARN 'set up the reference scripts and synthetic sets' '
	cat >sk.py <<-\PY &&
	# sk.py CSV DROP OUT PRED CENTERS [max_iter=N tol=T]: KMeans from
	# the same initial centres must give the same clustering
	import json, sys, warnings
	warnings.simplefilter("ignore")
	import numpy as np
	from sklearn.cluster import KMeans
	from sklearn.metrics import silhouette_score
	csv, drop, out, pred, centers = sys.argv[1:6]
	opt = dict(a.split("=") for a in sys.argv[6:])
	hdr = open(csv).readline().strip().split(",")
	keep = [i for i, h in enumerate(hdr) if h != drop]
	X = np.loadtxt(csv, delimiter=",", skiprows=1, usecols=keep, ndmin=2)
	C0 = np.loadtxt(centers, delimiter=",", skiprows=1, ndmin=2)
	est = KMeans(n_clusters=len(C0), init=C0, n_init=1, algorithm="lloyd",
	    max_iter=int(opt.get("max_iter", 300)), tol=float(opt.get("tol", 1e-4))).fit(X)
	res = json.load(open(out))
	L = np.loadtxt(pred, delimiter=",", skiprows=1, ndmin=2)[:, 1].astype(int)
	print("rows_with_other_labels", int((L != est.labels_).sum()), 0, 0)
	print("inertia", res["metrics"]["inertia"], est.inertia_, 1e-9)
	print("n_iter", res["kmeans"]["n_iter"], est.n_iter_, 0)
	for c, row in enumerate(res["kmeans"]["cluster_centers"]):
	    for j, v in enumerate(row):
	        print("center[%d][%d]" % (c, j), v, est.cluster_centers_[c][j], 1e-9)
	if len(set(L)) > 1:
	    print("silhouette", res["metrics"]["silhouette_score"], silhouette_score(X, L), 1e-9)
	PY
	cat >pick.py <<-\PY &&
	# pick.py CSV DROP K SEED: K distinct rows as initial centres
	import sys
	import numpy as np
	csv, drop, k, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
	hdr = open(csv).readline().strip().split(",")
	keep = [i for i, h in enumerate(hdr) if h != drop]
	X = np.loadtxt(csv, delimiter=",", skiprows=1, usecols=keep, ndmin=2)
	idx = np.random.RandomState(seed).choice(len(X), k, replace=False)
	print(",".join(hdr[i] for i in keep))
	for i in idx:
	    print(",".join(repr(float(v)) for v in X[i]))
	PY
	/usr/bin/python3 -c "
import numpy as np
r = np.random.RandomState(3)
n = 600
c = r.randint(0, 5, n)
M = r.normal(size=(5, 4)) * 6
X = M[c] + r.normal(size=(n, 4))
X = np.column_stack([X, np.full(n, 2.0), X[:, 0] - X[:, 1]])
np.savetxt(\"blobs.csv\", X, delimiter=\",\", fmt=\"%.17g\",
	header=\"a,b,c,d,const,diff\", comments=\"\")
X = r.normal(size=(12, 40))
np.savetxt(\"wide.csv\", X, delimiter=\",\", fmt=\"%.17g\",
	header=\",\".join(\"f%d\" % j for j in range(40)), comments=\"\")
"
'

while read name csv drop k seed args; do
	test_expect_success SKLEARN "kmeans $name: same labels, inertia to 1e-9" '
		case $csv in
		iris|diabetes) csv=$DATA/$csv.csv ;;
		esac &&
		/usr/bin/python3 pick.py $csv $drop $k $seed >centers.csv &&
		mlw_args= &&
		for a in $args; do
			o=${a%%=*} &&
			mlw_args="$mlw_args --$(echo $o | tr _ -) ${a#*=}" || return 1
		done &&
		if test $drop = none; then ex=; else ex="--exclude $drop"; fi &&
		mlw train kmeans --data $csv $ex --init-centers centers.csv \
			$mlw_args --predictions pred.csv -o json >km.json &&
		/usr/bin/python3 sk.py $csv $drop km.json pred.csv centers.csv \
			$args >pairs &&
		test_approx_lines pairs
	'
done <<-\CASES
	iris-3 iris species 3 1
	iris-8 iris species 8 2
	diabetes-4 diabetes none 4 3
	diabetes-6-two-iterations diabetes none 6 4 max_iter=2
	blobs-5 blobs.csv none 5 5
	blobs-12-tol0 blobs.csv none 12 6 tol=0
	wide-3 wide.csv none 3 7
CASES

test_expect_success SKLEARN 'a constant column is named in a warning' '
	mlw train kmeans --data blobs.csv --n-clusters 5 >out 2>err &&
	test_grep "column .const. is constant" err &&
	test_grep -v "column .diff." err
'

test_expect_success SKLEARN 'an empty cluster takes the farthest row, as sklearn does' '
	{
		echo "sepal_length,sepal_width,petal_length,petal_width" &&
		echo "5,3.4,1.5,0.2" &&
		echo "6.5,3,5.5,2" &&
		echo "100,100,100,100"
	} >centers.csv &&
	mlw train kmeans --data $DATA/iris.csv --exclude species \
		--init-centers centers.csv --predictions pred.csv -o json >km.json &&
	/usr/bin/python3 sk.py $DATA/iris.csv species km.json pred.csv \
		centers.csv >pairs &&
	test_approx_lines pairs
'

test_expect_success SKLEARN 'k-means++ with restarts finds sklearn'"'"'s best iris clustering' '
	mlw train kmeans --data $DATA/iris.csv --exclude species --n-clusters 3 \
		--seed 7 -o json >km.json &&
	/usr/bin/python3 -c "
import json, sys, warnings
warnings.simplefilter(\"ignore\")
import numpy as np
from sklearn.cluster import KMeans
X = np.loadtxt(sys.argv[1], delimiter=\",\", skiprows=1, usecols=range(4))
ref = min(KMeans(3, n_init=10, random_state=s).fit(X).inertia_ for s in range(5))
got = json.load(open(\"km.json\"))[\"metrics\"][\"inertia\"]
assert abs(got - ref) <= 1e-9 * ref, (got, ref)
" $DATA/iris.csv
'

test_expect_success 'the seed makes k-means++ repeatable' '
	mlw train kmeans --data $DATA/diabetes.csv --n-clusters 5 --n-init 1 \
		--seed 11 --predictions a.csv >/dev/null &&
	mlw train kmeans --data $DATA/diabetes.csv --n-clusters 5 --n-init 1 \
		--seed 11 --predictions b.csv >/dev/null &&
	test_cmp a.csv b.csv
'

test_expect_success 'more clusters than rows, a target, bad centre files' '
	printf "a,b\n1,2\n3,4\n5,7\n" >three.csv &&
	test_expect_code 2 mlw train kmeans --data three.csv --n-clusters 4 2>err &&
	test_grep "4 clusters need at least as many rows" err &&
	test_expect_code 2 mlw train kmeans --data three.csv --target a 2>err &&
	test_grep "unsupervised" err &&
	test_expect_code 2 mlw train kmeans --data three.csv --cv 2 2>err &&
	printf "a\n1\n" >c1.csv &&
	test_expect_code 2 mlw train kmeans --data three.csv --init-centers c1.csv 2>err &&
	test_grep "1 columns; the data have 2 features" err &&
	printf "a,b\n1,2\n3,4\n" >c2.csv &&
	test_expect_code 2 mlw train kmeans --data three.csv --init-centers c2.csv \
		--n-clusters 3 2>err &&
	test_grep "2 centres but n_clusters is 3" err &&
	test_expect_code 2 mlw train pca --data three.csv --n-clusters 2 2>err &&
	test_grep "n-clusters does not apply to pca (pca takes --n-components, --whiten)" err
'

test_expect_success 'the model folder and the plain output' '
	mlw train kmeans --data $DATA/iris.csv --exclude species --n-clusters 3 \
		--output model >out &&
	test_grep "^inertia " out &&
	test_grep "^silhouette_score " out &&
	test_grep "algorithm: kmeans" model/MLmodel &&
	test_grep "\"name\": \"cluster\"" model/MLmodel
'

test_done

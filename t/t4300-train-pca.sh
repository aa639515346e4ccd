#!/bin/sh
test_description='mlw train pca against sklearn.decomposition.PCA (full SVD)'
. ./test-lib.sh

DATA=$MLW_BUILD_DIR/share/datasets


test_expect_success SKLEARN 'set up the reference script and synthetic sets' '
	cat >sk.py <<-\PY &&
	# sk.py CSV DROP OUT PRED [n_components=K] [whiten=1]; components
	# and transformed values are compared up to the sign of each component
	import json, sys, warnings
	warnings.simplefilter("ignore")
	import numpy as np
	from sklearn.decomposition import PCA
	csv, drop, out, pred = sys.argv[1:5]
	opt = dict(a.split("=") for a in sys.argv[5:])
	hdr = open(csv).readline().strip().split(",")
	keep = [i for i, h in enumerate(hdr) if h != drop]
	X = np.loadtxt(csv, delimiter=",", skiprows=1, usecols=keep, ndmin=2)
	k = int(opt["n_components"]) if "n_components" in opt else None
	est = PCA(n_components=k, whiten="whiten" in opt, svd_solver="full").fit(X)
	res = json.load(open(out)); pca = res["pca"]
	tol = float(opt.get("tol", 1e-8))
	ev0 = est.explained_variance_[0]; s0 = est.singular_values_[0]
	for name, ref, scale in (("explained_variance", est.explained_variance_, ev0),
	                         ("explained_variance_ratio", est.explained_variance_ratio_, 1),
	                         ("singular_values", est.singular_values_, s0)):
	    got = pca[name]
	    assert len(got) == len(ref), (name, len(got), len(ref))
	    for i in range(len(ref)):
	        # relative to the largest: the spectrum is one vector
	        print("%s[%d]" % (name, i), got[i] / scale, ref[i] / scale, tol)
	print("noise_variance", pca["noise_variance"] / ev0, est.noise_variance_ / ev0, tol)
	for j, v in enumerate(pca["mean"]):
	    print("mean[%d]" % j, v, est.mean_[j], 1e-12)
	C = np.array(pca["components"])
	signs = np.sign((C * est.components_).sum(axis=1))
	for r in range(C.shape[0]):
	    for j in range(C.shape[1]):
	        print("components[%d][%d]" % (r, j), signs[r] * C[r, j], est.components_[r, j], tol)
	T = np.loadtxt(pred, delimiter=",", skiprows=1, ndmin=2)[:, 1:] * signs
	ref = est.transform(X)
	scale = np.abs(ref).max()
	for i in range(0, len(X), max(1, len(X) // 60)):
	    for r in range(ref.shape[1]):
	        print("transformed[%d][%d]" % (i, r), T[i, r] / scale, ref[i, r] / scale, tol)
	PY
	/usr/bin/python3 -c "
import numpy as np
r = np.random.RandomState(4)
n = 200
Z = r.normal(size=(n, 3)) * [5, 2, 0.5]
X = np.column_stack([Z, Z[:, 0] + Z[:, 1], np.full(n, 3.0)])
np.savetxt(\"coll.csv\", X, delimiter=\",\", fmt=\"%.17g\", header=\"a,b,c,ab,const\", comments=\"\")
X = r.normal(size=(15, 50)) @ np.diag(np.linspace(1, 3, 50))
np.savetxt(\"wide.csv\", X, delimiter=\",\", fmt=\"%.17g\",
	header=\",\".join(\"f%d\" % j for j in range(50)), comments=\"\")
"
'

while read name csv drop args; do
	test_expect_success SKLEARN "pca $name matches sklearn to 1e-8" '
		case $csv in
		iris|diabetes|breast_cancer) csv=$DATA/$csv.csv ;;
		esac &&
		mlw_args= &&
		for a in $args; do
			case $a in
			whiten=*) mlw_args="$mlw_args --whiten" ;;
			tol=*) ;;
			*) mlw_args="$mlw_args --$(echo ${a%%=*} | tr _ -) ${a#*=}" ;;
			esac || return 1
		done &&
		if test $drop = none; then ex=; else ex="--exclude $drop"; fi &&
		mlw train pca --data $csv $ex $mlw_args --predictions pred.csv \
			-o json >pca.json &&
		/usr/bin/python3 sk.py $csv $drop pca.json pred.csv $args >pairs &&
		test_approx_lines pairs
	'
done <<-\CASES
	iris iris species
	iris-2-whiten iris species n_components=2 whiten=1
	diabetes diabetes none
	diabetes-3 diabetes none n_components=3
	breast-cancer-5 breast_cancer diagnosis n_components=5
	wide-all wide.csv none
	wide-4-whiten wide.csv none n_components=4 whiten=1
	collinear-constant-3 coll.csv none n_components=3
CASES

test_expect_success SKLEARN 'a constant column is named in a warning' '
	mlw train pca --data coll.csv >out 2>err &&
	test_grep "column .const. is constant" err
'

test_expect_success 'the solver: the covariance for tall data, the SVD for wide' '
	mlw train pca --data $DATA/diabetes.csv -o json >tall.json &&
	test "$(test_json_get tall.json "[\"solver\"]")" = syevd &&
	mlw train pca --data $DATA/iris.csv --exclude species -o json >iris.json &&
	test "$(test_json_get iris.json "[\"solver\"]")" = syevd &&
	printf "a,b,c\n1,2,3\n4,5,7\n8,1,1\n" >small.csv &&
	mlw train pca --data small.csv -o json >small.json &&
	test "$(test_json_get small.json "[\"solver\"]")" = gesdd
'

test_expect_success 'too many components, too few rows, a target' '
	printf "a,b,c\n1,2,3\n4,5,7\n" >two.csv &&
	test_expect_code 2 mlw train pca --data two.csv --n-components 3 2>err &&
	test_grep "3 components is more than min(rows, features) = 2" err &&
	printf "a,b\n1,2\n" >one.csv &&
	test_expect_code 2 mlw train pca --data one.csv 2>err &&
	test_grep "at least two rows" err &&
	test_expect_code 2 mlw train pca --data two.csv --target a 2>err &&
	test_grep "unsupervised" err &&
	test_expect_code 2 mlw train lda --data $DATA/iris.csv --target species \
		--n-components 2 2>err &&
	test_grep "n-components does not apply to lda (lda takes --solver, --shrinkage, --tol)" err
'

test_expect_success 'the model folder and the plain output' '
	mlw train pca --data $DATA/iris.csv --exclude species --n-components 2 \
		--output model >out &&
	test_grep "^explained_variance_ratio_total " out &&
	test_grep "algorithm: pca" model/MLmodel &&
	test_grep "\"name\": \"pc1\"" model/MLmodel
'

test_done

#!/bin/sh
test_description='mlw train lda against LinearDiscriminantAnalysis (svd, lsqr, eigen, shrinkage)'
. ./test-lib.sh

DATA=$MLW_BUILD_DIR/share/datasets


test_expect_success SKLEARN 'set up the reference script and synthetic sets' '
	cat >sk.py <<-\PY &&
	import csv as csvmod, json, sys, warnings
	warnings.simplefilter("ignore")
	import numpy as np
	from sklearn.discriminant_analysis import LinearDiscriminantAnalysis as LDA
	csv, target, out, pred = sys.argv[1:5]
	opt = dict(a.split("=") for a in sys.argv[5:])
	rows = list(csvmod.reader(open(csv)))
	ti = rows[0].index(target)
	X = np.array([[float(v) for i, v in enumerate(r) if i != ti] for r in rows[1:]])
	y = np.array([r[ti] for r in rows[1:]])
	kw = dict(solver=opt.get("solver", "svd"))
	if "shrinkage" in opt:
	    s = opt["shrinkage"]
	    kw["shrinkage"] = s if s == "auto" else float(s)
	est = LDA(**kw).fit(X, y)
	res = json.load(open(out))
	tol = float(opt.get("tol", 1e-8))
	coef = np.array(res["coefficients"]["coef"])
	b = np.array(res["coefficients"]["intercept"])
	assert coef.shape == est.coef_.shape, (coef.shape, est.coef_.shape)
	# relative to the largest coefficient of each decision function
	for k in range(coef.shape[0]):
	    s = max(1.0, np.abs(est.coef_[k]).max(), abs(est.intercept_[k]))
	    for j in range(coef.shape[1]):
	        print("coef[%d][%d]" % (k, j), coef[k][j] / s, est.coef_[k][j] / s, tol)
	    print("intercept[%d]" % k, b[k] / s, est.intercept_[k] / s, tol)
	lda = res["lda"]
	for k, m in enumerate(lda["means"]):
	    for j, v in enumerate(m):
	        print("means[%d][%d]" % (k, j), v, est.means_[k][j], 1e-12)
	for k, v in enumerate(lda["priors"]):
	    print("priors[%d]" % k, v, est.priors_[k], 1e-15)
	if kw["solver"] != "lsqr":
	    evr = lda["explained_variance_ratio"]
	    assert len(evr) == len(est.explained_variance_ratio_)
	    for k, v in enumerate(evr):
	        print("explained_variance_ratio[%d]" % k, v, est.explained_variance_ratio_[k], tol)
	P = list(csvmod.reader(open(pred)))
	assert P[0] == ["row", "y_true", "prediction"] + ["proba_" + str(c) for c in est.classes_], P[0]
	P = P[1:]
	proba = est.predict_proba(X); dec = est.decision_function(X)
	cls = list(est.classes_)
	yp = est.predict(X)
	for i in range(len(y)):
	    assert P[i][1] == y[i], (P[i][1], y[i])
	    print("predicted[%d]" % i, cls.index(P[i][2]), cls.index(yp[i]), 0)
	    for k in range(proba.shape[1]):
	        print("proba[%d][%d]" % (i, k), float(P[i][3 + k]), proba[i, k], tol)
	PY
	/usr/bin/python3 -c "
import numpy as np
r = np.random.RandomState(5)
def save(name, cols, X, y):
    with open(name, \"w\") as f:
        f.write(\",\".join(cols + [\"label\"]) + \"\n\")
        for row, c in zip(X, y):
            f.write(\",\".join(repr(float(v)) for v in row) + \",\" + c + \"\n\")
# three classes, a collinear and a constant column
n = 240
y = r.randint(0, 3, n)
x1 = r.normal(size=n) + y; x2 = r.normal(size=n) * 2 - y; x3 = r.normal(size=n)
x4 = x1 - 3 * x2; x5 = np.full(n, 7.0)
save(\"coll.csv\", [\"x1\", \"x2\", \"x3\", \"x4\", \"x5\"],
     np.column_stack([x1, x2, x3, x4, x5]), [\"abc\"[v] for v in y])
# n < d: 30 rows, 60 features, two classes
n, d = 30, 60
y = np.arange(n) % 2
X = r.normal(size=(n, d)) + 0.5 * y[:, None]
save(\"wide.csv\", [\"f%d\" % j for j in range(d)], X, [[\"no\", \"yes\"][v] for v in y])
# one class only
save(\"one.csv\", [\"a\", \"b\"], r.normal(size=(20, 2)), [\"only\"] * 20)
"
'

while read name csv target args; do
	test_expect_success SKLEARN "lda $name matches sklearn to 1e-8" '
		mlw_args= &&
		for a in $args; do
			mlw_args="$mlw_args --${a%%=*} ${a#*=}" || return 1
		done &&
		case $csv in
		iris|breast_cancer) csv=$DATA/$csv.csv ;;
		esac &&
		mlw train lda --data $csv --target $target $mlw_args \
			--predictions pred.csv -o json >lda.json &&
		/usr/bin/python3 sk.py $csv $target lda.json pred.csv $args >pairs &&
		test_approx_lines pairs
	'
done <<-\CASES
	svd-iris iris species
	svd-breast-cancer breast_cancer diagnosis
	lsqr-iris iris species solver=lsqr
	lsqr-auto-breast-cancer breast_cancer diagnosis solver=lsqr shrinkage=auto
	eigen-iris iris species solver=eigen
	eigen-shrunk-breast-cancer breast_cancer diagnosis solver=eigen shrinkage=0.3
	svd-collinear coll.csv label
	lsqr-collinear coll.csv label solver=lsqr
	lsqr-auto-collinear coll.csv label solver=lsqr shrinkage=auto
	eigen-auto-collinear coll.csv label solver=eigen shrinkage=auto
	svd-wide wide.csv label
	lsqr-shrunk-wide wide.csv label solver=lsqr shrinkage=0.5
	eigen-auto-wide wide.csv label solver=eigen shrinkage=auto
CASES

test_expect_success SKLEARN 'a constant column is named in a warning' '
	mlw train lda --data coll.csv --target label >out 2>err &&
	test_grep "column .x5. is constant" err
'

test_expect_success SKLEARN 'eigen on a singular within-class covariance: a clear error' '
	test_expect_code 1 mlw train lda --data coll.csv --target label \
		--solver eigen 2>err &&
	test_grep "within-class covariance is singular" err &&
	test_grep "shrinkage" err
'

test_expect_success SKLEARN 'one class only is an error' '
	test_expect_code 2 mlw train lda --data one.csv --target label 2>err &&
	test_grep "only one class" err
'

test_expect_success 'shrinkage needs lsqr or eigen; bad values are usage errors' '
	test_expect_code 2 mlw train lda --data $DATA/iris.csv --target species \
		--shrinkage 0.5 2>err &&
	test_grep "shrinkage needs solver lsqr or eigen" err &&
	test_expect_code 2 mlw train lda --data $DATA/iris.csv --target species \
		--solver lsqr --shrinkage 1.5 2>err &&
	test_expect_code 2 mlw train lda --data $DATA/iris.csv --target species \
		--solver qr 2>err &&
	test_grep "unknown solver .qr. (svd, lsqr, eigen)" err
'

test_expect_success 'validation metrics and the model folder' '
	mlw train lda --data $DATA/iris.csv --target species --cv 5 -o json >cv.json &&
	test_json_get cv.json "[\"metrics\"][\"accuracy\"]" >acc &&
	test_approx "$(cat acc)" 0.98 0.03 &&
	mlw train lda --data $DATA/iris.csv --target species --output model >/dev/null &&
	test_grep "algorithm: lda" model/MLmodel &&
	test_grep "classes: \[\"setosa\", \"versicolor\", \"virginica\"\]" model/MLmodel
'

test_done

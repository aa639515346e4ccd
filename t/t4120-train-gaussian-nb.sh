#!/bin/sh
test_description='mlw train gaussian_nb against sklearn.naive_bayes.GaussianNB'
. ./test-lib.sh

DATA=$MLW_BUILD_DIR/share/datasets


test_expect_success SKLEARN 'set up the reference script and synthetic sets' '
	cat >sk.py <<-\PY &&
	import csv as csvmod, json, sys, warnings
	warnings.simplefilter("ignore")
	import numpy as np
	from sklearn.naive_bayes import GaussianNB
	csv, target, out, pred = sys.argv[1:5]
	opt = dict(a.split("=") for a in sys.argv[5:])
	rows = list(csvmod.reader(open(csv)))
	ti = rows[0].index(target)
	X = np.array([[float(v) for i, v in enumerate(r) if i != ti] for r in rows[1:]])
	y = np.array([r[ti] for r in rows[1:]])
	est = GaussianNB(var_smoothing=float(opt.get("var-smoothing", 1e-9))).fit(X, y)
	nb = json.load(open(out))["gaussian_nb"]
	def rel(name, a, b):
	    # relative, also below 1: variances of scaled features are tiny
	    s = max(abs(b), 1e-300)
	    print(name, a / s, b / s, 1e-8)
	for k in range(len(est.classes_)):
	    for j in range(X.shape[1]):
	        rel("theta[%d][%d]" % (k, j), nb["theta"][k][j], est.theta_[k][j])
	        rel("var[%d][%d]" % (k, j), nb["var"][k][j], est.var_[k][j])
	    rel("class_prior[%d]" % k, nb["class_prior"][k], est.class_prior_[k])
	    rel("class_count[%d]" % k, nb["class_count"][k], est.class_count_[k])
	rel("epsilon", nb["epsilon"], est.epsilon_)
	P = list(csvmod.reader(open(pred)))
	assert P[0] == ["row", "y_true", "prediction"] + ["proba_" + str(c) for c in est.classes_], P[0]
	P = P[1:]
	proba = est.predict_proba(X); yp = est.predict(X); cls = list(est.classes_)
	for i in range(len(y)):
	    assert P[i][1] == y[i], (P[i][1], y[i])
	    print("predicted[%d]" % i, cls.index(P[i][2]), cls.index(yp[i]), 0)
	    for k in range(proba.shape[1]):
	        print("proba[%d][%d]" % (i, k), float(P[i][3 + k]), proba[i, k], 1e-8)
	PY
	/usr/bin/python3 -c "
import numpy as np
r = np.random.RandomState(9)
def save(name, cols, X, y):
    with open(name, \"w\") as f:
        f.write(\",\".join(cols + [\"label\"]) + \"\n\")
        for row, c in zip(X, y):
            f.write(\",\".join(repr(float(v)) for v in row) + \",\" + c + \"\n\")
n = 300
y = r.randint(0, 4, n)
x1 = r.normal(size=n) + y; x2 = r.normal(size=n) * 1e-3 + 1e4; x3 = x1 * 2
x4 = np.full(n, -2.5); x5 = r.exponential(size=n) * (y + 1)
save(\"coll.csv\", [\"x1\", \"x2\", \"x3\", \"x4\", \"x5\"],
     np.column_stack([x1, x2, x3, x4, x5]), [\"c%d\" % v for v in y])
n, d = 25, 80
y = np.arange(n) % 3
save(\"wide.csv\", [\"f%d\" % j for j in range(d)], r.normal(size=(n, d)) + y[:, None],
     [\"k%d\" % v for v in y])
save(\"one.csv\", [\"a\", \"b\"], r.normal(size=(10, 2)), [\"same\"] * 10)
save(\"flat.csv\", [\"a\", \"b\"], np.ones((10, 2)), [\"u\", \"v\"] * 5)
"
'

while read name csv target args; do
	test_expect_success SKLEARN "gaussian_nb $name matches sklearn to 1e-8" '
		mlw_args= &&
		for a in $args; do
			mlw_args="$mlw_args --${a%%=*} ${a#*=}" || return 1
		done &&
		case $csv in
		iris|breast_cancer) csv=$DATA/$csv.csv ;;
		esac &&
		mlw train gaussian_nb --data $csv --target $target $mlw_args \
			--predictions pred.csv -o json >nb.json &&
		/usr/bin/python3 sk.py $csv $target nb.json pred.csv $args >pairs &&
		test_approx_lines pairs
	'
done <<-\CASES
	iris iris species
	breast-cancer breast_cancer diagnosis
	smoothed-breast-cancer breast_cancer diagnosis var-smoothing=1e-3
	collinear-constant coll.csv label
	wide wide.csv label
CASES

test_expect_success SKLEARN 'a constant column is named in a warning' '
	mlw train gaussian_nb --data coll.csv --target label >out 2>err &&
	test_grep "column .x4. is constant" err
'

test_expect_success SKLEARN 'one class, or nothing but constant columns, is an error' '
	test_expect_code 2 mlw train gaussian_nb --data one.csv --target label 2>err &&
	test_grep "only one class" err &&
	test_expect_code 2 mlw train gaussian_nb --data flat.csv --target label 2>err &&
	test_grep "every feature column is constant" err
'

test_expect_success 'var-smoothing must be positive' '
	test_expect_code 2 mlw train gaussian_nb --data $DATA/iris.csv \
		--target species --var-smoothing 0 2>err &&
	test_grep "var.smoothing" err
'

test_expect_success 'held-out metrics and the model folder' '
	mlw train gaussian_nb --data $DATA/iris.csv --target species \
		--validation-split 0.3 --seed 2 --output model -o json >v.json &&
	test_json_get v.json "[\"metrics\"][\"accuracy\"]" >acc &&
	test_approx "$(cat acc)" 0.95 0.06 &&
	test_grep "algorithm: gaussian_nb" model/MLmodel
'

test_done

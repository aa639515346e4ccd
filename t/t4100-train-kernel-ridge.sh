#!/bin/sh
test_description='mlw train kernel_ridge against sklearn.kernel_ridge.KernelRidge'
. ./test-lib.sh

DATA=$MLW_BUILD_DIR/share/datasets


test_expect_success SKLEARN 'set up the reference script and synthetic sets' '
	cat >sk.py <<-\PY &&
	import json, sys, warnings
	warnings.simplefilter("ignore")
	import numpy as np
	from sklearn.kernel_ridge import KernelRidge
	csv, target, out, pred = sys.argv[1:5]
	opt = dict(a.split("=") for a in sys.argv[5:])
	hdr = open(csv).readline().strip().split(",")
	D = np.loadtxt(csv, delimiter=",", skiprows=1, ndmin=2)
	ti = hdr.index(target)
	X = np.delete(D, ti, axis=1); y = D[:, ti]
	kw = dict(alpha=float(opt.get("alpha", 1)), kernel=opt.get("kernel", "linear"))
	for k in ("gamma", "degree", "coef0"):
	    if k in opt: kw[k] = float(opt[k])
	if "degree" in kw and kw["degree"] == int(kw["degree"]): kw["degree"] = int(kw["degree"])
	est = KernelRidge(**kw).fit(X, y)
	res = json.load(open(out))
	dual = res["kernel_ridge"]["dual_coef"]
	assert len(dual) == len(y)
	scale = max(1.0, np.abs(est.dual_coef_).max())
	for i in range(0, len(y), max(1, len(y) // 40)):
	    # relative to the largest coefficient: the solution is a vector
	    print("dual_coef[%d]" % i, dual[i] / scale, est.dual_coef_[i] / scale, 1e-8)
	P = np.loadtxt(pred, delimiter=",", skiprows=1, ndmin=2)
	p = est.predict(X)
	for i in range(len(y)):
	    print("prediction[%d]" % i, P[i, 2], p[i], 1e-8)
	PY
	/usr/bin/python3 -c "
import numpy as np
r = np.random.RandomState(11)
# n < d: 40 rows, 100 features
n, d = 40, 100
X = r.normal(size=(n, d)); y = X[:, :5].sum(axis=1) + r.normal(size=n)
np.savetxt(\"wide.csv\", np.column_stack([X, y]), delimiter=\",\", fmt=\"%.17g\",
	header=\",\".join([\"x%d\" % j for j in range(d)] + [\"y\"]), comments=\"\")
# collinear and constant columns
n = 200
x1 = r.normal(size=n); x2 = r.normal(size=n); x3 = x1 + 2 * x2; x4 = np.full(n, 5.0)
y = np.sin(x1) + x2 ** 2 + 0.1 * r.normal(size=n)
np.savetxt(\"coll.csv\", np.column_stack([x1, x2, x3, x4, y]), delimiter=\",\",
	fmt=\"%.17g\", header=\"x1,x2,x3,x4,y\", comments=\"\")
"
'

while read name args; do
	test_expect_success SKLEARN "kernel_ridge $name matches sklearn to 1e-8" '
		set -- $args &&
		csv=$1 target=$2 && shift 2 &&
		mlw_args= sk_args= &&
		for a in "$@"; do
			mlw_args="$mlw_args --${a%%=*} ${a#*=}" &&
			sk_args="$sk_args $a" || return 1
		done &&
		case $csv in diabetes) csv=$DATA/diabetes.csv ;; esac &&
		mlw train kernel_ridge --data $csv --target $target $mlw_args \
			--predictions pred.csv -o json >kr.json &&
		/usr/bin/python3 sk.py $csv $target kr.json pred.csv $sk_args >pairs &&
		test_approx_lines pairs
	'
done <<-\CASES
	linear-diabetes diabetes target alpha=10
	rbf-diabetes diabetes target kernel=rbf gamma=0.001 alpha=0.5
	rbf-default-gamma-wide wide.csv y kernel=rbf
	poly-wide wide.csv y kernel=poly degree=2 coef0=0.5 gamma=0.01
	rbf-collinear coll.csv y kernel=rbf gamma=0.5 alpha=0.01
	poly-collinear coll.csv y kernel=poly alpha=0.1
	linear-wide wide.csv y alpha=0.01
CASES

test_expect_success SKLEARN 'an indefinite kernel falls back to least squares, as sklearn does' '
	# a cubic kernel with a negative constant is not positive
	# semi-definite: Cholesky fails at the first pivot
	mlw train kernel_ridge --data coll.csv --target y --kernel poly \
		--degree 3 --coef0 -5 --gamma 0.1 --alpha 0.1 \
		--predictions pred.csv -o json >kr.json 2>err &&
	test_grep "not positive definite" err &&
	test "$(test_json_get kr.json "[\"solver\"]")" = gelsd &&
	/usr/bin/python3 sk.py coll.csv y kr.json pred.csv kernel=poly \
		degree=3 coef0=-5 gamma=0.1 alpha=0.1 >pairs &&
	test_approx_lines pairs
'

test_expect_success SKLEARN 'a constant column is named in a warning' '
	mlw train kernel_ridge --data coll.csv --target y >out 2>err &&
	test_grep "column .x4. is constant" err &&
	test_grep -v "column .x3." err
'

test_expect_success 'bad kernel options are usage errors' '
	test_expect_code 2 mlw train kernel_ridge --data $DATA/diabetes.csv \
		--target target --kernel sigmoid 2>err &&
	test_grep "unknown kernel" err &&
	test_expect_code 2 mlw train kernel_ridge --data $DATA/diabetes.csv \
		--target target --gamma -1 2>err &&
	test_grep "gamma" err &&
	test_expect_code 2 mlw train ridge --data $DATA/diabetes.csv \
		--target target --kernel rbf 2>err &&
	test_grep "kernel does not apply to ridge (ridge takes --alpha)" err
'

test_expect_success 'the model folder records the kernel and the training rows' '
	mlw train kernel_ridge --data $DATA/diabetes.csv --target target \
		--kernel rbf --output model >/dev/null &&
	test_grep "algorithm: kernel_ridge" model/MLmodel &&
	test_grep "format_version: 2" model/MLmodel &&
	test $(wc -c <model/params.bin) -gt $((442 * 11 * 8))
'

test_done

#!/bin/sh
test_description='mlw train against scikit-learn: coefficients, objectives, metrics'
. ./test-lib.sh

DATA=$MLW_BUILD_DIR/share/datasets

# compare FILE: each line "what mlw sklearn tolerance" must agree
compare () {
	test_file_not_empty "$1" &&
	while read what a b tol; do
		test_approx "$a" "$b" "$tol" || { echo "mismatch: $what"; return 1; }
	done <"$1"
}

test_expect_success SKLEARN 'set up the scikit-learn reference script' '
	cat >sk.py <<-\PY &&
	import json, sys, warnings
	warnings.simplefilter("ignore")
	import csv as csvmod
	import numpy as np
	from sklearn import linear_model as lm
	algo, csv, target, out = sys.argv[1:5]
	opt = dict(a.split("=") for a in sys.argv[5:])
	res = json.load(open(out))
	rows = list(csvmod.reader(open(csv)))
	ti = rows[0].index(target)
	X = np.array([[float(v) for i, v in enumerate(r) if i != ti] for r in rows[1:]])
	y = np.array([r[ti] for r in rows[1:]])
	if algo != "logistic":
	    y = y.astype(float)
	n = len(y)
	alpha = float(opt.get("alpha", 1)); l1 = float(opt.get("l1", 0.5))
	C = float(opt.get("C", 1))
	if algo == "linear": est = lm.LinearRegression()
	elif algo == "ridge": est = lm.Ridge(alpha=alpha)
	elif algo == "lasso": est = lm.Lasso(alpha=alpha, tol=1e-12, max_iter=1000000)
	elif algo == "elastic_net":
	    est = lm.ElasticNet(alpha=alpha, l1_ratio=l1, tol=1e-12, max_iter=1000000)
	else:
	    est = None
	if est is not None:
	    est.fit(X, y)
	coef = np.atleast_2d(np.array(res["coefficients"]["coef"]))
	b = np.array(res["coefficients"]["intercept"])
	skc = skb = None
	if est is not None:
	    skc = np.atleast_2d(est.coef_); skb = np.atleast_1d(est.intercept_)
	def obj(W, b0):
	    if algo in ("lasso", "elastic_net"):
	        r = y - X @ W[0] - b0[0]
	        r1 = 1.0 if algo == "lasso" else l1
	        return (r @ r / (2 * n) + alpha * r1 * np.abs(W[0]).sum()
	                + 0.5 * alpha * (1 - r1) * W[0] @ W[0])
	    classes = sorted(set(y))
	    yi = np.array([classes.index(v) for v in y])
	    sw = np.ones(n)
	    if opt.get("cw") == "balanced":
	        cnt = np.bincount(yi); sw = n / (len(classes) * cnt[yi])
	    Z = X @ W.T + b0
	    if W.shape[0] == 1:
	        z = Z[:, 0]; s = 2 * yi - 1
	        loss = np.logaddexp(0, -s * z)
	    else:
	        m = Z.max(axis=1)
	        loss = m + np.log(np.exp(Z - m[:, None]).sum(axis=1)) - Z[np.arange(n), yi]
	    return C * (sw * loss).sum() + 0.5 * (W * W).sum()
	if algo == "logistic":
	    # scikit-learn solvers stop short of each other on these problems:
	    # the reference is the best of them by the objective
	    best = None
	    solvers = ["lbfgs", "newton-cg"] + (["newton-cholesky"] if len(set(y)) == 2 else [])
	    for s in solvers:
	        e = lm.LogisticRegression(C=C, tol=1e-12, max_iter=3000, solver=s,
	            class_weight=opt.get("cw")).fit(X, y)
	        v = obj(np.atleast_2d(e.coef_), np.atleast_1d(e.intercept_))
	        if best is None or v < best[0]:
	            best = (v, e)
	    est = best[1]
	    skc = np.atleast_2d(est.coef_); skb = np.atleast_1d(est.intercept_)
	tolc = float(opt.get("tolc", 1e-8))
	if algo in ("lasso", "elastic_net", "logistic"):
	    print("objective", obj(coef, b), obj(skc, skb), 1e-9)
	for k in range(skc.shape[0]):
	    for j in range(skc.shape[1]):
	        print("coef[%d][%d]" % (k, j), coef[k][j], skc[k][j], tolc)
	    print("intercept[%d]" % k, b[k], skb[k], tolc)
	if algo in ("linear", "ridge"):
	    p = X @ coef[0] + b[0]
	    for i in range(0, n, max(1, n // 50)):
	        print("prediction[%d]" % i, p[i], est.predict(X[i:i+1])[0], 1e-8)
	PY
	cat >skm.py <<-\PY
	import json, sys
	import numpy as np
	from scipy.stats import spearmanr
	from sklearn import metrics as M
	kind, pred, out = sys.argv[1:4]
	m = {k: v for k, v in json.load(open(out))["metrics"].items()
	     if not k.startswith("train_")}
	import csv
	rows = list(csv.reader(open(pred)))
	hdr = rows[0]
	d = {h: np.array([r[i] for r in rows[1:]]) for i, h in enumerate(hdr)}
	y = d["y_true"]
	if kind == "regression":
	    y = y.astype(float); d["prediction"] = d["prediction"].astype(float)
	    p = d["prediction"]
	    rmse = np.sqrt(M.mean_squared_error(y, p))
	    ref = dict(r2_score=M.r2_score(y, p), root_mean_squared_error=rmse,
	        normalized_root_mean_squared_error=rmse / (y.max() - y.min()),
	        mean_absolute_error=M.mean_absolute_error(y, p),
	        spearman_correlation=spearmanr(y, p).correlation,
	        explained_variance=M.explained_variance_score(y, p))
	else:
	    classes = [c[6:] for c in hdr if c.startswith("proba_")]
	    y = np.array([classes.index(v) for v in y])
	    yp = np.array([classes.index(v) for v in d["prediction"]])
	    P = np.column_stack([d["proba_" + c].astype(float) for c in classes])
	    K = P.shape[1]; labels = list(range(K))
	    ref = dict(accuracy=M.accuracy_score(y, yp))
	    for f, name in ((M.precision_score, "precision_score"),
	                    (M.recall_score, "recall_score"), (M.f1_score, "f1_score")):
	        for avg in ("macro", "weighted"):
	            ref[name + "_" + avg] = f(y, yp, average=avg, labels=labels, zero_division=0)
	    for avg in ("macro", "weighted"):
	        ref["AUC_" + avg] = (M.roc_auc_score(y, P[:, 1]) if K == 2 else
	            M.roc_auc_score(y, P, multi_class="ovr", average=avg, labels=labels))
	    ref["log_loss"] = M.log_loss(y, P, labels=labels)
	    r = M.recall_score(y, yp, average="macro", labels=labels, zero_division=0)
	    ref["norm_macro_recall"] = (r - 1 / K) / (1 - 1 / K)
	assert len(ref) == len(m), (sorted(ref), sorted(m))
	for k, v in ref.items():
	    print(k, m[k], v, 1e-12)
	PY
'

test_expect_success SKLEARN 'a synthetic set with collinear and constant columns' '
	/usr/bin/python3 -c "
import numpy as np
r = np.random.RandomState(7)
n = 300
x1 = r.randint(0, 100, n); x2 = r.randint(0, 100, n)
x3 = r.normal(size=n); x4 = r.normal(size=n) * 1e3
x5 = x1 + x2; x6 = np.full(n, 3)
y = 2 * x1 - x2 + 5 * x3 + 0.01 * x4 + r.normal(size=n)
with open(\"syn.csv\", \"w\") as f:
    f.write(\"x1,x2,x3,x4,x5,x6,y\n\")
    for row in zip(x1, x2, x3, x4, x5, x6, y):
        f.write(\",\".join(repr(float(v)) for v in row) + \"\n\")
"
'

for data in diabetes:target syn:y; do
	name=${data%%:*} target=${data#*:}
	test_expect_success SKLEARN "linear and ridge on $name match sklearn to 1e-8" '
		if test $name = diabetes; then csv=$DATA/diabetes.csv; else csv=syn.csv; fi &&
		mlw train linear --data $csv --target $target -o json >lin.json &&
		/usr/bin/python3 sk.py linear $csv $target lin.json >pairs &&
		compare pairs &&
		mlw train ridge --data $csv --target $target --alpha 0.5 -o json >ridge.json &&
		/usr/bin/python3 sk.py ridge $csv $target ridge.json alpha=0.5 >pairs &&
		compare pairs
	'
done

test_expect_success SKLEARN 'OLS on collinear data reports the rank' '
	mlw train linear --data syn.csv --target y -o json >lin.json &&
	test_json_get lin.json "[\"rank\"]" >rank &&
	echo 4 >expect &&
	test_cmp expect rank
'

test_expect_success SKLEARN 'lasso on diabetes: objective 1e-9, coefficients 1e-5' '
	mlw train lasso --data $DATA/diabetes.csv --target target --alpha 0.1 \
		--tol 1e-12 --max-iter 1000000 -o json >lasso.json &&
	/usr/bin/python3 sk.py lasso $DATA/diabetes.csv target lasso.json alpha=0.1 tolc=1e-5 >pairs &&
	compare pairs
'

test_expect_success SKLEARN 'elastic net on diabetes: objective 1e-9, coefficients 1e-5' '
	mlw train elastic_net --data $DATA/diabetes.csv --target target --alpha 0.05 \
		--l1-ratio 0.3 --tol 1e-12 --max-iter 1000000 -o json >enet.json &&
	/usr/bin/python3 sk.py elastic_net $DATA/diabetes.csv target enet.json \
		alpha=0.05 l1=0.3 tolc=1e-5 >pairs &&
	compare pairs
'

test_expect_success SKLEARN 'multinomial logistic on iris matches sklearn' '
	mlw train logistic --data $DATA/iris.csv --target species --tol 1e-12 \
		--max-iter 1000 -o json >log.json &&
	/usr/bin/python3 sk.py logistic $DATA/iris.csv species log.json tolc=1e-5 >pairs &&
	compare pairs
'

test_expect_success SKLEARN 'balanced class weights on iris match sklearn' '
	mlw train logistic --data $DATA/iris.csv --target species --C 0.5 \
		--class-weight balanced --tol 1e-12 -o json >log.json &&
	/usr/bin/python3 sk.py logistic $DATA/iris.csv species log.json C=0.5 \
		cw=balanced tolc=1e-5 >pairs &&
	compare pairs
'

test_expect_success SKLEARN 'binary logistic on breast_cancer matches sklearn' '
	mlw train logistic --data $DATA/breast_cancer.csv --target diagnosis \
		--C 0.01 --tol 1e-12 --max-iter 1000 -o json >log.json &&
	/usr/bin/python3 sk.py logistic $DATA/breast_cancer.csv diagnosis log.json \
		C=0.01 tolc=1e-5 >pairs &&
	compare pairs
'

test_expect_success SKLEARN 'regression metrics equal sklearn.metrics to 1e-12' '
	mlw train ridge --data $DATA/diabetes.csv --target target \
		--validation-split 0.25 --seed 3 --predictions pred.csv -o json >r.json &&
	/usr/bin/python3 skm.py regression pred.csv r.json >pairs &&
	compare pairs
'

test_expect_success SKLEARN 'multiclass metrics equal sklearn.metrics to 1e-12' '
	mlw train logistic --data $DATA/iris.csv --target species --C 0.05 \
		--validation-split 0.4 --seed 1 --predictions pred.csv -o json >c.json &&
	/usr/bin/python3 skm.py classification pred.csv c.json >pairs &&
	compare pairs
'

test_expect_success SKLEARN 'binary metrics equal sklearn.metrics to 1e-12' '
	mlw train logistic --data $DATA/breast_cancer.csv --target diagnosis \
		--C 0.001 --validation-split 0.3 --seed 5 --predictions pred.csv \
		-o json >c.json &&
	/usr/bin/python3 skm.py classification pred.csv c.json >pairs &&
	compare pairs
'

test_done

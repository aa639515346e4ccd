#!/bin/sh
test_description='mlw model score for every algorithm: held-out rows scored as mlw train --predictions and scikit-learn score them'
. ./test-lib.sh

DATA=$MLW_BUILD_DIR/share/datasets

# held FILE CSV: the data rows of CSV that FILE (--predictions) names,
# in its order, under CSV's header
held () {
	{ head -1 "$2" && cut -d, -f1 "$1" | sed 1d | while read r; do
		sed -n "$((r + 2))p" "$2"
	done; } >held.csv
}

test_expect_success SKLEARN 'set up the scikit-learn reference' '
	cat >sk.py <<-\PY &&
	import csv, json, sys, warnings
	warnings.simplefilter("ignore")
	import numpy as np
	from sklearn import linear_model as lm
	from sklearn.kernel_ridge import KernelRidge
	from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
	from sklearn.naive_bayes import GaussianNB
	from sklearn.cluster import KMeans
	from sklearn.decomposition import PCA
	algo, data, target, train, scores = sys.argv[1:6]
	opt = dict(a.split("=", 1) for a in sys.argv[6:])
	def load(path):
	    rows = list(csv.reader(open(path)))
	    return rows[0], rows[1:]
	head, rows = load(data)
	drop = [target, opt.get("drop")]
	cols = [i for i, h in enumerate(head) if h not in drop]
	X = np.array([[float(r[i]) for i in cols] for r in rows])
	ti = head.index(target) if target in head else None
	y = np.array([r[ti] for r in rows]) if ti is not None else None
	shead, srows = load(scores)
	# the rows scored: those --predictions names, or a file of their own
	if "held" in opt:
	    hhead, hrows = load(opt["held"])
	    H = np.array([[float(r[i]) for i in cols] for r in hrows])
	    T = X
	    yt = y
	else:
	    phead, prows = load(train)
	    held = [int(r[0]) for r in prows]
	    fit = [i for i in range(len(rows)) if i not in set(held)]
	    H = X[held]; T = X[fit]
	    yt = y[fit] if y is not None else None
	tol = float(opt.get("tol", 1e-10))
	def close(name, got, want, scale=None):
	    s = max(1.0, abs(want)) if scale is None else max(1.0, scale)
	    assert abs(got - want) <= tol * s, (name, got, want, tol)
	reg = dict(linear=lm.LinearRegression(), ridge=lm.Ridge(alpha=0.5),
	    lasso=lm.Lasso(alpha=0.1, tol=1e-12, max_iter=100000),
	    elastic_net=lm.ElasticNet(alpha=0.1, l1_ratio=0.3, tol=1e-12,
	                              max_iter=100000),
	    kernel_ridge=KernelRidge(alpha=0.5, kernel="rbf", gamma=0.0001))
	cls = dict(logistic=lm.LogisticRegression(C=0.5, tol=1e-12, max_iter=10000,
	                                          solver="newton-cg"),
	    lda=LinearDiscriminantAnalysis(), gaussian_nb=GaussianNB())
	if algo in reg:
	    want = reg[algo].fit(T, yt.astype(float)).predict(H)
	    assert shead == ["prediction"], shead
	    for i, r in enumerate(srows):
	        close("prediction[%d]" % i, float(r[0]), want[i])
	elif algo in cls:
	    est = cls[algo].fit(T, yt)
	    assert shead == ["prediction"] + ["proba_" + c for c in est.classes_], shead
	    labels = est.predict(H); P = est.predict_proba(H)
	    for i, r in enumerate(srows):
	        assert r[0] == labels[i], (i, r[0], labels[i])
	        for k in range(P.shape[1]):
	            close("proba[%d][%d]" % (i, k), float(r[1 + k]), P[i, k])
	elif algo == "kmeans":
	    C = np.loadtxt(opt["centers"], delimiter=",", skiprows=1, ndmin=2)
	    est = KMeans(n_clusters=len(C), init=C, n_init=1).fit(T)
	    assert shead == ["cluster"], shead
	    want = est.predict(H)
	    assert [int(r[0]) for r in srows] == list(want), "labels"
	else:
	    est = PCA(n_components=2, whiten=opt.get("whiten") == "1").fit(T)
	    comp = np.array(json.load(open(opt["json"]))["pca"]["components"])
	    sign = np.sign((comp * est.components_).sum(axis=1))
	    want = est.transform(H) * sign
	    assert shead == ["pc0", "pc1"], shead
	    for k in range(2):
	        scale = np.abs(want[:, k]).max()
	        for i, r in enumerate(srows):
	            close("pc%d[%d]" % (k, i), float(r[k]), want[i, k], scale)
	PY
	/usr/bin/python3 -c "
import numpy as np
r = np.random.RandomState(4)
rows = open(\"$DATA/iris.csv\").read().splitlines()
order = r.permutation(len(rows) - 1) + 1
open(\"fit.csv\", \"w\").write(\"\n\".join([rows[0]] + [rows[i] for i in order[:110]]) + \"\n\")
open(\"new.csv\", \"w\").write(\"\n\".join([rows[0]] + [rows[i] for i in order[110:]]) + \"\n\")
" &&
	printf "a,b,c,d\n5,3.4,1.5,0.2\n5.9,2.8,4.4,1.4\n6.8,3,5.8,2.2\n" >centers.csv
'

# algorithm, data, target, options, scikit-learn tolerance
while read algo data target args tol; do
	test_expect_success SKLEARN "$algo: held-out scores = --predictions = scikit-learn" '
		proba= && opts=$(echo "$args" | tr , " ") &&
		case $target in species|diagnosis) proba=--proba ;; esac &&
		case $args in -) opts= ;; esac &&
		mlw train $algo --data $DATA/$data --target $target \
			--validation-split 0.3 --seed 3 $opts \
			--predictions pred.csv --output m >/dev/null &&
		held pred.csv $DATA/$data &&
		mlw model score m --input held.csv --output scores.csv $proba &&
		cut -d, -f3- pred.csv >expect &&
		test_cmp expect scores.csv &&
		/usr/bin/python3 sk.py $algo $DATA/$data $target pred.csv \
			scores.csv tol=$tol
	'
done <<-\EOF
linear diabetes.csv target - 1e-10
ridge diabetes.csv target --alpha=0.5 1e-10
lasso diabetes.csv target --alpha=0.1,--tol=1e-12,--max-iter=100000 1e-10
elastic_net diabetes.csv target --alpha=0.1,--l1-ratio=0.3,--tol=1e-12,--max-iter=100000 1e-10
kernel_ridge diabetes.csv target --alpha=0.5,--kernel=rbf,--gamma=0.0001 1e-10
logistic iris.csv species --C=0.5,--tol=1e-12,--max-iter=10000 1e-8
logistic breast_cancer.csv diagnosis --C=0.5,--tol=1e-12,--max-iter=10000 1e-8
lda iris.csv species - 1e-10
lda breast_cancer.csv diagnosis - 1e-10
gaussian_nb iris.csv species - 1e-10
gaussian_nb breast_cancer.csv diagnosis - 1e-10
EOF

test_expect_success SKLEARN 'kmeans: clusters of new rows = --predictions = scikit-learn' '
	mlw train kmeans --data fit.csv --exclude species --init-centers centers.csv \
		--predictions pred.csv --output km >/dev/null &&
	mlw model score km --input fit.csv --output own.csv &&
	cut -d, -f2 pred.csv >expect &&
	test_cmp expect own.csv &&
	test "$(sort -u own.csv | wc -l)" = 4 &&
	mlw model score km --input new.csv --output scores.csv &&
	/usr/bin/python3 sk.py kmeans fit.csv species - scores.csv \
		held=new.csv drop=species centers=centers.csv
'

for whiten in 0 1; do
	test_expect_success SKLEARN "pca (whiten $whiten): components of new rows = --predictions = scikit-learn" '
		w= && test $whiten = 0 || w=--whiten &&
		mlw train pca --data fit.csv --exclude species --n-components 2 \
			$w --predictions pred.csv --output pc -o json >pca.json &&
		mlw model score pc --input fit.csv --output own.csv &&
		cut -d, -f2- pred.csv >expect &&
		test_cmp expect own.csv &&
		mlw model score pc --input new.csv --output scores.csv &&
		/usr/bin/python3 sk.py pca fit.csv species - scores.csv \
			held=new.csv drop=species json=pca.json whiten=$whiten
	'
done

test_expect_success 'the issue example: kmeans scores two clusters, not one' '
	printf "a,b\n0,0\n0.1,0\n10,10\n10.1,10\n" >t.csv &&
	mlw train kmeans --data t.csv --n-clusters 2 --output m2 >/dev/null &&
	mlw model score m2 --input t.csv --output - >out &&
	sed 1d out >labels &&
	test "$(sed -n 1p labels)" = "$(sed -n 2p labels)" &&
	test "$(sed -n 3p labels)" = "$(sed -n 4p labels)" &&
	test "$(sed -n 1p labels)" != "$(sed -n 3p labels)"
'

test_expect_success 'probabilities are for classifiers only' '
	test_expect_code 2 mlw model score m2 --input t.csv --output - --proba 2>err &&
	test_grep "probabilities need a classifier; this model is a kmeans" err
'

test_expect_success 'JSON lines name the outputs as the CSV header does' '
	mlw model score pc --input new.csv --output - -o json >lines &&
	head -1 lines >first &&
	test_json_get first "[\"pc1\"]" >v &&
	test -s v &&
	mlw model score km --input new.csv --output - -o json >lines &&
	head -1 lines >first &&
	test_json_get first "[\"cluster\"]" >v &&
	grep -E "^[0-2]$" v
'

test_done

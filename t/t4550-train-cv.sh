#!/bin/sh
test_description='mlw train --cv: scikit-learn folds, so scores equal cross_val_score and predictions cross_val_predict'
. ./test-lib.sh

# scikit-learn's own cross-validation (newton-cg at tol 1e-12) is the slow
# part: minutes on a loaded machine; mlw's side takes well under a second
test_set_timeout 600

DATA=$MLW_BUILD_DIR/share/datasets

test_expect_success SKLEARN 'set up the reference' '
	cat >sk.py <<-\PY &&
	import csv, json, sys, warnings
	warnings.simplefilter("ignore")
	import numpy as np
	from sklearn import linear_model as lm
	from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
	from sklearn.model_selection import cross_val_score, cross_val_predict
	algo, data, target, K, out, pred = sys.argv[1:7]
	K = int(K)
	rows = list(csv.reader(open(data)))
	ti = rows[0].index(target)
	X = np.array([[float(v) for i, v in enumerate(r) if i != ti] for r in rows[1:]])
	y = np.array([r[ti] for r in rows[1:]])
	est = dict(ridge=lm.Ridge(alpha=0.5), linear=lm.LinearRegression(),
	    logistic=lm.LogisticRegression(C=0.5, tol=1e-12, max_iter=10000,
	                                   solver="newton-cg"),
	    lda=LinearDiscriminantAnalysis())[algo]
	m = json.load(open(out))["metrics"]
	if algo in ("ridge", "linear"):
	    y = y.astype(float)
	    for name, scoring in (("r2_score", "r2"),
	            ("mean_absolute_error", "neg_mean_absolute_error"),
	            ("root_mean_squared_error", "neg_root_mean_squared_error")):
	        want = abs(cross_val_score(est, X, y, cv=K, scoring=scoring).mean())
	        assert abs(m[name] - want) <= 1e-12 * max(1, abs(want)), (name, m[name], want)
	    want = cross_val_predict(est, X, y, cv=K)
	    got = [float(r[2]) for r in list(csv.reader(open(pred)))[1:]]
	    assert np.abs(np.array(got) - want).max() <= 1e-10 * np.abs(want).max()
	else:
	    want = cross_val_score(est, X, y, cv=K, scoring="accuracy").mean()
	    assert m["accuracy"] == want, (m["accuracy"], want)
	    for name, scoring in (("f1_score_macro", "f1_macro"),
	                          ("recall_score_weighted", "recall_weighted")):
	        want = cross_val_score(est, X, y, cv=K, scoring=scoring).mean()
	        assert abs(m[name] - want) <= 1e-12, (name, m[name], want)
	    want = cross_val_predict(est, X, y, cv=K, method="predict_proba")
	    got = np.array([[float(v) for v in r[3:]] for r in list(csv.reader(open(pred)))[1:]])
	    assert np.abs(got - want).max() <= 1e-7, np.abs(got - want).max()
	    labels = [r[2] for r in list(csv.reader(open(pred)))[1:]]
	    assert labels == list(cross_val_predict(est, X, y, cv=K))
	PY
	/usr/bin/python3 -c "
import random
r = random.Random(3)
with open(\"skewed.csv\", \"w\") as f:
    f.write(\"a,b,label\n\")
    labels = [\"c\"] * 3 + [\"a\"] * 11 + [\"b\"] * 6
    r.shuffle(labels)
    for l in labels:
        k = \"abc\".index(l)
        f.write(\"%r,%r,%s\n\" % (r.gauss(k, 1), r.gauss(-k, 1), l))
"
'

while read algo data target K args; do
	test_expect_success SKLEARN "$algo --cv $K on $data: cross_val_score and cross_val_predict" '
		case $data in skewed.csv) csv=$data ;; *) csv=$DATA/$data ;; esac &&
		mlw train $algo --data $csv --target $target --cv $K \
			$(echo $args | tr , " ") --predictions pred.csv -o json >cv.json &&
		test $(wc -l <pred.csv) = $(wc -l <$csv) &&
		/usr/bin/python3 sk.py $algo $csv $target $K cv.json pred.csv
	'
done <<-\EOF
ridge diabetes.csv target 5 --alpha,0.5
linear diabetes.csv target 7
logistic iris.csv species 5 --C,0.5,--tol,1e-12,--max-iter,10000
logistic breast_cancer.csv diagnosis 4 --C,0.5,--tol,1e-12,--max-iter,10000
lda iris.csv species 3
lda skewed.csv label 3
EOF

test_expect_success 'a class with fewer rows than folds is a warning; fewer rows than folds in every class an error' '
	mlw train lda --data skewed.csv --target label --cv 4 >/dev/null 2>err &&
	test_grep "the least populated class has only 3 rows, fewer than the 4 folds" err &&
	test_expect_code 2 mlw train lda --data skewed.csv --target label \
		--cv 12 2>err &&
	test_grep "12 folds cannot be more than the rows of every class (at most 11)" err &&
	printf "x,y\n1,2\n2,3\n3,5\n" >three.csv &&
	test_expect_code 2 mlw train ridge --data three.csv --target y --cv 4 2>err &&
	test_grep "4 folds need at least 4 rows (there are 3)" err
'

test_expect_success '--shuffle: other folds, the same for the same seed, every row held out once' '
	mlw train ridge --data $DATA/diabetes.csv --target target --cv 5 \
		-o json >plain.json &&
	mlw train ridge --data $DATA/diabetes.csv --target target --cv 5 \
		--shuffle --seed 4 --predictions s1.csv -o json >s1.json &&
	mlw train ridge --data $DATA/diabetes.csv --target target --cv 5 \
		--shuffle --seed 4 --predictions s2.csv -o json >s2.json &&
	mlw train ridge --data $DATA/diabetes.csv --target target --cv 5 \
		--shuffle --seed 5 -o json >s3.json &&
	test_json_get plain.json "[\"metrics\"][\"r2_score\"]" >a &&
	test_json_get s1.json "[\"metrics\"][\"r2_score\"]" >b &&
	test_json_get s2.json "[\"metrics\"][\"r2_score\"]" >c &&
	test_json_get s3.json "[\"metrics\"][\"r2_score\"]" >d &&
	! test_cmp a b >/dev/null &&
	test_cmp b c &&
	! test_cmp b d >/dev/null &&
	test_cmp s1.csv s2.csv &&
	cut -d, -f1 s1.csv | sed 1d | sort -n | uniq | wc -l >n &&
	echo 442 >expect &&
	test_cmp expect n &&
	mlw train lda --data skewed.csv --target label --cv 3 --shuffle \
		--seed 1 -o json >/dev/null &&
	test_expect_code 2 mlw train ridge --data $DATA/diabetes.csv \
		--target target --shuffle 2>err &&
	test_grep "shuffle applies to --cv" err
'

test_done

#!/bin/sh
test_description='mlw model score: streamed batch scoring equals training predictions and scikit-learn'
. ./test-lib.sh

DATA=$MLW_BUILD_DIR/share/datasets

test_expect_success 'ridge: scores equal mlw train --predictions bit for bit' '
	mlw train ridge --data $DATA/diabetes.csv --target target --alpha 0.5 \
		--output ridge --predictions train.csv >/dev/null &&
	mlw model score ridge --input $DATA/diabetes.csv --output scores.csv 2>err &&
	test_grep "scored 442 of 442 rows (0 skipped)" err &&
	cut -d, -f3 train.csv >expect &&
	test_cmp expect scores.csv &&
	cp scores.csv ridge-scores.csv
'

test_expect_success PYTHON 'numbers are the shortest text that reads back' '
	mlw train ridge --data $DATA/diabetes.csv --target target \
		--output ridge1 >/dev/null &&
	mlw model score ridge1 --input $DATA/diabetes.csv --output s1.csv &&
	sed 1d s1.csv >values &&
	test "$(wc -l <values)" -eq 442 &&
	/usr/bin/python3 -c "
import sys
bad = [v for v in open(\"values\").read().split() if repr(float(v)) != v]
sys.exit(\"not shortest: %s\" % bad[:3] if bad else 0)
"
'

test_expect_success 'logistic: labels and probabilities equal training' '
	mlw train logistic --data $DATA/iris.csv --target species --tol 1e-10 \
		--output logit --predictions train.csv >/dev/null &&
	mlw model score logit --input $DATA/iris.csv --output scores.csv --proba &&
	head -1 scores.csv >header &&
	echo prediction,proba_setosa,proba_versicolor,proba_virginica >expect &&
	test_cmp expect header &&
	cut -d, -f3- train.csv >want &&
	test_cmp want scores.csv
'

test_expect_success '--include-input puts the input columns first, as read' '
	mlw model score logit --input $DATA/iris.csv --output both.csv \
		--include-input &&
	cut -d, -f1-5 both.csv >input &&
	test_cmp $DATA/iris.csv input &&
	head -1 both.csv >header &&
	echo sepal_length,sepal_width,petal_length,petal_width,species,prediction >expect &&
	test_cmp expect header
'

test_expect_success '-o json writes JSON lines' '
	mlw model score logit --input $DATA/iris.csv --output scores.json \
		--proba --include-input -o json &&
	test $(wc -l <scores.json) = 150 &&
	head -1 scores.json >first &&
	test_json_get first "[\"prediction\"]" >label &&
	echo setosa >expect &&
	test_cmp expect label &&
	test_json_get first "[\"sepal_length\"]" >v &&
	echo 5.1 >expect &&
	test_cmp expect v &&
	test_json_get first "[\"proba_setosa\"]" >p &&
	test_approx "$(cat p)" 0.98 0.05
'

test_expect_success 'columns may come in any order, with extra ones' '
	awk -F, -v OFS=, "{ print \"id\" NR, \$4, \$3, \$2, \$1 }" \
		$DATA/iris.csv >shuffled.csv &&
	mlw model score logit --input shuffled.csv --output s2.csv --proba &&
	test_cmp scores.csv s2.csv
'

test_expect_success 'chunk boundaries, threads and CRLF do not change the scores' '
	mlw model score logit --input $DATA/iris.csv --output a.csv --proba \
		--threads 1 &&
	sed "s/\$/\\r/" $DATA/iris.csv >crlf.csv &&
	mlw model score logit --input crlf.csv --output b.csv --proba \
		--threads 3 --chunk-size 97 &&
	test_cmp a.csv b.csv &&
	test_cmp scores.csv a.csv
'

test_expect_success 'quoted fields with newlines across chunks' '
	printf "note,x,y\n" >q.csv &&
	for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
		printf "\"line one\nline \"\"%s\"\", two\",%s,%s\n" $i $i $((i * 2 + 1))
	done >>q.csv &&
	mlw train linear --data q.csv --target y --exclude note \
		--output lin --predictions p.csv >/dev/null &&
	mlw model score lin --input q.csv --output a.csv --include-input \
		--chunk-size 50 --threads 2 &&
	mlw model score lin --input q.csv --output b.csv &&
	cut -d, -f3 p.csv >want &&
	test_cmp want b.csv &&
	test $(wc -l <a.csv) = 25 &&
	grep "^line \"\"7\"\", two\",7,15," a.csv
'

test_expect_success 'categories: unseen ones give zeros, missing values the training fill' '
	printf "color,x,y\nred,1,2\nblue,2,4\nred,3,6\ngreen,4,8\nblue,5,9\nred,6,11\n" >cat.csv &&
	mlw train ridge --data cat.csv --target y --alpha 0.1 --output cat \
		-o json >model.json &&
	printf "color,x\npurple,2\n,2\nred,\nred,3\n" >new.csv &&
	mlw model score cat --input new.csv --output s.csv &&
	test_json_get model.json "[\"coefficients\"][\"intercept\"][0]" >b &&
	test_json_get model.json "[\"coefficients\"][\"coef\"][0][3]" >w &&
	awk -v b=$(cat b) -v w=$(cat w) "BEGIN { printf \"%.10g\\n\", b + 2 * w }" >want &&
	sed -n 2p s.csv | awk "{ printf \"%.10g\\n\", \$1 }" >got &&
	test_cmp want got &&
	sed -n 3p s.csv >missing_color &&
	mlw model score cat --input new.csv --output s.csv &&
	printf "color,x\nred,2\n" >mode.csv &&
	mlw model score cat --input mode.csv --output m.csv &&
	sed -n 2p m.csv >mode_row &&
	test_cmp mode_row missing_color &&
	printf "color,x\nred,3.5\n" >mean.csv &&
	mlw model score cat --input mean.csv --output m.csv &&
	sed -n 4p s.csv >missing_x &&
	sed -n 2p m.csv >mean_row &&
	test_cmp mean_row missing_x
'

test_expect_success 'a bad row fails the run with its line; no output is left' '
	printf "sepal_length,sepal_width,petal_length,petal_width\n5,3,1,0.2\n5,x,1,0.2\n5,3,1\n6,3,5,2\n" >bad.csv &&
	test_expect_code 2 mlw model score logit --input bad.csv --output out.csv 2>err &&
	test_grep "bad.csv:3: .x. is not a number (column .sepal_width. is numeric)" err &&
	! test -e out.csv
'

test_expect_success '--error-threshold skips up to N bad rows, -1 any number' '
	test_expect_code 2 mlw model score logit --input bad.csv --output out.csv \
		--error-threshold 1 2>err &&
	test_grep "bad.csv:4: too few fields: 3 of 4" err &&
	mlw model score logit --input bad.csv --output out.csv \
		--error-threshold 2 2>err &&
	test_grep "skipped bad.csv:3" err &&
	test_grep "scored 2 of 4 rows (2 skipped)" err &&
	test $(wc -l <out.csv) = 3 &&
	mlw model score logit --input bad.csv --output out.csv \
		--error-threshold -1 &&
	test $(wc -l <out.csv) = 3
'

test_expect_success 'the line of a bad row is exact across chunks and threads' '
	awk "BEGIN { print \"sepal_length,sepal_width,petal_length,petal_width\"
		for (i = 2; i <= 400; i++) {
			if (i % 50 == 0) { print \"\"; continue }
			print (i == 333 ? \"5,oops,1,1\" : \"5,3,1,0.2\") } }" >deep.csv &&
	test_expect_code 2 mlw model score logit --input deep.csv --output o.csv \
		--chunk-size 100 --threads 3 2>err &&
	test_grep "deep.csv:333: .oops. is not a number" err &&
	test_expect_code 2 mlw model score logit --input deep.csv --output o.csv 2>err &&
	test_grep "deep.csv:333: .oops. is not a number" err
'

test_expect_success 'a column the model needs must be in the header' '
	cut -d, -f1-3 $DATA/iris.csv >short.csv &&
	test_expect_code 2 mlw model score logit --input short.csv --output o.csv 2>err &&
	test_grep "no column .petal_width. (the model needs it)" err
'

test_expect_success 'usage errors' '
	test_expect_code 2 mlw model score logit --input $DATA/iris.csv 2>err &&
	test_grep "required" err &&
	test_expect_code 2 mlw model score ridge --input $DATA/diabetes.csv \
		--output o.csv --proba 2>err &&
	test_grep "probabilities need a classifier" err &&
	test_expect_code 2 mlw model score logit --input $DATA/iris.csv \
		--output o.csv --threads 0 2>err &&
	test_grep "threads must be between 1 and 64" err &&
	mlw model score logit --input $DATA/iris.csv --output one.csv --threads 1 &&
	test_expect_code 3 mlw model score logit --input absent.csv --output o.csv &&
	test_expect_code 3 mlw model score nomodel --input $DATA/iris.csv --output o.csv
'

test_expect_success 'a registered model: azureml:NAME:VERSION and NAME@latest' '
	mlw init &&
	mlw model create -n iris-logit -p logit >/dev/null &&
	mlw model score azureml:iris-logit:1 --input $DATA/iris.csv \
		--output r1.csv --proba &&
	test_cmp scores.csv r1.csv &&
	mlw model score iris-logit@latest --input $DATA/iris.csv \
		--output r2.csv --proba &&
	test_cmp scores.csv r2.csv &&
	test_expect_code 3 mlw model score azureml:iris-logit:7 \
		--input $DATA/iris.csv --output r3.csv
'

test_expect_success 'NAME:VERSION and a bare NAME resolve as model show does' '
	mlw model show iris-logit:1 >/dev/null &&
	mlw model score iris-logit:1 --input $DATA/iris.csv --output r4.csv \
		--proba &&
	test_cmp scores.csv r4.csv &&
	mlw model score iris-logit --input $DATA/iris.csv --output r5.csv \
		--proba &&
	test_cmp scores.csv r5.csv &&
	test_expect_code 3 mlw model score iris-logit:7 --input $DATA/iris.csv \
		--output r6.csv 2>err &&
	test_grep "no version .7." err &&
	test_expect_code 3 mlw model score nosuch --input $DATA/iris.csv \
		--output r6.csv 2>err &&
	test_grep "nosuch" err &&
	! test -e r6.csv
'

test_expect_success 'a folder on disk wins over a model of the same name' '
	mkdir -p shadow &&
	cp -R ridge1/. shadow/ &&
	mlw model create -n shadow -p logit >/dev/null &&
	mlw model score shadow --input $DATA/diabetes.csv --output sh.csv &&
	head -1 sh.csv >h &&
	echo prediction >expect &&
	test_cmp expect h &&
	test $(wc -l <sh.csv) = 443
'

test_expect_success 'an MLflow model without the mlw flavor is named as such' '
	mkdir -p skmodel &&
	printf "flavors:\n  python_function:\n    loader_module: mlflow.sklearn\n  sklearn:\n    sklearn_version: 1.2.1\n" >skmodel/MLmodel &&
	echo pickle >skmodel/model.pkl &&
	test_expect_code 2 mlw model score skmodel --input $DATA/iris.csv \
		--output o.csv 2>err &&
	test_grep "MLflow model with no mlw flavor (it has python_function, sklearn)" err &&
	test_grep "mlflow models serve" err &&
	mlw model create -n skm -p skmodel -t mlflow_model >/dev/null &&
	test_expect_code 2 mlw model score skm --input $DATA/iris.csv \
		--output o.csv 2>err &&
	test_grep "error: .skm. is an MLflow model with no mlw flavor" err &&
	test_expect_code 2 mlw model score skm:1 --input $DATA/iris.csv \
		--output o.csv 2>err &&
	test_grep "error: .skm:1. is an MLflow model with no mlw flavor" err &&
	! grep mlw-input err &&
	! test -e o.csv
'

test_expect_success 'a malformed MLmodel is reported with its position' '
	cp -R logit badml &&
	printf "flavors: [unclosed\n" >badml/MLmodel &&
	test_expect_code 2 mlw model score badml --input $DATA/iris.csv \
		--output o.csv 2>err &&
	test_grep "badml/MLmodel:" err &&
	cp logit/MLmodel badml/MLmodel &&
	sed "s/algorithm: logistic/algorithm: ridge/" logit/MLmodel >badml/MLmodel &&
	test_expect_code 2 mlw model score badml --input $DATA/iris.csv \
		--output o.csv 2>err &&
	test_grep "badml/MLmodel:[0-9]*:[0-9]*: flavor mlw: the algorithm contradicts params.bin, a model of logistic" err
'

test_expect_success 'an MLTable folder or a data asset as input' '
	mkdir irisml &&
	cp $DATA/iris.csv irisml/ &&
	printf "paths:\n  - file: iris.csv\n" >irisml/MLTable &&
	mlw model score logit --input irisml --output m1.csv --proba &&
	test_cmp scores.csv m1.csv &&
	mlw model score logit --input irisml/MLTable --output m1.csv --proba &&
	test_cmp scores.csv m1.csv &&
	mlw data create -n irisdata -p irisml -t mltable >/dev/null &&
	mlw model score logit --input azureml:irisdata:1 --output m2.csv --proba &&
	test_cmp scores.csv m2.csv &&
	mlw data create -n irisfile -p $DATA/iris.csv -t uri_file >/dev/null &&
	mlw model score logit --input irisfile@latest --output m3.csv --proba &&
	test_cmp scores.csv m3.csv &&
	mlw model score logit --input irisml --output m4.json --include-input -o json &&
	head -1 m4.json >first &&
	test_json_get first "[\"species\"]" >species &&
	echo setosa >expect &&
	test_cmp expect species
'

test_expect_success !ASAN 'memory stays bounded whatever the input size' '
	test -x /usr/bin/time &&
	awk "BEGIN { print \"a,b,c,d,y\"; for (i = 0; i < 1200000; i++)
		printf \"%d.25,%d,%d.5,-%d,%d\\n\", i % 1000, i % 7, i % 13, i % 101, i % 17 }" >big.csv &&
	head -1001 big.csv >small.csv &&
	mlw train ridge --data small.csv --target y --output bigm >/dev/null &&
	/usr/bin/time -f %M -o rss mlw model score bigm --input big.csv \
		--output big-scores.csv 2>err &&
	test_grep "scored 1200000 of 1200000 rows" err &&
	test $(wc -l <big-scores.csv) = 1200001 &&
	test $(cat rss) -lt 65536 &&
	/usr/bin/time -f %M -o rss mlw model score bigm --input big.csv \
		--output small-chunks.csv --chunk-size 65536 &&
	test_cmp big-scores.csv small-chunks.csv &&
	test $(wc -c <big.csv) -gt 20000000 &&
	test $(cat rss) -lt 8192 &&
	rm big.csv big-scores.csv small-chunks.csv
'

test_expect_success SKLEARN 'predictions equal scikit-learn on the bundled datasets' '
	cat >sk.py <<-\PY &&
	import sys, csv
	import numpy as np
	from sklearn.linear_model import Ridge, LogisticRegression
	def load(path, target):
	    rows = list(csv.reader(open(path)))
	    t = rows[0].index(target)
	    X = np.array([[float(v) for i, v in enumerate(r) if i != t] for r in rows[1:]])
	    return X, [r[t] for r in rows[1:]]
	X, y = load(sys.argv[1], "target")
	ours = [float(r[0]) for r in list(csv.reader(open(sys.argv[2])))[1:]]
	ref = Ridge(alpha=0.5).fit(X, np.array(y, float)).predict(X)
	assert np.allclose(ours, ref, rtol=1e-9, atol=1e-9), "ridge"
	X, y = load(sys.argv[3], "species")
	rows = list(csv.reader(open(sys.argv[4])))[1:]
	est = LogisticRegression(C=1.0, max_iter=10000, tol=1e-12).fit(X, y)
	assert [r[0] for r in rows] == list(est.predict(X)), "labels"
	proba = np.array([[float(v) for v in r[1:]] for r in rows])
	assert np.allclose(proba, est.predict_proba(X), atol=1e-3), "proba"
	PY
	/usr/bin/python3 sk.py $DATA/diabetes.csv ridge-scores.csv \
		$DATA/iris.csv scores.csv 2>err || { cat err; false; }
'

# sparse files: 10 GB that take no disk and no time to write; the
# sanitizers' shadow memory does not count against the bound
rss_bound=65536
test_have_prereq ASAN && rss_bound=1048576
test_expect_success 'a 10 GB input of one line fails fast in bounded memory' '
	printf "a,y\n1,2\n2,4\n3,7\n" >small.csv &&
	mlw train linear --data small.csv --target y --output small >/dev/null &&
	truncate -s 10G huge1.csv &&
	test_expect_code 2 /usr/bin/time -f %M -o rss \
		mlw model score small --input huge1.csv --output o.csv 2>err &&
	test_grep "huge1.csv:1: a row longer than 16777216 bytes" err &&
	test "$(tail -1 rss)" -lt $rss_bound &&
	rm -f huge1.csv
'

test_expect_success 'a 10 GB row after good ones is named by its line' '
	printf "a\n1\n2\n3" >huge2.csv &&
	truncate -s 10G huge2.csv &&
	test_expect_code 2 /usr/bin/time -f %M -o rss \
		mlw model score small --input huge2.csv --output o.csv 2>err &&
	test_grep "huge2.csv:4: a row longer than 16777216 bytes" err &&
	test "$(tail -1 rss)" -lt $rss_bound &&
	rm -f huge2.csv
'

test_done

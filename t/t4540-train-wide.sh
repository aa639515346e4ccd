#!/bin/sh
test_description='more features than rows: no p x p matrix, scikit-learn answers, a clear refusal when it cannot fit'
. ./test-lib.sh

test_expect_success PYTHON 'set up wide data' '
	/usr/bin/python3 -c "
import random
r = random.Random(1)
def save(name, n, p, fmt):
    with open(name, \"w\") as f:
        f.write(\",\".join(\"x%d\" % j for j in range(p)) + \",y,c\n\")
        for i in range(n):
            x = [r.gauss(0, 1) * (1 + j % 5) for j in range(p)]
            y = sum((k + 1) * x[k] for k in range(5)) + r.gauss(0, 1)
            f.write(\",\".join(fmt % v for v in x) + \",\" + fmt % y +
                    \",%d\n\" % (i % 2))
save(\"wide.csv\", 30, 200, \"%r\")
save(\"w3.csv\", 3, 20000, \"%.6f\")
save(\"w60.csv\", 4, 60000, \"%.3f\")
"
'

test_expect_success SKLEARN 'linear, ridge, lasso, elastic_net on 30 x 200 equal scikit-learn' '
	cat >sk.py <<-\PY &&
	import json, sys
	import numpy as np
	from sklearn import linear_model as lm
	algo, out, tol = sys.argv[1], sys.argv[2], float(sys.argv[3])
	d = np.loadtxt("wide.csv", delimiter=",", skiprows=1)
	X, y = d[:, :-2], d[:, -2]
	est = dict(linear=lm.LinearRegression(), ridge=lm.Ridge(alpha=0.7),
	    lasso=lm.Lasso(alpha=0.3, tol=1e-12, max_iter=100000),
	    elastic_net=lm.ElasticNet(alpha=0.3, l1_ratio=0.4, tol=1e-12,
	                              max_iter=100000))[algo].fit(X, y)
	r = json.load(open(out))
	c = np.array(r["coefficients"]["coef"][0])
	s = max(1.0, np.abs(est.coef_).max())
	assert np.abs(c - est.coef_).max() <= tol * s, (algo, np.abs(c - est.coef_).max())
	assert abs(r["coefficients"]["intercept"][0] - est.intercept_) <= tol * s
	print(r["solver"])
	PY
	while read algo args tol solver; do
		mlw train $(echo $args | tr , " ") --data wide.csv --target y \
			--exclude c -o json >$algo.json 2>/dev/null &&
		/usr/bin/python3 sk.py $algo $algo.json $tol >solver &&
		echo "$solver" | tr + " " >expect &&
		test_cmp expect solver || return 1
	done <<-\EOF
	linear linear 1e-12 gelsd+(wide)
	ridge ridge,--alpha,0.7 1e-12 cholesky+(dual)
	lasso lasso,--alpha,0.3,--tol,1e-12,--max-iter,100000 1e-10 coordinate_descent+(rows)
	elastic_net elastic_net,--alpha,0.3,--l1-ratio,0.4,--tol,1e-12,--max-iter,100000 1e-10 coordinate_descent+(rows)
	EOF
'

test_expect_success PYTHON '3 rows x 20,000 columns train in a moment and little memory' '
	for a in linear ridge lasso elastic_net kernel_ridge logistic lda gaussian_nb; do
		t="--target y --exclude c" &&
		case $a in logistic|lda|gaussian_nb) t="--target c --exclude y" ;; esac &&
		/usr/bin/time -f "%e %M" -o use mlw train $a --data w3.csv \
			$t -q >/dev/null 2>err || { cat err; return 1; }
		read secs kb <use &&
		echo "$a: $secs s, $kb KiB" &&
		test $kb -lt 300000 &&
		awk -v s=$secs "BEGIN { exit !(s < 10) }" || return 1
	done
'

# 86 GB must be more than this machine has
awk '/^MemAvailable:/ { exit !($2 < 80000000) }' /proc/meminfo 2>/dev/null &&
	test_set_prereq SMALL_MEMORY

test_expect_success PYTHON,SMALL_MEMORY 'what cannot fit is refused before it is tried' '
	test_expect_code 2 /usr/bin/time -f "%M" -o use \
		mlw train lda --solver lsqr --data w60.csv --target c --exclude y 2>err &&
	test_grep "lda on 4 rows x 60000 features needs about 86.4 GB of memory; .* GB is available: use fewer features (--features, --exclude) or rows" err &&
	test $(tail -1 use) -lt 300000 &&
	mlw train lda --data w60.csv --target c --exclude y -q >/dev/null
'

test_done

#!/bin/sh
# p4003-logistic.sh - 'mlw train logistic' (L2, C=1) on the 1,000,000 x 50
# binary classification CSV against pandas.read_csv +
# LogisticRegression(solver='lbfgs').fit: the fit alone (target 3x faster
# at an equal or lower final loss, both losses printed, computed the same
# way in numpy from each one's coefficients), end to end (target 8x), and
# the peak RSS of training against the matrix in doubles (target <= 1.5x).
# Best of $P4_RUNS (3) runs each, wall and CPU.
. "$(dirname "$0")/lib-p4.sh"

RUNS=${P4_RUNS:-3}
gen_csv cls || exit 1
warm "$BIG_CLS"
dir=$(mktemp -d /tmp/mlw-p4003-XXXXXX)
best=999
for i in $(seq "$RUNS"); do
	t0=$(now)
	/usr/bin/time -f "%U %S %M" -o "$dir/cpu" "$MLW" train logistic \
		--data "$BIG_CLS" --target y -o json >"$dir/run.json" || exit 1
	t=$(echo "$(now) - $t0" | bc -l)
	if test "$(echo "$t < $best" | bc -l)" = 1; then
		best=$t
		cp "$dir/run.json" "$dir/mlw.json"
		cp "$dir/cpu" "$dir/mlw.cpu"
	fi
done
set -- $(cat "$dir/mlw.cpu")
mlw_cpu=$(echo "$1 + $2" | bc -l) rss=$3
$PY - "$BIG_CLS" "$dir/mlw.json" "$RUNS" >"$dir/py" <<-\PY || exit 1
	import json, sys, time, warnings
	t0, c0 = time.perf_counter(), time.process_time()
	import numpy as np, pandas
	from sklearn.linear_model import LogisticRegression
	warnings.simplefilter("ignore")
	path, mj, runs = sys.argv[1], json.load(open(sys.argv[2])), int(sys.argv[3])
	imp = time.perf_counter() - t0
	best = None
	for r in range(runs):
	    t1, c1 = time.perf_counter(), time.process_time()
	    df = pandas.read_csv(path)
	    t2, c2 = time.perf_counter(), time.process_time()
	    X, y = df.drop(columns="y").values, df["y"].values
	    m = LogisticRegression(solver="lbfgs").fit(X, y)
	    t3, c3 = time.perf_counter(), time.process_time()
	    run = (t3 - t1 + imp, c3 - c1, t2 - t1, t3 - t2, c3 - c2)
	    if best is None or run[0] < best[0]:
	        best = run
	def loss(w, b):
	    z = X @ w + b
	    # C sum log(1 + exp(-s z)) + ||w||^2 / 2, s = +-1, C = 1
	    return np.logaddexp(0, -np.where(y == 1, z, -z)).sum() + 0.5 * w @ w
	c = mj["coefficients"]
	print(*best, loss(m.coef_[0], m.intercept_[0]),
	      loss(np.array(c["coef"][0]), c["intercept"][0]), m.n_iter_[0])
	PY
set -- $(cat "$dir/py")
pd_total=$1 pd_cpu=$2 pd_read=$3 pd_fit=$4 pd_fit_cpu=$5 sk_loss=$6 mlw_loss=$7 sk_iter=$8
set -- $($PY -c "
import json; d = json.load(open('$dir/mlw.json'))
print(d['time']['load_seconds'], d['time']['fit_seconds'], d['rows'], d['features'],
      d['solver'].replace(' ', '_'), d['iterations'], d['blas'])")
load=$1 fit=$2 n=$3 p=$4 solver=$5 iters=$6 blas=$7
mat=$(echo "8 * $n * ($p + 1) / 1024" | bc)
printf 'machine           %s CPUs, load average %s, BLAS core %s\n' "$(nproc)" \
	"$(cut -d' ' -f1-3 /proc/loadavg)" "$blas"
printf 'mlw train logistic %6.3f s wall %6.3f s CPU (load %.3f, fit %.3f: %s, %s iterations)\n' \
	"$best" "$mlw_cpu" "$load" "$fit" "$solver" "$iters"
printf 'pandas + sklearn  %6.3f s wall %6.3f s CPU (read_csv %.3f, fit %.3f wall %.3f CPU, %s iterations)\n' \
	"$pd_total" "$pd_cpu" "$pd_read" "$pd_fit" "$pd_fit_cpu" "$sk_iter"
printf "final loss        mlw %.10g, sklearn %.10g (mlw - sklearn: %.3g, %.2g relative)\n" \
	"$mlw_loss" "$sk_loss" "$(echo "$mlw_loss - $sk_loss" | bc -l)" \
	"$(echo "($mlw_loss - $sk_loss) / $sk_loss" | bc -l)"
printf 'fit ratio         %.1fx wall\n' "$(echo "$pd_fit / $fit" | bc -l)"
printf 'end-to-end ratio  %.1fx wall, %.1fx CPU\n' "$(echo "$pd_total / $best" | bc -l)" \
	"$(echo "$pd_cpu / $mlw_cpu" | bc -l)"
printf 'peak RSS          %d KiB = %.2fx the %d KiB matrix of doubles\n' "$rss" \
	"$(echo "$rss / $mat" | bc -l)" "$mat"
rm -rf "$dir"

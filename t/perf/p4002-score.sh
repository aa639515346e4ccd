#!/bin/sh
# p4002-score.sh - 'mlw model score' of the 1,000,000-row CSV into a CSV
# against pandas.read_csv + predict + to_csv (target: 10x faster), with
# the parse throughput and the peak RSS of scoring (bounded: < 64 MiB).
# Best of $P4_RUNS (3) runs each, wall and CPU.
. "$(dirname "$0")/lib-p4.sh"

RUNS=${P4_RUNS:-3}

gen_csv || exit 1
dir=$(mktemp -d /tmp/mlw-p4002-XXXXXX)
head -100001 "$BIG" >"$dir/train.csv"
"$MLW" train ridge --data "$dir/train.csv" --target y --output "$dir/model" \
	-q >/dev/null || exit 1
warm "$BIG"
best=999
for i in $(seq "$RUNS"); do
	t0=$(now)
	/usr/bin/time -f "%M %U %S" -o "$dir/rss.$i" "$MLW" model score \
		"$dir/model" --input "$BIG" --output "$dir/out.csv" -q || exit 1
	t=$(echo "$(now) - $t0" | bc -l)
	if test "$(echo "$t < $best" | bc -l)" = 1; then
		best=$t
		cp "$dir/rss.$i" "$dir/rss"
	fi
done
mlw=$best
set -- $(cat "$dir/rss")
rss=$1 mlw_cpu=$(echo "$2 + $3" | bc -l)
set -- $($PY - "$dir" "$BIG" "$RUNS" <<-\PY
	import sys, time, pandas
	from sklearn.linear_model import Ridge
	d, big, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
	train = pandas.read_csv(d + "/train.csv")
	m = Ridge().fit(train.drop(columns="y").values, train["y"].values)
	best = None
	for r in range(runs):
	    t, c = time.perf_counter(), time.process_time()
	    df = pandas.read_csv(big)
	    p = m.predict(df.drop(columns="y").values)
	    pandas.DataFrame({"prediction": p}).to_csv(d + "/pd.csv", index=False)
	    run = (time.perf_counter() - t, time.process_time() - c)
	    if best is None or run[0] < best[0]:
	        best = run
	print(*best)
	PY
)
pd=$1 pd_cpu=$2
mb=$(size_mb "$BIG")
printf 'mlw model score     %6.3f s wall %6.3f s CPU  %.0f MB/s in, peak RSS %d KiB\n' \
	"$mlw" "$mlw_cpu" "$(echo "$mb / $mlw" | bc -l)" "$rss"
printf 'pandas read+predict+to_csv %6.3f s wall %6.3f s CPU\n' "$pd" "$pd_cpu"
printf 'ratio               %.1fx wall, %.1fx CPU\n' "$(echo "$pd / $mlw" | bc -l)" \
	"$(echo "$pd_cpu / $mlw_cpu" | bc -l)"
rm -rf "$dir"

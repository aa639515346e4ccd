#!/bin/sh
# p4002-score.sh - 'mlw model score' of the 1,000,000-row CSV into a CSV
# against pandas.read_csv + predict + to_csv (target: 10x faster), with
# the parse throughput and the peak RSS of scoring (bounded: < 64 MiB).
. "$(dirname "$0")/p4-lib.sh"

gen_csv || exit 1
dir=$(mktemp -d /tmp/mlw-p4002-XXXXXX)
head -100001 "$BIG" >"$dir/train.csv"
"$MLW" train ridge --data "$dir/train.csv" --target y --output "$dir/model" \
	-q >/dev/null || exit 1
warm "$BIG"
t0=$(now)
/usr/bin/time -f %M -o "$dir/rss" "$MLW" model-score "$dir/model" \
	--input "$BIG" --output "$dir/out.csv" -q || exit 1
t1=$(now)
mlw=$(echo "$t1 - $t0" | bc -l)
pd=$($PY -c "
import time, pandas
from sklearn.linear_model import Ridge
train = pandas.read_csv('$dir/train.csv')
m = Ridge().fit(train.drop(columns='y').values, train['y'].values)
t = time.perf_counter()
df = pandas.read_csv('$BIG')
p = m.predict(df.drop(columns='y').values)
pandas.DataFrame({'prediction': p}).to_csv('$dir/pd.csv', index=False)
print(time.perf_counter() - t)")
mb=$(size_mb "$BIG")
printf 'mlw model score    %.3f s  %.0f MB/s in, peak RSS %d KiB\n' "$mlw" \
	"$(echo "$mb / $mlw" | bc -l)" "$(cat "$dir/rss")"
printf 'pandas read+predict+to_csv %.3f s\n' "$pd"
printf 'ratio              %.1fx\n' "$(echo "$pd / $mlw" | bc -l)"
rm -rf "$dir"

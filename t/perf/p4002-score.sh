#!/bin/sh
# p4002-score.sh - 'mlw model score' of the 1,000,000-row CSV into a CSV
# against pandas.read_csv + predict + to_csv (target: 10x faster), with
# the parse throughput and the peak RSS of scoring (bounded: < 64 MiB).
. "$(dirname "$0")/lib-p4.sh"

gen_csv || exit 1
dir=$(mktemp -d /tmp/mlw-p4002-XXXXXX)
head -100001 "$BIG" >"$dir/train.csv"
"$MLW" train ridge --data "$dir/train.csv" --target y --output "$dir/model" \
	-q >/dev/null || exit 1
warm "$BIG"
t0=$(now)
/usr/bin/time -f "%M %U %S" -o "$dir/rss" "$MLW" model score "$dir/model" \
	--input "$BIG" --output "$dir/out.csv" -q || exit 1
t1=$(now)
mlw=$(echo "$t1 - $t0" | bc -l)
set -- $(cat "$dir/rss")
rss=$1 mlw_cpu=$(echo "$2 + $3" | bc -l)
set -- $($PY -c "
import time, pandas
from sklearn.linear_model import Ridge
train = pandas.read_csv('$dir/train.csv')
m = Ridge().fit(train.drop(columns='y').values, train['y'].values)
t, c = time.perf_counter(), time.process_time()
df = pandas.read_csv('$BIG')
p = m.predict(df.drop(columns='y').values)
pandas.DataFrame({'prediction': p}).to_csv('$dir/pd.csv', index=False)
print(time.perf_counter() - t, time.process_time() - c)")
pd=$1 pd_cpu=$2
mb=$(size_mb "$BIG")
printf 'mlw model score     %6.3f s wall %6.3f s CPU  %.0f MB/s in, peak RSS %d KiB\n' \
	"$mlw" "$mlw_cpu" "$(echo "$mb / $mlw" | bc -l)" "$rss"
printf 'pandas read+predict+to_csv %6.3f s wall %6.3f s CPU\n' "$pd" "$pd_cpu"
printf 'ratio               %.1fx wall, %.1fx CPU\n' "$(echo "$pd / $mlw" | bc -l)" \
	"$(echo "$pd_cpu / $mlw_cpu" | bc -l)"
rm -rf "$dir"

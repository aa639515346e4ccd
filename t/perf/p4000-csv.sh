#!/bin/sh
# p4000-csv.sh - CSV parse throughput of the dataset loader (MB/s) on the
# 1,000,000 x 50 file, against pandas.read_csv on the same file.
. "$(dirname "$0")/lib-p4.sh"

gen_csv || exit 1
warm "$BIG"
mb=$(size_mb "$BIG")
best=999
for i in 1 2 3; do
	"$MLW" train ridge --data "$BIG" --target y --features x0 -o json \
		>/tmp/p4000.json || exit 1
	t=$($PY -c "import json; print(json.load(open('/tmp/p4000.json'))['time']['load_seconds'])")
	best=$(echo "if ($t < $best) $t else $best" | bc -l)
done
pd=$($PY -c "
import time, pandas
t = time.perf_counter(); pandas.read_csv('$BIG'); print(time.perf_counter() - t)")
printf 'file            %.0f MB\n' "$mb"
printf 'mlw load        %.3f s  %.0f MB/s (best of 3, %s CPUs)\n' "$best" \
	"$(echo "$mb / $best" | bc -l)" "$(nproc)"
printf 'pandas.read_csv %.3f s  %.0f MB/s\n' "$pd" "$(echo "$mb / $pd" | bc -l)"
printf 'ratio           %.1fx\n' "$(echo "$pd / $best" | bc -l)"
rm -f /tmp/p4000.json

#!/bin/sh
# p4001-train.sh - 'mlw train ridge' end to end against pandas.read_csv +
# sklearn Ridge().fit on the 1,000,000 x 50 file (target: 8x faster).
. "$(dirname "$0")/lib-p4.sh"

gen_csv || exit 1
warm "$BIG"
t0=$(now)
/usr/bin/time -f "%U %S" -o /tmp/p4001.cpu \
	"$MLW" train ridge --data "$BIG" --target y -o json >/tmp/p4001.json || exit 1
t1=$(now)
mlw_total=$(echo "$t1 - $t0" | bc -l)
mlw_cpu=$(awk '{ print $1 + $2 }' /tmp/p4001.cpu)
set -- $($PY -c "
import json; d = json.load(open('/tmp/p4001.json'))['time']
print(d['load_seconds'], d['fit_seconds'], d['total_seconds'])")
load=$1 fit=$2 inside=$3
set -- $($PY -c "
import time
t0, c0 = time.perf_counter(), time.process_time()
import pandas
from sklearn.linear_model import Ridge
t1 = time.perf_counter()
df = pandas.read_csv('$BIG')
t2 = time.perf_counter()
Ridge().fit(df.drop(columns='y').values, df['y'].values)
t3 = time.perf_counter()
print(t2 - t1, t3 - t2, t3 - t0, time.process_time() - c0)")
pd_read=$1 pd_fit=$2 pd_total=$3 pd_cpu=$4
printf 'mlw train ridge   %6.3f s wall %6.3f s CPU (load %.3f, fit %.3f, other %.3f)\n' \
	"$mlw_total" "$mlw_cpu" "$load" "$fit" "$(echo "$inside - $load - $fit" | bc -l)"
printf 'pandas + sklearn  %6.3f s wall %6.3f s CPU (read_csv %.3f, fit %.3f)\n' \
	"$pd_total" "$pd_cpu" "$pd_read" "$pd_fit"
printf 'ratio             %.1fx wall, %.1fx CPU\n' "$(echo "$pd_total / $mlw_total" | bc -l)" \
	"$(echo "$pd_cpu / $mlw_cpu" | bc -l)"
rm -f /tmp/p4001.json /tmp/p4001.cpu

#!/bin/sh
# p1001-hash - 'mlw hash-object' of a 1 GiB file against sha256sum.
#
# Both name the same object (the id is the file's SHA-256), so the output
# of one is checked against the other.  The file is in the page cache and
# each command runs once to warm up before the best of 3 is taken.
# Target (the issue): mlw at least 2x the throughput of sha256sum.
#
# PERF_SIZE overrides the file size (1G; perf-gen suffixes k, M, G).
. t/perf/perf-lib.sh
perf_setup "$@"
perf_need sha256sum cc

size=${PERF_SIZE:-1G}
file=$PERF_TMP/random.bin
perf_gen random "$size" >"$file" || perf_die "cannot generate $file"
bytes=$(wc -c <"$file")

# warm both (and the page cache), and check that they agree
"$MLW" hash-object "$file" >"$PERF_TMP/mlw.id" || perf_die "mlw hash-object failed"
sha256sum "$file" | cut -d' ' -f1 >"$PERF_TMP/sha.id"
cmp -s "$PERF_TMP/mlw.id" "$PERF_TMP/sha.id" ||
	perf_die "mlw hash-object and sha256sum disagree"

perf_best 3 t_mlw "mlw hash-object $size" true -- "$MLW" hash-object "$file"
perf_best 3 t_sha "sha256sum $size" true -- sha256sum "$file"

gbps () {
	perf_calc "$bytes / $1 / 1e9"
}
perf_info "mlw hash-object $size, best of 3" "$t_mlw" s
perf_info "sha256sum $size, best of 3" "$t_sha" s
perf_info "mlw hash-object throughput" "$(gbps "$t_mlw")" GB/s
perf_info "sha256sum throughput" "$(gbps "$t_sha")" GB/s
perf_result "throughput mlw / sha256sum" "$(perf_calc "$t_sha / $t_mlw")" '>' 2 x
perf_done

#!/bin/sh
# p1002-store - 'mlw hash-object -w' of 1 GiB into a fresh store against
# 'git hash-object -w' into a fresh repository, for random bytes (nothing
# to compress) and for numeric CSV (50 columns, compresses about 2:1).
#
# Targets (the issue): mlw at least 10x faster than git on random bytes and
# 5x on CSV; peak RSS of 'mlw hash-object -w' under 64 MiB whatever the
# file's size.  The on-disk size of both stores is reported against the
# input.  Both durable: mlw fsyncs the object; git writes a file this large
# (over core.bigFileThreshold, 512 MiB) straight into a pack, which its
# default core.fsync settings fsync.  Inputs are in the page cache, each
# store is new and 'sync' runs before each timed command.  mlw is the best
# of 3; git, 15-40 s a run here, runs once to keep 'make perf' within
# minutes (its run-to-run spread, a few percent, may flatter the ratio).
#
# PERF_SIZE overrides the input size (1G; perf-gen suffixes k, M, G).
. t/perf/perf-lib.sh
perf_setup "$@"
perf_need git cc sha256sum /usr/bin/time

size=${PERF_SIZE:-1G}
store=$PERF_TMP/store
repo=$PERF_TMP/repo

fresh_store () {
	rm -rf "$store" && mkdir "$store" &&
	(cd "$store" && "$MLW" -q init >/dev/null) && sync
}

fresh_repo () {
	rm -rf "$repo" && git init -q "$repo" && sync
}

# bench KIND FILE TARGET: time both on FILE, check, report
bench () {
	kind=$1 file=$2 target=$3
	bytes=$(wc -c <"$file")
	cat "$file" >/dev/null
	sha=$(sha256sum "$file" | cut -d' ' -f1)

	perf_best 3 t_mlw "mlw hash-object -w ($kind)" fresh_store -- \
		"$MLW" -C "$store" hash-object -w "$file"
	test "$(cat "$PERF_TMP/out")" = "$sha" ||
		perf_die "mlw stored $kind under the wrong id"
	"$MLW" -C "$store" cat-object -p "$sha" | cmp -s - "$file" ||
		perf_die "the $kind object does not read back"
	mlw_disk=$(perf_du_bytes "$store/.mlw/objects")

	perf_best 1 t_git "git hash-object -w ($kind)" fresh_repo -- \
		git -C "$repo" hash-object -w "$file"
	git_disk=$(perf_du_bytes "$repo/.git/objects")

	perf_info "mlw hash-object -w $size $kind" "$t_mlw" s
	perf_info "git hash-object -w $size $kind" "$t_git" s
	perf_info "mlw throughput ($kind)" "$(perf_calc "$bytes / $t_mlw / 1e9")" GB/s
	perf_info "on disk / input, mlw ($kind)" \
		"$(perf_calc "$mlw_disk / $bytes")" "($mlw_disk of $bytes bytes)"
	perf_info "on disk / input, git ($kind)" \
		"$(perf_calc "$git_disk / $bytes")" "($git_disk of $bytes bytes)"
	perf_result "speed mlw / git ($kind)" \
		"$(perf_calc "$t_git / $t_mlw")" '>' "$target" x
}

perf_gen random "$size" >"$PERF_TMP/random.bin" ||
	perf_die "cannot generate random bytes"
bench random "$PERF_TMP/random.bin" 10

fresh_store
perf_rss_kib rss "$MLW" -C "$store" hash-object -w "$PERF_TMP/random.bin"
perf_result "peak RSS, mlw hash-object -w $size random" \
	"$(perf_calc "$rss / 1024")" '<' 64 MiB
rm -f "$PERF_TMP/random.bin"

perf_gen csv "$size" >"$PERF_TMP/data.csv" || perf_die "cannot generate CSV"
bench csv "$PERF_TMP/data.csv" 5

fresh_store
perf_rss_kib rss "$MLW" -C "$store" hash-object -w "$PERF_TMP/data.csv"
perf_result "peak RSS, mlw hash-object -w $size csv" \
	"$(perf_calc "$rss / 1024")" '<' 64 MiB
perf_done

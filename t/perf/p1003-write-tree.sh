#!/bin/sh
# p1003-write-tree - 'mlw write-tree' of a folder of 10,000 files of 4 KiB
# (CSV shards, 100 folders of 100) into a fresh store, against 'git add .'
# of the same folder into a fresh repository (git init, not timed).
#
# Target (the issue): mlw at least 3x faster.  Durability differs: mlw
# makes every object and its name durable before it returns (one batch,
# two syncfs calls); git 2.39 with its defaults fsyncs neither the 10,000
# loose objects nor the index (strace shows no fsync call at all).  So git is also timed with the durability
# mlw gives, 'core.fsync=loose-object,index' and core.fsyncMethod=batch
# (git's own fast batch mode), once, for information.  mlw and git with
# its defaults: best of 3, each into a new store or repository after
# 'sync', the files in the page cache.
#
# PERF_FILES and PERF_FILE_SIZE override the shape (10000, 4096).
. t/perf/perf-lib.sh
perf_setup "$@"
perf_need git cc

nfiles=${PERF_FILES:-10000}
fsize=${PERF_FILE_SIZE:-4096}
data=$PERF_TMP/data
store=$PERF_TMP/store
repo=$PERF_TMP/repo

mkdir "$data" && perf_gen files "$data" "$nfiles" "$fsize" ||
	perf_die "cannot generate $data"
find "$data" -type f -exec cat {} + >/dev/null

fresh_store () {
	rm -rf "$store" && mkdir "$store" &&
	(cd "$store" && "$MLW" -q init >/dev/null) && sync
}

# the repository lives outside the data folder, as the store does
fresh_repo () {
	rm -rf "$repo" && git init -q "$repo" && sync
}

perf_best 3 t_mlw "mlw write-tree" fresh_store -- \
	"$MLW" -C "$store" -o json write-tree "$data"
grep -q "\"files\": *$nfiles\\b" "$PERF_TMP/out" ||
	perf_die "mlw write-tree did not store $nfiles files: $(cat "$PERF_TMP/out")"
"$MLW" -C "$store" fsck >/dev/null || perf_die "the store fails fsck"

perf_best 3 t_git "git add . (defaults)" fresh_repo -- \
	git --git-dir="$repo/.git" --work-tree="$data" add .
n=$(git --git-dir="$repo/.git" ls-files | wc -l)
test "$n" -eq "$nfiles" || perf_die "git added $n files, not $nfiles"

perf_best 1 t_gits "git add . (fsync'd)" fresh_repo -- \
	git -c core.fsync=loose-object,index -c core.fsyncMethod=batch \
	--git-dir="$repo/.git" --work-tree="$data" add .

perf_info "mlw write-tree, $nfiles files of $fsize bytes" "$t_mlw" s
perf_info "git add ., git defaults (no fsync)" "$t_git" s
perf_info "git add ., objects and index fsync'd" "$t_gits" s
perf_info "files a second, mlw" "$(perf_calc "$nfiles / $t_mlw")" files/s
perf_info "speed mlw / git fsync'd (no target)" \
	"$(perf_calc "$t_gits / $t_mlw")" x
perf_result "speed mlw / git add ." "$(perf_calc "$t_git / $t_mlw")" '>' 3 x
perf_done

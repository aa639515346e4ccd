#!/bin/sh
test_description='mlw init and workspace discovery (MLW_DIR, --mlw-dir, -C)'
. ./test-lib.sh

# a listing of a tree of files with their sizes, to prove nothing changed
snapshot () {
	find "$1" -exec stat -c '%n %s %Y %a' {} + | sort
}

test_expect_success 'setup: no workspace above the trash directory' '
	d=$(pwd) &&
	while test "$d" != /; do
		test ! -e "$d/.mlw" || { echo "found $d/.mlw"; return 1; }
		d=$(dirname "$d")
	done &&
	echo "mlw: error: not in an mlw workspace (or any parent); run '\''mlw init'\''" >expect.notrepo
'

test_expect_success 'commands needing a workspace exit 2 outside one, with the exact message' '
	mkdir outside &&
	(
		cd outside &&
		echo x >f &&
		for cmd in "fsck" "gc" "hash-object -w f" "cat-object -p abcd" \
			   "ls-tree abcd" "write-tree ." "show-ref" \
			   "update-ref x abcd" "checkout-tree abcd out"; do
			test_expect_code 2 mlw $cmd >out 2>err || return 1
			test_cmp ../expect.notrepo err || return 1
			test_must_be_empty out || return 1
		done
	)
'

test_expect_success 'hash-object without -w needs no workspace' '
	(cd outside && mlw hash-object f >../out) &&
	sha256sum outside/f >sum &&
	echo "$(cut -d" " -f1 sum)" >expect &&
	test_cmp expect out
'

test_expect_success 'init creates .mlw with objects/, hooks/, config and mlw.db' '
	mkdir ws &&
	(cd ws && mlw init >../out 2>../err) &&
	test_must_be_empty err &&
	echo "Initialized empty mlw workspace in $(pwd)/ws/.mlw/" >expect &&
	test_cmp expect out &&
	test -d ws/.mlw/objects &&
	test -d ws/.mlw/hooks &&
	test -f ws/.mlw/config &&
	test -s ws/.mlw/mlw.db &&
	test_grep "repositoryformatversion" ws/.mlw/config &&
	sqlite3 ws/.mlw/mlw.db "PRAGMA journal_mode" >mode &&
	echo wal >expect &&
	test_cmp expect mode
'

test_expect_success 'init leaves no temporary directory behind' '
	ls -A ws >list &&
	echo .mlw >expect &&
	test_cmp expect list
'

test_expect_success 'a fresh workspace is fsck-clean' '
	(cd ws && mlw fsck >../out) &&
	test_must_be_empty out
'

test_expect_success 're-init refuses with exit 2 and changes nothing' '
	printf "# mine\n" >>ws/.mlw/config &&
	snapshot ws >before &&
	(cd ws && test_expect_code 2 mlw init >../out 2>../err) &&
	test_grep "already exists" err &&
	test_must_be_empty out &&
	snapshot ws >after &&
	test_cmp before after &&
	test_grep "# mine" ws/.mlw/config
'

test_expect_success 're-init through DIR also refuses' '
	test_expect_code 2 mlw init ws 2>err &&
	test_grep "already exists" err
'

test_expect_success 'init DIR creates DIR (and its parents)' '
	mlw init deep/new/dir >out &&
	test -d deep/new/dir/.mlw/objects &&
	test -f deep/new/dir/.mlw/mlw.db &&
	test_grep "deep/new/dir/.mlw" out
'

test_expect_success 'init -o json names the new .mlw' '
	mlw -o json init jsonws >out &&
	test_json_get out "[\"path\"]" >path &&
	echo "$(pwd)/jsonws/.mlw" >expect &&
	test_cmp expect path
'

test_expect_success 'concurrent inits of one folder: exactly one wins' '
	mkdir race &&
	for i in 1 2 3 4 5 6; do
		{ mlw init race >/dev/null 2>race.err.$i; echo $? >race.rc.$i; } &
	done &&
	wait &&
	cat race.rc.* | sort | uniq -c | sed "s/^ *//" >counts &&
	printf "1 0\n5 2\n" >expect &&
	test_cmp expect counts &&
	ls -A race >list &&
	echo .mlw >expect &&
	test_cmp expect list &&
	(cd race && mlw fsck)
'

test_expect_success 'init where .mlw is a file refuses with exit 2' '
	mkdir hasfile &&
	echo x >hasfile/.mlw &&
	test_expect_code 2 mlw init hasfile 2>err &&
	test_grep "already exists" err &&
	echo x >expect &&
	test_cmp expect hasfile/.mlw
'

test_expect_success 'discovery walks up from a subfolder' '
	mkdir -p ws/a/b/c &&
	echo content >ws/a/b/c/file &&
	(cd ws/a/b/c && mlw hash-object -w file >../../../../oid) &&
	test -f ws/.mlw/objects/$(cut -c1-2 oid)/$(cut -c3- oid) &&
	(cd ws/a/b && mlw cat-object -p $(cat ../../../oid) >../../../out) &&
	test_cmp ws/a/b/c/file out
'

test_expect_success 'the nearest .mlw wins when workspaces nest' '
	mlw init ws/a/inner >/dev/null &&
	echo inner >ws/a/inner/f &&
	(cd ws/a/inner && mlw hash-object -w f >../../../oid) &&
	oid=$(cat oid) &&
	test -f ws/a/inner/.mlw/objects/$(echo $oid | cut -c1-2)/$(echo $oid | cut -c3-) &&
	test ! -e ws/.mlw/objects/$(echo $oid | cut -c1-2)/$(echo $oid | cut -c3-)
'

test_expect_success 'MLW_DIR overrides discovery' '
	echo via-env >outside/g &&
	(cd outside && MLW_DIR=../ws/.mlw mlw hash-object -w g >../oid) &&
	oid=$(cat oid) &&
	test -f ws/.mlw/objects/$(echo $oid | cut -c1-2)/$(echo $oid | cut -c3-) &&
	(cd ws/a/inner && MLW_DIR=../../.mlw mlw cat-object -p $oid >../../../out) &&
	test_cmp outside/g out
'

test_expect_success '--mlw-dir overrides discovery and MLW_DIR' '
	echo via-option >outside/h &&
	(cd outside && MLW_DIR=../ws/a/inner/.mlw mlw --mlw-dir ../ws/.mlw hash-object -w h >../oid) &&
	oid=$(cat oid) &&
	test -f ws/.mlw/objects/$(echo $oid | cut -c1-2)/$(echo $oid | cut -c3-) &&
	test ! -e ws/a/inner/.mlw/objects/$(echo $oid | cut -c1-2)/$(echo $oid | cut -c3-) &&
	(cd outside && mlw --mlw-dir=../ws/.mlw cat-object -s $oid >../out) &&
	echo 11 >expect &&
	test_cmp expect out
'

test_expect_success 'MLW_DIR or --mlw-dir naming no .mlw directory exits 2' '
	(
		cd outside &&
		MLW_DIR=../outside && export MLW_DIR &&
		test_expect_code 2 mlw fsck 2>../err
	) &&
	test_grep "is not an mlw directory" err &&
	(cd outside && test_expect_code 2 mlw --mlw-dir /nonexistent fsck 2>../err) &&
	test_grep "is not an mlw directory" err
'

test_expect_success '-C DIR runs as if started in DIR' '
	mlw -C ws/a/b hash-object -w c/file >oid2 &&
	(cd ws/a/b/c && mlw hash-object file) >expect &&
	test_cmp expect oid2 &&
	(cd outside && mlw -C ../ws cat-object -p $(cat ../oid2) >../out) &&
	test_cmp ws/a/b/c/file out
'

test_expect_success '-C to a missing folder exits 3' '
	test_expect_code 3 mlw -C no/such/dir fsck 2>err &&
	test_grep "cannot change to" err
'

test_expect_success '-C into a workspace from outside one, and out of one' '
	(cd outside && mlw -C ../ws fsck >../out) &&
	test_must_be_empty out &&
	(cd ws && test_expect_code 2 mlw -C ../outside fsck 2>../err) &&
	test_cmp expect.notrepo err
'

test_done

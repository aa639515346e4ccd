#!/bin/sh
test_description='concurrent writers: objects and catalog rows from 8 processes'
. ./test-lib.sh

NPROC=8
NOBJ=500	# per process: 250 of its own, 250 shared with every other
BATCH=100	# files per hash-object call
REFS=2		# refs set after each call
# under AddressSanitizer every process start and exit is slow: fewer calls
if test_have_prereq ASAN; then
	BATCH=125
	REFS=1
fi

# worker P: store its 500 files (the shared ones first for even writers,
# last for odd ones, so writers race on the same objects) in batches, and
# after each batch point REFS refs at objects it just wrote; a status file
# says whether all went well
worker () {
	p=$1
	if test $((p % 2)) = 0; then
		set -- $(cat shared.list own.list)
	else
		set -- $(cat own.list shared.list)
	fi
	cd w$p || return 1
	k=0
	while test $# -gt 0; do
		files=
		n=0
		while test $# -gt 0 && test $n -lt $BATCH; do
			files="$files $1"
			shift
			n=$((n + 1))
		done
		mlw hash-object -w $files >../out.$p.$k 2>../err.$p.$k ||
			return 1
		for r in $(seq $REFS); do
			id=$(sed -n ${r}p ../out.$p.$k)
			mlw update-ref w$p/b$k/r$r $id 2>>../err.$p.$k || return 1
			echo "$id w$p/b$k/r$r" >>../refs.$p
		done
		k=$((k + 1))
	done
	echo ok >../status.$p
}

test_expect_success 'setup: 8 writers x 500 files, 250 of them shared' '
	mlw init >/dev/null &&
	mkdir shared &&
	awk -v nproc=$NPROC -v nobj=$NOBJ "BEGIN {
		for (i = 1; i <= nobj / 2; i++) {
			f = \"shared/\" i
			print \"shared object \" i > f
			close(f)
		}
		for (p = 1; p <= nproc; p++) {
			system(\"mkdir w\" p)
			for (i = 1; i <= nobj / 2; i++) {
				f = \"w\" p \"/\" i
				print \"object \" i \" of writer \" p > f
				close(f)
			}
		}
	}" &&
	seq $((NOBJ / 2)) | sed "s|^|../shared/|" >shared.list &&
	seq $((NOBJ / 2)) >own.list &&
	cat shared/* w*/* | sort -u | wc -l >n &&
	test $(cat n) = $(((NPROC + 1) * NOBJ / 2)) &&
	sha256sum shared/* w*/* | cut -d" " -f1 | sort -u >expect.objects &&
	test $(wc -l <expect.objects) = $(cat n)
'

test_expect_success '8 writers at once: every call succeeds' '
	start=$(date +%s) &&
	for p in $(seq $NPROC); do
		worker $p &
	done &&
	wait &&
	echo "# writers took $(($(date +%s) - start)) s" &&
	for p in $(seq $NPROC); do
		test -f status.$p || { echo "writer $p failed:"; cat err.$p.*; return 1; }
	done &&
	cat err.* >errors &&
	test_must_be_empty errors
'

test_expect_success 'each writer got the ids sha256sum gives' '
	for p in $(seq $NPROC); do
		if test $((p % 2)) = 0; then
			files=$(cat shared.list own.list)
		else
			files=$(cat own.list shared.list)
		fi &&
		(cd w$p && sha256sum $files | cut -d" " -f1) >expect.$p &&
		k=0 && : >actual.$p &&
		while test -f out.$p.$k; do
			cat out.$p.$k >>actual.$p
			k=$((k + 1))
		done &&
		test_cmp expect.$p actual.$p || return 1
	done
'

test_expect_success 'all objects are present, once, and nothing else' '
	find .mlw/objects -mindepth 2 -type f |
	sed "s|.mlw/objects/\(..\)/|\1|" | sort >actual.objects &&
	test_cmp expect.objects actual.objects &&
	find .mlw/objects -name "tmp_*" >tmps &&
	test_must_be_empty tmps
'

test_expect_success 'all refs are present and point where they were set' '
	cat refs.* | sort -k2 >expect.refs &&
	test $(wc -l <expect.refs) = $((NPROC * NOBJ / BATCH * REFS)) &&
	mlw show-ref >refs &&
	sort -k2 refs >actual.refs &&
	test_cmp expect.refs actual.refs
'

test_expect_success 'every call was logged in the catalog' '
	sqlite3 .mlw/mlw.db "SELECT command, count(*) FROM oplog GROUP BY command ORDER BY command" >actual &&
	cat >expect <<-EOF &&
	hash-object|$((NPROC * NOBJ / BATCH))
	update-ref|$((NPROC * NOBJ / BATCH * REFS))
	EOF
	test_cmp expect actual
'

test_expect_success 'fsck is clean; objects read back' '
	mlw fsck >out &&
	test_must_be_empty out &&
	mlw cat-object -p $(sed -n 260p expect.1) >out &&
	echo "shared object 10" >expect &&
	test_cmp expect out
'

test_expect_success 'gc concurrent with a writer keeps everything (grace period)' '
	mkdir w9 &&
	awk "BEGIN { for (i = 1; i <= 200; i++) { f = \"w9/\" i; print \"late \" i > f; close(f) } }" &&
	seq 200 >own.list &&
	: >shared.list &&
	(cd w9 && sha256sum $(cat ../own.list) | cut -d" " -f1) >expect.9 &&
	worker 9 &
	mlw gc >/dev/null 2>gc.err &&
	wait &&
	test -f status.9 &&
	test_must_be_empty gc.err &&
	find .mlw/objects -mindepth 2 -type f |
	sed "s|.mlw/objects/\(..\)/|\1|" | sort >actual.objects &&
	sort expect.9 >expect.9.sorted &&
	comm -23 expect.9.sorted actual.objects >lost &&
	test_must_be_empty lost &&
	mlw fsck
'

test_done

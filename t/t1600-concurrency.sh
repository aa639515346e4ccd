#!/bin/sh
test_description='concurrent writers: objects and catalog rows from 8 processes; 16 writers of every kind with gc and fsck alongside'
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

# --- 16 writers, every kind of write, gc and fsck alongside ----------------

NWRITERS=16
CYCLES=${MLW_TEST_STRESS_CYCLES:-3}	# each cycle: one op of each kind
test_set_timeout $((120 + CYCLES * 60))

# mixed P: writer P's cycles of hash-object + update-ref, data create and
# model create (automatic versions, one name for all writers), job create
# --wait (its command logs a metric), and a metric into the shared run;
# one line per operation in ops.P ("KIND OK|FAIL STATUS"), errors in
# mixed.err.P
mixed () {
	p=$1
	for c in $(seq $CYCLES); do
		tag=w$p.c$c
		echo "object $tag" >m/$tag
		id=$(mlw hash-object -w m/$tag 2>>mixed.err.$p) &&
		mlw update-ref mixed/$tag $id 2>>mixed.err.$p
		echo "object $? $id mixed/$tag" >>ops.$p
		echo "data $tag" >m/$tag.data
		mlw data create -n shared -p m/$tag.data -t uri_file \
			>/dev/null 2>>mixed.err.$p
		echo "data $?" >>ops.$p
		mkdir -p m/$tag.model && echo "model $tag" >m/$tag.model/w
		mlw model create -n shared -p m/$tag.model \
			>/dev/null 2>>mixed.err.$p
		echo "model $?" >>ops.$p
		mlw -q job create -f mixed.yml --wait --name job_${p}_$c \
			--set "command=mlw log metric from_job $c" \
			>/dev/null 2>>jobs.err.$p
		echo "job $?" >>ops.$p
		MLW_RUN_ID=shared_run mlw log metric w$p $c --step $c \
			2>>mixed.err.$p
		echo "metric $?" >>ops.$p
	done
}

# loop COMMAND...: run COMMAND until the writers are done; each run's
# exit status and output are kept (loop.N.{out,err,status} in its folder)
loop () {
	dir=$1
	shift
	mkdir -p $dir
	n=0
	while ! test -f writers.done; do
		n=$((n + 1))
		"$@" >$dir/$n.out 2>$dir/$n.err
		echo $? >$dir/$n.status
	done
}

test_expect_success 'setup: a run to log into, a job spec' '
	printf "command: echo\nenvironment: azureml:x@latest\n" >mixed.yml &&
	mlw job create -f mixed.yml --wait --name shared_run >/dev/null &&
	mkdir m
'

test_expect_success "$NWRITERS writers of every kind, gc and fsck alongside: no failure" '
	start=$(date +%s) &&
	rm -f writers.done &&
	loop gcs mlw gc &
	gc_loop=$!
	loop fscks mlw fsck &
	fsck_loop=$!
	for p in $(seq $NWRITERS); do
		mixed $p &
		eval writer_$p=$!
	done
	for p in $(seq $NWRITERS); do
		eval wait \$writer_$p
	done
	touch writers.done &&
	wait $gc_loop $fsck_loop &&
	echo "# $NWRITERS writers x $CYCLES cycles took $(($(date +%s) - start)) s," \
		"with $(ls gcs | grep -c status) gc and $(ls fscks | grep -c status) fsck runs" &&
	cat ops.* >ops &&
	echo "# $(wc -l <ops) operations" &&
	test $(wc -l <ops) = $((NWRITERS * CYCLES * 5)) &&
	grep -v "^job " ops | grep -v "^[a-z]* 0" >failed
	cat mixed.err.* >errors &&
	test_must_be_empty failed &&
	test_must_be_empty errors
'

# issue 11 item 7: gc took the spare working area (.mlw/cache/workdir)
# from under a starting job; gc now takes it by rename first
test_expect_success 'every job created alongside gc ran and completed' '
	grep "^job " ops | grep -v "^job 0" >failed
	cat jobs.err.* >errors &&
	test_must_be_empty failed &&
	test_must_be_empty errors &&
	mlw job list --all-results -o tsv >jobs &&
	test $(grep -c "^job_.*	Completed	" jobs) = $((NWRITERS * CYCLES))
'

test_expect_success 'gc alongside them never failed' '
	cat gcs/*.status | sort | uniq -c &&
	! grep -vx 0 gcs/*.status &&
	cat gcs/*.err >gc.errors &&
	test_must_be_empty gc.errors
'

# issue 11 item 6: fsck while others write reported objects "missing"
# that were not; it now reads the catalog in one snapshot first
test_expect_success 'fsck alongside them found nothing wrong' '
	cat fscks/*.status | sort | uniq -c &&
	! grep -vx 0 fscks/*.status &&
	cat fscks/*.out fscks/*.err >fsck.problems &&
	test_must_be_empty fsck.problems
'

test_expect_success 'asset versions are 1..N without a gap, one per create' '
	for kind in data model; do
		mlw $kind list -n shared -o tsv | cut -f2 | sort -n >versions &&
		seq $((NWRITERS * CYCLES)) >expect &&
		test_cmp expect versions || return 1
	done
'

test_expect_success 'every metric logged into the shared run is there once' '
	mlw job show shared_run --metrics -o json >points &&
	/usr/bin/python3 -c "
import json
for p in json.load(open(\"points\"))[\"metric_history\"]:
    print(p[\"key\"], p[\"step\"])" | sort >actual &&
	for p in $(seq $NWRITERS); do
		for c in $(seq $CYCLES); do
			echo "w$p $c" || return 1
		done
	done | sort >expect &&
	test_cmp expect actual
'

test_expect_success 'every ref points where it was set; fsck is clean' '
	sed -n "s/^object 0 //p" ops.* | sort >expect &&
	mlw show-ref | grep " mixed/" | sort >actual &&
	test_cmp expect actual &&
	mlw fsck >out &&
	test_must_be_empty out
'

test_done

#!/bin/sh
test_description='mlw fsck while others write: a consistent view, no false problems'
. ./test-lib.sh

# writer P: until "stop" exists, store a folder of new files and point a
# ref at its tree, register new data, run a job with an output; each
# step's failure is recorded in fail.P
writer () {
	p=$1
	i=0
	while ! test -e stop; do
		i=$((i + 1))
		d=w$p/d$i
		mkdir -p $d/sub &&
		for f in a b c sub/x sub/y; do
			echo "$p $i $f $(date +%s%N)" >$d/$f || return 1
		done &&
		tree=$(mlw write-tree $d) &&
		mlw update-ref w$p/r$i $tree &&
		mlw -q data create --name d$p --path $d/sub --type uri_folder \
			>/dev/null &&
		if test $((i % 4)) = 0; then
			mlw -q job create -f job.yml --wait >/dev/null
		fi || { echo "step $i" >>fail.$p; return 1; }
	done
	echo ok >done.$p
}

# delete the 10 old refs in three rounds, each followed by a gc; then
# stop all (three collections while fsck runs: under ASan on a loaded
# machine a collection of this store takes a minute, and ten did not end
# within the test's time limit)
collector () {
	r=0
	for round in "1 2 3 4" "5 6 7" "8 9 10"; do
		# two more fsck runs begun before each round, so that fsck
		# runs during every collection however fast they are
		r=$((r + 1)) && w=0
		while test $(ls fsck.* 2>/dev/null | wc -l) -lt $((2 * r)) &&
		      test $w -lt 600; do
			sleep 0.1 && w=$((w + 1))
		done
		for i in $round; do
			mlw update-ref -d old/$i || break 2
		done
		mlw gc --prune=1.day -q &&
		sleep 0.1 || break
	done
	touch stop
}

# 3000 objects to check make each fsck long enough for writers to store
# objects in fan-out folders it has passed and record them before it ends
test_expect_success 'setup' '
	mlw init -q . &&
	mkdir many &&
	awk "BEGIN { for (i = 0; i < 3000; i++) print i > \"many/\" i }" &&
	mlw update-ref many $(mlw write-tree many) &&
	cat >job.yml <<-\EOT
	command: date +%s%N >${{outputs.o}}/t && echo hi
	environment: azureml:host@1
	outputs:
	  o:
	EOT
'

test_expect_success 'fsck run 12 times while 3 writers write finds nothing' '
	for p in 1 2 3; do
		writer $p 2>err.$p &
	done &&
	n=0 && bad=0 &&
	while test $n -lt 12; do
		mlw fsck >fsck.$n 2>&1 || { bad=$((bad + 1)); cat fsck.$n; }
		n=$((n + 1))
	done &&
	touch stop &&
	wait &&
	test $bad = 0 &&
	for p in 1 2 3; do
		test_must_be_empty err.$p &&
		test -f done.$p || return 1
	done &&
	test ! -e fail.1 && test ! -e fail.2 && test ! -e fail.3 &&
	mlw fsck
'

# gc --prune=now would rob the writers of what they have just written and
# not yet recorded; with a grace period of a day it removes only the old
# objects whose refs are deleted meanwhile
test_expect_success 'setup: 10 old refs to delete' '
	for i in $(seq 10); do
		mkdir -p old/$i && echo "old $i" >old/$i/f &&
		mlw update-ref old/$i $(mlw write-tree old/$i) || return 1
	done &&
	find .mlw/objects -type f -exec touch -d "3 days ago" {} +
'

test_expect_success 'fsck while refs are deleted and gc collects their objects finds nothing' '
	# the collector counts this test'\''s fsck runs: not the last test'\''s 12
	rm -f stop done.* fsck.* &&
	for p in 1 2; do
		writer $p 2>err.$p &
	done &&
	{ collector 2>err.gc & } &&
	n=0 && bad=0 &&
	while ! test -e stop; do
		mlw fsck >fsck.$n 2>&1 || { bad=$((bad + 1)); cat fsck.$n; }
		n=$((n + 1))
	done &&
	wait &&
	echo "$n fsck runs" &&
	test $n -gt 3 &&
	test $bad = 0 &&
	test_must_be_empty err.gc &&
	test_must_be_empty err.1 &&
	test_must_be_empty err.2 &&
	mlw show-ref >refs &&
	test_grep -v "old/" refs &&
	mlw fsck
'

test_done

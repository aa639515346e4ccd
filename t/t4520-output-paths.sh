#!/bin/sh
test_description='output paths of train and model score: devices, FIFOs and links are written to, never replaced'
. ./test-lib.sh

DATA=$MLW_BUILD_DIR/share/datasets

test "$(id -u)" = 0 && test_set_prereq ROOT
command -v mkfifo >/dev/null && command -v timeout >/dev/null &&
	test_set_prereq FIFO

test_expect_success 'set up a model and its scores' '
	mlw train ridge --data $DATA/diabetes.csv --target target \
		--output m --predictions expect-pred.csv >/dev/null &&
	mlw model score m --input $DATA/diabetes.csv --output expect.csv
'

# read FIFO in the background (bounded: a writer that never comes must
# not hang the test) into FILE; "wait" for it after the writer ran
read_fifo () {
	timeout 20 cat "$1" >"$2" &
}

test_expect_success FIFO 'model score --output FIFO writes into the FIFO' '
	mkfifo scores.fifo &&
	read_fifo scores.fifo got.csv &&
	mlw model score m --input $DATA/diabetes.csv --output scores.fifo &&
	wait &&
	test -p scores.fifo &&
	test_cmp expect.csv got.csv &&
	! ls scores.fifo.tmp* 2>/dev/null
'

test_expect_success FIFO 'train --predictions FIFO writes into the FIFO' '
	mkfifo pred.fifo &&
	read_fifo pred.fifo got-pred.csv &&
	mlw train ridge --data $DATA/diabetes.csv --target target \
		--predictions pred.fifo >/dev/null &&
	wait &&
	test -p pred.fifo &&
	test_cmp expect-pred.csv got-pred.csv
'

test_expect_success '/dev/null stays a character device' '
	mlw model score m --input $DATA/diabetes.csv --output /dev/null &&
	mlw train ridge --data $DATA/diabetes.csv --target target \
		--predictions /dev/null >/dev/null &&
	test -c /dev/null
'

test_expect_success ROOT 'a character device node made here stays one' '
	mknod null.dev c 1 3 &&
	mlw model score m --input $DATA/diabetes.csv --output null.dev &&
	test -c null.dev &&
	mlw train ridge --data $DATA/diabetes.csv --target target \
		--predictions null.dev >/dev/null &&
	test -c null.dev &&
	mkdir devmodel &&
	mknod devmodel/params.bin c 1 3 &&
	mlw train ridge --data $DATA/diabetes.csv --target target \
		--output devmodel >/dev/null &&
	test -c devmodel/params.bin
'

test_expect_success 'a symbolic link is followed: its file is replaced, the link stays' '
	echo old >target.csv &&
	ln -s target.csv link.csv &&
	mlw model score m --input $DATA/diabetes.csv --output link.csv &&
	test -h link.csv &&
	test_cmp expect.csv target.csv &&
	echo old >target-pred.csv &&
	ln -s target-pred.csv link-pred.csv &&
	mlw train ridge --data $DATA/diabetes.csv --target target \
		--predictions link-pred.csv >/dev/null &&
	test -h link-pred.csv &&
	test_cmp expect-pred.csv target-pred.csv
'

test_expect_success 'a link inside the model folder is followed too' '
	mkdir -p real linked &&
	ln -s ../real/params.bin linked/params.bin &&
	echo old >real/params.bin &&
	mlw train ridge --data $DATA/diabetes.csv --target target \
		--output linked >/dev/null &&
	test -h linked/params.bin &&
	cmp m/params.bin real/params.bin
'

test_expect_success 'a link to nothing and a folder are refused' '
	ln -s nowhere/x.csv dangling.csv &&
	test_expect_code 2 mlw model score m --input $DATA/diabetes.csv \
		--output dangling.csv 2>err &&
	test_grep "leads nowhere" err &&
	test -h dangling.csv &&
	mkdir adir &&
	test_expect_code 2 mlw train ridge --data $DATA/diabetes.csv \
		--target target --predictions adir 2>err &&
	test_grep "is a folder" err &&
	test -d adir
'

test_expect_success 'a failed run leaves the old file as it was' '
	echo keep >kept.csv &&
	printf "age\n1\n" >short.csv &&
	test_expect_code 2 mlw model score m --input short.csv --output kept.csv &&
	echo keep >expect-kept &&
	test_cmp expect-kept kept.csv &&
	! ls kept.csv.tmp* 2>/dev/null
'

test_expect_success '- and /dev/stdout are standard output' '
	mlw model score m --input $DATA/diabetes.csv --output - >a.csv &&
	mlw model score m --input $DATA/diabetes.csv --output /dev/stdout >b.csv &&
	test_cmp expect.csv a.csv &&
	test_cmp expect.csv b.csv
'

test_done

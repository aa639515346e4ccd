#!/bin/sh
test_description='what the fuzzers found stays fixed (t/fuzz)

The harnesses of t/fuzz, linked with a replay driver instead of libFuzzer
(make builds them with this build'"'"'s compiler and sanitizers), run every
input that once broke them (t/fuzz/regress/NAME) and fresh seeds made by
t/fuzz/seeds.sh.  Then the findings as a user meets them.'
. ./test-lib.sh

REPLAY=$TEST_DIRECTORY/fuzz

test_expect_success 'setup: seeds' '
	sh "$TEST_DIRECTORY/fuzz/seeds.sh" seeds >out &&
	test_grep "seeds for tree" out
'

for name in tree number csv mltable params mlmodel spec json payload batch
do
	test_expect_success "fuzz-$name: its past findings and its seeds replay" '
		test -x $REPLAY/fuzz-$name.replay &&
		inputs=seeds/$name &&
		if test -d $REPLAY/regress/$name
		then
			inputs="$REPLAY/regress/$name $inputs"
		fi &&
		$REPLAY/fuzz-$name.replay $inputs
	'
done

test_expect_success 'a description in Latin-1 is shown, not a crash' '
	mlw init >/dev/null &&
	mkdir model && echo w >model/w &&
	mlw model create -n latin -p model -d "$(printf "caf\351")" >out &&
	mlw model show latin -o json >out &&
	test_grep "caf" out &&
	mlw model list >out &&
	test_grep latin out
'

test_expect_success 'a lone CR at the end of a CSV file is not a row' '
	printf "a\n1\n2\n3\n\r" >cr.csv &&
	mlw train kmeans --data cr.csv --n-clusters 2 -o json >out &&
	test_json_get out "[\"rows\"]" >rows &&
	echo 3 >expect &&
	test_cmp expect rows
'

test_done

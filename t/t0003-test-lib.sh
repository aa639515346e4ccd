#!/bin/sh
test_description='the harness itself: the time limit of a test body'
. ./test-lib.sh

# run_sub_test NAME BODY: write a test script whose only test has BODY,
# run it with a 1-second limit in its own trash directory; its TAP output
# goes to NAME.out, its exit status to NAME.code
run_sub_test () {
	cat >$1.sh <<-SUB &&
	#!/bin/sh
	test_description='a sub-test'
	. "\$TEST_DIRECTORY/test-lib.sh"
	test_expect_success 'fast' 'true'
	test_expect_success 'slow' '$2'
	test_expect_success 'never reached' 'true'
	test_done
	SUB
	start=$(date +%s) &&
	{
		MLW_TEST_TRASH=$TRASH_DIRECTORY/$1.trash MLW_TEST_TIMEOUT=${LIMIT:-1} \
			sh $1.sh >$1.out 2>$1.err
		echo $? >$1.code
	} &&
	end=$(date +%s) &&
	echo $((end - start)) >$1.secs
}

# is a process whose command line starts with $1 running?
running () {
	for cmdline in /proc/[0-9]*/cmdline; do
		tr "\0" " " <$cmdline 2>/dev/null | grep -q "^$1" && return 0
	done
	return 1
}

# what every timed-out sub-test prints: the slow test fails naming the
# limit, the script stops there with a plan for what ran, exit 1, and
# it ended within a few seconds of its limit
check_timed_out () {
	cat >expect <<-\EOF &&
	ok 1 - fast
	not ok 2 - slow
	#	timed out after 1 s (test_set_timeout, MLW_TEST_TIMEOUT): its processes were killed and the script stops here
	1..2
	EOF
	grep -v "^#	[^t]" $1.out >actual &&
	test_cmp expect actual &&
	echo 1 >expect.code &&
	test_cmp expect.code $1.code &&
	test $(cat $1.secs) -lt 15
}

test_expect_success 'running sees a process' '
	# a number of our own: other scripts may be sleeping 1004 too
	n=$((2000000 + $$)) &&
	sleep $n &
	pid=$! &&
	running "sleep $n" &&
	kill $pid &&
	wait $pid
	! running "sleep $n"
'

test_expect_success 'a body looping in the shell is stopped' '
	run_sub_test loop "while :; do :; done" &&
	check_timed_out loop
'

test_expect_success 'a body waiting on a command is stopped, the command killed' '
	run_sub_test fg "sleep 1000; echo not reached >../reached" &&
	check_timed_out fg &&
	test ! -e reached &&
	! running "sleep 1000"
'

test_expect_success 'a bare wait for a background process is stopped' '
	run_sub_test bg "sleep 1001 & wait" &&
	check_timed_out bg &&
	! running "sleep 1001"
'

test_expect_success 'a detached process the body started is killed too' '
	run_sub_test detached "(setsid sleep 1003 </dev/null >/dev/null 2>&1 &); while :; do sleep 1; done" &&
	check_timed_out detached &&
	! running "sleep 1003"
'

test_expect_success 'the output of the timed-out body is shown' '
	run_sub_test shown "echo the last words; sleep 100" &&
	test_grep "^#	the last words" shown.out
'

test_expect_success 'a body within its limit passes; MLW_TEST_TIMEOUT=0 means none' '
	LIMIT=5 run_sub_test quick "sleep 1" &&
	grep -q "^ok 3 - never reached" quick.out &&
	cat >none.sh <<-\SUB &&
	#!/bin/sh
	. "$TEST_DIRECTORY/test-lib.sh"
	test_set_timeout 1
	test_expect_success "slow" "sleep 2"
	test_done
	SUB
	MLW_TEST_TRASH=$TRASH_DIRECTORY/none.trash MLW_TEST_TIMEOUT=0 \
		sh none.sh >none.out &&
	test_grep "^ok 1 - slow" none.out
'

test_expect_success 'test_set_timeout sets the limit of later bodies' '
	cat >set.sh <<-\SUB &&
	#!/bin/sh
	. "$TEST_DIRECTORY/test-lib.sh"
	test_set_timeout 1
	test_expect_success "slow" "sleep 30"
	test_done
	SUB
	test_expect_code 1 env MLW_TEST_TRASH=$TRASH_DIRECTORY/set.trash \
		sh set.sh >set.out &&
	if test_have_prereq ASAN
	then
		test_grep "timed out after 4 s" set.out
	else
		test_grep "timed out after 1 s" set.out
	fi
'

test_done

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

# the sleeps of this run have arguments no other run has (another suite
# may be running these very tests)
U=$$

# is a process with the argument $1 running (sleep 1001.$U: 1001.$U)?
running () {
	# (grep fails on processes that end meanwhile: look at what it
	# found; its last character in brackets keeps grep from finding
	# its own command line)
	test -n "$(grep -lzx -- "${1%?}[${1#"${1%?}"}]" \
		/proc/[0-9]*/cmdline 2>/dev/null)"
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
	sleep 1004.$U &
	pid=$!
	n=0 &&
	while ! running 1004.$U; do
		n=$((n + 1)) &&
		test $n -lt 50 &&
		sleep 0.1 || break
	done
	running 1004.$U
	seen=$?
	kill -9 $pid
	wait $pid
	test $seen = 0 &&
	! running 1004.$U
'

test_expect_success 'a body looping in the shell is stopped' '
	run_sub_test loop "while :; do :; done" &&
	check_timed_out loop
'

test_expect_success 'a body waiting on a command is stopped, the command killed' '
	run_sub_test fg "sleep 1000.$U; echo not reached >../reached" &&
	check_timed_out fg &&
	test ! -e reached &&
	! running 1000.$U
'

test_expect_success 'a bare wait for a background process is stopped' '
	run_sub_test bg "sleep 1001.$U & wait" &&
	check_timed_out bg &&
	! running 1001.$U
'

test_expect_success 'a detached process the body started is killed too' '
	run_sub_test detached "(setsid sleep 1003.$U </dev/null >/dev/null 2>&1 &); while :; do sleep 1; done" &&
	check_timed_out detached &&
	! running 1003.$U
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

test_expect_success 'a body that returns early leaves no watchdog behind' '
	cat >ret.sh <<-\SUB &&
	#!/bin/sh
	. "$TEST_DIRECTORY/test-lib.sh"
	test_expect_success "returns" "for i in 1 2; do return 1; done"
	test_expect_success "returns too" "return 0"
	test_done
	SUB
	start=$(date +%s) &&
	test_expect_code 1 env MLW_TEST_TRASH=$TRASH_DIRECTORY/ret.trash \
		MLW_TEST_TIMEOUT=1005 sh ret.sh >ret.out &&
	test_grep "^not ok 1 - returns" ret.out &&
	test_grep "^ok 2 - returns too" ret.out &&
	test $(($(date +%s) - start)) -lt 10 &&
	# a watchdog is a subshell of the script: it has its environment
	# (grep fails on processes that end meanwhile: look at what it found)
	grep -lzx "MLW_TEST_TRASH=$TRASH_DIRECTORY/ret.trash" \
		/proc/[0-9]*/environ >leaks 2>/dev/null
	test_must_be_empty leaks
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

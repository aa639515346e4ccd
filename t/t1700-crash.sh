#!/bin/sh
test_description='crash consistency: hash-object -w killed with SIGKILL at random moments'
. ./test-lib.sh

# 50 kills; 10 under AddressSanitizer, where everything is slower
if test_have_prereq ASAN; then
	ROUNDS=${MLW_TEST_CRASH_ROUNDS:-10}
else
	ROUNDS=${MLW_TEST_CRASH_ROUNDS:-50}
fi
SEED=${MLW_TEST_SEED:-$(date +%s)}

obj () {
	echo .mlw/objects/$(echo "$1" | cut -c1-2)/$(echo "$1" | cut -c3-)
}

test_expect_success 'setup: a 200 MiB file and 20 small ones' '
	echo "# $ROUNDS rounds, seed $SEED (set MLW_TEST_SEED to repeat)" &&
	mlw init >/dev/null &&
	head -c 209715200 /dev/urandom >big &&
	mkdir small &&
	i=1 &&
	while test $i -le 20; do
		seq $i $((i * 500)) >small/$i || return 1
		i=$((i + 1))
	done &&
	files="$(seq 1 10 | sed s,^,small/,) big $(seq 11 20 | sed s,^,small/,)" &&
	echo $files >files &&
	sha256sum $files | cut -d" " -f1 >expect &&
	sed -n 11p expect >big.id &&
	# kill within the time an uninterrupted write takes here
	t0=$(date +%s.%N) &&
	mlw hash-object -w $(cat files) >/dev/null &&
	t1=$(date +%s.%N) &&
	mlw gc --prune=now &&
	awk -v n=$ROUNDS -v seed=$SEED -v t="$t1 - $t0" "BEGIN {
		split(t, w, \" - \"); span = w[1] - w[2]
		srand(seed);
		for (i = 0; i < n; i++) printf \"%.3f\n\", rand() * span
	}" >delays &&
	test $(wc -l <delays) = $ROUNDS
'

test_expect_success 'kill -9 at a random moment: fsck clean, the next write is right' '
	round=0 && killed=0 && torn=0 &&
	for delay in $(cat delays); do
		round=$((round + 1))
		mlw hash-object -w $(cat files) >/dev/null 2>&1 &
		pid=$!
		sleep $delay &&
		kill -9 $pid 2>/dev/null
		# a kill that came after the exit finds a zombie and "works":
		# only a wait status of 137 says the signal killed the writer
		wait $pid
		test $? = 137 && killed=$((killed + 1))
		# and a temp file left behind says it died mid-write
		test -n "$(find .mlw/objects -name "tmp_*")" && torn=$((torn + 1))
		# whatever the moment, the store holds whole objects or nothing
		mlw fsck >out 2>err || {
			echo "round $round (delay $delay): fsck failed"
			cat out err
			return 1
		}
		test_must_be_empty out || return 1
		for f in .mlw/objects/*/*; do
			test -f "$f" || continue
			id=$(echo $f | sed "s|.mlw/objects/\(..\)/|\1|")
			grep -q "^$id$" expect ||
				{ echo "round $round: unexpected object $id"; return 1; }
		done
		# the next write of the same content succeeds with the right ids
		# (the 200 MiB one every tenth round and the last: it is slow)
		if test $((round % 10)) = 0 || test $round = $ROUNDS; then
			mlw hash-object -w $(cat files) >got || return 1
			test_cmp expect got || return 1
			mlw cat-object -s $(cat big.id) >size &&
			echo 209715200 >want &&
			test_cmp want size || return 1
		else
			mlw hash-object -w small/* >got || return 1
			sha256sum small/* | cut -d" " -f1 >want &&
			test_cmp want got || return 1
		fi
		mlw fsck >out && test_must_be_empty out || return 1
		# unreferenced: everything goes, temp files of the killed writer too
		mlw gc --prune=now &&
		find .mlw/objects -type f >left &&
		test_must_be_empty left || return 1
	done &&
	echo "# killed $killed of $round writers, $torn of them mid-write" &&
	test $round = $ROUNDS &&
	# kills within the time a write takes mostly find it mid-write
	test $torn -ge $((ROUNDS / 2))
'

test_expect_success 'a kill during write-tree leaves fsck clean too' '
	mkdir tree &&
	cp -l big tree/big &&
	cp -r small tree/ &&
	i=0 &&
	while test $i -lt 3; do
		mlw write-tree tree >/dev/null 2>&1 &
		pid=$!
		sleep 0.$((3 * i + 2)) &&
		{ kill -9 $pid 2>/dev/null; wait $pid; :; } &&
		mlw fsck >out &&
		test_must_be_empty out &&
		i=$((i + 1)) || return 1
	done &&
	mlw write-tree tree >id &&
	mlw ls-tree -r $(cat id) >list &&
	grep "	big$" list >line &&
	test_grep "$(cat big.id) 209715200	big" line &&
	mlw fsck &&
	mlw gc --prune=now
'

test_done

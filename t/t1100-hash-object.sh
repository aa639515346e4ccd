#!/bin/sh
test_description='hash-object, cat-object and short object ids'
. ./test-lib.sh

# the object file of an id
obj () {
	echo .mlw/objects/$(echo "$1" | cut -c1-2)/$(echo "$1" | cut -c3-)
}

# sha256sum's ids of the given files, one a line
sums () {
	sha256sum "$@" | cut -d" " -f1
}

test_expect_success 'setup: workspace and sample files' '
	mlw init >/dev/null &&
	: >empty &&
	printf "hello\n" >small &&
	head -c 1048576 /dev/urandom >mib &&
	head -c 1048577 /dev/urandom >mib1 &&
	head -c 3145728 /dev/urandom >random3 &&
	awk "BEGIN {
		srand(42);
		print \"id,age,bmi,bp,target\";
		for (i = 0; i < 120000; i++)
			printf \"%d,%.4f,%.4f,%.4f,%d\n\", i, rand() * 80,
				15 + rand() * 25, 60 + rand() * 60, int(rand() * 300)
	}" >table.csv &&
	test $(wc -c <table.csv) -gt 3000000 &&
	head -c 1048575 /dev/zero >zeros
'

test_expect_success 'ids equal sha256sum: empty, small, 1 MiB, 1 MiB + 1, random, CSV' '
	for f in empty small mib mib1 random3 table.csv zeros; do
		mlw hash-object $f >out || return 1
		sums $f >expect || return 1
		test_cmp expect out || return 1
	done
'

test_expect_success 'the empty file has the well-known empty SHA-256' '
	mlw hash-object empty >out &&
	echo e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 >expect &&
	test_cmp expect out
'

test_expect_success 'several files in one call, in order' '
	mlw hash-object small empty table.csv mib >out &&
	sums small empty table.csv mib >expect &&
	test_cmp expect out
'

test_expect_success '--stdin reads standard input (small and large)' '
	mlw hash-object --stdin <small >out &&
	sums small >expect &&
	test_cmp expect out &&
	mlw hash-object --stdin <random3 >out &&
	sums random3 >expect &&
	test_cmp expect out &&
	mlw hash-object --stdin </dev/null >out &&
	sums empty >expect &&
	test_cmp expect out
'

test_expect_success '--stdin from a FIFO, together with files' '
	mkfifo fifo &&
	{ cat table.csv >fifo & } &&
	mlw hash-object --stdin small <fifo >out &&
	wait &&
	sums table.csv small >expect &&
	test_cmp expect out
'

test_expect_success 'without -w nothing is stored' '
	find .mlw/objects -type f >list &&
	test_must_be_empty list
'

test_expect_success 'no file and no --stdin is a usage error' '
	test_expect_code 2 mlw hash-object 2>err &&
	test_grep "no file given" err
'

test_expect_success '-w stores every file; cat-object -p round-trips byte-exact' '
	mlw hash-object -w empty small mib mib1 random3 table.csv zeros >ids &&
	sums empty small mib mib1 random3 table.csv zeros >expect &&
	test_cmp expect ids &&
	for f in empty small mib mib1 random3 table.csv zeros; do
		id=$(sums $f) &&
		test -f $(obj $id) &&
		mlw cat-object -p $id >out &&
		cmp $f out || return 1
	done
'

test_expect_success 'compressible content is stored smaller, random content not much larger' '
	id=$(sums table.csv) &&
	test $(wc -c <$(obj $id)) -lt $(($(wc -c <table.csv) / 2)) &&
	id=$(sums zeros) &&
	test $(wc -c <$(obj $id)) -lt 100000 &&
	id=$(sums random3) &&
	test $(wc -c <$(obj $id)) -lt $(($(wc -c <random3) + 4096))
'

test_expect_success 'stored objects are read-only and no temp file is left' '
	id=$(sums small) &&
	test "$(stat -c %a $(obj $id))" = 444 &&
	find .mlw/objects -name "tmp_*" >list &&
	test_must_be_empty list
'

test_expect_success 'cat-object -s and -t' '
	for f in empty small mib1 table.csv; do
		id=$(sums $f) &&
		mlw cat-object -s $id >out &&
		wc -c <$f | tr -d " " >expect &&
		test_cmp expect out &&
		mlw cat-object -t $id >out &&
		echo blob >expect &&
		test_cmp expect out || return 1
	done
'

test_expect_success 'cat-object needs exactly one of -p, -s, -t' '
	id=$(sums small) &&
	test_expect_code 2 mlw cat-object $id 2>err &&
	test_grep "exactly one of" err &&
	test_expect_code 2 mlw cat-object -p -s $id 2>err &&
	test_grep "exactly one of" err &&
	test_expect_code 2 mlw cat-object -p 2>err &&
	test_grep "give one object id" err
'

test_expect_success 'a second -w changes nothing but refreshes the mtime' '
	id=$(sums mib1) &&
	f=$(obj $id) &&
	cp $f saved &&
	ino=$(stat -c %i $f) &&
	touch -d "2000-01-01 00:00:00" $f &&
	test $(stat -c %Y $f) -lt 1000000000 &&
	find .mlw/objects -type f | sort >before &&
	mlw hash-object -w mib1 >out &&
	echo $id >expect &&
	test_cmp expect out &&
	find .mlw/objects -type f | sort >after &&
	test_cmp before after &&
	cmp saved $f &&
	test $(stat -c %i $f) = $ino &&
	test $(stat -c %Y $f) -ge $(($(date +%s) - 60))
'

test_expect_success 'a second -w of a small object refreshes its mtime too' '
	id=$(sums small) &&
	f=$(obj $id) &&
	touch -d "2000-01-01 00:00:00" $f &&
	mlw hash-object -w small >/dev/null &&
	test $(stat -c %Y $f) -ge $(($(date +%s) - 60))
'

test_expect_success '-w --stdin stores standard input' '
	printf "from stdin\n" >s &&
	mlw hash-object -w --stdin <s >out &&
	id=$(sums s) &&
	echo $id >expect &&
	test_cmp expect out &&
	mlw cat-object -p $id >out &&
	test_cmp s out
'

test_expect_success 'hash-object -o json lists id, path and size' '
	mlw -o json hash-object small empty mib1 >out &&
	cat >expect <<-JSON &&
	[
	  {"id": "$(sums small)", "path": "small", "size": 6},
	  {"id": "$(sums empty)", "path": "empty", "size": 0},
	  {"id": "$(sums mib1)", "path": "mib1", "size": 1048577}
	]
	JSON
	test_json_eq expect out
'

test_expect_success 'hash-object --stdin -o json names the path -' '
	mlw hash-object --stdin -o json <small >out &&
	cat >expect <<-JSON &&
	[{"id": "$(sums small)", "path": "-", "size": 6}]
	JSON
	test_json_eq expect out
'

test_expect_success 'cat-object -s -o json' '
	mlw -o json cat-object -s $(sums table.csv) >out &&
	cat >expect <<-JSON &&
	{"id": "$(sums table.csv)", "type": "blob", "size": $(wc -c <table.csv)}
	JSON
	test_json_eq expect out
'

test_expect_success 'short prefixes (4 to 63 hex digits) resolve' '
	id=$(sums table.csv) &&
	for n in 4 5 8 12 63 64; do
		mlw cat-object -s $(echo $id | cut -c1-$n) >out &&
		wc -c <table.csv | tr -d " " >expect &&
		test_cmp expect out || return 1
	done
'

test_expect_success 'an unknown id or prefix exits 3' '
	id=$(sums small) &&
	case $id in 0*) other=1;; *) other=0;; esac &&
	unknown=$other$(echo $id | cut -c2-) &&
	test_expect_code 3 mlw cat-object -p $unknown >out 2>err &&
	test_must_be_empty out &&
	test_grep "object $unknown not found" err &&
	find .mlw/objects -type f | sed "s|.mlw/objects/\(..\)/|\1|" >all &&
	for p in 0000 1111 2222 3333 4444 5555 6666 7777 8888 9999; do
		grep -q "^$p" all || break
	done &&
	! grep -q "^$p" all &&
	test_expect_code 3 mlw cat-object -t $p 2>err &&
	test_grep "object $p not found" err
'

test_expect_success 'a malformed id exits 2' '
	for bad in abc 123 xyz1 ABCD 0123456789abcdefg "" \
		   $(sums small)0 "$(sums small | tr a-f A-F)"; do
		test_expect_code 2 mlw cat-object -t "$bad" 2>err || return 1
		test_grep "not an object id" err || return 1
	done
'

test_expect_success 'setup: two stored objects sharing a 4-hex prefix' '
	mkdir coll &&
	i=0 &&
	while test $i -lt 1500; do
		echo "object $i" >coll/$i || return 1
		i=$((i + 1))
	done &&
	(cd coll && sha256sum *) | sort >coll.sums &&
	awk "{ p = substr(\$1, 1, 4); if (p == last) { print lastf; print \$2; exit } last = p; lastf = \$2 }" \
		coll.sums >pair &&
	test $(wc -l <pair) = 2 &&
	(cd coll && mlw hash-object -w $(cat ../pair)) >pair.ids &&
	prefix=$(head -1 pair.ids | cut -c1-4) &&
	test "$(tail -1 pair.ids | cut -c1-4)" = $prefix &&
	test "$(head -1 pair.ids)" != "$(tail -1 pair.ids)"
'

test_expect_success 'an ambiguous prefix exits 2 listing both candidates' '
	prefix=$(head -1 pair.ids | cut -c1-4) &&
	test_expect_code 2 mlw cat-object -p $prefix >out 2>err &&
	test_must_be_empty out &&
	test_grep "ambiguous" err &&
	test_grep "$(head -1 pair.ids)" err &&
	test_grep "$(tail -1 pair.ids)" err
'

test_expect_success 'a longer prefix tells them apart' '
	a=$(head -1 pair.ids) && b=$(tail -1 pair.ids) &&
	n=5 &&
	while test "$(echo $a | cut -c1-$n)" = "$(echo $b | cut -c1-$n)"; do
		n=$((n + 1))
	done &&
	mlw cat-object -p $(echo $a | cut -c1-$n) >out &&
	test_cmp coll/$(head -1 pair) out &&
	mlw cat-object -p $(echo $b | cut -c1-$n) >out &&
	test_cmp coll/$(tail -1 pair) out
'

test_done

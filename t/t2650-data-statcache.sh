#!/bin/sh
test_description='stat cache: unchanged files are not read again; racy ones are'
. ./test-lib.sh

# the "N hashed, M unchanged" counts of a create run with --verbose
counts () {
	sed -n "s/.* \([0-9]*\) hashed, \([0-9]*\) unchanged.*/\1 \2/p" "$1"
}

test_expect_success 'setup: five files, all modified long ago' '
	mlw init -q &&
	mkdir -p d/sub &&
	for i in 1 2 3 4; do echo "file $i" >d/f$i; done &&
	echo deep >d/sub/g &&
	find d -type f -exec touch -d "2020-01-01 00:00:00" {} + &&
	echo "some,csv" >one.csv && touch -d "2020-01-01 00:00:00" one.csv
'

test_expect_success 'first registration hashes every file and writes the cache' '
	mlw data create -n d -p d --verbose >out.json 2>err &&
	echo "5 0" >expect && counts err >actual && test_cmp expect actual &&
	test -f .mlw/statcache &&
	tree=$(test_json_get out.json "[\"object\"]")
'

test_expect_success 'an unchanged folder is not read again' '
	mlw data create -n d -p d --verbose >out.json 2>err &&
	echo "0 5" >expect && counts err >actual && test_cmp expect actual &&
	test "$(test_json_get out.json "[\"object\"]")" = "$tree"
'

test_expect_success 'reads slowed down by 3 s each: a cached registration does not wait' '
	start=$(date +%s) &&
	MLW_TEST_READ_DELAY_MS=3000 mlw data create -n d -p d --verbose >out.json 2>err &&
	end=$(date +%s) &&
	echo "0 5" >expect && counts err >actual && test_cmp expect actual &&
	test $((end - start)) -lt 3
'

test_expect_success 'a changed file is hashed again, the rest are not' '
	echo "file 2 grew" >d/f2 && touch -d "2020-01-02 00:00:00" d/f2 &&
	mlw data create -n d -p d --verbose >out.json 2>err &&
	echo "1 4" >expect && counts err >actual && test_cmp expect actual &&
	new=$(test_json_get out.json "[\"object\"]") &&
	test "$new" = "$(mlw write-tree d)" &&
	test "$new" != "$tree"
'

test_expect_success 'same size and mtime restored: the ctime still gives it away' '
	echo "file X" >d/f3 && touch -d "2020-01-01 00:00:00" d/f3 &&
	mlw data create -n d -p d --verbose >out.json 2>err &&
	echo "1 4" >expect && counts err >actual && test_cmp expect actual &&
	test "$(test_json_get out.json "[\"object\"]")" = "$(mlw write-tree d)"
'

test_expect_success 'racy: a file modified no earlier than the cache write is re-hashed' '
	touch -d "+1 hour" d/f4 &&
	mlw data create -n d -p d --verbose >/dev/null 2>err &&
	mlw data create -n d -p d --verbose >/dev/null 2>err &&
	echo "1 4" >expect && counts err >actual && test_cmp expect actual &&
	touch -d "2020-01-03 00:00:00" d/f4 &&
	mlw data create -n d -p d --verbose >/dev/null 2>err &&
	mlw data create -n d -p d --verbose >/dev/null 2>err &&
	echo "0 5" >expect && counts err >actual && test_cmp expect actual
'

test_expect_success 'racy: an entry as new as the cache file is not trusted' '
	echo "fresh now" >d/f1 && touch -d "2021-05-05 00:00:00" d/f1 &&
	mlw data create -n d -p d --verbose >/dev/null 2>err &&
	echo "1 4" >expect && counts err >actual && test_cmp expect actual &&
	cp -p .mlw/statcache saved-cache &&
	mlw data create -n d -p d --verbose >/dev/null 2>err &&
	echo "0 5" >expect && counts err >actual && test_cmp expect actual &&
	cp -p saved-cache .mlw/statcache &&
	touch -d "2021-05-05 00:00:00" .mlw/statcache &&
	mlw data create -n d -p d --verbose >/dev/null 2>err &&
	echo "1 4" >expect && counts err >actual && test_cmp expect actual
'

test_expect_success 'single files use the cache too' '
	mlw data create -n one -p one.csv -t uri_file --verbose >/dev/null 2>err &&
	echo "1 0" >expect && counts err >actual && test_cmp expect actual &&
	mlw data create -n one -p one.csv -t uri_file --verbose >/dev/null 2>err &&
	echo "0 1" >expect && counts err >actual && test_cmp expect actual
'

test_expect_success 'an entry whose object left the store is a miss' '
	blob=$(sha256sum d/sub/g | cut -d" " -f1) &&
	rm .mlw/objects/$(echo $blob | cut -c1-2)/$(echo $blob | cut -c3-) &&
	mlw data create -n d -p d --verbose >/dev/null 2>err &&
	echo "1 4" >expect && counts err >actual && test_cmp expect actual &&
	mlw fsck
'

test_expect_success 'a damaged cache is ignored and rewritten' '
	echo garbage >.mlw/statcache &&
	mlw data create -n d -p d --verbose >/dev/null 2>err &&
	echo "5 0" >expect && counts err >actual && test_cmp expect actual &&
	head -c 15 .mlw/statcache >head &&
	printf "mlw statcache 1" >expect && test_cmp expect head &&
	mlw data create -n d -p d --verbose >/dev/null 2>err &&
	echo "0 5" >expect && counts err >actual && test_cmp expect actual
'

test_expect_success 'a busy cache lock does not fail the command' '
	touch .mlw/statcache.lock &&
	echo new >d/new &&
	mlw data create -n d -p d >/dev/null &&
	rm .mlw/statcache.lock
'

test_done

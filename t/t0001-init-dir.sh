#!/bin/sh
test_description='mlw init with an explicit store directory (MLW_DIR, --mlw-dir)'
. ./test-lib.sh

test_expect_success '--mlw-dir names the store to create' '
	mlw --mlw-dir stores/one init &&
	test -d stores/one/objects &&
	test -f stores/one/mlw.db &&
	test ! -e .mlw &&
	mlw --mlw-dir stores/one fsck
'

test_expect_success 'MLW_DIR does the same and later commands find it' '
	MLW_DIR=stores/two mlw init -q &&
	echo x >f &&
	id=$(MLW_DIR=stores/two mlw hash-object -w f) &&
	MLW_DIR=stores/two mlw cat-object -t "$id" >out &&
	echo blob >expect &&
	test_cmp expect out
'

test_expect_success 'an existing store is never overwritten' '
	test_expect_code 2 mlw --mlw-dir stores/one init 2>err &&
	test_grep "already exists" err &&
	mlw --mlw-dir stores/one fsck
'

test_expect_success 'DIR and --mlw-dir together is a usage error' '
	test_expect_code 2 mlw --mlw-dir stores/three init somewhere 2>err &&
	test ! -e stores/three &&
	test ! -e somewhere
'

test_done

#!/bin/sh
test_description='the command frame: version, help, usage, exit codes'
. ./test-lib.sh

test_expect_success 'mlw --version prints the version' '
	mlw --version >out &&
	test_grep "^mlw version [0-9]" out
'

test_expect_success 'mlw version -o json is a JSON object' '
	mlw version -o json >out &&
	test_json_get out "[\"version\"]" >v &&
	test_file_not_empty v
'

test_expect_success 'no command prints usage and exits 2' '
	test_expect_code 2 mlw 2>err &&
	test_grep "usage: mlw" err
'

test_expect_success 'unknown command suggests the closest' '
	test_expect_code 2 mlw hash-objet 2>err &&
	test_grep "did you mean .hash-object." err
'

test_expect_success 'unknown option is a usage error naming the option' '
	test_expect_code 2 mlw fsck --conectivity-only 2>err &&
	test_grep "did you mean .--connectivity-only." err
'

test_expect_success 'every command prints its usage on -h, to stdout, exit 0' '
	for c in $(mlw --list-cmds); do
		mlw $c -h >out 2>err || { echo "$c -h failed"; return 1; }
		test_grep "usage: mlw" out || return 1
		test_must_be_empty err || return 1
	done
'

test_expect_success 'mlw help lists the commands' '
	mlw help >out &&
	test_grep "hash-object" out &&
	test_grep "write-tree" out
'

test_expect_success 'mlw help COMMAND shows the manual or the usage' '
	mlw help init >out 2>&1 &&
	grep -i "init" out
'

test_expect_success 'mlw help of an unknown command exits 2' '
	test_expect_code 2 mlw help nosuch 2>err &&
	test_grep "not an mlw command" err
'

test_expect_success 'bad -o format exits 2' '
	test_expect_code 2 mlw -o xml version 2>err &&
	test_grep "unknown output format" err
'

test_expect_success 'a full stdout is an error, not success' '
	test_expect_code 128 mlw --list-cmds >/dev/full 2>err ||
	test_expect_code 128 mlw version >/dev/full 2>err
'

test_expect_success 'control characters in messages are escaped' '
	test_expect_code 2 mlw help "$(printf "x\ny\033[31m")" 2>err &&
	test $(wc -l <err) = 1 &&
	test_grep "^mlw: error: .x\\\\ny\\\\x1b\[31m. is not an mlw command" err &&
	test_expect_code 3 mlw data validate "$(printf "a\tb\177.yml")" 2>err &&
	test_grep "cannot open .a\\\\tb\\\\x7f.yml." err &&
	test_expect_code 2 mlw model show "$(printf "m\302\233x")" 2>err &&
	test_grep "m\\\\u009bx" err
'

test_done

#!/bin/sh
test_description='command jobs: a simple "mlw ..." command runs in-process, without sh'
. ./test-lib.sh

# With PATH pointing nowhere, sh cannot find mlw (or anything): a job that
# still runs "mlw ..." ran it in-process.
job () {
	name=$1
	shift
	cat >"$name.yml" <<-EOT &&
	command: $*
	environment: azureml:host@1
	environment_variables:
	  PATH: /nonexistent
	EOT
	mlw -q job create -f "$name.yml" --name "$name" --wait
}

test_expect_success 'setup' '
	mlw init -q .
'

test_expect_success 'a simple mlw command runs without sh or PATH' '
	job b1 "mlw log metric loss 0.5 --step 1" &&
	mlw job show b1 -o json >s.json &&
	test "$(test_json_get s.json "[\"status\"]")" = Completed &&
	test "$(test_json_get s.json "[\"metrics\"][\"loss\"]")" = 0.5
'

test_expect_success 'quotes and backslashes are honoured as sh would' '
	job b3 "mlw log tag '\''my key'\'' \"a \\\"b\\\"\"" &&
	mlw job show b3 -o json >s.json &&
	test "$(test_json_get s.json "[\"tags\"][\"my key\"]")" = "a \"b\""
'

test_expect_success 'anything for a shell to do goes to sh (here: not found)' '
	test_expect_code 1 job b4 "mlw log metric a 1 && mlw log metric b 2" &&
	mlw job show b4 -o json >s.json &&
	test "$(test_json_get s.json "[\"exit_code\"]")" = 127 &&
	test_expect_code 1 job b5 "mlw log metric a \$HOME" &&
	test_expect_code 1 job b6 "X=1 mlw log metric a 1" &&
	test_expect_code 1 job b7 "mlw log metric a 1 >out" &&
	test_expect_code 1 job b8 "mlw log artifact *.txt"
'

test_expect_success 'its output is the job log, its exit status the job status' '
	job b9 "mlw --version" &&
	mlw job stream b9 >log &&
	test_grep "mlw version" log &&
	test_expect_code 1 job b10 "mlw log metric onlyname" &&
	mlw job show b10 -o json >s.json &&
	test "$(test_json_get s.json "[\"exit_code\"]")" = 2 &&
	test_expect_code 1 mlw job stream b10 >log &&
	test_grep "NAME and VALUE expected" log
'

test_expect_success 'the workspace is consistent afterwards' '
	mlw fsck
'

test_done

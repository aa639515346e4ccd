#!/bin/sh
test_description='az habits on every command: --query, -o none/jsonc/yamlc, mlw environment, --label latest'
. ./test-lib.sh

# a terminal for stdout: script(1) runs the command on a pseudo-terminal
command -v script >/dev/null && test_set_prereq SCRIPT
# on_tty "COMMAND LINE": run it there, its output without carriage returns
on_tty () {
	script -qec "$1" /dev/null >tty.raw &&
	tr -d "\r" <tty.raw
}

test_expect_success 'setup: data, models and environments in two versions' '
	mlw init -q &&
	mkdir -p d m && echo 1 >d/a.csv && echo w >m/w.bin &&
	mlw data create -n iris -p d -o none &&
	mlw data create -n iris -p d -v 2 -d second -o none &&
	mlw data create -n wine -p d -o none &&
	mlw model create -n clf -p m -o none &&
	mlw model create -n clf -p m -v 7 -o none &&
	mlw env create -n py -i python:3.11 -o none &&
	mlw env create -n py -i python:3.12 -o none
'

# --query on every command that prints documents (table of command,
# query, expected output with -o tsv)
while IFS="|" read -r cmd query want; do
	test_expect_success "mlw $cmd --query '$query'" '
		mlw $cmd --query "$query" -o tsv >out &&
		printf "$want" >expect &&
		test_cmp expect out
	'
done <<-\EOF
data list|[].name|iris\nwine\n
data list -n iris|[].{v:version, d:description}|1\t\n2\tsecond\n
data show iris|version|2\n
data show iris:1|{n:name, v:version}|iris\t1\n
model list|[0].version|7\n
model show clf|name|clf\n
model show clf|type|custom_model\n
env list|[].image|python:3.12\n
env show py:1|image|python:3.11\n
environment show py|version|2\n
EOF

test_expect_success '--query prints JSON by default, yaml and table with -o' '
	mlw data show iris --query "{n:name, v:version}" >out &&
	cat >expect <<-\EOF &&
	{
	  "n": "iris",
	  "v": "2"
	}
	EOF
	test_cmp expect out &&
	mlw data show iris --query "{n:name, v:version}" -o yaml >out &&
	printf "n: iris\nv: \"2\"\n" >expect &&
	test_cmp expect out &&
	mlw --query "[].name" data list >out &&
	test_grep "\"wine\"" out
'

test_expect_success '--query selects from the validation documents of component and endpoint' '
	cat >comp.yml <<-\EOF &&
	name: c
	command: echo hi
	environment: {image: python}
	EOF
	cat >ep.yml <<-\EOF &&
	$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json
	name: ep-one
	auth_mode: key
	EOF
	mlw component validate comp.yml --query "[0].kind" -o tsv >out &&
	echo commandComponent >expect &&
	test_cmp expect out &&
	mlw endpoint validate ep.yml --query "[].valid" -o tsv >out &&
	echo true >expect &&
	test_cmp expect out
'

test_expect_success 'a query outside the subset is a usage error' '
	test_expect_code 2 mlw data list --query "a b" 2>err &&
	test_grep "not understood" err
'

test_expect_success '-o none prints nothing and keeps the exit status' '
	mlw data list -o none >out &&
	test_must_be_empty out &&
	mlw model show clf -o none >out &&
	test_must_be_empty out &&
	mlw data validate comp.yml -o none >out 2>/dev/null ||
	test_must_be_empty out &&
	mlw component validate comp.yml -o none >out &&
	test_must_be_empty out &&
	test_expect_code 3 mlw data show nosuch -o none >out 2>err &&
	test_must_be_empty out &&
	test_grep "not found" err
'

test_expect_success '-o jsonc and -o yamlc are plain json and yaml off a terminal' '
	mlw data show iris -o json >plain &&
	mlw data show iris -o jsonc >out &&
	test_cmp plain out &&
	mlw data show iris -o yaml >plain &&
	mlw data show iris -o yamlc >out &&
	test_cmp plain out
'

test_expect_success SCRIPT '-o jsonc colours keys, strings and literals on a terminal' '
	on_tty "mlw data show iris -o jsonc --query \"{n:name, a:archived}\"" >out &&
	printf "{\n  \033[34;1m\"n\"\033[0m: \033[32m\"iris\"\033[0m,\n  \033[34;1m\"a\"\033[0m: \033[35mfalse\033[0m\n}\n" >expect &&
	test_cmp expect out
'

test_expect_success SCRIPT '-o yamlc colours too; NO_COLOR turns it off' '
	on_tty "mlw model show clf -o yamlc --query {v:version}" >out &&
	printf "\033[34;1mv\033[0m: \033[32m\"7\"\033[0m\n" >expect &&
	test_cmp expect out &&
	on_tty "NO_COLOR=1 mlw model show clf -o jsonc --query {v:version}" >out &&
	printf "{\n  \"v\": \"7\"\n}\n" >expect &&
	test_cmp expect out &&
	on_tty "mlw model show clf -o json --query {v:version}" >out &&
	test_cmp expect out
'

test_expect_success 'mlw environment is mlw env' '
	mlw environment create -n r -i r-base -o none &&
	mlw env show r --query image -o tsv >out &&
	echo r-base >expect &&
	test_cmp expect out &&
	mlw environment list -o tsv >alias &&
	mlw env list -o tsv >env &&
	test_cmp env alias
'

test_expect_success '--label latest shows the newest version (model, data, env)' '
	mlw model show -n clf --label latest --query version -o tsv >out &&
	echo 7 >expect &&
	test_cmp expect out &&
	mlw data show -n iris -l latest --query version -o tsv >out &&
	echo 2 >expect &&
	test_cmp expect out &&
	mlw environment show py --label latest --query image -o tsv >out &&
	echo python:3.12 >expect &&
	test_cmp expect out
'

test_expect_success '--label: no other label exists; not with a version' '
	test_expect_code 3 mlw model show clf --label prod 2>err &&
	test_grep "label .prod. of .clf. not found" err &&
	test_expect_code 2 mlw model show clf -v 1 --label latest 2>err &&
	test_grep "not both" err &&
	test_expect_code 2 mlw data show iris:1 -l latest 2>err
'

test_expect_success 'archive --label latest archives the newest version only' '
	mlw data archive iris --label latest &&
	mlw data list -n iris --include-archived --query "[].archived" -o tsv >out &&
	printf "false\ntrue\n" >expect &&
	test_cmp expect out &&
	mlw data restore iris -v 2 &&
	mlw data show iris --query version -o tsv >out &&
	echo 2 >expect &&
	test_cmp expect out
'

test_done

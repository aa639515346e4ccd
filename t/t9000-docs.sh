#!/bin/sh
test_description='manual pages: one per command, in step with -h and -o json, lint-clean'
. ./test-lib.sh

MAN_DIR=$MLW_BUILD_DIR/man

command -v mandoc >/dev/null && test_set_prereq MANDOC
# man-db must be able to format a page given by path
command -v man >/dev/null && test -f "$MAN_DIR/mlw.1" &&
	man -l "$MAN_DIR/mlw.1" >/dev/null 2>&1 && test_set_prereq MAN

# the page source with roff escapes for '-' and fonts removed, so that
# "\fB\-\-write\fR" reads "--write"
page_text () {
	sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\(aq/'"'"'/g' "$1"
}

# the verbs of command $1 (empty when it has none): cmd_dispatch answers
# the completion helper with verbs, cmd_parse with options
verbs_of () {
	v=$(mlw "$1" --mlw-completion-helper) || return 1
	case $v in
	-*|'') ;;
	*) echo "$v" ;;
	esac
}

# every option that 'mlw ARGS -h' prints, one per line ("-w", "--write")
options_of () {
	mlw "$@" -h >help.out || return 1
	sed -n -e 's/^ *\(-[a-zA-Z0-9]\), \(--[a-zA-Z0-9-]*\).*/\1\n\2/p' \
	       -e 's/^ *\(--[a-zA-Z0-9-]*\).*/\1/p' \
	       -e 's/^ *\(-[a-zA-Z0-9]\)\( .*\)\{0,1\}$/\1/p' help.out
}

# the page mentions option $2 as a word
page_has_option () {
	page_text "$1" >page.txt &&
	grep -E -e "(^|[^a-zA-Z0-9-])$2([^a-zA-Z0-9-]|$)" page.txt >/dev/null
}

# the commands with a page of their own: --list-cmds without the aliases
# ('mlw help' says "alias of 'mlw CMD'"), whose page is their command's
commands () {
	mlw help >cmd-list || return 1
	for c in $(mlw --list-cmds); do
		grep -e "^    $c  *alias of " cmd-list >/dev/null || echo "$c"
	done
}

test_expect_success 'mlw --list-cmds lists the commands' '
	mlw --list-cmds >cmds &&
	test_grep "^fsck$" cmds &&
	test_grep "^hash-object$" cmds
'

test_expect_success 'every command has a man page' '
	for c in $(commands); do
		test -f "$MAN_DIR/mlw-$c.1" ||
		{ echo "man/mlw-$c.1 is missing"; return 1; }
	done
'

test_expect_success 'mlw(1) lists every command' '
	page_text "$MAN_DIR/mlw.1" >mlw.txt &&
	for c in $(commands); do
		grep -e "mlw-$c (1)" mlw.txt >/dev/null ||
		{ echo "mlw.1 does not list $c"; return 1; }
	done
'

test_expect_success 'each page names its command with the summary of mlw help' '
	mlw help >list &&
	for c in $(commands); do
		summary=$(sed -n "s/^    $c  *//p" list) &&
		test -n "$summary" &&
		page_text "$MAN_DIR/mlw-$c.1" >p.txt &&
		sed -n "/^\.SH NAME/{n;p;}" p.txt >name &&
		echo "mlw-$c - $summary" >expect &&
		test_cmp expect name || return 1
	done
'

test_expect_success 'every page has the sections every page needs' '
	for c in $(commands); do
		for s in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" \
			 "SEE ALSO"; do
			grep -e "^\.SH \"*$s\"*\$" "$MAN_DIR/mlw-$c.1" >/dev/null ||
			{ echo "mlw-$c.1 has no $s section"; return 1; }
		done
	done
'

test_expect_success 'option extraction from -h works (guards the next test)' '
	options_of hash-object >opts &&
	test_grep "^-w$" opts &&
	test_grep "^--write$" opts &&
	test_grep "^--stdin$" opts &&
	test_grep "^--output$" opts &&
	test_grep "^-q$" opts
'

test_expect_success 'every option in -h appears in the command page' '
	for c in $(commands); do
		page=$MAN_DIR/mlw-$c.1
		verbs=$(verbs_of $c) || return 1
		if test -n "$verbs"; then
			for v in $verbs; do
				page_text "$page" >p.txt &&
				grep -w -e "$v" p.txt >/dev/null ||
				{ echo "mlw-$c.1 does not describe verb $v"; return 1; }
				options_of $c $v >opts || return 1
				for o in $(cat opts); do
					page_has_option "$page" "$o" ||
					{ echo "mlw-$c.1: $v option $o missing"; return 1; }
				done
			done
		else
			options_of $c >opts || return 1
			for o in $(cat opts); do
				page_has_option "$page" "$o" ||
				{ echo "mlw-$c.1: option $o missing"; return 1; }
			done
		fi
	done
'

test_expect_success 'the global options of mlw -h appear in mlw(1)' '
	mlw -h >help &&
	sed -n "/^global options:/,/^\$/p" help >global &&
	grep -o -E -e "(^| )-(-[a-z-]+|[a-zA-Z])" global >opts &&
	test $(wc -l <opts) -ge 8 &&
	for o in $(cat opts) --list-cmds; do
		page_has_option "$MAN_DIR/mlw.1" "$o" ||
		{ echo "mlw.1: option $o missing"; return 1; }
	done
'

test_expect_success 'every mlw page a page refers to exists' '
	for f in "$MAN_DIR"/*.[1-9]; do
		page_text "$f" >p.txt &&
		grep -o -E "mlw-[a-z-]+ \([1-9]\)" p.txt | sort -u >refs || :
		while read name sect; do
			sect=${sect#(}; sect=${sect%)}
			test -f "$MAN_DIR/$name.$sect" ||
			{ echo "$f refers to missing $name($sect)"; return 1; }
		done <refs || return 1
	done
'

test_expect_success MANDOC 'mandoc -Tlint -W warning is clean for every page' '
	for f in "$MAN_DIR"/*.[1-9]; do
		mandoc -Tlint -W warning "$f" >lint 2>&1
		test_must_be_empty lint || { echo "in $f"; return 1; }
	done
'

# the json fields each command prints must be documented in its page:
# collect every key of the document and look for ".B key"
json_keys () {
	/usr/bin/python3 -c '
import json, sys
def walk(v):
    if isinstance(v, dict):
        for k, x in v.items():
            print(k)
            walk(x)
    elif isinstance(v, list):
        for x in v:
            walk(x)
walk(json.load(open(sys.argv[1])))' "$1" | sort -u
}

check_json_fields () {
	page=$MAN_DIR/mlw-$1.1
	json_keys out.json >keys || return 1
	test -s keys || { echo "no keys in the output of $1"; return 1; }
	for k in $(cat keys); do
		grep -E -e "^\.B $k\$" "$page" >/dev/null ||
		{ echo "mlw-$1.1 does not document json field $k"; return 1; }
	done
}

test_expect_success PYTHON 'every json field is documented in the page' '
	mlw init -o json ws >out.json && check_json_fields init &&
	cd ws &&
	mkdir -p data/sub && echo 1,2 >data/a.csv && echo x >data/sub/b &&
	echo junk >junk &&
	mlw hash-object -w -o json junk >../out.json &&
	(cd .. && check_json_fields hash-object) &&
	mlw write-tree -o json data >../out.json &&
	(cd .. && check_json_fields write-tree) &&
	tree=$(mlw write-tree data) &&
	mlw ls-tree -r -o json $tree >../out.json &&
	(cd .. && check_json_fields ls-tree) &&
	mlw cat-object -s -o json $tree >../out.json &&
	(cd .. && check_json_fields cat-object) &&
	mlw update-ref snap $tree &&
	mlw show-ref -o json >../out.json &&
	(cd .. && check_json_fields show-ref) &&
	rm -f .mlw/objects/$(echo $tree | cut -c1-2)/$(echo $tree | cut -c3-) &&
	test_expect_code 1 mlw fsck -o json >../out.json &&
	(cd .. && check_json_fields fsck) &&
	mlw gc --prune=now -n -o json >../out.json &&
	(cd .. && test_json_get out.json "[\"removed\"][0][\"kind\"]" >kind &&
	 test_grep "^object$" kind && check_json_fields gc) &&
	mlw version -o json >../out.json &&
	(cd .. && check_json_fields version) &&
	cd ..
'

test_expect_success MAN 'mlw help CMD shows the man page' '
	mlw help fsck >out 2>err &&
	test_grep "mlw-fsck - verify the store and the catalog" out &&
	test_grep "EXIT STATUS" out &&
	test_grep "connectivity-only" out
'

test_expect_success MAN 'mlw help mlw and mlw help PAGE.5 show those pages' '
	mlw help mlw >out &&
	test_grep "GLOBAL OPTIONS" out &&
	mlw help mlw-store.5 >out &&
	test_grep "Object file format" out
'

test_expect_success 'mlw help CMD falls back to the usage without man or mandoc' '
	mkdir -p nobin &&
	ln -sf "$MLW_BUILD_DIR/mlw" nobin/mlw &&
	PATH=$PWD/nobin nobin/mlw help hash-object >out 2>err &&
	test_grep "^usage: mlw hash-object" out &&
	test_grep "^ *-w, --write" out &&
	test_grep -v "EXIT STATUS" out
'

# an installed page would be found instead (MLW_MANDIR, default prefix)
test -e /usr/local/share/man/man1/mlw-gc.1 || test_set_prereq NO_INSTALLED_PAGES

test_expect_success NO_INSTALLED_PAGES 'mlw help falls back to the usage when there is no page' '
	mkdir -p bare &&
	cp "$MLW_BUILD_DIR/mlw" bare/mlw &&
	bare/mlw help gc >out 2>err &&
	test_grep "^usage: mlw gc" out &&
	test_grep "^ *--prune" out
'

test_expect_success 'mlw-spec(5) says what runs: sweeps and pipelines are validated only' '
	page_text "$MAN_DIR/mlw-spec.5" >spec.txt &&
	sed -n "/^\.Sh WHAT RUNS/,/^\.Sh FIELDS/p" spec.txt >runs &&
	test_grep "^\.It sweepJob, pipelineJob, autoMLJob" runs &&
	test_grep "refuses them (exit 2)" runs &&
	sed -n "/^\.Ss sweepJob/,/^\.Ss pipelineJob/p" spec.txt >sweep &&
	test_grep -v "used" sweep &&
	sed -n "/^\.Ss pipelineJob/,/^\.Ss commandComponent/p" spec.txt >pipeline &&
	test_grep -v "used" pipeline &&
	mkdir -p runs-ws && (
		cd runs-ws && mlw init -q &&
		cat >sweep.yml <<-\EOF &&
		type: sweep
		sampling_algorithm: random
		search_space: {a: {type: choice, values: [1]}}
		objective: {goal: minimize, primary_metric: loss}
		trial: {command: "echo ${{search_space.a}}", environment: {image: python}}
		EOF
		mlw job validate sweep.yml &&
		test_expect_code 2 mlw job create -f sweep.yml
	)
'

test_expect_success 'an alias (mlw environment) is listed, and shows its command' '
	mlw --list-cmds >cmds &&
	test_grep "^environment$" cmds &&
	commands >real &&
	test_grep -v "^environment$" real &&
	mlw help >list &&
	test_grep "^    environment  *alias of .mlw env." list &&
	page_text "$MAN_DIR/mlw.1" >mlw.txt &&
	test_grep "mlw environment" mlw.txt &&
	mlw environment -h >alias-help &&
	mlw env -h >env-help &&
	test_cmp env-help alias-help
'

test_expect_success MAN 'mlw help environment shows the env page' '
	mlw help environment >out 2>err &&
	test_grep "mlw-env - manage versioned environments" out
'

test_done

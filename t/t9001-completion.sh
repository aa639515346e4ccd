#!/bin/sh
test_description='bash completion: commands, verbs, options and values from mlw itself'
. ./test-lib.sh

COMPLETION=$MLW_BUILD_DIR/contrib/completion/mlw.bash
command -v bash >/dev/null && test_set_prereq BASH

# complete WORD... : source the script in bash, set COMP_WORDS to the
# words given (the last one is being completed) and write COMPREPLY to
# 'out', one per line, sorted.  A shell function 'mlw' defined in the
# file 'stub' (when present) stands in for the binary.
complete_words () {
	bash -c '
		. "$1" || exit 1
		shift
		test -f stub && . ./stub
		COMP_WORDS=("$@")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		_mlw || exit 1
		for w in "${COMPREPLY[@]}"; do printf "%s\n" "$w"; done
	' complete-test "$COMPLETION" "$@" >out.raw &&
	sort out.raw >out
}

# expect LINE... : 'out' holds exactly these lines (in any order)
expect () {
	printf '%s\n' "$@" | sort >expect &&
	test_cmp expect out
}

test_expect_success BASH 'the script loads and registers _mlw for mlw' '
	bash -c ". \"$COMPLETION\" && complete -p mlw" >out &&
	test_grep "_mlw" out
'

test_expect_success BASH 'a command name prefix completes to the command' '
	complete_words mlw hash-o &&
	expect hash-object
'

test_expect_success BASH 'an empty word lists every command of mlw --list-cmds' '
	complete_words mlw "" &&
	mlw --list-cmds | sort >expect &&
	test_cmp expect out
'

test_expect_success BASH 'commands complete after global options and their values' '
	complete_words mlw -C . -o json --mlw-dir=.mlw -q ch &&
	expect checkout-tree
'

test_expect_success BASH 'an option prefix completes to the long option' '
	complete_words mlw fsck --conn &&
	expect --connectivity-only
'

test_expect_success BASH 'option completion lists what the helper prints, and --help' '
	complete_words mlw gc -- &&
	for o in $(mlw gc --mlw-completion-helper) --help; do
		echo "$o"
	done | sort >expect &&
	test_cmp expect out &&
	test_grep "^--prune=$" out
'

test_expect_success BASH 'options of every command complete' '
	for c in $(mlw --list-cmds); do
		h=$(mlw $c --mlw-completion-helper) || return 1
		case $h in -*) ;; *) continue ;; esac
		complete_words mlw $c -- || return 1
		for o in $h; do
			test_grep "^$o\$" out || return 1
		done
	done
'

test_expect_success BASH '-o completes the output formats' '
	complete_words mlw -o "" &&
	expect table json jsonc yaml yamlc tsv none &&
	complete_words mlw -o t &&
	expect table tsv &&
	complete_words mlw ls-tree -o y &&
	expect yaml yamlc
'

test_expect_success BASH '--output= completes formats as bash splits it' '
	complete_words mlw --output = j &&
	expect json jsonc &&
	complete_words mlw fsck --output = &&
	expect table json jsonc yaml yamlc tsv none &&
	complete_words mlw --output=y &&
	expect yaml yamlc
'

test_expect_success BASH 'every completed format is one mlw accepts' '
	complete_words mlw -o "" &&
	for f in $(cat out); do
		mlw -o $f version >/dev/null || return 1
	done &&
	test_expect_code 2 mlw -o nosuch version 2>err &&
	for f in $(cat out); do
		test_grep "$f" err || return 1
	done
'

test_expect_success BASH 'the global options of the script are those of mlw -h' '
	mlw -h >help &&
	sed -n "/^global options:/,/^\$/p" help >global &&
	grep -o -E -e "(^| )-(-[a-z-]+|[a-zA-Z])" global |
		sed -e "s/^ //" >opts &&
	echo -h >>opts && echo --help >>opts &&
	sort -u opts >expect &&
	complete_words mlw - &&
	sed -e "s/=\$//" out | sort -u >actual &&
	test_cmp expect actual
'

test_expect_success BASH 'a global option prefix completes' '
	complete_words mlw --mlw &&
	expect --mlw-dir=
'

test_expect_success BASH 'operands complete to file names' '
	mkdir -p dir/sub && : >dir/file1 && : >dir/file2 &&
	complete_words mlw hash-object dir/fi &&
	expect dir/file1 dir/file2 &&
	complete_words mlw write-tree dir/s &&
	expect dir/sub
'

test_expect_success BASH '-C and --mlw-dir complete folders only' '
	complete_words mlw -C dir/ &&
	expect dir/sub &&
	complete_words mlw --mlw-dir = dir/ &&
	expect dir/sub
'

test_expect_success BASH 'the value of a long option given as the next word is a file' '
	complete_words mlw gc --prune dir/f &&
	expect dir/file1 dir/file2
'

test_expect_success BASH 'mlw help completes command names' '
	complete_words mlw help hash &&
	expect hash-object
'

test_expect_success BASH 'completion uses the mlw being completed (./mlw)' '
	mkdir -p other &&
	cat >other/mlw <<-\EOF &&
	#!/bin/sh
	test "$1" = --list-cmds && echo only-here
	EOF
	chmod +x other/mlw &&
	complete_words other/mlw on &&
	expect only-here
'

# A command with verbs answers the helper with its verbs (cmd_dispatch);
# no such command exists yet, so a stand-in speaks the same protocol.
test_expect_success BASH 'verbs, then the verb options, for a command with verbs' '
	cat >stub <<-\EOF &&
	mlw () {
		case "$*" in
		--list-cmds) echo job; echo fsck ;;
		"job --mlw-completion-helper") echo "create list show" ;;
		"job create --mlw-completion-helper")
			echo "--file= --set= --stream --output= --quiet --verbose" ;;
		*) return 2 ;;
		esac
	}
	EOF
	complete_words mlw job "" &&
	expect create list show &&
	complete_words mlw job cr &&
	expect create &&
	complete_words mlw job create --s &&
	expect --set= --stream &&
	complete_words mlw job create --file = dir/f &&
	expect dir/file1 dir/file2 &&
	rm stub
'

test_expect_success BASH 'mlw train completes the algorithms, then that algorithm'"'"'s options' '
	complete_words mlw train "" &&
	mlw train --mlw-completion-helper | tr " " "\n" | sort >expect &&
	test_cmp expect out &&
	test_grep "^kernel_ridge$" out &&
	complete_words mlw train ridge --al &&
	expect --alpha= &&
	complete_words mlw train logistic --class &&
	expect --class-weight= &&
	complete_words mlw train ridge --cl &&
	test_must_be_empty out &&
	complete_words mlw train pca --wh &&
	expect --whiten
'

test_expect_success BASH 'the verb list matches what cmd_dispatch prints' '
	for c in $(mlw --list-cmds); do
		h=$(mlw $c --mlw-completion-helper) || return 1
		case $h in
		-*) continue ;;
		esac
		mlw $c -h >usage || return 1
		for v in $h; do
			test_grep "^    $v " usage || return 1
		done
	done
'

test_expect_success BASH 'the environment alias completes, with the verbs of env' '
	complete_words mlw envi &&
	expect environment &&
	complete_words mlw environment "" &&
	mlw env --mlw-completion-helper | tr " " "\n" | sort >expect &&
	test_cmp expect out &&
	complete_words mlw environment show --la &&
	expect --label=
'

test_expect_success BASH '--query takes a query, not a file name' '
	: >query-file &&
	complete_words mlw data list --query que &&
	test_must_be_empty out &&
	complete_words mlw --query que &&
	test_must_be_empty out &&
	complete_words mlw data list --que &&
	expect --query=
'

test_expect_success BASH 'pipeline and table options complete their values' '
	complete_words mlw job show p1 --graph "" &&
	expect dot text &&
	complete_words mlw job show p1 --graph=d &&
	expect dot &&
	complete_words mlw job create --max-concurrent &&
	expect --max-concurrent-steps= &&
	complete_words mlw data normalize --method m &&
	expect minmax &&
	complete_words mlw model evaluate --task c &&
	expect classification &&
	complete_words mlw data sp &&
	expect split
'

test_expect_success BASH 'mlw component completes its verbs and their options' '
	complete_words mlw compo &&
	expect component &&
	complete_words mlw component "" &&
	expect archive create download list restore show update validate &&
	complete_words mlw component create --vers &&
	expect --version= &&
	complete_words mlw component list --include &&
	expect --include-archived &&
	complete_words mlw component download --download &&
	expect --download-path=
'

test_done

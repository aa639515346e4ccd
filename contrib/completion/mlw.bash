# bash completion for mlw                                  -*- shell-script -*-
#
# Source this file from ~/.bashrc, or install it as
# $(pkg-config --variable=completionsdir bash-completion)/mlw
# ('make install' does).
#
# Everything that can drift is asked of mlw itself, so this file never
# lists a command, verb or command option:
#
#	mlw --list-cmds				the commands
#	mlw CMD --mlw-completion-helper		a command's verbs, when it has
#						verbs, else its long options
#	mlw CMD VERB --mlw-completion-helper	a verb's long options
#
# 'mlw train' answers with its algorithms, as verbs: 'mlw train <TAB>'
# offers them and 'mlw train ridge --<TAB>' the options ridge takes, from
# its trainer's table of hyperparameters.
#
# Long options that take a value end with '='.  Only the options of mlw
# itself (before the command) and the -o formats are listed here, and
# t/t9001-completion.sh checks them against 'mlw -h'.

_mlw_global_opts='-C --mlw-dir= --output= -o --query= --quiet -q --verbose -v --version --help -h'
_mlw_formats='table json jsonc yaml yamlc tsv none'

# the mlw being completed: ./mlw completes with ./mlw's own lists
_mlw_run ()
{
	local bin=mlw

	case ${_mlw_words[0]} in
	*/*) test -x "${_mlw_words[0]}" && bin=${_mlw_words[0]} ;;
	esac
	"$bin" "$@" 2>/dev/null
}

# bash splits "--output=json" into "--output" "=" "json" (COMP_WORDBREAKS);
# join such pieces again so that options and their values are one word
_mlw_reassemble ()
{
	local i w j=-1

	_mlw_words=()
	_mlw_cword=0
	for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do
		w=${COMP_WORDS[i]}
		if ((j >= 0)) && [[ $w == [=:]* || ${_mlw_words[j]} == *[=:] ]]; then
			_mlw_words[j]+=$w
		else
			_mlw_words[++j]=$w
		fi
		((i == COMP_CWORD)) && _mlw_cword=$j
	done
	# the cursor after a space: an empty word that bash may not list
	((COMP_CWORD >= ${#COMP_WORDS[@]})) && _mlw_words[++j]='' &&
		_mlw_cword=$j
}

# COMPREPLY from candidate words matching cur.  readline replaces only the
# text after the last '=' or ':', so that prefix is dropped from each.
_mlw_reply ()
{
	local cur=$1 cands=$2 c prefix=
	local IFS=$' \t\n'

	[[ $cur == *[=:]* ]] && prefix=${cur%"${cur##*[=:]}"}
	COMPREPLY=()
	for c in $cands; do
		[[ $c == "$cur"* ]] && COMPREPLY+=("${c#"$prefix"}")
	done
	# an option that takes a value: no space after its '='
	if ((${#COMPREPLY[@]} == 1)) && [[ ${COMPREPLY[0]} == *= ]]; then
		compopt -o nospace 2>/dev/null
	fi
	return 0
}

_mlw_files ()
{
	local cur=$1 kind=${2:--f} f
	local IFS=$'\n'

	compopt -o filenames 2>/dev/null
	COMPREPLY=()
	for f in $(compgen "$kind" -- "$cur"); do
		COMPREPLY+=("$f")
	done
	return 0
}

# complete the value of option opt (its name without '='); cur is the
# value alone or "opt=value" (readline replaces only what follows '=')
_mlw_value ()
{
	local opt=$1 cur=${2#"$1="}

	case $opt in
	-o|--output)
		_mlw_reply "$cur" "$_mlw_formats" ;;
	-C|--mlw-dir)
		_mlw_files "$cur" -d ;;
	--query)
		COMPREPLY=() ;;
	--graph)
		_mlw_reply "$cur" 'dot text' ;;
	--method)
		_mlw_reply "$cur" 'zscore minmax' ;;
	--task)
		_mlw_reply "$cur" 'auto regression classification' ;;
	*)
		_mlw_files "$cur" ;;
	esac
}

_mlw ()
{
	local _mlw_words _mlw_cword
	local cur prev w i cmd= cmdi=0 verb= helper opts

	_mlw_reassemble
	cur=${_mlw_words[_mlw_cword]}
	prev=
	((_mlw_cword > 0)) && prev=${_mlw_words[_mlw_cword - 1]}

	# the command: the first word that is neither an option of mlw nor
	# the value of one
	for ((i = 1; i < _mlw_cword; i++)); do
		w=${_mlw_words[i]}
		case $w in
		-C|--mlw-dir|-o|--output|--query) ((i++)) ;;
		-*) ;;
		*) cmd=$w; cmdi=$i; break ;;
		esac
	done

	# a value: "-o <TAB>", "--output=<TAB>"
	case $cur in
	--*=*)
		_mlw_value "${cur%%=*}" "$cur"
		return 0 ;;
	esac
	case $prev in
	-C|--mlw-dir|-o|--output|--query)
		_mlw_value "$prev" "$cur"
		return 0 ;;
	esac

	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			_mlw_reply "$cur" "$_mlw_global_opts"
		else
			_mlw_reply "$cur" "$(_mlw_run --list-cmds)"
		fi
		return 0
	fi

	# 'mlw help <TAB>': a command
	if [[ $cmd == help && $cur != -* ]]; then
		_mlw_reply "$cur" "$(_mlw_run --list-cmds) mlw"
		return 0
	fi

	helper=$(_mlw_run "$cmd" --mlw-completion-helper)
	opts=$helper
	if [[ -n $helper && $helper != -* ]]; then
		# a command with verbs: the verb is the first operand
		for ((i = cmdi + 1; i < _mlw_cword; i++)); do
			w=${_mlw_words[i]}
			[[ $w != -* ]] && { verb=$w; break; }
		done
		if [[ -z $verb ]]; then
			if [[ $cur == -* ]]; then
				_mlw_reply "$cur" '--help'
			else
				_mlw_reply "$cur" "$helper"
			fi
			return 0
		fi
		opts=$(_mlw_run "$cmd" "$verb" --mlw-completion-helper)
	fi

	# the value of an option given as the next word ("--prune <TAB>")
	if [[ $prev == --* && " $opts " == *" $prev= "* ]]; then
		_mlw_value "$prev" "$cur"
		return 0
	fi
	if [[ $cur == -* ]]; then
		_mlw_reply "$cur" "$opts --help"
		return 0
	fi
	_mlw_files "$cur"
}

complete -o bashdefault -o default -F _mlw mlw

#!/bin/sh
test_description='command jobs: ids a command leaves for its outputs are trusted as a stat cache is'
. ./test-lib.sh

# src/hint.sh OUT ID [rewrite]: write OUT/a.txt, then leave a hint in the
# run's .mlw/runs/NAME/statcache that a.txt, as it stands, is object ID;
# with "rewrite", change a.txt afterwards.  A hint is only trusted once
# the file times' clock has moved past the file's (the stat cache's rule
# for racy entries), hence the sleeps.
test_expect_success 'setup' '
	mlw init -q . &&
	git init -q . &&
	mkdir src &&
	cat >src/hint.sh <<-\EOF &&
	out=$(realpath "$1") &&
	echo real >"$out/a.txt" &&
	sleep 0.02 &&
	set -- $(stat -c "%.9Y %.9Z %i %d %s" "$out/a.txt") "$2" "$3" &&
	{
		printf "mlw statcache 1\n" &&
		printf "%s %s %s %s %s %s %s %s %s\0" "$5" "${1%.*}" "${1#*.}" \
			"${2%.*}" "${2#*.}" "$3" "$4" "$6" "$out/a.txt"
	} >"$MLW_DIR/runs/$MLW_RUN_ID/statcache" &&
	if test "$7" = rewrite; then
		sleep 0.02 && echo REAL >"$out/a.txt"
	fi
	EOF
	fake=$(echo fake | mlw hash-object -w --stdin) &&
	echo "$fake" >fake.id &&
	cat >job.yml <<-EOT
	code: src
	command: sh hint.sh \${{outputs.out}} \${{inputs.id}} \${{inputs.how}}
	environment: azureml:host@1
	inputs:
	  id: $fake
	  how: keep
	outputs:
	  out:
	EOT
	echo 0000000000000000000000000000000000000000000000000000000000000001 >missing.id
'

# content JOB: what the collected a.txt of JOB's output holds
content () {
	mlw job show "$1" -o json >s.json &&
	tree=$(test_json_get s.json "[\"outputs\"][\"out\"][\"object\"]") &&
	mlw ls-tree "$tree" >ls &&
	mlw cat-object -p $(awk "\$NF == \"a.txt\" { print \$3 }" ls)
}

test_expect_success 'a hint whose stat still holds is taken: the file is not read' '
	mlw -q job create -f job.yml --name h1 --wait &&
	echo fake >expect &&
	content h1 >actual &&
	test_cmp expect actual
'

test_expect_success 'a file changed after its hint is read again' '
	mlw -q job create -f job.yml --name h2 --set inputs.how=rewrite \
		--wait &&
	echo REAL >expect &&
	content h2 >actual &&
	test_cmp expect actual
'

test_expect_success 'a hint naming an object the store has not is no hint' '
	mlw -q job create -f job.yml --name h3 \
		--set inputs.id=$(cat missing.id) --wait &&
	echo real >expect &&
	content h3 >actual &&
	test_cmp expect actual
'

test_expect_success 'the hint goes with the working area' '
	test ! -e .mlw/runs/h1 &&
	test ! -e .mlw/cache/workdir/statcache &&
	mlw fsck -q
'

test_done

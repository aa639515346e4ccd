#!/bin/sh
test_description='every real Azure ML spec in the shared corpus validates'
. ./test-lib.sh

# The SDK's own test config pairs grid sampling with uniform distributions,
# which Azure ML rejects when the sweep is submitted: the one corpus file
# that must fail, and with that reason.
known_invalid=sweep_job_grid_sampling_algorithm_object.yml

test_expect_success CORPUS 'list the corpus specs and their commands' '
	corpus=$SHARED_DIRECTORY/corpus &&
	awk -F"	" "NR > 1 { print \$3 \"	\" \$1 }" "$corpus/MANIFEST.tsv" |
	while IFS="	" read kind path; do
		case "$kind" in
		commandJob|pipelineJob|autoMLJob|sweepJob*) group=job ;;
		commandComponent|pipelineComponent) group=component ;;
		managedOnline*|kubernetesOnline*|batchEndpoint|batchDeployment|\
		modelBatchDeployment|pipelineComponentBatchDeployment)
			group=endpoint ;;
		data|MLTable) group=data ;;
		model) group=model ;;
		environment) group=env ;;
		*) continue ;;
		esac
		echo "$group $corpus/$path"
	done >specs &&
	test $(wc -l <specs) -ge 80
'

test_expect_success CORPUS 'each spec validates with its own command' '
	while read group path; do
		case "$path" in *$known_invalid) continue ;; esac
		mlw -q $group validate -f "$path" 2>err ||
		{ echo "FAIL: $group $path"; cat err; return 1; }
	done <specs
'

test_expect_success CORPUS 'each spec is reported with the kind MANIFEST names' '
	cut -d" " -f2 specs | grep -v "$known_invalid" >files &&
	mlw -q validate-spec -o json $(cat files) >out.json 2>/dev/null &&
	/usr/bin/python3 - "$SHARED_DIRECTORY/corpus" out.json <<-\EOF
	import json, sys
	corpus, out = sys.argv[1], sys.argv[2]
	manifest = {}
	for line in open(corpus + "/MANIFEST.tsv"):
	    f = line.rstrip("\n").split("\t")
	    manifest[corpus + "/" + f[0]] = f[2]
	bad = 0
	for r in json.load(open(out)):
	    want = manifest[r["file"]]
	    if not (r["valid"] and (want == r["kind"] or
	                            want.startswith(r["kind"] + " "))):
	        print(r["file"], r["kind"], want, r["valid"])
	        bad += 1
	sys.exit(1 if bad else 0)
	EOF
'

test_expect_success CORPUS 'the grid+uniform SDK config fails for that reason' '
	f=$(grep "$known_invalid" specs | cut -d" " -f2) &&
	test_expect_code 2 mlw job validate "$f" 2>err &&
	test_grep "grid sampling does not support uniform" err &&
	test $(grep -c "error:" err) = 2
'

test_expect_success CORPUS 'the whole corpus validates in well under a second' '
	start=$(date +%s%N) &&
	mlw -q validate-spec $(cat files) >/dev/null 2>&1 &&
	end=$(date +%s%N) &&
	ms=$(( (end - start) / 1000000 )) &&
	say "# $(wc -l <files) specs validated in $ms ms" &&
	if test_have_prereq ASAN; then :; else test $ms -lt 1000; fi
'

test_done

#!/bin/sh
test_description='fault injection: every write path with its Nth file call failing

t/fault/libfault.so (LD_PRELOAD) makes the Nth write, pwrite, fsync,
fdatasync, ftruncate, rename, mkdir, open, openat or unlink under .mlw
of each mlw process fail with ENOSPC or EIO.  For each write path (an
object, a tree, a data and a model version, a job from start to end, a
metric batch, gc) N goes from 1 up until the command runs with no fault
left to inject, each time on a fresh copy of a workspace holding a ref,
two asset versions, a completed job and its metric.  Every run must fail
cleanly (exit 1, 2, 3 or 128 with a message, no crash, no sanitizer
report, no hang) or succeed with the right result; fsck must be clean
after it, what the workspace held before must all be there, a failed
write must leave no trace in the catalog, and the same command must
then work without faults.

The suite takes a sample of N (1, 2, 3, 4, 5, 6, 8, 10, 12, 15...);
make fault (MLW_TEST_FAULT_ALL=1) takes every N, with ENOSPC and EIO.'
. ./test-lib.sh

SHIM=$TEST_DIRECTORY/fault/libfault.so
test -f "$SHIM" && test_set_prereq SHIM
# gcc's ASan is a shared library that wants to come first; it does not
# need to: the shim passes every call on
if test_have_prereq ASAN; then
	ASAN_OPTIONS=$ASAN_OPTIONS:verify_asan_link_order=0
fi
if test -n "$MLW_TEST_FAULT_ALL"; then
	ERRNOS="ENOSPC EIO"
	test_set_timeout 3600
else
	ERRNOS=ENOSPC
	test_set_timeout 300
fi

# the N after n: every N with make fault, else a sample that thins out
next_n () {
	if test -n "$MLW_TEST_FAULT_ALL"; then
		echo $(($1 + 1))
	else
		echo $(($1 + 1 + $1 / 5))
	fi
}

# faulty N ERRNO COMMAND...: in ws, run COMMAND with the Nth counted
# call of each mlw process failing; status in $status, output in
# ws/../{out,err}, the faults injected in ../faults (one per line)
faulty () {
	n=$1 err=$2
	shift 2
	: >../faults
	env LD_PRELOAD="$SHIM" MLW_FAULT_AT=$n MLW_FAULT_ERRNO=$err \
		MLW_FAULT_PATH="$PWD/.mlw" MLW_FAULT_LOG="$PWD/../faults" \
		timeout 120 "$@" >../out 2>../err
	status=$?
}

# what every run must give, whatever failed
check_clean () {
	case $status in
	0|1|2|3|128) ;;
	124) echo "hung with fault $n ($err)"; return 1 ;;
	99) echo "sanitizer report with fault $n ($err)"; cat ../err; return 1 ;;
	*) echo "died ($status) with fault $n ($err)"; cat ../err; return 1 ;;
	esac
	if test $status != 0 && ! grep -q "^mlw: error: " ../err; then
		echo "failed ($status) without a message, fault $n ($err)"
		cat ../faults ../err
		return 1
	fi
	mlw fsck >../fsck.out 2>&1 || {
		echo "fsck after fault $n ($err):"
		cat ../faults ../fsck.out
		return 1
	}
	test_must_be_empty ../fsck.out &&
	# what was there before is still there
	mlw show-ref >../refs &&
	grep -q " before$" ../refs &&
	mlw data show d --version 1 >/dev/null &&
	mlw data show d --version 2 >/dev/null &&
	mlw model show m --version 1 >/dev/null &&
	mlw job show j -o json >../j.json &&
	grep -q "\"status\": \"Completed\"" ../j.json &&
	grep -q "\"before\": 1" ../j.json || {
		echo "lost what was there before, fault $n ($err)"
		cat ../faults
		return 1
	}
}

# sweep NAME CHECK COMMAND...: N from 1 until COMMAND runs with no fault
# injected; CHECK is the command's own check, run after check_clean
sweep () {
	name=$1 check=$2
	shift 2
	for err in $ERRNOS; do
		n=1
		while :; do
			rm -rf ws &&
			cp -a base ws &&
			cd ws || return 1
			faulty $n $err "$@"
			check_clean && $check || { cd ..; return 1; }
			injected=$(wc -l <../faults)
			cat ../faults >>../all-faults
			echo "$name $err $n $status $injected" >>../sweeps
			cd ..
			test $injected = 0 && break
			n=$(next_n $n)
		done
		test $status = 0 || { echo "$name: no fault, exit $status"; cat err; return 1; }
	done
	awk -v name="$name" '$1 == name { runs++; faults += $5; if ($4 != 0) failed++ }
		END { printf "# %s: %d runs, %d faults injected, %d clean failures\n", name, runs, faults, failed }' sweeps
}

test_expect_success SHIM 'setup: a workspace with a ref, assets, a job and its metric' '
	mkdir base &&
	(
		cd base &&
		mlw init >/dev/null &&
		echo before >before &&
		mlw update-ref before $(mlw hash-object -w before) &&
		mlw data create -n d -p before -t uri_file >/dev/null &&
		echo again >>before &&
		mlw data create -n d -p before -t uri_file >/dev/null &&
		mkdir model && echo w >model/w &&
		mlw model create -n m -p model >/dev/null &&
		printf "command: mlw log metric before 1\nenvironment: azureml:x@latest\n" >j.yml &&
		mlw job create -f j.yml --name j --wait >/dev/null
	) &&
	: >all-faults &&
	head -c 3000000 /dev/urandom >base/big &&
	echo small >base/small &&
	mkdir base/dir base/dir/sub &&
	cp base/big base/dir/ && echo a >base/dir/a && echo b >base/dir/sub/b &&
	echo "new data" >base/new &&
	mkdir base/newmodel && echo "new model" >base/newmodel/w &&
	cat >base/job.yml <<-\EOF &&
	command: >-
	  echo out >${{outputs.out}}/f && mlw log metric during 2
	outputs:
	  out:
	    type: uri_folder
	environment: azureml:x@latest
	EOF
	for i in $(seq 200); do echo "batch $i $i"; done >base/batch &&
	for i in $(seq 50); do echo "garbage $i" >base/g$i || return 1; done &&
	(cd base && mlw hash-object -w g* >/dev/null) &&
	: >sweeps
'

# after a run, the command's own result: right when it succeeded, no
# trace in the catalog when it failed, and then it works without faults
ok_hash_object () {
	sha256sum big small | cut -d" " -f1 >../expect
	if test $status = 0; then
		test_cmp ../expect ../out
	fi &&
	mlw hash-object -w big small >../again &&
	test_cmp ../expect ../again &&
	mlw fsck
}

ok_write_tree () {
	(cd .. && rm -rf fresh && mkdir fresh && cd fresh && mlw init >/dev/null &&
	 mlw write-tree ../ws/dir) >../expect &&
	if test $status = 0; then
		test_cmp ../expect ../out
	fi &&
	mlw write-tree dir >../again &&
	test_cmp ../expect ../again &&
	mlw checkout-tree $(cat ../again) restored &&
	diff -r dir restored
}

ok_data_create () {
	mlw data list -n d -o tsv | cut -f2 >../versions &&
	if test $status = 0; then
		printf "1\n2\n3\n" >../expect
	else
		printf "1\n2\n" >../expect
	fi &&
	test_cmp ../expect ../versions &&
	mlw data create -n d -p new -t uri_file >/dev/null &&
	mlw data show d -o json >../latest &&
	grep -q "\"version\": \"$(($(wc -l <../expect) + 1))\"" ../latest
}

ok_model_create () {
	mlw model list -n m -o tsv | cut -f2 >../versions &&
	if test $status = 0; then
		printf "1\n2\n" >../expect
	else
		echo 1 >../expect
	fi &&
	test_cmp ../expect ../versions &&
	mlw model create -n m -p newmodel >/dev/null
}

ok_job_create () {
	if test $status = 0; then
		mlw job show $(cat ../out) -o json >../show &&
		grep -q "\"status\": \"Completed\"" ../show &&
		grep -q "\"during\": 2" ../show
	fi &&
	mlw job create -f job.yml --wait >../again &&
	mlw job show $(cat ../again) -o json >../show &&
	grep -q "\"status\": \"Completed\"" ../show
}

ok_log_metric () {
	mlw job show j --metrics -o json >../m.json &&
	/usr/bin/python3 -c "import json; print(sum(1 for p in json.load(open(\"../m.json\"))[\"metric_history\"] if p[\"key\"] == \"batch\"))" >../count &&
	if test $status = 0; then
		echo 200 >../expect
	else
		echo 0 >../expect
	fi &&
	test_cmp ../expect ../count &&
	MLW_RUN_ID=j mlw log metric --file batch
}

ok_gc () {
	mlw gc --prune=now >/dev/null &&
	id=$(mlw hash-object g1) &&
	test_must_fail mlw cat-object -t $id 2>/dev/null
}

test_expect_success SHIM 'hash-object -w: every fault fails cleanly' '
	sweep hash-object ok_hash_object mlw hash-object -w big small
'

test_expect_success SHIM 'write-tree: every fault fails cleanly' '
	sweep write-tree ok_write_tree mlw write-tree dir
'

test_expect_success SHIM 'data create: every fault fails cleanly, no version' '
	sweep "data-create" ok_data_create mlw data create -n d -p new -t uri_file
'

test_expect_success SHIM 'model create: every fault fails cleanly, no version' '
	sweep "model-create" ok_model_create mlw model create -n m -p newmodel
'

test_expect_success SHIM 'job create --wait: every fault fails cleanly' '
	sweep "job-create" ok_job_create mlw -q job create -f job.yml --wait
'

test_expect_success SHIM 'log metric --file: every fault fails cleanly, all or nothing' '
	sweep "log-metric" ok_log_metric env MLW_RUN_ID=j mlw log metric --file batch
'

test_expect_success SHIM 'gc: every fault fails cleanly, nothing referenced lost' '
	sweep gc ok_gc mlw gc --prune=now
'

test_expect_success SHIM 'gc that cannot read a tree removes nothing beneath it' '
	rm -rf ws && cp -a base ws && (
		cd ws &&
		mlw model show m -o json >show &&
		tree=$(test_json_get show "[\"object\"]") &&
		blob=$(mlw hash-object model/w) &&
		path=$PWD/.mlw/objects/$(echo $tree | cut -c1-2)/$(echo $tree | cut -c3-) &&
		test -f $path &&
		test_expect_code 128 env LD_PRELOAD="$SHIM" MLW_FAULT_AT=1 \
			MLW_FAULT_CALLS=open MLW_FAULT_ERRNO=EIO \
			MLW_FAULT_PATH=$path mlw gc --prune=now 2>err &&
		test_grep "cannot open object $tree" err &&
		test "$(mlw cat-object -t $blob)" = blob &&
		mlw fsck
	)
'

# the shim counts calls too: an object written again is checked for
# before its temp file is sealed, so a rerun that stores the same 20 MB
# output syncs nothing (it was synced once, and is dropped)
test_expect_success SHIM 'an object stored already is not synced again' '
	(
		cd base &&
		head -c 20000000 /dev/urandom >dup &&
		for i in 1 2; do
			rm -f count &&
			LD_PRELOAD=$SHIM MLW_FAULT_AT=1000000000 \
			MLW_FAULT_CALLS=fsync,fdatasync \
			MLW_FAULT_PATH=$PWD/.mlw/objects MLW_FAULT_COUNT=$PWD/count \
				mlw hash-object -w dup >id$i &&
			cut -d" " -f2 count >syncs$i || return 1
		done &&
		test_cmp id1 id2 &&
		test $(cat syncs1) -gt 0 &&
		echo 0 >none &&
		test_cmp none syncs2 &&
		mlw cat-object -s $(cat id1) >size &&
		echo 20000000 >want &&
		test_cmp want size &&
		mlw fsck
	)
'

test_expect_success SHIM 'faults were injected on every path, in every kind of call' '
	awk "{ runs++; faults += \$5 } END { print \"# \" runs \" runs, \" faults \" faults injected\" }" sweeps &&
	for name in hash-object write-tree data-create model-create job-create log-metric gc; do
		awk -v name=$name "\$1 == name && \$5 > 0" sweeps >injected &&
		test_file_not_empty injected || return 1
	done &&
	cut -d" " -f2 all-faults | sort | uniq -c &&
	for call in write pwrite fsync rename mkdir open unlink; do
		grep -q "^[0-9]* $call " all-faults ||
			{ echo "no $call failed"; return 1; }
	done
'

test_done

#!/bin/sh
test_description='crash consistency: kill -9 at random moments of every kind of write

Each campaign runs one kind of write again and again and kills it with
SIGKILL after a random delay within the time an uninterrupted run of it
takes here: object writes (hash-object), tree writes (write-tree), asset
registration (data and model create, automatic versions), a job from its
start to its finish (the creating command, the supervisor and the job
together), metric batches (log metric --file) and gc.  After every kill
fsck is clean and everything committed before is still there: refs,
asset versions (1..N, no gap), completed jobs, metric batches (all of a
batch or none of it).  And each campaign checks that its kills landed
mid-write (a temp file left behind, a write that did not happen), so it
cannot pass by killing processes that had already finished.

MLW_TEST_CRASH_ROUNDS: kills per campaign (6 here, more in make stress);
MLW_TEST_SEED repeats the delays of a run.'
. ./test-lib.sh

ROUNDS=${MLW_TEST_CRASH_ROUNDS:-6}
SEED=${MLW_TEST_SEED:-$(date +%s)}
BIG=${MLW_TEST_CRASH_BIG:-33554432}	# bytes of the big file: 32 MiB
# a campaign's body: its rounds, each a write, a kill and the checks
test_set_timeout $((60 + ROUNDS * 30))

# the seeded sequence of delays: rand_delay SPAN sets $rand to the next
# one in [0, SPAN).  It sets a variable rather than printing: a $(...)
# runs in a subshell, where the count of draws would not advance, and
# every round of a run would draw the same fraction of its span.  The
# seed is kept below 2^31: mawk (Debian's awk) clamps a larger one, and
# every seed then drew 0.496 (a CI run whose hash-object kills all
# landed at half the span, 5 of 6 of them outside the write)
rand_n=0
rand_delay () {
	rand_n=$((rand_n + 1))
	rand=$(awk -v s=$SEED -v n=$rand_n -v span=$1 \
		'BEGIN { srand((s % 1000003) * 1000 + n); printf "%.3f\n", rand() * span }')
}

# seconds COMMAND...: run COMMAND (quietly) and print how long it took
seconds () {
	t0=$(date +%s.%N)
	"$@" >/dev/null 2>&1 || return 1
	t1=$(date +%s.%N)
	awk -v a=$t0 -v b=$t1 'BEGIN { printf "%.3f\n", b - a }'
}

# kill_after DELAY COMMAND...: start COMMAND, SIGKILL it after DELAY
# seconds; its wait status is in $status (137: the signal killed it)
kill_after () {
	delay=$1
	shift
	"$@" >kill.out 2>kill.err &
	pid=$!
	sleep $delay
	kill -9 $pid 2>/dev/null
	wait $pid
	status=$?
}

temp_files () {
	find .mlw -name "tmp_*" | wc -l
}

objects_now () {
	find .mlw/objects -type f ! -name "tmp_*" | sort
}

# Kills are drawn from a window [$lo, $span) that narrows to what lies
# between the latest moment found too early and the earliest found too
# late: one span measured on a busy machine (a syncfs behind other
# tests' writes) can be many times the next run's, and kills drawn from
# it would then all come after the end.
#
# window_delay: set $delay, the next moment drawn from the window: the
# mean of two draws, nearer its middle than its ends, so that the window
# narrows in fewer rounds (under ASan a run spends half its time in the
# leak check at exit, after its last write)
window_delay () {
	rand_delay $span
	r1=$rand
	rand_delay $span
	delay=$(awk -v lo=$lo -v r1=$r1 -v r2=$rand -v s=$span \
		"BEGIN { printf \"%.3f\", lo + (r1 + r2) / 2 * (s - lo) / s }")
}

# window_narrow LANDED: the kill at $delay landed torn, early or late
window_narrow () {
	echo "# killed at $delay s in [$lo, $span): $1"
	case $1 in
	late) span=$delay ;;
	early) lo=$delay ;;
	esac
	# a window too narrow for the machine's noise opens again
	eval $(awk -v lo=$lo -v s=$span -v s0=$span0 "BEGIN {
		if (s - lo < s0 / 20) { lo *= 0.8; s = s * 1.2 + s0 / 20 }
		printf \"lo=%.3f span=%.3f\", lo, s
	}")
}

# window_kill COMMAND...: kill COMMAND at a moment of the window and set
# $landed to how the kill landed: torn (a temp file left behind), early
# (nothing written yet) or late (it had ended, or only its last renames
# were left)
window_kill () {
	objects_now >objs.before
	window_delay
	kill_after $delay "$@"
	objects_now >objs.after
	if test $status != 137
	then
		landed=late
	elif test $(temp_files) -gt 0
	then
		landed=torn
	elif cmp -s objs.before objs.after
	then
		landed=early
	else
		landed=late
	fi
	window_narrow $landed
}

# the ledger: what was committed, checked after every kill
#   ref NAME ID / data NAME N / model NAME N / job NAME / metrics RUN KEY
check_ledger () {
	mlw show-ref >refs.now &&
	mlw job list --all-results -o tsv >jobs.now &&
	mlw job show metrics -o json >metrics.now 2>/dev/null
	while read -r l_kind l_name l_what; do
		case $l_kind in
		ref)
			grep -qx "$l_what $l_name" refs.now ||
				{ echo "lost ref $l_name ($l_what)"; return 1; }
			;;
		data|model)
			# versions 1..N without a gap, at least what was seen
			mlw $l_kind list -n $l_name -o tsv | cut -f2 | sort -n >v &&
			n=$(wc -l <v) &&
			seq $n >vexpect &&
			test_cmp vexpect v &&
			test $n -ge $l_what ||
				{ echo "$l_kind $l_name: $n versions, had $l_what"; return 1; }
			;;
		job)
			grep -q "^$l_name	.*	Completed	" jobs.now ||
				{ echo "lost completed job $l_name"; return 1; }
			;;
		metrics)
			grep -q "\"$l_what\"" metrics.now ||
				{ echo "lost metric batch $l_what"; return 1; }
			;;
		esac || return 1
	done <<-EOF
	$(awk '$1 == "data" || $1 == "model" {
		k = $1 " " $2
		if (!(k in n) || $3 > n[k]) n[k] = $3
		next
	} { print } END { for (k in n) print k, n[k] }' ledger)
	EOF
}

# after a kill: fsck clean, the ledger whole
check_store () {
	mlw fsck >fsck.out 2>fsck.err || {
		echo "$1: fsck failed (seed $SEED)"
		cat fsck.out fsck.err
		return 1
	}
	test_must_be_empty fsck.out &&
	check_ledger || { echo "$1 (seed $SEED)"; return 1; }
}

# a campaign's report, and its proof that kills landed mid-write: at
# least a third of the rounds interrupted a write
report () {
	echo "# $1: $2 kills, $3 mid-write" &&
	echo "$1 $2 $3" >>campaigns &&
	test $3 -ge $(( ($2 + 2) / 3 ))
}

test_expect_success 'setup: a workspace, files to write, a ledger' '
	echo "# $ROUNDS rounds a campaign, seed $SEED (MLW_TEST_SEED repeats)" &&
	mlw init >/dev/null &&
	: >ledger && : >campaigns &&
	head -c $BIG /dev/urandom >big &&
	mkdir small &&
	for i in $(seq 20); do
		seq $i $((i * 500)) >small/$i || return 1
	done &&
	files="$(seq 1 10 | sed s,^,small/,) big $(seq 11 20 | sed s,^,small/,)" &&
	echo $files >files &&
	sha256sum $files | cut -d" " -f1 >expect &&
	check_store setup
'

test_expect_success 'hash-object: killed mid-write, fsck clean, no stray object' '
	span=$(seconds mlw hash-object -w $(cat files)) &&
	span0=$span && lo=0 &&
	mlw gc --prune=now >/dev/null &&
	torn=0 &&
	for round in $(seq $ROUNDS); do
		window_kill mlw hash-object -w $(cat files)
		test $landed = torn && torn=$((torn + 1))
		check_store "hash-object round $round" || return 1
		# whole objects or nothing: only ids of the files
		for f in .mlw/objects/*/*; do
			test -f "$f" || continue
			case $f in */tmp_*) continue ;; esac
			id=$(echo $f | sed "s|.mlw/objects/\(..\)/|\1|")
			grep -q "^$id$" expect ||
				{ echo "round $round: unexpected object $id"; return 1; }
		done
		# the next write of the same content is right, and kept
		mlw hash-object -w $(cat files) >got &&
		test_cmp expect got &&
		mlw update-ref crash/objects/$round $(sed -n 11p got) &&
		echo "ref crash/objects/$round $(sed -n 11p got)" >>ledger &&
		mlw gc --prune=now >/dev/null || return 1
	done &&
	mlw cat-object -s $(sed -n 11p expect) >size &&
	echo $BIG >want &&
	test_cmp want size &&
	report hash-object $ROUNDS $torn
'

test_expect_success 'write-tree: killed mid-write, fsck clean, then the same tree' '
	mkdir tree &&
	cp big tree/ &&
	cp -r small tree/ &&
	mlw write-tree tree >/dev/null &&
	span=$(seconds mlw write-tree tree) &&
	span0=$span && lo=0 &&
	mlw gc --prune=now >/dev/null &&
	mkdir clean && (cd clean && mlw init >/dev/null) &&
	torn=0 &&
	for round in $(seq $ROUNDS); do
		# new content each round, in the entry written first (a
		# kept tree is all there already: an ended write would
		# look like one not begun); the tree it must make is the
		# one a clean store makes
		echo $round >tree/a &&
		(cd clean && mlw write-tree ../tree) >tree.id &&
		window_kill mlw write-tree tree
		test $landed = torn && torn=$((torn + 1))
		check_store "write-tree round $round" &&
		mlw write-tree tree >id &&
		test_cmp tree.id id &&
		mlw update-ref crash/tree/$round $(cat id) &&
		echo "ref crash/tree/$round $(cat id)" >>ledger &&
		mlw gc --prune=now >/dev/null || return 1
	done &&
	report write-tree $ROUNDS $torn
'

test_expect_success 'data and model create: killed mid-registration, versions without gaps' '
	# an eighth of the big file: every version is kept, and each
	# round the fsck reads them all (50 versions of 32 MiB made the gc
	# campaign after this one outlast its time in make stress)
	head -c $((BIG / 8)) big >asset &&
	mkdir model &&
	cp asset model/weights &&
	echo "flavors: {}" >model/MLmodel &&
	# (the first of a kind costs more: time the second)
	mlw data create -n crashdata -p asset -t uri_file >/dev/null &&
	echo 0 >>asset &&
	span=$(seconds mlw data create -n crashdata -p asset -t uri_file) &&
	span0=$span && lo=0 &&
	echo "data crashdata 2" >>ledger &&
	torn=0 &&
	for round in $(seq $ROUNDS); do
		# new content each round, so each version is new work
		echo $round >>asset &&
		echo $round >>model/weights &&
		if test $((round % 2)) = 0
		then
			kind=model args="-p model"
		else
			kind=data args="-p asset -t uri_file"
		fi &&
		before=$(mlw $kind list -n crash$kind -o tsv 2>/dev/null | wc -l) &&
		objects_now >objs.before &&
		window_delay &&
		kill_after $delay \
			mlw $kind create -n crash$kind $args
		after=$(mlw $kind list -n crash$kind -o tsv | wc -l)
		objects_now >objs.after
		# registered (late), or killed before it: mid-write when
		# something was written, early when nothing was
		if test $after != $before || test $status != 137
		then
			landed=late
		elif test $(temp_files) -gt 0 || ! cmp -s objs.before objs.after
		then
			landed=torn && torn=$((torn + 1))
		else
			landed=early
		fi
		window_narrow $landed
		check_store "$kind create round $round" &&
		mlw $kind create -n crash$kind $args >/dev/null &&
		echo "$kind crash$kind $((after + 1))" >>ledger || return 1
	done &&
	check_store "asset creates" &&
	report "data and model create" $ROUNDS $torn
'

# the children of process $1, as the kernel lists them: no search of
# /proc, which takes half a second on a machine running 2,000 processes
children () {
	cat /proc/$1/task/*/children 2>/dev/null
}

# the pid of the supervisor forked by creating command $1, once it runs:
# its child that leads a session of its own
supervisor_of () {
	for p in $(children $1); do
		test "$(cut -d" " -f6 /proc/$p/stat 2>/dev/null)" = $p &&
			echo $p && return 0
	done
	return 1
}

# start_job NAME: start job NAME and wait for its supervisor; its
# creating command is $pid, its supervisor $sup, and $seen when it was
# seen (seconds since the epoch)
start_job () {
	mlw job create -f job.yml --wait --name $1 >/dev/null 2>&1 &
	pid=$!
	n=0
	while ! sup=$(supervisor_of $pid) && kill -0 $pid 2>/dev/null
	do
		n=$((n + 1))
		test $n -lt 3000 || { echo "$1 never started"; return 1; }
		sleep 0.01
	done
	seen=$(date +%s.%N)
}

# seconds from $seen to the end_time of run $1: how long a run lasts
# once a round could kill it
run_seconds () {
	mlw job show "$1" -o json >rs.json &&
	t1=$(sed -n "s/^  \"end_time\": \"\(.*\)\",\$/\1/p" rs.json) &&
	awk -v a=$seen -v b=$(date -d "$t1" +%s.%N) \
		'BEGIN { printf "%.3f\n", b - a }'
}

# Each round waits for the run's supervisor, then kills it after a delay
# within the time a run lasts from then to its end, so that on a
# busy machine the kills still land while the run is under way (not in
# the creating command's start-up, not after the run has ended).  A kill
# counts as mid-write only when the run it hit had been recorded and
# never completed.
test_expect_success 'a job from start to finish: killed with its supervisor, fsck clean' '
	cat >job.yml <<-\EOF &&
	command: >-
	  head -c 4000000 /dev/urandom >${{outputs.out}}/blob &&
	  for i in 1 2 3 4 5; do echo step $i;
	  head -c 1000000 /dev/urandom >${{outputs.out}}/part$i;
	  mlw log metric loss 0.$i; done
	outputs:
	  out:
	    type: uri_folder
	environment: azureml:x@latest
	EOF
	# the shortest of three runs (the first job costs more, and a busy
	# machine makes any one of them long)
	for i in 1 2 3; do
		start_job crash_job_0$i &&
		wait $pid &&
		echo "job crash_job_0$i" >>ledger &&
		run_seconds crash_job_0$i || return 1
	done >spans &&
	# kills within the first 60% of the shortest run: a run that goes
	# faster than the measured ones still has them land mid-run
	span=$(sort -n spans | head -n 1 | awk "{ printf \"%.3f\", \$1 * 0.6 }") &&
	torn=0 &&
	for round in $(seq $ROUNDS); do
		name=crash_job_$round
		start_job $name || return 1
		rand_delay $span
		sleep $rand
		# the supervisor (it records the end of the run), the
		# creating command and the process group of the job command
		cmds=$(children $sup)
		kill -9 $sup $pid 2>/dev/null
		for c in $cmds; do
			kill -9 -$c $c 2>/dev/null
		done
		wait $pid
		# the run ends: Completed, or Failed once its supervisor is
		# found dead; or it was never recorded
		n=0 &&
		while mlw job show $name -o json >show 2>/dev/null &&
		      ! grep -qE "\"status\": \"(Completed|Failed|Canceled)\"" show
		do
			n=$((n + 1))
			test $n -lt 100 || { echo "$name never ended"; cat show; return 1; }
			sleep 0.1
		done
		if grep -q "\"status\": \"Completed\"" show 2>/dev/null
		then
			echo "job $name" >>ledger
		elif test -s show
		then
			torn=$((torn + 1))
		fi
		check_store "job round $round" || return 1
	done &&
	report "job create" $ROUNDS $torn
'

test_expect_success 'metric batches: killed mid-transaction, all of a batch or none' '
	printf "command: echo metrics\nenvironment: azureml:x@latest\n" >m.yml &&
	mlw job create -f m.yml --wait --name metrics >/dev/null &&
	echo "job metrics" >>ledger &&
	awk "BEGIN { for (i = 0; i < 20000; i++) print \"KEY_\" i % 5, i / 7, i }" >batch.tmpl &&
	sed s/KEY/r0/ batch.tmpl >batch &&
	span=$(seconds env MLW_RUN_ID=metrics mlw log metric --file batch) &&
	span0=$span && lo=0 &&
	echo "metrics metrics r0_4" >>ledger &&
	torn=0 &&
	for round in $(seq $ROUNDS); do
		sed s/KEY/r$round/ batch.tmpl >batch &&
		window_delay &&
		kill_after $delay \
			env MLW_RUN_ID=metrics mlw log metric --file batch
		mlw job show metrics -o json >m.json &&
		present=$(grep -c "\"r${round}_[0-4]\"" m.json)
		case $present in
		0) test $status = 137 && torn=$((torn + 1)) &&
		   window_narrow torn ;;
		5)
			echo "metrics metrics r${round}_4" >>ledger
			# the kill came after the commit: sooner next time
			window_narrow late ;;
		*) echo "round $round: $present of the batch'"'"'s 5 keys"; return 1 ;;
		esac
		check_store "metric batch round $round" || return 1
	done &&
	# every batch that committed is whole
	mlw job show metrics --metrics -o json >points &&
	/usr/bin/python3 -c "import json; print(len(json.load(open(\"points\"))[\"metric_history\"]))" >n &&
	test $(cat n) = $(($(grep -c "^metrics " ledger) * 20000)) &&
	report "metric batches" $ROUNDS $torn
'

test_expect_success 'gc: killed mid-sweep, fsck clean, nothing referenced lost' '
	mkdir garbage &&
	torn=0 &&
	for round in $(seq $ROUNDS); do
		for i in $(seq 300); do
			echo "garbage $round $i" >garbage/$i || return 1
		done &&
		mlw hash-object -w garbage/* >garbage.ids &&
		if test $round = 1
		then
			span=$(seconds mlw gc --prune=now) &&
			span0=$span && lo=0 &&
			mlw hash-object -w garbage/* >garbage.ids
		fi &&
		# the sweep is the end of a collection, a narrow window
		window_delay &&
		kill_after $delay mlw gc --prune=now
		left=0 &&
		for id in $(cat garbage.ids); do
			test -f .mlw/objects/$(echo $id | cut -c1-2)/$(echo $id | cut -c3-) &&
				left=$((left + 1))
		done
		# too late (all removed), too early (none) or torn
		case $status,$left in
		*,0) landed=late ;;
		*,300) landed=early ;;
		137,*) landed=torn && torn=$((torn + 1)) ;;
		*) landed=late ;;
		esac
		window_narrow $landed
		check_store "gc round $round" &&
		mlw gc --prune=now >/dev/null &&
		check_store "gc round $round, again" || return 1
	done &&
	report gc $ROUNDS $torn
'

test_expect_success 'every campaign ran; the store is whole at the end' '
	test $(wc -l <campaigns) = 6 &&
	awk "{ k += \$(NF - 1); m += \$NF } END { print \"# \" k \" kills, \" m \" mid-write\" }" campaigns &&
	mlw fsck &&
	check_ledger
'

test_done

# lib-slurm.sh - a real one-node Slurm cluster on loopback, for the tests
# of the Slurm executor.  Source it after test-lib.sh and call
#
#	slurm_start		# or the whole script is skipped, with why
#	...			# sbatch, squeue ... reach it (SLURM_CONF);
#				# slurm_id RUN: the Slurm job of an mlw run
#	slurm_stop		# at the end (test_done does not)
#
# It writes a slurm.conf for this host (its name, CPUs and memory) into
# $TRASH_DIRECTORY/slurm, starts munged, slurmctld and slurmd in the
# foreground-detached form (each in the background with -D or -F, its pid
# kept), as Debian's slurm-wlm and munge install them, and waits until
# sinfo shows the node idle.  No accounting, no cgroups:
# ProctrackType=proctrack/linuxproc, TaskPlugin=task/none,
# SelectType=select/cons_tres.  The daemons are stopped by their pids.
# They must run as root (slurmd starts jobs as their users).

SLURM_DIR=$TRASH_DIRECTORY/slurm

# skip_all REASON: the script has nothing to test here
skip_all () {
	echo "1..0 # SKIP $1"
	cd "$TEST_DIRECTORY" && rm -rf "$TRASH_DIRECTORY"
	exit 0
}

# a TCP port nobody listens on, from a range the script's pid picks
slurm_free_port () {
	port=$(( 20000 + ($$ * 7 + $1 + ${SLURM_PORT_SHIFT:-0}) % 20000 ))
	while ss -Htln "sport = :$port" 2>/dev/null | grep -q .; do
		port=$((port + 1))
	done
	echo $port
}

slurm_write_conf () {
	host=$(hostname -s)
	cpus=$(nproc)
	mem=$(awk '/^MemTotal:/ { print int($2 / 1024 / 2) }' /proc/meminfo)
	ctld_port=$(slurm_free_port 0)
	slurmd_port=$(slurm_free_port 1)
	test "$slurmd_port" = "$ctld_port" && slurmd_port=$((ctld_port + 1))
	mkdir -p "$SLURM_DIR/state" "$SLURM_DIR/spool" "$SLURM_DIR/log" &&
	cat >"$SLURM_DIR/slurm.conf" <<-EOF
	ClusterName=mlwtest
	SlurmctldHost=$host(127.0.0.1)
	SlurmctldPort=$ctld_port
	SlurmdPort=$slurmd_port
	SlurmUser=root
	SlurmdUser=root
	AuthType=auth/munge
	AuthInfo=socket=$SLURM_DIR/munge.socket
	CredType=cred/munge
	StateSaveLocation=$SLURM_DIR/state
	SlurmdSpoolDir=$SLURM_DIR/spool
	SlurmctldPidFile=$SLURM_DIR/slurmctld.pid
	SlurmdPidFile=$SLURM_DIR/slurmd.pid
	SlurmctldLogFile=$SLURM_DIR/log/slurmctld.log
	SlurmdLogFile=$SLURM_DIR/log/slurmd.log
	ProctrackType=proctrack/linuxproc
	TaskPlugin=task/none
	SelectType=select/cons_tres
	SelectTypeParameters=CR_Core
	JobAcctGatherType=jobacct_gather/none
	AccountingStorageType=accounting_storage/none
	MpiDefault=none
	ReturnToService=2
	SchedulerType=sched/builtin
	SlurmctldTimeout=30
	SlurmdTimeout=30
	InactiveLimit=0
	MinJobAge=300
	KillWait=2
	OverTimeLimit=0
	NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
	PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
	EOF
	# slurmd, slurmctld and the clients find it here
	SLURM_CONF=$SLURM_DIR/slurm.conf
	SLURM_NODE=$host
	export SLURM_CONF SLURM_NODE
}

# slurm_start: the cluster up, or skip_all with the reason
slurm_start () {
	test "$(id -u)" = 0 ||
		skip_all "slurmd must run as root"
	for b in munged slurmctld slurmd sbatch squeue scontrol scancel sinfo
	do
		PATH=$PATH:/usr/sbin command -v $b >/dev/null ||
			skip_all "$b is not installed (Debian: slurm-wlm, munge)"
	done
	test -r /etc/munge/munge.key ||
		skip_all "/etc/munge/munge.key is missing"
	slurm_write_conf ||
		skip_all "cannot write $SLURM_DIR/slurm.conf"
	PATH=$PATH:/usr/sbin
	# however the script ends (test -i, a time-out), the daemons stop
	trap 'slurm_stop; test_watchdog_stop_' EXIT
	munged -F --force --socket="$SLURM_DIR/munge.socket" \
		--pid-file="$SLURM_DIR/munged.pid" \
		--log-file="$SLURM_DIR/log/munged.log" \
		--seed-file="$SLURM_DIR/munge.seed" \
		</dev/null >>"$SLURM_DIR/log/munged.out" 2>&1 5>&- 7>&- &
	SLURM_MUNGED_PID=$!
	# the socket before slurmctld asks for a credential
	tries=0
	while ! test -S "$SLURM_DIR/munge.socket"; do
		tries=$((tries + 1))
		if test $tries -ge 200; then
			why=$(tail -n 3 "$SLURM_DIR/log/munged.log" 2>/dev/null)
			slurm_stop
			skip_all "munged did not start: $why"
		fi
		sleep 0.05
	done
	# a port taken between the look and the bind (another script's
	# cluster starting at once) ends slurmctld: new ports, three times
	attempt=0
	while ! slurm_start_daemons; do
		attempt=$((attempt + 1))
		if test $attempt -ge 3; then
			why=$(tail -n 3 "$SLURM_DIR/log/slurmctld.log" \
				"$SLURM_DIR/log/slurmd.log" 2>/dev/null)
			slurm_stop
			skip_all "slurm did not come up: $why"
		fi
		SLURM_PORT_SHIFT=$((attempt * 101))
		slurm_write_conf ||
			skip_all "cannot write $SLURM_DIR/slurm.conf"
	done
	SLURM_STARTED=t
}

# slurmctld and slurmd, until the node is idle: within a minute (a
# second or two on an idle machine), and not once slurmctld has ended
slurm_start_daemons () {
	slurmctld -D -i -f "$SLURM_CONF" </dev/null \
		>>"$SLURM_DIR/log/slurmctld.out" 2>&1 5>&- 7>&- &
	SLURM_CTLD_PID=$!
	slurmd -D -N "$SLURM_NODE" -f "$SLURM_CONF" </dev/null \
		>>"$SLURM_DIR/log/slurmd.out" 2>&1 5>&- 7>&- &
	SLURM_SLURMD_PID=$!
	until_s=$(($(date +%s) + 60))
	until test "$(timeout 10 sinfo -h -n "$SLURM_NODE" -o %t 2>/dev/null)" = idle
	do
		if ! kill -0 $SLURM_CTLD_PID 2>/dev/null ||
		   test $(date +%s) -ge $until_s; then
			for pid in $SLURM_SLURMD_PID $SLURM_CTLD_PID; do
				kill $pid 2>/dev/null
				wait $pid 2>/dev/null
			done
			SLURM_SLURMD_PID= SLURM_CTLD_PID=
			return 1
		fi
		sleep 0.1
	done
}

# slurm_id RUN: the Slurm job id mlw recorded for run RUN (empty: none)
slurm_id () {
	mlw job show $1 --query 'tags."mlw.slurm_job_id"' -o tsv
}

# slurm_stop: every daemon slurm_start started, by pid, waited for
slurm_stop () {
	for pid in $SLURM_SLURMD_PID $SLURM_CTLD_PID $SLURM_MUNGED_PID; do
		kill $pid 2>/dev/null
	done
	for pid in $SLURM_SLURMD_PID $SLURM_CTLD_PID $SLURM_MUNGED_PID; do
		wait $pid 2>/dev/null
	done
	SLURM_SLURMD_PID= SLURM_CTLD_PID= SLURM_MUNGED_PID=
}

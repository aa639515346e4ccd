#!/bin/sh
# p5000-job-create - 'mlw job create --wait' of a job whose command is
# 'echo hi', with a code folder of 100 small files, end to end: snapshot
# of the code, record, supervisor, working copy, run, log stored, status
# recorded.  Compared with the same command run bare ('sh -c "echo hi"'
# in the code folder); the overhead is the difference of the medians.
#
# Target (the issue): under 20 ms median.  Also shown, for information:
# the same with the code inside a git repository (libgit2 is loaded for
# .gitignore and the azureml.git.* properties), and a job whose command
# is 'mlw log metric loss 0.5', which mlw runs in-process.
#
# PERF_RUNS overrides the number of timed runs (default 50), after 5
# untimed ones.
. t/perf/perf-lib.sh
perf_setup "$@"
perf_need /usr/bin/python3 git

runs=${PERF_RUNS:-50}
ws=$PERF_TMP/ws
mkdir -p "$ws/src" "$ws/gitws/src" || perf_die "mkdir"
i=0
while test $i -lt 100; do
	echo "print($i)" >"$ws/src/f$i.py"
	echo "print($i)" >"$ws/gitws/src/f$i.py"
	i=$((i + 1))
done
cat >"$ws/job.yml" <<-\EOT
	command: echo hi
	code: src
	environment: azureml:AzureML-sklearn-1.0-ubuntu20.04-py38-cpu@latest
EOT
cp "$ws/job.yml" "$ws/gitws/job.yml"
cat >"$ws/metric.yml" <<-\EOT
	command: mlw log metric loss 0.5
	code: src
	environment: azureml:AzureML-sklearn-1.0-ubuntu20.04-py38-cpu@latest
EOT
(cd "$ws" && "$MLW" -q init) || perf_die "init"
(cd "$ws/gitws" && git init -q && git add src job.yml &&
 git -c user.name=p -c user.email=p@p commit -qm code) || perf_die "git"

# median wall milliseconds of runs of a command line, in folder $1
# median_ms RUNS CWD1 ARGV1... -- CWD2 ARGV2...: the median wall time of
# each command, run in turns (one, then the other, RUNS times) so that
# both see the same machine: this VM's speed drifts by a third from one
# minute to the next.
median_ms () {
	/usr/bin/python3 - "$runs" "$@" <<-\EOP
	import os, subprocess, sys, time
	runs, rest = int(sys.argv[1]), sys.argv[2:]
	cmds, cur = [], []
	for a in rest:
	    if a == "--":
	        cmds.append(cur); cur = []
	    else:
	        cur.append(a)
	cmds.append(cur)
	devnull = open(os.devnull, "w")
	def once(c):
	    t0 = time.perf_counter()
	    subprocess.run(c[1:], cwd=c[0], stdout=devnull, stderr=devnull,
	                   check=True)
	    return time.perf_counter() - t0
	for _ in range(5):
	    for c in cmds:
	        once(c)
	times = [[] for c in cmds]
	for _ in range(runs):
	    for i, c in enumerate(cmds):
	        times[i].append(once(c))
	print(" ".join("%.2f" % (1000 * sorted(t)[len(t) // 2]) for t in times))
	EOP
}

set -- $(median_ms "$ws/src" sh -c "echo hi" -- \
	"$ws" "$MLW" job create -f job.yml --wait -q) ||
	perf_die "mlw job create"
bare=$1 mlw=$2
git=$(median_ms "$ws/gitws" "$MLW" --mlw-dir "$ws/.mlw" job create \
	-f job.yml --wait -q) || perf_die "mlw job create (git)"
metric=$(median_ms "$ws" "$MLW" job create -f metric.yml --wait -q) ||
	perf_die "mlw job create (mlw log metric)"

echo "#   load average: $(cut -d' ' -f1-3 /proc/loadavg)"
perf_info "bare 'sh -c \"echo hi\"' (median)" "$bare" ms
perf_result "job create --wait, 100 files (median)" "$mlw" "<" 20 ms
perf_info "  overhead over the bare command" \
	"$(perf_calc "$mlw - $bare")" ms
perf_info "  the same, code in a git repository" "$git" ms
perf_info "  command 'mlw log metric' (in-process)" "$metric" ms
perf_done

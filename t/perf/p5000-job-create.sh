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
median_ms () {
	/usr/bin/python3 - "$runs" "$@" <<-\EOP
	import os, subprocess, sys, time
	runs, cwd, argv = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
	devnull = open(os.devnull, "w")
	def once():
	    t0 = time.perf_counter()
	    subprocess.run(argv, cwd=cwd, stdout=devnull, stderr=devnull,
	                   check=True)
	    return time.perf_counter() - t0
	for _ in range(5):
	    once()
	t = sorted(once() for _ in range(runs))
	print("%.2f" % (1000 * t[len(t) // 2]))
	EOP
}

bare=$(median_ms "$ws/src" sh -c "echo hi") || perf_die "bare run"
mlw=$(median_ms "$ws" "$MLW" job create -f job.yml --wait -q) ||
	perf_die "mlw job create"
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

#!/bin/sh
# p7000-pipeline-reuse - a pipeline of 50 trivial steps (5 layers of 10,
# each step reading one output of the layer before it), run by 'mlw job
# create --wait': the first run (every step a job of its own, as many at
# once as there are CPUs) and a second with nothing changed (every step
# reused).  Side by side, the same 50 steps as a Makefile run by
# 'make -j CPUS': its first run and its no-op pass, the floor for a no-op
# rerun.
#
# Targets (the issue): the first run under 1 s, the no-op rerun under
# 200 ms with every step reused.  Runs PERF_RUNS times (default 5) on
# fresh workspaces; the medians are reported.
. t/perf/perf-lib.sh
perf_setup "$@"
perf_need /usr/bin/python3 make

runs=${PERF_RUNS:-5}
cpus=$(nproc)

# the pipeline and the Makefile of the same graph
/usr/bin/python3 - "$PERF_TMP" <<-\EOP || perf_die "generating the specs"
import sys
d = sys.argv[1]
spec = ["type: pipeline", "jobs:"]
mk = ["all:" + "".join(" out/s%d" % i for i in range(40, 50)), ""]
for i in range(50):
    layer = i // 10
    spec += ["  s%d:" % i,
             "    command: echo %d >${{outputs.o}}/f" % i,
             "    environment: azureml:env@latest"]
    dep = ""
    if layer:
        src = (layer - 1) * 10 + i % 10
        spec += ["    inputs:",
                 "      i: ${{parent.jobs.s%d.outputs.o}}" % src]
        dep = " out/s%d" % src
    spec += ["    outputs:", "      o:"]
    mk += ["out/s%d:%s" % (i, dep), "\t@mkdir -p out && echo %d >$@" % i, ""]
open(d + "/pipeline.yml", "w").write("\n".join(spec) + "\n")
open(d + "/Makefile", "w").write("\n".join(mk))
EOP

# wall seconds of a command in a folder
wall () {
	_d=$1
	shift
	_t0=$(perf_now)
	(cd "$_d" && "$@" >/dev/null 2>&1) || perf_die "'$*' failed in $_d"
	_t1=$(perf_now)
	echo "$_t0 $_t1" | awk '{ printf "%.4f\n", $2 - $1 }'
}

load0=$(cut -d' ' -f1-3 /proc/loadavg)
: >"$PERF_TMP/first" ; : >"$PERF_TMP/again"
: >"$PERF_TMP/make1" ; : >"$PERF_TMP/make2"
i=0
while test $i -lt "$runs"; do
	ws=$PERF_TMP/ws$i mk=$PERF_TMP/mk$i
	mkdir -p "$ws" "$mk" &&
	cp "$PERF_TMP/pipeline.yml" "$ws/" &&
	cp "$PERF_TMP/Makefile" "$mk/" || perf_die "setup"
	(cd "$ws" && "$MLW" -q init) || perf_die "init"
	wall "$ws" "$MLW" -q job create -f pipeline.yml --wait >>"$PERF_TMP/first"
	wall "$ws" "$MLW" -q job create -f pipeline.yml --wait --name again \
		>>"$PERF_TMP/again"
	wall "$mk" make -s -j"$cpus" >>"$PERF_TMP/make1"
	wall "$mk" make -s -j"$cpus" >>"$PERF_TMP/make2"
	i=$((i + 1))
done
# every step of the second run was reused
reused=$("$MLW" -C "$PERF_TMP/ws0" job show again -o json |
	/usr/bin/python3 -c 'import json, sys
print(sum(1 for s in json.load(sys.stdin)["graph"]["steps"] if s["reused_from"]))') ||
	perf_die "job show"

first=$(perf_median <"$PERF_TMP/first")
again=$(perf_median <"$PERF_TMP/again")
make1=$(perf_median <"$PERF_TMP/make1")
make2=$(perf_median <"$PERF_TMP/make2")
echo "#   first runs: $(tr '\n' ' ' <"$PERF_TMP/first")s"
echo "#   no-op reruns: $(tr '\n' ' ' <"$PERF_TMP/again")s"
echo "#   make first runs: $(tr '\n' ' ' <"$PERF_TMP/make1")s"
echo "#   load average: $load0 before, $(cut -d' ' -f1-3 /proc/loadavg) after, $cpus CPUs"
perf_result "50 steps, first run (median)" "$(perf_calc "$first * 1000")" \
	"<" 1000 ms
perf_result "50 steps, nothing changed (median)" \
	"$(perf_calc "$again * 1000")" "<" 200 ms
perf_result "steps reused in the rerun" "$reused" ">" 50 steps
perf_info "make -j$cpus, the same 50 steps, first run" \
	"$(perf_calc "$make1 * 1000")" ms
perf_info "make -j$cpus, no-op pass" "$(perf_calc "$make2 * 1000")" ms
perf_info "first run: mlw / make" "$(perf_calc "$first / $make1")" x
perf_info "no-op rerun: mlw / make" "$(perf_calc "$again / $make2")" x
perf_done

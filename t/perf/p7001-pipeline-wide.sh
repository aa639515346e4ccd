#!/bin/sh
# p7001-pipeline-wide - 20 independent steps each sleeping 0.5 s: the
# pipeline runs as many at once as there are CPUs, so it should take
# about 20 x 0.5 s / CPUs.  Side by side, the same 20 sleeps as a
# Makefile under 'make -j CPUS'.
#
# Target (the issue): within 25 % (plus 0.3 s of start-up) of 20 x 0.5 /
# CPUs.  PERF_RUNS (default 3) runs; the medians are reported.
. t/perf/perf-lib.sh
perf_setup "$@"
perf_need /usr/bin/python3 make

runs=${PERF_RUNS:-3}
cpus=$(nproc)

/usr/bin/python3 - "$PERF_TMP" <<-\EOP || perf_die "generating the specs"
import sys
d = sys.argv[1]
spec = ["type: pipeline", "jobs:"]
mk = ["all:" + "".join(" s%d" % i for i in range(20)), ""]
for i in range(20):
    spec += ["  s%d:" % i, "    command: sleep 0.5",
             "    environment: azureml:env@latest"]
    mk += ["s%d:" % i, "\t@sleep 0.5", ""]
spec += ["settings:", "  force_rerun: true"]
open(d + "/pipeline.yml", "w").write("\n".join(spec) + "\n")
open(d + "/Makefile", "w").write(".PHONY: all" + "".join(" s%d" % i for i in range(20)) + "\n" + "\n".join(mk))
EOP

mkdir -p "$PERF_TMP/ws" && cp "$PERF_TMP/pipeline.yml" "$PERF_TMP/ws/" &&
	(cd "$PERF_TMP/ws" && "$MLW" -q init) || perf_die "setup"

wall () {
	_d=$1
	shift
	_t0=$(perf_now)
	(cd "$_d" && "$@" >/dev/null 2>&1) || perf_die "'$*' failed in $_d"
	_t1=$(perf_now)
	echo "$_t0 $_t1" | awk '{ printf "%.4f\n", $2 - $1 }'
}

: >"$PERF_TMP/mlw" ; : >"$PERF_TMP/make"
i=0
while test $i -lt "$runs"; do
	wall "$PERF_TMP/ws" "$MLW" -q job create -f pipeline.yml --wait \
		>>"$PERF_TMP/mlw"
	wall "$PERF_TMP" make -s -j"$cpus" >>"$PERF_TMP/make"
	i=$((i + 1))
done
mlw_s=$(perf_median <"$PERF_TMP/mlw")
make_s=$(perf_median <"$PERF_TMP/make")
ideal=$(perf_calc "20 * 0.5 / $cpus")
echo "#   runs: $(tr '\n' ' ' <"$PERF_TMP/mlw")s"
echo "#   load average: $(cut -d' ' -f1-3 /proc/loadavg), $cpus CPUs"
perf_info "ideal: 20 x 0.5 s / $cpus CPUs" "$ideal" s
perf_result "20 wide steps of 0.5 s (median)" "$mlw_s" "<" \
	"$(perf_calc "$ideal * 1.25 + 0.3")" s
perf_info "make -j$cpus, the same 20 sleeps" "$make_s" s
perf_info "mlw / make" "$(perf_calc "$mlw_s / $make_s")" x
perf_done

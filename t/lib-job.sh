# lib-job.sh - helpers for tests that wait on runs.  Source it after
# test-lib.sh.

# until_true CONDITION: wait until the shell condition holds, polling every
# 50 ms; fail (naming it) after 60 s rather than hang
until_true () {
	tries=0
	until eval "$1"
	do
		tries=$((tries + 1))
		if test $tries -ge 1200; then
			echo >&2 "still not true after 60 s: $1"
			return 1
		fi
		sleep 0.05
	done
}

# wait_status NAME STATUS: until job NAME has STATUS (at most 60 s)
wait_status () {
	until_true "test \"\$(mlw job show $1 --query status -o tsv)\" = $2"
}

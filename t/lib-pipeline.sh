# lib-pipeline.sh - helpers for the pipeline tests.  Source it after
# test-lib.sh.  They read 'mlw job show PIPE -o json' (its graph).

# step_field PIPE STEP FIELD: FIELD of STEP in PIPE's graph (None: null)
step_field () {
	mlw job show "$1" -o json >show.json &&
	/usr/bin/python3 -c '
import json, sys
g = json.load(open("show.json"))["graph"]["steps"]
print([s[sys.argv[2]] for s in g if s["name"] == sys.argv[1]][0])' "$2" "$3"
}

# steps_ran PIPE: the steps of PIPE that ran (were not reused), sorted
steps_ran () {
	mlw job show "$1" -o json >show.json &&
	/usr/bin/python3 -c '
import json
g = json.load(open("show.json"))["graph"]["steps"]
print(" ".join(sorted(s["name"] for s in g if not s["reused_from"])))'
}

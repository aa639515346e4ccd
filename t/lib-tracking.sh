# lib-tracking.sh - helpers of the MLflow tracking API tests (t56*):
# requests with curl, MLflow's error codes, response shapes.

command -v curl >/dev/null && test_set_prereq CURL

# api METHOD PATH [BODY]: the answer in out.json, its status in status
api () {
	if test $# -ge 3; then
		curl -s -o out.json -w "%{http_code}" -X "$1" \
			-H "Content-Type: application/json" \
			--data-binary "$3" "$URL$2" >status
	else
		curl -s -o out.json -w "%{http_code}" -X "$1" "$URL$2" >status
	fi
}

# expect STATUS [ERROR_CODE]: the last answer's status and MLflow error
expect () {
	if test "$(cat status)" != "$1"; then
		echo "status $(cat status), expected $1: $(cat out.json)" >&2
		return 1
	fi
	if test -n "$2"; then
		test "$(test_json_get out.json "[\"error_code\"]")" = "$2" || {
			cat out.json >&2
			return 1
		}
	fi
}

# shape EXPECTED: out.json has EXPECTED's keys, and values of its types
# (lists: every item as EXPECTED's first; [] a list, maybe empty),
# field by field
shape () {
	printf "%s" "$1" >shape.json &&
	/usr/bin/python3 - shape.json out.json <<-\PY
	import json, sys
	want = json.load(open(sys.argv[1])); got = json.load(open(sys.argv[2]))
	def same(w, g, path):
	    if isinstance(w, dict):
	        if not isinstance(g, dict) or set(w) != set(g):
	            sys.exit("%s: keys %s, documented %s" % (path, sorted(g) if isinstance(g, dict) else g, sorted(w)))
	        for k in w: same(w[k], g[k], path + "." + k)
	    elif isinstance(w, list):
	        if not isinstance(g, list) or (w and not g):
	            sys.exit("%s: %r is not a non-empty list" % (path, g))
	        for i, x in enumerate(g if w else []): same(w[0], x, "%s[%d]" % (path, i))
	    elif type(w) is not type(g) and not (isinstance(w, float) and type(g) in (int, str)):
	        sys.exit("%s: %r is not a %s" % (path, g, type(w).__name__))
	same(want, got, "")
	PY
}

# start_server: a workspace here and its server, in the foreground of a
# background shell with its stderr in server.err (where a sanitizer
# build reports); URL set, stopped at exit if no test stopped it
start_server () {
	mlw init -q . &&
	(mlw tracking serve --port 0 >url 2>server.err &) &&
	tries=0 &&
	until test -s url && test -s .mlw/tracking
	do
		tries=$((tries + 1)) &&
		test $tries -lt 1200 || return 1
		sleep 0.05
	done &&
	SERVER_PID=$(cut -d" " -f2 .mlw/tracking) &&
	URL=$(cat url)/api/2.0/mlflow &&
	trap "mlw -C \"$TRASH_DIRECTORY\" tracking stop >/dev/null 2>&1" EXIT &&
	test_grep "^http://127.0.0.1:[0-9]*$" url
}

# stop_server: stop it, wait for it to exit, and find nothing in its
# stderr but its greeting (a sanitizer's report fails)
stop_server () {
	mlw tracking stop &&
	tries=0 &&
	while test -d /proc/$SERVER_PID
	do
		tries=$((tries + 1)) &&
		test $tries -lt 1200 || return 1
		sleep 0.05
	done &&
	if grep -v "^mlw: MLflow tracking API on" server.err
	then
		echo "the server said more than its greeting" >&2
		return 1
	fi
}

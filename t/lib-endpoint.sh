# lib-endpoint.sh - helpers for the endpoint tests (t8*).  Source it after
# test-lib.sh.

DATA=$MLW_BUILD_DIR/share/datasets

command -v curl >/dev/null && test_set_prereq CURL

# serve NAME [OPTIONS]: serve NAME in the background on a free port;
# $URL is its base URL
serve () {
	URL=$(mlw endpoint serve "$@" --port 0 --detach -q) &&
	test -n "$URL"
}

# stop_serving NAME: stop it if it runs (for cleanups)
stop_serving () {
	mlw endpoint stop "$1" -q 2>/dev/null || :
}

# key NAME [primaryKey|secondaryKey]: an endpoint's key
key () {
	mlw endpoint get-credentials "$1" --query "${2:-primaryKey}" -o tsv
}

# post PATH BODY-FILE [CURL-ARGS...]: POST with the key in $KEY; the
# body of the answer in 'body', its status in 'status', headers in
# 'headers'
post () {
	_path=$1 _file=$2
	shift 2
	curl -s -o body -D headers -w '%{http_code}' \
		-H "Authorization: Bearer $KEY" \
		-H 'Content-Type: application/json' "$@" \
		--data-binary "@$_file" "$URL$_path" >status
}

# answer_lines FILE: a JSON list (or {"predictions": [...]}) of scalars,
# one per line, as written (strings without their quotes)
answer_lines () {
	{ cat "$1"; echo; } |
	sed -e 's/^{"predictions":\[//' -e 's/\]}$//' -e 's/^\[//' -e 's/\]$//' |
	tr ',' '\n' | sed -e 's/^"\(.*\)"$/\1/' -e '/^$/d'
}

# to_payload FORM CSV [DROP-COLUMN]: a request for the rows of CSV, typed
# as JSON (numbers, true/false, strings); FORM is split (Azure's
# input_data), dataframe_split, dataframe_records, instances or inputs
to_payload () {
	/usr/bin/python3 - "$@" <<-\PY
	import csv, json, math, sys
	form, path = sys.argv[1], sys.argv[2]
	drop = sys.argv[3] if len(sys.argv) > 3 else None
	rows = list(csv.reader(open(path)))
	head, rows = rows[0], rows[1:]
	keep = [i for i, c in enumerate(head) if c != drop]
	def cell(v):
	    if v in ("true", "false"):
	        return v == "true"
	    try:
	        return int(v)
	    except ValueError:
	        pass
	    try:
	        f = float(v)
	        if math.isfinite(f):
	            return f
	    except ValueError:
	        pass
	    return v
	cols = [head[i] for i in keep]
	data = [[cell(r[i]) for i in keep] for r in rows]
	if form == "split":
	    doc = {"input_data": {"columns": cols, "index": list(range(len(data))), "data": data}}
	elif form == "dataframe_split":
	    doc = {"dataframe_split": {"columns": cols, "data": data}}
	elif form == "dataframe_records":
	    doc = {"dataframe_records": [dict(zip(cols, r)) for r in data]}
	elif form == "instances":
	    doc = {"instances": [dict(zip(cols, r)) for r in data]}
	elif form == "inputs":
	    doc = {"inputs": {c: [r[j] for r in data] for j, c in enumerate(cols)}}
	print(json.dumps(doc))
	PY
}

# predictions CSV-OF-MLW-MODEL-SCORE: its prediction column
predictions () {
	awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "prediction") c = i; next }
		 { print $c }' "$1"
}

# load URL KEY BODY-FILE STOP OUT [THREADS]: POST BODY-FILE to URL/score
# from THREADS keep-alive connections for STOP seconds (a number) or
# until the file STOP exists (and at most 120 s), then write to OUT one
# line per answer: "STATUS DEPLOYMENT"
load () {
	/usr/bin/python3 - "$@" <<-\PY
	import http.client, os, sys, threading, time
	url, key, body_file, stop, out = sys.argv[1:6]
	threads = int(sys.argv[6]) if len(sys.argv) > 6 else 4
	host, port = url.split("//")[1].split(":")
	body = open(body_file, "rb").read()
	deadline = time.time() + (int(stop) if stop.isdigit() else 120)
	def done():
	    return time.time() > deadline or os.path.exists(stop)
	results = []
	lock = threading.Lock()
	def worker():
	    conn = None
	    mine = []
	    while not done():
	        try:
	            if conn is None:
	                conn = http.client.HTTPConnection(host, int(port), timeout=30)
	            conn.request("POST", "/score", body, {
	                "Authorization": "Bearer " + key,
	                "Content-Type": "application/json"})
	            r = conn.getresponse()
	            r.read()
	            mine.append("%d %s" % (r.status,
	                r.getheader("azureml-model-deployment") or "-"))
	        except Exception as e:
	            mine.append("000 %s" % type(e).__name__)
	            conn = None
	    with lock:
	        results.extend(mine)
	ts = [threading.Thread(target=worker) for _ in range(threads)]
	for t in ts:
	    t.start()
	for t in ts:
	    t.join()
	open(out, "w").write("".join(r + "\n" for r in results))
	PY
}

# start_load ARGS...: load ARGS in the background; $load_pid is its pid
start_load () {
	load "$@" &
	load_pid=$!
}

#!/bin/sh
# p5600-tracking - the MLflow tracking API ('mlw tracking serve') against
# SQLite itself doing the same work, side by side in one run.
#
# The peer people run is 'mlflow server' with SQLite; it is not packaged
# by Debian and cannot be installed here (no PyPI), so the reference is
# SQLite itself (Python's sqlite3 module, WAL, synchronous=NORMAL as
# mlw's catalog) doing the inserts and the query the server does, in
# the same process as the timing: the floor under any server on SQLite.
#
# 1. runs/log-batch of 1,000 metrics, one keep-alive client, $PERF_BATCHES
#    (200) batches: the median server time (its --access-log: from the
#    request's headers to its answer), the request time seen by the
#    client, and the server's CPU time a batch (from /proc).  Target
#    (issue 16): server time under 5 ms.  Peer: 1,000
#    INSERTs in one transaction into a table shaped as mlw's points.
#    The body is the plain shape clients send, which the server reads
#    without a JSON tree (lib/tracking/batch.c); then 50 of the same
#    with a \u escape, which jansson reads (the path of any other body).
# 2. 100 clients logging batches of 1,000 at once for $PERF_SECS (5) s:
#    metric points a second, counted back from the catalog afterwards
#    (durable: committed).  Target: at least 50,000.  Peer: one writer
#    committing the same batches for the same time.
# 3. runs/search over 100,000 runs (written straight into the catalog
#    with the sqlite3 CLI, as p5002 does: creating them through the API
#    would measure something else) with a metric filter and an order:
#    "metrics.rmse < 0.5", order_by "metrics.rmse ASC", 100 results; best
#    of 10.  Target: under 100 ms.  Peer: the same SELECT in sqlite3.
#
# PERF_RUNS, PERF_BATCHES, PERF_SECS override the sizes.
. t/perf/perf-lib.sh
perf_setup "$@"
perf_need sqlite3 /usr/bin/python3

nruns=${PERF_RUNS:-100000}
batches=${PERF_BATCHES:-200}
secs=${PERF_SECS:-5}
store=$PERF_TMP/store
db=$store/.mlw/mlw.db

echo "# load: $(uptime | sed 's/.*load/load/')"
mkdir "$store" && (cd "$store" && "$MLW" -q init .) ||
	perf_die "cannot make a store"
# the tables made by the server once, then the runs of part 3
"$MLW" -C "$store" tracking serve --port 0 --detach >/dev/null &&
"$MLW" -C "$store" tracking stop >/dev/null ||
	perf_die "the server did not start"
sqlite3 "$db" "
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n
	WHERE i < $nruns)
INSERT INTO runs (name, experiment, experiment_id, type, status, created,
	running, ended, compute)
SELECT printf('run_%07d', i), 'Default', 0, 'tracking', 'Completed',
	1.7e9 + i * 10.0, 1.7e9 + i * 10.0, 1.7e9 + i * 10.0 + 6, 'local'
FROM n;
INSERT OR IGNORE INTO metric_keys (name) VALUES ('rmse'), ('r2');
INSERT INTO run_metrics_last (run, key, step, value, time, seq)
	SELECT id, 'rmse', 99, abs(random() % 1000000) / 1e6, created + 5, 99
	FROM runs;
INSERT INTO run_metrics_last (run, key, step, value, time, seq)
	SELECT id, 'r2', 99, abs(random() % 1000000) / 1e6, created + 5, 99
	FROM runs;
COMMIT;" || perf_die "cannot populate the catalog"
test "$(sqlite3 "$db" "SELECT count(*) FROM runs")" = "$nruns" ||
	perf_die "the catalog does not hold $nruns runs"

"$MLW" -C "$store" tracking serve --port 0 --detach -o json \
	--access-log "$PERF_TMP/access.log" >"$PERF_TMP/srv.json" ||
	perf_die "the server did not start"
trap '"$MLW" -C "$store" tracking stop >/dev/null 2>&1; perf_cleanup' EXIT

cat >"$PERF_TMP/bench.py" <<\EOF
import http.client, json, os, sqlite3, statistics, sys, threading, time
import urllib.parse

srv = json.load(open(sys.argv[1]))
url = urllib.parse.urlsplit(srv["url"])
pid, db, peer_db = srv["pid"], sys.argv[2], sys.argv[3]
nbatches, secs = int(sys.argv[4]), float(sys.argv[5])
API = "/api/2.0/mlflow/"

def conn():
    return http.client.HTTPConnection(url.hostname, url.port, timeout=120)

def call(c, route, body):
    c.request("POST", API + route, json.dumps(body) if isinstance(body, dict)
              else body, {"Content-Type": "application/json"})
    r = c.getresponse()
    data = r.read()
    if r.status != 200:
        sys.exit("%s: %d %s" % (route, r.status, data[:300]))
    return json.loads(data)

def batch(run, base):
    ts = int(time.time() * 1000)
    return json.dumps({"run_id": run, "metrics": [
        {"key": "m%d" % (i % 10), "value": i * 0.5, "timestamp": ts,
         "step": base + i // 10} for i in range(1000)]}).encode()

def cpu_s():
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")

def new_run(c):
    return call(c, "runs/create", {"experiment_id": "0"})["run"]["info"]["run_id"]

def points(run):
    d = sqlite3.connect(db)
    n = d.execute("SELECT count(*) FROM run_metric_points WHERE run ="
                  " (SELECT id FROM runs WHERE name = ?)", (run,)).fetchone()[0]
    d.close()
    return n

out = {}
# 1. one client, batches of 1,000
c = conn()
run = new_run(c)
bodies = [batch(run, k * 100) for k in range(nbatches)]
call(c, "runs/log-batch", batch(run, 10 ** 7))     # warm up
times, cpu0 = [], cpu_s()
for b in bodies:
    t0 = time.perf_counter()
    call(c, "runs/log-batch", b)
    times.append(time.perf_counter() - t0)
out["batch_cpu_ms"] = (cpu_s() - cpu0) / nbatches * 1000
out["batch_median_ms"] = statistics.median(times) * 1000
out["batch_p90_ms"] = sorted(times)[int(len(times) * 0.9)] * 1000
if points(run) != 1000 * (nbatches + 1):
    sys.exit("part 1: %d points stored" % points(run))
# 1b. the same batches with one \u escape: read by jansson, as before
# batch.c (the server's times from its access log)
for b in bodies[:50]:
    call(c, "runs/log-batch", b.replace(b'"run_id"', b'"run\\u005fid"', 1))
if points(run) != 1000 * (nbatches + 51):
    sys.exit("part 1b: %d points stored" % points(run))

# the peer: the same inserts, one transaction a batch
p = sqlite3.connect(peer_db, isolation_level=None)
p.execute("PRAGMA journal_mode=WAL")
p.execute("PRAGMA synchronous=NORMAL")
p.execute("CREATE TABLE points (run INTEGER NOT NULL, key INTEGER NOT NULL,"
          " step INTEGER NOT NULL, seq INTEGER NOT NULL, value REAL,"
          " time REAL NOT NULL, PRIMARY KEY (run, key, step, seq))"
          " WITHOUT ROWID")
def peer_batch(k):
    ts = time.time()
    p.execute("BEGIN")
    p.executemany("INSERT INTO points VALUES (1, ?, ?, 0, ?, ?)",
                  [(i % 10, k * 100 + i // 10, i * 0.5, ts)
                   for i in range(1000)])
    p.execute("COMMIT")
ptimes = []
for k in range(nbatches):
    t0 = time.perf_counter()
    peer_batch(k)
    ptimes.append(time.perf_counter() - t0)
out["peer_batch_median_ms"] = statistics.median(ptimes) * 1000

# 2. 100 clients at once
runs = [new_run(c) for _ in range(100)]
sent = [0] * 100
stop = time.time() + 3600
go = threading.Barrier(101)
def client(i):
    cc = conn()
    bs = [batch(runs[i], k * 100) for k in range(20)]
    go.wait()
    k = 0
    while time.time() < stop:
        call(cc, "runs/log-batch", bs[k % 20])
        sent[i] += 1000
        k += 1
threads = [threading.Thread(target=client, args=(i,)) for i in range(100)]
for t in threads: t.start()
stop = time.time() + 3600
go.wait()
t0 = time.time()
stop = t0 + secs
for t in threads: t.join()
took = time.time() - t0
stored = sum(points(r) for r in runs)
if stored != sum(sent):
    sys.exit("part 2: %d points sent, %d stored" % (sum(sent), stored))
out["clients_points_per_s"] = stored / took
out["clients_points"] = stored
k, t0 = 0, time.time()
while time.time() < t0 + secs:
    peer_batch(100000 + k)
    k += 1
out["peer_points_per_s"] = k * 1000 / (time.time() - t0)

# 3. runs/search over the runs in the catalog
q = {"experiment_ids": ["0"], "filter": "metrics.rmse < 0.5",
     "order_by": ["metrics.rmse ASC"], "max_results": 100}
st = []
c = conn()      # a new connection: the server closed the idle one
for _ in range(10):
    t0 = time.perf_counter()
    r = call(c, "runs/search", q)
    st.append(time.perf_counter() - t0)
names = [x["info"]["run_id"] for x in r["runs"]]
d = sqlite3.connect(db)
sql = ("SELECT r.name FROM runs r JOIN run_metrics_last m ON m.run = r.id"
       " AND m.key = 'rmse' WHERE r.experiment_id = 0 AND r.archived = 0"
       " AND m.value < 0.5 ORDER BY m.value ASC, r.created DESC LIMIT 100")
qt = []
for _ in range(10):
    t0 = time.perf_counter()
    want = [x[0] for x in d.execute(sql)]
    qt.append(time.perf_counter() - t0)
if names != want:
    sys.exit("part 3: runs/search gave other runs than the SELECT")
out["search_best_ms"] = min(st) * 1000
out["search_median_ms"] = statistics.median(st) * 1000
out["peer_search_best_ms"] = min(qt) * 1000
json.dump(out, sys.stdout)
EOF

/usr/bin/python3 "$PERF_TMP/bench.py" "$PERF_TMP/srv.json" "$db" \
	"$PERF_TMP/peer.db" "$batches" "$secs" >"$PERF_TMP/out.json" ||
	perf_die "the benchmark failed"
# the server's own time for the part-1 batches (its access log, in µs):
# the first $batches + 1 log-batch requests, less the warm-up
server_ms=$(awk -F'\t' -v n="$batches" '$4 ~ /runs\/log-batch$/ && ++k > 1 &&
	k <= n + 1 { print $6 / 1000 }' "$PERF_TMP/access.log" | perf_median)
jansson_ms=$(awk -F'\t' -v n="$batches" '$4 ~ /runs\/log-batch$/ && ++k > n + 1 &&
	k <= n + 51 { print $6 / 1000 }' "$PERF_TMP/access.log" | perf_median)
get () {
	/usr/bin/python3 -c "import json, sys
print('%.6g' % json.load(open(sys.argv[1]))[sys.argv[2]])" \
		"$PERF_TMP/out.json" "$1"
}

perf_info "load average at the end" "$(cut -d' ' -f1-3 /proc/loadavg)"
perf_info "log-batch 1,000: SQLite's inserts, median" \
	"$(get peer_batch_median_ms)" ms
perf_info "log-batch 1,000: server CPU a batch" "$(get batch_cpu_ms)" ms
perf_info "log-batch 1,000: request p90" "$(get batch_p90_ms)" ms
perf_info "log-batch 1,000: request median (client)" \
	"$(get batch_median_ms)" ms
perf_result "log-batch 1,000: server time, median" "$server_ms" '<' 5 ms
perf_info "log-batch 1,000 read by jansson: server time, median" \
	"$jansson_ms" ms
perf_info "log-batch 1,000: server time / SQLite's inserts" \
	"$(awk -v a="$server_ms" -v b="$(get peer_batch_median_ms)" \
		'BEGIN { printf "%.2f", a / b }')" x
perf_info "100 clients: points stored" "$(get clients_points)"
perf_info "SQLite, one writer: points/s" "$(get peer_points_per_s)"
perf_result "100 clients: durable points/s" \
	"$(get clients_points_per_s)" '>' 50000 /s
perf_info "100 clients / SQLite's one writer" \
	"$(awk -v a="$(get clients_points_per_s)" \
		-v b="$(get peer_points_per_s)" 'BEGIN { printf "%.2f", a / b }')" x
perf_info "runs in the catalog" "$nruns"
perf_info "runs/search: sqlite3 SELECT, best" \
	"$(get peer_search_best_ms)" ms
perf_info "runs/search: median of 10" "$(get search_median_ms)" ms
perf_result "runs/search metric filter + order, best" \
	"$(get search_best_ms)" '<' 100 ms
perf_done

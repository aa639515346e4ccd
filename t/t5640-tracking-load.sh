#!/bin/sh
test_description='mlw tracking serve under load: a 100 MB upload in bounded memory, 1,000 concurrent clients'
. ./test-lib.sh

. "$TEST_DIRECTORY"/lib-tracking.sh

test -x /usr/bin/python3 && test_set_prereq PYTHON3

# the server's peak resident memory, in kB
peak_kb () {
	sed -n "s/^VmHWM:[ 	]*\([0-9]*\) kB/\1/p" /proc/$PID/status
}

test_expect_success CURL,PYTHON3 'setup: a server and a run' '
	start_server &&
	PID=$SERVER_PID &&
	api POST /runs/create "{\"experiment_id\": \"0\"}" && expect 200 &&
	RUN=$(test_json_get out.json "[\"run\"][\"info\"][\"run_id\"]")
'

test_expect_success CURL,PYTHON3 'a 100 MB artifact is streamed to the store: the server stays small' '
	/usr/bin/python3 -c "
import hashlib, sys
with open(\"big.bin\", \"wb\") as f:
    block = hashlib.sha512(b\"x\").digest() * 16384
    for i in range(100):
        f.write(bytes([i]) + block[1:])
" &&
	test $(wc -c <big.bin) -eq 104857600 &&
	before=$(peak_kb) &&
	ROOT=$(cat url)/api/2.0/mlflow-artifacts/artifacts &&
	curl -sf -X PUT -T big.bin "$ROOT/0/$RUN/artifacts/data/big.bin" >put.json &&
	after=$(peak_kb) &&
	echo "peak RSS before $before kB, after $after kB" &&
	test $((after - before)) -lt 32768 &&
	curl -sf -o back.bin "$ROOT/0/$RUN/artifacts/data/big.bin" &&
	cmp big.bin back.bin &&
	rm -f back.bin &&
	mlw job show "$RUN" -o json >show.json &&
	test_grep "data/big.bin" show.json
'

test_expect_success CURL,PYTHON3 '1,000 concurrent clients: no error, no lost point, in bounded time' '
	cat >clients.py <<-\EOT &&
	import http.client, json, sys, threading, time, urllib.parse
	url = urllib.parse.urlsplit(sys.argv[1]); run = sys.argv[2]
	N, POINTS = 1000, 10
	errors = []; go = threading.Barrier(N)
	def client(i):
	    try:
	        c = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
	        go.wait()
	        for step in range(POINTS):
	            body = json.dumps({"run_id": run, "key": "c%d" % (i % 50),
	                               "value": i * 1000 + step,
	                               "timestamp": int(time.time() * 1000),
	                               "step": (i // 50) * POINTS + step})
	            c.request("POST", "/api/2.0/mlflow/runs/log-metric", body,
	                      {"Content-Type": "application/json"})
	            r = c.getresponse(); data = r.read()
	            if r.status != 200:
	                errors.append((i, r.status, data[:200]))
	        c.close()
	    except Exception as e:
	        errors.append((i, repr(e)))
	start = time.time()
	threads = [threading.Thread(target=client, args=(i,)) for i in range(N)]
	for t in threads: t.start()
	for t in threads: t.join()
	took = time.time() - start
	print("%d clients, %d points, %.1f s, errors %d" % (N, N * POINTS, took, len(errors)))
	for e in errors[:5]: print(e)
	sys.exit(1 if errors or took > 300 else 0)
	EOT
	/usr/bin/python3 clients.py "$(cat url)" "$RUN" >clients.log &&
	cat clients.log &&
	for k in 0 17 49
	do
		api GET "/metrics/get-history?run_id=$RUN&metric_key=c$k&max_results=25000" &&
		expect 200 &&
		/usr/bin/python3 -c "
import json, sys
m = json.load(open(\"out.json\"))[\"metrics\"]
want = sorted(i * 1000 + s for i in range($k, 1000, 50) for s in range(10))
got = sorted(int(p[\"value\"]) for p in m)
sys.exit(0 if got == want else \"c$k: %d points, %d wanted\" % (len(got), len(want)))
" || return 1
	done &&
	stop_server
'

test_done

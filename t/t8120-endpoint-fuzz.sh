#!/bin/sh
test_description='online endpoints: 10,000 random and mutated requests; the server never crashes or leaks'
. ./test-lib.sh
. "$TEST_DIRECTORY"/lib-endpoint.sh

trap 'stop_serving fuzz' EXIT

test_expect_success PYTHON 'setup: a served endpoint with a regression and a classifier' '
	mlw init -q &&
	awk -F, -v OFS=, "NR == 1 { print \$0, \"group\"; next }
		{ print \$0, (NR % 3 ? \"a\" : \"b\") }" \
		"$DATA/diabetes.csv" >diabetes.csv &&
	mlw train ridge --data diabetes.csv --target target --output ridge \
		-q >/dev/null &&
	mlw train logistic --data "$DATA/iris.csv" --target species \
		--output logistic -q >/dev/null &&
	mlw model create -n ridge -p ridge -t mlflow_model -o none &&
	mlw model create -n logistic -p logistic -t mlflow_model -o none &&
	cat >dep.yml <<-\EOF &&
	$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json
	name: blue
	endpoint_name: fuzz
	model: azureml:ridge:1
	instance_type: Standard_DS3_v2
	instance_count: 1
	request_settings:
	  max_concurrent_requests_per_instance: 64
	EOF
	mlw endpoint create -n fuzz -o none &&
	mlw endpoint deployment create -f dep.yml --all-traffic -o none &&
	mlw endpoint deployment create -f dep.yml -n flowers \
		--set model=azureml:logistic:1 -o none &&
	serve fuzz --idle-timeout 1 --max-body 1048576 &&
	KEY=$(key fuzz) &&
	head -n 6 diabetes.csv >rows.csv &&
	for form in split dataframe_split dataframe_records instances inputs; do
		to_payload $form rows.csv target >seed-$form.json || return 1
	done &&
	head -n 6 "$DATA/iris.csv" >iris.csv &&
	to_payload split iris.csv species >seed-iris.json &&
	cut -d, -f1-10,12 rows.csv >seed.csv &&
	post /score seed-split.json &&
	test "$(cat status)" = 200 &&
	cp body answer.before
'

test_expect_success PYTHON '10,000 random and mutated requests are all answered' '
	port=${URL##*:} &&
	/usr/bin/python3 - "$port" "$KEY" seed-*.json seed.csv >report <<-\PY &&
	import random, socket, sys, time
	port, key, seeds = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
	rnd = random.Random(8120)
	bodies = [open(p, "rb").read() for p in seeds]
	tokens = [b"{", b"}", b"[", b"]", b",", b":", b"\"", b"null", b"true",
	          b"1e999", b"-0", b"NaN", b"\"\\u0000\"", b"\"\\ud800\"",
	          b"\xff\xfe", b"\"input_data\"", b"\"columns\"", b"\"data\"",
	          b"9" * 400, b"[" * 5000, b"\"" + b"x" * 70000 + b"\""]
	def mutate(b):
	    b = bytearray(b)
	    for _ in range(rnd.randint(1, 8)):
	        op = rnd.randrange(6)
	        i = rnd.randrange(len(b) + 1)
	        if op == 0 and b:
	            b[min(i, len(b) - 1)] = rnd.randrange(256)
	        elif op == 1:
	            del b[i:i + rnd.randint(1, 40)]
	        elif op == 2:
	            b[i:i] = rnd.choice(tokens)
	        elif op == 3:
	            j = rnd.randrange(len(b) + 1)
	            b[i:i] = b[j:j + rnd.randint(1, 200)]
	        elif op == 4:
	            b = b[:i]
	        else:
	            b[i:i] = bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 30)))
	    return bytes(b)
	paths = [b"/score"] * 6 + [b"/invocations"] * 4 + [b"/", b"/health",
	         b"/swagger.json", b"/nope", b"/score/../score", b"/%00", b"*"]
	types = [b"application/json"] * 6 + [b"text/csv", b"text/csv; charset=utf-8",
	         b"application/json; charset=latin-1", b"text/plain", b"", b"\x01"]
	def request():
	    kind = rnd.randrange(10)
	    body = mutate(rnd.choice(bodies)) if kind < 7 else (
	        bytes(rnd.randrange(256) for _ in range(rnd.randint(0, 300)))
	        if kind < 9 else rnd.choice(bodies))
	    method = rnd.choice([b"POST"] * 8 + [b"GET", b"PUT", b"DELETE", b"BREW"])
	    headers = [b"Host: x"]
	    r = rnd.random()
	    if r < 0.85:
	        headers.append(b"Authorization: Bearer " + key.encode())
	    elif r < 0.93:
	        headers.append(b"Authorization: Bearer " + mutate(key.encode()))
	    ct = rnd.choice(types)
	    if ct:
	        headers.append(b"Content-Type: " + ct)
	    if rnd.random() < 0.2:
	        headers.append(b"azureml-model-deployment: " +
	                       rnd.choice([b"blue", b"flowers", b"purple", b"", b"\xc3("]))
	    if rnd.random() < 0.05:
	        headers.append(mutate(b"X-Odd: value"))
	    if rnd.random() < 0.03:
	        # chunked transfer encoding, possibly broken
	        chunked = b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n"
	        headers.append(b"Transfer-Encoding: chunked")
	        payload = mutate(chunked) if rnd.random() < 0.5 else chunked
	    else:
	        headers.append(b"Content-Length: %d" % len(body))
	        payload = body
	    return (method + b" " + rnd.choice(paths) + b" HTTP/1.1\r\n" +
	            b"\r\n".join(headers) + b"\r\n\r\n" + payload)
	def read_answer(s):
	    data = b""
	    while b"\r\n\r\n" not in data:
	        got = s.recv(65536)
	        if not got:
	            return None
	        data += got
	    head, rest = data.split(b"\r\n\r\n", 1)
	    status = int(head.split(b" ", 2)[1])
	    length = 0
	    close = False
	    for line in head.split(b"\r\n")[1:]:
	        k, _, v = line.partition(b":")
	        if k.strip().lower() == b"content-length":
	            length = int(v)
	        if k.strip().lower() == b"connection" and b"close" in v.lower():
	            close = True
	    while len(rest) < length:
	        got = s.recv(65536)
	        if not got:
	            break
	        rest += got
	    return status, close
	counts = {}
	s = None
	start = time.time()
	for n in range(10000):
	    if s is None:
	        s = socket.create_connection(("127.0.0.1", port), timeout=30)
	    try:
	        s.sendall(request())
	        a = read_answer(s)
	    except (ConnectionResetError, BrokenPipeError):
	        a = None
	    if a is None:
	        counts["closed"] = counts.get("closed", 0) + 1
	        s.close()
	        s = None
	        continue
	    counts[a[0]] = counts.get(a[0], 0) + 1
	    if a[1] or rnd.random() < 0.05:
	        s.close()
	        s = None
	print("requests", n + 1, "seconds", round(time.time() - start, 1))
	for k in sorted(counts, key=str):
	    print("status", k, counts[k])
	PY
	cat report &&
	test_grep "^requests 10000 " report &&
	test_grep "^status 200 " report &&
	test_grep "^status 400 " report &&
	test_grep "^status 401 " report &&
	! grep "^status 5" report
'

test_expect_success CURL 'the server still answers, and answers the same' '
	curl -s -o /dev/null -w "%{http_code}" "$URL/health" >status &&
	test "$(cat status)" = 200 &&
	post /score seed-split.json &&
	test "$(cat status)" = 200 &&
	test_cmp answer.before body
'

test_expect_success 'it stops clean: no crash, no sanitizer report, a clean store' '
	pid=$(cat .mlw/endpoints/fuzz/server.pid) &&
	kill -0 $pid &&
	mlw endpoint stop fuzz -q &&
	! grep -e "Sanitizer" -e "runtime error" -e "LeakSanitizer" \
		.mlw/endpoints/fuzz/server.log &&
	test_grep "server of endpoint .fuzz. stopped" \
		.mlw/endpoints/fuzz/logs/blue.log &&
	mlw fsck -q
'

test_expect_success PYTHON 'killed with -9 mid-request, it serves again on a clean store' '
	serve fuzz &&
	KEY=$(key fuzz) &&
	pid=$(cat .mlw/endpoints/fuzz/server.pid) &&
	rm -f stop &&
	n0=$(sqlite3 .mlw/mlw.db "SELECT count(*) FROM endpoint_requests") &&
	start_load "$URL" "$KEY" seed-split.json stop killed.out 4 &&
	for i in $(seq 1 100); do
		n=$(sqlite3 .mlw/mlw.db "SELECT count(*) FROM endpoint_requests") &&
		test $n -gt $((n0 + 100)) && break
		sleep 0.1
	done &&
	kill -9 $pid &&
	sleep 0.5 &&
	touch stop &&
	wait $load_pid &&
	grep -q "^000 " killed.out &&
	grep -q "^200 " killed.out &&
	for i in $(seq 1 100); do
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
	done &&
	mlw fsck -q &&
	serve fuzz &&
	post /score seed-split.json &&
	test "$(cat status)" = 200 &&
	test_cmp answer.before body &&
	mlw endpoint stop fuzz -q &&
	mlw fsck -q
'

test_done

#!/bin/sh
test_description='online endpoints: serve, the routes, auth, scoring as mlw model score scores, bad input'
. ./test-lib.sh
. "$TEST_DIRECTORY"/lib-endpoint.sh

cleanup () {
	stop_serving diabetes
	stop_serving flowers
}
trap cleanup EXIT

# burst N: N requests of two.json to /score on one connection, with the
# key in $KEY; prints how many were answered 200, and the body's length
burst () {
	/usr/bin/python3 - "${URL##*:}" "$KEY" two.json "$1" <<-\PY
	import http.client, sys
	c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=30)
	body = open(sys.argv[3], "rb").read()
	n = 0
	for i in range(int(sys.argv[4])):
	    c.request("POST", "/score", body, {"Authorization": "Bearer " + sys.argv[2],
	              "Content-Type": "application/json"})
	    r = c.getresponse()
	    r.read()
	    n += r.status == 200
	print(n, len(body))
	PY
}

# logged_in_order N: the requests logged since last.id are in the catalog
# in the order they came, and the log file has N more POST /score lines
logged_in_order () {
	sqlite3 .mlw/mlw.db "SELECT count(*) FROM (SELECT time, lag(time) OVER (ORDER BY id) AS prev FROM endpoint_requests WHERE id > $(cat last.id)) WHERE time < prev" >unordered &&
	echo 0 >expect.unordered &&
	test_cmp expect.unordered unordered &&
	grep -c " POST /score " .mlw/endpoints/diabetes/logs/blue.log >lines.after &&
	test $(( $(cat lines.after) - $(cat lines.before) )) = "$1"
}

test_expect_success 'setup: models of three kinds, an endpoint for each' '
	mlw init -q &&
	awk -F, -v OFS=, "NR == 1 { print \$0, \"group\", \"flag\"; next }
		{ print \$0, (NR % 3 ? \"a\" : \"b\"), (NR % 2 ? \"true\" : \"false\") }" \
		"$DATA/diabetes.csv" >diabetes.csv &&
	mlw train ridge --data diabetes.csv --target target --output ridge \
		-q >/dev/null &&
	mlw train logistic --data "$DATA/iris.csv" --target species \
		--output logistic -q >/dev/null &&
	mlw train kmeans --data "$DATA/iris.csv" --exclude species \
		--output kmeans -q >/dev/null &&
	mlw model create -n ridge -p ridge -t mlflow_model -o none &&
	mlw model create -n logistic -p logistic -t mlflow_model -o none &&
	mlw model create -n kmeans -p kmeans -t mlflow_model -o none &&
	cat >dep.yml <<-\EOF &&
	$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json
	name: blue
	endpoint_name: diabetes
	model: azureml:ridge:1
	instance_type: Standard_DS3_v2
	instance_count: 1
	request_settings:
	  max_concurrent_requests_per_instance: 8
	EOF
	mlw endpoint create -n diabetes -o none &&
	mlw endpoint deployment create -f dep.yml --all-traffic -o none &&
	mlw endpoint create -n flowers -o none &&
	mlw endpoint deployment create -f dep.yml -e flowers -n species \
		--set model=azureml:logistic:1 --all-traffic -o none &&
	mlw endpoint deployment create -f dep.yml -e flowers -n clusters \
		--set model=azureml:kmeans:1 -o none
'

test_expect_success CURL 'serve --detach prints the URL; show has the scoring URI' '
	serve diabetes &&
	KEY=$(key diabetes) &&
	mlw endpoint show diabetes --query scoring_uri -o tsv >uri &&
	echo "$URL/score" >expect &&
	test_cmp expect uri &&
	test -f .mlw/endpoints/diabetes/server.pid &&
	test "$(cat .mlw/endpoints/diabetes/server.pid)" -gt 1
'

test_expect_success CURL 'GET / and /health answer without a key' '
	curl -s -o body -w "%{http_code}" "$URL/" >status &&
	test "$(cat status)" = 200 && test "$(cat body)" = Healthy &&
	curl -s -o body -w "%{http_code}" "$URL/health" >status &&
	test "$(cat status)" = 200
'

test_expect_success CURL,PYTHON 'no key, a wrong key: 401 and nothing more' '
	head -n 3 diabetes.csv >two.csv &&
	to_payload split two.csv target >two.json &&
	curl -s -o body -D headers -w "%{http_code}" --data-binary @two.json \
		"$URL/score" >status &&
	test "$(cat status)" = 401 &&
	grep -qi "^WWW-Authenticate: Bearer" headers &&
	! grep -qi "azureml-model-deployment" headers &&
	KEY=not-the-key post /score two.json &&
	test "$(cat status)" = 401 &&
	KEY=$(key diabetes secondaryKey) post /score two.json &&
	test "$(cat status)" = 200
'

test_expect_success CURL,PYTHON '/score answers what mlw model score writes, byte for byte' '
	to_payload split diabetes.csv target >all.json &&
	post /score all.json &&
	test "$(cat status)" = 200 &&
	grep -qi "^azureml-model-deployment: blue" headers &&
	answer_lines body >served &&
	mlw model score ridge@latest --input diabetes.csv --output scored.csv -q &&
	predictions scored.csv >expect &&
	test $(wc -l <expect) = 442 &&
	test_cmp expect served
'

test_expect_success CURL,SKLEARN '/score answers scikit-learn'"'"'s predictions for the same rows' '
	mlw train ridge --data "$DATA/diabetes.csv" --target target \
		--alpha 0.5 --output plain -q >/dev/null &&
	mlw model create -n plain -p plain -t mlflow_model -o none &&
	mlw endpoint deployment create -f dep.yml -n plain \
		--set model=azureml:plain:1 -o none &&
	to_payload split "$DATA/diabetes.csv" target >plain.json &&
	for i in $(seq 1 40); do
		post /score plain.json -H "azureml-model-deployment: plain" &&
		test "$(cat status)" != 404 && break
		sleep 0.25
	done &&
	test "$(cat status)" = 200 &&
	/usr/bin/python3 - "$DATA/diabetes.csv" body >out <<-\PY &&
	import json, sys
	import numpy as np
	import pandas as pd
	from sklearn.linear_model import Ridge
	df = pd.read_csv(sys.argv[1])
	X, y = df.drop(columns=["target"]), df["target"]
	want = Ridge(alpha=0.5).fit(X, y).predict(X)
	got = np.array(json.load(open(sys.argv[2])))
	assert got.shape == want.shape, (got.shape, want.shape)
	assert np.allclose(got, want, rtol=1e-9, atol=1e-9), abs(got - want).max()
	print("ok", len(got))
	PY
	test_grep "^ok 442$" out
'

test_expect_success PYTHON 'keep-alive: one connection answers many requests' '
	port=${URL##*:} &&
	/usr/bin/python3 - "$port" "$KEY" two.json >answer <<-\PY &&
	import http.client, sys
	c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=30)
	body = open(sys.argv[3], "rb").read()
	socks, statuses = set(), []
	for i in range(50):
	    c.request("POST", "/score", body, {"Authorization": "Bearer " + sys.argv[2],
	              "Content-Type": "application/json"})
	    r = c.getresponse()
	    r.read()
	    statuses.append(r.status)
	    socks.add(c.sock.getsockname())
	    assert not r.will_close, "the server closed the connection"
	print(len(socks), set(statuses))
	PY
	echo "1 {200}" >expect.ka &&
	test_cmp expect.ka answer
'

test_expect_success CURL,PYTHON 'invoke sends the request file with the key' '
	mlw endpoint invoke diabetes --request-file two.json >out &&
	answer_lines out >served &&
	head -n 2 expect >expect2 &&
	test_cmp expect2 served
'

test_expect_success CURL,PYTHON '/invocations takes every MLflow form and answers predictions' '
	for form in dataframe_split dataframe_records instances inputs; do
		to_payload $form diabetes.csv target >$form.json &&
		post /invocations $form.json &&
		test "$(cat status)" = 200 &&
		head -c 16 body >start &&
		printf "{\"predictions\":" >expect.start &&
		head -c 15 start >start15 && test_cmp expect.start start15 &&
		answer_lines body >served &&
		test_cmp expect served || return 1
	done
'

test_expect_success CURL '/invocations takes text/csv' '
	cut -d, -f1-10,12,13 diabetes.csv >features.csv &&
	curl -s -o body -w "%{http_code}" -H "Authorization: Bearer $KEY" \
		-H "Content-Type: text/csv" --data-binary @features.csv \
		"$URL/invocations" >status &&
	test "$(cat status)" = 200 &&
	answer_lines body >served &&
	test_cmp expect served &&
	curl -s -o body -w "%{http_code}" -H "Authorization: Bearer $KEY" \
		-H "Content-Type: text/plain" --data-binary @features.csv \
		"$URL/invocations" >status &&
	test "$(cat status)" = 415
'

test_expect_success CURL,PYTHON 'classifiers answer labels, clusterers cluster indices' '
	serve flowers &&
	KEY=$(key flowers) &&
	to_payload split "$DATA/iris.csv" species >iris.json &&
	post /score iris.json &&
	test "$(cat status)" = 200 &&
	answer_lines body >served &&
	mlw model score logistic@latest --input "$DATA/iris.csv" \
		--output scored.csv -q &&
	predictions scored.csv >expect.labels &&
	test_cmp expect.labels served &&
	head -c 10 body >start && test_grep "^\[\"setosa\"" start &&
	post /score iris.json -H "azureml-model-deployment: clusters" &&
	test "$(cat status)" = 200 &&
	grep -qi "^azureml-model-deployment: clusters" headers &&
	answer_lines body >served &&
	mlw model score kmeans@latest --input "$DATA/iris.csv" \
		--output scored.csv -q &&
	awk -F, "NR > 1 { print \$NF }" scored.csv >expect.clusters &&
	test_cmp expect.clusters served
'

test_expect_success CURL,PYTHON 'a header naming no deployment is 404' '
	post /score iris.json -H "azureml-model-deployment: purple" &&
	test "$(cat status)" = 404 &&
	test_grep "no deployment .purple." body
'

test_expect_success CURL 'the swagger document has the model signature' '
	curl -s -o swagger.json -w "%{http_code}" \
		-H "Authorization: Bearer $KEY" "$URL/swagger.json" >status &&
	test "$(cat status)" = 200 &&
	test "$(test_json_get swagger.json "[\"swagger\"]")" = 2.0 &&
	test_json_get swagger.json \
		"[\"definitions\"][\"ServiceInput\"][\"x-mlw-signature\"][0]" >first &&
	test_grep "sepal_length" first &&
	test_grep "double" first &&
	curl -s -o /dev/null -w "%{http_code}" "$URL/swagger.json" >status &&
	test "$(cat status)" = 401
'

test_expect_success CURL 'malformed JSON: 400 naming the byte' '
	KEY=$(key diabetes) && URL=$(mlw endpoint show diabetes --query scoring_uri -o tsv) &&
	URL=${URL%/score} &&
	printf "{\"input_data\": {\"columns\": [1,}" >bad.json &&
	post /score bad.json &&
	test "$(cat status)" = 400 &&
	test_grep "invalid JSON at byte" body
'

test_expect_success CURL 'JSON of the wrong shape: 400 saying what was expected' '
	echo "[1, 2, 3]" >shape.json &&
	post /score shape.json &&
	test "$(cat status)" = 400 &&
	test_grep "input_data" body &&
	echo "{\"instances\": [1], \"inputs\": [2]}" >two-forms.json &&
	post /invocations two-forms.json &&
	test "$(cat status)" = 400 &&
	test_grep "exactly one of the input fields" body
'

test_expect_success CURL,PYTHON 'a missing column, a mistyped one: 400 naming it' '
	to_payload split two.csv bmi >nobmi.json &&
	post /score nobmi.json &&
	test "$(cat status)" = 400 &&
	test_grep "no column .bmi. (the model needs it)" body &&
	sed -e "s/32.1/\"thirty\"/" two.json >typo.json &&
	post /score typo.json &&
	test "$(cat status)" = 400 &&
	test_grep "thirty.* is not a number (column .bmi. is numeric)" body &&
	sed -e "s/true/17/" two.json >flag.json &&
	post /score flag.json &&
	test "$(cat status)" = 400 &&
	test_grep "column .flag. is boolean" body
'

test_expect_success CURL 'an empty body is 400' '
	: >empty.json &&
	post /score empty.json &&
	test "$(cat status)" = 400 &&
	test_grep "empty" body
'

test_expect_success PYTHON 'a 100 MB body is 413, answered before it is read' '
	port=${URL##*:} &&
	/usr/bin/python3 - "$port" "$KEY" >answer <<-\PY &&
	import socket, sys
	s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
	s.sendall(("POST /score HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
	           "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
	           % (sys.argv[2], 100 << 20)).encode())
	s.sendall(b"{" * 65536)
	s.settimeout(10)
	print(s.recv(4096).decode().split("\r\n")[0])
	PY
	test_grep "413" answer
'

test_expect_success PYTHON 'a slow client is cut off after the idle timeout' '
	mlw endpoint stop diabetes -q &&
	serve diabetes --idle-timeout 1 &&
	port=${URL##*:} &&
	/usr/bin/python3 - "$port" >answer <<-\PY &&
	import socket, sys, time
	s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
	s.sendall(b"POST /score HTTP/1.1\r\nHost: x\r\n")
	s.settimeout(10)
	t = time.time()
	data = s.recv(4096)
	print("closed" if not data or b"408" in data else "answered", round(time.time() - t))
	PY
	test_grep "^closed [123]$" answer
'

test_expect_success 'a port in use is refused, naming it' '
	port=${URL##*:} &&
	mlw endpoint create -n other -o none &&
	test_expect_code 128 mlw endpoint serve other --port $port 2>err &&
	test_grep "cannot listen on 127.0.0.1:$port" err &&
	test_grep "in use" err
'

test_expect_success 'an endpoint served once cannot be served twice' '
	test_must_fail mlw endpoint serve diabetes --port 0 2>err &&
	test_grep "already served by pid" err
'

test_expect_success CURL 'the request log: the catalog and the deployment log' '
	sleep 0.5 &&
	mlw endpoint deployment get-logs blue -e diabetes >log &&
	test_grep "POST /score 200" log &&
	grep -E "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z POST /score 200 [0-9]+\.[0-9]{3} ms [1-9][0-9]* B in [1-9][0-9]* B out$" log >lines &&
	test $(wc -l <lines) -ge 8 &&
	test_grep "deployment .blue. ready" log &&
	mlw endpoint deployment get-logs blue -e diabetes --lines 1 >last &&
	test $(wc -l <last) = 1 &&
	sqlite3 .mlw/mlw.db "SELECT count(*) FROM endpoint_requests WHERE endpoint = \"diabetes\" AND deployment = \"blue\" AND status = 200" >n &&
	test "$(cat n)" -ge 8 &&
	sqlite3 .mlw/mlw.db "SELECT count(*) FROM endpoint_requests WHERE input IS NOT NULL OR output IS NOT NULL" >n &&
	test "$(cat n)" = 0 &&
	# times in six decimals; nothing collected: no input or output
	sqlite3 .mlw/mlw.db "SELECT records FROM endpoint_request_batches WHERE records LIKE \"%blue%\" LIMIT 1" >records &&
	grep -E "\[[0-9]{10}\.[0-9]{6},\"blue\",\"/score\",200,[0-9]+,[1-9][0-9]*,[1-9][0-9]*,0\]" records &&
	sqlite3 .mlw/mlw.db "SELECT count(*) FROM endpoint_requests WHERE time < unixepoch() - 3600 OR time > unixepoch() + 60 OR typeof(time) != \"real\"" >n &&
	test "$(cat n)" = 0
'

test_expect_success CURL,PYTHON 'with data collection, inputs and outputs are logged' '
	mlw endpoint deployment update blue -e diabetes \
		--set data_collector.collections.model_inputs.enabled=true -o none &&
	sleep 0.5 &&
	post /score two.json &&
	test "$(cat status)" = 200 &&
	sleep 0.5 &&
	sqlite3 .mlw/mlw.db "SELECT input, output FROM endpoint_requests WHERE input IS NOT NULL" >logged &&
	test_grep "input_data" logged &&
	test_grep "$(head -n 1 expect2)" logged
'

test_expect_success CURL,PYTHON 'new keys are taken while serving; the old one is refused' '
	mlw endpoint regenerate-keys diabetes -q &&
	sleep 0.5 &&
	post /score two.json &&
	test "$(cat status)" = 401 &&
	KEY=$(key diabetes) &&
	post /score two.json &&
	test "$(cat status)" = 200
'

test_expect_success CURL,PYTHON 'a burst of requests, then a stop: every one is in the request log, as it was' '
	# a stop writes what is queued: requests of the tests above are
	# then all in the table before the count starts
	mlw endpoint stop diabetes -q &&
	serve diabetes &&
	KEY=$(key diabetes) &&
	sqlite3 .mlw/mlw.db "SELECT coalesce(max(id), 0) FROM endpoint_requests" >last.id &&
	grep -c " POST /score " .mlw/endpoints/diabetes/logs/blue.log >lines.before &&
	# not a multiple of the housekeeper'"'"'s insert group (32)
	burst 237 >sent &&
	echo "237 $(wc -c <two.json)" >expect.sent &&
	test_cmp expect.sent sent &&
	mlw endpoint stop diabetes -q &&
	sqlite3 .mlw/mlw.db "SELECT count(*), count(DISTINCT id), min(status), max(status), min(bytes_in), max(bytes_in), min(route), max(route), min(deployment), max(deployment), min(endpoint), max(endpoint), sum(mirror), sum(input = CAST(readfile(\"two.json\") AS TEXT)), count(DISTINCT output) FROM endpoint_requests WHERE id > $(cat last.id)" >rows &&
	# data collection is on (above): each row has its input and output
	echo "237|237|200|200|$(wc -c <two.json)|$(wc -c <two.json)|/score|/score|blue|blue|diabetes|diabetes|0|237|1" >expect.rows &&
	test_cmp expect.rows rows &&
	logged_in_order 237 &&
	serve diabetes
'

test_expect_success CURL,PYTHON 'a burst is written to the log before the poll is due (1,024 queued records)' '
	mlw endpoint stop diabetes -q &&
	serve diabetes --poll-ms 60000 &&
	sqlite3 .mlw/mlw.db "SELECT coalesce(max(id), 0) FROM endpoint_requests" >last.id &&
	burst 1100 >sent &&
	echo "1100 $(wc -c <two.json)" >expect.sent &&
	test_cmp expect.sent sent &&
	# the poll is a minute away: only the burst can have written these
	# (1,024 records queued, the server'"'"'s own events among them)
	for i in $(seq 1 200); do
		sqlite3 .mlw/mlw.db "SELECT count(*) FROM endpoint_requests WHERE id > $(cat last.id)" >n &&
		test "$(cat n)" -ge 1000 && break
		sleep 0.1
	done &&
	test "$(cat n)" -ge 1000 &&
	mlw endpoint stop diabetes -q &&
	sqlite3 .mlw/mlw.db "SELECT count(*) FROM endpoint_requests WHERE id > $(cat last.id)" >n &&
	echo 1100 >expect.n &&
	test_cmp expect.n n &&
	serve diabetes
'

SHIM=$TEST_DIRECTORY/fault/libfault.so
test -f "$SHIM" && test_set_prereq SHIM
if test_have_prereq ASAN; then
	ASAN_OPTIONS=$ASAN_OPTIONS:verify_asan_link_order=0
fi

# every write of the housekeeper to the catalog fails (a full disk): the
# requests are still answered and in the log file, the log says what the
# catalog lost, and the store stays clean
test_expect_success CURL,SHIM 'a batch the catalog refuses is said in the log; requests are answered' '
	mlw endpoint stop diabetes -q &&
	KEY=$(key diabetes) &&
	grep -c " POST /score " .mlw/endpoints/diabetes/logs/blue.log >lines.before &&
	URL=$(env LD_PRELOAD="$SHIM" MLW_FAULT_AT=1 MLW_FAULT_STICKY=1 \
		MLW_FAULT_ERRNO=ENOSPC MLW_FAULT_CALLS=pwrite,pwrite64 \
		MLW_FAULT_COMM=mlw-housekeep MLW_FAULT_PATH="$PWD/.mlw" \
		mlw endpoint serve diabetes --port 0 --detach -q) &&
	post /score two.json &&
	test "$(cat status)" = 200 &&
	for i in $(seq 1 100); do
		grep -q "WARNING cannot log .* requests to the catalog" \
			.mlw/endpoints/diabetes/logs/blue.log && break
		sleep 0.1
	done &&
	test_grep "WARNING cannot log .* requests to the catalog: .*full" \
		.mlw/endpoints/diabetes/logs/blue.log &&
	post /score two.json &&
	test "$(cat status)" = 200 &&
	mlw endpoint stop diabetes -q &&
	grep -c " POST /score " .mlw/endpoints/diabetes/logs/blue.log >lines.after &&
	test $(( $(cat lines.after) - $(cat lines.before) )) = 2 &&
	mlw fsck -q &&
	serve diabetes
'

# the housekeeper's first write to the catalog takes two seconds (a disk
# slow for a moment): the requests meanwhile queue up, thousands, and are
# written a batch at a time once it is back, every one, in order
test_expect_success CURL,PYTHON,SHIM 'a backlog of the request log is written in full, a batch at a time' '
	mlw endpoint stop diabetes -q &&
	KEY=$(key diabetes) &&
	sqlite3 .mlw/mlw.db "SELECT coalesce(max(id), 0) FROM endpoint_requests" >last.id &&
	grep -c " POST /score " .mlw/endpoints/diabetes/logs/blue.log >lines.before &&
	URL=$(env LD_PRELOAD="$SHIM" MLW_FAULT_AT=1 MLW_FAULT_DELAY_MS=2000 \
		MLW_FAULT_CALLS=pwrite,pwrite64 MLW_FAULT_COMM=mlw-housekeep \
		MLW_FAULT_PATH="$PWD/.mlw" MLW_FAULT_LOG="$PWD/delays" \
		mlw endpoint serve diabetes --port 0 --detach -q) &&
	burst 4000 >sent &&
	echo "4000 $(wc -c <two.json)" >expect.sent &&
	test_cmp expect.sent sent &&
	mlw endpoint stop diabetes -q &&
	test $(wc -l <delays) = 1 &&
	sqlite3 .mlw/mlw.db "SELECT count(*) FROM endpoint_requests WHERE id > $(cat last.id) AND route = '"'"'/score'"'"'" >n &&
	echo 4000 >expect.n &&
	test_cmp expect.n n &&
	logged_in_order 4000 &&
	! grep "fell behind" .mlw/endpoints/diabetes/logs/blue.log &&
	serve diabetes
'

test_expect_success CURL,PYTHON 'a deployment whose model is missing is 503; others serve' '
	mlw endpoint deployment create -f dep.yml -n broken -o none &&
	obj=$(mlw endpoint deployment show broken -e diabetes --query model_object -o tsv) &&
	mlw endpoint deployment create -f dep.yml -n inline \
		--set "model={path: logistic}" -o none &&
	obj=$(mlw endpoint deployment show inline -e diabetes --query model_object -o tsv) &&
	mlw endpoint stop diabetes -q &&
	chmod u+w .mlw/objects/$(echo $obj | cut -c1-2) &&
	mv .mlw/objects/$(echo $obj | cut -c1-2)/$(echo $obj | cut -c3-) obj.saved &&
	serve diabetes &&
	post /score two.json -H "azureml-model-deployment: inline" &&
	test "$(cat status)" = 503 &&
	test_grep "cannot serve" body &&
	test_grep "missing" body &&
	post /score two.json &&
	test "$(cat status)" = 200 &&
	sleep 0.3 &&
	mlw endpoint deployment get-logs inline -e diabetes >log &&
	test_grep "ERROR deployment .inline. cannot serve" log &&
	mv obj.saved .mlw/objects/$(echo $obj | cut -c1-2)/$(echo $obj | cut -c3-)
'

test_expect_success CURL,PYTHON 'a server killed with -9 leaves a store that serves again' '
	pid=$(cat .mlw/endpoints/diabetes/server.pid) &&
	kill -9 $pid &&
	for i in $(seq 1 100); do
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
	done &&
	! kill -0 $pid 2>/dev/null &&
	test_expect_code 3 mlw endpoint invoke diabetes --request-file two.json 2>err &&
	test_grep "not being served" err &&
	mlw endpoint show diabetes --query scoring_uri -o tsv >uri &&
	test_must_be_empty uri &&
	serve diabetes &&
	mlw endpoint invoke diabetes --request-file two.json >out &&
	mlw fsck -q
'

test_expect_success 'stop, and stop again' '
	mlw endpoint stop diabetes -q &&
	! test -f .mlw/endpoints/diabetes/server.json &&
	test_expect_code 3 mlw endpoint stop diabetes 2>err &&
	test_grep "not being served" err
'

test_expect_success 'the servers exited clean (no sanitizer report)' '
	test_grep "server of endpoint .diabetes. stopped" \
		.mlw/endpoints/diabetes/logs/blue.log &&
	! grep -e "Sanitizer" -e "runtime error" .mlw/endpoints/*/server.log
'

test_expect_success CURL 'deleting a served endpoint stops its server' '
	pid=$(cat .mlw/endpoints/flowers/server.pid) &&
	mlw endpoint delete flowers -q &&
	for i in 1 2 3 4 5 6 7 8 9 10; do
		kill -0 $pid 2>/dev/null || break
		sleep 0.2
	done &&
	! kill -0 $pid 2>/dev/null
'

test_done

#!/bin/sh
test_description='online endpoints: a score.py on Python workers, request_settings (408, 504, 429), a worker that dies'
. ./test-lib.sh
. "$TEST_DIRECTORY"/lib-endpoint.sh

trap 'stop_serving scripted' EXIT

test_expect_success SKLEARN 'setup: a scikit-learn model and an Azure-style score.py' '
	mlw init -q &&
	mkdir skmodel code &&
	/usr/bin/python3 - "$DATA/diabetes.csv" <<-\PY &&
	import pickle, sys
	import pandas as pd
	from sklearn.linear_model import Ridge
	df = pd.read_csv(sys.argv[1])
	m = Ridge(alpha=0.5).fit(df.drop(columns=["target"]).values, df["target"])
	pickle.dump(m, open("skmodel/model.pkl", "wb"))
	PY
	cat >code/score.py <<-\PY &&
	import json, os, pickle, time
	model = None
	def init():
	    global model
	    path = os.path.join(os.environ["AZUREML_MODEL_DIR"], "skmodel", "model.pkl")
	    with open(path, "rb") as f:
	        model = pickle.load(f)
	    print("init done")
	def run(raw_data):
	    data = json.loads(raw_data)
	    if "sleep" in data:
	        time.sleep(data["sleep"])
	        return "slept"
	    if "boom" in data:
	        raise ValueError("boom")
	    if "die" in data:
	        os._exit(3)
	    if "env" in data:
	        return {"greeting": os.environ.get("GREETING"),
	                "model_dir": os.environ["AZUREML_MODEL_DIR"]}
	    return model.predict(data["data"]).tolist()
	PY
	mlw model create -n sk -p skmodel -t custom_model -o none &&
	cat >dep.yml <<-\EOF &&
	$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json
	name: python
	endpoint_name: scripted
	model: azureml:sk:1
	code_configuration:
	  code: code
	  scoring_script: score.py
	environment_variables:
	  GREETING: hello
	instance_type: Standard_DS3_v2
	instance_count: 2
	request_settings:
	  request_timeout_ms: 2000
	  max_concurrent_requests_per_instance: 1
	  max_queue_wait_ms: 100
	EOF
	mlw endpoint create -n scripted -o none &&
	mlw endpoint deployment create -f dep.yml --all-traffic -o none &&
	serve scripted &&
	KEY=$(key scripted)
'

test_expect_success SKLEARN 'run() answers what scikit-learn predicts for the same rows' '
	/usr/bin/python3 - "$DATA/diabetes.csv" <<-\PY &&
	import json, pickle, sys
	import pandas as pd
	df = pd.read_csv(sys.argv[1]).drop(columns=["target"])
	json.dump({"data": df.values.tolist()}, open("rows.json", "w"))
	m = pickle.load(open("skmodel/model.pkl", "rb"))
	open("expect", "w").write("".join("%r\n" % v for v in m.predict(df.values)))
	PY
	post /score rows.json &&
	test "$(cat status)" = 200 &&
	grep -qi "^azureml-model-deployment: python" headers &&
	/usr/bin/python3 -c "import json; print(\"\".join(\"%r\n\" % v for v in json.load(open(\"body\"))), end=\"\")" >served &&
	test $(wc -l <served) = 442 &&
	paste -d " " expect served | awk "{ print NR, \$1, \$2, 1e-12 }" >pairs &&
	test_approx_lines pairs
'

test_expect_success SKLEARN 'AZUREML_MODEL_DIR and environment_variables are set as Azure sets them' '
	echo "{\"env\": 1}" >env.json &&
	post /score env.json &&
	test "$(cat status)" = 200 &&
	test "$(test_json_get body "[\"greeting\"]")" = hello &&
	test_json_get body "[\"model_dir\"]" >dir &&
	test_grep "/azureml-models/sk/1$" dir &&
	mlw endpoint deployment get-logs python -e scripted >log &&
	test_grep "init done" log
'

test_expect_success SKLEARN 'an exception in run() is 500 naming it; the traceback is in the log' '
	echo "{\"boom\": 1}" >boom.json &&
	post /score boom.json &&
	test "$(cat status)" = 500 &&
	test_grep "ValueError: boom" body &&
	sleep 0.3 &&
	mlw endpoint deployment get-logs python -e scripted >log &&
	test_grep "Traceback" log &&
	post /score env.json &&
	test "$(cat status)" = 200
'

# served_again BODY-FILE: POST it until it is answered 200 (a worker
# killed for overrunning is started again: Python and init() take time)
served_again () {
	for i in $(seq 1 60); do
		post /score "$1" &&
		test "$(cat status)" = 200 && return 0
		sleep 0.5
	done
	return 1
}

# concurrent URL-PATH BODY...: POST each body at once, each on its own
# connection, a tenth of a second apart; one status per line, in order
concurrent () {
	/usr/bin/python3 - "$URL" "$KEY" "$@" <<-\PY
	import http.client, sys, threading, time
	url, key, path = sys.argv[1], sys.argv[2], sys.argv[3]
	bodies = sys.argv[4:]
	host, port = url.split("//")[1].split(":")
	out = [None] * len(bodies)
	def go(i):
	    c = http.client.HTTPConnection(host, int(port), timeout=30)
	    c.request("POST", path, bodies[i], {"Authorization": "Bearer " + key,
	              "Content-Type": "application/json"})
	    r = c.getresponse()
	    r.read()
	    out[i] = r.status
	ts = []
	for i in range(len(bodies)):
	    ts.append(threading.Thread(target=go, args=(i,)))
	    ts[-1].start()
	    time.sleep(0.1)
	for t in ts:
	    t.join()
	print("\n".join(str(s) for s in out))
	PY
}

test_expect_success SKLEARN 'beyond max_concurrent_requests_per_instance x instance_count: 429' '
	concurrent /score "{\"sleep\": 1}" "{\"sleep\": 1}" "{\"env\": 1}" >statuses &&
	printf "200\n200\n429\n" >expect &&
	test_cmp expect statuses
'

test_expect_success SKLEARN 'beyond request_timeout_ms: 408 on /score, 504 on /invocations' '
	echo "{\"sleep\": 5}" >slow.json &&
	post /score slow.json &&
	test "$(cat status)" = 408 &&
	post /invocations slow.json &&
	test "$(cat status)" = 504 &&
	served_again env.json
'

test_expect_success SKLEARN 'a worker that dies answers an error; the next request is served' '
	echo "{\"die\": 1}" >die.json &&
	post /score die.json &&
	test "$(cat status)" -ge 500 &&
	served_again rows.json &&
	post /score rows.json &&
	test "$(cat status)" = 200
'

test_expect_success SKLEARN 'a score.py whose init() fails: 503 saying why' '
	mkdir badcode &&
	echo "def init(): raise RuntimeError(\"no model here\")" >badcode/score.py &&
	echo "def run(raw): return 1" >>badcode/score.py &&
	mlw endpoint deployment create -f dep.yml -n broken \
		--set code_configuration.code=badcode -o none &&
	sleep 1 &&
	post /score env.json -H "azureml-model-deployment: broken" &&
	test "$(cat status)" = 503 &&
	test_grep "init() raised RuntimeError: no model here" body &&
	post /score env.json &&
	test "$(cat status)" = 200
'

test_expect_success SKLEARN 'stopping the server stops its workers' '
	pids=$(pgrep -P $(cat .mlw/endpoints/scripted/server.pid)) &&
	test -n "$pids" &&
	mlw endpoint stop scripted -q &&
	! test -f .mlw/endpoints/scripted/server.json &&
	sleep 0.5 &&
	for p in $pids; do
		! kill -0 $p 2>/dev/null || return 1
	done
'

test_done

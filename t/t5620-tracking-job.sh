#!/bin/sh
test_description='a job'"'"'s command logs with an MLflow client to its own run (MLFLOW_TRACKING_URI, MLFLOW_RUN_ID)'
. ./test-lib.sh

test -x /usr/bin/python3 && test_set_prereq PYTHON3

# log.py: an MLflow REST client in Python's standard library, as the
# MLflow documentation gives the requests, attaching to MLFLOW_RUN_ID
test_expect_success PYTHON3 'setup: a job whose command talks MLflow' '
	git init -q && mlw init -q . &&
	mkdir src &&
	cat >src/log.py <<-\EOT &&
	import json, os, urllib.request
	uri = os.environ["MLFLOW_TRACKING_URI"]
	run_id = os.environ["MLFLOW_RUN_ID"]
	def call(method, route, body=None):
	    data = json.dumps(body).encode() if body is not None else None
	    req = urllib.request.Request(uri + route, data=data, method=method,
	                                 headers={"Content-Type": "application/json"})
	    with urllib.request.urlopen(req) as r:
	        return json.loads(r.read() or b"{}")
	api = "/api/2.0/mlflow/"
	run = call("GET", api + "runs/get?run_id=" + run_id)["run"]
	exp = call("GET", api + "experiments/get?experiment_id=" + run["info"]["experiment_id"])
	print("experiment", exp["experiment"]["name"], os.environ["MLFLOW_EXPERIMENT_NAME"])
	for step, acc in enumerate([0.5, 0.7, 0.9]):
	    call("POST", api + "runs/log-metric", {"run_id": run_id, "key": "acc",
	         "value": acc, "timestamp": 1700000000000 + step, "step": step})
	call("POST", api + "runs/log-parameter", {"run_id": run_id, "key": "lr", "value": "0.01"})
	call("POST", api + "runs/set-tag", {"run_id": run_id, "key": "mlflow.source.name", "value": "log.py"})
	art = run["info"]["artifact_uri"].replace("mlflow-artifacts:", uri + "/api/2.0/mlflow-artifacts/artifacts")
	req = urllib.request.Request(art + "/model/weights.txt", data=b"w1 w2", method="PUT")
	urllib.request.urlopen(req).read()
	call("POST", api + "runs/update", {"run_id": run_id, "status": "FINISHED"})
	print("logged to", run_id)
	EOT
	cat >job.yml <<-\EOT
	command: /usr/bin/python3 log.py
	environment: azureml:sklearn@latest
	code: src
	experiment_name: tracked
	EOT
	cat >override.yml <<-\EOT
	command: echo "uri=$MLFLOW_TRACKING_URI run=$MLFLOW_RUN_ID"
	environment: azureml:sklearn@latest
	environment_variables:
	  MLFLOW_TRACKING_URI: http://elsewhere:1
	EOT
	cat >plain.yml <<-\EOT
	command: echo "run=$MLFLOW_RUN_ID exp=$MLFLOW_EXPERIMENT_NAME"
	environment: azureml:sklearn@latest
	EOT
'

test_expect_success PYTHON3 'mlflow calls in a job land in its own run, shown by mlw job show' '
	mlw job create -f job.yml -n tj1 --stream >log &&
	test_grep "experiment tracked tracked" log &&
	test_grep "logged to tj1" log &&
	mlw job show tj1 -o json >show.json &&
	test "$(test_json_get show.json "[\"status\"]")" = Completed &&
	test "$(test_json_get show.json "[\"type\"]")" = command &&
	test "$(test_json_get show.json "[\"metrics\"][\"acc\"]")" = 0.9 &&
	test "$(test_json_get show.json "[\"params\"][\"lr\"]")" = 0.01 &&
	test "$(test_json_get show.json "[\"tags\"][\"mlflow.source.name\"]")" = log.py &&
	test_grep "model/weights.txt" show.json
'

test_expect_success PYTHON3 'the spec'"'"'s environment_variables win; every job gets the variables' '
	mlw job create -f override.yml -n tj2 --stream >log &&
	test_grep "uri=http://elsewhere:1 run=tj2" log &&
	mlw job create -f plain.yml -n tj3 -e exp3 --stream >log &&
	test_grep "run=tj3 exp=exp3" log
'

test_done

#!/bin/sh
test_description='mlw tracking serve: MLflow REST API requests as its documentation gives them, with curl'
. ./test-lib.sh

. "$TEST_DIRECTORY"/lib-tracking.sh

test_expect_success CURL 'setup: a workspace and its server' '
	start_server
'

test_expect_success CURL 'experiments/create, get, get-by-name' '
	api POST /experiments/create "{\"name\": \"exp1\", \"tags\": [{\"key\": \"team\", \"value\": \"a\"}]}" &&
	expect 200 && shape "{\"experiment_id\": \"\"}" &&
	EXP=$(test_json_get out.json "[\"experiment_id\"]") &&
	api GET "/experiments/get?experiment_id=$EXP" && expect 200 &&
	shape "{\"experiment\": {\"experiment_id\": \"\", \"name\": \"\",
		\"artifact_location\": \"\", \"lifecycle_stage\": \"\",
		\"last_update_time\": 0, \"creation_time\": 0,
		\"tags\": [{\"key\": \"\", \"value\": \"\"}]}}" &&
	test "$(test_json_get out.json "[\"experiment\"][\"name\"]")" = exp1 &&
	api GET "/experiments/get-by-name?experiment_name=exp1" && expect 200 &&
	test "$(test_json_get out.json "[\"experiment\"][\"experiment_id\"]")" = "$EXP" &&
	api GET "/experiments/get?experiment_id=0" && expect 200 &&
	test "$(test_json_get out.json "[\"experiment\"][\"name\"]")" = Default
'

test_expect_success CURL 'a duplicate name, unknown ids and names' '
	api POST /experiments/create "{\"name\": \"exp1\"}" &&
	expect 400 RESOURCE_ALREADY_EXISTS &&
	shape "{\"error_code\": \"\", \"message\": \"\"}" &&
	api GET "/experiments/get?experiment_id=9999" &&
	expect 404 RESOURCE_DOES_NOT_EXIST &&
	api GET "/experiments/get?experiment_id=abc" &&
	expect 404 RESOURCE_DOES_NOT_EXIST &&
	api GET "/experiments/get-by-name?experiment_name=nope" &&
	expect 404 RESOURCE_DOES_NOT_EXIST &&
	api GET "/experiments/get" && expect 400 INVALID_PARAMETER_VALUE &&
	api POST /experiments/create "{\"name\": \"../up\"}" &&
	expect 400 INVALID_PARAMETER_VALUE
'

test_expect_success CURL 'experiments/update, set-experiment-tag, delete, restore, search' '
	api POST /experiments/create "{\"name\": \"exp2\"}" && expect 200 &&
	EXP2=$(test_json_get out.json "[\"experiment_id\"]") &&
	api POST /experiments/update "{\"experiment_id\": \"$EXP2\", \"new_name\": \"exp2b\"}" &&
	expect 200 && shape "{}" &&
	api POST /experiments/set-experiment-tag "{\"experiment_id\": \"$EXP2\", \"key\": \"k\", \"value\": \"v\"}" &&
	expect 200 &&
	api POST /experiments/delete "{\"experiment_id\": \"$EXP2\"}" && expect 200 &&
	api POST /experiments/search "{\"max_results\": 10}" && expect 200 &&
	test_json_get out.json "[\"experiments\"]" >active &&
	! test_grep exp2b active &&
	api POST /experiments/search "{\"view_type\": \"DELETED_ONLY\"}" &&
	test "$(test_json_get out.json "[\"experiments\"][0][\"name\"]")" = exp2b &&
	test "$(test_json_get out.json "[\"experiments\"][0][\"lifecycle_stage\"]")" = deleted &&
	api POST /experiments/restore "{\"experiment_id\": \"$EXP2\"}" && expect 200 &&
	api POST /experiments/search "{\"filter\": \"name LIKE '\''exp%'\''\", \"order_by\": [\"name DESC\"]}" &&
	test "$(test_json_get out.json "[\"experiments\"][0][\"name\"]")" = exp2b &&
	test "$(test_json_get out.json "[\"experiments\"][1][\"name\"]")" = exp1 &&
	api POST /experiments/search "{\"filter\": \"tags.k = '\''v'\''\"}" &&
	test "$(test_json_get out.json "[\"experiments\"][0][\"name\"]")" = exp2b &&
	api POST /experiments/search "{\"max_results\": 1, \"order_by\": [\"name\"]}" &&
	TOKEN=$(test_json_get out.json "[\"next_page_token\"]") &&
	api POST /experiments/search "{\"max_results\": 1, \"order_by\": [\"name\"], \"page_token\": \"$TOKEN\"}" &&
	test "$(test_json_get out.json "[\"experiments\"][0][\"name\"]")" = exp1
'

test_expect_success CURL 'runs/create: a run of type tracking, in mlw job show' '
	api POST /runs/create "{\"experiment_id\": \"$EXP\", \"run_name\": \"first\",
		\"start_time\": 1700000000000,
		\"tags\": [{\"key\": \"mlflow.user\", \"value\": \"ann\"},
			   {\"key\": \"mlflow.source.name\", \"value\": \"train.py\"}]}" &&
	expect 200 &&
	shape "{\"run\": {\"info\": {\"run_id\": \"\", \"run_uuid\": \"\",
		\"run_name\": \"\", \"experiment_id\": \"\", \"user_id\": \"\",
		\"status\": \"\", \"start_time\": 0, \"artifact_uri\": \"\",
		\"lifecycle_stage\": \"\"},
		\"data\": {\"tags\": [{\"key\": \"\", \"value\": \"\"}]},
		\"inputs\": {}}}" &&
	RUN=$(test_json_get out.json "[\"run\"][\"info\"][\"run_id\"]") &&
	test "$(test_json_get out.json "[\"run\"][\"info\"][\"status\"]")" = RUNNING &&
	test "$(test_json_get out.json "[\"run\"][\"info\"][\"user_id\"]")" = ann &&
	test "$(test_json_get out.json "[\"run\"][\"info\"][\"start_time\"]")" = 1700000000000 &&
	mlw job show "$RUN" -o json >show.json &&
	test "$(test_json_get show.json "[\"type\"]")" = tracking &&
	test "$(test_json_get show.json "[\"display_name\"]")" = first &&
	test "$(test_json_get show.json "[\"experiment_name\"]")" = exp1 &&
	test "$(test_json_get show.json "[\"tags\"][\"mlflow.source.name\"]")" = train.py
'

test_expect_success CURL 'log-metric, log-parameter, set-tag, log-batch; runs/get' '
	api POST /runs/log-metric "{\"run_id\": \"$RUN\", \"key\": \"loss\", \"value\": 0.5, \"timestamp\": 1700000000100, \"step\": 1}" &&
	expect 200 && shape "{}" &&
	api POST /runs/log-parameter "{\"run_id\": \"$RUN\", \"key\": \"alpha\", \"value\": \"0.1\"}" &&
	expect 200 &&
	api POST /runs/set-tag "{\"run_id\": \"$RUN\", \"key\": \"stage\", \"value\": \"a\"}" &&
	expect 200 &&
	api POST /runs/set-tag "{\"run_id\": \"$RUN\", \"key\": \"stage\", \"value\": \"b\"}" &&
	expect 200 &&
	api POST /runs/log-batch "{\"run_id\": \"$RUN\",
		\"metrics\": [{\"key\": \"loss\", \"value\": 0.25, \"timestamp\": 1700000000200, \"step\": 2},
			      {\"key\": \"acc\", \"value\": 0.75, \"timestamp\": 1700000000200}],
		\"params\": [{\"key\": \"alpha\", \"value\": \"0.1\"}, {\"key\": \"depth\", \"value\": \"3\"}],
		\"tags\": [{\"key\": \"team\", \"value\": \"x\"}]}" &&
	expect 200 &&
	api GET "/runs/get?run_id=$RUN" && expect 200 &&
	shape "{\"run\": {\"info\": {\"run_id\": \"\", \"run_uuid\": \"\",
		\"run_name\": \"\", \"experiment_id\": \"\", \"user_id\": \"\",
		\"status\": \"\", \"start_time\": 0, \"artifact_uri\": \"\",
		\"lifecycle_stage\": \"\"},
		\"data\": {\"metrics\": [{\"key\": \"\", \"value\": 0.0, \"timestamp\": 0, \"step\": 0}],
			   \"params\": [{\"key\": \"\", \"value\": \"\"}],
			   \"tags\": [{\"key\": \"\", \"value\": \"\"}]},
		\"inputs\": {}}}" &&
	cat >want <<-\EOF &&
	acc 0.75 0
	loss 0.25 2
	alpha 0.1
	depth 3
	stage b
	EOF
	/usr/bin/python3 -c "
import json, sys
d = json.load(open(\"out.json\"))[\"run\"][\"data\"]
for m in d[\"metrics\"]: print(m[\"key\"], m[\"value\"], m[\"step\"])
for p in d[\"params\"]: print(p[\"key\"], p[\"value\"])
for t in d[\"tags\"]:
    if t[\"key\"] == \"stage\": print(t[\"key\"], t[\"value\"])
" >got &&
	test_cmp want got &&
	mlw job show "$RUN" -o json >show.json &&
	test "$(test_json_get show.json "[\"metrics\"][\"loss\"]")" = 0.25 &&
	test "$(test_json_get show.json "[\"params\"][\"depth\"]")" = 3
'

test_expect_success CURL 'the same path as mlw log: params are write-once for both' '
	api POST /runs/log-parameter "{\"run_id\": \"$RUN\", \"key\": \"alpha\", \"value\": \"0.1\"}" &&
	expect 200 &&
	api POST /runs/log-parameter "{\"run_id\": \"$RUN\", \"key\": \"alpha\", \"value\": \"0.2\"}" &&
	expect 400 INVALID_PARAMETER_VALUE &&
	test_grep "alpha" out.json &&
	MLW_RUN_ID=$RUN test_expect_code 2 mlw log param alpha 0.3 &&
	MLW_RUN_ID=$RUN mlw log metric loss 0.125 &&
	api GET "/metrics/get-history?run_id=$RUN&metric_key=loss" && expect 200 &&
	test "$(test_json_get out.json "[\"metrics\"][2][\"value\"]")" = 0.125
'

test_expect_success CURL 'metrics/get-history pages, and its bulk form' '
	api POST /runs/log-batch "{\"run_id\": \"$RUN\", \"metrics\": [
		{\"key\": \"h\", \"value\": 1, \"timestamp\": 1, \"step\": 0},
		{\"key\": \"h\", \"value\": 2, \"timestamp\": 2, \"step\": 1},
		{\"key\": \"h\", \"value\": 3, \"timestamp\": 3, \"step\": 2}]}" &&
	expect 200 &&
	api GET "/metrics/get-history?run_id=$RUN&metric_key=h&max_results=2" &&
	expect 200 &&
	shape "{\"metrics\": [{\"key\": \"\", \"value\": 0.0, \"timestamp\": 0, \"step\": 0}], \"next_page_token\": \"\"}" &&
	TOKEN=$(test_json_get out.json "[\"next_page_token\"]") &&
	api GET "/metrics/get-history?run_id=$RUN&metric_key=h&max_results=2&page_token=$TOKEN" &&
	expect 200 && shape "{\"metrics\": [{\"key\": \"\", \"value\": 0.0, \"timestamp\": 0, \"step\": 0}]}" &&
	test "$(test_json_get out.json "[\"metrics\"][0][\"value\"]")" = 3.0 &&
	api GET "/metrics/get-history-bulk?run_id=$RUN&metric_key=h" && expect 200 &&
	test "$(test_json_get out.json "[\"metrics\"][2][\"run_id\"]")" = "$RUN" &&
	api GET "/metrics/get-history?run_id=$RUN&metric_key=h&page_token=zz" &&
	expect 400 INVALID_PARAMETER_VALUE
'

test_expect_success CURL 'NaN and infinite values: accepted, and given back as MLflow spells them' '
	api POST /runs/log-batch "{\"run_id\": \"$RUN\", \"metrics\": [
		{\"key\": \"odd\", \"value\": \"NaN\", \"timestamp\": 1, \"step\": 0},
		{\"key\": \"odd\", \"value\": \"Infinity\", \"timestamp\": 1, \"step\": 1},
		{\"key\": \"odd\", \"value\": -Infinity, \"timestamp\": 1, \"step\": 2},
		{\"key\": \"odd\", \"value\": NaN, \"timestamp\": 1, \"step\": 3}]}" &&
	expect 200 &&
	api GET "/metrics/get-history?run_id=$RUN&metric_key=odd" && expect 200 &&
	test "$(test_json_get out.json "[\"metrics\"][0][\"value\"]")" = NaN &&
	test "$(test_json_get out.json "[\"metrics\"][1][\"value\"]")" = Infinity &&
	test "$(test_json_get out.json "[\"metrics\"][2][\"value\"]")" = -Infinity &&
	test "$(test_json_get out.json "[\"metrics\"][3][\"value\"]")" = NaN
'

# A log-batch body of the plain shape is read without jansson (batch.c);
# a \u escape sends the same batch down jansson's path: both must answer
# alike, byte for byte, and store alike.
test_expect_success CURL 'log-batch: a plain body and the same through jansson answer and store alike' '
	plain () {
		printf "{\"run_id\": \"%s\", \"metrics\": [{\"key\": \"%s\", \"value\": %s, \"timestamp\": 5, \"step\": %s}], \"params\": [{\"key\": \"%s\", \"value\": \"%s\"}]}" "$@"
	} &&
	escaped () {
		plain "$@" | sed "s/\"run_id\"/\"run\\\\u005fid\"/"
	} &&
	test "$(escaped r m 1 0 p v)" != "$(plain r m 1 0 p v)" &&
	for args in "no_such_run m 1 0 p v" "$RUN a//b 1 0 p v" \
		"$RUN m 1 -1 p v" "$RUN m 1 0 .. v" "$RUN twin 2.5 7 twin_p v1" \
		"$RUN twin 2.5 7 twin_p v2" "$RUN twin NaN 8 twin_p v1"
	do
		api POST /runs/log-batch "$(plain $args)" &&
		cp status status.plain && cp out.json out.plain &&
		api POST /runs/log-batch "$(escaped $args)" &&
		test_cmp status.plain status && test_cmp out.plain out.json ||
		return 1
	done &&
	api GET "/metrics/get-history?run_id=$RUN&metric_key=twin" && expect 200 &&
	test "$(test_json_get out.json "[\"metrics\"][1][\"value\"]")" = 2.5 &&
	test "$(test_json_get out.json "[\"metrics\"][3][\"value\"]")" = NaN &&
	test "$(test_json_get out.json "[\"metrics\"][3][\"step\"]")" = 8 &&
	/usr/bin/python3 -c "import json; assert len(json.load(open(\"out.json\"))[\"metrics\"]) == 4" &&
	api POST /runs/log-batch "$(plain no_such_run m 1 0 p v)" &&
	expect 404 RESOURCE_DOES_NOT_EXIST &&
	test_grep "Run with id=no_such_run not found" out.json &&
	api POST /runs/log-batch "$(plain $RUN twin 1 9 twin_p v3)" &&
	expect 400 INVALID_PARAMETER_VALUE && test_grep "Changing param" out.json
'

test_expect_success CURL 'unknown run ids are RESOURCE_DOES_NOT_EXIST' '
	for r in /runs/log-metric /runs/log-parameter /runs/set-tag /runs/log-batch /runs/delete /runs/update
	do
		api POST $r "{\"run_id\": \"no_such_run\", \"key\": \"k\", \"value\": \"1\", \"timestamp\": 1}" &&
		expect 404 RESOURCE_DOES_NOT_EXIST || return 1
	done &&
	api GET "/runs/get?run_id=no_such_run" && expect 404 RESOURCE_DOES_NOT_EXIST &&
	api GET "/metrics/get-history?run_id=no_such_run&metric_key=x" &&
	expect 404 RESOURCE_DOES_NOT_EXIST &&
	api POST /runs/create "{\"experiment_id\": \"4242\"}" &&
	expect 404 RESOURCE_DOES_NOT_EXIST
'

test_expect_success CURL 'batches over MLflow limits are refused whole' '
	/usr/bin/python3 -c "
import json, sys
run, what, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
if what == \"metrics\":
    items = [{\"key\": \"m\", \"value\": i, \"timestamp\": 1, \"step\": i} for i in range(n)]
else:
    items = [{\"key\": \"k%d\" % i, \"value\": \"v\"} for i in range(n)]
print(json.dumps({\"run_id\": run, what: items}))
" "$RUN" metrics 1001 >m1001.json &&
	api POST /runs/log-batch "$(cat m1001.json)" &&
	expect 400 INVALID_PARAMETER_VALUE &&
	/usr/bin/python3 -c "
import json, sys
print(json.dumps({\"run_id\": sys.argv[1], \"params\": [{\"key\": \"p%d\" % i, \"value\": \"v\"} for i in range(101)]}))
" "$RUN" >p101.json &&
	api POST /runs/log-batch "$(cat p101.json)" && expect 400 INVALID_PARAMETER_VALUE &&
	sed "s/params/tags/" p101.json >t101.json &&
	api POST /runs/log-batch "$(cat t101.json)" && expect 400 INVALID_PARAMETER_VALUE &&
	/usr/bin/python3 -c "
import json, sys
print(json.dumps({\"run_id\": sys.argv[1], \"metrics\": [{\"key\": \"big\", \"value\": 1, \"timestamp\": 1}],
		  \"tags\": [{\"key\": \"pad\", \"value\": \"x\" * (1 << 20)}]}))
" "$RUN" >big.json &&
	curl -s -o out.json -w "%{http_code}" -X POST --data-binary @big.json \
		"$URL/runs/log-batch" >status &&
	expect 413 REQUEST_LIMIT_EXCEEDED &&
	api GET "/runs/get?run_id=$RUN" &&
	! test_grep "\"k0\"" out.json && ! test_grep "\"p0\"" out.json &&
	! test_grep "\"big\"" out.json
'

test_expect_success CURL 'bad keys: .. and / at odd places, other characters, lengths' '
	for k in "../x" "a/../b" "/a" "a/" "a//b" "." "a\$b" ""
	do
		api POST /runs/log-metric "{\"run_id\": \"$RUN\", \"key\": \"$k\", \"value\": 1, \"timestamp\": 1}" &&
		expect 400 INVALID_PARAMETER_VALUE || return 1
		api POST /runs/set-tag "{\"run_id\": \"$RUN\", \"key\": \"$k\", \"value\": \"v\"}" &&
		expect 400 INVALID_PARAMETER_VALUE || return 1
	done &&
	api POST /runs/log-metric "{\"run_id\": \"$RUN\", \"key\": \"val/loss\", \"value\": 1, \"timestamp\": 1}" &&
	expect 200 &&
	long=$(printf "%0251d" 0) &&
	api POST /runs/log-parameter "{\"run_id\": \"$RUN\", \"key\": \"$long\", \"value\": \"v\"}" &&
	expect 400 INVALID_PARAMETER_VALUE
'

test_expect_success CURL 'non-UTF-8 keys and malformed JSON are 400' '
	printf "{\"run_id\": \"%s\", \"key\": \"a\\377b\", \"value\": \"v\"}" "$RUN" >bad.json &&
	curl -s -o out.json -w "%{http_code}" -X POST --data-binary @bad.json \
		"$URL/runs/set-tag" >status &&
	expect 400 BAD_REQUEST &&
	api GET "/metrics/get-history?run_id=$RUN&metric_key=a%FFb" &&
	expect 400 INVALID_PARAMETER_VALUE &&
	api POST /runs/log-metric "{\"run_id\": \"$RUN\", \"key\": " &&
	expect 400 BAD_REQUEST &&
	api POST /runs/log-metric "[1, 2]" && expect 400 BAD_REQUEST &&
	api POST /runs/log-metric "{\"run_id\": \"$RUN\", \"key\": \"k\", \"value\": \"x\", \"timestamp\": 1}" &&
	expect 400 INVALID_PARAMETER_VALUE &&
	api POST /runs/log-metric "{\"run_id\": \"$RUN\", \"key\": \"k\", \"value\": 1}" &&
	expect 400 INVALID_PARAMETER_VALUE &&
	test_grep timestamp out.json &&
	api GET /runs/nope && expect 404 ENDPOINT_NOT_FOUND &&
	api GET /runs/log-metric && expect 405
'

test_expect_success CURL 'runs/search: filter grammar, order_by, pages' '
	for i in 1 2 3
	do
		api POST /runs/create "{\"experiment_id\": \"$EXP\", \"run_name\": \"s$i\", \"start_time\": 170000000${i}000}" &&
		id=$(test_json_get out.json "[\"run\"][\"info\"][\"run_id\"]") &&
		api POST /runs/log-batch "{\"run_id\": \"$id\", \"metrics\": [{\"key\": \"rmse\", \"value\": 0.$i, \"timestamp\": 1}], \"params\": [{\"key\": \"p\", \"value\": \"v$i\"}]}" &&
		expect 200 || return 1
	done &&
	api POST /runs/search "{\"experiment_ids\": [\"$EXP\"], \"filter\": \"metrics.rmse < 0.25 and params.p LIKE '\''v%'\''\", \"order_by\": [\"metrics.rmse DESC\"]}" &&
	expect 200 &&
	shape "{\"runs\": [{\"info\": {\"run_id\": \"\", \"run_uuid\": \"\",
		\"run_name\": \"\", \"experiment_id\": \"\", \"user_id\": \"\",
		\"status\": \"\", \"start_time\": 0, \"artifact_uri\": \"\",
		\"lifecycle_stage\": \"\"},
		\"data\": {\"metrics\": [{\"key\": \"\", \"value\": 0.0, \"timestamp\": 0, \"step\": 0}],
			   \"params\": [{\"key\": \"\", \"value\": \"\"}],
			   \"tags\": [{\"key\": \"\", \"value\": \"\"}]},
		\"inputs\": {}}]}" &&
	test "$(test_json_get out.json "[\"runs\"][0][\"info\"][\"run_name\"]")" = s2 &&
	test "$(test_json_get out.json "[\"runs\"][1][\"info\"][\"run_name\"]")" = s1 &&
	api POST /runs/search "{\"experiment_ids\": [\"$EXP\"], \"filter\": \"attributes.run_name LIKE '\''s%'\''\", \"max_results\": 2}" &&
	expect 200 &&
	test "$(test_json_get out.json "[\"runs\"][0][\"info\"][\"run_name\"]")" = s3 &&
	TOKEN=$(test_json_get out.json "[\"next_page_token\"]") &&
	api POST /runs/search "{\"experiment_ids\": [\"$EXP\"], \"filter\": \"attributes.run_name LIKE '\''s%'\''\", \"max_results\": 2, \"page_token\": \"$TOKEN\"}" &&
	test "$(test_json_get out.json "[\"runs\"][0][\"info\"][\"run_name\"]")" = s1 &&
	! test_grep next_page_token out.json &&
	api POST /runs/search "{\"experiment_ids\": [\"$EXP\"], \"filter\": \"metrics.rmse < 1 OR params.p = '\''x'\''\"}" &&
	expect 400 INVALID_PARAMETER_VALUE &&
	api POST /runs/search "{\"experiment_ids\": [\"$EXP\"], \"filter\": \"params.p = \"}" &&
	expect 400 INVALID_PARAMETER_VALUE &&
	test_grep "expected a value" out.json &&
	api POST /runs/search "{\"experiment_ids\": [\"$EXP\"], \"max_results\": 50001}" &&
	expect 400 INVALID_PARAMETER_VALUE
'

test_expect_success CURL 'runs/update, delete-tag, delete and restore' '
	api POST /runs/update "{\"run_id\": \"$RUN\", \"status\": \"FINISHED\", \"end_time\": 1700000009000}" &&
	expect 200 &&
	shape "{\"run_info\": {\"run_id\": \"\", \"run_uuid\": \"\",
		\"run_name\": \"\", \"experiment_id\": \"\", \"user_id\": \"\",
		\"status\": \"\", \"start_time\": 0, \"end_time\": 0,
		\"artifact_uri\": \"\", \"lifecycle_stage\": \"\"}}" &&
	test "$(mlw job show "$RUN" -o tsv --query status)" = Completed &&
	api POST /runs/update "{\"run_id\": \"$RUN\", \"status\": \"DONE\"}" &&
	expect 400 INVALID_PARAMETER_VALUE &&
	api POST /runs/delete-tag "{\"run_id\": \"$RUN\", \"key\": \"team\"}" && expect 200 &&
	api POST /runs/delete-tag "{\"run_id\": \"$RUN\", \"key\": \"team\"}" &&
	expect 404 RESOURCE_DOES_NOT_EXIST &&
	api POST /runs/delete "{\"run_id\": \"$RUN\"}" && expect 200 &&
	api GET "/runs/get?run_id=$RUN" &&
	test "$(test_json_get out.json "[\"run\"][\"info\"][\"lifecycle_stage\"]")" = deleted &&
	api POST /runs/search "{\"experiment_ids\": [\"$EXP\"], \"run_view_type\": \"DELETED_ONLY\"}" &&
	test "$(test_json_get out.json "[\"runs\"][0][\"info\"][\"run_id\"]")" = "$RUN" &&
	api POST /runs/restore "{\"run_id\": \"$RUN\"}" && expect 200 &&
	test "$(mlw job show "$RUN" -o tsv --query archived)" = false
'

test_expect_success CURL 'log-inputs: datasets on the run' '
	api POST /runs/log-inputs "{\"run_id\": \"$RUN\", \"datasets\": [{\"tags\": [{\"key\": \"mlflow.data.context\", \"value\": \"training\"}],
		\"dataset\": {\"name\": \"iris\", \"digest\": \"d1\", \"source_type\": \"local\", \"source\": \"{\\\"uri\\\": \\\"iris.csv\\\"}\"}}]}" &&
	expect 200 &&
	api GET "/runs/get?run_id=$RUN" &&
	test "$(test_json_get out.json "[\"run\"][\"inputs\"][\"dataset_inputs\"][0][\"dataset\"][\"name\"]")" = iris &&
	api POST /runs/log-inputs "{\"run_id\": \"$RUN\", \"datasets\": [{\"dataset\": {\"name\": \"x\"}}]}" &&
	expect 400 INVALID_PARAMETER_VALUE
'

test_expect_success CURL 'artifacts: upload, download, list through the proxy' '
	ROOT=$(cat url)/api/2.0/mlflow-artifacts/artifacts &&
	printf "model bytes" >model.pkl &&
	curl -sf -X PUT --data-binary @model.pkl "$ROOT/$EXP/$RUN/artifacts/model/model.pkl" >put.json &&
	curl -sf "$ROOT/$EXP/$RUN/artifacts/model/model.pkl" >back &&
	test_cmp model.pkl back &&
	curl -s "$ROOT?path=$EXP/$RUN/artifacts/model" >out.json &&
	shape "{\"files\": [{\"path\": \"\", \"is_dir\": true, \"file_size\": 0}]}" &&
	test "$(test_json_get out.json "[\"files\"][0][\"path\"]")" = model.pkl &&
	api GET "/artifacts/list?run_id=$RUN" && expect 200 &&
	shape "{\"root_uri\": \"\", \"files\": [{\"path\": \"\", \"is_dir\": true}]}" &&
	api GET "/artifacts/list?run_id=$RUN&path=model" && expect 200 &&
	test "$(test_json_get out.json "[\"files\"][0][\"path\"]")" = model/model.pkl &&
	test "$(test_json_get out.json "[\"files\"][0][\"file_size\"]")" = 11 &&
	mlw job show "$RUN" -o json >show.json &&
	test_grep "model/model.pkl" show.json &&
	curl -s -o out.json -w "%{http_code}" -X PUT --data-binary @model.pkl "$ROOT/$EXP/$RUN/artifacts/../x" >status &&
	expect 400 &&
	curl -s -o out.json -w "%{http_code}" -X PUT --data-binary @model.pkl "$ROOT/$EXP/no_run/artifacts/x" >status &&
	expect 404 RESOURCE_DOES_NOT_EXIST &&
	curl -s -o out.json -w "%{http_code}" -X DELETE "$ROOT/$EXP/$RUN/artifacts/model" >status &&
	expect 200 &&
	curl -s -o out.json -w "%{http_code}" "$ROOT/$EXP/$RUN/artifacts/model/model.pkl" >status &&
	expect 404 RESOURCE_DOES_NOT_EXIST
'

test_expect_success CURL 'the UI prefix /ajax-api serves the same' '
	curl -sf "$(cat url)/ajax-api/2.0/mlflow/runs/get?run_id=$RUN" >ajax.json &&
	test "$(test_json_get ajax.json "[\"run\"][\"info\"][\"run_id\"]")" = "$RUN"
'

# The API coverage table of mlw-tracking(1) against the routes the code
# has (its handler tables) and against the server's answers.
test_expect_success CURL 'mlw-tracking(1): the coverage table lists every route, and says which the server serves' '
	/usr/bin/python3 - "$MLW_BUILD_DIR" "$URL" <<-\PY
	import glob, json, re, sys, urllib.error, urllib.request
	top, url = sys.argv[1], sys.argv[2]
	page = open(top + "/man/mlw-tracking.1").read()
	table = page[page.index(".SH API COVERAGE"):]
	table = table[table.index("_\n") + 2:table.index(".TE")]
	rows = {}
	for line in table.split("\n"):
	    if "\t" not in line:
	        continue
	    route, ok = line.replace("\\-", "-").split("\t")[:2]
	    names = [x.strip() for x in route.split(",")]
	    base = names[0].rsplit("/", 1)[0] + "/" if "/" in names[0] else ""
	    for n in names:
	        rows[n if "/" in n else base + n] = ok
	code = {}
	for f in glob.glob(top + "/lib/tracking/*.c"):
	    for m, r in re.findall(r"\{ \"(GET|POST|PATCH|DELETE)\", \"([a-z/-]+)\",", open(f).read()):
	        code.setdefault(r, set()).add(m)
	missing = sorted(r for r in code if r not in rows)
	if missing:
	    sys.exit("routes missing from the table: %s" % missing)
	def answer(method, route):
	    req = urllib.request.Request(url + "/" + route, method=method,
	        data=b"{}" if method != "GET" else None,
	        headers={"Content-Type": "application/json"})
	    try:
	        with urllib.request.urlopen(req) as r:
	            return r.status, json.load(r)
	    except urllib.error.HTTPError as e:
	        return e.code, json.load(e)
	for route, ok in sorted(rows.items()):
	    if route.startswith("mlflow-artifacts/") or " " in route:
	        continue
	    for method in sorted(code.get(route, {"GET", "POST"})):
	        status, body = answer(method, route)
	        served = body.get("error_code") not in ("ENDPOINT_NOT_FOUND", "NOT_IMPLEMENTED")
	        if served != (ok == "yes"):
	            sys.exit("%s %s: table says %s, server answered %d %s" % (method, route, ok, status, body))
	if len(rows) < 40:
	    sys.exit("only %d rows read from the table" % len(rows))
	PY
'

test_expect_success CURL 'serve refuses a second server; stop stops it' '
	test_expect_code 1 mlw tracking serve --port 0 2>err &&
	test_grep "runs already" err &&
	stop_server &&
	! curl -sf "$URL/experiments/get?experiment_id=0" &&
	test_expect_code 3 mlw tracking stop
'

test_expect_success CURL 'a detached server keeps none of its caller'"'"'s descriptors' '
	mlw tracking serve --port 0 --detach -o json 9>held >srv.json &&
	pid=$(test_json_get srv.json "[\"pid\"]") &&
	test -d /proc/$pid/fd &&
	for f in /proc/$pid/fd/*
	do
		test "$(readlink "$f")" != "$PWD/held" || return 1
	done &&
	mlw tracking stop
'

test_expect_success CURL '--access-log: a line a request, with the server'"'"'s time' '
	mlw tracking serve --port 0 --detach --access-log access.log -o json >srv.json &&
	U=$(test_json_get srv.json "[\"url\"]") &&
	curl -sf "$U/api/2.0/mlflow/experiments/get?experiment_id=0" >/dev/null &&
	! curl -sf "$U/api/2.0/mlflow/experiments/get?experiment_id=77" &&
	mlw tracking stop &&
	test $(wc -l <access.log) -eq 2 &&
	awk -F"\t" "NR == 1 && \$3 == \"GET\" && \$4 == \"/api/2.0/mlflow/experiments/get\" && \$5 == 200 && \$6 > 0 { ok = 1 } END { exit !ok }" access.log &&
	awk -F"\t" "NR == 2 && \$5 == 404 { ok = 1 } END { exit !ok }" access.log &&
	test_expect_code 128 mlw tracking serve --port 0 --access-log no/such/dir/log 2>err &&
	test_grep "cannot open" err
'

test_done

#!/bin/sh
test_description='mlw tracking serve: registered models and model versions on mlw model assets'
. ./test-lib.sh

. "$TEST_DIRECTORY"/lib-tracking.sh

VERSION_SHAPE='{"name": "", "version": "", "creation_timestamp": 0,
 "last_updated_timestamp": 0, "current_stage": "", "description": "",
 "source": "", "run_id": "", "status": "", "tags": [{"key": "", "value": ""}],
 "aliases": [""]}'

test_expect_success CURL 'setup: a server, a run with a model among its artifacts' '
	start_server &&
	api POST /runs/create "{\"experiment_id\": \"0\"}" && expect 200 &&
	RUN=$(test_json_get out.json "[\"run\"][\"info\"][\"run_id\"]") &&
	ROOT=$(cat url)/api/2.0/mlflow-artifacts/artifacts/0/$RUN/artifacts &&
	printf "artifact_path: model\nflavors:\n  python_function:\n    loader_module: mlflow.sklearn\n" >MLmodel &&
	printf "weights" >model.pkl &&
	curl -sf -X PUT --data-binary @MLmodel "$ROOT/model/MLmodel" >/dev/null &&
	curl -sf -X PUT --data-binary @model.pkl "$ROOT/model/model.pkl" >/dev/null
'

test_expect_success CURL 'registered-models/create and get; a name twice is RESOURCE_ALREADY_EXISTS' '
	api POST /registered-models/create "{\"name\": \"churn\", \"description\": \"d1\", \"tags\": [{\"key\": \"team\", \"value\": \"risk\"}]}" &&
	expect 200 &&
	shape "{\"registered_model\": {\"name\": \"\", \"creation_timestamp\": 0, \"last_updated_timestamp\": 0, \"description\": \"\", \"latest_versions\": [], \"tags\": [{\"key\": \"\", \"value\": \"\"}], \"aliases\": []}}" &&
	api GET "/registered-models/get?name=churn" && expect 200 &&
	test "$(test_json_get out.json "[\"registered_model\"][\"description\"]")" = d1 &&
	test "$(test_json_get out.json "[\"registered_model\"][\"tags\"][0][\"value\"]")" = risk &&
	api POST /registered-models/create "{\"name\": \"churn\"}" &&
	expect 400 RESOURCE_ALREADY_EXISTS &&
	api GET "/registered-models/get?name=nope" &&
	expect 404 RESOURCE_DOES_NOT_EXIST &&
	api POST /registered-models/create "{\"name\": \"../x\"}" &&
	expect 400 INVALID_PARAMETER_VALUE &&
	api POST /registered-models/create "{}" &&
	expect 400 INVALID_PARAMETER_VALUE
'

test_expect_success CURL 'model-versions/create from runs:/: an mlw model version with the run as its job' '
	api POST /model-versions/create "{\"name\": \"churn\", \"source\": \"runs:/$RUN/model\", \"run_id\": \"$RUN\", \"tags\": [{\"key\": \"k\", \"value\": \"v\"}], \"run_link\": \"http://x/1\"}" &&
	expect 200 &&
	test "$(test_json_get out.json "[\"model_version\"][\"version\"]")" = 1 &&
	test "$(test_json_get out.json "[\"model_version\"][\"current_stage\"]")" = None &&
	test "$(test_json_get out.json "[\"model_version\"][\"run_link\"]")" = http://x/1 &&
	mlw model show churn:1 -o json >show.json &&
	test "$(test_json_get show.json "[\"type\"]")" = mlflow_model &&
	test "$(test_json_get show.json "[\"job_name\"]")" = "$RUN" &&
	test "$(test_json_get show.json "[\"path\"]")" = "runs:/$RUN/model" &&
	test "$(test_json_get show.json "[\"tags\"][\"k\"]")" = v &&
	mlw model download churn:1 --download-path dl >/dev/null &&
	test_cmp model.pkl dl/churn/model.pkl &&
	test_cmp MLmodel dl/churn/MLmodel
'

test_expect_success CURL 'model-versions/create from mlflow-artifacts:/ (a file), its shape field by field' '
	api POST /model-versions/create "{\"name\": \"churn\", \"source\": \"mlflow-artifacts:/0/$RUN/artifacts/model/model.pkl\"}" &&
	expect 200 &&
	test "$(test_json_get out.json "[\"model_version\"][\"version\"]")" = 2 &&
	test "$(test_json_get out.json "[\"model_version\"][\"run_id\"]")" = "$RUN" &&
	mlw model show churn:2 -o json >show.json &&
	test "$(test_json_get show.json "[\"type\"]")" = custom_model &&
	api POST /model-versions/set-tag "{\"name\": \"churn\", \"version\": \"2\", \"key\": \"t\", \"value\": \"u\"}" &&
	expect 200 &&
	api POST /registered-models/alias "{\"name\": \"churn\", \"alias\": \"champion\", \"version\": \"2\"}" &&
	expect 200 &&
	api GET "/model-versions/get?name=churn&version=2" && expect 200 &&
	shape "{\"model_version\": $VERSION_SHAPE}"
'

test_expect_success CURL 'model-versions/create: bad sources, unknown models and runs' '
	api POST /model-versions/create "{\"name\": \"nope\", \"source\": \"runs:/$RUN/model\"}" &&
	expect 404 RESOURCE_DOES_NOT_EXIST &&
	api POST /model-versions/create "{\"name\": \"churn\", \"source\": \"runs:/no_such_run/model\"}" &&
	expect 404 RESOURCE_DOES_NOT_EXIST &&
	api POST /model-versions/create "{\"name\": \"churn\", \"source\": \"runs:/$RUN/nothing\"}" &&
	expect 400 INVALID_PARAMETER_VALUE &&
	api POST /model-versions/create "{\"name\": \"churn\", \"source\": \"runs:/$RUN/../etc\"}" &&
	expect 400 INVALID_PARAMETER_VALUE &&
	api POST /model-versions/create "{\"name\": \"churn\", \"source\": \"$PWD/model.pkl\"}" &&
	expect 400 INVALID_PARAMETER_VALUE &&
	api POST /model-versions/create "{\"name\": \"churn\", \"source\": \"mlflow-artifacts:/0/$RUN/elsewhere\"}" &&
	expect 400 INVALID_PARAMETER_VALUE &&
	api POST /model-versions/create "{\"name\": \"churn\"}" &&
	expect 400 INVALID_PARAMETER_VALUE &&
	mlw model list -o json >list.json &&
	test "$(test_json_get list.json "[0][\"version\"]")" = 2
'

test_expect_success CURL 'transition-stage, archive_existing_versions, get-latest-versions' '
	api POST /model-versions/transition-stage "{\"name\": \"churn\", \"version\": \"1\", \"stage\": \"production\"}" &&
	expect 200 &&
	test "$(test_json_get out.json "[\"model_version\"][\"current_stage\"]")" = Production &&
	api POST /model-versions/transition-stage "{\"name\": \"churn\", \"version\": \"1\", \"stage\": \"Live\"}" &&
	expect 400 INVALID_PARAMETER_VALUE &&
	api POST /registered-models/get-latest-versions "{\"name\": \"churn\", \"stages\": [\"Production\"]}" &&
	expect 200 &&
	test "$(test_json_get out.json "[\"model_versions\"][0][\"version\"]")" = 1 &&
	api POST /model-versions/transition-stage "{\"name\": \"churn\", \"version\": \"2\", \"stage\": \"Production\", \"archive_existing_versions\": true}" &&
	expect 200 &&
	mlw model show churn:1 -o json >show.json &&
	test "$(test_json_get show.json "[\"stage\"]")" = Archived &&
	api POST /registered-models/get-latest-versions "{\"name\": \"churn\"}" &&
	expect 200 &&
	test "$(test_json_get out.json "[\"model_versions\"][0][\"version\"]")" = 2 &&
	test "$(test_json_get out.json "[\"model_versions\"][1][\"current_stage\"]")" = Archived &&
	api POST /registered-models/get-latest-versions "{\"name\": \"churn\", \"stages\": [\"Nope\"]}" &&
	expect 400 INVALID_PARAMETER_VALUE
'

test_expect_success CURL 'aliases: get by alias, bad names, delete' '
	api GET "/registered-models/alias?name=churn&alias=champion" && expect 200 &&
	test "$(test_json_get out.json "[\"model_version\"][\"version\"]")" = 2 &&
	test "$(test_json_get out.json "[\"model_version\"][\"aliases\"][0]")" = champion &&
	api POST /registered-models/alias "{\"name\": \"churn\", \"alias\": \"v3\", \"version\": \"2\"}" &&
	expect 400 INVALID_PARAMETER_VALUE &&
	api POST /registered-models/alias "{\"name\": \"churn\", \"alias\": \"x\", \"version\": \"9\"}" &&
	expect 404 RESOURCE_DOES_NOT_EXIST &&
	api DELETE /registered-models/alias "{\"name\": \"churn\", \"alias\": \"champion\"}" &&
	expect 200 &&
	api GET "/registered-models/alias?name=churn&alias=champion" &&
	expect 404 RESOURCE_DOES_NOT_EXIST
'

test_expect_success CURL 'update, tags, delete-tag of models and versions' '
	api PATCH /registered-models/update "{\"name\": \"churn\", \"description\": \"d2\"}" &&
	expect 200 &&
	test "$(test_json_get out.json "[\"registered_model\"][\"description\"]")" = d2 &&
	api PATCH /model-versions/update "{\"name\": \"churn\", \"version\": \"1\", \"description\": \"first\"}" &&
	expect 200 &&
	mlw model show churn:1 -o json >show.json &&
	test "$(test_json_get show.json "[\"description\"]")" = first &&
	api POST /registered-models/set-tag "{\"name\": \"churn\", \"key\": \"owner\", \"value\": \"ann\"}" &&
	expect 200 &&
	api DELETE /registered-models/delete-tag "{\"name\": \"churn\", \"key\": \"team\"}" &&
	expect 200 &&
	api GET "/registered-models/get?name=churn" &&
	test "$(test_json_get out.json "[\"registered_model\"][\"tags\"][0][\"key\"]")" = owner &&
	api DELETE /model-versions/delete-tag "{\"name\": \"churn\", \"version\": \"1\", \"key\": \"k\"}" &&
	expect 200 &&
	mlw model show churn:1 -o json >show.json &&
	test "$(test_json_get show.json "[\"tags\"]")" = "{}" &&
	api POST /registered-models/set-tag "{\"name\": \"churn\", \"key\": \"a/../b\", \"value\": \"x\"}" &&
	expect 400 INVALID_PARAMETER_VALUE &&
	api POST /registered-models/rename "{\"name\": \"churn\", \"new_name\": \"x\"}" &&
	expect 501 NOT_IMPLEMENTED
'

test_expect_success CURL 'a model made by mlw model create is a registered model' '
	mkdir m && echo w >m/w.txt &&
	mlw model create -n mlwmodel -p m >/dev/null &&
	api GET "/registered-models/get?name=mlwmodel" && expect 200 &&
	test "$(test_json_get out.json "[\"registered_model\"][\"latest_versions\"][0][\"version\"]")" = 1 &&
	api GET "/model-versions/get-download-uri?name=mlwmodel&version=1" &&
	expect 200 && test_grep "\"artifact_uri\"" out.json
'

test_expect_success CURL 'search: filters, order, pages' '
	api GET "/registered-models/search?filter=name%20LIKE%20%27ch%25%27" &&
	expect 200 &&
	test "$(test_json_get out.json "[\"registered_models\"][0][\"name\"]")" = churn &&
	test_must_fail test_json_get out.json "[\"registered_models\"][1]" &&
	api GET "/registered-models/search?max_results=1" && expect 200 &&
	TOKEN=$(test_json_get out.json "[\"next_page_token\"]") &&
	test "$(test_json_get out.json "[\"registered_models\"][0][\"name\"]")" = churn &&
	api GET "/registered-models/search?max_results=1&page_token=$TOKEN" &&
	test "$(test_json_get out.json "[\"registered_models\"][0][\"name\"]")" = mlwmodel &&
	api GET "/model-versions/search?filter=run_id%3D%27$RUN%27" && expect 200 &&
	test "$(test_json_get out.json "[\"model_versions\"][0][\"version\"]")" = 2 &&
	test "$(test_json_get out.json "[\"model_versions\"][1][\"version\"]")" = 1 &&
	test_must_fail test_json_get out.json "[\"model_versions\"][2]" &&
	api GET "/model-versions/search?filter=name%3D%27churn%27&order_by=version_number%20ASC" &&
	test "$(test_json_get out.json "[\"model_versions\"][0][\"version\"]")" = 1 &&
	api GET "/model-versions/search?filter=params.x%3D%271%27" &&
	expect 400 INVALID_PARAMETER_VALUE &&
	api GET "/registered-models/search?filter=name%20%3D" &&
	expect 400 INVALID_PARAMETER_VALUE
'

test_expect_success CURL 'deleting a version archives it; deleting the model archives them all' '
	api DELETE /model-versions/delete "{\"name\": \"churn\", \"version\": \"1\"}" &&
	expect 200 &&
	api GET "/model-versions/get?name=churn&version=1" &&
	expect 404 RESOURCE_DOES_NOT_EXIST &&
	mlw model show churn:1 -o json >show.json &&
	test "$(test_json_get show.json "[\"archived\"]")" = True &&
	api DELETE /registered-models/delete "{\"name\": \"churn\"}" && expect 200 &&
	api GET "/registered-models/get?name=churn" &&
	expect 404 RESOURCE_DOES_NOT_EXIST &&
	mlw model show churn:2 -o json >show.json &&
	test "$(test_json_get show.json "[\"archived\"]")" = True &&
	api DELETE /registered-models/delete "{\"name\": \"churn\"}" &&
	expect 404 RESOURCE_DOES_NOT_EXIST &&
	mlw fsck &&
	stop_server
'

test_done

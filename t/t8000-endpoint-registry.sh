#!/bin/sh
test_description='endpoints and deployments: create, update, show, list, delete, keys, traffic, hooks'
. ./test-lib.sh

DATA=$MLW_BUILD_DIR/share/datasets
ENDPOINTS=$SHARED_DIRECTORY/corpus/cli/endpoints

test_expect_success 'setup: a workspace with a registered mlw model' '
	mlw init -q &&
	mlw train ridge --data "$DATA/diabetes.csv" --target target \
		--output model -q >/dev/null &&
	mlw model create -n diab -p model -t mlflow_model -o none &&
	cat >ep.yml <<-\EOF &&
	$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json
	name: my-endpoint
	auth_mode: key
	EOF
	cat >blue.yml <<-\EOF
	$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json
	name: blue
	endpoint_name: my-endpoint
	model: azureml:diab:1
	instance_type: Standard_DS3_v2
	instance_count: 1
	EOF
'

test_expect_success 'create an online endpoint from a spec' '
	mlw endpoint create -f ep.yml -o json >out.json &&
	test "$(test_json_get out.json "[\"name\"]")" = my-endpoint &&
	test "$(test_json_get out.json "[\"kind\"]")" = online &&
	test "$(test_json_get out.json "[\"auth_mode\"]")" = key &&
	test "$(test_json_get out.json "[\"scoring_uri\"]")" = None
'

test_expect_success 'the same name again is refused (exit 2)' '
	test_expect_code 2 mlw endpoint create -f ep.yml 2>err &&
	test_grep "already exists" err
'

test_expect_success 'a name outside Azure rule for endpoints is refused' '
	test_expect_code 2 mlw endpoint create -n "x_1" 2>err &&
	test_grep "endpoint name .x_1. is not valid" err &&
	test_expect_code 2 mlw endpoint create -n ../etc 2>err &&
	mlw endpoint list -o tsv >list &&
	test $(wc -l <list) = 1
'

test_expect_success 'create with -n alone, online or --batch' '
	mlw endpoint create -n plain -o none &&
	mlw endpoint create -n nightly --batch -o none &&
	mlw endpoint show plain --query kind -o tsv >kind &&
	echo online >expect && test_cmp expect kind &&
	mlw endpoint show -n nightly --query auth_mode -o tsv >mode &&
	echo aad_token >expect && test_cmp expect mode
'

test_expect_success 'two keys, 44 base64 characters each, in a 0600 file' '
	mlw endpoint get-credentials my-endpoint >keys.json &&
	p=$(test_json_get keys.json "[\"primaryKey\"]") &&
	s=$(test_json_get keys.json "[\"secondaryKey\"]") &&
	test ${#p} = 44 && test ${#s} = 44 && test "$p" != "$s" &&
	test "$(stat -c %a .mlw/endpoints/my-endpoint/keys.json)" = 600 &&
	test "$(stat -c %a .mlw/endpoints/my-endpoint)" = 700 &&
	! grep -r "$p" .mlw/mlw.db* >/dev/null
'

test_expect_success 'regenerate-keys replaces the one asked for' '
	mlw endpoint regenerate-keys my-endpoint --key-type secondary -q &&
	mlw endpoint get-credentials my-endpoint >keys2.json &&
	test "$(test_json_get keys2.json "[\"primaryKey\"]")" = "$p" &&
	test "$(test_json_get keys2.json "[\"secondaryKey\"]")" != "$s" &&
	mlw endpoint regenerate-keys -n my-endpoint -q &&
	mlw endpoint get-credentials my-endpoint >keys3.json &&
	test "$(test_json_get keys3.json "[\"primaryKey\"]")" != "$p" &&
	test_expect_code 2 mlw endpoint regenerate-keys my-endpoint \
		--key-type tertiary 2>err &&
	test_expect_code 2 mlw endpoint get-credentials nightly 2>err ||
	test_expect_code 3 mlw endpoint get-credentials nightly 2>err
'

test_expect_success 'a deployment of a registered model takes all the traffic' '
	mlw endpoint deployment create -f blue.yml --all-traffic -o json >d.json &&
	test "$(test_json_get d.json "[\"model\"]")" = azureml:diab:1 &&
	test "$(test_json_get d.json "[\"request_settings\"][\"request_timeout_ms\"]")" = 5000 &&
	mlw endpoint show my-endpoint --query traffic -o json >t.json &&
	echo "{\"blue\": 100}" >expect.json &&
	test_json_eq expect.json t.json
'

test_expect_success 'a missing model is exit 3 and records nothing' '
	mlw endpoint deployment list -e my-endpoint -o json >before.json &&
	test_expect_code 3 mlw endpoint deployment create -f blue.yml -n red \
		--set model=azureml:nope:1 2>err &&
	test_grep "nope" err &&
	mlw endpoint deployment list -e my-endpoint -o json >after.json &&
	test_json_eq before.json after.json
'

test_expect_success CORPUS 'a model mlw cannot score needs a scoring script' '
	test_expect_code 2 mlw endpoint deployment create -f blue.yml -n red \
		--set model="$ENDPOINTS/online/ncd/sklearn-diabetes/model" 2>err &&
	test_grep "cannot score its model itself" err &&
	test_grep "code_configuration" err
'

test_expect_success 'a model used by a deployment cannot be archived' '
	test_expect_code 2 mlw model archive -n diab -v 1 2>err &&
	test_grep "used by an endpoint deployment" err &&
	test_expect_code 2 mlw model archive -n diab 2>err &&
	mlw model show diab:1 -o json >m.json &&
	test "$(test_json_get m.json "[\"archived\"]")" = False
'

test_expect_success 'traffic: known deployments, summing to 0 or 100' '
	sed -e "s/blue/green/" blue.yml >green.yml &&
	mlw endpoint deployment create -f green.yml -o none &&
	test_expect_code 2 mlw endpoint update my-endpoint \
		--traffic "blue=90 purple=10" 2>err &&
	test_grep "no deployment .purple." err &&
	test_expect_code 2 mlw endpoint update my-endpoint \
		--traffic "blue=90 green=20" 2>err &&
	test_grep "sums to 110%" err &&
	test_expect_code 2 mlw endpoint update my-endpoint \
		--traffic "blue=90 green=x" 2>err &&
	mlw endpoint update my-endpoint --traffic "blue=90,green=10" \
		--query traffic -o json >t.json &&
	echo "{\"blue\": 90, \"green\": 10}" >expect.json &&
	test_json_eq expect.json t.json
'

test_expect_success 'mirror traffic: at most 50, never to a live deployment' '
	test_expect_code 2 mlw endpoint update my-endpoint \
		--mirror-traffic "green=10" 2>err &&
	test_grep "takes live traffic" err &&
	mlw endpoint update my-endpoint --traffic "blue=100 green=0" -o none &&
	test_expect_code 2 mlw endpoint update my-endpoint \
		--mirror-traffic "green=60" 2>err &&
	test_grep "at most 50%" err &&
	mlw endpoint update my-endpoint --mirror-traffic "green=20" \
		--query mirror_traffic -o json >m.json &&
	echo "{\"green\": 20}" >expect.json &&
	test_json_eq expect.json m.json
'

test_expect_success 'a deployment with traffic cannot be deleted' '
	test_expect_code 2 mlw endpoint deployment delete green \
		-e my-endpoint 2>err &&
	test_grep "as a mirror" err &&
	mlw endpoint update my-endpoint --mirror-traffic "green=0" -o none &&
	mlw endpoint deployment delete green -e my-endpoint -q &&
	test_expect_code 3 mlw endpoint deployment show green -e my-endpoint \
		2>err &&
	mlw endpoint show my-endpoint --query mirror_traffic -o json >m.json &&
	echo "{}" >expect.json &&
	test_json_eq expect.json m.json
'

test_expect_success 'update --set keeps what earlier overrides set' '
	mlw endpoint create -f ep.yml -n tagged --set description=first \
		-o none &&
	mlw endpoint update tagged --set tags.team=ml -o json >u.json &&
	test "$(test_json_get u.json "[\"description\"]")" = first &&
	test "$(test_json_get u.json "[\"tags\"][\"team\"]")" = ml &&
	mlw endpoint deployment update -n blue -e my-endpoint \
		--set instance_count=2 -o none &&
	mlw endpoint deployment update blue -e my-endpoint \
		--set request_settings.request_timeout_ms=90000 -o json >d.json &&
	test "$(test_json_get d.json "[\"instance_count\"]")" = 2 &&
	test "$(test_json_get d.json "[\"request_settings\"][\"request_timeout_ms\"]")" = 90000
'

test_expect_success 'settings out of range are refused with their position' '
	test_expect_code 2 mlw endpoint deployment update blue -e my-endpoint \
		--set request_settings.request_timeout_ms=0 2>err &&
	test_grep "request_timeout_ms. must be an integer from 1 to 180000" err &&
	test_expect_code 2 mlw endpoint deployment update blue -e my-endpoint \
		--set instance_count=0 2>err
'

test_expect_success 'an inline model folder is kept by gc' '
	mlw endpoint deployment create -f blue.yml -n inline \
		--set "model={path: model}" -o json >i.json &&
	obj=$(test_json_get i.json "[\"model_object\"]") &&
	test "$(test_json_get i.json "[\"model\"]")" = None &&
	mlw gc -q &&
	mlw cat-object -t $obj >type &&
	echo tree >expect && test_cmp expect type &&
	mlw fsck -q
'

test_expect_success 'the model-deployed hook gets the ModelDeployed fields' '
	mkdir -p .mlw/hooks &&
	cat >.mlw/hooks/model-deployed <<-\EOF &&
	#!/bin/sh
	cat >"$MLW_DIR/../hook.json"
	EOF
	chmod +x .mlw/hooks/model-deployed &&
	mlw endpoint deployment create -f blue.yml -n hooked -o none &&
	test "$(test_json_get hook.json "[\"ServiceName\"]")" = my-endpoint &&
	test "$(test_json_get hook.json "[\"ModelIds\"]")" = diab:1 &&
	test "$(test_json_get hook.json "[\"ServiceComputeType\"]")" = Managed &&
	test "$(test_json_get hook.json "[\"DeploymentName\"]")" = hooked
'

test_expect_success 'a failing hook is a warning; the deployment stands' '
	printf "#!/bin/sh\nexit 3\n" >.mlw/hooks/model-deployed &&
	mlw endpoint deployment create -f blue.yml -n hooked2 -o none 2>err &&
	test_grep "warning" err &&
	mlw endpoint deployment show hooked2 -e my-endpoint -o none &&
	rm .mlw/hooks/model-deployed
'

test_expect_success CORPUS 'batch endpoints and deployments, new-style settings' '
	mlw endpoint create -f "$ENDPOINTS/batch/deploy-models/heart-classifier-mlflow/endpoint.yml" \
		-o none &&
	mlw endpoint show heart-classifier-batch --query kind -o tsv >kind &&
	echo batch >expect && test_cmp expect kind &&
	mkdir -p code && echo "def init(): pass" >code/batch_driver.py &&
	cp "$ENDPOINTS/batch/deploy-models/heart-classifier-mlflow/deployment-custom/deployment.yml" dep.yml &&
	mkdir -p environment &&
	mlw endpoint deployment create -f dep.yml --set model=azureml:diab:1 \
		--set-default -o json >b.json &&
	test "$(test_json_get b.json "[\"settings\"][\"mini_batch_size\"]")" = 2 &&
	test "$(test_json_get b.json "[\"settings\"][\"max_concurrency_per_instance\"]")" = 2 &&
	test "$(test_json_get b.json "[\"instance_count\"]")" = 2 &&
	test "$(test_json_get b.json "[\"settings\"][\"retry_settings\"][\"timeout\"]")" = 300 &&
	mlw endpoint show heart-classifier-batch \
		--query defaults.deployment_name -o tsv >def &&
	echo classifier-xgboost-custom >expect && test_cmp expect def
'

test_expect_success 'a legacy batch deployment has its settings at the root' '
	cat >legacy.yml <<-\EOF &&
	$schema: https://azuremlschemas.azureedge.net/latest/batchDeployment.schema.json
	name: legacy
	endpoint_name: nightly
	model: azureml:diab:1
	compute: cpu-cluster
	resources:
	  instance_count: 1
	mini_batch_size: 5
	max_concurrency_per_instance: 3
	output_file_name: out.csv
	error_threshold: 7
	logging_level: warning
	retry_settings:
	  max_retries: 1
	  timeout: 9
	EOF
	mlw endpoint deployment create -f legacy.yml -o json >l.json &&
	test "$(test_json_get l.json "[\"settings\"][\"mini_batch_size\"]")" = 5 &&
	test "$(test_json_get l.json "[\"settings\"][\"max_concurrency_per_instance\"]")" = 3 &&
	test "$(test_json_get l.json "[\"settings\"][\"output_file_name\"]")" = out.csv &&
	test "$(test_json_get l.json "[\"settings\"][\"error_threshold\"]")" = 7 &&
	test "$(test_json_get l.json "[\"settings\"][\"retry_settings\"][\"max_retries\"]")" = 1 &&
	test "$(test_json_get l.json "[\"settings\"][\"logging_level\"]")" = warning
'

test_expect_success 'an online deployment cannot join a batch endpoint' '
	test_expect_code 2 mlw endpoint deployment create -f blue.yml \
		-e nightly -n x1x 2>err &&
	test_grep "batch endpoint" err
'

test_expect_success 'list and show in every format' '
	mlw endpoint list -o tsv >list &&
	test_grep "^nightly	batch" list &&
	mlw endpoint list -o json >list.json &&
	test "$(test_json_get list.json "[0][\"name\"]")" = heart-classifier-batch &&
	mlw endpoint deployment list -e nightly -o yaml >l.yaml &&
	test_grep "name: legacy" l.yaml
'

test_expect_success 'deleting an endpoint takes its deployments, keys and files' '
	mlw endpoint delete my-endpoint -y -q &&
	test_expect_code 3 mlw endpoint show my-endpoint 2>err &&
	test_grep "not found" err &&
	test_expect_code 3 mlw endpoint deployment list -e my-endpoint &&
	! test -e .mlw/endpoints/my-endpoint &&
	test_expect_code 2 mlw model archive -n diab -v 1 2>err &&
	mlw endpoint deployment delete legacy -e nightly -q &&
	mlw endpoint delete heart-classifier-batch -q &&
	mlw model archive -n diab -v 1 -o none &&
	mlw fsck -q
'

# the page's text with roff escapes for '-' and fonts removed
page_text () {
	sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' "$MLW_BUILD_DIR/man/mlw-endpoint.1"
}

# the options 'mlw endpoint VERB... -h' prints, one per line
options_of () {
	mlw endpoint "$@" -h >help.out &&
	sed -n -e 's/^ *\(-[a-zA-Z0-9]\), \(--[a-zA-Z0-9-]*\).*/\1\n\2/p' \
	       -e 's/^ *\(--[a-zA-Z0-9-]*\).*/\1/p' help.out
}

test_expect_success 'mlw-endpoint(1) has every verb and every option of -h' '
	page_text >page.txt &&
	for v in $(mlw endpoint --mlw-completion-helper) \
		 $(mlw endpoint deployment --mlw-completion-helper | tr " " "\n" | sed "s/^/deployment:/"); do
		verb=$(echo $v | tr : " ") &&
		grep -w -e "${v#deployment:}" page.txt >/dev/null ||
		{ echo "no verb $v in the page"; return 1; }
		test "$verb" = deployment && continue
		options_of $verb >opts || return 1
		for o in $(cat opts); do
			grep -E -e "(^|[^a-zA-Z0-9-])$o([^a-zA-Z0-9-]|$)" page.txt >/dev/null ||
			{ echo "mlw-endpoint.1: $verb option $o missing"; return 1; }
		done
	done
'

test_expect_success PYTHON 'every json field of show is documented' '
	mlw endpoint show plain -o json >e.json &&
	mlw endpoint show nightly -o json >b.json &&
	mlw endpoint deployment show hooked -e my-endpoint -o json >d.json 2>/dev/null ||
	mlw endpoint deployment list -e nightly -o json >d.json &&
	mlw endpoint get-credentials plain -o json >k.json &&
	for f in e.json b.json d.json k.json; do
		/usr/bin/python3 -c "
import json, sys
def walk(v):
    if isinstance(v, dict):
        for k, x in v.items():
            print(k); walk(x)
    elif isinstance(v, list):
        for x in v: walk(x)
walk(json.load(open(sys.argv[1])))" $f >keys &&
		for k in $(sort -u keys); do
			grep -E -e "^\.B $k\$" "$MLW_BUILD_DIR/man/mlw-endpoint.1" >/dev/null ||
			{ echo "mlw-endpoint.1 does not document json field $k"; return 1; }
		done || return 1
	done
'

COMPLETION=$MLW_BUILD_DIR/contrib/completion/mlw.bash
command -v bash >/dev/null && test_set_prereq BASH

# complete WORD...: COMPREPLY of the completion script, sorted, in 'out'
complete_words () {
	bash -c '
		. "$1" || exit 1
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		_mlw || exit 1
		for w in "${COMPREPLY[@]}"; do printf "%s\n" "$w"; done
	' complete-test "$COMPLETION" "$@" >out.raw &&
	sort out.raw >out
}

test_expect_success BASH 'completion: deployment verbs, then their options' '
	complete_words mlw endpoint deployment "" &&
	printf "%s\n" create delete get-logs list show update >expect &&
	test_cmp expect out &&
	complete_words mlw endpoint deployment create --all &&
	echo --all-traffic >expect && test_cmp expect out
'

test_expect_success BASH 'completion: endpoint names and the values az takes' '
	complete_words mlw endpoint show "" &&
	mlw endpoint list -o tsv | cut -f1 | sort >expect &&
	test_cmp expect out &&
	complete_words mlw endpoint deployment list -e n &&
	echo nightly >expect && test_cmp expect out &&
	complete_words mlw endpoint regenerate-keys x --key-type "" &&
	printf "%s\n" primary secondary >expect && test_cmp expect out
'

# The request log was a table, a row a request (endpoint schema 1); it
# is kept in batches now, and the endpoint_requests view shows the same
# rows, columns and order.  old.sql turns a new catalog back into one
# of schema 1 with three logged requests.
cat >old.sql <<\EOF
DROP VIEW endpoint_requests;
DROP TABLE endpoint_request_batches;
CREATE TABLE endpoint_requests (
  id INTEGER PRIMARY KEY, time REAL NOT NULL,
  endpoint TEXT NOT NULL, deployment TEXT, route TEXT,
  status INTEGER NOT NULL, latency_us INTEGER NOT NULL,
  bytes_in INTEGER NOT NULL, bytes_out INTEGER NOT NULL,
  mirror INTEGER NOT NULL DEFAULT 0, input TEXT, output TEXT);
CREATE INDEX endpoint_requests_time ON endpoint_requests (endpoint, time);
INSERT INTO endpoint_requests VALUES
  (1, 1700000000.25, 'e', 'blue', '/score', 200, 123, 40, 20, 0, NULL, NULL),
  (2, 1700000001.125, 'e', NULL, '/invocations', 408, 7, 0, 0, 1,
   '{"a": "x\"y"}', '[1]'),
  (5, 1700000002, 'f', 'green', '/score', 429, 0, 10, 99, 0, NULL, NULL);
UPDATE catalog_schemas SET version = 1 WHERE name = 'endpoint';
EOF
cat >old.expect <<\EOF
1700000000.25|e|blue|/score|200|123|40|20|0|-|-
1700000001.125|e|-|/invocations|408|7|0|0|1|{"a": "x\"y"}|[1]
1700000002.0|f|green|/score|429|0|10|99|0|-|-
EOF

test_expect_success 'an old request log (a table) is migrated into batches, rows intact' '
	mkdir mig &&
	(cd mig && mlw init -q && mlw endpoint list -o none) &&
	sqlite3 mig/.mlw/mlw.db <old.sql &&
	(cd mig && mlw endpoint list -o none) &&
	sqlite3 -separator "|" -nullvalue - mig/.mlw/mlw.db "SELECT time,
		endpoint, deployment, route, status, latency_us, bytes_in,
		bytes_out, mirror, input, output
		FROM endpoint_requests ORDER BY id" >actual &&
	test_cmp old.expect actual &&
	sqlite3 mig/.mlw/mlw.db "SELECT count(*) FROM endpoint_request_batches" >n &&
	echo 3 >expect && test_cmp expect n
'

test_done

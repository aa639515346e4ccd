#!/bin/sh
test_description='mlw model create -f, MLmodel flavors and signature, mlw train folders'
. ./test-lib.sh

snapshot_state () {
	mlw model list --include-archived -o tsv >state.list &&
	find .mlw/objects -type f | sort >state.objects
}

unchanged_state () {
	mlw model list --include-archived -o tsv >now.list &&
	find .mlw/objects -type f | sort >now.objects &&
	test_cmp state.list now.list &&
	test_cmp state.objects now.objects &&
	mlw fsck >/dev/null
}

DIABETES=$MLW_BUILD_DIR/share/datasets/diabetes.csv

test_expect_success 'setup' '
	mlw init -q &&
	mkdir -p spec/weights &&
	echo w >spec/weights/w.bin &&
	cat >spec/model.yml <<-\YML
	$schema: https://azuremlschemas.azureedge.net/latest/model.schema.json
	name: custom
	version: 2
	path: weights
	description: weights from a spec
	stage: Development
	job_name: happy_lamp_4k2
	tags:
	  algo: ridge
	properties:
	  auc: "0.81"
	flavors:
	  python_function:
	    loader_module: my.loader
	YML
'

test_expect_success 'train ridge --output, then register the folder as mlflow_model' '
	mlw train ridge --data "$DIABETES" --target target --output m \
		>/dev/null 2>&1 &&
	mlw model create -n diabetes -t mlflow_model -p m >out.json &&
	test "$(test_json_get out.json "[\"flavors\"][\"mlw\"][\"algorithm\"]")" = ridge &&
	test "$(test_json_get out.json "[\"flavors\"][\"mlw\"][\"standardize\"]")" = False &&
	head -1 "$DIABETES" | tr , "\n" | grep -v "^target$" >expect &&
	/usr/bin/python3 -c "
import json, sys
s = json.load(open(\"out.json\"))[\"signature\"]
for c in s[\"inputs\"]:
    assert c[\"type\"] == \"double\", c
    print(c[\"name\"])
assert s[\"outputs\"] == [{\"name\": None, \"type\": \"double\"}], s
" >actual &&
	test_cmp expect actual &&
	test $(wc -l <actual) = 10
'

test_expect_success 'show: flavors and signature in json, yaml and table' '
	mlw model show diabetes -o json >show.json &&
	test "$(test_json_get show.json "[\"signature\"][\"inputs\"][2][\"name\"]")" = bmi &&
	mlw model show diabetes -o yaml >show.yaml &&
	test_grep "algorithm: ridge" show.yaml &&
	mlw model show diabetes -o table >show.txt &&
	test_grep "^flavors  *mlw (algorithm=ridge)$" show.txt &&
	test_grep "^signature  *inputs: age double, sex double, bmi double, bp double, s1 double, s2 double, s3 double, s4 double, s5 double, s6 double; outputs: double$" show.txt
'

test_expect_success 'create -f: spec fields recorded, paths relative to the spec' '
	mlw model create -f spec/model.yml >out.json &&
	test "$(test_json_get out.json "[\"version\"]")" = 2 &&
	test "$(test_json_get out.json "[\"type\"]")" = custom_model &&
	test "$(test_json_get out.json "[\"object\"]")" = "$(mlw write-tree spec/weights)" &&
	test "$(test_json_get out.json "[\"stage\"]")" = Development &&
	test "$(test_json_get out.json "[\"job_name\"]")" = happy_lamp_4k2 &&
	test "$(test_json_get out.json "[\"properties\"][\"auc\"]")" = 0.81 &&
	test "$(test_json_get out.json "[\"flavors\"][\"python_function\"][\"loader_module\"]")" = my.loader &&
	test "$(test_json_get out.json "[\"signature\"]")" = None
'

test_expect_success 'flags and --set override the spec; the hook sees the result' '
	mkdir -p .mlw/hooks &&
	printf "#!/bin/sh\ncat >\"\$MLW_DIR/../payload\"\n" >.mlw/hooks/model-registered &&
	chmod +x .mlw/hooks/model-registered &&
	mlw model create -f spec/model.yml -v 3 -s Production \
		--properties auc=0.9 --set tags.reviewed=yes \
		-t mlflow_model -p m >out.json &&
	test "$(test_json_get out.json "[\"version\"]")" = 3 &&
	test "$(test_json_get out.json "[\"stage\"]")" = Production &&
	test "$(test_json_get out.json "[\"properties\"]")" = "{\"auc\": \"0.9\"}" &&
	test "$(test_json_get out.json "[\"tags\"][\"algo\"]")" = ridge &&
	test "$(test_json_get out.json "[\"tags\"][\"reviewed\"]")" = yes &&
	test "$(test_json_get out.json "[\"flavors\"][\"mlw\"][\"algorithm\"]")" = ridge &&
	test "$(test_json_get payload "[\"ModelVersion\"]")" = 3 &&
	rm .mlw/hooks/model-registered
'

test_expect_success 'a malformed MLmodel is an error with its position; nothing registered' '
	snapshot_state &&
	mkdir -p bad1 bad2 bad3 bad4 &&
	printf "flavors:\n  sklearn: {a: [1, 2}\n" >bad1/MLmodel &&
	test_expect_code 2 mlw model create -n bad -t mlflow_model -p bad1 2>err &&
	test_grep "bad1/MLmodel:2:[0-9]*: " err &&
	printf "artifact_path: model\n" >bad2/MLmodel &&
	test_expect_code 2 mlw model create -n bad -t mlflow_model -p bad2 2>err &&
	test_grep "bad2/MLmodel:1:1: MLmodel has no flavors" err &&
	printf "flavors:\n  sklearn: {}\nsignature:\n  inputs: %s\n" \
		"'"'"'[{\"name\": \"a\", '"'"'" >bad3/MLmodel &&
	test_expect_code 2 mlw model create -n bad -t mlflow_model -p bad3 2>err &&
	test_grep "bad3/MLmodel:4:11: signature.inputs is not valid JSON" err &&
	printf "flavors:\n  sklearn: 3\n" >bad4/MLmodel &&
	printf "name: bad\ntype: mlflow_model\npath: bad4\n" >bad4.yml &&
	test_expect_code 2 mlw model create -f bad4.yml 2>err &&
	test_grep "bad4.yml:3:7: .*bad4/MLmodel:2:12: flavor .sklearn. must be a mapping" err &&
	unchanged_state
'

test_expect_success 'kind mismatch, job outputs, spec errors change nothing' '
	snapshot_state &&
	printf "\$schema: https://azuremlschemas.azureedge.net/latest/data.schema.json\nname: d\npath: m\n" >data.yml &&
	test_expect_code 2 mlw model create -f data.yml 2>err &&
	test_grep "data asset spec" err && test_grep "not a model spec" err &&
	printf "name: j\npath: azureml:jobs/happy_lamp/outputs/model\n" >job.yml &&
	test_expect_code 3 mlw model create -f job.yml 2>err &&
	test_grep "job .happy_lamp. not found" err &&
	test_expect_code 3 mlw model create -n j -p azureml:jobs/happy_lamp/outputs/model &&
	test_expect_code 2 mlw model create -f spec/model.yml --set type=mlflow 2>err &&
	test_grep "model.yml: --set .type=mlflow.: " err &&
	unchanged_state
'

test_expect_success 'validate: model specs' '
	mlw model validate spec/model.yml >out &&
	test_grep "valid model" out &&
	test_expect_code 2 mlw model validate data.yml 2>err &&
	test_grep "not a model spec" err
'

test_expect_success PYTHON 'every json field of a model is documented in mlw-model(1)' '
	mlw model list --include-archived -o json >all.json &&
	/usr/bin/python3 - all.json >keys <<-\PY &&
	import json, sys
	keys = set()
	for a in json.load(open(sys.argv[1])):
	    keys.update(a)
	    for c in (a["signature"] or {}).values():
	        for col in c or []:
	            keys.update(col)
	    if a["signature"]:
	        keys.update(a["signature"])
	print("\n".join(sorted(keys)))
	PY
	grep -q "^dtype$" keys || echo dtype >>keys &&
	for k in $(cat keys) shape; do
		grep -E -e "^\.B[R]? $k( ,)?\$" "$MLW_BUILD_DIR/man/mlw-model.1" >/dev/null ||
		{ echo "mlw-model.1 does not document $k"; return 1; }
	done
'

test_expect_success CORPUS 'corpus model specs and MLmodel folders' '
	corpus=$SHARED_DIRECTORY/corpus &&
	f=$corpus/cli/jobs/pipelines-with-components/nyc_taxi_data_regression/artifacts/model/nyc-taxi-model.yaml &&
	test_expect_code 2 mlw model create -f "$f" 2>err &&
	test_grep "nyc-taxi-model.yaml:4:10: invalid version .<VERSION>." err &&
	mlw model create -f "$f" --version 1 >out.json &&
	test "$(test_json_get out.json "[\"type\"]")" = mlflow_model &&
	test "$(test_json_get out.json "[\"flavors\"][\"python_function\"][\"loader_module\"]")" = mlflow.sklearn &&
	test "$(test_json_get out.json "[\"flavors\"][\"sklearn\"][\"sklearn_version\"]")" = 0.24.1 &&
	test "$(test_json_get out.json "[\"signature\"][\"inputs\"][3]")" = "{\"name\": \"passengers\", \"type\": \"long\"}" &&
	test "$(test_json_get out.json "[\"signature\"][\"outputs\"][0]")" = "{\"name\": null, \"type\": \"tensor\", \"dtype\": \"float64\", \"shape\": [-1]}" &&
	for d in $(cd "$corpus" && find . -name MLmodel | sort); do
		d=${d%/MLmodel} &&
		mlw -q model create -n corpus -t mlflow_model -p "$corpus/$d" >out.json &&
		test_json_get out.json "[\"flavors\"]" >/dev/null ||
		{ echo "FAIL: $d"; return 1; }
	done &&
	mlw fsck >/dev/null
'

test_done

#!/bin/sh
test_description='mlw model: types, stage, properties, the model-registered hook'
. ./test-lib.sh

test_expect_success 'setup' '
	mlw init -q &&
	mkdir -p m/sub mlf tri &&
	echo weights >m/model.bin &&
	echo cfg >m/sub/c.json &&
	printf "flavors:\n  sklearn: {}\n" >mlf/MLmodel &&
	echo pkl >mlf/model.pkl &&
	echo x >tri/config.pbtxt &&
	echo single >w.pkl
'

test_expect_success 'create a custom model with tags, properties and stage' '
	mlw model create -n ridge -p m -s Development --tags algo=ridge \
		--properties auc=0.81 -d "first" >out.json &&
	test "$(test_json_get out.json "[\"version\"]")" = 1 &&
	test "$(test_json_get out.json "[\"type\"]")" = custom_model &&
	test "$(test_json_get out.json "[\"stage\"]")" = Development &&
	test "$(test_json_get out.json "[\"properties\"][\"auc\"]")" = 0.81 &&
	test "$(test_json_get out.json "[\"tags\"][\"algo\"]")" = ridge &&
	test "$(test_json_get out.json "[\"job_name\"]")" = None &&
	test "$(test_json_get out.json "[\"object\"]")" = "$(mlw write-tree m)"
'

test_expect_success 'a single-file custom model; mlflow and triton need folders' '
	mlw model create -n single -p w.pkl >out.json &&
	test "$(test_json_get out.json "[\"object\"]")" = "$(sha256sum w.pkl | cut -d" " -f1)" &&
	test_expect_code 2 mlw model create -n bad -p m -t mlflow_model 2>err &&
	test_grep "MLmodel" err &&
	test_expect_code 2 mlw model create -n bad -p w.pkl -t triton_model &&
	test_expect_code 2 mlw model create -n bad -p m -t uri_folder &&
	mlw model create -n mlf -p mlf -t mlflow_model >out.json &&
	test "$(test_json_get out.json "[\"type\"]")" = mlflow_model &&
	mlw model create -n tri -p tri -t triton_model >/dev/null &&
	test_expect_code 3 mlw model list -n bad
'

test_expect_success 'versions: immutable, idempotent, auto-increment' '
	mlw model create -n ridge -p m -v 1 >/dev/null 2>&1 &&
	test_expect_code 2 mlw model create -n ridge -p w.pkl -v 1 2>err &&
	test_grep "$(sha256sum w.pkl | cut -d" " -f1)" err &&
	mlw model create -n ridge -p m >out.json &&
	test "$(test_json_get out.json "[\"version\"]")" = 2
'

test_expect_success 'update: stage through --set, tags; properties stay' '
	mlw model update ridge:1 --set stage=Production --tags reviewed=yes >out.json &&
	test "$(test_json_get out.json "[\"stage\"]")" = Production &&
	test "$(test_json_get out.json "[\"tags\"][\"reviewed\"]")" = yes &&
	test "$(test_json_get out.json "[\"properties\"][\"auc\"]")" = 0.81 &&
	test_expect_code 2 mlw model update ridge:1 --set properties.auc=1
'

test_expect_success 'list, archive, restore, @latest' '
	mlw model list -o tsv >list &&
	cut -f1,2 list >actual &&
	printf "mlf\t1\nridge\t2\nsingle\t1\ntri\t1\n" >expect &&
	test_cmp expect actual &&
	mlw model archive ridge -v 2 &&
	mlw model show ridge@latest >out.json &&
	test "$(test_json_get out.json "[\"version\"]")" = 1 &&
	mlw model restore ridge:2 &&
	mlw model show ridge >out.json &&
	test "$(test_json_get out.json "[\"version\"]")" = 2
'

test_expect_success 'download restores the files byte-exact' '
	mlw model download ridge:1 -p dl >path &&
	test_cmp m/model.bin dl/ridge/model.bin &&
	test_cmp m/sub/c.json dl/ridge/sub/c.json &&
	mlw model download single -p dl &&
	test_cmp w.pkl dl/single/w.pkl
'

test_expect_success 'the model-registered hook gets the payload after commit' '
	mkdir -p .mlw/hooks &&
	cat >.mlw/hooks/model-registered <<-\HOOK &&
	#!/bin/sh
	cat >"$MLW_DIR/../payload.json"
	mlw model show "$(sed -e "s/.*\"ModelName\": *\"\([^\"]*\)\".*/\1/" "$MLW_DIR/../payload.json")" >"$MLW_DIR/../seen.json"
	echo hook-output
	HOOK
	chmod +x .mlw/hooks/model-registered &&
	mlw model create -n hooked -p m --tags t1=v1 --properties p1=x >out.json 2>err &&
	test_json_get payload.json "[\"ModelName\"]" >actual &&
	echo hooked >expect && test_cmp expect actual &&
	test "$(test_json_get payload.json "[\"ModelVersion\"]")" = 1 &&
	test "$(test_json_get payload.json "[\"ModelTags\"][\"t1\"]")" = v1 &&
	test "$(test_json_get payload.json "[\"ModelProperties\"][\"p1\"]")" = x &&
	test "$(test_json_get seen.json "[\"version\"]")" = 1 &&
	test_grep hook-output err &&
	test_grep -v hook-output out.json &&
	test "$(test_json_get out.json "[\"name\"]")" = hooked
'

test_expect_success 'an idempotent re-create does not run the hook' '
	rm -f payload.json &&
	mlw model create -n hooked -p m -v 1 >/dev/null 2>&1 &&
	test ! -e payload.json
'

test_expect_success 'a failing hook warns, exits 0 and does not undo' '
	cat >.mlw/hooks/model-registered <<-\HOOK &&
	#!/bin/sh
	exit 7
	HOOK
	mlw model create -n hooked -p w.pkl >out.json 2>err &&
	test_grep "warning: hook .model-registered. exited with status 7" err &&
	test_grep "stays registered" err &&
	mlw model show hooked:2 >out.json &&
	test "$(test_json_get out.json "[\"object\"]")" = "$(sha256sum w.pkl | cut -d" " -f1)"
'

test_expect_success 'a hook that is not executable is not run' '
	printf "#!/bin/sh\ntouch ran\n" >.mlw/hooks/model-registered &&
	chmod -x .mlw/hooks/model-registered &&
	mlw model create -n hooked -p m >/dev/null 2>&1 &&
	test ! -e ran
'

test_expect_success 'fsck clean, gc keeps model content' '
	mlw fsck &&
	mlw gc --prune=now &&
	mlw fsck &&
	mlw model download mlf -p dl5 &&
	test_cmp mlf/MLmodel dl5/mlf/MLmodel
'

test_expect_success PYTHON 'every json field is documented in mlw-model(1)' '
	mlw model list --include-archived -o json >all.json &&
	/usr/bin/python3 -c "
import json, sys
keys = set()
for a in json.load(open(\"all.json\")):
    keys.update(a.keys())
print(\"\n\".join(sorted(keys)))" >keys &&
	for k in $(cat keys); do
		grep -E -e "^\\.B $k\$" "$MLW_BUILD_DIR/man/mlw-model.1" >/dev/null ||
		{ echo "mlw-model.1 does not document $k"; return 1; }
	done
'

test_done

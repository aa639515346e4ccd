#!/bin/sh
test_description='mlw log: metrics, params, tags, artifacts from inside a job'
. ./test-lib.sh

test_expect_success 'setup' '
	mlw init -q . &&
	printf "loss 0.5 0\nloss 0.25 1\nacc 0.9 0\n" >points &&
	cat >track.yml <<-EOT
	command: >-
	  mlw log metric rmse 3.5 --step 1 &&
	  mlw log metric rmse 2.5 --step 2 &&
	  mlw log metric rmse 4.5 &&
	  mlw log metric weird nan &&
	  mlw log metric big inf &&
	  mlw log metric small -inf &&
	  mlw log metric --file $PWD/points &&
	  mlw log param alpha 0.1 &&
	  mlw log param alpha 0.1 &&
	  mlw log tag stage a && mlw log tag stage b &&
	  echo hello >model.txt && mlw log artifact model.txt &&
	  echo "acc_pattern=0.75 other=1e-3"
	environment: azureml:x@latest
	properties:
	  mlw.metrics_pattern: katib
	EOT
	cat >param.yml <<-\EOT
	command: mlw log param alpha 0.1 && mlw log param alpha 0.2
	environment: azureml:x@latest
	EOT
'

test_expect_success 'outside a job: a clear error, exit 2' '
	test_expect_code 2 mlw log metric x 1 2>err &&
	test_grep "not inside a job" err
'

test_expect_success 'metrics, params, tags and artifacts are recorded' '
	mlw -q job create -f track.yml --wait --name t1 &&
	mlw job show t1 -o json >s.json &&
	test "$(test_json_get s.json "[\"metrics\"][\"rmse\"]")" = 4.5 &&
	test "$(test_json_get s.json "[\"metrics\"][\"loss\"]")" = 0.25 &&
	test "$(test_json_get s.json "[\"params\"][\"alpha\"]")" = 0.1 &&
	test "$(test_json_get s.json "[\"tags\"][\"stage\"]")" = b &&
	test_json_get s.json "[\"artifacts\"][\"model.txt\"]" >id &&
	echo hello >expect && mlw cat-object -p $(cat id) >actual &&
	test_cmp expect actual
'

test_expect_success 'NaN and infinities are shown faithfully' '
	test "$(test_json_get s.json "[\"metrics\"][\"weird\"]")" = NaN &&
	test "$(test_json_get s.json "[\"metrics\"][\"big\"]")" = Infinity &&
	test "$(test_json_get s.json "[\"metrics\"][\"small\"]")" = -Infinity
'

test_expect_success 'the step defaults to one past the last' '
	mlw job show t1 --metrics -o json >m.json &&
	/usr/bin/python3 -c "
import json
h = json.load(open(\"m.json\"))[\"metric_history\"]
print(\" \".join(str(p[\"step\"]) for p in h if p[\"key\"] == \"rmse\"))" >steps &&
	echo "1 2 3" >expect &&
	test_cmp expect steps
'

test_expect_success 'the metrics pattern turns NAME=VALUE output into metrics' '
	test "$(test_json_get s.json "[\"metrics\"][\"acc_pattern\"]")" = 0.75 &&
	test "$(test_json_get s.json "[\"metrics\"][\"other\"]")" = 0.001
'

test_expect_success 'a param with another value is an error' '
	test_expect_code 1 mlw -q job create -f param.yml --stream >out 2>err &&
	test_grep "write-once" out
'

test_expect_success 'list --order-by metrics.X and --query' '
	mlw -q job create -f track.yml --wait --name t2 &&
	mlw job list --order-by "metrics.rmse asc" --query "[].name" -o tsv >names &&
	test "$(head -1 names)" != "" &&
	mlw job list --order-by metrics.rmse --max-results 1 -o tsv >one &&
	test $(wc -l <one) = 1 &&
	mlw job show t1 --query "{n:name, s:status}" -o json >q.json &&
	test "$(test_json_get q.json "[\"s\"]")" = Completed
'

test_expect_success 'update, archive and restore' '
	mlw job update t1 --set tags.owner=me --set description=first &&
	mlw job show t1 -o json >u.json &&
	test "$(test_json_get u.json "[\"tags\"][\"owner\"]")" = me &&
	test "$(test_json_get u.json "[\"description\"]")" = first &&
	mlw job list --tag owner=me -o tsv >tagged &&
	test_grep "^t1" tagged &&
	mlw job archive t1 &&
	mlw job list --all-results -o tsv >l && ! grep "^t1" l &&
	mlw job restore t1 &&
	mlw job list --all-results -o tsv >l && test_grep "^t1" l
'

test_expect_success 'hooks get the event payload' '
	mkdir -p .mlw/hooks &&
	cat >.mlw/hooks/run-completed <<-\EOT &&
	#!/bin/sh
	cat >>"$MLW_DIR/../completed.json"
	echo >>"$MLW_DIR/../completed.json"
	EOT
	cat >.mlw/hooks/run-status-changed <<-\EOT &&
	#!/bin/sh
	cat >>"$MLW_DIR/../changed.json"
	echo >>"$MLW_DIR/../changed.json"
	EOT
	chmod +x .mlw/hooks/* &&
	mlw -q job create -f param.yml --wait --name hookfail ;
	mlw -q job create -f track.yml --wait --name hooked &&
	test_grep "\"runId\":\"hooked\"" completed.json &&
	! grep hookfail completed.json &&
	test_grep "\"runStatus\":\"Running\"" changed.json &&
	test_grep "\"runStatus\":\"Failed\"" changed.json &&
	test_grep "experimentName" completed.json &&
	# the stable id of the workspace'"'"'s first experiment, not a hash,
	# the same in the run'"'"'s document
	id=$(mlw job show hooked --query experiment_id -o tsv) &&
	test "$id" = 1 &&
	test_grep "\"experimentId\":\"$id\"" completed.json
'

test_expect_success 'a batch of 100000 points from stdin in one go' '
	awk "BEGIN { for (i = 0; i < 100000; i++) print \"m\", i / 7, i }" >many &&
	cat >batch.yml <<-EOT &&
	command: mlw log metric --file - <$PWD/many
	environment: azureml:x@latest
	EOT
	mlw -q job create -f batch.yml --wait --name batch &&
	mlw job show batch -o json >b.json &&
	test_approx "$(test_json_get b.json "[\"metrics\"][\"m\"]")" 14285.571428571428 1e-5
'

test_done

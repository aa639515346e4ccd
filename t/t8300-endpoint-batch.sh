#!/bin/sh
test_description='batch endpoints: invoke scores files in mini-batches as a recorded job'
. ./test-lib.sh
. "$TEST_DIRECTORY"/lib-endpoint.sh

# deployment NAME [SETTINGS-LINES]: a batch deployment of ridge:1
deployment () {
	cat >"$1.yml" <<-EOF
	\$schema: https://azuremlschemas.azureedge.net/latest/modelBatchDeployment.schema.json
	endpoint_name: nightly
	name: $1
	type: model
	model: azureml:ridge:1
	compute: azureml:batch-cluster
	resources:
	  instance_count: 2
	settings:
	  max_concurrency_per_instance: 2
	  mini_batch_size: 2
	  output_action: append_row
	  output_file_name: predictions.csv
	  retry_settings:
	    max_retries: 1
	    timeout: 30
	  logging_level: info
	EOF
}

# last_job: the newest job's name
last_job () {
	mlw job list --max-results 1 --query "[0].name" -o tsv
}

# expected CSV...: "ROW,PREDICTION,FILE" lines for the given files, from
# mlw model score of each
expected () {
	for f in "$@"; do
		mlw model score ridge@latest --input "in/$f" --output s.csv -q &&
		predictions s.csv | awk -v f="$f" "{ print NR - 1 \",\" \$0 \",\" f }" ||
		return 1
	done
}

test_expect_success 'setup: a model, a batch endpoint, a default deployment' '
	mlw init -q &&
	mlw train ridge --data "$DATA/diabetes.csv" --target target \
		--output ridge -q >/dev/null &&
	mlw model create -n ridge -p ridge -t mlflow_model -o none &&
	mlw endpoint create -n nightly --batch -o none &&
	deployment ridge &&
	mlw endpoint deployment create -f ridge.yml --set-default -o none &&
	mkdir in &&
	for i in 1 2 3 4 5; do
		{ head -n 1 "$DATA/diabetes.csv" &&
		  sed -n "$((i * 20)),$((i * 20 + 9 + i))p" "$DATA/diabetes.csv"
		} | cut -d, -f1-10 >in/part$i.csv || return 1
	done
'

test_expect_success 'a folder: one line a row, in order, as mlw model score scores' '
	mlw endpoint invoke nightly --input in --mini-batch-size 1 --stream >log &&
	test_grep "scoring 5 files in 5 mini-batches of 1 file on 4 workers" log &&
	test_grep "5 files, 5 mini-batches, 65 rows scored, 0 failed items" log &&
	job=$(last_job) &&
	test "$(mlw job show $job --query status -o tsv)" = Completed &&
	test "$(mlw job show $job --query experiment_name -o tsv)" = nightly &&
	test "$(mlw job show $job --query tags.deployment -o tsv)" = ridge &&
	mlw job download $job --output-name score --download-path dl &&
	expected part1.csv part2.csv part3.csv part4.csv part5.csv >expect.folder &&
	test $(wc -l <expect.folder) = 65 &&
	test_cmp expect.folder dl/named-outputs/score/predictions.csv
'

test_expect_success 'local files are scored where they are (mode: direct)' '
	MLW_KEEP_WORKDIR=1 mlw endpoint invoke nightly --input in --wait -q \
		>/dev/null &&
	job=$(last_job) &&
	echo "$PWD/in" >expect &&
	readlink .mlw/runs/$job/inputs/data >actual &&
	test_cmp expect actual &&
	mlw write-tree in >tree &&
	mlw job show $job --query inputs.data.object -o tsv >object &&
	test_cmp tree object &&
	mlw job download $job --output-name score --download-path direct &&
	test_cmp expect.folder direct/named-outputs/score/predictions.csv &&
	# gc removes the kept area: its link goes, not what it leads to
	ls -l in >before &&
	mlw gc -q --prune=now >/dev/null &&
	! test -e .mlw/runs/$job &&
	ls -l in >after &&
	test_cmp before after
'

test_expect_success 'the predictions are hashed as they are joined: the id the run is left is theirs' '
	MLW_KEEP_WORKDIR=1 mlw endpoint invoke nightly --input in \
		--mini-batch-size 1 --wait -q >/dev/null &&
	job=$(last_job) &&
	tr "\0" "\n" <.mlw/runs/$job/statcache >hints &&
	test $(grep -c . hints) = 2 &&
	test_grep "/runs/$job/outputs/score/predictions.csv$" hints &&
	id=$(sha256sum <expect.folder | cut -d" " -f1) &&
	test_grep " $id " hints &&
	tree=$(mlw job show $job --query outputs.score.object -o tsv) &&
	mlw ls-tree $tree >ls &&
	test_grep "blob $id" ls &&
	! ls .mlw/runs/$job/outputs/score | grep -v "^predictions.csv$" &&
	mlw gc -q --prune=now >/dev/null
'

test_expect_success SKLEARN 'the predictions are scikit-learn'"'"'s on the same rows' '
	cat >sk.py <<-\EOF &&
	import csv, sys
	import pandas as pd
	from sklearn.linear_model import Ridge
	train = pd.read_csv(sys.argv[1])
	m = Ridge(alpha=1.0).fit(train.drop(columns=["target"]), train["target"])
	n = 0
	for row, pred, f in csv.reader(open(sys.argv[2])):
	    want = m.predict(pd.read_csv("in/" + f).iloc[[int(row)]])[0]
	    assert abs(want - float(pred)) <= 1e-9 * max(1, abs(want)), (row, f, want, pred)
	    n += 1
	print("ok", n)
	EOF
	/usr/bin/python3 sk.py "$DATA/diabetes.csv" \
		dl/named-outputs/score/predictions.csv >out &&
	test_grep "^ok 65$" out
'

test_expect_success 'one file: mini_batch_size rows to a mini-batch, rows numbered in the file' '
	cat in/part1.csv >one.csv &&
	tail -n +2 in/part2.csv >>one.csv &&
	mlw endpoint invoke nightly --input one.csv --mini-batch-size 4 \
		--instance-count 1 --stream >log &&
	test_grep "scoring 1 file in 6 mini-batches of 4 rows on 2 workers" log &&
	mlw job download $(last_job) --output-name score --download-path one &&
	mlw model score ridge@latest --input one.csv --output s.csv -q &&
	predictions s.csv | awk "{ print NR - 1 \",\" \$0 \",one.csv\" }" >expect &&
	test_cmp expect one/named-outputs/score/predictions.csv
'

test_expect_success 'a data asset as input; --output-path gets a copy' '
	mlw data create -n unlabeled -p in -t uri_folder -o none &&
	mlw endpoint invoke nightly --input azureml:unlabeled@latest \
		--input-type uri_folder --output-path copy --wait -q >name &&
	test "$(cat name)" = "$(last_job)" &&
	test "$(mlw job show $(last_job) --query status -o tsv)" = Completed &&
	test_cmp expect.folder copy/predictions.csv
'

test_expect_success 'output_file_name and summary_only' '
	mlw endpoint deployment update ridge -e nightly \
		--set settings.output_file_name=scores.csv -o none &&
	mlw endpoint invoke nightly --input in --wait -q >/dev/null &&
	mlw job download $(last_job) --output-name score --download-path named &&
	test_cmp expect.folder named/named-outputs/score/scores.csv &&
	mlw endpoint deployment update ridge -e nightly \
		--set settings.output_action=summary_only -o none &&
	mlw endpoint invoke nightly --input in --stream >log &&
	test_grep "65 rows scored" log &&
	mlw job download $(last_job) --output-name score --download-path summary &&
	! test -f summary/named-outputs/score/scores.csv &&
	! test -f summary/named-outputs/score/predictions.csv
'

test_expect_success 'a bad file fails its mini-batch after its retries; error_threshold decides' '
	deployment strict &&
	mlw endpoint deployment create -f strict.yml \
		--set settings.error_threshold=0 -o none &&
	mkdir bad &&
	cp in/part1.csv in/part2.csv in/part3.csv bad/ &&
	cut -d, -f1-3 in/part4.csv >bad/part4.csv &&
	test_expect_code 1 mlw endpoint invoke nightly -d strict --input bad \
		--stream >log &&
	test_grep "mini-batch 1 (part3.csv) failed (try 2 of 2).*no column" log &&
	test_grep "2 failed items, 1 failed mini-batch, 1 retry" log &&
	test "$(mlw job show $(last_job) --query status -o tsv)" = Failed &&
	mlw endpoint deployment update strict -e nightly \
		--set settings.error_threshold=-1 -o none &&
	mlw endpoint invoke nightly -d strict --input bad --wait -q >/dev/null &&
	mlw job download $(last_job) --output-name score --download-path part &&
	expected part1.csv part2.csv >expect &&
	test_cmp expect part/named-outputs/score/predictions.csv
'

test_expect_success 'rows the scorer skips are failed items and keep their index' '
	{ head -n 3 in/part1.csv &&
	  echo "abc,1,2,3,4,5,6,7,8,9" &&
	  sed -n 4,5p in/part1.csv; } >skip.csv &&
	mlw endpoint invoke nightly -d strict --input skip.csv --stream >log &&
	test_grep "skipped: skip.csv:4: .abc. is not a number" log &&
	test_grep "1 failed item," log &&
	mlw job download $(last_job) --output-name score --download-path skip &&
	cut -d, -f1 skip/named-outputs/score/predictions.csv >rows &&
	printf "0\n1\n3\n4\n" >expect &&
	test_cmp expect rows
'

test_expect_success 'a file that is no CSV fails the job before anything is scored' '
	mkdir mixed && cp in/part1.csv mixed/ && echo x >mixed/notes.txt &&
	test_expect_code 1 mlw endpoint invoke nightly --input mixed --stream >log &&
	test_grep "notes.txt.: only .csv files are scored" log &&
	! grep "scoring" log
'

test_expect_success PYTHON 'a batch driver: init() once a worker, run(mini_batch) with the files' '
	mkdir -p driver &&
	cat >driver/batch_driver.py <<-\PY &&
	import os
	def init():
	    global model_dir
	    model_dir = os.environ["AZUREML_MODEL_DIR"]
	    print("init in", os.getpid())
	def run(mini_batch):
	    out = []
	    for path in mini_batch:
	        name = os.path.basename(path)
	        first = open(path).readline()
	        if first.startswith("#fail"):
	            raise ValueError("cannot read " + name)
	        if first.startswith("#sleep"):
	            import time
	            time.sleep(30)
	        rows = sum(1 for _ in open(path)) - 1
	        out.append((name, rows, os.path.isdir(os.path.join(model_dir, "ridge"))))
	    return out
	PY
	deployment scripted &&
	cat >>scripted.yml <<-\EOF &&
	code_configuration:
	  code: driver
	  scoring_script: batch_driver.py
	EOF
	mlw endpoint deployment create -f scripted.yml \
		--set settings.error_threshold=0 -o none &&
	mlw endpoint invoke nightly -d scripted --input in --stream >log &&
	test_grep "starting 3 Python workers for batch_driver.py" log &&
	test $(grep -c "^init in" log) = 3 &&
	mlw job download $(last_job) --output-name score --download-path script &&
	for i in 1 2 3 4 5; do
		echo "part$i.csv $((10 + i)) True" || return 1
	done >expect &&
	test_cmp expect script/named-outputs/score/predictions.csv
'

test_expect_success PYTHON 'a driver that raises fails its mini-batch; one that overruns retry_settings.timeout too' '
	mkdir drv &&
	cp in/part1.csv in/part2.csv in/part3.csv in/part4.csv drv/ &&
	echo "#fail" >drv/part5.csv &&
	test_expect_code 1 mlw endpoint invoke nightly -d scripted --input drv \
		--stream >log &&
	test_grep "mini-batch 2 (part5.csv) failed (try 2 of 2).*ValueError: cannot read part5.csv" log &&
	test_grep "1 failed item" log &&
	mlw endpoint deployment update scripted -e nightly \
		--set settings.retry_settings.timeout=2 \
		--set settings.retry_settings.max_retries=0 \
		--set settings.error_threshold=-1 -o none &&
	echo "#sleep" >drv/part5.csv &&
	mlw endpoint invoke nightly -d scripted --input drv --stream >log &&
	test_grep "mini-batch 2 (part5.csv) failed (try 1 of 1): run() did not return within retry_settings.timeout (2 s)" log &&
	mlw job download $(last_job) --output-name score --download-path late &&
	head -n 4 expect >expect4 &&
	test_cmp expect4 late/named-outputs/score/predictions.csv
'

test_expect_success PYTHON 'a job canceled while scoring keeps no half-joined predictions' '
	mlw endpoint deployment update scripted -e nightly \
		--set settings.retry_settings.timeout=60 -o none &&
	mkdir slow &&
	cp in/part1.csv in/part2.csv slow/ &&
	echo "#sleep" >slow/part3.csv &&
	job=$(mlw endpoint invoke nightly -d scripted --input slow \
		--mini-batch-size 2 -q) &&
	# the first mini-batch is joined while the second sleeps
	for i in $(seq 1 300); do
		ls .mlw/runs/$job/outputs/score 2>/dev/null | grep -q "\.tmp" &&
			break
		sleep 0.1
	done &&
	ls .mlw/runs/$job/outputs/score | grep "^predictions.csv.tmp" &&
	mlw job cancel $job &&
	for i in $(seq 1 300); do
		test "$(mlw job show $job --query status -o tsv)" = Canceled &&
			break
		sleep 0.1
	done &&
	test "$(mlw job show $job --query status -o tsv)" = Canceled &&
	tree=$(mlw job show $job --query outputs.score.object -o tsv) &&
	mlw ls-tree $tree >ls &&
	test_must_be_empty ls
'

test_expect_success 'invoke: usage errors and what is not there' '
	test_expect_code 3 mlw endpoint invoke nightly --input nowhere 2>err &&
	test_grep "cannot read .nowhere." err &&
	test_expect_code 2 mlw endpoint invoke nightly --input in \
		--input-type uri_file 2>err &&
	test_grep "is a folder, not a uri_file" err &&
	test_expect_code 2 mlw endpoint invoke nightly --input in \
		--input-type mltable 2>err &&
	test_expect_code 2 mlw endpoint invoke nightly --request-file x.json 2>err &&
	test_grep "invoked with --input" err &&
	test_expect_code 3 mlw endpoint invoke nightly --input in -d purple 2>err &&
	test_grep "purple" err &&
	mlw endpoint create -n adhoc --batch -o none &&
	test_expect_code 2 mlw endpoint invoke adhoc --input in 2>err &&
	test_grep "no default deployment" err &&
	mlw endpoint create -n live -o none &&
	test_expect_code 2 mlw endpoint invoke live --input in 2>err &&
	test_grep "online endpoint" err
'

test_expect_success 'list-jobs: the jobs of the endpoint, or of one deployment' '
	mlw endpoint list-jobs nightly -o tsv >all &&
	test $(wc -l <all) = 15 &&
	mlw endpoint list-jobs nightly -d strict -o tsv >strict &&
	test $(wc -l <strict) = 3 &&
	test_expect_code 2 mlw endpoint list-jobs live 2>err &&
	test_grep "online endpoint" err
'

test_expect_success 'every job ran clean (no sanitizer report in its log)' '
	mlw job list --all-results --query "[].name" -o tsv >jobs &&
	test $(wc -l <jobs) -ge 9 &&
	while read j; do
		{ mlw job stream $j >job.log 2>&1 || :; } &&
		test_file_not_empty job.log &&
		! grep -e Sanitizer -e "runtime error" job.log || return 1
	done <jobs
'

test_expect_success 'the store is clean' '
	mlw fsck -q
'

test_done

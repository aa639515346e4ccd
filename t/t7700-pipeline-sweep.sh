#!/bin/sh
test_description='pipeline sweep steps: the sweep engine as a step, its best trial feeding the next; MLflow variables in steps'
. ./test-lib.sh
. "$TEST_DIRECTORY"/lib-job.sh
. "$TEST_DIRECTORY"/lib-pipeline.sh

# py EXPR FILE: EXPR of the JSON document in FILE (as d)
py () {
	/usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($1)" "$2"
}

# trial_metrics SWEEP METRIC: "NAME VALUE" of each trial of SWEEP, by value
trial_metrics () {
	for t in $(mlw job list --parent-job-name "$1" --all-results -o tsv |
		   cut -f1)
	do
		mlw job show $t -o json >trial.json &&
		echo "$t $(py "d[\"metrics\"][\"$2\"]" trial.json)" || return 1
	done | sort -k2 -g
}

test_expect_success 'setup' '
	git init -q && mlw init -q . &&
	cp "$MLW_BUILD_DIR/share/datasets/diabetes.csv" . &&
	cat >ridge.yml <<-\EOT &&
	$schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json
	type: command
	name: ridge_train
	inputs:
	  data:
	    type: uri_file
	  alpha:
	    type: number
	    default: 1
	outputs:
	  model:
	    type: mlflow_model
	command: >-
	  mlw train ridge --data ${{inputs.data}} --target target
	  --alpha ${{inputs.alpha}} --cv 3
	environment: azureml:env@latest
	EOT
	cat >tune.yml <<-\EOT
	type: pipeline
	experiment_name: tuning
	inputs:
	  d:
	    type: uri_file
	    path: ./diabetes.csv
	jobs:
	  tune:
	    type: sweep
	    trial: ./ridge.yml
	    inputs:
	      data: ${{parent.inputs.d}}
	    sampling_algorithm:
	      type: random
	      seed: 7
	    search_space:
	      alpha:
	        type: loguniform
	        min_value: -5
	        max_value: 3
	    objective:
	      goal: maximize
	      primary_metric: r2_score
	    limits:
	      max_total_trials: 4
	      max_concurrent_trials: 2
	  use:
	    command: ls ${{inputs.m}} >${{outputs.o}}/list.txt
	    environment: azureml:env@latest
	    inputs:
	      m: ${{parent.jobs.tune.outputs.model}}
	    outputs:
	      o:
	EOT
'

test_expect_success 'a sweep step is a child run of type sweep; its trials are its children' '
	mlw -q job create -f tune.yml --name p1 --wait >/dev/null &&
	test "$(mlw job show p1 --query status -o tsv)" = Completed &&
	test "$(step_field p1 tune type)" = sweep &&
	sw=$(step_field p1 tune job) &&
	mlw job show $sw -o json >sw.json &&
	test "$(py "d[\"type\"]" sw.json)" = sweep &&
	test "$(py "d[\"parent_job_name\"]" sw.json)" = p1 &&
	test "$(py "d[\"experiment_name\"]" sw.json)" = tuning &&
	test "$(py "d[\"sweep\"][\"trial_counts\"][\"Completed\"]" sw.json)" = 4 &&
	test "$(py "d[\"sweep\"][\"seed\"]" sw.json)" = 7 &&
	mlw job list --parent-job-name $sw -o json >trials.json &&
	test "$(py "len(d)" trials.json)" = 4 &&
	mlw job show ${sw}_2 -o json >t2.json &&
	test "$(py "d[\"parent_job_name\"]" t2.json)" = $sw &&
	case "$(py "d[\"command\"]" t2.json)" in
	*"--alpha $(py "d[\"params\"][\"alpha\"]" t2.json) --cv 3") ;;
	*) false ;;
	esac
'

test_expect_success 'the best trial'"'"'s model is the step'"'"'s output, read by the next step' '
	sw=$(step_field p1 tune job) &&
	use=$(step_field p1 use job) &&
	mlw job show $use -o json >use.json &&
	test "$(py "d[\"inputs\"][\"m\"][\"object\"]" use.json)" = \
	     "$(py "d[\"outputs\"][\"model\"][\"object\"]" sw.json)" &&
	mlw job download $use --output-name o --download-path used >/dev/null &&
	test_grep "^MLmodel$" used/named-outputs/o/list.txt &&
	mlw model create --name tuned --path azureml:jobs/$sw/outputs/model -o json >m.json &&
	test -n "$(py "d[\"version\"]" m.json)"
'

test_expect_success 'a seeded sweep over the same inputs is reused, and so are the steps after it' '
	mlw -q job create -f tune.yml --name p2 --wait >/dev/null &&
	test "$(step_field p2 tune reused_from)" = "$(step_field p1 tune job)" &&
	test "$(step_field p2 use reused_from)" = "$(step_field p1 use job)" &&
	test -z "$(steps_ran p2)" &&
	test "$(step_field p2 tune type)" = sweep &&
	mlw job show "$(step_field p2 tune job)" -o json >r.json &&
	test "$(py "d[\"type\"]" r.json)" = sweep &&
	test "$(py "d[\"outputs\"][\"model\"][\"object\"]" r.json)" = \
	     "$(py "d[\"outputs\"][\"model\"][\"object\"]" sw.json)"
'

test_expect_success 'a changed search space or objective runs the sweep again' '
	mlw -q job create -f tune.yml --name p3 --wait \
		--set jobs.tune.search_space.alpha.max_value=2 >/dev/null &&
	test "$(steps_ran p3)" = "tune use" &&
	mlw -q job create -f tune.yml --name p4 --wait \
		--set jobs.tune.limits.max_total_trials=3 >/dev/null &&
	test "$(step_field p4 tune reused_from)" = None &&
	mlw job list --parent-job-name "$(step_field p4 tune job)" -o tsv >t4 &&
	test $(wc -l <t4) = 3
'

test_expect_success 'an unseeded sweep is not deterministic: it runs every time' '
	sed "/seed: 7/d" tune.yml >unseeded.yml &&
	mlw -q job create -f unseeded.yml --name u1 --wait >/dev/null &&
	mlw -q job create -f unseeded.yml --name u2 --stream >log &&
	test_grep "step .tune.: not reused (its sampling_algorithm has no seed)" log &&
	test "$(step_field u2 tune reused_from)" = None &&
	test "$(mlw job show "$(step_field u2 tune job)" --query status -o tsv)" = Completed
'

test_expect_success 'a registered component as the trial: process trials with its code, logging through MLflow' '
	mkdir -p comp/src &&
	cat >comp/src/run.sh <<-\EOT &&
	x=$1 out=$2
	echo "x=$x" >"$out/x.txt"
	curl -sf -X POST -H Content-Type:application/json \
	  -d "{\"run_id\": \"$MLFLOW_RUN_ID\", \"key\": \"score\", \"value\": $x, \"timestamp\": 1700000000000, \"step\": 0}" \
	  "$MLFLOW_TRACKING_URI/api/2.0/mlflow/runs/log-metric"
	EOT
	cat >comp/score.yml <<-\EOT &&
	$schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json
	type: command
	name: scorer
	version: 1
	code: ./src
	inputs:
	  x:
	    type: integer
	  label:
	    type: string
	outputs:
	  out:
	    type: uri_folder
	command: sh run.sh ${{inputs.x}} ${{outputs.out}} && echo ${{inputs.label}}
	environment: azureml:env@latest
	EOT
	mlw -q component create -f comp/score.yml >/dev/null &&
	rm -r comp &&
	cat >grid.yml <<-\EOT &&
	type: pipeline
	jobs:
	  search:
	    type: sweep
	    trial: azureml:scorer@latest
	    inputs:
	      label: hello
	    sampling_algorithm: grid
	    search_space:
	      x:
	        type: choice
	        values: [1, 3, 2]
	    objective:
	      goal: maximize
	      primary_metric: score
	    limits:
	      max_total_trials: 3
	      max_concurrent_trials: 1
	  show:
	    command: cat ${{inputs.best}}/x.txt
	    environment: azureml:env@latest
	    inputs:
	      best: ${{parent.jobs.search.outputs.out}}
	EOT
	mlw -q job create -f grid.yml --name g1 --wait >/dev/null &&
	sw=$(step_field g1 search job) &&
	trial_metrics $sw score >gt &&
	test "$(cut -d" " -f2 gt | tr "\n" " ")" = "1.0 2.0 3.0 " &&
	mlw job stream "$(step_field g1 show job)" >shown &&
	test_grep "^x=3$" shown &&
	mlw -q job create -f grid.yml --name g2 --wait >/dev/null &&
	test "$(step_field g2 search reused_from)" = $sw
'

test_expect_success 'each step gets the MLflow variables of its own run, and a server that logs there' '
	cat >tracked.yml <<-\EOT &&
	type: pipeline
	experiment_name: trk
	jobs:
	  a:
	    command: >-
	      echo "run=$MLFLOW_RUN_ID exp=$MLFLOW_EXPERIMENT_NAME" &&
	      curl -sf -X POST -H Content-Type:application/json
	      -d "{\"run_id\": \"$MLFLOW_RUN_ID\", \"key\": \"acc\", \"value\": 0.75, \"timestamp\": 1700000000000, \"step\": 0}"
	      $MLFLOW_TRACKING_URI/api/2.0/mlflow/runs/log-metric
	    environment: azureml:env@latest
	  b:
	    command: >-
	      echo "run=$MLFLOW_RUN_ID" &&
	      curl -sf -X POST -H Content-Type:application/json
	      -d "{\"run_id\": \"$MLFLOW_RUN_ID\", \"key\": \"acc\", \"value\": 0.5, \"timestamp\": 1700000000000, \"step\": 0}"
	      $MLFLOW_TRACKING_URI/api/2.0/mlflow/runs/log-metric
	    environment: azureml:env@latest
	    outputs:
	      o:
	  c:
	    command: >-
	      curl -sf -X POST -H Content-Type:application/json
	      -d "{\"run_id\": \"$MLFLOW_RUN_ID\", \"key\": \"acc\", \"value\": 0.25, \"timestamp\": 1700000000000, \"step\": 0}"
	      $MLFLOW_TRACKING_URI/api/2.0/mlflow/runs/log-metric
	    environment: azureml:env@latest
	    inputs:
	      after: ${{parent.jobs.b.outputs.o}}
	EOT
	mlw -q job create -f tracked.yml --name tr1 --wait >/dev/null &&
	a=$(step_field tr1 a job) && b=$(step_field tr1 b job) &&
	mlw job show $a -o json >a.json &&
	test "$(py "d[\"metrics\"][\"acc\"]" a.json)" = 0.75 &&
	mlw job show $b -o json >b.json &&
	test "$(py "d[\"metrics\"][\"acc\"]" b.json)" = 0.5 &&
	mlw job show $(step_field tr1 c job) -o json >c.json &&
	test "$(py "d[\"metrics\"][\"acc\"]" c.json)" = 0.25 &&
	mlw job show tr1 -o json >tr1.json &&
	test "$(py "d[\"metrics\"]" tr1.json)" = "{}" &&
	mlw job stream $a >alog &&
	test_grep "^run=$a exp=trk$" alog &&
	mlw job stream $b >blog &&
	test_grep "^run=$b$" blog
'

test_expect_success 'a search space naming an input the trial lacks: exit 2 at its key, nothing run' '
	mlw job list --all-results -o tsv >before &&
	sed "s/      alpha:/      beta:/" tune.yml >bad.yml &&
	test_expect_code 2 mlw job create -f bad.yml 2>err &&
	test_grep "bad.yml:17:7: search_space of sweep step .tune. names .beta., which is no input of its trial component" err &&
	sed "/trial:/d" tune.yml >notrial.yml &&
	test_expect_code 2 mlw job create -f notrial.yml 2>err &&
	test_grep "notrial.yml:9:5: missing required key .trial. in a sweep step" err &&
	sed "s/max_value: 3/max_valu: 3/" tune.yml >dist.yml &&
	test_expect_code 2 mlw job create -f dist.yml 2>err &&
	test_grep "dist.yml:[0-9]*:[0-9]*: .*max_valu" err &&
	mlw job list --all-results -o tsv >after &&
	test_cmp before after
'

test_expect_success CORPUS 'the Azure example pipeline with a sweep step validates as it is' '
	cp -r "$SHARED_DIRECTORY/corpus/cli/jobs/pipelines-with-components/basics/3c_pipeline_with_hyperparameter_sweep" c3 &&
	mlw job validate c3/pipeline.yml >out 2>err &&
	test_grep "c3/pipeline.yml: valid pipeline job" out &&
	test_grep "warning: c3/pipeline.yml:16:15: input .training_data. of step .sweep_for_train.: .https://.* is remote" err &&
	test_grep -v "error:" err
'

test_expect_success CORPUS 'with its data here and a stand-in train.py, it runs: the best trial'"'"'s model is its output' '
	mkdir -p c3/src bin &&
	printf "Survived,Age\n1,22\n0,38\n" >c3/titanic.csv &&
	sed -i "s|https://dprepdata.blob.core.windows.net/demo/Titanic.csv|./titanic.csv|" c3/pipeline.yml &&
	cat >c3/src/train.py <<-\EOT &&
	import argparse, json, os, urllib.request
	ap = argparse.ArgumentParser()
	for a in ["random-seed", "training-data", "batch-size", "first-layer-neurons",
	          "second-layer-neurons", "third-layer-neurons", "epochs", "f1", "f2",
	          "weight-decay", "momentum", "learning-rate", "model-output"]:
	    ap.add_argument("--" + a)
	args = ap.parse_args()
	acc = 1.0 / (1.0 + abs(float(args.f2) - 15.0))
	body = json.dumps({"run_id": os.environ["MLFLOW_RUN_ID"], "key": "accuracy",
	                   "value": acc, "timestamp": 1700000000000, "step": 0}).encode()
	urllib.request.urlopen(urllib.request.Request(
	    os.environ["MLFLOW_TRACKING_URI"] + "/api/2.0/mlflow/runs/log-metric",
	    data=body, method="POST", headers={"Content-Type": "application/json"})).read()
	with open(os.path.join(args.model_output, "model.txt"), "w") as f:
	    f.write("f2=%s seed=%s\n" % (args.f2, args.random_seed))
	EOT
	printf "#!/bin/sh\nexec /usr/bin/python3 \"\$@\"\n" >bin/python &&
	chmod +x bin/python &&
	PATH=$PWD/bin:$PATH mlw -q job create -f c3/pipeline.yml --name c3 \
		--set jobs.sweep_for_train.limits.max_concurrent_trials=1 \
		--wait >/dev/null &&
	sw=$(step_field c3 sweep_for_train job) &&
	trial_metrics $sw accuracy >ct &&
	test $(wc -l <ct) = 3 &&
	best=$(tail -n 1 ct | cut -d" " -f1) &&
	mlw job show $best -o json >cb.json &&
	mlw job show $sw -o json >cs.json &&
	test "$(py "d[\"outputs\"][\"model_output\"][\"object\"]" cs.json)" = \
	     "$(py "d[\"outputs\"][\"model_output\"][\"object\"]" cb.json)" &&
	mlw job download $sw --output-name model_output --download-path dl >/dev/null &&
	test_grep "seed=5$" dl/named-outputs/model_output/model.txt
'

test_done

#!/bin/sh
test_description='mlw tracking serve driven by a real MLflow client: the npm package mlflow'
. ./test-lib.sh

. "$TEST_DIRECTORY"/lib-tracking.sh

# The client, from the npm registry into a scratch folder (npm's cache
# makes later runs offline); without node, npm or the registry: skipped.
MLFLOW_NPM_VERSION=2.0.7
if command -v node >/dev/null && command -v npm >/dev/null &&
   mkdir -p npm &&
   (cd npm && timeout 300 npm install --prefer-offline --no-audit \
	--no-fund --loglevel=error "mlflow@$MLFLOW_NPM_VERSION") \
	>npm.log 2>&1 &&
   test -f npm/node_modules/mlflow/index.js
then
	test_set_prereq NPM_MLFLOW
else
	say "# npm's mlflow@$MLFLOW_NPM_VERSION could not be installed: $(tail -n 2 npm.log 2>/dev/null | tr '\n' ' ')"
fi

test_expect_success CURL,NPM_MLFLOW 'setup: a server' '
	start_server &&
	cat >npm/drive.js <<-\EOT
	// Experiments, runs, metrics, params, tags, history, search and
	// artifacts through the npm mlflow client; what came back in out.json
	const MLflow = require("mlflow").default || require("mlflow");
	const fs = require("fs");
	const client = new MLflow({endpoint: process.argv[2]});
	const {Experiments, Runs, Metrics, Artifacts} = client;
	const out = {};
	(async () => {
		const {experiment_id} = await Experiments.create({name: "npm-exp"});
		out.experiment_id = experiment_id;
		out.get = (await Experiments.get({experiment_id})).experiment;
		await Experiments.update({experiment_id, new_name: "npm-exp2"});
		out.list = (await Experiments.list({view_type: "ALL"})).experiments.map(e => e.name);
		const {run} = await Runs.create({experiment_id, user_id: "ann",
			start_time: Date.now(), tags: [{key: "mlflow.runName", value: "npm-run"}]});
		const run_id = run.info.run_id;
		out.run_id = run_id;
		for (let step = 0; step < 5; step++)
			await Runs.logMetric({run_id, key: "loss", value: 1 / (step + 1),
				timestamp: Date.now(), step});
		await Runs.logParameter({run_id, key: "lr", value: "0.1"});
		await Runs.setTag({run_id, key: "team", value: "blue"});
		await Runs.setTag({run_id, key: "gone", value: "x"});
		await Runs.deleteTag({run_id, key: "gone"});
		await Runs.logBatch({run_id, metrics: [{key: "acc", value: 0.9,
			timestamp: Date.now(), step: 0}], params: [{key: "depth", value: "3"}],
			tags: [{key: "stage", value: "dev"}]});
		try {
			await Runs.logParameter({run_id, key: "lr", value: "0.2"});
			out.param_changed = "accepted";
		} catch (e) {
			out.param_changed = JSON.parse(e.message.replace(/^Error: /, ""));
		}
		out.history = (await Metrics.getHistory({run_id, metric_key: "loss"})).metrics;
		out.search = (await Runs.search({experiment_ids: [experiment_id],
			filter: "metrics.acc > 0.5 and params.depth = '\''3'\''",
			order_by: ["metrics.acc DESC"], max_results: 10})).runs;
		out.none = await Runs.search({experiment_ids: [experiment_id],
			filter: "metrics.acc > 0.95"});
		await Runs.update({run_id, status: "FINISHED", end_time: Date.now()});
		out.run = (await Runs.get({run_id})).run;
		out.artifacts = await Artifacts.list({run_id});
		await Runs.delete({run_id});
		out.deleted = (await Runs.get({run_id})).run.info.lifecycle_stage;
		await Runs.restore({run_id});
		await Experiments.delete({experiment_id});
		out.exp_deleted = (await Experiments.get({experiment_id})).experiment.lifecycle_stage;
		await Experiments.restore({experiment_id});
		try {
			await Experiments.setExperimentTag({experiment_id, key: "k", value: "v"});
			out.set_experiment_tag = "accepted";
		} catch (e) {
			out.set_experiment_tag = JSON.parse(e.message.replace(/^Error: /, ""));
		}
		fs.writeFileSync("out.json", JSON.stringify(out, null, 1));
	})().catch(e => { console.error(e); process.exit(1); });
	EOT
'

test_expect_success CURL,NPM_MLFLOW 'the npm client logs a run that mlw job show shows' '
	NODE_PATH=npm/node_modules node npm/drive.js "$(cat url)" >node.log &&
	test "$(test_json_get out.json "[\"get\"][\"name\"]")" = npm-exp &&
	test_grep "npm-exp2" out.json &&
	RUN=$(test_json_get out.json "[\"run_id\"]") &&
	test "$(test_json_get out.json "[\"run\"][\"info\"][\"status\"]")" = FINISHED &&
	test "$(test_json_get out.json "[\"run\"][\"info\"][\"user_id\"]")" = ann &&
	test "$(test_json_get out.json "[\"run\"][\"info\"][\"run_name\"]")" = npm-run &&
	test "$(test_json_get out.json "[\"history\"][4][\"value\"]")" = 0.2 &&
	test "$(test_json_get out.json "[\"history\"][4][\"step\"]")" = 4 &&
	test "$(test_json_get out.json "[\"search\"][0][\"info\"][\"run_id\"]")" = "$RUN" &&
	test "$(test_json_get out.json "[\"none\"]")" = "{}" &&
	test "$(test_json_get out.json "[\"param_changed\"][\"status\"]")" = 400 &&
	test "$(test_json_get out.json "[\"param_changed\"][\"data\"][\"error_code\"]")" = INVALID_PARAMETER_VALUE &&
	test "$(test_json_get out.json "[\"deleted\"]")" = deleted &&
	test "$(test_json_get out.json "[\"exp_deleted\"]")" = deleted &&
	mlw job show "$RUN" -o json >show.json &&
	test "$(test_json_get show.json "[\"type\"]")" = tracking &&
	test "$(test_json_get show.json "[\"status\"]")" = Completed &&
	test "$(test_json_get show.json "[\"experiment_name\"]")" = npm-exp2 &&
	test "$(test_json_get show.json "[\"metrics\"][\"loss\"]")" = 0.2 &&
	test "$(test_json_get show.json "[\"metrics\"][\"acc\"]")" = 0.9 &&
	test "$(test_json_get show.json "[\"params\"][\"lr\"]")" = 0.1 &&
	test "$(test_json_get show.json "[\"params\"][\"depth\"]")" = 3 &&
	test "$(test_json_get show.json "[\"tags\"][\"team\"]")" = blue &&
	test_must_fail test_json_get show.json "[\"tags\"][\"gone\"]"
'

# The client posts set-experiment-tag to "experimentsset-experiment-tag"
# (a "/" missing in its source): that route is not MLflow's, and the
# answer says so rather than guess.
test_expect_success CURL,NPM_MLFLOW 'the client'"'"'s misspelt set-experiment-tag route is ENDPOINT_NOT_FOUND' '
	test "$(test_json_get out.json "[\"set_experiment_tag\"][\"status\"]")" = 404 &&
	test "$(test_json_get out.json "[\"set_experiment_tag\"][\"data\"][\"error_code\"]")" = ENDPOINT_NOT_FOUND &&
	stop_server
'

test_expect_success NPM_MLFLOW 'share/examples/mlflow-npm: a job logs with the npm client' '
	cp -R "$TEST_DIRECTORY/../share/examples/mlflow-npm" example &&
	cp -R npm/node_modules example/src/node_modules &&
	(cd example && git init -q && ./run.sh >../example.json 2>../example.log) &&
	test "$(test_json_get example.json "[\"status\"]")" = Completed &&
	test "$(test_json_get example.json "[\"params\"][\"learning_rate\"]")" = 0.5 &&
	test "$(test_json_get example.json "[\"metrics\"][\"w\"]")" = 2.9970703125 &&
	test "$(test_json_get example.json "[\"tags\"][\"mlflow.source.name\"]")" = train.js &&
	mlw -C example job list -o json >list.json &&
	test "$(test_json_get list.json "[0][\"experiment_name\"]")" = mlflow-npm
'

test_done

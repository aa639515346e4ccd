// train.js - a toy training loop logging through the npm package mlflow
// (a REST client written by others), as it would to any MLflow server.
// MLFLOW_TRACKING_URI and MLFLOW_RUN_ID come from the job.
const MLflow = require("mlflow").default || require("mlflow");

const client = new MLflow({endpoint: process.env.MLFLOW_TRACKING_URI});
const run_id = process.env.MLFLOW_RUN_ID;
const {Runs, Metrics} = client;

(async () => {
	const lr = 0.5;
	let w = 0;

	await Runs.logParameter({run_id, key: "learning_rate", value: String(lr)});
	await Runs.setTag({run_id, key: "mlflow.source.name", value: "train.js"});
	/* fit y = 3x by gradient descent, logging the loss at each epoch */
	for (let epoch = 0; epoch < 10; epoch++) {
		const loss = (3 - w) * (3 - w);

		w += lr * (3 - w);
		await Runs.logMetric({run_id, key: "loss", value: loss,
				      timestamp: Date.now(), step: epoch});
	}
	await Runs.logBatch({run_id, metrics: [{key: "w", value: w,
			     timestamp: Date.now(), step: 0}]});
	const h = await Metrics.getHistory({run_id, metric_key: "loss"});
	process.stderr.write(`logged ${h.metrics.length} loss points, w=${w}\n`);
})().catch(e => { console.error(e); process.exit(1); });

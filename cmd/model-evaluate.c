/*
 * model-evaluate.c - 'mlw model evaluate --input SCORED --target COL':
 * the Designer's Evaluate Model.  The metrics of predictions against
 * labels (lib/ml/prep.h, computed as scikit-learn computes them), from
 * the table 'mlw model score --include-input' writes; printed, written
 * as JSON with --output, and inside a job logged to its run as 'mlw log
 * metric' would.
 */
#include "builtin.h"
#include "asset/asset.h"
#include "ml/dataset.h"
#include "ml/prep.h"
#include "run/run.h"
#include "store/catalog.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"

#include <stdlib.h>
#include <string.h>

/* inside a job (MLW_RUN_ID): the metrics are the run's */
static int log_to_run(struct mlw_ctx *ctx, const struct mlw_evaluation *ev)
{
	const char *name = getenv("MLW_RUN_ID");
	struct mlw_metric_writer *w;
	struct mlw_catalog *cat;
	double now = mlw_now();
	int64_t id;
	size_t i;
	int ret;

	if (!name || !*name)
		return 0;
	cat = cmd_catalog(ctx);
	ret = mlw_run_get_id(&id, cat, name);
	if (!ret)
		ret = mlw_catalog_begin(cat);
	if (ret)
		return ret;
	ret = mlw_metric_writer_new(&w, cat, id);
	for (i = 0; !ret && i < ev->nr_metrics; i++)
		ret = mlw_metric_writer_add(w, ev->metrics[i].name,
					    ev->metrics[i].value, 0, now);
	if (!ret)
		ret = mlw_metric_writer_finish(w);
	else if (w)
		mlw_metric_writer_abort(w);
	if (!ret)
		ret = mlw_catalog_commit(cat);
	else
		mlw_catalog_rollback(cat);
	return ret;
}

static void out_evaluation(struct mlw_out *o, const struct mlw_evaluation *ev)
{
	size_t i;

	mlw_out_object_begin(o, NULL);
	mlw_out_str(o, "task", ev->task == MLW_TASK_CLASSIFICATION ?
		    "classification" : "regression");
	mlw_out_int(o, "rows", (int64_t)ev->nr_rows);
	if (ev->task == MLW_TASK_CLASSIFICATION)
		mlw_out_bool(o, "probabilities", ev->has_proba);
	mlw_out_object_begin(o, "metrics");
	for (i = 0; i < ev->nr_metrics; i++)
		mlw_out_num(o, ev->metrics[i].name, ev->metrics[i].value);
	mlw_out_end(o);
	mlw_out_end(o);
}

/* --output: the same document as JSON, replaced only when written */
static int write_json(struct mlw_out *o, const char *path)
{
	struct mlw_buf b = MLW_BUF_INIT;
	struct mlw_output out;
	int ret = mlw_out_render(o, MLW_FMT_JSON, &b, 0);

	if (!ret)
		ret = mlw_output_open(&out, path);
	if (!ret) {
		if (mlw_write_all(out.fd, b.buf, b.len)) {
			ret = mlw_error_errno("cannot write '%s'", path);
			mlw_output_abort(&out);
		} else {
			ret = mlw_output_commit(&out);
		}
	}
	mlw_buf_release(&b);
	return ret;
}

CMD(model_evaluate)
{
	static const char *const usage[] = {
		"mlw model evaluate --input SCORED --target COL "
		"[--prediction COL] [--task auto|regression|classification] "
		"[--output FILE]", NULL
	};
	const char *input = NULL, *target = NULL, *prediction = "prediction";
	const char *task = "auto", *output = NULL;
	struct mlw_option opts[] = {
		MLW_OPT_STRING('i', "input", &input, "SCORED",
			       "a table with labels and predictions"),
		MLW_OPT_STRING(0, "target", &target, "COL",
			       "the column of the labels"),
		MLW_OPT_STRING(0, "prediction", &prediction, "COL",
			       "the column of the predictions (prediction)"),
		MLW_OPT_STRING(0, "task", &task,
			       "auto|regression|classification",
			       "which metrics (auto: from the columns)"),
		MLW_OPT_STRING(0, "output", &output, "FILE",
			       "also write the metrics there as JSON"),
		MLW_OPT_END()
	};
	struct mlw_evaluation ev;
	struct mlw_dataset *ds;
	enum mlw_task t;
	struct mlw_out *o;
	int ret;

	if (cmd_parse(ctx, argc, argv, opts, usage) > 0)
		return cmd_usage_error(usage, opts, "unexpected operand");
	if (!input || !target)
		return cmd_usage_error(usage, opts, "--input and --target are "
				       "needed");
	if (!strcmp(task, "auto"))
		t = MLW_TASK_AUTO;
	else if (!strcmp(task, "regression"))
		t = MLW_TASK_REGRESSION;
	else if (!strcmp(task, "classification"))
		t = MLW_TASK_CLASSIFICATION;
	else
		return cmd_usage_error(usage, opts, "--task takes auto, "
				       "regression or classification");
	ret = cmd_load_dataset(ctx, &ds, input);
	if (ret)
		return cmd_fail(ret);
	ret = mlw_evaluate(&ev, ds, target, prediction, t);
	mlw_dataset_unref(ds);
	if (!ret)
		ret = log_to_run(ctx, &ev);
	if (ret)
		return cmd_fail(ret);
	o = mlw_out_new();
	out_evaluation(o, &ev);
	ret = output ? write_json(o, output) : 0;
	if (ret) {
		mlw_out_free(o);
		return cmd_fail(ret);
	}
	ret = cmd_print(ctx, o, MLW_FMT_YAML);
	mlw_out_free(o);
	return cmd_finish_stdout(ret);
}

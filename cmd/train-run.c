/*
 * train-run.c - 'mlw train' inside a job; see train-run.h.
 */
#include "train-run.h"
#include "run/run.h"
#include "store/catalog.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/strutil.h"

#include <stdlib.h>
#include <string.h>

extern char **environ;

int train_in_job(void)
{
	const char *id = getenv("MLW_RUN_ID");

	return id && *id;
}

int train_record_run(struct mlw_ctx *ctx, const struct mlw_strlist *params,
		     const struct mlw_metric *metrics, size_t nr_metrics,
		     const struct mlw_metric *train_metrics, size_t nr_train)
{
	struct mlw_catalog *cat = cmd_catalog(ctx);
	struct mlw_metric_writer *w = NULL;
	struct mlw_run *run;
	double now = mlw_now();
	size_t i;
	int ret;

	ret = mlw_run_get(&run, cat, getenv("MLW_RUN_ID"));
	if (ret)
		return ret;
	ret = mlw_catalog_begin(cat);
	for (i = 0; !ret && i + 1 < params->nr; i += 2)
		ret = mlw_run_log_param(cat, run->id, params->items[i],
					params->items[i + 1]);
	if (!ret)
		ret = mlw_metric_writer_new(&w, cat, run->id);
	for (i = 0; !ret && i < nr_metrics; i++)
		ret = mlw_metric_writer_add(w, metrics[i].name,
					    metrics[i].value, 0, now);
	for (i = 0; !ret && i < nr_train; i++) {
		char *key = mlw_xstrfmt("train_%s", train_metrics[i].name);

		ret = mlw_metric_writer_add(w, key, train_metrics[i].value, 0,
					    now);
		free(key);
	}
	if (w) {
		if (ret)
			mlw_metric_writer_abort(w);
		else
			ret = mlw_metric_writer_finish(w);
	}
	if (!ret)
		ret = mlw_catalog_commit(cat);
	else
		mlw_catalog_rollback(cat);
	mlw_run_free(run);
	return ret;
}

const char *train_job_output(void)
{
	const char *model = getenv("MLW_OUTPUT_MODEL"), *only = NULL;
	char **e;
	int n = 0;

	if (model && *model)
		return model;
	for (e = environ; *e; e++) {
		if (mlw_starts_with(*e, "MLW_OUTPUT_")) {
			const char *eq = strchr(*e, '=');

			if (eq && eq[1]) {
				only = eq + 1;
				n++;
			}
		}
	}
	return n == 1 ? only : NULL;
}

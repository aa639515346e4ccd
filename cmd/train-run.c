/*
 * train-run.c - 'mlw train' inside a job; see train-run.h.
 */
#include "train-run.h"
#include "run/run.h"
#include "store/catalog.h"
#include "util/alloc.h"
#include "util/buf.h"
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

/* "a,b": a list of names as given */
static char *join(const char *const *names, size_t nr)
{
	struct mlw_buf b = MLW_BUF_INIT;
	size_t i;

	for (i = 0; i < nr; i++)
		mlw_buf_addf(&b, "%s%s", i ? "," : "", names[i]);
	return mlw_buf_detach(&b, NULL);
}

/* a param, name then value (owned) */
static void push(struct mlw_strlist *l, const char *name, char *value)
{
	mlw_strlist_push(l, name);
	mlw_strlist_push_owned(l, value);
}

/* the params of the fit, name then value */
static void fit_params(struct mlw_strlist *l,
		       const struct mlw_train_request *req, int64_t cv,
		       int64_t seed, const char *validation_split)
{
	const struct mlw_hparams *hp = &req->hparams;
	size_t i;

	push(l, "algorithm", mlw_strdup(hp->trainer->name));
	if (req->target)
		push(l, "target", mlw_strdup(req->target));
	if (req->nr_features)
		push(l, "features", join(req->features, req->nr_features));
	if (req->nr_exclude)
		push(l, "exclude", join(req->exclude, req->nr_exclude));
	if (validation_split)
		push(l, "validation_split", mlw_strdup(validation_split));
	for (i = 0; i < hp->trainer->nr_hparams; i++)
		if (hp->text[i])
			push(l, hp->trainer->hparams[i].name,
			     mlw_strdup(hp->text[i]));
	if (cv >= 0)
		push(l, "cv", mlw_xstrfmt("%lld", (long long)cv));
	if (seed)
		push(l, "seed", mlw_xstrfmt("%lld", (long long)seed));
	if (req->standardize)
		push(l, "standardize", mlw_strdup("true"));
	if (req->shuffle)
		push(l, "shuffle", mlw_strdup("true"));
}

/* the params and metrics, inside the caller's transaction */
static int record(struct mlw_catalog *cat, int64_t run_id,
		  const struct mlw_strlist *params,
		  const struct mlw_train_result *res)
{
	struct mlw_metric_writer *w = NULL;
	double now = mlw_now();
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i + 1 < params->nr; i += 2)
		ret = mlw_run_log_param(cat, run_id, params->items[i],
					params->items[i + 1]);
	if (!ret)
		ret = mlw_metric_writer_new(&w, cat, run_id);
	for (i = 0; !ret && i < res->nr_metrics; i++)
		ret = mlw_metric_writer_add(w, res->metrics[i].name,
					    res->metrics[i].value, 0, now);
	for (i = 0; !ret && i < res->nr_train_metrics; i++) {
		char *key = mlw_xstrfmt("train_%s", res->train_metrics[i].name);

		ret = mlw_metric_writer_add(w, key, res->train_metrics[i].value,
					    0, now);
		free(key);
	}
	if (w) {
		if (ret)
			mlw_metric_writer_abort(w);
		else
			ret = mlw_metric_writer_finish(w);
	}
	return ret;
}

int train_record_run(struct mlw_ctx *ctx, const struct mlw_train_request *req,
		     const struct mlw_train_result *res, int64_t cv,
		     int64_t seed, const char *validation_split)
{
	struct mlw_catalog *cat = cmd_catalog(ctx);
	struct mlw_strlist params = MLW_STRLIST_INIT;
	struct mlw_run *run;
	int ret;

	ret = mlw_run_get(&run, cat, getenv("MLW_RUN_ID"));
	if (!ret) {
		fit_params(&params, req, cv, seed, validation_split);
		ret = mlw_catalog_begin(cat);
		if (!ret)
			ret = record(cat, run->id, &params, res);
		if (!ret)
			ret = mlw_catalog_commit(cat);
		else
			mlw_catalog_rollback(cat);
		mlw_run_free(run);
		mlw_strlist_release(&params);
	}
	if (ret)
		mlw_error_prefix("recording in job '%s'", getenv("MLW_RUN_ID"));
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

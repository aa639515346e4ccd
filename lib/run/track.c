/*
 * track.c - metrics, artifacts of a run; see track.h.
 */
#include "run/track.h"
#include "ml/train.h"
#include "run/run.h"
#include "store/catalog.h"
#include "store/odb.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/name.h"
#include "util/strutil.h"

#include <stdlib.h>
#include <string.h>

int mlw_run_log_metric(struct mlw_catalog *cat, int64_t run, const char *key,
		       double value, int64_t step, double t)
{
	struct mlw_metric_writer *w = NULL;
	int ret = mlw_catalog_begin(cat);

	if (ret)
		return ret;
	ret = mlw_metric_writer_new(&w, cat, run);
	if (!ret)
		ret = mlw_metric_writer_add(w, key, value, step, t);
	if (!ret)
		ret = mlw_metric_writer_finish(w);
	else if (w)
		mlw_metric_writer_abort(w);
	if (!ret)
		return mlw_catalog_commit(cat);
	mlw_catalog_rollback(cat);
	return ret;
}

/* one "NAME VALUE [STEP]" line (modified), into w */
static int metric_line(struct mlw_metric_writer *w, char *line, double t)
{
	char *name, *value, *step, *save = NULL;
	int64_t s = -1;
	double v;
	int ret;

	name = strtok_r(line, " \t\r\n", &save);
	if (!name || *name == '#')
		return 0;
	value = strtok_r(NULL, " \t\r\n", &save);
	step = strtok_r(NULL, " \t\r\n", &save);
	if (!value || strtok_r(NULL, " \t\r\n", &save))
		return mlw_error_setc(MLW_EINVALID, "expected 'NAME VALUE "
				      "[STEP]'");
	ret = mlw_parse_double(&v, value, "metric value");
	if (!ret && step)
		ret = mlw_parse_i64(&s, step, "step");
	if (!ret && step && s < 0)
		ret = mlw_error_setc(MLW_EINVALID, "step must not be negative");
	if (!ret)
		ret = mlw_metric_writer_add(w, name, v, s, t);
	return ret;
}

int mlw_run_log_metric_lines(struct mlw_catalog *cat, int64_t run, FILE *fp,
			     const char *what, double t)
{
	struct mlw_metric_writer *w;
	char *line = NULL;
	size_t alloc = 0, lineno = 0;
	int ret = mlw_catalog_begin(cat);

	if (ret)
		return ret;
	ret = mlw_metric_writer_new(&w, cat, run);
	if (ret) {
		mlw_catalog_rollback(cat);
		return ret;
	}
	while (!ret && getline(&line, &alloc, fp) >= 0) {
		lineno++;
		ret = metric_line(w, line, t);
		if (ret == MLW_EINVALID)
			mlw_error_prefix("%s:%zu", what, lineno);
	}
	free(line);
	if (ret) {
		mlw_metric_writer_abort(w);
		mlw_catalog_rollback(cat);
		return ret;
	}
	ret = mlw_metric_writer_finish(w);
	if (!ret)
		return mlw_catalog_commit(cat);
	mlw_catalog_rollback(cat);
	return ret;
}

int mlw_run_log_artifact(struct mlw_catalog *cat, struct mlw_odb *odb,
			 int64_t run, const char *path, const char *name)
{
	char hex[MLW_OID_HEXSZ + 1];
	struct mlw_oid oid;
	uint64_t size;
	int ret = mlw_name_check_path("artifact name", name);

	if (!ret)
		ret = mlw_odb_write_path(&oid, &size, odb, path, MLW_OBJ_BLOB,
					 MLW_ODB_WRITE);
	if (ret)
		return ret;
	mlw_oid_to_hex(hex, &oid);
	return mlw_run_add_artifact(cat, run, name, hex, size);
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

/* the params of a fit, name then value, in the order they are logged */
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

/* the params and metrics of a fit, inside the caller's transaction */
static int log_fit(struct mlw_catalog *cat, int64_t run,
		   const struct mlw_strlist *params,
		   const struct mlw_train_result *res, double t)
{
	struct mlw_metric_writer *w = NULL;
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i + 1 < params->nr; i += 2)
		ret = mlw_run_log_param(cat, run, params->items[i],
					params->items[i + 1]);
	if (!ret)
		ret = mlw_metric_writer_new(&w, cat, run);
	for (i = 0; !ret && i < res->nr_metrics; i++)
		ret = mlw_metric_writer_add(w, res->metrics[i].name,
					    res->metrics[i].value, 0, t);
	for (i = 0; !ret && i < res->nr_train_metrics; i++) {
		char *key = mlw_xstrfmt("train_%s", res->train_metrics[i].name);

		ret = mlw_metric_writer_add(w, key, res->train_metrics[i].value,
					    0, t);
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

int mlw_run_log_fit(struct mlw_catalog *cat, int64_t run,
		    const struct mlw_train_request *req,
		    const struct mlw_train_result *res, int64_t cv,
		    int64_t seed, const char *validation_split, double t)
{
	struct mlw_strlist params = MLW_STRLIST_INIT;
	int ret;

	fit_params(&params, req, cv, seed, validation_split);
	ret = mlw_catalog_begin(cat);
	if (!ret) {
		ret = log_fit(cat, run, &params, res, t);
		if (!ret)
			ret = mlw_catalog_commit(cat);
		else
			mlw_catalog_rollback(cat);
	}
	mlw_strlist_release(&params);
	return ret;
}

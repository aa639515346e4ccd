/*
 * trial.c - sweep trials that train in-process, and the datasets they
 * share; see trial.h.
 */
#include "sweep/trial.h"
#include "ml/dataset.h"
#include "ml/memo.h"
#include "ml/mltable.h"
#include "run/executor.h"
#include "util/alloc.h"
#include "util/error.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* --- datasets shared by the trials -------------------------------------- */

enum load_state { LOADING, LOADED, FAILED };

struct table {
	char *path;
	enum load_state state;
	struct mlw_dataset *ds;
	int code;		/* FAILED: the loader's code and message */
	char *error;
};

struct mlw_sweep_datasets {
	struct mlw_train_memo *memo;	/* what the trials' fits share */
	pthread_mutex_t lock;
	pthread_cond_t loaded;	/* a table left LOADING */
	struct table *tables;
	size_t nr, alloc;
};

struct mlw_sweep_datasets *mlw_sweep_datasets_new(void)
{
	struct mlw_sweep_datasets *c = mlw_calloc(1, sizeof(*c));

	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->loaded, NULL);
	c->memo = mlw_train_memo_new(0);
	return c;
}

void mlw_sweep_datasets_free(struct mlw_sweep_datasets *c)
{
	size_t i;

	if (!c)
		return;
	mlw_train_memo_free(c->memo);
	for (i = 0; i < c->nr; i++) {
		mlw_dataset_unref(c->tables[i].ds);
		free(c->tables[i].path);
		free(c->tables[i].error);
	}
	free(c->tables);
	pthread_cond_destroy(&c->loaded);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* the answer for a table that is no longer loading (under the lock) */
static int answer(struct mlw_dataset **out, const struct table *t)
{
	if (t->state == FAILED)
		return mlw_error_setc(t->code, "%s", t->error);
	*out = mlw_dataset_ref(t->ds);
	return 0;
}

int mlw_sweep_datasets_get(struct mlw_dataset **out,
			   struct mlw_sweep_datasets *c, const char *path,
			   int nr_threads)
{
	struct mlw_dataset_options opts = { 0, nr_threads };
	struct mlw_dataset *ds = NULL;
	size_t i;
	int ret;

	*out = NULL;
	pthread_mutex_lock(&c->lock);
	for (i = 0; i < c->nr; i++)
		if (!strcmp(c->tables[i].path, path))
			break;
	if (i < c->nr) {
		while (c->tables[i].state == LOADING)
			pthread_cond_wait(&c->loaded, &c->lock);
		ret = answer(out, &c->tables[i]);
		pthread_mutex_unlock(&c->lock);
		return ret;
	}
	MLW_ALLOC_GROW(c->tables, c->nr + 1, c->alloc);
	memset(&c->tables[i], 0, sizeof(c->tables[i]));
	c->tables[i].path = mlw_strdup(path);
	c->tables[i].state = LOADING;
	c->nr++;
	pthread_mutex_unlock(&c->lock);

	/* the load runs unlocked: other tables are served meanwhile */
	ret = mlw_dataset_open(&ds, path, &opts);

	pthread_mutex_lock(&c->lock);
	if (ret) {
		c->tables[i].state = FAILED;
		c->tables[i].code = ret;
		c->tables[i].error = mlw_strdup(mlw_error_last());
	} else {
		c->tables[i].state = LOADED;
		c->tables[i].ds = ds;
	}
	ret = answer(out, &c->tables[i]);
	pthread_cond_broadcast(&c->loaded);
	pthread_mutex_unlock(&c->lock);
	return ret;
}

size_t mlw_sweep_datasets_loaded(struct mlw_sweep_datasets *c)
{
	size_t i, n = 0;

	pthread_mutex_lock(&c->lock);
	for (i = 0; i < c->nr; i++)
		n += c->tables[i].state == LOADED;
	pthread_mutex_unlock(&c->lock);
	return n;
}

/* --- in-process trials --------------------------------------------------- */

/* c has loaded the table at path */
static int loaded(struct mlw_sweep_datasets *c, const char *path)
{
	size_t i;
	int yes = 0;

	pthread_mutex_lock(&c->lock);
	for (i = 0; i < c->nr && !yes; i++)
		yes = c->tables[i].state == LOADED &&
		      !strcmp(c->tables[i].path, path);
	pthread_mutex_unlock(&c->lock);
	return yes;
}

/*
 * Does path name something here (else it may be an asset reference):
 * a table c loaded does, without asking the file system again.
 */
static int is_path(struct mlw_sweep_datasets *c, const char *path)
{
	struct stat st;

	if (path && c && loaded(c, path))
		return 1;
	return path && !stat(path, &st);
}

int mlw_train_trial_parse(struct mlw_train_trial *t, const char *command)
{
	return mlw_train_trial_parse_in(t, command, NULL);
}

int mlw_train_trial_parse_in(struct mlw_train_trial *t, const char *command,
			     struct mlw_sweep_datasets *c)
{
	struct mlw_strlist *w = &t->words;
	int ret;

	memset(t, 0, sizeof(*t));
	if (!mlw_exec_split(w, command) || w->nr < 2 ||
	    strcmp(w->items[0], "mlw") || strcmp(w->items[1], "train")) {
		mlw_train_opts_init(&t->opts, NULL);
		return 0;
	}
	/* the parser reorders its argv: words keeps what to free */
	t->argv = mlw_calloc(w->nr + 1, sizeof(*t->argv));
	memcpy(t->argv, w->items, w->nr * sizeof(*t->argv));
	ret = mlw_train_opts_parse(&t->opts, &t->req, (int)w->nr - 1,
				   t->argv + 1);
	mlw_error_clear();
	/*
	 * A file to write for every trial, data that is no local path (an
	 * asset the command would restore): the process does that.
	 */
	if (ret || t->opts.predictions || !is_path(c, t->opts.data) ||
	    (t->opts.validation_data &&
	     !is_path(c, t->opts.validation_data)))
		return 0;
	return 1;
}

void mlw_train_trial_release(struct mlw_train_trial *t)
{
	mlw_train_opts_release(&t->opts);
	mlw_strlist_release(&t->words);
	free(t->argv);
}

int mlw_train_trial_run(struct mlw_train_result *res,
			const struct mlw_train_trial *t,
			struct mlw_sweep_datasets *c, struct mlw_train_ctx *ctx)
{
	struct mlw_train_request req = t->req;
	struct mlw_dataset *ds = NULL, *vds = NULL;
	int ret;

	memset(res, 0, sizeof(*res));
	ret = mlw_sweep_datasets_get(&ds, c, t->opts.data, 0);
	if (!ret && t->opts.validation_data)
		ret = mlw_sweep_datasets_get(&vds, c, t->opts.validation_data,
					     0);
	req.validation_data = vds;
	ctx->memo = c->memo;
	if (!ret)
		ret = mlw_train(res, ds, &req, ctx);
	mlw_dataset_unref(ds);
	mlw_dataset_unref(vds);
	return ret;
}

/* the value of metric name among m[0..nr), NAN when absent */
static double find_metric(const struct mlw_metric *m, size_t nr,
			  const char *name)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (!strcmp(m[i].name, name))
			return m[i].value;
	return NAN;
}

int mlw_train_metric_value(double *out, const struct mlw_metric *m,
			   size_t nr, const char *name)
{
	double mae, rmse, nrmse;

	*out = find_metric(m, nr, name);
	if (!isnan(*out) || strcmp(name, "normalized_mean_absolute_error"))
		return !isnan(*out);
	/* MAE / (max y - min y), where the range is RMSE / NRMSE */
	mae = find_metric(m, nr, "mean_absolute_error");
	rmse = find_metric(m, nr, "root_mean_squared_error");
	nrmse = find_metric(m, nr, "normalized_root_mean_squared_error");
	if (isnan(mae) || isnan(rmse) || isnan(nrmse))
		return 0;
	*out = rmse > 0 ? mae * nrmse / rmse : 0;
	return 1;
}

int mlw_train_trial_metric(double *value, double *sum,
			   const struct mlw_progress *p, const char *metric)
{
	double v;

	if (!p->metrics || p->step < 1 ||
	    !mlw_train_metric_value(&v, p->metrics, p->nr_metrics, metric))
		return 0;
	*sum += v;
	*value = *sum / p->step;
	return 1;
}

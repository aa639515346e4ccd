/*
 * test-sweep-trial.c - in-process sweep trials: which commands train
 * in-process and which run as processes, the datasets loaded once and
 * shared by threads (a failed load remembered), and a trial's
 * intermediate values: the running mean of the folds, whose last is the
 * cross-validation score, with a stop at any fold.
 */
#include "tap.h"
#include "ml/dataset.h"
#include "ml/train.h"
#include "sweep/trial.h"
#include "util/alloc.h"
#include "util/error.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *datasets;	/* share/datasets */

static int parse(const char *fmt, const char *arg)
{
	struct mlw_train_trial t;
	char *cmd = mlw_xstrfmt(fmt, arg);
	int ret = mlw_train_trial_parse(&t, cmd);

	mlw_train_trial_release(&t);
	free(cmd);
	return ret;
}

static void test_parse(void)
{
	struct mlw_train_trial t;
	char *cmd;

	is_int(parse("mlw train ridge --data %s/diabetes.csv --target target "
		     "--alpha 0.5 --cv 5", datasets), 1,
	       "mlw train with known options trains in-process");
	is_int(parse("mlw train --data '%s/diabetes.csv' --target=target "
		     "lasso --alpha 1e-3", datasets), 1,
	       "quotes, --opt=value and the algorithm after options");
	is_int(parse("python train.py --data %s", datasets), 0,
	       "another program runs as a process");
	is_int(parse("mlw train ridge --data %s/diabetes.csv --target target "
		     "> out.txt", datasets), 0,
	       "a redirection is for the shell: a process");
	is_int(parse("mlw -q train ridge --data %s/diabetes.csv --target "
		     "target", datasets), 0,
	       "a global option before train: a process");
	is_int(parse("mlw train ridge --data %s/diabetes.csv --target target "
		     "-o json", datasets), 0,
	       "an option the table does not take: a process");
	is_int(parse("mlw train ridge --data %s/diabetes.csv --target target "
		     "--predictions p.csv", datasets), 0,
	       "a file written by each trial: a process");
	is_int(parse("mlw train ridge --data %s/nope.csv --target target",
		     datasets), 0,
	       "data that is no local path (an asset?): a process");
	is_int(parse("mlw train ridge --data %s/diabetes.csv --target target "
		     "--alpha -1", datasets), 0,
	       "a bad value: the process says what is wrong");

	cmd = mlw_xstrfmt("mlw train ridge --data %s/diabetes.csv "
			  "--target target --alpha 0.25 --cv 3 --seed 9",
			  datasets);
	is_int(mlw_train_trial_parse(&t, cmd), 1, "a full request");
	is_str(t.req.hparams.trainer->name, "ridge", "its algorithm");
	ok(t.req.hparams.value[0] == 0.25, "its alpha");
	ok(t.req.validation == MLW_VALIDATION_CV && t.req.cv == 3,
	   "its cross-validation");
	is_int(t.opts.seed, 9, "its seed");
	mlw_train_trial_release(&t);
	free(cmd);
}

struct getter {
	struct mlw_sweep_datasets *c;
	const char *path;
	struct mlw_dataset *ds;
	int ret;
	pthread_t thread;
};

static void *get_one(void *data)
{
	struct getter *g = data;

	g->ret = mlw_sweep_datasets_get(&g->ds, g->c, g->path, 1);
	return NULL;
}

static void test_datasets(void)
{
	struct mlw_sweep_datasets *c = mlw_sweep_datasets_new();
	char *path = mlw_xstrfmt("%s/diabetes.csv", datasets);
	char *bad = mlw_xstrfmt("%s/missing.csv", datasets);
	struct getter g[8];
	struct mlw_dataset *ds;
	size_t i;
	int same = 1, ret;

	for (i = 0; i < 8; i++) {
		g[i].c = c;
		g[i].path = path;
		g[i].ds = NULL;
		pthread_create(&g[i].thread, NULL, get_one, &g[i]);
	}
	for (i = 0; i < 8; i++) {
		pthread_join(g[i].thread, NULL);
		same &= !g[i].ret && g[i].ds == g[0].ds;
	}
	ok(same, "eight threads asking at once share one table");
	is_int(mlw_sweep_datasets_loaded(c), 1, "loaded once");
	is_int(g[0].ds->nr_rows, 442, "the whole table");
	ret = mlw_sweep_datasets_get(&ds, c, bad, 1);
	ok(ret < 0 && !ds, "a missing file fails");
	ret = mlw_sweep_datasets_get(&ds, c, bad, 1);
	ok(ret < 0 && strstr(mlw_error_last(), "missing.csv"),
	   "and fails again with its message: %s", mlw_error_last());
	is_int(mlw_sweep_datasets_loaded(c), 1, "without a second table");
	/* the trials' references outlive the cache */
	mlw_sweep_datasets_free(c);
	is_int(g[0].ds->nr_rows, 442, "a trial's reference outlives it");
	for (i = 0; i < 8; i++)
		mlw_dataset_unref(g[i].ds);
	free(path);
	free(bad);
}

struct progress {
	const char *metric;
	double sum;
	double values[16];
	int steps[16];
	int nr;
	int stop_at;		/* stop after this fold (0: never) */
};

static int on_progress(const struct mlw_progress *p, void *data)
{
	struct progress *pr = data;
	double v;

	if (!mlw_train_trial_metric(&v, &pr->sum, p, pr->metric) ||
	    pr->nr == 16)
		return 0;
	pr->values[pr->nr] = v;
	pr->steps[pr->nr++] = p->step;
	return pr->stop_at && p->step >= pr->stop_at;
}

static double metric_of(const struct mlw_train_result *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nr_metrics; i++)
		if (!strcmp(r->metrics[i].name, name))
			return r->metrics[i].value;
	return NAN;
}

static void test_run(void)
{
	struct mlw_sweep_datasets *c = mlw_sweep_datasets_new();
	struct mlw_train_trial t;
	struct mlw_train_result res;
	struct mlw_train_ctx ctx;
	struct progress pr = { "r2_score", 0, { 0 }, { 0 }, 0, 0 };
	char *cmd = mlw_xstrfmt("mlw train ridge --data %s/diabetes.csv "
				"--target target --alpha 0.1 --cv 5",
				datasets);
	int ret;

	ok(mlw_train_trial_parse(&t, cmd) == 1, "a ridge trial");
	mlw_train_ctx_init(&ctx, 0);
	ctx.nr_threads = 2;
	ctx.progress = on_progress;
	ctx.progress_data = &pr;
	ret = mlw_train_trial_run(&res, &t, c, &ctx);
	ok(!ret, "it trains: %s", ret ? mlw_error_last() : "ok");
	is_int(pr.nr, 5, "one value per fold");
	is_int(pr.steps[4], 5, "at steps 1 to 5");
	ok(fabs(pr.values[4] - metric_of(&res, "r2_score")) < 1e-12,
	   "the last is the cross-validation score (%.17g, %.17g)",
	   pr.values[4], metric_of(&res, "r2_score"));
	ok(!res.stopped && res.model.trainer, "a model fitted on every row");
	mlw_train_result_release(&res);

	memset(&pr, 0, sizeof(pr));
	pr.metric = "r2_score";
	pr.stop_at = 2;
	mlw_train_ctx_init(&ctx, 0);
	ctx.progress = on_progress;
	ctx.progress_data = &pr;
	ret = mlw_train_trial_run(&res, &t, c, &ctx);
	ok(!ret && res.stopped && pr.nr == 2,
	   "a stop after the second fold ends it there");
	mlw_train_result_release(&res);

	memset(&pr, 0, sizeof(pr));
	pr.metric = "accuracy";
	mlw_train_ctx_init(&ctx, 0);
	ctx.progress = on_progress;
	ctx.progress_data = &pr;
	ret = mlw_train_trial_run(&res, &t, c, &ctx);
	ok(!ret && pr.nr == 0, "a metric the trial does not compute: none");
	mlw_train_result_release(&res);
	is_int(mlw_sweep_datasets_loaded(c), 1, "three trials, one load");
	mlw_train_trial_release(&t);
	mlw_sweep_datasets_free(c);
	free(cmd);
}

/*
 * A data path the sweep's tables hold is known to be one: the file
 * system is asked for the first trial only (here: the file is gone
 * after the load, so only the table can tell).
 */
static void test_parse_in(void)
{
	struct mlw_sweep_datasets *c = mlw_sweep_datasets_new();
	struct mlw_train_trial t;
	struct mlw_dataset *ds;
	static const char table[] = "x,y\n1,2\n2,3.5\n3,4\n";
	char path[] = "/tmp/mlw-test-trial-XXXXXX.csv";
	char *cmd;
	int fd = mkstemps(path, 4);

	ok(fd >= 0 && write(fd, table, sizeof(table) - 1) ==
	   (ssize_t)sizeof(table) - 1 && !close(fd), "a small table");
	cmd = mlw_xstrfmt("mlw train ridge --data %s --target y", path);
	is_int(mlw_train_trial_parse_in(&t, cmd, c), 1,
	       "in-process while the file is there");
	mlw_train_trial_release(&t);
	ok(!mlw_sweep_datasets_get(&ds, c, path, 1), "its table loads");
	mlw_dataset_unref(ds);
	unlink(path);
	is_int(mlw_train_trial_parse_in(&t, cmd, c), 1,
	       "in-process on the loaded table once the file is gone");
	mlw_train_trial_release(&t);
	is_int(mlw_train_trial_parse(&t, cmd), 0,
	       "without the tables: a process (no such path)");
	mlw_train_trial_release(&t);
	free(cmd);
	mlw_sweep_datasets_free(c);
}

int main(void)
{
	const char *build = getenv("MLW_BUILD_DIR");
	char *share = mlw_xstrfmt("%s/share/datasets",
				  build && *build ? build : "..");

	datasets = share;
	test_parse();
	test_parse_in();
	test_datasets();
	test_run();
	free(share);
	return done_testing();
}

/*
 * test-run-track.c - a fit recorded in a run through the library
 * (run/track.h mlw_run_log_fit()), without cmd/: the params and metrics
 * MLflow's autologging would record, and a param that conflicts with
 * the run's records nothing at all.
 */
#include "tap.h"
#include "ml/train.h"
#include "run/run.h"
#include "run/track.h"
#include "store/catalog.h"
#include "store/repo.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"

#include <stdlib.h>
#include <string.h>

static char dir[] = "/tmp/mlw-test-run-track-XXXXXX";

static int64_t new_run(struct mlw_catalog *cat, const char *name)
{
	struct mlw_run run;

	memset(&run, 0, sizeof(run));
	run.name = (char *)name;
	run.experiment = "track";
	run.type = "command";
	run.times[MLW_RUN_NOT_STARTED] = mlw_now();
	run.git_dirty = -1;
	if (mlw_run_insert(cat, &run))
		return -1;
	return run.id;
}

/* the run's param key, or NULL */
static const char *param(const struct mlw_run *run, const char *key)
{
	size_t i;

	for (i = 0; i < run->nr_params; i++)
		if (!strcmp(run->params[i].key, key))
			return run->params[i].value;
	return NULL;
}

/* the run's last value of metric key at step 0, or -1 */
static double metric(const struct mlw_run *run, const char *key)
{
	size_t i;

	for (i = 0; i < run->nr_metrics; i++)
		if (!strcmp(run->metrics[i].key, key) &&
		    !run->metrics[i].step)
			return run->metrics[i].value;
	return -1;
}

static struct mlw_run *load(struct mlw_catalog *cat, const char *name)
{
	struct mlw_run *run = NULL;

	if (mlw_run_get(&run, cat, name) || mlw_run_load_details(cat, run)) {
		mlw_run_free(run);
		return NULL;
	}
	return run;
}

static void test_fit(struct mlw_catalog *cat)
{
	static const char *const features[] = { "age", "bmi" };
	struct mlw_train_request req;
	struct mlw_train_result res;
	struct mlw_run *run;
	int64_t id = new_run(cat, "fit_run");

	ok(id > 0, "a run");
	mlw_train_request_init(&req, mlw_trainer_find("ridge"));
	req.target = "target";
	req.features = features;
	req.nr_features = 2;
	req.standardize = 1;
	ok(!mlw_hparams_set(&req.hparams, "alpha", "0.5"), "alpha set");
	memset(&res, 0, sizeof(res));
	res.metrics[0].name = "r2_score";
	res.metrics[0].value = 0.25;
	res.nr_metrics = 1;
	res.train_metrics[0].name = "r2_score";
	res.train_metrics[0].value = 0.5;
	res.nr_train_metrics = 1;

	ok(!mlw_run_log_fit(cat, id, &req, &res, 5, 42, "0.2", 100),
	   "a fit is recorded: %s", mlw_error_last());
	run = load(cat, "fit_run");
	ok(run != NULL, "the run reads back");
	if (!run)
		return;
	is_str(param(run, "algorithm"), "ridge", "the algorithm is a param");
	is_str(param(run, "target"), "target", "so is the target");
	is_str(param(run, "features"), "age,bmi", "the features, joined");
	is_str(param(run, "alpha"), "0.5", "a hyperparameter, as given");
	ok(!param(run, "fit_intercept"),
	   "a hyperparameter not given is not recorded");
	is_str(param(run, "cv"), "5", "cv");
	is_str(param(run, "seed"), "42", "seed");
	is_str(param(run, "validation_split"), "0.2", "validation_split");
	is_str(param(run, "standardize"), "true", "standardize");
	ok(!param(run, "shuffle") && !param(run, "exclude"),
	   "settings not given are not recorded");
	ok(metric(run, "r2_score") == 0.25, "a validation metric, step 0");
	ok(metric(run, "train_r2_score") == 0.5,
	   "a training metric, prefixed train_");
	ok(run->nr_metrics == 2, "and no other metric");
	mlw_run_free(run);

	/* the same fit again: params are write-once, same values are fine */
	ok(!mlw_run_log_fit(cat, id, &req, &res, 5, 42, "0.2", 101),
	   "the same fit again is fine");

	/* another alpha in the same run: nothing of it is recorded */
	ok(!mlw_hparams_set(&req.hparams, "alpha", "2"), "alpha changed");
	res.metrics[0].value = 0.75;
	is_int(mlw_run_log_fit(cat, id, &req, &res, -1, 0, NULL, 102),
	       MLW_EEXISTS, "a param with another value is refused");
	ok(strstr(mlw_error_last(), "alpha") != NULL,
	   "the message names it: %s", mlw_error_last());
	run = load(cat, "fit_run");
	ok(run && !strcmp(param(run, "alpha"), "0.5") &&
	   metric(run, "r2_score") == 0.25,
	   "the run is as it was: no metric of the refused fit");
	mlw_run_free(run);
}

int main(void)
{
	struct mlw_catalog *cat;
	struct mlw_repo *repo;

	if (!mkdtemp(dir) || mlw_repo_init(dir) ||
	    mlw_repo_discover(&repo, dir, NULL) ||
	    mlw_repo_catalog(&cat, repo)) {
		ok(0, "a workspace: %s", mlw_error_last());
		return done_testing();
	}
	test_fit(cat);
	mlw_repo_free(repo);
	mlw_remove_tree(dir);
	return done_testing();
}

/*
 * test-ml-train.c - mlw_train() is reentrant: ridge, logistic and kmeans
 * trained on two threads at once, each with its own context and inner
 * threads, on shared datasets, give byte for byte the model folders of
 * 'mlw train'; a progress callback sees every fold and can stop early.
 */
#include "tap.h"
#include "ml/train.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/strutil.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/mlw-test-train-XXXXXX";
static const char *datasets;	/* share/datasets */

struct fit {
	const char *name;	/* the model folder */
	const char *algo, *data, *target;
	const char *hparam, *value;	/* one hyperparameter, or NULL */
	const char *cli;	/* the same fit as 'mlw train' arguments */
};

static const struct fit fits[] = {
	{ "ridge", "ridge", "diabetes.csv", "target", "alpha", "0.5",
	  "ridge --data %s/diabetes.csv --target target --alpha 0.5" },
	{ "logistic", "logistic", "iris.csv", "species", "C", "0.3",
	  "logistic --data %s/iris.csv --target species --C 0.3" },
	{ "kmeans", "kmeans", "iris.csv", NULL, "n_clusters", "3",
	  "kmeans --data %s/iris.csv --exclude species --n-clusters 3 --seed 7" },
};

#define NR_FITS (sizeof(fits) / sizeof(*fits))
#define ROUNDS 3

struct worker {
	int id;
	struct mlw_dataset *diabetes, *iris;	/* shared, read-only */
	int failures;
	char msg[512];
	pthread_t thread;
};

static int train_one(struct worker *w, const struct fit *f, int round)
{
	static const char *const exclude[] = { "species" };
	struct mlw_train_request req;
	struct mlw_train_result res;
	struct mlw_train_ctx ctx;
	struct mlw_strlist warnings = MLW_STRLIST_INIT;
	const struct mlw_dataset *ds = !strcmp(f->data, "iris.csv") ?
				       w->iris : w->diabetes;
	char *out;
	int ret;

	mlw_train_request_init(&req, mlw_trainer_find(f->algo));
	req.target = f->target;
	if (!f->target) {
		req.exclude = exclude;
		req.nr_exclude = 1;
	}
	if (mlw_hparams_set(&req.hparams, f->hparam, f->value) < 0)
		return -1;
	mlw_train_ctx_init(&ctx, f->target ? 0 : 7);
	ctx.nr_threads = 2;
	ctx.warnings = &warnings;
	ret = mlw_train(&res, ds, &req, &ctx);
	if (ret)
		return ret;
	out = mlw_xstrfmt("%s/t%d-%d-%s", dir, w->id, round, f->name);
	ret = mlw_model_write(&res.model, out);
	free(out);
	mlw_train_result_release(&res);
	mlw_strlist_release(&warnings);
	return ret;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	size_t i;
	int round;

	/* the two threads take the fits in opposite orders */
	for (round = 0; round < ROUNDS; round++)
		for (i = 0; i < NR_FITS; i++) {
			const struct fit *f = &fits[w->id ? NR_FITS - 1 - i : i];

			if (train_one(w, f, round) < 0 && !w->failures++)
				snprintf(w->msg, sizeof(w->msg), "%s: %s",
					 f->name, mlw_error_last());
		}
	return NULL;
}

static int same_file(const char *a, const char *b)
{
	struct mlw_buf x = MLW_BUF_INIT, y = MLW_BUF_INIT;
	int same = !mlw_buf_read_file(&x, a, 1 << 24) &&
		   !mlw_buf_read_file(&y, b, 1 << 24) && x.len == y.len &&
		   !memcmp(x.buf, y.buf, x.len);

	mlw_buf_release(&x);
	mlw_buf_release(&y);
	return same;
}

static void test_two_threads(void)
{
	struct worker w[2];
	struct mlw_dataset *diabetes, *iris;
	char *path;
	size_t i;
	int t, round;

	path = mlw_xstrfmt("%s/diabetes.csv", datasets);
	ok(!mlw_dataset_load(&diabetes, path, NULL), "diabetes loads");
	free(path);
	path = mlw_xstrfmt("%s/iris.csv", datasets);
	ok(!mlw_dataset_load(&iris, path, NULL), "iris loads");
	free(path);
	for (t = 0; t < 2; t++) {
		memset(&w[t], 0, sizeof(w[t]));
		w[t].id = t;
		w[t].diabetes = diabetes;
		w[t].iris = iris;
		ok(!pthread_create(&w[t].thread, NULL, work, &w[t]),
		   "thread %d starts", t);
	}
	for (t = 0; t < 2; t++) {
		pthread_join(w[t].thread, NULL);
		ok(!w[t].failures, "thread %d trains everything (%s)", t,
		   w[t].msg);
	}
	for (i = 0; i < NR_FITS; i++) {
		char *cmd, *cli, *args = mlw_xstrfmt(fits[i].cli, datasets);
		int same = 1;

		cli = mlw_xstrfmt("%s/cli-%s", dir, fits[i].name);
		cmd = mlw_xstrfmt("../mlw train %s --output %s -q >/dev/null",
				  args, cli);
		ok(!system(cmd), "mlw train %s", fits[i].name);
		for (t = 0; t < 2; t++)
			for (round = 0; round < ROUNDS; round++) {
				char *a = mlw_xstrfmt("%s/params.bin", cli);
				char *b = mlw_xstrfmt("%s/t%d-%d-%s/params.bin",
						      dir, t, round,
						      fits[i].name);

				same &= same_file(a, b);
				free(a);
				free(b);
			}
		ok(same, "%s: every threaded model is mlw train's, byte for byte",
		   fits[i].name);
		free(cmd);
		free(cli);
		free(args);
	}
	mlw_dataset_unref(diabetes);
	mlw_dataset_unref(iris);
}

struct folds_seen {
	int steps[16];
	int nr;
	int stop_after;
};

static int on_fold(const struct mlw_progress *p, void *data)
{
	struct folds_seen *s = data;

	if (!strcmp(p->stage, "fold") && s->nr < 16)
		s->steps[s->nr++] = p->step;
	return s->stop_after && s->nr >= s->stop_after;
}

static int on_iteration(const struct mlw_progress *p, void *data)
{
	struct folds_seen *s = data;

	if (!strcmp(p->stage, "iteration") && !strcmp(p->metric, "objective") &&
	    s->nr < 16)
		s->steps[s->nr++] = p->step;
	return s->nr >= s->stop_after;
}

/* the progress callback sees each fold, and stopping stops */
static void test_progress(void)
{
	struct mlw_train_request req;
	struct mlw_train_result res;
	struct mlw_train_ctx ctx;
	struct folds_seen seen = { { 0 }, 0, 0 };
	struct mlw_dataset *ds;
	char *path = mlw_xstrfmt("%s/diabetes.csv", datasets);

	ok(!mlw_dataset_load(&ds, path, NULL), "diabetes loads again");
	mlw_train_request_init(&req, mlw_trainer_find("ridge"));
	req.target = "target";
	req.validation = MLW_VALIDATION_CV;
	req.cv = 5;
	mlw_train_ctx_init(&ctx, 0);
	ctx.progress = on_fold;
	ctx.progress_data = &seen;
	ok(!mlw_train(&res, ds, &req, &ctx), "ridge with 5 folds trains");
	ok(seen.nr == 5 && seen.steps[0] == 1 && seen.steps[4] == 5,
	   "the callback saw folds 1 to 5 (%d calls)", seen.nr);
	ok(res.nr_folds == 5 && !res.stopped && res.model.trainer,
	   "5 folds, not stopped, a model");
	mlw_train_result_release(&res);

	memset(&seen, 0, sizeof(seen));
	seen.stop_after = 2;
	mlw_train_ctx_init(&ctx, 0);
	ctx.progress = on_fold;
	ctx.progress_data = &seen;
	ok(!mlw_train(&res, ds, &req, &ctx), "a stopped cross-validation returns");
	ok(res.stopped && ctx.stopped && res.nr_folds == 2 &&
	   !res.model.trainer && res.nr_metrics,
	   "stopped after 2 folds: their metrics, no model");
	mlw_train_result_release(&res);
	mlw_dataset_unref(ds);
	free(path);

	/* an iterative solver stops where it is */
	path = mlw_xstrfmt("%s/iris.csv", datasets);
	ok(!mlw_dataset_load(&ds, path, NULL), "iris loads again");
	mlw_train_request_init(&req, mlw_trainer_find("logistic"));
	req.target = "species";
	memset(&seen, 0, sizeof(seen));
	seen.stop_after = 2;
	mlw_train_ctx_init(&ctx, 0);
	ctx.progress = on_iteration;
	ctx.progress_data = &seen;
	ok(!mlw_train(&res, ds, &req, &ctx), "a stopped logistic fit returns");
	ok(res.stopped && res.model.trainer && !res.model.linear.converged &&
	   res.model.linear.nr_iter == 2 && seen.nr == 2,
	   "after 2 iterations, not converged (%d iterations, %d reports)",
	   res.model.linear.nr_iter, seen.nr);
	mlw_train_result_release(&res);
	mlw_dataset_unref(ds);
	free(path);
}

/* a fit that needs more than the context allows is refused before */
static void test_memory_limit(void)
{
	struct mlw_train_request req;
	struct mlw_train_result res;
	struct mlw_train_ctx ctx;
	struct mlw_dataset *ds;
	char *path = mlw_xstrfmt("%s/diabetes.csv", datasets);

	ok(!mlw_dataset_load(&ds, path, NULL), "diabetes loads a third time");
	mlw_train_request_init(&req, mlw_trainer_find("kernel_ridge"));
	req.target = "target";
	mlw_train_ctx_init(&ctx, 0);
	ctx.memory_limit = 100000;
	ok(mlw_train(&res, ds, &req, &ctx) == MLW_EINVALID &&
	   strstr(mlw_error_last(), "kernel_ridge on 442 rows x 10 features needs about"),
	   "a kernel of 442 x 442 is refused with 100 kB (%s)",
	   mlw_error_last());
	ctx.memory_limit = 10000000;
	ok(!mlw_train(&res, ds, &req, &ctx), "and fits in 10 MB");
	mlw_train_result_release(&res);
	mlw_dataset_unref(ds);
	free(path);
}

/*
 * A model file is untrusted: one whose inputs name a column twice
 * (training never writes it: a dataset refuses a name twice) is refused
 * when read, naming the input, as scoring takes columns by name.
 */
static void test_inputs_named_twice(void)
{
	struct mlw_train_request req;
	struct mlw_train_result res;
	struct mlw_train_ctx ctx;
	struct mlw_model back;
	struct mlw_dataset *ds;
	char *path = mlw_xstrfmt("%s/diabetes.csv", datasets);
	char *out = mlw_xstrfmt("%s/twice", dir);
	struct mlw_feature_input *in;

	ok(!mlw_dataset_load(&ds, path, NULL), "diabetes loads a fourth time");
	mlw_train_request_init(&req, mlw_trainer_find("ridge"));
	req.target = "target";
	mlw_train_ctx_init(&ctx, 0);
	ok(!mlw_train(&res, ds, &req, &ctx), "ridge trains");
	in = res.model.featurizer->inputs;
	free(in[3].name);
	in[3].name = mlw_strdup(in[1].name);
	ok(!mlw_model_write(&res.model, out), "a model with input 3 named as input 1 is written");
	ok(mlw_model_read(&back, out) == MLW_EINVALID &&
	   strstr(mlw_error_last(), "input 'sex' named twice"),
	   "and refused when read: %s", mlw_error_last());
	mlw_train_result_release(&res);
	mlw_dataset_unref(ds);
	free(out);
	free(path);
}

int main(void)
{
	const char *build = getenv("MLW_BUILD_DIR");
	char *cmd, *share;

	share = mlw_xstrfmt("%s/share/datasets", build && *build ? build : "..");
	datasets = share;
	ok(mkdtemp(dir) != NULL, "a temporary folder");
	test_two_threads();
	test_progress();
	test_memory_limit();
	test_inputs_named_twice();
	cmd = mlw_xstrfmt("rm -rf '%s'", dir);
	if (system(cmd))
		ok(0, "removing %s", dir);
	free(cmd);
	free(share);
	return done_testing();
}

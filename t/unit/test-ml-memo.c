/*
 * test-ml-memo.c - a memo (ml/memo.h) changes no number: every training
 * with one, the first (which fills it) and the next (which reuse it), on
 * one thread or several, gives the same metrics, predictions and model
 * file, byte for byte, as the same training without; designs that differ
 * (features, target, standardize, folds, rows, data) are kept apart, and
 * a full memo keeps nothing and still gives the same numbers.  The
 * unsynced model write a sweep uses gives the same bytes as the synced.
 */
#include "tap.h"
#include "ml/memo.h"
#include "ml/train.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/strutil.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/mlw-test-memo-XXXXXX";
static struct mlw_dataset *diabetes, *iris, *mixed;

/* one training: what differs between the cases */
struct fit {
	const char *label;
	const char *algo;
	struct mlw_dataset **ds;
	const char *target;
	const char *hparam, *value;
	enum mlw_validation validation;
	size_t cv;
	int shuffle, standardize, predictions;
	const char *features;		/* comma-separated, or NULL */
	uint64_t seed;
};

static const struct fit fits[] = {
	{ "ridge cv 5", "ridge", &diabetes, "target", "alpha", "0.5",
	  MLW_VALIDATION_CV, 5, 0, 0, 1, NULL, 0 },
	{ "ridge cv 5, tiny alpha", "ridge", &diabetes, "target", "alpha",
	  "0.00012561191014622545", MLW_VALIDATION_CV, 5, 0, 0, 0, NULL, 0 },
	{ "ridge cv 5, big alpha", "ridge", &diabetes, "target", "alpha",
	  "120", MLW_VALIDATION_CV, 5, 0, 0, 0, NULL, 0 },
	{ "ridge cv 3, shuffled", "ridge", &diabetes, "target", "alpha", "2",
	  MLW_VALIDATION_CV, 3, 1, 0, 1, NULL, 11 },
	{ "ridge cv 3, shuffled, another seed", "ridge", &diabetes, "target",
	  "alpha", "2", MLW_VALIDATION_CV, 3, 1, 0, 0, NULL, 12 },
	{ "ridge cv 5, standardized", "ridge", &diabetes, "target", "alpha",
	  "3", MLW_VALIDATION_CV, 5, 0, 1, 0, NULL, 0 },
	{ "ridge cv 5, three features", "ridge", &diabetes, "target",
	  "alpha", "0.5", MLW_VALIDATION_CV, 5, 0, 0, 0, "bmi,bp,s5", 0 },
	{ "ridge cv 5, other target", "ridge", &diabetes, "bmi", "alpha",
	  "0.5", MLW_VALIDATION_CV, 5, 0, 0, 0, NULL, 0 },
	{ "ridge split 0.25", "ridge", &diabetes, "target", "alpha", "1",
	  MLW_VALIDATION_SPLIT, 0, 0, 0, 1, NULL, 5 },
	{ "ridge, no validation", "ridge", &diabetes, "target", "alpha", "1",
	  MLW_VALIDATION_NONE, 0, 0, 0, 0, NULL, 0 },
	{ "lasso cv 4", "lasso", &diabetes, "target", "alpha", "0.1",
	  MLW_VALIDATION_CV, 4, 0, 0, 0, NULL, 0 },
	{ "linear cv 5", "linear", &diabetes, "target", NULL, NULL,
	  MLW_VALIDATION_CV, 5, 0, 0, 0, NULL, 0 },
	{ "logistic cv 5", "logistic", &iris, "species", "C", "0.3",
	  MLW_VALIDATION_CV, 5, 0, 0, 1, NULL, 0 },
	{ "ridge cv 4, categorical and missing", "ridge", &mixed, "y",
	  "alpha", "0.7", MLW_VALIDATION_CV, 4, 0, 0, 1, NULL, 0 },
	{ "ridge cv 4, categorical, standardized", "ridge", &mixed, "y",
	  "alpha", "0.2", MLW_VALIDATION_CV, 4, 0, 1, 0, NULL, 0 },
	/* collinear columns: X'X + alpha I too ill-conditioned, the SVD */
	{ "ridge cv 4, collinear, alpha 0", "ridge", &mixed, "y", "alpha",
	  "0", MLW_VALIDATION_CV, 4, 0, 0, 0, NULL, 0 },
	{ "ridge cv 4, collinear, alpha 1e-13", "ridge", &mixed, "y",
	  "alpha", "1e-13", MLW_VALIDATION_CV, 4, 0, 0, 0, NULL, 0 },
	{ "ridge cv 4, collinear, alpha 1e-3", "ridge", &mixed, "y",
	  "alpha", "1e-3", MLW_VALIDATION_CV, 4, 0, 0, 0, NULL, 0 },
};

#define NR_FITS (sizeof(fits) / sizeof(*fits))

/* what a training gives: its numbers and its model file */
struct outcome {
	int ret;
	struct mlw_train_result res;
	struct mlw_buf params;
};

static void train(struct outcome *o, const struct fit *f,
		  struct mlw_train_memo *memo, const char *name)
{
	struct mlw_train_request req;
	struct mlw_train_ctx ctx;
	struct mlw_strlist features = MLW_STRLIST_INIT;
	struct mlw_buf unsynced = MLW_BUF_INIT;
	char *path;

	memset(o, 0, sizeof(*o));
	mlw_buf_init(&o->params, 0);
	mlw_train_request_init(&req, mlw_trainer_find(f->algo));
	req.target = f->target;
	req.validation = f->validation;
	req.cv = f->cv;
	req.shuffle = f->shuffle;
	req.standardize = f->standardize;
	req.keep_predictions = f->predictions;
	req.validation_split = 0.25;
	if (f->features) {
		const char *s = f->features, *e;

		for (; (e = strchr(s, ',')); s = e + 1)
			mlw_strlist_push_owned(&features,
					       mlw_strndup(s, (size_t)(e - s)));
		mlw_strlist_push(&features, s);
		req.features = (const char *const *)features.items;
		req.nr_features = features.nr;
	}
	if (f->hparam && mlw_hparams_set(&req.hparams, f->hparam, f->value))
		BUG("%s=%s", f->hparam, f->value);
	mlw_train_ctx_init(&ctx, f->seed);
	ctx.memo = memo;
	o->ret = mlw_train(&o->res, *f->ds, &req, &ctx);
	if (!o->ret) {
		path = mlw_xstrfmt("%s/%s", dir, name);
		if (mlw_model_write(&o->res.model, path) < 0)
			o->ret = -100;
		free(path);
		path = mlw_xstrfmt("%s/%s/params.bin", dir, name);
		if (!o->ret && mlw_buf_read_file(&o->params, path, 1 << 24))
			o->ret = -101;
		free(path);
		/* a sweep writes its best model unsynced: the same bytes */
		path = mlw_xstrfmt("%s/%s-unsynced", dir, name);
		if (!o->ret && mlw_model_write_unsynced(&o->res.model, path))
			o->ret = -102;
		free(path);
		path = mlw_xstrfmt("%s/%s-unsynced/params.bin", dir, name);
		if (!o->ret && (mlw_buf_read_file(&unsynced, path, 1 << 24) ||
				unsynced.len != o->params.len ||
				memcmp(unsynced.buf, o->params.buf,
				       unsynced.len)))
			o->ret = -103;
		free(path);
		mlw_buf_release(&unsynced);
	}
	mlw_strlist_release(&features);
}

static void outcome_release(struct outcome *o)
{
	if (!o->ret)
		mlw_train_result_release(&o->res);
	mlw_buf_release(&o->params);
}

static int same_metrics(const struct mlw_metric *a, const struct mlw_metric *b,
			size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (strcmp(a[i].name, b[i].name) ||
		    memcmp(&a[i].value, &b[i].value, sizeof(double)))
			return 0;
	return 1;
}

/* the same to the bit: metrics, predictions, the model's file */
static int same(const struct outcome *a, const struct outcome *b)
{
	const struct mlw_train_result *x = &a->res, *y = &b->res;
	size_t size;

	if (a->ret || b->ret)
		return 0;
	if (x->nr_metrics != y->nr_metrics ||
	    x->nr_train_metrics != y->nr_train_metrics ||
	    x->nr_folds != y->nr_folds || x->nr_rows != y->nr_rows ||
	    !same_metrics(x->metrics, y->metrics, x->nr_metrics) ||
	    !same_metrics(x->train_metrics, y->train_metrics,
			  x->nr_train_metrics))
		return 0;
	if (!x->predictions.P != !y->predictions.P ||
	    x->predictions.n != y->predictions.n)
		return 0;
	size = x->predictions.n * mlw_model_nr_outputs(&x->model) *
	       sizeof(double);
	if (x->predictions.P && memcmp(x->predictions.P, y->predictions.P,
				       size))
		return 0;
	return a->params.len && a->params.len == b->params.len &&
	       !memcmp(a->params.buf, b->params.buf, a->params.len);
}

static void test_same_numbers(void)
{
	struct mlw_train_memo *memo = mlw_train_memo_new(0);
	struct mlw_train_memo_stats st;
	struct outcome plain[NR_FITS], first, again;
	size_t i;
	char name[64];

	for (i = 0; i < NR_FITS; i++) {
		snprintf(name, sizeof(name), "plain-%zu", i);
		train(&plain[i], &fits[i], NULL, name);
		ok(!plain[i].ret, "%s trains without a memo (%s)",
		   fits[i].label, plain[i].ret ? mlw_error_last() : "");
	}
	/* every case in turn on one memo: each sees the others' designs */
	for (i = 0; i < NR_FITS; i++) {
		snprintf(name, sizeof(name), "first-%zu", i);
		train(&first, &fits[i], memo, name);
		snprintf(name, sizeof(name), "again-%zu", i);
		train(&again, &fits[i], memo, name);
		ok(same(&plain[i], &first),
		   "%s: filling the memo changes nothing", fits[i].label);
		ok(same(&plain[i], &again),
		   "%s: reusing it changes nothing", fits[i].label);
		outcome_release(&first);
		outcome_release(&again);
	}
	mlw_train_memo_stats(memo, &st);
	/* 5 + 3 (and 3 shuffled twice) + ... folds and their final fits */
	ok(st.designs >= 40, "the designs are kept apart (%zu)", st.designs);
	ok(st.hits >= st.designs, "and reused (%zu hits)", st.hits);
	/* a second pass over a full memo */
	for (i = 0; i < NR_FITS; i++) {
		snprintf(name, sizeof(name), "late-%zu", i);
		train(&again, &fits[i], memo, name);
		ok(same(&plain[i], &again), "%s: still the same later",
		   fits[i].label);
		outcome_release(&again);
	}
	mlw_train_memo_free(memo);

	/* a memo with no room keeps nothing and changes nothing */
	memo = mlw_train_memo_new(1);
	for (i = 0; i < NR_FITS; i++) {
		snprintf(name, sizeof(name), "full-%zu", i);
		train(&again, &fits[i], memo, name);
		ok(same(&plain[i], &again), "%s: a full memo changes nothing",
		   fits[i].label);
		outcome_release(&again);
	}
	mlw_train_memo_stats(memo, &st);
	ok(!st.designs && !st.bytes, "a full memo keeps nothing");
	mlw_train_memo_free(memo);
	for (i = 0; i < NR_FITS; i++)
		outcome_release(&plain[i]);
}

/* --- several threads on one memo ---------------------------------------- */

#define THREADS 4
#define ROUNDS 3

static struct outcome reference[NR_FITS];

struct worker {
	int id;
	struct mlw_train_memo *memo;
	int failures;
	char msg[256];
	pthread_t thread;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	struct outcome o;
	size_t k, i;
	char name[64];

	for (k = 0; k < ROUNDS * NR_FITS; k++) {
		/* the threads take the cases in different orders */
		i = (k * (size_t)(2 * w->id + 1) + (size_t)w->id) % NR_FITS;
		snprintf(name, sizeof(name), "w%d-%zu", w->id, k);
		train(&o, &fits[i], w->memo, name);
		if (!same(&reference[i], &o) && !w->failures++)
			snprintf(w->msg, sizeof(w->msg), "%s", fits[i].label);
		outcome_release(&o);
	}
	return NULL;
}

static void test_threads(void)
{
	struct mlw_train_memo *memo = mlw_train_memo_new(0);
	struct worker w[THREADS];
	size_t i;
	int t;
	char name[64];

	for (i = 0; i < NR_FITS; i++) {
		snprintf(name, sizeof(name), "ref-%zu", i);
		train(&reference[i], &fits[i], NULL, name);
	}
	for (t = 0; t < THREADS; t++) {
		memset(&w[t], 0, sizeof(w[t]));
		w[t].id = t;
		w[t].memo = memo;
		ok(!pthread_create(&w[t].thread, NULL, work, &w[t]),
		   "thread %d starts", t);
	}
	for (t = 0; t < THREADS; t++) {
		pthread_join(w[t].thread, NULL);
		ok(!w[t].failures,
		   "thread %d: %d trainings on a shared memo, all the same as without (%s)",
		   t, (int)(ROUNDS * NR_FITS), w[t].msg);
	}
	mlw_train_memo_free(memo);
	for (i = 0; i < NR_FITS; i++)
		outcome_release(&reference[i]);
}

/*
 * Categorical and missing values, numeric target, and x2 = 2 x - z
 * exactly (integers): a collinear column.
 */
static int write_mixed(const char *path)
{
	static const char *const colors[] = { "red", "green", "blue", "" };
	FILE *f = fopen(path, "w");
	int i;

	if (!f)
		return -1;
	fprintf(f, "x,color,z,w,x2,y\n");
	for (i = 0; i < 61; i++) {
		int x = i * 37 % 23, z = i * 11 % 17 - 8;
		const char *c = colors[i * 7 % 4];

		fprintf(f, "%d,%s,%d,", x, c, z);
		if (i % 9 != 4)
			fprintf(f, "%g", (i * 5 % 13) / 3.0);
		fprintf(f, ",%d,%g\n", 2 * x - z, 2.0 * x - z +
			(c[0] == 'r') * 3 + sin((double)i));
	}
	return fclose(f);
}

int main(void)
{
	const char *build = getenv("MLW_BUILD_DIR");
	char *cmd, *path;
	const char *top = build && *build ? build : "..";

	ok(mkdtemp(dir) != NULL, "a temporary folder");
	path = mlw_xstrfmt("%s/share/datasets/diabetes.csv", top);
	ok(!mlw_dataset_load(&diabetes, path, NULL), "diabetes loads");
	free(path);
	path = mlw_xstrfmt("%s/share/datasets/iris.csv", top);
	ok(!mlw_dataset_load(&iris, path, NULL), "iris loads");
	free(path);
	path = mlw_xstrfmt("%s/mixed.csv", dir);
	ok(!write_mixed(path) && !mlw_dataset_load(&mixed, path, NULL),
	   "a table with a categorical column and missing values loads (%s)",
	   mlw_error_last());
	free(path);
	test_same_numbers();
	test_threads();
	mlw_dataset_unref(diabetes);
	mlw_dataset_unref(iris);
	mlw_dataset_unref(mixed);
	cmd = mlw_xstrfmt("rm -rf '%s'", dir);
	if (system(cmd))
		ok(0, "removing %s", dir);
	free(cmd);
	return done_testing();
}

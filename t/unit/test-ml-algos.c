/*
 * test-ml-algos.c - the trainers that are not linear models, by
 * properties that hold whatever the reference: closed forms they must
 * reproduce, invariants of their output, and model folders that replay
 * bit for bit after a write and a read, for every algorithm.
 */
#include "tap.h"
#include "ml/dataset.h"
#include "ml/features.h"
#include "ml/kernel_ridge.h"
#include "ml/kmeans.h"
#include "ml/lda.h"
#include "ml/model.h"
#include "ml/naive_bayes.h"
#include "ml/pca.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/strutil.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t rng = 42;

static double rnd(void)
{
	uint64_t z = (rng += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	z ^= z >> 31;
	return (double)(z >> 11) * 0x1.0p-53 - 0.5;
}

/* 60 rows: x0..x3, a class from three well-separated blobs, a target */
#define N 60
#define P 4
static double X[N * P], y[N], cls[N];

static void make_data(void)
{
	size_t i, j;

	for (i = 0; i < N; i++) {
		cls[i] = (double)(i % 3);
		for (j = 0; j < P; j++)
			X[j * N + i] = rnd() + (j == cls[i] ? 5 : 0);
		y[i] = 2 * X[i] - X[N + i] + 0.1 * rnd();
	}
}

static void test_kernel_ridge(void)
{
	struct mlw_kernel_ridge_params par;
	struct mlw_kernel_ridge_model m;
	struct mlw_strlist warnings = MLW_STRLIST_INIT;
	struct mlw_train_ctx ctx;
	double w[P] = { 0 }, pred[N], G[P * P] = { 0 }, b[P] = { 0 };
	double worst = 0;
	size_t i, j, k;

	/*
	 * Linear kernel: the prediction is X w with w from the primal
	 * (X'X + alpha I) w = X'y, solved here by Gaussian elimination.
	 */
	mlw_kernel_ridge_params_init(&par);
	par.alpha = 0.5;
	mlw_train_ctx_init(&ctx, 0);
	ctx.warnings = &warnings;
	ok(!mlw_kernel_ridge_fit(&m, &par, X, N, P, y, &ctx),
	   "kernel_ridge fits");
	ok(!strcmp(m.solver, "posv") && !warnings.nr, "by Cholesky, no warning");
	for (j = 0; j < P; j++) {
		for (k = 0; k < P; k++)
			for (i = 0; i < N; i++)
				G[k * P + j] += X[j * N + i] * X[k * N + i];
		G[j * P + j] += par.alpha;
		for (i = 0; i < N; i++)
			b[j] += X[j * N + i] * y[i];
	}
	for (j = 0; j < P; j++)
		for (k = j + 1; k < P; k++) {
			double f = G[j * P + k] / G[j * P + j];

			for (i = j; i < P; i++)
				G[i * P + k] -= f * G[i * P + j];
			b[k] -= f * b[j];
		}
	for (j = P; j-- > 0;) {
		w[j] = b[j];
		for (k = j + 1; k < P; k++)
			w[j] -= G[k * P + j] * w[k];
		w[j] /= G[j * P + j];
	}
	ok(!mlw_kernel_ridge_predict(pred, &m, X, N), "kernel_ridge predicts");
	for (i = 0; i < N; i++) {
		double want = 0;

		for (j = 0; j < P; j++)
			want += X[j * N + i] * w[j];
		if (fabs(pred[i] - want) > worst)
			worst = fabs(pred[i] - want);
	}
	ok(worst < 1e-10, "linear kernel ridge is primal ridge without intercept (%g)",
	   worst);
	mlw_kernel_ridge_release(&m);
	mlw_strlist_release(&warnings);
}

static void test_pca(void)
{
	struct mlw_pca_model m;
	double T[N * P], worst = 0, total = 0;
	size_t r, s, j, i;

	ok(!mlw_pca_fit(&m, X, N, P, 0, 0), "pca fits");
	ok(m.nr_components == P, "all components by default");
	for (r = 0; r < P; r++)
		for (s = 0; s < P; s++) {
			double d = 0;

			for (j = 0; j < P; j++)
				d += m.components[j * P + r] *
				     m.components[j * P + s];
			d -= r == s;
			if (fabs(d) > worst)
				worst = fabs(d);
		}
	ok(worst < 1e-12, "components are orthonormal (%g)", worst);
	for (r = 0; r < P; r++)
		total += m.explained_variance_ratio[r];
	ok(fabs(total - 1) < 1e-12, "all ratios sum to 1");
	for (r = 1; r < P; r++)
		ok(m.explained_variance[r] <= m.explained_variance[r - 1],
		   "explained variance %zu is not above %zu", r, r - 1);
	/* the transformed columns have the explained variances */
	ok(!mlw_pca_transform(T, &m, X, N), "pca transforms");
	for (r = 0; r < P; r++) {
		double v = 0;

		for (i = 0; i < N; i++)
			v += T[r * N + i] * T[r * N + i];
		v /= N - 1;
		ok(fabs(v - m.explained_variance[r]) <
		   1e-10 * m.explained_variance[0],
		   "component %zu has variance %g", r, v);
	}
	mlw_pca_release(&m);
	ok(mlw_pca_fit(&m, X, 3, P, 4, 0) == MLW_EINVALID,
	   "more components than rows is refused");
}

static void test_kmeans(void)
{
	struct mlw_kmeans_params par;
	struct mlw_kmeans_model m;
	size_t labels[N], i, map[3] = { 9, 9, 9 };
	int consistent = 1;

	mlw_kmeans_params_init(&par);
	par.nr_clusters = 3;
	par.seed = 1;
	ok(!mlw_kmeans_fit(&m, labels, &par, X, N, P), "kmeans fits");
	/* three blobs 5 apart with spread 1: the clusters are the classes */
	for (i = 0; i < N; i++) {
		size_t c = (size_t)cls[i];

		if (map[c] == 9)
			map[c] = labels[i];
		consistent &= map[c] == labels[i];
	}
	ok(consistent && map[0] != map[1] && map[1] != map[2] &&
	   map[0] != map[2], "k-means++ finds the three blobs");
	mlw_kmeans_release(&m);
	par.nr_clusters = N + 1;
	ok(mlw_kmeans_fit(&m, labels, &par, X, N, P) == MLW_EINVALID,
	   "more clusters than rows is refused");
}

static void test_nb_and_lda_errors(void)
{
	struct mlw_gaussian_nb_model nb;
	struct mlw_linear_model lin;
	struct mlw_lda_model lda;
	struct mlw_lda_params par;
	double one[N] = { 0 };

	ok(mlw_gaussian_nb_fit(&nb, X, N, P, one, 1, 1e-9, NULL, NULL) ==
	   MLW_EINVALID, "gaussian_nb refuses one class");
	mlw_lda_params_init(&par);
	par.nr_classes = 1;
	ok(mlw_lda_fit(&lin, &lda, &par, X, N, P, one, NULL, NULL) ==
	   MLW_EINVALID, "lda refuses one class");
	par.nr_classes = 2;
	ok(mlw_lda_fit(&lin, &lda, &par, X, N, P, one, NULL, NULL) ==
	   MLW_EINVALID, "lda refuses a class without rows");
}

static char dir[] = "/tmp/mlw-test-algos-XXXXXX";

/*
 * Fit algo on data.csv through the featurizer, as 'mlw train' does,
 * write the folder, read it back and compare predictions bit for bit.
 */
static void round_trip(enum mlw_algorithm algo, const struct mlw_dataset *ds)
{
	struct mlw_model m = { 0 }, back;
	size_t cols[P] = { 0, 1, 2, 3 }, n = ds->nr_rows, nout, i;
	double *Xf, *yv, *a, *b;
	char *folder = mlw_xstrfmt("%s/%s", dir, mlw_algorithm_name(algo));
	int ret = 0, cls_algo = mlw_algorithm_is_classifier(algo);
	struct mlw_lda_params lp;
	struct mlw_kmeans_params kp;
	struct mlw_kernel_ridge_params kr;

	mlw_featurizer_fit(&m.featurizer, ds, cols, P, NULL, n, 0);
	mlw_featurizer_apply(&Xf, m.featurizer, ds, NULL, n);
	yv = mlw_calloc(n, sizeof(double));
	if (!mlw_algorithm_is_unsupervised(algo)) {
		mlw_target_fit(&m.target, ds, cls_algo ? 5 : 4, NULL, n, cls_algo);
		mlw_target_apply(yv, &m.target, ds, NULL, n);
	}
	m.trainer = mlw_trainer_of(algo);
	m.linear.algorithm = algo;
	m.linear.nr_features = P;
	switch (algo) {
	case MLW_ALGO_KERNEL_RIDGE:
		mlw_kernel_ridge_params_init(&kr);
		kr.kernel = MLW_KERNEL_RBF;
		ret = mlw_kernel_ridge_fit(&m.kernel_ridge, &kr, Xf, n, P, yv,
					   NULL);
		break;
	case MLW_ALGO_LDA:
		mlw_lda_params_init(&lp);
		lp.nr_classes = m.target.nr_classes;
		ret = mlw_lda_fit(&m.linear, &m.lda, &lp, Xf, n, P, yv, NULL,
				  NULL);
		break;
	case MLW_ALGO_GAUSSIAN_NB:
		ret = mlw_gaussian_nb_fit(&m.gaussian_nb, Xf, n, P, yv,
					  m.target.nr_classes, 1e-9, NULL, NULL);
		break;
	case MLW_ALGO_KMEANS:
		mlw_kmeans_params_init(&kp);
		kp.nr_clusters = 3;
		ret = mlw_kmeans_fit(&m.kmeans, NULL, &kp, Xf, n, P);
		break;
	default:
		ret = mlw_pca_fit(&m.pca, Xf, n, P, 3, 1);
		break;
	}
	ok(!ret, "%s fits (%s)", mlw_algorithm_name(algo), mlw_error_last());
	ok(!mlw_model_write(&m, folder), "%s: the folder is written",
	   mlw_algorithm_name(algo));
	ok(!mlw_model_read(&back, folder), "%s: the folder is read back (%s)",
	   mlw_algorithm_name(algo), mlw_error_last());
	nout = mlw_model_nr_outputs(&m);
	ok(nout == mlw_model_nr_outputs(&back) &&
	   nout == (algo == MLW_ALGO_PCA ? 3 : cls_algo ? 3 : 1),
	   "%s: %zu outputs", mlw_algorithm_name(algo), nout);
	a = mlw_calloc(n * nout, sizeof(double));
	b = mlw_calloc(n * nout, sizeof(double));
	ok(!mlw_model_predict(a, &m, Xf, n, 1) &&
	   !mlw_model_predict(b, &back, Xf, n, 1),
	   "%s: both predict", mlw_algorithm_name(algo));
	ok(!memcmp(a, b, n * nout * sizeof(double)),
	   "%s: the replayed model predicts bit for bit the same",
	   mlw_algorithm_name(algo));
	for (i = 0; cls_algo && i < n; i++)
		if (fabs(a[i] + a[n + i] + a[2 * n + i] - 1) > 1e-12)
			break;
	ok(!cls_algo || i == n, "%s: probabilities sum to 1",
	   mlw_algorithm_name(algo));
	free(a);
	free(b);
	free(yv);
	mlw_big_free(Xf, n * P * sizeof(double));
	mlw_model_release(&m);
	mlw_model_release(&back);
	free(folder);
}

static void test_model_folders(void)
{
	static const enum mlw_algorithm algos[] = {
		MLW_ALGO_KERNEL_RIDGE, MLW_ALGO_LDA, MLW_ALGO_GAUSSIAN_NB,
		MLW_ALGO_KMEANS, MLW_ALGO_PCA
	};
	struct mlw_buf b = MLW_BUF_INIT;
	struct mlw_dataset *ds;
	struct mlw_model m;
	char *path;
	size_t i;

	ok(mkdtemp(dir) != NULL, "a temporary folder");
	mlw_buf_adds(&b, "a,b,c,d,t,label\n");
	for (i = 0; i < N; i++)
		mlw_buf_addf(&b, "%.17g,%.17g,%.17g,%.17g,%.17g,%s\n", X[i],
			     X[N + i], X[2 * N + i], X[3 * N + i], y[i],
			     i % 3 == 0 ? "red" : i % 3 == 1 ? "green" : "blue");
	path = mlw_xstrfmt("%s/data.csv", dir);
	mlw_write_file_atomic(path, b.buf, b.len);
	ok(!mlw_dataset_load(&ds, path, NULL), "the data load");
	for (i = 0; i < sizeof(algos) / sizeof(*algos); i++)
		round_trip(algos[i], ds);
	mlw_dataset_unref(ds);
	free(path);

	/* damaged files are refused, not misread */
	for (i = 0; i < sizeof(algos) / sizeof(*algos); i++) {
		char *folder = mlw_xstrfmt("%s/%s", dir,
					   mlw_algorithm_name(algos[i]));

		path = mlw_path_join(folder, "params.bin");
		mlw_buf_reset(&b);
		mlw_buf_read_file(&b, path, 1 << 24);
		is_int(b.buf[8], 2, "%s writes format version 2",
		       mlw_algorithm_name(algos[i]));
		/* a block count far beyond the file: no huge allocation */
		memset(b.buf + 8 + 4 + 4 + 8 + 8 + 8 *
		       (algos[i] == MLW_ALGO_LDA ? 3 * P + 3 : 0) +
		       (algos[i] == MLW_ALGO_KERNEL_RIDGE ||
			algos[i] == MLW_ALGO_LDA ? 4 : 0) +
		       (algos[i] == MLW_ALGO_KERNEL_RIDGE ? 24 : 0), 0x7f, 8);
		mlw_write_file_atomic(path, b.buf, b.len);
		ok(mlw_model_read(&m, folder) == MLW_EINVALID,
		   "%s: an impossible count is reported damaged",
		   mlw_algorithm_name(algos[i]));
		mlw_write_file_atomic(path, b.buf, b.len - 9);
		ok(mlw_model_read(&m, folder) == MLW_EINVALID,
		   "%s: a truncated params.bin is reported damaged",
		   mlw_algorithm_name(algos[i]));
		free(path);
		free(folder);
	}
	mlw_buf_release(&b);
}

static void test_linear_keeps_version_1(void)
{
	struct mlw_dataset *ds;
	struct mlw_model m = { 0 };
	struct mlw_linear_params par;
	struct mlw_buf b = MLW_BUF_INIT;
	size_t cols[P] = { 0, 1, 2, 3 };
	char *path = mlw_xstrfmt("%s/data.csv", dir);
	char *folder = mlw_xstrfmt("%s/ridge", dir), *params;
	double *Xf, yv[N];

	mlw_dataset_load(&ds, path, NULL);
	mlw_featurizer_fit(&m.featurizer, ds, cols, P, NULL, N, 0);
	mlw_featurizer_apply(&Xf, m.featurizer, ds, NULL, N);
	mlw_target_fit(&m.target, ds, 4, NULL, N, 0);
	mlw_target_apply(yv, &m.target, ds, NULL, N);
	mlw_linear_params_init(&par, MLW_ALGO_RIDGE);
	m.trainer = &mlw_ridge_trainer;
	ok(!mlw_linear_fit(&m.linear, MLW_ALGO_RIDGE, &par, Xf, N, P, yv),
	   "ridge fits");
	ok(!mlw_model_write(&m, folder), "ridge folder written");
	params = mlw_path_join(folder, "params.bin");
	mlw_buf_read_file(&b, params, 1 << 20);
	is_int(b.buf[8], 1, "linear models still write format version 1");
	mlw_buf_release(&b);
	mlw_big_free(Xf, N * P * sizeof(double));
	mlw_model_release(&m);
	mlw_dataset_unref(ds);
	free(params);
	free(path);
	free(folder);
}

int main(void)
{
	char *cmd;

	make_data();
	test_kernel_ridge();
	test_pca();
	test_kmeans();
	test_nb_and_lda_errors();
	test_model_folders();
	test_linear_keeps_version_1();
	cmd = mlw_xstrfmt("rm -rf '%s'", dir);
	if (system(cmd))
		ok(0, "removing %s", dir);
	free(cmd);
	return done_testing();
}

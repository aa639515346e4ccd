/*
 * kernel_ridge.c - kernel ridge regression (kernel_ridge.h).
 *
 * The kernel matrix comes from one Gram product (dgemm), so forming it
 * costs what BLAS 3 costs; the distances of the rbf kernel are
 * ||a||^2 + ||b||^2 - 2 a'b clipped at zero, the same expression in the
 * same order as scikit-learn's euclidean_distances, so the two agree to
 * rounding.
 */
#include "ml/kernel_ridge.h"
#include "ml/lapack.h"
#include "ml/model.h"
#include "ml/params.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/output.h"
#include "util/strutil.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const kernel_names[] = {
	[MLW_KERNEL_LINEAR] = "linear",
	[MLW_KERNEL_POLY] = "poly",
	[MLW_KERNEL_RBF] = "rbf",
	NULL
};

int mlw_kernel_parse(enum mlw_kernel *out, const char *name)
{
	size_t i;

	for (i = 0; kernel_names[i]; i++)
		if (!strcmp(name, kernel_names[i])) {
			*out = (enum mlw_kernel)i;
			return 0;
		}
	return mlw_error_setc(MLW_EINVALID,
			      "unknown kernel '%s' (linear, poly, rbf)", name);
}

const char *mlw_kernel_name(enum mlw_kernel kernel)
{
	return kernel_names[kernel];
}

void mlw_kernel_ridge_params_init(struct mlw_kernel_ridge_params *p)
{
	p->kernel = MLW_KERNEL_LINEAR;
	p->alpha = 1;
	p->gamma = 0;
	p->degree = 3;
	p->coef0 = 1;
}

/* squared norms of the n rows of A (column-major, leading dimension n) */
static void row_norms(double *out, const double *A, size_t n, size_t p)
{
	size_t i, j;

	for (i = 0; i < n; i++)
		out[i] = 0;
	for (j = 0; j < p; j++)
		for (i = 0; i < n; i++)
			out[i] += A[j * n + i] * A[j * n + i];
}

/*
 * K = k(A, B) for A (na x p, ld lda) and B (nb x p, ld ldb): na x nb,
 * leading dimension na.  an and bn are the rows' squared norms (rbf).
 */
static void kernel_block(double *K, const struct mlw_lapack *la,
			 const struct mlw_kernel_ridge_model *m,
			 const double *A, size_t na, size_t lda,
			 const double *an, const double *B, size_t nb,
			 size_t ldb, const double *bn, int same)
{
	size_t i, j, p = m->nr_features;

	la->dgemm(MLW_COL_MAJOR, MLW_NO_TRANS, MLW_TRANS, (int)na, (int)nb,
		  (int)p, 1, A, (int)lda, B, (int)ldb, 0, K, (int)na);
	if (m->kernel == MLW_KERNEL_LINEAR)
		return;
	for (j = 0; j < nb; j++) {
		double *k = K + j * na;

		for (i = 0; i < na; i++) {
			if (m->kernel == MLW_KERNEL_POLY) {
				k[i] = pow(k[i] * m->gamma + m->coef0, m->degree);
				continue;
			}
			k[i] = -2 * k[i] + an[i] + bn[j];
			if (k[i] < 0 || (same && i == j))
				k[i] = 0;
			k[i] = exp(-m->gamma * k[i]);
		}
	}
}

int mlw_kernel_ridge_fit(struct mlw_kernel_ridge_model *out,
			 const struct mlw_kernel_ridge_params *par,
			 const double *X, size_t n, size_t p, const double *y,
			 struct mlw_train_ctx *ctx)
{
	const struct mlw_lapack *la;
	struct mlw_kernel_ridge_model m = { 0 };
	double *K, *s, *norms;
	size_t i, nn;
	int info, rank;

	if (mlw_lapack_load(&la) < 0)
		return -1;
	if (n > 46340)	/* n * n must stay an int for LAPACK */
		return mlw_error_setc(MLW_EINVALID,
				      "kernel_ridge keeps an n x n kernel matrix: %zu rows is too many (at most 46340)",
				      n);
	m.kernel = par->kernel;
	m.gamma = par->gamma > 0 ? par->gamma : 1.0 / (double)p;
	m.degree = par->degree;
	m.coef0 = par->coef0;
	m.nr_features = p;
	m.nr_train = n;
	m.X_fit = mlw_malloc(mlw_st_mult(mlw_st_mult(n, p) + 1, sizeof(double)));
	memcpy(m.X_fit, X, n * p * sizeof(double));
	m.dual_coef = mlw_malloc(mlw_st_mult(n + 1, sizeof(double)));
	memcpy(m.dual_coef, y, n * sizeof(double));

	nn = mlw_st_mult(n, n);
	K = mlw_malloc(mlw_st_mult(nn + 1, sizeof(double)));
	norms = mlw_malloc(mlw_st_mult(n + 1, sizeof(double)));
	row_norms(norms, X, n, p);
	kernel_block(K, la, &m, X, n, n, norms, X, n, n, norms, 1);
	for (i = 0; i < n; i++)
		K[i * n + i] += par->alpha;
	/*
	 * K + alpha I is symmetric and, for alpha > 0 and a positive
	 * semi-definite kernel, positive definite: Cholesky (dposv) is the
	 * cheapest stable solver, n^3/3 flops, in place.  It reports
	 * info > 0 when a pivot is not positive (alpha 0 on a singular K,
	 * or a poly kernel that is not PSD); then, as scikit-learn does,
	 * the least-squares solution by the SVD (dgelsd) on the kernel
	 * formed again — rarer than keeping a second n x n copy is costly.
	 */
	info = la->dposv(MLW_COL_MAJOR, 'L', (int)n, 1, K, (int)n, m.dual_coef,
			 (int)n);
	if (info < 0)
		BUG("dposv: argument %d is wrong", -info);
	m.solver = "posv";
	if (info > 0) {
		mlw_train_warn(ctx,
			"the kernel matrix plus alpha is not positive definite (pivot %d); using the least-squares solution",
			info);
		kernel_block(K, la, &m, X, n, n, norms, X, n, n, norms, 1);
		for (i = 0; i < n; i++)
			K[i * n + i] += par->alpha;
		memcpy(m.dual_coef, y, n * sizeof(double));
		s = mlw_malloc(mlw_st_mult(n + 1, sizeof(double)));
		info = la->dgelsd(MLW_COL_MAJOR, (int)n, (int)n, 1, K, (int)n,
				  m.dual_coef, (int)n, s, DBL_EPSILON, &rank);
		free(s);
		m.solver = "gelsd";
		if (info < 0)
			BUG("dgelsd: argument %d is wrong", -info);
		if (info > 0) {
			free(norms);
			free(K);
			mlw_kernel_ridge_release(&m);
			return mlw_error_setc(MLW_ENUMERIC,
					      "the SVD of the kernel matrix did not converge");
		}
	}
	free(norms);
	free(K);
	*out = m;
	return 0;
}

/*
 * One row at a time, each kernel value and the sum over the training
 * rows in a fixed order: a row's prediction never depends on the rows
 * scored with it (a BLAS product's last bit does, through its blocking),
 * so 'mlw model score' in blocks of any size on any threads writes what
 * training predicted, to the bit.
 */
int mlw_kernel_ridge_predict(double *out,
			     const struct mlw_kernel_ridge_model *m,
			     const double *X, size_t n)
{
	size_t nt = m->nr_train, p = m->nr_features, i, j, k;
	double *acc = mlw_malloc(mlw_st_mult(nt + 1, sizeof(double)));
	double *tn = mlw_malloc(mlw_st_mult(nt + 1, sizeof(double)));

	row_norms(tn, m->X_fit, nt, p);
	for (i = 0; i < n; i++) {
		double xn = 0, pred = 0;

		for (j = 0; j < nt; j++)
			acc[j] = 0;
		for (k = 0; k < p; k++) {
			const double *col = m->X_fit + k * nt;
			double x = X[k * n + i];

			xn += x * x;
			for (j = 0; j < nt; j++)
				acc[j] += x * col[j];
		}
		for (j = 0; j < nt; j++) {
			double v = acc[j];

			if (m->kernel == MLW_KERNEL_POLY) {
				v = pow(v * m->gamma + m->coef0, m->degree);
			} else if (m->kernel == MLW_KERNEL_RBF) {
				v = -2 * v + xn + tn[j];
				v = exp(-m->gamma * (v < 0 ? 0 : v));
			}
			pred += v * m->dual_coef[j];
		}
		out[i] = pred;
	}
	free(acc);
	free(tn);
	return 0;
}

void mlw_kernel_ridge_release(struct mlw_kernel_ridge_model *m)
{
	free(m->X_fit);
	free(m->dual_coef);
	m->X_fit = m->dual_coef = NULL;
}

/* ---- the trainer ---- */

enum { HP_ALPHA, HP_KERNEL, HP_GAMMA, HP_DEGREE, HP_COEF0 };

static const struct mlw_hparam kernel_ridge_hparams[] = {
	[HP_ALPHA] = MLW_HPARAM_ALPHA,
	[HP_KERNEL] = { "kernel", MLW_HPARAM_CHOICE, "K",
			"kernel: linear, poly, rbf (linear)", 0, 0, 0,
			kernel_names, 0 },
	[HP_GAMMA] = { "gamma", MLW_HPARAM_FLOAT, "G",
		       "rbf and poly kernel scale (1/features)", 0, 0,
		       INFINITY, NULL, MLW_HPARAM_OPEN_MIN },
	[HP_DEGREE] = { "degree", MLW_HPARAM_FLOAT, "D",
			"poly kernel degree (3)", 3, 0, INFINITY, NULL, 0 },
	[HP_COEF0] = { "coef0", MLW_HPARAM_FLOAT, "C0",
		       "poly kernel constant (1)", 1, -INFINITY, INFINITY,
		       NULL, 0 },
};

static int kr_fit(struct mlw_model *m, const struct mlw_hparams *hp,
		  const struct mlw_fit_input *in, struct mlw_train_ctx *ctx)
{
	struct mlw_kernel_ridge_params par;
	int ret;

	mlw_kernel_ridge_params_init(&par);
	par.alpha = hp->value[HP_ALPHA];
	par.kernel = (enum mlw_kernel)hp->value[HP_KERNEL];
	par.gamma = hp->value[HP_GAMMA];
	par.degree = hp->value[HP_DEGREE];
	par.coef0 = hp->value[HP_COEF0];
	mlw_warn_constant_columns(ctx, in->X, in->n, in->p, in->names);
	ret = mlw_kernel_ridge_fit(&m->kernel_ridge, &par, in->X, in->n,
				   in->p, in->y, ctx);
	m->linear.solver = m->kernel_ridge.solver;
	m->linear.converged = 1;
	return ret;
}

static int kr_predict(double *out, const struct mlw_model *m,
		      const double *X, size_t n, int nr_threads)
{
	return mlw_kernel_ridge_predict(out, &m->kernel_ridge, X, n);
}

static size_t kr_outputs(const struct mlw_model *m)
{
	return 1;
}

static void kr_write(struct mlw_buf *b, const struct mlw_model *m)
{
	const struct mlw_kernel_ridge_model *kr = &m->kernel_ridge;

	mlw_params_put_u32(b, (uint32_t)kr->kernel);
	mlw_params_put_f64(b, kr->gamma);
	mlw_params_put_f64(b, kr->degree);
	mlw_params_put_f64(b, kr->coef0);
	mlw_params_put_u64(b, kr->nr_train);
	mlw_params_put_f64s(b, kr->X_fit, kr->nr_train * kr->nr_features);
	mlw_params_put_f64s(b, kr->dual_coef, kr->nr_train);
}

static void kr_read(struct mlw_params_reader *r, struct mlw_model *m)
{
	struct mlw_kernel_ridge_model *kr = &m->kernel_ridge;
	uint32_t kernel = mlw_params_u32(r, "kernel_ridge.kernel");

	if (kernel > MLW_KERNEL_RBF)
		mlw_params_fail(r, "kernel_ridge.kernel", "%u is no kernel",
				(unsigned)kernel);
	kr->kernel = (enum mlw_kernel)kernel;
	kr->gamma = mlw_params_f64(r, "kernel_ridge.gamma");
	kr->degree = mlw_params_f64(r, "kernel_ridge.degree");
	kr->coef0 = mlw_params_f64(r, "kernel_ridge.coef0");
	kr->nr_features = m->linear.nr_features;
	kr->nr_train = mlw_params_count(r, 8, "kernel_ridge.nr_train");
	kr->X_fit = mlw_params_matrix(r, kr->nr_train, kr->nr_features,
				      "kernel_ridge.X_fit");
	kr->dual_coef = mlw_params_f64s(r, kr->nr_train,
					"kernel_ridge.dual_coef");
	kr->solver = "posv";
	if (!r->bad && !(kr->gamma > 0))
		mlw_params_fail(r, "kernel_ridge.gamma", "%g", kr->gamma);
}

static void kr_validate(struct mlw_params_reader *r,
			const struct mlw_model *m)
{
	mlw_model_expect_outputs(r, m, 0);
}

static void kr_describe(struct mlw_out *o, const struct mlw_model *m,
			const struct mlw_hparams *hp)
{
	const struct mlw_kernel_ridge_model *kr = &m->kernel_ridge;

	mlw_out_object_begin(o, "kernel_ridge");
	mlw_out_str(o, "kernel", mlw_kernel_name(kr->kernel));
	mlw_out_num(o, "alpha", hp->value[HP_ALPHA]);
	mlw_out_num(o, "gamma", kr->gamma);
	mlw_out_num(o, "degree", kr->degree);
	mlw_out_num(o, "coef0", kr->coef0);
	mlw_trainer_out_vector(o, "dual_coef", kr->dual_coef, kr->nr_train);
	mlw_out_end(o);
}

static void kr_release(struct mlw_model *m)
{
	mlw_kernel_ridge_release(&m->kernel_ridge);
}

/* the n x n kernel matrix and the model's copy of the rows */
static double kr_memory(const struct mlw_hparams *hp, size_t n, size_t p,
			size_t nr_classes)
{
	return 8 * ((double)n * (double)n + (double)n * (double)p);
}

const struct mlw_trainer mlw_kernel_ridge_trainer = {
	.name = "kernel_ridge",
	.algorithm = MLW_ALGO_KERNEL_RIDGE,
	.task = MLW_TASK_REGRESSION,
	.estimator = "KernelRidge",
	.hparams = kernel_ridge_hparams,
	.nr_hparams = sizeof(kernel_ridge_hparams) /
		      sizeof(*kernel_ridge_hparams),
	.fit = kr_fit,
	.predict = kr_predict,
	.nr_outputs = kr_outputs,
	.write_params = kr_write,
	.read_params = kr_read,
	.validate = kr_validate,
	.describe = kr_describe,
	.memory = kr_memory,
	.release = kr_release,
};

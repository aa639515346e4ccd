/*
 * model.c - writing and reading model folders (model.h).
 */
#include "ml/model.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAGIC "MLWPARAM"
#define MAX_PARAMS_SIZE ((size_t)1 << 32)

static void put_u32(struct mlw_buf *b, uint32_t v)
{
	unsigned char c[4];
	int i;

	for (i = 0; i < 4; i++)
		c[i] = (unsigned char)(v >> (8 * i));
	mlw_buf_add(b, c, 4);
}

static void put_u64(struct mlw_buf *b, uint64_t v)
{
	unsigned char c[8];
	int i;

	for (i = 0; i < 8; i++)
		c[i] = (unsigned char)(v >> (8 * i));
	mlw_buf_add(b, c, 8);
}

static void put_f64(struct mlw_buf *b, double d)
{
	uint64_t v;

	memcpy(&v, &d, 8);
	put_u64(b, v);
}

static void put_str(struct mlw_buf *b, const char *s)
{
	put_u32(b, (uint32_t)strlen(s));
	mlw_buf_adds(b, s);
}

static void put_f64s(struct mlw_buf *b, const double *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		put_f64(b, v[i]);
}

/* a YAML double-quoted scalar */
static void yaml_str(struct mlw_buf *b, const char *s)
{
	mlw_buf_addch(b, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			mlw_buf_addf(b, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			mlw_buf_addf(b, "\\x%02x", (unsigned char)*s);
		else
			mlw_buf_addch(b, *s);
	}
	mlw_buf_addch(b, '"');
}

static const char *mlflow_type(enum mlw_column_type t)
{
	return t == MLW_COLUMN_NUMERIC ? "double" :
	       t == MLW_COLUMN_BOOLEAN ? "boolean" : "string";
}

/* format version 2's block of the algorithms that are not linear */
static void put_algorithm_block(struct mlw_buf *b, const struct mlw_model *m)
{
	size_t p = m->linear.nr_features;

	switch (m->linear.algorithm) {
	case MLW_ALGO_KERNEL_RIDGE: {
		const struct mlw_kernel_ridge_model *kr = &m->kernel_ridge;

		put_u32(b, (uint32_t)kr->kernel);
		put_f64(b, kr->gamma);
		put_f64(b, kr->degree);
		put_f64(b, kr->coef0);
		put_u64(b, kr->nr_train);
		put_f64s(b, kr->X_fit, kr->nr_train * p);
		put_f64s(b, kr->dual_coef, kr->nr_train);
		break;
	}
	case MLW_ALGO_LDA: {
		const struct mlw_lda_model *l = &m->lda;

		put_u32(b, (uint32_t)l->solver);
		put_u64(b, l->nr_classes);
		put_f64s(b, l->means, l->nr_classes * p);
		put_f64s(b, l->priors, l->nr_classes);
		put_f64s(b, l->xbar, p);
		put_u64(b, l->rank);
		put_f64s(b, l->scalings, p * l->rank);
		put_u64(b, l->nr_components);
		put_f64s(b, l->explained_variance_ratio, l->nr_components);
		break;
	}
	case MLW_ALGO_GAUSSIAN_NB: {
		const struct mlw_gaussian_nb_model *nb = &m->gaussian_nb;

		put_u64(b, nb->nr_classes);
		put_f64s(b, nb->theta, nb->nr_classes * p);
		put_f64s(b, nb->var, nb->nr_classes * p);
		put_f64s(b, nb->class_prior, nb->nr_classes);
		put_f64s(b, nb->class_count, nb->nr_classes);
		put_f64(b, nb->epsilon);
		break;
	}
	case MLW_ALGO_KMEANS:
		put_u64(b, m->kmeans.nr_clusters);
		put_f64s(b, m->kmeans.centers, m->kmeans.nr_clusters * p);
		put_f64(b, m->kmeans.inertia);
		break;
	case MLW_ALGO_PCA: {
		const struct mlw_pca_model *pc = &m->pca;
		size_t k = pc->nr_components;

		put_u64(b, k);
		put_u32(b, (uint32_t)pc->whiten);
		put_f64s(b, pc->mean, p);
		put_f64s(b, pc->components, k * p);
		put_f64s(b, pc->explained_variance, k);
		put_f64s(b, pc->explained_variance_ratio, k);
		put_f64s(b, pc->singular_values, k);
		put_f64(b, pc->noise_variance);
		break;
	}
	default:
		break;
	}
}

/* linear models keep writing version 1, which older readers know */
static int format_version(enum mlw_algorithm algo)
{
	return algo <= MLW_ALGO_LOGISTIC ? 1 : 2;
}

int mlw_model_write(const struct mlw_model *m, const char *dir)
{
	const struct mlw_featurizer *f = m->featurizer;
	const struct mlw_linear_model *lm = &m->linear;
	struct mlw_buf b = MLW_BUF_INIT;
	char *path;
	size_t i, k;
	int ret;

	ret = mlw_mkdir_p(dir, 0777);
	if (ret)
		return ret;
	mlw_buf_add(&b, MAGIC, 8);
	put_u32(&b, (uint32_t)format_version(lm->algorithm));
	put_u32(&b, (uint32_t)lm->algorithm);
	put_u64(&b, lm->nr_features);
	put_u64(&b, lm->nr_outputs);
	put_f64s(&b, lm->coef, lm->nr_features * lm->nr_outputs);
	put_f64s(&b, lm->intercept, lm->nr_outputs);
	put_algorithm_block(&b, m);
	put_u32(&b, (uint32_t)f->standardize);
	if (f->standardize) {
		put_f64s(&b, f->mean, f->nr_features);
		put_f64s(&b, f->scale, f->nr_features);
	}
	put_u64(&b, f->nr_inputs);
	for (i = 0; i < f->nr_inputs; i++) {
		const struct mlw_feature_input *in = &f->inputs[i];

		put_str(&b, in->name);
		put_u32(&b, (uint32_t)in->type);
		put_f64(&b, in->fill);
		put_u64(&b, in->first);
		put_u64(&b, in->nr_categories);
		for (k = 0; k < in->nr_categories; k++)
			put_str(&b, in->categories[k]);
	}
	put_str(&b, m->target.name ? m->target.name : "");
	put_u32(&b, (uint32_t)m->target.classification);
	put_u64(&b, m->target.nr_classes);
	for (k = 0; k < m->target.nr_classes; k++)
		put_str(&b, m->target.classes[k]);
	path = mlw_path_join(dir, "params.bin");
	ret = mlw_write_file_atomic(path, b.buf, b.len);
	free(path);
	if (ret) {
		mlw_buf_release(&b);
		return ret;
	}

	mlw_buf_reset(&b);
	mlw_buf_addf(&b, "flavors:\n  mlw:\n    algorithm: %s\n"
		     "    format_version: %d\n    params: params.bin\n"
		     "    solver: %s\n    nr_features: %zu\n"
		     "    standardize: %s\n",
		     mlw_algorithm_name(lm->algorithm),
		     format_version(lm->algorithm),
		     lm->solver ? lm->solver : "none", lm->nr_features,
		     f->standardize ? "true" : "false");
	if (m->target.classification) {
		mlw_buf_adds(&b, "    classes: [");
		for (k = 0; k < m->target.nr_classes; k++) {
			if (k)
				mlw_buf_adds(&b, ", ");
			yaml_str(&b, m->target.classes[k]);
		}
		mlw_buf_adds(&b, "]\n");
	}
	mlw_buf_addf(&b, "mlw_version: %s\nsignature:\n  inputs: '[",
#ifdef MLW_VERSION
		     MLW_VERSION
#else
		     "0.0.0-dev"
#endif
		     );
	/* MLflow stores the column spec as a JSON string */
	for (i = 0; i < f->nr_inputs; i++) {
		const char *s;

		mlw_buf_addf(&b, "%s{\"name\": \"", i ? ", " : "");
		for (s = f->inputs[i].name; *s; s++) {
			if (*s == '\'')
				mlw_buf_adds(&b, "''");
			else if (*s == '"' || *s == '\\')
				mlw_buf_addf(&b, "\\%c", *s);
			else
				mlw_buf_addch(&b, *s);
		}
		mlw_buf_addf(&b, "\", \"type\": \"%s\"}",
			     mlflow_type(f->inputs[i].type));
	}
	if (lm->algorithm == MLW_ALGO_KMEANS) {
		mlw_buf_adds(&b, "]'\n  outputs: '[{\"name\": \"cluster\", \"type\": \"long\"}]'\n");
	} else if (lm->algorithm == MLW_ALGO_PCA) {
		mlw_buf_adds(&b, "]'\n  outputs: '[");
		for (k = 0; k < m->pca.nr_components; k++)
			mlw_buf_addf(&b, "%s{\"name\": \"pc%zu\", \"type\": \"double\"}",
				     k ? ", " : "", k);
		mlw_buf_adds(&b, "]'\n");
	} else {
		mlw_buf_addf(&b, "]'\n  outputs: '[{\"type\": \"%s\"}]'\n",
			     m->target.classification ? "string" : "double");
	}
	path = mlw_path_join(dir, "MLmodel");
	ret = mlw_write_file_atomic(path, b.buf, b.len);
	free(path);
	mlw_buf_release(&b);
	return ret;
}

struct reader {
	const unsigned char *p, *end;
	int bad;
};

static uint64_t get_u(struct reader *r, int size)
{
	uint64_t v = 0;
	int i;

	if (r->bad || r->end - r->p < size) {
		r->bad = 1;
		return 0;
	}
	for (i = 0; i < size; i++)
		v |= (uint64_t)r->p[i] << (8 * i);
	r->p += size;
	return v;
}

static double get_f64(struct reader *r)
{
	uint64_t v = get_u(r, 8);
	double d;

	memcpy(&d, &v, 8);
	return d;
}

static char *get_str(struct reader *r)
{
	uint64_t len = get_u(r, 4);
	char *s;

	if (r->bad || (uint64_t)(r->end - r->p) < len) {
		r->bad = 1;
		return mlw_strdup("");
	}
	s = mlw_strndup((const char *)r->p, (size_t)len);
	r->p += len;
	return s;
}

/* a count that must fit in what is left of the file (items of size) */
static size_t get_count(struct reader *r, size_t size)
{
	uint64_t n = get_u(r, 8);

	if (r->bad || n > (uint64_t)(r->end - r->p) / size) {
		r->bad = 1;
		return 0;
	}
	return (size_t)n;
}

static double *get_f64s(struct reader *r, size_t n)
{
	double *v = mlw_calloc(n + 1, sizeof(double));
	size_t i;

	for (i = 0; i < n && !r->bad; i++)
		v[i] = get_f64(r);
	return v;
}

/* an f64 array of a * b entries, a and b read from the file */
static double *get_matrix(struct reader *r, size_t a, size_t b)
{
	if (r->bad || (b && a > (size_t)(r->end - r->p) / 8 / b)) {
		r->bad = 1;
		return get_f64s(r, 0);
	}
	return get_f64s(r, a * b);
}

static void get_algorithm_block(struct reader *r, struct mlw_model *m)
{
	size_t p = m->linear.nr_features, K;

	switch (m->linear.algorithm) {
	case MLW_ALGO_KERNEL_RIDGE: {
		struct mlw_kernel_ridge_model *kr = &m->kernel_ridge;

		kr->kernel = (enum mlw_kernel)get_u(r, 4);
		if (kr->kernel > MLW_KERNEL_RBF)
			r->bad = 1;
		kr->gamma = get_f64(r);
		kr->degree = get_f64(r);
		kr->coef0 = get_f64(r);
		kr->nr_features = p;
		kr->nr_train = get_count(r, 8);
		kr->X_fit = get_matrix(r, kr->nr_train, p);
		kr->dual_coef = get_f64s(r, kr->nr_train);
		kr->solver = "posv";
		break;
	}
	case MLW_ALGO_LDA: {
		struct mlw_lda_model *l = &m->lda;

		l->solver = (enum mlw_lda_solver)get_u(r, 4);
		if (l->solver > MLW_LDA_EIGEN)
			r->bad = 1;
		l->nr_features = p;
		K = l->nr_classes = get_count(r, 8);
		l->means = get_matrix(r, K, p);
		l->priors = get_f64s(r, K);
		l->xbar = get_f64s(r, p);
		l->rank = get_count(r, 8);
		l->scalings = get_matrix(r, p, l->rank);
		l->nr_components = get_count(r, 8);
		l->explained_variance_ratio = get_f64s(r, l->nr_components);
		if (m->linear.nr_outputs != (K == 2 ? 1 : K))
			r->bad = 1;
		break;
	}
	case MLW_ALGO_GAUSSIAN_NB: {
		struct mlw_gaussian_nb_model *nb = &m->gaussian_nb;

		nb->nr_features = p;
		K = nb->nr_classes = get_count(r, 8);
		nb->theta = get_matrix(r, K, p);
		nb->var = get_matrix(r, K, p);
		nb->class_prior = get_f64s(r, K);
		nb->class_count = get_f64s(r, K);
		nb->epsilon = get_f64(r);
		break;
	}
	case MLW_ALGO_KMEANS:
		m->kmeans.nr_features = p;
		m->kmeans.nr_clusters = get_count(r, 8);
		m->kmeans.centers = get_matrix(r, m->kmeans.nr_clusters, p);
		m->kmeans.inertia = get_f64(r);
		if (!m->kmeans.nr_clusters)
			r->bad = 1;
		break;
	case MLW_ALGO_PCA: {
		struct mlw_pca_model *pc = &m->pca;

		pc->nr_features = p;
		K = pc->nr_components = get_count(r, 8);
		pc->whiten = (int)get_u(r, 4);
		pc->mean = get_f64s(r, r->bad ? 0 : p);
		pc->components = get_matrix(r, K, p);
		pc->explained_variance = get_f64s(r, K);
		pc->explained_variance_ratio = get_f64s(r, K);
		pc->singular_values = get_f64s(r, K);
		pc->noise_variance = get_f64(r);
		pc->solver = "";
		break;
	}
	default:
		break;
	}
}

int mlw_model_read(struct mlw_model *m, const char *dir)
{
	struct mlw_buf b = MLW_BUF_INIT;
	char *path = mlw_path_join(dir, "params.bin");
	struct reader r;
	struct mlw_featurizer *f;
	uint64_t version;
	size_t i, k;
	int ret;

	memset(m, 0, sizeof(*m));
	ret = mlw_buf_read_file(&b, path, MAX_PARAMS_SIZE);
	if (ret) {
		free(path);
		return ret;
	}
	r.p = (const unsigned char *)b.buf;
	r.end = r.p + b.len;
	r.bad = 0;
	if (b.len < 16 || memcmp(b.buf, MAGIC, 8)) {
		mlw_buf_release(&b);
		ret = mlw_error_setc(MLW_ECORRUPT, "'%s' is not an mlw params file",
				     path);
		free(path);
		return ret;
	}
	r.p += 8;
	version = get_u(&r, 4);
	if (version > MLW_MODEL_FORMAT_VERSION) {
		mlw_buf_release(&b);
		ret = mlw_error_setc(MLW_EINVALID,
			"'%s' has format version %u; this mlw reads up to %d",
			path, (unsigned)version, MLW_MODEL_FORMAT_VERSION);
		free(path);
		return ret;
	}
	m->linear.algorithm = (enum mlw_algorithm)get_u(&r, 4);
	if (m->linear.algorithm > MLW_ALGO_PCA ||
	    (int)version != format_version(m->linear.algorithm))
		r.bad = 1;
	m->linear.nr_features = get_count(&r, 8);
	m->linear.nr_outputs = get_count(&r, 8);
	if (m->linear.nr_outputs && m->linear.nr_features >
	    (size_t)(r.end - r.p) / 8 / m->linear.nr_outputs)
		r.bad = 1;
	m->linear.coef = get_f64s(&r, r.bad ? 0 :
				  m->linear.nr_features * m->linear.nr_outputs);
	m->linear.intercept = get_f64s(&r, m->linear.nr_outputs);
	if (!r.bad)
		get_algorithm_block(&r, m);
	f = m->featurizer = mlw_calloc(1, sizeof(*f));
	f->nr_features = m->linear.nr_features;
	f->feature_names = mlw_calloc(f->nr_features + 1, sizeof(char *));
	f->standardize = (int)get_u(&r, 4);
	if (f->standardize) {
		f->mean = get_f64s(&r, f->nr_features);
		f->scale = get_f64s(&r, f->nr_features);
	}
	f->nr_inputs = get_count(&r, 4 + 4 + 8 + 8 + 8);
	f->inputs = mlw_calloc(f->nr_inputs + 1, sizeof(*f->inputs));
	for (i = 0; i < f->nr_inputs && !r.bad; i++) {
		struct mlw_feature_input *in = &f->inputs[i];

		in->name = get_str(&r);
		in->type = (enum mlw_column_type)get_u(&r, 4);
		in->fill = get_f64(&r);
		in->first = (size_t)get_u(&r, 8);
		in->nr_categories = get_count(&r, 4);
		in->categories = mlw_calloc(in->nr_categories + 1, sizeof(char *));
		for (k = 0; k < in->nr_categories; k++)
			in->categories[k] = get_str(&r);
		if (in->type > MLW_COLUMN_CATEGORICAL ||
		    in->first + (in->type == MLW_COLUMN_CATEGORICAL ?
				 in->nr_categories : 1) > f->nr_features)
			r.bad = 1;
	}
	m->target.name = get_str(&r);
	m->target.classification = (int)get_u(&r, 4);
	m->target.nr_classes = get_count(&r, 4);
	m->target.classes = mlw_calloc(m->target.nr_classes + 1, sizeof(char *));
	for (k = 0; k < m->target.nr_classes; k++)
		m->target.classes[k] = get_str(&r);
	for (k = 0; k < f->nr_features; k++)
		f->feature_names[k] = mlw_strdup("");
	if (r.bad || r.p != r.end) {
		ret = mlw_error_setc(MLW_ECORRUPT, "'%s' is truncated or damaged",
				     path);
		mlw_model_release(m);
	}
	mlw_buf_release(&b);
	free(path);
	return ret;
}

void mlw_model_release(struct mlw_model *m)
{
	mlw_linear_model_release(&m->linear);
	mlw_kernel_ridge_release(&m->kernel_ridge);
	mlw_lda_release(&m->lda);
	mlw_gaussian_nb_release(&m->gaussian_nb);
	mlw_kmeans_release(&m->kmeans);
	mlw_pca_release(&m->pca);
	mlw_featurizer_free(m->featurizer);
	m->featurizer = NULL;
	if (m->target.name || m->target.classes)
		mlw_target_release(&m->target);
}

size_t mlw_model_nr_outputs(const struct mlw_model *m)
{
	switch (m->linear.algorithm) {
	case MLW_ALGO_PCA:
		return m->pca.nr_components;
	case MLW_ALGO_KMEANS:
		return 1;
	default:
		return m->target.classification ? m->target.nr_classes : 1;
	}
}

int mlw_model_predict(double *out, const struct mlw_model *m,
		      const double *X, size_t n)
{
	size_t *labels, i;
	int ret;

	switch (m->linear.algorithm) {
	case MLW_ALGO_KERNEL_RIDGE:
		return mlw_kernel_ridge_predict(out, &m->kernel_ridge, X, n);
	case MLW_ALGO_LDA:
		mlw_lda_predict(out, NULL, &m->linear, X, n,
				m->target.nr_classes);
		return 0;
	case MLW_ALGO_GAUSSIAN_NB:
		mlw_gaussian_nb_predict(out, NULL, &m->gaussian_nb, X, n);
		return 0;
	case MLW_ALGO_KMEANS:
		labels = mlw_malloc(mlw_st_mult(n + 1, sizeof(size_t)));
		ret = mlw_kmeans_predict(labels, NULL, &m->kmeans, X, n);
		for (i = 0; !ret && i < n; i++)
			out[i] = (double)labels[i];
		free(labels);
		return ret;
	case MLW_ALGO_PCA:
		return mlw_pca_transform(out, &m->pca, X, n);
	default:
		mlw_linear_predict(out, &m->linear, X, n,
				   m->target.classification ?
				   m->target.nr_classes : 1);
		return 0;
	}
}

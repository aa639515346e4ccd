/*
 * dist.c - featurizer and target over rows spread on ranks (dist.h).
 */
#include "ml/dist.h"
#include "ml/comm.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/strutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *mlw_trainer_distributable(const struct mlw_trainer *t)
{
	switch (t->algorithm) {
	case MLW_ALGO_LINEAR:
	case MLW_ALGO_RIDGE:
	case MLW_ALGO_LASSO:
	case MLW_ALGO_ELASTIC_NET:
	case MLW_ALGO_LOGISTIC:
	case MLW_ALGO_KMEANS:
	case MLW_ALGO_PCA:
		return NULL;
	case MLW_ALGO_KERNEL_RIDGE:
		return "kernel_ridge solves with the kernel of every pair of rows, which needs all rows at once";
	case MLW_ALGO_LDA:
		return "the svd solver of lda works on all centred rows at once";
	case MLW_ALGO_GAUSSIAN_NB:
		return "gaussian_nb is not distributed yet (its per-class moments could be summed over the ranks, but are not)";
	default:
		return "this algorithm is not distributed";
	}
}

int mlw_train_agree(struct mlw_train_ctx *ctx, int ret)
{
	struct mlw_comm *c;
	double v[3], failed = ret ? 1 : 0, len = 0;
	char *msg;
	int first;

	if (!mlw_train_distributed(ctx))
		return ret;
	c = ctx->comm;
	v[0] = ret ? -(double)ret : 0;
	v[1] = ret ? -c->rank : -(double)c->size;
	v[2] = 0;
	mlw_comm_max(c, v, 3);
	mlw_comm_sum(c, &failed, 1);
	if (!failed)
		return 0;
	/* the first rank that failed tells why; rank 0 says it for all */
	first = (int)-v[1];
	if (c->rank == first)
		len = (double)strlen(mlw_error_last());
	mlw_comm_bcast(c, &len, sizeof(len), first);
	msg = mlw_calloc((size_t)len + 1, 1);
	if (c->rank == first)
		memcpy(msg, mlw_error_last(), (size_t)len);
	mlw_comm_bcast(c, msg, (size_t)len, first);
	ctx->error_elsewhere = c->rank != 0;
	if (failed == c->size && ret)
		ret = mlw_error_setc(ret, "%s", msg);
	else
		ret = mlw_error_setc(-(int)v[0], "rank %d: %s", first, msg);
	free(msg);
	return ret;
}

/* column j's type, counts and sums on this rank, summed over the ranks */
enum { T_NUMERIC, T_BOOLEAN, T_TEXT, PRESENT, SUM, ONES, NR_STATS };

static void column_stats(double *st, const struct mlw_dataset *ds, size_t col)
{
	const struct mlw_column *c = &ds->columns[col];
	const double *v = mlw_dataset_column(ds, col);
	size_t i, present = 0;
	double sum = 0, ones = 0;

	for (i = 0; i < ds->nr_rows; i++) {
		if (isnan(v[i]))
			continue;
		present++;
		sum += v[i];
		ones += v[i] == 1;
	}
	memset(st, 0, NR_STATS * sizeof(double));
	/* a share without a value of the column has no say in its type */
	if (present)
		st[c->type == MLW_COLUMN_NUMERIC ? T_NUMERIC :
		   c->type == MLW_COLUMN_BOOLEAN ? T_BOOLEAN : T_TEXT] = 1;
	st[PRESENT] = (double)present;
	st[SUM] = sum;
	st[ONES] = ones;
}

/* the one type of a column on every rank, or MLW_EINVALID */
static int agreed_type(enum mlw_column_type *type, const double *st,
		       const char *name)
{
	if (st[T_TEXT] > 0 || (st[T_NUMERIC] > 0 && st[T_BOOLEAN] > 0))
		return mlw_error_setc(MLW_EINVALID,
			"column '%s' holds text: categorical features cannot be trained under MPI yet (leave it out with --exclude, or train in one process)",
			name);
	*type = st[T_BOOLEAN] > 0 ? MLW_COLUMN_BOOLEAN : MLW_COLUMN_NUMERIC;
	return 0;
}

int mlw_featurizer_fit_dist(struct mlw_featurizer **out,
			    const struct mlw_dataset *ds, const size_t *cols,
			    size_t nr_cols, int standardize,
			    struct mlw_train_ctx *ctx)
{
	struct mlw_featurizer *f = mlw_calloc(1, sizeof(*f));
	double *st = mlw_calloc(nr_cols * NR_STATS + 1, sizeof(double));
	size_t n = ds->nr_rows, N, i, j;
	double *X, *mom;
	int ret = 0;

	*out = NULL;
	for (j = 0; j < nr_cols; j++)
		column_stats(st + j * NR_STATS, ds, cols[j]);
	mlw_train_sum(ctx, st, nr_cols * NR_STATS);
	N = mlw_train_total(ctx, n);
	f->nr_inputs = nr_cols;
	f->inputs = mlw_calloc(nr_cols ? nr_cols : 1, sizeof(*f->inputs));
	for (j = 0; j < nr_cols && !ret; j++) {
		const double *s = st + j * NR_STATS;
		struct mlw_feature_input *in = &f->inputs[j];
		const char *name = ds->columns[cols[j]].name;

		in->name = mlw_strdup(name);
		in->first = f->nr_features++;
		ret = agreed_type(&in->type, s, name);
		if (!ret && !s[PRESENT])
			ret = mlw_error_setc(MLW_EINVALID,
				"column '%s' has no values (all missing); leave it out with --exclude",
				name);
		if (ret)
			break;
		/* the mean, or the most frequent of 0/1 (ties: 0) */
		in->fill = in->type == MLW_COLUMN_NUMERIC ?
			   s[SUM] / s[PRESENT] :
			   s[ONES] > s[PRESENT] - s[ONES] ? 1 : 0;
	}
	free(st);
	if (ret) {
		mlw_featurizer_free(f);
		return ret;
	}
	f->feature_names = mlw_calloc(f->nr_features + 1, sizeof(char *));
	for (j = 0; j < nr_cols; j++)
		f->feature_names[j] = mlw_strdup(f->inputs[j].name);
	if (!standardize) {
		*out = f;
		return 0;
	}
	/* the mean, then the spread around it, of the unscaled matrix */
	ret = mlw_train_agree(ctx, mlw_featurizer_apply(&X, f, ds, NULL, n));
	if (ret) {
		mlw_featurizer_free(f);
		return ret;
	}
	f->standardize = 1;
	f->mean = mlw_calloc(f->nr_features + 1, sizeof(double));
	f->scale = mlw_calloc(f->nr_features + 1, sizeof(double));
	mom = f->mean;
	for (j = 0; j < f->nr_features; j++)
		for (i = 0; i < n; i++)
			mom[j] += X[j * n + i];
	mlw_train_sum(ctx, mom, f->nr_features);
	for (j = 0; j < f->nr_features; j++) {
		mom[j] /= (double)N;
		for (i = 0; i < n; i++)
			f->scale[j] += (X[j * n + i] - mom[j]) *
				       (X[j * n + i] - mom[j]);
	}
	mlw_train_sum(ctx, f->scale, f->nr_features);
	for (j = 0; j < f->nr_features; j++) {
		double s = sqrt(f->scale[j] / (double)N);

		/* a constant column stays constant (scikit-learn's rule) */
		f->scale[j] = s > 0 ? s : 1;
	}
	mlw_big_free(X, n * f->nr_features * sizeof(double));
	*out = f;
	return 0;
}

/* every rank's labels, NUL-separated, to every rank in rank order */
static void exchange_labels(struct mlw_buf *all, const struct mlw_target *t,
			    struct mlw_train_ctx *ctx)
{
	struct mlw_comm *c = ctx->comm;
	struct mlw_buf mine = MLW_BUF_INIT;
	size_t k;
	int r;

	for (k = 0; k < t->nr_classes; k++)
		mlw_buf_add(&mine, t->classes[k], strlen(t->classes[k]) + 1);
	for (r = 0; r < c->size; r++) {
		double len = (double)mine.len;
		size_t at = all->len;

		mlw_comm_bcast(c, &len, sizeof(len), r);
		mlw_buf_grow(all, (size_t)len + 1);
		if (r == c->rank)
			memcpy(all->buf + at, mine.buf, mine.len);
		mlw_comm_bcast(c, all->buf + at, (size_t)len, r);
		all->len = at + (size_t)len;
	}
	mlw_buf_release(&mine);
}

static int cmp_label_text(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_label_number(const void *a, const void *b)
{
	double x = strtod(*(char *const *)a, NULL);
	double y = strtod(*(char *const *)b, NULL);

	return x < y ? -1 : x > y;
}

int mlw_target_fit_dist(struct mlw_target *out, const struct mlw_dataset *ds,
			size_t col, int classification,
			struct mlw_train_ctx *ctx)
{
	struct mlw_buf all = MLW_BUF_INIT;
	enum mlw_column_type type;
	double st[NR_STATS];
	char **labels;
	size_t nr = 0, i, k;
	int ret;

	column_stats(st, ds, col);
	mlw_train_sum(ctx, st, NR_STATS);
	ret = mlw_target_fit(out, ds, col, NULL, ds->nr_rows, classification);
	ret = mlw_train_agree(ctx, ret);
	if (ret)
		return ret;
	if (!classification)
		return 0;
	/* text labels sort as text; numbers (and booleans) as values */
	type = st[T_TEXT] > 0 ? MLW_COLUMN_CATEGORICAL :
	       st[T_BOOLEAN] > 0 ? MLW_COLUMN_BOOLEAN : MLW_COLUMN_NUMERIC;
	if ((st[T_TEXT] > 0) + (st[T_NUMERIC] > 0) + (st[T_BOOLEAN] > 0) > 1) {
		mlw_target_release(out);
		return mlw_error_setc(MLW_EINVALID,
			"target '%s' holds numbers on some ranks and text on others: train it in one process",
			ds->columns[col].name);
	}
	exchange_labels(&all, out, ctx);
	for (i = 0; i < all.len; i++)
		nr += !all.buf[i];
	labels = mlw_calloc(nr + 1, sizeof(char *));
	for (i = 0, k = 0; k < nr; k++) {
		labels[k] = all.buf + i;
		i += strlen(all.buf + i) + 1;
	}
	qsort(labels, nr, sizeof(char *),
	      type == MLW_COLUMN_NUMERIC ? cmp_label_number : cmp_label_text);
	for (k = 0; k < out->nr_classes; k++)
		free(out->classes[k]);
	free(out->classes);
	out->classes = mlw_calloc(nr + 1, sizeof(char *));
	out->nr_classes = 0;
	for (k = 0; k < nr; k++)
		if (!k || strcmp(labels[k], labels[k - 1]))
			out->classes[out->nr_classes++] = mlw_strdup(labels[k]);
	free(labels);
	mlw_buf_release(&all);
	return 0;
}

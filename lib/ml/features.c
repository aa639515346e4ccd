/*
 * features.c - fitting and replaying the featurization (features.h).
 */
#include "ml/features.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/number.h"
#include "util/output.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static size_t row_at(const size_t *rows, size_t i)
{
	return rows ? rows[i] : i;
}

/* the most frequent code among rows of a coded column (ties: smallest) */
static double mode_of(const double *v, const size_t *rows, size_t n,
		      size_t nr_codes)
{
	size_t *count = mlw_calloc(nr_codes + 1, sizeof(*count));
	size_t i, best = 0;

	for (i = 0; i < n; i++) {
		double x = v[row_at(rows, i)];

		if (!isnan(x))
			count[(size_t)x]++;
	}
	for (i = 1; i < nr_codes; i++)
		if (count[i] > count[best])
			best = i;
	free(count);
	return (double)best;
}

/*
 * The sum and count of the values of v that are not missing (NaN), in
 * four running sums: one sum is a chain of dependent additions, four
 * cycles each, and made this the slowest step after the fit.
 */
static double present_sum(const double *v, const size_t *rows, size_t n,
			  size_t *present)
{
	double s[4] = { 0, 0, 0, 0 };
	size_t c[4] = { 0, 0, 0, 0 }, i, k;

	for (i = 0; i + 4 <= n; i += 4)
		for (k = 0; k < 4; k++) {
			double x = v[row_at(rows, i + k)];

			if (!isnan(x)) {
				s[k] += x;
				c[k]++;
			}
		}
	for (; i < n; i++) {
		double x = v[row_at(rows, i)];

		if (!isnan(x)) {
			s[0] += x;
			c[0]++;
		}
	}
	*present = c[0] + c[1] + c[2] + c[3];
	return (s[0] + s[1]) + (s[2] + s[3]);
}

int mlw_featurizer_fit(struct mlw_featurizer **out,
		       const struct mlw_dataset *ds, const size_t *cols,
		       size_t nr_cols, const size_t *rows, size_t nr_rows,
		       int standardize)
{
	struct mlw_featurizer *f = mlw_calloc(1, sizeof(*f));
	size_t i, j, k;
	double *X;
	int ret;

	*out = NULL;
	f->nr_inputs = nr_cols;
	f->inputs = mlw_calloc(nr_cols ? nr_cols : 1, sizeof(*f->inputs));
	f->standardize = standardize;
	for (j = 0; j < nr_cols; j++) {
		const struct mlw_column *c = &ds->columns[cols[j]];
		const double *v = mlw_dataset_column(ds, cols[j]);
		struct mlw_feature_input *in = &f->inputs[j];
		size_t present;
		double sum;

		/* all rows of a column read from a file: summed while parsed */
		if (!rows && c->has_sum) {
			sum = c->sum;
			present = nr_rows - c->nr_missing;
		} else {
			sum = present_sum(v, rows, nr_rows, &present);
		}

		in->name = mlw_strdup(c->name);
		in->type = c->type;
		in->first = f->nr_features;
		if (!present) {
			mlw_featurizer_free(f);
			return mlw_error_setc(MLW_EINVALID,
				"column '%s' has no values (all missing); leave it out with --exclude",
				c->name);
		}
		switch (c->type) {
		case MLW_COLUMN_NUMERIC:
			in->fill = sum / (double)present;
			f->nr_features++;
			break;
		case MLW_COLUMN_BOOLEAN:
			in->fill = mode_of(v, rows, nr_rows, 2);
			f->nr_features++;
			break;
		case MLW_COLUMN_CATEGORICAL:
			in->fill = mode_of(v, rows, nr_rows, c->nr_categories);
			in->nr_categories = c->nr_categories;
			in->categories = mlw_calloc(c->nr_categories + 1,
						    sizeof(char *));
			for (k = 0; k < c->nr_categories; k++)
				in->categories[k] = mlw_strdup(c->categories[k]);
			f->nr_features += c->nr_categories;
			break;
		}
	}
	f->feature_names = mlw_calloc(f->nr_features + 1, sizeof(char *));
	for (j = 0; j < nr_cols; j++) {
		struct mlw_feature_input *in = &f->inputs[j];

		if (in->type != MLW_COLUMN_CATEGORICAL) {
			f->feature_names[in->first] = mlw_strdup(in->name);
			continue;
		}
		for (k = 0; k < in->nr_categories; k++)
			f->feature_names[in->first + k] =
				mlw_xstrfmt("%s=%s", in->name, in->categories[k]);
	}
	if (!standardize) {
		*out = f;
		return 0;
	}
	/* the statistics come from the unscaled training matrix */
	f->standardize = 0;
	ret = mlw_featurizer_apply(&X, f, ds, rows, nr_rows);
	if (ret) {
		mlw_featurizer_free(f);
		return ret;
	}
	f->standardize = 1;
	f->mean = mlw_calloc(f->nr_features + 1, sizeof(double));
	f->scale = mlw_calloc(f->nr_features + 1, sizeof(double));
	for (k = 0; k < f->nr_features; k++) {
		const double *x = X + k * nr_rows;
		double m = 0, s = 0;

		for (i = 0; i < nr_rows; i++)
			m += x[i];
		m /= (double)nr_rows;
		for (i = 0; i < nr_rows; i++)
			s += (x[i] - m) * (x[i] - m);
		s = sqrt(s / (double)nr_rows);
		f->mean[k] = m;
		/* a constant column stays constant (scikit-learn's rule) */
		f->scale[k] = s > 0 ? s : 1;
	}
	mlw_big_free(X, nr_rows * f->nr_features * sizeof(double));
	*out = f;
	return 0;
}

/* the training category index of row r of ds column c, or -1 */
static long category_index(const struct mlw_feature_input *in,
			   const struct mlw_dataset *ds, size_t c, double x)
{
	const struct mlw_column *col = &ds->columns[c];
	char num[32];
	const char *key;

	if (col->type == MLW_COLUMN_CATEGORICAL) {
		key = col->categories[(size_t)x];
	} else if (col->type == MLW_COLUMN_BOOLEAN) {
		key = x ? "true" : "false";
	} else {
		mlw_fmt_double(num, x);
		key = num;
	}
	{
		size_t lo = 0, hi = in->nr_categories;

		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			int cmp = strcmp(in->categories[mid], key);

			if (!cmp)
				return (long)mid;
			if (cmp < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
	}
	return -1;
}

int mlw_featurizer_apply(double **out, const struct mlw_featurizer *f,
			 const struct mlw_dataset *ds, const size_t *rows,
			 size_t nr_rows)
{
	size_t size = mlw_st_mult(mlw_st_mult(nr_rows, f->nr_features),
				  sizeof(double));
	double *X;
	size_t i, j, k;

	*out = NULL;
	for (j = 0; j < f->nr_inputs; j++) {
		int c = mlw_dataset_find(ds, f->inputs[j].name);

		if (c < 0)
			return mlw_error_setc(MLW_EINVALID,
					      "'%s' has no column '%s'",
					      ds->path, f->inputs[j].name);
		if (ds->columns[c].problem)
			return mlw_error_setc(MLW_EINVALID, "%s",
					      ds->columns[c].problem);
		if (f->inputs[j].type != MLW_COLUMN_CATEGORICAL &&
		    ds->columns[c].type == MLW_COLUMN_CATEGORICAL)
			return mlw_error_setc(MLW_EINVALID,
				"column '%s' of '%s' is text, but %s in training",
				f->inputs[j].name, ds->path,
				mlw_column_type_name(f->inputs[j].type));
	}
	X = mlw_big_alloc(size);
	for (j = 0; j < f->nr_inputs; j++) {
		const struct mlw_feature_input *in = &f->inputs[j];
		size_t c = (size_t)mlw_dataset_find(ds, in->name);
		const double *v = mlw_dataset_column(ds, c);
		double *x = X + in->first * nr_rows;

		if (in->type != MLW_COLUMN_CATEGORICAL) {
			for (i = 0; i < nr_rows; i++) {
				double val = v[row_at(rows, i)];

				x[i] = isnan(val) ? in->fill : val;
			}
			continue;
		}
		/* one-hot; X is zero-filled */
		for (i = 0; i < nr_rows; i++) {
			double val = v[row_at(rows, i)];
			long code = isnan(val) ? (long)in->fill :
				    category_index(in, ds, c, val);

			if (code >= 0)
				x[(size_t)code * nr_rows + i] = 1;
		}
	}
	if (f->standardize)
		for (k = 0; k < f->nr_features; k++) {
			double *x = X + k * nr_rows;

			for (i = 0; i < nr_rows; i++)
				x[i] = (x[i] - f->mean[k]) / f->scale[k];
		}
	*out = X;
	return 0;
}

const double *mlw_featurizer_view(const struct mlw_featurizer *f,
				  const struct mlw_dataset *ds)
{
	int first = -1;
	size_t j;

	if (f->standardize || !f->nr_inputs || !ds->nr_rows)
		return NULL;
	for (j = 0; j < f->nr_inputs; j++) {
		const struct mlw_feature_input *in = &f->inputs[j];
		int c = mlw_dataset_find(ds, in->name);

		if (!j)
			first = c;
		if (c < 0 || c != first + (int)j || in->first != j ||
		    in->type == MLW_COLUMN_CATEGORICAL ||
		    ds->columns[c].type == MLW_COLUMN_CATEGORICAL ||
		    ds->columns[c].nr_missing || ds->columns[c].problem)
			return NULL;
	}
	return mlw_dataset_column(ds, (size_t)first);
}

void mlw_featurizer_free(struct mlw_featurizer *f)
{
	size_t i, k;

	if (!f)
		return;
	for (i = 0; i < f->nr_inputs; i++) {
		for (k = 0; k < f->inputs[i].nr_categories; k++)
			free(f->inputs[i].categories[k]);
		free(f->inputs[i].categories);
		free(f->inputs[i].name);
	}
	free(f->inputs);
	for (k = 0; f->feature_names && k < f->nr_features; k++)
		free(f->feature_names[k]);
	free(f->feature_names);
	free(f->mean);
	free(f->scale);
	free(f);
}

static double *dup_doubles(const double *v, size_t n)
{
	double *c;

	if (!v)
		return NULL;
	c = mlw_calloc(n + 1, sizeof(double));
	memcpy(c, v, n * sizeof(double));
	return c;
}

struct mlw_featurizer *mlw_featurizer_dup(const struct mlw_featurizer *f)
{
	struct mlw_featurizer *c = mlw_calloc(1, sizeof(*c));
	size_t i, k;

	*c = *f;
	c->inputs = mlw_calloc(f->nr_inputs ? f->nr_inputs : 1,
			       sizeof(*c->inputs));
	for (i = 0; i < f->nr_inputs; i++) {
		const struct mlw_feature_input *in = &f->inputs[i];
		struct mlw_feature_input *out = &c->inputs[i];

		*out = *in;
		out->name = mlw_strdup(in->name);
		out->categories = NULL;
		if (!in->categories)
			continue;
		out->categories = mlw_calloc(in->nr_categories + 1,
					     sizeof(char *));
		for (k = 0; k < in->nr_categories; k++)
			out->categories[k] = mlw_strdup(in->categories[k]);
	}
	c->feature_names = mlw_calloc(f->nr_features + 1, sizeof(char *));
	for (k = 0; k < f->nr_features; k++)
		c->feature_names[k] = mlw_strdup(f->feature_names[k]);
	c->mean = dup_doubles(f->mean, f->nr_features);
	c->scale = dup_doubles(f->scale, f->nr_features);
	return c;
}

void mlw_warn_constant_columns(struct mlw_train_ctx *ctx, const double *X,
			       size_t n, size_t p, char *const *names)
{
	size_t i, j;

	for (j = 0; j < p && n > 1; j++) {
		for (i = 1; i < n && X[j * n + i] == X[j * n]; i++)
			;
		if (i == n)
			mlw_train_warn(ctx,
				"column '%s' is constant; it adds nothing to the model",
				names[j]);
	}
}

/* the label text of value x in column col ("red", "1.5", "true") */
static void label_of(char num[32], const char **out,
		     const struct mlw_column *col, double x)
{
	if (col->type == MLW_COLUMN_CATEGORICAL) {
		*out = col->categories[(size_t)x];
	} else if (col->type == MLW_COLUMN_BOOLEAN) {
		*out = x ? "true" : "false";
	} else {
		mlw_fmt_double(num, x);
		*out = num;
	}
}

#define FEW_CLASSES 256

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int mlw_target_fit(struct mlw_target *out, const struct mlw_dataset *ds,
		   size_t col, const size_t *rows, size_t nr_rows,
		   int classification)
{
	const struct mlw_column *c = &ds->columns[col];
	const double *v = mlw_dataset_column(ds, col);
	double *vals;
	size_t i, n = 0;

	memset(out, 0, sizeof(*out));
	out->name = mlw_strdup(c->name);
	out->classification = classification;
	if (!classification) {
		if (c->type == MLW_COLUMN_CATEGORICAL) {
			mlw_target_release(out);
			return mlw_error_setc(MLW_EINVALID,
				"target column '%s' is text; a regression needs numbers",
				c->name);
		}
		return 0;
	}
	/*
	 * The distinct present values, sorted (codes sort as labels do):
	 * kept sorted as they come while they are few, as classes are (a
	 * million rows of two labels need no sort of a million values);
	 * all of them sorted when there turn out to be many.
	 */
	vals = mlw_malloc(mlw_st_mult(nr_rows + 1, sizeof(double)));
	for (i = 0; i < nr_rows && n <= FEW_CLASSES; i++) {
		double x = v[row_at(rows, i)];
		size_t lo = 0, hi = n;

		if (isnan(x))
			continue;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;

			if (vals[mid] < x)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < n && vals[lo] == x)
			continue;
		memmove(vals + lo + 1, vals + lo, (n - lo) * sizeof(double));
		vals[lo] = x;
		n++;
	}
	if (n > FEW_CLASSES) {
		for (n = 0, i = 0; i < nr_rows; i++)
			if (!isnan(v[row_at(rows, i)]))
				vals[n++] = v[row_at(rows, i)];
		qsort(vals, n, sizeof(double), cmp_double);
	}
	out->classes = mlw_calloc(n + 1, sizeof(char *));
	for (i = 0; i < n; i++) {
		char num[32];
		const char *label;

		if (i && vals[i] == vals[i - 1])
			continue;
		label_of(num, &label, c, vals[i]);
		out->classes[out->nr_classes++] = mlw_strdup(label);
	}
	free(vals);
	return 0;
}

int mlw_target_apply(double *y, const struct mlw_target *t,
		     const struct mlw_dataset *ds, const size_t *rows,
		     size_t nr_rows)
{
	int c = mlw_dataset_find(ds, t->name);
	const double *v;
	double seen[FEW_CLASSES], seen_k[FEW_CLASSES];
	size_t i, k, nr_seen = 0;

	if (c < 0)
		return mlw_error_setc(MLW_EINVALID, "'%s' has no column '%s'",
				      ds->path, t->name);
	v = mlw_dataset_column(ds, (size_t)c);
	for (i = 0; i < nr_rows; i++) {
		double x = v[row_at(rows, i)];
		char num[32];
		const char *label;
		size_t m;

		/* a value seen before maps as it did: no text per row */
		for (m = 0; m < nr_seen && seen[m] != x; m++)
			;
		if (m < nr_seen && t->classification) {
			y[i] = seen_k[m];
			continue;
		}
		if (isnan(x))
			return mlw_error_setc(MLW_EINVALID,
				"'%s': the target '%s' is missing in data row %zu",
				ds->path, t->name, row_at(rows, i) + 1);
		if (!t->classification) {
			y[i] = x;
			continue;
		}
		label_of(num, &label, &ds->columns[c], x);
		for (k = 0; k < t->nr_classes; k++)
			if (!strcmp(t->classes[k], label))
				break;
		if (k == t->nr_classes)
			return mlw_error_setc(MLW_EINVALID,
				"'%s': class '%s' of data row %zu was not in the training data",
				ds->path, label, row_at(rows, i) + 1);
		y[i] = (double)k;
		if (nr_seen < FEW_CLASSES) {
			seen[nr_seen] = x;
			seen_k[nr_seen++] = (double)k;
		}
	}
	return 0;
}

void mlw_target_copy(struct mlw_target *out, const struct mlw_target *t)
{
	size_t k;

	*out = *t;
	out->name = t->name ? mlw_strdup(t->name) : NULL;
	out->classes = NULL;
	if (!t->classes)
		return;
	out->classes = mlw_calloc(t->nr_classes + 1, sizeof(char *));
	for (k = 0; k < t->nr_classes; k++)
		out->classes[k] = mlw_strdup(t->classes[k]);
}

void mlw_target_release(struct mlw_target *t)
{
	size_t k;

	for (k = 0; k < t->nr_classes; k++)
		free(t->classes[k]);
	free(t->classes);
	free(t->name);
	memset(t, 0, sizeof(*t));
}

/* the category index of s[0..len) in the input's sorted vocabulary */
long mlw_feature_category_code(const struct mlw_feature_input *in,
			       const char *s, size_t len)
{
	size_t lo = 0, hi = in->nr_categories;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const char *c = in->categories[mid];
		size_t clen = strlen(c);
		int cmp = memcmp(c, s, clen < len ? clen : len);

		if (!cmp)
			cmp = clen < len ? -1 : clen > len;
		if (!cmp)
			return (long)mid;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

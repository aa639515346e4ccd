/*
 * features.h - turning dataset columns into the design matrix a trainer
 * solves on, in a way that can be replayed exactly at scoring time.
 *
 * A featurizer is fitted on training rows and then applied to any rows of
 * any dataset with the same column names (a validation file, scoring
 * requests):
 *
 *  - numeric and boolean columns pass through; missing values become the
 *    training mean (numeric) or the most frequent value (boolean);
 *  - categorical columns become one 0/1 column per training category
 *    (sorted, as scikit-learn's OneHotEncoder); a missing value takes the
 *    most frequent category, a category unseen in training gives zeros;
 *  - with standardize, each output column is centred and scaled to unit
 *    (population) variance; off by default so that every trainer solves
 *    exactly scikit-learn's problem on the raw features.
 *
 * The target is encoded by mlw_target: values for regression, class
 * indices into the sorted class labels for classification.
 */
#ifndef MLW_ML_FEATURES_H
#define MLW_ML_FEATURES_H

#include "ml/context.h"
#include "ml/dataset.h"

#include <stddef.h>

struct mlw_feature_input {
	char *name;
	enum mlw_column_type type;
	double fill;		/* imputed value (a code for categoricals) */
	size_t nr_categories;
	char **categories;	/* owned copies, sorted */
	size_t first;		/* its first output column */
};

struct mlw_featurizer {
	size_t nr_inputs;
	struct mlw_feature_input *inputs;
	size_t nr_features;	/* output columns */
	char **feature_names;	/* "x", or "color=red" for one-hot */
	int standardize;
	double *mean, *scale;	/* nr_features each, when standardize */
};

/*
 * Fit on rows[0..nr_rows) of ds using columns cols[0..nr_cols).
 * MLW_EINVALID when a column has no value at all in those rows.
 */
int mlw_featurizer_fit(struct mlw_featurizer **out,
		       const struct mlw_dataset *ds, const size_t *cols,
		       size_t nr_cols, const size_t *rows, size_t nr_rows,
		       int standardize);

/*
 * The nr_rows x nr_features matrix (column-major, leading dimension
 * nr_rows, allocated with mlw_big_alloc(): free with mlw_big_free(X,
 * nr_rows * nr_features * sizeof(double))) for rows of ds; rows NULL
 * means all rows.  Columns are found by name: MLW_EINVALID when one is
 * missing, has an incompatible type, or has a problem (an infinity).
 */
int mlw_featurizer_apply(double **out, const struct mlw_featurizer *f,
			 const struct mlw_dataset *ds, const size_t *rows,
			 size_t nr_rows);

/*
 * The design matrix without a copy, when the featurization is the
 * identity on all rows of ds: no standardization, every input numeric
 * or boolean with no missing value, the inputs consecutive columns of ds
 * in order.  Then it is those columns of ds->values (borrowed: leading
 * dimension nr_rows, valid as long as ds); otherwise NULL, and the caller
 * uses mlw_featurizer_apply().
 */
const double *mlw_featurizer_view(const struct mlw_featurizer *f,
				  const struct mlw_dataset *ds);

void mlw_featurizer_free(struct mlw_featurizer *f);
/* A deep copy of f (mlw_featurizer_free() it). */
struct mlw_featurizer *mlw_featurizer_dup(const struct mlw_featurizer *f);

/*
 * The index of the category s[0..len) (not NUL-terminated) in in's
 * sorted vocabulary, found by binary search; -1 when it was not seen in
 * training.  Used by every scoring path, so they agree on unknown values.
 */
long mlw_feature_category_code(const struct mlw_feature_input *in,
			       const char *s, size_t len);

/*
 * Warn on ctx about each constant column of X (n x p, column-major),
 * named by names[j]: kernel_ridge, kmeans and pca take such a column in
 * their stride (it adds nothing to a kernel, a distance or a spectrum),
 * but the user should know.
 */
void mlw_warn_constant_columns(struct mlw_train_ctx *ctx, const double *X,
			       size_t n, size_t p, char *const *names);

struct mlw_target {
	char *name;
	int classification;
	size_t nr_classes;
	char **classes;		/* labels, sorted as scikit-learn's */
};

/* Fit the target encoding on rows of column col (labels for classes). */
int mlw_target_fit(struct mlw_target *out, const struct mlw_dataset *ds,
		   size_t col, const size_t *rows, size_t nr_rows,
		   int classification);
/*
 * y[i] for rows of ds (column found by name): the value, or the class
 * index.  MLW_EINVALID on a missing target or an unknown class.
 */
int mlw_target_apply(double *y, const struct mlw_target *t,
		     const struct mlw_dataset *ds, const size_t *rows,
		     size_t nr_rows);
void mlw_target_release(struct mlw_target *t);
/* out: a deep copy of t (mlw_target_release() it) */
void mlw_target_copy(struct mlw_target *out, const struct mlw_target *t);

#endif

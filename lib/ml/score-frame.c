/*
 * score-frame.c - a frame's rows through a model's featurization and
 * predict(); see score-frame.h.
 *
 * The cells are checked and featurized into a block of at most
 * BLOCK_ROWS rows (column-major, as the trainers take them), the block
 * standardized when the model was, predicted by the trainer's own
 * predict() (mlw_model_predict(), the one 'mlw model score' calls), and
 * its outputs copied to their rows of the answer.
 */
#include "ml/score-frame.h"
#include "ml/csv.h"
#include "ml/dataset.h"
#include "ml/features.h"
#include "ml/metrics.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/number.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define BLOCK_ROWS 512
/* a block (features and answers) and column map kept on the stack */
#define SMALL_BLOCK 256

/* a cell's text for a message, cut short */
#define SHOWN(len) ((int)((len) > 40 ? 40 : (len)))

/* 1 when the cell is missing as the CSV reader reads it */
static int cell_missing(const struct mlw_cell *c)
{
	return c->type == MLW_CELL_NULL ||
	       (c->type == MLW_CELL_STRING &&
		mlw_dataset_is_missing(c->text, c->len));
}

/*
 * Featurize cell c of input in (column name) into row i of the block X
 * (leading dimension B).  0, or MLW_EINVALID naming row and column.
 */
static int put_cell(double *X, size_t B, size_t i, size_t row,
		    const struct mlw_feature_input *in, const char *column,
		    const struct mlw_cell *c)
{
	double *x = X + in->first * B + i;
	char num[32];
	const char *s;
	size_t len;
	long code;
	double v;
	int r;

	switch (in->type) {
	case MLW_COLUMN_NUMERIC:
		if (cell_missing(c)) {
			*x = in->fill;
			return 0;
		}
		if (c->type == MLW_CELL_NUMBER) {
			v = c->number;
			if (isfinite(v)) {
				*x = v;
				return 0;
			}
			r = 1;
			s = c->text;
			len = c->len;
			if (!s) {
				len = mlw_fmt_double(num, v);
				s = num;
			}
		} else if (c->type == MLW_CELL_STRING) {
			s = c->text;
			len = c->len;
			r = mlw_csv_parse_double(&v, s, len);
		} else {
			return mlw_error_setc(MLW_EINVALID,
					      "row %zu: %s is not a number (column '%s' is numeric)",
					      row, c->boolean ? "true" : "false",
					      column);
		}
		if (r > 0)
			return mlw_error_setc(MLW_EINVALID,
					      "row %zu: infinite value '%.*s' (column '%s')",
					      row, SHOWN(len), s, column);
		if (r < 0)
			return mlw_error_setc(MLW_EINVALID,
					      "row %zu: '%.*s' is not a number (column '%s' is numeric)",
					      row, SHOWN(len), s, column);
		*x = v;
		return 0;
	case MLW_COLUMN_BOOLEAN:
		if (cell_missing(c))
			*x = in->fill;
		else if (c->type == MLW_CELL_BOOL)
			*x = c->boolean;
		else if (c->type == MLW_CELL_STRING && c->len == 4 &&
			 !strncasecmp(c->text, "true", 4))
			*x = 1;
		else if (c->type == MLW_CELL_STRING && c->len == 5 &&
			 !strncasecmp(c->text, "false", 5))
			*x = 0;
		else if (c->type == MLW_CELL_STRING || c->text)
			return mlw_error_setc(MLW_EINVALID,
					      "row %zu: '%.*s' is not true or false (column '%s' is boolean)",
					      row, SHOWN(c->len), c->text, column);
		else
			return mlw_error_setc(MLW_EINVALID,
					      "row %zu: %s is not true or false (column '%s' is boolean)",
					      row, "a number", column);
		return 0;
	case MLW_COLUMN_CATEGORICAL:
		if (cell_missing(c)) {
			code = (long)in->fill;
		} else {
			if (c->type == MLW_CELL_BOOL) {
				s = c->boolean ? "true" : "false";
				len = strlen(s);
			} else if (c->text) {
				s = c->text;
				len = c->len;
			} else {
				len = mlw_fmt_double(num, c->number);
				s = num;
			}
			code = mlw_feature_category_code(in, s, len);
		}
		/* an unknown category is all zeros, as in training */
		if (code >= 0)
			X[(in->first + (size_t)code) * B + i] = 1;
		return 0;
	}
	return 0;
}

/* 1 when column k of a source is called name */
typedef int named_fn(const void *src, size_t k, const char *name);

/*
 * cols[j] for each model input j: the first of src's nr columns that
 * named() says has its name.  Returns the first input with no column,
 * or feat->nr_inputs when every input has one.
 */
static size_t find_columns(size_t *cols, const struct mlw_featurizer *feat,
			   size_t nr, named_fn *named, const void *src)
{
	size_t j, k;

	/*
	 * A request names them in the model's order, mostly: then column j
	 * is input j, and the first of its name (the inputs' names are
	 * unique), with one comparison an input instead of j
	 */
	for (j = 0; j < feat->nr_inputs && j < nr; j++)
		if (!named(src, j, feat->inputs[j].name))
			break;
	if (j == feat->nr_inputs) {
		for (j = 0; j < feat->nr_inputs; j++)
			cols[j] = j;
		return j;
	}
	for (j = 0; j < feat->nr_inputs; j++) {
		for (k = 0; k < nr; k++)
			if (named(src, k, feat->inputs[j].name))
				break;
		if (k == nr)
			return j;
		cols[j] = k;
	}
	return j;
}

static int frame_named(const void *src, size_t k, const char *name)
{
	const struct mlw_frame *f = src;

	return !strcmp(f->columns[k].name, name);
}

/*
 * The frame column of each model input (cols[j] for input j), by name,
 * or by position for a frame that named none.  0 or MLW_EINVALID.
 */
static int map_columns(size_t *cols, const struct mlw_featurizer *feat,
		       const void *src)
{
	const struct mlw_frame *f = src;
	size_t j;

	if (f->positional) {
		if (f->nr_columns != feat->nr_inputs)
			return mlw_error_setc(MLW_EINVALID,
					      "the input has %zu columns and no names; the model takes %zu (%s%s)",
					      f->nr_columns, feat->nr_inputs,
					      feat->nr_inputs ? feat->inputs[0].name : "",
					      feat->nr_inputs > 1 ? ", ..." : "");
		for (j = 0; j < feat->nr_inputs; j++)
			cols[j] = j;
		return 0;
	}
	j = find_columns(cols, feat, f->nr_columns, frame_named, f);
	if (j < feat->nr_inputs)
		return mlw_error_setc(MLW_EINVALID,
				      "no column '%s' (the model needs it)",
				      feat->inputs[j].name);
	return 0;
}

/* rows [start, start + b) of the frame's cells into the block X */
static int fill_cells(double *X, size_t B, size_t start, size_t b,
		      const size_t *cols, const struct mlw_featurizer *feat,
		      const void *src)
{
	const struct mlw_frame *f = src;
	size_t i, j;
	int ret;

	for (j = 0; j < feat->nr_inputs; j++) {
		const struct mlw_frame_column *c = &f->columns[cols[j]];

		for (i = 0; i < b; i++) {
			ret = put_cell(X, B, i, start + i, &feat->inputs[j],
				       c->name, &c->cells[start + i]);
			if (ret)
				return ret;
		}
	}
	return 0;
}

typedef int map_fn(size_t *cols, const struct mlw_featurizer *feat,
		   const void *src);
typedef int fill_fn(double *X, size_t B, size_t start, size_t b,
		    const size_t *cols, const struct mlw_featurizer *feat,
		    const void *src);

/*
 * n rows of src through m: map finds each input's column, fill
 * featurizes a block of rows; the rest is the same for every source,
 * so a frame and rows of numbers give the same bits.  0, or what map,
 * fill or predict() returned.
 */
static int score_rows(double **out, const struct mlw_model *m, size_t n,
		      map_fn *map, fill_fn *fill, const void *src)
{
	const struct mlw_featurizer *feat = m->featurizer;
	size_t p = feat->nr_features;
	size_t K = mlw_model_nr_outputs(m), B, start, i, k, size;
	size_t *cols;
	double *X, *PB, *P, small[SMALL_BLOCK];
	size_t small_cols[SMALL_BLOCK];
	int ret;

	*out = NULL;
	B = n < BLOCK_ROWS ? n : BLOCK_ROWS;
	if (!B)
		B = 1;
	/*
	 * The column map, a block of rows and its answers: one allocation
	 * (a one-row request made six), or for a small request the stack
	 */
	size = mlw_st_add(mlw_st_mult(B, p), mlw_st_mult(B, K)) + 2;
	if (size <= SMALL_BLOCK && feat->nr_inputs <= SMALL_BLOCK) {
		memset(small, 0, size * sizeof(double));
		X = small;
		cols = small_cols;
	} else {
		X = mlw_calloc(mlw_st_add(size, feat->nr_inputs + 1),
			       sizeof(double));
		cols = (size_t *)(X + size);
	}
	PB = X + B * p + 1;
	ret = map(cols, feat, src);
	if (ret) {
		if (X != small)
			free(X);
		return ret;
	}
	P = mlw_calloc(mlw_st_mult(n, K) + 1, sizeof(double));
	for (start = 0; start < n && !ret; start += B) {
		size_t b = n - start < B ? n - start : B;

		memset(X, 0, B * p * sizeof(double));
		ret = fill(X, B, start, b, cols, feat, src);
		if (ret)
			break;
		if (feat->standardize)
			for (k = 0; k < p; k++)
				for (i = 0; i < b; i++)
					X[k * B + i] = (X[k * B + i] -
							feat->mean[k]) /
						       feat->scale[k];
		/* the rows at the top of each column, leading dimension b */
		if (b < B)
			for (k = 1; k < p; k++)
				memmove(X + k * b, X + k * B,
					b * sizeof(double));
		ret = mlw_model_predict(PB, m, X, b, 1);
		for (k = 0; k < K && !ret; k++)
			memcpy(P + k * n + start, PB + k * b,
			       b * sizeof(double));
	}
	if (X != small)
		free(X);
	if (ret) {
		free(P);
		return ret;
	}
	*out = P;
	return 0;
}

int mlw_score_frame(double **out, const struct mlw_model *m,
		    const struct mlw_frame *f)
{
	return score_rows(out, m, f->nr_rows, map_columns, fill_cells, f);
}

/* --- rows of numbers */

void mlw_number_rows_init(struct mlw_number_rows *r)
{
	r->nr_rows = r->nr_columns = 0;
	r->names = r->small_names;
	r->name_lens = r->small_lens;
	r->values = r->small_values;
	r->alloc_names = MLW_NUMBER_ROWS_SMALL;
	r->alloc_values = sizeof(r->small_values) / sizeof(*r->small_values);
}

void mlw_number_rows_release(struct mlw_number_rows *r)
{
	if (r->names != r->small_names) {
		free(r->names);
		free(r->name_lens);
	}
	if (r->values != r->small_values)
		free(r->values);
	mlw_number_rows_init(r);
}

/* 1 when column k of rows of numbers is called name (names are short) */
static int numbers_named(const void *src, size_t k, const char *name)
{
	const struct mlw_number_rows *r = src;
	const char *s = r->names[k];
	size_t len = r->name_lens[k], i;

	for (i = 0; i < len; i++)
		if (name[i] != s[i])
			return 0;
	return !name[len];
}

/*
 * map_columns() for rows of numbers: 1 when an input is not numeric or
 * has no column (the frame's path then says so)
 */
static int map_numbers(size_t *cols, const struct mlw_featurizer *feat,
		       const void *src)
{
	const struct mlw_number_rows *r = src;
	size_t j;

	for (j = 0; j < feat->nr_inputs; j++)
		if (feat->inputs[j].type != MLW_COLUMN_NUMERIC)
			return 1;
	return find_columns(cols, feat, r->nr_columns, numbers_named, r) <
	       feat->nr_inputs;
}

/* put_cell() of a finite number, for a block of rows */
static int fill_numbers(double *X, size_t B, size_t start, size_t b,
			const size_t *cols, const struct mlw_featurizer *feat,
			const void *src)
{
	const struct mlw_number_rows *r = src;
	size_t nc = r->nr_columns, i, j;

	for (j = 0; j < feat->nr_inputs; j++) {
		double *x = X + feat->inputs[j].first * B;
		const double *v = r->values + start * nc + cols[j];

		for (i = 0; i < b; i++)
			x[i] = v[i * nc];
	}
	return 0;
}

int mlw_score_numbers(double **out, const struct mlw_model *m,
		      const struct mlw_number_rows *r)
{
	return score_rows(out, m, r->nr_rows, map_numbers, fill_numbers, r) ?
	       1 : 0;
}

const char *mlw_score_label(const struct mlw_model *m, const double *P,
			    size_t n, size_t i)
{
	if (m->trainer->task != MLW_TASK_CLASSIFICATION)
		return NULL;
	return m->target.classes[mlw_argmax_row(P, n, m->target.nr_classes,
						i)];
}

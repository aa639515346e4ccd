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

/*
 * The frame column of each model input (cols[j] for input j), by name,
 * or by position for a frame that named none.  0 or MLW_EINVALID.
 */
static int map_columns(size_t *cols, const struct mlw_featurizer *feat,
		       const struct mlw_frame *f)
{
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
	/*
	 * A request names them in the model's order, mostly: then column j
	 * is input j, and the first of its name (the inputs' names are
	 * unique), with one comparison an input instead of j
	 */
	for (j = 0; j < feat->nr_inputs && j < f->nr_columns; j++)
		if (strcmp(f->columns[j].name, feat->inputs[j].name))
			break;
	if (j == feat->nr_inputs) {
		for (j = 0; j < feat->nr_inputs; j++)
			cols[j] = j;
		return 0;
	}
	for (j = 0; j < feat->nr_inputs; j++) {
		long c = mlw_frame_find(f, feat->inputs[j].name);

		if (c < 0)
			return mlw_error_setc(MLW_EINVALID,
					      "no column '%s' (the model needs it)",
					      feat->inputs[j].name);
		cols[j] = (size_t)c;
	}
	return 0;
}

int mlw_score_frame(double **out, const struct mlw_model *m,
		    const struct mlw_frame *f)
{
	const struct mlw_featurizer *feat = m->featurizer;
	size_t n = f->nr_rows, p = feat->nr_features;
	size_t K = mlw_model_nr_outputs(m), B, start, i, j, k;
	size_t *cols;
	double *X, *PB, *P;
	int ret;

	*out = NULL;
	B = n < BLOCK_ROWS ? n : BLOCK_ROWS;
	if (!B)
		B = 1;
	/* the column map, a block of rows and its answers: one allocation
	   (a one-row request made six) */
	X = mlw_calloc(mlw_st_add(mlw_st_add(mlw_st_mult(B, p),
					     mlw_st_mult(B, K)),
				  feat->nr_inputs + 3), sizeof(double));
	PB = X + B * p + 1;
	cols = (size_t *)(PB + B * K + 1);
	ret = map_columns(cols, feat, f);
	if (ret) {
		free(X);
		return ret;
	}
	P = mlw_calloc(mlw_st_mult(n, K) + 1, sizeof(double));
	for (start = 0; start < n && !ret; start += B) {
		size_t b = n - start < B ? n - start : B;

		memset(X, 0, B * p * sizeof(double));
		for (j = 0; j < feat->nr_inputs && !ret; j++) {
			const struct mlw_frame_column *c = &f->columns[cols[j]];

			for (i = 0; i < b && !ret; i++)
				ret = put_cell(X, B, i, start + i,
					       &feat->inputs[j], c->name,
					       &c->cells[start + i]);
		}
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
	free(X);
	if (ret) {
		free(P);
		return ret;
	}
	*out = P;
	return 0;
}

const char *mlw_score_label(const struct mlw_model *m, const double *P,
			    size_t n, size_t i)
{
	if (m->trainer->task != MLW_TASK_CLASSIFICATION)
		return NULL;
	return m->target.classes[mlw_argmax_row(P, n, m->target.nr_classes,
						i)];
}

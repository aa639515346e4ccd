/*
 * score-frame.h - scoring the rows of a frame (ml/frame.h) with a model:
 * what an online endpoint does with each request.
 *
 * The model's input columns are found in the frame by name (extra
 * columns are ignored), or by position when the request named none and
 * gave exactly as many as the model takes.  Each cell is featurized as
 * 'mlw model score' featurizes the same text in a CSV file, so the
 * predictions are bit for bit the same:
 *
 *  - numeric columns take numbers, and strings that spell a number
 *    ("1.5"); null and the missing spellings (NA, NaN, "") take the
 *    training mean; an infinity is an error;
 *  - boolean columns take true and false (booleans, or strings in any
 *    case); null takes the training mode;
 *  - categorical columns take strings (numbers by their text: "007" as
 *    a CSV spelt it, or the shortest text of a JSON number); an unknown
 *    category gives zeros, null the training mode.
 *
 * A cell of the wrong type is MLW_EINVALID naming its column and row:
 * "row 2: 'abc' is not a number (column 'age' is numeric)"; a missing
 * column "no column 'age' (the model needs it)".
 */
#ifndef MLW_ML_SCORE_FRAME_H
#define MLW_ML_SCORE_FRAME_H

#include "ml/frame.h"
#include "ml/model.h"

#include <stddef.h>

/*
 * The predictions for every row of f: *out is f->nr_rows x
 * mlw_model_nr_outputs(m), column-major, as the trainer's predict()
 * writes them (a regression's value, a classifier's class
 * probabilities, a cluster index, components); the caller frees it with
 * free().  Rows are featurized and predicted in blocks, so memory stays
 * a block's features whatever the one-hot width.  0, MLW_EINVALID (a
 * column missing or a cell mistyped: nothing is scored), MLW_ERROR
 * (LAPACK cannot be loaded).
 */
int mlw_score_frame(double **out, const struct mlw_model *m,
		    const struct mlw_frame *f);

/*
 * A request of numbers only, read straight into rows of doubles
 * (http/payload.h's mlw_payload_parse_numbers()): no cells, no frame.
 * The names point into the request's body and are not NUL-terminated.
 * Small requests live in the struct itself (an online endpoint's
 * request of a row, on its thread's stack, allocates nothing); larger
 * ones grow on the heap, freed by mlw_number_rows_release().
 */
#define MLW_NUMBER_ROWS_SMALL 64

struct mlw_number_rows {
	size_t nr_rows, nr_columns;
	const char **names;	/* nr_columns of them ... */
	size_t *name_lens;	/* ... and their lengths */
	double *values;		/* row i's at values[i * nr_columns] */
	size_t alloc_names, alloc_values;
	const char *small_names[MLW_NUMBER_ROWS_SMALL];
	size_t small_lens[MLW_NUMBER_ROWS_SMALL];
	double small_values[4 * MLW_NUMBER_ROWS_SMALL];
};

void mlw_number_rows_init(struct mlw_number_rows *r);
void mlw_number_rows_release(struct mlw_number_rows *r);

/*
 * The predictions for rows of numbers, bit for bit what mlw_score_frame()
 * gives for a frame of the same names and numbers: 0 and *out (freed
 * with free()); or 1, nothing scored, when the rows are not for this
 * path: a column the model takes is not numeric or is missing, or
 * predict() failed.  The caller then scores the frame, which says what
 * is wrong with mlw_score_frame()'s message.
 */
int mlw_score_numbers(double **out, const struct mlw_model *m,
		      const struct mlw_number_rows *r);

/*
 * What 'mlw model score' writes as row i's prediction, for answers: the
 * class label for a classifier (borrowed from m), or NULL when the
 * output is numeric (P[k * n + i], k = 0 for a regression or a cluster,
 * every k for components).
 */
const char *mlw_score_label(const struct mlw_model *m, const double *P,
			    size_t n, size_t i);

#endif

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
 * What 'mlw model score' writes as row i's prediction, for answers: the
 * class label for a classifier (borrowed from m), or NULL when the
 * output is numeric (P[k * n + i], k = 0 for a regression or a cluster,
 * every k for components).
 */
const char *mlw_score_label(const struct mlw_model *m, const double *P,
			    size_t n, size_t i);

#endif

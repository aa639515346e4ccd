/*
 * prep.h - preparing a table for training, as the Designer's modules
 * do: split its rows, normalise its numeric columns, select columns;
 * and evaluating predictions against labels.
 *
 * The table modules read a CSV file (header row, RFC 4180) and write
 * CSV files, working on the text: a value they do not change is written
 * as it was read (quotes and all), so a split or a selection loses
 * nothing.  Outputs go through mlw_output (util/fs.h): a file is
 * replaced only when the whole output was written.  Problems with the
 * input are MLW_EINVALID naming the file, line and column.
 *
 *	mlw_prep_split()	rows into two files, a seeded shuffle picking
 *				round(fraction * n) rows (per class of a
 *				column, when stratified) for the first; each
 *				file keeps the rows' original order
 *	mlw_prep_normalize()	numeric columns scaled as scikit-learn's
 *				StandardScaler (mean 0, population standard
 *				deviation 1) or MinMaxScaler (0..1); a
 *				constant column becomes 0; missing values stay
 *				missing
 *	mlw_prep_select()	these columns (in this order), or all but these
 *	mlw_evaluate()		the metrics of a scored table (metrics.h)
 */
#ifndef MLW_ML_PREP_H
#define MLW_ML_PREP_H

#include "ml/metrics.h"

#include <stddef.h>
#include <stdint.h>

struct mlw_dataset;

struct mlw_split_result {
	size_t nr_rows, nr_first, nr_second;
};

/*
 * Split the rows of in: round(fraction * n) to first, the rest to
 * second (fraction in [0, 1]).  stratify, when not NULL, names a column
 * whose every value keeps that share in first.  seed makes the choice.
 */
int mlw_prep_split(struct mlw_split_result *out, const char *in,
		   const char *first, const char *second, double fraction,
		   uint64_t seed, const char *stratify);

enum mlw_normalize_method {
	MLW_NORMALIZE_ZSCORE,
	MLW_NORMALIZE_MINMAX
};

/*
 * Scale columns of in into out: the nr named (every one must be
 * numeric), or with exclude set every numeric column but those named
 * (nr may be 0: every numeric column).  *nr_scaled says how many.
 */
int mlw_prep_normalize(size_t *nr_scaled, const char *in, const char *out,
		       enum mlw_normalize_method method,
		       const char *const *columns, size_t nr, int exclude);

/*
 * The nr columns named, in that order, or with exclude set every column
 * but those, in the file's order.  An unknown name is MLW_EINVALID.
 */
int mlw_prep_select(const char *in, const char *out,
		    const char *const *columns, size_t nr, int exclude);

enum mlw_task {
	MLW_TASK_AUTO,
	MLW_TASK_REGRESSION,
	MLW_TASK_CLASSIFICATION
};

struct mlw_evaluation {
	enum mlw_task task;
	size_t nr_rows;
	struct mlw_metric metrics[MLW_CLASSIFICATION_METRICS];
	size_t nr_metrics;
	int has_proba;		/* classification: proba_<class> columns used */
};

/*
 * Metrics of ds (a scored table, as 'mlw model score --include-input'
 * writes it) comparing column target with column prediction.  With
 * MLW_TASK_AUTO a text or boolean target, or proba_ columns, make it a
 * classification.  Classification takes the probabilities from the
 * proba_<class> columns when every class has one, else the predicted
 * class as probability 1.  Rows missing either value are left out.
 */
int mlw_evaluate(struct mlw_evaluation *out, const struct mlw_dataset *ds,
		 const char *target, const char *prediction,
		 enum mlw_task task);

#endif

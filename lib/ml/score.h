/*
 * score.h - batch scoring: a CSV file in, one prediction per row out,
 * in bounded memory whatever the size of the input.
 *
 * The input is read in chunks cut at row boundaries (quote-aware); each
 * chunk is split between threads that parse their rows straight into a
 * small block of features, replay the model's featurization (the
 * training means and modes for missing values, one-hot codes from the
 * training vocabulary, an unknown category giving zeros, the training
 * standardization), predict the block with the trainer's own predict,
 * and format their output lines; the lines are written in input order.
 * Memory is a few chunks and their output, never the whole file.
 *
 * Output, CSV with a header (or JSON lines): the input columns first
 * with include_input (their text as read), then "prediction" (the value,
 * or the class label), then with proba one "proba_<class>" column per
 * class.  Numbers are the shortest text that reads back identically.
 *
 * A row that cannot be scored (a wrong number of fields, text in a
 * numeric column, an infinite value, broken quoting) is passed to the
 * caller's on_error with "PATH:LINE: message" and skipped while the
 * errors stay within error_threshold (-1: unlimited); one more fails the
 * run with MLW_EINVALID and that message.
 */
#ifndef MLW_ML_SCORE_H
#define MLW_ML_SCORE_H

#include "ml/dataset.h"
#include "ml/model.h"

#include <stddef.h>

struct mlw_score_options {
	int proba;		/* add proba_<class> (classifiers) */
	int include_input;	/* the input columns first */
	int json;		/* JSON lines instead of CSV */
	long error_threshold;	/* rows that may fail; -1 unlimited */
	char delimiter;		/* of the input; ',' when 0 */
	int nr_threads;		/* online CPUs when 0 */
	size_t chunk_size;	/* bytes a thread parses at once; 0: 4 MiB */
	void (*on_error)(const char *msg, void *data);
	void *data;
	/*
	 * Azure's batch layout (mlw_score_csv() only): no header, and each
	 * line "ROW,PREDICTION" then line_suffix (when not NULL), ROW the
	 * row's index among the input's rows (blank lines are none; a row
	 * skipped for an error keeps its index) plus row_base.  Scored on
	 * one thread, whatever nr_threads says.
	 */
	int row_numbers;
	size_t row_base;
	const char *line_suffix;
};

struct mlw_score_stats {
	size_t nr_rows;		/* data rows read */
	size_t nr_scored;
	size_t nr_errors;	/* rows skipped */
	size_t bytes_in, bytes_out;
	size_t peak_buffer;	/* the largest buffer held, for the record */
};

/*
 * Score the CSV file input (a header row naming at least every input
 * column of the model, in any order; more columns are fine) and write
 * the result to the file descriptor out_fd.  Returns 0, MLW_ENOTFOUND
 * (no input file), MLW_EINVALID (a column missing from the header, a
 * model that cannot give probabilities with proba, too many bad rows),
 * or MLW_ERROR (I/O).
 */
int mlw_score_csv(struct mlw_score_stats *stats, const struct mlw_model *m,
		  const char *input, int out_fd,
		  const struct mlw_score_options *opts);

/*
 * Score every row of a loaded dataset (an MLTable folder, a data asset)
 * the same way; include_input writes the columns as the trainers see
 * them.  MLW_EINVALID when a column the model needs is missing or of an
 * incompatible type.
 */
int mlw_score_dataset(struct mlw_score_stats *stats, const struct mlw_model *m,
		      const struct mlw_dataset *ds, int out_fd,
		      const struct mlw_score_options *opts);

#endif

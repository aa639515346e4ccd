/*
 * dataset.h - a table of data parsed once into column-major doubles.
 *
 * mlw_dataset_load() reads a CSV file (RFC 4180, header row, optional
 * UTF-8 byte-order mark, LF or CRLF) into one matrix of doubles stored
 * column by column, leading dimension nr_rows, so a column is a
 * contiguous vector BLAS can use directly.  Each column gets a type:
 *
 *  - numeric: every present value is a number;
 *  - boolean: every present value is true/false (any case), stored 1/0;
 *  - categorical: text; stored as the index of the value in the column's
 *    sorted vocabulary (categories[]), as scikit-learn's encoders sort.
 *
 * Missing values (an empty field, NA, N/A, NaN, nan, null, NULL, None) are
 * NaN in every type.  A column of numbers with some text is categorical,
 * as pandas reads it (an "object" column), with a note naming the first
 * text for whoever uses it; a column of numbers with an infinity is
 * numeric with a problem: unusable, but only an error for a command that
 * uses it.  Rows with the wrong number of fields and broken quoting are
 * errors naming the file, line and column: the whole file is checked
 * before anything trains on it.
 *
 * The file is memory-mapped and parsed by all online CPUs in parallel:
 * it is cut at row boundaries found from the parity of the quotes before
 * each cut, so quoted newlines never split a row.
 *
 * A dataset is immutable once loaded and reference-counted: trials of a
 * sweep share one, each holding a reference (mlw_dataset_ref()) and
 * dropping it with mlw_dataset_unref(); the last one frees it.  Reading
 * it from several threads needs no lock.
 */
#ifndef MLW_ML_DATASET_H
#define MLW_ML_DATASET_H

#include <stddef.h>

enum mlw_column_type {
	MLW_COLUMN_NUMERIC,
	MLW_COLUMN_BOOLEAN,
	MLW_COLUMN_CATEGORICAL
};

struct mlw_column {
	char *name;
	enum mlw_column_type type;
	size_t nr_missing;
	/*
	 * A numeric column read from a file: the sum of its values (not
	 * the missing ones), added up while parsing, a slice at a time,
	 * so that a mean costs no pass over the column (has_sum: 1).
	 */
	int has_sum;
	double sum;
	size_t nr_categories;	/* categorical only */
	char **categories;	/* sorted (strcmp); code i is categories[i] */
	/*
	 * What the loader found in the column, for whoever uses it (a column
	 * left out of training is never a reason to refuse a file): problem,
	 * a value that makes the column unusable ("data.csv:3:1: infinite
	 * value 'inf' (column 'a')"); note, something to warn about when
	 * the column is used (numbers and text mixed, so categorical).  Both
	 * owned, NULL when there is nothing to say.  A column with a problem
	 * has NaN for its infinities too (not counted in nr_missing): its
	 * values are for nobody.
	 */
	char *problem;
	char *note;
};

struct mlw_dataset {
	size_t nr_rows, nr_columns;
	struct mlw_column *columns;
	/* column-major, leading dimension nr_rows; NaN marks missing */
	double *values;
	char *path;
	size_t file_size;
	/* private */
	size_t values_size;	/* bytes mapped for values */
	size_t *by_name;	/* column indices sorted by name, or NULL */
	int refcount;
};

/*
 * The longest line the loader reads: a file of gigabytes with no line
 * end is refused after reading this much, not parsed as one row.
 */
#define MLW_DATASET_MAX_LINE ((size_t)64 << 20)

struct mlw_dataset_options {
	char delimiter;		/* ',' when 0 */
	int nr_threads;		/* online CPUs when 0 */
};

/*
 * Load path.  Returns 0 and *out (refcount 1), or MLW_ENOTFOUND (no such
 * file), MLW_EINVALID (malformed content: the message is
 * "PATH:LINE:COL: what"), or MLW_ERROR (I/O).  opts may be NULL.
 */
int mlw_dataset_load(struct mlw_dataset **out, const char *path,
		     const struct mlw_dataset_options *opts);

/*
 * Distributed training: load only share part (0 <= part < nr_parts) of
 * path's rows: those that start in that share of the bytes after the
 * header, each cut moved to the next row start outside quotes.  The
 * shares 0 .. nr_parts - 1 hold every row once, in file order; errors
 * name the line in the whole file; types and categories are those of
 * the share's rows.  As mlw_dataset_load() otherwise.
 */
int mlw_dataset_load_part(struct mlw_dataset **out, const char *path,
			  const struct mlw_dataset_options *opts, int part,
			  int nr_parts);

/*
 * Building a dataset from rows of text cells, for readers other than the
 * CSV loader (MLTable, JSON lines).  Cells are typed at the end by the
 * loader's rules, or by a type forced per column (convert_column_types):
 *
 *	mlw_dataset_builder_new(&b, "data/MLTable", names, nr);
 *	mlw_dataset_builder_force(b, col, MLW_COLUMN_NUMERIC);
 *	mlw_dataset_builder_add(b, "data/a.csv", line, cells);   (per row)
 *	ret = mlw_dataset_builder_finish(&ds, b);   (frees b)
 *
 * A text cell in a column forced numeric is an error naming its file
 * and line.
 */
struct mlw_dataset_cell {
	const char *text;	/* copied */
	size_t len;
	int missing;
};
struct mlw_dataset_builder;

/* MLW_EINVALID on an empty or duplicate column name */
int mlw_dataset_builder_new(struct mlw_dataset_builder **out,
			    const char *path, char *const *names,
			    size_t nr_columns);
void mlw_dataset_builder_force(struct mlw_dataset_builder *b, size_t col,
			       enum mlw_column_type type);
/* one row of nr_columns cells read from line of source */
void mlw_dataset_builder_add(struct mlw_dataset_builder *b,
			     const char *source, size_t line,
			     const struct mlw_dataset_cell *cells);
size_t mlw_dataset_builder_rows(const struct mlw_dataset_builder *b);
int mlw_dataset_builder_finish(struct mlw_dataset **out,
			       struct mlw_dataset_builder *b);
void mlw_dataset_builder_free(struct mlw_dataset_builder *b);

/* Take another reference; returns ds. */
struct mlw_dataset *mlw_dataset_ref(struct mlw_dataset *ds);
/* Drop a reference, freeing the dataset with the last one; NULL is fine. */
void mlw_dataset_unref(struct mlw_dataset *ds);

/* The column named name, or -1. */
int mlw_dataset_find(const struct mlw_dataset *ds, const char *name);

/* Column j as a vector of nr_rows doubles; borrowed. */
static inline const double *mlw_dataset_column(const struct mlw_dataset *ds,
					       size_t j)
{
	return ds->values + j * ds->nr_rows;
}

/* 1 when s[0..len) spells a missing value ("", NA, NaN, null, ...) */
int mlw_dataset_is_missing(const char *s, size_t len);

/* "numeric", "boolean", "categorical" */
const char *mlw_column_type_name(enum mlw_column_type type);

/*
 * Memory for large matrices: anonymous mappings with transparent huge
 * pages asked for, so filling 400 MB costs 200 page faults instead of
 * 100,000.  Zero-filled.  Release with mlw_big_free(p, size).
 */
void *mlw_big_alloc(size_t size);
void mlw_big_free(void *p, size_t size);

#endif

/*
 * mltable.h - reading an Azure ML "MLTable" folder into a dataset.
 *
 * An MLTable file is YAML: the files to read and the transformations
 * that turn them into one table.
 *
 *	paths:
 *	  - file: ./train.csv            one file (relative to the folder)
 *	  - folder: ./parts              every file under it, sorted
 *	  - pattern: ./data/part-?.csv    a glob(7)
 *	transformations:
 *	  - read_delimited: {delimiter: ",", header: all_files_same_headers,
 *	      encoding: utf8, empty_as_string: false,
 *	      include_path_column: false}
 *	  - read_json_lines: {encoding: utf8, invalid_lines: error,
 *	      include_path_column: false}
 *	  - take: 100
 *	  - take_random_sample: {probability: 0.1, seed: 7}
 *	  - skip: 10
 *	  - drop_columns: [a, b]         or keep_columns: [...]
 *	  - filter: "col('age') > 30 and sex == 'female'"
 *	  - convert_column_types:
 *	      - {columns: [a, b], column_type: int}
 *
 * header is all_files_same_headers (every file starts with the same
 * header row), from_first_file (only the first one has it) or no_header
 * (columns Column1, Column2, ...).  encoding is utf8 or ascii, or latin1
 * (iso88591), converted to UTF-8; others are refused.  Transformations
 * apply in order to rows as they are read, so take stops reading early;
 * the rows that remain are typed as the CSV loader types them (a column
 * of numbers with some text is text, as MLTable infers it), unless
 * convert_column_types says (int, float: numeric; boolean; string,
 * datetime, stream_info: text).  take_random_sample keeps each row with
 * the given probability from a generator seeded with seed (0 when not
 * given): the same file and seed give the same rows.
 *
 * filter takes comparisons (==, !=, <, <=, >, >=) of a column (a bare
 * name or col('name')) with a number, a quoted string or true/false,
 * combined with and, or, not and parentheses.  A number compares
 * numerically with cells that hold numbers; a missing cell matches no
 * comparison.
 *
 * Errors: MLW_EINVALID with "MLTABLE:LINE:COL: problem" for the spec,
 * "FILE:LINE: problem" for a malformed row; MLW_ENOTFOUND for a missing
 * MLTable file or data file.
 */
#ifndef MLW_ML_MLTABLE_H
#define MLW_ML_MLTABLE_H

#include "ml/dataset.h"

/* Load dir/MLTable. */
int mlw_mltable_load(struct mlw_dataset **out, const char *dir,
		     const struct mlw_dataset_options *opts);
/* Load the MLTable file at path (its folder is the base of its paths). */
int mlw_mltable_load_file(struct mlw_dataset **out, const char *path,
			  const struct mlw_dataset_options *opts);

/*
 * A table from a local path, whatever it is: a folder with an MLTable
 * file, an MLTable file, or a CSV file (mlw_dataset_load()).  Errors as
 * those loaders'.
 */
int mlw_dataset_open(struct mlw_dataset **out, const char *path,
		     const struct mlw_dataset_options *opts);

#endif

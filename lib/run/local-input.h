/*
 * local-input.h - what a command or a trial names as its input, read:
 * a table as the trainers see it, a model to score with, or rows scored
 * as they stream.
 *
 * 'mlw train --data', 'mlw model score MODEL --input DATA', 'mlw data
 * show --preview' (and sweeps and pipeline steps to come) take a local
 * file or folder, or a registered asset (azureml:NAME:VERSION,
 * NAME@latest, NAME:VERSION, an ARM id...), which is restored from the
 * store into a temporary folder, read and removed: lib/asset/local.h
 * resolves the name, lib/ml reads the content.  This is the layer that
 * sees both.
 *
 * A source says where names are looked up and where restored content
 * goes; it holds no state, so one may serve any number of calls, and
 * two threads with a catalog connection each may read at once.
 */
#ifndef MLW_RUN_LOCAL_INPUT_H
#define MLW_RUN_LOCAL_INPUT_H

#include <stddef.h>

struct mlw_catalog;
struct mlw_dataset;
struct mlw_model;
struct mlw_odb;
struct mlw_out;
struct mlw_score_options;
struct mlw_score_stats;

struct mlw_input_source {
	/* the workspace; both NULL outside one: then only paths resolve,
	   and an explicit reference is MLW_ENOTFOUND */
	struct mlw_catalog *cat;
	struct mlw_odb *odb;
	const char *tmpdir;	/* where assets are restored, then removed */
};

/* What an input operand is, before any workspace is opened. */
enum mlw_input_kind {
	MLW_INPUT_PATH,		/* an existing file or folder */
	MLW_INPUT_REF,		/* an explicit reference (azureml:, NAME:VER) */
	MLW_INPUT_NAME		/* neither: a bare NAME, or a missing path */
};

/*
 * text as a path when it exists, else as a reference: an explicit one
 * needs a workspace; a bare NAME uses one if there is one (and stays a
 * path, reported missing, if not).
 */
enum mlw_input_kind mlw_input_classify(const char *text);

/*
 * The table text names: a CSV file, a folder with an MLTable file, an
 * MLTable file, or a data asset holding one of them.  *out (refcount 1,
 * mlw_dataset_unref()) is named text, not the temporary copy.  Errors
 * as mlw_asset_materialize()'s and mlw_dataset_open()'s.
 */
int mlw_input_dataset(struct mlw_dataset **out,
		      const struct mlw_input_source *src, const char *text);

/*
 * The model text names: a model folder or a registered model.  out is
 * filled (mlw_model_release()) only on success.
 */
int mlw_input_model(struct mlw_model *out, const struct mlw_input_source *src,
		    const char *text);

/*
 * Score the rows text names with model, writing to out_fd: a CSV file,
 * or a uri_file asset's file, is streamed in bounded memory
 * (mlw_score_csv()); a folder with an MLTable file or an asset holding
 * one is read whole as training reads it (mlw_score_dataset()).
 */
int mlw_input_score(struct mlw_score_stats *stats,
		    const struct mlw_model *model,
		    const struct mlw_input_source *src, const char *text,
		    int out_fd, const struct mlw_score_options *opts);

/*
 * The first max rows of ds (all when max exceeds them) as a list of
 * objects, one key a column, typed as the trainers see them: numbers,
 * booleans, categories as their text, missing values as null.
 */
void mlw_input_rows(struct mlw_out *o, const struct mlw_dataset *ds,
		    size_t max);

#endif

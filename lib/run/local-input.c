/*
 * local-input.c - inputs named by path or asset, read; see local-input.h.
 */
#include "run/local-input.h"
#include "spec/ref.h"
#include "asset/local.h"
#include "ml/dataset.h"
#include "ml/mltable.h"
#include "ml/model.h"
#include "ml/score.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/output.h"
#include "util/strutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* text as a local path: itself, or an asset restored under *tmp */
static int local_path(char **path, char **tmp,
		      const struct mlw_input_source *src,
		      enum mlw_asset_kind kind, const char *text)
{
	return mlw_asset_materialize(path, tmp, src->cat, src->odb, kind, text,
				     src->tmpdir);
}

/* remove what local_path() restored, and free both */
static void done_with(char *path, char *tmp)
{
	if (tmp)
		mlw_remove_tree(tmp);
	free(tmp);
	free(path);
}

/*
 * s with its first path replaced by text, or NULL when it has none: what
 * is said of the restored copy of an asset names what the user gave,
 * since the copy is gone by the time anyone reads it.  The caller frees.
 */
static char *as_given(const char *s, const char *path, const char *text)
{
	const char *at = s ? strstr(s, path) : NULL;

	if (!at)
		return NULL;
	return mlw_xstrfmt("%.*s%s%s", (int)(at - s), s, text,
			   at + strlen(path));
}

/* the error set for the restored copy at path, named as given; ret */
static int error_as_given(int ret, const char *path, const char *text)
{
	char *msg = as_given(mlw_error_last(), path, text);

	if (msg)
		mlw_error_setc(ret, "%s", msg);
	free(msg);
	return ret;
}

/* the problems and notes of a restored dataset's columns, as given */
static void columns_as_given(struct mlw_dataset *ds, const char *path,
			     const char *text)
{
	size_t i;

	for (i = 0; i < ds->nr_columns; i++) {
		struct mlw_column *c = &ds->columns[i];
		char *p = as_given(c->problem, path, text);
		char *n = as_given(c->note, path, text);

		if (p) {
			free(c->problem);
			c->problem = p;
		}
		if (n) {
			free(c->note);
			c->note = n;
		}
	}
}

int mlw_input_dataset(struct mlw_dataset **out,
		      const struct mlw_input_source *src, const char *text)
{
	char *path, *tmp, *root;
	int ret;

	*out = NULL;
	ret = local_path(&path, &tmp, src, MLW_ASSET_DATA, text);
	if (ret)
		return ret;
	ret = mlw_dataset_open(out, path, NULL);
	/*
	 * name what the user gave, not the temporary copy: the copy is
	 * TMP/NAME[/FILE], and TMP/NAME is what was given
	 */
	root = tmp ? mlw_strndup(path, strcspn(path + strlen(tmp) + 1, "/") +
				 strlen(tmp) + 1) : NULL;
	if (!ret && tmp) {
		columns_as_given(*out, root, text);
		free((*out)->path);
		(*out)->path = mlw_strdup(text);
	} else if (ret && tmp) {
		error_as_given(ret, root, text);
	}
	free(root);
	done_with(path, tmp);
	return ret;
}

int mlw_input_model(struct mlw_model *out, const struct mlw_input_source *src,
		    const char *text)
{
	char *dir, *tmp;
	int ret = local_path(&dir, &tmp, src, MLW_ASSET_MODEL, text);

	if (ret)
		return ret;
	ret = mlw_model_read(out, dir);
	if (ret && tmp)
		error_as_given(ret, dir, text);
	done_with(dir, tmp);
	return ret;
}

/* a path that reads as CSV: a file (or nothing yet) not named MLTable */
static int is_csv(const char *path)
{
	struct stat st;

	if (!stat(path, &st) && !S_ISREG(st.st_mode))
		return 0;
	return strcmp(path, "MLTable") && !mlw_ends_with(path, "/MLTable");
}

int mlw_input_score(struct mlw_score_stats *stats,
		    const struct mlw_model *model,
		    const struct mlw_input_source *src, const char *text,
		    int out_fd, const struct mlw_score_options *opts)
{
	struct mlw_dataset *ds;
	char *path, *tmp;
	struct stat st;
	int ret;

	ret = local_path(&path, &tmp, src, MLW_ASSET_DATA, text);
	if (ret)
		return ret;
	if (!tmp && is_csv(path)) {
		/* the reader says when the file is missing */
		ret = mlw_score_csv(stats, model, text, out_fd, opts);
	} else if (tmp && !stat(path, &st) && S_ISREG(st.st_mode)) {
		/* a uri_file asset: stream its restored copy */
		ret = mlw_score_csv(stats, model, path, out_fd, opts);
	} else {
		ret = mlw_dataset_open(&ds, path, NULL);
		if (!ret) {
			ret = mlw_score_dataset(stats, model, ds, out_fd, opts);
			mlw_dataset_unref(ds);
		}
	}
	done_with(path, tmp);
	return ret;
}

void mlw_input_rows(struct mlw_out *o, const struct mlw_dataset *ds,
		    size_t max)
{
	size_t i, j, n = max < ds->nr_rows ? max : ds->nr_rows;

	mlw_out_list_begin(o, NULL);
	for (i = 0; i < n; i++) {
		mlw_out_object_begin(o, NULL);
		for (j = 0; j < ds->nr_columns; j++) {
			const struct mlw_column *c = &ds->columns[j];
			double v = mlw_dataset_column(ds, j)[i];

			if (isnan(v))
				mlw_out_null(o, c->name);
			else if (c->type == MLW_COLUMN_CATEGORICAL)
				mlw_out_str(o, c->name, c->categories[(size_t)v]);
			else if (c->type == MLW_COLUMN_BOOLEAN)
				mlw_out_bool(o, c->name, v != 0);
			else
				mlw_out_num(o, c->name, v);
		}
		mlw_out_end(o);
	}
	mlw_out_end(o);
}

enum mlw_input_kind mlw_input_classify(const char *text)
{
	struct mlw_ref ref;
	struct stat st;
	int explicit;

	if (!stat(text, &st))
		return MLW_INPUT_PATH;
	mlw_ref_parse_operand(&ref, text);
	explicit = ref.explicit;
	mlw_ref_release(&ref);
	mlw_error_clear();
	return explicit ? MLW_INPUT_REF : MLW_INPUT_NAME;
}

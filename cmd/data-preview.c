/*
 * data-preview.c - where training and scoring find their input: a CSV
 * file, a folder with an MLTable file, or a registered asset restored
 * from the store into a temporary folder (lib/asset/local.h resolves,
 * lib/ml/mltable.h's mlw_dataset_open() loads; this file only finds the
 * workspace and the temporary folder, TMPDIR); and the preview of a
 * table as the training engine sees it ('mlw data show NAME --preview
 * N', for now the hidden plumbing command 'preview-data').
 */
#include "builtin.h"
#include "asset/local.h"
#include "ml/dataset.h"
#include "ml/mltable.h"
#include "spec/ref.h"
#include "store/repo.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * The workspace's catalog and objects, or NULLs when there is none: an
 * explicit asset reference needs one (cmd_catalog() says so), a path or
 * a bare NAME does not.
 */
static void find_workspace(struct mlw_ctx *ctx, const char *ref,
			   struct mlw_catalog **cat, struct mlw_odb **odb)
{
	struct mlw_ref parsed;
	int explicit;

	mlw_ref_parse_operand(&parsed, ref);
	explicit = parsed.explicit;
	mlw_ref_release(&parsed);
	mlw_error_clear();
	*cat = NULL;
	*odb = NULL;
	if (!ctx->repo && !explicit &&
	    mlw_repo_discover(&ctx->repo, ".", ctx->mlw_dir) < 0) {
		mlw_error_clear();
		ctx->repo = NULL;
		return;
	}
	*cat = cmd_catalog(ctx);
	*odb = cmd_odb(ctx);
}

int cmd_resolve_input(struct mlw_ctx *ctx, int kind, const char *ref,
		      char **path_out, char **tmp_out)
{
	struct mlw_catalog *cat;
	struct mlw_odb *odb;
	struct stat st;
	const char *base = getenv("TMPDIR");

	*path_out = *tmp_out = NULL;
	if (!stat(ref, &st)) {
		*path_out = mlw_strdup(ref);
		return 0;
	}
	find_workspace(ctx, ref, &cat, &odb);
	return mlw_asset_materialize(path_out, tmp_out, cat, odb,
				     (enum mlw_asset_kind)kind, ref,
				     base && *base ? base : "/tmp");
}

int cmd_load_dataset(struct mlw_ctx *ctx, struct mlw_dataset **out,
		     const char *ref)
{
	char *path, *tmp;
	int ret;

	*out = NULL;
	ret = cmd_resolve_input(ctx, MLW_ASSET_DATA, ref, &path, &tmp);
	if (ret)
		return ret;
	ret = mlw_dataset_open(out, path, NULL);
	if (tmp) {
		mlw_remove_tree(tmp);
		/* name what the user gave, not the temporary copy */
		if (!ret) {
			free((*out)->path);
			(*out)->path = mlw_strdup(ref);
		}
	}
	free(tmp);
	free(path);
	return ret;
}

int cmd_data_preview(struct mlw_ctx *ctx, const char *path_or_ref, long rows)
{
	struct mlw_dataset *ds;
	struct mlw_out *o;
	size_t i, j, n;
	int ret;

	ret = cmd_load_dataset(ctx, &ds, path_or_ref);
	if (ret)
		return cmd_fail(ret);
	n = rows < 0 || (size_t)rows > ds->nr_rows ? ds->nr_rows : (size_t)rows;
	o = mlw_out_new();
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
	ret = cmd_print(ctx, o, MLW_FMT_TABLE);
	mlw_out_free(o);
	if (!ret && ctx->verbose)
		for (j = 0; j < ds->nr_columns; j++)
			fprintf(stderr, "%s: %s, %zu missing\n",
				ds->columns[j].name,
				mlw_column_type_name(ds->columns[j].type),
				ds->columns[j].nr_missing);
	mlw_dataset_unref(ds);
	return cmd_finish_stdout(ret);
}

CMD(preview_data)
{
	static const char *const usage[] = {
		"mlw preview-data (CSV | FOLDER | azureml:NAME[:VERSION|@latest]) [-n ROWS]",
		NULL
	};
	int64_t rows = 10;
	struct mlw_option opts[] = {
		MLW_OPT_INT('n', "rows", &rows, "ROWS", "rows to show (10; -1: all)"),
		MLW_OPT_END()
	};

	argc = cmd_parse(ctx, argc, argv, opts, usage);
	if (argc != 1)
		return cmd_usage_error(usage, opts, argc ? "too many arguments" :
				       "no data given");
	if (rows < -1)
		return cmd_usage_error(usage, opts, "--rows must be -1 or more");
	return cmd_data_preview(ctx, argv[0], (long)rows);
}

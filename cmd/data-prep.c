/*
 * data-prep.c - 'mlw data split|normalize|select': the Designer's Split
 * Data, Normalize Data and Select Columns in Dataset modules on a CSV
 * file or a registered uri_file asset (lib/ml/prep.h), for pipelines'
 * built-in components and for shells.
 */
#include "builtin.h"
#include "asset/asset.h"
#include "asset/local.h"
#include "run/local-input.h"
#include "ml/prep.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/strutil.h"

#include <stdlib.h>
#include <string.h>

/* "a,b,c" into l */
static void split_list(struct mlw_strlist *l, const char *s)
{
	while (s && *s) {
		const char *comma = strchr(s, ',');
		size_t n = comma ? (size_t)(comma - s) : strlen(s);

		if (n)
			mlw_strlist_push_owned(l, mlw_strndup(s, n));
		s = comma ? comma + 1 : NULL;
	}
}

/* --input: a path as it is, an asset restored to a temporary copy */
static int input_path(struct mlw_ctx *ctx, const char *ref, char **path,
		      char **tmp)
{
	struct mlw_input_source src;
	int ret;

	cmd_input_source(ctx, &src, ref);
	ret = mlw_asset_materialize(path, tmp, src.cat, src.odb,
				    MLW_ASSET_DATA, ref, src.tmpdir);
	return ret ? cmd_fail(ret) : 0;
}

static void drop_input(char *path, char *tmp)
{
	if (tmp && mlw_remove_tree(tmp))
		mlw_error_clear();
	free(tmp);
	free(path);
}

static int data_split(int argc, const char **argv, struct mlw_ctx *ctx)
{
	static const char *const usage[] = {
		"mlw data split --input DATA --first FILE --second FILE "
		"[--fraction F] [--seed N] [--stratify COL]", NULL
	};
	const char *input = NULL, *first = NULL, *second = NULL;
	const char *fraction = "0.8", *stratify = NULL;
	int64_t seed = 0;
	struct mlw_option opts[] = {
		MLW_OPT_STRING('i', "input", &input, "DATA",
			       "a CSV file or a uri_file data asset"),
		MLW_OPT_STRING(0, "first", &first, "FILE",
			       "where the chosen rows go"),
		MLW_OPT_STRING(0, "second", &second, "FILE",
			       "where the other rows go"),
		MLW_OPT_STRING(0, "fraction", &fraction, "F",
			       "the share of rows for --first (default 0.8)"),
		MLW_OPT_INT(0, "seed", &seed, "N",
			    "the seed of the random choice (default 0)"),
		MLW_OPT_STRING(0, "stratify", &stratify, "COL",
			       "keep the share in each class of this column"),
		MLW_OPT_END()
	};
	struct mlw_split_result r;
	char *path, *tmp;
	double f;
	int ret;

	if (cmd_parse(ctx, argc, argv, opts, usage) > 0)
		return cmd_usage_error(usage, opts, "unexpected operand");
	if (!input || !first || !second)
		return cmd_usage_error(usage, opts, "--input, --first and "
				       "--second are needed");
	if (mlw_parse_double(&f, fraction, "--fraction") || f < 0 || f > 1)
		return cmd_usage_error(usage, opts, "--fraction takes a number "
				       "from 0 to 1");
	ret = input_path(ctx, input, &path, &tmp);
	if (ret)
		return ret;
	ret = mlw_prep_split(&r, path, first, second, f, (uint64_t)seed,
			     stratify);
	drop_input(path, tmp);
	if (ret)
		return cmd_fail(ret);
	if (ctx->format != MLW_FMT_DEFAULT || ctx->query) {
		struct mlw_out *o = mlw_out_new();

		mlw_out_object_begin(o, NULL);
		mlw_out_int(o, "rows", (int64_t)r.nr_rows);
		mlw_out_int(o, "first", (int64_t)r.nr_first);
		mlw_out_int(o, "second", (int64_t)r.nr_second);
		mlw_out_end(o);
		ret = cmd_print(ctx, o, MLW_FMT_JSON);
		mlw_out_free(o);
		return cmd_finish_stdout(ret);
	}
	if (!ctx->quiet)
		fprintf(stderr, "mlw: %zu rows: %zu to '%s', %zu to '%s'\n",
			r.nr_rows, r.nr_first, first, r.nr_second, second);
	return 0;
}

static int data_normalize(int argc, const char **argv, struct mlw_ctx *ctx)
{
	static const char *const usage[] = {
		"mlw data normalize --input DATA --output FILE "
		"[--method zscore|minmax] [--columns A,B | --exclude A,B]",
		NULL
	};
	const char *input = NULL, *output = NULL, *method = "zscore";
	const char *columns = NULL, *exclude = NULL;
	struct mlw_option opts[] = {
		MLW_OPT_STRING('i', "input", &input, "DATA",
			       "a CSV file or a uri_file data asset"),
		MLW_OPT_STRING(0, "output", &output, "FILE",
			       "the table with its columns scaled"),
		MLW_OPT_STRING(0, "method", &method, "zscore|minmax",
			       "mean 0 and deviation 1, or 0..1 (zscore)"),
		MLW_OPT_STRING(0, "columns", &columns, "A,B",
			       "scale these numeric columns"),
		MLW_OPT_STRING(0, "exclude", &exclude, "A,B",
			       "scale every numeric column but these"),
		MLW_OPT_END()
	};
	struct mlw_strlist names = MLW_STRLIST_INIT;
	enum mlw_normalize_method m;
	char *path, *tmp;
	size_t scaled;
	int ret;

	if (cmd_parse(ctx, argc, argv, opts, usage) > 0)
		return cmd_usage_error(usage, opts, "unexpected operand");
	if (!input || !output)
		return cmd_usage_error(usage, opts, "--input and --output are "
				       "needed");
	if (columns && exclude)
		return cmd_usage_error(usage, opts, "--columns or --exclude, "
				       "not both");
	if (!strcmp(method, "zscore"))
		m = MLW_NORMALIZE_ZSCORE;
	else if (!strcmp(method, "minmax"))
		m = MLW_NORMALIZE_MINMAX;
	else
		return cmd_usage_error(usage, opts, "--method takes zscore or "
				       "minmax");
	ret = input_path(ctx, input, &path, &tmp);
	if (ret)
		return ret;
	split_list(&names, columns ? columns : exclude);
	ret = mlw_prep_normalize(&scaled, path, output, m,
				 (const char *const *)names.items, names.nr,
				 !columns);
	drop_input(path, tmp);
	mlw_strlist_release(&names);
	if (ret)
		return cmd_fail(ret);
	if (!ctx->quiet)
		fprintf(stderr, "mlw: %zu columns scaled (%s) into '%s'\n",
			scaled, method, output);
	return 0;
}

static int data_select(int argc, const char **argv, struct mlw_ctx *ctx)
{
	static const char *const usage[] = {
		"mlw data select --input DATA --output FILE "
		"(--columns A,B | --exclude A,B)", NULL
	};
	const char *input = NULL, *output = NULL, *columns = NULL;
	const char *exclude = NULL;
	struct mlw_option opts[] = {
		MLW_OPT_STRING('i', "input", &input, "DATA",
			       "a CSV file or a uri_file data asset"),
		MLW_OPT_STRING(0, "output", &output, "FILE",
			       "the table with the columns chosen"),
		MLW_OPT_STRING(0, "columns", &columns, "A,B",
			       "these columns, in this order"),
		MLW_OPT_STRING(0, "exclude", &exclude, "A,B",
			       "every column but these"),
		MLW_OPT_END()
	};
	struct mlw_strlist names = MLW_STRLIST_INIT;
	char *path, *tmp;
	int ret;

	if (cmd_parse(ctx, argc, argv, opts, usage) > 0)
		return cmd_usage_error(usage, opts, "unexpected operand");
	if (!input || !output || !columns == !exclude)
		return cmd_usage_error(usage, opts, "--input, --output and one "
				       "of --columns and --exclude are needed");
	ret = input_path(ctx, input, &path, &tmp);
	if (ret)
		return ret;
	split_list(&names, columns ? columns : exclude);
	ret = mlw_prep_select(path, output, (const char *const *)names.items,
			      names.nr, !columns);
	drop_input(path, tmp);
	mlw_strlist_release(&names);
	return ret ? cmd_fail(ret) : 0;
}

int cmd_data_prep(int argc, const char **argv, struct mlw_ctx *ctx)
{
	if (!strcmp(argv[0], "split"))
		return data_split(argc, argv, ctx);
	if (!strcmp(argv[0], "normalize"))
		return data_normalize(argc, argv, ctx);
	return data_select(argc, argv, ctx);
}

/*
 * validate.c - 'mlw job|component|endpoint|data|model|env validate': load
 * spec files, report every problem with its position, exit 2 on errors.
 *
 * One implementation for every group; the group decides which spec kinds
 * are accepted, so a model spec given to 'mlw job validate' is an error
 * naming both.
 */
#include "builtin.h"
#include "asset/asset.h"
#include "pipeline/dag.h"
#include "spec/spec.h"
#include "store/catalog.h"
#include "store/repo.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/strutil.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ERRORS_SHOWN 20

/* "inputs.x=1", "a.b[0].c=v": an override, not a file or an option */
static int looks_override(const char *s)
{
	const char *p = s;

	if (!isalpha((unsigned char)*p) && *p != '_' && *p != '$')
		return 0;
	while (*p && *p != '=') {
		if (!isalnum((unsigned char)*p) && !strchr("_.[]$-", *p))
			return 0;
		p++;
	}
	return *p == '=';
}

/*
 * az accepts several overrides after one --set ("--set a=1 b=2"); the
 * option parser takes one value per option, so spell the extra ones as
 * --set=VALUE before parsing.  The result is owned by *owned.
 */
const char **cmd_spec_expand_set(int argc, const char **argv,
				 struct mlw_strlist *owned, int *new_argc)
{
	const char **out = mlw_calloc((size_t)argc * 2 + 1, sizeof(*out));
	int i, n = 0, in_set = 0;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (in_set && looks_override(a)) {
			char *s = mlw_xstrfmt("--set=%s", a);

			mlw_strlist_push_owned(owned, s);
			out[n++] = s;
			continue;
		}
		in_set = 0;
		out[n++] = a;
		if (!strcmp(a, "--")) {
			for (i++; i < argc; i++)
				out[n++] = argv[i];
			break;
		}
		if (!strcmp(a, "--set") && i + 1 < argc) {
			out[n++] = argv[++i];
			in_set = 1;
		} else if (mlw_starts_with(a, "--set=")) {
			in_set = 1;
		}
	}
	out[n] = NULL;
	*new_argc = n;
	return out;
}

/* the asset kind a field names, 0 when it is no data/model/env asset */
static enum mlw_asset_kind kind_of_field(const char *what)
{
	if (strstr(what, "model"))
		return MLW_ASSET_MODEL;
	if (!strcmp(what, "input path") || !strcmp(what, "data path") ||
	    !strcmp(what, "file") || !strcmp(what, "folder"))
		return MLW_ASSET_DATA;
	if (strstr(what, "environment"))
		return MLW_ASSET_ENVIRONMENT;
	return 0;
}

/*
 * Look an azureml: reference up in the workspace's catalog, when there
 * is a workspace.  Components, code assets and job outputs are not in
 * this store: they stay unknown (a warning).
 */
static int asset_lookup(void *data, const struct mlw_ref *ref,
			const char *what)
{
	struct mlw_ctx *ctx = data;
	enum mlw_asset_kind kind = kind_of_field(what);
	struct mlw_catalog *cat;
	struct mlw_asset *a;
	const char *version = ref->version;
	int ret;

	if (ref->kind != MLW_REF_ASSET || !kind || !ref->name)
		return 0;
	if (!ctx->repo && mlw_repo_discover(&ctx->repo, ".", ctx->mlw_dir)) {
		mlw_error_clear();
		return 0;	/* no workspace: nothing is local */
	}
	if (mlw_repo_catalog(&cat, ctx->repo)) {
		mlw_error_clear();
		return -1;
	}
	/* labels other than latest do not exist locally */
	if (ref->label && strcmp(ref->label, "latest"))
		return 0;
	ret = mlw_asset_get(&a, cat, kind, ref->name, version);
	if (!ret) {
		mlw_asset_free(a);
		return 1;
	}
	mlw_error_clear();
	return ret == MLW_ENOTFOUND ? 0 : -1;
}

static void print_diag(const struct mlw_spec *spec, const struct mlw_diag *x)
{
	const char *level = x->warning ? "warning" : "error";

	if (x->source && mlw_starts_with(x->source, "--set "))
		cmd_message(level, "%s: --set '%s': %s", spec->path,
			    x->source + 6, x->msg);
	else
		cmd_message(level, "%s:%d:%d: %s",
			    x->source ? x->source : spec->path, x->line,
			    x->col, x->msg);
}

static void out_diags(struct mlw_out *o, const char *key,
		      const struct mlw_spec *spec, int warnings)
{
	size_t i;

	mlw_out_list_begin(o, key);
	for (i = 0; i < spec->diags.nr; i++) {
		const struct mlw_diag *x = &spec->diags.items[i];

		if (x->warning != warnings)
			continue;
		mlw_out_object_begin(o, NULL);
		if (x->source && mlw_starts_with(x->source, "--set ")) {
			mlw_out_str(o, "source", "--set");
			mlw_out_str(o, "override", x->source + 6);
		} else {
			mlw_out_str(o, "source", "file");
			/* a pipeline's problem inside a component's file */
			if (x->source && strcmp(x->source, spec->path))
				mlw_out_str(o, "path", x->source);
		}
		mlw_out_int(o, "line", x->line);
		mlw_out_int(o, "column", x->col);
		mlw_out_str(o, "message", x->msg);
		mlw_out_end(o);
	}
	mlw_out_end(o);
}

static int validate_files(struct mlw_ctx *ctx, int argc, const char **argv,
			  const char *group)
{
	char usage0[128], usage1[128];
	const char *usage[3] = { usage0, usage1, NULL };
	struct mlw_strlist files = MLW_STRLIST_INIT, sets = MLW_STRLIST_INIT;
	struct mlw_strlist owned = MLW_STRLIST_INIT;
	struct mlw_option opts[] = {
		MLW_OPT_LIST('f', "file", &files, "FILE",
			     "spec file to validate (repeatable)"),
		MLW_OPT_LIST(0, "set", &sets, "PATH=VALUE",
			     "override a field before validation "
			     "(repeatable; several may follow one --set)"),
		MLW_OPT_END()
	};
	struct mlw_spec_options sopts;
	struct mlw_out *o = NULL;
	const char **args;
	int i, n, status = 0, new_argc;

	if (group) {
		snprintf(usage0, sizeof(usage0), "mlw %s validate -f FILE "
			 "[-f FILE...] [--set PATH=VALUE...]", group);
		snprintf(usage1, sizeof(usage1), "mlw %s validate "
			 "[--set PATH=VALUE...] FILE...", group);
	} else {
		snprintf(usage0, sizeof(usage0), "mlw validate-spec "
			 "[--group GROUP] [--set PATH=VALUE...] FILE...");
		usage[1] = NULL;
	}
	args = cmd_spec_expand_set(argc, argv, &owned, &new_argc);
	n = cmd_parse(ctx, new_argc, args, opts, usage);
	for (i = 0; i < n; i++)
		mlw_strlist_push(&files, args[i]);
	if (!files.nr) {
		status = cmd_usage_error(usage, opts, "no spec file given "
					 "(use -f FILE)");
		goto out;
	}
	memset(&sopts, 0, sizeof(sopts));
	sopts.group = group;
	sopts.overrides = (const char *const *)sets.items;
	sopts.nr_overrides = sets.nr;
	sopts.asset_exists = asset_lookup;
	sopts.asset_data = ctx;
	if (ctx->format == MLW_FMT_JSON || ctx->format == MLW_FMT_YAML ||
	    ctx->query) {
		o = mlw_out_new();
		mlw_out_list_begin(o, NULL);
	}
	for (i = 0; i < (int)files.nr; i++) {
		struct mlw_spec *spec;
		struct mlw_pipeline *graph = NULL;
		size_t k, shown = 0;
		int ret = mlw_spec_load(&spec, files.items[i], &sopts);

		/* a pipeline's graph is checked as 'job create' checks it */
		if (!ret && !spec->diags.errors &&
		    (spec->kind == MLW_SPEC_PIPELINE_JOB ||
		     spec->kind == MLW_SPEC_PIPELINE_COMPONENT)) {
			ret = cmd_pipeline_check(ctx, spec, &graph);
			if (ret)
				mlw_spec_free(spec);
		}

		if (ret) {
			cmd_error("%s", mlw_error_last());
			if (!status || status == 3)
				status = mlw_error_exit_code(ret);
			if (o) {
				mlw_out_object_begin(o, NULL);
				mlw_out_str(o, "file", files.items[i]);
				mlw_out_null(o, "kind");
				mlw_out_bool(o, "valid", 0);
				mlw_out_list_begin(o, "errors");
				mlw_out_object_begin(o, NULL);
				mlw_out_str(o, "message", mlw_error_last());
				mlw_out_end(o);
				mlw_out_end(o);
				mlw_out_list_begin(o, "warnings");
				mlw_out_end(o);
				mlw_out_end(o);
			}
			continue;
		}
		for (k = 0; k < spec->diags.nr; k++) {
			const struct mlw_diag *x = &spec->diags.items[k];

			if (x->warning) {
				if (!ctx->quiet)
					print_diag(spec, x);
				continue;
			}
			if (shown++ < MAX_ERRORS_SHOWN)
				print_diag(spec, x);
		}
		if (shown > MAX_ERRORS_SHOWN)
			cmd_error("%s: %zu more errors not shown", spec->path,
				  shown - MAX_ERRORS_SHOWN);
		if (spec->diags.errors)
			status = 2;
		if (o) {
			mlw_out_object_begin(o, NULL);
			mlw_out_str(o, "file", spec->path);
			if (spec->kind)
				mlw_out_str(o, "kind",
					    mlw_spec_kind_info(spec->kind)->name);
			else
				mlw_out_null(o, "kind");
			mlw_out_bool(o, "valid", !spec->diags.errors);
			out_diags(o, "errors", spec, 0);
			out_diags(o, "warnings", spec, 1);
			mlw_out_end(o);
		} else if (!spec->diags.errors && !ctx->quiet &&
			   ctx->format != MLW_FMT_NONE) {
			printf("%s: valid %s\n", spec->path,
			       mlw_spec_kind_name(spec->kind));
		}
		mlw_spec_free(spec);
		mlw_pipeline_free(graph);
	}
	if (o) {
		int ret;

		mlw_out_end(o);
		ret = cmd_print(ctx, o, MLW_FMT_JSON);
		mlw_out_free(o);
		if (ret)
			status = ret;
	}
out:
	mlw_strlist_release(&files);
	mlw_strlist_release(&sets);
	mlw_strlist_release(&owned);
	free(args);
	return cmd_finish_stdout(status);
}

int cmd_spec_load(struct mlw_spec **out, struct mlw_ctx *ctx,
		  const char *path, const char *text, const char *group,
		  const struct mlw_strlist *overrides)
{
	struct mlw_spec_options sopts;
	struct mlw_spec *spec;
	size_t k, shown = 0;
	int ret;

	*out = NULL;
	memset(&sopts, 0, sizeof(sopts));
	sopts.group = group;
	sopts.overrides = (const char *const *)overrides->items;
	sopts.nr_overrides = overrides->nr;
	sopts.asset_exists = asset_lookup;
	sopts.asset_data = ctx;
	ret = text ? mlw_spec_load_mem(&spec, path, text, &sopts) :
	      mlw_spec_load(&spec, path, &sopts);
	if (ret)
		return cmd_fail(ret);
	for (k = 0; k < spec->diags.nr; k++) {
		const struct mlw_diag *x = &spec->diags.items[k];

		if (x->warning ? !ctx->quiet : shown++ < MAX_ERRORS_SHOWN)
			print_diag(spec, x);
	}
	if (shown > MAX_ERRORS_SHOWN)
		cmd_error("%s: %zu more errors not shown", spec->path,
			  shown - MAX_ERRORS_SHOWN);
	if (spec->diags.errors) {
		mlw_spec_free(spec);
		return 2;
	}
	*out = spec;
	return 0;
}

int cmd_spec_validate(struct mlw_ctx *ctx, int argc, const char **argv,
		      const char *group)
{
	return validate_files(ctx, argc, argv, group);
}

/*
 * 'mlw validate-spec [--group G] FILE...': plumbing that validates a spec
 * of any kind (or of group G), for scripts and for groups whose command
 * has no 'validate' verb yet.
 */
CMD(validate_spec)
{
	const char *group = NULL;
	int i;

	/* pull --group out; the rest is the common validate command line */
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--group") && i + 1 < argc) {
			group = argv[i + 1];
			memmove(argv + i, argv + i + 2,
				(size_t)(argc - i - 1) * sizeof(*argv));
			argc -= 2;
			break;
		}
		if (mlw_starts_with(argv[i], "--group=")) {
			group = argv[i] + 8;
			memmove(argv + i, argv + i + 1,
				(size_t)(argc - i) * sizeof(*argv));
			argc--;
			break;
		}
	}
	return validate_files(ctx, argc, argv, group);
}

/*
 * asset-common.c - verbs shared by 'mlw data', 'mlw model' and 'mlw env'
 * (create is asset-create.c's): each parses its options, calls one verb
 * of lib/asset/service.h and prints what it returns.
 *
 * az ml's spelling is kept: -n/--name, -v/--version (so -v is not
 * --verbose here), NAME@latest and NAME:VERSION, --archived-only,
 * --include-archived, --max-results/-r, --download-path.
 */
#include "asset-common.h"
#include "asset/document.h"
#include "asset/service.h"
#include "spec/ref.h"
#include "store/repo.h"
#include "util/alloc.h"
#include "util/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *asset_cmd_name(enum mlw_asset_kind kind)
{
	return mlw_asset_kind_info(kind)->command;
}

/* a usage line "mlw KIND VERB REST" in static storage */
static const char *const *usage_of(enum mlw_asset_kind kind, const char *verb,
				   const char *rest)
{
	static char line[256];
	static const char *usage[2] = { line, NULL };

	snprintf(line, sizeof(line), "mlw %s %s %s", asset_cmd_name(kind),
		 verb, rest);
	return usage;
}

static void warn_cb(const char *msg, void *data)
{
	cmd_warn(data, "%s", msg);
}

void asset_service_ctx(struct mlw_asset_ctx *s, char **line,
		       struct mlw_ctx *ctx, enum mlw_asset_kind kind)
{
	struct mlw_repo *repo = cmd_repo(ctx);

	memset(s, 0, sizeof(*s));
	s->cat = cmd_catalog(ctx);
	s->odb = cmd_odb(ctx);
	s->mlw_dir = repo->dir;
	s->worktree = repo->worktree;
	s->flags = MLW_ASSET_HOOKS | MLW_ASSET_STATCACHE;
	s->warn = warn_cb;
	s->data = ctx;
	s->log_command = asset_cmd_name(kind);
	s->log_args = *line = cmd_line(ctx);
}

/* one asset as a whole object (json, yaml, show), warnings printed */
static void out_asset(struct mlw_ctx *ctx, struct mlw_out *o,
		      const struct mlw_asset *a)
{
	/* a table cell holds one line: say what the flavors are in words */
	int summaries = !ctx->query && (ctx->format == MLW_FMT_TABLE ||
					ctx->format == MLW_FMT_TSV);
	char *warning;

	mlw_asset_document(o, a, a->conda_file ? cmd_odb(ctx) : NULL,
			   summaries ? MLW_ASSET_DOC_SUMMARY : 0, &warning);
	if (warning)
		cmd_warn(ctx, "%s", warning);
	free(warning);
}

int asset_print(struct mlw_ctx *ctx, const struct mlw_asset *a)
{
	struct mlw_out *o = mlw_out_new();
	int ret;

	out_asset(ctx, o, a);
	ret = cmd_print(ctx, o, MLW_FMT_JSON);
	mlw_out_free(o);
	return cmd_finish_stdout(ret);
}

int asset_validate(struct mlw_ctx *ctx, enum mlw_asset_kind kind, int argc,
		   const char **argv)
{
	return cmd_spec_validate(ctx, argc, argv, asset_cmd_name(kind));
}

/*
 * The asset a verb names: an operand (NAME, NAME:VERSION, NAME@LABEL,
 * azureml:..., an ARM id), or -n NAME with -v VERSION or -l LABEL, as a
 * reference for the service.  verb, when not NULL, takes no NAME@LABEL
 * operand (archive and restore: NAME is every version).  Exit status, 0
 * when it names one.
 */
static int target(struct mlw_ref *ref, int argc, const char **argv,
		  const char *opt_name, const char *opt_version,
		  const char *label, const char *verb,
		  const char *const *usage, const struct mlw_option *opts)
{
	struct mlw_ref zero = MLW_REF_INIT;
	int ret = 0;

	*ref = zero;
	if (argc > 1 || (argc == 1 && opt_name))
		return cmd_usage_error(usage, opts,
				       "name one asset: NAME[@latest|:VERSION] or -n NAME [-v VERSION]");
	if (argc == 1) {
		if (mlw_ref_parse_operand(ref, argv[0]) < 0)
			cmd_error("%s", mlw_error_last());
		else if (verb && ref->label)
			cmd_error("%s takes NAME or NAME:VERSION, not @%s",
				  verb, ref->label);
		/* as written, a label the store never has is a usage error */
		else if (ref->label && strcmp(ref->label, "latest"))
			cmd_error("'%s': the only label is @latest", argv[0]);
		else
			ret = -1;
		if (!ret) {
			mlw_ref_release(ref);
			return 2;
		}
		ret = 0;
	} else if (opt_name) {
		if (!mlw_asset_name_ok(opt_name)) {
			cmd_error("invalid name '%s'", opt_name);
			return 2;
		}
		ref->kind = MLW_REF_ASSET;
		ref->name = mlw_strdup(opt_name);
	} else {
		return cmd_usage_error(usage, opts, "which asset? give NAME or -n NAME");
	}
	if (opt_version && ref->version && strcmp(ref->version, opt_version))
		ret = cmd_usage_error(usage, opts, "two different versions given");
	else if (opt_version && !ref->version)
		ref->version = mlw_strdup(opt_version);
	/* --label LABEL, as az takes it on show, archive and restore */
	if (!ret && label && ref->version)
		ret = cmd_usage_error(usage, opts, "give a version or --label, "
				      "not both");
	else if (!ret && label && ref->label && strcmp(ref->label, label))
		ret = cmd_usage_error(usage, opts, "two different labels given");
	else if (!ret && label && !ref->label)
		ref->label = mlw_strdup(label);
	if (ret)
		mlw_ref_release(ref);
	return ret;
}

struct list_state {
	struct mlw_ctx *ctx;
	struct mlw_out *o;
	int full;
};

static int list_cb(const struct mlw_asset *a, void *data)
{
	struct list_state *s = data;

	if (s->full)
		out_asset(s->ctx, s->o, a);
	else
		mlw_asset_row(s->o, a);
	return 0;
}

int asset_list(struct mlw_ctx *ctx, enum mlw_asset_kind kind, int argc,
	       const char **argv)
{
	const char *const *usage = usage_of(kind, "list",
		"[-n NAME] [--include-archived | --archived-only] [-r N]");
	struct mlw_asset_query q = { kind, NULL, 0, 0 };
	int archived_only = 0, include_archived = 0, ret;
	struct mlw_option opts[] = {
		MLW_OPT_STRING('n', "name", &q.name, "NAME",
			       "list every version of NAME"),
		MLW_OPT_BOOL(0, "include-archived", &include_archived,
			     "list archived assets too"),
		MLW_OPT_BOOL(0, "archived-only", &archived_only,
			     "list archived assets only"),
		MLW_OPT_INT('r', "max-results", &q.max, "N",
			    "list at most N assets"),
		MLW_OPT_END()
	};
	struct mlw_asset_ctx s;
	struct list_state ls;
	enum mlw_format fmt;
	char *line;

	argc = cmd_parse(ctx, argc, argv, opts, usage);
	if (argc)
		return cmd_usage_error(usage, opts, "list takes no operands (use -n NAME)");
	if (archived_only && include_archived)
		return cmd_usage_error(usage, opts,
				       "--archived-only and --include-archived exclude each other");
	if (q.max < 0)
		return cmd_usage_error(usage, opts, "--max-results must be positive");
	q.flags = archived_only ? MLW_ASSET_LIST_ARCHIVED_ONLY :
		  include_archived ? MLW_ASSET_LIST_INCLUDE_ARCHIVED : 0;
	fmt = ctx->format ? ctx->format : MLW_FMT_TABLE;
	ls.ctx = ctx;
	ls.o = cmd_out_list(ctx, MLW_FMT_TABLE);
	/* --query selects from the documents, as az's does */
	ls.full = fmt == MLW_FMT_JSON || fmt == MLW_FMT_YAML || ctx->query;
	mlw_out_list_begin(ls.o, NULL);
	asset_service_ctx(&s, &line, ctx, kind);
	ret = mlw_asset_list(&s, &q, list_cb, &ls);
	free(line);
	mlw_out_end(ls.o);
	if (ret) {
		mlw_out_free(ls.o);
		return cmd_fail(ret);
	}
	ret = cmd_print(ctx, ls.o, MLW_FMT_TABLE);
	mlw_out_free(ls.o);
	return cmd_finish_stdout(ret);
}

int asset_show(struct mlw_ctx *ctx, enum mlw_asset_kind kind, int argc,
	       const char **argv)
{
	const char *const *usage = usage_of(kind, "show",
		kind == MLW_ASSET_DATA ?
		"(NAME[@latest|:VERSION] | -n NAME [-v VERSION | -l latest]) [--preview[=N]]" :
		"(NAME[@latest|:VERSION] | -n NAME [-v VERSION | -l latest])");
	const char *opt_name = NULL, *opt_version = NULL, *preview = NULL;
	const char *label = NULL;
	struct mlw_option data_opts[] = {
		MLW_OPT_STRING('n', "name", &opt_name, "NAME", "the asset"),
		MLW_OPT_STRING('v', "version", &opt_version, "VERSION",
			       "the version (default: the latest)"),
		MLW_OPT_STRING('l', "label", &label, "LABEL",
			       "the version with this label: latest"),
		MLW_OPT_STRING_F(0, "preview", &preview, "N",
				 "print the first N rows (10) as the trainers see them",
				 MLW_OPT_OPTARG),
		MLW_OPT_END()
	};
	struct mlw_option *opts = data_opts;
	struct mlw_asset_ctx s;
	struct mlw_asset *a;
	struct mlw_ref ref;
	int64_t rows = 10;
	char *line;
	int ret;

	/* --preview reads tables: data assets only */
	if (kind != MLW_ASSET_DATA)
		data_opts[3] = data_opts[4];
	argc = cmd_parse(ctx, argc, argv, opts, usage);
	/* "--preview 5" as the issue writes it: the count after the flag */
	if (preview && !*preview && argc == 2 &&
	    !mlw_parse_i64(&rows, argv[1], "--preview")) {
		preview = argv[1];
		argc = 1;
	}
	ret = target(&ref, argc, argv, opt_name, opt_version, label, NULL,
		     usage, opts);
	if (ret)
		return ret;
	if (preview && *preview && mlw_parse_i64(&rows, preview, "--preview")) {
		mlw_ref_release(&ref);
		return cmd_usage_error(usage, opts, "%s", mlw_error_last());
	}
	asset_service_ctx(&s, &line, ctx, kind);
	ret = mlw_asset_show(&a, &s, kind, &ref);
	mlw_ref_release(&ref);
	free(line);
	if (ret)
		return cmd_fail(ret);
	if (preview) {
		char *text = mlw_xstrfmt("azureml:%s:%s", a->name,
					 a->version);

		ret = cmd_data_preview(ctx, text, (long)rows);
		free(text);
	} else {
		ret = asset_print(ctx, a);
	}
	mlw_asset_free(a);
	return ret;
}

int asset_update(struct mlw_ctx *ctx, enum mlw_asset_kind kind, int argc,
		 const char **argv)
{
	const char *const *usage = usage_of(kind, "update",
		"(NAME[@latest|:VERSION] | -n NAME [-v VERSION]) [-d TEXT] [--tags K=V] [--set PATH=VALUE] [--remove tags.KEY]");
	const char *opt_name = NULL, *opt_version = NULL, *description = NULL;
	struct mlw_strlist tag_args = MLW_STRLIST_INIT, sets = MLW_STRLIST_INIT;
	struct mlw_strlist removes = MLW_STRLIST_INIT;
	struct mlw_asset_changes ch = MLW_ASSET_CHANGES_INIT;
	struct mlw_option opts[] = {
		MLW_OPT_STRING('n', "name", &opt_name, "NAME", "the asset"),
		MLW_OPT_STRING('v', "version", &opt_version, "VERSION",
			       "the version (default: the latest)"),
		MLW_OPT_STRING('d', "description", &description, "TEXT",
			       "replace the description"),
		MLW_OPT_LIST(0, "tags", &tag_args, "KEY=VALUE",
			     "add or replace a tag (repeatable)"),
		MLW_OPT_LIST(0, "set", &sets, "PATH=VALUE",
			     "description=TEXT, tags.KEY=VALUE or (models) stage=STAGE"),
		MLW_OPT_LIST(0, "remove", &removes, "tags.KEY",
			     "remove a tag (repeatable)"),
		MLW_OPT_END()
	};
	struct mlw_asset_ctx s;
	struct mlw_asset *a = NULL;
	struct mlw_ref ref = MLW_REF_INIT;
	char *line;
	size_t i;
	int ret;

	argc = cmd_parse(ctx, argc, argv, opts, usage);
	ret = target(&ref, argc, argv, opt_name, opt_version, NULL, NULL,
		     usage, opts);
	if (!ret && description)
		ch.description = mlw_strdup(description);
	if (!ret)
		ret = mlw_asset_kvs_parse_list(&ch.set_tags, &tag_args, "tag");
	for (i = 0; !ret && i < sets.nr; i++)
		ret = mlw_asset_changes_set(&ch, kind, sets.items[i]);
	for (i = 0; !ret && i < removes.nr; i++)
		ret = mlw_asset_changes_remove(&ch, removes.items[i]);
	if (ret < 0) {
		cmd_error("%s", mlw_error_last());
		ret = 2;
	}
	if (!ret && mlw_asset_changes_empty(&ch))
		ret = cmd_usage_error(usage, opts,
				      "nothing to update: give --description, --tags, --set or --remove");
	if (!ret) {
		asset_service_ctx(&s, &line, ctx, kind);
		ret = mlw_asset_update(&a, &s, kind, &ref, &ch);
		free(line);
		ret = ret ? cmd_fail(ret) : asset_print(ctx, a);
	}
	mlw_asset_free(a);
	mlw_asset_changes_release(&ch);
	mlw_strlist_release(&tag_args);
	mlw_strlist_release(&sets);
	mlw_strlist_release(&removes);
	mlw_ref_release(&ref);
	return ret;
}

int asset_archive(struct mlw_ctx *ctx, enum mlw_asset_kind kind, int argc,
		  const char **argv, int archived)
{
	const char *verb = archived ? "archive" : "restore";
	const char *const *usage = usage_of(kind, verb,
		"(NAME[:VERSION] | -n NAME [-v VERSION | -l latest])");
	const char *opt_name = NULL, *opt_version = NULL, *label = NULL;
	struct mlw_option opts[] = {
		MLW_OPT_STRING('n', "name", &opt_name, "NAME", "the asset"),
		MLW_OPT_STRING('v', "version", &opt_version, "VERSION",
			       "only this version (default: every version)"),
		MLW_OPT_STRING('l', "label", &label, "LABEL",
			       "only the version with this label: latest"),
		MLW_OPT_END()
	};
	struct mlw_asset_ctx s;
	struct mlw_ref ref;
	char *line;
	int ret;

	argc = cmd_parse(ctx, argc, argv, opts, usage);
	ret = target(&ref, argc, argv, opt_name, opt_version, label, verb,
		     usage, opts);
	if (ret)
		return ret;
	asset_service_ctx(&s, &line, ctx, kind);
	ret = mlw_asset_archive(&s, kind, &ref, archived);
	free(line);
	mlw_ref_release(&ref);
	return ret ? cmd_fail(ret) : 0;
}

int asset_download(struct mlw_ctx *ctx, enum mlw_asset_kind kind, int argc,
		   const char **argv)
{
	const char *const *usage = usage_of(kind, "download",
		"(NAME[@latest|:VERSION] | -n NAME [-v VERSION]) [-p DIR]");
	const char *opt_name = NULL, *opt_version = NULL, *dir = ".";
	struct mlw_option opts[] = {
		MLW_OPT_STRING('n', "name", &opt_name, "NAME", "the asset"),
		MLW_OPT_STRING('v', "version", &opt_version, "VERSION",
			       "the version (default: the latest)"),
		MLW_OPT_STRING('p', "download-path", &dir, "DIR",
			       "restore into DIR/NAME (default: .)"),
		MLW_OPT_END()
	};
	struct mlw_asset_ctx s;
	struct mlw_ref ref;
	char *path, *line;
	int ret;

	argc = cmd_parse(ctx, argc, argv, opts, usage);
	ret = target(&ref, argc, argv, opt_name, opt_version, NULL, NULL,
		     usage, opts);
	if (ret)
		return ret;
	asset_service_ctx(&s, &line, ctx, kind);
	ret = mlw_asset_download(&path, &s, kind, &ref, dir);
	free(line);
	mlw_ref_release(&ref);
	if (ret)
		return cmd_fail(ret);
	if (ctx->format) {
		struct mlw_out *o = mlw_out_new();

		mlw_out_object_begin(o, NULL);
		mlw_out_str(o, "path", path);
		mlw_out_end(o);
		ret = cmd_print(ctx, o, MLW_FMT_JSON);
		mlw_out_free(o);
	} else {
		printf("%s\n", path);
	}
	free(path);
	return cmd_finish_stdout(ret);
}

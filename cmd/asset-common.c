/*
 * asset-common.c - verbs shared by 'mlw data', 'mlw model' and 'mlw env'.
 *
 * az ml's spelling is kept: -n/--name, -v/--version (so -v is not
 * --verbose here), NAME@latest and NAME:VERSION, --archived-only,
 * --include-archived, --max-results/-r, --download-path.
 */
#include "asset-common.h"
#include "asset/hook.h"
#include "store/catalog.h"
#include "store/repo.h"
#include "store/statcache.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/strutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *asset_cmd_name(enum mlw_asset_kind kind)
{
	return kind == MLW_ASSET_ENVIRONMENT ? "env" : mlw_asset_kind_name(kind);
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

static void out_kvs(struct mlw_out *o, const char *key,
		    const struct mlw_asset_kvs *kvs)
{
	size_t i;

	mlw_out_object_begin(o, key);
	for (i = 0; i < kvs->nr; i++)
		mlw_out_str(o, kvs->items[i].key, kvs->items[i].value);
	mlw_out_end(o);
}

static void out_opt(struct mlw_out *o, const char *key, const char *value)
{
	if (value)
		mlw_out_str(o, key, value);
	else
		mlw_out_null(o, key);
}

/* the conda file's text, or NULL when there is none or it is unreadable */
static char *conda_text(struct mlw_ctx *ctx, const struct mlw_asset *a)
{
	struct mlw_buf b = MLW_BUF_INIT;
	enum mlw_object_type type;
	struct mlw_oid oid;

	if (!a->conda_file || mlw_oid_from_hex(&oid, a->conda_file) ||
	    mlw_odb_read_buf(&b, &type, cmd_odb(ctx), &oid, 16u << 20)) {
		if (a->conda_file)
			cmd_warn(ctx, "cannot read the conda file of '%s:%s': %s",
				  a->name, a->version, mlw_error_last());
		mlw_buf_release(&b);
		return NULL;
	}
	return mlw_buf_detach(&b, NULL);
}

/* one asset as a whole object (json, yaml, show) */
static void out_asset(struct mlw_ctx *ctx, struct mlw_out *o,
		      const struct mlw_asset *a)
{
	mlw_out_object_begin(o, NULL);
	mlw_out_str(o, "name", a->name);
	mlw_out_str(o, "version", a->version);
	if (a->kind != MLW_ASSET_ENVIRONMENT) {
		mlw_out_str(o, "type", a->type);
		out_opt(o, "path", a->reference ? a->reference : a->path);
		out_opt(o, "object", a->object);
		out_opt(o, "reference", a->reference);
	}
	out_opt(o, "description", a->description);
	out_kvs(o, "tags", &a->tags);
	if (a->kind == MLW_ASSET_MODEL) {
		out_kvs(o, "properties", &a->properties);
		out_opt(o, "stage", a->stage);
		out_opt(o, "job_name", a->job_name);
		out_opt(o, "flavors", a->flavors);
	}
	if (a->kind == MLW_ASSET_ENVIRONMENT) {
		char *conda = conda_text(ctx, a);

		out_opt(o, "image", a->image);
		out_opt(o, "conda_file", conda);
		out_opt(o, "conda_file_object", a->conda_file);
		out_opt(o, "build_context", a->build_context);
		out_opt(o, "build_context_path", a->build_context ? a->path :
			NULL);
		out_opt(o, "dockerfile_path", a->dockerfile_path);
		free(conda);
	}
	mlw_out_bool(o, "archived", a->archived);
	mlw_out_time(o, "created", a->created);
	mlw_out_time(o, "updated", a->updated);
	mlw_out_end(o);
}

/* one asset as a row of a table or of tsv */
static void out_row(struct mlw_out *o, const struct mlw_asset *a)
{
	mlw_out_object_begin(o, NULL);
	mlw_out_str(o, "name", a->name);
	mlw_out_str(o, "version", a->version);
	if (a->kind == MLW_ASSET_ENVIRONMENT) {
		mlw_out_str(o, "image", a->image ? a->image : "(build)");
	} else {
		mlw_out_str(o, "type", a->type);
		if (a->kind == MLW_ASSET_MODEL)
			mlw_out_str(o, "stage", a->stage ? a->stage : "");
	}
	mlw_out_time(o, "created", a->created);
	if (a->archived)
		mlw_out_str(o, "archived", "yes");
	mlw_out_str(o, "description", a->description ? a->description : "");
	mlw_out_end(o);
}

static int print_asset(struct mlw_ctx *ctx, const struct mlw_asset *a)
{
	struct mlw_out *o = mlw_out_new();
	int ret;

	out_asset(ctx, o, a);
	ret = cmd_print(ctx, o, MLW_FMT_JSON);
	mlw_out_free(o);
	return cmd_finish_stdout(ret);
}

int asset_parse_kvs(struct mlw_asset_kvs *kvs, const struct mlw_strlist *l,
		    const char *what)
{
	size_t i;

	for (i = 0; i < l->nr; i++)
		if (mlw_asset_kvs_parse(kvs, l->items[i], what) < 0) {
			cmd_error("%s", mlw_error_last());
			return 2;
		}
	return 0;
}

static void warn_cb(const char *msg, void *data)
{
	cmd_warn(data, "%s", msg);
}

/* run the model-registered hook; a failure is a warning, never undone */
static void model_registered(struct mlw_ctx *ctx, const struct mlw_asset *a)
{
	struct mlw_repo *repo = cmd_repo(ctx);
	char *payload = mlw_asset_event_payload(a);
	int ran, ret;

	ret = mlw_hook_run(&ran, repo->dir, repo->worktree, "model-registered",
			   payload);
	if (ret) {
		char msg[1024];

		/* a hook failing says nothing about the registration */
		snprintf(msg, sizeof(msg), "%s", mlw_error_last());
		fprintf(stderr, "mlw: warning: %s; model '%s' version '%s' stays registered\n",
			msg, a->name, a->version);
	}
	free(payload);
}

int asset_create(struct mlw_ctx *ctx, struct mlw_asset_spec *spec)
{
	struct mlw_repo *repo = cmd_repo(ctx);
	struct mlw_asset_content content;
	struct mlw_statcache *cache = NULL;
	struct mlw_asset *a = NULL;
	struct mlw_catalog *cat;
	char *cache_path, *line;
	int ret, existed = 0;

	cache_path = mlw_repo_path(repo, "statcache");
	mlw_statcache_open(&cache, cache_path);
	free(cache_path);
	/* objects first, durable before the catalog names them */
	ret = mlw_asset_snapshot(&content, cmd_odb(ctx), cache, spec, warn_cb,
				 ctx);
	if (!ret) {
		/* only a hint: failing to save it fails nothing */
		if (mlw_statcache_save(cache))
			cmd_warn(ctx, "%s", mlw_error_last());
		if (ctx->verbose)
			fprintf(stderr, "mlw: %llu files, %llu bytes: %llu hashed, %llu unchanged (stat cache)\n",
				(unsigned long long)content.nr_files,
				(unsigned long long)content.size,
				(unsigned long long)content.nr_hashed,
				(unsigned long long)content.nr_cached);
	}
	mlw_statcache_free(cache);
	if (ret)
		return cmd_fail(ret);
	cat = cmd_catalog(ctx);
	line = cmd_line(ctx);
	ret = mlw_catalog_begin(cat);
	if (!ret)
		ret = mlw_asset_register(&a, &existed, cat, spec, &content);
	if (!ret)
		ret = mlw_catalog_log(cat, asset_cmd_name(spec->kind), line);
	if (!ret)
		ret = mlw_catalog_commit(cat);
	else
		mlw_catalog_rollback(cat);
	free(line);
	mlw_asset_content_release(&content);
	if (ret) {
		mlw_asset_free(a);
		return cmd_fail(ret);
	}
	if (existed && !ctx->quiet)
		fprintf(stderr, "mlw: %s '%s' version '%s' already exists with this content\n",
			mlw_asset_kind_name(spec->kind), a->name, a->version);
	if (!existed && spec->kind == MLW_ASSET_MODEL)
		model_registered(ctx, a);
	ret = print_asset(ctx, a);
	mlw_asset_free(a);
	return ret;
}

/*
 * The asset a verb names: an operand NAME, NAME@latest or NAME:VERSION,
 * or -n NAME with -v VERSION.  Exit status, 0 when found.
 */
static int target(char **name, char **version, int argc, const char **argv,
		  const char *opt_name, const char *opt_version,
		  const char *const *usage, const struct mlw_option *opts)
{
	*name = *version = NULL;
	if (argc > 1 || (argc == 1 && opt_name))
		return cmd_usage_error(usage, opts,
				       "name one asset: NAME[@latest|:VERSION] or -n NAME [-v VERSION]");
	if (argc == 1) {
		if (mlw_asset_ref_parse(name, version, argv[0]) < 0) {
			cmd_error("%s", mlw_error_last());
			return 2;
		}
	} else if (opt_name) {
		if (!mlw_asset_name_ok(opt_name)) {
			cmd_error("invalid name '%s'", opt_name);
			return 2;
		}
		*name = mlw_strdup(opt_name);
	} else {
		return cmd_usage_error(usage, opts, "which asset? give NAME or -n NAME");
	}
	if (opt_version) {
		if (*version && strcmp(*version, opt_version)) {
			free(*name);
			free(*version);
			*name = *version = NULL;
			return cmd_usage_error(usage, opts,
					       "two different versions given");
		}
		free(*version);
		*version = mlw_strdup(opt_version);
	}
	return 0;
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
		out_row(s->o, a);
	return 0;
}

int asset_list(struct mlw_ctx *ctx, enum mlw_asset_kind kind, int argc,
	       const char **argv)
{
	const char *const *usage = usage_of(kind, "list",
		"[-n NAME] [--include-archived | --archived-only] [-r N]");
	const char *name = NULL;
	int archived_only = 0, include_archived = 0, flags = 0, ret;
	int64_t max = 0;
	struct mlw_option opts[] = {
		MLW_OPT_STRING('n', "name", &name, "NAME",
			       "list every version of NAME"),
		MLW_OPT_BOOL(0, "include-archived", &include_archived,
			     "list archived assets too"),
		MLW_OPT_BOOL(0, "archived-only", &archived_only,
			     "list archived assets only"),
		MLW_OPT_INT('r', "max-results", &max, "N",
			    "list at most N assets"),
		MLW_OPT_END()
	};
	struct list_state s;
	enum mlw_format fmt;

	argc = cmd_parse(ctx, argc, argv, opts, usage);
	if (argc)
		return cmd_usage_error(usage, opts, "list takes no operands (use -n NAME)");
	if (archived_only && include_archived)
		return cmd_usage_error(usage, opts,
				       "--archived-only and --include-archived exclude each other");
	if (max < 0)
		return cmd_usage_error(usage, opts, "--max-results must be positive");
	if (name && !mlw_asset_name_ok(name)) {
		cmd_error("invalid name '%s'", name);
		return 2;
	}
	flags = archived_only ? MLW_ASSET_LIST_ARCHIVED_ONLY :
		include_archived ? MLW_ASSET_LIST_INCLUDE_ARCHIVED : 0;
	fmt = ctx->format ? ctx->format : MLW_FMT_TABLE;
	s.ctx = ctx;
	s.o = mlw_out_new();
	s.full = fmt == MLW_FMT_JSON || fmt == MLW_FMT_YAML;
	mlw_out_list_begin(s.o, NULL);
	ret = mlw_asset_list(cmd_catalog(ctx), kind, name, flags, max, list_cb,
			     &s);
	mlw_out_end(s.o);
	if (ret) {
		mlw_out_free(s.o);
		return cmd_fail(ret);
	}
	ret = cmd_print(ctx, s.o, MLW_FMT_TABLE);
	mlw_out_free(s.o);
	return cmd_finish_stdout(ret);
}

int asset_show(struct mlw_ctx *ctx, enum mlw_asset_kind kind, int argc,
	       const char **argv)
{
	const char *const *usage = usage_of(kind, "show",
		"(NAME[@latest|:VERSION] | -n NAME [-v VERSION])");
	const char *opt_name = NULL, *opt_version = NULL;
	struct mlw_option opts[] = {
		MLW_OPT_STRING('n', "name", &opt_name, "NAME", "the asset"),
		MLW_OPT_STRING('v', "version", &opt_version, "VERSION",
			       "the version (default: the latest)"),
		MLW_OPT_END()
	};
	struct mlw_asset *a;
	char *name, *version;
	int ret;

	argc = cmd_parse(ctx, argc, argv, opts, usage);
	ret = target(&name, &version, argc, argv, opt_name, opt_version,
		     usage, opts);
	if (ret)
		return ret;
	ret = mlw_asset_get(&a, cmd_catalog(ctx), kind, name, version);
	free(name);
	free(version);
	if (ret)
		return cmd_fail(ret);
	ret = print_asset(ctx, a);
	mlw_asset_free(a);
	return ret;
}

/* --set description=X, --set tags.K=V, --set stage=S (models) */
static int apply_set(const char **description, const char **stage,
		     struct mlw_asset_kvs *tags, enum mlw_asset_kind kind,
		     const char *arg)
{
	const char *eq = strchr(arg, '=');
	size_t klen = eq ? (size_t)(eq - arg) : 0;

	if (!eq)
		goto bad;
	if (klen == strlen("description") && !strncmp(arg, "description", klen)) {
		*description = eq + 1;
		return 0;
	}
	if (kind == MLW_ASSET_MODEL && klen == strlen("stage") &&
	    !strncmp(arg, "stage", klen)) {
		*stage = eq + 1;
		return 0;
	}
	if (mlw_starts_with(arg, "tags.") && klen > strlen("tags.")) {
		char *key = mlw_strndup(arg + 5, klen - 5);

		mlw_asset_kvs_set(tags, key, eq + 1);
		free(key);
		return 0;
	}
bad:
	cmd_error("cannot --set '%s': only description=TEXT, tags.KEY=VALUE%s change after creation (content is immutable)",
		  arg, kind == MLW_ASSET_MODEL ? " and stage=STAGE" : "");
	return 2;
}

int asset_update(struct mlw_ctx *ctx, enum mlw_asset_kind kind, int argc,
		 const char **argv)
{
	const char *const *usage = usage_of(kind, "update",
		"(NAME[@latest|:VERSION] | -n NAME [-v VERSION]) [-d TEXT] [--tags K=V] [--set PATH=VALUE] [--remove tags.KEY]");
	const char *opt_name = NULL, *opt_version = NULL;
	const char *description = NULL, *stage = NULL;
	struct mlw_strlist tag_args = MLW_STRLIST_INIT, sets = MLW_STRLIST_INIT;
	struct mlw_strlist removes = MLW_STRLIST_INIT, remove_tags = MLW_STRLIST_INIT;
	struct mlw_asset_kvs tags = MLW_ASSET_KVS_INIT;
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
	struct mlw_catalog *cat;
	struct mlw_asset *a = NULL;
	char *name = NULL, *version = NULL, *line;
	size_t i;
	int ret;

	argc = cmd_parse(ctx, argc, argv, opts, usage);
	ret = target(&name, &version, argc, argv, opt_name, opt_version,
		     usage, opts);
	if (!ret)
		ret = asset_parse_kvs(&tags, &tag_args, "tag");
	for (i = 0; !ret && i < sets.nr; i++)
		ret = apply_set(&description, &stage, &tags, kind,
				sets.items[i]);
	for (i = 0; !ret && i < removes.nr; i++) {
		if (!mlw_starts_with(removes.items[i], "tags.") ||
		    !removes.items[i][5]) {
			cmd_error("cannot --remove '%s': only tags.KEY can be removed",
				  removes.items[i]);
			ret = 2;
		} else {
			mlw_strlist_push(&remove_tags, removes.items[i] + 5);
		}
	}
	if (!ret && !description && !stage && !tags.nr && !remove_tags.nr)
		ret = cmd_usage_error(usage, opts,
				      "nothing to update: give --description, --tags, --set or --remove");
	if (!ret) {
		cat = cmd_catalog(ctx);
		line = cmd_line(ctx);
		ret = mlw_catalog_begin(cat);
		if (!ret)
			ret = mlw_asset_update(&a, cat, kind, name, version,
					       description, &tags, &remove_tags,
					       stage);
		if (!ret)
			ret = mlw_catalog_log(cat, asset_cmd_name(kind), line);
		if (!ret)
			ret = mlw_catalog_commit(cat);
		else
			mlw_catalog_rollback(cat);
		free(line);
		ret = ret ? cmd_fail(ret) : print_asset(ctx, a);
	}
	mlw_asset_free(a);
	mlw_asset_kvs_release(&tags);
	mlw_strlist_release(&tag_args);
	mlw_strlist_release(&sets);
	mlw_strlist_release(&removes);
	mlw_strlist_release(&remove_tags);
	free(name);
	free(version);
	return ret;
}

int asset_archive(struct mlw_ctx *ctx, enum mlw_asset_kind kind, int argc,
		  const char **argv, int archived)
{
	const char *const *usage = usage_of(kind, archived ? "archive" : "restore",
		"(NAME[:VERSION] | -n NAME [-v VERSION])");
	const char *opt_name = NULL, *opt_version = NULL;
	struct mlw_option opts[] = {
		MLW_OPT_STRING('n', "name", &opt_name, "NAME", "the asset"),
		MLW_OPT_STRING('v', "version", &opt_version, "VERSION",
			       "only this version (default: every version)"),
		MLW_OPT_END()
	};
	struct mlw_catalog *cat;
	char *name, *version, *line;
	int ret;

	argc = cmd_parse(ctx, argc, argv, opts, usage);
	if (argc == 1 && strstr(argv[0], "@latest")) {
		cmd_error("%s takes NAME or NAME:VERSION, not @latest",
			  archived ? "archive" : "restore");
		return 2;
	}
	ret = target(&name, &version, argc, argv, opt_name, opt_version,
		     usage, opts);
	if (ret)
		return ret;
	cat = cmd_catalog(ctx);
	line = cmd_line(ctx);
	ret = mlw_catalog_begin(cat);
	if (!ret)
		ret = mlw_asset_set_archived(cat, kind, name, version, archived);
	if (!ret)
		ret = mlw_catalog_log(cat, asset_cmd_name(kind), line);
	if (!ret)
		ret = mlw_catalog_commit(cat);
	else
		mlw_catalog_rollback(cat);
	free(line);
	free(name);
	free(version);
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
	struct mlw_asset *a;
	char *name, *version, *path;
	int ret;

	argc = cmd_parse(ctx, argc, argv, opts, usage);
	ret = target(&name, &version, argc, argv, opt_name, opt_version,
		     usage, opts);
	if (ret)
		return ret;
	ret = mlw_asset_get(&a, cmd_catalog(ctx), kind, name, version);
	free(name);
	free(version);
	if (ret)
		return cmd_fail(ret);
	ret = mlw_asset_download(&path, cmd_odb(ctx), a, dir);
	mlw_asset_free(a);
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

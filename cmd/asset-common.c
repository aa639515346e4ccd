/*
 * asset-common.c - verbs shared by 'mlw data', 'mlw model' and 'mlw env'.
 *
 * az ml's spelling is kept: -n/--name, -v/--version (so -v is not
 * --verbose here), NAME@latest and NAME:VERSION, --archived-only,
 * --include-archived, --max-results/-r, --download-path.
 */
#include "asset-common.h"
#include "asset/document.h"
#include "asset/from-spec.h"
#include "util/hook.h"
#include "run/resolve.h"
#include "spec/ref.h"
#include "spec/spec.h"
#include "store/catalog.h"
#include "store/odb.h"
#include "store/tree.h"
#include "store/repo.h"
#include "store/statcache.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/strutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
		cmd_message("warning", "%s; model '%s' version '%s' stays registered",
			    msg, a->name, a->version);
	}
	free(payload);
}

/*
 * The field of a spec an error about the content is about, so that the
 * message says where in the file it was given.
 */
static const struct mlw_yaml_node *field_of_error(const struct mlw_spec *from,
						  enum mlw_asset_kind kind,
						  const char *msg)
{
	const struct mlw_yaml_node *n = NULL;

	if (kind != MLW_ASSET_ENVIRONMENT)
		n = mlw_spec_get(from, "path");
	else if (strstr(msg, "conda file"))
		n = mlw_spec_get(from, "conda_file");
	else if (strstr(msg, "dockerfile path"))
		n = mlw_spec_get(from, "build.dockerfile_path");
	else if (strstr(msg, "build context"))
		n = mlw_spec_get(from, "build.path");
	else if (strstr(msg, "image"))
		n = mlw_spec_get(from, "image");
	return n ? n : from->doc->root;
}

static int checkout_blob(struct mlw_odb *odb, const struct mlw_oid *oid,
			 const char *path)
{
	struct mlw_odb_reader *r;
	char buf[65536];
	long n;
	int fd, ret = mlw_odb_reader_open(&r, odb, oid);

	if (ret)
		return ret;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0) {
		mlw_odb_reader_free(r);
		return mlw_error_errno("cannot create '%s'", path);
	}
	while ((n = mlw_odb_read(r, buf, sizeof(buf))) > 0)
		if (mlw_write_all(fd, buf, (size_t)n) < 0) {
			n = mlw_error_errno("cannot write '%s'", path);
			break;
		}
	mlw_odb_reader_free(r);
	if (close(fd) < 0 && n >= 0)
		n = mlw_error_errno("cannot write '%s'", path);
	return n < 0 ? (int)n : 0;
}

/*
 * When spec->path names a job output, restore that output into a scratch
 * folder under .mlw/tmp and point spec->path at it; *job_path keeps the
 * original text and spec->job_name the run, for lineage.  Returns an exit
 * status (0 when there is nothing to do or it worked).
 */
static int job_output_checkout(struct mlw_ctx *ctx, struct mlw_asset_spec *spec,
			       char **job_path, char **job_dir)
{
	struct mlw_ref ref = MLW_REF_INIT;
	struct mlw_oid oid;
	char *type = NULL, *file_name = NULL, *tmp, *dir;
	int ret;

	*job_path = *job_dir = NULL;
	if (!spec->path || (!mlw_starts_with(spec->path, "azureml:jobs/") &&
			    !mlw_starts_with(spec->path, "azureml://jobs/")))
		return 0;
	ret = mlw_ref_parse(&ref, spec->path, NULL);
	if (!ret && ref.kind != MLW_REF_JOB_OUTPUT)
		ret = mlw_error_setc(MLW_EINVALID,
				     "'%s' is not azureml:jobs/JOB/outputs/NAME",
				     spec->path);
	if (!ret)
		ret = mlw_run_resolve_asset(&oid, &type, &file_name, &ref,
					    cmd_catalog(ctx));
	if (ret) {
		mlw_ref_release(&ref);
		return cmd_fail(ret);
	}
	if (!spec->job_name)
		spec->job_name = mlw_strdup(ref.job);
	mlw_ref_release(&ref);
	free(type);
	free(file_name);
	tmp = mlw_repo_path(cmd_repo(ctx), "tmp");
	ret = mlw_mkdir_p(tmp, 0777);
	dir = mlw_xstrfmt("%s/job-output-XXXXXX", tmp);
	free(tmp);
	if (!ret && !mkdtemp(dir))
		ret = mlw_error_errno("cannot create '%s'", dir);
	if (!ret) {
		char *into = mlw_path_join(dir, "out");

		enum mlw_object_type t;

		ret = mlw_odb_info(&t, NULL, cmd_odb(ctx), &oid);
		/* a uri_file output is a blob: restore it as a file */
		if (!ret && t == MLW_OBJ_BLOB)
			ret = checkout_blob(cmd_odb(ctx), &oid, into);
		else if (!ret)
			ret = mlw_tree_checkout(cmd_odb(ctx), &oid, into, 0);
		if (!ret) {
			*job_dir = dir;
			*job_path = spec->path;
			spec->path = into;
			return 0;
		}
		free(into);
	}
	mlw_remove_tree(dir);
	free(dir);
	return cmd_fail(ret);
}

int asset_create(struct mlw_ctx *ctx, struct mlw_asset_spec *spec,
		 const struct mlw_spec *from)
{
	struct mlw_repo *repo = cmd_repo(ctx);
	struct mlw_asset_content content;
	struct mlw_statcache *cache = NULL;
	struct mlw_asset *a = NULL;
	struct mlw_catalog *cat;
	char *cache_path, *line, *job_path = NULL, *job_dir = NULL;
	int ret, existed = 0;

	/*
	 * azureml:jobs/JOB/outputs/NAME: the output is already a tree in the
	 * store.  Restore it read-only to a scratch folder and register that
	 * (same objects, so nothing new is stored; MLmodel is read as for a
	 * local folder), then record where it came from: path and lineage.
	 */
	ret = job_output_checkout(ctx, spec, &job_path, &job_dir);
	if (ret)
		return ret;
	cache_path = mlw_repo_path(repo, "statcache");
	mlw_statcache_open(&cache, cache_path);
	free(cache_path);
	/* objects first, durable before the catalog names them */
	ret = mlw_asset_snapshot(&content, cmd_odb(ctx), job_dir ? NULL : cache,
				 spec, warn_cb, ctx);
	if (job_dir) {
		mlw_remove_tree(job_dir);
		free(job_dir);
		free(spec->path);
		spec->path = job_path;
		if (!ret) {
			free(content.path);
			content.path = mlw_strdup(job_path);
		}
	}
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
	if (ret && from && (ret == MLW_EINVALID || ret == MLW_ENOTFOUND)) {
		char *where = mlw_asset_spec_where(from,
			field_of_error(from, spec->kind, mlw_error_last()));

		mlw_error_prefix("%s", where);
		free(where);
	}
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

/* text as a YAML double-quoted scalar: a --set value that stays a string */
static char *yaml_quoted(const char *key, const char *text)
{
	struct mlw_buf b = MLW_BUF_INIT;
	const unsigned char *p;

	mlw_buf_addf(&b, "%s=\"", key);
	for (p = (const unsigned char *)text; *p; p++) {
		if (*p == '"' || *p == '\\')
			mlw_buf_addf(&b, "\\%c", *p);
		else if (*p < 0x20)
			mlw_buf_addf(&b, "\\x%02x", *p);
		else
			mlw_buf_addch(&b, *p);
	}
	mlw_buf_addch(&b, '"');
	return mlw_buf_detach(&b, NULL);
}

/* a flag's path, absolute unless remote or azureml: (the spec is elsewhere) */
static char *flag_path(const char *path)
{
	if (mlw_asset_path_is_remote(path) || mlw_starts_with(path, "azureml:") ||
	    path[0] == '/')
		return mlw_strdup(path);
	if (mlw_starts_with(path, "file:"))
		path += mlw_starts_with(path, "file://") ? 7 : 5;
	return mlw_path_absolute(path);
}

static void push_override(struct mlw_strlist *l, const char *key,
			  const char *value, int is_path)
{
	char *abs;

	if (!value)
		return;
	abs = is_path ? flag_path(value) : NULL;
	mlw_strlist_push_owned(l, yaml_quoted(key, abs ? abs : value));
	free(abs);
}

static const char *group_of(enum mlw_asset_kind kind)
{
	return asset_cmd_name(kind);
}

/* flags alone: what 'create' has always done */
static int fill_from_flags(struct mlw_asset_spec *spec,
			   const struct asset_create_args *a)
{
	int ret;

	spec->name = mlw_strdup(a->name);
	spec->version = a->version ? mlw_strdup(a->version) : NULL;
	spec->path = a->path ? mlw_strdup(a->path) : NULL;
	spec->type = a->type ? mlw_strdup(a->type) : NULL;
	spec->description = a->description ? mlw_strdup(a->description) : NULL;
	spec->stage = a->stage ? mlw_strdup(a->stage) : NULL;
	spec->image = a->image ? mlw_strdup(a->image) : NULL;
	spec->conda_file = a->conda_file ? mlw_strdup(a->conda_file) : NULL;
	spec->build_context = a->build_context ?
			      mlw_strdup(a->build_context) : NULL;
	spec->dockerfile_path = a->dockerfile_path ?
				mlw_strdup(a->dockerfile_path) : NULL;
	ret = asset_parse_kvs(&spec->tags, &a->tags, "tag");
	if (!ret)
		ret = asset_parse_kvs(&spec->properties, &a->properties,
				      "property");
	return ret;
}

/*
 * -f FILE, or --set without a file: the flags become overrides applied
 * before validation (so --name may supply a missing name), then the
 * spec fills the request.  --tags and --properties replace the file's,
 * as in az ml; --set tags.KEY=VALUE adds one.
 */
static int create_from_spec(struct mlw_ctx *ctx, enum mlw_asset_kind kind,
			    const struct asset_create_args *a)
{
	struct mlw_strlist overrides = MLW_STRLIST_INIT;
	struct mlw_asset_spec spec;
	struct mlw_spec *from = NULL;
	size_t i;
	int ret;

	push_override(&overrides, "name", a->name, 0);
	push_override(&overrides, "version", a->version, 0);
	push_override(&overrides, "path", a->path, 1);
	push_override(&overrides, "type", a->type, 0);
	push_override(&overrides, "description", a->description, 0);
	push_override(&overrides, "stage", a->stage, 0);
	push_override(&overrides, "image", a->image, 0);
	push_override(&overrides, "conda_file", a->conda_file, 1);
	push_override(&overrides, "build.path", a->build_context, 1);
	push_override(&overrides, "build.dockerfile_path", a->dockerfile_path,
		      0);
	for (i = 0; i < a->sets.nr; i++)
		mlw_strlist_push(&overrides, a->sets.items[i]);
	ret = cmd_spec_load(&from, ctx, a->file ? a->file : "(command line)",
			    a->file ? NULL : "{}\n", group_of(kind),
			    &overrides);
	mlw_strlist_release(&overrides);
	if (ret)
		return ret;
	ret = mlw_asset_spec_from_spec(&spec, from);
	if (ret) {
		ret = cmd_fail(ret);
	} else {
		if (a->tags.nr)
			mlw_asset_kvs_release(&spec.tags);
		if (a->properties.nr)
			mlw_asset_kvs_release(&spec.properties);
		ret = asset_parse_kvs(&spec.tags, &a->tags, "tag");
		if (!ret)
			ret = asset_parse_kvs(&spec.properties, &a->properties,
					      "property");
	}
	if (!ret)
		ret = asset_create(ctx, &spec, from);
	mlw_asset_spec_release(&spec);
	mlw_spec_free(from);
	return ret;
}

int asset_create_verb(struct mlw_ctx *ctx, enum mlw_asset_kind kind,
		      int argc, const char **argv,
		      const struct mlw_option *opts,
		      const char *const *usage,
		      struct asset_create_args *a)
{
	struct mlw_strlist owned = MLW_STRLIST_INIT;
	struct mlw_asset_spec spec;
	const char **args;
	int n, ret = 0;

	args = cmd_spec_expand_set(argc, argv, &owned, &n);
	n = cmd_parse(ctx, n, args, opts, usage);
	mlw_asset_spec_init(&spec, kind);
	if (n)
		ret = cmd_usage_error(usage, opts, "unexpected operand '%s'",
				      args[0]);
	else if (a->file || a->sets.nr)
		ret = create_from_spec(ctx, kind, a);
	else if (!a->name)
		ret = cmd_usage_error(usage, opts, "give --name, or a spec with -f FILE");
	else if (kind != MLW_ASSET_ENVIRONMENT && !a->path)
		ret = cmd_usage_error(usage, opts, "give --name and --path, or a spec with -f FILE");
	else if (kind == MLW_ASSET_ENVIRONMENT && !a->image == !a->build_context)
		ret = cmd_usage_error(usage, opts,
				      "give --image or --build-context (one of them)");
	else if (a->dockerfile_path && !a->build_context)
		ret = cmd_usage_error(usage, opts,
				      "--dockerfile-path goes with --build-context");
	else if (!(ret = fill_from_flags(&spec, a)))
		ret = asset_create(ctx, &spec, NULL);
	mlw_asset_spec_release(&spec);
	mlw_strlist_release(&a->tags);
	mlw_strlist_release(&a->properties);
	mlw_strlist_release(&a->sets);
	mlw_strlist_release(&owned);
	free(args);
	return ret;
}

int asset_validate(struct mlw_ctx *ctx, enum mlw_asset_kind kind, int argc,
		   const char **argv)
{
	return cmd_spec_validate(ctx, argc, argv, group_of(kind));
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

/*
 * --label LABEL, as az takes it on show, archive and restore: "latest" is
 * the newest version (*latest set, *version stays NULL); the store has no
 * other label.  Exit status.
 */
static int apply_label(int *latest, char **name, char **version,
		       const char *label, const char *const *usage,
		       const struct mlw_option *opts)
{
	int ret = 0;

	*latest = 0;
	if (!label)
		return 0;
	if (*version)
		ret = cmd_usage_error(usage, opts, "give a version or --label, "
				      "not both");
	else if (strcmp(label, "latest")) {
		cmd_error("label '%s' of '%s' not found (the only label is "
			  "'latest')", label, *name);
		ret = 3;
	}
	if (ret) {
		free(*name);
		free(*version);
		*name = *version = NULL;
		return ret;
	}
	*latest = 1;
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
		mlw_asset_row(s->o, a);
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
	s.o = cmd_out_list(ctx, MLW_FMT_TABLE);
	/* --query selects from the documents, as az's does */
	s.full = fmt == MLW_FMT_JSON || fmt == MLW_FMT_YAML || ctx->query;
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
	struct mlw_asset *a;
	char *name, *version;
	int64_t rows = 10;
	int ret, latest;

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
	ret = target(&name, &version, argc, argv, opt_name, opt_version,
		     usage, opts);
	if (!ret)
		ret = apply_label(&latest, &name, &version, label, usage, opts);
	if (ret)
		return ret;
	if (preview && *preview && mlw_parse_i64(&rows, preview, "--preview")) {
		free(name);
		free(version);
		return cmd_usage_error(usage, opts, "%s", mlw_error_last());
	}
	ret = mlw_asset_get(&a, cmd_catalog(ctx), kind, name, version);
	free(name);
	free(version);
	if (ret)
		return cmd_fail(ret);
	if (preview) {
		char *ref = mlw_xstrfmt("azureml:%s:%s", a->name, a->version);

		ret = cmd_data_preview(ctx, ref, (long)rows);
		free(ref);
	} else {
		ret = print_asset(ctx, a);
	}
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
	struct mlw_catalog *cat;
	struct mlw_asset *a;
	char *name, *version, *line;
	int ret, latest;

	argc = cmd_parse(ctx, argc, argv, opts, usage);
	if (argc == 1 && strstr(argv[0], "@latest")) {
		cmd_error("%s takes NAME or NAME:VERSION, not @latest",
			  archived ? "archive" : "restore");
		return 2;
	}
	ret = target(&name, &version, argc, argv, opt_name, opt_version,
		     usage, opts);
	if (!ret)
		ret = apply_label(&latest, &name, &version, label, usage, opts);
	if (ret)
		return ret;
	cat = cmd_catalog(ctx);
	/* the latest version only, not every version as no version means */
	if (latest) {
		ret = mlw_asset_get(&a, cat, kind, name, NULL);
		if (ret) {
			free(name);
			return cmd_fail(ret);
		}
		version = mlw_strdup(a->version);
		mlw_asset_free(a);
	}
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

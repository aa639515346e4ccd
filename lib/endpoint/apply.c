/*
 * apply.c - endpoint and deployment specs into records: the verbs
 * create, update and delete of endpoint.h.
 *
 * A spec has been loaded and validated against its schema (spec.h), so
 * the fields here have the types the schema says; what is checked here
 * is what a schema cannot say: names as the rule for names has them,
 * settings within their ranges, traffic summing to 0 or 100, models
 * and code folders that exist, and a model that mlw can score when no
 * scoring script is given.  Every check comes before the transaction:
 * bad input changes nothing in the store (objects written for a model or
 * code folder are harmless until a record points at them; gc collects
 * them otherwise).
 */
#include "endpoint/endpoint.h"
#include "endpoint/internal.h"
#include "endpoint/serve.h"
#include "endpoint/worker.h"
#include "asset/asset.h"
#include "util/hook.h"
#include "http/auth.h"
#include "ml/model.h"
#include "spec/spec.h"
#include "store/catalog.h"
#include "store/odb.h"
#include "store/repo.h"
#include "store/tree.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/name.h"
#include "util/strutil.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* prefix the current message with the position of path's node */
static int at_node(const struct mlw_spec *spec, const char *path, int ret)
{
	const struct mlw_yaml_node *n = mlw_spec_get(spec, path);

	if (n)
		mlw_error_prefix("%s:%d:%d", n->source, n->line, n->col);
	return ret;
}

/* a mapping of scalars as a JSON object of strings (empty when absent) */
static json_t *string_map(const struct mlw_spec *spec, const char *path)
{
	const struct mlw_yaml_node *n = mlw_spec_get(spec, path);
	json_t *o = json_object();
	size_t i;

	if (!n || n->kind != MLW_YAML_MAP)
		return o;
	for (i = 0; i < n->nr / 2; i++) {
		const struct mlw_yaml_node *k = mlw_yaml_key(n, i);
		const struct mlw_yaml_node *v = mlw_yaml_value(n, i);

		if (k->kind == MLW_YAML_SCALAR && v->kind == MLW_YAML_SCALAR)
			json_object_set_new(o, k->text,
					    json_string(mlw_yaml_is_null(v) ?
							"" : v->text));
	}
	return o;
}

/* a {deployment: percent} mapping into t; MLW_EINVALID at the node */
static int traffic_map(struct mlw_traffic *t, const struct mlw_spec *spec,
		       const char *path)
{
	const struct mlw_yaml_node *n = mlw_spec_get(spec, path);
	size_t i;

	if (!n || n->kind != MLW_YAML_MAP)
		return 0;
	for (i = 0; i < n->nr / 2; i++) {
		const struct mlw_yaml_node *k = mlw_yaml_key(n, i);
		const struct mlw_yaml_node *v = mlw_yaml_value(n, i);
		int64_t pct;

		if (mlw_name_check(MLW_NAME_DEPLOYMENT, k->text))
			return mlw_error_setc(MLW_EINVALID, "%s:%d:%d: %s",
					      k->source, k->line, k->col,
					      mlw_error_last());
		if (mlw_yaml_to_int(v, &pct) || pct < 0 || pct > 100)
			return mlw_error_setc(MLW_EINVALID,
					      "%s:%d:%d: %s: '%s' is not a percent (0 to 100)",
					      v->source, v->line, v->col, path,
					      v->text ? v->text : "");
		mlw_traffic_set(t, k->text, (int)pct);
	}
	return 0;
}

/* a name field, checked by the rule of kind */
static int spec_name(char **out, const struct mlw_spec *spec,
		     const char *path, enum mlw_name_kind kind)
{
	const char *s = mlw_spec_get_str(spec, path);

	*out = NULL;
	if (!s)
		return mlw_spec_error(spec, NULL, "no '%s' (give it in the file, or with --%s)",
				      path, strcmp(path, "endpoint_name") ?
				      "name" : "endpoint-name");
	if (mlw_name_check(kind, s))
		return at_node(spec, path, MLW_EINVALID);
	*out = mlw_strdup(s);
	return 0;
}

/* an integer field within [min, max], *out unchanged when absent */
static int spec_int(int64_t *out, const struct mlw_spec *spec,
		    const char *path, int64_t min, int64_t max)
{
	int64_t v;
	int ret = mlw_spec_get_int(spec, path, &v);

	if (ret == MLW_ENOTFOUND)
		return 0;
	if (ret || v < min || v > max)
		return mlw_spec_error(spec, path, "'%s' must be an integer from %lld to %lld",
				      path, (long long)min, (long long)max);
	*out = v;
	return 0;
}

static char *spec_dup(const struct mlw_spec *spec, const char *path)
{
	const char *s = mlw_spec_get_str(spec, path);

	return s ? mlw_strdup(s) : NULL;
}

/* store the spec's text, path and overrides on the record's fields */
static int keep_source(char **spec_id, char **spec_path, char **overrides,
		       struct mlw_odb *odb,
		       const struct mlw_endpoint_source *src)
{
	struct mlw_oid oid;
	char hex[MLW_OID_HEXSZ + 1];
	json_t *list;
	size_t i;
	int ret;

	if (!src || !src->text)
		return 0;
	ret = mlw_odb_write_buf(&oid, odb, src->text, strlen(src->text),
				MLW_OBJ_BLOB);
	if (ret)
		return ret;
	mlw_oid_to_hex(hex, &oid);
	free(*spec_id);
	*spec_id = mlw_strdup(hex);
	free(*spec_path);
	*spec_path = src->path ? mlw_path_absolute(src->path) : NULL;
	list = json_array();
	for (i = 0; i < src->nr_overrides; i++)
		json_array_append_new(list, json_string(src->overrides[i]));
	free(*overrides);
	*overrides = mlw_json_dumps(list, MLW_JSON_COMPACT);
	json_decref(list);
	return 0;
}

static void warn(struct mlw_endpoint_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void warn(struct mlw_endpoint_ctx *ctx, const char *fmt, ...)
{
	struct mlw_buf b = MLW_BUF_INIT;
	va_list ap;

	if (!ctx->warn)
		return;
	va_start(ap, fmt);
	mlw_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	ctx->warn(b.buf, ctx->data);
	mlw_buf_release(&b);
}

/*
 * Check traffic and mirror traffic of ep against its deployments (names
 * deploy[0..nr)): known names, live traffic summing to 0 or 100, mirror
 * at most 50 per deployment and never to one with live traffic.
 */
static int check_traffic(const struct mlw_endpoint *ep,
			 const struct mlw_strlist *deploy)
{
	int sum = 0;
	size_t i, j;

	for (i = 0; i < ep->traffic.nr + ep->mirror.nr; i++) {
		const struct mlw_traffic_entry *e = i < ep->traffic.nr ?
			&ep->traffic.items[i] :
			&ep->mirror.items[i - ep->traffic.nr];
		int found = 0;

		for (j = 0; j < deploy->nr; j++)
			if (!strcmp(deploy->items[j], e->deployment))
				found = 1;
		if (!found && e->percent)
			return mlw_error_setc(MLW_EINVALID,
					      "endpoint '%s' has no deployment '%s' to send %s to",
					      ep->name, e->deployment,
					      i < ep->traffic.nr ? "traffic" :
					      "mirror traffic");
	}
	for (i = 0; i < ep->traffic.nr; i++)
		sum += ep->traffic.items[i].percent;
	if (sum != 0 && sum != 100)
		return mlw_error_setc(MLW_EINVALID,
				      "the traffic of endpoint '%s' sums to %d%%; it must be 0 or 100",
				      ep->name, sum);
	for (i = 0; i < ep->mirror.nr; i++) {
		const struct mlw_traffic_entry *e = &ep->mirror.items[i];

		if (e->percent > 50)
			return mlw_error_setc(MLW_EINVALID,
					      "mirror traffic to '%s' is %d%%; at most 50%% may be mirrored",
					      e->deployment, e->percent);
		if (e->percent && mlw_traffic_get(&ep->traffic, e->deployment))
			return mlw_error_setc(MLW_EINVALID,
					      "deployment '%s' takes live traffic; traffic is mirrored only to a deployment with none",
					      e->deployment);
	}
	return 0;
}

static int collect_name(const struct mlw_deployment *d, void *data)
{
	mlw_strlist_push(data, d->name);
	return 0;
}

/* the names of the deployments of endpoint */
static int deployment_names(struct mlw_strlist *out, struct mlw_catalog *cat,
			    const char *endpoint)
{
	return mlw_deployment_list(cat, endpoint, collect_name, out);
}

/* the endpoint spec into a fresh record (nothing stored) */
static int endpoint_from_spec(struct mlw_endpoint **out,
			      struct mlw_endpoint_ctx *ctx,
			      const struct mlw_spec *spec)
{
	struct mlw_endpoint *ep = mlw_calloc(1, sizeof(*ep));
	enum mlw_spec_kind kind = mlw_spec_kind(spec);
	int ret;

	*out = NULL;
	if (kind == MLW_SPEC_ONLINE_ENDPOINT ||
	    kind == MLW_SPEC_K8S_ONLINE_ENDPOINT)
		ep->kind = MLW_ENDPOINT_ONLINE;
	else if (kind == MLW_SPEC_BATCH_ENDPOINT)
		ep->kind = MLW_ENDPOINT_BATCH;
	else {
		free(ep);
		return mlw_spec_error(spec, NULL, "a %s spec is not an endpoint (deployments are created with 'mlw endpoint deployment create')",
				      mlw_spec_kind_name(kind));
	}
	ret = spec_name(&ep->name, spec, "name", MLW_NAME_ENDPOINT);
	if (!ret) {
		ep->auth_mode = spec_dup(spec, "auth_mode");
		if (!ep->auth_mode)
			ep->auth_mode = mlw_strdup(ep->kind == MLW_ENDPOINT_ONLINE ?
						   "key" : "aad_token");
		ep->description = spec_dup(spec, "description");
		ep->tags = string_map(spec, "tags");
		ep->properties = string_map(spec, "properties");
		ep->default_deployment = spec_dup(spec,
						  "defaults.deployment_name");
		ret = traffic_map(&ep->traffic, spec, "traffic");
	}
	if (!ret)
		ret = traffic_map(&ep->mirror, spec, "mirror_traffic");
	if (!ret && ep->default_deployment &&
	    mlw_name_check(MLW_NAME_DEPLOYMENT, ep->default_deployment))
		ret = at_node(spec, "defaults.deployment_name", MLW_EINVALID);
	if (ret) {
		mlw_endpoint_free(ep);
		return ret;
	}
	if (ep->kind == MLW_ENDPOINT_ONLINE && strcmp(ep->auth_mode, "key"))
		warn(ctx, "endpoint '%s': auth_mode %s is served as key mode: requests carry one of the endpoint's keys (mlw endpoint get-credentials)",
		     ep->name, ep->auth_mode);
	if (mlw_spec_get(spec, "identity"))
		warn(ctx, "endpoint '%s': identity is recorded; mlw serves locally without one",
		     ep->name);
	*out = ep;
	return 0;
}

int mlw_endpoint_apply(struct mlw_endpoint **out, struct mlw_endpoint_ctx *ctx,
		       const struct mlw_spec *spec,
		       const struct mlw_endpoint_source *src, int mode)
{
	struct mlw_strlist names = MLW_STRLIST_INIT;
	struct mlw_endpoint *ep, *old = NULL;
	struct mlw_catalog *cat;
	struct mlw_odb *odb;
	int ret, keys = 0;

	if (out)
		*out = NULL;
	ret = endpoint_from_spec(&ep, ctx, spec);
	if (ret)
		return ret;
	ret = mlw_repo_catalog(&cat, ctx->repo);
	if (!ret)
		ret = mlw_repo_odb(&odb, ctx->repo);
	if (!ret)
		ret = mlw_endpoint_use(cat);
	if (!ret)
		ret = keep_source(&ep->spec, &ep->spec_path,
				  &ep->spec_overrides, odb, src);
	if (!ret)
		ret = mlw_catalog_begin(cat);
	if (ret)
		goto out;
	if (mode == MLW_ENDPOINT_UPDATE) {
		ret = mlw_endpoint_get(&old, cat, ep->name);
		if (!ret && old->kind != ep->kind)
			ret = mlw_error_setc(MLW_EINVALID,
					     "endpoint '%s' is an %s endpoint; this spec is for a %s one",
					     ep->name,
					     mlw_endpoint_kind_name(old->kind),
					     mlw_endpoint_kind_name(ep->kind));
		if (!ret) {
			/* what the spec leaves out, the update keeps */
			if (!mlw_spec_get(spec, "traffic")) {
				mlw_traffic_release(&ep->traffic);
				ep->traffic = old->traffic;
				memset(&old->traffic, 0, sizeof(old->traffic));
			}
			if (!mlw_spec_get(spec, "mirror_traffic")) {
				mlw_traffic_release(&ep->mirror);
				ep->mirror = old->mirror;
				memset(&old->mirror, 0, sizeof(old->mirror));
			}
			if (!ep->default_deployment) {
				ep->default_deployment = old->default_deployment;
				old->default_deployment = NULL;
			}
			ep->created = old->created;
			ep->generation = old->generation;
		}
	}
	if (!ret)
		ret = deployment_names(&names, cat, ep->name);
	if (!ret)
		ret = check_traffic(ep, &names);
	if (!ret && ep->default_deployment &&
	    mlw_spec_get(spec, "defaults.deployment_name")) {
		size_t i;
		int found = 0;

		for (i = 0; i < names.nr; i++)
			found |= !strcmp(names.items[i], ep->default_deployment);
		if (!found)
			ret = mlw_spec_error(spec, "defaults.deployment_name",
					     "endpoint '%s' has no deployment '%s'",
					     ep->name, ep->default_deployment);
	}
	if (!ret)
		ret = mode == MLW_ENDPOINT_CREATE ?
		      mlw_endpoint_record_create(cat, ep) :
		      mlw_endpoint_record_update(cat, ep);
	/* keys before the commit: a failure leaves no keyless endpoint */
	if (!ret && mode == MLW_ENDPOINT_CREATE &&
	    ep->kind == MLW_ENDPOINT_ONLINE) {
		ret = mlw_endpoint_keys_create(ctx->repo, ep->name);
		keys = !ret;
	}
	if (!ret)
		ret = mlw_catalog_commit(cat);
	if (ret) {
		mlw_catalog_rollback(cat);
		if (keys) {
			char *dir = mlw_endpoint_path(ctx->repo, ep->name, NULL);

			mlw_remove_tree(dir);
			free(dir);
		}
	}
out:
	mlw_strlist_release(&names);
	mlw_endpoint_free(old);
	if (!ret && out)
		*out = ep;
	else
		mlw_endpoint_free(ep);
	return ret;
}

/* the catalog, and endpoint name read outside any transaction */
static int get_endpoint(struct mlw_catalog **cat, struct mlw_endpoint **ep,
			struct mlw_endpoint_ctx *ctx, const char *name)
{
	int ret = mlw_repo_catalog(cat, ctx->repo);

	return ret ? ret : mlw_endpoint_get(ep, *cat, name);
}

/* the catalog, its endpoint tables in, a transaction begun */
static int begin_change(struct mlw_catalog **cat, struct mlw_endpoint_ctx *ctx)
{
	int ret = mlw_repo_catalog(cat, ctx->repo);

	if (!ret)
		ret = mlw_endpoint_use(*cat);
	if (!ret)
		ret = mlw_catalog_begin(*cat);
	return ret;
}

int mlw_endpoint_set_traffic(struct mlw_endpoint **out,
			     struct mlw_endpoint_ctx *ctx, const char *name,
			     const char *traffic, const char *mirror)
{
	struct mlw_strlist names = MLW_STRLIST_INIT;
	struct mlw_endpoint *ep = NULL;
	struct mlw_catalog *cat;
	int ret;

	if (out)
		*out = NULL;
	ret = begin_change(&cat, ctx);
	if (ret)
		return ret;
	ret = mlw_endpoint_get(&ep, cat, name);
	if (!ret && ep->kind != MLW_ENDPOINT_ONLINE)
		ret = mlw_error_setc(MLW_EINVALID,
				     "endpoint '%s' is a batch endpoint: it has no traffic (set defaults.deployment_name)",
				     name);
	if (!ret && traffic)
		ret = mlw_traffic_parse(&ep->traffic, traffic, "--traffic");
	if (!ret && mirror)
		ret = mlw_traffic_parse(&ep->mirror, mirror, "--mirror-traffic");
	if (!ret)
		ret = deployment_names(&names, cat, name);
	if (!ret)
		ret = check_traffic(ep, &names);
	if (!ret)
		ret = mlw_endpoint_record_update(cat, ep);
	if (!ret)
		ret = mlw_catalog_commit(cat);
	if (ret)
		mlw_catalog_rollback(cat);
	mlw_strlist_release(&names);
	if (!ret && out)
		*out = ep;
	else
		mlw_endpoint_free(ep);
	return ret;
}

int mlw_endpoint_delete(struct mlw_endpoint_ctx *ctx, const char *name)
{
	struct mlw_endpoint *ep;
	struct mlw_catalog *cat;
	char *dir;
	int ret;

	ret = get_endpoint(&cat, &ep, ctx, name);
	if (ret)
		return ret;
	mlw_endpoint_free(ep);
	/* a server of the endpoint stops before its records go */
	ret = mlw_endpoint_stop_server(ctx->repo, name, 10);
	if (ret && ret != MLW_ENOTFOUND)
		return ret;
	ret = mlw_catalog_begin(cat);
	if (!ret)
		ret = mlw_endpoint_record_delete(cat, name);
	if (!ret)
		ret = mlw_catalog_commit(cat);
	if (ret) {
		mlw_catalog_rollback(cat);
		return ret;
	}
	dir = mlw_endpoint_path(ctx->repo, name, NULL);
	ret = mlw_remove_tree(dir);
	free(dir);
	return ret;
}

/* --- deployments */

/* skip Python's caches when snapshotting a code folder */
static int ignore_cache(const char *relpath, int is_dir, void *data)
{
	const char *base = strrchr(relpath, '/');

	base = base ? base + 1 : relpath;
	return (is_dir && !strcmp(base, "__pycache__")) ||
	       (!is_dir && mlw_ends_with(base, ".pyc"));
}

/*
 * Store the local file or folder path as objects: *hex its id, *base
 * its name (the caller frees both).  MLW_ENOTFOUND when it is missing.
 */
static int snapshot_path(char **hex, char **base, struct mlw_odb *odb,
			 const char *path, int code)
{
	struct mlw_snapshot_opts opts = { 0 };
	struct mlw_oid oid;
	struct stat st;
	char buf[MLW_OID_HEXSZ + 1], *abs;
	uint64_t size;
	int ret;

	if (stat(path, &st) < 0) {
		ret = mlw_errno_code(errno);
		return mlw_error_setc(ret, "cannot read '%s': %s", path,
				      strerror(errno));
	}
	if (S_ISDIR(st.st_mode)) {
		if (code)
			opts.ignore = ignore_cache;
		ret = mlw_tree_write_dir(&oid, &size, odb, path, &opts);
	} else {
		ret = mlw_odb_write_path(&oid, &size, odb, path, MLW_OBJ_BLOB,
					 MLW_ODB_WRITE);
	}
	if (ret)
		return ret;
	mlw_oid_to_hex(buf, &oid);
	*hex = mlw_strdup(buf);
	abs = mlw_path_absolute(path);
	*base = mlw_strdup(strrchr(abs, '/') && strrchr(abs, '/')[1] ?
			   strrchr(abs, '/') + 1 : "model");
	free(abs);
	return 0;
}

/* the last component of a registered model's path, or "model" */
static char *model_base(const char *path)
{
	const char *p, *end;
	char *s;

	if (!path || !*path)
		return mlw_strdup("model");
	end = path + strlen(path);
	while (end > path && end[-1] == '/')
		end--;
	p = end;
	while (p > path && p[-1] != '/')
		p--;
	s = mlw_strndup(p, (size_t)(end - p));
	if (!mlw_name_ok(MLW_NAME_ASSET, s)) {
		free(s);
		s = mlw_strdup("model");
	}
	return s;
}

/* take a registered model a into d */
static void take_asset(struct mlw_deployment *d, const struct mlw_asset *a)
{
	d->model = mlw_xstrfmt("azureml:%s:%s", a->name, a->version);
	d->model_asset = a->id;
	d->model_object = mlw_strdup(a->object);
	d->model_type = mlw_strdup(a->type ? a->type : "custom_model");
	d->model_path = model_base(a->path);
}

/* register an inline model {name, version, path, type} as an asset */
static int register_inline(struct mlw_deployment *d, struct mlw_catalog *cat,
			   struct mlw_odb *odb, const struct mlw_spec *spec,
			   struct mlw_endpoint_ctx *ctx)
{
	struct mlw_asset_spec as;
	struct mlw_asset_content content;
	struct mlw_asset *a = NULL;
	int ret, existed;

	memset(&content, 0, sizeof(content));
	mlw_asset_spec_init(&as, MLW_ASSET_MODEL);
	as.name = spec_dup(spec, "model.name");
	as.version = mlw_spec_get_version(spec, "model.version");
	as.path = spec_dup(spec, "model.path");
	as.type = spec_dup(spec, "model.type");
	as.description = spec_dup(spec, "model.description");
	as.base_dir = mlw_strdup(spec->dir);
	ret = mlw_asset_snapshot(&content, odb, NULL, &as, ctx->warn,
				 ctx->data);
	if (!ret)
		ret = mlw_asset_register(&a, &existed, cat, &as, &content);
	if (!ret) {
		if (!a->object || !*a->object)
			ret = mlw_spec_error(spec, "model", "model '%s' is a remote reference; mlw serves only models in its store",
					     a->name);
		else
			take_asset(d, a);
	} else {
		at_node(spec, "model", ret);
	}
	mlw_asset_free(a);
	mlw_asset_content_release(&content);
	mlw_asset_spec_release(&as);
	return ret;
}

/* find a registered model by reference text */
static int lookup_model(struct mlw_deployment *d, struct mlw_catalog *cat,
			const struct mlw_spec *spec, const char *path,
			const struct mlw_ref *ref)
{
	struct mlw_asset *a;
	int ret;

	if (ref->label && strcmp(ref->label, "latest"))
		return mlw_spec_error(spec, path, "model label '%s': mlw knows only @latest",
				      ref->label);
	ret = mlw_asset_get(&a, cat, MLW_ASSET_MODEL, ref->name, ref->version);
	if (ret)
		return at_node(spec, path, ret);
	if (!a->object || !*a->object)
		ret = mlw_spec_error(spec, path, "model '%s:%s' is a remote reference; mlw serves only models in its store",
				     a->name, a->version);
	else
		take_asset(d, a);
	mlw_asset_free(a);
	return ret;
}

/*
 * The model of a deployment spec into d: a reference to a registered
 * model, or an inline model (registered when it has a name, stored as
 * objects when it has only a path).  No model is fine here (a scoring
 * script may need none).
 */
static int resolve_model(struct mlw_deployment *d, struct mlw_catalog *cat,
			 struct mlw_odb *odb, const struct mlw_spec *spec,
			 struct mlw_endpoint_ctx *ctx)
{
	const struct mlw_yaml_node *n = mlw_spec_get(spec, "model");
	struct mlw_ref ref = MLW_REF_INIT;
	int ret;

	if (!n || mlw_yaml_is_null(n))
		return 0;
	if (n->kind == MLW_YAML_SCALAR) {
		ret = mlw_ref_parse(&ref, n->text, spec->dir);
		if (ret) {
			mlw_ref_release(&ref);
			return at_node(spec, "model", ret);
		}
		if (ref.kind == MLW_REF_ASSET) {
			ret = lookup_model(d, cat, spec, "model", &ref);
		} else if (ref.kind == MLW_REF_LOCAL) {
			ret = snapshot_path(&d->model_object, &d->model_path,
					    odb, ref.path, 0);
			if (ret)
				at_node(spec, "model", ret);
		} else {
			ret = mlw_spec_error(spec, "model", "model '%s' is not in this workspace; mlw serves registered models (azureml:NAME:VERSION, NAME@latest) and local folders",
					     n->text);
		}
		if (!ret && !d->model_type)
			d->model_type = mlw_strdup("custom_model");
		mlw_ref_release(&ref);
		return ret;
	}
	if (mlw_spec_get_str(spec, "model.name") &&
	    mlw_spec_get_str(spec, "model.path"))
		return register_inline(d, cat, odb, spec, ctx);
	if (mlw_spec_get_str(spec, "model.name")) {
		ref.kind = MLW_REF_ASSET;
		ref.name = spec_dup(spec, "model.name");
		ref.version = mlw_spec_get_version(spec, "model.version");
		ret = lookup_model(d, cat, spec, "model.name", &ref);
		mlw_ref_release(&ref);
		return ret;
	}
	if (!mlw_spec_get_str(spec, "model.path"))
		return mlw_spec_error(spec, "model", "a model needs a name or a path");
	ret = mlw_ref_parse(&ref, mlw_spec_get_str(spec, "model.path"),
			    spec->dir);
	if (!ret && ref.kind != MLW_REF_LOCAL)
		ret = mlw_spec_error(spec, "model.path", "model path '%s' is not a local path",
				     mlw_spec_get_str(spec, "model.path"));
	if (!ret)
		ret = snapshot_path(&d->model_object, &d->model_path, odb,
				    ref.path, 0);
	if (ret)
		at_node(spec, "model.path", ret);
	mlw_ref_release(&ref);
	d->model_type = spec_dup(spec, "model.type");
	if (!d->model_type)
		d->model_type = mlw_strdup("custom_model");
	return ret;
}

/* code_configuration: the code folder as a tree, the script checked */
static int resolve_code(struct mlw_deployment *d, struct mlw_odb *odb,
			const struct mlw_spec *spec)
{
	const char *code = mlw_spec_get_str(spec, "code_configuration.code");
	const char *script =
		mlw_spec_get_str(spec, "code_configuration.scoring_script");
	struct mlw_ref ref = MLW_REF_INIT;
	char *base = NULL, *file;
	struct stat st;
	int ret;

	if (!script)
		return 0;
	if (mlw_name_check_path("scoring script", script))
		return at_node(spec, "code_configuration.scoring_script",
			       MLW_EINVALID);
	if (!code)
		return mlw_spec_error(spec, "code_configuration", "code_configuration needs 'code', the folder of %s",
				      script);
	ret = mlw_ref_parse(&ref, code, spec->dir);
	if (!ret && ref.kind != MLW_REF_LOCAL)
		ret = mlw_spec_error(spec, "code_configuration.code", "code '%s' is not a local folder",
				     code);
	if (ret) {
		mlw_ref_release(&ref);
		return at_node(spec, "code_configuration.code", ret);
	}
	file = mlw_path_join(ref.path, script);
	if (stat(ref.path, &st) < 0 || !S_ISDIR(st.st_mode))
		ret = mlw_spec_error(spec, "code_configuration.code", "code folder '%s' does not exist",
				     code);
	else if (stat(file, &st) < 0 || !S_ISREG(st.st_mode))
		ret = mlw_spec_error(spec, "code_configuration.scoring_script",
				     "scoring script '%s' is not a file in '%s'",
				     script, code);
	if (!ret)
		ret = snapshot_path(&d->code, &base, odb, ref.path, 1);
	if (ret == MLW_ENOTFOUND)
		at_node(spec, "code_configuration.code", ret);
	free(base);
	free(file);
	mlw_ref_release(&ref);
	if (!ret)
		d->scoring_script = mlw_strdup(script);
	return ret;
}

/* data_collector.collections.*.enabled: any on */
static int collecting(const struct mlw_spec *spec)
{
	const struct mlw_yaml_node *n =
		mlw_spec_get(spec, "data_collector.collections");
	size_t i;

	if (!n || n->kind != MLW_YAML_MAP)
		return 0;
	for (i = 0; i < n->nr / 2; i++) {
		const struct mlw_yaml_node *c = mlw_yaml_value(n, i);
		const struct mlw_yaml_node *e = c->kind == MLW_YAML_MAP ?
			mlw_yaml_map_get(c, "enabled") : NULL;
		int on;

		if (e && !mlw_yaml_to_bool(e, &on) && on)
			return 1;
		if (e && e->text && !strcasecmp(e->text, "true"))
			return 1;
	}
	return 0;
}

/* the batch settings, under settings: or (legacy) at the root */
static int batch_settings(struct mlw_deployment *d,
			  const struct mlw_spec *spec)
{
	struct mlw_batch_settings *b = &d->batch;
	const char *root = mlw_spec_get(spec, "settings") ? "settings." : "";
	char path[96];
	const char *s;
	int ret = 0;

#define SETTING(name) (snprintf(path, sizeof(path), "%s%s", root, name), path)
	ret = spec_int(&b->mini_batch_size, spec, SETTING("mini_batch_size"),
		       1, 1000000000);
	if (!ret)
		ret = spec_int(&b->max_concurrency_per_instance, spec,
			       SETTING("max_concurrency_per_instance"), 1, 64);
	if (!ret)
		ret = spec_int(&b->error_threshold, spec,
			       SETTING("error_threshold"), -1, INT64_MAX);
	if (!ret)
		ret = spec_int(&b->max_retries, spec,
			       SETTING("retry_settings.max_retries"), 0, 100);
	if (!ret)
		ret = spec_int(&b->retry_timeout, spec,
			       SETTING("retry_settings.timeout"), 1, 86400 * 7);
	s = mlw_spec_get_str(spec, SETTING("output_action"));
	b->output_action = mlw_strdup(s ? s : "append_row");
	s = mlw_spec_get_str(spec, SETTING("output_file_name"));
	if (!ret && s && (strchr(s, '/') || !mlw_tree_name_ok(s)))
		ret = mlw_spec_error(spec, path, "output_file_name '%s' must be a file name",
				     s);
	b->output_file_name = mlw_strdup(s ? s : "predictions.csv");
	s = mlw_spec_get_str(spec, SETTING("logging_level"));
	b->logging_level = mlw_strdup(s ? s : "info");
	if (!ret)
		ret = spec_int(&d->instance_count, spec,
			       "resources.instance_count", 1, 64);
	if (!ret)
		ret = spec_int(&d->instance_count, spec,
			       SETTING("instance_count"), 1, 64);
	if (!ret && !mlw_spec_get(spec, "environment_variables")) {
		json_decref(d->environment_variables);
		d->environment_variables =
			string_map(spec, SETTING("environment_variables"));
	}
#undef SETTING
	return ret;
}

/* the deployment spec into d (nothing stored but objects) */
static int deployment_from_spec(struct mlw_deployment *d,
				struct mlw_endpoint_ctx *ctx,
				struct mlw_catalog *cat, struct mlw_odb *odb,
				const struct mlw_spec *spec)
{
	enum mlw_spec_kind kind = mlw_spec_kind(spec);
	const struct mlw_yaml_node *env;
	const char *type = mlw_spec_get_str(spec, "type");
	int ret;

	if (kind == MLW_SPEC_ONLINE_DEPLOYMENT ||
	    kind == MLW_SPEC_K8S_ONLINE_DEPLOYMENT)
		d->kind = MLW_ENDPOINT_ONLINE;
	else if ((kind == MLW_SPEC_BATCH_DEPLOYMENT && !(type &&
		  !strcmp(type, "pipeline"))) ||
		 kind == MLW_SPEC_MODEL_BATCH_DEPLOYMENT)
		d->kind = MLW_ENDPOINT_BATCH;
	else if (kind == MLW_SPEC_BATCH_DEPLOYMENT ||
		 kind == MLW_SPEC_PIPELINE_BATCH_DEPLOYMENT)
		return mlw_spec_error(spec, "type", "pipeline component batch deployments are not served by mlw; run the pipeline as a job ('mlw job create')");
	else
		return mlw_spec_error(spec, NULL, "a %s spec is not a deployment",
				      mlw_spec_kind_name(kind));
	mlw_deployment_defaults(d);
	ret = spec_name(&d->name, spec, "name", MLW_NAME_DEPLOYMENT);
	if (!ret)
		ret = spec_name(&d->endpoint, spec, "endpoint_name",
				MLW_NAME_ENDPOINT);
	if (ret)
		return ret;
	d->description = spec_dup(spec, "description");
	json_decref(d->tags);
	d->tags = string_map(spec, "tags");
	json_decref(d->environment_variables);
	d->environment_variables = string_map(spec, "environment_variables");
	d->instance_type = spec_dup(spec, "instance_type");
	env = mlw_spec_get(spec, "environment");
	if (env && env->kind == MLW_YAML_SCALAR)
		d->environment = spec_dup(spec, "environment");
	else if (env && mlw_spec_get_str(spec, "environment.name"))
		d->environment = spec_dup(spec, "environment.name");
	else if (env && mlw_spec_get_str(spec, "environment.image"))
		d->environment = spec_dup(spec, "environment.image");
	ret = spec_int(&d->instance_count, spec, "instance_count", 1, 64);
	if (!ret && d->kind == MLW_ENDPOINT_ONLINE) {
		ret = spec_int(&d->request.timeout_ms, spec,
			       "request_settings.request_timeout_ms", 1,
			       180000);
		if (!ret)
			ret = spec_int(&d->request.max_concurrent, spec,
				       "request_settings.max_concurrent_requests_per_instance",
				       1, 100000);
		if (!ret)
			ret = spec_int(&d->request.max_queue_wait_ms, spec,
				       "request_settings.max_queue_wait_ms", 0,
				       180000);
		mlw_spec_get_bool(spec, "app_insights_enabled",
				  &d->app_insights_enabled);
		d->data_collection = collecting(spec);
	}
	if (!ret && d->kind == MLW_ENDPOINT_BATCH)
		ret = batch_settings(d, spec);
	if (!ret)
		ret = resolve_model(d, cat, odb, spec, ctx);
	if (!ret)
		ret = resolve_code(d, odb, spec);
	if (!ret && !d->scoring_script && !d->model_object)
		ret = mlw_spec_error(spec, NULL, "deployment '%s' has neither a model nor a scoring script",
				     d->name);
	return ret;
}

int mlw_deployment_checkout_model(char **path_out, struct mlw_repo *repo,
				  const struct mlw_deployment *d,
				  const char *dir)
{
	struct mlw_odb *odb;
	struct mlw_oid oid;
	enum mlw_object_type type;
	uint64_t size;
	char *path;
	int ret;

	*path_out = NULL;
	if (!d->model_object)
		return mlw_error_setc(MLW_ENOTFOUND, "deployment '%s' has no model",
				      d->name);
	ret = mlw_oid_from_hex(&oid, d->model_object);
	if (!ret)
		ret = mlw_repo_odb(&odb, repo);
	if (!ret)
		ret = mlw_odb_info(&type, &size, odb, &oid);
	if (ret == MLW_ENOTFOUND)
		ret = mlw_error_setc(MLW_ENOTFOUND,
				     "the model of deployment '%s' (object %s) is missing from the store",
				     d->name, d->model_object);
	if (ret)
		return ret;
	if (type == MLW_OBJ_TREE) {
		path = mlw_path_join(dir, d->model_path);
		ret = mlw_tree_checkout(odb, &oid, path, 0);
	} else {
		path = mlw_path_join(dir, d->model_path);
		ret = mlw_blob_checkout(odb, &oid, dir, d->model_path);
	}
	if (ret) {
		free(path);
		return ret;
	}
	*path_out = path;
	return 0;
}

int mlw_endpoint_tmpdir(char **out, struct mlw_repo *repo, const char *what)
{
	char *base = mlw_repo_path(repo, "tmp"), *t;
	int ret = mlw_mkdir_p(base, 0777);

	*out = NULL;
	if (ret) {
		free(base);
		return ret;
	}
	t = mlw_xstrfmt("%s/%s-XXXXXX", base, what);
	free(base);
	if (!mkdtemp(t)) {
		ret = mlw_error_errno("cannot create '%s'", t);
		free(t);
		return ret;
	}
	*out = t;
	return 0;
}

int mlw_deployment_read_model(struct mlw_model *m, struct mlw_repo *repo,
			      const struct mlw_deployment *d)
{
	char *tmp, *path;
	int ret = mlw_endpoint_tmpdir(&tmp, repo, "model");

	if (ret)
		return ret;
	ret = mlw_deployment_checkout_model(&path, repo, d, tmp);
	if (!ret) {
		ret = mlw_model_read(m, path);
		free(path);
	}
	mlw_remove_tree(tmp);
	free(tmp);
	return ret;
}

/* "NAME=VALUE" for each of d's environment_variables, then more */
static char **deployment_env(const struct mlw_deployment *d, const char *more)
{
	size_t n = json_object_size(d->environment_variables), k = 0;
	char **env = mlw_calloc(n + 2, sizeof(*env));
	const char *key;
	json_t *v;

	json_object_foreach(d->environment_variables, key, v)
		if (json_is_string(v) && k < n)
			env[k++] = mlw_xstrfmt("%s=%s", key,
					       json_string_value(v));
	if (more)
		env[k] = mlw_strdup(more);
	return env;
}

static void env_free(char **env)
{
	size_t i;

	for (i = 0; env && env[i]; i++)
		free(env[i]);
	free(env);
}

/*
 * A scoring script's working files, as Azure lays them out, under dir:
 * dir/code, and the model under dir/azureml-models/NAME/VERSION/ (the
 * AZUREML_MODEL_DIR; NULL for a deployment without a model).
 */
static int lay_out(char **code_out, char **model_dir_out,
		   struct mlw_repo *repo, const struct mlw_deployment *d,
		   const char *dir)
{
	char *code = mlw_path_join(dir, "code"), *model_dir = NULL, *path;
	struct mlw_odb *odb;
	struct mlw_oid oid;
	int ret = mlw_oid_from_hex(&oid, d->code);

	*code_out = *model_dir_out = NULL;
	if (!ret)
		ret = mlw_repo_odb(&odb, repo);
	if (!ret)
		ret = mlw_tree_checkout(odb, &oid, code, 0);
	if (!ret && d->model_object) {
		/* azureml:NAME:VERSION, or an inline model as version 1 */
		const char *v = d->model ? strrchr(d->model, ':') : NULL;
		char *name = d->model ? mlw_strndup(d->model + 8,
				(size_t)(v - d->model - 8)) :
			     mlw_strdup(d->model_path);

		model_dir = mlw_xstrfmt("%s/azureml-models/%s/%s", dir, name,
					v ? v + 1 : "1");
		free(name);
		ret = mlw_mkdir_p(model_dir, 0700);
		if (!ret)
			ret = mlw_deployment_checkout_model(&path, repo, d,
							    model_dir);
		if (!ret)
			free(path);
	}
	if (ret) {
		free(code);
		free(model_dir);
		return ret;
	}
	*code_out = code;
	*model_dir_out = model_dir;
	return 0;
}

int mlw_deployment_workers(struct mlw_worker_pool **out,
			   struct mlw_repo *repo,
			   const struct mlw_deployment *d, const char *dir,
			   unsigned nr, int log_fd, const char *more_env)
{
	struct mlw_worker_options wo = { 0 };
	char *code, *model_dir, **env;
	int ret = lay_out(&code, &model_dir, repo, d, dir);

	*out = NULL;
	if (ret)
		return ret;
	env = deployment_env(d, more_env);
	wo.code_dir = code;
	wo.script = d->scoring_script;
	wo.model_dir = model_dir ? model_dir : code;
	wo.env = (const char *const *)env;
	wo.nr_workers = nr;
	wo.log_fd = log_fd;
	ret = mlw_worker_pool_new(out, &wo);
	env_free(env);
	free(code);
	free(model_dir);
	return ret;
}

/* the model-deployed hook's payload (§3.7's ModelDeployed data) */
static char *deployed_payload(const struct mlw_endpoint *ep,
			      const struct mlw_deployment *d,
			      struct mlw_catalog *cat)
{
	struct mlw_strlist models = MLW_STRLIST_INIT;
	struct mlw_buf ids = MLW_BUF_INIT;
	json_t *o = json_object();
	size_t i;
	char *s;

	deployment_names(&models, cat, ep->name);
	for (i = 0; i < models.nr; i++) {
		struct mlw_deployment *x;

		if (mlw_deployment_get(&x, cat, ep->name, models.items[i]))
			continue;
		if (x->model) {
			const char *id = x->model + strlen("azureml:");

			if (!strstr(ids.buf, id)) {
				if (ids.len)
					mlw_buf_addch(&ids, ',');
				mlw_buf_adds(&ids, id);
			}
		}
		mlw_deployment_free(x);
	}
	json_object_set_new(o, "ServiceName", json_string(ep->name));
	json_object_set_new(o, "ServiceComputeType",
			    json_string(ep->kind == MLW_ENDPOINT_BATCH ?
					"Batch" : "Managed"));
	json_object_set_new(o, "ModelIds", json_string(ids.buf));
	json_object_set(o, "ServiceTags", ep->tags);
	json_object_set(o, "ServiceProperties", ep->properties);
	json_object_set_new(o, "DeploymentName", json_string(d->name));
	s = mlw_json_dumps(o, MLW_JSON_COMPACT);
	json_decref(o);
	mlw_buf_release(&ids);
	mlw_strlist_release(&models);
	return s;
}

int mlw_deployment_apply(struct mlw_deployment **out,
			 struct mlw_endpoint_ctx *ctx,
			 const struct mlw_spec *spec,
			 const struct mlw_endpoint_source *src, int mode,
			 int all_traffic, int set_default, char **hook_error)
{
	struct mlw_deployment *d = mlw_calloc(1, sizeof(*d)), *old = NULL;
	struct mlw_endpoint *ep = NULL;
	struct mlw_catalog *cat;
	struct mlw_odb *odb;
	char *payload = NULL;
	int ret, ran;

	if (out)
		*out = NULL;
	if (hook_error)
		*hook_error = NULL;
	ret = mlw_repo_catalog(&cat, ctx->repo);
	if (!ret)
		ret = mlw_repo_odb(&odb, ctx->repo);
	if (!ret)
		ret = mlw_endpoint_use(cat);
	if (ret)
		goto out;
	ret = mlw_catalog_begin(cat);
	if (ret)
		goto out;
	ret = deployment_from_spec(d, ctx, cat, odb, spec);
	if (!ret)
		ret = mlw_endpoint_get(&ep, cat, d->endpoint);
	if (!ret && ep->kind != d->kind)
		ret = mlw_spec_error(spec, "endpoint_name", "endpoint '%s' is an %s endpoint; a %s deployment cannot join it",
				     ep->name, mlw_endpoint_kind_name(ep->kind),
				     mlw_endpoint_kind_name(d->kind));
	if (!ret && mode == MLW_ENDPOINT_UPDATE) {
		ret = mlw_deployment_get(&old, cat, d->endpoint, d->name);
		if (!ret)
			d->created = old->created;
	}
	if (!ret && !d->scoring_script) {
		/* no script: mlw scores the model itself, so it must read */
		struct mlw_model m;

		ret = mlw_deployment_read_model(&m, ctx->repo, d);
		if (!ret)
			mlw_model_release(&m);
		else if (ret == MLW_EINVALID)
			ret = mlw_spec_error(spec, "model", "deployment '%s' has no scoring script, and mlw cannot score its model itself: %s (give a code_configuration with a score.py)",
					     d->name, mlw_error_last());
	}
	if (!ret)
		ret = keep_source(&d->spec, &d->spec_path, &d->spec_overrides,
				  odb, src);
	if (!ret)
		ret = mlw_deployment_record_write(cat, d,
						  mode == MLW_ENDPOINT_CREATE);
	if (!ret && (all_traffic || (set_default &&
				     d->kind == MLW_ENDPOINT_BATCH))) {
		size_t i;

		if (d->kind == MLW_ENDPOINT_BATCH) {
			free(ep->default_deployment);
			ep->default_deployment = mlw_strdup(d->name);
		} else {
			/* a mirror to the deployment now live would be moot */
			mlw_endpoint_forget_deployment(ep, d->name);
			for (i = 0; i < ep->traffic.nr; i++)
				ep->traffic.items[i].percent = 0;
			mlw_traffic_set(&ep->traffic, d->name, 100);
		}
		ret = mlw_endpoint_record_update(cat, ep);
	}
	if (!ret) {
		payload = deployed_payload(ep, d, cat);
		ret = mlw_catalog_commit(cat);
	}
	if (ret) {
		mlw_catalog_rollback(cat);
		goto out;
	}
	/* the hook reports a committed change; its failure undoes nothing */
	if (mlw_hook_run(&ran, ctx->repo->dir, ctx->repo->worktree,
			 "model-deployed", payload) && hook_error)
		*hook_error = mlw_strdup(mlw_error_last());
out:
	free(payload);
	mlw_endpoint_free(ep);
	mlw_deployment_free(old);
	if (!ret && out)
		*out = d;
	else
		mlw_deployment_free(d);
	return ret;
}

int mlw_deployment_delete(struct mlw_endpoint_ctx *ctx, const char *endpoint,
			  const char *name)
{
	struct mlw_deployment *d = NULL;
	struct mlw_endpoint *ep = NULL;
	struct mlw_catalog *cat;
	char *dir, *rel;
	int ret;

	ret = begin_change(&cat, ctx);
	if (ret)
		return ret;
	ret = mlw_endpoint_get(&ep, cat, endpoint);
	if (!ret)
		ret = mlw_deployment_get(&d, cat, endpoint, name);
	if (!ret && (mlw_traffic_get(&ep->traffic, name) ||
		     mlw_traffic_get(&ep->mirror, name)))
		ret = mlw_error_setc(MLW_EINVALID,
				     "deployment '%s' takes %d%% of the traffic of endpoint '%s'%s; send it none first (mlw endpoint update %s --traffic '%s=0 ...')",
				     name, mlw_traffic_get(&ep->traffic, name) ?
				     mlw_traffic_get(&ep->traffic, name) :
				     mlw_traffic_get(&ep->mirror, name),
				     endpoint, mlw_traffic_get(&ep->traffic, name) ?
				     "" : " as a mirror", endpoint, name);
	if (!ret)
		ret = mlw_deployment_record_delete(cat, endpoint, name);
	if (!ret && ((ep->default_deployment &&
		      !strcmp(ep->default_deployment, name)) ||
		     ep->traffic.nr || ep->mirror.nr)) {
		if (ep->default_deployment &&
		    !strcmp(ep->default_deployment, name)) {
			free(ep->default_deployment);
			ep->default_deployment = NULL;
		}
		mlw_endpoint_forget_deployment(ep, name);
		ret = mlw_endpoint_record_update(cat, ep);
	}
	if (!ret)
		ret = mlw_catalog_commit(cat);
	if (ret)
		mlw_catalog_rollback(cat);
	mlw_endpoint_free(ep);
	mlw_deployment_free(d);
	if (ret)
		return ret;
	/* its log and working files go with it */
	rel = mlw_xstrfmt("deployments/%s", name);
	dir = mlw_endpoint_path(ctx->repo, endpoint, rel);
	mlw_remove_tree(dir);
	free(dir);
	free(rel);
	rel = mlw_xstrfmt("logs/%s.log", name);
	dir = mlw_endpoint_path(ctx->repo, endpoint, rel);
	unlink(dir);
	free(dir);
	free(rel);
	return 0;
}

int mlw_endpoint_regenerate_key(struct mlw_endpoint_ctx *ctx,
				const char *name, int which)
{
	char keys[2][MLW_ENDPOINT_KEY_SIZE];
	struct mlw_endpoint *ep;
	struct mlw_catalog *cat;
	int ret;

	ret = get_endpoint(&cat, &ep, ctx, name);
	if (ret)
		return ret;
	if (ep->kind != MLW_ENDPOINT_ONLINE)
		ret = mlw_error_setc(MLW_EINVALID,
				     "endpoint '%s' is a batch endpoint: it has no keys",
				     name);
	mlw_endpoint_free(ep);
	if (!ret)
		ret = mlw_endpoint_keys(keys[0], keys[1], ctx->repo, name);
	if (ret == MLW_ENOTFOUND || ret == MLW_ECORRUPT) {
		/* a lost or damaged key file is what regenerating repairs */
		ret = mlw_endpoint_keys_create(ctx->repo, name);
	} else if (!ret) {
		ret = mlw_http_key_generate(keys[which ? 1 : 0]);
		if (!ret)
			ret = mlw_endpoint_keys_write(ctx->repo, name, keys[0],
						      keys[1]);
	}
	/* a server reloads its keys with its configuration */
	if (!ret)
		ret = mlw_endpoint_touch(cat, name);
	return ret;
}

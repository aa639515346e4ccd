/*
 * spec.c - load a spec: YAML, --set overrides, kind, schema; then the
 * cross-field rules (references, defaults, paths): spec-check.c, and
 * the ${{...}} expressions: spec-expr.c (check.h).
 *
 * The schema tables say what each key may hold; this file says what keys
 * mean together: a ${{inputs.x}} needs an input x, a component default
 * must read as its declared type.  A sweep's own rules (grid sampling
 * needs choice distributions...) are the sweep engine's
 * (mlw_sweep_check_spec()), applied by whoever validates or runs it.  Rules that depend on the outside world (a local path, an asset in
 * the store) are warnings: the spec may be valid on another machine.
 */
#include "spec/spec.h"
#include "spec/check.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/name.h"
#include "util/strutil.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

const char *mlw_spec_kind_name(enum mlw_spec_kind kind)
{
	return mlw_spec_kind_info(kind)->what;
}

enum mlw_spec_kind mlw_spec_kind(const struct mlw_spec *spec)
{
	return spec->kind;
}

void mlw_spec_free(struct mlw_spec *spec)
{
	if (!spec)
		return;
	mlw_yaml_free(spec->doc);
	mlw_diags_release(&spec->diags);
	free(spec->path);
	free(spec->dir);
	free(spec);
}

/* --- paths into the tree ------------------------------------------------- */

struct seg {
	char *key;	/* NULL for an index */
	long index;
};

/* split "a.b[0].c" into segments; 0 or -1 on a malformed path */
static int parse_path(const char *path, struct seg **out, size_t *nr)
{
	struct seg *segs = NULL;
	size_t n = 0, alloc = 0;
	const char *p = path;

	*out = NULL;
	*nr = 0;
	while (*p) {
		if (*p == '[') {
			char *end;
			long idx = strtol(p + 1, &end, 10);

			if (end == p + 1 || *end != ']' || idx < 0)
				goto bad;
			MLW_ALLOC_GROW(segs, n + 1, alloc);
			segs[n].key = NULL;
			segs[n++].index = idx;
			p = end + 1;
			if (*p == '.')
				p++;
			else if (*p && *p != '[')
				goto bad;
			continue;
		} else {
			size_t len = strcspn(p, ".[");

			if (!len)
				goto bad;
			MLW_ALLOC_GROW(segs, n + 1, alloc);
			segs[n].key = mlw_strndup(p, len);
			segs[n++].index = 0;
			p += len;
			if (*p == '.') {
				p++;
				if (!*p)
					goto bad;
			}
		}
	}
	if (!n)
		goto bad;
	*out = segs;
	*nr = n;
	return 0;
bad:
	while (n--)
		free(segs[n].key);
	free(segs);
	return -1;
}

static void free_path(struct seg *segs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(segs[i].key);
	free(segs);
}

const struct mlw_yaml_node *mlw_yaml_get(const struct mlw_yaml_node *root,
					 const char *path)
{
	struct seg *segs;
	size_t n, i;
	const struct mlw_yaml_node *cur = root;

	if (!path || !*path)
		return root;
	if (parse_path(path, &segs, &n))
		return NULL;
	for (i = 0; i < n && cur; i++) {
		if (segs[i].key)
			cur = mlw_yaml_map_get(cur, segs[i].key);
		else if (cur->kind == MLW_YAML_SEQ &&
			 (size_t)segs[i].index < cur->nr)
			cur = cur->items[segs[i].index];
		else
			cur = NULL;
	}
	free_path(segs, n);
	return cur;
}

const struct mlw_yaml_node *mlw_spec_get(const struct mlw_spec *spec,
					 const char *path)
{
	if (!spec->doc)
		return NULL;
	return mlw_yaml_get(spec->doc->root, path);
}

const char *mlw_spec_get_str(const struct mlw_spec *spec, const char *path)
{
	const struct mlw_yaml_node *n = mlw_spec_get(spec, path);

	if (!n || n->kind != MLW_YAML_SCALAR || mlw_yaml_is_null(n))
		return NULL;
	return n->text;
}

/* MLW_EINVALID "POSITION: message": n's position, else "FILE: " */
static int verror(const struct mlw_yaml_node *n, const char *file,
		  const char *fmt, va_list ap)
{
	struct mlw_buf b = MLW_BUF_INIT;
	int ret;

	if (n)
		mlw_buf_addf(&b, "%s:%d:%d: ", n->source, n->line, n->col);
	else if (file)
		mlw_buf_addf(&b, "%s: ", file);
	mlw_buf_vaddf(&b, fmt, ap);
	ret = mlw_error_setc(MLW_EINVALID, "%s", b.buf);
	mlw_buf_release(&b);
	return ret;
}

int mlw_spec_error_at(const struct mlw_yaml_node *n, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = verror(n, NULL, fmt, ap);
	va_end(ap);
	return ret;
}

int mlw_spec_error(const struct mlw_spec *spec, const char *path,
		   const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = verror(path ? mlw_spec_get(spec, path) : NULL, spec->path, fmt,
		     ap);
	va_end(ap);
	return ret;
}

int mlw_spec_get_int(const struct mlw_spec *spec, const char *path,
		     int64_t *out)
{
	const struct mlw_yaml_node *n = mlw_spec_get(spec, path);

	if (mlw_yaml_is_null(n))
		return MLW_ENOTFOUND;
	return mlw_yaml_to_int(n, out);
}

int mlw_spec_get_double(const struct mlw_spec *spec, const char *path,
			double *out)
{
	const struct mlw_yaml_node *n = mlw_spec_get(spec, path);

	if (mlw_yaml_is_null(n))
		return MLW_ENOTFOUND;
	return mlw_yaml_to_double(n, out);
}

int mlw_spec_get_bool(const struct mlw_spec *spec, const char *path, int *out)
{
	const struct mlw_yaml_node *n = mlw_spec_get(spec, path);

	if (mlw_yaml_is_null(n))
		return MLW_ENOTFOUND;
	return mlw_yaml_to_bool(n, out);
}

char *mlw_spec_get_version(const struct mlw_spec *spec, const char *path)
{
	const struct mlw_yaml_node *n = mlw_spec_get(spec, path);
	struct mlw_buf b = MLW_BUF_INIT;
	int64_t i;
	double d;

	if (!n || n->kind != MLW_YAML_SCALAR || mlw_yaml_is_null(n))
		return NULL;
	switch (mlw_yaml_scalar_type(n)) {
	case MLW_YAML_INT:
		if (mlw_yaml_to_int(n, &i))
			break;
		return mlw_xstrfmt("%lld", (long long)i);
	case MLW_YAML_FLOAT:
		if (mlw_yaml_to_double(n, &d))
			break;
		if (isinf(d) || isnan(d))
			return mlw_strdup(isnan(d) ? "nan" : d > 0 ? "inf" :
					  "-inf");
		mlw_json_real_text(&b, d);
		return mlw_buf_detach(&b, NULL);
	default:
		break;
	}
	return mlw_strdup(n->text);
}

int mlw_spec_get_ref(const struct mlw_spec *spec, const char *path,
		     struct mlw_ref *out)
{
	const char *s = mlw_spec_get_str(spec, path);
	struct mlw_ref zero = MLW_REF_INIT;

	if (!s) {
		*out = zero;
		return mlw_error_setc(MLW_ENOTFOUND, "%s: no '%s'", spec->path,
				      path);
	}
	return mlw_ref_parse(out, s, spec->dir);
}

/* --- --set --------------------------------------------------------------- */

void mlw_spec_apply_override(struct mlw_yaml_doc *doc, const char *override,
			     struct mlw_diags *d)
{
	const char *eq = strchr(override, '=');
	char *label = mlw_xstrfmt("--set %s", override);
	const char *src = mlw_yaml_intern(doc, label);
	char *path;
	struct seg *segs;
	size_t n, i;
	struct mlw_yaml_node *cur, *value = NULL;
	int vcol;

	free(label);
	if (!eq || eq == override) {
		mlw_diags_add_at(d, 0, src, 1, 1, "expected PATH=VALUE, "
				 "e.g. --set inputs.lr=0.1");
		return;
	}
	path = mlw_strndup(override, (size_t)(eq - override));
	if (parse_path(path, &segs, &n)) {
		mlw_diags_add_at(d, 0, src, 1, 1, "malformed path '%s' (use "
				 "a.b[0].c)", path);
		free(path);
		return;
	}
	vcol = (int)(eq - override) + 2;
	if (eq[1])
		mlw_yaml_parse_value(&value, doc, src, eq + 1, vcol - 1);
	if (!value)
		value = mlw_yaml_new_scalar(doc, eq + 1, eq[1] ?
					    MLW_YAML_DOUBLE_QUOTED :
					    MLW_YAML_PLAIN, src, 1, vcol);
	cur = doc->root;
	for (i = 0; i < n; i++) {
		int last = i + 1 == n;
		struct mlw_yaml_node *next;

		if (segs[i].key) {
			long at;

			if (cur->kind != MLW_YAML_MAP) {
				mlw_diags_add_at(d, 0, src, 1, 1, "cannot set "
						 "'%s': its parent is %s, not a "
						 "mapping", path,
						 mlw_yaml_describe(cur));
				break;
			}
			at = mlw_yaml_map_find(cur, segs[i].key);
			if (last) {
				struct mlw_yaml_node *key = at >= 0 ?
					mlw_yaml_key(cur, at) :
					mlw_yaml_new_scalar(doc, segs[i].key,
							    MLW_YAML_PLAIN, src,
							    1, 1);

				mlw_yaml_map_set(cur, key, value);
				break;
			}
			next = at >= 0 ? mlw_yaml_value(cur, at) : NULL;
			if (!next || mlw_yaml_is_null(next)) {
				next = mlw_yaml_new(doc, MLW_YAML_MAP, src, 1, 1);
				mlw_yaml_map_set(cur, at >= 0 ?
					mlw_yaml_key(cur, at) :
					mlw_yaml_new_scalar(doc, segs[i].key,
							    MLW_YAML_PLAIN, src,
							    1, 1), next);
			}
			cur = next;
		} else {
			if (cur->kind != MLW_YAML_SEQ) {
				mlw_diags_add_at(d, 0, src, 1, 1, "cannot set "
						 "'%s': [%ld] indexes %s, not a "
						 "sequence", path, segs[i].index,
						 mlw_yaml_describe(cur));
				break;
			}
			if ((size_t)segs[i].index > cur->nr) {
				mlw_diags_add_at(d, 0, src, 1, 1, "cannot set "
						 "'%s': index %ld is past the "
						 "end (%zu items)", path,
						 segs[i].index, cur->nr);
				break;
			}
			if ((size_t)segs[i].index == cur->nr) {
				/* one past the end appends, as az does */
				if (last) {
					mlw_yaml_seq_push(cur, value);
					break;
				}
				next = mlw_yaml_new(doc, segs[i + 1].key ?
						    MLW_YAML_MAP : MLW_YAML_SEQ,
						    src, 1, 1);
				mlw_yaml_seq_push(cur, next);
				cur = next;
				continue;
			}
			if (last) {
				cur->items[segs[i].index] = value;
				break;
			}
			cur = cur->items[segs[i].index];
		}
	}
	free_path(segs, n);
	free(path);
}

/* --- kind ---------------------------------------------------------------- */

static enum mlw_spec_kind kind_from_url(const char *url)
{
	const char *base = strrchr(url, '/');
	char *name;
	size_t len;
	enum mlw_spec_kind k;

	base = base ? base + 1 : url;
	name = mlw_strdup(base);
	len = strlen(name);
	while (len && isspace((unsigned char)name[len - 1]))
		name[--len] = '\0';
	if (len > 12 && !strcasecmp(name + len - 12, ".schema.json"))
		name[len - 12] = '\0';
	else if (len > 5 && !strcasecmp(name + len - 5, ".json"))
		name[len - 5] = '\0';
	k = mlw_spec_kind_by_name(name);
	free(name);
	return k;
}

const char *mlw_spec_type_of(const struct mlw_yaml_node *root)
{
	const struct mlw_yaml_node *t = mlw_yaml_map_get(root, "type");

	if (!t || t->kind != MLW_YAML_SCALAR || mlw_yaml_is_null(t))
		return NULL;
	return t->text;
}

int mlw_spec_has(const struct mlw_yaml_node *root, const char *key)
{
	return mlw_yaml_map_find(root, key) >= 0;
}

static enum mlw_spec_kind sniff_endpoint(const struct mlw_yaml_node *root)
{
	const char *type = mlw_spec_type_of(root);
	int deployment = mlw_spec_has(root, "endpoint_name") ||
			 mlw_spec_has(root, "instance_type") || mlw_spec_has(root, "model") ||
			 mlw_spec_has(root, "code_configuration") ||
			 mlw_spec_has(root, "instance_count");
	int batch = mlw_spec_has(root, "compute") || mlw_spec_has(root, "settings") ||
		    mlw_spec_has(root, "mini_batch_size") ||
		    mlw_spec_has(root, "output_file_name") ||
		    mlw_spec_has(root, "max_concurrency_per_instance") ||
		    (type && (!strcasecmp(type, "model") ||
			      !strcasecmp(type, "pipeline")));

	if (deployment || batch) {
		if (batch && type && !strcasecmp(type, "pipeline"))
			return MLW_SPEC_PIPELINE_BATCH_DEPLOYMENT;
		if (batch)
			return MLW_SPEC_BATCH_DEPLOYMENT;
		if (type && !strcasecmp(type, "kubernetes"))
			return MLW_SPEC_K8S_ONLINE_DEPLOYMENT;
		return MLW_SPEC_ONLINE_DEPLOYMENT;
	}
	if (mlw_spec_has(root, "defaults"))
		return MLW_SPEC_BATCH_ENDPOINT;
	return MLW_SPEC_ONLINE_ENDPOINT;
}

/* a compute target: type decides (amlcompute, slurm, local) */
static enum mlw_spec_kind sniff_compute(const struct mlw_yaml_node *root,
					const char *type, struct mlw_diags *d)
{
	if (type && !strcasecmp(type, "amlcompute"))
		return MLW_SPEC_AML_COMPUTE;
	if (type && !strcasecmp(type, "slurm"))
		return MLW_SPEC_SLURM_COMPUTE;
	if (type && !strcasecmp(type, "local"))
		return MLW_SPEC_LOCAL_COMPUTE;
	if (!type)
		mlw_diags_add(d, 0, root, "a compute spec needs a 'type': "
			      "slurm, amlcompute or local");
	else
		mlw_diags_add(d, 0, mlw_yaml_map_get(root, "type"), "compute "
			      "type '%s' cannot run here; one of: slurm, "
			      "amlcompute, local", type);
	return MLW_SPEC_UNKNOWN;
}

static const char *basename_of(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

enum mlw_spec_kind mlw_spec_detect_kind(const struct mlw_yaml_doc *doc,
					const char *path, const char *group,
					struct mlw_diags *d)
{
	const struct mlw_yaml_node *root = doc->root;
	const struct mlw_yaml_node *schema = mlw_yaml_map_get(root, "$schema");
	const char *type;

	if (root->kind != MLW_YAML_MAP) {
		mlw_diags_add(d, 0, root, "a spec must be a mapping of keys to "
			      "values, not %s", mlw_yaml_describe(root));
		return MLW_SPEC_UNKNOWN;
	}
	if (schema && schema->kind == MLW_YAML_SCALAR &&
	    !mlw_yaml_is_null(schema)) {
		enum mlw_spec_kind k = kind_from_url(schema->text);

		if (!k)
			mlw_diags_add(d, 0, schema, "unsupported spec kind "
				      "'%s' in $schema; mlw reads jobs, "
				      "components, assets, MLTable, endpoints "
				      "and deployments", schema->text);
		return k;
	}
	if (doc->schema_comment) {
		enum mlw_spec_kind k = kind_from_url(doc->schema_comment);

		if (k)
			return k;
		mlw_diags_add_at(d, 0, root->source, doc->schema_comment_line,
				 1, "unsupported spec kind in $schema comment "
				 "'%s'", doc->schema_comment);
		return MLW_SPEC_UNKNOWN;
	}
	if (!strcmp(basename_of(path), "MLTable"))
		return MLW_SPEC_MLTABLE;
	type = mlw_spec_type_of(root);
	if (group && !strcmp(group, "data"))
		return MLW_SPEC_DATA;
	if (group && !strcmp(group, "model"))
		return MLW_SPEC_MODEL;
	if (group && !strcmp(group, "env"))
		return MLW_SPEC_ENVIRONMENT;
	if (group && !strcmp(group, "endpoint"))
		return sniff_endpoint(root);
	if (group && !strcmp(group, "component")) {
		if (type && !strcasecmp(type, "pipeline"))
			return MLW_SPEC_PIPELINE_COMPONENT;
		return MLW_SPEC_COMMAND_COMPONENT;
	}
	if (group && !strcmp(group, "compute"))
		return sniff_compute(root, type, d);
	/* jobs: type decides, and no type means a command job */
	if (!type || !strcasecmp(type, "command"))
		return MLW_SPEC_COMMAND_JOB;
	if (!strcasecmp(type, "sweep"))
		return MLW_SPEC_SWEEP_JOB;
	if (!strcasecmp(type, "pipeline"))
		return MLW_SPEC_PIPELINE_JOB;
	if (!strcasecmp(type, "automl"))
		return MLW_SPEC_AUTOML_JOB;
	{
		static const char *const types[] = {
			"command", "sweep", "pipeline", "automl", NULL
		};
		const struct mlw_yaml_node *t = mlw_yaml_map_get(root, "type");
		const char *hint = mlw_suggest(type, types);

		if (hint)
			mlw_diags_add(d, 0, t, "unknown job type '%s' (did you "
				      "mean '%s'?); one of: command, sweep, "
				      "pipeline, automl", type, hint);
		else
			mlw_diags_add(d, 0, t, "unknown job type '%s'; one of: "
				      "command, sweep, pipeline, automl", type);
	}
	return MLW_SPEC_UNKNOWN;
}

static int group_accepts(const char *group, enum mlw_spec_kind kind)
{
	const char *g = mlw_spec_kind_info(kind)->group;

	return !group || (g && !strcmp(g, group));
}

/* --- loading ------------------------------------------------------------- */

static int load(struct mlw_spec **out, const char *path, const char *text,
		const struct mlw_spec_options *opts)
{
	struct mlw_spec *spec;
	const struct mlw_spec_kind_info *info;
	const struct mlw_yaml_node *root;
	size_t i;
	int ret;

	*out = NULL;
	spec = mlw_calloc(1, sizeof(*spec));
	spec->path = mlw_strdup(path);
	spec->dir = mlw_path_dirname(path);
	if (text)
		ret = mlw_yaml_load_mem(&spec->doc, path, text, strlen(text));
	else
		ret = mlw_yaml_load_file(&spec->doc, path);
	if (ret == MLW_EINVALID && mlw_yaml_last_error()->line) {
		const struct mlw_yaml_error *e = mlw_yaml_last_error();

		mlw_diags_add_at(&spec->diags, 0, spec->path, e->line, e->col,
				 "%s", e->msg);
		*out = spec;
		return 0;
	}
	if (ret) {
		mlw_spec_free(spec);
		return ret;
	}
	/* overrides first: they may change anything, even the kind */
	if (spec->doc->root->kind == MLW_YAML_MAP)
		for (i = 0; opts && i < opts->nr_overrides; i++)
			mlw_spec_apply_override(spec->doc, opts->overrides[i],
						&spec->diags);
	root = spec->doc->root;
	spec->kind = mlw_spec_detect_kind(spec->doc, path,
					  opts ? opts->group : NULL,
					  &spec->diags);
	if (!spec->kind)
		goto done;
	info = mlw_spec_kind_info(spec->kind);
	if (!group_accepts(opts ? opts->group : NULL, spec->kind)) {
		const struct mlw_yaml_node *at = mlw_yaml_map_get(root,
								  "$schema");

		mlw_diags_add(&spec->diags, 0, at ? at : root, "this is %s %s "
			      "spec (%s), not %s %s spec; use 'mlw %s'",
			      strchr("aeiouAEIOU", info->what[0]) ? "an" : "a",
			      info->what, info->name,
			      strchr("aeiouAEIOU", opts->group[0]) ? "an" : "a",
			      opts->group, info->group);
		goto done;
	}
	mlw_schema_check(info->schema, root, "", &spec->diags);
	mlw_spec_check_rules(spec, opts);
done:
	mlw_diags_sort(&spec->diags, spec->path);
	*out = spec;
	return 0;
}

int mlw_spec_load(struct mlw_spec **out, const char *path,
		  const struct mlw_spec_options *opts)
{
	return load(out, path, NULL, opts);
}

int mlw_spec_load_mem(struct mlw_spec **out, const char *name,
		      const char *text, const struct mlw_spec_options *opts)
{
	return load(out, name, text, opts);
}


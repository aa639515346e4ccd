/*
 * spec.c - load a spec: YAML, --set overrides, kind, schema, and the
 * cross-field rules (references, defaults, paths).
 *
 * The schema tables say what each key may hold; this file says what keys
 * mean together: a ${{inputs.x}} needs an input x, a component default
 * must read as its declared type.  A sweep's own rules (grid sampling
 * needs choice distributions...) are the sweep engine's
 * (mlw_sweep_check_spec()), applied by whoever validates or runs it.  Rules that depend on the outside world (a local path, an asset in
 * the store) are warnings: the spec may be valid on another machine.
 */
#include "spec/spec.h"
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

int mlw_spec_error_at(const struct mlw_yaml_node *n, const char *fmt, ...)
{
	struct mlw_buf b = MLW_BUF_INIT;
	va_list ap;
	int ret;

	if (n)
		mlw_buf_addf(&b, "%s:%d:%d: ", n->source, n->line, n->col);
	va_start(ap, fmt);
	mlw_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	ret = mlw_error_setc(MLW_EINVALID, "%s", b.buf);
	mlw_buf_release(&b);
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

static const char *type_of(const struct mlw_yaml_node *root)
{
	const struct mlw_yaml_node *t = mlw_yaml_map_get(root, "type");

	if (!t || t->kind != MLW_YAML_SCALAR || mlw_yaml_is_null(t))
		return NULL;
	return t->text;
}

static int has(const struct mlw_yaml_node *root, const char *key)
{
	return mlw_yaml_map_find(root, key) >= 0;
}

static enum mlw_spec_kind sniff_endpoint(const struct mlw_yaml_node *root)
{
	const char *type = type_of(root);
	int deployment = has(root, "endpoint_name") ||
			 has(root, "instance_type") || has(root, "model") ||
			 has(root, "code_configuration") ||
			 has(root, "instance_count");
	int batch = has(root, "compute") || has(root, "settings") ||
		    has(root, "mini_batch_size") ||
		    has(root, "output_file_name") ||
		    has(root, "max_concurrency_per_instance") ||
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
	if (has(root, "defaults"))
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
	type = type_of(root);
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

/* --- ${{...}} references ------------------------------------------------- */

struct expr_ctx {
	const struct mlw_yaml_node *inputs[2];	/* input maps in scope */
	const struct mlw_yaml_node *outputs[2];
	const struct mlw_yaml_node *search_space;
	/* in a pipeline step's inputs/outputs: the parent's names */
	int parent;
	const struct mlw_yaml_node *parent_inputs, *parent_outputs;
	const struct mlw_yaml_node *parent_jobs;
	int in_step;		/* within jobs.STEP (parent.* is wrong here) */
	int self_refs;		/* inputs.X / outputs.X allowed */
};

static void names_of(struct mlw_strlist *l, const struct mlw_yaml_node *m)
{
	size_t i;

	if (!m || m->kind != MLW_YAML_MAP)
		return;
	for (i = 0; i < m->nr / 2; i++)
		mlw_strlist_push(l, mlw_yaml_key(m, i)->text);
}

/* "unknown input 'x' in ${{inputs.x}} (did you mean 'y'?; known: a, b)" */
static void unknown_name(struct mlw_diags *d, const struct mlw_yaml_node *at,
			 const char *what, const char *name, const char *expr,
			 struct mlw_strlist *known)
{
	struct mlw_buf b = MLW_BUF_INIT;
	size_t i, len = strlen(what);
	/* "inputs", "search_space entries" */
	char *whats = len && what[len - 1] == 'y' ?
		      mlw_xstrfmt("%.*sies", (int)len - 1, what) :
		      mlw_xstrfmt("%ss", what);
	const char *hint;

	mlw_buf_addf(&b, "'${{%s}}' refers to an unknown %s '%s'", expr, what,
		     name);
	mlw_strlist_push_owned(known, NULL);
	known->nr--;
	hint = mlw_suggest(name, (const char *const *)known->items);
	if (hint)
		mlw_buf_addf(&b, " (did you mean '%s'?)", hint);
	else if (!known->nr)
		mlw_buf_addf(&b, "; there are no %s", whats);
	else {
		mlw_buf_addf(&b, "; known %s: ", whats);
		for (i = 0; i < known->nr && i < 8; i++)
			mlw_buf_addf(&b, "%s%s", i ? ", " : "", known->items[i]);
		if (known->nr > 8)
			mlw_buf_adds(&b, ", ...");
	}
	mlw_diags_add(d, 0, at, "%s", b.buf);
	mlw_buf_release(&b);
	free(whats);
}

static int name_in(const struct mlw_yaml_node *const *maps, size_t n,
		   const char *name, struct mlw_strlist *known)
{
	size_t i;
	int found = 0;

	for (i = 0; i < n; i++) {
		if (mlw_yaml_map_find(maps[i], name) >= 0)
			found = 1;
		names_of(known, maps[i]);
	}
	return found;
}

static int is_optional_input(const struct expr_ctx *c, const char *name)
{
	size_t i;

	for (i = 0; i < 2; i++) {
		const struct mlw_yaml_node *in = mlw_yaml_map_get(c->inputs[i],
								  name);
		int opt = 0;

		if (in && in->kind == MLW_YAML_MAP &&
		    !mlw_yaml_to_bool(mlw_yaml_map_get(in, "optional"), &opt) &&
		    opt)
			return 1;
	}
	return 0;
}

/* the outputs a step declares, when they are visible in this file */
static const struct mlw_yaml_node *step_outputs(const struct mlw_yaml_node *step,
						int *known)
{
	const struct mlw_yaml_node *comp = mlw_yaml_map_get(step, "component");
	const struct mlw_yaml_node *trial = mlw_yaml_map_get(step, "trial");

	*known = 1;
	if (comp && comp->kind == MLW_YAML_SCALAR)
		*known = 0;	/* declared in a component file or asset */
	if (trial && trial->kind == MLW_YAML_SCALAR)
		*known = 0;
	if (comp && comp->kind == MLW_YAML_MAP)
		return mlw_yaml_map_get(comp, "outputs");
	return mlw_yaml_map_get(step, "outputs");
}

static void check_one_ref(struct mlw_diags *d, const struct mlw_yaml_node *at,
			  const struct expr_ctx *c, const char *expr,
			  int in_optional, int legacy)
{
	struct mlw_strlist known = MLW_STRLIST_INIT;
	const char *dot;
	char *root;

	if (!strcmp(expr, "name") || !strcmp(expr, "default_datastore"))
		return;
	dot = strchr(expr, '.');
	root = dot ? mlw_strndup(expr, (size_t)(dot - expr)) : mlw_strdup(expr);
	/*
	 * search_space.NAME.KEY: KEY of the dictionary a choice NAME took
	 * (the sweep binds it; NAME is checked here)
	 */
	if (!strcmp(root, "search_space") && dot && dot[1] &&
	    strchr(dot + 1, '.') && dot[1] != '.') {
		const char *end = strchr(dot + 1, '.');
		char *top = mlw_strndup(expr, (size_t)(end - expr));

		check_one_ref(d, at, c, top, in_optional, legacy);
		free(top);
	} else if ((!strcmp(root, "inputs") || !strcmp(root, "outputs") ||
	     !strcmp(root, "search_space")) && dot && dot[1] &&
	    !strchr(dot + 1, '.')) {
		const char *name = dot + 1;

		if (c->parent && strcmp(root, "search_space")) {
			mlw_diags_add(d, 0, at, "'${{%s}}' in a step's %s: "
				      "bind to the pipeline with "
				      "'${{parent.%s}}'", expr,
				      "inputs/outputs", expr);
		} else if (!c->self_refs) {
			mlw_diags_add(d, 0, at, "'${{%s}}' cannot be used here",
				      expr);
		} else if (!strcmp(root, "inputs")) {
			if (!name_in(c->inputs, 2, name, &known))
				unknown_name(d, at, "input", name, expr, &known);
			else if (!in_optional && !legacy &&
				 is_optional_input(c, name))
				mlw_diags_add(d, 1, at, "optional input '%s' "
					      "used outside '$[[ ... ]]': the "
					      "command breaks when it is not "
					      "given", name);
		} else if (!strcmp(root, "outputs")) {
			if (!name_in(c->outputs, 2, name, &known))
				unknown_name(d, at, "output", name, expr,
					     &known);
		} else {
			if (!c->search_space)
				mlw_diags_add(d, 0, at, "'${{%s}}' outside a "
					      "sweep: there is no search_space",
					      expr);
			else if (!name_in(&c->search_space, 1, name, &known))
				unknown_name(d, at, "search_space entry", name,
					     expr, &known);
		}
	} else if (!strcmp(root, "parent") && dot) {
		char *rest = mlw_strdup(dot + 1);
		char *p2 = strchr(rest, '.');

		if (!c->parent) {
			mlw_diags_add(d, 0, at, "'${{%s}}' is only valid in a "
				      "pipeline step's inputs, outputs or "
				      "compute", expr);
		} else if (p2 && !strchr(p2 + 1, '.') &&
			   (!strncmp(rest, "inputs.", 7) ||
			    !strncmp(rest, "outputs.", 8))) {
			int is_in = rest[0] == 'i';
			const struct mlw_yaml_node *m = is_in ?
				c->parent_inputs : c->parent_outputs;

			if (!name_in(&m, 1, p2 + 1, &known))
				unknown_name(d, at, is_in ? "pipeline input" :
					     "pipeline output", p2 + 1, expr,
					     &known);
		} else if (!strncmp(rest, "jobs.", 5)) {
			/* parent.jobs.STEP.outputs.NAME */
			char *step = rest + 5, *kind, *name;
			const struct mlw_yaml_node *s;

			kind = strchr(step, '.');
			name = kind ? strchr(kind + 1, '.') : NULL;
			if (!kind || !name || strchr(name + 1, '.') ||
			    (strncmp(kind, ".outputs.", 9) &&
			     strncmp(kind, ".inputs.", 8))) {
				mlw_diags_add(d, 0, at, "malformed reference "
					      "'${{%s}}'; expected "
					      "parent.jobs.STEP.outputs.NAME",
					      expr);
			} else {
				*kind = '\0';
				s = mlw_yaml_map_get(c->parent_jobs, step);
				if (!s) {
					names_of(&known, c->parent_jobs);
					*kind = '.';
					*strchr(step, '.') = '\0';
					unknown_name(d, at, "step", step, expr,
						     &known);
				} else if (kind[1] == 'o') {
					int visible;
					const struct mlw_yaml_node *outs =
						step_outputs(s, &visible);

					if (visible && !name_in(&outs, 1,
								name + 1,
								&known)) {
						*kind = '.';
						unknown_name(d, at,
							     "step output",
							     name + 1, expr,
							     &known);
					}
				}
			}
		} else {
			mlw_diags_add(d, 0, at, "unknown reference '${{%s}}'; "
				      "expected parent.inputs.NAME, "
				      "parent.outputs.NAME or "
				      "parent.jobs.STEP.outputs.NAME", expr);
		}
		free(rest);
	} else {
		mlw_diags_add(d, 0, at, "unknown reference '${{%s}}'; expected "
			      "inputs.NAME, outputs.NAME, search_space.NAME, "
			      "parent.inputs.NAME, parent.outputs.NAME, "
			      "parent.jobs.STEP.outputs.NAME, name or "
			      "default_datastore", expr);
	}
	free(root);
	mlw_strlist_release(&known);
}

static int ident_char(int c)
{
	return isalnum(c) || c == '_' || c == '.' || c == '-';
}

/*
 * Where offset of a scalar's text is in the file: exact for one-line
 * scalars (quoted ones start one column later); the scalar's own position
 * for block and multi-line scalars, whose folding loses the mapping.
 */
static struct mlw_yaml_node exact_position(const struct mlw_yaml_node *n,
					   size_t offset)
{
	struct mlw_yaml_node at = *n;

	if (memchr(n->text, '\n', n->len) || n->style == MLW_YAML_LITERAL ||
	    n->style == MLW_YAML_FOLDED)
		return at;
	if (n->style == MLW_YAML_PLAIN)
		at.col += (int)offset;
	else if (!memchr(n->text, '\\', offset) &&
		 !memchr(n->text, '\'', offset))
		at.col += (int)offset + 1;
	return at;
}

/* scan one string for ${{...}}, $[[...]] and legacy {search_space.x} */
static void check_string(struct mlw_diags *d, const struct mlw_yaml_node *n,
			 const struct expr_ctx *c)
{
	const char *s = n->text, *p = s;
	int optional_depth = 0;
	struct mlw_yaml_node at;

	if (!strchr(s, '{') && !strstr(s, "$[["))
		return;
	while (*p) {
		if (!strncmp(p, "$[[", 3)) {
			optional_depth++;
			p += 3;
		} else if (!strncmp(p, "]]", 2) && optional_depth) {
			optional_depth--;
			p += 2;
		} else if (!strncmp(p, "${{", 3)) {
			const char *end = strstr(p + 3, "}}");
			char *expr;
			size_t a, b;

			if (!end) {
				mlw_diags_add(d, 0, n, "unterminated '${{' (no "
					      "closing '}}')");
				return;
			}
			a = 3;
			while (p + a < end && isspace((unsigned char)p[a]))
				a++;
			b = (size_t)(end - p);
			while (b > a && isspace((unsigned char)p[b - 1]))
				b--;
			expr = mlw_strndup(p + a, b - a);
			at = exact_position(n, (size_t)(p - s));
			if (!*expr)
				mlw_diags_add(d, 0, &at, "empty reference '${{}}'");
			else
				check_one_ref(d, &at, c, expr, optional_depth, 0);
			free(expr);
			p = end + 2;
		} else if (*p == '{' && (p == s || (p[-1] != '{' && p[-1] != '$'))
			   && (!strncmp(p + 1, "search_space.", 13) ||
			       !strncmp(p + 1, "inputs.", 7) ||
			       !strncmp(p + 1, "outputs.", 8))) {
			const char *q = p + 1;

			while (ident_char((unsigned char)*q))
				q++;
			if (*q == '}') {
				char *expr = mlw_strndup(p + 1,
							 (size_t)(q - p - 1));

				at = exact_position(n, (size_t)(p - s));
				mlw_diags_add(d, 1, &at, "legacy reference "
					      "'{%s}'; write '${{%s}}'", expr,
					      expr);
				check_one_ref(d, &at, c, expr, 1, 1);
				free(expr);
				p = q + 1;
				continue;
			}
			p++;
		} else {
			p++;
		}
	}
	if (optional_depth)
		mlw_diags_add(d, 0, n, "unterminated '$[[' (no closing ']]')");
}

static void walk_strings(struct mlw_diags *d, const struct mlw_yaml_node *n,
			 const struct expr_ctx *c, size_t *budget)
{
	size_t i;

	if (!n || !*budget)
		return;
	--*budget;
	if (n->kind == MLW_YAML_SCALAR) {
		if (n->style != MLW_YAML_PLAIN ||
		    mlw_yaml_scalar_type(n) == MLW_YAML_STR)
			check_string(d, n, c);
		return;
	}
	for (i = 0; i < n->nr; i++)
		if (n->kind == MLW_YAML_SEQ || i % 2)
			walk_strings(d, n->items[i], c, budget);
}

static void check_steps(struct mlw_diags *d, const struct mlw_yaml_node *root,
			size_t *budget);

/*
 * A job or component body: every string may use its own inputs, outputs
 * and (sweeps) search space, except the step maps of a pipeline, which
 * have their own scopes.
 */
static void check_body(struct mlw_diags *d, const struct mlw_yaml_node *root,
		       const struct mlw_yaml_node *extra_inputs,
		       const struct mlw_yaml_node *extra_outputs, int in_step,
		       size_t *budget)
{
	struct expr_ctx c;
	size_t i;

	if (!root || root->kind != MLW_YAML_MAP)
		return;
	memset(&c, 0, sizeof(c));
	c.inputs[0] = mlw_yaml_map_get(root, "inputs");
	c.inputs[1] = extra_inputs;
	c.outputs[0] = mlw_yaml_map_get(root, "outputs");
	c.outputs[1] = extra_outputs;
	c.search_space = mlw_yaml_map_get(root, "search_space");
	c.self_refs = 1;
	c.in_step = in_step;
	for (i = 0; i < root->nr / 2; i++) {
		const char *key = mlw_yaml_key(root, i)->text;
		const struct mlw_yaml_node *v = mlw_yaml_value(root, i);

		if (!strcmp(key, "jobs") && v->kind == MLW_YAML_MAP)
			check_steps(d, root, budget);
		else if (!strcmp(key, "component") && v->kind == MLW_YAML_MAP)
			check_body(d, v, c.inputs[0] ? c.inputs[0] :
				   c.inputs[1], c.outputs[0] ? c.outputs[0] :
				   c.outputs[1], 1, budget);
		else if (!strcmp(key, "search_space"))
			continue;
		else
			walk_strings(d, v, &c, budget);
	}
}

static void check_steps(struct mlw_diags *d, const struct mlw_yaml_node *root,
			size_t *budget)
{
	const struct mlw_yaml_node *jobs = mlw_yaml_map_get(root, "jobs");
	size_t i, j;

	for (i = 0; i < jobs->nr / 2; i++) {
		const struct mlw_yaml_node *step = mlw_yaml_value(jobs, i);
		struct expr_ctx pc;

		if (step->kind != MLW_YAML_MAP)
			continue;
		/* inputs, outputs, compute: evaluated in the parent */
		memset(&pc, 0, sizeof(pc));
		pc.parent = 1;
		pc.parent_inputs = mlw_yaml_map_get(root, "inputs");
		pc.parent_outputs = mlw_yaml_map_get(root, "outputs");
		pc.parent_jobs = jobs;
		pc.self_refs = 1;
		for (j = 0; j < step->nr / 2; j++) {
			const char *key = mlw_yaml_key(step, j)->text;

			if (!strcmp(key, "inputs") || !strcmp(key, "outputs") ||
			    !strcmp(key, "compute"))
				walk_strings(d, mlw_yaml_value(step, j), &pc,
					     budget);
		}
		/* the rest: the step's own scope */
		{
			struct mlw_yaml_node shadow = *step;
			size_t k, kept = 0;
			struct mlw_yaml_node **items =
				mlw_calloc(step->nr ? step->nr : 1,
					   sizeof(*items));

			for (k = 0; k < step->nr / 2; k++) {
				const char *key = mlw_yaml_key(step, k)->text;

				if (!strcmp(key, "inputs") ||
				    !strcmp(key, "outputs") ||
				    !strcmp(key, "compute"))
					continue;
				items[kept++] = mlw_yaml_key(step, k);
				items[kept++] = mlw_yaml_value(step, k);
			}
			shadow.items = items;
			shadow.nr = kept;
			check_body(d, &shadow, mlw_yaml_map_get(step, "inputs"),
				   mlw_yaml_map_get(step, "outputs"), 1, budget);
			free(items);
		}
	}
}

/* --- component inputs ---------------------------------------------------- */

/*
 * A literal given for an input of declared type (integer, number,
 * boolean; other types take any text) that does not read as that type
 * is an error at the literal: "value of integer input 'n' must be an
 * integer, not 'abc'".  field is "default" or "value".
 */
static void check_literal(struct mlw_diags *d, const char *type,
			  const char *name, const char *field,
			  const struct mlw_yaml_node *v)
{
	const char *want;
	int64_t iv;
	double dv;
	int b;

	/* not a scalar: the schema says so */
	if (!v || mlw_yaml_is_null(v) || v->kind != MLW_YAML_SCALAR)
		return;
	if (strstr(v->text, "${{"))
		return;		/* a binding: its value comes later */
	if (!strcasecmp(type, "integer") && mlw_yaml_to_int(v, &iv))
		want = "an integer";
	else if (!strcasecmp(type, "number") && mlw_yaml_to_double(v, &dv))
		want = "a number";
	else if (!strcasecmp(type, "boolean") && mlw_yaml_to_bool(v, &b))
		want = "true or false";
	else
		return;
	mlw_diags_add(d, 0, v, "%s of %s input '%s' must be %s, not '%s'",
		      field, type, name, want, v->text);
}

/* the declared type of an input mapping, or NULL */
static const char *input_type(const struct mlw_yaml_node *in)
{
	const struct mlw_yaml_node *t = mlw_yaml_map_get(in, "type");

	if (!in || in->kind != MLW_YAML_MAP || !t ||
	    t->kind != MLW_YAML_SCALAR)
		return NULL;
	return t->text;
}

/*
 * Typed inputs: a value or default that does not read as its type
 * ({type: integer, value: abc}); for a component's inputs (component
 * set) also min and max only on numbers, enum only on strings.
 */
static void check_typed_inputs(struct mlw_diags *d,
			       const struct mlw_yaml_node *inputs,
			       int component)
{
	size_t i;

	if (!inputs || inputs->kind != MLW_YAML_MAP)
		return;
	for (i = 0; i < inputs->nr / 2; i++) {
		const char *name = mlw_yaml_key(inputs, i)->text;
		const struct mlw_yaml_node *in = mlw_yaml_value(inputs, i);
		const char *type = input_type(in);
		const struct mlw_yaml_node *n;

		if (!type)
			continue;
		check_literal(d, type, name, "value",
			      mlw_yaml_map_get(in, "value"));
		check_literal(d, type, name, "default",
			      mlw_yaml_map_get(in, "default"));
		if (!component)
			continue;
		n = mlw_yaml_map_get(in, "min");
		if (!n)
			n = mlw_yaml_map_get(in, "max");
		if (n && strcasecmp(type, "integer") &&
		    strcasecmp(type, "number"))
			mlw_diags_add(d, 0, n, "min and max apply to integer "
				      "and number inputs, not to %s input '%s'",
				      type, name);
		n = mlw_yaml_map_get(in, "enum");
		if (n && strcasecmp(type, "string"))
			mlw_diags_add(d, 0, n, "enum applies to string inputs, "
				      "not to %s input '%s'", type, name);
	}
}

/* --- pipeline steps against their components ----------------------------- */

/*
 * Component files a pipeline's steps name, loaded once each.  az reads
 * them when it loads the pipeline and checks each step against the
 * component's declared inputs; so does mlw, for the components it can
 * see: inline ones and local files.  Asset and registry components are
 * not here, and their steps are not checked.
 */
struct comp_files {
	char **paths;
	struct mlw_yaml_doc **docs;	/* NULL: did not load */
	size_t nr, alloc;
};

#define MAX_COMPONENT_FILES 256

static const struct mlw_yaml_node *component_file(struct comp_files *cf,
						  const char *dir,
						  const char *text)
{
	struct mlw_ref ref;
	struct mlw_yaml_doc *doc = NULL;
	size_t i;

	if (mlw_ref_parse(&ref, text, dir) || ref.kind != MLW_REF_LOCAL) {
		mlw_ref_release(&ref);
		return NULL;
	}
	for (i = 0; i < cf->nr; i++)
		if (!strcmp(cf->paths[i], ref.path)) {
			mlw_ref_release(&ref);
			return cf->docs[i] ? cf->docs[i]->root : NULL;
		}
	if (cf->nr == MAX_COMPONENT_FILES) {
		mlw_ref_release(&ref);
		return NULL;
	}
	/* a file that does not load is reported where it is validated */
	if (mlw_yaml_load_file(&doc, ref.path))
		mlw_error_clear();
	MLW_ALLOC_GROW(cf->paths, cf->nr + 1, cf->alloc);
	cf->docs = mlw_realloc(cf->docs, cf->alloc * sizeof(*cf->docs));
	cf->paths[cf->nr] = ref.path;
	cf->docs[cf->nr++] = doc;
	ref.path = NULL;
	mlw_ref_release(&ref);
	return doc ? doc->root : NULL;
}

static void comp_files_release(struct comp_files *cf)
{
	size_t i;

	for (i = 0; i < cf->nr; i++) {
		free(cf->paths[i]);
		mlw_yaml_free(cf->docs[i]);
	}
	free(cf->paths);
	free(cf->docs);
}

/*
 * The inputs a step's component declares into *out (NULL: none); 0 when
 * the component is not seen here (an asset, a registry, a sweep's trial
 * that also takes search_space, a parallel step's data).
 */
static int declared_inputs(const struct mlw_yaml_node **out,
			   struct comp_files *cf, const char *dir,
			   const struct mlw_yaml_node *step)
{
	const struct mlw_yaml_node *comp = mlw_yaml_map_get(step, "component");
	const struct mlw_yaml_node *in;
	const char *t = type_of(step);

	*out = NULL;
	if (!comp || (t && strcasecmp(t, "command") &&
		      strcasecmp(t, "pipeline")))
		return 0;
	if (comp->kind == MLW_YAML_SCALAR && !mlw_yaml_is_null(comp))
		comp = component_file(cf, dir, comp->text);
	if (!comp || comp->kind != MLW_YAML_MAP)
		return 0;
	in = mlw_yaml_map_get(comp, "inputs");
	if (in && in->kind != MLW_YAML_MAP)
		return 0;
	*out = in;
	return 1;
}

static int input_required(const struct mlw_yaml_node *in)
{
	int opt = 0;

	if (in->kind != MLW_YAML_MAP)
		return 0;
	if (!mlw_yaml_to_bool(mlw_yaml_map_get(in, "optional"), &opt) && opt)
		return 0;
	return mlw_yaml_is_null(mlw_yaml_map_get(in, "default"));
}

/*
 * A step binds only inputs its component declares, binds every required
 * one, and a literal it gives fits the declared type: what az checks
 * when it loads the pipeline ("Required input ... not provided").
 */
static void check_step_inputs(struct mlw_diags *d, struct comp_files *cf,
			      const char *dir, const char *step_name,
			      const struct mlw_yaml_node *step_key,
			      const struct mlw_yaml_node *step)
{
	const struct mlw_yaml_node *decl;
	const struct mlw_yaml_node *given = mlw_yaml_map_get(step, "inputs");
	struct mlw_strlist known = MLW_STRLIST_INIT;
	long at = mlw_yaml_map_find(step, "inputs");
	size_t i;

	if (!declared_inputs(&decl, cf, dir, step))
		return;
	names_of(&known, decl);
	mlw_strlist_push_owned(&known, NULL);
	known.nr--;
	for (i = 0; given && given->kind == MLW_YAML_MAP &&
	     i < given->nr / 2; i++) {
		const struct mlw_yaml_node *k = mlw_yaml_key(given, i);
		const struct mlw_yaml_node *v = mlw_yaml_value(given, i);
		const struct mlw_yaml_node *in = mlw_yaml_map_get(decl, k->text);
		const char *type;

		if (!in) {
			const char *hint = mlw_suggest(k->text,
				(const char *const *)known.items);

			if (hint)
				mlw_diags_add(d, 0, k, "step '%s' gives input "
					      "'%s', which its component does "
					      "not declare (did you mean "
					      "'%s'?)", step_name, k->text,
					      hint);
			else
				mlw_diags_add(d, 0, k, "step '%s' gives input "
					      "'%s', which its component does "
					      "not declare", step_name,
					      k->text);
			continue;
		}
		type = input_type(in);
		if (!type)
			continue;
		/* a typed mapping is checked against its own type */
		if (v->kind == MLW_YAML_SCALAR)
			check_literal(d, type, k->text, "value", v);
		else if (!input_type(v))
			check_literal(d, type, k->text, "value",
				      mlw_yaml_map_get(v, "value"));
	}
	for (i = 0; decl && i < decl->nr / 2; i++) {
		const char *name = mlw_yaml_key(decl, i)->text;

		if (!input_required(mlw_yaml_value(decl, i)) ||
		    mlw_yaml_map_find(given, name) >= 0)
			continue;
		mlw_diags_add(d, 0, at >= 0 ? mlw_yaml_key(step, at) : step_key,
			      "step '%s' leaves required input '%s' of its "
			      "component unbound", step_name, name);
	}
	known.nr++;
	mlw_strlist_release(&known);
}

static void check_pipeline_steps(struct mlw_diags *d,
				 const struct mlw_yaml_node *root,
				 const char *dir)
{
	const struct mlw_yaml_node *jobs = mlw_yaml_map_get(root, "jobs");
	struct comp_files cf = { NULL, NULL, 0, 0 };
	size_t i;

	if (!jobs || jobs->kind != MLW_YAML_MAP)
		return;
	for (i = 0; i < jobs->nr / 2; i++) {
		const struct mlw_yaml_node *step = mlw_yaml_value(jobs, i);

		if (step->kind != MLW_YAML_MAP)
			continue;
		check_typed_inputs(d, mlw_yaml_map_get(step, "inputs"), 0);
		check_step_inputs(d, &cf, dir, mlw_yaml_key(jobs, i)->text,
				  mlw_yaml_key(jobs, i), step);
	}
	comp_files_release(&cf);
}

/* modes that make sense for data inputs and outputs */
static void check_modes(struct mlw_diags *d, const struct mlw_yaml_node *m,
			int outputs)
{
	size_t i;

	if (!m || m->kind != MLW_YAML_MAP)
		return;
	for (i = 0; i < m->nr / 2; i++) {
		const struct mlw_yaml_node *io = mlw_yaml_value(m, i);
		const struct mlw_yaml_node *mode = mlw_yaml_map_get(io, "mode");
		const struct mlw_yaml_node *t = mlw_yaml_map_get(io, "type");

		if (outputs || !mode || mode->kind != MLW_YAML_SCALAR)
			continue;
		if (!strncasecmp(mode->text, "eval_", 5) && t &&
		    t->kind == MLW_YAML_SCALAR && strcasecmp(t->text, "mltable"))
			mlw_diags_add(d, 0, mode, "mode '%s' is only for "
				      "mltable inputs, not %s", mode->text,
				      t->text);
	}
}

/* --- paths and assets ---------------------------------------------------- */

struct ref_check {
	struct mlw_diags *d;
	const struct mlw_spec_options *opts;
	const char *dir;
};

static void check_ref(struct ref_check *rc, const struct mlw_yaml_node *n,
		      const char *what)
{
	struct mlw_ref ref;
	struct stat st;

	if (!n || n->kind != MLW_YAML_SCALAR || mlw_yaml_is_null(n))
		return;
	if (strstr(n->text, "${{") || (n->text[0] == '<' &&
					n->text[n->len - 1] == '>'))
		return;	/* a binding or a template placeholder */
	if (mlw_ref_parse(&ref, n->text, rc->dir)) {
		mlw_diags_add(rc->d, 0, n, "%s", mlw_error_last());
		mlw_ref_release(&ref);
		return;
	}
	switch (ref.kind) {
	case MLW_REF_LOCAL:
		if (stat(ref.path, &st) < 0)
			mlw_diags_add(rc->d, 1, n, "%s '%s' does not exist "
				      "(looked for '%s')", what, n->text,
				      ref.path);
		break;
	case MLW_REF_ASSET:
	case MLW_REF_JOB_OUTPUT:
		if (rc->opts && rc->opts->asset_exists &&
		    !rc->opts->asset_exists(rc->opts->asset_data, &ref,
					    what))
			mlw_diags_add(rc->d, 1, n, "%s '%s' is not in the "
				      "local store", what, n->text);
		break;
	case MLW_REF_REMOTE:
		if (mlw_starts_with(n->text, "azureml:") &&
		    !mlw_ref_is_remote(n->text))
			mlw_diags_add(rc->d, 1, n, "%s '%s' is a form of "
				      "reference mlw does not know: az takes "
				      "it, a job that needs it cannot run "
				      "here", what, n->text);
		break;
	default:
		break;
	}
	mlw_ref_release(&ref);
}

static void check_env_paths(struct ref_check *rc,
			    const struct mlw_yaml_node *env)
{
	const struct mlw_yaml_node *x;

	if (!env || env->kind != MLW_YAML_MAP)
		return;
	x = mlw_yaml_map_get(env, "conda_file");
	if (x && x->kind == MLW_YAML_SCALAR)
		check_ref(rc, x, "conda file");
	x = mlw_yaml_get(env, "build.path");
	check_ref(rc, x, "build context");
}

static void check_io_paths(struct ref_check *rc, const struct mlw_yaml_node *m)
{
	size_t i;

	if (!m || m->kind != MLW_YAML_MAP)
		return;
	for (i = 0; i < m->nr / 2; i++) {
		const struct mlw_yaml_node *v = mlw_yaml_value(m, i);

		if (v->kind == MLW_YAML_MAP)
			check_ref(rc, mlw_yaml_map_get(v, "path"), "input path");
	}
}

static void check_body_paths(struct ref_check *rc,
			     const struct mlw_yaml_node *body, int depth);

static void check_component_ref(struct ref_check *rc,
				const struct mlw_yaml_node *c, int depth)
{
	if (!c)
		return;
	if (c->kind == MLW_YAML_MAP)
		check_body_paths(rc, c, depth + 1);
	else
		check_ref(rc, c, "component");
}

static void check_body_paths(struct ref_check *rc,
			     const struct mlw_yaml_node *body, int depth)
{
	const struct mlw_yaml_node *jobs, *x;
	size_t i;

	if (!body || body->kind != MLW_YAML_MAP || depth > 8)
		return;
	check_ref(rc, mlw_yaml_map_get(body, "code"), "code folder");
	x = mlw_yaml_map_get(body, "environment");
	check_env_paths(rc, x);
	check_io_paths(rc, mlw_yaml_map_get(body, "inputs"));
	check_component_ref(rc, mlw_yaml_map_get(body, "component"), depth);
	x = mlw_yaml_map_get(body, "trial");
	if (x && x->kind == MLW_YAML_SCALAR)
		check_ref(rc, x, "trial component");
	else if (x)
		check_body_paths(rc, x, depth + 1);
	x = mlw_yaml_map_get(body, "task");
	if (x) {
		check_ref(rc, mlw_yaml_map_get(x, "code"), "code folder");
		check_env_paths(rc, mlw_yaml_map_get(x, "environment"));
	}
	jobs = mlw_yaml_map_get(body, "jobs");
	if (jobs && jobs->kind == MLW_YAML_MAP)
		for (i = 0; i < jobs->nr / 2; i++)
			check_body_paths(rc, mlw_yaml_value(jobs, i), depth + 1);
}

static void check_paths(struct mlw_spec *spec,
			const struct mlw_spec_options *opts)
{
	const struct mlw_yaml_node *root = spec->doc->root, *x;
	struct ref_check rc = { &spec->diags, opts, spec->dir };
	size_t i;

	switch (spec->kind) {
	case MLW_SPEC_DATA:
		x = mlw_yaml_map_get(root, "path");
		check_ref(&rc, x, "data path");
		break;
	case MLW_SPEC_MODEL:
		check_ref(&rc, mlw_yaml_map_get(root, "path"), "model path");
		break;
	case MLW_SPEC_ENVIRONMENT:
		check_env_paths(&rc, root);
		break;
	case MLW_SPEC_MLTABLE:
		x = mlw_yaml_map_get(root, "paths");
		for (i = 0; x && x->kind == MLW_YAML_SEQ && i < x->nr; i++) {
			const struct mlw_yaml_node *p = x->items[i];

			check_ref(&rc, mlw_yaml_map_get(p, "file"), "file");
			check_ref(&rc, mlw_yaml_map_get(p, "folder"), "folder");
		}
		break;
	case MLW_SPEC_ONLINE_DEPLOYMENT:
	case MLW_SPEC_K8S_ONLINE_DEPLOYMENT:
	case MLW_SPEC_BATCH_DEPLOYMENT:
	case MLW_SPEC_MODEL_BATCH_DEPLOYMENT:
	case MLW_SPEC_PIPELINE_BATCH_DEPLOYMENT:
		x = mlw_yaml_map_get(root, "model");
		if (x && x->kind == MLW_YAML_MAP)
			check_ref(&rc, mlw_yaml_map_get(x, "path"),
				  "model path");
		else
			check_ref(&rc, x, "model");
		check_ref(&rc, mlw_yaml_get(root, "code_configuration.code"),
			  "code folder");
		check_env_paths(&rc, mlw_yaml_map_get(root, "environment"));
		check_component_ref(&rc, mlw_yaml_map_get(root, "component"), 0);
		break;
	case MLW_SPEC_AUTOML_JOB:
		break;
	default:
		check_body_paths(&rc, root, 0);
	}
}

/* --- batch deployments: legacy and typed forms --------------------------- */

static void check_batch_form(struct mlw_diags *d,
			     const struct mlw_yaml_node *root)
{
	static const char *const legacy[] = {
		"mini_batch_size", "max_concurrency_per_instance",
		"output_action", "output_file_name", "retry_settings",
		"error_threshold", "logging_level", "environment_variables",
		NULL
	};
	const char *const *k;
	const char *type = type_of(root);

	if (!type && !has(root, "settings"))
		return;
	for (k = legacy; *k; k++) {
		long i = mlw_yaml_map_find(root, *k);

		if (i >= 0)
			mlw_diags_add(d, 0, mlw_yaml_key(root, i), "'%s' "
				      "belongs under 'settings:' when the "
				      "deployment has %s", *k,
				      type ? "a 'type'" : "'settings'");
	}
}

/* --- loading ------------------------------------------------------------- */

/* load path, or with text not NULL the document text named path */
/* a name that can become a path follows the rule for names (util/name.h) */
static void check_name(struct mlw_diags *d, const struct mlw_yaml_node *n,
		       enum mlw_name_kind kind)
{
	if (n && n->kind == MLW_YAML_SCALAR && mlw_name_check(kind, n->text)) {
		mlw_diags_add(d, 0, n, "%s", mlw_error_last());
		mlw_error_clear();
	}
}

/* the keys of map's inputs: and outputs: */
static void check_io_names(struct mlw_diags *d, const struct mlw_yaml_node *map)
{
	static const char *const keys[] = { "inputs", "outputs" };
	size_t i, k;

	for (k = 0; k < 2; k++) {
		const struct mlw_yaml_node *m = mlw_yaml_map_get(map, keys[k]);

		for (i = 0; m && m->kind == MLW_YAML_MAP && 2 * i < m->nr; i++)
			check_name(d, mlw_yaml_key(m, i), k ? MLW_NAME_OUTPUT :
				   MLW_NAME_INPUT);
	}
}

/*
 * A pipeline's steps (jobs:): their names, their inputs and outputs, and
 * those of their inline components, to any depth.  Each becomes a child
 * run and folders named after them when the pipeline runs.
 */
static void check_step_names(struct mlw_diags *d,
			     const struct mlw_yaml_node *body, int depth)
{
	const struct mlw_yaml_node *jobs = mlw_yaml_map_get(body, "jobs");
	size_t i;

	if (!jobs || jobs->kind != MLW_YAML_MAP || depth > 16)
		return;
	for (i = 0; 2 * i < jobs->nr; i++) {
		const struct mlw_yaml_node *step = mlw_yaml_value(jobs, i);
		const struct mlw_yaml_node *comp;

		check_name(d, mlw_yaml_key(jobs, i), MLW_NAME_STEP);
		if (step->kind != MLW_YAML_MAP)
			continue;
		check_io_names(d, step);
		comp = mlw_yaml_map_get(step, "component");
		if (!comp || comp->kind != MLW_YAML_MAP)
			continue;
		check_name(d, mlw_yaml_map_get(comp, "name"),
			   MLW_NAME_COMPONENT);
		check_io_names(d, comp);
		check_step_names(d, comp, depth + 1);
	}
}

static void check_names(struct mlw_diags *d, const struct mlw_yaml_node *root,
			enum mlw_spec_kind kind)
{
	enum mlw_name_kind nk = MLW_NAME_NR_KINDS;

	if (kind >= MLW_SPEC_COMMAND_JOB && kind <= MLW_SPEC_AUTOML_JOB) {
		nk = MLW_NAME_JOB;
		check_name(d, mlw_yaml_map_get(root, "experiment_name"),
			   MLW_NAME_EXPERIMENT);
	} else if (kind == MLW_SPEC_COMMAND_COMPONENT ||
		   kind == MLW_SPEC_PIPELINE_COMPONENT) {
		nk = MLW_NAME_COMPONENT;
	} else if (kind >= MLW_SPEC_ONLINE_ENDPOINT &&
		   kind <= MLW_SPEC_PIPELINE_BATCH_DEPLOYMENT) {
		int endpoint = kind == MLW_SPEC_ONLINE_ENDPOINT ||
			       kind == MLW_SPEC_K8S_ONLINE_ENDPOINT ||
			       kind == MLW_SPEC_BATCH_ENDPOINT;

		nk = endpoint ? MLW_NAME_ENDPOINT : MLW_NAME_DEPLOYMENT;
		check_name(d, mlw_yaml_map_get(root, "endpoint_name"),
			   MLW_NAME_ENDPOINT);
	} else if (kind >= MLW_SPEC_AML_COMPUTE &&
		   kind <= MLW_SPEC_LOCAL_COMPUTE) {
		nk = MLW_NAME_COMPUTE;
	}
	if (nk == MLW_NAME_NR_KINDS)
		return;
	check_name(d, mlw_yaml_map_get(root, "name"), nk);
	if (nk != MLW_NAME_JOB && nk != MLW_NAME_COMPONENT)
		return;
	check_io_names(d, root);
	if (kind == MLW_SPEC_PIPELINE_JOB || kind == MLW_SPEC_PIPELINE_COMPONENT)
		check_step_names(d, root, 0);
}

static int load(struct mlw_spec **out, const char *path, const char *text,
		const struct mlw_spec_options *opts)
{
	struct mlw_spec *spec;
	const struct mlw_spec_kind_info *info;
	const struct mlw_yaml_node *root;
	size_t i, budget = MLW_YAML_MAX_NODES;
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
	if (spec->kind == MLW_SPEC_COMMAND_COMPONENT ||
	    spec->kind == MLW_SPEC_PIPELINE_COMPONENT)
		check_typed_inputs(&spec->diags,
				   mlw_yaml_map_get(root, "inputs"), 1);
	if (spec->kind == MLW_SPEC_BATCH_DEPLOYMENT)
		check_batch_form(&spec->diags, root);
	if (spec->kind == MLW_SPEC_PIPELINE_JOB && !has(root, "jobs") &&
	    !has(root, "component"))
		mlw_diags_add(&spec->diags, 0, root, "a pipeline job needs "
			      "'jobs' (or a pipeline 'component')");
	if (spec->kind == MLW_SPEC_ENVIRONMENT && !has(root, "image") &&
	    !has(root, "build"))
		mlw_diags_add(&spec->diags, 0, root, "an environment needs "
			      "'image' or 'build'");
	switch (spec->kind) {
	case MLW_SPEC_COMMAND_JOB:
	case MLW_SPEC_SWEEP_JOB:
	case MLW_SPEC_PIPELINE_JOB:
	case MLW_SPEC_COMMAND_COMPONENT:
	case MLW_SPEC_PIPELINE_COMPONENT:
		check_modes(&spec->diags, mlw_yaml_map_get(root, "inputs"), 0);
		check_body(&spec->diags, root, NULL, NULL, 0, &budget);
		if (spec->kind != MLW_SPEC_COMMAND_COMPONENT &&
		    spec->kind != MLW_SPEC_PIPELINE_COMPONENT)
			check_typed_inputs(&spec->diags,
					   mlw_yaml_map_get(root, "inputs"), 0);
		check_pipeline_steps(&spec->diags, root, spec->dir);
		break;
	default:
		break;
	}
	check_paths(spec, opts);
	check_names(&spec->diags, root, spec->kind);
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

/*
 * schema.c - the checker, and the schema of every spec kind mlw reads.
 *
 * Tables follow the survey of real specs (shared reference
 * azureml-cli-v2.md), the azure-ai-ml marshmallow schemas and the
 * reference-yaml-* pages: every field real files use is here, with the
 * allowed values the SDK enforces.  Enums compare case-insensitively, as
 * the SDK's StringTransformedEnum does; numbers accept quoted digits as
 * marshmallow does; booleans accept YAML 1.1 words.
 *
 * Strict where az is strict, open where it is open.  azure-ai-ml's
 * schemas raise on unknown keys (NestedField defaults to RAISE) except
 * where they say unknown=INCLUDE: pipeline settings, every pipeline step
 * and the inline components in steps; and fields.Dict() takes any key:
 * tags, properties, environment_variables, resources.properties, the
 * settings of a pipeline component batch deployment.  The dicts are DICT
 * here (any key); the INCLUDE objects are MLW_S_LENIENT (an unknown key
 * is a warning, since a typo there is still most likely a typo).
 */
#include "spec/schema.h"
#include "spec/yaml.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/strutil.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* --- diagnostics --------------------------------------------------------- */

static void diag_vadd(struct mlw_diags *d, int warning, const char *source,
		      int line, int col, const char *fmt, va_list ap)
{
	struct mlw_buf b = MLW_BUF_INIT;
	struct mlw_diag *x;

	mlw_buf_vaddf(&b, fmt, ap);
	MLW_ALLOC_GROW(d->items, d->nr + 1, d->alloc);
	x = &d->items[d->nr++];
	x->warning = warning;
	x->source = source;
	x->line = line;
	x->col = col;
	x->msg = mlw_buf_detach(&b, NULL);
	if (warning)
		d->warnings++;
	else
		d->errors++;
}

void mlw_diags_add(struct mlw_diags *d, int warning,
		   const struct mlw_yaml_node *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(d, warning, at ? at->source : NULL, at ? at->line : 0,
		  at ? at->col : 0, fmt, ap);
	va_end(ap);
}

void mlw_diags_add_at(struct mlw_diags *d, int warning, const char *source,
		      int line, int col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(d, warning, source, line, col, fmt, ap);
	va_end(ap);
}

void mlw_diags_move(struct mlw_diags *dst, struct mlw_diags *src)
{
	size_t i;

	for (i = 0; i < src->nr; i++) {
		MLW_ALLOC_GROW(dst->items, dst->nr + 1, dst->alloc);
		dst->items[dst->nr++] = src->items[i];
		if (src->items[i].warning)
			dst->warnings++;
		else
			dst->errors++;
	}
	free(src->items);
	memset(src, 0, sizeof(*src));
}

static const char *sort_primary;

static int cmp_diag(const void *a, const void *b)
{
	const struct mlw_diag *x = a, *y = b;
	int xs = !(x->source && sort_primary && !strcmp(x->source, sort_primary));
	int ys = !(y->source && sort_primary && !strcmp(y->source, sort_primary));

	if (xs != ys)
		return xs - ys;
	if (xs && x->source && y->source && strcmp(x->source, y->source))
		return 0;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return 0;
}

void mlw_diags_sort(struct mlw_diags *d, const char *primary)
{
	size_t i, j;

	/* insertion sort: stable, and the lists are short */
	sort_primary = primary;
	for (i = 1; i < d->nr; i++) {
		struct mlw_diag t = d->items[i];

		for (j = i; j > 0 && cmp_diag(&d->items[j - 1], &t) > 0; j--)
			d->items[j] = d->items[j - 1];
		d->items[j] = t;
	}
	sort_primary = NULL;
}

void mlw_diags_release(struct mlw_diags *d)
{
	size_t i;

	for (i = 0; i < d->nr; i++)
		free(d->items[i].msg);
	free(d->items);
	memset(d, 0, sizeof(*d));
}

/* --- the checker --------------------------------------------------------- */

const struct mlw_field *mlw_schema_field(const struct mlw_schema *s,
					 const char *key)
{
	const struct mlw_field *f;

	if (!s || s->type != MLW_S_OBJ)
		return NULL;
	for (f = s->fields; f->key; f++)
		if (!strcmp(f->key, key))
			return f;
	return NULL;
}

static char *join_path(const char *path, const char *key)
{
	if (!path || !*path)
		return mlw_strdup(key);
	return mlw_xstrfmt("%s.%s", path, key);
}

/* 'inputs.lr' or "the spec" for messages */
static const char *name_of(const char *path)
{
	return path && *path ? path : "the spec";
}

static void quote_value(struct mlw_buf *b, const struct mlw_yaml_node *n)
{
	if (n->kind == MLW_YAML_SCALAR && !mlw_yaml_is_null(n) && n->len <= 40)
		mlw_buf_addf(b, " '%s'", n->text);
}

static void wrong_type(struct mlw_diags *d, const struct mlw_schema *s,
		       const struct mlw_yaml_node *n, const char *path)
{
	struct mlw_buf b = MLW_BUF_INIT;

	mlw_buf_addf(&b, "'%s' must be %s, not %s", name_of(path), s->what,
		     mlw_yaml_describe(n));
	quote_value(&b, n);
	mlw_diags_add(d, 0, n, "%s", b.buf);
	mlw_buf_release(&b);
}

static void list_values(struct mlw_buf *b, const char *const *v)
{
	for (; *v; v++)
		mlw_buf_addf(b, "%s%s", b->len && b->buf[b->len - 1] != ' ' ?
			     ", " : "", *v);
}

static void bad_enum(struct mlw_diags *d, const char *const *values,
		     const struct mlw_yaml_node *n, const char *path)
{
	struct mlw_buf b = MLW_BUF_INIT;
	const char *hint = mlw_suggest(n->text, values);

	mlw_buf_addf(&b, "'%s' must be one of: ", name_of(path));
	list_values(&b, values);
	mlw_buf_addf(&b, " (got '%s')", n->text);
	if (hint)
		mlw_buf_addf(&b, "; did you mean '%s'?", hint);
	mlw_diags_add(d, 0, n, "%s", b.buf);
	mlw_buf_release(&b);
}

static int enum_has(const char *const *values, const char *s)
{
	for (; *values; values++)
		if (!strcasecmp(*values, s))
			return 1;
	return 0;
}

static int shape_ok(const struct mlw_schema *s, const struct mlw_yaml_node *n)
{
	const struct mlw_schema *const *a;

	if (mlw_yaml_is_null(n) && s->type != MLW_S_UNION)
		return (s->flags & MLW_S_NULLABLE) || s->type == MLW_S_ANY;
	switch (s->type) {
	case MLW_S_ANY:
		return 1;
	case MLW_S_OBJ:
	case MLW_S_DICT:
	case MLW_S_TAGGED:
		return n->kind == MLW_YAML_MAP;
	case MLW_S_LIST:
		return n->kind == MLW_YAML_SEQ;
	case MLW_S_UNION:
		for (a = s->alts; *a; a++)
			if (shape_ok(*a, n))
				return 1;
		return 0;
	default:
		return n->kind == MLW_YAML_SCALAR;
	}
}

static void check_obj(const struct mlw_schema *s, const struct mlw_yaml_node *n,
		      const char *path, struct mlw_diags *d)
{
	const struct mlw_field *f;
	struct mlw_strlist names = MLW_STRLIST_INIT;
	size_t i, given = 0;
	int lenient;

	for (f = s->fields; f->key; f++)
		mlw_strlist_push(&names, f->key);
	mlw_strlist_push_owned(&names, NULL);
	for (i = 0; i < n->nr / 2; i++) {
		const struct mlw_yaml_node *k = mlw_yaml_key(n, i);
		const struct mlw_yaml_node *v = mlw_yaml_value(n, i);
		char *sub;

		f = mlw_schema_field(s, k->text);
		if (!f) {
			const char *hint;

			if (s->flags & MLW_S_OPEN)
				continue;
			hint = mlw_suggest(k->text,
					   (const char *const *)names.items);
			lenient = !!(s->flags & MLW_S_LENIENT);
			if (hint)
				mlw_diags_add(d, lenient, k, "unknown key '%s' "
					      "in %s (did you mean '%s'?)%s",
					      k->text, s->what, hint, lenient ?
					      "; az accepts it, mlw ignores it" :
					      "");
			else
				mlw_diags_add(d, lenient, k, "unknown key '%s' "
					      "in %s%s", k->text, s->what,
					      lenient ? "; az accepts it, mlw "
					      "ignores it" : "");
			continue;
		}
		given++;
		sub = join_path(path, k->text);
		if (mlw_yaml_is_null(v) && !(f->schema->flags & MLW_S_NULLABLE) &&
		    f->schema->type != MLW_S_ANY &&
		    f->schema->type != MLW_S_VERSION) {
			/* "description:" left empty: as if absent */
			if (f->flags & MLW_F_REQUIRED)
				mlw_diags_add(d, 0, k, "'%s' needs a value", sub);
		} else {
			mlw_schema_check(f->schema, v, sub, d);
		}
		free(sub);
	}
	if (s->flags & MLW_S_ONE_KEY) {
		if (given != 1) {
			struct mlw_buf b = MLW_BUF_INIT;

			names.nr--;
			mlw_strlist_push_owned(&names, NULL);
			list_values(&b, (const char *const *)names.items);
			mlw_diags_add(d, 0, n, "%s needs exactly one of: %s "
				      "(got %zu)", s->what, b.buf, given);
			mlw_buf_release(&b);
		}
	} else {
		for (f = s->fields; f->key; f++) {
			if (!(f->flags & MLW_F_REQUIRED) ||
			    mlw_yaml_map_find(n, f->key) >= 0)
				continue;
			mlw_diags_add(d, 0, n, "missing required key '%s' in %s",
				      f->key, s->what);
		}
	}
	names.nr--;
	mlw_strlist_release(&names);
}

static void check_tagged(const struct mlw_schema *s,
			 const struct mlw_yaml_node *n, const char *path,
			 struct mlw_diags *d)
{
	const struct mlw_yaml_node *tag = mlw_yaml_map_get(n, s->tag_key);
	const char *value = s->tag_default;
	const struct mlw_variant *v;
	struct mlw_strlist names = MLW_STRLIST_INIT;

	for (v = s->variants; v->value; v++)
		mlw_strlist_push(&names, v->value);
	mlw_strlist_push_owned(&names, NULL);
	if (tag && tag->kind == MLW_YAML_SCALAR && !mlw_yaml_is_null(tag))
		value = tag->text;
	if (!value) {
		struct mlw_buf b = MLW_BUF_INIT;

		list_values(&b, (const char *const *)names.items);
		mlw_diags_add(d, 0, n, "missing required key '%s' in %s "
			      "(one of: %s)", s->tag_key, s->what, b.buf);
		mlw_buf_release(&b);
		goto out;
	}
	for (v = s->variants; v->value; v++)
		if (!strcasecmp(v->value, value))
			break;
	if (!v->value) {
		char *sub = join_path(path, s->tag_key);

		bad_enum(d, (const char *const *)names.items, tag, sub);
		free(sub);
		goto out;
	}
	mlw_schema_check(v->schema, n, path, d);
out:
	names.nr--;
	mlw_strlist_release(&names);
}

static void check_union(const struct mlw_schema *s,
			const struct mlw_yaml_node *n, const char *path,
			struct mlw_diags *d)
{
	const struct mlw_schema *const *a;
	struct mlw_diags best = MLW_DIAGS_INIT;
	int have_best = 0;

	for (a = s->alts; *a; a++) {
		struct mlw_diags trial = MLW_DIAGS_INIT;

		if (!shape_ok(*a, n))
			continue;
		mlw_schema_check(*a, n, path, &trial);
		if (!have_best || trial.errors < best.errors) {
			mlw_diags_release(&best);
			best = trial;
			have_best = 1;
			if (!best.errors)
				break;
		} else {
			mlw_diags_release(&trial);
		}
	}
	if (!have_best) {
		wrong_type(d, s, n, path);
		return;
	}
	mlw_diags_move(d, &best);
}

void mlw_schema_check(const struct mlw_schema *s, const struct mlw_yaml_node *n,
		      const char *path, struct mlw_diags *d)
{
	size_t i;
	int64_t iv;
	double dv;
	int bv;

	if (!n)
		return;
	if (mlw_yaml_is_null(n) && (s->flags & MLW_S_NULLABLE))
		return;
	switch (s->type) {
	case MLW_S_ANY:
		return;
	case MLW_S_SCALAR:
	case MLW_S_STR:
		if (n->kind != MLW_YAML_SCALAR || mlw_yaml_is_null(n))
			wrong_type(d, s, n, path);
		return;
	case MLW_S_INT:
		if (mlw_yaml_to_int(n, &iv))
			wrong_type(d, s, n, path);
		return;
	case MLW_S_NUM:
		if (mlw_yaml_to_double(n, &dv))
			wrong_type(d, s, n, path);
		return;
	case MLW_S_BOOL:
		if (mlw_yaml_to_bool(n, &bv))
			wrong_type(d, s, n, path);
		return;
	case MLW_S_VERSION:
		/*
		 * az's VersionField takes a string, or an int or float it
		 * turns into text ("1.5"); true would become "True" by
		 * Python's bool-is-an-int accident, and an empty version is
		 * not the next integer: both are mistakes, said here.
		 */
		if (n->kind != MLW_YAML_SCALAR || mlw_yaml_is_null(n) ||
		    mlw_yaml_scalar_type(n) == MLW_YAML_BOOL)
			wrong_type(d, s, n, path);
		return;
	case MLW_S_ENUM:
		if (n->kind != MLW_YAML_SCALAR || mlw_yaml_is_null(n))
			wrong_type(d, s, n, path);
		else if (!enum_has(s->values, n->text))
			bad_enum(d, s->values, n, path);
		return;
	case MLW_S_OBJ:
		if (n->kind != MLW_YAML_MAP)
			wrong_type(d, s, n, path);
		else
			check_obj(s, n, path, d);
		return;
	case MLW_S_DICT:
		if (n->kind != MLW_YAML_MAP) {
			wrong_type(d, s, n, path);
			return;
		}
		for (i = 0; i < n->nr / 2; i++) {
			char *sub = join_path(path, mlw_yaml_key(n, i)->text);
			const struct mlw_yaml_node *v = mlw_yaml_value(n, i);

			if (mlw_yaml_is_null(v) && !shape_ok(s->item, v))
				mlw_diags_add(d, 0, mlw_yaml_key(n, i),
					      "'%s' needs a value (%s)", sub,
					      s->item->what);
			else
				mlw_schema_check(s->item, v, sub, d);
			free(sub);
		}
		return;
	case MLW_S_LIST:
		if (n->kind != MLW_YAML_SEQ) {
			wrong_type(d, s, n, path);
			return;
		}
		for (i = 0; i < n->nr; i++) {
			char *sub = mlw_xstrfmt("%s[%zu]", name_of(path), i);

			mlw_schema_check(s->item, n->items[i], sub, d);
			free(sub);
		}
		return;
	case MLW_S_TAGGED:
		if (n->kind != MLW_YAML_MAP)
			wrong_type(d, s, n, path);
		else
			check_tagged(s, n, path, d);
		return;
	case MLW_S_UNION:
		check_union(s, n, path, d);
		return;
	}
}

/* --- building blocks ----------------------------------------------------- */

#define SCHEMA(name, t, w, fl) \
	static const struct mlw_schema name = { .type = (t), .what = (w), \
						.flags = (fl) }
#define OBJ(name, w, f) \
	static const struct mlw_schema name = { .type = MLW_S_OBJ, .what = (w), \
						.fields = (f) }
#define OBJF(name, w, f, fl) \
	static const struct mlw_schema name = { .type = MLW_S_OBJ, .what = (w), \
						.fields = (f), .flags = (fl) }
#define DICT(name, w, it) \
	static const struct mlw_schema name = { .type = MLW_S_DICT, \
						.what = (w), .item = (it) }
#define LIST(name, w, it) \
	static const struct mlw_schema name = { .type = MLW_S_LIST, \
						.what = (w), .item = (it) }
#define ENUM(name, w, ...) \
	static const char *const name##_v[] = { __VA_ARGS__, NULL }; \
	static const struct mlw_schema name = { .type = MLW_S_ENUM, \
						.what = (w), .values = name##_v }
#define UNION(name, w, fl, ...) \
	static const struct mlw_schema *const name##_a[] = { __VA_ARGS__, NULL }; \
	static const struct mlw_schema name = { .type = MLW_S_UNION, \
						.what = (w), .flags = (fl), \
						.alts = name##_a }
#define TAGGED(name, w, key, def, vars) \
	static const struct mlw_schema name = { .type = MLW_S_TAGGED, \
						.what = (w), .tag_key = (key), \
						.tag_default = (def), \
						.variants = (vars) }

#define REQ MLW_F_REQUIRED
#define LOC MLW_F_LOCAL
#define END { NULL, NULL, 0 }

SCHEMA(t_any, MLW_S_ANY, "anything", 0);
SCHEMA(t_scalar, MLW_S_SCALAR, "a scalar", 0);
SCHEMA(t_str, MLW_S_STR, "a string", 0);
SCHEMA(t_str_or_null, MLW_S_STR, "a string", MLW_S_NULLABLE);
SCHEMA(t_scalar_or_null, MLW_S_SCALAR, "a scalar", MLW_S_NULLABLE);
SCHEMA(t_int, MLW_S_INT, "an integer", 0);
SCHEMA(t_num, MLW_S_NUM, "a number", 0);
SCHEMA(t_bool, MLW_S_BOOL, "a boolean", 0);
SCHEMA(t_version, MLW_S_VERSION, "a string or a number", 0);
DICT(t_strmap, "a mapping of names to values", &t_scalar_or_null);
DICT(t_anymap, "a mapping", &t_any);
DICT(t_intmap, "a mapping of names to integers", &t_int);
LIST(t_strlist, "a list of strings", &t_str);
LIST(t_anylist, "a list", &t_any);
UNION(t_str_or_list, "a string or a list of strings", 0, &t_str, &t_strlist);
UNION(t_str_or_map, "a string or a mapping", 0, &t_str, &t_anymap);
UNION(t_num_or_str, "a number or a string", 0, &t_num, &t_str);

ENUM(e_asset_type, "an asset type", "uri_file", "uri_folder", "mltable",
     "mlflow_model", "custom_model", "triton_model");
ENUM(e_input_type, "an input type", "uri_file", "uri_folder", "mltable",
     "mlflow_model", "custom_model", "triton_model", "integer", "number",
     "string", "boolean", "path");
ENUM(e_output_type, "an output type", "uri_file", "uri_folder", "mltable",
     "mlflow_model", "custom_model", "triton_model", "path");
ENUM(e_in_mode, "an input mode", "ro_mount", "download", "direct",
     "eval_mount", "eval_download", "mount");
ENUM(e_out_mode, "an output mode", "rw_mount", "upload", "direct", "mount");
ENUM(e_data_type, "a data type", "uri_file", "uri_folder", "mltable");
ENUM(e_model_type, "a model type", "custom_model", "mlflow_model",
     "triton_model");
ENUM(e_enabled, "enabled or disabled", "enabled", "disabled");
ENUM(e_os, "an OS type", "linux", "windows");
ENUM(e_logging, "a logging level", "debug", "info", "warning", "error",
     "critical");

/* --- environments, code, compute ----------------------------------------- */

static const struct mlw_field f_route[] = {
	{ "path", &t_str, 0 }, { "port", &t_int, 0 }, END
};
OBJ(s_route, "an inference route", f_route);
static const struct mlw_field f_inference_config[] = {
	{ "liveness_route", &s_route, 0 }, { "readiness_route", &s_route, 0 },
	{ "scoring_route", &s_route, 0 }, END
};
OBJ(s_inference_config, "an inference_config", f_inference_config);
static const struct mlw_field f_build[] = {
	{ "path", &t_str, 0 }, { "dockerfile_path", &t_str, 0 }, END
};
OBJ(s_build, "a build context", f_build);

#define ENV_FIELDS \
	{ "name", &t_str, 0 }, { "version", &t_version, 0 }, \
	{ "description", &t_str, 0 }, { "tags", &t_strmap, 0 }, \
	{ "properties", &t_strmap, 0 }, { "image", &t_str, 0 }, \
	{ "conda_file", &t_str_or_map, 0 }, { "build", &s_build, 0 }, \
	{ "inference_config", &s_inference_config, 0 }, \
	{ "os_type", &e_os, 0 }, { "datastore", &t_str, 0 }
static const struct mlw_field f_env_inline[] = { ENV_FIELDS, END };
OBJ(s_env_inline, "an environment", f_env_inline);
UNION(t_env, "an environment reference or an environment", 0, &t_str,
      &s_env_inline);

/* --- inputs and outputs -------------------------------------------------- */

#define INPUT_FIELDS \
	{ "type", &e_input_type, 0 }, { "path", &t_str, LOC }, \
	{ "mode", &e_in_mode, 0 }, { "value", &t_scalar, LOC }, \
	{ "default", &t_scalar, LOC }, { "optional", &t_bool, LOC }, \
	{ "description", &t_str, 0 }, { "min", &t_num, LOC }, \
	{ "max", &t_num, LOC }, { "enum", &t_anylist, LOC }, \
	{ "datastore", &t_str, 0 }
static const struct mlw_field f_job_input[] = { INPUT_FIELDS, END };
OBJ(s_job_input, "an input", f_job_input);
/* literal value, binding string, or a typed input */
UNION(t_job_input, "a literal value, a ${{...}} binding or an input", 0,
      &t_scalar_or_null, &s_job_input);
DICT(t_job_inputs, "a mapping of input names to inputs", &t_job_input);

static const struct mlw_field f_job_output[] = {
	{ "type", &e_output_type, 0 }, { "path", &t_str, 0 },
	{ "mode", &e_out_mode, 0 }, { "name", &t_str, 0 },
	{ "version", &t_version, 0 }, { "description", &t_str, 0 },
	{ "datastore", &t_str, 0 }, { "early_available", &t_bool, 0 },
	END
};
OBJ(s_job_output, "an output", f_job_output);
UNION(t_job_output, "nothing, a ${{...}} binding or an output", 0,
      &t_str_or_null, &s_job_output);
DICT(t_job_outputs, "a mapping of output names to outputs", &t_job_output);

static const struct mlw_field f_comp_input[] = {
	{ "type", &e_input_type, REQ }, { "default", &t_scalar, LOC },
	{ "optional", &t_bool, LOC }, { "description", &t_str, 0 },
	{ "min", &t_num, LOC }, { "max", &t_num, LOC },
	{ "enum", &t_anylist, LOC }, { "mode", &e_in_mode, 0 },
	{ "path", &t_str, 0 }, { "datastore", &t_str, 0 }, END
};
OBJ(s_comp_input, "a component input", f_comp_input);
DICT(t_comp_inputs, "a mapping of input names to inputs", &s_comp_input);
static const struct mlw_field f_comp_output[] = {
	{ "type", &e_output_type, 0 }, { "mode", &e_out_mode, 0 },
	{ "description", &t_str, 0 }, { "path", &t_str, 0 },
	{ "is_control", &t_bool, 0 }, { "early_available", &t_bool, 0 },
	END
};
OBJ(s_comp_output, "a component output", f_comp_output);
UNION(t_comp_output, "an output", MLW_S_NULLABLE, &s_comp_output);
DICT(t_comp_outputs, "a mapping of output names to outputs", &t_comp_output);

/* --- job pieces ---------------------------------------------------------- */

static const struct mlw_field f_dist_pytorch[] = {
	{ "type", &t_str, REQ | LOC }, { "process_count_per_instance", &t_int, LOC },
	END
};
OBJ(s_dist_pytorch, "a pytorch distribution", f_dist_pytorch);
static const struct mlw_field f_dist_tf[] = {
	{ "type", &t_str, REQ | LOC }, { "worker_count", &t_int, LOC },
	{ "parameter_server_count", &t_int, LOC }, END
};
OBJ(s_dist_tf, "a tensorflow distribution", f_dist_tf);
static const struct mlw_field f_dist_mpi[] = {
	{ "type", &t_str, REQ | LOC },
	{ "process_count_per_instance", &t_int, REQ | LOC }, END
};
OBJ(s_dist_mpi, "an mpi distribution", f_dist_mpi);
static const struct mlw_variant v_dist[] = {
	{ "pytorch", &s_dist_pytorch }, { "tensorflow", &s_dist_tf },
	{ "mpi", &s_dist_mpi }, { NULL, NULL }
};
TAGGED(s_distribution, "a distribution", "type", NULL, v_dist);

static const struct mlw_field f_resources[] = {
	{ "instance_count", &t_int, LOC }, { "instance_type", &t_str, 0 },
	{ "shm_size", &t_str, 0 }, { "properties", &t_anymap, 0 },
	{ "locations", &t_strlist, 0 }, { "docker_args", &t_str, 0 },
	{ "max_instance_count", &t_int, 0 }, END
};
OBJ(s_resources, "resources", f_resources);
static const struct mlw_field f_cmd_limits[] = {
	{ "timeout", &t_int, LOC }, END
};
OBJ(s_cmd_limits, "limits", f_cmd_limits);
ENUM(e_identity_job, "an identity type", "user_identity", "managed",
     "managed_identity", "aml_token");
static const struct mlw_field f_identity_job[] = {
	{ "type", &e_identity_job, REQ }, { "client_id", &t_str, 0 },
	{ "object_id", &t_str, 0 }, { "msi_resource_id", &t_str, 0 },
	{ "resource_id", &t_str, 0 }, END
};
OBJ(s_identity_job, "an identity", f_identity_job);
static const struct mlw_field f_queue[] = {
	{ "job_tier", &t_str, 0 }, { "priority", &t_str, 0 }, END
};
OBJ(s_queue, "queue_settings", f_queue);

#define JOB_COMMON \
	{ "$schema", &t_str, 0 }, { "name", &t_str, LOC }, \
	{ "display_name", &t_str, LOC }, { "experiment_name", &t_str, LOC }, \
	{ "description", &t_str, LOC }, { "tags", &t_strmap, LOC }, \
	{ "properties", &t_strmap, LOC }, { "compute", &t_str, 0 }, \
	{ "identity", &s_identity_job, 0 }, { "queue_settings", &s_queue, 0 }, \
	{ "services", &t_anymap, 0 }, { "status", &t_str, 0 }, \
	{ "parent_job_name", &t_str, 0 }

ENUM(e_type_command, "command", "command");
static const struct mlw_field f_command_job[] = {
	JOB_COMMON,
	{ "type", &e_type_command, LOC }, { "command", &t_str, REQ | LOC },
	{ "code", &t_str, LOC }, { "environment", &t_env, REQ },
	{ "environment_variables", &t_strmap, LOC },
	{ "inputs", &t_job_inputs, LOC }, { "outputs", &t_job_outputs, LOC },
	{ "resources", &s_resources, 0 }, { "distribution", &s_distribution, LOC },
	{ "limits", &s_cmd_limits, LOC }, END
};
OBJ(s_command_job, "a command job", f_command_job);

/* --- sweep --------------------------------------------------------------- */

static const struct mlw_field f_choice[] = {
	{ "type", &t_str, REQ }, { "values", &t_anylist, REQ | LOC }, END
};
OBJ(s_choice, "a choice distribution", f_choice);
static const struct mlw_field f_randint[] = {
	{ "type", &t_str, REQ }, { "upper", &t_int, REQ | LOC }, END
};
OBJ(s_randint, "a randint distribution", f_randint);
static const struct mlw_field f_uniform[] = {
	{ "type", &t_str, REQ }, { "min_value", &t_num, REQ | LOC },
	{ "max_value", &t_num, REQ | LOC }, END
};
OBJ(s_uniform, "a uniform distribution", f_uniform);
static const struct mlw_field f_quniform[] = {
	{ "type", &t_str, REQ }, { "min_value", &t_num, REQ | LOC },
	{ "max_value", &t_num, REQ | LOC }, { "q", &t_num, REQ | LOC }, END
};
OBJ(s_quniform, "a quantised uniform distribution", f_quniform);
static const struct mlw_field f_normal[] = {
	{ "type", &t_str, REQ }, { "mu", &t_num, REQ | LOC },
	{ "sigma", &t_num, REQ | LOC }, END
};
OBJ(s_normal, "a normal distribution", f_normal);
static const struct mlw_field f_qnormal[] = {
	{ "type", &t_str, REQ }, { "mu", &t_num, REQ | LOC },
	{ "sigma", &t_num, REQ | LOC }, { "q", &t_num, REQ | LOC }, END
};
OBJ(s_qnormal, "a quantised normal distribution", f_qnormal);
static const struct mlw_variant v_dists[] = {
	{ "choice", &s_choice }, { "randint", &s_randint },
	{ "uniform", &s_uniform }, { "quniform", &s_quniform },
	{ "loguniform", &s_uniform }, { "qloguniform", &s_quniform },
	{ "normal", &s_normal }, { "qnormal", &s_qnormal },
	{ "lognormal", &s_normal }, { "qlognormal", &s_qnormal },
	{ NULL, NULL }
};
TAGGED(s_search_dist, "a search-space distribution", "type", NULL, v_dists);
DICT(t_search_space, "a mapping of names to distributions", &s_search_dist);

ENUM(e_sampling, "a sampling algorithm", "random", "grid", "bayesian");
ENUM(e_rule, "a sampling rule", "random", "sobol");
static const struct mlw_field f_sampling_random[] = {
	{ "type", &t_str, REQ | LOC }, { "seed", &t_int, LOC },
	{ "rule", &e_rule, LOC }, { "logbase", &t_num_or_str, LOC }, END
};
OBJ(s_sampling_random, "a random sampling algorithm", f_sampling_random);
static const struct mlw_field f_sampling_plain[] = {
	{ "type", &t_str, REQ | LOC }, END
};
OBJ(s_sampling_plain, "a sampling algorithm", f_sampling_plain);
/* seed: mlw's addition, so that a Bayesian sweep can be replayed */
static const struct mlw_field f_sampling_bayesian[] = {
	{ "type", &t_str, REQ | LOC }, { "seed", &t_int, LOC }, END
};
OBJ(s_sampling_bayesian, "a bayesian sampling algorithm",
    f_sampling_bayesian);
static const struct mlw_variant v_sampling[] = {
	{ "random", &s_sampling_random }, { "grid", &s_sampling_plain },
	{ "bayesian", &s_sampling_bayesian }, { NULL, NULL }
};
TAGGED(s_sampling_obj, "a sampling algorithm", "type", NULL, v_sampling);
UNION(t_sampling, "a sampling algorithm", 0, &e_sampling, &s_sampling_obj);

ENUM(e_goal, "a goal", "maximize", "minimize");
static const struct mlw_field f_objective[] = {
	{ "goal", &e_goal, REQ | LOC }, { "primary_metric", &t_str, REQ | LOC },
	END
};
OBJ(s_objective, "an objective", f_objective);
static const struct mlw_field f_sweep_limits[] = {
	{ "max_total_trials", &t_int, LOC }, { "max_concurrent_trials", &t_int, LOC },
	{ "timeout", &t_int, LOC }, { "trial_timeout", &t_int, LOC }, END
};
OBJ(s_sweep_limits, "sweep limits", f_sweep_limits);

#define POLICY_COMMON \
	{ "type", &t_str, REQ | LOC }, { "evaluation_interval", &t_int, LOC }, \
	{ "delay_evaluation", &t_int, LOC }
static const struct mlw_field f_bandit[] = {
	POLICY_COMMON, { "slack_factor", &t_num, LOC },
	{ "slack_amount", &t_num, LOC }, END
};
OBJ(s_bandit, "a bandit policy", f_bandit);
static const struct mlw_field f_median[] = { POLICY_COMMON, END };
OBJ(s_median, "a median stopping policy", f_median);
static const struct mlw_field f_truncation[] = {
	POLICY_COMMON, { "truncation_percentage", &t_int, REQ | LOC },
	{ "exclude_finished_jobs", &t_bool, LOC }, END
};
OBJ(s_truncation, "a truncation selection policy", f_truncation);
static const struct mlw_variant v_policy[] = {
	{ "bandit", &s_bandit }, { "median_stopping", &s_median },
	{ "truncation_selection", &s_truncation }, { NULL, NULL }
};
TAGGED(s_early_termination, "an early termination policy", "type", NULL,
       v_policy);

static const struct mlw_field f_trial[] = {
	{ "command", &t_str, REQ | LOC }, { "code", &t_str, LOC },
	{ "environment", &t_env, REQ },
	{ "environment_variables", &t_strmap, LOC },
	{ "distribution", &s_distribution, LOC }, { "resources", &s_resources, 0 },
	END
};
OBJ(s_trial, "a trial", f_trial);
/* a trial, or (in pipelines) a path to a command component */
UNION(t_trial, "a trial or a component reference", 0, &t_str, &s_trial);

#define SWEEP_FIELDS \
	{ "trial", &t_trial, REQ | LOC }, \
	{ "search_space", &t_search_space, REQ | LOC }, \
	{ "sampling_algorithm", &t_sampling, REQ | LOC }, \
	{ "objective", &s_objective, REQ | LOC }, \
	{ "limits", &s_sweep_limits, LOC }, \
	{ "early_termination", &s_early_termination, LOC }, \
	{ "inputs", &t_job_inputs, LOC }, { "outputs", &t_job_outputs, LOC }, \
	{ "resources", &s_resources, 0 }

ENUM(e_type_sweep, "sweep", "sweep");
static const struct mlw_field f_sweep_job[] = {
	JOB_COMMON, { "type", &e_type_sweep, REQ | LOC }, SWEEP_FIELDS, END
};
OBJ(s_sweep_job, "a sweep job", f_sweep_job);

/* --- components ---------------------------------------------------------- */

#define COMPONENT_COMMON \
	{ "$schema", &t_str, 0 }, { "version", &t_version, LOC }, \
	{ "display_name", &t_str, LOC }, { "description", &t_str, LOC }, \
	{ "tags", &t_strmap, LOC }, { "properties", &t_strmap, 0 }, \
	{ "is_deterministic", &t_bool, LOC }, \
	{ "inputs", &t_comp_inputs, LOC }, { "outputs", &t_comp_outputs, LOC }

#define COMMAND_COMPONENT_BODY \
	{ "command", &t_str, REQ | LOC }, { "code", &t_str, LOC }, \
	{ "environment", &t_env, REQ }, \
	{ "environment_variables", &t_strmap, LOC }, \
	{ "distribution", &s_distribution, LOC }, \
	{ "resources", &s_resources, 0 }, { "limits", &s_cmd_limits, LOC }, \
	{ "additional_includes", &t_strlist, LOC }, \
	{ "instance_count", &t_int, 0 }

static const struct mlw_field f_command_component[] = {
	COMPONENT_COMMON, COMMAND_COMPONENT_BODY,
	{ "name", &t_str, REQ | LOC }, { "type", &e_type_command, LOC }, END
};
OBJ(s_command_component, "a command component", f_command_component);
/* inline in a pipeline step: anonymous */
static const struct mlw_field f_command_component_inline[] = {
	COMPONENT_COMMON, COMMAND_COMPONENT_BODY,
	{ "name", &t_str, LOC }, { "type", &e_type_command, LOC }, END
};
/* azure-ai-ml loads it with unknown=INCLUDE (component_job.py) */
OBJF(s_command_component_inline, "an inline command component",
     f_command_component_inline, MLW_S_LENIENT);
UNION(t_command_component_ref, "a component reference or a component", 0,
      &t_str, &s_command_component_inline);

/* --- pipelines ----------------------------------------------------------- */

static const struct mlw_field f_pipeline_settings[] = {
	{ "default_compute", &t_str, 0 }, { "default_datastore", &t_str, 0 },
	{ "continue_on_step_failure", &t_bool, LOC },
	{ "force_rerun", &t_bool, LOC }, { "default_environment", &t_str, 0 },
	{ "on_init", &t_str, 0 }, { "on_finalize", &t_str, 0 }, END
};
/*
 * PipelineJobSettingsSchema has unknown = INCLUDE: az takes any key here
 * (the examples' own 3a_basic_pipeline misspells default_datastore), so
 * an unknown key is a warning.
 */
OBJF(s_pipeline_settings, "pipeline settings", f_pipeline_settings,
     MLW_S_LENIENT);

#define STEP_COMMON \
	{ "type", &t_str, LOC }, { "name", &t_str, 0 }, \
	{ "display_name", &t_str, LOC }, { "description", &t_str, LOC }, \
	{ "tags", &t_strmap, LOC }, { "properties", &t_strmap, 0 }, \
	{ "compute", &t_str, 0 }, { "inputs", &t_job_inputs, LOC }, \
	{ "outputs", &t_job_outputs, LOC }, { "experiment_name", &t_str, 0 }, \
	{ "identity", &s_identity_job, 0 }, { "queue_settings", &s_queue, 0 }

static const struct mlw_field f_command_step[] = {
	STEP_COMMON,
	{ "component", &t_command_component_ref, LOC },
	{ "command", &t_str, LOC }, { "code", &t_str, LOC },
	{ "environment", &t_env, 0 },
	{ "environment_variables", &t_strmap, LOC },
	{ "resources", &s_resources, 0 }, { "distribution", &s_distribution, LOC },
	{ "limits", &s_cmd_limits, LOC }, { "services", &t_anymap, 0 }, END
};
/*
 * Steps: PipelineJobsField loads every node type with unknown=INCLUDE
 * (pipeline_component.py), so unknown keys in a step are warnings too.
 */
OBJF(s_command_step, "a command step", f_command_step, MLW_S_LENIENT);

static const struct mlw_field f_sweep_step[] = {
	STEP_COMMON, SWEEP_FIELDS, END
};
OBJF(s_sweep_step, "a sweep step", f_sweep_step, MLW_S_LENIENT);

static const struct mlw_field f_retry[] = {
	{ "max_retries", &t_int, LOC }, { "timeout", &t_int, LOC }, END
};
OBJ(s_retry, "retry_settings", f_retry);
static const struct mlw_field f_parallel_task[] = {
	{ "type", &t_str, 0 }, { "code", &t_str, LOC },
	{ "entry_script", &t_str, LOC }, { "environment", &t_env, 0 },
	{ "program_arguments", &t_str, LOC }, { "append_row_to", &t_str, LOC },
	{ "environment_variables", &t_strmap, LOC }, END
};
OBJ(s_parallel_task, "a parallel task", f_parallel_task);
UNION(t_int_or_str, "an integer or a size such as \"10kb\"", 0, &t_int, &t_str);
static const struct mlw_field f_parallel_step[] = {
	STEP_COMMON,
	{ "component", &t_str_or_map, 0 }, { "input_data", &t_str, LOC },
	{ "mini_batch_size", &t_int_or_str, LOC },
	{ "resources", &s_resources, 0 },
	{ "max_concurrency_per_instance", &t_int, LOC },
	{ "mini_batch_error_threshold", &t_int, LOC },
	{ "error_threshold", &t_int, LOC }, { "logging_level", &e_logging, 0 },
	{ "retry_settings", &s_retry, LOC },
	{ "environment_variables", &t_strmap, LOC },
	{ "partition_keys", &t_strlist, 0 }, { "task", &s_parallel_task, LOC },
	END
};
OBJF(s_parallel_step, "a parallel step", f_parallel_step, MLW_S_LENIENT);

/* automl and spark steps: accepted and recorded, not run locally */
static const struct mlw_field f_open_step[] = { STEP_COMMON, END };
OBJF(s_open_step, "a step", f_open_step, MLW_S_OPEN);

/* pipeline steps referencing a pipeline component */
static const struct mlw_field f_pipeline_step[] = {
	STEP_COMMON,
	{ "component", &t_str_or_map, REQ | LOC },
	{ "settings", &s_pipeline_settings, LOC }, END
};
OBJF(s_pipeline_step, "a pipeline step", f_pipeline_step, MLW_S_LENIENT);

static const struct mlw_variant v_steps[] = {
	{ "command", &s_command_step }, { "sweep", &s_sweep_step },
	{ "parallel", &s_parallel_step }, { "pipeline", &s_pipeline_step },
	{ "automl", &s_open_step }, { "spark", &s_open_step },
	{ "data_transfer", &s_open_step }, { "import", &s_open_step },
	{ NULL, NULL }
};
TAGGED(s_step, "a pipeline step", "type", "command", v_steps);
DICT(t_steps, "a mapping of step names to steps", &s_step);

ENUM(e_type_pipeline, "pipeline", "pipeline");
static const struct mlw_field f_pipeline_job[] = {
	JOB_COMMON,
	{ "type", &e_type_pipeline, REQ | LOC }, { "jobs", &t_steps, LOC },
	{ "inputs", &t_job_inputs, LOC }, { "outputs", &t_job_outputs, LOC },
	{ "settings", &s_pipeline_settings, LOC },
	{ "component", &t_str_or_map, LOC }, END
};
OBJ(s_pipeline_job, "a pipeline job", f_pipeline_job);

static const struct mlw_field f_pipeline_component[] = {
	COMPONENT_COMMON,
	{ "name", &t_str, REQ | LOC }, { "type", &e_type_pipeline, REQ | LOC },
	{ "jobs", &t_steps, REQ | LOC }, END
};
OBJ(s_pipeline_component, "a pipeline component", f_pipeline_component);
static const struct mlw_field f_pipeline_component_inline[] = {
	COMPONENT_COMMON,
	{ "name", &t_str, LOC }, { "type", &e_type_pipeline, LOC },
	{ "jobs", &t_steps, REQ | LOC }, END
};
OBJ(s_pipeline_component_inline, "an inline pipeline component",
    f_pipeline_component_inline);

/* --- automl (partial: the fields are accepted and recorded) --------------- */

ENUM(e_automl_task, "an AutoML task", "classification", "regression",
     "forecasting", "image_classification", "image_classification_multilabel",
     "image_object_detection", "image_instance_segmentation",
     "text_classification", "text_classification_multilabel", "text_ner");
static const struct mlw_field f_automl_data[] = {
	{ "type", &e_asset_type, 0 }, { "path", &t_str, 0 },
	{ "mode", &e_in_mode, 0 }, { "description", &t_str, 0 }, END
};
OBJ(s_automl_data, "an AutoML data input", f_automl_data);
UNION(t_automl_data, "a data input", 0, &t_str, &s_automl_data);
ENUM(e_automl_type, "automl", "automl");
static const struct mlw_field f_automl_job[] = {
	JOB_COMMON,
	{ "type", &e_automl_type, REQ }, { "task", &e_automl_task, REQ },
	{ "primary_metric", &t_str, 0 }, { "target_column_name", &t_str, 0 },
	{ "log_verbosity", &t_str, 0 }, { "training_data", &t_automl_data, REQ },
	{ "validation_data", &t_automl_data, 0 },
	{ "test_data", &t_automl_data, 0 },
	{ "validation_data_size", &t_num, 0 }, { "test_data_size", &t_num, 0 },
	{ "n_cross_validations", &t_scalar, 0 },
	{ "cv_split_column_names", &t_strlist, 0 },
	{ "weight_column_name", &t_str, 0 },
	{ "limits", &t_anymap, 0 }, { "training", &t_anymap, 0 },
	{ "featurization", &t_anymap, 0 }, { "forecasting", &t_anymap, 0 },
	{ "training_parameters", &t_anymap, 0 }, { "sweep", &t_anymap, 0 },
	{ "search_space", &t_any, 0 }, { "outputs", &t_job_outputs, 0 },
	{ "resources", &s_resources, 0 }, END
};
OBJ(s_automl_job, "an AutoML job", f_automl_job);

/* --- assets -------------------------------------------------------------- */

static const struct mlw_field f_data[] = {
	{ "$schema", &t_str, 0 }, { "name", &t_str, REQ | LOC },
	{ "version", &t_version, LOC }, { "description", &t_str, LOC },
	{ "tags", &t_strmap, LOC }, { "properties", &t_strmap, LOC },
	{ "type", &e_data_type, LOC }, { "path", &t_str, REQ | LOC },
	{ "datastore", &t_str, 0 }, END
};
OBJ(s_data, "a data asset", f_data);

static const struct mlw_field f_model[] = {
	{ "$schema", &t_str, 0 }, { "name", &t_str, REQ | LOC },
	{ "version", &t_version, LOC }, { "description", &t_str, LOC },
	{ "tags", &t_strmap, LOC }, { "properties", &t_strmap, LOC },
	{ "type", &e_model_type, LOC }, { "path", &t_str, REQ | LOC },
	{ "flavors", &t_anymap, LOC }, { "stage", &t_str, LOC },
	{ "job_name", &t_str, 0 }, { "datastore", &t_str, 0 }, END
};
OBJ(s_model, "a model", f_model);

/* the asset needs a name; the rest is the inline form */
static const struct mlw_field f_environment_asset[] = {
	{ "$schema", &t_str, 0 }, { "name", &t_str, REQ | LOC },
	{ "version", &t_version, LOC }, { "description", &t_str, LOC },
	{ "tags", &t_strmap, LOC }, { "properties", &t_strmap, LOC },
	{ "image", &t_str, 0 }, { "conda_file", &t_str_or_map, LOC },
	{ "build", &s_build, LOC }, { "inference_config", &s_inference_config, 0 },
	{ "os_type", &e_os, 0 }, { "datastore", &t_str, 0 },
	/* not in Azure's schema: mlw records it for jobs using the env */
	{ "environment_variables", &t_strmap, LOC }, END
};
OBJ(s_environment, "an environment", f_environment_asset);

/* MLTable */
static const struct mlw_field f_mltable_path[] = {
	{ "file", &t_str, LOC }, { "folder", &t_str, LOC },
	{ "pattern", &t_str, LOC }, END
};
OBJF(s_mltable_path, "an MLTable path", f_mltable_path, MLW_S_ONE_KEY);
LIST(t_mltable_paths, "a list of paths", &s_mltable_path);
ENUM(e_header, "a header mode", "no_header", "from_first_file",
     "all_files_different_headers", "all_files_same_headers");
ENUM(e_encoding, "an encoding", "utf8", "iso88591", "latin1", "ascii",
     "utf16", "utf32", "utf8bom", "windows1252");
static const struct mlw_field f_read_delimited[] = {
	{ "delimiter", &t_str, LOC }, { "header", &e_header, LOC },
	{ "encoding", &e_encoding, LOC }, { "empty_as_string", &t_bool, LOC },
	{ "include_path_column", &t_bool, LOC },
	{ "infer_column_types", &t_any, LOC },
	{ "support_multi_line", &t_bool, LOC }, END
};
OBJ(s_read_delimited, "read_delimited", f_read_delimited);
static const struct mlw_field f_read_parquet[] = {
	{ "include_path_column", &t_bool, LOC }, END
};
OBJF(s_read_parquet, "read_parquet", f_read_parquet, MLW_S_NULLABLE);
ENUM(e_invalid_lines, "error or drop", "error", "drop");
static const struct mlw_field f_read_json_lines[] = {
	{ "include_path_column", &t_bool, LOC },
	{ "invalid_lines", &e_invalid_lines, LOC },
	{ "encoding", &e_encoding, LOC }, END
};
OBJ(s_read_json_lines, "read_json_lines", f_read_json_lines);
static const struct mlw_field f_read_delta[] = {
	{ "timestamp_as_of", &t_str, 0 }, { "version_as_of", &t_int, 0 }, END
};
OBJ(s_read_delta, "read_delta_lake", f_read_delta);
static const struct mlw_field f_sample[] = {
	{ "probability", &t_num, REQ | LOC }, { "seed", &t_int, LOC }, END
};
OBJ(s_sample, "take_random_sample", f_sample);
static const struct mlw_field f_convert[] = {
	{ "columns", &t_str_or_list, REQ | LOC },
	{ "column_type", &t_any, REQ | LOC }, END
};
OBJ(s_convert, "a column conversion", f_convert);
LIST(t_converts, "a list of column conversions", &s_convert);
static const struct mlw_field f_transformation[] = {
	{ "read_delimited", &s_read_delimited, LOC },
	{ "read_parquet", &s_read_parquet, LOC },
	{ "read_json_lines", &s_read_json_lines, LOC },
	{ "read_delta_lake", &s_read_delta, 0 },
	{ "take", &t_int, LOC }, { "skip", &t_int, LOC },
	{ "take_random_sample", &s_sample, LOC },
	{ "drop_columns", &t_str_or_list, LOC },
	{ "keep_columns", &t_str_or_list, LOC },
	{ "filter", &t_str, 0 },
	{ "extract_columns_from_partition_format", &t_any, 0 },
	{ "convert_column_types", &t_converts, LOC }, END
};
OBJF(s_transformation, "a transformation", f_transformation, MLW_S_ONE_KEY);
ENUM(e_bare_transformation, "a transformation", "read_parquet",
     "read_delimited", "read_json_lines");
UNION(t_transformation, "a transformation", 0, &e_bare_transformation,
      &s_transformation);
LIST(t_transformations, "a list of transformations", &t_transformation);
ENUM(e_type_mltable, "mltable", "mltable");
static const struct mlw_field f_mltable[] = {
	{ "$schema", &t_str, 0 }, { "type", &e_type_mltable, 0 },
	{ "paths", &t_mltable_paths, REQ | LOC },
	{ "transformations", &t_transformations, LOC },
	{ "traits", &t_anymap, 0 }, { "metadata", &t_anymap, 0 },
	{ "query_source", &t_str, 0 }, END
};
OBJ(s_mltable, "an MLTable", f_mltable);

/* --- endpoints and deployments ------------------------------------------- */

static const struct mlw_field f_uai[] = { { "resource_id", &t_str, 0 }, END };
OBJ(s_uai, "a user-assigned identity", f_uai);
LIST(t_uais, "a list of identities", &s_uai);
ENUM(e_identity_endpoint, "an identity type", "system_assigned",
     "user_assigned", "none");
static const struct mlw_field f_identity_endpoint[] = {
	{ "type", &e_identity_endpoint, REQ },
	{ "user_assigned_identities", &t_uais, 0 }, END
};
OBJ(s_identity_endpoint, "an identity", f_identity_endpoint);

ENUM(e_auth_online, "an auth mode", "key", "aml_token", "aad_token");
#define ONLINE_ENDPOINT_FIELDS \
	{ "$schema", &t_str, 0 }, { "name", &t_str, REQ | LOC }, \
	{ "description", &t_str, LOC }, { "tags", &t_strmap, LOC }, \
	{ "properties", &t_strmap, 0 }, { "auth_mode", &e_auth_online, LOC }, \
	{ "identity", &s_identity_endpoint, 0 }, \
	{ "public_network_access", &e_enabled, 0 }, \
	{ "traffic", &t_intmap, LOC }, { "mirror_traffic", &t_intmap, 0 }, \
	{ "kind", &t_str, 0 }
static const struct mlw_field f_online_endpoint[] = {
	ONLINE_ENDPOINT_FIELDS, END
};
OBJ(s_online_endpoint, "an online endpoint", f_online_endpoint);
static const struct mlw_field f_k8s_online_endpoint[] = {
	ONLINE_ENDPOINT_FIELDS, { "compute", &t_str, 0 }, END
};
OBJ(s_k8s_online_endpoint, "a Kubernetes online endpoint",
    f_k8s_online_endpoint);

static const struct mlw_field f_model_inline[] = {
	{ "name", &t_str, LOC }, { "version", &t_version, LOC },
	{ "path", &t_str, LOC }, { "type", &e_model_type, LOC },
	{ "description", &t_str, 0 }, { "tags", &t_strmap, 0 },
	{ "properties", &t_strmap, 0 }, { "flavors", &t_anymap, 0 }, END
};
OBJ(s_model_inline, "a model", f_model_inline);
UNION(t_model_ref, "a model reference or a model", 0, &t_str, &s_model_inline);
static const struct mlw_field f_code_config[] = {
	{ "code", &t_str, LOC }, { "scoring_script", &t_str, REQ | LOC }, END
};
OBJ(s_code_config, "a code_configuration", f_code_config);
static const struct mlw_field f_request_settings[] = {
	{ "request_timeout_ms", &t_int, LOC },
	{ "max_concurrent_requests_per_instance", &t_int, LOC },
	{ "max_queue_wait_ms", &t_int, 0 }, END
};
OBJ(s_request_settings, "request_settings", f_request_settings);
static const struct mlw_field f_probe[] = {
	{ "initial_delay", &t_int, LOC }, { "period", &t_int, LOC },
	{ "timeout", &t_int, LOC }, { "failure_threshold", &t_int, LOC },
	{ "success_threshold", &t_int, LOC }, { "path", &t_str, 0 },
	{ "port", &t_int, 0 }, { "scheme", &t_str, 0 },
	{ "method", &t_str, 0 }, END
};
OBJ(s_probe, "a probe", f_probe);
static const struct mlw_field f_scale[] = {
	{ "type", &t_str, 0 }, { "min_instances", &t_int, 0 },
	{ "max_instances", &t_int, 0 }, { "polling_interval", &t_int, 0 },
	{ "target_utilization_percentage", &t_int, 0 }, END
};
OBJ(s_scale, "scale_settings", f_scale);
ENUM(e_online_dep_type, "a deployment type", "managed", "kubernetes");

#define ONLINE_DEPLOYMENT_FIELDS \
	{ "$schema", &t_str, 0 }, { "name", &t_str, REQ | LOC }, \
	{ "endpoint_name", &t_str, LOC }, { "description", &t_str, LOC }, \
	{ "tags", &t_strmap, LOC }, { "properties", &t_strmap, 0 }, \
	{ "type", &e_online_dep_type, 0 }, { "model", &t_model_ref, LOC }, \
	{ "model_mount_path", &t_str, 0 }, \
	{ "code_configuration", &s_code_config, LOC }, \
	{ "environment", &t_env, LOC }, \
	{ "environment_variables", &t_strmap, LOC }, \
	{ "instance_count", &t_int, LOC }, \
	{ "app_insights_enabled", &t_bool, 0 }, \
	{ "request_settings", &s_request_settings, LOC }, \
	{ "liveness_probe", &s_probe, LOC }, \
	{ "readiness_probe", &s_probe, LOC }, \
	{ "scale_settings", &s_scale, 0 }, \
	{ "egress_public_network_access", &e_enabled, 0 }, \
	{ "data_collector", &t_anymap, 0 }, \
	{ "private_network_connection", &t_bool, 0 }
static const struct mlw_field f_online_deployment[] = {
	ONLINE_DEPLOYMENT_FIELDS, { "instance_type", &t_str, REQ }, END
};
OBJ(s_online_deployment, "an online deployment", f_online_deployment);
static const struct mlw_field f_k8s_online_deployment[] = {
	ONLINE_DEPLOYMENT_FIELDS, { "instance_type", &t_str, 0 },
	{ "resources", &t_anymap, 0 }, END
};
OBJ(s_k8s_online_deployment, "a Kubernetes online deployment",
    f_k8s_online_deployment);

ENUM(e_auth_batch, "an auth mode", "aad_token", "key");
static const struct mlw_field f_batch_defaults[] = {
	{ "deployment_name", &t_str, LOC }, END
};
OBJ(s_batch_defaults, "defaults", f_batch_defaults);
static const struct mlw_field f_batch_endpoint[] = {
	{ "$schema", &t_str, 0 }, { "name", &t_str, REQ | LOC },
	{ "description", &t_str, LOC }, { "tags", &t_strmap, LOC },
	{ "properties", &t_strmap, 0 }, { "auth_mode", &e_auth_batch, 0 },
	{ "defaults", &s_batch_defaults, LOC }, END
};
OBJ(s_batch_endpoint, "a batch endpoint", f_batch_endpoint);

ENUM(e_output_action, "an output action", "append_row", "summary_only");
#define BATCH_SETTINGS \
	{ "max_concurrency_per_instance", &t_int, LOC }, \
	{ "mini_batch_size", &t_int, LOC }, \
	{ "output_action", &e_output_action, LOC }, \
	{ "output_file_name", &t_str, LOC }, \
	{ "retry_settings", &s_retry, LOC }, \
	{ "error_threshold", &t_int, LOC }, \
	{ "logging_level", &e_logging, 0 }, \
	{ "environment_variables", &t_strmap, LOC }
static const struct mlw_field f_batch_settings[] = {
	BATCH_SETTINGS, { "instance_count", &t_int, 0 }, END
};
OBJ(s_batch_settings, "batch deployment settings", f_batch_settings);
static const struct mlw_field f_batch_resources[] = {
	{ "instance_count", &t_int, LOC }, { "instance_type", &t_str, 0 },
	{ "properties", &t_anymap, 0 }, END
};
OBJ(s_batch_resources, "resources", f_batch_resources);
UNION(t_pipeline_component_ref, "a component reference or a pipeline "
      "component", 0, &t_str, &s_pipeline_component_inline);
ENUM(e_batch_dep_type, "a batch deployment type", "model", "pipeline");

#define BATCH_DEPLOYMENT_COMMON \
	{ "$schema", &t_str, 0 }, { "name", &t_str, REQ | LOC }, \
	{ "endpoint_name", &t_str, LOC }, { "description", &t_str, LOC }, \
	{ "tags", &t_strmap, LOC }, { "properties", &t_strmap, 0 }, \
	{ "model", &t_model_ref, LOC }, \
	{ "code_configuration", &s_code_config, LOC }, \
	{ "environment", &t_env, LOC }, { "compute", &t_str, 0 }, \
	{ "resources", &s_batch_resources, LOC }

/* batchDeployment: typed (settings:) or legacy (settings at the root) */
static const struct mlw_field f_batch_deployment[] = {
	BATCH_DEPLOYMENT_COMMON, BATCH_SETTINGS,
	{ "type", &e_batch_dep_type, LOC },
	{ "settings", &s_batch_settings, LOC },
	{ "component", &t_pipeline_component_ref, LOC },
	{ "job_definition", &t_str_or_map, 0 }, END
};
OBJ(s_batch_deployment, "a batch deployment", f_batch_deployment);
ENUM(e_type_model, "model", "model");
static const struct mlw_field f_model_batch_deployment[] = {
	BATCH_DEPLOYMENT_COMMON,
	{ "type", &e_type_model, LOC },
	{ "settings", &s_batch_settings, LOC }, END
};
OBJ(s_model_batch_deployment, "a model batch deployment",
    f_model_batch_deployment);
static const struct mlw_field f_pipeline_batch_settings[] = {
	{ "default_compute", &t_str, 0 }, { "default_datastore", &t_str, 0 },
	{ "continue_on_step_failure", &t_bool, LOC },
	{ "force_rerun", &t_bool, LOC }, END
};
/* PipelineComponentBatchDeploymentSchema: settings = fields.Dict() */
OBJF(s_pipeline_batch_settings, "settings", f_pipeline_batch_settings,
     MLW_S_LENIENT);
static const struct mlw_field f_pipeline_batch_deployment[] = {
	{ "$schema", &t_str, 0 }, { "name", &t_str, REQ | LOC },
	{ "endpoint_name", &t_str, LOC }, { "description", &t_str, LOC },
	{ "tags", &t_strmap, LOC }, { "properties", &t_strmap, 0 },
	{ "type", &e_type_pipeline, LOC },
	{ "component", &t_pipeline_component_ref, LOC },
	{ "job_definition", &t_str_or_map, 0 },
	{ "settings", &s_pipeline_batch_settings, LOC }, END
};
OBJ(s_pipeline_batch_deployment, "a pipeline component batch deployment",
    f_pipeline_batch_deployment);

/* --- compute targets ---------------------------------------------------- */

/*
 * Azure's amlCompute (azure-ai-ml's AmlComputeSchema), accepted and
 * recorded; mlw's own slurm kind (man mlw-compute.5) and local.
 */
ENUM(e_type_amlcompute, "amlcompute", "amlcompute");
ENUM(e_aml_tier, "a tier", "dedicated", "low_priority");
static const struct mlw_field f_ssh_settings[] = {
	{ "admin_username", &t_str, 0 }, { "admin_password", &t_str, 0 },
	{ "ssh_key_value", &t_str, 0 }, END
};
OBJ(s_ssh_settings, "ssh_settings", f_ssh_settings);
static const struct mlw_field f_network_settings[] = {
	{ "vnet_name", &t_str, 0 }, { "subnet", &t_str, 0 }, END
};
OBJ(s_network_settings, "network_settings", f_network_settings);
static const struct mlw_field f_compute_identity[] = {
	{ "type", &t_str, 0 }, { "user_assigned_identities", &t_anylist, 0 },
	END
};
OBJ(s_compute_identity, "an identity", f_compute_identity);
#define COMPUTE_COMMON \
	{ "$schema", &t_str, 0 }, { "name", &t_str, REQ | LOC }, \
	{ "description", &t_str, LOC }, { "tags", &t_strmap, LOC }
static const struct mlw_field f_aml_compute[] = {
	COMPUTE_COMMON, { "type", &e_type_amlcompute, REQ | LOC },
	{ "size", &t_str, LOC }, { "tier", &e_aml_tier, 0 },
	{ "location", &t_str, 0 }, { "min_instances", &t_int, LOC },
	{ "max_instances", &t_int, LOC },
	{ "idle_time_before_scale_down", &t_int, 0 },
	{ "ssh_public_access_enabled", &t_bool, 0 },
	{ "ssh_settings", &s_ssh_settings, 0 },
	{ "network_settings", &s_network_settings, 0 },
	{ "identity", &s_compute_identity, 0 },
	{ "enable_node_public_ip", &t_bool, 0 }, { "id", &t_str, 0 }, END
};
OBJ(s_aml_compute, "an amlCompute compute", f_aml_compute);
ENUM(e_type_slurm, "slurm", "slurm");
static const struct mlw_field f_slurm_compute[] = {
	COMPUTE_COMMON, { "type", &e_type_slurm, REQ | LOC },
	{ "partition", &t_str, LOC }, { "account", &t_str, LOC },
	{ "qos", &t_str, LOC }, { "time_limit", &t_scalar, LOC },
	{ "nodes", &t_int, LOC }, { "cpus_per_task", &t_int, LOC },
	{ "mem", &t_scalar, LOC }, { "sbatch_options", &t_strlist, LOC },
	END
};
OBJ(s_slurm_compute, "a Slurm compute", f_slurm_compute);
ENUM(e_type_local, "local", "local");
static const struct mlw_field f_local_compute[] = {
	COMPUTE_COMMON, { "type", &e_type_local, REQ | LOC }, END
};
OBJ(s_local_compute, "a local compute", f_local_compute);

/* --- the kinds ----------------------------------------------------------- */

static const struct mlw_spec_kind_info kinds[] = {
	{ MLW_SPEC_UNKNOWN, "unknown", NULL, "spec", NULL },
	{ MLW_SPEC_COMMAND_JOB, "commandJob", "job", "command job",
	  &s_command_job },
	{ MLW_SPEC_SWEEP_JOB, "sweepJob", "job", "sweep job", &s_sweep_job },
	{ MLW_SPEC_PIPELINE_JOB, "pipelineJob", "job", "pipeline job",
	  &s_pipeline_job },
	{ MLW_SPEC_AUTOML_JOB, "autoMLJob", "job", "AutoML job",
	  &s_automl_job },
	{ MLW_SPEC_COMMAND_COMPONENT, "commandComponent", "component",
	  "command component", &s_command_component },
	{ MLW_SPEC_PIPELINE_COMPONENT, "pipelineComponent", "component",
	  "pipeline component", &s_pipeline_component },
	{ MLW_SPEC_DATA, "data", "data", "data asset", &s_data },
	{ MLW_SPEC_MODEL, "model", "model", "model", &s_model },
	{ MLW_SPEC_ENVIRONMENT, "environment", "env", "environment",
	  &s_environment },
	{ MLW_SPEC_MLTABLE, "MLTable", "data", "MLTable", &s_mltable },
	{ MLW_SPEC_ONLINE_ENDPOINT, "managedOnlineEndpoint", "endpoint",
	  "online endpoint", &s_online_endpoint },
	{ MLW_SPEC_K8S_ONLINE_ENDPOINT, "kubernetesOnlineEndpoint", "endpoint",
	  "Kubernetes online endpoint", &s_k8s_online_endpoint },
	{ MLW_SPEC_ONLINE_DEPLOYMENT, "managedOnlineDeployment", "endpoint",
	  "online deployment", &s_online_deployment },
	{ MLW_SPEC_K8S_ONLINE_DEPLOYMENT, "kubernetesOnlineDeployment",
	  "endpoint", "Kubernetes online deployment",
	  &s_k8s_online_deployment },
	{ MLW_SPEC_BATCH_ENDPOINT, "batchEndpoint", "endpoint",
	  "batch endpoint", &s_batch_endpoint },
	{ MLW_SPEC_BATCH_DEPLOYMENT, "batchDeployment", "endpoint",
	  "batch deployment", &s_batch_deployment },
	{ MLW_SPEC_MODEL_BATCH_DEPLOYMENT, "modelBatchDeployment", "endpoint",
	  "model batch deployment", &s_model_batch_deployment },
	{ MLW_SPEC_PIPELINE_BATCH_DEPLOYMENT,
	  "pipelineComponentBatchDeployment", "endpoint",
	  "pipeline component batch deployment",
	  &s_pipeline_batch_deployment },
	{ MLW_SPEC_AML_COMPUTE, "amlCompute", "compute", "amlCompute compute",
	  &s_aml_compute },
	{ MLW_SPEC_SLURM_COMPUTE, "slurmCompute", "compute", "Slurm compute",
	  &s_slurm_compute },
	{ MLW_SPEC_LOCAL_COMPUTE, "localCompute", "compute", "local compute",
	  &s_local_compute },
};

const struct mlw_spec_kind_info *mlw_spec_kind_info(enum mlw_spec_kind kind)
{
	if ((int)kind < 0 || kind >= MLW_SPEC_KIND_NR)
		return &kinds[0];
	return &kinds[kind];
}

enum mlw_spec_kind mlw_spec_kind_by_name(const char *name)
{
	size_t i;

	for (i = 1; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcasecmp(kinds[i].name, name))
			return kinds[i].kind;
	/* the SDK's own spellings of the same kinds */
	if (!strcasecmp(name, "environment") || !strcasecmp(name, "env"))
		return MLW_SPEC_ENVIRONMENT;
	if (!strcasecmp(name, "sweep"))
		return MLW_SPEC_SWEEP_JOB;
	return MLW_SPEC_UNKNOWN;
}

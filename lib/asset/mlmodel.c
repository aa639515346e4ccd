/*
 * mlmodel.c - MLmodel files and YAML values as JSON; see mlmodel.h.
 *
 * MLmodel is read with the spec layer's YAML loader, so a malformed file
 * is reported with its line and column like any spec.  The signature's
 * JSON strings are parsed with jansson and reduced to the fields mlw
 * shows (name, type, and a tensor's dtype and shape): MLflow's own keys
 * ("tensor-spec") are not part of mlw's output contract.
 */
#include "asset/mlmodel.h"
#include "spec/yaml.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/output.h"
#include "util/strutil.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

char *mlw_yaml_node_to_json(const struct mlw_yaml_node *n)
{
	json_t *v = mlw_yaml_to_jansson(n);
	char *s = mlw_json_dumps(v, MLW_JSON_COMPACT);

	json_decref(v);
	return s;
}

/* ---- YAML text ---- */

static int plain_ok(const struct mlw_yaml_node *n)
{
	return n->style == MLW_YAML_PLAIN && n->len && !strchr(n->text, '\n');
}

static void add_scalar(struct mlw_buf *b, const struct mlw_yaml_node *n)
{
	const char *p;

	if (plain_ok(n)) {
		mlw_buf_add(b, n->text, n->len);
		return;
	}
	/* quoted: it stays a string, whatever it looks like */
	mlw_buf_addch(b, '"');
	for (p = n->text; p < n->text + n->len; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '"' || c == '\\')
			mlw_buf_addf(b, "\\%c", c);
		else if (c == '\n')
			mlw_buf_adds(b, "\\n");
		else if (c == '\t')
			mlw_buf_adds(b, "\\t");
		else if (c < 0x20)
			mlw_buf_addf(b, "\\x%02x", c);
		else
			mlw_buf_addch(b, c);
	}
	mlw_buf_addch(b, '"');
}

static void indent(struct mlw_buf *b, int depth)
{
	int i;

	for (i = 0; i < depth; i++)
		mlw_buf_adds(b, "  ");
}

static int empty_collection(const struct mlw_yaml_node *n)
{
	return n->kind != MLW_YAML_SCALAR && !n->nr;
}

static void add_node(struct mlw_buf *b, const struct mlw_yaml_node *n,
		     int depth);

/*
 * What follows "key:" or "-": a scalar or an empty collection on the
 * same line, anything else on the lines below, one level deeper
 */
static void add_value(struct mlw_buf *b, const struct mlw_yaml_node *v,
		      int depth)
{
	if (v->kind == MLW_YAML_SCALAR || empty_collection(v)) {
		mlw_buf_addch(b, ' ');
		if (v->kind == MLW_YAML_SCALAR)
			add_scalar(b, v);
		else
			mlw_buf_adds(b, v->kind == MLW_YAML_MAP ? "{}" : "[]");
		mlw_buf_addch(b, '\n');
	} else {
		mlw_buf_addch(b, '\n');
		add_node(b, v, depth + 1);
	}
}

/*
 * Emit n at depth; the caller has written the key (or "- ") and, for a
 * collection, the line break.
 */
static void add_node(struct mlw_buf *b, const struct mlw_yaml_node *n,
		     int depth)
{
	size_t i;

	if (n->kind == MLW_YAML_MAP) {
		for (i = 0; i < n->nr / 2; i++) {
			const struct mlw_yaml_node *v = mlw_yaml_value(n, i);

			indent(b, depth);
			add_scalar(b, mlw_yaml_key(n, i));
			mlw_buf_addch(b, ':');
			add_value(b, v, depth);
		}
	} else if (n->kind == MLW_YAML_SEQ) {
		for (i = 0; i < n->nr; i++) {
			const struct mlw_yaml_node *v = n->items[i];

			indent(b, depth);
			mlw_buf_adds(b, "-");
			add_value(b, v, depth);
		}
	} else {
		indent(b, depth);
		add_scalar(b, n);
		mlw_buf_addch(b, '\n');
	}
}

char *mlw_yaml_node_to_yaml(const struct mlw_yaml_node *n)
{
	struct mlw_buf b = MLW_BUF_INIT;

	if (empty_collection(n))
		mlw_buf_adds(&b, n->kind == MLW_YAML_MAP ? "{}\n" : "[]\n");
	else
		add_node(&b, n, 0);
	return mlw_buf_detach(&b, NULL);
}

/* ---- MLmodel ---- */

static int bad(const char *path, const struct mlw_yaml_node *at,
	       const char *fmt, const char *arg)
{
	char *msg = mlw_xstrfmt(fmt, arg);
	int ret = mlw_error_setc(MLW_EINVALID, "%s:%d:%d: %s", path, at->line,
				 at->col, msg);

	free(msg);
	return ret;
}

/* one MLflow column or tensor spec reduced to mlw's fields */
static json_t *column(json_t *spec)
{
	json_t *out = json_object(), *name, *type, *tensor;

	name = json_object_get(spec, "name");
	type = json_object_get(spec, "type");
	tensor = json_object_get(spec, "tensor-spec");
	json_object_set_new(out, "name", json_is_string(name) ?
			    json_copy(name) : json_null());
	json_object_set_new(out, "type", json_is_string(type) ?
			    json_copy(type) : json_string("unknown"));
	if (json_is_object(tensor)) {
		json_t *dtype = json_object_get(tensor, "dtype");
		json_t *shape = json_object_get(tensor, "shape");

		json_object_set_new(out, "dtype", json_is_string(dtype) ?
				    json_copy(dtype) : json_null());
		json_object_set_new(out, "shape", json_is_array(shape) ?
				    json_deep_copy(shape) : json_null());
	}
	return out;
}

/* signature.inputs or .outputs: a JSON string holding a list of specs */
static int read_columns(json_t **out, const char *path,
			const struct mlw_yaml_node *sig, const char *key)
{
	const struct mlw_yaml_node *n = mlw_yaml_map_get(sig, key);
	json_error_t err;
	json_t *list, *x;
	size_t i;
	char what[64];

	*out = NULL;
	if (mlw_yaml_is_null(n)) {
		*out = json_null();
		return 0;
	}
	snprintf(what, sizeof(what), "signature.%s", key);
	if (n->kind != MLW_YAML_SCALAR)
		return bad(path, n, "%s must be a JSON string, as MLflow writes it",
			   what);
	list = json_loadb(n->text, n->len, JSON_DECODE_ANY, &err);
	if (!list) {
		char *msg = mlw_xstrfmt("%%s is not valid JSON: %s (at character %d)",
					err.text, err.position);
		int ret = bad(path, n, msg, what);

		free(msg);
		return ret;
	}
	if (!json_is_array(list)) {
		json_decref(list);
		return bad(path, n, "%s must be a JSON list of column specs",
			   what);
	}
	*out = json_array();
	json_array_foreach(list, i, x) {
		if (!json_is_object(x)) {
			json_decref(list);
			json_decref(*out);
			*out = NULL;
			return bad(path, n, "%s must be a JSON list of column specs",
				   what);
		}
		json_array_append_new(*out, column(x));
	}
	json_decref(list);
	return 0;
}

int mlw_mlmodel_read(char **flavors, char **signature, const char *dir)
{
	char *path = mlw_path_join(dir, "MLmodel");
	const struct mlw_yaml_node *root, *fl, *sig;
	struct mlw_yaml_doc *doc;
	json_t *inputs = NULL, *outputs = NULL, *s;
	size_t i;
	int ret;

	*flavors = *signature = NULL;
	ret = mlw_yaml_load_file(&doc, path);
	if (ret) {
		free(path);
		return ret;
	}
	root = doc->root;
	if (root->kind != MLW_YAML_MAP) {
		ret = bad(path, root, "MLmodel must be a mapping, not %s",
			  mlw_yaml_describe(root));
		goto out;
	}
	fl = mlw_yaml_map_get(root, "flavors");
	if (!fl || fl->kind != MLW_YAML_MAP || !fl->nr) {
		ret = bad(path, fl ? fl : root, "%s", fl ?
			  "MLmodel flavors must be a mapping of flavor names" :
			  "MLmodel has no flavors");
		goto out;
	}
	for (i = 0; i < fl->nr / 2; i++) {
		const struct mlw_yaml_node *v = mlw_yaml_value(fl, i);

		if (v->kind != MLW_YAML_MAP && !mlw_yaml_is_null(v)) {
			ret = bad(path, v, "flavor '%s' must be a mapping",
				  mlw_yaml_key(fl, i)->text);
			goto out;
		}
	}
	sig = mlw_yaml_map_get(root, "signature");
	if (sig && !mlw_yaml_is_null(sig)) {
		if (sig->kind != MLW_YAML_MAP) {
			ret = bad(path, sig, "signature must be a mapping, not %s",
				  mlw_yaml_describe(sig));
			goto out;
		}
		ret = read_columns(&inputs, path, sig, "inputs");
		if (!ret)
			ret = read_columns(&outputs, path, sig, "outputs");
		if (ret) {
			json_decref(inputs);
			goto out;
		}
		s = json_object();
		json_object_set_new(s, "inputs", inputs);
		json_object_set_new(s, "outputs", outputs);
		*signature = mlw_json_dumps(s, MLW_JSON_COMPACT);
		json_decref(s);
	}
	*flavors = mlw_yaml_node_to_json(fl);
out:
	mlw_yaml_free(doc);
	free(path);
	return ret;
}

/* ---- output ---- */

void mlw_asset_out_json(struct mlw_out *o, const char *key, const char *json)
{
	json_t *v;

	if (!json) {
		mlw_out_null(o, key);
		return;
	}
	v = json_loads(json, JSON_DECODE_ANY, NULL);
	if (!v) {
		mlw_out_str(o, key, json);
		return;
	}
	mlw_out_json(o, key, v);
	json_decref(v);
}

/*
 * The fields worth a table cell: library versions, the loader, the
 * algorithm (not the flavor's own file format version).
 */
static int key_field(const char *k)
{
	return (mlw_ends_with(k, "_version") && strcmp(k, "format_version")) ||
	       !strcmp(k, "loader_module") || !strcmp(k, "algorithm");
}

char *mlw_mlmodel_flavors_summary(const char *flavors)
{
	struct mlw_buf b = MLW_BUF_INIT;
	json_t *v = flavors ? json_loads(flavors, 0, NULL) : NULL, *f, *x;
	const char *name, *k;

	if (!json_is_object(v)) {
		json_decref(v);
		return mlw_strdup("");
	}
	json_object_foreach(v, name, f) {
		int n = 0;

		if (b.len)
			mlw_buf_adds(&b, "; ");
		mlw_buf_adds(&b, name);
		if (!json_is_object(f))
			continue;
		json_object_foreach(f, k, x) {
			if (!key_field(k) || json_is_object(x) ||
			    json_is_array(x))
				continue;
			mlw_buf_adds(&b, n++ ? ", " : " (");
			mlw_buf_addf(&b, "%s=", k);
			if (!mlw_json_scalar_text(&b, x))
				mlw_buf_adds(&b, "null");
		}
		if (n)
			mlw_buf_addch(&b, ')');
	}
	json_decref(v);
	return mlw_buf_detach(&b, NULL);
}

static void add_columns(struct mlw_buf *b, const char *what, json_t *list)
{
	json_t *c;
	size_t i;

	if (!json_is_array(list))
		return;
	if (b->len)
		mlw_buf_adds(b, "; ");
	mlw_buf_addf(b, "%s:", what);
	json_array_foreach(list, i, c) {
		json_t *name = json_object_get(c, "name");
		json_t *type = json_object_get(c, "type");
		json_t *dtype = json_object_get(c, "dtype");

		mlw_buf_adds(b, i ? ", " : " ");
		if (json_is_string(name))
			mlw_buf_addf(b, "%s ", json_string_value(name));
		mlw_buf_adds(b, json_is_string(type) ?
			     json_string_value(type) : "?");
		if (json_is_string(dtype))
			mlw_buf_addf(b, "(%s)", json_string_value(dtype));
	}
}

char *mlw_mlmodel_signature_summary(const char *signature)
{
	struct mlw_buf b = MLW_BUF_INIT;
	json_t *v = signature ? json_loads(signature, 0, NULL) : NULL;

	if (json_is_object(v)) {
		add_columns(&b, "inputs", json_object_get(v, "inputs"));
		add_columns(&b, "outputs", json_object_get(v, "outputs"));
	}
	json_decref(v);
	return mlw_buf_detach(&b, NULL);
}

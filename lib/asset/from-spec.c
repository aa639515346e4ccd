/*
 * from-spec.c - asset requests from spec files; see from-spec.h.
 */
#include "asset/from-spec.h"
#include "asset/mlmodel.h"
#include "spec/spec.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/strutil.h"

#include <stdlib.h>
#include <string.h>

char *mlw_asset_spec_where(const struct mlw_spec *spec,
			   const struct mlw_yaml_node *n)
{
	if (!n)
		return mlw_strdup(spec->path);
	if (n->source && mlw_starts_with(n->source, "--set "))
		return mlw_xstrfmt("%s: --set '%s'", spec->path, n->source + 6);
	return mlw_xstrfmt("%s:%d:%d", n->source ? n->source : spec->path,
			   n->line, n->col);
}

static int bad(const struct mlw_spec *spec, const struct mlw_yaml_node *n,
	       const char *msg)
{
	char *where = mlw_asset_spec_where(spec, n);
	int ret = mlw_error_setc(MLW_EINVALID, "%s: %s", where, msg);

	free(where);
	return ret;
}

static int bad_value(const struct mlw_spec *spec,
		     const struct mlw_yaml_node *n, const char *what,
		     const char *rule)
{
	char *where = mlw_asset_spec_where(spec, n);
	int ret = mlw_error_setc(MLW_EINVALID, "%s: invalid %s '%s' (%s)",
				 where, what, n->text, rule);

	free(where);
	return ret;
}

/* a scalar field's text, or NULL */
static char *get_str(const struct mlw_spec *spec, const char *path)
{
	const char *s = mlw_spec_get_str(spec, path);

	return s ? mlw_strdup(s) : NULL;
}

static void get_kvs(struct mlw_asset_kvs *kvs, const struct mlw_spec *spec,
		    const char *path)
{
	const struct mlw_yaml_node *m = mlw_spec_get(spec, path);
	size_t i;

	if (!m || m->kind != MLW_YAML_MAP)
		return;
	for (i = 0; i < m->nr / 2; i++) {
		const struct mlw_yaml_node *v = mlw_yaml_value(m, i);

		mlw_asset_kvs_set(kvs, mlw_yaml_key(m, i)->text,
				  v->kind == MLW_YAML_SCALAR &&
				  !mlw_yaml_is_null(v) ? v->text : "");
	}
}

/*
 * A path field: local paths resolved against the spec's directory,
 * anything else (remote, azureml:) as written.
 */
static char *get_path(const struct mlw_spec *spec, const char *path)
{
	const char *text = mlw_spec_get_str(spec, path);
	struct mlw_ref ref;
	char *out;

	if (!text)
		return NULL;
	if (mlw_ref_parse(&ref, text, spec->dir) || ref.kind != MLW_REF_LOCAL)
		out = mlw_strdup(text);
	else
		out = mlw_strdup(ref.path);
	mlw_ref_release(&ref);
	return out;
}

static char *get_json(const struct mlw_spec *spec, const char *path)
{
	const struct mlw_yaml_node *n = mlw_spec_get(spec, path);

	return n && !mlw_yaml_is_null(n) ? mlw_yaml_node_to_json(n) : NULL;
}

int mlw_asset_spec_from_spec(struct mlw_asset_spec *out,
			     const struct mlw_spec *spec)
{
	const struct mlw_yaml_node *n;
	enum mlw_asset_kind kind;

	switch (spec->kind) {
	case MLW_SPEC_DATA:
		kind = MLW_ASSET_DATA;
		break;
	case MLW_SPEC_MODEL:
		kind = MLW_ASSET_MODEL;
		break;
	case MLW_SPEC_ENVIRONMENT:
		kind = MLW_ASSET_ENVIRONMENT;
		break;
	case MLW_SPEC_MLTABLE:
		mlw_asset_spec_init(out, MLW_ASSET_DATA);
		return bad(spec, spec->doc->root, "an MLTable file describes a table, not a data asset: create one with --type mltable --path on its folder");
	default:
		BUG("asset from a %s spec", mlw_spec_kind_name(spec->kind));
	}
	mlw_asset_spec_init(out, kind);
	out->name = get_str(spec, "name");
	n = mlw_spec_get(spec, "name");
	if (out->name && !mlw_asset_name_ok(out->name))
		return bad_value(spec, n, "name", "letters, digits, '-', '_', '.'; starting with a letter or digit; at most 255");
	n = mlw_spec_get(spec, "version");
	out->version = mlw_spec_get_version(spec, "version");
	if (out->version && !mlw_asset_version_ok(out->version))
		return bad_value(spec, n, "version", "letters, digits, '-', '_', '.'; at most 64");
	out->description = get_str(spec, "description");
	get_kvs(&out->tags, spec, "tags");
	get_kvs(&out->properties, spec, "properties");
	if (kind != MLW_ASSET_ENVIRONMENT) {
		out->type = get_str(spec, "type");
		out->path = get_path(spec, "path");
	}
	if (kind == MLW_ASSET_MODEL) {
		out->stage = get_str(spec, "stage");
		out->job_name = get_str(spec, "job_name");
		out->flavors = get_json(spec, "flavors");
	}
	if (kind == MLW_ASSET_ENVIRONMENT) {
		out->image = get_str(spec, "image");
		n = mlw_spec_get(spec, "conda_file");
		if (n && n->kind == MLW_YAML_SCALAR)
			out->conda_file = get_path(spec, "conda_file");
		else if (n && n->kind == MLW_YAML_MAP)
			out->conda_file_contents = mlw_yaml_node_to_yaml(n);
		out->build_context = get_path(spec, "build.path");
		out->dockerfile_path = get_str(spec, "build.dockerfile_path");
		get_kvs(&out->environment_variables, spec,
			"environment_variables");
		out->inference_config = get_json(spec, "inference_config");
	}
	return 0;
}

/*
 * The field of a spec an error about the content is about: the message
 * names it (snapshot.c's messages say "conda file", "build context"...).
 */
static const struct mlw_yaml_node *field_of_error(const struct mlw_spec *from,
						  enum mlw_asset_kind kind,
						  const char *msg)
{
	const struct mlw_yaml_node *n = NULL;

	if (mlw_asset_kind_info(kind)->content == MLW_ASSET_CONTENT_PATH)
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

void mlw_asset_spec_locate_error(const struct mlw_spec *spec,
				 enum mlw_asset_kind kind)
{
	char *where = mlw_asset_spec_where(spec,
		field_of_error(spec, kind, mlw_error_last()));

	mlw_error_prefix("%s", where);
	free(where);
}

static char *dup_or_null(const char *s)
{
	return s ? mlw_strdup(s) : NULL;
}

int mlw_asset_spec_replace_kvs(struct mlw_asset_spec *spec,
			       const struct mlw_asset_fields *f)
{
	int ret;

	if (f->tags && f->tags->nr)
		mlw_asset_kvs_release(&spec->tags);
	if (f->properties && f->properties->nr)
		mlw_asset_kvs_release(&spec->properties);
	ret = mlw_asset_kvs_parse_list(&spec->tags, f->tags, "tag");
	if (!ret)
		ret = mlw_asset_kvs_parse_list(&spec->properties,
					       f->properties, "property");
	return ret;
}

int mlw_asset_spec_from_fields(struct mlw_asset_spec *out,
			       enum mlw_asset_kind kind,
			       const struct mlw_asset_fields *f)
{
	mlw_asset_spec_init(out, kind);
	out->name = dup_or_null(f->name);
	out->version = dup_or_null(f->version);
	out->path = dup_or_null(f->path);
	out->type = dup_or_null(f->type);
	out->description = dup_or_null(f->description);
	out->stage = dup_or_null(f->stage);
	out->image = dup_or_null(f->image);
	out->conda_file = dup_or_null(f->conda_file);
	out->build_context = dup_or_null(f->build_context);
	out->dockerfile_path = dup_or_null(f->dockerfile_path);
	return mlw_asset_spec_replace_kvs(out, f);
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

/*
 * A flag's path, absolute when local (the spec file is elsewhere); a
 * reference, or text that is none (the spec's checks say why), as given.
 */
static char *flag_path(const char *path)
{
	struct mlw_ref ref;
	char *out;

	if (mlw_ref_parse(&ref, path, NULL) || ref.kind != MLW_REF_LOCAL) {
		mlw_error_clear();
		out = mlw_strdup(path);
	} else {
		out = ref.path[0] == '/' ? mlw_strdup(ref.path) :
		      mlw_path_absolute(ref.path);
	}
	mlw_ref_release(&ref);
	return out;
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

void mlw_asset_fields_overrides(struct mlw_strlist *out,
				const struct mlw_asset_fields *f)
{
	push_override(out, "name", f->name, 0);
	push_override(out, "version", f->version, 0);
	push_override(out, "path", f->path, 1);
	push_override(out, "type", f->type, 0);
	push_override(out, "description", f->description, 0);
	push_override(out, "stage", f->stage, 0);
	push_override(out, "image", f->image, 0);
	push_override(out, "conda_file", f->conda_file, 1);
	push_override(out, "build.path", f->build_context, 1);
	push_override(out, "build.dockerfile_path", f->dockerfile_path, 0);
}

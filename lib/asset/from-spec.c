/*
 * from-spec.c - asset requests from spec files; see from-spec.h.
 */
#include "asset/from-spec.h"
#include "asset/mlmodel.h"
#include "spec/spec.h"
#include "util/alloc.h"
#include "util/error.h"
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

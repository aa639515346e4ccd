/*
 * from-spec.h - an asset request (struct mlw_asset_spec) from a data,
 * model or environment spec file loaded by the spec layer.
 *
 * Local paths (path, conda_file, build.path) resolve against the spec
 * file's directory, as az ml resolves them; remote URIs and azureml:
 * references are kept as written, so the asset layer records the former
 * and reports the latter.  A conda file given inline is kept as YAML
 * text; inference_config, flavors are kept as JSON.
 */
#ifndef MLW_ASSET_FROM_SPEC_H
#define MLW_ASSET_FROM_SPEC_H

#include "asset/asset.h"

struct mlw_spec;
struct mlw_strlist;
struct mlw_yaml_node;

/*
 * Fill out (initialised here; release it in every case) from spec, a
 * spec loaded without errors.  MLW_EINVALID with "FILE:LINE:COL: problem"
 * for what the schema does not check: names and versions mlw cannot
 * store, and an MLTable file, which is not an asset spec.
 */
int mlw_asset_spec_from_spec(struct mlw_asset_spec *out,
			     const struct mlw_spec *spec);

/*
 * Where node n of spec came from, for messages: "FILE:LINE:COL", or
 * "FILE: --set 'PATH=VALUE'" for an override.  The caller frees.
 */
char *mlw_asset_spec_where(const struct mlw_spec *spec,
			   const struct mlw_yaml_node *n);

/*
 * The current error, about the content of a request that came from spec
 * (mlw_asset_snapshot()'s: a path missing, a wrong type...), prefixed
 * with where in spec the field it is about was given ("FILE:LINE:COL:
 * ..."): path, conda_file, build.path, build.dockerfile_path or image.
 */
void mlw_asset_spec_locate_error(const struct mlw_spec *spec,
				 enum mlw_asset_kind kind);

/*
 * What a create command's flags say (-n NAME, -p PATH, --tags K=V...);
 * NULL is not given.  Everything is borrowed.
 */
struct mlw_asset_fields {
	const char *name, *version, *path, *type, *description, *stage;
	const char *image, *conda_file, *build_context, *dockerfile_path;
	const struct mlw_strlist *tags, *properties;	/* KEY=VALUE */
};

/*
 * Fill out (initialised here; the caller releases it in every case) from
 * f alone.  MLW_EINVALID for a tag or property that is not KEY=VALUE.
 */
int mlw_asset_spec_from_fields(struct mlw_asset_spec *out,
			       enum mlw_asset_kind kind,
			       const struct mlw_asset_fields *f);

/*
 * f's tags and properties, when given, in place of spec's (a spec
 * file's): as az ml does, --tags replaces the file's tags.  MLW_EINVALID
 * for one that is not KEY=VALUE.
 */
int mlw_asset_spec_replace_kvs(struct mlw_asset_spec *spec,
			       const struct mlw_asset_fields *f);

/*
 * f as spec overrides ("name=\"x\"", spec.h's --set syntax), appended to
 * out, to apply to a spec file before it is validated: flags override
 * the file's fields, as az ml's do, and may supply one it lacks.  Values
 * stay strings; local paths are made absolute, as the file's directory
 * is elsewhere (remote URIs and azureml: references are kept).
 */
void mlw_asset_fields_overrides(struct mlw_strlist *out,
				const struct mlw_asset_fields *f);

#endif

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

#endif

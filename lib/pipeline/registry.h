/*
 * registry.h - components as versioned assets: 'mlw component create',
 * and the steps that name azureml:NAME:VERSION or azureml:NAME@latest.
 *
 * A registered component is an asset of kind component (asset.h), type
 * command or pipeline, versioned as models are (immutable, the next
 * integer when not given).  Its content is one tree:
 *
 *	component.yml	the spec file as written
 *	code/		a command component's code folder, snapshotted as
 *			a job's is (.gitignore, .amlignore honoured)
 *	files/		a pipeline component's folder (its steps' component
 *			files and their code), without .mlw
 *
 * so the code a step runs is the code as it was when the component was
 * registered, whatever the folder holds now.  Registering the same
 * content again under the same version is no change; other content is
 * MLW_EEXISTS (asset.h).
 */
#ifndef MLW_PIPELINE_REGISTRY_H
#define MLW_PIPELINE_REGISTRY_H

#include "asset/service.h"

struct mlw_component;
struct mlw_diags;
struct mlw_repo;
struct mlw_spec;
struct mlw_yaml_node;

/*
 * Register spec (a command or pipeline component without errors) as a
 * new version: name and version override the spec's when not NULL.
 * 0 with *out (mlw_asset_result_release()); else the service's error
 * (asset/service.h), MLW_EINVALID for a code folder that is not local.
 */
int mlw_component_create(struct mlw_asset_result *out,
			 struct mlw_asset_ctx *ctx, const struct mlw_spec *spec,
			 const char *name, const char *version);

/*
 * Fill c (its kind wanted: c->kind) from the registered component a:
 * its spec read from the store (a pipeline component's folder restored
 * once under .mlw/cache/components/, so that its steps' files resolve),
 * its code tree.  Problems of the spec are diagnostics in d at node.
 * 0, or a negative code when the store fails.
 */
int mlw_component_from_asset(struct mlw_component *c, struct mlw_diags *d,
			     const struct mlw_yaml_node *node,
			     struct mlw_repo *repo, const struct mlw_asset *a);

#endif

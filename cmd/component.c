/*
 * component.c - 'mlw component': command and pipeline components,
 * versioned as models are (az ml component).
 *
 * 'create' registers a spec file with its code snapshotted
 * (lib/pipeline/registry.h); list, show, update, archive, restore,
 * download and validate are the verbs every asset kind shares
 * (asset-common.h).  Pipeline steps name a registered component as
 * azureml:NAME:VERSION or azureml:NAME@latest.
 */
#include "asset-common.h"
#include "asset/service.h"
#include "pipeline/registry.h"
#include "spec/spec.h"

#include <stdlib.h>

static int component_create(int argc, const char **argv, struct mlw_ctx *ctx)
{
	static const char *const usage[] = {
		"mlw component create -f FILE [-n NAME] [-v VERSION] "
		"[--set PATH=VALUE]...", NULL
	};
	const char *file = NULL, *name = NULL, *version = NULL;
	struct mlw_strlist sets = MLW_STRLIST_INIT;
	struct mlw_option opts[] = {
		MLW_OPT_STRING('f', "file", &file, "FILE",
			       "a command or pipeline component spec (YAML)"),
		MLW_OPT_STRING('n', "name", &name, "NAME",
			       "its name (default: the spec's)"),
		MLW_OPT_STRING('v', "version", &version, "VERSION",
			       "its version (default: the spec's, else the "
			       "next integer)"),
		MLW_OPT_LIST(0, "set", &sets, "PATH=VALUE",
			     "set a spec field before validation (repeatable)"),
		MLW_OPT_END()
	};
	struct mlw_asset_result res;
	struct mlw_asset_ctx actx;
	struct mlw_spec *spec;
	char *line;
	int ret;

	if (cmd_parse(ctx, argc, argv, opts, usage) > 0 || !file) {
		mlw_strlist_release(&sets);
		return cmd_usage_error(usage, opts, "a spec file is needed "
				       "(-f FILE)");
	}
	cmd_repo(ctx);
	ret = cmd_spec_load(&spec, ctx, file, NULL, "component", &sets);
	mlw_strlist_release(&sets);
	if (ret)
		return ret;
	/* a pipeline component's graph is checked before it is kept */
	if (spec->kind == MLW_SPEC_PIPELINE_COMPONENT) {
		ret = cmd_pipeline_check(ctx, spec, NULL);
		if (ret) {
			mlw_spec_free(spec);
			return ret;
		}
	}
	asset_service_ctx(&actx, &line, ctx, MLW_ASSET_COMPONENT);
	ret = mlw_component_create(&res, &actx, spec, name, version);
	free(line);
	mlw_spec_free(spec);
	if (ret)
		return cmd_fail(ret);
	if (res.existed)
		cmd_warn(ctx, "component '%s' version '%s' was already there "
			 "with this content", res.asset->name,
			 res.asset->version);
	ret = asset_print(ctx, res.asset);
	mlw_asset_result_release(&res);
	return ret;
}

SHARED_VERBS(component, MLW_ASSET_COMPONENT)

static int component_download(int argc, const char **argv,
			      struct mlw_ctx *ctx)
{
	return asset_download(ctx, MLW_ASSET_COMPONENT, argc, argv);
}

CMD(component)
{
	static const char *const usage[] = {
		"mlw component VERB [OPTIONS]", NULL
	};
	static const struct cmd_verb verbs[] = {
		{ "archive", component_archive,
		  "hide a component or one version" },
		{ "create", component_create,
		  "register a new version, its code snapshotted" },
		{ "download", component_download,
		  "restore a version's spec and code" },
		{ "list", component_list, "list components or one's versions" },
		{ "restore", component_restore,
		  "unarchive a component or one version" },
		{ "show", component_show, "show one version" },
		{ "update", component_update, "change description or tags" },
		{ "validate", component_validate,
		  "check spec files without running them" },
		{ NULL, NULL, NULL }
	};

	return cmd_dispatch(ctx, argc, argv, verbs, usage);
}

/*
 * model.c - 'mlw model': versioned models (az ml model).
 *
 * A model is a file or folder (custom_model), an MLflow model folder
 * with its MLmodel file (mlflow_model) or a Triton model repository
 * (triton_model), with tags, properties, a stage and the run that made
 * it.  Registering one runs the model-registered hook.
 */
#include "asset-common.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/strutil.h"

#include <stdlib.h>

static int model_create(int argc, const char **argv, struct mlw_ctx *ctx)
{
	static const char *const usage[] = {
		"mlw model create -n NAME -p PATH [-v VERSION] [-t TYPE] [-d TEXT] [-s STAGE] [--tags K=V]... [--properties K=V]...",
		NULL
	};
	const char *name = NULL, *version = NULL, *path = NULL, *type = NULL;
	const char *description = NULL, *stage = NULL;
	struct mlw_strlist tags = MLW_STRLIST_INIT, props = MLW_STRLIST_INIT;
	struct mlw_option opts[] = {
		MLW_OPT_STRING('n', "name", &name, "NAME", "the model's name"),
		MLW_OPT_STRING('v', "version", &version, "VERSION",
			       "its version (default: the next integer)"),
		MLW_OPT_STRING('p', "path", &path, "PATH",
			       "a local file or folder, or a remote URI"),
		MLW_OPT_STRING('t', "type", &type, "TYPE",
			       "custom_model (default), mlflow_model or triton_model"),
		MLW_OPT_STRING('d', "description", &description, "TEXT",
			       "what the model is"),
		MLW_OPT_STRING('s', "stage", &stage, "STAGE",
			       "its stage (Development, Production, ...)"),
		MLW_OPT_LIST(0, "tags", &tags, "KEY=VALUE",
			     "a tag (repeatable)"),
		MLW_OPT_LIST(0, "properties", &props, "KEY=VALUE",
			     "a property (repeatable; fixed once created)"),
		MLW_OPT_END()
	};
	struct mlw_asset_spec spec;
	int ret;

	argc = cmd_parse(ctx, argc, argv, opts, usage);
	if (argc)
		ret = cmd_usage_error(usage, opts, "unexpected operand '%s'", argv[0]);
	else if (!name || !path)
		ret = cmd_usage_error(usage, opts, "give --name and --path");
	else
		ret = 0;
	mlw_asset_spec_init(&spec, MLW_ASSET_MODEL);
	if (!ret) {
		spec.name = mlw_strdup(name);
		spec.version = version ? mlw_strdup(version) : NULL;
		spec.path = mlw_strdup(path);
		spec.type = type ? mlw_strdup(type) : NULL;
		spec.description = description ? mlw_strdup(description) : NULL;
		spec.stage = stage ? mlw_strdup(stage) : NULL;
		ret = asset_parse_kvs(&spec.tags, &tags, "tag");
	}
	if (!ret)
		ret = asset_parse_kvs(&spec.properties, &props, "property");
	if (!ret)
		ret = asset_create(ctx, &spec);
	mlw_asset_spec_release(&spec);
	mlw_strlist_release(&tags);
	mlw_strlist_release(&props);
	return ret;
}

SHARED_VERBS(model, MLW_ASSET_MODEL)

static int model_download(int argc, const char **argv, struct mlw_ctx *ctx)
{
	return asset_download(ctx, MLW_ASSET_MODEL, argc, argv);
}

CMD(model)
{
	static const char *const usage[] = { "mlw model VERB [OPTIONS]", NULL };
	static const struct cmd_verb verbs[] = {
		{ "archive", model_archive, "hide a model or one version" },
		{ "create", model_create, "register a new version" },
		{ "download", model_download, "restore a version's files" },
		{ "list", model_list, "list models or one's versions" },
		{ "restore", model_restore, "unarchive a model or one version" },
		{ "show", model_show, "show one version" },
		{ "update", model_update, "change description, tags or stage" },
		{ NULL, NULL, NULL }
	};

	return cmd_dispatch(ctx, argc, argv, verbs, usage);
}

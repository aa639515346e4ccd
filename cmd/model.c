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
		"mlw model create -n NAME -p PATH [-v VERSION] [-t TYPE] [-d TEXT] [-s STAGE] [--tags K=V]... [--properties K=V]... [--set PATH=VALUE]...",
		"mlw model create -f FILE [-n NAME] [-v VERSION] [-p PATH] [-t TYPE] [-d TEXT] [-s STAGE] [--tags K=V]... [--properties K=V]... [--set PATH=VALUE]...",
		NULL
	};
	struct asset_create_args a = ASSET_CREATE_ARGS_INIT;
	struct mlw_option opts[] = {
		MLW_OPT_STRING('f', "file", &a.file, "FILE",
			       "a model spec (YAML, az ml's schema)"),
		MLW_OPT_STRING('n', "name", &a.f.name, "NAME", "the model's name"),
		MLW_OPT_STRING('v', "version", &a.f.version, "VERSION",
			       "its version (default: the next integer)"),
		MLW_OPT_STRING('p', "path", &a.f.path, "PATH",
			       "a local file or folder, or a remote URI"),
		MLW_OPT_STRING('t', "type", &a.f.type, "TYPE",
			       "custom_model (default), mlflow_model or triton_model"),
		MLW_OPT_STRING('d', "description", &a.f.description, "TEXT",
			       "what the model is"),
		MLW_OPT_STRING('s', "stage", &a.f.stage, "STAGE",
			       "its stage (Development, Production, ...)"),
		MLW_OPT_LIST(0, "tags", &a.tags, "KEY=VALUE",
			     "a tag (repeatable; replaces the file's tags)"),
		MLW_OPT_LIST(0, "properties", &a.properties, "KEY=VALUE",
			     "a property (repeatable; fixed once created)"),
		MLW_OPT_LIST(0, "set", &a.sets, "PATH=VALUE",
			     "set a spec field before validation (repeatable)"),
		MLW_OPT_END()
	};

	return asset_create_verb(ctx, MLW_ASSET_MODEL, argc, argv, opts,
				 usage, &a);
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
		{ "evaluate", cmd_model_evaluate, "metrics of predictions against labels" },
		{ "list", model_list, "list models or one's versions" },
		{ "restore", model_restore, "unarchive a model or one version" },
		{ "score", cmd_model_score, "batch-score data with a model" },
		{ "show", model_show, "show one version" },
		{ "update", model_update, "change description, tags or stage" },
		{ "validate", model_validate, "check model specs" },
		{ NULL, NULL, NULL }
	};

	return cmd_dispatch(ctx, argc, argv, verbs, usage);
}

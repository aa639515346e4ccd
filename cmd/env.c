/*
 * env.c - 'mlw env': versioned environments (az ml environment).
 *
 * An environment is a docker image name, or a build context folder with
 * a Dockerfile, optionally with a conda file.  mlw runs jobs on this
 * machine, not in containers, so it records exactly what was asked (the
 * conda file's content as a blob, the build context as a tree) for the
 * record and for a later run elsewhere.
 */
#include "asset-common.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/strutil.h"

#include <stdlib.h>

static int env_create(int argc, const char **argv, struct mlw_ctx *ctx)
{
	static const char *const usage[] = {
		"mlw env create -n NAME (-i IMAGE | -b DIR) [-c CONDA_FILE] [-v VERSION] [-d TEXT] [--tags K=V]...",
		NULL
	};
	const char *name = NULL, *version = NULL, *image = NULL;
	const char *conda = NULL, *context = NULL, *dockerfile = NULL;
	const char *description = NULL;
	struct mlw_strlist tags = MLW_STRLIST_INIT;
	struct mlw_option opts[] = {
		MLW_OPT_STRING('n', "name", &name, "NAME",
			       "the environment's name"),
		MLW_OPT_STRING('v', "version", &version, "VERSION",
			       "its version (default: the next integer)"),
		MLW_OPT_STRING('i', "image", &image, "IMAGE",
			       "a docker image (recorded, not pulled)"),
		MLW_OPT_STRING('c', "conda-file", &conda, "FILE",
			       "a conda environment file (stored)"),
		MLW_OPT_STRING('b', "build-context", &context, "DIR",
			       "a folder with a Dockerfile (snapshotted)"),
		MLW_OPT_STRING(0, "dockerfile-path", &dockerfile, "PATH",
			       "the Dockerfile inside the build context"),
		MLW_OPT_STRING('d', "description", &description, "TEXT",
			       "what the environment is"),
		MLW_OPT_LIST(0, "tags", &tags, "KEY=VALUE",
			     "a tag (repeatable)"),
		MLW_OPT_END()
	};
	struct mlw_asset_spec spec;
	int ret = 0;

	argc = cmd_parse(ctx, argc, argv, opts, usage);
	if (argc)
		ret = cmd_usage_error(usage, opts, "unexpected operand '%s'", argv[0]);
	else if (!name)
		ret = cmd_usage_error(usage, opts, "give --name");
	else if (!image == !context)
		ret = cmd_usage_error(usage, opts,
				      "give --image or --build-context (one of them)");
	else if (dockerfile && !context)
		ret = cmd_usage_error(usage, opts,
				      "--dockerfile-path goes with --build-context");
	mlw_asset_spec_init(&spec, MLW_ASSET_ENVIRONMENT);
	if (!ret) {
		spec.name = mlw_strdup(name);
		spec.version = version ? mlw_strdup(version) : NULL;
		spec.image = image ? mlw_strdup(image) : NULL;
		spec.conda_file = conda ? mlw_strdup(conda) : NULL;
		spec.build_context = context ? mlw_strdup(context) : NULL;
		spec.dockerfile_path = dockerfile ? mlw_strdup(dockerfile) : NULL;
		spec.description = description ? mlw_strdup(description) : NULL;
		ret = asset_parse_kvs(&spec.tags, &tags, "tag");
	}
	if (!ret)
		ret = asset_create(ctx, &spec);
	mlw_asset_spec_release(&spec);
	mlw_strlist_release(&tags);
	return ret;
}

SHARED_VERBS(env, MLW_ASSET_ENVIRONMENT)

CMD(env)
{
	static const char *const usage[] = { "mlw env VERB [OPTIONS]", NULL };
	static const struct cmd_verb verbs[] = {
		{ "archive", env_archive, "hide an environment or one version" },
		{ "create", env_create, "register a new version" },
		{ "list", env_list, "list environments or one's versions" },
		{ "restore", env_restore, "unarchive an environment or one version" },
		{ "show", env_show, "show one version, with its conda file" },
		{ "update", env_update, "change description or tags" },
		{ NULL, NULL, NULL }
	};

	return cmd_dispatch(ctx, argc, argv, verbs, usage);
}

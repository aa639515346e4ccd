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
		"mlw env create -n NAME (-i IMAGE | -b DIR) [-c CONDA_FILE] [-v VERSION] [-d TEXT] [--tags K=V]... [--set PATH=VALUE]...",
		"mlw env create -f FILE [-n NAME] [-v VERSION] [-i IMAGE | -b DIR] [-c CONDA_FILE] [-d TEXT] [--tags K=V]... [--set PATH=VALUE]...",
		NULL
	};
	struct asset_create_args a = ASSET_CREATE_ARGS_INIT;
	struct mlw_option opts[] = {
		MLW_OPT_STRING('f', "file", &a.file, "FILE",
			       "an environment spec (YAML, az ml's schema)"),
		MLW_OPT_STRING('n', "name", &a.f.name, "NAME",
			       "the environment's name"),
		MLW_OPT_STRING('v', "version", &a.f.version, "VERSION",
			       "its version (default: the next integer)"),
		MLW_OPT_STRING('i', "image", &a.f.image, "IMAGE",
			       "a docker image (recorded, not pulled)"),
		MLW_OPT_STRING('c', "conda-file", &a.f.conda_file, "FILE",
			       "a conda environment file (stored)"),
		MLW_OPT_STRING('b', "build-context", &a.f.build_context, "DIR",
			       "a folder with a Dockerfile (snapshotted)"),
		MLW_OPT_STRING(0, "dockerfile-path", &a.f.dockerfile_path, "PATH",
			       "the Dockerfile inside the build context"),
		MLW_OPT_STRING('d', "description", &a.f.description, "TEXT",
			       "what the environment is"),
		MLW_OPT_LIST(0, "tags", &a.tags, "KEY=VALUE",
			     "a tag (repeatable; replaces the file's tags)"),
		MLW_OPT_LIST(0, "set", &a.sets, "PATH=VALUE",
			     "set a spec field before validation (repeatable)"),
		MLW_OPT_END()
	};

	return asset_create_verb(ctx, MLW_ASSET_ENVIRONMENT, argc, argv, opts,
				 usage, &a);
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
		{ "validate", env_validate, "check environment specs" },
		{ NULL, NULL, NULL }
	};

	return cmd_dispatch(ctx, argc, argv, verbs, usage);
}

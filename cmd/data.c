/*
 * data.c - 'mlw data': versioned data assets (az ml data).
 *
 * A data asset names a file (uri_file), a folder (uri_folder) or a folder
 * with an MLTable file (mltable), snapshotted into the object store when
 * created, or a remote URI recorded as a reference.
 */
#include "asset-common.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/strutil.h"

#include <stdlib.h>

static int data_create(int argc, const char **argv, struct mlw_ctx *ctx)
{
	static const char *const usage[] = {
		"mlw data create -n NAME -p PATH [-v VERSION] [-t TYPE] [-d TEXT] [--tags K=V]...",
		NULL
	};
	const char *name = NULL, *version = NULL, *path = NULL, *type = NULL;
	const char *description = NULL;
	struct mlw_strlist tags = MLW_STRLIST_INIT;
	struct mlw_option opts[] = {
		MLW_OPT_STRING('n', "name", &name, "NAME", "the asset's name"),
		MLW_OPT_STRING('v', "version", &version, "VERSION",
			       "its version (default: the next integer)"),
		MLW_OPT_STRING('p', "path", &path, "PATH",
			       "a local file or folder, or a remote URI"),
		MLW_OPT_STRING('t', "type", &type, "TYPE",
			       "uri_folder (default), uri_file or mltable"),
		MLW_OPT_STRING('d', "description", &description, "TEXT",
			       "what the data is"),
		MLW_OPT_LIST(0, "tags", &tags, "KEY=VALUE",
			     "a tag (repeatable)"),
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
	mlw_asset_spec_init(&spec, MLW_ASSET_DATA);
	if (!ret) {
		spec.name = mlw_strdup(name);
		spec.version = version ? mlw_strdup(version) : NULL;
		spec.path = mlw_strdup(path);
		spec.type = type ? mlw_strdup(type) : NULL;
		spec.description = description ? mlw_strdup(description) : NULL;
		ret = asset_parse_kvs(&spec.tags, &tags, "tag");
	}
	if (!ret)
		ret = asset_create(ctx, &spec);
	mlw_asset_spec_release(&spec);
	mlw_strlist_release(&tags);
	return ret;
}

SHARED_VERBS(data, MLW_ASSET_DATA)

static int data_download(int argc, const char **argv, struct mlw_ctx *ctx)
{
	return asset_download(ctx, MLW_ASSET_DATA, argc, argv);
}

CMD(data)
{
	static const char *const usage[] = { "mlw data VERB [OPTIONS]", NULL };
	static const struct cmd_verb verbs[] = {
		{ "archive", data_archive, "hide a data asset or one version" },
		{ "create", data_create, "register a new version" },
		{ "download", data_download, "restore a version's content" },
		{ "list", data_list, "list data assets or one's versions" },
		{ "restore", data_restore, "unarchive a data asset or one version" },
		{ "show", data_show, "show one version" },
		{ "update", data_update, "change description or tags" },
		{ NULL, NULL, NULL }
	};

	return cmd_dispatch(ctx, argc, argv, verbs, usage);
}

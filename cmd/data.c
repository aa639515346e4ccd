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
		"mlw data create -n NAME -p PATH [-v VERSION] [-t TYPE] [-d TEXT] [--tags K=V]... [--set PATH=VALUE]...",
		"mlw data create -f FILE [-n NAME] [-v VERSION] [-p PATH] [-t TYPE] [-d TEXT] [--tags K=V]... [--set PATH=VALUE]...",
		NULL
	};
	struct asset_create_args a = ASSET_CREATE_ARGS_INIT;
	struct mlw_option opts[] = {
		MLW_OPT_STRING('f', "file", &a.file, "FILE",
			       "a data asset spec (YAML, az ml's schema)"),
		MLW_OPT_STRING('n', "name", &a.f.name, "NAME", "the asset's name"),
		MLW_OPT_STRING('v', "version", &a.f.version, "VERSION",
			       "its version (default: the next integer)"),
		MLW_OPT_STRING('p', "path", &a.f.path, "PATH",
			       "a local file or folder, or a remote URI"),
		MLW_OPT_STRING('t', "type", &a.f.type, "TYPE",
			       "uri_folder (default), uri_file or mltable"),
		MLW_OPT_STRING('d', "description", &a.f.description, "TEXT",
			       "what the data is"),
		MLW_OPT_LIST(0, "tags", &a.tags, "KEY=VALUE",
			     "a tag (repeatable; replaces the file's tags)"),
		MLW_OPT_LIST(0, "set", &a.sets, "PATH=VALUE",
			     "set a spec field before validation (repeatable)"),
		MLW_OPT_END()
	};

	return asset_create_verb(ctx, MLW_ASSET_DATA, argc, argv, opts, usage,
				 &a);
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
		{ "normalize", cmd_data_prep, "scale a table's numeric columns" },
		{ "restore", data_restore, "unarchive a data asset or one version" },
		{ "select", cmd_data_prep, "keep some columns of a table" },
		{ "show", data_show, "show one version" },
		{ "split", cmd_data_prep, "split a table's rows in two, seeded" },
		{ "update", data_update, "change description or tags" },
		{ "validate", data_validate, "check data asset specs" },
		{ NULL, NULL, NULL }
	};

	return cmd_dispatch(ctx, argc, argv, verbs, usage);
}

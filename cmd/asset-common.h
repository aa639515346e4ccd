/*
 * asset-common.h - the verbs 'mlw data', 'mlw model' and 'mlw env'
 * share: everything but 'create', whose options differ by kind.
 *
 * Each takes the kind and the verb's argv (argv[0] is the verb) and
 * returns the exit status.  A command file wraps them in its verb table.
 */
#ifndef MLW_CMD_ASSET_COMMON_H
#define MLW_CMD_ASSET_COMMON_H

#include "asset/asset.h"
#include "builtin.h"

/* "data", "model", "env": the command's own name, for usage lines */
const char *asset_cmd_name(enum mlw_asset_kind kind);

/*
 * Finish a create whose options filled spec: snapshot, register in one
 * catalog transaction, print the asset, and for a model run the
 * model-registered hook.  Releases nothing: the caller owns spec.
 */
int asset_create(struct mlw_ctx *ctx, struct mlw_asset_spec *spec);

/* --tags KEY=VALUE values from an option list into kvs; exit status */
int asset_parse_kvs(struct mlw_asset_kvs *kvs, const struct mlw_strlist *l,
		    const char *what);

int asset_list(struct mlw_ctx *ctx, enum mlw_asset_kind kind, int argc,
	       const char **argv);
int asset_show(struct mlw_ctx *ctx, enum mlw_asset_kind kind, int argc,
	       const char **argv);
int asset_update(struct mlw_ctx *ctx, enum mlw_asset_kind kind, int argc,
		 const char **argv);
int asset_archive(struct mlw_ctx *ctx, enum mlw_asset_kind kind, int argc,
		  const char **argv, int archived);
int asset_download(struct mlw_ctx *ctx, enum mlw_asset_kind kind, int argc,
		   const char **argv);

/* the verb functions list, show, update, archive, restore of a kind */
#define SHARED_VERBS(prefix, kind) \
static int prefix##_list(int argc, const char **argv, struct mlw_ctx *ctx) \
{ return asset_list(ctx, kind, argc, argv); } \
static int prefix##_show(int argc, const char **argv, struct mlw_ctx *ctx) \
{ return asset_show(ctx, kind, argc, argv); } \
static int prefix##_update(int argc, const char **argv, struct mlw_ctx *ctx) \
{ return asset_update(ctx, kind, argc, argv); } \
static int prefix##_archive(int argc, const char **argv, struct mlw_ctx *ctx) \
{ return asset_archive(ctx, kind, argc, argv, 1); } \
static int prefix##_restore(int argc, const char **argv, struct mlw_ctx *ctx) \
{ return asset_archive(ctx, kind, argc, argv, 0); }

#endif

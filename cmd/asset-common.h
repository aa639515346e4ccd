/*
 * asset-common.h - the verbs 'mlw data', 'mlw model' and 'mlw env'
 * share (asset-common.c), and 'create', whose options differ by kind
 * (asset-create.c).
 *
 * Each takes the kind and the verb's argv (argv[0] is the verb) and
 * returns the exit status.  A command file wraps them in its verb table.
 */
#ifndef MLW_CMD_ASSET_COMMON_H
#define MLW_CMD_ASSET_COMMON_H

#include "asset/asset.h"
#include "asset/from-spec.h"
#include "builtin.h"
#include "util/strutil.h"

/* "data", "model", "env": the command's own name, for usage lines */
const char *asset_cmd_name(enum mlw_asset_kind kind);

struct mlw_asset_ctx;
/*
 * The service's context for this command (lib/asset/service.h): the
 * workspace's catalog and objects, hooks and the stat cache, notes as
 * warnings, the command line in the operation log (*line, which the
 * caller frees after the call).
 */
void asset_service_ctx(struct mlw_asset_ctx *s, char **line,
		       struct mlw_ctx *ctx, enum mlw_asset_kind kind);
/* Print a as show does (json by default); exit status. */
int asset_print(struct mlw_ctx *ctx, const struct mlw_asset *a);

struct mlw_spec;

/*
 * Finish a create whose options filled spec: register it through the
 * service (lib/asset/service.h: content, catalog, hook) and print it.
 * from, when not NULL, is the spec file spec came from: errors about the
 * content then say where its path is.  A path naming a job's output is
 * resolved first (lib/run).  Releases nothing: the caller owns spec.
 */
int asset_create(struct mlw_ctx *ctx, struct mlw_asset_spec *spec,
		 const struct mlw_spec *from);

/* What a create verb was given; the kind's options fill it. */
struct asset_create_args {
	const char *file;
	struct mlw_asset_fields f;	/* -n, -v, -p, ... */
	struct mlw_strlist tags, properties, sets;
};
#define ASSET_CREATE_ARGS_INIT { NULL, { NULL }, MLW_STRLIST_INIT, \
	MLW_STRLIST_INIT, MLW_STRLIST_INIT }

/*
 * 'mlw KIND create': parse argv with opts (which point into args), then
 * create from flags alone, or from -f FILE (or --set alone) with the
 * flags overriding the file's fields as az ml does.  Exit status.
 */
int asset_create_verb(struct mlw_ctx *ctx, enum mlw_asset_kind kind,
		      int argc, const char **argv,
		      const struct mlw_option *opts,
		      const char *const *usage,
		      struct asset_create_args *args);

/* 'mlw KIND validate': cmd_spec_validate() for the kind's group */
int asset_validate(struct mlw_ctx *ctx, enum mlw_asset_kind kind, int argc,
		   const char **argv);

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

/* the verb functions list, show, update, archive, restore, validate */
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
{ return asset_archive(ctx, kind, argc, argv, 0); } \
static int prefix##_validate(int argc, const char **argv, struct mlw_ctx *ctx) \
{ return asset_validate(ctx, kind, argc, argv); }

#endif

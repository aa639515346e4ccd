/*
 * write-tree.c - 'mlw write-tree DIR': snapshot a folder into a tree.
 */
#include "builtin.h"
#include "store/catalog.h"
#include "store/odb.h"
#include "store/tree.h"
#include "util/error.h"

#include <stdlib.h>

static void warn_cb(const char *msg, void *data)
{
	cmd_warn(data, "%s", msg);
}

CMD(write_tree)
{
	static const char *const usage[] = { "mlw write-tree DIR", NULL };
	struct mlw_option opts[] = { MLW_OPT_END() };
	struct mlw_snapshot_opts sopts = { .warn = warn_cb };
	struct mlw_catalog *cat;
	struct mlw_odb *odb;
	struct mlw_oid oid;
	char hex[MLW_OID_HEXSZ + 1];
	uint64_t size;
	char *line;
	int ret;

	argc = cmd_parse(ctx, argc, argv, opts, usage);
	if (argc != 1)
		return cmd_usage_error(usage, opts, "give one folder");
	sopts.data = ctx;
	odb = cmd_odb(ctx);
	/* one batch: all objects made durable with two syncs, not 2 per file */
	mlw_odb_batch_begin(odb);
	ret = mlw_tree_write_dir(&oid, &size, odb, argv[0], &sopts);
	if (ret) {
		mlw_odb_batch_abort(odb);
		return cmd_fail(ret);
	}
	ret = mlw_odb_batch_commit(odb);
	if (ret)
		return cmd_fail(ret);
	cat = cmd_catalog(ctx);
	line = cmd_line(ctx);
	ret = mlw_catalog_begin(cat);
	if (!ret)
		ret = mlw_catalog_log(cat, "write-tree", line);
	if (!ret)
		ret = mlw_catalog_commit(cat);
	free(line);
	if (ret)
		return cmd_fail(ret);
	mlw_oid_to_hex(hex, &oid);
	if (ctx->format) {
		struct mlw_out *o = mlw_out_new();

		mlw_out_object_begin(o, NULL);
		mlw_out_str(o, "id", hex);
		mlw_out_int(o, "files", (int64_t)sopts.nr_files);
		mlw_out_int(o, "size", (int64_t)size);
		mlw_out_end(o);
		ret = cmd_print(ctx, o, MLW_FMT_TABLE);
		mlw_out_free(o);
		return ret;
	}
	printf("%s\n", hex);
	return 0;
}

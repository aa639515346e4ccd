/*
 * ls-tree.c - 'mlw ls-tree [-r] ID': list a tree.
 */
#include "builtin.h"
#include "store/odb.h"
#include "util/error.h"

int cmd_print_tree(struct mlw_ctx *ctx, struct mlw_odb *odb,
		   const struct mlw_oid *oid, int recursive);

CMD(ls_tree)
{
	static const char *const usage[] = { "mlw ls-tree [-r] ID", NULL };
	int recursive = 0;
	struct mlw_option opts[] = {
		MLW_OPT_BOOL('r', "recursive", &recursive,
			     "list files in subfolders too, with their paths"),
		MLW_OPT_END()
	};
	struct mlw_odb *odb;
	struct mlw_oid oid;
	enum mlw_object_type t;
	int ret;

	argc = cmd_parse(ctx, argc, argv, opts, usage);
	if (argc != 1)
		return cmd_usage_error(usage, opts, "give one tree id");
	odb = cmd_odb(ctx);
	ret = mlw_odb_resolve(&oid, odb, argv[0]);
	if (!ret)
		ret = mlw_odb_info(&t, NULL, odb, &oid);
	if (!ret && t != MLW_OBJ_TREE)
		ret = mlw_error_setc(MLW_EINVALID, "'%s' is a %s, not a tree",
				     argv[0], mlw_object_type_name(t));
	if (ret)
		return cmd_fail(ret);
	return cmd_print_tree(ctx, odb, &oid, recursive);
}

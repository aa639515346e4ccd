/*
 * checkout-tree.c - 'mlw checkout-tree ID DIR': restore a tree.
 */
#include "builtin.h"
#include "store/odb.h"
#include "store/tree.h"
#include "util/error.h"

CMD(checkout_tree)
{
	static const char *const usage[] = {
		"mlw checkout-tree [--read-only] ID DIR", NULL
	};
	int readonly = 0;
	struct mlw_option opts[] = {
		MLW_OPT_BOOL(0, "read-only", &readonly,
			     "make the restored files and folders read-only"),
		MLW_OPT_END()
	};
	struct mlw_odb *odb;
	struct mlw_oid oid;
	enum mlw_object_type t;
	int ret;

	argc = cmd_parse(ctx, argc, argv, opts, usage);
	if (argc != 2)
		return cmd_usage_error(usage, opts, "give a tree id and a folder");
	odb = cmd_odb(ctx);
	ret = mlw_odb_resolve(&oid, odb, argv[0]);
	if (!ret)
		ret = mlw_odb_info(&t, NULL, odb, &oid);
	if (!ret && t != MLW_OBJ_TREE)
		ret = mlw_error_setc(MLW_EINVALID, "'%s' is a %s, not a tree",
				     argv[0], mlw_object_type_name(t));
	if (!ret)
		ret = mlw_tree_checkout(odb, &oid, argv[1],
					readonly ? MLW_CHECKOUT_READONLY : 0);
	return ret ? cmd_fail(ret) : 0;
}

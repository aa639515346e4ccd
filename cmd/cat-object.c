/*
 * cat-object.c - 'mlw cat-object (-p | -s | -t) ID': show an object.
 */
#include "builtin.h"
#include "store/odb.h"
#include "store/tree.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void print_entry(struct mlw_out *o, const char *path,
			const struct mlw_tree_entry *e)
{
	char hex[MLW_OID_HEXSZ + 1];

	mlw_oid_to_hex(hex, &e->oid);
	if (o) {
		char mode[8];

		snprintf(mode, sizeof(mode), "%06o", e->mode);
		mlw_out_object_begin(o, NULL);
		mlw_out_str(o, "mode", mode);
		mlw_out_str(o, "type", mlw_tree_mode_type(e->mode));
		mlw_out_str(o, "id", hex);
		mlw_out_int(o, "size", (int64_t)e->size);
		mlw_out_str(o, "path", path);
		mlw_out_end(o);
	} else {
		printf("%06o %s %s %llu\t%s\n", e->mode,
		       mlw_tree_mode_type(e->mode), hex,
		       (unsigned long long)e->size, path);
	}
}

/* shared with ls-tree */
int cmd_print_tree(struct mlw_ctx *ctx, struct mlw_odb *odb,
		   const struct mlw_oid *oid, int recursive);

struct print_state {
	struct mlw_out *o;
	int recursive;
};

static int print_cb(const char *path, const struct mlw_tree_entry *e,
		    void *data)
{
	struct print_state *ps = data;

	if (ps->recursive && e->mode == MLW_MODE_DIR)
		return 0;
	print_entry(ps->o, path, e);
	return 0;
}

int cmd_print_tree(struct mlw_ctx *ctx, struct mlw_odb *odb,
		   const struct mlw_oid *oid, int recursive)
{
	struct print_state ps = { NULL, recursive };
	int ret;

	if (ctx->format) {
		ps.o = mlw_out_new();
		mlw_out_list_begin(ps.o, NULL);
	}
	ret = mlw_tree_walk(odb, oid, recursive, print_cb, &ps);
	if (ps.o) {
		mlw_out_end(ps.o);
		if (!ret)
			ret = cmd_print(ctx, ps.o, MLW_FMT_TABLE);
		else
			ret = cmd_fail(ret);
		mlw_out_free(ps.o);
		return ret;
	}
	return ret ? cmd_fail(ret) : 0;
}

CMD(cat_object)
{
	static const char *const usage[] = {
		"mlw cat-object (-p | -s | -t) ID", NULL
	};
	int pretty = 0, size = 0, type = 0;
	struct mlw_option opts[] = {
		MLW_OPT_BOOL('p', "pretty", &pretty, "print the content (trees as a listing)"),
		MLW_OPT_BOOL('s', "size", &size, "print the content size in bytes"),
		MLW_OPT_BOOL('t', "type", &type, "print the type (blob or tree)"),
		MLW_OPT_END()
	};
	struct mlw_odb *odb;
	struct mlw_oid oid;
	enum mlw_object_type t;
	uint64_t sz;
	int ret;

	argc = cmd_parse(ctx, argc, argv, opts, usage);
	if (pretty + size + type != 1)
		return cmd_usage_error(usage, opts, "give exactly one of -p, -s and -t");
	if (argc != 1)
		return cmd_usage_error(usage, opts, "give one object id");
	odb = cmd_odb(ctx);
	ret = mlw_odb_resolve(&oid, odb, argv[0]);
	if (!ret)
		ret = mlw_odb_info(&t, &sz, odb, &oid);
	if (ret)
		return cmd_fail(ret);
	if (size || type) {
		if (ctx->format) {
			struct mlw_out *o = mlw_out_new();
			char hex[MLW_OID_HEXSZ + 1];

			mlw_oid_to_hex(hex, &oid);
			mlw_out_object_begin(o, NULL);
			mlw_out_str(o, "id", hex);
			mlw_out_str(o, "type", mlw_object_type_name(t));
			mlw_out_int(o, "size", (int64_t)sz);
			mlw_out_end(o);
			ret = cmd_print(ctx, o, MLW_FMT_TABLE);
			mlw_out_free(o);
			return ret;
		}
		if (size)
			printf("%llu\n", (unsigned long long)sz);
		else
			printf("%s\n", mlw_object_type_name(t));
		return 0;
	}
	if (t == MLW_OBJ_TREE)
		return cmd_print_tree(ctx, odb, &oid, 0);
	{
		struct mlw_odb_reader *r;
		char *buf;
		long n;

		ret = mlw_odb_reader_open(&r, odb, &oid);
		if (ret)
			return cmd_fail(ret);
		fflush(stdout);
		buf = mlw_malloc(1u << 20);
		while ((n = mlw_odb_read(r, buf, 1u << 20)) > 0)
			if (mlw_write_all(1, buf, (size_t)n) < 0) {
				n = mlw_error_errno("cannot write to standard output");
				break;
			}
		free(buf);
		mlw_odb_reader_free(r);
		return n < 0 ? cmd_fail((int)n) : 0;
	}
}

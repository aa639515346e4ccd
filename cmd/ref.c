/*
 * ref.c - 'mlw update-ref' and 'mlw show-ref': names for objects.
 *
 * Refs are plumbing, as in git: a name in the catalog pointing at an
 * object, which keeps that object (and, for a tree, everything in it)
 * safe from 'mlw gc'.  Assets and runs reference objects the same way.
 */
#include "builtin.h"
#include "store/catalog.h"
#include "store/odb.h"
#include "util/error.h"

#include <stdlib.h>
#include <string.h>

static int ref_name_ok(const char *name)
{
	const char *p;

	if (!*name || *name == '-' || *name == '/' || strstr(name, "..") ||
	    strstr(name, "//") || name[strlen(name) - 1] == '/')
		return 0;
	for (p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("._-/@", *p)))
			return 0;
	return 1;
}

CMD(update_ref)
{
	static const char *const usage[] = {
		"mlw update-ref NAME ID",
		"mlw update-ref -d NAME",
		NULL
	};
	int delete = 0;
	struct mlw_option opts[] = {
		MLW_OPT_BOOL('d', "delete", &delete, "delete the ref"),
		MLW_OPT_END()
	};
	struct mlw_catalog *cat;
	struct mlw_oid oid;
	char hex[MLW_OID_HEXSZ + 1];
	char *line;
	int ret;

	argc = cmd_parse(ctx, argc, argv, opts, usage);
	if (argc != (delete ? 1 : 2))
		return cmd_usage_error(usage, opts, delete ? "give one ref name" :
				       "give a ref name and an object id");
	if (!ref_name_ok(argv[0])) {
		cmd_error("'%s' is not a valid ref name (letters, digits, '._-/@'; no '..')",
			  argv[0]);
		return 2;
	}
	if (!delete) {
		ret = mlw_odb_resolve(&oid, cmd_odb(ctx), argv[1]);
		if (ret)
			return cmd_fail(ret);
		mlw_oid_to_hex(hex, &oid);
	}
	cat = cmd_catalog(ctx);
	line = cmd_line(ctx);
	ret = mlw_catalog_begin(cat);
	if (!ret)
		ret = delete ? mlw_catalog_ref_delete(cat, argv[0]) :
		      mlw_catalog_ref_set(cat, argv[0], hex);
	if (!ret)
		ret = mlw_catalog_log(cat, "update-ref", line);
	if (!ret)
		ret = mlw_catalog_commit(cat);
	else
		mlw_catalog_rollback(cat);
	free(line);
	return ret ? cmd_fail(ret) : 0;
}

struct show_state {
	struct mlw_out *o;
	int argc;
	const char **argv;
	int *seen;
	int shown;
};

static int show_cb(const char *name, const char *hex, double updated,
		   void *data)
{
	struct show_state *st = data;
	int i, match = !st->argc;

	for (i = 0; i < st->argc; i++)
		if (!strcmp(st->argv[i], name)) {
			st->seen[i] = 1;
			match = 1;
		}
	if (!match)
		return 0;
	st->shown++;
	if (st->o) {
		mlw_out_object_begin(st->o, NULL);
		mlw_out_str(st->o, "name", name);
		mlw_out_str(st->o, "id", hex);
		mlw_out_time(st->o, "updated", updated);
		mlw_out_end(st->o);
	} else {
		printf("%s %s\n", hex, name);
	}
	return 0;
}

CMD(show_ref)
{
	static const char *const usage[] = { "mlw show-ref [NAME...]", NULL };
	struct mlw_option opts[] = { MLW_OPT_END() };
	struct show_state st = { NULL, 0, NULL, NULL, 0 };
	int i, ret, status = 0;

	argc = cmd_parse(ctx, argc, argv, opts, usage);
	st.argc = argc;
	st.argv = argv;
	st.seen = calloc((size_t)argc + 1, sizeof(int));
	if (ctx->format) {
		st.o = mlw_out_new();
		mlw_out_list_begin(st.o, NULL);
	}
	ret = mlw_catalog_ref_foreach(cmd_catalog(ctx), show_cb, &st);
	if (st.o) {
		mlw_out_end(st.o);
		if (!ret)
			status = cmd_print(ctx, st.o, MLW_FMT_TABLE);
		mlw_out_free(st.o);
	}
	if (ret)
		status = cmd_fail(ret);
	for (i = 0; !status && i < argc; i++)
		if (!st.seen[i]) {
			cmd_error("ref '%s' not found", argv[i]);
			status = 3;
		}
	free(st.seen);
	return status;
}

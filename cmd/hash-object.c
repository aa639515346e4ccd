/*
 * hash-object.c - 'mlw hash-object [-w] [--stdin] FILE...': compute object
 * ids (the SHA-256 that sha256sum prints) and optionally store the files.
 */
#include "builtin.h"
#include "store/catalog.h"
#include "store/odb.h"
#include "util/alloc.h"
#include "util/error.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct hashed {
	char hex[MLW_OID_HEXSZ + 1];
	const char *path;
	uint64_t size;
};

CMD(hash_object)
{
	static const char *const usage[] = {
		"mlw hash-object [-w] [--stdin] [FILE...]", NULL
	};
	int write = 0, use_stdin = 0;
	struct mlw_option opts[] = {
		MLW_OPT_BOOL('w', "write", &write, "store the content as objects"),
		MLW_OPT_BOOL(0, "stdin", &use_stdin, "read the content from standard input"),
		MLW_OPT_END()
	};
	struct mlw_odb *odb = NULL;
	struct hashed *out;
	int i, n = 0, ret = 0, flags;

	argc = cmd_parse(ctx, argc, argv, opts, usage);
	if (!argc && !use_stdin)
		return cmd_usage_error(usage, opts, "no file given (use --stdin to read standard input)");
	flags = write ? MLW_ODB_WRITE : 0;
	if (write) {
		odb = cmd_odb(ctx);
		mlw_odb_batch_begin(odb);
	}
	/* without -w no workspace is needed: odb stays NULL */
	out = mlw_calloc((size_t)argc + 1, sizeof(*out));
	if (use_stdin) {
		struct mlw_oid oid;

		ret = mlw_odb_write_fd(&oid, &out[n].size, odb, 0, (uint64_t)-1,
				       MLW_OBJ_BLOB, flags, "standard input");
		if (!ret) {
			mlw_oid_to_hex(out[n].hex, &oid);
			out[n++].path = "-";
		}
	}
	for (i = 0; !ret && i < argc; i++) {
		struct mlw_oid oid;

		ret = mlw_odb_write_path(&oid, &out[n].size, odb, argv[i],
					 MLW_OBJ_BLOB, flags);
		if (!ret) {
			mlw_oid_to_hex(out[n].hex, &oid);
			out[n++].path = argv[i];
		}
	}
	if (write) {
		if (ret) {
			mlw_odb_batch_abort(odb);
		} else {
			ret = mlw_odb_batch_commit(odb);
		}
		if (!ret) {
			struct mlw_catalog *cat = cmd_catalog(ctx);
			char *line = cmd_line(ctx);

			ret = mlw_catalog_begin(cat);
			if (!ret)
				ret = mlw_catalog_log(cat, "hash-object", line);
			if (!ret)
				ret = mlw_catalog_commit(cat);
			free(line);
		}
	}
	if (ret) {
		free(out);
		return cmd_fail(ret);
	}
	if (ctx->format) {
		struct mlw_out *o = mlw_out_new();

		mlw_out_list_begin(o, NULL);
		for (i = 0; i < n; i++) {
			mlw_out_object_begin(o, NULL);
			mlw_out_str(o, "id", out[i].hex);
			mlw_out_str(o, "path", out[i].path);
			mlw_out_int(o, "size", (int64_t)out[i].size);
			mlw_out_end(o);
		}
		mlw_out_end(o);
		ret = cmd_print(ctx, o, MLW_FMT_TABLE);
		mlw_out_free(o);
	} else {
		for (i = 0; i < n; i++)
			printf("%s\n", out[i].hex);
	}
	free(out);
	return ret;
}

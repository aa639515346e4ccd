/*
 * restore.c - stored content back into files: an asset's into a folder
 * ('download', inputs of train and score), any object as a file or a
 * folder; see asset.h.
 */
#include "asset/asset.h"
#include "store/tree.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * The blob oid as the file dest, streamed through a temporary name: a
 * failure leaves no half-written dest.  The reader checks the content's
 * hash as it reaches the end.
 */
static int restore_blob(struct mlw_odb *odb, const struct mlw_oid *oid,
			const char *dest)
{
	struct mlw_odb_reader *rd;
	char *tmp = mlw_xstrfmt("%s.mlw-tmp", dest), *buf;
	long n;
	int fd, ret;

	ret = mlw_odb_reader_open(&rd, odb, oid);
	if (ret == MLW_ENOTFOUND)
		ret = mlw_error_recode(MLW_ECORRUPT);
	if (ret) {
		free(tmp);
		return ret;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0666);
	if (fd < 0) {
		ret = mlw_error_errno("cannot create '%s'", tmp);
		mlw_odb_reader_free(rd);
		free(tmp);
		return ret;
	}
	mlw_tempfile_register(tmp);
	buf = mlw_malloc(1u << 20);
	while ((n = mlw_odb_read(rd, buf, 1u << 20)) > 0)
		if (mlw_write_all(fd, buf, (size_t)n) < 0) {
			ret = mlw_error_errno("cannot write '%s'", tmp);
			break;
		}
	/* the reader verified the content's hash when it reached the end */
	if (n < 0)
		ret = (int)n;
	free(buf);
	mlw_odb_reader_free(rd);
	if (close(fd) < 0 && !ret)
		ret = mlw_error_errno("cannot write '%s'", tmp);
	if (!ret && rename(tmp, dest) < 0)
		ret = mlw_error_errno("cannot rename '%s' to '%s'", tmp, dest);
	if (ret)
		unlink(tmp);
	mlw_tempfile_unregister(tmp);
	free(tmp);
	return ret;
}

int mlw_asset_checkout(struct mlw_odb *odb, const struct mlw_oid *oid,
		       const char *dest)
{
	enum mlw_object_type type;
	char hex[MLW_OID_HEXSZ + 1];
	int ret = mlw_odb_info(&type, NULL, odb, oid);

	if (ret == MLW_ENOTFOUND) {
		mlw_oid_to_hex(hex, oid);
		return mlw_error_setc(MLW_ECORRUPT,
				      "object %s is missing from the store",
				      hex);
	}
	if (ret)
		return ret;
	if (type == MLW_OBJ_BLOB)
		return restore_blob(odb, oid, dest);
	return mlw_tree_checkout(odb, oid, dest, 0);
}

int mlw_asset_restore(char **path_out, struct mlw_odb *odb,
		      const struct mlw_asset *a, const char *dir)
{
	enum mlw_object_type type;
	struct mlw_oid oid;
	uint64_t size;
	char *dest, *file, *base;
	struct stat st;
	int ret;

	if (!a->object)
		return mlw_error_setc(MLW_EINVALID,
				      "%s '%s:%s' is a reference to '%s': mlw works offline and stores nothing to download",
				      mlw_asset_kind_info(a->kind)->label, a->name, a->version,
				      a->reference ? a->reference : "(none)");
	ret = mlw_oid_from_hex(&oid, a->object);
	if (!ret)
		ret = mlw_odb_info(&type, &size, odb, &oid);
	if (ret == MLW_ENOTFOUND || ret == MLW_EINVALID)
		ret = mlw_error_setc(MLW_ECORRUPT,
				     "%s '%s:%s': object %s is missing from the store",
				     mlw_asset_kind_info(a->kind)->label, a->name, a->version,
				     a->object);
	if (ret)
		return ret;
	/* names never hold '/' or start with '.', so dest stays under dir */
	dest = mlw_path_join(dir, a->name);
	if (type == MLW_OBJ_TREE) {
		ret = mlw_tree_checkout(odb, &oid, dest, 0);
		if (ret == MLW_EINVALID)
			ret = mlw_error_recode(MLW_EEXISTS);
		if (ret) {
			free(dest);
			return ret;
		}
		*path_out = dest;
		return 0;
	}
	if (!stat(dest, &st)) {
		ret = S_ISDIR(st.st_mode) ? mlw_dir_is_empty(dest) : 0;
		if (ret <= 0) {
			if (!ret)
				ret = mlw_error_setc(MLW_EEXISTS,
						     "'%s' exists and is not an empty folder",
						     dest);
			free(dest);
			return ret;
		}
	} else {
		ret = mlw_mkdir_p(dest, 0777);
		if (ret) {
			free(dest);
			return ret;
		}
	}
	base = a->path ? strrchr(a->path, '/') : NULL;
	base = base && base[1] ? base + 1 : a->name;
	file = mlw_path_join(dest, base);
	free(dest);
	ret = restore_blob(odb, &oid, file);
	if (ret) {
		free(file);
		return ret;
	}
	*path_out = file;
	return 0;
}


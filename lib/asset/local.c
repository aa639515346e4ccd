/*
 * local.c - inputs as local paths (local.h).
 */
#include "asset/local.h"
#include "spec/ref.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/strutil.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* the asset ref names, or NULL (*ret: 0 when there is none, else why) */
static struct mlw_asset *lookup(int *ret, struct mlw_catalog *cat,
				enum mlw_asset_kind kind, const char *text)
{
	struct mlw_asset *a = NULL;
	struct mlw_ref ref;
	int explicit;

	*ret = mlw_ref_parse_operand(&ref, text);
	explicit = ref.explicit;
	if (*ret) {
		/* not a reference: a file name, for the reader to report */
		if (!explicit) {
			mlw_error_clear();
			*ret = 0;
		}
	} else if (!cat) {
		*ret = explicit ? mlw_error_setc(MLW_ENOTFOUND,
				"'%s' names a registered %s, but there is no workspace here",
				text, mlw_asset_kind_name(kind)) : 0;
	} else {
		*ret = mlw_asset_lookup(&a, cat, kind, &ref);
		/* a bare NAME that is no asset may still be a file to report */
		if (*ret == MLW_ENOTFOUND && !explicit && !ref.version) {
			mlw_error_clear();
			*ret = 0;
		}
	}
	mlw_ref_release(&ref);
	return a;
}

int mlw_asset_materialize(char **path_out, char **tmp_out,
			  struct mlw_catalog *cat, struct mlw_odb *odb,
			  enum mlw_asset_kind kind, const char *ref,
			  const char *tmpdir)
{
	struct stat st;
	struct mlw_asset *a = NULL;
	char *tmp, *path;
	int ret = 0;

	*path_out = *tmp_out = NULL;
	if (stat(ref, &st))
		a = lookup(&ret, cat, kind, ref);
	if (ret)
		return ret;
	if (!a) {
		*path_out = mlw_strdup(ref);
		return 0;
	}
	tmp = mlw_path_join(tmpdir, "mlw-input-XXXXXX");
	if (!mkdtemp(tmp)) {
		ret = mlw_error_errno("cannot create a folder in '%s'", tmpdir);
		free(tmp);
		mlw_asset_free(a);
		return ret;
	}
	ret = mlw_asset_restore(&path, odb, a, tmp);
	mlw_asset_free(a);
	if (ret) {
		mlw_remove_tree(tmp);
		free(tmp);
		return ret;
	}
	*path_out = path;
	*tmp_out = tmp;
	return 0;
}

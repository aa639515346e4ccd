/*
 * local.c - inputs as local paths (local.h).
 */
#include "asset/local.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/strutil.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int mlw_asset_ref_is_explicit(const char *ref)
{
	size_t len = strlen(ref);

	if (mlw_starts_with(ref, "azureml:") &&
	    !mlw_starts_with(ref, "azureml://"))
		return 1;
	return len > 7 && !strcmp(ref + len - 7, "@latest") &&
	       !strchr(ref, '/');
}

/* the asset ref names, or NULL (*ret: 0 when there is none, else why) */
static struct mlw_asset *lookup(int *ret, struct mlw_catalog *cat,
				enum mlw_asset_kind kind, const char *ref,
				int explicit)
{
	struct mlw_asset *a = NULL;
	char *name = NULL, *version = NULL;

	*ret = mlw_asset_ref_parse(&name, &version, ref);
	if (*ret) {
		if (!explicit) {
			mlw_error_clear();
			*ret = 0;
		}
		return NULL;
	}
	if (!cat)
		*ret = explicit ? mlw_error_setc(MLW_ENOTFOUND,
				"'%s' names a registered %s, but there is no workspace here",
				ref, mlw_asset_kind_name(kind)) : 0;
	else
		*ret = mlw_asset_get(&a, cat, kind, name, version);
	/* a bare NAME that is no asset may still be a file to report */
	if (*ret == MLW_ENOTFOUND && !explicit && !version) {
		mlw_error_clear();
		*ret = 0;
	}
	free(name);
	free(version);
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
	int ret = 0, explicit = mlw_asset_ref_is_explicit(ref);

	*path_out = *tmp_out = NULL;
	if (stat(ref, &st) && (explicit || cat))
		a = lookup(&ret, cat, kind, ref, explicit);
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
	ret = mlw_asset_download(&path, odb, a, tmp);
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

/*
 * repo.c - workspace discovery and creation; see repo.h.
 */
#include "store/repo.h"
#include "store/catalog.h"
#include "store/odb.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char default_config[] =
	"# mlw workspace settings (git-config style)\n"
	"[core]\n"
	"\trepositoryformatversion = 1\n";

int mlw_repo_init(const char *dir)
{
	char *mlwdir = mlw_path_join(dir, ".mlw");
	int ret = mlw_repo_init_dir(mlwdir);

	free(mlwdir);
	return ret;
}

int mlw_repo_init_dir(const char *mlwdir)
{
	char *tmp, *p, *parent;
	struct stat st;
	int ret;

	parent = mlw_path_dirname(mlwdir);
	ret = mlw_mkdir_p(parent, 0777);
	if (ret) {
		/* a folder asked for under a regular file: the user's slip */
		if (errno == ENOTDIR)
			ret = mlw_error_recode(MLW_EINVALID);
		free(parent);
		return ret;
	}
	if (!lstat(mlwdir, &st)) {
		free(parent);
		return mlw_error_setc(MLW_EEXISTS,
				      "'%s' already exists; not overwriting it",
				      mlwdir);
	}
	tmp = mlw_path_join(parent, ".mlw-init-XXXXXX");
	if (!mkdtemp(tmp)) {
		ret = mlw_error_errno("cannot create '%s'", tmp);
		goto out;
	}
	mlw_tempfile_register(tmp);
	chmod(tmp, 0777 & ~0022);
	p = mlw_path_join(tmp, "objects");
	ret = mkdir(p, 0777) ? mlw_error_errno("cannot create '%s'", p) : 0;
	free(p);
	if (!ret) {
		p = mlw_path_join(tmp, "hooks");
		ret = mkdir(p, 0777) ? mlw_error_errno("cannot create '%s'", p) : 0;
		free(p);
	}
	if (!ret) {
		p = mlw_path_join(tmp, "config");
		ret = mlw_write_file_atomic(p, default_config,
					    sizeof(default_config) - 1);
		free(p);
	}
	if (!ret) {
		p = mlw_path_join(tmp, "mlw.db");
		ret = mlw_catalog_create(p);
		free(p);
	}
	if (!ret)
		ret = mlw_fsync_dir(tmp);
	/* rename(2) fails if another init got there first: never clobber */
	if (!ret && renameat2(AT_FDCWD, tmp, AT_FDCWD, mlwdir,
			      RENAME_NOREPLACE) < 0)
		ret = errno == EEXIST || errno == ENOTEMPTY ?
		      mlw_error_setc(MLW_EEXISTS,
				     "'%s' already exists; not overwriting it",
				     mlwdir) :
		      mlw_error_errno("cannot rename '%s' to '%s'", tmp, mlwdir);
	if (!ret)
		ret = mlw_fsync_dir(parent);
	else
		mlw_remove_tree(tmp);
	mlw_tempfile_unregister(tmp);
out:
	free(tmp);
	free(parent);
	return ret;
}

static int is_mlw_dir(const char *path)
{
	struct stat st;
	char *objects = mlw_path_join(path, "objects");
	int ok = !stat(objects, &st) && S_ISDIR(st.st_mode);

	free(objects);
	return ok;
}

static struct mlw_repo *make_repo(char *dir)
{
	struct mlw_repo *repo = mlw_calloc(1, sizeof(*repo));

	repo->dir = dir;
	repo->worktree = mlw_path_dirname(dir);
	return repo;
}

int mlw_repo_discover(struct mlw_repo **out, const char *start,
		      const char *explicit_dir)
{
	struct stat st;
	dev_t dev;
	char *cur;

	if (explicit_dir) {
		char *abs = mlw_path_absolute(explicit_dir);

		if (!is_mlw_dir(abs)) {
			free(abs);
			return mlw_error_setc(MLW_ENOTFOUND,
					      "'%s' is not an mlw directory",
					      explicit_dir);
		}
		*out = make_repo(abs);
		return 0;
	}
	cur = mlw_path_absolute(start);
	if (stat(cur, &st) < 0) {
		int ret = mlw_error_errno("cannot stat '%s'", cur);

		free(cur);
		return ret;
	}
	dev = st.st_dev;
	for (;;) {
		char *candidate = mlw_path_join(cur, ".mlw");
		char *parent;

		if (is_mlw_dir(candidate)) {
			free(cur);
			*out = make_repo(candidate);
			return 0;
		}
		free(candidate);
		if (!strcmp(cur, "/"))
			break;
		parent = mlw_path_dirname(cur);
		/* like git: do not wander onto another filesystem */
		if (stat(parent, &st) < 0 || st.st_dev != dev) {
			free(parent);
			break;
		}
		free(cur);
		cur = parent;
	}
	free(cur);
	return mlw_error_setc(MLW_ENOTFOUND,
			      "not in an mlw workspace (or any parent); run 'mlw init'");
}

void mlw_repo_free(struct mlw_repo *repo)
{
	if (!repo)
		return;
	mlw_odb_free(repo->odb);
	mlw_catalog_free(repo->catalog);
	free(repo->worktree);
	free(repo->dir);
	free(repo);
}

struct mlw_repo *mlw_repo_dup(const struct mlw_repo *repo)
{
	struct mlw_repo *r = mlw_calloc(1, sizeof(*r));

	r->worktree = mlw_strdup(repo->worktree);
	r->dir = mlw_strdup(repo->dir);
	return r;
}

int mlw_repo_odb(struct mlw_odb **out, struct mlw_repo *repo)
{
	if (!repo->odb) {
		char *p = mlw_path_join(repo->dir, "objects");
		int ret = mlw_odb_open(&repo->odb, p);

		free(p);
		if (ret)
			return ret;
	}
	*out = repo->odb;
	return 0;
}

int mlw_repo_catalog(struct mlw_catalog **out, struct mlw_repo *repo)
{
	if (!repo->catalog) {
		char *p = mlw_path_join(repo->dir, "mlw.db");
		int ret = mlw_catalog_open(&repo->catalog, p);

		free(p);
		if (ret)
			return ret;
	}
	*out = repo->catalog;
	return 0;
}

char *mlw_repo_path(struct mlw_repo *repo, const char *rel)
{
	return mlw_path_join(repo->dir, rel);
}

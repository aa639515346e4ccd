/*
 * repo.h - the workspace: a folder holding a .mlw/ directory.
 *
 * Found as git finds .git: from the working directory up through its
 * parents, stopping at a filesystem boundary.  An explicit directory
 * (MLW_DIR or --mlw-dir) names the .mlw directory itself and skips the
 * search.  The store's parts (object store, catalog) are opened lazily so
 * a command pays only for what it touches.
 *
 *	.mlw/objects/	content-addressed objects (odb.h)
 *	.mlw/mlw.db	the catalog (catalog.h)
 *	.mlw/hooks/	executables run on events
 *	.mlw/config	workspace settings
 */
#ifndef MLW_STORE_REPO_H
#define MLW_STORE_REPO_H

struct mlw_odb;
struct mlw_catalog;

struct mlw_repo {
	char *worktree;		/* folder containing .mlw (absolute) */
	char *dir;		/* the .mlw directory (absolute) */
	struct mlw_odb *odb;	/* lazily opened */
	struct mlw_catalog *catalog;
};

/*
 * Create DIR/.mlw (DIR created if missing).  MLW_EEXISTS when there is
 * already one.  The directory is built under a temporary name and renamed
 * into place, so a failed init leaves nothing behind.
 */
int mlw_repo_init(const char *dir);
/* The same, naming the .mlw directory itself (MLW_DIR, --mlw-dir). */
int mlw_repo_init_dir(const char *mlwdir);

/*
 * Find the workspace from the folder start up.  explicit_dir, when not
 * NULL, is the .mlw directory to use.  *out is the caller's
 * (mlw_repo_free()).  MLW_ENOTFOUND when there is none.
 */
int mlw_repo_discover(struct mlw_repo **out, const char *start,
		      const char *explicit_dir);
/* Free repo and the store parts it opened (NULL is fine). */
void mlw_repo_free(struct mlw_repo *repo);
/*
 * A second handle on repo's workspace, with store handles of its own
 * (opened when first asked for): for another thread, which may not use
 * repo's catalog connection or object store handle.
 */
struct mlw_repo *mlw_repo_dup(const struct mlw_repo *repo);

/*
 * The object store and the catalog, opened on first use and kept in repo
 * (borrowed: freed with it).  A thread that needs its own (one catalog
 * connection a thread) discovers its own struct mlw_repo.
 */
int mlw_repo_odb(struct mlw_odb **out, struct mlw_repo *repo);
int mlw_repo_catalog(struct mlw_catalog **out, struct mlw_repo *repo);

/* Path inside .mlw; the caller frees. */
char *mlw_repo_path(struct mlw_repo *repo, const char *rel);

#endif

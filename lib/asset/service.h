/*
 * service.h - the asset verbs, one library call each: create (the
 * registration service), show, list, update, archive and restore,
 * download.
 *
 * Every front door calls these: 'mlw data|model|env' (cmd/asset-common.c),
 * a job registering its named outputs (lib/run), and the pipeline
 * supervisor and the HTTP API to come, so that registering works, fails
 * and is recorded the same whoever asks.  A call takes a context (which
 * catalog and object store, where notes go, whether hooks run, what the
 * operation log says) and a request, returns 0 or a negative MLW_E* code
 * with the thread's message (util/error.h), and never prints, exits or
 * reads the environment.  Each change is one catalog transaction, logged
 * in the operation log when the context says what to log.
 *
 *	struct mlw_asset_ctx ctx = {
 *		.cat = cat, .odb = odb,
 *		.mlw_dir = repo->dir, .worktree = repo->worktree,
 *		.flags = MLW_ASSET_HOOKS | MLW_ASSET_STATCACHE,
 *		.warn = note, .data = me,
 *		.log_command = "model", .log_args = "create -n m -p out",
 *	};
 *	struct mlw_asset_request req = { .spec = &spec };
 *	struct mlw_asset_result res;
 *
 *	if (mlw_asset_create(&res, &ctx, &req))
 *		return -1;	(nothing was registered)
 *	... res.asset->version, res.existed, res.hook_error ...
 *	mlw_asset_result_release(&res);
 *
 * A job's output is registered from its folder in the run's working
 * area, recorded as where it came from:
 *
 *	spec.path = "azureml:jobs/JOB/outputs/NAME";	(recorded)
 *	spec.job_name = "JOB";				(lineage)
 *	req.content_path = ".mlw/runs/JOB/outputs/NAME";	(read)
 *
 * or, once collected, from its stored object (req.content_object).
 *
 * Threads: a context belongs to one thread at a time, and so do its
 * catalog connection and object store (open one of each per thread).
 * Threads and processes registering the same name at once each get a
 * version of their own: the next version is chosen inside the write
 * transaction.
 */
#ifndef MLW_ASSET_SERVICE_H
#define MLW_ASSET_SERVICE_H

#include "asset/asset.h"

struct mlw_catalog;
struct mlw_odb;
struct mlw_ref;
struct mlw_spec;

/* run .mlw/hooks/EVENT after registering a new version of a kind that
   raises one (models: model-registered) */
#define MLW_ASSET_HOOKS 1
/* spare re-hashing unchanged files across calls (.mlw/statcache) */
#define MLW_ASSET_STATCACHE 2

struct mlw_asset_ctx {
	struct mlw_catalog *cat;	/* this thread's connection */
	struct mlw_odb *odb;		/* not used by show, list, update,
					   archive: may be NULL there */
	/* the .mlw directory: the stat cache, scratch space (tmp/) and
	   hooks live there; NULL: none of them */
	const char *mlw_dir;
	const char *worktree;		/* the hooks' working directory */
	unsigned flags;			/* MLW_ASSET_HOOKS | ..._STATCACHE */
	/* notes for the user (a path recorded as a reference, a stat
	   cache that could not be saved); NULL drops them */
	void (*warn)(const char *msg, void *data);
	void *data;
	/* the operation log's entry for each change ("data", the command
	   line); log_command NULL logs nothing */
	const char *log_command;
	const char *log_args;
};

/* What to register, and where its content is.  Everything borrowed. */
struct mlw_asset_request {
	const struct mlw_asset_spec *spec;
	/*
	 * The spec file spec came from (from-spec.h), or NULL: an error
	 * about the content then says where in the file the field was
	 * given ("FILE:LINE:COL: path 'x' does not exist").
	 */
	const struct mlw_spec *from;
	/*
	 * Read the content here instead of at spec->path, which is what
	 * gets recorded as the asset's path (a job's output folder, still
	 * in the run's working area).  NULL: read spec->path.
	 */
	const char *content_path;
	/*
	 * Or read it from this object, already in the store (a collected
	 * job output: a tree, or a blob for a uri_file): it is restored
	 * into a scratch folder under mlw_dir/tmp, read and removed, and
	 * stores nothing new.  NULL: not so.
	 */
	const struct mlw_oid *content_object;
};

/* What mlw_asset_create() did.  Release with mlw_asset_result_release(). */
struct mlw_asset_result {
	struct mlw_asset *asset;	/* the version as recorded */
	/* the same (name, version) with the same content was there already:
	   it is returned unchanged and no hook ran */
	int existed;
	/* files and bytes of the content; hashed, or known from the cache */
	uint64_t nr_files, size, nr_hashed, nr_cached;
	int hook_ran;			/* an executable hook was there */
	/* the hook failed (it could not start, or exited non-zero): why.
	   The registration stands all the same.  NULL when it did not. */
	char *hook_error;
};

/* Free what r holds (the asset, the hook error) and zero it; r is the
   caller's. */
void mlw_asset_result_release(struct mlw_asset_result *r);

/*
 * Register req->spec: snapshot its content into the object store (no
 * catalog lock held meanwhile), then record it in one transaction, then
 * run the kind's hook.  0 with *out filled; on failure *out is empty
 * and the catalog unchanged: MLW_EINVALID (a bad name, version or type,
 * content that does not fit the type), MLW_ENOTFOUND (a path that does
 * not exist, an azureml:jobs/ path without req->content_*),
 * MLW_EEXISTS (the version exists with other content), MLW_ELOCKED,
 * MLW_ECORRUPT or MLW_ERROR.
 */
int mlw_asset_create(struct mlw_asset_result *out, struct mlw_asset_ctx *ctx,
		     const struct mlw_asset_request *req);

/*
 * The version ref names (mlw_asset_lookup(): NAME, NAME:VERSION,
 * NAME@latest, an ARM id).  *out is the caller's (mlw_asset_free()).
 */
int mlw_asset_show(struct mlw_asset **out, struct mlw_asset_ctx *ctx,
		   enum mlw_asset_kind kind, const struct mlw_ref *ref);

/* Which assets mlw_asset_list() lists. */
struct mlw_asset_query {
	enum mlw_asset_kind kind;
	const char *name;	/* every version of it; NULL: every name */
	int flags;		/* MLW_ASSET_LIST_* */
	int64_t max;		/* at most max rows; 0: all */
};

/*
 * Call fn for each asset q selects (mlw_asset_foreach()).  fn's
 * non-zero return stops and is returned.  MLW_EINVALID for a name that
 * cannot be one, MLW_ENOTFOUND for a name with no version at all.
 */
int mlw_asset_list(struct mlw_asset_ctx *ctx, const struct mlw_asset_query *q,
		   mlw_asset_fn fn, void *data);

/*
 * Apply ch (asset.h) to the version ref names (NAME: the latest), in one
 * logged transaction.  MLW_EINVALID when ch changes nothing or removes a
 * tag that is not there.  *out is the version afterwards.
 */
int mlw_asset_update(struct mlw_asset **out, struct mlw_asset_ctx *ctx,
		     enum mlw_asset_kind kind, const struct mlw_ref *ref,
		     const struct mlw_asset_changes *ch);

/*
 * Archive (archived 1) or restore (0) what ref names: a bare NAME is
 * every version; NAME:VERSION, NAME@latest (the newest version not
 * archived) or an ARM id one version.  One logged transaction.
 */
int mlw_asset_archive(struct mlw_asset_ctx *ctx, enum mlw_asset_kind kind,
		      const struct mlw_ref *ref, int archived);

/*
 * Restore the content of the version ref names under dir/NAME
 * (mlw_asset_restore()); *path_out, the caller's, is what was written.
 */
int mlw_asset_download(char **path_out, struct mlw_asset_ctx *ctx,
		       enum mlw_asset_kind kind, const struct mlw_ref *ref,
		       const char *dir);

#endif

/*
 * service.c - the asset verbs as one call each; see service.h.
 *
 * Each verb composes the steps of asset.h the same way for every caller:
 * content first and durable (snapshot.c), then one catalog transaction
 * that records the change and logs it, then the hook, whose failure is
 * reported and never undoes what was committed.
 */
#include "asset/service.h"
#include "asset/from-spec.h"
#include "util/hook.h"
#include "spec/ref.h"
#include "store/catalog.h"
#include "store/statcache.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"

#include <stdlib.h>
#include <string.h>

static void warn(struct mlw_asset_ctx *ctx, const char *msg)
{
	if (ctx->warn)
		ctx->warn(msg, ctx->data);
}

/*
 * Run fn's change in one write transaction with its operation-log entry:
 * committed together or not at all.
 */
static int in_transaction(struct mlw_asset_ctx *ctx,
			  int (*fn)(struct mlw_asset_ctx *, void *),
			  void *arg)
{
	int ret = mlw_catalog_begin(ctx->cat);

	if (ret)
		return ret;
	ret = fn(ctx, arg);
	if (!ret && ctx->log_command)
		ret = mlw_catalog_log(ctx->cat, ctx->log_command,
				      ctx->log_args ? ctx->log_args : "");
	if (!ret)
		ret = mlw_catalog_commit(ctx->cat);
	else
		mlw_catalog_rollback(ctx->cat);
	return ret;
}

void mlw_asset_result_release(struct mlw_asset_result *r)
{
	mlw_asset_free(r->asset);
	free(r->hook_error);
	memset(r, 0, sizeof(*r));
}

/*
 * req->content_object restored into a new scratch folder under
 * ctx->mlw_dir/tmp: *scratch is the folder to remove, *path the content
 * in it (a file for a blob, a folder for a tree).
 */
static int restore_scratch(char **scratch, char **path,
			   struct mlw_asset_ctx *ctx,
			   const struct mlw_oid *oid)
{
	char *tmp;
	int ret;

	*scratch = *path = NULL;
	if (!ctx->mlw_dir)
		BUG("a stored object to register, but no .mlw for scratch");
	tmp = mlw_path_join(ctx->mlw_dir, "tmp");
	ret = mlw_mkdir_p(tmp, 0777);
	*scratch = mlw_xstrfmt("%s/asset-XXXXXX", tmp);
	free(tmp);
	if (!ret && !mkdtemp(*scratch))
		ret = mlw_error_errno("cannot create '%s'", *scratch);
	if (!ret) {
		*path = mlw_path_join(*scratch, "content");
		ret = mlw_asset_checkout(ctx->odb, oid, *path);
	}
	if (ret) {
		mlw_remove_tree(*scratch);
		free(*scratch);
		free(*path);
		*scratch = *path = NULL;
	}
	return ret;
}

static struct mlw_statcache *open_statcache(struct mlw_asset_ctx *ctx)
{
	struct mlw_statcache *cache = NULL;
	char *path;

	if (!(ctx->flags & MLW_ASSET_STATCACHE) || !ctx->mlw_dir)
		return NULL;
	path = mlw_path_join(ctx->mlw_dir, "statcache");
	/* a cache that cannot be read is an empty one */
	if (mlw_statcache_open(&cache, path)) {
		mlw_error_clear();
		cache = NULL;
	}
	free(path);
	return cache;
}

static void note_cb(const char *msg, void *data)
{
	warn(data, msg);
}

/*
 * Store req's content: from req->spec's path, or from where the request
 * says it is (the asset still records spec->path).  Nothing is in the
 * catalog yet.
 */
static int snapshot(struct mlw_asset_content *content,
		    struct mlw_asset_ctx *ctx,
		    const struct mlw_asset_request *req)
{
	struct mlw_asset_spec spec = *req->spec;	/* a shallow copy */
	struct mlw_statcache *cache = NULL;
	char *scratch = NULL, *restored = NULL;
	int ret = 0;

	if (req->content_object)
		ret = restore_scratch(&scratch, &restored, ctx,
				      req->content_object);
	if (ret)
		return ret;
	if (restored)
		spec.path = restored;
	else if (req->content_path)
		spec.path = (char *)req->content_path;
	else
		cache = open_statcache(ctx);	/* only paths a user names */
	ret = mlw_asset_snapshot(content, ctx->odb, cache, &spec, note_cb,
				 ctx);
	if (scratch) {
		mlw_remove_tree(scratch);
		free(scratch);
		free(restored);
	}
	if (!ret && spec.path != req->spec->path) {
		free(content->path);
		content->path = mlw_strdup(req->spec->path);
	}
	/* only a hint: failing to save it fails nothing */
	if (!ret && cache && mlw_statcache_save(cache)) {
		warn(ctx, mlw_error_last());
		mlw_error_clear();
	}
	mlw_statcache_free(cache);
	if (ret && req->from && (ret == MLW_EINVALID || ret == MLW_ENOTFOUND))
		mlw_asset_spec_locate_error(req->from, req->spec->kind);
	return ret;
}

struct registration {
	const struct mlw_asset_spec *spec;
	const struct mlw_asset_content *content;
	struct mlw_asset_result *result;
};

static int record(struct mlw_asset_ctx *ctx, void *arg)
{
	struct registration *r = arg;

	return mlw_asset_register(&r->result->asset, &r->result->existed,
				  ctx->cat, r->spec, r->content);
}

/* the kind's event for a new version; a failure is the result's */
static void raise_event(struct mlw_asset_ctx *ctx, struct mlw_asset_result *r)
{
	const char *event = mlw_asset_kind_info(r->asset->kind)->registered_event;
	char *payload;

	if (!event || r->existed || !(ctx->flags & MLW_ASSET_HOOKS) ||
	    !ctx->mlw_dir)
		return;
	payload = mlw_asset_event_payload(r->asset);
	if (mlw_hook_run(&r->hook_ran, ctx->mlw_dir, ctx->worktree, event,
			 payload)) {
		r->hook_error = mlw_strdup(mlw_error_last());
		mlw_error_clear();
	}
	free(payload);
}

int mlw_asset_create(struct mlw_asset_result *out, struct mlw_asset_ctx *ctx,
		     const struct mlw_asset_request *req)
{
	struct mlw_asset_content content;
	struct registration r;
	int ret;

	memset(out, 0, sizeof(*out));
	/* objects first, durable before the catalog names them */
	ret = snapshot(&content, ctx, req);
	if (ret)
		return ret;
	out->nr_files = content.nr_files;
	out->size = content.size;
	out->nr_hashed = content.nr_hashed;
	out->nr_cached = content.nr_cached;
	r.spec = req->spec;
	r.content = &content;
	r.result = out;
	ret = in_transaction(ctx, record, &r);
	mlw_asset_content_release(&content);
	if (ret) {
		mlw_asset_result_release(out);
		return ret;
	}
	raise_event(ctx, out);
	return 0;
}

int mlw_asset_show(struct mlw_asset **out, struct mlw_asset_ctx *ctx,
		   enum mlw_asset_kind kind, const struct mlw_ref *ref)
{
	return mlw_asset_lookup(out, ctx->cat, kind, ref);
}

int mlw_asset_list(struct mlw_asset_ctx *ctx, const struct mlw_asset_query *q,
		   mlw_asset_fn fn, void *data)
{
	if (q->name && !mlw_asset_name_ok(q->name))
		return mlw_error_setc(MLW_EINVALID, "invalid name '%s'",
				      q->name);
	return mlw_asset_foreach(ctx->cat, q->kind, q->name, q->flags, q->max,
				 fn, data);
}

struct update {
	enum mlw_asset_kind kind;
	const struct mlw_ref *ref;
	const struct mlw_asset_changes *changes;
	struct mlw_asset *result;
};

static int change(struct mlw_asset_ctx *ctx, void *arg)
{
	struct update *u = arg;
	struct mlw_asset *a;
	int ret = mlw_asset_lookup(&a, ctx->cat, u->kind, u->ref);

	if (ret)
		return ret;
	ret = mlw_asset_change(&u->result, ctx->cat, u->kind, a->name,
			       a->version, u->changes);
	mlw_asset_free(a);
	return ret;
}

int mlw_asset_update(struct mlw_asset **out, struct mlw_asset_ctx *ctx,
		     enum mlw_asset_kind kind, const struct mlw_ref *ref,
		     const struct mlw_asset_changes *ch)
{
	struct update u = { kind, ref, ch, NULL };
	int ret;

	*out = NULL;
	if (mlw_asset_changes_empty(ch))
		return mlw_error_setc(MLW_EINVALID, "nothing to update");
	ret = in_transaction(ctx, change, &u);
	if (ret) {
		mlw_asset_free(u.result);
		return ret;
	}
	*out = u.result;
	return 0;
}

struct archive {
	enum mlw_asset_kind kind;
	const struct mlw_ref *ref;
	int archived;
};

static int set_archived(struct mlw_asset_ctx *ctx, void *arg)
{
	struct archive *w = arg;
	const struct mlw_ref *ref = w->ref;
	struct mlw_asset *a;
	int ret;

	/* a bare NAME is every version; any other form one version */
	if (ref->kind == MLW_REF_ASSET && !ref->label && !ref->asset_type)
		return mlw_asset_set_archived(ctx->cat, w->kind, ref->name,
					      ref->version, w->archived);
	ret = mlw_asset_lookup(&a, ctx->cat, w->kind, ref);
	if (ret)
		return ret;
	ret = mlw_asset_set_archived(ctx->cat, w->kind, a->name, a->version,
				     w->archived);
	mlw_asset_free(a);
	return ret;
}

int mlw_asset_archive(struct mlw_asset_ctx *ctx, enum mlw_asset_kind kind,
		      const struct mlw_ref *ref, int archived)
{
	struct archive w = { kind, ref, archived };

	return in_transaction(ctx, set_archived, &w);
}

int mlw_asset_download(char **path_out, struct mlw_asset_ctx *ctx,
		       enum mlw_asset_kind kind, const struct mlw_ref *ref,
		       const char *dir)
{
	struct mlw_asset *a;
	int ret = mlw_asset_lookup(&a, ctx->cat, kind, ref);

	*path_out = NULL;
	if (ret)
		return ret;
	ret = mlw_asset_restore(path_out, ctx->odb, a, dir);
	mlw_asset_free(a);
	return ret;
}

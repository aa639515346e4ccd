/*
 * artifacts.c - a run's artifacts through MLflow's routes: artifacts/list
 * of the tracking API, and the artifact proxy (mlflow-artifacts) that
 * MLflow clients upload to and download from when a run's artifact_uri
 * is "mlflow-artifacts:/EXPERIMENT/RUN/artifacts".
 *
 * An upload is written as it arrives to an unnamed scratch file
 * (O_TMPFILE) in the .mlw directory, then stored as an object from it:
 * memory stays at the server's buffers whatever the size, and a crash
 * leaves nothing behind.  A download is the object restored into such a
 * file, which the server sends and closes.
 */
#include "tracking/internal.h"
#include "http/server.h"
#include "run/pool.h"
#include "run/run.h"
#include "run/tracking.h"
#include "store/catalog.h"
#include "store/odb.h"
#include "store/repo.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/name.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROXY_PREFIX "/api/2.0/mlflow-artifacts/artifacts"

/* --- artifacts/list */

struct listing {
	json_t *files;
	const char *prefix;	/* "" or "dir" */
	char *last_dir;		/* the folder just listed */
	int relative;		/* paths relative to the folder, not root */
};

static int list_one(const char *path, const char *hex, uint64_t size,
		    void *data)
{
	struct listing *l = data;
	size_t plen = strlen(l->prefix);
	const char *rest = path + (plen ? plen + 1 : 0);
	const char *slash = strchr(rest, '/');
	char *name;

	if (!slash) {
		json_array_append_new(l->files, json_pack("{s:s,s:b,s:I}",
				      "path", l->relative ? rest : path,
				      "is_dir", 0, "file_size",
				      (json_int_t)size));
		return 0;
	}
	/* a folder: listed once however many files it holds */
	name = mlw_strndup(l->relative ? rest : path,
			   (size_t)(slash - (l->relative ? rest : path)));
	if (!l->last_dir || strcmp(l->last_dir, name)) {
		size_t i;
		json_t *f;

		json_array_foreach(l->files, i, f)
			if (!strcmp(json_string_value(json_object_get(f,
				    "path")), name))
				break;
		if (i == json_array_size(l->files))
			json_array_append_new(l->files, json_pack("{s:s,s:b}",
					      "path", name, "is_dir", 1));
		free(l->last_dir);
		l->last_dir = name;
	} else {
		free(name);
	}
	return 0;
}

/* the folder asked for, "" for the root; answered 400 when not a path */
static int folder(struct call *c, const char *path, const char **out)
{
	int ret;

	*out = path ? path : "";
	while (**out == '/')
		(*out)++;
	if (!**out)
		return 0;
	ret = mlw_name_check_path("artifact path", *out);
	return ret ? reply_fail(c, ret) : 0;
}

static void artifacts_list(struct call *c)
{
	struct listing l = { json_array(), NULL, NULL, 0 };
	const char *id;
	int64_t rid, exp = 0;
	struct mlw_run *run = NULL;
	json_t *ans;
	int ret;

	if (need_str(c, "run_id", &id) || find_run(c, id, &rid) ||
	    folder(c, get_str(c, "path"), &l.prefix))
		goto out;
	ret = mlw_run_get(&run, c->cat, id);
	if (!ret)
		exp = run->experiment_id;
	if (!ret)
		ret = mlw_run_artifact_foreach(c->cat, rid, l.prefix, list_one,
					       &l);
	if (ret) {
		reply_fail(c, ret);
		goto out;
	}
	ans = json_pack("{s:o}", "root_uri", json_sprintf(
			"mlflow-artifacts:/%lld/%s/artifacts", (long long)exp,
			id));
	if (json_array_size(l.files))
		json_object_set(ans, "files", l.files);
	reply(c, ans);
out:
	mlw_run_free(run);
	free(l.last_dir);
	json_decref(l.files);
}

const struct handler mlw_tracking_artifact_handlers[] = {
	{ "GET", "artifacts/list", artifacts_list },
	{ NULL, NULL, NULL }
};

/* --- the proxy */

/*
 * "EXPERIMENT/RUN/artifacts[/PATH]" into the run's id and PATH (borrowed
 * from p; "" for none).  Answers 404 for a run that is not there, 400
 * for a path that is no artifact path.
 */
static int proxy_path(struct mlw_tracking *t, struct mlw_http_response *res,
		      const char *p, int64_t *run, char **rel)
{
	struct mlw_catalog *cat;
	const char *slash = strchr(p, '/');
	char *name = NULL;
	int ret;

	*rel = NULL;
	if (slash)
		slash = strchr(slash + 1, '/');
	if (!slash || strncmp(slash, "/artifacts", 10) ||
	    (slash[10] && slash[10] != '/')) {
		mlw_http_respond_error(res, 0, "INVALID_PARAMETER_VALUE",
				       "artifact path '%s' is not "
				       "EXPERIMENT/RUN/artifacts/PATH", p);
		return -1;
	}
	name = mlw_strndup(strchr(p, '/') + 1,
			   (size_t)(slash - strchr(p, '/') - 1));
	*rel = mlw_strdup(slash[10] ? slash + 11 : "");
	if (**rel && mlw_name_check_path("artifact path", *rel)) {
		mlw_http_respond_error(res, 0, "INVALID_PARAMETER_VALUE", "%s",
				       mlw_error_last());
		goto fail;
	}
	ret = mlw_run_pool_get(&cat, t->pool);
	if (!ret) {
		ret = mlw_run_get_id(run, cat, name);
		mlw_run_pool_put(t->pool, cat);
	}
	if (ret == MLW_ENOTFOUND) {
		mlw_http_respond_error(res, 0, "RESOURCE_DOES_NOT_EXIST",
				       "Run with id=%s not found", name);
		goto fail;
	}
	if (ret) {
		respond_fail(res, ret);
		goto fail;
	}
	free(name);
	return 0;
fail:
	free(name);
	free(*rel);
	*rel = NULL;
	return -1;
}

/* an unnamed scratch file in the .mlw directory, read-write */
static int scratch_file(struct mlw_tracking *t)
{
	int fd = open(t->repo->dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR ||
		       errno == EINVAL)) {
		char *path = mlw_path_join(t->repo->dir, "tmp_artifact_XXXXXX");

		fd = mkstemp(path);
		if (fd >= 0)
			unlink(path);
		free(path);
	}
	if (fd < 0)
		mlw_error_errno("cannot create a scratch file in '%s'",
				t->repo->dir);
	return fd;
}

struct upload {
	int fd;
	int64_t run;
	char *rel;
	uint64_t size;
};

static void upload_done(struct mlw_http_request *req, void *data)
{
	struct upload **u = (struct upload **)mlw_http_request_state(req);

	if (!*u)
		return;
	if ((*u)->fd >= 0)
		close((*u)->fd);
	free((*u)->rel);
	free(*u);
	*u = NULL;
}

/* the upload's state, made on its first piece (or at the end if none) */
static int upload_begin(struct mlw_http_request *req,
			struct mlw_http_response *res, struct mlw_tracking *t,
			struct upload **out)
{
	struct upload **slot = (struct upload **)mlw_http_request_state(req);
	struct upload *u;

	if (*slot) {
		*out = *slot;
		return 0;
	}
	u = mlw_calloc(1, sizeof(*u));
	u->fd = -1;
	if (proxy_path(t, res, mlw_http_request_subpath(req), &u->run,
		       &u->rel)) {
		free(u);
		return -1;
	}
	if (!*u->rel) {
		mlw_http_respond_error(res, 0, "INVALID_PARAMETER_VALUE",
				       "an upload names a file under "
				       "EXPERIMENT/RUN/artifacts/");
		free(u->rel);
		free(u);
		return -1;
	}
	u->fd = scratch_file(t);
	if (u->fd < 0) {
		mlw_http_respond_error(res, 0, "INTERNAL_ERROR", "%s",
				       mlw_error_last());
		free(u->rel);
		free(u);
		return -1;
	}
	*slot = *out = u;
	return 0;
}

static int upload_body(struct mlw_http_request *req,
		       struct mlw_http_response *res, const char *data,
		       size_t len, void *route_data)
{
	struct upload *u;

	if (upload_begin(req, res, route_data, &u))
		return 1;
	if (mlw_write_all(u->fd, data, len)) {
		mlw_http_respond_error(res, 0, "INTERNAL_ERROR", "cannot write "
				       "the upload: %s", strerror(errno));
		return 1;
	}
	u->size += len;
	return 0;
}

static void upload_end(struct mlw_http_request *req,
		       struct mlw_http_response *res, void *data)
{
	struct mlw_tracking *t = data;
	struct mlw_catalog *cat = NULL;
	struct mlw_odb *odb = NULL;
	struct mlw_oid oid;
	char hex[MLW_OID_HEXSZ + 1];
	struct upload *u;
	uint64_t size;
	char *objects;
	int ret;

	if (upload_begin(req, res, t, &u))
		return;
	objects = mlw_path_join(t->repo->dir, "objects");
	ret = mlw_odb_open(&odb, objects);
	free(objects);
	if (!ret && lseek(u->fd, 0, SEEK_SET))
		ret = mlw_error_errno("cannot read the upload back");
	if (!ret)
		ret = mlw_odb_write_fd(&oid, &size, odb, u->fd, u->size,
				       MLW_OBJ_BLOB, MLW_ODB_WRITE, u->rel);
	mlw_odb_free(odb);
	if (!ret)
		ret = mlw_run_pool_get(&cat, t->pool);
	if (!ret) {
		mlw_oid_to_hex(hex, &oid);
		pthread_mutex_lock(&t->write_lock);
		ret = mlw_run_add_artifact(cat, u->run, u->rel, hex, size);
		pthread_mutex_unlock(&t->write_lock);
		mlw_run_pool_put(t->pool, cat);
	}
	respond_done(res, ret);
	mlw_error_clear();
}

/* a file: the object restored to a scratch file the server sends */
static void download(struct mlw_http_request *req,
		     struct mlw_http_response *res, void *data)
{
	struct mlw_tracking *t = data;
	struct mlw_catalog *cat = NULL;
	struct mlw_odb_reader *r = NULL;
	struct mlw_odb *odb = NULL;
	struct mlw_oid oid;
	char hex[MLW_OID_HEXSZ + 1], *rel, *objects, buf[65536];
	uint64_t size = 0;
	int64_t run;
	long n;
	int fd = -1, ret;

	if (proxy_path(t, res, mlw_http_request_subpath(req), &run, &rel))
		return;
	ret = mlw_run_pool_get(&cat, t->pool);
	if (!ret) {
		ret = mlw_run_artifact_get(cat, run, rel, hex, &size);
		mlw_run_pool_put(t->pool, cat);
	}
	objects = mlw_path_join(t->repo->dir, "objects");
	if (!ret)
		ret = mlw_odb_open(&odb, objects);
	free(objects);
	if (!ret)
		ret = mlw_oid_from_hex(&oid, hex);
	if (!ret)
		ret = mlw_odb_reader_open(&r, odb, &oid);
	if (!ret) {
		fd = scratch_file(t);
		ret = fd < 0 ? MLW_ERROR : 0;
	}
	while (!ret && (n = mlw_odb_read(r, buf, sizeof(buf))) != 0) {
		if (n < 0)
			ret = (int)n;
		else if (mlw_write_all(fd, buf, (size_t)n))
			ret = mlw_error_errno("cannot write the download");
	}
	if (!ret && lseek(fd, 0, SEEK_SET))
		ret = mlw_error_errno("cannot read the download back");
	mlw_odb_reader_free(r);
	mlw_odb_free(odb);
	if (ret) {
		respond_fail(res, ret);
	} else {
		mlw_http_respond_fd(res, 200, "application/octet-stream", fd,
				    size);
		fd = -1;
	}
	if (fd >= 0)
		close(fd);
	free(rel);
	mlw_error_clear();
}

static void remove_artifact(struct mlw_http_request *req,
			    struct mlw_http_response *res, void *data)
{
	struct mlw_tracking *t = data;
	struct mlw_catalog *cat;
	char *rel;
	int64_t run;
	int ret;

	if (proxy_path(t, res, mlw_http_request_subpath(req), &run, &rel))
		return;
	ret = mlw_run_pool_get(&cat, t->pool);
	if (!ret) {
		pthread_mutex_lock(&t->write_lock);
		ret = mlw_run_artifact_delete(cat, run, rel);
		pthread_mutex_unlock(&t->write_lock);
		mlw_run_pool_put(t->pool, cat);
	}
	respond_done(res, ret);
	free(rel);
	mlw_error_clear();
}

/* GET .../artifacts?path=EXPERIMENT/RUN/artifacts/FOLDER: its entries */
static void proxy_list(struct mlw_http_request *req,
		       struct mlw_http_response *res, void *data)
{
	struct mlw_tracking *t = data;
	struct listing l = { json_array(), NULL, NULL, 1 };
	const char *path = mlw_http_request_query(req, "path");
	struct mlw_catalog *cat;
	char *rel;
	int64_t run;
	int ret;

	if (proxy_path(t, res, path ? path : "", &run, &rel)) {
		json_decref(l.files);
		return;
	}
	l.prefix = rel;
	ret = mlw_run_pool_get(&cat, t->pool);
	if (!ret) {
		ret = mlw_run_artifact_foreach(cat, run, rel, list_one, &l);
		mlw_run_pool_put(t->pool, cat);
	}
	if (ret) {
		respond_fail(res, ret);
	} else {
		json_t *ans = json_object();

		if (json_array_size(l.files))
			json_object_set(ans, "files", l.files);
		mlw_http_respond_json(res, 200, ans);
		json_decref(ans);
	}
	json_decref(l.files);
	free(l.last_dir);
	free(rel);
	mlw_error_clear();
}

int mlw_tracking_route_artifacts(struct mlw_tracking *t,
				 struct mlw_http_server *srv)
{
	struct mlw_http_route routes[] = {
		{ .method = "GET", .path = PROXY_PREFIX, .handle = proxy_list,
		  .data = t },
		{ .method = "GET", .path = PROXY_PREFIX "/",
		  .match = MLW_HTTP_PREFIX, .handle = download, .data = t },
		{ .method = "DELETE", .path = PROXY_PREFIX "/",
		  .match = MLW_HTTP_PREFIX, .handle = remove_artifact,
		  .data = t },
		/* a file of any size: streamed, never buffered */
		{ .method = "PUT", .path = PROXY_PREFIX "/",
		  .match = MLW_HTTP_PREFIX, .handle = upload_end,
		  .body = upload_body, .done = upload_done,
		  .max_body = (size_t)1 << 40, .data = t },
	};
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < sizeof(routes) / sizeof(*routes); i++)
		ret = mlw_http_server_route(srv, &routes[i]);
	return ret;
}

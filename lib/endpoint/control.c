/*
 * control.c - a running server seen from other processes: find it by
 * its lock, stop it, invoke it over HTTP; see serve.h.
 *
 * The server holds an exclusive flock(2) on server.lock for as long as
 * it runs; the kernel drops it when the process dies, however it dies.
 * A lock that can be taken therefore means no server, whatever
 * server.json still says, and a pid read from server.json is only
 * signalled while the lock is held by someone.
 */
#include "endpoint/serve.h"
#include "endpoint/endpoint.h"
#include "endpoint/internal.h"
#include "http/client.h"
#include "store/repo.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

int mlw_endpoint_server_lock(int *fd_out, struct mlw_repo *repo,
			     const char *name, int wait)
{
	char *dir = mlw_endpoint_path(repo, name, NULL);
	char *path = mlw_path_join(dir, "server.lock");
	int fd, ret = mlw_mkdir_p(dir, 0700);

	*fd_out = -1;
	if (ret)
		goto out;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = mlw_error_errno("cannot open '%s'", path);
		goto out;
	}
	if (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) < 0) {
		ret = errno == EWOULDBLOCK ?
		      mlw_error_setc(MLW_ELOCKED, "endpoint '%s' is being served",
				     name) :
		      mlw_error_errno("cannot lock '%s'", path);
		close(fd);
		goto out;
	}
	*fd_out = fd;
out:
	free(path);
	free(dir);
	return ret;
}

/* server.json into out; MLW_ENOTFOUND when it is missing or unreadable */
static int read_info(struct mlw_endpoint_server_info *out,
		     struct mlw_repo *repo, const char *name)
{
	char *path = mlw_endpoint_path(repo, name, "server.json");
	struct mlw_buf b = MLW_BUF_INIT;
	json_t *o = NULL;
	int ret = mlw_buf_read_file(&b, path, 4096);

	memset(out, 0, sizeof(*out));
	if (!ret)
		o = json_loadb(b.buf, b.len, 0, NULL);
	if (!ret && (!json_is_integer(json_object_get(o, "pid")) ||
		     !json_is_string(json_object_get(o, "address")) ||
		     !json_is_string(json_object_get(o, "url")) ||
		     json_integer_value(json_object_get(o, "pid")) <= 1))
		ret = -1;
	if (!ret) {
		out->pid = json_integer_value(json_object_get(o, "pid"));
		snprintf(out->address, sizeof(out->address), "%s",
			 json_string_value(json_object_get(o, "address")));
		snprintf(out->url, sizeof(out->url), "%s",
			 json_string_value(json_object_get(o, "url")));
	}
	json_decref(o);
	mlw_buf_release(&b);
	free(path);
	if (ret)
		return mlw_error_setc(MLW_ENOTFOUND,
				      "endpoint '%s' is not being served (start it with 'mlw endpoint serve %s')",
				      name, name);
	return 0;
}

int mlw_endpoint_server_find(struct mlw_endpoint_server_info *out,
			     struct mlw_repo *repo, const char *name)
{
	int fd, i, ret = mlw_endpoint_server_lock(&fd, repo, name, 0);

	memset(out, 0, sizeof(*out));
	if (!ret) {
		/* nobody holds it: no server, whatever server.json says */
		close(fd);
		return mlw_error_setc(MLW_ENOTFOUND,
				      "endpoint '%s' is not being served (start it with 'mlw endpoint serve %s')",
				      name, name);
	}
	if (ret != MLW_ELOCKED)
		return ret;
	/* a starting server holds the lock before it writes server.json */
	for (i = 0; i < 100; i++) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };

		ret = read_info(out, repo, name);
		if (!ret)
			return 0;
		nanosleep(&ts, NULL);
	}
	return ret;
}

/* wait up to seconds for the lock to be free; 1 when it is */
static int wait_free(struct mlw_repo *repo, const char *name, double seconds)
{
	double end = mlw_now() + seconds;

	for (;;) {
		int fd, ret = mlw_endpoint_server_lock(&fd, repo, name, 0);
		struct timespec ts = { 0, 20 * 1000 * 1000 };

		if (!ret) {
			close(fd);
			return 1;
		}
		if (ret != MLW_ELOCKED || mlw_now() > end)
			return 0;
		nanosleep(&ts, NULL);
	}
}

int mlw_endpoint_stop_server(struct mlw_repo *repo, const char *name,
			     double wait_s)
{
	struct mlw_endpoint_server_info info;
	int ret = mlw_endpoint_server_find(&info, repo, name);

	if (ret)
		return ret;
	if (kill((pid_t)info.pid, SIGTERM) < 0 && errno != ESRCH)
		return mlw_error_errno("cannot stop the server of '%s' (pid %lld)",
				       name, (long long)info.pid);
	if (wait_free(repo, name, wait_s))
		return 0;
	kill((pid_t)info.pid, SIGKILL);
	if (wait_free(repo, name, 5))
		return 0;
	return mlw_error_setc(MLW_ELOCKED,
			      "the server of '%s' (pid %lld) did not stop",
			      name, (long long)info.pid);
}

int mlw_endpoint_invoke(int *status, struct mlw_buf *out,
			struct mlw_repo *repo, const char *name,
			const char *deployment, const char *content_type,
			const char *body, size_t len)
{
	struct mlw_endpoint_server_info info;
	struct mlw_http_client_request req = { 0 };
	struct mlw_http_client_response res;
	char primary[MLW_ENDPOINT_KEY_SIZE], secondary[MLW_ENDPOINT_KEY_SIZE];
	const char *headers[4];
	char *url, *auth = NULL, *ctype, *dep = NULL;
	int ret, n = 0;

	*status = 0;
	ret = mlw_endpoint_server_find(&info, repo, name);
	if (ret)
		return ret;
	ret = mlw_endpoint_keys(primary, secondary, repo, name);
	if (!ret) {
		auth = mlw_xstrfmt("Authorization: Bearer %s", primary);
		headers[n++] = auth;
	} else if (ret != MLW_ENOTFOUND) {
		return ret;
	}
	ctype = mlw_xstrfmt("Content-Type: %s",
			    content_type ? content_type : "application/json");
	headers[n++] = ctype;
	if (deployment) {
		dep = mlw_xstrfmt("azureml-model-deployment: %s", deployment);
		headers[n++] = dep;
	}
	headers[n] = NULL;
	url = mlw_xstrfmt("%s/score", info.url);
	req.method = "POST";
	req.url = url;
	req.headers = headers;
	req.body = body;
	req.body_len = len;
	req.timeout_ms = 200000;
	memset(&res, 0, sizeof(res));
	ret = mlw_http_client_send(NULL, &res, &req);
	if (!ret) {
		*status = (int)res.status;
		mlw_buf_add(out, res.body.buf, res.body.len);
	}
	mlw_http_client_response_release(&res);
	free(url);
	free(auth);
	free(ctype);
	free(dep);
	return ret;
}

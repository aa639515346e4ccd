/*
 * lazy.c - a job's tracking server, started when a client first
 * connects (see tracking.h).
 *
 * Every command job is told where an MLflow server for its workspace
 * listens (MLFLOW_TRACKING_URI), but few talk to it: binding a loopback
 * socket costs microseconds, loading libmicrohttpd and starting its
 * threads milliseconds.  So the socket is bound at once and its address
 * handed out; a thread waits until a connection is pending on it, and
 * only then starts the server on that same socket, which accepts the
 * waiting connection as its first.
 */
#include "tracking/internal.h"
#include "http/server.h"
#include "util/alloc.h"
#include "util/error.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct mlw_tracking_lazy {
	struct mlw_repo *repo;
	int fd;			/* the socket, until the server takes it */
	int stop[2];		/* a pipe: the thread's wake-up at free */
	pthread_t thread;
	struct mlw_tracking *t;
	struct mlw_http_server *srv;
};

static void *wait_for_client(void *data)
{
	struct mlw_tracking_lazy *l = data;
	struct pollfd p[2] = {
		{ .fd = l->fd, .events = POLLIN },
		{ .fd = l->stop[0], .events = POLLIN },
	};
	struct mlw_http_server_options so;

	while (poll(p, 2, -1) < 0)
		if (errno != EINTR)
			return NULL;
	if (p[1].revents)
		return NULL;
	memset(&so, 0, sizeof(so));
	so.nr_threads = 2;
	so.max_connections = 1024;
	if (mlw_tracking_new(&l->t, l->repo, 2) ||
	    mlw_http_server_new(&l->srv, &so) ||
	    mlw_tracking_route(l->t, l->srv) ||
	    mlw_http_server_adopt(l->srv, l->fd)) {
		/* nobody to tell: the client's connection is refused */
		mlw_http_server_free(l->srv);
		l->srv = NULL;
		return NULL;
	}
	l->fd = -1;
	if (mlw_http_server_start(l->srv)) {
		mlw_http_server_free(l->srv);
		l->srv = NULL;
	}
	return NULL;
}

int mlw_tracking_lazy_start(struct mlw_tracking_lazy **out, char **uri,
			    struct mlw_repo *repo)
{
	struct mlw_tracking_lazy *l = mlw_calloc(1, sizeof(*l));
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int ret = 0;

	l->repo = repo;
	l->stop[0] = l->stop[1] = -1;
	l->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (l->fd < 0 || bind(l->fd, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(l->fd, SOMAXCONN) ||
	    getsockname(l->fd, (struct sockaddr *)&a, &len) ||
	    pipe2(l->stop, O_CLOEXEC))
		ret = mlw_error_errno("cannot listen on 127.0.0.1");
	if (!ret && pthread_create(&l->thread, NULL, wait_for_client, l)) {
		ret = mlw_error_set("cannot start the tracking server's "
				    "thread");
		close(l->stop[1]);
		l->stop[1] = -1;
	}
	if (ret) {
		if (l->fd >= 0)
			close(l->fd);
		if (l->stop[0] >= 0)
			close(l->stop[0]);
		if (l->stop[1] >= 0)
			close(l->stop[1]);
		free(l);
		return ret;
	}
	*uri = mlw_xstrfmt("http://127.0.0.1:%u", ntohs(a.sin_port));
	*out = l;
	return 0;
}

void mlw_tracking_lazy_free(struct mlw_tracking_lazy *l)
{
	if (!l)
		return;
	if (write(l->stop[1], "x", 1) < 0) {
		/* the thread has ended already */
	}
	pthread_join(l->thread, NULL);
	mlw_http_server_free(l->srv);
	mlw_tracking_free(l->t);
	if (l->fd >= 0)
		close(l->fd);
	close(l->stop[0]);
	close(l->stop[1]);
	free(l);
}

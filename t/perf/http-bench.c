/*
 * http-bench.c - the do-nothing servers p8000 drives with wrk: both
 * answer every request with the same fixed body on 127.0.0.1, one
 * thread per online CPU, epoll, keep-alive.
 *
 *	http-bench raw    libmicrohttpd itself: one shared response
 *	                  object queued from the access handler, the
 *	                  least work a libmicrohttpd server can do
 *	http-bench mlw    lib/http's server (routing, limits, access
 *	                  accounting) with one route answering the body
 *
 * Prints the port on stdout, serves until SIGTERM or SIGINT.  Compiled
 * on the fly by p8000 against .build/plain/libmlw.a; never part of mlw.
 */
#include "http/server.h"
#include "util/error.h"

#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char body[] = "ok\n";
static struct MHD_Response *fixed;

static enum MHD_Result raw_request(void *cls, struct MHD_Connection *conn,
				   const char *url, const char *method,
				   const char *version, const char *upload,
				   size_t *upload_size, void **con_cls)
{
	static int started;

	/* answering at the first call would close the connection */
	if (!*con_cls) {
		*con_cls = &started;
		return MHD_YES;
	}
	/* a body (p8001's POSTs) is taken and dropped */
	if (*upload_size) {
		*upload_size = 0;
		return MHD_YES;
	}
	return MHD_queue_response(conn, 200, fixed);
}

static void mlw_request(struct mlw_http_request *req,
			struct mlw_http_response *res, void *data)
{
	mlw_http_respond_static(res, 200, "text/plain", body,
				sizeof(body) - 1);
}

static int wait_for_signal(void)
{
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	return sigwait(&set, &sig);
}

int main(int argc, char **argv)
{
	unsigned threads = (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
	sigset_t set;

	/* the servers' threads inherit the mask: only sigwait() sees these */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (argc == 2 && !strcmp(argv[1], "raw")) {
		struct MHD_Daemon *d;
		const union MHD_DaemonInfo *info;

		fixed = MHD_create_response_from_buffer(sizeof(body) - 1,
							(void *)body,
							MHD_RESPMEM_PERSISTENT);
		MHD_add_response_header(fixed, "Content-Type", "text/plain");
		d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
				     MHD_USE_EPOLL, 0, NULL, NULL, raw_request,
				     NULL, MHD_OPTION_THREAD_POOL_SIZE, threads,
				     MHD_OPTION_CONNECTION_LIMIT, 1024u,
				     MHD_OPTION_END);
		if (!d)
			return 1;
		info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
		printf("%u\n", (unsigned)info->port);
		wait_for_signal();
		MHD_stop_daemon(d);
		MHD_destroy_response(fixed);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "mlw")) {
		struct mlw_http_server_options opts = { .nr_threads = threads };
		struct mlw_http_route route = {
			.method = "GET", .path = "/", .handle = mlw_request,
		};
		struct mlw_http_server *s;

		if (mlw_http_server_new(&s, &opts) ||
		    mlw_http_server_route(s, &route) ||
		    mlw_http_server_start(s)) {
			fprintf(stderr, "http-bench: %s\n", mlw_error_last());
			return 1;
		}
		printf("%u\n", mlw_http_server_port(s));
		wait_for_signal();
		mlw_http_server_free(s);
		return 0;
	}
	fprintf(stderr, "usage: http-bench raw|mlw\n");
	return 2;
}

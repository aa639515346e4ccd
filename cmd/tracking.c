/*
 * tracking.c - 'mlw tracking': MLflow's tracking REST API over the
 * workspace (lib/tracking), so that MLflow clients in any language log
 * into mlw runs.
 *
 * 'serve' runs the server in the foreground until SIGINT or SIGTERM, or
 * with --detach in a process of its own session, and records where it
 * listens in .mlw/tracking ("pid PID START URL"), which 'stop' reads.
 */
#include "builtin.h"
#include "http/server.h"
#include "run/run.h"
#include "store/repo.h"
#include "tracking/tracking.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static struct mlw_http_server *serving;

static void on_stop(int sig)
{
	if (serving)
		mlw_http_server_request_stop(serving);
}

static char *state_path(struct mlw_ctx *ctx)
{
	return mlw_repo_path(cmd_repo(ctx), "tracking");
}

/* .mlw/tracking: the pid, its start time and the URL of the server */
static int read_state(struct mlw_ctx *ctx, int64_t *pid, int64_t *start,
		      char **url)
{
	struct mlw_buf b = MLW_BUF_INIT;
	char *path = state_path(ctx), u[300];
	long long p, s;
	int ret = mlw_buf_read_file(&b, path, 4096);

	free(path);
	if (ret)
		return ret;
	ret = sscanf(b.buf, "pid %lld %lld %299s", &p, &s, u) == 3 && p > 1 ?
	      0 : mlw_error_setc(MLW_ENOTFOUND, "no tracking server recorded");
	mlw_buf_release(&b);
	if (!ret) {
		*pid = p;
		*start = s;
		*url = mlw_strdup(u);
	}
	return ret;
}

/* the recorded server when it is alive: 1, else 0 */
static int running(struct mlw_ctx *ctx, int64_t *pid, char **url)
{
	int64_t start;

	*url = NULL;
	if (read_state(ctx, pid, &start, url))
		return 0;
	if (mlw_proc_start_time(*pid) == start)
		return 1;
	free(*url);
	*url = NULL;
	return 0;
}

static int write_state(struct mlw_ctx *ctx, const char *url)
{
	char *path = state_path(ctx);
	char *text = mlw_xstrfmt("pid %lld %lld %s\n", (long long)getpid(),
				 (long long)mlw_proc_start_time(getpid()), url);
	int ret = mlw_write_file_atomic(path, text, strlen(text));

	free(text);
	free(path);
	return ret;
}

static void print_url(struct mlw_ctx *ctx, const char *url, long pid)
{
	struct mlw_out *o;

	if (ctx->format == MLW_FMT_DEFAULT) {
		printf("%s\n", url);
		fflush(stdout);
		return;
	}
	o = mlw_out_new();
	mlw_out_object_begin(o, NULL);
	mlw_out_str(o, "url", url);
	mlw_out_int(o, "pid", pid);
	mlw_out_end(o);
	cmd_print(ctx, o, MLW_FMT_JSON);
	mlw_out_free(o);
	fflush(stdout);
}

/* What 'serve' was asked for. */
struct serve_opts {
	const char *host;
	unsigned port;
	unsigned threads;
	const char *access_log;	/* a file, or NULL */
};

/*
 * One line of the access log a finished request: its start (ms since
 * the epoch), client, method, path, status, the server's time from its
 * headers to its answer (µs), body bytes in and out; tab-separated.
 * stdio's lock on the stream keeps the threads' lines whole.
 */
static void access_line(const struct mlw_http_access *a, void *data)
{
	fprintf(data, "%lld\t%s\t%s\t%s\t%d\t%llu\t%llu\t%llu\n",
		(long long)a->start_ms, mlw_http_request_remote(a->request),
		a->method, a->path,
		a->completed ? a->status : 0,
		(unsigned long long)a->latency_us,
		(unsigned long long)a->bytes_in,
		(unsigned long long)a->bytes_out);
}

/*
 * Serve until told to stop.  ready_fd >= 0 (a detached server): the URL,
 * or "!" and the error, is written there once listening, then closed.
 */
static int serve(struct mlw_ctx *ctx, const struct serve_opts *opts,
		 int ready_fd)
{
	const char *host = opts->host;
	unsigned port = opts->port, threads = opts->threads;
	struct mlw_http_server_options so;
	FILE *log = NULL;
	struct mlw_tracking *t = NULL;
	struct mlw_http_server *srv = NULL;
	struct sigaction sa;
	char *url = NULL, *path;
	int ret;

	memset(&so, 0, sizeof(so));
	so.host = host;
	so.port = port;
	so.nr_threads = threads;
	so.max_connections = 4096;
	ret = 0;
	if (opts->access_log) {
		log = fopen(opts->access_log, "ae");
		if (log) {
			setvbuf(log, NULL, _IOLBF, 0);
			so.on_access = access_line;
			so.data = log;
		} else {
			ret = mlw_error_errno("cannot open '%s'",
					      opts->access_log);
		}
	}
	if (!ret)
		ret = mlw_tracking_new(&t, cmd_repo(ctx), threads ? threads :
				       4);
	if (!ret)
		ret = mlw_http_server_new(&srv, &so);
	if (!ret)
		ret = mlw_tracking_route(t, srv);
	if (!ret)
		ret = mlw_http_server_start(srv);
	if (!ret) {
		const char *addr = mlw_http_server_address(srv);

		url = mlw_xstrfmt("http://%s", addr);
		ret = write_state(ctx, url);
	}
	if (ret) {
		if (ready_fd >= 0) {
			char *msg = mlw_xstrfmt("!%s", mlw_error_last());

			mlw_write_all(ready_fd, msg, strlen(msg));
			free(msg);
			close(ready_fd);
		}
		mlw_http_server_free(srv);
		mlw_tracking_free(t);
		if (log)
			fclose(log);
		free(url);
		return cmd_fail(ret);
	}
	serving = srv;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (ready_fd >= 0) {
		mlw_write_all(ready_fd, url, strlen(url));
		close(ready_fd);
	} else {
		print_url(ctx, url, (long)getpid());
		if (!ctx->quiet)
			fprintf(stderr, "mlw: MLflow tracking API on %s "
				"(MLFLOW_TRACKING_URI=%s); stop with ^C or "
				"'mlw tracking stop'\n", url, url);
	}
	mlw_http_server_wait(srv);
	serving = NULL;
	mlw_http_server_free(srv);
	mlw_tracking_free(t);
	if (log)
		fclose(log);
	path = state_path(ctx);
	unlink(path);
	free(path);
	free(url);
	return 0;
}

/* fork a server in a session of its own; print its URL once it listens */
static int serve_detached(struct mlw_ctx *ctx, const struct serve_opts *opts)
{
	char buf[1024];
	int fds[2], status;
	ssize_t n;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC))
		return cmd_fail(mlw_error_errno("cannot create a pipe"));
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return cmd_fail(mlw_error_errno("cannot start the server"));
	if (!pid) {
		int null = open("/dev/null", O_RDWR);

		close(fds[0]);
		setsid();
		/* a grandchild: no zombie for the caller to reap */
		if (fork())
			_exit(0);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
			if (null > 2)
				close(null);
		}
		/*
		 * No descriptor of the caller's but the pipe: a pipe the
		 * caller's caller reads to its end (a shell's $(...), a
		 * test harness) must not stay open for the server's life.
		 */
		if (fds[1] != 3 && dup2(fds[1], 3) < 0)
			_exit(128);
		close_range(4, ~0U, 0);
		exit(serve(ctx, opts, 3));
	}
	close(fds[1]);
	waitpid(pid, &status, 0);
	n = read(fds[0], buf, sizeof(buf) - 1);
	close(fds[0]);
	if (n <= 0) {
		cmd_error("the tracking server did not start");
		return 128;
	}
	buf[n] = '\0';
	if (buf[0] == '!') {
		cmd_error("%s", buf + 1);
		return 128;
	}
	{
		int64_t p = 0;
		char *url = NULL;

		running(ctx, &p, &url);
		print_url(ctx, buf, (long)p);
		free(url);
	}
	return cmd_finish_stdout(0);
}

static int tracking_serve(int argc, const char **argv, struct mlw_ctx *ctx)
{
	static const char *const usage[] = {
		"mlw tracking serve [--host HOST] [--port PORT] [--detach] "
		"[--access-log FILE]", NULL
	};
	const char *host = "127.0.0.1", *access_log = NULL;
	int64_t port = 5000, threads = 0;
	int detach = 0;
	struct serve_opts so;
	struct mlw_option opts[] = {
		MLW_OPT_STRING(0, "host", &host, "HOST",
			       "address to listen on (default 127.0.0.1)"),
		MLW_OPT_INT('p', "port", &port, "PORT",
			    "port (default 5000; 0: any free port)"),
		MLW_OPT_BOOL(0, "detach", &detach,
			     "run in the background; print its URL"),
		MLW_OPT_INT(0, "threads", &threads, "N",
			    "request threads (default: one per CPU)"),
		MLW_OPT_STRING(0, "access-log", &access_log, "FILE",
			       "append a line a request to FILE"),
		MLW_OPT_END()
	};
	int64_t pid;
	char *url;

	if (cmd_parse(ctx, argc, argv, opts, usage))
		return cmd_usage_error(usage, opts, "no operands expected");
	if (port < 0 || port > 65535)
		return cmd_usage_error(usage, opts, "--port must be 0 to "
				       "65535");
	if (threads < 0 || threads > 256)
		return cmd_usage_error(usage, opts, "--threads must be 0 to "
				       "256");
	if (running(ctx, &pid, &url)) {
		cmd_error("a tracking server for this workspace runs already "
			  "at %s (pid %lld); stop it with 'mlw tracking "
			  "stop'", url, (long long)pid);
		free(url);
		return 1;
	}
	so.host = host;
	so.port = (unsigned)port;
	so.threads = (unsigned)threads;
	so.access_log = access_log;
	if (detach)
		return serve_detached(ctx, &so);
	return cmd_finish_stdout(serve(ctx, &so, -1));
}

static int tracking_stop(int argc, const char **argv, struct mlw_ctx *ctx)
{
	static const char *const usage[] = { "mlw tracking stop", NULL };
	struct mlw_option opts[] = { MLW_OPT_END() };
	struct timespec pause = { 0, 20000000 };
	int64_t pid;
	char *url, *path;
	int i;

	if (cmd_parse(ctx, argc, argv, opts, usage))
		return cmd_usage_error(usage, opts, "no operands expected");
	if (!running(ctx, &pid, &url)) {
		path = state_path(ctx);
		unlink(path);
		free(path);
		cmd_error("no tracking server is running for this workspace");
		return 3;
	}
	kill((pid_t)pid, SIGTERM);
	/* it drains its requests (5 s at most) and removes its record */
	for (i = 0; i < 500 && mlw_proc_start_time(pid); i++)
		nanosleep(&pause, NULL);
	if (mlw_proc_start_time(pid)) {
		cmd_error("the tracking server (pid %lld) did not stop",
			  (long long)pid);
		free(url);
		return 128;
	}
	if (!ctx->quiet)
		fprintf(stderr, "mlw: stopped the tracking server at %s\n",
			url);
	free(url);
	return 0;
}

static const struct cmd_verb tracking_verbs[] = {
	{ "serve", tracking_serve, "serve MLflow's tracking API" },
	{ "stop", tracking_stop, "stop the server 'serve --detach' started" },
	{ NULL, NULL, NULL }
};

CMD(tracking)
{
	static const char *const usage[] = {
		"mlw tracking VERB [OPTIONS]", NULL
	};

	return cmd_dispatch(ctx, argc, argv, tracking_verbs, usage);
}

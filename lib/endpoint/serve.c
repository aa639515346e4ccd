/*
 * serve.c - the online scoring server; see serve.h.
 *
 * Three kinds of thread:
 *
 *   - lib/http's pool answers requests.  A request takes a reference on
 *     the current configuration (struct config), picks its deployment,
 *     scores, answers, and drops the reference; nothing it does waits on
 *     the other threads.
 *   - the housekeeper polls the endpoint's generation, builds a new
 *     configuration when it changed and swaps it in, writes the request
 *     log (catalog and log files), and frees what the last request of
 *     an old configuration left behind.  It alone uses the catalog and
 *     the object store.
 *   - the mirror thread scores the copies of requests sent to mirror
 *     deployments, off the requests' path, and logs their answers.
 *
 * A deployment's runtime (struct deployment: its loaded model or Python
 * workers, its concurrency gate) is shared by every configuration that
 * has it unchanged, reference-counted; a configuration or deployment
 * whose last reference goes is put on a list the housekeeper frees, so
 * no request thread ever stops Python workers or releases a model.
 *
 * This file starts, runs and stops the server (the housekeeper, the
 * server files, detached serving); serve-config.c holds the deployments
 * and configurations, serve-routes.c the requests and the mirror
 * thread, serve-log.c the request log (serve-internal.h).
 */
#include "endpoint/serve.h"
#include "endpoint/serve-internal.h"
#include "endpoint/endpoint.h"
#include "endpoint/internal.h"
#include "endpoint/worker.h"
#include "http/auth.h"
#include "http/payload.h"
#include "http/server.h"
#include "ml/model.h"
#include "ml/score-frame.h"
#include "store/catalog.h"
#include "store/repo.h"
#include "store/tree.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/number.h"
#include "util/output.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <malloc.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* --- small things */

int64_t mlw_serve_monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* a thread's own generator for traffic draws (xorshift64*) */
unsigned mlw_serve_draw_percent(void)
{
	static __thread uint64_t x;

	if (!x) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^
		    (uint64_t)(uintptr_t)&x;
		if (!x)
			x = 88172645463325252ull;
	}
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	return (unsigned)(((x * 2685821657736338717ull) >> 32) % 100);
}

/* a queue of MAX_RECORDS records of address space, or NULL */
static struct log_record *map_queue(void)
{
	void *p = mmap(NULL, MAX_RECORDS * sizeof(struct log_record),
		       PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void unmap_queue(struct log_record *q)
{
	if (q)
		munmap(q, MAX_RECORDS * sizeof(*q));
}

/* free what the last references of old configurations left */
static void bury(struct mlw_endpoint_server *s)
{
	struct config *c;
	struct deployment *d;

	/* configurations first: freeing one may bury deployments */
	pthread_mutex_lock(&s->dead_lock);
	c = s->dead_configs;
	s->dead_configs = NULL;
	pthread_mutex_unlock(&s->dead_lock);
	while (c) {
		struct config *next = c->next_dead;

		mlw_serve_config_free(c);
		c = next;
	}
	pthread_mutex_lock(&s->dead_lock);
	d = s->dead_deps;
	s->dead_deps = NULL;
	pthread_mutex_unlock(&s->dead_lock);
	while (d) {
		struct deployment *next = d->next_dead;

		mlw_serve_deployment_free(d);
		d = next;
	}
}

/* the endpoint changed: build and swap in its new configuration */
static void reload(struct mlw_endpoint_server *s)
{
	struct config *old, *fresh;
	int64_t generation;
	int ret;

	ret = mlw_endpoint_generation(&generation, s->cat, s->name);
	if (ret == MLW_ENOTFOUND) {
		mlw_serve_log_event(s, NULL, "endpoint '%s' was deleted: stopping",
			  s->name);
		mlw_endpoint_server_request_stop(s);
		return;
	}
	if (ret || generation == s->config->generation)
		return;
	old = mlw_serve_config_acquire(s);
	ret = mlw_serve_config_build(&fresh, s, old);
	if (!ret) {
		pthread_mutex_lock(&s->config_lock);
		s->config = fresh;
		pthread_mutex_unlock(&s->config_lock);
		/* the server's own reference, then ours */
		mlw_serve_config_release(s, old);
		mlw_serve_log_event(s, NULL, "configuration %lld in service (%zu deployment%s)",
			  (long long)fresh->generation, fresh->nr_deps,
			  fresh->nr_deps == 1 ? "" : "s");
	}
	mlw_serve_config_release(s, old);
}

static void add_ms(struct timespec *ts, unsigned ms)
{
	ts->tv_nsec += (long)(ms % 1000) * 1000000;
	ts->tv_sec += ms / 1000 + ts->tv_nsec / 1000000000;
	ts->tv_nsec %= 1000000000;
}

/*
 * Every TRIM_S seconds the housekeeper hands the allocator's free pages
 * back (malloc_trim(3)): requests are allocated and freed by several
 * threads, each on its own glibc arena, and a 60-second run at 64
 * connections left each arena 200-300 KiB larger in free but touched
 * pages (the server's RSS 5-14% up; with the trim 4-5%).  A trim
 * costs about 0.3 ms here, three madvise(2) calls.
 */
#define TRIM_S 10

/*
 * Every poll_ms: a new configuration if the endpoint changed, the
 * request log written (into the catalog too), the dead freed.  In
 * between, FLUSH_RECORDS queued records wake it to write the log alone.
 */
static void *housekeeper_main(void *arg)
{
	struct mlw_endpoint_server *s = arg;
	unsigned poll_ms = s->opts.poll_ms ? s->opts.poll_ms : 100;
	struct timespec next;
	time_t trimmed = 0;

	prctl(PR_SET_NAME, "mlw-housekeep", 0, 0, 0);
	clock_gettime(CLOCK_REALTIME, &next);
	add_ms(&next, poll_ms);
	pthread_mutex_lock(&s->stop_lock);
	while (!__atomic_load_n(&s->stopping, __ATOMIC_ACQUIRE)) {
		struct timespec now;
		int due;

		/* until the poll, a stop, or a burst of records */
		while (!s->flush_now &&
		       !__atomic_load_n(&s->stopping, __ATOMIC_ACQUIRE) &&
		       !pthread_cond_timedwait(&s->stop_cond, &s->stop_lock,
					       &next))
			;
		if (__atomic_load_n(&s->stopping, __ATOMIC_ACQUIRE))
			break;
		clock_gettime(CLOCK_REALTIME, &now);
		due = now.tv_sec > next.tv_sec ||
		      (now.tv_sec == next.tv_sec && now.tv_nsec >= next.tv_nsec);
		if (due) {
			next = now;
			add_ms(&next, poll_ms);
		}
		s->flush_now = 0;
		pthread_mutex_unlock(&s->stop_lock);
		if (due)
			reload(s);
		mlw_serve_flush_log(s, due);
		if (due)
			bury(s);
		if (due && now.tv_sec - trimmed >= TRIM_S) {
			malloc_trim(0);
			trimmed = now.tv_sec;
		}
		pthread_mutex_lock(&s->stop_lock);
	}
	pthread_mutex_unlock(&s->stop_lock);
	return NULL;
}

/* --- start and stop */

/* server.json and server.pid, written atomically once listening */
static int write_server_files(struct mlw_endpoint_server *s)
{
	char *path = mlw_endpoint_path(s->repo, s->name, "server.json");
	json_t *o = json_pack("{s:I, s:s, s:s}", "pid", (json_int_t)getpid(),
			      "address", s->address, "url", s->url);
	char *text = mlw_json_dumps(o, MLW_JSON_INDENT), *pid;
	int ret = mlw_write_file_atomic_mode(path, text, strlen(text), 0600);

	json_decref(o);
	free(text);
	free(path);
	if (ret)
		return ret;
	path = mlw_endpoint_path(s->repo, s->name, "server.pid");
	pid = mlw_xstrfmt("%ld\n", (long)getpid());
	ret = mlw_write_file_atomic_mode(path, pid, strlen(pid), 0600);
	free(pid);
	free(path);
	return ret;
}

static void remove_server_files(struct mlw_endpoint_server *s)
{
	char *path = mlw_endpoint_path(s->repo, s->name, "server.json");

	unlink(path);
	free(path);
	path = mlw_endpoint_path(s->repo, s->name, "server.pid");
	unlink(path);
	free(path);
}

static unsigned python_workers(const struct config *c)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; i < c->nr_deps; i++)
		if (c->deps[i]->pool)
			n += (unsigned)c->deps[i]->d->instance_count;
	return n;
}

int mlw_endpoint_server_start(struct mlw_endpoint_server **out,
			      struct mlw_repo *repo, const char *name,
			      const struct mlw_endpoint_serve_options *opts)
{
	struct mlw_endpoint_server *s = mlw_calloc(1, sizeof(*s));
	struct mlw_http_server_options ho = { 0 };
	struct mlw_endpoint *ep = NULL;
	struct mlw_endpoint_server_info info;
	char *db;
	int ret;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	*out = NULL;
	mlw_buf_init(&s->batch_text, 0);
	/*
	 * A 1,000-row request's frame, body and answer (a few hundred KB)
	 * were given back and faulted in again at every request: a quarter
	 * of such a request's CPU time.
	 */
	mlw_alloc_keep_heap(4 << 20);
	s->repo = repo;
	s->name = mlw_strdup(name);
	s->opts = *opts;
	s->lock_fd = -1;
	s->stop_pipe[0] = s->stop_pipe[1] = -1;
	pthread_mutex_init(&s->config_lock, NULL);
	pthread_mutex_init(&s->dead_lock, NULL);
	pthread_mutex_init(&s->log_lock, NULL);
	/*
	 * The request log's two queues, address space mapped once
	 * (serve-internal.h).  Arrays grown with realloc() by the request
	 * threads and freed by the housekeeper had left fragments in every
	 * malloc arena: RSS grew 12-21% over a minute at 64 connections.
	 * Arrays made once at KEEP_RECORDS still grew in a burst (a flush
	 * that waited behind a checkpoint, six a minute at 57,000
	 * requests/s), and then from nothing at the next: up to 11%.
	 */
	s->records = map_queue();
	s->spare_records = map_queue();
	if (!s->records || !s->spare_records) {
		ret = mlw_error_errno("cannot map the request log's queues");
		mlw_endpoint_server_free(s);
		return ret;
	}
	pthread_mutex_init(&s->mirror_lock, NULL);
	pthread_cond_init(&s->mirror_cond, NULL);
	pthread_mutex_init(&s->stop_lock, NULL);
	pthread_cond_init(&s->stop_cond, NULL);
	if (pipe2(s->stop_pipe, O_CLOEXEC) < 0) {
		ret = mlw_error_errno("cannot make a pipe");
		mlw_endpoint_server_free(s);
		return ret;
	}

	db = mlw_repo_path(repo, "mlw.db");
	ret = mlw_catalog_open(&s->cat, db);
	free(db);
	/*
	 * The server appends to the request log and reads a few records:
	 * a 512 KiB page cache, not the catalog's 64 MiB, keeps its memory
	 * flat however long the log grows.
	 */
	if (!ret && sqlite3_exec(mlw_catalog_db(s->cat),
				 "PRAGMA cache_size=-512", NULL, NULL,
				 NULL) != SQLITE_OK)
		ret = mlw_error_set("cannot configure the catalog: %s",
				    sqlite3_errmsg(mlw_catalog_db(s->cat)));
	if (!ret)
		ret = mlw_endpoint_get(&ep, s->cat, name);
	if (!ret && ep->kind != MLW_ENDPOINT_ONLINE)
		ret = mlw_error_setc(MLW_EINVALID,
				     "endpoint '%s' is a batch endpoint: invoke it with --input, it is not served",
				     name);
	mlw_endpoint_free(ep);
	if (!ret) {
		ret = mlw_endpoint_server_lock(&s->lock_fd, repo, name, 0);
		if (ret == MLW_ELOCKED &&
		    !mlw_endpoint_server_find(&info, repo, name))
			ret = mlw_error_setc(MLW_ELOCKED,
					     "endpoint '%s' is already served by pid %lld on %s",
					     name, (long long)info.pid,
					     info.address);
	}
	if (!ret)
		ret = mlw_serve_config_build(&s->config, s, NULL);
	if (ret) {
		mlw_endpoint_server_free(s);
		return ret;
	}

	ho.host = opts->host;
	ho.port = opts->port;
	ho.nr_threads = opts->nr_threads ? opts->nr_threads :
			(unsigned)(cpus > 0 ? cpus : 1) +
			python_workers(s->config);
	ho.idle_timeout_s = opts->idle_timeout_s;
	ho.max_body = opts->max_body;
	ho.request_timeout_ms = SERVER_TIMEOUT_MS;
	ho.timeout_status = 408;
	mlw_serve_http_options(&ho, s);
	ret = mlw_http_server_new(&s->http, &ho);
	if (!ret)
		ret = mlw_serve_add_routes(s);
	if (!ret)
		ret = mlw_http_server_start(s->http);
	if (!ret) {
		const char *addr = mlw_http_server_address(s->http);

		s->address = mlw_strdup(addr);
		s->url = mlw_xstrfmt("http://%s", addr);
		ret = write_server_files(s);
	}
	if (!ret) {
		if (pthread_create(&s->housekeeper, NULL, housekeeper_main, s) ||
		    pthread_create(&s->mirror_thread, NULL, mlw_serve_mirror_main, s))
			BUG("cannot start the server's threads");
		s->threads_started = 1;
		mlw_serve_log_event(s, NULL, "serving endpoint '%s' on %s (pid %ld)",
			  name, s->url, (long)getpid());
	}
	if (ret) {
		mlw_endpoint_server_free(s);
		return ret;
	}
	*out = s;
	return 0;
}

const char *mlw_endpoint_server_url(const struct mlw_endpoint_server *s)
{
	return s->url;
}

int mlw_endpoint_server_wait(struct mlw_endpoint_server *s,
			     const sigset_t *signals)
{
	struct pollfd p[2];
	int sfd = signals ? signalfd(-1, signals, SFD_CLOEXEC) : -1, sig = 0;

	p[0].fd = s->stop_pipe[0];
	p[0].events = POLLIN;
	p[1].fd = sfd;
	p[1].events = POLLIN;
	for (;;) {
		int n = poll(p, sfd >= 0 ? 2 : 1, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || (p[0].revents & (POLLIN | POLLHUP)))
			break;
		if (sfd >= 0 && (p[1].revents & POLLIN)) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si))
				sig = (int)si.ssi_signo;
			break;
		}
	}
	if (sfd >= 0)
		close(sfd);
	return sig;
}

void mlw_endpoint_server_request_stop(struct mlw_endpoint_server *s)
{
	char c = 1;
	ssize_t n;

	/* a write(2) only: signal handlers call this */
	if (s->stop_pipe[1] >= 0)
		n = write(s->stop_pipe[1], &c, 1);
	(void)n;
}

void mlw_endpoint_server_free(struct mlw_endpoint_server *s)
{
	size_t i;

	if (!s)
		return;
	/* no new requests, and those in progress finish first */
	mlw_http_server_free(s->http);
	__atomic_store_n(&s->stopping, 1, __ATOMIC_RELEASE);
	if (s->threads_started) {
		pthread_mutex_lock(&s->stop_lock);
		pthread_cond_broadcast(&s->stop_cond);
		pthread_mutex_unlock(&s->stop_lock);
		pthread_mutex_lock(&s->mirror_lock);
		pthread_cond_broadcast(&s->mirror_cond);
		pthread_mutex_unlock(&s->mirror_lock);
		pthread_join(s->housekeeper, NULL);
		pthread_join(s->mirror_thread, NULL);
		mlw_serve_log_event(s, NULL, "server of endpoint '%s' stopped", s->name);
	}
	if (s->config)
		mlw_serve_config_release(s, s->config);
	s->config = NULL;
	if (s->cat) {
		mlw_serve_flush_log(s, 1);
		bury(s);
	}
	for (i = 0; i < s->nr_mirror; i++) {
		mlw_serve_deployment_unref(s->mirror_jobs[i].dep);
		free(s->mirror_jobs[i].content_type);
		free(s->mirror_jobs[i].body);
	}
	free(s->mirror_jobs);
	bury(s);
	for (i = 0; i < s->nr_records; i++) {
		free(s->records[i].input);
		free(s->records[i].output);
		free(s->records[i].event);
	}
	unmap_queue(s->records);
	unmap_queue(s->spare_records);
	for (i = 0; i < s->nr_logs; i++) {
		close(s->logs[i].fd);
		free(s->logs[i].deployment);
		mlw_buf_release(&s->logs[i].lines);
	}
	free(s->logs);
	if (s->url)
		remove_server_files(s);
	mlw_serve_log_finish(s);
	mlw_catalog_free(s->cat);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	if (s->stop_pipe[0] >= 0)
		close(s->stop_pipe[0]);
	if (s->stop_pipe[1] >= 0)
		close(s->stop_pipe[1]);
	pthread_mutex_destroy(&s->config_lock);
	pthread_mutex_destroy(&s->dead_lock);
	pthread_mutex_destroy(&s->log_lock);
	pthread_mutex_destroy(&s->mirror_lock);
	pthread_cond_destroy(&s->mirror_cond);
	pthread_mutex_destroy(&s->stop_lock);
	pthread_cond_destroy(&s->stop_cond);
	free(s->url);
	free(s->address);
	free(s->name);
	free(s);
}

/* --- detached */

int mlw_endpoint_serve_detached(pid_t *pid, char **url, struct mlw_repo *repo,
				const char *name,
				const struct mlw_endpoint_serve_options *opts)
{
	int fds[2], status;
	pid_t child;
	char buf[512];
	ssize_t n, have = 0;

	*pid = 0;
	*url = NULL;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return mlw_error_errno("cannot make a pipe");
	/* no SQLite connection may cross the fork: the child opens its own */
	mlw_catalog_free(repo->catalog);
	repo->catalog = NULL;
	child = fork();
	if (child < 0) {
		close(fds[0]);
		close(fds[1]);
		return mlw_error_errno("cannot start the server");
	}
	if (!child) {
		struct mlw_endpoint_server *s;
		sigset_t stop;
		char *log = mlw_endpoint_path(repo, name, "server.log");
		char *dir = mlw_path_dirname(log);
		int fd, ret;

		close(fds[0]);
		setsid();
		/* blocked in every thread, taken by the wait below */
		sigemptyset(&stop);
		sigaddset(&stop, SIGTERM);
		sigaddset(&stop, SIGINT);
		sigaddset(&stop, SIGHUP);
		pthread_sigmask(SIG_BLOCK, &stop, NULL);
		prctl(PR_SET_NAME, "mlw-serve", 0, 0, 0);
		mlw_mkdir_p(dir, 0700);
		fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		if (fd >= 0) {
			int null = open("/dev/null", O_RDONLY);

			if (null >= 0) {
				dup2(null, 0);
				close(null);
			}
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		free(log);
		free(dir);
		ret = mlw_endpoint_server_start(&s, repo, name, opts);
		if (ret) {
			n = write(fds[1], buf, (size_t)snprintf(buf, sizeof(buf),
				  "E %d %s", ret, mlw_error_last()));
			_exit(1);
		}
		n = write(fds[1], buf, (size_t)snprintf(buf, sizeof(buf),
			  "R %s", mlw_endpoint_server_url(s)));
		close(fds[1]);
		mlw_endpoint_server_wait(s, &stop);
		mlw_endpoint_server_free(s);
		_exit(0);
	}
	close(fds[1]);
	while ((n = read(fds[0], buf + have, sizeof(buf) - 1 - (size_t)have)) > 0 ||
	       (n < 0 && errno == EINTR))
		if (n > 0)
			have += n;
	close(fds[0]);
	buf[have] = '\0';
	if (have > 2 && buf[0] == 'R') {
		*pid = child;
		*url = mlw_strdup(buf + 2);
		return 0;
	}
	waitpid(child, &status, 0);
	if (have > 2 && buf[0] == 'E') {
		char *end;
		long code = strtol(buf + 2, &end, 10);

		return mlw_error_setc(code < 0 ? (int)code : MLW_ERROR, "%s",
				      *end ? end + 1 : "");
	}
	return mlw_error_set("the server of '%s' ended before it listened (see .mlw/endpoints/%s/server.log)",
			     name, name);
}


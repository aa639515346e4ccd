/*
 * worker.c - Python scoring workers over socket pairs; see worker.h.
 *
 * A socket pair rather than two pipes: one descriptor each way, and
 * send(MSG_NOSIGNAL) on it never raises SIGPIPE in the server when a
 * worker has died.  Workers are started by whoever needs one (the pool
 * at first, a call later when one died or was killed): a call that
 * finds no live idle worker but a dead one starts it itself, within its
 * own time limit, so no thread of its own is needed.
 */
#include "endpoint/worker.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/*
 * The driver run as python3 -c DRIVER CODE_DIR SCRIPT: it reads
 * "LENGTH\n" and a body on fd 3 and answers "STATUS LENGTH\n" and a body
 * on the same socket; its first answer (status 0) says init() ran.
 */
static const char driver[] =
"import importlib.util, json, os, sys, traceback\n"
"code_dir, script = sys.argv[1], sys.argv[2]\n"
"sock_in = os.fdopen(3, 'rb')\n"
"sock_out = os.fdopen(os.dup(3), 'wb', buffering=0)\n"
"def send(status, body):\n"
"    sock_out.write(b'%d %d\\n' % (status, len(body)) + body)\n"
"def encode(value):\n"
"    if isinstance(value, (bytes, bytearray)):\n"
"        return bytes(value)\n"
"    def other(o):\n"
"        if hasattr(o, 'tolist'):\n"
"            return o.tolist()\n"
"        if hasattr(o, 'to_dict'):\n"
"            return o.to_dict()\n"
"        return str(o)\n"
"    return json.dumps(value, default=other).encode()\n"
"batch = os.environ.get('MLW_WORKER_BATCH') == '1'\n"
"def lines(value):\n"
"    if hasattr(value, 'to_csv'):\n"
"        return value.to_csv(sep=' ', header=False, index=False).encode()\n"
"    out = []\n"
"    for e in value:\n"
"        if isinstance(e, (list, tuple)):\n"
"            e = ' '.join(str(x) for x in e)\n"
"        out.append('%s\\n' % (e,))\n"
"    return ''.join(out).encode()\n"
"def error(what, e):\n"
"    traceback.print_exc()\n"
"    sys.stderr.flush()\n"
"    return json.dumps({'error_code': 'INTERNAL_ERROR', 'message':\n"
"        '%s raised %s: %s (the deployment log has the traceback)'\n"
"        % (what, type(e).__name__, e)}).encode()\n"
"sys.path.insert(0, code_dir)\n"
"try:\n"
"    spec = importlib.util.spec_from_file_location('score',\n"
"        os.path.join(code_dir, script))\n"
"    score = importlib.util.module_from_spec(spec)\n"
"    spec.loader.exec_module(score)\n"
"    if hasattr(score, 'init'):\n"
"        score.init()\n"
"    if not hasattr(score, 'run'):\n"
"        raise AttributeError('%s has no run(raw_data)' % script)\n"
"except BaseException as e:\n"
"    send(500, error('init()', e))\n"
"    sys.exit(1)\n"
"sys.stdout.flush()\n"
"send(0, b'ready')\n"
"while True:\n"
"    line = sock_in.readline()\n"
"    if not line:\n"
"        break\n"
"    data = sock_in.read(int(line))\n"
"    try:\n"
"        if batch:\n"
"            body = lines(score.run(json.loads(data)))\n"
"        else:\n"
"            body = encode(score.run(data.decode('utf-8', 'replace')))\n"
"        status = 200\n"
"    except Exception as e:\n"
"        body = error('run()', e)\n"
"        status = 500\n"
"    sys.stdout.flush()\n"
"    send(status, body)\n";

#define MAX_ANSWER ((size_t)256 << 20)

enum worker_state { W_DEAD, W_IDLE, W_BUSY };

struct worker {
	pid_t pid;
	int fd;			/* our end of the socket pair */
	enum worker_state state;
};

struct mlw_worker_pool {
	char *python, *code_dir, *script, *model_dir;
	char **env;
	size_t nr_env;
	int log_fd;
	int64_t init_timeout_ms;
	struct worker *workers;
	unsigned nr;
	pthread_mutex_t lock;
	pthread_cond_t cond;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* wait for fd to be ready for events until deadline; 1 ready, 0 late */
static int wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - now_ms();
		struct pollfd p = { fd, events, 0 };
		int n;

		if (left <= 0)
			return 0;
		n = poll(&p, 1, left > 60000 ? 60000 : (int)left);
		if (n > 0)
			return 1;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

/* send all of buf before deadline: 0, MLW_WORKER_TIMEOUT, or -1 */
static int send_all(int fd, const char *buf, size_t len, int64_t deadline)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			int r = wait_fd(fd, POLLOUT, deadline);

			if (r == 0)
				return MLW_WORKER_TIMEOUT;
			if (r > 0)
				continue;
		}
		return -1;
	}
	return 0;
}

/*
 * One answer "STATUS LENGTH\n" and its body before deadline: 0 with
 * *status and the body appended to out, MLW_WORKER_TIMEOUT, or -1 (end
 * of file, a malformed frame).
 */
static int read_answer(int fd, int *status, struct mlw_buf *out,
		       int64_t deadline)
{
	char head[64];
	size_t have = 0, need = 0, got = 0;
	char *nl = NULL;
	long long st, len;

	while (!nl) {
		ssize_t n;
		int r;

		if (have == sizeof(head) - 1)
			return -1;
		r = wait_fd(fd, POLLIN, deadline);
		if (r == 0)
			return MLW_WORKER_TIMEOUT;
		if (r < 0)
			return -1;
		n = recv(fd, head + have, sizeof(head) - 1 - have, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		have += (size_t)n;
		head[have] = '\0';
		nl = memchr(head, '\n', have);
	}
	if (sscanf(head, "%lld %lld", &st, &len) != 2 || len < 0 ||
	    (size_t)len > MAX_ANSWER || st < 0 || st > 999)
		return -1;
	need = (size_t)len;
	got = have - (size_t)(nl + 1 - head);
	if (got > need)
		return -1;
	mlw_buf_grow(out, need);
	mlw_buf_add(out, nl + 1, got);
	while (got < need) {
		ssize_t n;
		int r = wait_fd(fd, POLLIN, deadline);

		if (r == 0)
			return MLW_WORKER_TIMEOUT;
		if (r < 0)
			return -1;
		mlw_buf_grow(out, need - got);
		n = recv(fd, out->buf + out->len, need - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		mlw_buf_setlen(out, out->len + (size_t)n);
		got += (size_t)n;
	}
	*status = (int)st;
	return 0;
}

/* kill and reap w; it is dead afterwards */
static void kill_worker(struct worker *w, int sig)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	if (w->pid > 0) {
		int i;

		kill(w->pid, sig);
		/* a gentle signal gets two seconds, then the hard one */
		for (i = 0; i < 200; i++) {
			struct timespec ts = { 0, 10 * 1000 * 1000 };
			pid_t r = waitpid(w->pid, NULL, WNOHANG);

			if (r == w->pid || (r < 0 && errno != EINTR))
				break;
			if (i == 199 && sig != SIGKILL) {
				kill(w->pid, SIGKILL);
				waitpid(w->pid, NULL, 0);
				break;
			}
			nanosleep(&ts, NULL);
		}
	}
	w->pid = 0;
	w->state = W_DEAD;
}

/* the child: descriptors, then exec with envp (never returns) */
static void exec_worker(const struct mlw_worker_pool *p, int sock,
			char *const *envp)
{
	int null = open("/dev/null", O_RDONLY), fd, i;
	char *const argv[] = { "python3", "-c", (char *)driver, p->code_dir,
			       p->script, NULL };

	/*
	 * Only async-signal-safe calls here: the server has threads, and
	 * one may have held malloc's lock at the fork.  fd 3 is the
	 * socket; move it out of the way of 0..2 first.
	 */
	fd = fcntl(sock, F_DUPFD, 10);
	if (null < 0 || fd < 0 || dup2(null, 0) < 0 ||
	    dup2(p->log_fd, 1) < 0 || dup2(p->log_fd, 2) < 0 ||
	    dup2(fd, 3) < 0)
		_exit(126);
	for (i = 4; i < 1024; i++)
		close(i);
	if (chdir(p->code_dir) < 0)
		_exit(126);
	execve(p->python, argv, envp);
	_exit(127);
}

/* 1 when "NAME=..." entry e sets a name that one of names[] sets */
static int overridden(const char *e, char *const *names, size_t nr)
{
	size_t i, len = strcspn(e, "=");

	for (i = 0; i < nr; i++)
		if (!strncmp(names[i], e, len) && names[i][len] == '=')
			return 1;
	return 0;
}

/*
 * The workers' environment, built before the fork: the server's own,
 * passed on as a child inherits it, with AZUREML_MODEL_DIR and the
 * deployment's variables over it.  The array is the caller's (free it,
 * not the strings, which are borrowed).
 */
static char **worker_env(const struct mlw_worker_pool *p)
{
	extern char **environ;
	size_t n = 0, k = 0, i;
	char **envp;

	while (environ && environ[n])
		n++;
	envp = mlw_calloc(n + p->nr_env + 1, sizeof(*envp));
	for (i = 0; i < n; i++)
		if (!overridden(environ[i], p->env, p->nr_env))
			envp[k++] = environ[i];
	for (i = 0; i < p->nr_env; i++)
		envp[k++] = p->env[i];
	envp[k] = NULL;
	return envp;
}

/*
 * Start worker w and wait for init() until deadline.  0 (w idle), or
 * MLW_ERROR naming what failed (w dead).
 */
static int start_worker(struct mlw_worker_pool *p, struct worker *w,
			int64_t deadline)
{
	struct mlw_buf msg = MLW_BUF_INIT;
	int sv[2], status = 0, ret;
	pid_t pid;

	char **envp;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return mlw_error_errno("cannot make a socket for a worker");
	envp = worker_env(p);
	pid = fork();
	if (pid < 0) {
		free(envp);
		close(sv[0]);
		close(sv[1]);
		return mlw_error_errno("cannot start a Python worker");
	}
	if (!pid) {
		close(sv[0]);
		exec_worker(p, sv[1], envp);
	}
	free(envp);
	close(sv[1]);
	w->pid = pid;
	w->fd = sv[0];
	ret = read_answer(w->fd, &status, &msg, deadline);
	if (!ret && status == 0) {
		w->state = W_IDLE;
		mlw_buf_release(&msg);
		return 0;
	}
	kill_worker(w, SIGKILL);
	if (ret == MLW_WORKER_TIMEOUT)
		ret = mlw_error_set("the scoring script's init() did not finish within %lld s",
				    (long long)p->init_timeout_ms / 1000);
	else if (!ret)
		ret = mlw_error_set("the scoring script '%s' cannot serve: %.*s",
				    p->script, (int)(msg.len > 2000 ? 2000 : msg.len),
				    msg.buf);
	else
		ret = mlw_error_set("the Python worker for '%s' ended before it was ready (is %s there? the deployment log says more)",
				    p->script, p->python);
	mlw_buf_release(&msg);
	return ret;
}

int mlw_worker_pool_new(struct mlw_worker_pool **out,
			const struct mlw_worker_options *o)
{
	struct mlw_worker_pool *p = mlw_calloc(1, sizeof(*p));
	unsigned i;
	int ret = 0;

	*out = NULL;
	p->python = mlw_strdup(o->python ? o->python : MLW_WORKER_PYTHON);
	p->code_dir = mlw_strdup(o->code_dir);
	p->script = mlw_strdup(o->script);
	p->model_dir = mlw_strdup(o->model_dir ? o->model_dir : o->code_dir);
	for (i = 0; o->env && o->env[i]; i++)
		;
	p->env = mlw_calloc(i + 4, sizeof(*p->env));
	p->env[p->nr_env++] = mlw_xstrfmt("AZUREML_MODEL_DIR=%s", p->model_dir);
	p->env[p->nr_env++] = mlw_strdup("PYTHONUNBUFFERED=1");
	p->env[p->nr_env++] = mlw_strdup("PYTHONDONTWRITEBYTECODE=1");
	for (i = 0; o->env && o->env[i]; i++)
		p->env[p->nr_env++] = mlw_strdup(o->env[i]);
	p->log_fd = o->log_fd;
	p->init_timeout_ms = o->init_timeout_ms ? o->init_timeout_ms : 300000;
	p->nr = o->nr_workers ? o->nr_workers : 1;
	p->workers = mlw_calloc(p->nr, sizeof(*p->workers));
	for (i = 0; i < p->nr; i++)
		p->workers[i].fd = -1;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	for (i = 0; i < p->nr && !ret; i++)
		ret = start_worker(p, &p->workers[i],
				   now_ms() + p->init_timeout_ms);
	if (ret) {
		mlw_worker_pool_free(p);
		return ret;
	}
	*out = p;
	return 0;
}

/*
 * Take a worker for a call (the caller holds p->lock): an idle one, or
 * a dead one started here, or wait.  The worker, or NULL with *ret set.
 */
static struct worker *take_worker(struct mlw_worker_pool *p, int64_t deadline,
				  int *ret)
{
	for (;;) {
		struct worker *dead = NULL;
		struct timespec ts;
		int64_t left;
		unsigned i;

		for (i = 0; i < p->nr; i++) {
			if (p->workers[i].state == W_IDLE) {
				p->workers[i].state = W_BUSY;
				return &p->workers[i];
			}
			if (p->workers[i].state == W_DEAD && !dead)
				dead = &p->workers[i];
		}
		if (dead) {
			/* start it outside the lock; it is ours meanwhile */
			dead->state = W_BUSY;
			pthread_mutex_unlock(&p->lock);
			*ret = start_worker(p, dead, deadline);
			pthread_mutex_lock(&p->lock);
			if (!*ret) {
				dead->state = W_BUSY;
				return dead;
			}
			dead->state = W_DEAD;
			return NULL;
		}
		left = deadline - now_ms();
		if (left <= 0) {
			*ret = MLW_WORKER_TIMEOUT;
			return NULL;
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += left / 1000;
		ts.tv_nsec += (left % 1000) * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&p->cond, &p->lock, &ts);
	}
}

int mlw_worker_pool_call(struct mlw_worker_pool *p, const char *body,
			 size_t len, int64_t timeout_ms, int *status,
			 struct mlw_buf *out)
{
	int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 1);
	struct worker *w;
	char head[32];
	size_t at = out->len;
	int ret = 0, n;

	*status = 0;
	pthread_mutex_lock(&p->lock);
	w = take_worker(p, deadline, &ret);
	pthread_mutex_unlock(&p->lock);
	if (!w)
		return ret;
	n = snprintf(head, sizeof(head), "%zu\n", len);
	ret = send_all(w->fd, head, (size_t)n, deadline);
	if (!ret)
		ret = send_all(w->fd, body, len, deadline);
	if (!ret)
		ret = read_answer(w->fd, status, out, deadline);
	pthread_mutex_lock(&p->lock);
	if (!ret) {
		w->state = W_IDLE;
	} else {
		/* late or dead: never let its answer reach another call */
		kill_worker(w, SIGKILL);
		mlw_buf_setlen(out, at);
		if (ret < 0)
			ret = mlw_error_set("the worker running '%s' died (the deployment log says why)",
					    p->script);
	}
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
	return ret;
}

void mlw_worker_pool_free(struct mlw_worker_pool *p)
{
	unsigned i;
	size_t k;

	if (!p)
		return;
	for (i = 0; i < p->nr; i++)
		if (p->workers[i].pid > 0)
			kill_worker(&p->workers[i], SIGTERM);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	free(p->workers);
	for (k = 0; k < p->nr_env; k++)
		free(p->env[k]);
	free(p->env);
	free(p->python);
	free(p->code_dir);
	free(p->script);
	free(p->model_dir);
	free(p);
}

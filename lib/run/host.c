/*
 * host.c - a supervisor host; see host.h.
 *
 * The starter sends each job as one datagram on a SOCK_SEQPACKET pair,
 * its notify channel riding along (SCM_RIGHTS).  The host's main thread
 * reads them, has the starter's prepare() make the job, and starts a
 * detached thread that records, supervises and frees it; each thread
 * takes a workspace handle from a pool (a catalog connection is opened
 * once per handle, not per job) and a cancel slot.  At end of file the
 * main thread waits for the threads and exits.
 */
#include "run/host.h"
#include "run/job.h"
#include "run/launch.h"
#include "run/notify.h"
#include "store/catalog.h"
#include "store/repo.h"
#include "util/alloc.h"
#include "util/error.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

struct mlw_job_host {
	pid_t pid;
	int fd;			/* the request channel's starter end */
};

/*
 * The host process's cancel slots, one per job it supervises: the
 * signal handler finds a run by its id in them, so they are atomics in
 * static storage (the handler may take no lock).  Only the host, a
 * process of its own, uses them.
 */
#define HOST_SLOTS 256

struct host_slot {
	atomic_llong run;	/* the run's id once recorded, else 0 */
	atomic_int cancel;	/* the run's supervisor's cancel flag */
	int used;		/* under the host's lock */
};

static struct host_slot slots[HOST_SLOTS];
static atomic_int cancel_every;

static void on_cancel(int sig, siginfo_t *si, void *uc)
{
	long long run = 0;
	size_t i;

	if (si && si->si_code == SI_QUEUE)
		run = (long long)(intptr_t)si->si_value.sival_ptr;
	if (!run)
		atomic_store(&cancel_every, 1);
	for (i = 0; i < HOST_SLOTS; i++)
		if (!run || atomic_load(&slots[i].run) == run)
			atomic_store(&slots[i].cancel, 1);
}

/* without SA_RESTART: the main thread's wait returns to look */
static void host_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_cancel;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

struct host {
	struct mlw_repo *repo;
	const struct mlw_job_host_ops *ops;
	const struct mlw_job_start_opts *opts;
	pthread_mutex_t lock;
	pthread_cond_t cond;	/* a thread ended */
	struct mlw_repo **pool;	/* handles not in use */
	size_t nr_pool, alloc_pool;
	size_t active;
};

struct host_job {
	struct host *h;
	struct mlw_job *job;
	struct host_slot *slot;
	int notify_fd;
	/* the job's own, called from in_record() */
	int (*in_record)(struct mlw_catalog *cat, const struct mlw_job *job,
			 void *data);
	void *in_record_data;
};

/*
 * In the transaction that records the run: from here a cancel finds it
 * (one sent once the run is there, while its inputs are checked out,
 * is not lost); undone when the recording fails.
 */
static int in_record(struct mlw_catalog *cat, const struct mlw_job *job,
		     void *data)
{
	struct host_job *hj = data;
	int ret = hj->in_record ? hj->in_record(cat, job,
						hj->in_record_data) : 0;

	atomic_store(&hj->slot->run, ret ? 0 : job->run_id);
	return ret;
}

static struct mlw_repo *pool_take(struct host *h)
{
	struct mlw_repo *r = NULL;

	pthread_mutex_lock(&h->lock);
	if (h->nr_pool)
		r = h->pool[--h->nr_pool];
	pthread_mutex_unlock(&h->lock);
	return r ? r : mlw_repo_dup(h->repo);
}

static void pool_put(struct host *h, struct mlw_repo *r)
{
	pthread_mutex_lock(&h->lock);
	MLW_ALLOC_GROW(h->pool, h->nr_pool + 1, h->alloc_pool);
	h->pool[h->nr_pool++] = r;
	pthread_mutex_unlock(&h->lock);
}

/* a free slot, waiting for one when all are taken; counts the job in */
static struct host_slot *slot_take(struct host *h)
{
	size_t i;

	pthread_mutex_lock(&h->lock);
	for (;;) {
		for (i = 0; i < HOST_SLOTS; i++)
			if (!slots[i].used)
				break;
		if (i < HOST_SLOTS)
			break;
		pthread_cond_wait(&h->cond, &h->lock);
	}
	slots[i].used = 1;
	atomic_store(&slots[i].run, 0);
	atomic_store(&slots[i].cancel, atomic_load(&cancel_every));
	h->active++;
	pthread_mutex_unlock(&h->lock);
	return &slots[i];
}

static void slot_put(struct host *h, struct host_slot *s)
{
	pthread_mutex_lock(&h->lock);
	atomic_store(&s->run, 0);
	s->used = 0;
	h->active--;
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->lock);
}

/* a job's thread: what launch.c's supervisor process does */
static void *job_main(void *data)
{
	struct host_job *hj = data;
	struct host *h = hj->h;
	struct mlw_job *job = hj->job;
	struct mlw_repo *repo = job->repo;

	prctl(PR_SET_NAME, "mlw-supervise", 0, 0, 0);
	hj->in_record = job->in_record;
	hj->in_record_data = job->in_record_data;
	job->in_record = in_record;
	job->in_record_data = hj;
	if (mlw_job_supervise(job, hj->notify_fd, h->opts, &hj->slot->cancel))
		mlw_error_clear();
	job->in_record = hj->in_record;
	job->in_record_data = hj->in_record_data;
	h->ops->done(job);
	pool_put(h, repo);
	slot_put(h, hj->slot);
	free(hj);
	return NULL;
}

/* one request: its bytes in buf, its channel in *fd; -1 at the end */
static ssize_t recv_request(int sock, char *buf, size_t size, int *fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { buf, size };
	struct msghdr m;
	struct cmsghdr *c;
	ssize_t n;

	for (;;) {
		memset(&m, 0, sizeof(m));
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		m.msg_control = cbuf;
		m.msg_controllen = sizeof(cbuf);
		*fd = -1;
		n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
			if (c->cmsg_level == SOL_SOCKET &&
			    c->cmsg_type == SCM_RIGHTS &&
			    c->cmsg_len == CMSG_LEN(sizeof(int)))
				memcpy(fd, CMSG_DATA(c), sizeof(int));
		if (*fd >= 0 && !(m.msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
			return n;
		/* not a request of ours: nobody to answer */
		if (*fd >= 0)
			close(*fd);
	}
}

static void host_main(struct host *h, int sock) __attribute__((noreturn));
static void host_main(struct host *h, int sock)
{
	const struct mlw_job_start_opts *opts = h->opts;
	char *buf = mlw_malloc(MLW_JOB_HOST_MSG_MAX);
	char *uri = NULL;
	int first = 1, fd;
	pthread_attr_t attr;
	ssize_t n;

	mlw_supervisor_detach("mlw-supervise");
	if (opts && opts->in_supervisor)
		opts->in_supervisor(NULL, opts->data);
	host_signals();
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	while ((n = recv_request(sock, buf, MLW_JOB_HOST_MSG_MAX, &fd)) >= 0) {
		struct mlw_repo *r = pool_take(h);
		struct host_job *hj;
		struct mlw_job *job;
		int ret = h->ops->prepare(&job, r, buf, (size_t)n);

		if (ret) {
			mlw_notify_created(fd, ret, 0, mlw_error_last());
			mlw_error_clear();
			close(fd);
			pool_put(h, r);
			continue;
		}
		/*
		 * The command's setup for a supervisor, given the first
		 * job: its MLflow server then serves every job here.
		 */
		if (first && opts && opts->in_supervisor) {
			struct mlw_repo *mine = job->repo;

			/*
			 * What it starts keeps the handle it is given, for
			 * the host's life: one of its own, not a thread's
			 */
			job->repo = mlw_repo_dup(h->repo);
			opts->in_supervisor(job, opts->data);
			job->repo = mine;
			host_signals();
			uri = job->tracking_uri ? mlw_strdup(job->tracking_uri) :
			      NULL;
		} else if (uri && !job->tracking_uri) {
			job->tracking_uri = mlw_strdup(uri);
		}
		first = 0;
		hj = mlw_calloc(1, sizeof(*hj));
		hj->h = h;
		hj->job = job;
		hj->notify_fd = fd;
		hj->slot = slot_take(h);
		ret = pthread_create(&(pthread_t){ 0 }, &attr, job_main, hj);
		if (ret)
			job_main(hj);	/* no thread to be had: on this one */
	}
	close(sock);
	pthread_mutex_lock(&h->lock);
	while (h->active)
		pthread_cond_wait(&h->cond, &h->lock);
	pthread_mutex_unlock(&h->lock);
	/* _exit: the starter's exit handlers are its own */
	_exit(0);
}

int mlw_job_host_start(struct mlw_job_host **out, struct mlw_repo *repo,
		       const struct mlw_job_host_ops *ops,
		       const struct mlw_job_start_opts *opts)
{
	struct mlw_job_host *jh;
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return mlw_error_errno("cannot create the job host's channel");
	/* no SQLite connection may cross the fork: the host opens its own */
	mlw_catalog_free(repo->catalog);
	repo->catalog = NULL;
	pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return mlw_error_errno("cannot start the job host");
	}
	if (!pid) {
		struct host h;

		close(sv[0]);
		memset(&h, 0, sizeof(h));
		h.repo = repo;
		h.ops = ops;
		h.opts = opts;
		pthread_mutex_init(&h.lock, NULL);
		pthread_cond_init(&h.cond, NULL);
		host_main(&h, sv[1]);
	}
	close(sv[1]);
	jh = mlw_calloc(1, sizeof(*jh));
	jh->pid = pid;
	jh->fd = sv[0];
	*out = jh;
	return 0;
}

int mlw_job_host_submit(struct mlw_job_host *h, const char *msg, size_t len,
			int notify_fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { (void *)msg, len };
	struct msghdr m;
	struct cmsghdr *c;
	ssize_t n;

	if (len > MLW_JOB_HOST_MSG_MAX)
		return mlw_error_set("a job request of %zu bytes is more than "
				     "the job host takes", len);
	memset(cbuf, 0, sizeof(cbuf));
	memset(&m, 0, sizeof(m));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = cbuf;
	m.msg_controllen = sizeof(cbuf);
	c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &notify_fd, sizeof(int));
	do
		n = sendmsg(h->fd, &m, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return mlw_error_errno("cannot reach the job host");
	return 0;
}

pid_t mlw_job_host_pid(const struct mlw_job_host *h)
{
	return h->pid;
}

void mlw_job_host_free(struct mlw_job_host *h)
{
	if (!h)
		return;
	close(h->fd);
	free(h);
}

/*
 * runner.c - the supervisor's loop of a sweep: trials in-process on
 * worker threads or as command jobs, the scheduler fed and obeyed, the
 * trials recorded in batches; see runner.h.
 */
#include "sweep/runner.h"
#include "sweep/record.h"
#include "sweep/trial.h"
#include "ml/lapack.h"
#include "ml/model.h"
#include "run/child.h"
#include "run/job.h"
#include "run/launch.h"
#include "run/notify.h"
#include "run/supervise.h"
#include "store/catalog.h"
#include "store/repo.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/number.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FLUSH_SECONDS 0.1	/* records wait at most this long */
#define FLUSH_RECORDS 256	/* or until this many are waiting */
#define LOG_BUFFER 65536	/* log lines wait until a flush or this */
#define MAX_STOPS 64

/* --- binding -------------------------------------------------------------- */

char *mlw_sweep_bind_trial(const char *template,
			   const struct mlw_sweep_value *params)
{
	struct mlw_buf out = MLW_BUF_INIT;
	const char *p = template;

	while (*p) {
		const char *open = strstr(p, "${{"), *close, *a, *b;
		const struct mlw_sweep_value *v;
		char *path;

		if (!open || !(close = strstr(open + 3, "}}"))) {
			mlw_buf_adds(&out, p);
			break;
		}
		for (a = open + 3; a < close && isspace((unsigned char)*a); a++)
			;
		for (b = close; b > a && isspace((unsigned char)b[-1]); b--)
			;
		mlw_buf_add(&out, p, (size_t)(open - p));
		p = close + 2;
		if (b - a > 13 && !strncmp(a, "search_space.", 13)) {
			path = mlw_strndup(a + 13, (size_t)(b - a - 13));
			v = mlw_sweep_value_get(params, path);
			free(path);
			if (v) {
				mlw_sweep_value_format(&out, v);
				continue;
			}
		}
		mlw_buf_add(&out, open, (size_t)(close + 2 - open));
	}
	return mlw_buf_detach(&out, NULL);
}

/* --- the state of a sweep being run --------------------------------------- */

struct runner;

struct slot {
	struct runner *r;
	size_t index;
	const struct mlw_sweep_trial *trial;	/* the scheduler's */
	char *name;
	char *command;
	int in_process;
	double started;
	size_t flushes_before;		/* r->flushes when it started */
	atomic_int stop;		/* an enum mlw_sweep_stop_reason */
	/* how it ended */
	enum mlw_run_status status;
	int exit_code;			/* < 0: none */
	char *error;
	struct mlw_trial_record rec;	/* the sweep's row for it */
	struct slot *next;		/* in a queue */
	/* in-process: its run, recorded in batches (run/child.h) */
	struct mlw_child_run *child;
	struct mlw_train_trial tt;
	double fold_sum;
	int reported;			/* primary-metric reports */
	struct mlw_sweep_decision decision;	/* the policy's stop */
	int policy_stop;
	/* a process */
	struct mlw_job *job;
	struct mlw_job_watch watch;	/* its supervisor */
	size_t seen;			/* primary-metric points read */
};

/* a trial that has ended, until its records are written */
struct ended {
	struct mlw_trial_record rec;
	struct mlw_child_run *child;	/* in-process: its run */
	char *name;			/* a process: its run's name */
};

/*
 * The loop's thread holds lock but while it writes to the catalog, waits
 * or asks the scheduler for trials; a worker takes it to pick a trial
 * and when the trial ends.  With a sampler whose next point costs
 * nothing (self_schedule: not Bayesian, not AutoML), a worker ends its
 * trial itself (finish()) and draws the next ones, so that a trial in
 * flight costs no round trip through the loop's thread: the loop wakes
 * only to write records, enforce timeouts, start process trials or end.
 */
struct runner {
	const struct mlw_sweep_run *req;
	struct mlw_sweep *s;
	struct mlw_sweep_datasets *data;
	pthread_mutex_t lock;		/* everything below */
	pthread_cond_t work;		/* a trial was queued, or quit */
	pthread_cond_t done_cv;		/* a trial ended, or wake */
	pthread_t loop_thread;
	int self_schedule;
	int wake;			/* the loop has work */
	struct slot *queue, **queue_tail;
	struct slot *done, **done_tail;
	/* trials a worker drew that run as processes: the loop starts them */
	struct slot *handed, **handed_tail;
	int quit;
	int buffer_log;			/* log lines go to log, not log_fd */
	struct mlw_buf log;
	pthread_t *workers;
	size_t nr_workers;
	size_t nr_started;		/* workers started: all, or none yet */
	int budget;			/* threads of an in-process trial */
	struct slot **running;		/* by trial index */
	size_t nr_running_alloc;
	size_t processes;		/* process trials running */
	/* the best in-process model so far (under lock) */
	struct mlw_model best_model;
	int has_best_model;
	double best_model_value;
	size_t best_model_trial;
	/* ended trials whose records wait for the next flush */
	struct ended *pending;
	size_t nr_pending, alloc_pending;
	double last_flush;
	size_t flushes;			/* flushes begun */
	size_t in_process;
	/* of the lowest-numbered trials, whatever the order they ended in */
	char *first_error;
	size_t first_error_index;
	char *first_missing;		/* the first missing-metric hint */
	size_t first_missing_index;
	size_t flagged;			/* trials without it */
	size_t stopped[MLW_STOP_CANCEL + 1];	/* by reason */
	int fatal;			/* a catalog error: give up */
};

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void slog(struct runner *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * A line for the sweep's log (under the lock while the loop runs), kept
 * until the next flush writes it with the records it tells of.
 */
static void slog(struct runner *r, const char *fmt, ...)
{
	va_list ap;

	if (r->req->log_fd < 0)
		return;
	va_start(ap, fmt);
	mlw_buf_vaddf(&r->log, fmt, ap);
	va_end(ap);
	mlw_buf_addch(&r->log, '\n');
	if (!r->buffer_log || r->log.len >= LOG_BUFFER) {
		mlw_write_all(r->req->log_fd, r->log.buf, r->log.len);
		mlw_buf_reset(&r->log);
	}
}

/* v as the shortest text that reads back the same, in buf */
static const char *num(char buf[32], double v)
{
	mlw_fmt_double(buf, v);
	return buf;
}

static const char *primary(const struct runner *r)
{
	return r->req->cfg->primary_metric;
}

/* "alpha=0.1 kernel=rbf" */
static void params_text(struct mlw_buf *b, const struct mlw_sweep_value *p)
{
	struct mlw_strlist names = MLW_STRLIST_INIT, texts = MLW_STRLIST_INIT;
	size_t i;

	mlw_sweep_value_flatten(p, &names, &texts);
	for (i = 0; i < names.nr; i++)
		mlw_buf_addf(b, "%s%s=%s", i ? " " : "", names.items[i],
			     texts.items[i]);
	mlw_strlist_release(&names);
	mlw_strlist_release(&texts);
}

/*
 * The run of trial t, recorded by this process: its sampled values as
 * params (AutoML's without "model."), Queued.  0 or MLW_EINVALID.
 */
static int new_child(struct runner *r, struct slot *t)
{
	struct mlw_strlist names = MLW_STRLIST_INIT, texts = MLW_STRLIST_INIT;
	struct mlw_child_run_request req;
	struct mlw_run_kv *kv;
	size_t i;
	int ret;

	mlw_sweep_value_flatten(t->trial->params, &names, &texts);
	kv = mlw_calloc(names.nr + 1, sizeof(*kv));
	for (i = 0; i < names.nr; i++) {
		kv[i].key = names.items[i];
		if (r->req->automl && mlw_starts_with(kv[i].key, "model."))
			kv[i].key += 6;
		kv[i].value = texts.items[i];
	}
	memset(&req, 0, sizeof(req));
	req.parent = r->req->name;
	req.type = "command";
	req.name = t->name;
	req.params = kv;
	req.nr_params = names.nr;
	req.command = t->command;
	req.environment = r->req->environment;
	ret = mlw_child_run_new(&t->child, &req);
	if (!ret)
		mlw_child_run_status(t->child, MLW_RUN_QUEUED, 0);
	free(kv);
	mlw_strlist_release(&names);
	mlw_strlist_release(&texts);
	return ret;
}

/* --- in-process trials ---------------------------------------------------- */

/* the progress callback: a fold's primary metric to the scheduler */
static int on_progress(const struct mlw_progress *p, void *data)
{
	struct slot *t = data;
	struct runner *r = t->r;
	double v, now;

	if (atomic_load(&t->stop))
		return 1;
	if (!mlw_train_trial_metric(&v, &t->fold_sum, p, primary(r)))
		return 0;
	now = mono();
	mlw_child_run_metric(t->child, primary(r), v, p->step, 0);
	t->reported++;
	if (mlw_sweep_report(r->s, t->index, primary(r), p->step, v, now,
			     &t->decision) == 1) {
		t->policy_stop = 1;
		atomic_store(&t->stop, MLW_STOP_POLICY);
		return 1;
	}
	return 0;
}

/* keep res's model when it is the best so far */
static void keep_if_best(struct runner *r, struct slot *t,
			 struct mlw_train_result *res, double value)
{
	int maximize = r->req->cfg->maximize, better;

	if (!r->req->model_dir || !res->model.trainer || isnan(value))
		return;
	pthread_mutex_lock(&r->lock);
	better = !r->has_best_model || (maximize ? value > r->best_model_value :
					value < r->best_model_value);
	if (better) {
		if (r->has_best_model)
			mlw_model_release(&r->best_model);
		r->best_model = res->model;
		memset(&res->model, 0, sizeof(res->model));
		r->has_best_model = 1;
		r->best_model_value = value;
		r->best_model_trial = t->index;
	}
	pthread_mutex_unlock(&r->lock);
}

/* the value of metric name in res: a validation metric or train_NAME */
static int final_value(double *out, const struct mlw_train_result *res,
		       const char *name)
{
	if (mlw_train_metric_value(out, res->metrics, res->nr_metrics, name))
		return 1;
	return mlw_starts_with(name, "train_") &&
	       mlw_train_metric_value(out, res->train_metrics,
				      res->nr_train_metrics, name + 6);
}

/* train trial t; t->status says how it went */
static void run_in_process(struct runner *r, struct slot *t)
{
	struct mlw_train_result res;
	struct mlw_train_ctx ctx;
	double now, value = NAN;
	size_t i;
	int ret;

	mlw_train_ctx_init(&ctx, (uint64_t)t->tt.opts.seed);
	ctx.nr_threads = r->budget;
	ctx.progress = on_progress;
	ctx.progress_data = t;
	t->started = mono();
	mlw_child_run_status(t->child, MLW_RUN_RUNNING, 0);
	ret = mlw_train_trial_run(&res, &t->tt, r->data, &ctx);
	if (ret) {
		t->status = MLW_RUN_FAILED;
		t->exit_code = 1;
		t->error = mlw_strdup(mlw_error_last());
		return;
	}
	now = mlw_now();
	/* without folds the primary metric is known only now */
	if (!t->reported && final_value(&value, &res, primary(r))) {
		mlw_child_run_metric(t->child, primary(r), value, 1, now);
		if (mlw_sweep_report(r->s, t->index, primary(r), 1, value,
				     mono(), &t->decision) == 1)
			t->policy_stop = 1;
		t->reported = 1;
	}
	for (i = 0; i < res.nr_metrics + res.nr_train_metrics; i++) {
		int train = i >= res.nr_metrics;
		const struct mlw_metric *m = train ?
			&res.train_metrics[i - res.nr_metrics] :
			&res.metrics[i];
		char *key = mlw_xstrfmt("%s%s", train ? "train_" : "",
					m->name);

		if (strcmp(key, primary(r)))
			mlw_child_run_metric(t->child, key, m->value, 0, now);
		if (!t->reported)	/* for the missing-metric hint */
			mlw_sweep_report(r->s, t->index, key, 0, m->value,
					 mono(), NULL);
		free(key);
	}
	if (res.stopped || atomic_load(&t->stop)) {
		t->status = MLW_RUN_CANCELED;
	} else {
		t->status = MLW_RUN_COMPLETED;
		t->exit_code = 0;
		if (!final_value(&value, &res, primary(r)))
			value = NAN;
		keep_if_best(r, t, &res, value);
	}
	mlw_train_result_release(&res);
}

static void finish(struct runner *r, struct slot *t);
static void start(struct runner *r, const struct mlw_sweep_trial *tr);

/*
 * Under the lock: start the trials the scheduler hands out now.  The
 * lock is let go while it decides, so that a Bayesian next point does
 * not hold up the workers.  Returns mlw_sweep_next()'s last answer.
 */
static int draw(struct runner *r)
{
	const struct mlw_sweep_trial *tr;
	int ret;

	for (;;) {
		pthread_mutex_unlock(&r->lock);
		ret = mlw_sweep_next(r->s, mono(), &tr);
		pthread_mutex_lock(&r->lock);
		if (ret != MLW_SWEEP_NEW)
			return ret;
		start(r, tr);
	}
}

/* under the lock: a worker ends trial t itself and draws the next ones */
static void end_and_draw(struct runner *r, struct slot *t)
{
	finish(r, t);
	if (r->fatal || r->quit || draw(r) != MLW_SWEEP_WAIT ||
	    r->nr_pending >= FLUSH_RECORDS)
		r->wake = 1;
	if (r->wake)
		pthread_cond_signal(&r->done_cv);
}

static void *worker(void *data)
{
	struct runner *r = data;
	struct slot *t;

	pthread_mutex_lock(&r->lock);
	for (;;) {
		while (!r->queue && !r->quit)
			pthread_cond_wait(&r->work, &r->lock);
		if (!r->queue)
			break;
		t = r->queue;
		r->queue = t->next;
		if (!r->queue)
			r->queue_tail = &r->queue;
		t->next = NULL;
		pthread_mutex_unlock(&r->lock);
		if (atomic_load(&t->stop)) {
			t->status = MLW_RUN_CANCELED;
		} else {
			run_in_process(r, t);
		}
		pthread_mutex_lock(&r->lock);
		if (r->self_schedule) {
			end_and_draw(r, t);
			continue;
		}
		*r->done_tail = t;
		r->done_tail = &t->next;
		pthread_cond_signal(&r->done_cv);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

/*
 * The worker threads, started with the first in-process trial: a sweep
 * whose trials are processes stays single-threaded, so that forking a
 * trial's supervisor (which goes on running mlw's code, no exec) never
 * copies a lock another thread held, such as the allocator's.
 */
static void start_workers(struct runner *r)
{
	const struct mlw_lapack *la;

	if (r->nr_started)
		return;
	/*
	 * LAPACK is loaded while this thread is the only one (lapack.h:
	 * the load sets OpenBLAS's environment); a trial that cannot load
	 * it says so itself.
	 */
	if (mlw_lapack_load(&la))
		mlw_error_clear();
	for (; r->nr_started < r->nr_workers; r->nr_started++)
		if (pthread_create(&r->workers[r->nr_started], NULL, worker,
				   r))
			BUG("cannot start a worker thread");
}

/* --- trials as processes -------------------------------------------------- */

/* a process trial's sampled values as params, once it is recorded */
static int process_params(struct runner *r, struct slot *t)
{
	struct mlw_strlist names = MLW_STRLIST_INIT, texts = MLW_STRLIST_INIT;
	struct mlw_catalog *cat;
	int64_t id;
	size_t i;
	int ret = mlw_repo_catalog(&cat, r->req->repo);

	if (!ret)
		ret = mlw_run_get_id(&id, cat, t->name);
	if (!ret)
		ret = mlw_catalog_begin(cat);
	if (ret)
		return ret;
	mlw_sweep_value_flatten(t->trial->params, &names, &texts);
	for (i = 0; !ret && i < names.nr; i++)
		ret = mlw_run_log_param(cat, id, names.items[i],
					texts.items[i]);
	if (!ret)
		ret = mlw_catalog_commit(cat);
	else
		mlw_catalog_rollback(cat);
	mlw_strlist_release(&names);
	mlw_strlist_release(&texts);
	return ret;
}

static int start_process(struct runner *r, struct slot *t)
{
	int ret;

	ret = r->req->prepare_trial(&t->job, r->req->prepare_data, t->name,
				    t->command, t->trial->params);
	if (!ret)
		ret = mlw_job_submit(&t->watch, t->job, r->req->trial_opts);
	if (ret)
		return ret;
	if (process_params(r, t)) {
		slog(r, "%s: cannot record its params: %s", t->name,
		     mlw_error_last());
		mlw_error_clear();
	}
	fcntl(t->watch.fd, F_SETFL, O_NONBLOCK);
	r->processes++;
	return 0;
}

/* new points of the primary metric to the scheduler; 1: stop it */
static int poll_metrics(struct runner *r, struct slot *t,
			struct mlw_catalog *cat)
{
	struct mlw_run_metric *m;
	size_t nr, i;
	int stop = 0;

	if (!t->rec.run_id && mlw_run_get_id(&t->rec.run_id, cat, t->name))
		return 0;
	if (mlw_run_metric_history(&m, &nr, cat, t->rec.run_id, primary(r)))
		return 0;
	for (i = t->seen; i < nr; i++) {
		if (mlw_sweep_report(r->s, t->index, primary(r), m[i].step,
				     m[i].value, mono(), &t->decision) == 1 &&
		    !stop) {
			t->policy_stop = stop = 1;
		}
		t->reported++;
	}
	t->seen = nr;
	mlw_run_metrics_free(m, nr);
	return stop;
}

/* has the trial's supervisor gone (end-of-file on its channel)? */
static int process_ended(struct slot *t)
{
	char buf[4096];
	ssize_t n;

	for (;;) {
		n = read(t->watch.fd, buf, sizeof(buf));
		if (n > 0) {
			if (t->watch.msg.len < 65536)
				mlw_buf_add(&t->watch.msg, buf, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		t->watch.eof = n == 0;
		return n == 0;
	}
}

/* the end of a process trial, as its own supervisor recorded it */
static void end_process(struct runner *r, struct slot *t,
			struct mlw_catalog *cat)
{
	struct mlw_run *run = NULL;
	size_t i;

	mlw_job_watch_release(&t->watch);
	r->processes--;
	t->status = MLW_RUN_FAILED;
	if (mlw_run_get(&run, cat, t->name) ||
	    mlw_run_load_details(cat, run)) {
		/* the log says why the trial counts as Failed */
		t->error = mlw_xstrfmt("its record cannot be read: %s",
				       mlw_error_last());
	} else if (!mlw_run_status_terminal(run->status)) {
		/* its supervisor died before it recorded the end */
		t->error = mlw_xstrfmt("its supervisor ended with the run "
				       "%s", mlw_run_status_name(run->status));
	} else {
		t->status = run->status;
		if (run->error)
			t->error = mlw_strdup(run->error);
		/* what it logged instead, for the missing-metric hint */
		for (i = 0; !t->reported && i < run->nr_metrics; i++)
			mlw_sweep_report(r->s, t->index, run->metrics[i].key,
					 0, run->metrics[i].value, mono(),
					 NULL);
	}
	mlw_error_clear();
	mlw_run_free(run);
	mlw_job_free(t->job);
	t->job = NULL;
}

/* --- the loop ------------------------------------------------------------- */

static struct slot *slot_of(struct runner *r, size_t index)
{
	return index < r->nr_running_alloc ? r->running[index] : NULL;
}

/* free t, whose run (if it has one in memory) is another's now */
static void free_slot(struct slot *t)
{
	mlw_trial_record_release(&t->rec);
	mlw_train_trial_release(&t->tt);
	mlw_job_free(t->job);
	mlw_job_watch_release(&t->watch);
	free(t->error);
	free(t->name);
	free(t->command);
	free(t);
}

/* the sweep rows of the trials a flush writes */
struct rows {
	int64_t sweep;
	struct ended *ended;
	size_t nr;
};

/* in the flush's transaction: the rows, the trials' runs written */
static int write_rows(struct mlw_catalog *cat, void *data)
{
	struct rows *rows = data;
	struct mlw_trial_record *recs;
	size_t i;
	int ret = 0;

	if (!rows->nr)
		return 0;
	recs = mlw_calloc(rows->nr, sizeof(*recs));
	for (i = 0; !ret && i < rows->nr; i++) {
		struct ended *e = &rows->ended[i];

		if (e->child)
			e->rec.run_id = mlw_child_run_flush_id(e->child);
		else
			ret = mlw_run_get_id(&e->rec.run_id, cat, e->name);
		recs[i] = e->rec;	/* borrowed */
	}
	if (!ret)
		ret = mlw_sweep_record_trials(cat, rows->sweep, recs,
					      rows->nr);
	free(recs);
	return ret;
}

/*
 * Write what is waiting, under the lock, which is let go meanwhile (the
 * workers go on; what ends meanwhile waits for the next flush): the log
 * lines, then in one transaction the in-process trials' runs
 * (everything they logged since the last flush) and the sweep rows of
 * the trials that ended, so that a trial is in the catalog whole or not
 * at all.  Only the loop's thread flushes, and only a flush frees an
 * ended trial's run, so the runs taken here outlive it.
 */
static int flush(struct runner *r)
{
	struct mlw_child_run **children;
	struct mlw_catalog *cat;
	struct mlw_buf log = r->log;
	struct rows rows;
	size_t i, n = 0;
	int ret;

	r->last_flush = mono();
	r->flushes++;
	rows.sweep = r->req->run_id;
	rows.ended = r->pending;
	rows.nr = r->nr_pending;
	children = mlw_calloc(r->nr_running_alloc + rows.nr + 1,
			      sizeof(*children));
	/*
	 * A running trial's records (its status, its folds so far) wait
	 * for the flush after the one that follows its start: a flush
	 * holds the lock of each run it writes until it commits, and the
	 * trial's worker, logging its next fold, would wait for it.  A
	 * short trial thus never waits; a long one shows Running and its
	 * folds at most two flushes late.
	 */
	for (i = 0; i < r->nr_running_alloc; i++)
		if (r->running[i] && r->running[i]->child &&
		    r->running[i]->flushes_before + 1 < r->flushes &&
		    mlw_child_run_pending(r->running[i]->child))
			children[n++] = r->running[i]->child;
	for (i = 0; i < rows.nr; i++)
		if (rows.ended[i].child)
			children[n++] = rows.ended[i].child;
	mlw_buf_init(&r->log, 0);
	r->pending = NULL;
	r->nr_pending = r->alloc_pending = 0;
	pthread_mutex_unlock(&r->lock);

	if (log.len)
		mlw_write_all(r->req->log_fd, log.buf, log.len);
	mlw_buf_release(&log);
	ret = mlw_repo_catalog(&cat, r->req->repo);
	if (!ret && (n || rows.nr))
		ret = mlw_child_run_flush_with(cat, children, n, write_rows,
					       &rows);
	free(children);
	for (i = 0; i < rows.nr; i++) {
		mlw_trial_record_release(&rows.ended[i].rec);
		mlw_child_run_free(rows.ended[i].child);
		free(rows.ended[i].name);
	}
	free(rows.ended);

	pthread_mutex_lock(&r->lock);
	if (ret && !r->fatal)
		r->fatal = ret;
	return ret;
}

/* trial t has ended: tell the scheduler, log it, queue its records */
static void finish(struct runner *r, struct slot *t)
{
	enum mlw_sweep_trial_state state;
	struct mlw_sweep_trial info;
	struct mlw_buf b = MLW_BUF_INIT;
	struct ended *e;
	int stop = atomic_load(&t->stop);
	char v[32];

	switch (t->status) {
	case MLW_RUN_COMPLETED:
		state = MLW_TRIAL_COMPLETED;
		break;
	case MLW_RUN_CANCELED:
		state = MLW_TRIAL_CANCELED;
		break;
	default:
		state = MLW_TRIAL_FAILED;
		break;
	}
	/*
	 * A trial stopped but that ended on its own is still Completed; one
	 * stopped before it logged anything is not flagged: it had no
	 * chance to.
	 */
	if (mlw_sweep_finish(r->s, t->index, state, mono()) == 1 &&
	    !(stop && state == MLW_TRIAL_CANCELED)) {
		mlw_sweep_missing_metric_hint(r->s, t->index, &b);
		t->rec.missing = mlw_buf_detach(&b, NULL);
		slog(r, "%s: flagged: %s", t->name, t->rec.missing);
		if (!r->first_missing || t->index < r->first_missing_index) {
			free(r->first_missing);
			r->first_missing = mlw_strdup(t->rec.missing);
			r->first_missing_index = t->index;
		}
		r->flagged++;
	}
	mlw_sweep_trial_info(r->s, t->index, &info);
	t->rec.index = t->index;
	t->rec.objective = info.objective;
	if (stop && state == MLW_TRIAL_CANCELED) {
		r->stopped[stop]++;
		t->rec.stopped = mlw_sweep_stop_reason_name(stop);
		if (stop == MLW_STOP_POLICY) {
			mlw_sweep_decision_format(&b, &t->decision,
						  &r->req->cfg->policy,
						  r->req->cfg->maximize);
			t->rec.decision = mlw_buf_detach(&b, NULL);
		}
		/* a process trial's own record says only "canceled" */
		free(t->error);
		t->error = mlw_xstrfmt("stopped by %s%s%s",
				stop == MLW_STOP_POLICY ?
				mlw_sweep_policy_name(r->req->cfg->policy.type)
				: mlw_sweep_stop_reason_name(stop),
				t->rec.decision ? ": " : "",
				t->rec.decision ? t->rec.decision : "");
	}
	if (state == MLW_TRIAL_FAILED &&
	    (!r->first_error || t->index < r->first_error_index)) {
		free(r->first_error);
		r->first_error_index = t->index;
		r->first_error = mlw_xstrfmt("%s: %s", t->name, t->error ?
					     t->error : "failed");
	}
	if (isnan(info.objective))
		slog(r, "%s: %s%s%s", t->name, mlw_run_status_name(t->status),
		     t->error ? ": " : "", t->error ? t->error : "");
	else
		slog(r, "%s: %s, %s %s%s%s", t->name,
		     mlw_run_status_name(t->status), primary(r),
		     num(v, info.objective), t->rec.stopped ? ": " : "",
		     t->rec.stopped ? t->error : "");
	mlw_buf_release(&b);
	if (t->child)
		mlw_child_run_finish(t->child, t->status, t->exit_code,
				     t->error, 0);
	MLW_ALLOC_GROW(r->pending, r->nr_pending + 1, r->alloc_pending);
	e = &r->pending[r->nr_pending++];
	e->rec = t->rec;
	memset(&t->rec, 0, sizeof(t->rec));	/* e's now */
	e->child = t->child;
	e->name = t->child ? NULL : mlw_strdup(t->name);
	r->running[t->index] = NULL;
	free_slot(t);
}

/* trial t could not start: recorded here, Failed with why */
static void not_started(struct runner *r, struct slot *t)
{
	t->status = MLW_RUN_FAILED;
	t->error = mlw_xstrfmt("cannot start: %s", mlw_error_last());
	mlw_job_free(t->job);
	t->job = NULL;
	if (!t->child && new_child(r, t))
		BUG("trial name '%s' refused", t->name);
	finish(r, t);
}

/*
 * Start trial tr, under the lock: in-process when its command trains,
 * else a process (started by the loop's thread).
 */
static void start(struct runner *r, const struct mlw_sweep_trial *tr)
{
	struct slot *t = mlw_calloc(1, sizeof(*t));
	struct mlw_buf b = MLW_BUF_INIT;

	t->r = r;
	t->flushes_before = r->flushes;
	mlw_job_watch_init(&t->watch, 0, -1);
	t->index = tr->index;
	t->trial = tr;
	t->exit_code = -1;
	mlw_trial_record_release(&t->rec);
	t->name = mlw_xstrfmt("%s_%zu", r->req->name, tr->index);
	if (r->req->automl)
		t->command = mlw_automl_trial_command(r->req->automl,
						      tr->params,
						      r->req->data_path,
						      r->req->validation_args);
	else
		t->command = mlw_sweep_bind_trial(r->req->command, tr->params);
	if (tr->index >= r->nr_running_alloc) {
		size_t old = r->nr_running_alloc;

		MLW_ALLOC_GROW(r->running, tr->index + 1,
			       r->nr_running_alloc);
		memset(r->running + old, 0,
		       (r->nr_running_alloc - old) * sizeof(*r->running));
	}
	r->running[tr->index] = t;
	params_text(&b, tr->params);
	t->in_process = !r->req->no_in_process &&
			mlw_train_trial_parse_in(&t->tt, t->command,
						 r->data) == 1;
	slog(r, "%s: started%s: %s", t->name, t->in_process ?
	     " in-process" : "", b.buf);
	mlw_buf_release(&b);
	if (t->in_process && new_child(r, t)) {
		not_started(r, t);
	} else if (t->in_process) {
		r->in_process++;
		start_workers(r);
		*r->queue_tail = t;
		r->queue_tail = &t->next;
		pthread_cond_signal(&r->work);
	} else if (!pthread_equal(pthread_self(), r->loop_thread)) {
		/* forking is the loop's: see start_workers() */
		*r->handed_tail = t;
		r->handed_tail = &t->next;
		r->wake = 1;
	} else if (start_process(r, t)) {
		not_started(r, t);
	}
}

/* a stop the scheduler asks for */
static void deliver_stop(struct runner *r, const struct mlw_sweep_stop *st)
{
	struct slot *t = slot_of(r, st->trial);

	if (!t)
		return;
	atomic_store(&t->stop, (int)st->reason);
	slog(r, "%s: stopping: %s", t->name,
	     mlw_sweep_stop_reason_name(st->reason));
	if (!t->in_process && t->watch.fd >= 0 &&
	    mlw_job_cancel(r->req->repo, t->name, 0))
		mlw_error_clear();
}

/* the process trials: their metrics, their ends */
static void poll_processes(struct runner *r)
{
	struct mlw_catalog *cat;
	size_t i;

	/* the trials' supervisors that have told their end and exited */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	if (!r->processes || mlw_repo_catalog(&cat, r->req->repo))
		return;
	for (i = 0; i < r->nr_running_alloc; i++) {
		struct slot *t = r->running[i];

		if (!t || t->in_process || t->watch.fd < 0)
			continue;
		if (poll_metrics(r, t, cat) && !atomic_load(&t->stop)) {
			struct mlw_sweep_stop st = { t->index,
						     MLW_STOP_POLICY };

			deliver_stop(r, &st);
		}
		if (process_ended(t)) {
			poll_metrics(r, t, cat);
			end_process(r, t, cat);
			finish(r, t);
		}
	}
}

/* under the lock: the trials the workers have finished */
static void collect(struct runner *r)
{
	struct slot *done = r->done, *handed = r->handed;

	r->done = NULL;
	r->done_tail = &r->done;
	while (done) {
		struct slot *next = done->next;

		finish(r, done);
		done = next;
	}
	/* the process trials the workers drew */
	r->handed = NULL;
	r->handed_tail = &r->handed;
	while (handed) {
		struct slot *next = handed->next;

		handed->next = NULL;
		if (start_process(r, handed))
			not_started(r, handed);
		handed = next;
	}
}

/* under the lock: wait until a worker has work for the loop, or until */
static void wait_until(struct runner *r, double until)
{
	double now = mono(), d;
	struct timespec ts;

	if (until <= now)
		return;
	d = until - now;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)d;
	ts.tv_nsec += (long)((d - floor(d)) * 1e9);
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	if (!r->done && !r->wake)
		pthread_cond_timedwait(&r->done_cv, &r->lock, &ts);
	r->wake = 0;
}

static void loop(struct runner *r)
{
	struct mlw_sweep_stop stops[MAX_STOPS];
	int canceled = 0, closed = 0, ret;
	size_t n, i;

	pthread_mutex_lock(&r->lock);
	r->buffer_log = 1;
	while (!r->fatal) {
		double until;

		if (!canceled && r->req->cancel &&
		    atomic_load(r->req->cancel)) {
			canceled = 1;
			slog(r, "sweep canceled: stopping every trial");
			mlw_sweep_cancel(r->s);
		}
		/* ended trials first: their places go to new ones */
		collect(r);
		poll_processes(r);
		if (r->req->automl && !closed) {
			struct mlw_buf why = MLW_BUF_INIT;

			if (mlw_automl_should_stop(r->req->automl, r->s,
						   &why)) {
				slog(r, "%s; no more trials", why.buf);
				mlw_sweep_close(r->s);
				closed = 1;
			}
			mlw_buf_release(&why);
		}
		ret = draw(r);
		if (ret < 0 && !closed) {
			slog(r, "the sampler failed: %s; no more trials",
			     mlw_error_last());
			mlw_sweep_close(r->s);
			closed = 1;
		}
		do {
			n = mlw_sweep_poll(r->s, mono(), stops, MAX_STOPS);
			for (i = 0; i < n; i++)
				deliver_stop(r, &stops[i]);
		} while (n == MAX_STOPS);
		if (r->nr_pending >= FLUSH_RECORDS ||
		    mono() - r->last_flush >= FLUSH_SECONDS)
			flush(r);
		if (mlw_sweep_done(r->s, mono()))
			break;
		/* processes are polled; workers wake us when they finish */
		until = mono() + (r->processes ? 0.05 : 0.1);
		if (mlw_sweep_deadline(r->s) < until)
			until = mlw_sweep_deadline(r->s);
		if (r->in_process && r->last_flush + FLUSH_SECONDS < until)
			until = r->last_flush + FLUSH_SECONDS;
		wait_until(r, until);
	}
	collect(r);
	flush(r);
	r->buffer_log = 0;
	pthread_mutex_unlock(&r->lock);
}

/* policy text for the sweeps table: "bandit (slack_factor 0.1, ...)" */
static char *policy_text(const struct mlw_sweep_policy *p)
{
	if (p->type == MLW_POLICY_NONE)
		return NULL;
	if (p->type == MLW_POLICY_BANDIT)
		return mlw_xstrfmt("bandit (%s %g, evaluation_interval %lld, "
				   "delay_evaluation %lld)",
				   p->has_slack_factor ? "slack_factor" :
				   "slack_amount", p->has_slack_factor ?
				   p->slack_factor : p->slack_amount,
				   (long long)p->evaluation_interval,
				   (long long)p->delay_evaluation);
	if (p->type == MLW_POLICY_TRUNCATION_SELECTION)
		return mlw_xstrfmt("truncation_selection "
				   "(truncation_percentage %d, "
				   "exclude_finished_jobs %s, "
				   "evaluation_interval %lld, "
				   "delay_evaluation %lld)",
				   p->truncation_percentage,
				   p->exclude_finished ? "true" : "false",
				   (long long)p->evaluation_interval,
				   (long long)p->delay_evaluation);
	return mlw_xstrfmt("median_stopping (evaluation_interval %lld, "
			   "delay_evaluation %lld)",
			   (long long)p->evaluation_interval,
			   (long long)p->delay_evaluation);
}

/* the sweep's row in the sweeps table */
static int record_sweep(struct runner *r)
{
	const struct mlw_sweep_run *req = r->req;
	struct mlw_sweep_info info;
	struct mlw_catalog *cat;
	struct mlw_buf notes = MLW_BUF_INIT;
	char *policy = policy_text(&req->cfg->policy);
	size_t i;
	int ret;

	memset(&info, 0, sizeof(info));
	info.kind = req->automl ? "automl" : "sweep";
	info.algorithm = mlw_sweep_algorithm_name(req->cfg->algorithm);
	info.seed = req->cfg->seed;
	info.primary_metric = req->cfg->primary_metric;
	info.maximize = req->cfg->maximize;
	info.policy = policy;
	for (i = 0; req->automl && i < req->automl->notes.nr; i++)
		mlw_buf_addf(&notes, "%s%s", i ? "\n" : "",
			     req->automl->notes.items[i]);
	info.notes = notes.len ? notes.buf : NULL;
	ret = mlw_repo_catalog(&cat, req->repo);
	if (!ret)
		ret = mlw_sweep_record_sweep(cat, req->run_id, &info);
	mlw_buf_release(&notes);
	free(policy);
	return ret;
}

/* why no trial is the best: the sweep's error */
static char *why_failed(const struct runner *r,
			const struct mlw_sweep_stats *st)
{
	struct mlw_buf b = MLW_BUF_INIT;
	int i, n = 0;

	if (!st->trials)
		return mlw_strdup("no trial was run");
	if (st->failed == st->trials)
		return mlw_xstrfmt("all %zu trials failed; %s", st->trials,
				   r->first_error);
	if (r->first_missing)
		return mlw_xstrfmt("no trial logged the primary metric '%s'; "
				   "%s", primary(r), r->first_missing);
	mlw_buf_addf(&b, "no trial completed with a value of '%s': %zu "
		     "completed, %zu failed, %zu canceled", primary(r),
		     st->completed, st->failed, st->canceled);
	for (i = MLW_STOP_POLICY; i <= MLW_STOP_CANCEL; i++)
		if (r->stopped[i])
			mlw_buf_addf(&b, "%s%zu by %s", n++ ? ", " : " (",
				     r->stopped[i],
				     mlw_sweep_stop_reason_name(i));
	if (n)
		mlw_buf_addch(&b, ')');
	return mlw_buf_detach(&b, NULL);
}

/* the end: the best trial, the status and why */
static int conclude(struct runner *r, struct mlw_sweep_outcome *out)
{
	struct mlw_catalog *cat;
	size_t best;
	double value;
	int ret;

	mlw_sweep_stats(r->s, &out->stats);
	out->in_process = r->in_process;
	if (!mlw_sweep_best(r->s, &best, &value)) {
		out->best = mlw_xstrfmt("%s_%zu", r->req->name, best);
		out->best_value = value;
		char v[32];

		slog(r, "best trial: %s, %s %s", out->best, primary(r),
		     num(v, value));
	}
	mlw_error_clear();
	if (r->req->cancel && atomic_load(r->req->cancel)) {
		out->status = MLW_RUN_CANCELED;
		out->error = mlw_strdup("canceled");
	} else if (out->best) {
		out->status = MLW_RUN_COMPLETED;
	} else {
		out->status = MLW_RUN_FAILED;
		out->error = why_failed(r, &out->stats);
	}
	if (r->has_best_model && out->best &&
	    r->best_model_trial == best) {
		ret = mlw_model_write_unsynced(&r->best_model,
					       r->req->model_dir);
		if (ret)
			return ret;
		out->best_in_process = 1;
	}
	ret = mlw_repo_catalog(&cat, r->req->repo);
	if (!ret)
		ret = mlw_sweep_record_best(cat, r->req->run_id, out->best,
					    out->best_value);
	return ret;
}

int mlw_sweep_supervise(struct mlw_sweep_outcome *out,
			const struct mlw_sweep_run *req)
{
	struct runner r;
	long cpus = req->nr_cpus > 0 ? req->nr_cpus :
		    sysconf(_SC_NPROCESSORS_ONLN);
	double t0 = mono();
	size_t i;
	int ret;

	memset(out, 0, sizeof(*out));
	memset(&r, 0, sizeof(r));
	r.req = req;
	mlw_buf_init(&r.log, 0);
	r.queue_tail = &r.queue;
	r.done_tail = &r.done;
	r.handed_tail = &r.handed;
	r.loop_thread = pthread_self();
	r.self_schedule = !req->automl &&
			  req->cfg->algorithm != MLW_SAMPLE_BAYESIAN;
	r.last_flush = mono();
	pthread_mutex_init(&r.lock, NULL);
	pthread_cond_init(&r.work, NULL);
	pthread_cond_init(&r.done_cv, NULL);
	if (cpus < 1)
		cpus = 1;
	r.nr_workers = (size_t)cpus;
	if ((int64_t)r.nr_workers > req->cfg->limits.max_concurrent_trials)
		r.nr_workers = (size_t)req->cfg->limits.max_concurrent_trials;
	r.budget = (int)(cpus / (long)r.nr_workers);
	if (r.budget < 1)
		r.budget = 1;
	ret = record_sweep(&r);
	if (!ret)
		ret = mlw_sweep_new(&r.s, req->cfg, mono());
	if (ret)
		goto out;
	r.data = req->datasets ? req->datasets : mlw_sweep_datasets_new();
	slog(&r, "%s: %s sampling, seed %llu, %s %s; up to %lld trials, "
	     "%lld at a time (%zu in-process workers, %d threads each)",
	     req->name, mlw_sweep_algorithm_name(req->cfg->algorithm),
	     (unsigned long long)req->cfg->seed,
	     req->cfg->maximize ? "maximize" : "minimize", primary(&r),
	     (long long)req->cfg->limits.max_total_trials,
	     (long long)req->cfg->limits.max_concurrent_trials,
	     r.nr_workers, r.budget);
	for (i = 0; req->automl && i < req->automl->notes.nr; i++)
		slog(&r, "note: %s", req->automl->notes.items[i]);
	r.workers = mlw_calloc(r.nr_workers, sizeof(*r.workers));
	loop(&r);
	pthread_mutex_lock(&r.lock);
	r.quit = 1;
	pthread_cond_broadcast(&r.work);
	pthread_mutex_unlock(&r.lock);
	for (i = 0; i < r.nr_started; i++)
		pthread_join(r.workers[i], NULL);
	ret = r.fatal;
	if (!ret)
		ret = conclude(&r, out);
	out->seconds = mono() - t0;
	slog(&r, "%zu trials in %.3f s (%zu in-process): %zu completed, "
	     "%zu failed, %zu canceled (%zu by the policy), %zu without "
	     "the primary metric", out->stats.trials, out->seconds,
	     out->in_process, out->stats.completed, out->stats.failed,
	     out->stats.canceled, out->stats.stopped_by_policy, r.flagged);
out:
	for (i = 0; i < r.nr_running_alloc; i++)
		if (r.running[i]) {
			mlw_child_run_free(r.running[i]->child);
			free_slot(r.running[i]);
		}
	for (i = 0; i < r.nr_pending; i++) {
		mlw_trial_record_release(&r.pending[i].rec);
		mlw_child_run_free(r.pending[i].child);
		free(r.pending[i].name);
	}
	free(r.pending);
	free(r.running);
	free(r.workers);
	free(r.first_error);
	free(r.first_missing);
	mlw_buf_release(&r.log);
	if (r.has_best_model)
		mlw_model_release(&r.best_model);
	if (r.data != req->datasets)
		mlw_sweep_datasets_free(r.data);
	mlw_sweep_free(r.s);
	pthread_cond_destroy(&r.done_cv);
	pthread_cond_destroy(&r.work);
	pthread_mutex_destroy(&r.lock);
	return ret;
}

void mlw_sweep_outcome_release(struct mlw_sweep_outcome *out)
{
	free(out->error);
	free(out->best);
	memset(out, 0, sizeof(*out));
}

/*
 * supervise.c - the supervisor of a run; see supervise.h.
 *
 * mlw_run_supervise() is a sequence of steps, each taking the state in
 * struct supervisor: open, starting, spawn, running, wait, exited,
 * collect, end, close.  Status transitions are few on purpose: a short
 * job's transactions were a good part of its time, so when no hook
 * listens for each change, Starting is written with Running and
 * Finalizing with the end, each pair in one transaction (their times are
 * still taken when they happen).
 */
#include "run/supervise.h"
#include "compute/placement.h"
#include "run/collect.h"
#include "run/event.h"
#include "run/notify.h"
#include "run/pattern.h"
#include "run/run.h"
#include "run/workdir.h"
#include "store/catalog.h"
#include "store/odb.h"
#include "store/repo.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void mlw_run_plan_release(struct mlw_run_plan *plan)
{
	size_t i;

	free(plan->command);
	free(plan->cwd);
	free(plan->metrics_pattern);
	mlw_strlist_release(&plan->env);
	for (i = 0; i < plan->nr_outputs; i++) {
		free(plan->outputs[i].name);
		free(plan->outputs[i].type);
		free(plan->outputs[i].asset_name);
		free(plan->outputs[i].asset_version);
	}
	free(plan->outputs);
	mlw_placement_free(plan->placement);
	memset(plan, 0, sizeof(*plan));
}

char *mlw_run_plan_json(const struct mlw_run_plan *plan)
{
	json_t *j = json_object(), *env = json_array(), *outs = json_array();
	json_t *reg = json_array();
	char *text;
	size_t i;

	json_object_set_new(j, "command", json_string(plan->command));
	json_object_set_new(j, "cwd", json_string(plan->cwd));
	json_object_set_new(j, "timeout", json_real(plan->timeout));
	if (plan->keep_workdir)
		json_object_set_new(j, "keep_workdir", json_true());
	json_object_set_new(j, "made_dirs", json_integer(plan->made_dirs));
	if (plan->metrics_pattern)
		json_object_set_new(j, "metrics_pattern",
				    json_string(plan->metrics_pattern));
	for (i = 0; i < plan->env.nr; i++)
		json_array_append_new(env, json_string(plan->env.items[i]));
	for (i = 0; i < plan->nr_outputs; i++) {
		const struct mlw_run_plan_output *o = &plan->outputs[i];
		json_t *r;

		json_array_append_new(outs, json_string(o->name));
		if (!o->asset_name)
			continue;
		r = json_object();
		json_object_set_new(r, "output", json_string(o->name));
		json_object_set_new(r, "type", json_string(o->type));
		json_object_set_new(r, "name", json_string(o->asset_name));
		if (o->asset_version)
			json_object_set_new(r, "version",
					    json_string(o->asset_version));
		json_array_append_new(reg, r);
	}
	json_object_set_new(j, "env", env);
	json_object_set_new(j, "outputs", outs);
	json_object_set_new(j, "register", reg);
	text = mlw_json_dumps(j, MLW_JSON_INDENT);
	json_decref(j);
	return text;
}

/* A supervisor's state, from its request to the end of the run. */
struct supervisor {
	const struct mlw_supervise_request *req;
	const struct mlw_run_plan *plan;
	struct mlw_repo *repo;
	struct mlw_catalog *cat;
	struct mlw_odb *odb;
	const char *name;
	struct mlw_run *run;
	int log_fd;
	struct mlw_pattern *pattern;
	struct mlw_buf line;
	struct mlw_metric_writer *mw;

	double deadline;	/* 0: none */
	int pipefd[2];		/* the command's output */
	struct mlw_strlist words;	/* the command, when only words */
	const char **argv;
	struct mlw_exec_request xreq;
	struct mlw_exec exec;
	int started;
	struct mlw_exec_status status;
	enum mlw_run_status final;
	char *why;		/* why it did not complete */
	double t_starting, t_finalizing;
	int status_hook;	/* a hook listens to every status change */
	int finalizing_pending;	/* Finalizing written with the end */
};

/* how a step of the supervisor went: on, to the end, or out at once */
enum sv_next { SV_GO, SV_FINISH, SV_OUT };

static void sv_log(struct supervisor *sv, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void sv_log(struct supervisor *sv, const char *fmt, ...)
{
	struct mlw_buf b = MLW_BUF_INIT;
	va_list ap;

	mlw_buf_adds(&b, "mlw: ");
	va_start(ap, fmt);
	mlw_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	mlw_buf_addch(&b, '\n');
	if (sv->log_fd >= 0)
		mlw_write_all(sv->log_fd, b.buf, b.len);
	mlw_buf_release(&b);
}

/* the collector's lines go to the log */
static void sv_say(const char *line, void *data)
{
	sv_log(data, "%s", line);
}

static int canceled(const struct supervisor *sv)
{
	return sv->req->cancel && atomic_load(sv->req->cancel);
}

static void transition(struct supervisor *sv, enum mlw_run_status s)
{
	if (!mlw_run_set_status(sv->cat, sv->name, s, mlw_now()))
		mlw_run_fire_hooks(sv->repo, sv->cat, sv->name);
}

/* metric lines: NAME=VALUE (or the spec's pattern) on the job's output */
static void scan_line(struct supervisor *sv, const char *line, size_t len)
{
	struct mlw_pattern_match m[16];
	int i, n = mlw_pattern_scan(sv->pattern, line, len, m, 16);

	for (i = 0; i < n; i++) {
		char *key = mlw_strndup(m[i].name, m[i].name_len);
		char *val = mlw_strndup(m[i].value, m[i].value_len);
		double v;

		if (!mlw_parse_double(&v, val, "metric")) {
			if (!sv->mw && !mlw_catalog_begin(sv->cat) &&
			    mlw_metric_writer_new(&sv->mw, sv->cat,
						  sv->run->id))
				mlw_catalog_rollback(sv->cat);
			if (sv->mw)
				mlw_metric_writer_add(sv->mw, key, v, -1,
						      mlw_now());
		}
		mlw_error_clear();
		free(key);
		free(val);
	}
}

static void flush_metrics(struct supervisor *sv)
{
	if (!sv->mw)
		return;
	if (mlw_metric_writer_finish(sv->mw))
		mlw_catalog_rollback(sv->cat);
	else
		mlw_catalog_commit(sv->cat);
	sv->mw = NULL;
}

/* the lines of a chunk of output; a partial one waits for its end */
static void scan_output(struct supervisor *sv, const char *buf, size_t len)
{
	size_t i, start = 0;

	for (i = 0; i < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (sv->line.len) {
			mlw_buf_add(&sv->line, buf + start, i - start);
			scan_line(sv, sv->line.buf, sv->line.len);
			mlw_buf_reset(&sv->line);
		} else {
			scan_line(sv, buf + start, i - start);
		}
		start = i + 1;
	}
	/* within reason */
	if (start < len && sv->line.len < 65536)
		mlw_buf_add(&sv->line, buf + start, len - start);
	flush_metrics(sv);
}

/* the run fails (or is canceled) for this reason, said in its log too */
static void sv_fail(struct supervisor *sv, enum mlw_run_status final,
		    char *why)
{
	free(sv->why);
	sv->why = why;
	sv->final = final;
}

/*
 * Open what the supervisor needs: the catalog, the run, the log, the
 * metrics pattern.  Negative: the run cannot even be told (left to the
 * reaper).
 */
static int sv_open(struct supervisor *sv,
		  const struct mlw_supervise_request *req)
{
	char *path;
	int ret = 0;

	memset(sv, 0, sizeof(*sv));
	sv->req = req;
	sv->plan = req->plan;
	sv->repo = req->repo;
	sv->name = req->name;
	sv->log_fd = sv->pipefd[0] = sv->pipefd[1] = -1;
	sv->final = MLW_RUN_COMPLETED;
	mlw_buf_init(&sv->line, 0);
	sv->cat = req->cat;
	sv->odb = req->odb;
	if (!sv->cat)
		ret = mlw_repo_catalog(&sv->cat, sv->repo);
	if (!ret && !sv->odb)
		ret = mlw_repo_odb(&sv->odb, sv->repo);
	if (!ret)
		ret = mlw_run_get(&sv->run, sv->cat, sv->name);
	if (ret)
		return ret;
	path = mlw_job_log_path(sv->repo, sv->name);
	sv->log_fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (sv->log_fd < 0)
		mlw_error_errno("cannot open '%s'", path);
	free(path);
	if (sv->log_fd < 0) {
		sv_fail(sv, MLW_RUN_FAILED, mlw_xstrfmt("cannot start: %s",
							mlw_error_last()));
		return SV_FINISH;
	}
	if (sv->plan->metrics_pattern &&
	    mlw_pattern_new(&sv->pattern, sv->plan->metrics_pattern)) {
		sv_log(sv, "warning: metrics pattern: %s", mlw_error_last());
		mlw_error_clear();
	}
	return SV_GO;
}

/* Queued -> Starting (see the top of this file); a cancel first wins */
static enum sv_next sv_starting(struct supervisor *sv)
{
	sv->status_hook = mlw_run_status_hook(sv->repo);
	sv->t_starting = mlw_now();
	if (sv->status_hook &&
	    mlw_run_set_status(sv->cat, sv->name, MLW_RUN_STARTING,
			       sv->t_starting))
		return SV_OUT;
	if (sv->status_hook)
		mlw_run_fire_hooks(sv->repo, sv->cat, sv->name);
	if (canceled(sv)) {
		sv_fail(sv, MLW_RUN_CANCELED, mlw_xstrfmt("canceled"));
		return SV_FINISH;
	}
	if (pipe2(sv->pipefd, O_CLOEXEC)) {
		sv_fail(sv, MLW_RUN_FAILED, mlw_xstrfmt("cannot start: %s",
							strerror(errno)));
		return SV_FINISH;
	}
	return SV_GO;
}

/* what the executor is asked: the plan, and the words when simple */
static void sv_request(struct supervisor *sv)
{
	struct mlw_exec_request *x = &sv->xreq;
	size_t i;

	memset(x, 0, sizeof(*x));
	x->name = sv->name;
	x->mlw_dir = sv->repo->dir;
	x->command = sv->plan->command;
	if (mlw_exec_split(&sv->words, sv->plan->command)) {
		sv->argv = mlw_calloc(sv->words.nr + 1, sizeof(*sv->argv));
		for (i = 0; i < sv->words.nr; i++)
			sv->argv[i] = sv->words.items[i];
		x->argv = sv->argv;
		x->argc = (int)sv->words.nr;
	}
	x->cwd = sv->plan->cwd;
	x->env = (const char *const *)sv->plan->env.items;
	x->nr_env = sv->plan->env.nr;
	x->out_fd = sv->pipefd[1];
	x->placement = sv->plan->placement;
}

static const struct mlw_executor *sv_executor(struct supervisor *sv)
{
	size_t i;

	if (mlw_exec_accepts(&mlw_executor_slurm, &sv->xreq))
		return &mlw_executor_slurm;
	if (mlw_exec_accepts(&mlw_executor_ranks, &sv->xreq))
		return &mlw_executor_ranks;
	for (i = 0; i < sv->req->nr_executors; i++)
		if (mlw_exec_accepts(sv->req->executors[i], &sv->xreq))
			return sv->req->executors[i];
	return &mlw_executor_process;
}

/* Start the command */
static int sv_spawn(struct supervisor *sv)
{
	const struct mlw_executor *ex;
	int ret;

	sv_request(sv);
	ex = sv_executor(sv);
	ret = mlw_exec_start(&sv->exec, ex, &sv->xreq);
	sv->started = !ret;
	if (ret) {
		sv_log(sv, "%s", mlw_error_last());
		sv_fail(sv, MLW_RUN_FAILED, mlw_xstrfmt("cannot start: %s",
							mlw_error_last()));
		return SV_FINISH;
	}
	close(sv->pipefd[1]);
	sv->pipefd[1] = -1;
	return SV_GO;
}

/* the process group and Running: one transaction */
static void sv_running(struct supervisor *sv)
{
	int r, running;

	if (!mlw_catalog_begin(sv->cat)) {
		r = mlw_run_set_supervisor(sv->cat, sv->name, getpid(),
					   mlw_proc_start_time(getpid()),
					   sv->exec.pgid);
		/* a cancel that came first keeps its status, not the pgid */
		running = !r && (sv->status_hook ||
				 !mlw_run_set_status(sv->cat, sv->name,
						     MLW_RUN_STARTING,
						     sv->t_starting)) &&
			  !mlw_run_set_status(sv->cat, sv->name,
					      MLW_RUN_RUNNING, mlw_now());
		if (!r && *sv->exec.job_id)
			r = mlw_run_set_tag(sv->cat, sv->run->id,
					    "mlw.slurm_job_id",
					    sv->exec.job_id);
		mlw_error_clear();
		if (!r && !mlw_catalog_commit(sv->cat)) {
			if (running)
				mlw_run_fire_hooks(sv->repo, sv->cat,
						   sv->name);
		} else {
			mlw_catalog_rollback(sv->cat);
		}
	}
	if (sv->plan->timeout > 0)
		sv->deadline = mlw_now() + sv->plan->timeout;
}

/*
 * A cancel and the timeout: the command is asked to stop, then made to
 * five seconds later.  Returns how long the next wait may be, in
 * milliseconds.
 */
static int sv_enforce(struct supervisor *sv, double *kill_at)
{
	double now;
	int wait_ms = 200;

	if (canceled(sv) && !*kill_at) {
		sv_fail(sv, MLW_RUN_CANCELED, mlw_xstrfmt("canceled"));
		mlw_exec_stop(&sv->exec, MLW_EXEC_TERM);
		*kill_at = mlw_now() + 5;
	}
	now = mlw_now();
	if (sv->deadline && now >= sv->deadline && !*kill_at) {
		sv_fail(sv, MLW_RUN_FAILED, mlw_xstrfmt(
			"the job exceeded its timeout of %gs (limits.timeout) "
			"and was stopped", sv->plan->timeout));
		sv_log(sv, "%s", sv->why);
		mlw_exec_stop(&sv->exec, MLW_EXEC_TERM);
		*kill_at = now + 5;
	}
	if (*kill_at && now >= *kill_at) {
		mlw_exec_stop(&sv->exec, MLW_EXEC_KILL);
		*kill_at = now + 3600;
	}
	mlw_error_clear();
	if (sv->deadline && !*kill_at && (sv->deadline - now) * 1000 < wait_ms)
		wait_ms = (int)((sv->deadline - now) * 1000) + 1;
	return wait_ms;
}

/* copy what the command wrote to the log (and its metrics); 1 at its end */
static int sv_read(struct supervisor *sv, int wait_ms)
{
	struct pollfd pfd = { sv->pipefd[0], POLLIN, 0 };
	char buf[65536];
	ssize_t n;

	if (poll(&pfd, 1, wait_ms) <= 0)
		return 0;
	n = read(sv->pipefd[0], buf, sizeof(buf));
	if (n > 0) {
		mlw_write_all(sv->log_fd, buf, (size_t)n);
		if (sv->pattern)
			scan_output(sv, buf, (size_t)n);
		return 0;
	}
	return n == 0 || (errno != EINTR && errno != EAGAIN);
}

/* until the output is closed and the command has ended */
static void sv_wait(struct supervisor *sv)
{
	double kill_at = 0;
	int exited = 0, eof = 0;

	while (!eof || !exited) {
		int wait_ms = sv_enforce(sv, &kill_at), r;

		if (!eof)
			eof = sv_read(sv, wait_ms);
		if (exited)
			continue;
		r = mlw_exec_wait(&sv->exec, eof ? wait_ms : 0, &sv->status);
		if (r < 0) {
			/* it cannot be told: made to stop, and failed */
			sv_fail(sv, MLW_RUN_FAILED, mlw_xstrfmt("%s",
				mlw_error_last()));
			mlw_exec_stop(&sv->exec, MLW_EXEC_KILL);
			memset(&sv->status, 0, sizeof(sv->status));
		}
		exited = r != 0;
	}
	if (sv->line.len && sv->pattern) {
		scan_line(sv, sv->line.buf, sv->line.len);
		flush_metrics(sv);
	}
}

/* the command's exit: its code, and why the run failed if it did */
static void sv_exited(struct supervisor *sv)
{
	const struct mlw_exec_status *st = &sv->status;

	if (st->canceled && sv->final == MLW_RUN_COMPLETED)
		sv_fail(sv, MLW_RUN_CANCELED, mlw_xstrfmt("%s", *st->why ?
				st->why : "canceled"));
	else if (*st->why && sv->final == MLW_RUN_COMPLETED &&
		 !(st->exited && !st->exit_code))
		sv_fail(sv, MLW_RUN_FAILED, mlw_xstrfmt("%s", st->why));
	if (st->exited) {
		sv->run->has_exit_code = 1;
		sv->run->exit_code = st->exit_code;
		if (st->exit_code && sv->final == MLW_RUN_COMPLETED)
			sv_fail(sv, MLW_RUN_FAILED, mlw_xstrfmt(
				"the command exited with status %d%s",
				st->exit_code, st->exit_code == 127 ?
				" (command not found)" : ""));
	} else if (st->signaled) {
		sv->run->has_exit_code = 1;
		sv->run->exit_code = 128 + st->signal;
		if (sv->final == MLW_RUN_COMPLETED)
			sv_fail(sv, MLW_RUN_FAILED, mlw_xstrfmt(
				"the command was killed by signal %d (%s)",
				st->signal, strsignal(st->signal)));
	}
	/* a timeout said so already */
	if (sv->why && sv->final == MLW_RUN_FAILED &&
	    (!sv->deadline || mlw_now() < sv->deadline))
		sv_log(sv, "%s", sv->why);
}

/*
 * Finalizing: the outputs and ./outputs, ./logs become objects, and named
 * outputs assets once the run has completed.
 */
static void sv_collect(struct supervisor *sv)
{
	struct mlw_run_collector c = {
		sv->repo, sv->cat, sv->odb, sv->name, sv->run->id, sv_say, sv
	};
	size_t i;
	int ret;

	sv->t_finalizing = mlw_now();
	if (sv->status_hook || sv->plan->nr_outputs)
		transition(sv, MLW_RUN_FINALIZING);
	else
		sv->finalizing_pending = 1;
	ret = mlw_run_collect(&c, sv->plan, sv->plan->cwd);
	if (ret) {
		sv_fail(sv, MLW_RUN_FAILED, mlw_xstrfmt(
			"cannot collect outputs: %s", mlw_error_last()));
		sv_log(sv, "error: %s", sv->why);
	}
	for (i = 0; sv->final == MLW_RUN_COMPLETED &&
	     i < sv->plan->nr_outputs; i++) {
		const struct mlw_run_plan_output *o = &sv->plan->outputs[i];

		if (!o->asset_name || !mlw_run_register_output(&c, o))
			continue;
		sv_fail(sv, MLW_RUN_FAILED, mlw_xstrfmt(
			"cannot register output '%s': %s", o->name,
			mlw_error_last()));
		sv_log(sv, "error: %s", sv->why);
	}
}

/*
 * The end: the log becomes an object, the run its final status (with
 * Finalizing when it was left for now); then the notify channel hears
 * the status and its reason, and the hooks run.
 */
static void sv_end(struct supervisor *sv)
{
	char log_hex[MLW_OID_HEXSZ + 1] = "";
	char *path = mlw_job_log_path(sv->repo, sv->name);
	int in_txn = 0, ended;
	struct mlw_oid oid;
	uint64_t size;

	if (!mlw_odb_write_path(&oid, &size, sv->odb, path, MLW_OBJ_BLOB,
				MLW_ODB_WRITE))
		mlw_oid_to_hex(log_hex, &oid);
	free(path);
	if (sv->finalizing_pending && !mlw_catalog_begin(sv->cat)) {
		if (mlw_run_set_status(sv->cat, sv->name, MLW_RUN_FINALIZING,
				       sv->t_finalizing))
			mlw_error_clear();
		in_txn = 1;
	}
	ended = !mlw_run_finish(sv->cat, sv->name, sv->final, mlw_now(),
				sv->run->has_exit_code ? sv->run->exit_code :
				-1, sv->why, *log_hex ? log_hex : NULL);
	if (in_txn && ended && mlw_catalog_commit(sv->cat))
		ended = 0;
	if (in_txn && !ended)
		mlw_catalog_rollback(sv->cat);
	if (!ended)
		return;
	if (sv->req->notify_fd >= 0)
		mlw_notify_ended(sv->req->notify_fd, sv->final, sv->why);
	mlw_run_fire_hooks(sv->repo, sv->cat, sv->name);
}

/* close what is open; the working area goes unless it is to be kept */
static void sv_close(struct supervisor *sv, int tidy)
{
	if (sv->started)
		mlw_exec_release(&sv->exec);
	if (sv->log_fd >= 0)
		close(sv->log_fd);
	if (sv->pipefd[0] >= 0)
		close(sv->pipefd[0]);
	if (sv->pipefd[1] >= 0)
		close(sv->pipefd[1]);
	if (tidy && !sv->plan->keep_workdir)
		mlw_workdir_finish(sv->repo, sv->odb, sv->name,
				   sv->plan->made_dirs);
	mlw_strlist_release(&sv->words);
	free(sv->argv);
	mlw_pattern_free(sv->pattern);
	mlw_buf_release(&sv->line);
	mlw_run_free(sv->run);
	free(sv->why);
}

int mlw_run_supervise(const struct mlw_supervise_request *req)
{
	struct supervisor sv;
	int next = sv_open(&sv, req);

	if (next < 0) {
		mlw_run_free(sv.run);
		return next;
	}
	if (next == SV_GO)
		next = sv_starting(&sv);
	if (next == SV_GO)
		next = sv_spawn(&sv);
	if (next < 0) {
		/* the next mlw command finds it gone */
		sv_close(&sv, 0);
		return next;
	}
	if (next == SV_GO) {
		sv_running(&sv);
		sv_wait(&sv);
		sv_exited(&sv);
		sv_collect(&sv);
	}
	if (next != SV_OUT)
		sv_end(&sv);
	if (req->early_eof && req->notify_fd >= 0)
		close(req->notify_fd);
	sv_close(&sv, 1);
	return 0;
}

/* wait up to until for run name to end; 0 when it has */
static int wait_ended(struct mlw_catalog *cat, const char *name, double until,
		      double wait_seconds)
{
	while (mlw_now() < until) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		struct mlw_run *run;
		int ended, ret = mlw_run_get(&run, cat, name);

		if (ret)
			return ret;
		ended = mlw_run_status_terminal(run->status);
		mlw_run_free(run);
		if (ended)
			return 0;
		nanosleep(&ts, NULL);
	}
	return mlw_error_set("job '%s' did not stop within %gs", name,
			     wait_seconds);
}

int mlw_job_cancel(struct mlw_repo *repo, const char *name,
		   double wait_seconds)
{
	struct mlw_catalog *cat;
	struct mlw_run *run;
	double until = mlw_now() + wait_seconds;
	int ret = mlw_repo_catalog(&cat, repo);

	if (!ret)
		ret = mlw_run_get(&run, cat, name);
	if (ret)
		return ret;
	if (mlw_run_status_terminal(run->status)) {
		ret = mlw_error_setc(MLW_EEXISTS, "job '%s' has already ended "
				     "(%s)", name,
				     mlw_run_status_name(run->status));
		mlw_run_free(run);
		return ret;
	}
	/*
	 * With the run's id: a supervisor host (host.h) stops that run
	 * only; a supervisor of one run stops it whatever the value.
	 */
	if (run->supervisor_pid &&
	    mlw_proc_start_time(run->supervisor_pid) == run->supervisor_start &&
	    !sigqueue((pid_t)run->supervisor_pid, SIGTERM, (union sigval){
			.sival_ptr = (void *)(intptr_t)run->id })) {
		mlw_run_free(run);
		return wait_ended(cat, name, until, wait_seconds);
	}
	/* no live supervisor: end it here */
	if (run->pgid > 1)
		kill(-(pid_t)run->pgid, SIGKILL);
	mlw_slurm_stop_orphan(cat, name);
	mlw_run_free(run);
	ret = mlw_run_finish(cat, name, MLW_RUN_CANCELED, mlw_now(), -1,
			     "canceled", NULL);
	if (!ret)
		mlw_run_fire_hooks(repo, cat, name);
	return ret;
}

/*
 * run.c - the pipeline supervisor (run.h).
 *
 * One process, forked by the command that creates the pipeline, in a
 * session of its own.  It records the pipeline run and its graph, then
 * loops: start every step that is ready (its inputs made by Completed
 * steps) while fewer than max_concurrent_steps run, taking an earlier
 * step's outputs instead when the reuse key matches; then wait on the
 * notify channels of the running steps for one to end.  Each step is a
 * command job with a supervisor of its own (mlw_job_start()), so a
 * pipeline supervisor that dies leaves its running steps to finish and
 * be recorded, and the next run reuses them.
 */
#include "pipeline/run.h"
#include "compute/placement.h"
#include "asset/asset.h"
#include "pipeline/dag.h"
#include "pipeline/record.h"
#include "pipeline/step.h"
#include "run/child.h"
#include "run/event.h"
#include "run/host.h"
#include "run/job.h"
#include "run/launch.h"
#include "run/notify.h"
#include "run/workdir.h"
#include "run/resolve.h"
#include "run/run.h"
#include "spec/spec.h"
#include "store/catalog.h"
#include "store/repo.h"
#include "store/tree.h"
#include "sweep/job.h"	/* sweep steps: sweep/ is below pipeline/ */
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/name.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * STARTING: a command step's supervisor is forked and records its run;
 * the pipeline does not wait for that (it starts or reaps other steps
 * meanwhile) but hears it as the first line on the step's channel.
 */
enum { PENDING, STARTING, RUNNING, DONE };

struct step_state {
	int state;
	enum mlw_run_status status;	/* when DONE */
	/* STARTING, RUNNING: its job's supervisor */
	struct mlw_job_watch watch;
	char key[MLW_OID_HEXSZ + 1];	/* STARTING: its reuse key */
	char *error;			/* why it did not complete */
	struct mlw_strlist empty;	/* its outputs left empty */
	int reused;			/* recorded as reusing a job */
	/* once Completed: its job's outputs, read once (step_output()) */
	struct mlw_run_io *outs;
	size_t nr_outs;
	int outs_known;
};

struct psv {
	struct mlw_repo *repo;

	struct mlw_pipeline *p;
	const struct mlw_pipeline_run_opts *opts;
	char *name, *experiment;
	int64_t run_id;
	struct step_state *st;
	/* per step: its job (a group: its run), for the steps after it */
	char **jobs;
	/* per pipeline step: its own run (child.h), NULL for the others */
	struct mlw_child_run **groups;
	int max, running;
	int stopping;		/* start nothing more */
	int canceled;
	size_t failed;
	char *first_failure;
	int log_fd;
	struct mlw_step_snapshots snaps;
	size_t launching;	/* the step whose supervisor is forked */
	/* the command steps' supervisor (run/host.h), once one has started */
	struct mlw_job_host *host;
	struct mlw_job_start_opts host_opts;	/* its, for its life */
	/*
	 * Reused steps recorded in one write transaction, each under a
	 * savepoint, until flush_reused(): their runs (hooks fired after
	 * the commit) and the steps themselves, undone when it fails.
	 */
	int batch;
	struct mlw_strlist batch_runs;
	size_t *batch_steps, nr_batch;
	char note_hex[MLW_OID_HEXSZ + 1];	/* the reuse note's object */
	/* wait_some()'s, kept from one wait to the next */
	struct pollfd *pfds;
	size_t *pwhich;
};

/* 'mlw job cancel' of the pipeline: its SIGTERM sets the command's flag */
static int cancel_asked(const struct psv *sv)
{
	const struct mlw_job_start_opts *so = sv->opts->start;

	return so && so->cancel && atomic_load(so->cancel);
}

/*
 * SIGTERM to the supervisors of the steps that run: a sweep step's
 * process, and the host of the command steps (a SIGTERM without a run's
 * id stops every run it has: the pipeline starts no step after this).
 */
static void stop_running(struct psv *sv)
{
	size_t i;
	int host = 0;

	for (i = 0; i < sv->p->nr_steps; i++) {
		const struct step_state *s = &sv->st[i];

		if (s->state != RUNNING && s->state != STARTING)
			continue;
		if (s->watch.pid > 0)
			kill(s->watch.pid, SIGTERM);
		else
			host = 1;
	}
	if (host && sv->host)
		kill(mlw_job_host_pid(sv->host), SIGTERM);
}

/* a line of the pipeline's log */
static void sv_log(struct psv *sv, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void sv_log(struct psv *sv, const char *fmt, ...)
{
	struct mlw_buf b = MLW_BUF_INIT;
	va_list ap;

	if (sv->log_fd < 0)
		return;
	mlw_buf_adds(&b, "mlw: ");
	va_start(ap, fmt);
	mlw_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	mlw_buf_addch(&b, '\n');
	if (mlw_write_all(sv->log_fd, b.buf, b.len))
		mlw_error_clear();
	mlw_buf_release(&b);
}

static struct mlw_catalog *catalog(struct psv *sv)
{
	struct mlw_catalog *cat;

	/* mlw_job_start() closes it before each fork: open it again */
	if (mlw_repo_catalog(&cat, sv->repo))
		return NULL;
	return cat;
}

/* the run a step is a child of: its pipeline step's, or the pipeline */
static const char *parent_of(struct psv *sv, size_t i)
{
	long g = sv->p->steps[i].group;

	return g >= 0 ? sv->jobs[g] : sv->name;
}

/*
 * The experiment when none is given: the spec's, else the name of the
 * current folder made to follow the rule for names, as for a job.
 */
static char *default_experiment(const struct mlw_pipeline *p)
{
	const char *s = mlw_spec_get_str(p->spec, "experiment_name");
	char *cwd, *out, *q;
	const char *base;

	if (s)
		return mlw_strdup(s);
	cwd = getcwd(NULL, 0);
	base = cwd ? strrchr(cwd, '/') : NULL;
	base = base ? base + 1 : "";
	while (*base && !isalnum((unsigned char)*base))
		base++;
	out = mlw_strndup(*base ? base : "Default", 255);
	for (q = out; *q; q++)
		if (!isalnum((unsigned char)*q) && !strchr("_-.", *q))
			*q = '_';
	free(cwd);
	return out;
}

/* --- recording the pipeline ---------------------------------------------- */

/* a child run of the pipeline for step i, Queued at now, to insert */
static void child_run(struct mlw_run *run, struct psv *sv, size_t i,
		      const char *type, double now)
{
	memset(run, 0, sizeof(*run));
	run->display_name = sv->p->steps[i].name;
	run->experiment = sv->experiment;
	run->parent = (char *)parent_of(sv, i);
	run->type = (char *)type;
	run->status = MLW_RUN_QUEUED;
	run->times[MLW_RUN_NOT_STARTED] = now;
	run->times[MLW_RUN_QUEUED] = now;
	run->git_dirty = -1;
}

/*
 * The pipeline steps' own runs (children of the pipeline, or of the
 * pipeline step they are in), Running until their steps end: one flush
 * of the child-run records (child.h) per level of nesting, so that each
 * parent exists before its children.
 */
static int insert_group_runs(struct psv *sv, double now)
{
	int depth, more = 1, ret = 0;
	size_t i;

	for (depth = 0; !ret && more; depth++) {
		struct mlw_child_run **batch = mlw_calloc(sv->p->nr_steps + 1,
							  sizeof(*batch));
		size_t n = 0;

		more = 0;
		for (i = 0; !ret && i < sv->p->nr_steps; i++) {
			const struct mlw_pipeline_step *s = &sv->p->steps[i];
			struct mlw_child_run_request req;

			if (s->kind != MLW_STEP_PIPELINE)
				continue;
			if (s->depth > depth)
				more = 1;
			if (s->depth != depth)
				continue;
			memset(&req, 0, sizeof(req));
			req.parent = parent_of(sv, i);
			req.type = "pipeline";
			req.display_name = s->name;
			ret = mlw_child_run_new(&sv->groups[i], &req);
			if (!ret) {
				mlw_child_run_status(sv->groups[i],
						     MLW_RUN_RUNNING, now);
				batch[n++] = sv->groups[i];
			}
		}
		if (!ret && n)
			ret = mlw_child_run_flush(catalog(sv), batch, n);
		for (i = 0; !ret && i < sv->p->nr_steps; i++)
			if (sv->groups[i] && !sv->jobs[i])
				sv->jobs[i] = mlw_child_run_name(sv->groups[i]);
		free(batch);
	}
	return ret;
}

/* the pipeline's own inputs and outputs, as a job's */
static int record_io(struct psv *sv, struct mlw_catalog *cat, int64_t id)
{
	const struct mlw_pipeline *p = sv->p;
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < p->nr_inputs; i++) {
		const struct mlw_pipeline_input *in = &p->inputs[i];
		struct mlw_run_io io = { in->name, in->type ? in->type :
					 "string", in->value, NULL };

		if (in->bind == MLW_BIND_LITERAL || in->bind == MLW_BIND_PATH)
			ret = mlw_run_add_input(cat, id, &io);
	}
	for (i = 0; !ret && i < p->nr_outputs; i++) {
		struct mlw_run_io io = { p->outputs[i].name,
					 p->outputs[i].type, NULL, NULL };

		ret = mlw_run_add_output(cat, id, &io);
	}
	return ret;
}

static int record_pipeline(struct psv *sv)
{
	const struct mlw_pipeline *p = sv->p;
	struct mlw_catalog *cat = catalog(sv);
	char spec_hex[MLW_OID_HEXSZ + 1];
	struct mlw_odb *odb;
	struct mlw_oid oid;
	struct mlw_run run;
	const char *s;
	double now = mlw_now();
	uint64_t size;
	int ret;

	if (!cat)
		return mlw_error_last_code();
	ret = mlw_repo_odb(&odb, sv->repo);
	if (!ret)
		ret = mlw_odb_write_path(&oid, &size, odb, p->spec->path,
					 MLW_OBJ_BLOB, MLW_ODB_WRITE);
	if (ret)
		return ret;
	mlw_oid_to_hex(spec_hex, &oid);
	memset(&run, 0, sizeof(run));
	s = sv->opts->name ? sv->opts->name : mlw_spec_get_str(p->spec, "name");
	run.name = s ? mlw_strdup(s) : NULL;
	run.display_name = (char *)(sv->opts->display_name ?
		sv->opts->display_name : mlw_spec_get_str(p->spec,
							  "display_name"));
	run.experiment = sv->experiment;
	run.type = "pipeline";
	run.status = MLW_RUN_QUEUED;
	run.times[MLW_RUN_NOT_STARTED] = now;
	run.times[MLW_RUN_QUEUED] = now;
	run.spec = spec_hex;
	run.git_dirty = -1;
	run.compute = p->default_compute ? p->default_compute : "local";
	run.description = (char *)mlw_spec_get_str(p->spec, "description");
	ret = mlw_catalog_begin(cat);
	if (!ret)
		ret = mlw_run_insert(cat, &run);
	sv->name = run.name;
	sv->run_id = run.id;
	if (!ret)
		ret = mlw_run_set_supervisor(cat, run.name, getpid(),
					     mlw_proc_start_time(getpid()), 0);
	if (!ret)
		ret = record_io(sv, cat, run.id);
	if (!ret) {
		const struct mlw_yaml_node *tags = mlw_spec_get(p->spec,
								"tags");
		size_t i;

		for (i = 0; !ret && tags && tags->kind == MLW_YAML_MAP &&
		     i < tags->nr / 2; i++) {
			const struct mlw_yaml_node *v = mlw_yaml_value(tags, i);

			ret = mlw_run_set_tag(cat, run.id,
					      mlw_yaml_key(tags, i)->text,
					      v->text ? v->text : "");
		}
	}
	if (!ret)
		ret = mlw_run_set_status(cat, run.name, MLW_RUN_RUNNING, now);
	if (!ret)
		ret = mlw_catalog_commit(cat);
	else
		mlw_catalog_rollback(cat);
	return ret;
}

/*
 * After the pipeline's run: its pipeline steps' runs and its graph.  A
 * failure here ends the recorded pipeline (the caller says how).
 */
static int record_graph(struct psv *sv)
{
	struct mlw_catalog *cat;
	int ret = insert_group_runs(sv, mlw_now());

	cat = ret ? NULL : catalog(sv);
	if (!ret && !cat)
		ret = mlw_error_last_code() ? mlw_error_last_code() : MLW_ERROR;
	if (!ret)
		ret = mlw_catalog_begin(cat);
	if (!ret) {
		ret = mlw_pipeline_record_graph(cat, sv->name, sv->p, sv->jobs);
		if (!ret)
			ret = mlw_catalog_commit(cat);
		else
			mlw_catalog_rollback(cat);
	}
	return ret;
}

/* .mlw/runs/NAME/user_logs/std_log.txt, for 'mlw job stream' */
static int open_log(struct psv *sv)
{
	char *rel = mlw_xstrfmt("runs/%s/user_logs", sv->name);
	char *dir = mlw_repo_path(sv->repo, rel);
	char *path = mlw_path_join(dir, "std_log.txt");
	int ret = mlw_mkdir_p(dir, 0777);

	if (!ret) {
		sv->log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND |
				  O_CLOEXEC, 0666);
		if (sv->log_fd < 0)
			ret = mlw_error_errno("cannot create '%s'", path);
	}
	free(path);
	free(dir);
	free(rel);
	return ret;
}

/* --- steps --------------------------------------------------------------- */

static char *output_object(struct psv *sv, const char *job, const char *name);
static void check_outputs(struct psv *sv, size_t i);
static void keep_outputs(struct step_state *s, const struct mlw_run_io *io,
			 size_t nr);

static const char *short_error(const char *s)
{
	return s && *s ? s : "no reason given";
}

/*
 * Step i is over: its status, and for the pipeline what that means: a
 * failure stops everything else unless continue_on_step_failure.
 */
static void step_done(struct psv *sv, size_t i, enum mlw_run_status status,
		      const char *error)
{
	struct step_state *s = &sv->st[i];
	const char *name = sv->p->steps[i].name;

	if (s->state == RUNNING || s->state == STARTING)
		sv->running--;
	s->state = DONE;
	s->status = status;
	if (status == MLW_RUN_COMPLETED)
		return;
	free(s->error);
	s->error = mlw_strdup(short_error(error));
	if (status == MLW_RUN_CANCELED && sv->stopping)
		return;
	sv->failed++;
	if (!sv->first_failure)
		sv->first_failure = mlw_xstrfmt("step '%s' %s: %s", name,
						mlw_run_status_name(status),
						s->error);
	if (!sv->p->continue_on_step_failure && !sv->stopping) {
		sv->stopping = 1;
		sv_log(sv, "step '%s' %s: stopping the pipeline "
		       "(settings.continue_on_step_failure is false)", name,
		       mlw_run_status_name(status));
		stop_running(sv);
	}
}

/* the status of a step that has no job, and why */
static void record_no_job(struct psv *sv, size_t i, enum mlw_run_status status,
			  const char *why)
{
	struct mlw_catalog *cat = catalog(sv);

	if (!cat || mlw_pipeline_record_step(cat, sv->name,
					     sv->p->steps[i].name, NULL,
					     mlw_run_status_name(status), why,
					     NULL, NULL))
		mlw_error_clear();
}

/* a step that never runs, and why */
static void step_skipped(struct psv *sv, size_t i, enum mlw_run_status status,
			 const char *why)
{
	sv_log(sv, "step '%s' %s: %s", sv->p->steps[i].name,
	       status == MLW_RUN_FAILED ? "not run" : "canceled", why);
	record_no_job(sv, i, status, why);
	sv->st[i].state = DONE;
	sv->st[i].status = status;
	free(sv->st[i].error);
	sv->st[i].error = mlw_strdup(why);
}

static const char reuse_note[] =
	"mlw: this step reused the outputs of an earlier job whose component, "
	"code, inputs and environment were the same; 'mlw job show' names it "
	"(reused_from)\n";

/* reused steps recorded together at most: the write lock is held that long */
#define REUSE_BATCH 32

/*
 * Commit the reused steps recorded since the last flush, then fire
 * their runs' hooks.  Before anything that closes the catalog (a step's
 * fork), waits, or ends the pipeline.  If the commit fails, none of them
 * is recorded: each fails, saying why.
 */
static int flush_reused(struct psv *sv)
{
	struct mlw_catalog *cat;
	size_t k;
	char *why;
	int ret = 0;

	if (!sv->batch)
		return 0;
	sv->batch = 0;
	cat = catalog(sv);
	if (cat && !mlw_catalog_commit(cat)) {
		for (k = 0; k < sv->batch_runs.nr; k++)
			if (mlw_run_fire_hooks(sv->repo, catalog(sv),
					       sv->batch_runs.items[k]))
				mlw_error_clear();
	} else {
		why = mlw_xstrfmt("cannot record the reuse: %s",
				  mlw_error_last());
		ret = mlw_error_last_code() ? mlw_error_last_code() : MLW_ERROR;
		for (k = 0; k < sv->nr_batch; k++) {
			size_t i = sv->batch_steps[k];

			sv_log(sv, "step '%s' failed: %s",
			       sv->p->steps[i].name, why);
			free(sv->jobs[i]);
			sv->jobs[i] = NULL;
			sv->st[i].reused = 0;
			sv->st[i].status = MLW_RUN_FAILED;
			sv->st[i].state = DONE;
			free(sv->st[i].error);
			sv->st[i].error = mlw_strdup(why);
			sv->failed++;
			if (!sv->first_failure)
				sv->first_failure = mlw_xstrfmt(
					"step '%s' Failed: %s",
					sv->p->steps[i].name, why);
			sv->stopping = !sv->p->continue_on_step_failure;
			record_no_job(sv, i, MLW_RUN_FAILED, why);
		}
		mlw_error_setc(ret, "%s", why);
		free(why);
	}
	mlw_strlist_release(&sv->batch_runs);
	sv->nr_batch = 0;
	return ret;
}

/*
 * Record step i as done by reusing job src (whose run, with its inputs
 * and outputs, is from): a Completed child run with src's outputs, its
 * inputs as this run would have had them.  In the batch's transaction
 * (flush_reused() commits it), under a savepoint of its own.
 */
static int record_reused(struct psv *sv, size_t i, const struct mlw_job *job,
			 const char *key, const char *src,
			 const struct mlw_run *from)
{
	struct mlw_catalog *cat = catalog(sv);
	const char *step = sv->p->steps[i].name;
	char code_hex[MLW_OID_HEXSZ + 1];
	struct mlw_run run;
	double now = mlw_now();
	size_t k;
	int ret = 0;

	if (!cat)
		return mlw_error_last_code();
	/*
	 * One text for every reused step, so one object, stored once: the
	 * job it names is in reused_from and the pipeline's log.
	 */
	if (!sv->note_hex[0]) {
		struct mlw_odb *odb;
		struct mlw_oid oid;

		ret = mlw_repo_odb(&odb, sv->repo);
		if (!ret)
			ret = mlw_odb_write_buf(&oid, odb, reuse_note,
						strlen(reuse_note),
						MLW_OBJ_BLOB);
		if (ret)
			return ret;
		mlw_oid_to_hex(sv->note_hex, &oid);
	}
	child_run(&run, sv, i, mlw_step_kind_name(sv->p->steps[i].kind), now);
	run.spec = from->spec;
	run.environment = job->environment;
	run.compute = job->compute;
	run.command = from->command;
	if (job->has_code) {
		mlw_oid_to_hex(code_hex, &job->code);
		run.code = code_hex;
	}
	if (!sv->batch) {
		ret = mlw_catalog_begin(cat);
		sv->batch = !ret;
	}
	if (!ret)
		ret = mlw_pipeline_savepoint(cat);
	if (ret)
		return ret;
	ret = mlw_run_insert(cat, &run);
	for (k = 0; !ret && k < job->nr_inputs; k++) {
		const struct mlw_job_io *io = &job->inputs[k];
		char hex[MLW_OID_HEXSZ + 1];
		struct mlw_run_io rio = { io->name, io->type, io->value, NULL };

		if (io->optional_missing)
			continue;
		if (io->has_oid) {
			mlw_oid_to_hex(hex, &io->oid);
			rio.object = hex;
		}
		ret = mlw_run_add_input(cat, run.id, &rio);
	}
	for (k = 0; !ret && k < from->nr_outputs; k++)
		ret = mlw_run_add_output(cat, run.id, &from->outputs[k]);
	if (!ret)
		ret = mlw_run_set_status(cat, run.name, MLW_RUN_RUNNING, now);
	if (!ret)
		ret = mlw_run_finish(cat, run.name, MLW_RUN_COMPLETED, now, 0,
				     NULL, sv->note_hex);
	if (!ret)
		ret = mlw_pipeline_record_step(cat, sv->name, step, run.name,
					       NULL, NULL, key, src);
	if (!ret)
		ret = mlw_pipeline_savepoint_release(cat);
	if (ret) {
		mlw_pipeline_savepoint_rollback(cat);
		free(run.name);
		return ret;
	}
	keep_outputs(&sv->st[i], from->outputs, from->nr_outputs);
	sv->st[i].reused = 1;
	sv->jobs[i] = run.name;
	mlw_strlist_push(&sv->batch_runs, run.name);
	sv->batch_steps[sv->nr_batch++] = i;
	sv_log(sv, "step '%s': reused from %s (job %s)", step, src, run.name);
	return 0;
}

/*
 * Step i runs as job name: said in the log, and recorded in the graph
 * unless its supervisor did so with the run (step_recorded()).
 */
static void started(struct psv *sv, size_t i, const char *name,
		    const char *key, int recorded)
{
	struct mlw_catalog *cat;

	sv->jobs[i] = mlw_strdup(name);
	sv->st[i].state = RUNNING;
	sv_log(sv, "step '%s': started as job %s", sv->p->steps[i].name, name);
	if (recorded)
		return;
	cat = catalog(sv);
	if (!cat || mlw_pipeline_record_step(cat, sv->name,
					     sv->p->steps[i].name, name,
					     NULL, NULL, key, NULL))
		mlw_error_clear();	/* the run itself is recorded */
}

/*
 * In a command step's supervisor (a fork of this process: sv is its
 * copy), in the transaction that records the step's run: the graph's
 * row names the job, so that run and row are there together, and the
 * pipeline has no transaction of its own to write when it hears of it.
 */
static int step_recorded(struct mlw_catalog *cat, const struct mlw_job *job,
			 void *data)
{
	struct psv *sv = data;
	size_t i = sv->launching;

	return mlw_pipeline_record_step(cat, sv->name, sv->p->steps[i].name,
					job->name, NULL, NULL, sv->st[i].key,
					NULL);
}

/*
 * Hand command step i (job, its spec written at path) to the host,
 * starting one when there is none yet, or a new one when the last has
 * gone (killed: its steps end Failed, the pipeline goes on).  The host
 * is started before the step's channel is made: a host that inherited
 * the channel's writing end would hold it open to its own end.  0 with
 * *fd, the channel's reading end, or negative.
 */
static int to_host(struct psv *sv, size_t i, const struct mlw_job *job,
		   const char *path, const char *key, int *fd)
{
	const struct mlw_pipeline_step *st = &sv->p->steps[i];
	struct mlw_step_request r;
	char *msg;
	int fds[2], ret = 0, tries;

	memset(&r, 0, sizeof(r));
	r.spec_path = path;
	r.experiment = sv->experiment;
	r.display_name = st->name;
	r.parent = parent_of(sv, i);
	r.keep_workdir = sv->opts->keep_workdir;
	r.pipeline = sv->name;
	r.step = st->name;
	r.key = key;
	msg = mlw_step_request(job, &r);
	for (tries = 0; tries < 2; tries++) {
		if (!sv->host) {
			if (sv->opts->start)
				sv->host_opts = *sv->opts->start;
			else
				memset(&sv->host_opts, 0,
				       sizeof(sv->host_opts));
			sv->host_opts.early_eof = 1;
			ret = mlw_job_host_start(&sv->host, sv->repo,
						 &mlw_step_host_ops,
						 &sv->host_opts);
			if (ret)
				break;
		}
		ret = mlw_notify_channel(fds);
		if (ret)
			break;
		ret = mlw_job_host_submit(sv->host, msg, strlen(msg), fds[1]);
		close(fds[1]);
		if (!ret) {
			*fd = fds[0];
			break;
		}
		close(fds[0]);
		mlw_job_host_free(sv->host);
		sv->host = NULL;
	}
	free(msg);
	return ret;
}

/*
 * Start job's supervisor (a thread of the host, or a process of its
 * own); the step runs.  A sweep step's supervisor is waited for until
 * it has recorded its run; a command step's is heard from later
 * (creation_said()), while other steps start and end.
 */
static int launch(struct psv *sv, size_t i, struct mlw_job *job,
		  struct mlw_sweep_job *sweep, const char *path,
		  const char *key)
{
	struct step_state *s = &sv->st[i];
	struct mlw_job_start_opts so;
	pid_t pid;
	int fds[2], ret;

	job->keep_workdir = sv->opts->keep_workdir;
	/* the reuses it may read from are committed before the fork */
	ret = flush_reused(sv);
	if (ret)
		return ret;
	/* the catalog is closed for the fork, opened again when needed */
	if (sweep) {
		ret = mlw_sweep_job_submit(&s->watch, sweep, sv->opts->start);
		if (ret)
			return ret;
		sv->running++;
		started(sv, i, job->name, key, 0);
		return 0;
	}
	/*
	 * A command run here, as one process: its supervisor is a thread
	 * of the host's (run/host.h).  The others (a placement on Slurm or
	 * over ranks) get a process of their own.
	 */
	if (!job->placement || (!mlw_placement_is_slurm(job->placement) &&
				mlw_placement_ranks(job->placement) == 1)) {
		memcpy(s->key, key, sizeof(s->key));
		ret = to_host(sv, i, job, path, key, &fds[0]);
		if (ret)
			return ret;
		mlw_job_watch_init(&s->watch, 0, fds[0]);
		s->state = STARTING;
		sv->running++;
		return 0;
	}
	ret = mlw_notify_channel(fds);
	if (ret)
		return ret;
	/*
	 * The step is over once its end is said: its supervisor removes its
	 * working area after that, while the next step starts (the pipeline
	 * waits for them all before it ends, wait_supervisors()).
	 */
	if (sv->opts->start)
		so = *sv->opts->start;
	else
		memset(&so, 0, sizeof(so));
	so.early_eof = 1;
	memcpy(s->key, key, sizeof(s->key));
	sv->launching = i;
	job->in_record = step_recorded;
	job->in_record_data = sv;
	ret = mlw_job_start(&pid, job, fds[1], &so);
	close(fds[1]);
	if (ret) {
		close(fds[0]);
		return ret;
	}
	mlw_job_watch_init(&s->watch, pid, fds[0]);
	s->state = STARTING;
	sv->running++;
	return 0;
}

/*
 * The first line from a STARTING step's supervisor is there (or its
 * channel ended): its run is recorded, or it could not be.
 */
static void creation_said(struct psv *sv, size_t i)
{
	struct step_state *s = &sv->st[i];
	char *name, *why;
	int reused;

	if (!mlw_job_watch_created(&s->watch, &name, &reused)) {
		started(sv, i, name, s->key, 1);
		free(name);
		return;
	}
	why = mlw_strdup(mlw_error_last());
	mlw_error_clear();
	s->watch.pid = 0;	/* waited for, or left to its session */
	mlw_job_watch_release(&s->watch);
	sv_log(sv, "step '%s' failed to start: %s", sv->p->steps[i].name, why);
	record_no_job(sv, i, MLW_RUN_FAILED, why);
	step_done(sv, i, MLW_RUN_FAILED, why);
	free(why);
}

/* prepare step i, reuse an earlier run of it or start it */
static int start_step(struct psv *sv, size_t i)
{
	const struct mlw_pipeline_step *st = &sv->p->steps[i];
	struct mlw_catalog *cat = catalog(sv);
	char key[MLW_OID_HEXSZ + 1];
	struct mlw_job_opts jopts;
	struct mlw_spec *spec = NULL;
	struct mlw_job *job = NULL;
	struct mlw_sweep_job *sweep = NULL;
	struct mlw_run *from = NULL;
	char *src = NULL, *rel, *path, *text = NULL;
	int ret;

	if (!cat)
		return mlw_error_last_code();
	rel = mlw_xstrfmt("runs/%s/steps/%zu.yml", sv->name, i);
	path = mlw_repo_path(sv->repo, rel);
	free(rel);
	memset(&jopts, 0, sizeof(jopts));
	jopts.experiment = sv->experiment;
	jopts.display_name = st->name;
	jopts.parent = parent_of(sv, i);
	jopts.asset_lookup = mlw_run_resolve_asset;
	jopts.asset_data = cat;
	ret = mlw_step_prepare(&job, &sweep, &spec, &text, sv->repo, sv->p, i,
			       sv->jobs, path, &jopts);
	if (!ret)
		ret = mlw_step_snapshot(job, sv->p, i, &sv->snaps);
	if (!ret) {
		mlw_step_key(key, job, sv->p, i);
		if (sv->p->force_rerun || !st->deterministic)
			sv_log(sv, "step '%s': not reused (%s)", st->name,
			       sv->p->force_rerun ? "settings.force_rerun" :
			       st->kind == MLW_STEP_SWEEP &&
			       mlw_component_deterministic(st->component) ?
			       "its sampling_algorithm has no seed" :
			       "is_deterministic: false");
		else
			ret = mlw_pipeline_find_reusable(&src, &from,
							 catalog(sv), key);
	}
	if (!ret && src)
		ret = record_reused(sv, i, job, key, src, from);
	if (!ret && src) {
		step_done(sv, i, MLW_RUN_COMPLETED, NULL);
		check_outputs(sv, i);
	} else if (!ret) {
		ret = mlw_step_write_spec(path, text);
		if (!ret)
			ret = launch(sv, i, job, sweep, path, key);
	}
	free(path);
	free(text);
	free(src);
	mlw_run_free(from);
	if (sweep)
		mlw_sweep_job_free(sweep);
	else
		mlw_job_free(job);
	mlw_spec_free(spec);
	return ret;
}

/* keep a copy of a completed step's outputs io[0..nr) */
static void keep_outputs(struct step_state *s, const struct mlw_run_io *io,
			 size_t nr)
{
	size_t k;

	s->outs = mlw_calloc(nr + 1, sizeof(*s->outs));
	for (k = 0; k < nr; k++) {
		s->outs[k].name = mlw_strdup(io[k].name);
		s->outs[k].object = io[k].object ?
				    mlw_strdup(io[k].object) : NULL;
	}
	s->nr_outs = nr;
	s->outs_known = 1;
}

/*
 * The object of output name of step i's job (a command or sweep step,
 * Completed), or NULL: read from the catalog once, after which the
 * outputs no longer change (a reused step's are known from the start).
 */
static const char *step_output(struct psv *sv, size_t i, const char *name)
{
	struct step_state *s = &sv->st[i];
	size_t k;

	if (!s->outs_known) {
		struct mlw_catalog *cat = catalog(sv);
		struct mlw_run *run;

		if (!cat || mlw_run_get(&run, cat, sv->jobs[i])) {
			mlw_error_clear();
			return NULL;
		}
		if (!mlw_run_load_io(cat, run))
			keep_outputs(s, run->outputs, run->nr_outputs);
		mlw_error_clear();
		mlw_run_free(run);
		if (!s->outs_known)
			return NULL;
	}
	for (k = 0; k < s->nr_outs; k++)
		if (!strcmp(s->outs[k].name, name))
			return s->outs[k].object;
	return NULL;
}

/*
 * Step i completed: note the outputs it left empty.  A folder may be
 * empty (a warning in the log); a file output must hold its file, and
 * the steps reading an empty one do not run.
 */
static void check_outputs(struct psv *sv, size_t i)
{
	const struct mlw_pipeline_step *st = &sv->p->steps[i];
	struct mlw_odb *odb;
	size_t k;

	if (mlw_repo_odb(&odb, sv->repo)) {
		mlw_error_clear();
		return;
	}
	for (k = 0; k < st->nr_outputs; k++) {
		struct mlw_tree tree = MLW_TREE_INIT;
		const char *hex = step_output(sv, i, st->outputs[k].name);
		struct mlw_oid oid;

		if (hex && !mlw_oid_from_hex(&oid, hex) &&
		    !mlw_tree_read(&tree, odb, &oid) && !tree.nr) {
			mlw_strlist_push(&sv->st[i].empty, st->outputs[k].name);
			sv_log(sv, "%s: step '%s' left its output '%s' empty",
			       strcmp(st->outputs[k].type, "uri_file") ?
			       "warning" : "error", st->name,
			       st->outputs[k].name);
		}
		mlw_error_clear();
		mlw_tree_release(&tree);
	}
}

/* whether input in reads a uri_file output its step left empty */
static int reads_empty_file(struct psv *sv, const struct mlw_pipeline_input *in)
{
	const struct mlw_pipeline_step *src;
	const struct step_state *s;
	size_t k, j;

	if (in->bind != MLW_BIND_STEP)
		return 0;
	src = &sv->p->steps[in->step];
	s = &sv->st[in->step];
	for (k = 0; k < s->empty.nr; k++) {
		if (strcmp(s->empty.items[k], in->output))
			continue;
		for (j = 0; j < src->nr_outputs; j++)
			if (!strcmp(src->outputs[j].name, in->output))
				return !strcmp(src->outputs[j].type,
					       "uri_file");
	}
	return 0;
}

/*
 * Why step i cannot start (NULL: it can): a step it reads from did not
 * complete, or left a file output empty.
 */
static char *blocked(struct psv *sv, size_t i, int *done, int *status)
{
	const struct mlw_pipeline_step *st = &sv->p->steps[i];
	size_t k;

	*done = 1;
	for (k = 0; k < st->nr_deps; k++)
		if (sv->st[st->deps[k]].state != DONE)
			*done = 0;
	for (k = 0; k < st->nr_deps; k++) {
		const struct step_state *d = &sv->st[st->deps[k]];

		if (d->state == DONE && d->status != MLW_RUN_COMPLETED) {
			*status = d->status == MLW_RUN_CANCELED ?
				  MLW_RUN_CANCELED : MLW_RUN_FAILED;
			return mlw_xstrfmt("step '%s' it reads from %s",
					   sv->p->steps[st->deps[k]].name,
					   d->status == MLW_RUN_CANCELED ?
					   "was canceled" : "failed");
		}
	}
	for (k = 0; *done && k < st->nr_inputs; k++)
		if (reads_empty_file(sv, &st->inputs[k])) {
			*status = MLW_RUN_FAILED;
			return mlw_xstrfmt("output '%s' of step '%s' is empty: "
					   "a uri_file output must hold its "
					   "file", st->inputs[k].output,
					   sv->p->steps[st->inputs[k].step].name);
		}
	return NULL;
}

/* start what is ready, in order, while there is room */
static void launch_ready(struct psv *sv)
{
	size_t n;

	for (n = 0; n < sv->p->nr_order; n++) {
		size_t i = sv->p->order[n];
		int ready, status;
		char *why;

		if (sv->st[i].state != PENDING)
			continue;
		why = blocked(sv, i, &ready, &status);
		if (why && ready && status == MLW_RUN_FAILED &&
		    strstr(why, "is empty")) {
			/* its own failure, not one passed on */
			sv_log(sv, "step '%s' not run: %s",
			       sv->p->steps[i].name, why);
			record_no_job(sv, i, MLW_RUN_FAILED, why);
			step_done(sv, i, MLW_RUN_FAILED, why);
			free(why);
			continue;
		}
		if (why) {
			step_skipped(sv, i, (enum mlw_run_status)status, why);
			free(why);
			continue;
		}
		if (!ready || sv->stopping || cancel_asked(sv))
			continue;
		if (sv->running >= sv->max)
			break;
		if (start_step(sv, i)) {
			char *why2 = mlw_strdup(mlw_error_last());

			sv_log(sv, "step '%s' failed to start: %s",
			       sv->p->steps[i].name, why2);
			mlw_error_clear();
			record_no_job(sv, i, MLW_RUN_FAILED, why2);
			step_done(sv, i, MLW_RUN_FAILED, why2);
			free(why2);
		}
		if (sv->nr_batch >= REUSE_BATCH && flush_reused(sv))
			mlw_error_clear();	/* said: the steps failed */
	}
	if (flush_reused(sv))
		mlw_error_clear();	/* said in the log, the steps failed */
}

/*
 * The tree of entries[0..n) (relative paths, sorted, with their blobs)
 * below prefix (its length): subfolders become trees of their own.
 */
static int artifact_tree(struct mlw_oid *out, uint64_t *size,
			 struct mlw_odb *odb, const struct mlw_run_kv *kv,
			 size_t n, size_t prefix)
{
	struct mlw_tree t = MLW_TREE_INIT;
	size_t i = 0;
	int ret = 0;

	*size = 0;
	while (!ret && i < n) {
		const char *rest = kv[i].key + prefix;
		const char *slash = strchr(rest, '/');
		struct mlw_oid oid;
		uint64_t sz = 0;

		if (!slash) {
			enum mlw_object_type type;

			ret = mlw_oid_from_hex(&oid, kv[i].value);
			if (!ret)
				ret = mlw_odb_info(&type, &sz, odb, &oid);
			if (!ret)
				mlw_tree_add(&t, MLW_MODE_FILE, rest, &oid, sz);
			i++;
		} else {
			size_t len = (size_t)(slash - rest), j = i;
			char *dir = mlw_strndup(rest, len);

			while (j < n && !strncmp(kv[j].key + prefix, rest,
						 len + 1))
				j++;
			ret = artifact_tree(&oid, &sz, odb, kv + i, j - i,
					    prefix + len + 1);
			if (!ret)
				mlw_tree_add(&t, MLW_MODE_DIR, dir, &oid, sz);
			free(dir);
			i = j;
		}
		*size += sz;
	}
	if (!ret)
		ret = mlw_tree_write(out, NULL, odb, &t);
	mlw_tree_release(&t);
	return ret;
}

static int cmp_kv(const void *a, const void *b)
{
	return strcmp(((const struct mlw_run_kv *)a)->key,
		      ((const struct mlw_run_kv *)b)->key);
}

/* step i's "artifacts" output: what its run left as artifacts */
static void default_artifacts(struct psv *sv, size_t i)
{
	const struct mlw_pipeline_step *st = &sv->p->steps[i];
	struct mlw_catalog *cat;
	struct mlw_run *run = NULL;
	struct mlw_odb *odb;
	size_t k;

	for (k = 0; k < st->nr_outputs; k++)
		if (mlw_step_default_artifacts(st, k))
			break;
	if (k == st->nr_outputs || !(cat = catalog(sv)))
		return;
	if (!mlw_run_get(&run, cat, sv->jobs[i]) &&
	    !mlw_run_load_details(cat, run) && !mlw_repo_odb(&odb, sv->repo)) {
		char hex[MLW_OID_HEXSZ + 1];
		struct mlw_oid oid;
		uint64_t size;

		qsort(run->artifacts, run->nr_artifacts,
		      sizeof(*run->artifacts), cmp_kv);
		if (!artifact_tree(&oid, &size, odb, run->artifacts,
				   run->nr_artifacts, 0)) {
			struct mlw_run_io io = { "artifacts", "uri_folder",
						 NULL, hex };

			mlw_oid_to_hex(hex, &oid);
			if (mlw_run_add_output(cat, run->id, &io))
				sv_log(sv, "step '%s': %s", st->name,
				       mlw_error_last());
		}
	}
	mlw_error_clear();
	mlw_run_free(run);
}

/* step i's channel is at end of file: how did its run end? */
static void reap_step(struct psv *sv, size_t i)
{
	struct step_state *s = &sv->st[i];
	enum mlw_run_status status = MLW_RUN_FAILED;
	char *error = NULL;
	struct mlw_run *run;

	if (!mlw_job_watch_status(&s->watch, &status, &error)) {
		/* it died: the catalog says, once the reaper has been */
		struct mlw_catalog *cat = catalog(sv);

		status = MLW_RUN_FAILED;
		if (cat && !mlw_job_reap(sv->repo, NULL, NULL) &&
		    !mlw_run_get(&run, catalog(sv), sv->jobs[i])) {
			if (mlw_run_status_terminal(run->status))
				status = run->status;
			error = run->error ? mlw_strdup(run->error) : NULL;
			mlw_run_free(run);
		}
		mlw_error_clear();
	}
	mlw_job_watch_release(&s->watch);
	sv_log(sv, "step '%s': %s (job %s)%s%s", sv->p->steps[i].name,
	       mlw_run_status_name(status), sv->jobs[i],
	       error && *error ? ": " : "", error ? error : "");
	if (status == MLW_RUN_COMPLETED)
		default_artifacts(sv, i);
	step_done(sv, i, status, error);
	if (status == MLW_RUN_COMPLETED)
		check_outputs(sv, i);
	free(error);
}

/*
 * Wait for a running step's supervisor to say something (a second at
 * most: a cancel is looked at between waits), and reap the steps whose
 * channel has ended.
 */
static void wait_some(struct psv *sv)
{
	struct pollfd *fds = sv->pfds;
	size_t *which = sv->pwhich;
	size_t i, n = 0;
	int r;

	for (i = 0; i < sv->p->nr_steps; i++)
		if (sv->st[i].state == RUNNING || sv->st[i].state == STARTING) {
			fds[n].fd = sv->st[i].watch.fd;
			fds[n].events = POLLIN;
			which[n++] = i;
		}
	r = poll(fds, n, 1000);
	for (i = 0; r > 0 && i < n; i++) {
		struct step_state *s = &sv->st[which[i]];
		struct mlw_job_watch *w = &s->watch;
		char buf[4096];
		ssize_t got;

		if (!fds[i].revents)
			continue;
		got = read(w->fd, buf, sizeof(buf));
		if (got > 0 && w->msg.len < 65536)
			mlw_buf_add(&w->msg, buf, (size_t)got);
		else if (got == 0 || (got < 0 && errno != EINTR))
			w->eof = 1;
		if (s->state == STARTING &&
		    (w->eof || memchr(w->msg.buf, '\n', w->msg.len)))
			creation_said(sv, which[i]);
		if (s->state == RUNNING && w->eof)
			reap_step(sv, which[i]);
	}
	/* job supervisors that have exited since */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/* SIGTERM: cancel the steps that run, start no other */
static void cancel_all(struct psv *sv)
{
	sv->canceled = 1;
	sv->stopping = 1;
	sv_log(sv, "canceled: stopping the running steps");
	stop_running(sv);
}

/* --- the end ------------------------------------------------------------- */

/*
 * Register a named output as an asset (a model for the model types,
 * data for the others), from the object it already is.
 */
static int register_output(struct psv *sv, const char *job,
			   const char *output, const char *type,
			   const char *hex, const char *name,
			   const char *version)
{
	struct mlw_catalog *cat = catalog(sv);
	struct mlw_asset_content content;
	struct mlw_asset_spec spec;
	struct mlw_asset *a = NULL;
	struct mlw_tree tree = MLW_TREE_INIT;
	struct mlw_odb *odb;
	struct mlw_oid oid;
	size_t k;
	int ret, existed = 0;

	if (!cat)
		return mlw_error_last_code();
	mlw_asset_spec_init(&spec, !strcmp(type, "custom_model") ||
			    !strcmp(type, "mlflow_model") ||
			    !strcmp(type, "triton_model") ?
			    MLW_ASSET_MODEL : MLW_ASSET_DATA);
	spec.name = mlw_strdup(name);
	spec.version = version ? mlw_strdup(version) : NULL;
	spec.type = mlw_strdup(type);
	spec.job_name = mlw_strdup(job);
	spec.path = mlw_xstrfmt("azureml:jobs/%s/outputs/%s", job, output);
	memset(&content, 0, sizeof(content));
	content.path = mlw_strdup(spec.path);
	ret = mlw_repo_odb(&odb, sv->repo);
	if (!ret)
		ret = mlw_oid_from_hex(&oid, hex);
	if (!ret)
		ret = mlw_tree_read(&tree, odb, &oid);
	for (k = 0; !ret && k < tree.nr; k++) {
		content.size += tree.entries[k].size;
		content.nr_files++;
	}
	/* a file output is its one file, as 'data create' stores a file */
	if (!ret && !strcmp(type, "uri_file") && tree.nr == 1 &&
	    tree.entries[0].mode != MLW_MODE_DIR)
		mlw_oid_to_hex(content.object, &tree.entries[0].oid);
	else if (!ret)
		memcpy(content.object, hex, MLW_OID_HEXSZ + 1);
	mlw_tree_release(&tree);
	if (!ret)
		ret = mlw_catalog_begin(cat);
	if (!ret) {
		ret = mlw_asset_register(&a, &existed, cat, &spec, &content);
		if (!ret)
			ret = mlw_catalog_commit(cat);
		else
			mlw_catalog_rollback(cat);
	}
	if (!ret)
		sv_log(sv, "registered %s '%s' version '%s' from output '%s' "
		       "of job %s%s", mlw_asset_kind_name(spec.kind), a->name,
		       a->version, output, job, existed ?
		       " (already there with this content)" : "");
	mlw_asset_free(a);
	mlw_asset_content_release(&content);
	mlw_asset_spec_release(&spec);
	return ret;
}

/* the object of output name of run job, or NULL */
static char *output_object(struct psv *sv, const char *job, const char *name)
{
	struct mlw_catalog *cat = catalog(sv);
	struct mlw_run *run;
	char *hex = NULL;
	size_t k;

	if (!cat || mlw_run_get(&run, cat, job))
		return NULL;
	if (!mlw_run_load_io(cat, run))
		for (k = 0; k < run->nr_outputs; k++)
			if (!strcmp(run->outputs[k].name, name) &&
			    run->outputs[k].object)
				hex = mlw_strdup(run->outputs[k].object);
	mlw_run_free(run);
	return hex;
}

/*
 * The pipeline's outputs are its steps' (recorded as the pipeline run's
 * outputs, so azureml:jobs/PIPE/outputs/X names them too), and named
 * ones of those and of reused steps become assets.
 */
static void collect_outputs(struct psv *sv)
{
	const struct mlw_pipeline *p = sv->p;
	struct mlw_catalog *cat;
	size_t i, k;

	for (i = 0; i < p->nr_outputs; i++) {
		const struct mlw_pipeline_output *o = &p->outputs[i];
		char *hex;

		if (o->src_step < 0 ||
		    sv->st[o->src_step].status != MLW_RUN_COMPLETED)
			continue;
		if (sv->p->steps[o->src_step].kind == MLW_STEP_PIPELINE) {
			hex = output_object(sv, sv->jobs[o->src_step],
					    o->src_output);
		} else {
			const char *h = step_output(sv, o->src_step,
						    o->src_output);

			hex = h ? mlw_strdup(h) : NULL;
		}
		cat = catalog(sv);
		if (hex && cat &&
		    mlw_run_set_output_object(cat, sv->run_id, o->name, hex))
			sv_log(sv, "output '%s': %s", o->name,
			       mlw_error_last());
		if (hex && o->asset_name &&
		    register_output(sv, sv->name, o->name, o->type, hex,
				    o->asset_name, o->asset_version))
			sv_log(sv, "output '%s': %s", o->name,
			       mlw_error_last());
		free(hex);
		mlw_error_clear();
	}
	/* a reused step's named outputs: its job did not run to do it */
	for (i = 0; i < p->nr_steps; i++) {
		const struct mlw_pipeline_step *st = &p->steps[i];

		if (st->kind == MLW_STEP_PIPELINE || !sv->jobs[i] ||
		    sv->st[i].status != MLW_RUN_COMPLETED || !sv->st[i].reused)
			continue;
		for (k = 0; k < st->nr_outputs; k++) {
			const char *hex;

			if (!st->outputs[k].asset_name)
				continue;
			hex = step_output(sv, i, st->outputs[k].name);
			if (hex && register_output(sv, sv->jobs[i],
						   st->outputs[k].name,
						   st->outputs[k].type, hex,
						   st->outputs[k].asset_name,
						   st->outputs[k].asset_version))
				sv_log(sv, "output '%s' of step '%s': %s",
				       st->outputs[k].name, st->name,
				       mlw_error_last());
			mlw_error_clear();
		}
	}
}

/* a pipeline step ends with the steps inside it */
static enum mlw_run_status group_status(struct psv *sv, size_t g)
{
	enum mlw_run_status worst = MLW_RUN_COMPLETED;
	size_t i;

	for (i = 0; i < sv->p->nr_steps; i++) {
		long up = sv->p->steps[i].group;

		while (up >= 0 && (size_t)up != g)
			up = sv->p->steps[up].group;
		if (up < 0 || sv->p->steps[i].kind == MLW_STEP_PIPELINE)
			continue;
		if (sv->st[i].status == MLW_RUN_FAILED)
			worst = MLW_RUN_FAILED;
		else if (sv->st[i].status == MLW_RUN_CANCELED &&
			 worst == MLW_RUN_COMPLETED)
			worst = MLW_RUN_CANCELED;
	}
	return worst;
}

static void finish_groups(struct psv *sv, double now)
{
	struct mlw_child_run **batch = mlw_calloc(sv->p->nr_steps + 1,
						  sizeof(*batch));
	struct mlw_catalog *cat = catalog(sv);
	size_t i, n = 0;

	for (i = 0; i < sv->p->nr_steps; i++) {
		enum mlw_run_status s;

		if (!sv->groups[i])
			continue;
		s = group_status(sv, i);
		mlw_child_run_finish(sv->groups[i], s, -1,
				     s == MLW_RUN_COMPLETED ? NULL :
				     "a step inside it did not complete", now);
		batch[n++] = sv->groups[i];
	}
	if (n && (!cat || mlw_child_run_flush(cat, batch, n)))
		mlw_error_clear();
	free(batch);
}

/* the pipeline's end: statuses, outputs, log, hooks */
static enum mlw_run_status finish(struct psv *sv, char **error)
{
	enum mlw_run_status final = MLW_RUN_COMPLETED;
	char hex[MLW_OID_HEXSZ + 1], *path, *rel, *dir;
	struct mlw_catalog *cat;
	struct mlw_odb *odb;
	struct mlw_oid oid;
	double now = mlw_now();
	uint64_t size;
	int has_log = 0;
	size_t i;

	if (flush_reused(sv))
		mlw_error_clear();
	for (i = 0; i < sv->p->nr_steps; i++)
		if (sv->st[i].state == PENDING &&
		    sv->p->steps[i].kind != MLW_STEP_PIPELINE)
			step_skipped(sv, i, MLW_RUN_CANCELED, sv->canceled ?
				     "the pipeline was canceled" :
				     "the pipeline stopped after a failure");
	if (sv->canceled) {
		final = MLW_RUN_CANCELED;
		*error = mlw_strdup("canceled");
	} else if (sv->failed) {
		final = MLW_RUN_FAILED;
		*error = mlw_strdup(sv->first_failure);
	}
	collect_outputs(sv);
	finish_groups(sv, now);
	sv_log(sv, "pipeline %s %s", sv->name, mlw_run_status_name(final));
	path = mlw_job_log_path(sv->repo, sv->name);
	if (!mlw_repo_odb(&odb, sv->repo) &&
	    !mlw_odb_write_path(&oid, &size, odb, path, MLW_OBJ_BLOB,
				MLW_ODB_WRITE)) {
		mlw_oid_to_hex(hex, &oid);
		has_log = 1;
	}
	mlw_error_clear();
	free(path);
	cat = catalog(sv);
	if (!cat || mlw_run_finish(cat, sv->name, final, now, -1, *error,
				   has_log ? hex : NULL))
		mlw_error_clear();
	if (sv->log_fd >= 0)
		close(sv->log_fd);
	sv->log_fd = -1;
	rel = mlw_xstrfmt("runs/%s", sv->name);
	dir = mlw_repo_path(sv->repo, rel);
	if (mlw_remove_tree(dir))
		mlw_error_clear();
	free(dir);
	free(rel);
	if (mlw_run_fire_hooks(sv->repo, catalog(sv), sv->name))
		mlw_error_clear();
	return final;
}

/*
 * The steps' supervisors still removing their working areas: the
 * pipeline ends after them, so that what 'mlw job create --wait' leaves
 * is tidy.  Each has said its end: none runs a command any more.
 */
static void wait_supervisors(void)
{
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
}

static void supervise(struct psv *sv)
{
	for (;;) {
		if (cancel_asked(sv) && !sv->canceled)
			cancel_all(sv);
		launch_ready(sv);
		if (!sv->running)
			break;
		wait_some(sv);
	}
}

static void psv_release(struct psv *sv)
{
	size_t i;

	for (i = 0; sv->st && i < sv->p->nr_steps; i++) {
		size_t k;

		for (k = 0; k < sv->st[i].nr_outs; k++) {
			free(sv->st[i].outs[k].name);
			free(sv->st[i].outs[k].object);
		}
		free(sv->st[i].outs);
		mlw_strlist_release(&sv->st[i].empty);
		free(sv->st[i].error);
		free(sv->jobs[i]);
		mlw_child_run_free(sv->groups[i]);
	}
	free(sv->st);
	free(sv->jobs);
	free(sv->groups);
	free(sv->first_failure);
	free(sv->experiment);
	free(sv->pfds);
	free(sv->pwhich);
	free(sv->batch_steps);
	mlw_strlist_release(&sv->batch_runs);
	mlw_step_snapshots_release(&sv->snaps);
}

/*
 * The supervisor process: out of the creating command's session and
 * terminal, its channel close-on-exec (no step inherits it through an
 * exec), the command's signal handlers set (a cancel sets its flag).
 */
static void become_supervisor(const struct mlw_pipeline_run_opts *opts)
{
	mlw_supervisor_detach("mlw-pipeline");
	if (opts->start && opts->start->in_supervisor)
		opts->start->in_supervisor(NULL, opts->start->data);
}

/* the supervisor process: never returns */
static void supervisor_main(struct psv *sv, int notify_fd)
	__attribute__((noreturn));
static void supervisor_main(struct psv *sv, int notify_fd)
{
	enum mlw_run_status final;
	char *error = NULL;
	int ret;

	become_supervisor(sv->opts);
	ret = record_pipeline(sv);
	if (!ret)
		ret = open_log(sv);
	if (!ret) {
		char *rel = mlw_xstrfmt("runs/%s/steps", sv->name);
		char *dir = mlw_repo_path(sv->repo, rel);

		ret = mlw_mkdir_p(dir, 0777);
		free(dir);
		free(rel);
	}
	if (ret) {
		mlw_notify_created(notify_fd, ret, 0, mlw_error_last());
		_exit(1);
	}
	mlw_notify_created(notify_fd, 0, 0, sv->name);
	if (record_graph(sv)) {
		/* recorded, but it cannot run: it ends Failed, saying why */
		error = mlw_strdup(mlw_error_last());
		mlw_error_clear();
		sv->failed = 1;
		sv->first_failure = mlw_strdup(error);
		sv->stopping = 1;
		free(error);
		error = NULL;
	}
	sv_log(sv, "pipeline %s: %zu steps, up to %d at once", sv->name,
	       sv->p->nr_order, sv->max);
	if (mlw_run_fire_hooks(sv->repo, catalog(sv), sv->name))
		mlw_error_clear();
	supervise(sv);
	/* the host ends once its last run has: waited for with the others */
	mlw_job_host_free(sv->host);
	sv->host = NULL;
	wait_supervisors();
	final = finish(sv, &error);
	mlw_notify_ended(notify_fd, final, error);
	free(error);
	close(notify_fd);
	/* job supervisors still closing the catalog: let init have them */
	mlw_catalog_free(sv->repo->catalog);
	sv->repo->catalog = NULL;
	_exit(final == MLW_RUN_COMPLETED ? 0 : 1);
}

int mlw_pipeline_submit(struct mlw_job_watch *w, char **name,
			struct mlw_repo *repo, struct mlw_pipeline *p,
			const struct mlw_pipeline_run_opts *opts)
{
	struct psv sv;
	int fds[2], ret, reused;
	long cpus;
	pid_t child;

	*name = NULL;
	memset(&sv, 0, sizeof(sv));
	sv.repo = repo;
	sv.p = p;
	sv.opts = opts;
	sv.log_fd = -1;
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	sv.max = opts->max_concurrent_steps > 0 ? opts->max_concurrent_steps :
		 cpus > 0 ? (int)cpus : 1;
	sv.experiment = opts->experiment ? mlw_strdup(opts->experiment) :
			default_experiment(p);
	if (mlw_name_check(MLW_NAME_EXPERIMENT, sv.experiment)) {
		free(sv.experiment);
		return MLW_EINVALID;
	}
	ret = mlw_notify_channel(fds);
	if (ret) {
		free(sv.experiment);
		return ret;
	}
	sv.st = mlw_calloc(p->nr_steps + 1, sizeof(*sv.st));
	sv.jobs = mlw_calloc(p->nr_steps + 1, sizeof(*sv.jobs));
	sv.groups = mlw_calloc(p->nr_steps + 1, sizeof(*sv.groups));
	sv.pfds = mlw_calloc(p->nr_steps + 1, sizeof(*sv.pfds));
	sv.pwhich = mlw_calloc(p->nr_steps + 1, sizeof(*sv.pwhich));
	sv.batch_steps = mlw_calloc(p->nr_steps + 1, sizeof(*sv.batch_steps));
	/* no SQLite connection may cross the fork */
	mlw_catalog_free(repo->catalog);
	repo->catalog = NULL;
	child = fork();
	if (child < 0) {
		ret = mlw_error_errno("cannot start the pipeline supervisor");
		psv_release(&sv);
		close(fds[0]);
		close(fds[1]);
		return ret;
	}
	if (!child) {
		close(fds[0]);
		supervisor_main(&sv, fds[1]);
	}
	close(fds[1]);
	psv_release(&sv);
	mlw_job_watch_init(w, child, fds[0]);
	/* its first line: recorded, or why not */
	ret = mlw_job_watch_created(w, name, &reused);
	if (ret) {
		w->pid = 0;	/* waited for */
		mlw_job_watch_release(w);
	}
	return ret;
}

/*
 * launch.c - record a job, lay out its working area, fork its
 * supervisor; see launch.h.
 */
#include "run/launch.h"
#include "compute/placement.h"
#include "run/event.h"
#include "run/git.h"
#include "run/job.h"
#include "run/notify.h"
#include "run/run.h"
#include "run/stamp.h"
#include "run/supervise.h"
#include "run/workdir.h"
#include "spec/spec.h"
#include "store/catalog.h"
#include "store/odb.h"
#include "store/repo.h"
#include "store/statcache.h"
#include "store/tree.h"
#include "store/wtcache.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * A local input's snapshot consults the stat cache (statcache.h), as a
 * pipeline step's and an asset's do: a folder scored again and again
 * (a batch endpoint's nightly input) costs a stat a file, not a read and
 * hash of every byte.  A mode: direct input also stamps every file, the
 * ones the cache vouches for included (stamp.h).
 */
struct input_hooks {
	struct mlw_snapshot_opts cache;	/* the cache's own hooks */
	struct mlw_odb *odb;
	struct mlw_stamp *stamp;
};

static int input_lookup(struct mlw_oid *out, const char *relpath,
			const struct stat *st, void *data)
{
	struct input_hooks *h = data;

	if (!h->cache.lookup ||
	    h->cache.lookup(out, relpath, st, h->cache.cache_data) != 1 ||
	    mlw_odb_exists(h->odb, out) != 1)
		return 0;	/* read, then input_record() */
	if (h->stamp)
		mlw_stamp_record(relpath, st, out, h->stamp);
	return 1;
}

static void input_record(const char *relpath, const struct stat *st,
			 const struct mlw_oid *oid, void *data)
{
	struct input_hooks *h = data;

	if (h->cache.record)
		h->cache.record(relpath, st, oid, h->cache.cache_data);
	if (h->stamp)
		mlw_stamp_record(relpath, st, oid, h->stamp);
}

/* snapshot a local input: a folder as is, a file as a one-entry tree */
static int snapshot_input(struct mlw_odb *odb, struct mlw_statcache *cache,
			  struct mlw_job_io *io)
{
	struct mlw_tree t = MLW_TREE_INIT;
	struct mlw_oid blob;
	struct stat st;
	uint64_t size;
	int ret, cached;

	if (io->direct && !io->stamp)
		io->stamp = mlw_stamp_new();
	if (!io->is_file) {
		struct input_hooks h;
		struct mlw_snapshot_opts so;

		memset(&h, 0, sizeof(h));
		h.odb = odb;
		h.stamp = io->stamp;
		if (cache)
			mlw_statcache_attach(cache, &h.cache, io->src);
		memset(&so, 0, sizeof(so));
		so.lookup = input_lookup;
		so.record = input_record;
		so.cache_data = &h;
		return mlw_tree_write_dir(&io->oid, &size, odb, io->src, &so);
	}
	/* the stat from before the read, as the folder walk takes it */
	if (stat(io->src, &st) < 0)
		return mlw_error_errno("cannot stat '%s'", io->src);
	if (cache)
		ret = mlw_statcache_write_file(&blob, &size, &cached, cache,
					       odb, io->src);
	else
		ret = mlw_odb_write_path(&blob, &size, odb, io->src,
					 MLW_OBJ_BLOB, MLW_ODB_WRITE);
	if (ret)
		return ret;
	if (io->stamp)
		mlw_stamp_record(io->file_name, &st, &blob, io->stamp);
	mlw_tree_add(&t, st.st_mode & 0111 ? MLW_MODE_EXEC : MLW_MODE_FILE,
		     io->file_name, &blob, size);
	ret = mlw_tree_write(&io->oid, &size, odb, &t);
	mlw_tree_release(&t);
	return ret;
}

static int snapshot_inputs(struct mlw_job *job, struct mlw_odb *odb)
{
	struct mlw_statcache *cache = NULL;
	size_t i;
	int ret = 0;

	/* many small files: made durable together, not one by one */
	mlw_odb_batch_begin(odb);
	for (i = 0; !ret && i < job->nr_inputs; i++) {
		struct mlw_job_io *io = &job->inputs[i];

		if (!io->src || io->optional_missing)
			continue;
		if (!cache) {
			char *path = mlw_repo_path(job->repo, "statcache");

			mlw_statcache_open(&cache, path);
			free(path);
		}
		ret = snapshot_input(odb, cache, io);
		if (!ret)
			io->has_oid = 1;
	}
	if (ret)
		mlw_odb_batch_abort(odb);
	else
		ret = mlw_odb_batch_commit(odb);
	/* only a hint: failing to save it fails nothing */
	if (cache && !ret && mlw_statcache_save(cache))
		mlw_error_clear();
	mlw_statcache_free(cache);
	return ret;
}

/*
 * The run's spec as an object, durable before the transaction that
 * names it begins: never written (and synced) while holding the
 * catalog's write lock, which every other step of a pipeline waits for.
 */
static int write_spec(struct mlw_job *job, char hex[MLW_OID_HEXSZ + 1])
{
	struct mlw_odb *odb;
	struct mlw_oid oid;
	uint64_t size;
	int ret = mlw_repo_odb(&odb, job->repo);

	if (!ret)
		ret = mlw_odb_write_path(&oid, &size, odb, job->spec->path,
					 MLW_OBJ_BLOB, MLW_ODB_WRITE);
	if (!ret)
		mlw_oid_to_hex(hex, &oid);
	return ret;
}

/*
 * The run's row, with the calling process as its supervisor: it is
 * recorded with the run, so that no moment exists in which the run is
 * there and a dead supervisor could not be told.  In the caller's
 * transaction, with what was read before it began: the spec's object
 * and the state of the code's git repository.
 */
static int insert_run(struct mlw_job *job, struct mlw_catalog *cat,
		      struct mlw_run *run, char *spec_hex,
		      const struct mlw_git_state *gs)
{
	char code_hex[MLW_OID_HEXSZ + 1];
	int ret;

	run->spec = spec_hex;
	if (job->has_code) {
		mlw_oid_to_hex(code_hex, &job->code);
		run->code = code_hex;
	}
	if (gs) {
		run->git_repository = gs->repository_uri;
		run->git_branch = gs->branch;
		run->git_commit = gs->commit;
		run->git_dirty = gs->dirty;
	}
	ret = mlw_run_insert(cat, run);
	if (!ret)
		ret = mlw_run_set_supervisor(cat, run->name, getpid(),
					     mlw_proc_start_time(getpid()), 0);
	run->spec = run->code = NULL;
	run->git_repository = run->git_branch = run->git_commit = NULL;
	return ret;
}

/* its inputs, outputs and tags, in the caller's transaction */
static int insert_io(struct mlw_job *job, struct mlw_catalog *cat)
{
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < job->nr_inputs; i++) {
		const struct mlw_job_io *io = &job->inputs[i];
		char hex[MLW_OID_HEXSZ + 1];
		struct mlw_run_io rio = { io->name, io->type, io->value, NULL };

		if (io->has_oid) {
			mlw_oid_to_hex(hex, &io->oid);
			rio.object = hex;
		}
		if (!io->optional_missing)
			ret = mlw_run_add_input(cat, job->run_id, &rio);
	}
	for (i = 0; !ret && i < job->nr_outputs; i++) {
		struct mlw_run_io rio = { job->outputs[i].name,
					  job->outputs[i].type, NULL, NULL };

		ret = mlw_run_add_output(cat, job->run_id, &rio);
	}
	for (i = 0; !ret && i + 1 < job->tags.nr; i += 2)
		ret = mlw_run_set_tag(cat, job->run_id, job->tags.items[i],
				      job->tags.items[i + 1]);
	return ret;
}

/* the run, Queued, in one transaction */
static int record(struct mlw_job *job, struct mlw_catalog *cat)
{
	char spec_hex[MLW_OID_HEXSZ + 1];
	struct mlw_git_state gs;
	struct mlw_run run;
	int ret, has_git;

	memset(&run, 0, sizeof(run));
	run.name = job->name;
	run.display_name = job->display_name;
	run.experiment = job->experiment;
	run.parent = job->parent;
	run.type = (char *)(job->type ? job->type : "command");
	run.status = MLW_RUN_QUEUED;
	run.times[MLW_RUN_NOT_STARTED] = mlw_now();
	run.times[MLW_RUN_QUEUED] = run.times[MLW_RUN_NOT_STARTED];
	run.environment = job->environment;
	run.compute = job->compute;
	run.command = job->command;
	run.description = job->description;
	run.properties = job->properties;
	run.git_dirty = -1;
	/* the catalog's write lock is held for the inserts alone */
	memset(&gs, 0, sizeof(gs));
	has_git = job->code_dir && mlw_git_state(&gs, job->code_dir) > 0;
	ret = write_spec(job, spec_hex);
	if (ret) {
		mlw_git_state_release(&gs);
		return ret;
	}
	ret = mlw_catalog_begin(cat);
	if (!ret)
		ret = insert_run(job, cat, &run, spec_hex,
				 has_git ? &gs : NULL);
	if (!ret) {
		job->run_id = run.id;
		ret = insert_io(job, cat);
	}
	if (!ret && job->in_record)
		ret = job->in_record(cat, job, job->in_record_data);
	mlw_git_state_release(&gs);
	if (!ret)
		return mlw_catalog_commit(cat);
	mlw_catalog_rollback(cat);
	return ret;
}

/*
 * Bind and record under the name given, or under generated names until
 * one is free: the name is final once recorded, and bound into the
 * command.
 */
static int record_named(struct mlw_job *job, struct mlw_catalog *cat)
{
	int tries, ret = 0;

	for (tries = 0; tries < 20; tries++) {
		int generated = !job->name;

		if (generated)
			job->name = mlw_run_new_name();
		ret = mlw_job_bind(job);
		if (!ret)
			ret = record(job, cat);
		if (ret != MLW_EEXISTS || !generated)
			break;
		free(job->name);
		job->name = NULL;
	}
	return ret;
}

/* the log, with the note on a large code snapshot first */
static int make_log(struct mlw_job *job)
{
	char *log = mlw_path_join(job->workdir, "user_logs/std_log.txt");
	int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	int ret = 0;

	if (fd < 0) {
		ret = mlw_error_errno("cannot create '%s'", log);
	} else {
		char *note = mlw_job_code_summary(job);

		if (note)
			mlw_write_all(fd, note, strlen(note));
		free(note);
		close(fd);
	}
	free(log);
	return ret;
}

/* code/ (the snapshot, or empty) with Azure's ./outputs and ./logs */
static int make_code(struct mlw_job *job, struct mlw_odb *odb, const char *cwd)
{
	size_t i;
	int ret;

	if (job->has_code) {
		char *cache = mlw_repo_path(job->repo, "cache/worktrees");
		char *manifest = mlw_path_join(job->workdir, "code.manifest");

		ret = mlw_wtcache_checkout(odb, cache, &job->code, cwd,
					   manifest, &job->code_reused);
		free(manifest);
		free(cache);
	} else {
		ret = mlw_mkdir_p(cwd, 0777);
	}
	for (i = 0; !ret && i < MLW_ARTIFACT_DIRS; i++) {
		char *d = mlw_path_join(cwd, mlw_artifact_dirs[i]);

		if (!mkdir(d, 0777))
			job->made_dirs |= 1u << i;
		else if (errno != EEXIST)
			ret = mlw_error_errno("cannot create '%s'", d);
		free(d);
	}
	return ret;
}

/*
 * A mode: direct input whose source is still its snapshot (stamp.h):
 * inputs/X (d) is a symbolic link to the source folder, or a read-only
 * folder with one to the source file.  1 when linked; 0 when the
 * source changed (the caller checks the snapshot out); < 0 on error.
 */
static int link_direct(const struct mlw_job_io *io, struct mlw_odb *odb,
		       const char *d)
{
	char *f;
	int ret;

	if (!io->direct || !io->src || !io->stamp)
		return 0;
	if (!io->is_file) {
		ret = mlw_stamp_check_dir(io->stamp, odb, io->src, &io->oid);
		if (ret < 0)
			mlw_error_clear();	/* unreadable now: the snapshot */
		if (ret != 1)
			return 0;
		if (symlink(io->src, d) < 0)
			return mlw_error_errno("cannot link '%s'", d);
		return 1;
	}
	if (!mlw_stamp_check_file(io->stamp, io->src, io->file_name))
		return 0;
	if (mkdir(d, 0777) < 0)
		return mlw_error_errno("cannot create '%s'", d);
	f = mlw_path_join(d, io->file_name);
	ret = symlink(io->src, f) < 0 ?
	      mlw_error_errno("cannot link '%s'", f) : 1;
	free(f);
	if (ret == 1)
		chmod(d, 0555);
	return ret;
}

/* inputs/X, read-only checkouts (or links: mode direct), empty outputs/X */
static int make_io(struct mlw_job *job, struct mlw_odb *odb)
{
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < job->nr_inputs; i++) {
		const struct mlw_job_io *io = &job->inputs[i];
		char *d;

		if (!io->has_oid || io->optional_missing)
			continue;
		d = mlw_xstrfmt("%s/inputs/%s", job->workdir, io->name);
		ret = mlw_mkdir_p(d, 0777);
		if (!ret) {
			rmdir(d);
			ret = link_direct(io, odb, d);
			if (ret > 0)
				ret = 0;	/* read in place */
			else if (!ret)
				ret = mlw_tree_checkout(odb, &io->oid, d,
							MLW_CHECKOUT_READONLY);
		}
		free(d);
	}
	for (i = 0; !ret && i < job->nr_outputs; i++) {
		char *d = mlw_xstrfmt("%s/outputs/%s", job->workdir,
				      job->outputs[i].name);

		ret = mlw_mkdir_p(d, 0777);
		free(d);
	}
	return ret;
}

/*
 * The supervisor's plan: the environment is MLflow's (when a tracking
 * server is there), the spec's, then MLW_OUTPUT_<NAME> for each
 * output's path.
 */
static void make_plan(struct mlw_job *job, char *cwd)
{
	struct mlw_run_plan *p = &job->plan;
	size_t i;

	mlw_run_plan_release(p);
	p->command = mlw_strdup(job->command);
	p->cwd = cwd;
	p->timeout = job->timeout;
	p->keep_workdir = job->keep_workdir;
	p->made_dirs = job->made_dirs;
	p->metrics_pattern = job->metrics_pattern ?
			     mlw_strdup(job->metrics_pattern) : NULL;
	if (job->tracking_uri) {
		mlw_strlist_push_owned(&p->env, mlw_xstrfmt(
				       "MLFLOW_TRACKING_URI=%s",
				       job->tracking_uri));
		mlw_strlist_push_owned(&p->env, mlw_xstrfmt("MLFLOW_RUN_ID=%s",
				       job->name));
		mlw_strlist_push_owned(&p->env, mlw_xstrfmt(
				       "MLFLOW_EXPERIMENT_NAME=%s",
				       job->experiment));
	}
	for (i = 0; i < job->env.nr; i++)
		mlw_strlist_push(&p->env, job->env.items[i]);
	if (job->placement)
		p->placement = mlw_placement_dup(job->placement);
	p->outputs = mlw_calloc(job->nr_outputs ? job->nr_outputs : 1,
				sizeof(*p->outputs));
	p->nr_outputs = job->nr_outputs;
	for (i = 0; i < job->nr_outputs; i++) {
		const struct mlw_job_io *io = &job->outputs[i];
		struct mlw_run_plan_output *o = &p->outputs[i];
		char *path = mlw_job_io_path(job, "outputs", io), *k;
		char *kv = mlw_xstrfmt("MLW_OUTPUT_%s=%s", io->name, path);

		for (k = kv + 11; *k != '='; k++)
			*k = (char)toupper((unsigned char)*k);
		mlw_strlist_push_owned(&p->env, kv);
		free(path);
		o->name = mlw_strdup(io->name);
		o->type = mlw_strdup(io->type);
		o->asset_name = io->asset_name ? mlw_strdup(io->asset_name) :
				NULL;
		o->asset_version = io->asset_version ?
				   mlw_strdup(io->asset_version) : NULL;
	}
}

/*
 * job.json in a working area kept for debugging: what the supervisor was
 * told.  The supervisor is this process: it takes the plan from memory
 * (a file made and removed was a tenth of a short job's time in the
 * supervisor).
 */
static int write_job_json(struct mlw_job *job)
{
	char *path = mlw_path_join(job->workdir, "job.json");
	char *text = mlw_run_plan_json(&job->plan);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	int ret = 0;

	if (fd < 0 || mlw_write_all(fd, text, strlen(text)) < 0)
		ret = mlw_error_errno("cannot write '%s'", path);
	if (fd >= 0 && close(fd) < 0 && !ret)
		ret = mlw_error_errno("cannot write '%s'", path);
	free(text);
	free(path);
	return ret;
}

/* the working area: a failure fails the recorded run */
static int lay_out(struct mlw_job *job, struct mlw_odb *odb)
{
	char *cwd = mlw_path_join(job->workdir, "code");
	int ret = mlw_workdir_make(job->repo, job->workdir);

	if (!ret)
		ret = make_log(job);
	if (!ret)
		ret = make_code(job, odb, cwd);
	if (!ret)
		ret = make_io(job, odb);
	make_plan(job, cwd);
	if (!ret && job->keep_workdir)
		ret = write_job_json(job);
	return ret;
}

int mlw_job_create(struct mlw_job *job)
{
	struct mlw_catalog *cat;
	struct mlw_odb *odb;
	int ret;

	ret = mlw_repo_odb(&odb, job->repo);
	if (!ret)
		ret = mlw_repo_catalog(&cat, job->repo);
	if (!ret)
		ret = snapshot_inputs(job, odb);
	if (!ret)
		ret = record_named(job, cat);
	if (ret)
		return ret;
	ret = lay_out(job, odb);
	if (ret) {
		char *why = mlw_xstrfmt("cannot prepare the working area: %s",
					mlw_error_last());

		mlw_run_finish(cat, job->name, MLW_RUN_FAILED, mlw_now(), -1,
			       why, NULL);
		free(why);
	}
	return ret;
}

void mlw_supervisor_detach(const char *comm)
{
	int fd = open("/dev/null", O_RDWR);

	setsid();
	prctl(PR_SET_NAME, comm, 0, 0, 0);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
}

/*
 * The supervisor process: detached from the creating command's session
 * and terminal, the notify channel as fd 3 (close-on-exec: no hook or
 * command inherits it).  Returns the channel, or -1.
 */
static int become_supervisor(struct mlw_job *job, int notify_fd,
			     const struct mlw_job_start_opts *opts)
{
	mlw_supervisor_detach("mlw-supervise");
	if (notify_fd >= 0 && notify_fd != 3) {
		dup2(notify_fd, 3);
		close(notify_fd);
	}
	if (notify_fd >= 0)
		fcntl(3, F_SETFD, FD_CLOEXEC);
	if (opts && opts->in_supervisor)
		opts->in_supervisor(job, opts->data);
	return notify_fd >= 0 ? 3 : -1;
}

int mlw_job_supervise(struct mlw_job *job, int notify_fd,
		      const struct mlw_job_start_opts *opts,
		      const atomic_int *cancel)
{
	struct mlw_repo *repo = job->repo;
	struct mlw_supervise_request req;
	struct mlw_catalog *cat;
	int ret;

	ret = mlw_job_create(job);
	if (ret) {
		if (notify_fd >= 0) {
			mlw_notify_created(notify_fd, ret, 0, mlw_error_last());
			close(notify_fd);
		}
		return ret;
	}
	if (notify_fd >= 0)
		mlw_notify_created(notify_fd, 0, job->code_reused, job->name);
	if (!mlw_repo_catalog(&cat, repo))
		mlw_run_fire_hooks(repo, cat, job->name);
	mlw_error_clear();
	memset(&req, 0, sizeof(req));
	req.repo = repo;
	req.name = job->name;
	req.plan = &job->plan;
	req.notify_fd = notify_fd;
	req.cancel = cancel;
	if (opts) {
		req.executors = opts->executors;
		req.nr_executors = opts->nr_executors;
		req.early_eof = opts->early_eof && !opts->supervise;
	}
	ret = opts && opts->supervise ? opts->supervise(job, notify_fd, opts) :
	      mlw_run_supervise(&req);
	/*
	 * The run is over, its working area gone, its hooks run:
	 * end-of-file tells the creating command so, and it returns
	 * without waiting for the catalog's close (which may fold the
	 * WAL) and the supervisor's exit.  Folding at every close here was
	 * tried: the syncs it costs the next writer undo what the next
	 * opener saves.
	 */
	if (notify_fd >= 0 && !(req.early_eof && !ret))
		close(notify_fd);
	return ret;
}

/* the forked supervisor: record, then supervise; it never returns */
static void supervisor_main(struct mlw_job *job, int notify_fd,
			    const struct mlw_job_start_opts *opts)
	__attribute__((noreturn));
static void supervisor_main(struct mlw_job *job, int notify_fd,
			    const struct mlw_job_start_opts *opts)
{
	struct mlw_repo *repo = job->repo;
	int ret;

	notify_fd = become_supervisor(job, notify_fd, opts);
	ret = mlw_job_supervise(job, notify_fd, opts,
				opts ? opts->cancel : NULL);
	mlw_catalog_free(repo->catalog);
	repo->catalog = NULL;
	/* _exit: the creating command's exit handlers are its own */
	_exit(ret ? 1 : 0);
}

int mlw_job_start(pid_t *pid, struct mlw_job *job, int notify_fd,
		  const struct mlw_job_start_opts *opts)
{
	struct mlw_repo *repo = job->repo;
	pid_t child;

	/* no SQLite connection may cross the fork: the child opens its own */
	mlw_catalog_free(repo->catalog);
	repo->catalog = NULL;
	child = fork();
	if (child < 0)
		return mlw_error_errno("cannot start the job supervisor");
	if (!child)
		supervisor_main(job, notify_fd, opts);
	*pid = child;
	return 0;
}

int mlw_job_submit(struct mlw_job_watch *w, struct mlw_job *job,
		   const struct mlw_job_start_opts *opts)
{
	int fds[2], ret, reused;
	char *name;
	pid_t pid = 0;

	ret = mlw_notify_channel(fds);
	if (ret)
		return ret;
	ret = mlw_job_start(&pid, job, fds[1], opts);
	close(fds[1]);
	if (ret) {
		close(fds[0]);
		return ret;
	}
	mlw_job_watch_init(w, pid, fds[0]);
	ret = mlw_job_watch_created(w, &name, &reused);
	if (ret) {
		w->pid = 0;	/* waited for, or left to its session */
		mlw_job_watch_release(w);
		return ret;
	}
	free(job->name);
	job->name = name;
	job->code_reused = reused;
	return 0;
}

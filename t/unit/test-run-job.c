/*
 * test-run-job.c - a command job through the library: preparation and
 * binding (run/job.h), recording and laying out (run/launch.h), and the
 * supervisor (run/supervise.h) driving a thread executor to Completed,
 * Failed and Canceled.
 */
#include "tap.h"
#include "run/job.h"
#include "run/launch.h"
#include "run/run.h"
#include "run/supervise.h"
#include "run/workdir.h"
#include "spec/spec.h"
#include "store/odb.h"
#include "store/repo.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char dir[] = "/tmp/mlw-test-run-job-XXXXXX";
static struct mlw_repo *repo;

static void write_file(const char *name, const char *text)
{
	char *path = mlw_path_join(dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);

	if (fd >= 0) {
		mlw_write_all(fd, text, strlen(text));
		close(fd);
	}
	free(path);
}

static int load(struct mlw_spec **spec, const char *name)
{
	struct mlw_spec_options so;
	char *path = mlw_path_join(dir, name);
	int ret;

	memset(&so, 0, sizeof(so));
	so.group = "job";
	ret = mlw_spec_load(spec, path, &so);
	free(path);
	return ret;
}

static int prepare(struct mlw_job **job, struct mlw_spec **spec,
		   const char *file, const char *name)
{
	struct mlw_job_opts opts;
	int ret = load(spec, file);

	memset(&opts, 0, sizeof(opts));
	opts.name = name;
	opts.experiment = "unit";
	*job = NULL;
	if (!ret)
		ret = mlw_job_prepare(job, repo, *spec, &opts);
	return ret;
}

static void test_prepare_and_bind(void)
{
	struct mlw_spec *spec;
	struct mlw_job *job;
	char *want, *workdir;

	write_file("data.csv", "x,y\n1,2\n");
	write_file("bind.yml",
		   "command: >-\n"
		   "  train --data ${{inputs.data}} --alpha ${{inputs.alpha}}\n"
		   "  $[[--seed ${{inputs.seed}}]] --out ${{outputs.model}}\n"
		   "  --name ${{name}} ${{unknown}}\n"
		   "inputs:\n"
		   "  data:\n"
		   "    type: uri_file\n"
		   "    path: ./data.csv\n"
		   "  alpha: 0.5\n"
		   "  seed:\n"
		   "    type: integer\n"
		   "    optional: true\n"
		   "outputs:\n"
		   "  model:\n"
		   "    type: custom_model\n"
		   "    name: unit-model\n"
		   "environment_variables:\n"
		   "  A: b\n"
		   "tags:\n"
		   "  k: v\n"
		   "limits:\n"
		   "  timeout: 30\n");
	ok(!prepare(&job, &spec, "bind.yml", "bound_1"), "a job is prepared");
	if (!job)
		return;
	is_str(job->name, "bound_1", "with its name");
	is_str(job->experiment, "unit", "its experiment");
	is_int(job->nr_inputs, 3, "its inputs");
	ok(job->inputs[0].is_file && job->inputs[0].src, "a local file input");
	ok(job->inputs[1].is_literal, "a literal");
	ok(job->inputs[2].optional_missing, "an optional input not given");
	is_str(job->outputs[0].asset_name, "unit-model",
	       "an output registered as an asset");
	is_str(job->env.items[0], "A=b", "its environment");
	is_str(job->tags.items[1], "v", "its tags");
	ok(job->timeout == 30, "its timeout");
	ok(!mlw_job_bind(job), "bound");
	workdir = mlw_job_workdir(repo, "bound_1");
	is_str(job->workdir, workdir, "in its working area");
	want = mlw_xstrfmt("train --data %s/inputs/data/data.csv --alpha 0.5  "
			   "--out %s/outputs/model --name bound_1 ${{unknown}}",
			   workdir, workdir);
	is_str(job->command, want, "inputs, outputs and the name bound; the "
	       "block of a missing input dropped; the unknown left");
	free(want);
	free(workdir);
	mlw_job_free(job);
	mlw_spec_free(spec);

	write_file("empty.yml", "command: ' '\n");
	is_int(prepare(&job, &spec, "empty.yml", NULL), MLW_EINVALID,
	       "an empty command is refused");
	ok(strstr(mlw_error_last(), "empty.yml:1:10: 'command' is empty"),
	   "where it is: %s", mlw_error_last());
	mlw_spec_free(spec);
	write_file("missing.yml", "command: cat ${{inputs.d}}\n"
		   "inputs:\n  d:\n    type: uri_folder\n    path: ./nope\n");
	is_int(prepare(&job, &spec, "missing.yml", NULL), MLW_EINVALID,
	       "a missing input path is refused");
	ok(strstr(mlw_error_last(), "missing.yml:5:11: input 'd': path "
		  "'./nope' does not exist"), "where it is: %s",
	   mlw_error_last());
	mlw_spec_free(spec);
	write_file("name.yml", "command: echo\n");
	is_int(prepare(&job, &spec, "name.yml", "../up"), MLW_EINVALID,
	       "a name that is a path is refused");
	mlw_spec_free(spec);
}

/* what a trial does, by its command */
struct trial {
	const char *workdir;
	atomic_int *cancel;
};

static int trial_fn(const struct mlw_exec_thread_ctx *ctx)
{
	const struct trial *t = ctx->data;
	const char *cmd = ctx->req->command;
	char *path;
	int fd, i;

	dprintf(ctx->log_fd, "epoch 1\nloss=0.25\naccuracy=0.5\n");
	if (!strcmp(cmd, "fail"))
		return 3;
	if (!strcmp(cmd, "cancel")) {
		atomic_store(t->cancel, 1);
		for (i = 0; i < 1000 && !atomic_load(ctx->stop); i++) {
			struct timespec ts = { 0, 10 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
		return 0;
	}
	path = mlw_xstrfmt("%s/outputs/model/w.txt", t->workdir);
	fd = open(path, O_WRONLY | O_CREAT, 0666);
	free(path);
	if (fd < 0)
		return 1;
	dprintf(fd, "weights\n");
	close(fd);
	return 0;
}

/* create the run named name with command, supervise it on a thread */
static int supervise(const char *name, const char *command)
{
	const struct mlw_executor *executors[1];
	struct mlw_supervise_request req;
	struct mlw_executor ex;
	struct mlw_spec *spec;
	struct mlw_job *job;
	atomic_int cancel = 0;
	struct trial t;
	char *text;
	int ret;

	text = mlw_xstrfmt("command: %s\nproperties:\n"
			   "  mlw.metrics_pattern: true\n"
			   "outputs:\n  model:\n    type: uri_folder\n",
			   command);
	write_file("trial.yml", text);
	free(text);
	ret = prepare(&job, &spec, "trial.yml", name);
	if (!ret)
		ret = mlw_job_create(job);
	if (ret) {
		mlw_job_free(job);
		mlw_spec_free(spec);
		return ret;
	}
	t.workdir = job->workdir;
	t.cancel = &cancel;
	mlw_executor_thread_init(&ex, trial_fn, &t);
	executors[0] = &ex;
	memset(&req, 0, sizeof(req));
	req.repo = repo;
	req.name = job->name;
	req.plan = &job->plan;
	req.executors = executors;
	req.nr_executors = 1;
	req.cancel = &cancel;
	req.notify_fd = -1;
	ret = mlw_run_supervise(&req);
	mlw_job_free(job);
	mlw_spec_free(spec);
	return ret;
}

static struct mlw_run *get(const char *name)
{
	struct mlw_catalog *cat;
	struct mlw_run *run = NULL;

	if (!mlw_repo_catalog(&cat, repo) && !mlw_run_get(&run, cat, name))
		mlw_run_load_details(cat, run);
	return run;
}

/* the stored log of run, as text */
static char *stored_log(const struct mlw_run *run)
{
	struct mlw_buf b = MLW_BUF_INIT;
	enum mlw_object_type type;
	struct mlw_odb *odb;
	struct mlw_oid oid;

	if (!run->log || mlw_oid_from_hex(&oid, run->log) ||
	    mlw_repo_odb(&odb, repo) ||
	    mlw_odb_read_buf(&b, &type, odb, &oid, 1 << 20))
		return NULL;
	return mlw_buf_detach(&b, NULL);
}

static void test_supervise(void)
{
	struct mlw_run *run;
	char *log, *workdir;

	ok(!supervise("thread_ok", "train"), "a thread run is supervised");
	run = get("thread_ok");
	if (!run)
		return;
	is_str(mlw_run_status_name(run->status), "Completed", "to Completed");
	ok(run->has_exit_code && !run->exit_code, "exit code 0");
	ok(run->times[MLW_RUN_STARTING] && run->times[MLW_RUN_RUNNING] &&
	   run->times[MLW_RUN_FINALIZING] && run->times[MLW_RUN_ENDED_TIME],
	   "through every status");
	is_int(run->pgid, 0, "no process group recorded");
	is_int(run->nr_metrics, 2, "the metrics pattern applied");
	ok(run->nr_metrics == 2 && !strcmp(run->metrics[1].key, "loss") &&
	   run->metrics[1].value == 0.25, "loss=0.25");
	ok(run->nr_outputs == 1 && run->outputs[0].object,
	   "its output collected");
	log = stored_log(run);
	ok(log && strstr(log, "epoch 1\nloss=0.25\n"), "its log stored");
	free(log);
	workdir = mlw_job_workdir(repo, "thread_ok");
	ok(access(workdir, F_OK), "its working area removed");
	free(workdir);
	mlw_run_free(run);

	ok(!supervise("thread_fail", "fail"), "a failing thread run");
	run = get("thread_fail");
	if (!run)
		return;
	is_str(mlw_run_status_name(run->status), "Failed", "is Failed");
	is_str(run->error, "the command exited with status 3", "saying why");
	mlw_run_free(run);

	ok(!supervise("thread_cancel", "cancel"), "a canceled thread run");
	run = get("thread_cancel");
	if (!run)
		return;
	is_str(mlw_run_status_name(run->status), "Canceled", "is Canceled");
	is_str(run->error, "canceled", "saying so");
	ok(run->nr_outputs == 1 && run->outputs[0].object,
	   "its outputs still collected");
	mlw_run_free(run);
}

int main(void)
{
	if (!mkdtemp(dir) || mlw_repo_init(dir) ||
	    mlw_repo_discover(&repo, dir, NULL)) {
		ok(0, "a workspace: %s", mlw_error_last());
		return done_testing();
	}
	test_prepare_and_bind();
	test_supervise();
	mlw_repo_free(repo);
	mlw_remove_tree(dir);
	return done_testing();
}

/*
 * exec-slurm.c - the Slurm executor: a run's command submitted to a
 * Slurm cluster; see executor.h.
 *
 * start writes a batch script into the run's working area
 * (.mlw/runs/NAME/slurm/job.sh: the run's environment, the command, and
 * the line that records its exit status in slurm/exit) and submits it
 * with 'sbatch --parsable', with the target's settings as options.  wait
 * copies what the job wrote to slurm/out (Slurm's --output) to the
 * supervisor's pipe, a bounded chunk a call so that the pipe never fills
 * while its reader is here; it sees the end in slurm/exit, or asks the
 * scheduler (squeue, at most once a second) and, once the job has left
 * the queue or reached an end state, scontrol for how it ended: a
 * scancel from outside is a cancel, a time limit or a node failure a
 * failure saying so.  stop is scancel.  The supervisor does not change.
 *
 * The Slurm clients are found on PATH and read the cluster's
 * configuration as they always do (SLURM_CONF, /etc/slurm).  Each is
 * given a minute: one that hangs (a controller that does not answer) is
 * killed, and its error is the run's.
 */
#include "run/executor.h"
#include "compute/compute.h"
#include "compute/placement.h"
#include "run/run.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* how long one Slurm client may take, in seconds */
#define CLIENT_TIMEOUT 60
/* how long the scheduler may go unanswered before the run fails */
#define UNREACHABLE_GRACE 120
/* the most output copied to the pipe in one call (a pipe holds 64 KiB) */
#define COPY_CHUNK 32768

struct slurm_job {
	char *dir;		/* .mlw/runs/NAME/slurm */
	char *out_path, *exit_path;
	int out_fd;		/* ours of the request's; -1 once closed */
	int log_fd;		/* the job's output file, once it exists */
	double next_poll;	/* when to ask the scheduler next */
	double unreachable_since;	/* 0: it answers */
	int stop_asked;		/* we canceled it */
	int have_exit;		/* the command recorded its exit status */
	int ended;		/* how it ended is known: status */
	int drained;		/* its output is all copied */
	struct mlw_exec_status status;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Run a Slurm client (argv, found on PATH) and capture its standard
 * output and error together in out.  Its exit status (0 success), or
 * negative when it could not be run or took longer than CLIENT_TIMEOUT
 * (it is killed), with the message set.
 */
static int client(struct mlw_buf *out, const char *const *argv)
{
	posix_spawn_file_actions_t fa;
	double until = now() + CLIENT_TIMEOUT;
	int fds[2], err, status;
	char buf[4096];
	pid_t pid;

	mlw_buf_reset(out);
	if (pipe2(fds, O_CLOEXEC))
		return mlw_error_errno("cannot run %s", argv[0]);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
	err = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv,
			   environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (err) {
		close(fds[0]);
		return mlw_error_set("cannot run %s: %s%s", argv[0],
				     strerror(err), err == ENOENT ?
				     " (is Slurm's client installed?)" : "");
	}
	for (;;) {
		struct pollfd pfd = { fds[0], POLLIN, 0 };
		double left = until - now();
		ssize_t n;

		if (left <= 0) {
			kill(pid, SIGKILL);
			break;
		}
		if (poll(&pfd, 1, (int)(left * 1000) + 1) <= 0)
			continue;
		n = read(fds[0], buf, sizeof(buf));
		if (n > 0 && out->len < 65536)
			mlw_buf_add(out, buf, (size_t)n);
		else if (n == 0 || (n < 0 && errno != EINTR))
			break;
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return mlw_error_errno("cannot wait for %s", argv[0]);
	mlw_buf_rtrim(out);
	if (now() >= until)
		return mlw_error_set("%s did not answer within %d s", argv[0],
				     CLIENT_TIMEOUT);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return mlw_error_set("%s was killed by signal %d", argv[0],
			     WTERMSIG(status));
}

/* the launch line of the batch script: how the ranks are started */
static void add_launch(struct mlw_buf *b, const struct mlw_placement *p,
		       const char *command)
{
	struct mlw_buf inner = MLW_BUF_INIT;

	switch (p->dist) {
	case MLW_DIST_NONE:
		mlw_buf_adds(b, "sh -c ");
		mlw_sh_quote(b, command);
		break;
	case MLW_DIST_MPI:
		/* one task per rank; a rank that fails ends them all */
		mlw_buf_adds(b, "srun --kill-on-bad-exit=1 sh -c ");
		mlw_sh_quote(b, command);
		break;
	default:
		/* torch.distributed's env:// from Slurm's own */
		mlw_buf_adds(b, "MASTER_ADDR=$(scontrol show hostnames "
			     "\"$SLURM_JOB_NODELIST\" | head -n 1)\n"
			     "MASTER_PORT=$((29500 + SLURM_JOB_ID % 10000))\n"
			     "export MASTER_ADDR MASTER_PORT\n");
		mlw_buf_addf(&inner, "export RANK=$SLURM_PROCID "
			     "LOCAL_RANK=$SLURM_LOCALID NODE_RANK=$SLURM_NODEID"
			     " WORLD_SIZE=$SLURM_NTASKS LOCAL_WORLD_SIZE=%lld;"
			     " exec sh -c ", (long long)p->per_instance);
		mlw_sh_quote(&inner, command);
		mlw_buf_adds(b, "srun --kill-on-bad-exit=1 sh -c ");
		mlw_sh_quote(b, inner.buf);
		break;
	}
	mlw_buf_addch(b, '\n');
	mlw_buf_release(&inner);
}

/*
 * The batch script: the run's environment, its folder, the command, and
 * its exit status written to exit_path (through a temporary and a
 * rename, so that a reader never sees half of it).
 */
static char *script(const struct mlw_exec_request *req, const char *exit_path)
{
	struct mlw_buf b = MLW_BUF_INIT, kv = MLW_BUF_INIT;
	char *tmp = mlw_xstrfmt("%s.tmp", exit_path);
	size_t i;

	mlw_buf_addf(&b, "#!/bin/sh\n# mlw run %s\n", req->name);
	for (i = 0; i < req->nr_env + 2; i++) {
		mlw_buf_reset(&kv);
		if (i < req->nr_env)
			mlw_buf_adds(&kv, req->env[i]);
		else if (i == req->nr_env)
			mlw_buf_addf(&kv, "MLW_RUN_ID=%s", req->name);
		else
			mlw_buf_addf(&kv, "MLW_DIR=%s", req->mlw_dir);
		mlw_buf_adds(&b, "export ");
		mlw_sh_quote(&b, kv.buf);
		mlw_buf_addch(&b, '\n');
	}
	mlw_buf_adds(&b, "cd ");
	mlw_sh_quote(&b, req->cwd);
	mlw_buf_adds(&b, " || exit 126\n");
	add_launch(&b, req->placement, req->command);
	mlw_buf_adds(&b, "mlw_status=$?\nprintf '%d\\n' $mlw_status >");
	mlw_sh_quote(&b, tmp);
	mlw_buf_adds(&b, " && mv -f ");
	mlw_sh_quote(&b, tmp);
	mlw_buf_addch(&b, ' ');
	mlw_sh_quote(&b, exit_path);
	mlw_buf_adds(&b, "\nexit $mlw_status\n");
	mlw_buf_release(&kv);
	free(tmp);
	return mlw_buf_detach(&b, NULL);
}

/* sbatch's options from the target and the placement */
static void sbatch_args(struct mlw_strlist *args,
			const struct mlw_exec_request *req,
			const struct slurm_job *j, const char *path)
{
	const struct mlw_placement *p = req->placement;
	const struct mlw_slurm_settings *s = &p->target->slurm;
	size_t i;

	mlw_strlist_push(args, "sbatch");
	mlw_strlist_push(args, "--parsable");
	mlw_strlist_push_owned(args, mlw_xstrfmt("--job-name=mlw-%s",
						 req->name));
	mlw_strlist_push_owned(args, mlw_xstrfmt("--output=%s", j->out_path));
	mlw_strlist_push_owned(args, mlw_xstrfmt("--chdir=%s", req->cwd));
	if (s->partition)
		mlw_strlist_push_owned(args, mlw_xstrfmt("--partition=%s",
							 s->partition));
	if (s->account)
		mlw_strlist_push_owned(args, mlw_xstrfmt("--account=%s",
							 s->account));
	if (s->qos)
		mlw_strlist_push_owned(args, mlw_xstrfmt("--qos=%s", s->qos));
	if (s->time_limit)
		mlw_strlist_push_owned(args, mlw_xstrfmt("--time=%s",
							 s->time_limit));
	if (s->cpus_per_task)
		mlw_strlist_push_owned(args, mlw_xstrfmt(
			"--cpus-per-task=%lld", (long long)s->cpus_per_task));
	if (s->mem)
		mlw_strlist_push_owned(args, mlw_xstrfmt("--mem=%s", s->mem));
	mlw_strlist_push_owned(args, mlw_xstrfmt("--nodes=%lld",
						 (long long)p->instances));
	mlw_strlist_push_owned(args, mlw_xstrfmt(
		"--ntasks-per-node=%lld", (long long)(p->dist == MLW_DIST_NONE ?
						      1 : p->per_instance)));
	for (i = 0; i < s->sbatch_options.nr; i++)
		mlw_strlist_push(args, s->sbatch_options.items[i]);
	mlw_strlist_push(args, path);
}

/* a job id as sbatch --parsable prints it: "ID" or "ID;CLUSTER" */
static int parse_job_id(char *id, size_t size, const char *text)
{
	size_t n = strspn(text, "0123456789");

	if (!n || n >= size || (text[n] && text[n] != ';' && text[n] != '\n'))
		return -1;
	memcpy(id, text, n);
	id[n] = '\0';
	return 0;
}

static void slurm_job_free(struct slurm_job *j)
{
	if (!j)
		return;
	if (j->out_fd >= 0)
		close(j->out_fd);
	if (j->log_fd >= 0)
		close(j->log_fd);
	free(j->dir);
	free(j->out_path);
	free(j->exit_path);
	free(j);
}

static int slurm_accepts(const struct mlw_executor *ex,
			 const struct mlw_exec_request *req)
{
	return mlw_placement_is_slurm(req->placement);
}

static int slurm_start(struct mlw_exec *out, const struct mlw_executor *ex,
		       const struct mlw_exec_request *req)
{
	struct slurm_job *j = mlw_calloc(1, sizeof(*j));
	struct mlw_strlist args = MLW_STRLIST_INIT;
	struct mlw_buf said = MLW_BUF_INIT;
	char *parent = mlw_path_dirname(req->cwd), *path, *text;
	int ret;

	j->out_fd = j->log_fd = -1;
	j->dir = mlw_path_join(parent, "slurm");
	j->out_path = mlw_path_join(j->dir, "out");
	j->exit_path = mlw_path_join(j->dir, "exit");
	free(parent);
	path = mlw_path_join(j->dir, "job.sh");
	text = script(req, j->exit_path);
	ret = mlw_mkdir_p(j->dir, 0777);
	if (!ret)
		ret = mlw_write_file_atomic(path, text, strlen(text));
	if (!ret && chmod(path, 0755))
		ret = mlw_error_errno("cannot make '%s' executable", path);
	free(text);
	if (!ret) {
		sbatch_args(&args, req, j, path);
		mlw_strlist_push_owned(&args, NULL);
		ret = client(&said, (const char *const *)args.items);
		if (ret > 0)
			ret = mlw_error_set("sbatch could not submit the job: "
					    "%s", said.len ? said.buf :
					    "(it said nothing)");
		else if (!ret && parse_job_id(out->job_id, sizeof(out->job_id),
					      said.buf))
			ret = mlw_error_set("sbatch said '%s', not a job id",
					    said.buf);
	}
	free(path);
	mlw_strlist_release(&args);
	mlw_buf_release(&said);
	if (!ret) {
		j->out_fd = fcntl(req->out_fd, F_DUPFD_CLOEXEC, 3);
		if (j->out_fd < 0)
			ret = mlw_error_errno("cannot keep the output pipe");
	}
	if (ret) {
		/* submitted but not followable: it must not run unseen */
		if (*out->job_id) {
			const char *cancel[] = { "scancel", out->job_id, NULL };

			client(&said, cancel);
			mlw_buf_release(&said);
		}
		slurm_job_free(j);
		return ret < 0 ? ret : MLW_ERROR;
	}
	j->next_poll = now() + 0.5;
	out->state = j;
	return 0;
}

/* up to COPY_CHUNK more of the job's output to the pipe; 1 at its end */
static int copy_output(struct slurm_job *j)
{
	char buf[COPY_CHUNK];
	ssize_t n;

	if (j->log_fd < 0) {
		j->log_fd = open(j->out_path, O_RDONLY | O_CLOEXEC);
		if (j->log_fd < 0)
			return 1;	/* nothing written (yet) */
	}
	n = read(j->log_fd, buf, sizeof(buf));
	if (n <= 0)
		return 1;
	mlw_write_all(j->out_fd, buf, (size_t)n);
	return 0;
}

/* the exit status the wrapped command recorded; 1 when there is one */
static int read_exit(struct slurm_job *j)
{
	char buf[32];
	int fd = open(j->exit_path, O_RDONLY | O_CLOEXEC), code;
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if (sscanf(buf, "%d", &code) != 1 || code < 0 || code > 255)
		return 0;
	j->status.exited = 1;
	j->status.exit_code = code;
	return 1;
}

/* FIELD=VALUE in scontrol's one-line record, copied into out */
static void field(char *out, size_t size, const char *record,
		  const char *name)
{
	size_t len = strlen(name), n;
	const char *s = record;

	*out = '\0';
	while ((s = strstr(s, name))) {
		if ((s == record || s[-1] == ' ') && s[len] == '=') {
			s += len + 1;
			n = strcspn(s, " \n");
			if (n >= size)
				n = size - 1;
			memcpy(out, s, n);
			out[n] = '\0';
			return;
		}
		s += len;
	}
}

/*
 * The job's state and exit code from Slurm's accounting (sacct), for a
 * job the controller has forgotten; nothing where there is none.  sacct
 * says "STATE|RC:SIG", the state perhaps followed by " by UID".
 */
static void from_accounting(char *js, size_t js_size, char *code,
			    size_t code_size, const char *id)
{
	const char *argv[] = { "sacct", "-n", "-X", "-P", "-j", id, "-o",
			       "State,ExitCode", NULL };
	struct mlw_buf b = MLW_BUF_INIT;
	size_t n;
	char *bar;

	if (!client(&b, argv) && (bar = strchr(b.buf, '|'))) {
		n = strcspn(b.buf, " |\n");
		snprintf(js, js_size, "%.*s", (int)n, b.buf);
		n = strcspn(bar + 1, " \n");
		snprintf(code, code_size, "%.*s", (int)n, bar + 1);
	}
	mlw_error_clear();
	mlw_buf_release(&b);
}

/*
 * How the job ended, from scontrol (no exit status was recorded: the
 * command did not get to write it).  state is squeue's word for it.
 */
static void ended_by_scheduler(struct slurm_job *j, const char *id,
			       const char *state)
{
	const char *argv[] = { "scontrol", "show", "job", "-o", id, NULL };
	struct mlw_exec_status *st = &j->status;
	struct mlw_buf b = MLW_BUF_INIT;
	char js[64], code[32], reason[96];
	int rc = 0, sig = 0;

	*js = *code = *reason = '\0';
	if (!client(&b, argv)) {
		field(js, sizeof(js), b.buf, "JobState");
		field(code, sizeof(code), b.buf, "ExitCode");
		field(reason, sizeof(reason), b.buf, "Reason");
	}
	if (!*js)
		from_accounting(js, sizeof(js), code, sizeof(code), id);
	mlw_error_clear();
	mlw_buf_release(&b);
	if (!*js && state)
		snprintf(js, sizeof(js), "%s", state);
	sscanf(code, "%d:%d", &rc, &sig);
	j->ended = 1;
	if (!strcmp(js, "CANCELLED") && !j->stop_asked) {
		st->canceled = 1;
		snprintf(st->why, sizeof(st->why), "Slurm job %s was canceled "
			 "outside mlw (scancel)", id);
		st->signaled = 1;
		st->signal = sig ? sig : SIGTERM;
		return;
	}
	if (!strcmp(js, "TIMEOUT"))
		snprintf(st->why, sizeof(st->why), "Slurm job %s reached its "
			 "time limit and was stopped (TIMEOUT)", id);
	else if (!strcmp(js, "COMPLETED") && !rc && !sig)
		snprintf(st->why, sizeof(st->why), "Slurm job %s completed "
			 "but its command recorded no exit status", id);
	else if (*js)
		snprintf(st->why, sizeof(st->why), "Slurm job %s ended %s%s%s%s",
			 id, js, *reason && strcmp(reason, "None") ?
			 " (" : "", strcmp(reason, "None") ? reason : "",
			 *reason && strcmp(reason, "None") ? ")" : "");
	else
		snprintf(st->why, sizeof(st->why), "Slurm job %s is gone, and "
			 "Slurm no longer knows how it ended", id);
	if (sig) {
		st->signaled = 1;
		st->signal = sig;
	} else {
		st->exited = 1;
		st->exit_code = rc ? rc : 1;
	}
}

/* whether squeue's state word is one of a job that has ended */
static int state_ended(const char *s)
{
	static const char *const live[] = {
		"PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "SUSPENDED",
		"REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESIZING",
		"SIGNALING", "STAGE_OUT", "STOPPED", "RESV_DEL_HOLD", NULL
	};
	size_t i;

	for (i = 0; live[i]; i++)
		if (!strcmp(s, live[i]))
			return 0;
	return 1;
}

/*
 * Ask squeue about the job: 0 when it is still queued or running, 1
 * when it has ended (status filled), negative when Slurm has not
 * answered for UNREACHABLE_GRACE seconds.
 */
static int poll_scheduler(struct slurm_job *j, const char *id)
{
	const char *argv[] = { "squeue", "-h", "-t", "all", "-j", id, "-o",
			       "%T", NULL };
	struct mlw_buf b = MLW_BUF_INIT;
	int rc = client(&b, argv), ret = 0;

	if (rc && (rc < 0 || !strstr(b.buf, "Invalid job id"))) {
		/* not an answer: the controller is down, or busy */
		if (!j->unreachable_since)
			j->unreachable_since = now();
		else if (now() - j->unreachable_since > UNREACHABLE_GRACE)
			ret = mlw_error_set("Slurm has not answered for %d s "
					    "about job %s: %s",
					    UNREACHABLE_GRACE, id, rc < 0 ?
					    mlw_error_last() : b.buf);
		mlw_buf_release(&b);
		return ret;
	}
	j->unreachable_since = 0;
	if (!rc && b.len && !state_ended(b.buf)) {
		mlw_buf_release(&b);
		return 0;
	}
	/*
	 * Ended, or gone (an id it no longer knows).  A status the command
	 * recorded stands unless Slurm ended it (a time limit, a scancel:
	 * the command then records the signal it died of).
	 */
	if (!j->have_exit)
		j->have_exit = read_exit(j);
	if (!j->have_exit || (!rc && strcmp(b.buf, "COMPLETED") &&
			      strcmp(b.buf, "FAILED"))) {
		memset(&j->status, 0, sizeof(j->status));
		ended_by_scheduler(j, id, rc ? NULL : b.buf);
	}
	j->ended = 1;
	mlw_buf_release(&b);
	return 1;
}

static int slurm_wait(struct mlw_exec *e, int timeout_ms,
		      struct mlw_exec_status *st)
{
	struct slurm_job *j = e->state;
	int ret;

	/*
	 * Success ends it at once; a failure waits for Slurm's word on
	 * why (its state is final once the job has left COMPLETING).
	 */
	if (!j->ended && !j->have_exit && read_exit(j)) {
		j->have_exit = 1;
		if (!j->status.exit_code || j->stop_asked)
			j->ended = 1;
		else
			j->next_poll = 0;
	}
	if (!j->ended && now() >= j->next_poll) {
		ret = poll_scheduler(j, e->job_id);
		if (ret < 0)
			return ret;
		/* more often at first: short jobs end soon */
		j->next_poll = now() + 1.0;
	}
	if (!j->drained && j->out_fd >= 0) {
		if (!copy_output(j) || !j->ended)
			goto later;
		j->drained = 1;
		close(j->out_fd);	/* the supervisor's end of output */
		j->out_fd = -1;
	}
	if (!j->ended)
		goto later;
	*st = j->status;
	return 1;
later:
	if (timeout_ms > 0) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
	return 0;
}

static int slurm_stop(struct mlw_exec *e, enum mlw_exec_stop how)
{
	struct slurm_job *j = e->state;
	const char *term[] = { "scancel", e->job_id, NULL };
	const char *kill9[] = { "scancel", "--signal=KILL", "--full",
				e->job_id, NULL };
	struct mlw_buf b = MLW_BUF_INIT;
	int rc;

	if (j->ended)
		return 0;
	j->stop_asked = 1;
	rc = client(&b, how == MLW_EXEC_KILL ? kill9 : term);
	if (rc > 0)
		rc = mlw_error_set("scancel %s: %s", e->job_id, b.buf);
	mlw_buf_release(&b);
	return rc < 0 ? rc : 0;
}

static void slurm_release(struct mlw_exec *e)
{
	struct slurm_job *j = e->state;

	if (!j)
		return;
	if (!j->ended)
		slurm_stop(e, MLW_EXEC_KILL);
	mlw_error_clear();
	if (j->dir && mlw_remove_tree(j->dir))
		mlw_error_clear();
	slurm_job_free(j);
	e->state = NULL;
}

void mlw_slurm_stop_orphan(struct mlw_catalog *cat, const char *name)
{
	struct mlw_buf b = MLW_BUF_INIT;
	struct mlw_run *run;
	char id[32];
	size_t i;

	if (mlw_run_get(&run, cat, name) || mlw_run_load_details(cat, run)) {
		mlw_error_clear();
		return;
	}
	for (i = 0; i < run->nr_tags; i++) {
		const char *argv[] = { "scancel", id, NULL };

		if (strcmp(run->tags[i].key, "mlw.slurm_job_id") ||
		    parse_job_id(id, sizeof(id), run->tags[i].value))
			continue;
		client(&b, argv);
	}
	mlw_error_clear();
	mlw_buf_release(&b);
	mlw_run_free(run);
}

static const struct mlw_executor_ops slurm_ops = {
	"slurm", slurm_accepts, slurm_start, slurm_wait, slurm_stop,
	slurm_release,
};

const struct mlw_executor mlw_executor_slurm = { &slurm_ops, NULL, NULL };

/*
 * executor.h - how a run's command is carried out.
 *
 * The supervisor (supervise.h) owns a run from start to end: its status,
 * its log, its metrics, its timeout and cancel, its outputs.  Carrying out
 * the command itself is an executor's business: it starts the command with
 * its output going to a descriptor the supervisor reads, says when it has
 * ended and how, and stops it when asked.  Three are built in:
 *
 *	mlw_executor_process	 sh -c COMMAND in a process group of its
 *				 own, spawned with posix_spawn(3); it runs
 *				 any command (the supervisor's fallback)
 *	mlw_executor_builtin_init()  a simple "mlw ARGS..." command run as
 *				 the mlw program itself with those words:
 *				 no sh, no PATH lookup
 *	mlw_executor_thread_init()   a function run on a thread of this
 *				 process (an in-process trial), writing its
 *				 output to a descriptor of its own
 *
 * One that carries commands elsewhere (a Slurm submission) is one more
 * struct mlw_executor_ops: its start submits, its wait asks the scheduler
 * (and copies the output it finds to the request's out_fd), its stop
 * cancels the submission, its exit status is what the wrapped command
 * recorded.  The supervisor does not change.
 *
 * Calls on one started command (struct mlw_exec) come from one thread at
 * a time; different commands may be driven from different threads.
 */
#ifndef MLW_RUN_EXECUTOR_H
#define MLW_RUN_EXECUTOR_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct mlw_placement;

/*
 * What to run.  Everything is borrowed, and must stay valid until
 * mlw_exec_release() (a thread reads it while it runs).
 */
struct mlw_exec_request {
	const char *name;	/* the run's name: MLW_RUN_ID */
	const char *mlw_dir;	/* the .mlw directory: MLW_DIR */
	const char *command;	/* the bound command line, for sh -c */
	/*
	 * The command split into words when it is nothing but words
	 * (mlw_exec_split()), NULL-terminated; NULL when sh must run it.
	 */
	const char *const *argv;
	int argc;
	const char *cwd;	/* its working folder (absolute) */
	/* "KEY=VALUE" set over the environment, later ones winning */
	const char *const *env;
	size_t nr_env;
	/*
	 * Where the command's standard output and error go (the write end
	 * of the supervisor's log pipe).  The executor keeps its own copy
	 * while the command runs; the caller may close theirs once
	 * mlw_exec_start() returns.
	 */
	int out_fd;
	/*
	 * Where and over how many processes (compute/placement.h); NULL:
	 * here, one process.  The Slurm and ranks executors take the
	 * requests whose placement is theirs, and no other executor does.
	 */
	const struct mlw_placement *placement;
};

/* How a command ended. */
struct mlw_exec_status {
	int exited;		/* exit_code is its exit status */
	int exit_code;
	int signaled;		/* killed by signal (a process) */
	int signal;
	/*
	 * Stopped from outside (a scancel the supervisor did not ask for):
	 * the run is Canceled, not Failed.
	 */
	int canceled;
	/* why it ended this way when the executor knows better, or "" */
	char why[256];
};

enum mlw_exec_stop {
	MLW_EXEC_TERM,		/* ask it to stop (SIGTERM to its group) */
	MLW_EXEC_KILL		/* make it stop (SIGKILL to its group) */
};

struct mlw_executor;

/* A started command. */
struct mlw_exec {
	const struct mlw_executor *executor;
	/*
	 * The process group the command runs in, recorded with the run so
	 * that a cancel without a live supervisor, and the reaper, can
	 * kill it; 0 when there is none (a thread).
	 */
	int64_t pgid;
	/*
	 * The scheduler's id of the submission (a Slurm job id), recorded
	 * with the run as tag mlw.slurm_job_id; "" when there is none.
	 */
	char job_id[32];
	void *state;		/* the executor's */
};

struct mlw_executor_ops {
	const char *name;	/* "process", "builtin", "thread" ... */
	/* whether this executor carries out req; NULL: every request */
	int (*accepts)(const struct mlw_executor *ex,
		       const struct mlw_exec_request *req);
	/* start req; 0 with *out filled, or negative with a message */
	int (*start)(struct mlw_exec *out, const struct mlw_executor *ex,
		     const struct mlw_exec_request *req);
	/*
	 * Wait up to timeout_ms (0: do not wait) for the command to end:
	 * 1 with *st filled when it has, 0 when it is still running (or a
	 * signal interrupted the wait), negative on error.
	 */
	int (*wait)(struct mlw_exec *e, int timeout_ms,
		    struct mlw_exec_status *st);
	/* ask or make it stop; 0 or negative */
	int (*stop)(struct mlw_exec *e, enum mlw_exec_stop how);
	/*
	 * Free what start made; a command still running is killed and
	 * waited for first.
	 */
	void (*release)(struct mlw_exec *e);
};

struct mlw_executor {
	const struct mlw_executor_ops *ops;
	/* the implementation's: a function to call (cast back) and data */
	void (*fn)(void);
	void *data;
};

/* Whether ex carries out req (ops->accepts, or every request). */
int mlw_exec_accepts(const struct mlw_executor *ex,
		     const struct mlw_exec_request *req);
/* The ops of ex, called on e; see struct mlw_executor_ops. */
int mlw_exec_start(struct mlw_exec *out, const struct mlw_executor *ex,
		   const struct mlw_exec_request *req);
int mlw_exec_wait(struct mlw_exec *e, int timeout_ms,
		  struct mlw_exec_status *st);
int mlw_exec_stop(struct mlw_exec *e, enum mlw_exec_stop how);
void mlw_exec_release(struct mlw_exec *e);

/*
 * Split command into words as sh would, when it is nothing but words:
 * blanks separate them, quotes and backslashes quote.  Anything sh would
 * expand or interpret (an unquoted | & ; < > ( ) $ ` * ? [ ] { } or
 * newline, a word starting with # or ~, $ or ` inside double quotes, an
 * assignment first) makes it not simple.  Returns 1 with the words
 * appended to out (a struct mlw_strlist), 0 when it is not simple (out
 * may then hold a part; release it either way).
 */
struct mlw_strlist;
int mlw_exec_split(struct mlw_strlist *out, const char *command);

/* sh -c COMMAND, in its own process group; runs every request. */
extern const struct mlw_executor mlw_executor_process;

/*
 * The request's command on a Slurm compute (exec-slurm.c): submitted
 * with sbatch as a script in the run's working area (which must be on a
 * path the nodes share), followed with squeue and scontrol, its output
 * copied from the file Slurm writes, stopped with scancel.  Distributed
 * placements run their ranks with srun inside the allocation.  Takes the
 * requests whose placement is a Slurm target.
 */
extern const struct mlw_executor mlw_executor_slurm;

/*
 * The Slurm job of run name, when it has one (tag mlw.slurm_job_id),
 * canceled with scancel: what ends a run whose supervisor is gone (the
 * reaper, a cancel without a supervisor) must not leave it running.
 * Nothing when the run has none; errors are not reported (the job may
 * have ended long ago).
 */
struct mlw_catalog;
void mlw_slurm_stop_orphan(struct mlw_catalog *cat, const char *name);

/*
 * The request's command over the ranks of a distributed placement on
 * this machine (exec-ranks.c): mpi is one 'mpirun -np W sh -c COMMAND';
 * pytorch and tensorflow are W processes, each with its rank's variables
 * (placement.h).  When a rank fails the others are stopped, and the run
 * fails naming it.  Takes the requests with a local distributed
 * placement.
 */
extern const struct mlw_executor mlw_executor_ranks;

/*
 * An executor running the requests whose words start with "mlw" as
 * program (the mlw executable: "/proc/self/exe" for mlw itself) with
 * those words as its argv, spawned as the process executor spawns sh:
 * its own process group, stdin /dev/null, output to the run's log, in
 * the run's folder, with the run's environment.  program is borrowed
 * and must outlive ex.
 */
void mlw_executor_builtin_init(struct mlw_executor *ex, const char *program);

/* What a thread executor's function is given. */
struct mlw_exec_thread_ctx {
	const struct mlw_exec_request *req;	/* borrowed, for the call */
	/*
	 * The run's output: write the log here (it is closed when fn
	 * returns, which the supervisor reads as the end of the output).
	 */
	int log_fd;
	/* non-zero once the run is to stop: return as soon as possible */
	const atomic_int *stop;
	void *data;		/* as given to mlw_executor_thread_init() */
};

/*
 * The function of a thread executor; its return value is the exit status
 * (0: success).  A negative return is exit status 1, its message
 * (mlw_error_last() on that thread) written to the log.  It must not
 * change process-wide state (the working folder, the environment, signal
 * dispositions): req->cwd and req->env are for it to honour itself.
 */
typedef int (*mlw_exec_thread_fn)(const struct mlw_exec_thread_ctx *ctx);

/*
 * An executor running every request by calling fn(ctx) on a new thread.
 * A stop sets ctx->stop; a thread cannot be killed, so a stop that is
 * not honoured waits for fn to return.
 */
void mlw_executor_thread_init(struct mlw_executor *ex, mlw_exec_thread_fn fn,
			      void *data);

#endif

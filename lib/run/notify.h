/*
 * notify.h - following a run: both ends of the supervisor's notify
 * channel, and a run's log copied out as it grows.
 *
 * The command that starts a job (launch.h) keeps one end of a socket
 * pair; the supervisor writes to the other, with send(2) and
 * MSG_NOSIGNAL, so that a reader gone (a --wait interrupted) never kills
 * it and no signal disposition is changed for it:
 *
 *	"R REUSED NAME\n"	the run is recorded as NAME (REUSED: 1 when
 *				a kept working copy of the code was taken)
 *	"E CODE MESSAGE\n"	it could not be recorded: CODE is the
 *				negative MLW_E* code, nothing was recorded,
 *				and the supervisor exits
 *	"STATUS\nERROR"		the run has ended: its final status and why
 *				it did not complete (empty when it did)
 *
 * then closes it: end-of-file means the run is over, its working area
 * gone and its hooks run (the process may still be closing the catalog).
 * A supervisor that dies says nothing more; the catalog then tells.
 */
#ifndef MLW_RUN_NOTIFY_H
#define MLW_RUN_NOTIFY_H

#include "run/run.h"
#include "util/buf.h"

#include <sys/types.h>

struct mlw_repo;

/*
 * A socket pair for the channel, close-on-exec: fds[0] the reading end,
 * fds[1] the supervisor's.  0 or negative with a message.
 */
int mlw_notify_channel(int fds[2]);

/*
 * The supervisor's end.  The first line: when code is 0, "R" with
 * reused and text (the run's name); otherwise "E" with code and text
 * (the error message; newlines become spaces).  Then the end.  Both
 * ignore a reader that has gone.
 */
void mlw_notify_created(int fd, int code, int reused, const char *text);
void mlw_notify_ended(int fd, enum mlw_run_status status, const char *why);

/* The starting command's end. */
struct mlw_job_watch {
	pid_t pid;		/* the supervisor */
	int fd;			/* the channel; -1 once closed */
	int eof;
	struct mlw_buf msg;	/* what it said, past the first line */
};

/*
 * Start watching supervisor pid through fd (the channel's reading end,
 * now w's, closed by mlw_job_watch_release()).  w is the caller's.
 */
void mlw_job_watch_init(struct mlw_job_watch *w, pid_t pid, int fd);

/*
 * Read the first line: 0 with *name (the caller frees) and *reused, or
 * the supervisor's error as if it were the caller's own (its code, its
 * message), also when it exited without a word; the supervisor has then
 * been waited for.
 */
int mlw_job_watch_created(struct mlw_job_watch *w, char **name, int *reused);

/*
 * Copy what log_fd (the run's log, open for reading) holds and gains to
 * out_fd until the supervisor closes the channel.  0, or MLW_ERROR when
 * out_fd cannot be written.
 */
int mlw_job_watch_follow(struct mlw_job_watch *w, int log_fd, int out_fd);
/* Read the channel until the supervisor closes it. */
void mlw_job_watch_wait(struct mlw_job_watch *w);

/*
 * What the supervisor said at the end: 1 with *status (terminal) and
 * *why (the caller frees; NULL when it said none), 0 when it said
 * nothing usable (it died: ask the catalog).
 */
int mlw_job_watch_status(struct mlw_job_watch *w,
			 enum mlw_run_status *status, char **why);

/*
 * Close the channel.  When it was read to its end, the supervisor is
 * reaped if it has exited, and waited for if it said nothing at the end
 * (it is dying); one that said its end may still be closing the catalog,
 * and one not followed to its end is running the job: it is in its own
 * session, and whoever inherits it reaps it.
 */
void mlw_job_watch_release(struct mlw_job_watch *w);

/*
 * 'mlw job stream': copy the log of run name to out_fd, the stored log
 * of a run that has ended, else its working area's log as it grows,
 * until the run ends.  Runs whose supervisor died are ended on the way
 * (mlw_job_reap(), with reaped and data).  0 once the run has ended (its
 * final status is in the catalog); MLW_ENOTFOUND, or another negative
 * code (MLW_ERROR when out_fd cannot be written).
 */
int mlw_run_stream(struct mlw_repo *repo, const char *name, int out_fd,
		   void (*reaped)(const char *name, void *data), void *data);

#endif

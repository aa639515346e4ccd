/*
 * hook.h - run .mlw/hooks/EVENT, as git runs its hooks: the one hook
 * runner of every event (model-registered, run-status-changed,
 * run-completed, ...).
 *
 * An event runs the executable .mlw/hooks/EVENT, if there is one, with
 * the event's JSON payload on its standard input, MLW_DIR and MLW_EVENT
 * in its environment (over this process's), and the workspace folder as
 * its working directory.  Its standard output and error are mlw's own
 * standard error, so nothing it prints mixes with mlw's results.
 *
 * Where the two runners this one replaced differed, it does this, and why:
 *
 *  - The payload is an unlinked temporary file, not a pipe: a hook that
 *    never reads its input can neither block mlw nor make it die of
 *    SIGPIPE, so no signal disposition of the calling process is touched
 *    (the run runner ignored SIGPIPE for the whole process to write to
 *    its pipe).
 *  - MLW_EVENT is always set: one script can serve several events.
 *  - The exit status is reported (a hook that exits non-zero or dies is
 *    an error with a message): the caller decides whether to warn.  A
 *    supervisor has nobody to tell and ignores it, as before.
 *  - The hook is started with posix_spawn(3), not fork(2): it is safe in
 *    a threaded process (a server, a sweep), cheap in a big one, and the
 *    environment is built for the child instead of set in this process.
 *
 * Hooks run after the change they report was committed: a failing hook
 * never undoes that change.
 */
#ifndef MLW_UTIL_HOOK_H
#define MLW_UTIL_HOOK_H

/* Whether mlw_dir/hooks/event is there to be run (executable). */
int mlw_hook_exists(const char *mlw_dir, const char *event);

/*
 * Run the hook for event, in worktree (NULL: this process's folder),
 * and wait for it; *ran is 1 when there was an executable hook.  0, or
 * MLW_ERROR with a message when it could not be started, exited non-zero
 * or died of a signal.
 */
int mlw_hook_run(int *ran, const char *mlw_dir, const char *worktree,
		 const char *event, const char *payload);

#endif

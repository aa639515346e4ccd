/*
 * hook.h - run .mlw/hooks/EVENT, as git runs its hooks.
 *
 * An event (model-registered, ...) runs the executable .mlw/hooks/EVENT,
 * if there is one, with the event's JSON payload on its standard input,
 * MLW_DIR and MLW_EVENT in its environment, and the workspace folder as
 * its working directory.  Its standard output and error are mlw's own
 * standard error, so nothing it prints mixes with mlw's results.
 *
 * Hooks run after the change they report was committed: a failing hook
 * is reported to the caller, and never undoes that change.
 */
#ifndef MLW_ASSET_HOOK_H
#define MLW_ASSET_HOOK_H

/*
 * Run the hook for event; *ran is 1 when there was an executable hook.
 * MLW_ERROR with a message when it could not be started, exited non-zero
 * or died of a signal.
 */
int mlw_hook_run(int *ran, const char *mlw_dir, const char *worktree,
		 const char *event, const char *payload);

#endif

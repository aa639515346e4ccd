/*
 * hook.c - event hooks; see hook.h for what it does and why.
 */
#include "util/hook.h"
#include "util/alloc.h"
#include "util/env.h"
#include "util/error.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int mlw_hook_exists(const char *mlw_dir, const char *event)
{
	char *hooks = mlw_path_join(mlw_dir, "hooks");
	char *path = mlw_path_join(hooks, event);
	int want = !access(path, X_OK);

	free(path);
	free(hooks);
	return want;
}

/* the payload in an unlinked temporary file in dir, read from its start */
static int payload_fd(const char *dir, const char *payload)
{
	int fd = open(dir, O_RDWR | O_TMPFILE | O_CLOEXEC, 0600);

	if (fd < 0) {
		/* no O_TMPFILE on this filesystem: create and unlink */
		char *tmp = mlw_path_join(dir, "hook-payload-XXXXXX");

		fd = mkostemp(tmp, O_CLOEXEC);
		if (fd >= 0)
			unlink(tmp);
		free(tmp);
	}
	if (fd < 0)
		return mlw_error_errno("cannot create the hook's input in '%s'",
				       dir);
	if (mlw_write_all(fd, payload, strlen(payload)) < 0 ||
	    lseek(fd, 0, SEEK_SET) < 0) {
		int ret = mlw_error_errno("cannot write the hook's input");

		close(fd);
		return ret;
	}
	return fd;
}

/*
 * Start path with stdin from fd, stdout to our stderr, in worktree, with
 * MLW_DIR and MLW_EVENT set, and the signals a caller may catch or
 * ignore at their defaults.  0 with *pid, or an errno value.
 */
static int spawn_hook(pid_t *pid, const char *path, int fd,
		      const char *mlw_dir, const char *worktree,
		      const char *event)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t def, none;
	char *over[2], **envp;
	char *argv[] = { (char *)path, NULL };
	int err;

	over[0] = mlw_xstrfmt("MLW_DIR=%s", mlw_dir);
	over[1] = mlw_xstrfmt("MLW_EVENT=%s", event);
	envp = mlw_env_with((const char *const *)over, 2);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd, 0);
	posix_spawn_file_actions_adddup2(&fa, 2, 1);
	if (worktree)
		posix_spawn_file_actions_addchdir_np(&fa, worktree);
	posix_spawnattr_init(&at);
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	sigaddset(&def, SIGTERM);
	sigaddset(&def, SIGINT);
	sigaddset(&def, SIGHUP);
	sigemptyset(&none);
	posix_spawnattr_setsigdefault(&at, &def);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF |
				 POSIX_SPAWN_SETSIGMASK);
	err = posix_spawn(pid, path, &fa, &at, argv, envp);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	free(envp);
	free(over[0]);
	free(over[1]);
	return err;
}

int mlw_hook_run(int *ran, const char *mlw_dir, const char *worktree,
		 const char *event, const char *payload)
{
	char *hooks = mlw_path_join(mlw_dir, "hooks");
	char *path = mlw_path_join(hooks, event);
	int fd = -1, status, err, ret = 0;
	pid_t pid;

	*ran = 0;
	if (access(path, X_OK))
		goto out;	/* no hook, or not executable: nothing to run */
	*ran = 1;
	fd = payload_fd(mlw_dir, payload);
	if (fd < 0) {
		ret = fd;
		goto out;
	}
	err = spawn_hook(&pid, path, fd, mlw_dir, worktree, event);
	if (err) {
		ret = mlw_error_set("hook '%s' could not be run: %s", event,
				    strerror(err));
		goto out;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			ret = mlw_error_errno("cannot wait for hook '%s'",
					      event);
			goto out;
		}
	if (WIFSIGNALED(status))
		ret = mlw_error_set("hook '%s' died of signal %d", event,
				    WTERMSIG(status));
	else if (WEXITSTATUS(status) == 126)
		ret = mlw_error_set("hook '%s' could not be run", event);
	else if (WEXITSTATUS(status))
		ret = mlw_error_set("hook '%s' exited with status %d", event,
				    WEXITSTATUS(status));
out:
	if (fd >= 0)
		close(fd);
	free(path);
	free(hooks);
	return ret;
}

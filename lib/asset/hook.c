/*
 * hook.c - event hooks; see hook.h.
 *
 * The payload goes through an unlinked temporary file rather than a
 * pipe: a hook that never reads its input can neither block mlw nor
 * make it die of SIGPIPE.
 */
#include "asset/hook.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

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

int mlw_hook_run(int *ran, const char *mlw_dir, const char *worktree,
		 const char *event, const char *payload)
{
	char *hooks = mlw_path_join(mlw_dir, "hooks");
	char *path = mlw_path_join(hooks, event);
	int fd = -1, status, ret = 0;
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
	pid = fork();
	if (pid < 0) {
		ret = mlw_error_errno("cannot start hook '%s'", event);
		goto out;
	}
	if (!pid) {
		const char *argv[2] = { path, NULL };

		/* the child: payload on stdin, stdout to mlw's stderr */
		signal(SIGPIPE, SIG_DFL);
		if (dup2(fd, 0) < 0 || dup2(2, 1) < 0)
			_exit(127);
		setenv("MLW_DIR", mlw_dir, 1);
		setenv("MLW_EVENT", event, 1);
		if (worktree && chdir(worktree) < 0)
			_exit(127);
		execv(path, (char *const *)argv);
		_exit(126);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			ret = mlw_error_errno("cannot wait for hook '%s'", event);
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

/*
 * test-util-hook.c - the one hook runner (util/hook.h): what a hook is
 * given (payload on stdin, MLW_EVENT, MLW_DIR, the working folder), where
 * its output goes, how its failures are reported, and that it leaves the
 * calling process's signal dispositions alone while resetting them for
 * the hook.
 */
#include "tap.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/hook.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/mlw-test-hook-XXXXXX";
static char *mlw_dir;

/* .mlw/hooks/event with body as a shell script, mode mode */
static void write_hook(const char *event, const char *body, mode_t mode)
{
	char *path = mlw_xstrfmt("%s/hooks/%s", mlw_dir, event);
	char *text = mlw_xstrfmt("#!/bin/sh\n%s\n", body);
	FILE *fp = fopen(path, "w");

	if (fp) {
		fputs(text, fp);
		fclose(fp);
		chmod(path, mode);
	}
	free(text);
	free(path);
}

/* the file at dir/name, or "" */
static char *slurp(const char *name)
{
	struct mlw_buf b = MLW_BUF_INIT;
	char *path = mlw_path_join(dir, name);

	if (mlw_buf_read_file(&b, path, 1 << 20))
		mlw_error_clear();
	free(path);
	return mlw_buf_detach(&b, NULL);
}

static void test_absent(void)
{
	int ran = -1;

	ok(!mlw_hook_exists(mlw_dir, "asset-registered"), "no hook: none");
	ok(!mlw_hook_run(&ran, mlw_dir, dir, "asset-registered", "{}") &&
	   ran == 0, "running it does nothing, successfully");
	write_hook("asset-registered", "touch \"$MLW_DIR/../ran\"", 0644);
	ok(!mlw_hook_exists(mlw_dir, "asset-registered"),
	   "a hook that is not executable is not there");
	ok(!mlw_hook_run(&ran, mlw_dir, dir, "asset-registered", "{}") &&
	   ran == 0, "and is not run");
	ok(access("ran", F_OK) && errno == ENOENT, "(it did not run)");
}

static void test_environment(void)
{
	char *got, *want, *real;
	int ran = 0;

	write_hook("run-completed",
		   "cat >payload.out\n"
		   "printf '%s\\n%s\\n%s\\n' \"$MLW_EVENT\" \"$MLW_DIR\""
		   " \"$(pwd -P)\" >env.out", 0755);
	ok(mlw_hook_exists(mlw_dir, "run-completed"), "an executable hook");
	ok(!mlw_hook_run(&ran, mlw_dir, dir, "run-completed",
			 "{\"name\": \"r1\"}") && ran == 1,
	   "runs: %s", mlw_error_last());
	got = slurp("payload.out");
	is_str(got, "{\"name\": \"r1\"}", "the payload is its input");
	free(got);
	got = slurp("env.out");
	real = realpath(dir, NULL);
	want = mlw_xstrfmt("run-completed\n%s\n%s\n", mlw_dir, real);
	free(real);
	is_str(got, want, "MLW_EVENT, MLW_DIR, and the workspace folder");
	free(want);
	free(got);
}

static void test_output(void)
{
	char *path = mlw_path_join(dir, "stderr.out"), *got;
	int saved = dup(2), fd, ran = 0, ret;

	write_hook("out", "echo to-stdout; echo to-stderr >&2", 0755);
	fflush(stderr);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	dup2(fd, 2);
	close(fd);
	ret = mlw_hook_run(&ran, mlw_dir, dir, "out", "{}");
	dup2(saved, 2);
	close(saved);
	ok(!ret && ran, "a hook that prints");
	got = slurp("stderr.out");
	is_str(got, "to-stdout\nto-stderr\n",
	       "its output and errors are mlw's standard error");
	free(got);
	free(path);
}

static void test_failures(void)
{
	int ran = 0;

	write_hook("fails", "exit 3", 0755);
	is_int(mlw_hook_run(&ran, mlw_dir, dir, "fails", "{}"), MLW_ERROR,
	       "a hook exiting non-zero is an error");
	ok(ran == 1, "  that ran");
	is_str(mlw_error_last(), "hook 'fails' exited with status 3",
	       "  naming the hook and its status");
	write_hook("dies", "kill -TERM $$; sleep 5", 0755);
	is_int(mlw_hook_run(&ran, mlw_dir, dir, "dies", "{}"), MLW_ERROR,
	       "a hook killed by a signal is an error");
	is_str(mlw_error_last(), "hook 'dies' died of signal 15",
	       "  naming the signal");
	write_hook("noexec", "true", 0755);
	{
		/* an interpreter that is not there: the shell says 126/127 */
		char *path = mlw_xstrfmt("%s/hooks/noexec", mlw_dir);
		FILE *fp = fopen(path, "w");

		if (fp) {
			fputs("#!/nonexistent/interpreter\n", fp);
			fclose(fp);
		}
		free(path);
	}
	ok(mlw_hook_run(&ran, mlw_dir, dir, "noexec", "{}") == MLW_ERROR &&
	   strstr(mlw_error_last(), "could not be run"),
	   "a hook that cannot start is an error: %s", mlw_error_last());
}

static void test_signals(void)
{
	struct sigaction ign, old_pipe, old_term, now;
	struct mlw_buf big = MLW_BUF_INIT;
	int ran = 0, ret;
	size_t i;

	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGTERM, &ign, &old_term);
	sigaction(SIGPIPE, NULL, &old_pipe);

	/* ignored here, at its default in the hook: it dies of it */
	write_hook("term", "kill -TERM $$; sleep 5; exit 0", 0755);
	is_int(mlw_hook_run(&ran, mlw_dir, dir, "term", "{}"), MLW_ERROR,
	       "a signal the caller ignores is at its default in the hook");

	/* a payload far larger than a pipe, to a hook that never reads it */
	for (i = 0; i < 4096; i++)
		mlw_buf_adds(&big, "0123456789abcdef0123456789abcdef"
			     "0123456789abcdef0123456789abcdef");
	write_hook("deaf", "exit 0", 0755);
	ret = mlw_hook_run(&ran, mlw_dir, dir, "deaf", big.buf);
	ok(!ret && ran, "a hook that never reads 256 KiB of input: no block,"
	   " no SIGPIPE");
	mlw_buf_release(&big);

	sigaction(SIGPIPE, NULL, &now);
	ok(now.sa_handler == old_pipe.sa_handler,
	   "the caller's SIGPIPE disposition is as it was");
	sigaction(SIGTERM, &old_term, &now);
	ok(now.sa_handler == SIG_IGN,
	   "and so is its SIGTERM disposition (still ignored)");
}

int main(void)
{
	char *hooks;

	if (!mkdtemp(dir) || chdir(dir)) {
		ok(0, "a scratch folder");
		return done_testing();
	}
	mlw_dir = mlw_path_join(dir, ".mlw");
	hooks = mlw_path_join(mlw_dir, "hooks");
	if (mkdir(mlw_dir, 0755) || mkdir(hooks, 0755)) {
		ok(0, "a hooks folder");
		return done_testing();
	}
	test_absent();
	test_environment();
	test_output();
	test_failures();
	test_signals();
	if (chdir("/"))
		ok(0, "leaving the scratch folder");
	mlw_remove_tree(dir);
	free(hooks);
	free(mlw_dir);
	return done_testing();
}

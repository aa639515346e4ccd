/*
 * test-lapack-load.c - unit tests for lib/ml/lapack's load: OpenBLAS
 * reads a short thread timeout (OPENBLAS_THREAD_TIMEOUT=20) while it
 * loads, the environment is as it was afterwards, and a timeout the
 * user set is the one OpenBLAS reads.
 */
#include "tap.h"
#include "ml/lapack.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* the timeout OpenBLAS read from its environment, or -1 without it */
static int openblas_timeout(void)
{
	void *h = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_NOLOAD);
	int (*fn)(void);

	if (!h)
		return -1;
	*(void **)&fn = dlsym(h, "openblas_thread_timeout");
	dlclose(h);
	return fn ? fn() : -1;
}

/*
 * In a child, before anything is loaded: the user's own value is kept,
 * in the environment and in what OpenBLAS read.  Exit 0 when so.
 */
static int user_value_kept(void)
{
	pid_t pid;
	int status;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return 0;
	if (!pid) {
		const struct mlw_lapack *la;
		const char *v;
		int t;

		setenv("OPENBLAS_THREAD_TIMEOUT", "9", 1);
		if (mlw_lapack_load(&la))
			_exit(2);
		v = getenv("OPENBLAS_THREAD_TIMEOUT");
		t = openblas_timeout();
		_exit(v && !strcmp(v, "9") && (t == 9 || t == -1) ? 0 : 1);
	}
	if (waitpid(pid, &status, 0) != pid)
		return 0;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int main(void)
{
	const struct mlw_lapack *la;
	int t;

	unsetenv("OPENBLAS_THREAD_TIMEOUT");
	ok(user_value_kept(), "a timeout the user set is kept and read");
	is_int(mlw_lapack_load(&la), 0, "LAPACKE and a CBLAS load");
	ok(la && la->dposv && la->dsyrk, "the table is filled");
	ok(!getenv("OPENBLAS_THREAD_TIMEOUT"),
	   "the environment is as it was after the load");
	t = openblas_timeout();
	if (t == -1)
		ok(1, "# skip the CBLAS is not OpenBLAS");
	else
		is_int(t, 20, "OpenBLAS read a timeout of 2^20 cycles");
	return done_testing();
}

/*
 * test-run-executor.c - the executors (run/executor.h): sh in a process
 * group, a built-in in a forked child, a function on a thread; and the
 * word splitting that tells a built-in command.
 */
#include "tap.h"
#include "run/executor.h"
#include "run/run.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* everything readable from fd until end of file */
static char *slurp(int fd)
{
	struct mlw_buf b = MLW_BUF_INIT;
	char buf[4096];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		mlw_buf_add(&b, buf, (size_t)n);
	}
	return mlw_buf_detach(&b, NULL);
}

/* wait for e to end, up to 10 s; 1 when it did */
static int wait_end(struct mlw_exec *e, struct mlw_exec_status *st)
{
	int i;

	for (i = 0; i < 100; i++)
		if (mlw_exec_wait(e, 100, st) == 1)
			return 1;
	return 0;
}

static void request(struct mlw_exec_request *r, const char *command,
		    int out_fd)
{
	static const char *const env[] = { "GREETING=hello",
					   "GREETING=bonjour" };

	memset(r, 0, sizeof(*r));
	r->name = "happy_lamp_4k2";
	r->mlw_dir = "/tmp/not-a-store/.mlw";
	r->command = command;
	r->cwd = "/";
	r->env = env;
	r->nr_env = 2;
	r->out_fd = out_fd;
}

static void test_split(void)
{
	static const struct {
		const char *command;
		int simple;
		const char *words;	/* joined by '|' */
	} cases[] = {
		{ "mlw train ridge --alpha 0.5", 1, "mlw|train|ridge|--alpha|0.5" },
		{ "  mlw\tlog  metric ", 1, "mlw|log|metric" },
		{ "mlw log 'a b' \"c d\" e\\ f", 1, "mlw|log|a b|c d|e f" },
		{ "mlw x \"a\\\"b\"", 1, "mlw|x|a\"b" },
		{ "mlw x | cat", 0, NULL },
		{ "mlw x > out", 0, NULL },
		{ "mlw $HOME", 0, NULL },
		{ "mlw \"$HOME\"", 0, NULL },
		{ "mlw *.csv", 0, NULL },
		{ "mlw ~/x", 0, NULL },
		{ "mlw x # comment", 0, NULL },
		{ "A=1 mlw x", 0, NULL },
		{ "mlw x a=1", 1, "mlw|x|a=1" },
		{ "mlw 'open", 0, NULL },
		{ "mlw \"open", 0, NULL },
		{ "mlw x\ny", 0, NULL },
		{ "", 0, NULL },
	};
	size_t i, j;

	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct mlw_strlist w = MLW_STRLIST_INIT;
		struct mlw_buf b = MLW_BUF_INIT;
		int simple = mlw_exec_split(&w, cases[i].command);

		is_int(simple, cases[i].simple, "split case %zu: %s", i,
		       cases[i].simple ? "words" : "sh");
		for (j = 0; simple && j < w.nr; j++)
			mlw_buf_addf(&b, "%s%s", j ? "|" : "", w.items[j]);
		if (simple)
			is_str(b.buf, cases[i].words, "  its words");
		mlw_buf_release(&b);
		mlw_strlist_release(&w);
	}
}

static void test_process(void)
{
	struct mlw_exec_request r;
	struct mlw_exec_status st;
	struct mlw_exec e;
	int fds[2];
	char *out;

	ok(mlw_exec_accepts(&mlw_executor_process, NULL) == 1,
	   "the process executor takes every command");
	if (pipe(fds))
		return;
	request(&r, "echo \"$GREETING $MLW_RUN_ID $MLW_DIR $(pwd)\"; "
		"echo err >&2; test $$ = $(ps -o pgid= $$); exit 3", fds[1]);
	ok(!mlw_exec_start(&e, &mlw_executor_process, &r), "sh starts");
	close(fds[1]);
	ok(e.pgid > 0, "in a process group of its own: %lld",
	   (long long)e.pgid);
	out = slurp(fds[0]);
	close(fds[0]);
	ok(wait_end(&e, &st), "and ends");
	ok(st.exited && !st.signaled, "exited");
	is_int(st.exit_code, 3, "with its status");
	is_str(out, "bonjour happy_lamp_4k2 /tmp/not-a-store/.mlw /\nerr\n",
	       "the later variable wins, MLW_RUN_ID and MLW_DIR set, in cwd, "
	       "stderr with stdout");
	free(out);
	mlw_exec_release(&e);

	if (pipe(fds))
		return;
	request(&r, "exec sleep 30", fds[1]);
	ok(!mlw_exec_start(&e, &mlw_executor_process, &r), "sleep starts");
	close(fds[1]);
	is_int(mlw_exec_wait(&e, 50, &st), 0, "a wait times out while it runs");
	ok(!mlw_exec_stop(&e, MLW_EXEC_TERM), "asked to stop");
	ok(wait_end(&e, &st), "it ends");
	ok(st.signaled && st.signal == SIGTERM, "of SIGTERM");
	ok(!mlw_exec_stop(&e, MLW_EXEC_KILL), "a stop after the end is fine");
	mlw_exec_release(&e);
	close(fds[0]);

	if (pipe(fds))
		return;
	request(&r, "sleep 30 & echo $!; wait", fds[1]);
	ok(!mlw_exec_start(&e, &mlw_executor_process, &r),
	   "a command with a child starts");
	close(fds[1]);
	{
		char buf[64] = "";
		ssize_t n = read(fds[0], buf, sizeof(buf) - 1);
		long child = n > 0 ? strtol(buf, NULL, 10) : 0;
		struct timespec ts = { 0, 50 * 1000 * 1000 };

		mlw_exec_release(&e);
		nanosleep(&ts, NULL);
		/* gone, or a zombie nobody has reaped yet */
		ok(child > 0 && !mlw_proc_start_time(child),
		   "release kills its whole group");
	}
	close(fds[0]);
}

/*
 * The built-in executor runs a program with the words as its argv: here
 * a script standing in for mlw, saying what it was given.
 */
static const char builtin_script[] =
	"#!/bin/sh\n"
	"eval last=\\${$#}\n"
	"echo \"argc=$(($# + 1)) last=$last run=$MLW_RUN_ID "
	"greeting=$GREETING cwd=$(pwd)\"\n"
	"exit 5\n";

static void test_builtin(void)
{
	struct mlw_strlist w = MLW_STRLIST_INIT;
	struct mlw_executor ex;
	struct mlw_exec_request r;
	struct mlw_exec_status st;
	struct mlw_exec e;
	char program[] = "/tmp/test-run-executor-XXXXXX";
	int fds[2], fd = mkstemp(program);
	char *out;

	if (fd < 0 || write(fd, builtin_script, sizeof(builtin_script) - 1) !=
	    (ssize_t)sizeof(builtin_script) - 1 || fchmod(fd, 0755) ||
	    close(fd)) {
		ok(0, "cannot write %s", program);
		return;
	}
	mlw_executor_builtin_init(&ex, program);
	if (pipe(fds))
		return;
	request(&r, "mlw log metric 'a b'", fds[1]);
	ok(!mlw_exec_accepts(&ex, &r), "no words: not a built-in");
	mlw_exec_split(&w, r.command);
	r.argv = (const char *const *)w.items;
	r.argc = (int)w.nr;
	ok(mlw_exec_accepts(&ex, &r), "'mlw ...' words are");
	ok(!mlw_exec_start(&e, &ex, &r), "it starts");
	close(fds[1]);
	out = slurp(fds[0]);
	close(fds[0]);
	ok(wait_end(&e, &st) && st.exited, "and exits");
	is_int(st.exit_code, 5, "with the program's exit status");
	is_str(out, "argc=4 last=a b run=happy_lamp_4k2 "
	       "greeting=bonjour cwd=/\n", "the words as its argv, no sh "
	       "between, with the run's environment and folder");
	free(out);
	mlw_exec_release(&e);
	mlw_strlist_release(&w);
	w.nr = 0;
	mlw_exec_split(&w, "echo hi");
	r.argv = (const char *const *)w.items;
	r.argc = (int)w.nr;
	ok(!mlw_exec_accepts(&ex, &r), "other words are not");
	mlw_strlist_release(&w);
	unlink(program);
}

struct trial {
	int saw_stop;
};

static int trial_fn(const struct mlw_exec_thread_ctx *ctx)
{
	struct trial *t = ctx->data;
	int i;

	if (!strcmp(ctx->req->command, "fail"))
		return mlw_error_set("the trial broke");
	dprintf(ctx->log_fd, "loss=0.5 run=%s\n", ctx->req->name);
	if (!strcmp(ctx->req->command, "wait")) {
		for (i = 0; i < 1000 && !atomic_load(ctx->stop); i++) {
			struct timespec ts = { 0, 10 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
		t->saw_stop = atomic_load(ctx->stop);
	}
	return 7;
}

static void test_thread(void)
{
	struct trial t = { 0 };
	struct mlw_executor ex;
	struct mlw_exec_request r;
	struct mlw_exec_status st;
	struct mlw_exec e;
	int fds[2];
	char *out;

	mlw_executor_thread_init(&ex, trial_fn, &t);
	if (pipe(fds))
		return;
	request(&r, "go", fds[1]);
	ok(mlw_exec_accepts(&ex, &r), "a thread executor takes every command");
	ok(!mlw_exec_start(&e, &ex, &r), "a thread starts");
	close(fds[1]);
	is_int(e.pgid, 0, "no process group");
	out = slurp(fds[0]);
	close(fds[0]);
	is_str(out, "loss=0.5 run=happy_lamp_4k2\n",
	       "its log ends when it returns");
	ok(wait_end(&e, &st) && st.exited, "it ends");
	is_int(st.exit_code, 7, "its return value is the exit status");
	free(out);
	mlw_exec_release(&e);

	if (pipe(fds))
		return;
	request(&r, "wait", fds[1]);
	ok(!mlw_exec_start(&e, &ex, &r), "a waiting thread starts");
	close(fds[1]);
	is_int(mlw_exec_wait(&e, 30, &st), 0, "a wait times out while it runs");
	ok(!mlw_exec_stop(&e, MLW_EXEC_KILL), "a stop is a request");
	ok(wait_end(&e, &st), "it ends");
	ok(t.saw_stop, "having seen the stop");
	mlw_exec_release(&e);
	close(fds[0]);

	if (pipe(fds))
		return;
	request(&r, "fail", fds[1]);
	ok(!mlw_exec_start(&e, &ex, &r), "a failing thread starts");
	close(fds[1]);
	out = slurp(fds[0]);
	close(fds[0]);
	ok(wait_end(&e, &st) && st.exited && st.exit_code == 1,
	   "a negative return is exit status 1");
	is_str(out, "mlw: error: the trial broke\n", "with its message logged");
	free(out);
	mlw_exec_release(&e);
}

int main(void)
{
	test_split();
	test_process();
	test_builtin();
	test_thread();
	return done_testing();
}

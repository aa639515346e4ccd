/*
 * test-run-names.c - unit tests for the rule for names (util/name.h) a
 * run's job, experiment, inputs, outputs and artifacts follow, and for
 * writing beneath a folder without leaving it (mlw_open_dir_beneath(),
 * mlw_blob_checkout()).
 */
#include "tap.h"
#include "store/odb.h"
#include "store/tree.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/name.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_names(void)
{
	char long_name[300];

	ok(mlw_name_ok(MLW_NAME_JOB, "happy_lamp_4k2"), "a generated name");
	ok(mlw_name_ok(MLW_NAME_JOB, "A.b-c_9"), "letters, digits, . - _");
	ok(mlw_name_ok(MLW_NAME_JOB, "s") && mlw_name_ok(MLW_NAME_JOB, "runs"),
	   "'s' and 'runs' are names");
	ok(!mlw_name_ok(MLW_NAME_JOB, ""), "empty refused");
	ok(!mlw_name_ok(MLW_NAME_JOB, NULL), "NULL refused");
	ok(!mlw_name_ok(MLW_NAME_JOB, "."), "'.' refused");
	ok(!mlw_name_ok(MLW_NAME_JOB, ".."), "'..' refused");
	ok(!mlw_name_ok(MLW_NAME_JOB, "../x"), "'../x' refused");
	ok(!mlw_name_ok(MLW_NAME_JOB, "a/b"), "'a/b' refused");
	ok(!mlw_name_ok(MLW_NAME_JOB, "-a"), "a leading '-' refused");
	ok(!mlw_name_ok(MLW_NAME_JOB, "_a"), "a leading '_' refused");
	ok(!mlw_name_ok(MLW_NAME_JOB, "a b"), "a space refused");
	ok(!mlw_name_ok(MLW_NAME_JOB, "a\nb"), "a newline refused");
	ok(!mlw_name_ok(MLW_NAME_JOB, "caf\xc3\xa9"), "non-ASCII refused");
	memset(long_name, 'a', sizeof(long_name));
	long_name[255] = '\0';
	ok(mlw_name_ok(MLW_NAME_JOB, long_name), "255 bytes is a job name");
	ok(!mlw_name_ok(MLW_NAME_VERSION, long_name),
	   "but not a version (64)");
	long_name[255] = 'a';
	long_name[256] = '\0';
	ok(!mlw_name_ok(MLW_NAME_JOB, long_name), "256 is too long");
	ok(mlw_name_ok(MLW_NAME_INPUT, "_private") &&
	   mlw_name_ok(MLW_NAME_OUTPUT, "_o"),
	   "inputs and outputs may start with '_'");
	ok(!mlw_name_ok(MLW_NAME_INPUT, "../in"), "'../in' is no input name");
	ok(mlw_name_ok(MLW_NAME_ENDPOINT, "my-endpoint"), "an endpoint name");
	ok(!mlw_name_ok(MLW_NAME_ENDPOINT, "ab"), "endpoints: 3 at least");
	ok(!mlw_name_ok(MLW_NAME_ENDPOINT, "1ab"), "endpoints: a letter first");
	ok(!mlw_name_ok(MLW_NAME_ENDPOINT, "ab-"), "endpoints: no '-' last");
	ok(!mlw_name_ok(MLW_NAME_DEPLOYMENT, "a_b"), "deployments: no '_'");
	ok(!mlw_name_ok(MLW_NAME_DEPLOYMENT,
			"abcdefghijabcdefghijabcdefghijabc"),
	   "deployments: 32 at most");
	ok(mlw_name_ok(MLW_NAME_COMPONENT, "train_model"), "a component name");

	ok(mlw_name_check(MLW_NAME_JOB, "a\tb") == MLW_EINVALID,
	   "check: MLW_EINVALID");
	is_str(mlw_error_last(), "job name 'a\\x09b' is not valid: a job name "
	       "is 1 to 255 letters, digits, '_', '-' and '.', starting with "
	       "a letter or digit", "check: the rule, control bytes escaped");
	ok(!mlw_name_check(MLW_NAME_EXPERIMENT, "Default"), "check: 0");
	is_str(mlw_name_what(MLW_NAME_DEPLOYMENT), "deployment", "what");
	ok(strstr(mlw_name_rule(MLW_NAME_ENDPOINT), "3 to 32") != NULL,
	   "the endpoint rule says its bounds");
}

static void test_paths(void)
{
	static const char *const good[] = {
		"a", "outputs/model.pkl", "logs/a b/c.txt", "...", ".hidden/x",
		NULL
	};
	static const char *const bad[] = {
		"", "/abs", "a/", "a//b", ".", "..", "../x", "a/../b", "a/.",
		"a/..", "x\ny", NULL
	};
	char big[1100];
	size_t i;

	for (i = 0; good[i]; i++)
		ok(!mlw_name_check_path("artifact name", good[i]),
		   "path '%s' is fine", good[i]);
	for (i = 0; bad[i]; i++)
		ok(mlw_name_check_path("artifact name", bad[i]) == MLW_EINVALID,
		   "bad path %zu refused", i);
	memset(big, 'a', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	ok(mlw_name_check_path("p", big) == MLW_EINVALID, "1099 bytes refused");
	memset(big, 'a', 300);
	big[300] = '\0';
	ok(mlw_name_check_path("p", big) == MLW_EINVALID,
	   "a 300-byte component refused");
}

static int file_is(const char *path, const char *want)
{
	char buf[64];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return !strcmp(buf, want);
}

static void test_beneath(const char *dir)
{
	struct mlw_odb *odb;
	struct mlw_oid blob;
	char *objdir = mlw_path_join(dir, "objects");
	char *dest = mlw_path_join(dir, "dest");
	char *outside = mlw_path_join(dir, "outside");
	char *link = mlw_path_join(dir, "dest/a/link");
	char *p;
	struct stat st;
	int fd;

	mkdir(objdir, 0777);
	mkdir(outside, 0777);
	if (mlw_odb_open(&odb, objdir)) {
		ok(0, "odb opens");
		return;
	}
	mlw_odb_write_buf(&blob, odb, "payload\n", 8, MLW_OBJ_BLOB);
	ok(!mlw_blob_checkout(odb, &blob, dest, "a/b/c.txt"),
	   "blob checkout makes the folders");
	p = mlw_path_join(dest, "a/b/c.txt");
	ok(file_is(p, "payload\n"), "and writes the file");
	ok(!mlw_blob_checkout(odb, &blob, dest, "a/b/c.txt") &&
	   file_is(p, "payload\n"), "again: replaced");
	free(p);
	ok(mlw_blob_checkout(odb, &blob, dest, "../x") == MLW_EINVALID,
	   "'../x' refused");
	symlink(outside, link);
	ok(mlw_blob_checkout(odb, &blob, dest, "a/link/pwned") == MLW_EINVALID,
	   "a link among the folders is not followed: %s", mlw_error_last());
	p = mlw_path_join(outside, "pwned");
	ok(stat(p, &st) < 0, "and nothing is written through it");
	free(p);
	ok(mlw_open_dir_beneath(&fd, dest, "a/link") == MLW_EINVALID,
	   "open_dir_beneath refuses the link too");
	ok(!mlw_open_dir_beneath(&fd, dest, "") && fd >= 0,
	   "open_dir_beneath of '' opens the folder itself");
	if (fd >= 0)
		close(fd);
	ok(!mlw_blob_checkout(odb, &blob, dest, "a/link"),
	   "the link itself is replaced by the file, its target untouched");
	ok(!lstat(link, &st) && S_ISREG(st.st_mode), "a file now");
	mlw_odb_free(odb);
	free(link);
	free(outside);
	free(dest);
	free(objdir);
}

int main(void)
{
	char dir[] = "/tmp/mlw-test-run-names-XXXXXX";

	test_names();
	test_paths();
	if (!mkdtemp(dir)) {
		ok(0, "cannot create a temporary folder");
		return done_testing();
	}
	test_beneath(dir);
	mlw_remove_tree(dir);
	return done_testing();
}

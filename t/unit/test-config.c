/*
 * test-config.c - unit tests for lib/util/config: git-config syntax,
 * case rules, quoting, last-wins, and errors that name file and line.
 */
#include "tap.h"
#include "util/config.h"
#include "util/error.h"
#include "util/fs.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char path[] = "/tmp/mlw-test-config-XXXXXX";

static void put(const char *text)
{
	if (mlw_write_file_atomic(path, text, strlen(text)))
		ok(0, "cannot write %s", path);
}

static int is(const char *key, const char *want)
{
	char *v = NULL;
	int r = mlw_config_get(&v, path, key), good;

	good = want ? r == 1 && v && !strcmp(v, want) : r == 0 && !v;
	if (!good)
		fprintf(stderr, "# %s: got %d '%s', want '%s'\n", key, r,
			v ? v : "(none)", want ? want : "(none)");
	free(v);
	return good;
}

static int fails_at(const char *line)
{
	char *v = NULL;
	int r = mlw_config_get(&v, path, "a.b");
	int good = r == MLW_EINVALID && strstr(mlw_error_last(), line);

	if (!good)
		fprintf(stderr, "# got %d: %s\n", r, mlw_error_last());
	mlw_error_clear();
	free(v);
	return good;
}

int main(void)
{
	int fd = mkstemp(path);

	if (fd < 0) {
		ok(0, "mkstemp");
		return done_testing();
	}
	close(fd);
	put("# settings\n"
	    "[core]\n"
	    "\trepositoryformatversion = 1\n"
	    "[Job]\n"
	    "\tmetricsPattern = katib ; a comment\n"
	    "\tflag\n"
	    "\tquoted = \"  a \\\"b\\\" # not a comment \"  # one\n"
	    "\tjoined = x\" y\"z\n"
	    "[remote \"Origin\"]\n"
	    "\turl = https://example.com/r.git\n"
	    "[job]\n"
	    "\tmetricspattern = \"v=(\\\\d+)\"\n");
	ok(is("core.repositoryformatversion", "1"), "a plain value");
	ok(is("JOB.METRICSPATTERN", "v=(\\d+)"),
	   "section and key case-insensitive, last one wins, escapes");
	ok(is("job.flag", "true"), "a bare key is true");
	ok(is("job.quoted", "  a \"b\" # not a comment "),
	   "quotes keep blanks and comment characters");
	ok(is("job.joined", "x yz"), "quoted and bare parts join");
	ok(is("remote.Origin.url", "https://example.com/r.git"),
	   "subsection");
	ok(is("remote.origin.url", NULL), "subsection names are exact");
	ok(is("job.missing", NULL), "a missing key");

	put("a = 1\n");
	ok(fails_at(":1:"), "a setting before any section: line 1");
	put("[a]\n\tb = 1\n[a\n");
	ok(fails_at(":3:"), "a broken header: line 3");
	put("[a]\n\n\tb = \"open\n");
	ok(fails_at(":3:"), "an open quote: line 3");
	put("[a]\n\tb = x\\q\n");
	ok(fails_at(":2:"), "a bad escape: line 2");

	ok(mlw_config_bool("Yes") == 1 && mlw_config_bool("off") == 0 &&
	   mlw_config_bool("1") == 1 && mlw_config_bool("katib") == -1,
	   "booleans as git reads them");
	unlink(path);
	ok(is("a.b", NULL), "a missing file has no keys");
	return done_testing();
}

/*
 * test-run-stamp.c - unit tests for lib/run/stamp: a source folder or
 * file counts as its snapshot only while it is, by stat or, when the stat
 * cannot tell (a change in the snapshot's clock tick), by content.
 */
#include "tap.h"
#include "run/stamp.h"
#include "store/odb.h"
#include "store/tree.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);

	if (fd < 0 || mlw_write_all(fd, text, strlen(text)) < 0)
		ok(0, "cannot write %s", path);
	if (fd >= 0)
		close(fd);
}

/* a stamp and a snapshot of dir, as a job's local input takes them */
static struct mlw_stamp *snapshot(struct mlw_odb *odb, const char *dir,
				  struct mlw_oid *tree)
{
	struct mlw_stamp *s = mlw_stamp_new();
	struct mlw_snapshot_opts so;
	uint64_t size;

	memset(&so, 0, sizeof(so));
	so.record = mlw_stamp_record;
	so.cache_data = s;
	if (mlw_tree_write_dir(tree, &size, odb, dir, &so))
		ok(0, "snapshot of %s: %s", dir, mlw_error_last());
	return s;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

int main(void)
{
	char dir[] = "/tmp/mlw-test-stamp-XXXXXX";
	struct mlw_odb *odb = NULL;
	struct mlw_stamp *s;
	struct mlw_oid tree;
	struct stat st;
	char *objdir, *src, *a, *b, *c, *sub;

	if (!mkdtemp(dir)) {
		ok(0, "cannot create a temporary folder");
		return done_testing();
	}
	objdir = mlw_path_join(dir, "objects");
	src = mlw_path_join(dir, "src");
	sub = mlw_path_join(src, "sub");
	a = mlw_path_join(src, "a.csv");
	b = mlw_path_join(src, "sub/b.csv");
	c = mlw_path_join(src, "c.csv");
	mkdir(objdir, 0777);
	mkdir(src, 0777);
	mkdir(sub, 0777);
	write_file(a, "x,y\n1,2\n");
	write_file(b, "x,y\n3,4\n");
	ok(!mlw_odb_open(&odb, objdir), "odb opens");

	/* files older than the snapshot's tick: their stat is trusted */
	sleep_ms(60);
	s = snapshot(odb, src, &tree);
	ok(mlw_stamp_check_dir(s, odb, src, &tree) == 1,
	   "an untouched folder is its snapshot");
	ok(mlw_stamp_check_file(s, a, "a.csv") == 1,
	   "an untouched file is its snapshot");

	write_file(a, "x,y\n5,6\n");
	ok(mlw_stamp_check_dir(s, odb, src, &tree) == 0,
	   "a file changed to the same size: not the snapshot");
	ok(mlw_stamp_check_file(s, a, "a.csv") == 0,
	   "nor is the file");
	write_file(a, "x,y\n1,2\n");
	ok(mlw_stamp_check_dir(s, odb, src, &tree) == 1,
	   "changed back: its stat differs, its content is the snapshot's");

	write_file(c, "x,y\n");
	ok(mlw_stamp_check_dir(s, odb, src, &tree) == 0, "a file added");
	unlink(c);
	ok(mlw_stamp_check_dir(s, odb, src, &tree) == 1, "and removed");
	rename(b, c);
	ok(mlw_stamp_check_dir(s, odb, src, &tree) == 0, "a file moved");
	rename(c, b);
	unlink(a);
	ok(mlw_stamp_check_dir(s, odb, src, &tree) == 0, "a file removed");
	ok(mlw_stamp_check_file(s, a, "a.csv") == 0, "a file gone");
	mlw_stamp_free(s);

	/*
	 * Racily clean: changed right after its snapshot, in the same tick,
	 * with its size and modification time put back.  Its stat may be
	 * the recorded one to the nanosecond; only its content tells.
	 */
	write_file(a, "x,y\n1,2\n");
	s = snapshot(odb, src, &tree);
	if (!stat(a, &st)) {
		struct timespec t[2] = { st.st_atim, st.st_mtim };

		write_file(a, "x,y\n7,8\n");
		utimensat(AT_FDCWD, a, t, 0);
	}
	ok(mlw_stamp_check_dir(s, odb, src, &tree) == 0,
	   "a change in the snapshot's tick, times put back, is seen");
	ok(mlw_stamp_check_file(s, a, "a.csv") == 0,
	   "a file that new is never trusted by its stat");
	mlw_stamp_free(s);

	ok(mlw_stamp_check_dir(s = mlw_stamp_new(), odb, "/nonexistent/x",
			       &tree) < 0, "a folder that is gone: an error");
	mlw_error_clear();
	mlw_stamp_free(s);

	mlw_odb_free(odb);
	mlw_remove_tree(dir);
	free(objdir);
	free(src);
	free(sub);
	free(a);
	free(b);
	free(c);
	return done_testing();
}

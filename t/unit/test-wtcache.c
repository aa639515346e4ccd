/*
 * test-wtcache.c - unit tests for lib/store/wtcache: a kept working copy
 * is reused only when it is still exactly its tree, including a change
 * made in the same clock tick as the checkout (same size, same times:
 * only the content differs), and a torn manifest is never trusted.
 */
#include "tap.h"
#include "store/odb.h"
#include "store/tree.h"
#include "store/wtcache.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/strutil.h"

#include <dirent.h>
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

static char *read_text(const char *path)
{
	static char buf[256];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

/*
 * Move the manifest's moment back to the file's stamps, as a fresh
 * checkout's when its files and the manifest share a clock tick (on a
 * loaded machine the checkout may take longer than a tick, and its files
 * are then not racily clean at all): the file is racily clean for it.
 */
static int backdate_manifest(const char *man, const char *file)
{
	struct stat st, ms;
	const struct timespec *t;
	char *buf, *nl, hex[80], head[256];
	unsigned long long bytes;
	FILE *f;
	int ret = -1;

	if (stat(file, &st) || stat(man, &ms))
		return -1;
	t = st.st_ctim.tv_sec < st.st_mtim.tv_sec ||
	    (st.st_ctim.tv_sec == st.st_mtim.tv_sec &&
	     st.st_ctim.tv_nsec < st.st_mtim.tv_nsec) ? &st.st_ctim :
						       &st.st_mtim;
	buf = mlw_malloc((size_t)ms.st_size + 1);
	f = fopen(man, "rb");
	if (f && fread(buf, 1, (size_t)ms.st_size, f) == (size_t)ms.st_size) {
		buf[ms.st_size] = '\0';
		nl = memchr(buf, '\n', (size_t)ms.st_size);
		if (nl && sscanf(buf, "mlw-wtcache 1 %64s %llu", hex,
				 &bytes) == 2)
			ret = 0;
	}
	if (f)
		fclose(f);
	if (!ret) {
		snprintf(head, sizeof(head), "mlw-wtcache 1 %s %llu %lld %lld",
			 hex, bytes, (long long)t->tv_sec,
			 (long long)t->tv_nsec);
		f = fopen(man, "wb");
		ret = f && fputs(head, f) >= 0 &&
		     fwrite(nl, 1, (size_t)(buf + ms.st_size - nl), f) ==
			     (size_t)(buf + ms.st_size - nl) ? 0 : -1;
		if (f && fclose(f))
			ret = -1;
	}
	free(buf);
	return ret;
}

int main(void)
{
	char dir[] = "/tmp/mlw-test-wtcache-XXXXXX";
	struct mlw_snapshot_opts so;
	struct mlw_odb *odb = NULL;
	char *objdir, *src, *cache, *wc, *man, *p;
	struct mlw_oid tree;
	uint64_t size;
	int reused, i;

	if (!mkdtemp(dir)) {
		ok(0, "cannot create a temporary folder");
		return done_testing();
	}
	objdir = mlw_path_join(dir, "objects");
	src = mlw_path_join(dir, "src");
	cache = mlw_path_join(dir, "cache");
	wc = mlw_path_join(dir, "wc");
	man = mlw_path_join(dir, "wc.manifest");
	mkdir(objdir, 0777);
	mkdir(src, 0777);
	p = mlw_path_join(src, "sub");
	mkdir(p, 0777);
	free(p);
	p = mlw_path_join(src, "a.txt");
	write_file(p, "aaa\n");
	free(p);
	p = mlw_path_join(src, "sub/b.txt");
	write_file(p, "bbb\n");
	free(p);
	ok(!mlw_odb_open(&odb, objdir), "odb opens");
	memset(&so, 0, sizeof(so));
	ok(!mlw_tree_write_dir(&tree, &size, odb, src, &so), "snapshot");

	ok(!mlw_wtcache_checkout(odb, cache, &tree, wc, man, &reused) &&
	   !reused, "first checkout is fresh");
	ok(mlw_wtcache_clean(odb, wc, man), "a fresh copy is clean");
	ok(mlw_wtcache_return(odb, cache, wc, man) == 1,
	   "a clean copy is kept");
	ok(access(wc, F_OK) && access(man, F_OK), "and moved away");
	ok(!mlw_wtcache_checkout(odb, cache, &tree, wc, man, &reused) &&
	   reused, "the next checkout reuses it");
	p = mlw_path_join(wc, "sub/b.txt");
	ok(!strcmp(read_text(p), "bbb\n"), "with the right content");

	/*
	 * Racily clean: the same size and (at the kernel's clock tick) the
	 * same times as at checkout; only hashing can tell.  Kernels with
	 * multigrain timestamps give a changed file a finer ctime once its
	 * times were read (as the manifest does), so there the stat check
	 * sees it already; on others only the racy rule does.  Repeat, so
	 * a tick boundary falling between checkout and change cannot make
	 * the test pass by luck every time.
	 */
	for (i = 0; i < 5; i++) {
		mlw_remove_tree(wc);
		unlink(man);
		mlw_error_clear();
		ok(!mlw_wtcache_checkout(odb, NULL, &tree, wc, man, &reused),
		   "checkout %d", i);
		write_file(p, "BBB\n");
		ok(!mlw_wtcache_clean(odb, wc, man),
		   "a same-size change right after checkout is seen (%d)", i);
		ok(mlw_wtcache_return(odb, cache, wc, man) == 0,
		   "and the copy is not kept (%d)", i);
	}

	/*
	 * Once the clock has moved on, a check that passes vouches for its
	 * own start: the manifest's moment moves forward, so that files
	 * stamped at checkout are no longer hashed at every check; a change
	 * made after that is still seen.
	 */
	{
		long long s0 = 0, n0 = 0, s1 = 0, n1 = 0;
		char hex[80];
		unsigned long long bytes;
		struct timespec pause = { 0, 30 * 1000 * 1000 };

		mlw_remove_tree(wc);
		unlink(man);
		mlw_error_clear();
		ok(!mlw_wtcache_checkout(odb, NULL, &tree, wc, man, &reused),
		   "checkout to be refreshed");
		ok(!backdate_manifest(man, p),
		   "its moment no later than a file's stamps");
		ok(sscanf(read_text(man), "mlw-wtcache 1 %64s %llu %lld %lld",
			  hex, &bytes, &s0, &n0) == 4, "manifest header");
		nanosleep(&pause, NULL);
		ok(mlw_wtcache_clean(odb, wc, man), "clean a tick later");
		ok(sscanf(read_text(man), "mlw-wtcache 1 %64s %llu %lld %lld",
			  hex, &bytes, &s1, &n1) == 4 &&
		   (s1 > s0 || (s1 == s0 && n1 > n0)),
		   "the manifest vouches for the later check");
		ok(mlw_wtcache_clean(odb, wc, man), "still clean");
		write_file(p, "CCC\n");
		ok(!mlw_wtcache_clean(odb, wc, man),
		   "a same-size change after the refresh is seen");
	}
	free(p);

	/* a torn manifest is never trusted */
	mlw_remove_tree(wc);
	unlink(man);
	ok(!mlw_wtcache_checkout(odb, NULL, &tree, wc, man, &reused),
	   "checkout again");
	ok(truncate(man, 40) == 0, "tear the manifest");
	ok(!mlw_wtcache_clean(odb, wc, man), "a torn manifest: not clean");
	write_file(man, "");
	ok(!mlw_wtcache_clean(odb, wc, man), "an empty manifest: not clean");

	ok(!mlw_wtcache_clear(cache), "clear");
	{
		DIR *d = opendir(cache);
		struct dirent *de;
		int n = 0;

		while (d && (de = readdir(d)))
			n += de->d_name[0] != '.';
		if (d)
			closedir(d);
		ok(n == 0, "the cache is empty after clear");
	}
	mlw_odb_free(odb);
	mlw_remove_tree(dir);
	free(objdir);
	free(src);
	free(cache);
	free(wc);
	free(man);
	return done_testing();
}

/*
 * statcache.c - the stat cache; see statcache.h.
 *
 * File format: the line "mlw statcache 1\n", then one record per file,
 * each ended by a NUL (paths may hold newlines):
 *
 *	SIZE MTIME_S MTIME_NS CTIME_S CTIME_NS INO DEV ID PATH\0
 *
 * sorted by PATH.  Loaded records live in one sorted array searched by
 * bisection; records made by this process go to a second array and are
 * merged in (winning over older ones) when the cache is saved.
 */
#include "store/statcache.h"
#include "store/tree.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define HEADER "mlw statcache 1\n"
/* past this many entries, old ones are dropped on save */
#define MAX_ENTRIES 2000000
#define MAX_FILE_SIZE ((size_t)1 << 30)

struct entry {
	char *path;
	uint64_t size, ino, dev;
	int64_t mtime_s, ctime_s;
	long mtime_ns, ctime_ns;
	struct mlw_oid oid;
};

struct mlw_statcache {
	char *path;
	struct entry *old;		/* loaded, sorted by path */
	size_t nr_old, alloc_old;
	struct entry *fresh;		/* recorded by this process */
	size_t nr_fresh, alloc_fresh;
	/* when the loaded file was written: newer mtimes are racy */
	int64_t written_s;
	long written_ns;
	/* for mlw_statcache_attach(): the folder being snapshotted */
	struct mlw_buf abs;
	size_t abs_len;
};

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->path,
		      ((const struct entry *)b)->path);
}

static int parse_entry(struct entry *e, const char *rec)
{
	char hex[MLW_OID_HEXSZ + 1];
	int n = 0;

	if (sscanf(rec, "%" SCNu64 " %" SCNd64 " %ld %" SCNd64 " %ld %" SCNu64
		   " %" SCNu64 " %64s %n", &e->size, &e->mtime_s, &e->mtime_ns,
		   &e->ctime_s, &e->ctime_ns, &e->ino, &e->dev, hex, &n) != 8 ||
	    !n || !rec[n] || mlw_oid_from_hex(&e->oid, hex))
		return -1;
	e->path = mlw_strdup(rec + n);
	return 0;
}

static void load(struct mlw_statcache *c)
{
	struct mlw_buf b = MLW_BUF_INIT;
	struct stat st;
	size_t pos;
	int fd = open(c->path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (fstat(fd, &st) || mlw_buf_read_fd(&b, fd, MAX_FILE_SIZE) < 0 ||
	    b.len < strlen(HEADER) || memcmp(b.buf, HEADER, strlen(HEADER))) {
		/* unreadable or foreign: an empty cache, rewritten on save */
		close(fd);
		mlw_buf_release(&b);
		mlw_error_clear();
		return;
	}
	close(fd);
	c->written_s = st.st_mtim.tv_sec;
	c->written_ns = st.st_mtim.tv_nsec;
	for (pos = strlen(HEADER); pos < b.len;) {
		const char *rec = b.buf + pos;
		size_t len = strnlen(rec, b.len - pos);
		struct entry e;

		if (pos + len >= b.len)
			break;		/* a truncated last record */
		pos += len + 1;
		if (parse_entry(&e, rec))
			continue;
		MLW_ALLOC_GROW(c->old, c->nr_old + 1, c->alloc_old);
		c->old[c->nr_old++] = e;
	}
	mlw_buf_release(&b);
	/* written sorted, but never trust a hint file's order */
	qsort(c->old, c->nr_old, sizeof(*c->old), cmp_entry);
}

int mlw_statcache_open(struct mlw_statcache **out, const char *path)
{
	struct mlw_statcache *c = mlw_calloc(1, sizeof(*c));

	c->path = mlw_strdup(path);
	mlw_buf_init(&c->abs, 0);
	load(c);
	*out = c;
	return 0;
}

static void free_entries(struct entry *e, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		free(e[i].path);
	free(e);
}

void mlw_statcache_free(struct mlw_statcache *c)
{
	if (!c)
		return;
	free_entries(c->old, c->nr_old);
	free_entries(c->fresh, c->nr_fresh);
	mlw_buf_release(&c->abs);
	free(c->path);
	free(c);
}

static int same_stat(const struct entry *e, const struct stat *st)
{
	return e->size == (uint64_t)st->st_size &&
	       e->mtime_s == (int64_t)st->st_mtim.tv_sec &&
	       e->mtime_ns == st->st_mtim.tv_nsec &&
	       e->ctime_s == (int64_t)st->st_ctim.tv_sec &&
	       e->ctime_ns == st->st_ctim.tv_nsec &&
	       e->ino == (uint64_t)st->st_ino &&
	       e->dev == (uint64_t)st->st_dev;
}

/* git's racily-clean rule: a file modified no earlier than the cache was
 * written may have changed again within the same tick after hashing */
static int racy(const struct mlw_statcache *c, const struct entry *e)
{
	if (e->mtime_s != c->written_s)
		return e->mtime_s > c->written_s;
	return e->mtime_ns >= c->written_ns;
}

int mlw_statcache_lookup(struct mlw_statcache *c, struct mlw_oid *out,
			 const char *abspath, const struct stat *st)
{
	struct entry key, *e;

	if (!c || !c->nr_old)
		return 0;
	key.path = (char *)abspath;
	e = bsearch(&key, c->old, c->nr_old, sizeof(*c->old), cmp_entry);
	if (!e || !same_stat(e, st) || racy(c, e))
		return 0;
	*out = e->oid;
	return 1;
}

void mlw_statcache_record(struct mlw_statcache *c, const char *abspath,
			  const struct stat *st, const struct mlw_oid *oid)
{
	struct entry *e;

	if (!c)
		return;
	MLW_ALLOC_GROW(c->fresh, c->nr_fresh + 1, c->alloc_fresh);
	e = &c->fresh[c->nr_fresh++];
	e->path = mlw_strdup(abspath);
	e->size = (uint64_t)st->st_size;
	e->mtime_s = (int64_t)st->st_mtim.tv_sec;
	e->mtime_ns = st->st_mtim.tv_nsec;
	e->ctime_s = (int64_t)st->st_ctim.tv_sec;
	e->ctime_ns = st->st_ctim.tv_nsec;
	e->ino = (uint64_t)st->st_ino;
	e->dev = (uint64_t)st->st_dev;
	e->oid = *oid;
}

static void add_record(struct mlw_buf *b, const struct entry *e)
{
	char hex[MLW_OID_HEXSZ + 1];

	mlw_oid_to_hex(hex, &e->oid);
	mlw_buf_addf(b, "%" PRIu64 " %" PRId64 " %ld %" PRId64 " %ld %" PRIu64
		     " %" PRIu64 " %s %s", e->size, e->mtime_s, e->mtime_ns,
		     e->ctime_s, e->ctime_ns, e->ino, e->dev, hex, e->path);
	mlw_buf_addch(b, '\0');
}

void mlw_statcache_settle(const struct stat *st)
{
	struct timespec now, nap = { 0, 500 * 1000 };
	int i;

	/* the clock the kernel stamps files with */
	for (i = 0; i < 100; i++) {
		clock_gettime(CLOCK_REALTIME_COARSE, &now);
		if (now.tv_sec > st->st_mtim.tv_sec ||
		    (now.tv_sec == st->st_mtim.tv_sec &&
		     now.tv_nsec > st->st_mtim.tv_nsec))
			return;
		nanosleep(&nap, NULL);
	}
}

int mlw_statcache_save(struct mlw_statcache *c)
{
	struct mlw_buf b = MLW_BUF_INIT;
	size_t i = 0, j = 0;
	int ret;

	if (!c || !c->nr_fresh)
		return 0;
	qsort(c->fresh, c->nr_fresh, sizeof(*c->fresh), cmp_entry);
	if (c->nr_old + c->nr_fresh > MAX_ENTRIES)
		i = c->nr_old;	/* too big: keep only what this run saw */
	mlw_buf_adds(&b, HEADER);
	/* merge two sorted lists; on equal paths the fresh record wins */
	while (i < c->nr_old || j < c->nr_fresh) {
		int d;

		if (i == c->nr_old)
			d = 1;
		else if (j == c->nr_fresh)
			d = -1;
		else
			d = strcmp(c->old[i].path, c->fresh[j].path);
		if (d < 0) {
			add_record(&b, &c->old[i++]);
			continue;
		}
		if (!d)
			i++;
		/* the same file recorded twice in one run: keep the last */
		while (j + 1 < c->nr_fresh &&
		       !strcmp(c->fresh[j].path, c->fresh[j + 1].path))
			j++;
		add_record(&b, &c->fresh[j++]);
	}
	ret = mlw_write_file_atomic(c->path, b.buf, b.len);
	mlw_buf_release(&b);
	/* a busy cache is only a missed hint, never a failed command */
	if (ret == MLW_ELOCKED) {
		mlw_error_clear();
		ret = 0;
	}
	return ret;
}

static const char *abs_of(struct mlw_statcache *c, const char *relpath)
{
	mlw_buf_setlen(&c->abs, c->abs_len);
	mlw_buf_adds(&c->abs, relpath);
	return c->abs.buf;
}

static int snap_lookup(struct mlw_oid *out, const char *relpath,
		       const struct stat *st, void *data)
{
	struct mlw_statcache *c = data;

	return mlw_statcache_lookup(c, out, abs_of(c, relpath), st);
}

static void snap_record(const char *relpath, const struct stat *st,
			const struct mlw_oid *oid, void *data)
{
	struct mlw_statcache *c = data;

	mlw_statcache_record(c, abs_of(c, relpath), st, oid);
}

void mlw_statcache_attach(struct mlw_statcache *c,
			  struct mlw_snapshot_opts *opts, const char *absdir)
{
	if (!c)
		return;
	mlw_buf_reset(&c->abs);
	mlw_buf_adds(&c->abs, absdir);
	if (c->abs.len && c->abs.buf[c->abs.len - 1] != '/')
		mlw_buf_addch(&c->abs, '/');
	c->abs_len = c->abs.len;
	opts->lookup = snap_lookup;
	opts->record = snap_record;
	opts->cache_data = c;
}

int mlw_statcache_write_file(struct mlw_oid *out, uint64_t *size_out,
			     int *cached, struct mlw_statcache *c,
			     struct mlw_odb *odb, const char *path)
{
	struct stat st;
	int fd, ret;

	*cached = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int code = errno == ENOENT ? MLW_ENOTFOUND : MLW_ERROR;

		mlw_error_errno("cannot open '%s'", path);
		return mlw_error_recode(code);
	}
	if (fstat(fd, &st) < 0) {
		ret = mlw_error_errno("cannot stat '%s'", path);
		close(fd);
		return ret;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return mlw_error_setc(MLW_EINVALID, "'%s' is not a file", path);
	}
	if (mlw_statcache_lookup(c, out, path, &st) &&
	    mlw_odb_exists(odb, out) == 1) {
		close(fd);
		*cached = 1;
		*size_out = (uint64_t)st.st_size;
		return 0;
	}
	ret = mlw_odb_write_fd(out, size_out, odb, fd, (uint64_t)st.st_size,
			       MLW_OBJ_BLOB, MLW_ODB_WRITE, path);
	close(fd);
	if (!ret)
		mlw_statcache_record(c, path, &st, out);
	return ret;
}

/*
 * stamp.c - the stat of an input's files at its snapshot; see stamp.h.
 */
#include "run/stamp.h"
#include "store/odb.h"
#include "store/tree.h"
#include "util/alloc.h"
#include "util/error.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

struct stamp_entry {
	char *relpath;
	dev_t dev;
	ino_t ino;
	mode_t mode;
	off_t size;
	struct timespec mtime, ctime;
	struct mlw_oid oid;
};

struct mlw_stamp {
	struct stamp_entry *e;
	size_t nr, alloc;
	int sorted;
	/* before anything was recorded, less the file system's tick */
	struct timespec racy;
};

/*
 * A file changed in the clock tick its stat was taken in keeps that
 * stat (same size, same times: only the content differs), as git's
 * index knows ("racily clean").  File times are the kernel's coarse
 * clock, up to a tick (4 ms at HZ=250) behind CLOCK_REALTIME: a file
 * whose times are not older than the stamp's start, less a margin of
 * 20 ms, is never trusted by its stat but read again.
 */
#define RACY_MARGIN_NS 20000000L

struct mlw_stamp *mlw_stamp_new(void)
{
	struct mlw_stamp *s = mlw_calloc(1, sizeof(*s));

	clock_gettime(CLOCK_REALTIME, &s->racy);
	if (s->racy.tv_nsec >= RACY_MARGIN_NS) {
		s->racy.tv_nsec -= RACY_MARGIN_NS;
	} else {
		s->racy.tv_sec--;
		s->racy.tv_nsec += 1000000000L - RACY_MARGIN_NS;
	}
	return s;
}

void mlw_stamp_free(struct mlw_stamp *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->nr; i++)
		free(s->e[i].relpath);
	free(s->e);
	free(s);
}

void mlw_stamp_record(const char *relpath, const struct stat *st,
		      const struct mlw_oid *oid, void *stamp)
{
	struct mlw_stamp *s = stamp;
	struct stamp_entry *e;

	MLW_ALLOC_GROW(s->e, s->nr + 1, s->alloc);
	e = &s->e[s->nr++];
	e->relpath = mlw_strdup(relpath);
	e->dev = st->st_dev;
	e->ino = st->st_ino;
	e->mode = st->st_mode;
	e->size = st->st_size;
	e->mtime = st->st_mtim;
	e->ctime = st->st_ctim;
	e->oid = *oid;
	s->sorted = 0;
}

static int same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

static int not_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec > b->tv_sec ||
	       (a->tv_sec == b->tv_sec && a->tv_nsec >= b->tv_nsec);
}

/* st is the stat e recorded */
static int same_stat(const struct stamp_entry *e, const struct stat *st)
{
	return e->dev == st->st_dev && e->ino == st->st_ino &&
	       e->mode == st->st_mode && e->size == st->st_size &&
	       same_time(&e->mtime, &st->st_mtim) &&
	       same_time(&e->ctime, &st->st_ctim);
}

/* e's stat was taken too close to a change to vouch for its content */
static int racy(const struct mlw_stamp *s, const struct stamp_entry *e)
{
	return not_before(&e->mtime, &s->racy) ||
	       not_before(&e->ctime, &s->racy);
}

static int unchanged(const struct mlw_stamp *s, const struct stamp_entry *e,
		     const struct stat *st)
{
	if (racy(s, e))
		return 0;	/* racily clean: only a read can tell */
	return same_stat(e, st);
}

static int compare_entries(const void *a, const void *b)
{
	return strcmp(((const struct stamp_entry *)a)->relpath,
		      ((const struct stamp_entry *)b)->relpath);
}

static const struct stamp_entry *find(struct mlw_stamp *s, const char *relpath)
{
	struct stamp_entry key;

	if (!s->sorted) {
		if (s->nr > 1)
			qsort(s->e, s->nr, sizeof(*s->e), compare_entries);
		s->sorted = 1;
	}
	key.relpath = (char *)relpath;
	return s->nr ? bsearch(&key, s->e, s->nr, sizeof(*s->e),
			       compare_entries) : NULL;
}

/* the walk's lookup hook: the recorded id of a file whose stat is the same */
static int lookup(struct mlw_oid *out, const char *relpath,
		  const struct stat *st, void *stamp)
{
	const struct stamp_entry *e = find(stamp, relpath);

	if (!e || !unchanged(stamp, e, st))
		return 0;
	*out = e->oid;
	return 1;
}

int mlw_stamp_check_dir(struct mlw_stamp *s, struct mlw_odb *odb,
			const char *dir, const struct mlw_oid *tree)
{
	struct mlw_snapshot_opts so;
	struct mlw_oid now;
	uint64_t size;
	int ret;

	memset(&so, 0, sizeof(so));
	so.lookup = lookup;
	so.cache_data = s;
	ret = mlw_tree_write_dir(&now, &size, odb, dir, &so);
	if (ret)
		return ret;
	/* a file touched but not changed was read again, and is the same */
	return !mlw_oid_cmp(&now, tree);
}

int mlw_stamp_check_file(struct mlw_stamp *s, const char *path,
			 const char *name)
{
	const struct stamp_entry *e = find(s, name);
	struct mlw_oid now;
	struct stat st;
	uint64_t size;

	if (!e || stat(path, &st) || !same_stat(e, &st))
		return 0;
	if (!racy(s, e))
		return 1;
	/* racily clean: read it again, as a folder's walk does */
	if (mlw_odb_write_path(&now, &size, NULL, path, MLW_OBJ_BLOB, 0)) {
		mlw_error_clear();
		return 0;
	}
	return !mlw_oid_cmp(&now, &e->oid);
}

/*
 * wtcache.c - clean working copies of trees, kept for the next run; see
 * wtcache.h.
 */
#include "store/wtcache.h"
#include "store/tree.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/strutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MANIFEST_MAGIC "mlw-wtcache 1"

/*
 * One path of the copy.  The manifest is a header line
 *
 *	"mlw-wtcache 1 TREE BYTES TSEC TNSEC\n"
 *
 * then per path, in the tree's walk order, the root (".") first,
 *
 *	"MODE INO SIZE MSEC MNSEC CSEC CNSEC ENTRIES ID PATH\0"
 *
 * with MODE the st_mode in octal and ENTRIES the number of entries of a
 * folder (0 for anything else).
 */
struct rec {
	unsigned mode;
	uint64_t ino, size;
	int64_t ms, mns, cs, cns;
	size_t entries;
	struct mlw_oid oid;
	char *path;
};

struct manifest {
	struct mlw_oid tree;
	uint64_t bytes;
	int64_t ts, tns;
	struct rec *recs;
	size_t nr, alloc;
};

static void manifest_release(struct manifest *m)
{
	size_t i;

	for (i = 0; i < m->nr; i++)
		free(m->recs[i].path);
	free(m->recs);
	memset(m, 0, sizeof(*m));
}

static struct rec *add_rec(struct manifest *m, const char *path,
			   unsigned mode, const struct mlw_oid *oid)
{
	struct rec *r;

	MLW_ALLOC_GROW(m->recs, m->nr + 1, m->alloc);
	r = &m->recs[m->nr++];
	memset(r, 0, sizeof(*r));
	r->path = mlw_strdup(path);
	r->mode = mode;
	if (oid)
		r->oid = *oid;
	return r;
}

struct walk_data {
	struct manifest *m;
	/* indexes of the folders enclosing the current entry, root first */
	size_t *stack, alloc;
};

static int walk_cb(const char *path, const struct mlw_tree_entry *e,
		   void *data)
{
	struct walk_data *w = data;
	size_t depth = 1;
	const char *p;

	for (p = path; *p; p++)
		if (*p == '/')
			depth++;
	/* entries come depth first: stack[depth - 1] is this one's folder */
	w->m->recs[w->stack[depth - 1]].entries++;
	add_rec(w->m, path, e->mode, &e->oid);
	if (e->mode == MLW_MODE_DIR) {
		MLW_ALLOC_GROW(w->stack, depth + 1, w->alloc);
		w->stack[depth] = w->m->nr - 1;
	} else {
		w->m->bytes += e->size;
	}
	return 0;
}

static int same_time(int64_t s, int64_t ns, const struct timespec *t)
{
	return s == (int64_t)t->tv_sec && ns == (int64_t)t->tv_nsec;
}

static int not_before(const struct timespec *t, int64_t s, int64_t ns)
{
	return (int64_t)t->tv_sec > s ||
	       ((int64_t)t->tv_sec == s && (int64_t)t->tv_nsec >= ns);
}

static size_t count_entries(int dfd, const char *path)
{
	int fd = openat(dfd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			O_CLOEXEC);
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	if (fd < 0)
		return (size_t)-1;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return (size_t)-1;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* a racily clean file: does its content still hash to its blob? */
static int same_content(int dfd, const struct rec *r, const struct stat *st)
{
	struct mlw_oid got;
	uint64_t size;
	int fd, ret;

	if (!S_ISREG(st->st_mode))
		return 0;
	fd = openat(dfd, r->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ret = mlw_odb_write_fd(&got, &size, NULL, fd, (uint64_t)st->st_size,
			       MLW_OBJ_BLOB, 0, r->path);
	close(fd);
	if (ret) {
		mlw_error_clear();
		return 0;
	}
	return !mlw_oid_cmp(&got, &r->oid);
}

/*
 * 1 when the copy opened as dfd matches m.  *racy: whether some file
 * was stamped too late for its stat to vouch for it (and was compared
 * by content).
 */
static int check(int dfd, const struct manifest *m, int *racy)
{
	size_t i;

	*racy = 0;

	for (i = 0; i < m->nr; i++) {
		const struct rec *r = &m->recs[i];
		struct stat st;

		if (fstatat(dfd, r->path, &st, AT_SYMLINK_NOFOLLOW) ||
		    (unsigned)st.st_mode != r->mode ||
		    (uint64_t)st.st_ino != r->ino)
			return 0;
		if (S_ISDIR(st.st_mode)) {
			if (count_entries(dfd, r->path) != r->entries)
				return 0;
			continue;
		}
		if ((uint64_t)st.st_size != r->size ||
		    !same_time(r->ms, r->mns, &st.st_mtim) ||
		    !same_time(r->cs, r->cns, &st.st_ctim))
			return 0;
		if (not_before(&st.st_mtim, m->ts, m->tns) ||
		    not_before(&st.st_ctim, m->ts, m->tns)) {
			*racy = 1;
			if (!same_content(dfd, r, &st))
				return 0;
		}
	}
	return 1;
}

static int write_manifest(const struct manifest *m, const char *path)
{
	struct mlw_buf b = MLW_BUF_INIT;
	char hex[MLW_OID_HEXSZ + 1];
	size_t i;
	int fd, ret = 0;

	mlw_oid_to_hex(hex, &m->tree);
	mlw_buf_addf(&b, "%s %s %" PRIu64 " %" PRId64 " %" PRId64 "\n",
		     MANIFEST_MAGIC, hex, m->bytes, m->ts, m->tns);
	for (i = 0; i < m->nr; i++) {
		const struct rec *r = &m->recs[i];

		mlw_oid_to_hex(hex, &r->oid);
		mlw_buf_addf(&b, "%o %" PRIu64 " %" PRIu64 " %" PRId64 " %"
			     PRId64 " %" PRId64 " %" PRId64 " %zu %s %s",
			     r->mode, r->ino, r->size, r->ms, r->mns, r->cs,
			     r->cns, r->entries, hex, r->path);
		mlw_buf_addch(&b, '\0');
	}
	/*
	 * Not synced: the manifest only ever vouches for a copy it was
	 * checked against; a torn one after a crash fails the check.
	 */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0 || mlw_write_all(fd, b.buf, b.len) < 0)
		ret = mlw_error_errno("cannot write '%s'", path);
	if (fd >= 0)
		close(fd);
	mlw_buf_release(&b);
	return ret;
}

/*
 * A copy just checked against m, at a check that began at now: when
 * some file was racily clean, and the clock has moved past the moment
 * the manifest vouched for, vouch for now instead (the check compared
 * those files by content, and whatever changes after it began is
 * stamped now or later), so that the next check is a stat a file.  As
 * git does when it rewrites a racily clean index.  Files from a fresh
 * checkout share their clock tick with the manifest and were compared
 * by content at every run otherwise.  A manifest that cannot be
 * rewritten stays as it was.
 */
static void refresh(struct manifest *m, const struct timespec *now,
		    const char *path)
{
	char *tmp;

	if (!not_before(now, m->ts, m->tns) ||
	    ((int64_t)now->tv_sec == m->ts &&
	     (int64_t)now->tv_nsec == m->tns))
		return;
	m->ts = (int64_t)now->tv_sec;
	m->tns = (int64_t)now->tv_nsec;
	tmp = mlw_xstrfmt("%s.new", path);
	unlink(tmp);
	if (write_manifest(m, tmp) || rename(tmp, path)) {
		unlink(tmp);
		mlw_error_clear();
	}
	free(tmp);
}

static int parse_i64(const char **p, int64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoll(*p, &end, 10);
	if (errno || end == *p || *end != ' ')
		return -1;
	*p = end + 1;
	return 0;
}

static int read_manifest(struct manifest *m, const char *path)
{
	struct mlw_buf b = MLW_BUF_INIT;
	const char *p, *end, *nl;
	char hex[MLW_OID_HEXSZ + 1];
	int64_t v[8];
	int ret = -1;

	memset(m, 0, sizeof(*m));
	if (mlw_buf_read_file(&b, path, 256u << 20) < 0) {
		mlw_error_clear();
		goto out;
	}
	p = b.buf;
	end = b.buf + b.len;
	nl = memchr(p, '\n', b.len);
	if (!nl || strncmp(p, MANIFEST_MAGIC " ", strlen(MANIFEST_MAGIC) + 1))
		goto out;
	p += strlen(MANIFEST_MAGIC) + 1;
	if (nl - p < MLW_OID_HEXSZ + 1)
		goto out;
	memcpy(hex, p, MLW_OID_HEXSZ);
	hex[MLW_OID_HEXSZ] = '\0';
	if (mlw_oid_from_hex(&m->tree, hex) || p[MLW_OID_HEXSZ] != ' ')
		goto out;
	p += MLW_OID_HEXSZ + 1;
	if (parse_i64(&p, &v[0]) || parse_i64(&p, &v[1]))
		goto out;
	m->bytes = (uint64_t)v[0];
	m->ts = v[1];
	m->tns = strtoll(p, NULL, 10);
	p = nl + 1;
	while (p < end) {
		const char *z = memchr(p, '\0', (size_t)(end - p));
		struct mlw_oid oid;
		struct rec *r;
		char *e;
		int k;

		if (!z)
			goto out;
		errno = 0;
		v[0] = (int64_t)strtoul(p, &e, 8);
		if (errno || *e != ' ')
			goto out;
		p = e + 1;
		for (k = 1; k < 8; k++)
			if (parse_i64(&p, &v[k]))
				goto out;
		if (z - p < MLW_OID_HEXSZ + 2 || p[MLW_OID_HEXSZ] != ' ')
			goto out;
		memcpy(hex, p, MLW_OID_HEXSZ);
		if (mlw_oid_from_hex(&oid, hex) < 0)
			goto out;
		r = add_rec(m, p + MLW_OID_HEXSZ + 1, (unsigned)v[0], &oid);
		r->ino = (uint64_t)v[1];
		r->size = (uint64_t)v[2];
		r->ms = v[3];
		r->mns = v[4];
		r->cs = v[5];
		r->cns = v[6];
		r->entries = (size_t)v[7];
		p = z + 1;
	}
	ret = m->nr ? 0 : -1;
out:
	mlw_buf_release(&b);
	if (ret)
		manifest_release(m);
	return ret;
}

int mlw_wtcache_clean(struct mlw_odb *odb, const char *dir,
		      const char *manifest)
{
	struct manifest m;
	struct timespec now;
	int dfd, ok, racy = 0;

	(void)odb;
	/* on the clock files are stamped with, before looking at any */
	clock_gettime(CLOCK_REALTIME_COARSE, &now);
	if (read_manifest(&m, manifest))
		return 0;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ok = dfd >= 0 && check(dfd, &m, &racy);
	if (dfd >= 0)
		close(dfd);
	if (ok && racy)
		refresh(&m, &now, manifest);
	manifest_release(&m);
	return ok;
}

/* after a fresh checkout of oid at dir: record what it looks like */
static int make_manifest(struct mlw_odb *odb, const struct mlw_oid *oid,
			 const char *dir, const char *path)
{
	struct manifest m;
	struct walk_data w;
	struct timespec t;
	size_t i;
	int dfd, ret;

	/*
	 * T: every file of the copy was written before this moment, on the
	 * clock the kernel stamps files with; a file stamped T or later is
	 * checked by content.
	 */
	clock_gettime(CLOCK_REALTIME_COARSE, &t);
	memset(&m, 0, sizeof(m));
	memset(&w, 0, sizeof(w));
	m.tree = *oid;
	m.ts = (int64_t)t.tv_sec;
	m.tns = (int64_t)t.tv_nsec;
	add_rec(&m, ".", MLW_MODE_DIR, NULL);
	w.m = &m;
	MLW_ALLOC_GROW(w.stack, 1, w.alloc);
	w.stack[0] = 0;
	ret = mlw_tree_walk(odb, oid, 1, walk_cb, &w);
	free(w.stack);
	dfd = ret ? -1 : open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (!ret && dfd < 0)
		ret = mlw_error_errno("cannot open '%s'", dir);
	for (i = 0; !ret && i < m.nr; i++) {
		struct rec *r = &m.recs[i];
		struct stat st;

		if (fstatat(dfd, r->path, &st, AT_SYMLINK_NOFOLLOW)) {
			ret = mlw_error_errno("cannot stat '%s/%s'", dir,
					      r->path);
			break;
		}
		r->mode = (unsigned)st.st_mode;
		r->ino = (uint64_t)st.st_ino;
		if (!S_ISDIR(st.st_mode))
			r->size = (uint64_t)st.st_size;
		r->ms = (int64_t)st.st_mtim.tv_sec;
		r->mns = (int64_t)st.st_mtim.tv_nsec;
		r->cs = (int64_t)st.st_ctim.tv_sec;
		r->cns = (int64_t)st.st_ctim.tv_nsec;
	}
	if (dfd >= 0)
		close(dfd);
	if (!ret)
		ret = write_manifest(&m, path);
	manifest_release(&m);
	return ret;
}

/* remove a cache entry without anyone taking it half-removed */
static void discard(const char *cache_dir, const char *name)
{
	char *from = mlw_path_join(cache_dir, name);
	char *dead = name[0] == '.' ? mlw_strdup(from) :
		     mlw_xstrfmt("%s/.dead-%s", cache_dir, name);

	if (!strcmp(from, dead) || !rename(from, dead)) {
		chmod(dead, 0755);
		if (mlw_remove_tree(dead))
			mlw_error_clear();
	}
	free(dead);
	free(from);
}

static int take(const char *cache_dir, const char *name, const char *dir,
		const char *manifest)
{
	char *from = mlw_path_join(cache_dir, name);
	char *tmp = mlw_xstrfmt("%s.wtc", dir);
	char *tree = mlw_path_join(tmp, "tree");
	char *man = mlw_path_join(tmp, "manifest");
	int ok = 0;

	if (!rename(from, tmp)) {
		if (!rename(tree, dir)) {
			if (!rename(man, manifest))
				ok = 1;
			else
				rename(dir, tree);
		}
		if (!ok) {
			chmod(tmp, 0755);
			mlw_remove_tree(tmp);
			mlw_error_clear();
		} else {
			rmdir(tmp);
		}
	}
	free(man);
	free(tree);
	free(tmp);
	free(from);
	return ok;
}

int mlw_wtcache_checkout(struct mlw_odb *odb, const char *cache_dir,
			 const struct mlw_oid *oid, const char *dir,
			 const char *manifest, int *reused)
{
	char hex[MLW_OID_HEXSZ + 1];
	DIR *d = cache_dir ? opendir(cache_dir) : NULL;
	struct dirent *de;
	int ret;

	if (reused)
		*reused = 0;
	mlw_oid_to_hex(hex, oid);
	while (d && (de = readdir(d))) {
		if (strncmp(de->d_name, hex, MLW_OID_HEXSZ) ||
		    de->d_name[MLW_OID_HEXSZ] != '-')
			continue;
		if (!take(cache_dir, de->d_name, dir, manifest))
			continue;	/* another run took it */
		if (mlw_wtcache_clean(odb, dir, manifest)) {
			closedir(d);
			if (reused)
				*reused = 1;
			return 0;
		}
		/* changed while cached: not to be trusted */
		unlink(manifest);
		if (mlw_remove_tree(dir))
			mlw_error_clear();
	}
	if (d)
		closedir(d);
	ret = mlw_tree_checkout(odb, oid, dir, 0);
	if (!ret)
		ret = make_manifest(odb, oid, dir, manifest);
	return ret;
}

struct cached {
	char *name;
	struct timespec when;
};

static int cmp_cached(const void *a, const void *b)
{
	const struct cached *x = a, *y = b;

	if (x->when.tv_sec != y->when.tv_sec)
		return x->when.tv_sec < y->when.tv_sec ? 1 : -1;
	if (x->when.tv_nsec != y->when.tv_nsec)
		return x->when.tv_nsec < y->when.tv_nsec ? 1 : -1;
	return strcmp(x->name, y->name);
}

/* keep the MLW_WTCACHE_MAX most recently returned copies */
static void trim(const char *cache_dir)
{
	struct cached *c = NULL;
	size_t nr = 0, alloc = 0, i;
	struct dirent *de;
	DIR *d = opendir(cache_dir);

	if (!d)
		return;
	while ((de = readdir(d))) {
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW))
			continue;
		MLW_ALLOC_GROW(c, nr + 1, alloc);
		c[nr].name = mlw_strdup(de->d_name);
		c[nr].when = st.st_ctim;
		nr++;
	}
	closedir(d);
	qsort(c, nr, sizeof(*c), cmp_cached);
	for (i = 0; i < nr; i++) {
		if (i >= MLW_WTCACHE_MAX)
			discard(cache_dir, c[i].name);
		free(c[i].name);
	}
	free(c);
}

int mlw_wtcache_return(struct mlw_odb *odb, const char *cache_dir,
		       const char *dir, const char *manifest)
{
	struct manifest m;
	struct timespec now;
	char hex[MLW_OID_HEXSZ + 1], *tmp, *tree, *man, *name;
	unsigned char rnd[6];
	int dfd, ok, placed = 0, racy = 0;

	(void)odb;
	clock_gettime(CLOCK_REALTIME_COARSE, &now);
	if (!cache_dir || read_manifest(&m, manifest))
		return 0;
	dfd = m.bytes <= MLW_WTCACHE_MAX_BYTES ?
	      open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	ok = dfd >= 0 && check(dfd, &m, &racy);
	if (dfd >= 0)
		close(dfd);
	if (ok && racy)
		refresh(&m, &now, manifest);
	mlw_oid_to_hex(hex, &m.tree);
	manifest_release(&m);
	if (!ok)
		return 0;
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return 0;
	tmp = mlw_xstrfmt("%s.wtc", dir);
	tree = mlw_path_join(tmp, "tree");
	man = mlw_path_join(tmp, "manifest");
	name = mlw_xstrfmt("%s/%s-%02x%02x%02x%02x%02x%02x", cache_dir, hex,
			   rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5]);
	if (!mkdir(tmp, 0777)) {
		if (!rename(dir, tree)) {
			if (!rename(manifest, man)) {
				if (!mlw_mkdir_p(cache_dir, 0777) &&
				    !rename(tmp, name))
					placed = 1;
				else
					rename(man, manifest);
			}
			if (!placed)
				rename(tree, dir);
		}
		if (!placed)
			rmdir(tmp);
	}
	mlw_error_clear();
	if (placed)
		trim(cache_dir);
	free(name);
	free(man);
	free(tree);
	free(tmp);
	return placed;
}

int mlw_wtcache_clear(const char *cache_dir)
{
	DIR *d = opendir(cache_dir);
	struct dirent *de;
	struct mlw_strlist names = MLW_STRLIST_INIT;
	size_t i;

	if (!d)
		return errno == ENOENT ? 0 :
		       mlw_error_errno("cannot read '%s'", cache_dir);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			mlw_strlist_push(&names, de->d_name);
	closedir(d);
	for (i = 0; i < names.nr; i++)
		discard(cache_dir, names.items[i]);
	mlw_strlist_release(&names);
	return 0;
}

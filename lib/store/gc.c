/*
 * gc.c - garbage collection of the object store; see gc.h.
 */
#include "store/gc.h"
#include "store/catalog.h"
#include "store/odb.h"
#include "store/oidset.h"
#include "store/repo.h"
#include "store/tree.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/strutil.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct gc_state {
	struct mlw_odb *odb;
	struct mlw_oidset reachable;
	struct mlw_oid *doomed;		/* unreachable and old */
	size_t nr_doomed, alloc_doomed;
	const struct mlw_gc_opts *opts;
	struct mlw_gc_stats *stats;
	double cutoff;
};

static void warn(struct gc_state *s, const char *msg)
{
	if (s->opts->warn)
		s->opts->warn(msg, s->opts->data);
}

static int mark(struct gc_state *s, const struct mlw_oid *oid, int depth);

static int mark_tree(struct gc_state *s, const struct mlw_oid *oid, int depth)
{
	struct mlw_tree t = MLW_TREE_INIT;
	size_t i;
	int ret = mlw_tree_read(&t, s->odb, oid);

	if (ret == MLW_ECORRUPT || ret == MLW_EINVALID) {
		/* a damaged tree keeps what we can see; fsck reports it */
		warn(s, mlw_error_last());
		return 0;
	}
	if (ret)
		/* one that cannot be read now: sweep nothing beneath it */
		return ret;
	for (i = 0; !ret && i < t.nr; i++)
		ret = mark(s, &t.entries[i].oid, depth + 1);
	mlw_tree_release(&t);
	return ret;
}

static int mark(struct gc_state *s, const struct mlw_oid *oid, int depth)
{
	enum mlw_object_type type;
	int ret;

	if (!mlw_oidset_insert(&s->reachable, oid))
		return 0;
	if (depth > 256)
		return mlw_error_setc(MLW_ECORRUPT, "trees nested too deeply");
	ret = mlw_odb_info(&type, NULL, s->odb, oid);
	if (ret == MLW_ENOTFOUND || ret == MLW_ECORRUPT)
		return 0;	/* missing or damaged: nothing below to keep */
	if (ret)
		return ret;	/* an I/O error: stop before sweeping */
	return type == MLW_OBJ_TREE ? mark_tree(s, oid, depth) : 0;
}

static int mark_root(const char *hex, const char *what, void *data)
{
	struct gc_state *s = data;
	struct mlw_oid oid;

	if (mlw_oid_from_hex(&oid, hex) < 0)
		return 0;
	if (!mlw_odb_exists(s->odb, &oid)) {
		char *msg = mlw_xstrfmt("%s refers to missing object %s", what,
					hex);

		warn(s, msg);
		free(msg);
	}
	return mark(s, &oid, 0);
}

/* the listing: reachable, young, or a candidate for removal */
static int sweep_object(const struct mlw_oid *oid, double mtime, void *data)
{
	struct gc_state *s = data;

	s->stats->objects++;
	if (mlw_oidset_contains(&s->reachable, oid)) {
		s->stats->reachable++;
		return 0;
	}
	if (s->opts->grace < 0 || mtime > s->cutoff) {
		s->stats->kept_young++;
		return 0;
	}
	MLW_ALLOC_GROW(s->doomed, s->nr_doomed + 1, s->alloc_doomed);
	s->doomed[s->nr_doomed++] = *oid;
	return 0;
}

static int remove_object(struct gc_state *s, const struct mlw_oid *oid)
{
	char hex[MLW_OID_HEXSZ + 1];
	char *path = mlw_odb_object_path(s->odb, oid);
	uint64_t size = 0;
	struct stat st;

	mlw_oid_to_hex(hex, oid);
	if (!stat(path, &st)) {
		size = (uint64_t)st.st_size;
		/* re-used (its mtime refreshed) since it was listed */
		if (s->opts->grace >= 0 &&
		    (double)st.st_mtim.tv_sec > s->cutoff) {
			free(path);
			s->stats->kept_young++;
			return 0;
		}
	}
	free(path);
	if (!s->opts->dry_run) {
		int ret = mlw_odb_remove(s->odb, oid);

		if (ret)
			return ret;
	}
	s->stats->removed++;
	s->stats->removed_bytes += size;
	if (s->opts->removed)
		s->opts->removed("object", hex, size, s->opts->data);
	return 0;
}

/*
 * Remove the doomed objects, every tree before what it lists: in each
 * round, those that no doomed tree still lists go.  A tree on disk thus
 * never lacks an entry, during a gc or after one killed half-way, and a
 * concurrent mlw fsck sees no "missing" object.
 */
static int remove_doomed(struct gc_state *s)
{
	struct mlw_oid *left = s->doomed;
	size_t nr = s->nr_doomed, i;
	int ret = 0;

	while (!ret && nr) {
		struct mlw_oidset listed = MLW_OIDSET_INIT;
		size_t kept = 0;

		for (i = 0; i < nr; i++) {
			struct mlw_tree t = MLW_TREE_INIT;
			enum mlw_object_type type;
			size_t k;

			if (mlw_odb_info(&type, NULL, s->odb, &left[i]) ||
			    type != MLW_OBJ_TREE ||
			    mlw_tree_read(&t, s->odb, &left[i])) {
				mlw_error_clear();
				continue;
			}
			for (k = 0; k < t.nr; k++)
				mlw_oidset_insert(&listed, &t.entries[k].oid);
			mlw_tree_release(&t);
		}
		for (i = 0; !ret && i < nr; i++) {
			if (mlw_oidset_contains(&listed, &left[i]))
				left[kept++] = left[i];
			else
				ret = remove_object(s, &left[i]);
		}
		mlw_oidset_release(&listed);
		/* a cycle cannot be built from hashes; stop if one were */
		if (kept == nr)
			break;
		nr = kept;
	}
	return ret;
}

static int sweep_temp(const char *path, double mtime, void *data)
{
	struct gc_state *s = data;
	struct stat st;
	uint64_t size = 0;

	if (s->opts->grace < 0 || mtime > s->cutoff)
		return 0;
	if (!lstat(path, &st))
		size = (uint64_t)st.st_size;
	if (!s->opts->dry_run && unlink(path) < 0 && errno != ENOENT)
		return mlw_error_errno("cannot remove '%s'", path);
	s->stats->temp_removed++;
	if (s->opts->removed)
		s->opts->removed("temp", path, size, s->opts->data);
	return 0;
}

/*
 * Lock files a killed writer left in .mlw (statcache.lock, config.lock:
 * mlw_write_file_atomic() writes through them): older than the grace
 * period they are temporary files like the others.
 */
static int sweep_locks(struct gc_state *s, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int ret = 0;

	if (!d)
		return mlw_error_errno("cannot read '%s'", dir);
	while (!ret && (de = readdir(d))) {
		struct stat st;
		char *path;

		if (!mlw_ends_with(de->d_name, ".lock"))
			continue;
		path = mlw_path_join(dir, de->d_name);
		if (!lstat(path, &st) && S_ISREG(st.st_mode))
			ret = sweep_temp(path, (double)st.st_mtim.tv_sec, s);
		free(path);
	}
	closedir(d);
	return ret;
}

int mlw_gc(struct mlw_gc_stats *stats, struct mlw_repo *repo,
	   const struct mlw_gc_opts *opts)
{
	struct gc_state s;
	struct mlw_catalog *cat;
	int ret;

	memset(&s, 0, sizeof(s));
	memset(stats, 0, sizeof(*stats));
	s.opts = opts;
	s.stats = stats;
	s.cutoff = mlw_now() - opts->grace;
	ret = mlw_repo_odb(&s.odb, repo);
	if (!ret)
		ret = mlw_repo_catalog(&cat, repo);
	/*
	 * Roots are read before the sweep; anything that becomes referenced
	 * afterwards was written (or freshened) after the cutoff, so the
	 * grace period protects it.
	 */
	if (!ret)
		ret = mlw_catalog_foreach_root(cat, mark_root, &s);
	if (!ret)
		ret = mlw_odb_foreach(s.odb, sweep_object, sweep_temp, &s);
	if (!ret)
		ret = remove_doomed(&s);
	if (!ret)
		ret = sweep_locks(&s, repo->dir);
	mlw_oidset_release(&s.reachable);
	free(s.doomed);
	return ret;
}

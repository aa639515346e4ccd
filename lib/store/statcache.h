/*
 * statcache.h - remember what files hashed to, as git's index does.
 *
 * For each file snapshotted the cache keeps its absolute path, size,
 * mtime and ctime (nanoseconds), inode, device and object id.  When a
 * file's lstat() still matches all of them, its content is taken to be
 * unchanged and it is not read again: re-registering an unchanged folder
 * costs a stat per file instead of a hash of every byte.
 *
 * Racy timestamps: a file changed within the same timestamp tick as it
 * was hashed would look unchanged afterwards.  As in git ("racily
 * clean"), an entry whose mtime is not older than the moment the cache
 * file was written is never trusted; such files are hashed again (and
 * recorded again, so they become trusted once their mtime is in the
 * past of a later write).
 *
 * The cache is a file (.mlw/statcache, text, one entry a line) replaced
 * atomically by mlw_statcache_save(); a missing or damaged file is just
 * an empty cache.  The cache is only ever a hint: an entry whose object
 * is no longer in the store (gc) is a miss.
 *
 * A struct mlw_statcache is one caller's copy, used by one thread at a
 * time; several (threads or processes) may work from the same file, and
 * the last to save keeps what it saw.  Wherever a cache is taken, NULL
 * means none: every file is read.
 */
#ifndef MLW_STORE_STATCACHE_H
#define MLW_STORE_STATCACHE_H

#include "store/odb.h"

#include <sys/stat.h>

struct mlw_statcache;
struct mlw_snapshot_opts;

/*
 * Load the cache kept at path (missing or damaged: empty).  Always 0;
 * *out is the caller's, freed with mlw_statcache_free() (which saves
 * nothing).
 */
int mlw_statcache_open(struct mlw_statcache **out, const char *path);
/* Free c (NULL is fine). */
void mlw_statcache_free(struct mlw_statcache *c);

/* 1 and the id when abspath's stat matches a trusted entry, else 0. */
int mlw_statcache_lookup(struct mlw_statcache *c, struct mlw_oid *out,
			 const char *abspath, const struct stat *st);
/* Remember that the file abspath, as st described it before it was
 * read, has content oid. */
void mlw_statcache_record(struct mlw_statcache *c, const char *abspath,
			  const struct stat *st, const struct mlw_oid *oid);

/*
 * Wait until a cache written from now on would trust a file whose stat
 * is st: until the clock files are stamped with has moved past its
 * mtime (see racy timestamps above); a tick (4 ms) at most, and never
 * more than 50 ms (a file stamped ahead of this clock stays racy).  For
 * a writer that records a file it has just written.
 */
void mlw_statcache_settle(const struct stat *st);

/*
 * Write the cache back if it learnt anything (lock, temp file, rename).
 * 0, or MLW_ELOCKED / MLW_ERROR, which a caller reports as a warning at
 * most: the cache is a hint.
 */
int mlw_statcache_save(struct mlw_statcache *c);

/*
 * Let a folder snapshot (tree.h) consult and fill the cache; absdir is
 * the absolute path of the folder being snapshotted (copied).
 */
void mlw_statcache_attach(struct mlw_statcache *c,
			  struct mlw_snapshot_opts *opts, const char *absdir);

/*
 * Store the file at path as a blob, or take its id from the cache when
 * its stat is unchanged and the object is present.  *cached says which.
 */
int mlw_statcache_write_file(struct mlw_oid *out, uint64_t *size_out,
			     int *cached, struct mlw_statcache *c,
			     struct mlw_odb *odb, const char *path);

#endif

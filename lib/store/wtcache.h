/*
 * wtcache.h - clean working copies of trees, kept for the next run.
 *
 * Every command job runs in a fresh working copy of its code snapshot.
 * Writing that copy file by file is most of the cost of a short job: on
 * ext4, creating inodes right after deleting as many (the previous run's
 * copy) makes the allocator scan its bitmaps for recently freed inodes,
 * and a 100-file checkout took 20 of the 44 ms of "job create --wait" of
 * "echo hi".  So a working copy that is still exactly its tree when the
 * run ends is kept in a small cache (.mlw/cache/worktrees), and the next
 * run of the same tree takes it with one rename().
 *
 * "Exactly its tree" is checked as git checks its index: a manifest made
 * at checkout keeps each path's inode, size, mode, mtime and ctime, each
 * folder's number of entries, and the moment T the checkout ended.  A
 * copy is clean when every path still has its recorded stat and every
 * folder its recorded number of entries.  Any write, chmod, rename or
 * link changes ctime, so a changed file shows, except within the
 * timestamp tick of T itself (the kernel's coarse clock): a file whose
 * mtime or ctime is not before T is "racily clean" and its content is
 * hashed and compared with its blob.  A copy is checked when it leaves
 * the cache as well as when it enters, so one changed while cached is
 * not used.
 *
 * Taking a copy is a rename of its cache entry, which only one process
 * can win; an entry is published by renaming a finished folder into the
 * cache.  A crash leaves at worst a stray folder in the cache, which the
 * next check discards.  The cache holds at most MLW_WTCACHE_MAX copies
 * and none of trees bigger than MLW_WTCACHE_MAX_BYTES; "mlw gc" empties
 * it.  Nothing in it is needed: removing it at any time is safe.
 */
#ifndef MLW_STORE_WTCACHE_H
#define MLW_STORE_WTCACHE_H

#include "store/odb.h"

#define MLW_WTCACHE_MAX 8
#define MLW_WTCACHE_MAX_BYTES (256u << 20)

/*
 * Put a working copy of tree oid at dir (which must not exist), and its
 * manifest at manifest (a file path).  A clean cached copy is used when
 * cache_dir (may be NULL: never cached) holds one, else the tree is
 * checked out.  *reused (may be NULL) says which.
 */
int mlw_wtcache_checkout(struct mlw_odb *odb, const char *cache_dir,
			 const struct mlw_oid *oid, const char *dir,
			 const char *manifest, int *reused);

/*
 * Offer back the copy at dir made by mlw_wtcache_checkout() with its
 * manifest: when it is still exactly the tree, it (and the manifest) are
 * moved into the cache and 1 is returned; otherwise 0 and both are left
 * where they are, for the caller to remove.  Never fails otherwise.
 */
int mlw_wtcache_return(struct mlw_odb *odb, const char *cache_dir,
		       const char *dir, const char *manifest);

/* 1 when the copy at dir still matches its manifest, else 0. */
int mlw_wtcache_clean(struct mlw_odb *odb, const char *dir,
		      const char *manifest);

/* Remove every cached copy. */
int mlw_wtcache_clear(const char *cache_dir);

#endif

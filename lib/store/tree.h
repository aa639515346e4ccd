/*
 * tree.h - trees: snapshots of a folder stored as objects.
 *
 * A tree object lists one folder's entries sorted by name (byte order):
 * mode, id, size and name.  Files are blobs (mode 100644, or 100755 when
 * executable), symbolic links are blobs holding the link target (mode
 * 120000; never followed), subfolders are trees (mode 040000) whose size
 * is the total size of everything beneath.  The serialised form is
 *
 *	"mlw tree 1\n" then per entry "MODE ID SIZE NAME\0"
 *
 * with MODE in octal, ID in hex and SIZE in decimal.  A name is never
 * empty, ".", "..", and never contains '/', so a tree cannot name a path
 * outside the folder it is restored into.
 *
 * A struct mlw_tree is the caller's (embedded: MLW_TREE_INIT), its
 * entries and their names owned by it and freed by mlw_tree_release().
 * Functions return 0 or a negative code with the message set.
 */
#ifndef MLW_STORE_TREE_H
#define MLW_STORE_TREE_H

#include "store/odb.h"

#include <stddef.h>
#include <stdint.h>

#define MLW_MODE_FILE 0100644u
#define MLW_MODE_EXEC 0100755u
#define MLW_MODE_LINK 0120000u
#define MLW_MODE_DIR 0040000u

struct mlw_buf;
struct stat;

struct mlw_tree_entry {
	unsigned mode;
	char *name;
	struct mlw_oid oid;
	uint64_t size;
};

struct mlw_tree {
	struct mlw_tree_entry *entries;
	size_t nr, alloc;
};
#define MLW_TREE_INIT { NULL, 0, 0 }

/* 1 when name may appear in a tree */
int mlw_tree_name_ok(const char *name);

/* Append an entry (name copied). */
void mlw_tree_add(struct mlw_tree *t, unsigned mode, const char *name,
		  const struct mlw_oid *oid, uint64_t size);
/* Sort and serialise; duplicate names are a BUG. */
void mlw_tree_serialize(struct mlw_buf *out, struct mlw_tree *t);
/* Parse a serialised tree; MLW_ECORRUPT with a message on any defect. */
int mlw_tree_parse(struct mlw_tree *out, const char *data, size_t len,
		   const char *what);
/* Read and parse tree object oid (MLW_EINVALID when it is not a tree). */
int mlw_tree_read(struct mlw_tree *out, struct mlw_odb *odb,
		  const struct mlw_oid *oid);
/* Free t's entries; t is empty (MLW_TREE_INIT) afterwards. */
void mlw_tree_release(struct mlw_tree *t);
/*
 * Store t as a tree object (sorting it first); the total size of its
 * entries in *size_out.
 */
int mlw_tree_write(struct mlw_oid *out, uint64_t *size_out,
		   struct mlw_odb *odb, struct mlw_tree *t);

/* "tree" for a folder's mode, "blob" for any other (static). */
const char *mlw_tree_mode_type(unsigned mode);

/*
 * Options for snapshotting a folder.  ignore, when set, is asked about
 * every path relative to the folder ("a/b.txt"); returning 1 leaves it
 * out.  warn receives messages about entries skipped (sockets, fifos).
 * The walk never enters ".mlw" or ".git" folders.
 */
struct mlw_snapshot_opts {
	int (*ignore)(const char *relpath, int is_dir, void *data);
	void (*warn)(const char *msg, void *data);
	void *data;
	/* out: what was snapshotted */
	uint64_t nr_files, nr_bytes;
	/*
	 * Optional stat cache (statcache.h attaches one): lookup returns 1
	 * with the id of a file whose stat says it is unchanged, and that
	 * file is not read (if its object is still in the store); record
	 * is told what a file just read hashed to, with the stat taken
	 * before reading it.  nr_cached counts the files not read.
	 */
	int (*lookup)(struct mlw_oid *out, const char *relpath,
		      const struct stat *st, void *cache_data);
	void (*record)(const char *relpath, const struct stat *st,
		       const struct mlw_oid *oid, void *cache_data);
	void *cache_data;
	uint64_t nr_cached;
	/* files are stored with MLW_ODB_HASH_FIRST (odb.h): just written */
	int hash_first;
};

/* Snapshot folder dir into a tree; objects are written. */
int mlw_tree_write_dir(struct mlw_oid *out, uint64_t *size_out,
		       struct mlw_odb *odb, const char *dir,
		       struct mlw_snapshot_opts *opts);

/*
 * Restore tree oid into dir, which must be missing or empty.  Every blob
 * is verified against its id as it is written; on failure nothing is left
 * in dir.  With MLW_CHECKOUT_READONLY files and folders are made read-only.
 * MLW_EINVALID when dir is there and not empty, MLW_ECORRUPT for an
 * object missing or damaged.
 */
#define MLW_CHECKOUT_READONLY 1
int mlw_tree_checkout(struct mlw_odb *odb, const struct mlw_oid *oid,
		      const char *dir, int flags);

/*
 * Write blob oid as the file dir/relpath, replacing a file there (through
 * a temporary file and rename(2)), verified against its id as it is
 * written.  relpath is a relative path of names (mlw_name_check_path());
 * its folders are made beneath dir, and a symbolic link among them is
 * never followed (MLW_EINVALID), so nothing is written outside dir.
 */
int mlw_blob_checkout(struct mlw_odb *odb, const struct mlw_oid *oid,
		      const char *dir, const char *relpath);

/*
 * Visit tree entries in order; with recursive, subtrees are descended
 * (and still reported) and path is the full relative path.  path and e
 * are borrowed for the call.  A non-zero return from fn stops the walk
 * and is returned.
 */
typedef int (*mlw_tree_walk_fn)(const char *path,
				const struct mlw_tree_entry *e, void *data);
int mlw_tree_walk(struct mlw_odb *odb, const struct mlw_oid *oid,
		  int recursive, mlw_tree_walk_fn fn, void *data);

#endif

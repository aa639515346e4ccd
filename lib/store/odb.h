/*
 * odb.h - the content-addressed object store (.mlw/objects/).
 *
 * An object's id is the SHA-256 of its raw content, so `sha256sum FILE`
 * names the same object as `mlw hash-object FILE`.  Objects are immutable
 * and stored at objects/XX/YYYY... (first two hex digits fan out).  On disk
 * an object is a 16-byte header followed by chunks (see odb.c and
 * mlw-store(5)); each chunk is zlib-compressed or, when compression does
 * not pay, stored raw, so the id never depends on how it was stored.
 *
 * Writes are atomic and durable: the content goes to a temporary file
 * (objects/tmp_obj_*) while it is hashed, is fsync'd, and is renamed into
 * place; the fan-out directory is then fsync'd.  Writing an object that
 * already exists succeeds and refreshes its mtime, so a concurrent 'mlw gc'
 * inside its grace period never removes what a writer just reused.
 *
 * A batch (mlw_odb_batch_begin/commit) defers durability to its commit:
 * temp files are written without fsync, and the commit makes them all
 * durable before any is renamed into place, then the folders that name
 * them.  Up to 16 files are each fsync'd, all at once (the filesystem
 * folds syncs that wait together into one journal commit); more, one
 * syncfs() before the renames and one after.  An object written twice in
 * a batch is stored once.  Nothing is named, nor readable, before the
 * commit; a crash inside a batch leaves only temp files.  A catalog
 * record naming a batch's objects is committed after the batch.
 *
 * A struct mlw_odb holds buffers and the open batch: one thread uses it
 * at a time, and threads that write at once open one each (the files
 * themselves are safe to share: every write is a rename).  Functions
 * return 0 or a negative code with the message set.
 */
#ifndef MLW_STORE_ODB_H
#define MLW_STORE_ODB_H

#include <stddef.h>
#include <stdint.h>

#define MLW_OID_RAWSZ 32
#define MLW_OID_HEXSZ 64

struct mlw_oid {
	unsigned char hash[MLW_OID_RAWSZ];
};

enum mlw_object_type {
	MLW_OBJ_NONE = 0,
	MLW_OBJ_BLOB = 1,
	MLW_OBJ_TREE = 2
};

/* "blob", "tree", or "unknown" (static). */
const char *mlw_object_type_name(enum mlw_object_type t);

/* out must hold MLW_OID_HEXSZ + 1 bytes */
void mlw_oid_to_hex(char *out, const struct mlw_oid *oid);
/* parse exactly 64 hex digits; MLW_EINVALID otherwise */
int mlw_oid_from_hex(struct mlw_oid *out, const char *hex);
/* memcmp() of the two ids: <0, 0 or >0 */
int mlw_oid_cmp(const struct mlw_oid *a, const struct mlw_oid *b);
/* 1 when s is exactly 64 hex digits, else 0 */
int mlw_oid_is_hex(const char *s);

struct mlw_odb;

/*
 * Open the store rooted at objdir (which must exist); *out is the
 * caller's, closed with mlw_odb_free().
 */
int mlw_odb_open(struct mlw_odb **out, const char *objdir);
/* Close odb (NULL is fine), dropping a batch left open. */
void mlw_odb_free(struct mlw_odb *odb);
/* The objects folder (borrowed from odb). */
const char *mlw_odb_path(struct mlw_odb *odb);

/* Path of the object file (whether or not it exists); caller frees. */
char *mlw_odb_object_path(struct mlw_odb *odb, const struct mlw_oid *oid);

/* Hash a buffer without storing it. */
void mlw_hash_buf(struct mlw_oid *out, const void *buf, size_t len);

/*
 * The id of bytes that come a piece at a time (a file written in parts):
 * mlw_hasher_add() each piece in order, and mlw_hasher_done() gives what
 * mlw_hash_buf() of them all joined would, and frees the hasher.
 */
struct mlw_hasher;
struct mlw_hasher *mlw_hasher_new(void);
void mlw_hasher_add(struct mlw_hasher *h, const void *buf, size_t len);
void mlw_hasher_done(struct mlw_hasher *h, struct mlw_oid *out);
/* Drop h unfinished (NULL is fine). */
void mlw_hasher_free(struct mlw_hasher *h);

/*
 * Hash (and with MLW_ODB_WRITE, store) everything readable from fd,
 * streaming through fixed buffers.  expect_size, when not (uint64_t)-1,
 * is the size the file had when opened: reading a different amount means
 * the file changed under us, and nothing is stored (MLW_ERROR).  odb may
 * be NULL when only hashing.  size_out
 * receives the content size.  what names the source in messages.
 */
#define MLW_ODB_WRITE 1
/*
 * With MLW_ODB_WRITE: hash the whole content first, and read it again to
 * compress and store it only when the store lacks it (restic and borg
 * hash before they compress for the same reason).  A rerun's outputs,
 * the same bytes again, then cost a read and a hash instead of deflate,
 * the most expensive part of a write; new content costs one more read.
 * For files just written, in the page cache (a run's outputs): a file
 * read cold from disk would be read twice.  Only for content larger than
 * a chunk, from a file that can seek; else it is ignored.
 */
#define MLW_ODB_HASH_FIRST 2
int mlw_odb_write_fd(struct mlw_oid *out, uint64_t *size_out,
		     struct mlw_odb *odb, int fd, uint64_t expect_size,
		     enum mlw_object_type type, int flags, const char *what);
/* Store len bytes of buf as an object of type; its id in *out. */
int mlw_odb_write_buf(struct mlw_oid *out, struct mlw_odb *odb,
		      const void *buf, size_t len, enum mlw_object_type type);
/* Convenience: open path and call mlw_odb_write_fd. */
int mlw_odb_write_path(struct mlw_oid *out, uint64_t *size_out,
		       struct mlw_odb *odb, const char *path,
		       enum mlw_object_type type, int flags);

/* Start a batch (one at a time: nesting is a BUG()); always 0. */
int mlw_odb_batch_begin(struct mlw_odb *odb);
/*
 * Make every object written since mlw_odb_batch_begin() durable and
 * visible.  On failure the batch ends all the same: what was not yet
 * renamed into place is dropped, and nothing may be relied on.
 */
int mlw_odb_batch_commit(struct mlw_odb *odb);
/* Drop a batch: remove its temp files, store nothing. */
void mlw_odb_batch_abort(struct mlw_odb *odb);

/* 1 if the object exists, 0 if not. */
int mlw_odb_exists(struct mlw_odb *odb, const struct mlw_oid *oid);

/* Type and size from the header; MLW_ENOTFOUND or MLW_ECORRUPT. */
int mlw_odb_info(enum mlw_object_type *type, uint64_t *size,
		 struct mlw_odb *odb, const struct mlw_oid *oid);

/*
 * Streaming reader.  mlw_odb_read() returns bytes read (0 at the end) or a
 * negative code; at the end the content's hash is checked against the id
 * and MLW_ECORRUPT returned on mismatch, so a reader that reaches the end
 * without error has verified the object.
 */
struct mlw_odb_reader;
/*
 * *out is the caller's (mlw_odb_reader_free()).  MLW_ENOTFOUND when the
 * object is not stored, MLW_ECORRUPT for a damaged header.
 */
int mlw_odb_reader_open(struct mlw_odb_reader **out, struct mlw_odb *odb,
			const struct mlw_oid *oid);
/* The object's type and content size, from its header. */
enum mlw_object_type mlw_odb_reader_type(struct mlw_odb_reader *r);
uint64_t mlw_odb_reader_size(struct mlw_odb_reader *r);
long mlw_odb_read(struct mlw_odb_reader *r, void *buf, size_t len);
/* Close r (NULL is fine). */
void mlw_odb_reader_free(struct mlw_odb_reader *r);

/*
 * Append a whole object (at most max bytes: MLW_EINVALID beyond) to out,
 * verified; *type (may be NULL) gets its type.
 */
struct mlw_buf;
int mlw_odb_read_buf(struct mlw_buf *out, enum mlw_object_type *type,
		     struct mlw_odb *odb, const struct mlw_oid *oid,
		     size_t max);

/* Decode and re-hash an object: 0 when intact, MLW_ECORRUPT (message
 * says what is wrong) otherwise. */
int mlw_odb_verify(struct mlw_odb *odb, const struct mlw_oid *oid);

/*
 * Resolve a hex prefix (at least 4 digits) to a full id.  MLW_ENOTFOUND
 * when nothing matches, MLW_EAMBIGUOUS when several do (the message lists
 * them), MLW_EINVALID for a malformed prefix.
 */
int mlw_odb_resolve(struct mlw_oid *out, struct mlw_odb *odb,
		    const char *prefix);

/*
 * Call fn for every object file (valid name) and, with the second
 * callback, for every temporary file; either callback may be NULL.
 * mtime is the file's modification time in seconds.  A non-zero return
 * from a callback stops the walk and is returned.
 */
typedef int (*mlw_odb_object_fn)(const struct mlw_oid *oid, double mtime,
				 void *data);
typedef int (*mlw_odb_temp_fn)(const char *path, double mtime, void *data);
int mlw_odb_foreach(struct mlw_odb *odb, mlw_odb_object_fn fn,
		    mlw_odb_temp_fn tmp_fn, void *data);

/* Remove an object file (gc only). */
int mlw_odb_remove(struct mlw_odb *odb, const struct mlw_oid *oid);

/*
 * Fault injection for tests: mlw_odb_write_fd() sleeps ms milliseconds
 * after each chunk it reads, so a test can change a file while it is
 * being stored.  0, the default, is off.  Process-wide: the command sets
 * it (from MLW_TEST_READ_DELAY_MS) before it stores anything; lib/
 * never reads the environment.
 */
void mlw_odb_set_test_read_delay(unsigned ms);

#endif

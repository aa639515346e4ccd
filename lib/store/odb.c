/*
 * odb.c - the content-addressed object store; see odb.h.
 *
 * On-disk format of one object file (all integers big-endian):
 *
 *	header	"mlwo" | version (1) | type (1 blob, 2 tree) | 0 | 0 |
 *		raw size (u64)					16 bytes
 *	chunk*	stored length (u32, top bit set when deflated) |
 *		raw length (u32, at most MLW_CHUNK) | stored bytes
 *
 * Content is cut into chunks of 1 MiB.  Each chunk is raw-deflated (zlib
 * level 1) when that saves at least 3%, and stored as is otherwise; a 16
 * KiB sample is compressed first, so incompressible data (random bytes,
 * already-compressed archives) costs almost nothing to detect.  Chunks are
 * independent, which lets both cores compress a large file while the
 * reading thread hashes it, and bounds memory to a few chunks whatever the
 * object's size.
 */
#include "store/odb.h"
#include "store/oidset.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/progress.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
/*
 * SHA-256 through OpenSSL's direct interface, not EVP: EVP_Digest()
 * fetches the algorithm from a provider, and the first fetch of a process
 * builds OpenSSL's method store (and OPENSSL_cleanup() tears it down):
 * 3 of the 31 ms of a short "job create", for the same assembly code
 * (SHA-NI/AVX2 as the CPU has them) that SHA256_Update() calls directly.
 * OpenSSL 3.0 marks the interface deprecated, not removed.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define MLW_CHUNK (1u << 20)
#define HEADER_SIZE 16
#define CHUNK_HEADER_SIZE 8
#define FLAG_DEFLATED 0x80000000u
/*
 * The sample that picks a chunk's coding is as long as deflate's window
 * (32 KiB): any repeat string matching could use is in view.  A 16 KiB
 * one missed repeats 16-32 KiB apart (rows cycling every 442, say) and
 * chose Huffman-only coding at a quarter of the speed and a third of
 * the compression.
 */
#define SAMPLE_SIZE (32u << 10)
#define NSLOTS 8
#define MAX_WORKERS 4

struct pending {
	char *tmp;
	char *final;
	int synced;	/* its data was made durable when it was sealed */
};

struct packer {
	z_stream lz;
	z_stream huff;
};

struct mlw_odb {
	char *path;
	int in_batch;
	struct pending *pending;
	size_t nr_pending, alloc_pending;
	struct mlw_oidset pending_ids;	/* the objects of pending */
	struct mlw_oidset pending_trees;	/* those written as trees */
	/*
	 * Scratch space for small objects, allocated once: storing 10,000
	 * small files must not cost 10,000 trips to the allocator and the
	 * kernel (1 MiB buffers fall just past malloc's brk/mmap boundary).
	 */
	unsigned char *scratch_in, *scratch_out;
	struct packer packer;
	int packer_ready;
	unsigned char fanout_known[256];	/* objects/XX exists */
	int last_synced;	/* the temp file just sealed was fsync'd */
};

static const char hexdigits[] = "0123456789abcdef";

static void packer_init(struct packer *p);
static void packer_release(struct packer *p);

const char *mlw_object_type_name(enum mlw_object_type t)
{
	switch (t) {
	case MLW_OBJ_BLOB:
		return "blob";
	case MLW_OBJ_TREE:
		return "tree";
	default:
		return "unknown";
	}
}

void mlw_oid_to_hex(char *out, const struct mlw_oid *oid)
{
	size_t i;

	for (i = 0; i < MLW_OID_RAWSZ; i++) {
		out[2 * i] = hexdigits[oid->hash[i] >> 4];
		out[2 * i + 1] = hexdigits[oid->hash[i] & 15];
	}
	out[MLW_OID_HEXSZ] = '\0';
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int mlw_oid_is_hex(const char *s)
{
	size_t i;

	for (i = 0; i < MLW_OID_HEXSZ; i++)
		if (hexval((unsigned char)s[i]) < 0)
			return 0;
	return s[MLW_OID_HEXSZ] == '\0';
}

int mlw_oid_from_hex(struct mlw_oid *out, const char *hex)
{
	size_t i;

	if (!mlw_oid_is_hex(hex))
		return mlw_error_setc(MLW_EINVALID,
				      "'%s' is not an object id (64 lower-case hex digits)",
				      hex);
	for (i = 0; i < MLW_OID_RAWSZ; i++)
		out->hash[i] = (unsigned char)(hexval(hex[2 * i]) << 4 |
					       hexval(hex[2 * i + 1]));
	return 0;
}

int mlw_oid_cmp(const struct mlw_oid *a, const struct mlw_oid *b)
{
	return memcmp(a->hash, b->hash, MLW_OID_RAWSZ);
}

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static uint32_t get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void put_be64(unsigned char *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

static uint64_t get_be64(const unsigned char *p)
{
	return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

static void make_header(unsigned char *h, enum mlw_object_type type,
			uint64_t size)
{
	memcpy(h, "mlwo", 4);
	h[4] = 1;
	h[5] = (unsigned char)type;
	h[6] = h[7] = 0;
	put_be64(h + 8, size);
}

int mlw_odb_open(struct mlw_odb **out, const char *objdir)
{
	struct stat st;
	struct mlw_odb *odb;

	if (stat(objdir, &st) < 0 || !S_ISDIR(st.st_mode))
		return mlw_error_setc(MLW_ECORRUPT,
				      "object directory '%s' is missing", objdir);
	odb = mlw_calloc(1, sizeof(*odb));
	odb->path = mlw_strdup(objdir);
	*out = odb;
	return 0;
}

void mlw_odb_free(struct mlw_odb *odb)
{
	if (!odb)
		return;
	if (odb->in_batch)
		mlw_odb_batch_abort(odb);
	if (odb->packer_ready)
		packer_release(&odb->packer);
	free(odb->scratch_in);
	free(odb->scratch_out);
	free(odb->pending);
	free(odb->path);
	free(odb);
}

const char *mlw_odb_path(struct mlw_odb *odb)
{
	return odb->path;
}

char *mlw_odb_object_path(struct mlw_odb *odb, const struct mlw_oid *oid)
{
	char hex[MLW_OID_HEXSZ + 1];

	mlw_oid_to_hex(hex, oid);
	return mlw_xstrfmt("%s/%.2s/%s", odb->path, hex, hex + 2);
}

void mlw_hash_buf(struct mlw_oid *out, const void *buf, size_t len)
{
	SHA256_CTX c;

	/* not SHA256(): in OpenSSL 3 that one goes through EVP */
	SHA256_Init(&c);
	SHA256_Update(&c, buf, len);
	SHA256_Final(out->hash, &c);
}

struct mlw_hasher {
	SHA256_CTX c;
};

struct mlw_hasher *mlw_hasher_new(void)
{
	struct mlw_hasher *h = mlw_malloc(sizeof(*h));

	SHA256_Init(&h->c);
	return h;
}

void mlw_hasher_add(struct mlw_hasher *h, const void *buf, size_t len)
{
	SHA256_Update(&h->c, buf, len);
}

void mlw_hasher_done(struct mlw_hasher *h, struct mlw_oid *out)
{
	SHA256_Final(out->hash, &h->c);
	free(h);
}

void mlw_hasher_free(struct mlw_hasher *h)
{
	free(h);
}

/*
 * An existing object is success; touching it tells a concurrent gc that it
 * is in use again.  Returns 1 when the object is there (and freshened).
 */
static int freshen(struct mlw_odb *odb, const struct mlw_oid *oid)
{
	char *path = mlw_odb_object_path(odb, oid);
	int ok = !utimensat(AT_FDCWD, path, NULL, 0);

	free(path);
	return ok;
}

int mlw_odb_exists(struct mlw_odb *odb, const struct mlw_oid *oid)
{
	char *path = mlw_odb_object_path(odb, oid);
	int ok = !access(path, F_OK);

	free(path);
	return ok;
}

/* ---- compression of one chunk ---- */

/*
 * Two deflaters per compressing thread: ordinary level 1, and level 1
 * restricted to Huffman coding.  On data with few repeated strings (the
 * digits of numeric CSV) string matching buys almost nothing while costing
 * most of the time, so each chunk takes whichever wins on a sample.
 */
static void packer_init(struct packer *p)
{
	memset(p, 0, sizeof(*p));
	/* raw deflate: the SHA-256 id already guards the content */
	if (deflateInit2(&p->lz, 1, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK ||
	    deflateInit2(&p->huff, 1, Z_DEFLATED, -15, 8, Z_HUFFMAN_ONLY) != Z_OK)
		BUG("deflateInit2 failed");
}

static void packer_release(struct packer *p)
{
	deflateEnd(&p->lz);
	deflateEnd(&p->huff);
}

/* deflate in[0..n) into out[0..cap); the compressed size or 0 if it does
 * not fit */
static size_t squeeze(z_stream *z, const unsigned char *in, size_t n,
		      unsigned char *out, size_t cap)
{
	deflateReset(z);
	z->next_in = (unsigned char *)in;
	z->avail_in = (uInt)n;
	z->next_out = out;
	z->avail_out = (uInt)cap;
	if (deflate(z, Z_FINISH) != Z_STREAM_END)
		return 0;
	return z->total_out;
}

/*
 * Compress in[0..n) into out (capacity n).  Returns the stored length and
 * sets *deflated; a chunk that does not shrink by 3% is stored raw, and
 * then the caller writes in[] itself (no copy).
 */
static size_t pack_chunk(struct packer *p, const unsigned char *in, size_t n,
			 unsigned char *out, int *deflated)
{
	z_stream *z = &p->lz;
	size_t got;

	*deflated = 0;
	if (n < 64)
		goto raw;
	if (n > 2 * SAMPLE_SIZE) {
		/* a sample from the middle, where headers do not flatter it */
		const unsigned char *sample = in + n / 2 - SAMPLE_SIZE / 2;
		size_t lz = squeeze(&p->lz, sample, SAMPLE_SIZE, out, SAMPLE_SIZE);
		size_t huff = squeeze(&p->huff, sample, SAMPLE_SIZE, out,
				      SAMPLE_SIZE);

		if (!huff && (!lz || lz > SAMPLE_SIZE - SAMPLE_SIZE / 10))
			goto raw;
		/* string matching must save a tenth to be worth its time */
		if (huff && (!lz || lz > huff - huff / 10))
			z = &p->huff;
	}
	got = squeeze(z, in, n, out, n - n / 32);
	if (!got)
		goto raw;
	*deflated = 1;
	return got;
raw:
	return n;
}

/* ---- temp files and commit ---- */

static int open_temp(char **tmp_out, struct mlw_odb *odb)
{
	char *tmp = mlw_xstrfmt("%s/tmp_obj_XXXXXX", odb->path);
	int fd = mkostemp(tmp, O_CLOEXEC);

	if (fd < 0) {
		int ret = mlw_error_errno("cannot create a temporary object in '%s'",
					  odb->path);

		free(tmp);
		return ret;
	}
	fchmod(fd, 0444);
	mlw_tempfile_register(tmp);
	*tmp_out = tmp;
	return fd;
}

static void drop_temp(char *tmp)
{
	unlink(tmp);
	mlw_tempfile_unregister(tmp);
	free(tmp);
}

/*
 * Files to make durable, by name (a closed file's dirty pages belong to
 * its inode): the temp files of a batch (fdatasync), then the folders
 * that name them (fsync).
 */
struct sync_item {
	const char *path;
	int dir;
	int err;	/* errno of the open or the sync, or 0 */
	int in_open;	/* err is the open's */
};

static int sync_items(struct sync_item *items, size_t nr);

/* Move a written, closed temp file to its final name. */
static int install(struct mlw_odb *odb, char *tmp, const struct mlw_oid *oid,
		   enum mlw_object_type type)
{
	char hex[MLW_OID_HEXSZ + 1];
	char *dir, *final;
	int created = 0, ret = 0;

	mlw_oid_to_hex(hex, oid);
	if (odb->in_batch) {
		/*
		 * Written before in this batch (an empty tree twice): once.
		 * A tree whose bytes are a pending blob's is kept, renamed
		 * after it (the tree wins, as outside a batch).
		 */
		if (!mlw_oidset_insert(&odb->pending_ids, oid) &&
		    (type != MLW_OBJ_TREE ||
		     !mlw_oidset_insert(&odb->pending_trees, oid))) {
			drop_temp(tmp);
			return 0;
		}
		if (type == MLW_OBJ_TREE)
			mlw_oidset_insert(&odb->pending_trees, oid);
		MLW_ALLOC_GROW(odb->pending, odb->nr_pending + 1,
			       odb->alloc_pending);
		odb->pending[odb->nr_pending].tmp = tmp;
		odb->pending[odb->nr_pending].final =
			mlw_xstrfmt("%s/%.2s/%s", odb->path, hex, hex + 2);
		odb->pending[odb->nr_pending].synced = odb->last_synced;
		odb->nr_pending++;
		return 0;
	}
	dir = mlw_xstrfmt("%s/%.2s", odb->path, hex);
	final = mlw_xstrfmt("%s/%s", dir, hex + 2);
	if (odb->fanout_known[oid->hash[0]])
		;
	else if (mkdir(dir, 0777) == 0)
		created = 1;
	else if (errno != EEXIST)
		ret = mlw_error_errno("cannot create '%s'", dir);
	if (!ret)
		odb->fanout_known[oid->hash[0]] = 1;
	/* the rename is the commit point: before it nothing, after it all */
	if (!ret && rename(tmp, final) < 0)
		ret = mlw_error_errno("cannot rename '%s' to '%s'", tmp, final);
	if (!ret) {
		mlw_tempfile_unregister(tmp);
		free(tmp);
		tmp = NULL;
		/* make the new name durable, and the new directory too */
		if (created) {
			struct sync_item items[2];

			memset(items, 0, sizeof(items));
			items[0].path = dir;
			items[1].path = odb->path;
			items[0].dir = items[1].dir = 1;
			ret = sync_items(items, 2);
		} else {
			ret = mlw_fsync_dir(dir);
		}
	}
	if (tmp)
		drop_temp(tmp);
	free(dir);
	free(final);
	return ret;
}

int mlw_odb_batch_begin(struct mlw_odb *odb)
{
	if (odb->in_batch)
		BUG("nested object batch");
	odb->in_batch = 1;
	return 0;
}

static int sync_store(struct mlw_odb *odb)
{
	int fd = open(odb->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int ret = 0;

	if (fd < 0)
		return mlw_error_errno("cannot open '%s'", odb->path);
	if (syncfs(fd) < 0)
		ret = mlw_error_errno("cannot sync '%s'", odb->path);
	close(fd);
	return ret;
}

struct sync_group {
	struct sync_item *items;
	size_t nr, next;
	pthread_mutex_t mu;
};

static void sync_one(struct sync_item *it)
{
	int fd = open(it->path, O_RDONLY | O_CLOEXEC |
		      (it->dir ? O_DIRECTORY : 0));

	if (fd < 0) {
		it->err = errno;
		it->in_open = 1;
		return;
	}
	if ((it->dir ? fsync(fd) : fdatasync(fd)) < 0 && errno != EINVAL)
		it->err = errno;
	close(fd);
}

static void *sync_worker(void *data)
{
	struct sync_group *g = data;

	for (;;) {
		size_t i;

		pthread_mutex_lock(&g->mu);
		i = g->next++;
		pthread_mutex_unlock(&g->mu);
		if (i >= g->nr)
			return NULL;
		sync_one(&g->items[i]);
	}
}

/*
 * Sync every item, the syncs under way at once: each file still gets its
 * own fsync, but the filesystem folds syncs that wait together into one
 * journal commit and one cache flush (ext4: three files in 4 ms at once,
 * 11 ms one after the other).  Returns 0, or the first failure's error.
 */
#define SYNC_THREADS 8

static int sync_items(struct sync_item *items, size_t nr)
{
	struct sync_group g;
	pthread_t threads[SYNC_THREADS];
	size_t i, nr_threads = 0;

	memset(&g, 0, sizeof(g));
	g.items = items;
	g.nr = nr;
	pthread_mutex_init(&g.mu, NULL);
	while (nr_threads + 1 < nr && nr_threads < SYNC_THREADS &&
	       !pthread_create(&threads[nr_threads], NULL, sync_worker, &g))
		nr_threads++;
	sync_worker(&g);
	for (i = 0; i < nr_threads; i++)
		pthread_join(threads[i], NULL);
	pthread_mutex_destroy(&g.mu);
	for (i = 0; i < nr; i++) {
		if (!items[i].err)
			continue;
		errno = items[i].err;
		return mlw_error_errno(items[i].in_open ?
				       "cannot open '%s'" : "cannot fsync '%s'",
				       items[i].path);
	}
	return 0;
}

/*
 * Durability for a batch: every temp file synced before any is named,
 * then the folders that name them.  Up to FEW_SYNCS files: an fsync
 * each, all at once (sync_items()).  More: syncfs() once, which costs
 * one flush whatever the count (but waits for every writer on the
 * filesystem, so it only pays when the batch is large).
 */
#define FEW_SYNCS 16

int mlw_odb_batch_commit(struct mlw_odb *odb)
{
	unsigned char dirs[256] = { 0 };
	struct sync_item items[FEW_SYNCS + 257];
	char *dir_paths[257];
	size_t i, unsynced = 0, nr_dirs = 0, n = 0;
	int ret = 0, new_dir = 0;

	if (!odb->in_batch)
		BUG("batch commit without begin");
	for (i = 0; i < odb->nr_pending; i++)
		unsynced += !odb->pending[i].synced;
	/* every temp file durable before any is named */
	if (unsynced > FEW_SYNCS) {
		ret = sync_store(odb);
	} else if (unsynced) {
		for (i = 0; i < odb->nr_pending; i++) {
			if (odb->pending[i].synced)
				continue;
			memset(&items[n], 0, sizeof(items[n]));
			items[n++].path = odb->pending[i].tmp;
		}
		ret = sync_items(items, n);
	}
	for (i = 0; !ret && i < odb->nr_pending; i++) {
		struct pending *p = &odb->pending[i];
		char *dir = mlw_path_dirname(p->final);
		size_t fan = (size_t)strtoul(dir + strlen(dir) - 2, NULL, 16);

		if (!odb->fanout_known[fan]) {
			if (!mkdir(dir, 0777))
				new_dir = 1;
			else if (errno != EEXIST)
				ret = mlw_error_errno("cannot create '%s'", dir);
			odb->fanout_known[fan] = !ret;
		}
		if (!ret && rename(p->tmp, p->final) < 0)
			ret = mlw_error_errno("cannot rename '%s' to '%s'",
					      p->tmp, p->final);
		free(dir);
		if (ret)
			break;
		if (!dirs[fan]++)
			nr_dirs++;
		mlw_tempfile_unregister(p->tmp);
		free(p->tmp);
		p->tmp = NULL;
	}
	/* and the new names durable: the fan-out folders, and a new one's */
	if (!ret && nr_dirs > FEW_SYNCS) {
		ret = sync_store(odb);
	} else if (!ret && nr_dirs) {
		n = 0;
		for (i = 0; i < 256; i++)
			if (dirs[i]) {
				dir_paths[n] = mlw_xstrfmt("%s/%02x", odb->path,
							   (unsigned)i);
				memset(&items[n], 0, sizeof(items[n]));
				items[n].path = dir_paths[n];
				items[n].dir = 1;
				n++;
			}
		if (new_dir) {
			dir_paths[n] = mlw_strdup(odb->path);
			memset(&items[n], 0, sizeof(items[n]));
			items[n].path = dir_paths[n];
			items[n].dir = 1;
			n++;
		}
		ret = sync_items(items, n);
		for (i = 0; i < n; i++)
			free(dir_paths[i]);
	}
	for (i = 0; i < odb->nr_pending; i++) {
		if (odb->pending[i].tmp)
			drop_temp(odb->pending[i].tmp);
		free(odb->pending[i].final);
	}
	odb->nr_pending = 0;
	mlw_oidset_release(&odb->pending_ids);
	mlw_oidset_release(&odb->pending_trees);
	odb->in_batch = 0;
	return ret;
}

void mlw_odb_batch_abort(struct mlw_odb *odb)
{
	size_t i;

	for (i = 0; i < odb->nr_pending; i++) {
		drop_temp(odb->pending[i].tmp);
		free(odb->pending[i].final);
	}
	odb->nr_pending = 0;
	mlw_oidset_release(&odb->pending_ids);
	mlw_oidset_release(&odb->pending_trees);
	odb->in_batch = 0;
}

static int write_chunk(int fd, const unsigned char *data, size_t stored,
		       size_t raw, int deflated)
{
	unsigned char h[CHUNK_HEADER_SIZE];

	put_be32(h, (uint32_t)stored | (deflated ? FLAG_DEFLATED : 0));
	put_be32(h + 4, (uint32_t)raw);
	if (mlw_write_all(fd, h, sizeof(h)) < 0 ||
	    mlw_write_all(fd, data, stored) < 0)
		return -1;
	return 0;
}

/* finish a temp file: header, fsync (unless batched), close */
static int seal(struct mlw_odb *odb, int fd, const char *tmp,
		enum mlw_object_type type, uint64_t size)
{
	unsigned char h[HEADER_SIZE];

	make_header(h, type, size);
	if (pwrite(fd, h, sizeof(h), 0) != (ssize_t)sizeof(h))
		return mlw_error_errno("cannot write '%s'", tmp);
	/*
	 * Outside a batch, and for big objects inside one (whose pages are
	 * mostly written back already), sync now: the batch then need not
	 * flush the whole filesystem for them.
	 */
	odb->last_synced = !odb->in_batch || size >= (16u << 20);
	if (odb->last_synced && fdatasync(fd) < 0)
		return mlw_error_errno("cannot fsync '%s'", tmp);
	return 0;
}

int mlw_odb_write_buf(struct mlw_oid *out, struct mlw_odb *odb,
		      const void *buf, size_t len, enum mlw_object_type type)
{
	unsigned char h[HEADER_SIZE];
	const unsigned char *p = buf;
	char *tmp = NULL;
	int fd, ret = 0;

	mlw_hash_buf(out, buf, len);
	if (freshen(odb, out)) {
		enum mlw_object_type had;

		/*
		 * The id does not depend on the type, so a file whose bytes
		 * equal a tree's serialisation is that tree's object.  When
		 * it was stored as a blob first, store it again as a tree:
		 * same bytes, same id, and readers that need a tree find one.
		 */
		if (type != MLW_OBJ_TREE ||
		    mlw_odb_info(&had, NULL, odb, out) || had == MLW_OBJ_TREE)
			return 0;
	}
	fd = open_temp(&tmp, odb);
	if (fd < 0)
		return fd;
	make_header(h, type, len);
	if (mlw_write_all(fd, h, sizeof(h)) < 0)
		ret = -1;
	if (!odb->scratch_out)
		odb->scratch_out = mlw_malloc(MLW_CHUNK);
	if (!odb->packer_ready) {
		packer_init(&odb->packer);
		odb->packer_ready = 1;
	}
	while (!ret && len) {
		size_t n = len < MLW_CHUNK ? len : MLW_CHUNK, stored;
		int deflated;

		stored = pack_chunk(&odb->packer, p, n, odb->scratch_out,
				    &deflated);
		if (write_chunk(fd, deflated ? odb->scratch_out : p, stored, n,
				deflated) < 0)
			ret = -1;
		p += n;
		len -= n;
	}
	if (ret)
		ret = mlw_error_errno("cannot write '%s'", tmp);
	else
		ret = seal(odb, fd, tmp, type, (uint64_t)(p - (const unsigned char *)buf));
	if (close(fd) < 0 && !ret)
		ret = mlw_error_errno("cannot write '%s'", tmp);
	if (ret) {
		drop_temp(tmp);
		return ret;
	}
	return install(odb, tmp, out, type);
}

/* ---- the streaming writer: read + hash here, compress on workers ---- */

enum slot_state { SLOT_FREE, SLOT_PENDING, SLOT_WORKING, SLOT_DONE };

struct slot {
	unsigned char *in, *out;
	size_t in_len, out_len;
	int deflated;
	enum slot_state state;
	uint64_t seq;
};

struct pipeline {
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	struct slot slots[NSLOTS];
	pthread_t threads[MAX_WORKERS];
	int nthreads;
	int stop;
};

static void *worker_main(void *arg)
{
	struct pipeline *pl = arg;
	struct packer pk;

	packer_init(&pk);
	pthread_mutex_lock(&pl->mu);
	for (;;) {
		struct slot *s = NULL;
		size_t i;

		for (i = 0; i < NSLOTS; i++)
			if (pl->slots[i].state == SLOT_PENDING &&
			    (!s || pl->slots[i].seq < s->seq))
				s = &pl->slots[i];
		if (!s) {
			if (pl->stop)
				break;
			pthread_cond_wait(&pl->work, &pl->mu);
			continue;
		}
		s->state = SLOT_WORKING;
		pthread_mutex_unlock(&pl->mu);
		s->out_len = pack_chunk(&pk, s->in, s->in_len, s->out,
					&s->deflated);
		pthread_mutex_lock(&pl->mu);
		s->state = SLOT_DONE;
		pthread_cond_broadcast(&pl->done);
	}
	pthread_mutex_unlock(&pl->mu);
	packer_release(&pk);
	return NULL;
}

static void pipeline_start(struct pipeline *pl)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int i;

	memset(pl, 0, sizeof(*pl));
	pthread_mutex_init(&pl->mu, NULL);
	pthread_cond_init(&pl->work, NULL);
	pthread_cond_init(&pl->done, NULL);
	for (i = 0; i < NSLOTS; i++) {
		pl->slots[i].in = mlw_malloc(MLW_CHUNK);
		pl->slots[i].out = mlw_malloc(MLW_CHUNK);
	}
	pl->nthreads = ncpu < 1 ? 1 : ncpu > MAX_WORKERS ? MAX_WORKERS : (int)ncpu;
	for (i = 0; i < pl->nthreads; i++)
		if (pthread_create(&pl->threads[i], NULL, worker_main, pl))
			BUG("cannot start a compression thread");
}

static void pipeline_stop(struct pipeline *pl)
{
	int i;

	pthread_mutex_lock(&pl->mu);
	pl->stop = 1;
	pthread_cond_broadcast(&pl->work);
	pthread_mutex_unlock(&pl->mu);
	for (i = 0; i < pl->nthreads; i++)
		pthread_join(pl->threads[i], NULL);
	for (i = 0; i < NSLOTS; i++) {
		free(pl->slots[i].in);
		free(pl->slots[i].out);
	}
	pthread_mutex_destroy(&pl->mu);
	pthread_cond_destroy(&pl->work);
	pthread_cond_destroy(&pl->done);
}

/* wait for slot s to be compressed, then append it to the temp file */
static int flush_slot(struct pipeline *pl, struct slot *s, int fd,
		      uint64_t *written)
{
	pthread_mutex_lock(&pl->mu);
	while (s->state != SLOT_DONE)
		pthread_cond_wait(&pl->done, &pl->mu);
	pthread_mutex_unlock(&pl->mu);
	if (write_chunk(fd, s->deflated ? s->out : s->in, s->out_len,
			s->in_len, s->deflated) < 0)
		return -1;
	*written += CHUNK_HEADER_SIZE + s->out_len;
	/*
	 * Start write-back of what we just wrote and wait for the range
	 * written 64 MiB ago: the final fsync then has little left to do,
	 * and dirty pages stay bounded instead of filling memory.
	 */
	if (*written >= (64u << 20) && (*written & ((8u << 20) - 1)) <
	    CHUNK_HEADER_SIZE + s->out_len) {
		sync_file_range(fd, (off64_t)(*written - (8u << 20)), 8u << 20,
				SYNC_FILE_RANGE_WRITE);
		sync_file_range(fd, (off64_t)(*written - (64u << 20)), 8u << 20,
				SYNC_FILE_RANGE_WAIT_BEFORE |
				SYNC_FILE_RANGE_WRITE |
				SYNC_FILE_RANGE_WAIT_AFTER);
	}
	s->state = SLOT_FREE;
	return 0;
}

/* fault injection for tests: slow reads so a file can change mid-read */
static unsigned test_read_delay_ms;

void mlw_odb_set_test_read_delay(unsigned ms)
{
	test_read_delay_ms = ms;
}

/*
 * MLW_ODB_HASH_FIRST (odb.h): the id of the expect_size bytes of fd and
 * whether the store has them.  0 when it has (freshened, *out its id);
 * 1 when it has not, fd rewound for the writer; an error (< 0) when fd
 * cannot be read, or does not hold expect_size bytes.
 */
static int hash_first(struct mlw_oid *out, struct mlw_odb *odb, int fd,
		      uint64_t expect_size, const char *what)
{
	SHA256_CTX md;
	unsigned char *buf;
	uint64_t total = 0;
	ssize_t n;
	off_t start = lseek(fd, 0, SEEK_CUR);

	if (start < 0)
		return 1;	/* a pipe: one pass it is */
	buf = mlw_malloc(MLW_CHUNK);
	SHA256_Init(&md);
	while ((n = mlw_read_full(fd, buf, MLW_CHUNK)) > 0) {
		SHA256_Update(&md, buf, (size_t)n);
		total += (uint64_t)n;
		if ((size_t)n < MLW_CHUNK)
			break;
	}
	free(buf);
	SHA256_Final(out->hash, &md);
	if (n < 0)
		return mlw_error_errno("cannot read '%s'", what);
	if (total != expect_size)
		return mlw_error_set("'%s' changed while being read (%llu bytes expected, %llu read)",
				     what, (unsigned long long)expect_size,
				     (unsigned long long)total);
	if (freshen(odb, out))
		return 0;
	if (lseek(fd, start, SEEK_SET) < 0)
		return mlw_error_errno("cannot read '%s' again", what);
	return 1;
}

int mlw_odb_write_fd(struct mlw_oid *out, uint64_t *size_out,
		     struct mlw_odb *odb, int fd, uint64_t expect_size,
		     enum mlw_object_type type, int flags, const char *what)
{
	SHA256_CTX md;
	struct pipeline pl;
	unsigned char h[HEADER_SIZE];
	uint64_t total = 0, written = HEADER_SIZE, seq = 0, wseq = 0;
	int writing = flags & MLW_ODB_WRITE;
	unsigned delay = test_read_delay_ms;
	unsigned char *hashbuf = NULL;
	struct mlw_progress *meter = NULL;
	char *tmp = NULL;
	int tfd = -1, ret = 0;
	SHA256_Init(&md);
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);

	/* small content: read it whole, then take the buffer path */
	if (expect_size != (uint64_t)-1 && expect_size <= MLW_CHUNK) {
		unsigned char *b, *owned = NULL;
		ssize_t n;
		char extra;

		if (odb) {
			if (!odb->scratch_in)
				odb->scratch_in = mlw_malloc(MLW_CHUNK);
			b = odb->scratch_in;
		} else {
			b = owned = mlw_malloc((size_t)expect_size + 1);
		}
		n = mlw_read_full(fd, b, (size_t)expect_size);
		if (n < 0)
			ret = mlw_error_errno("cannot read '%s'", what);
		else if ((uint64_t)n != expect_size ||
			 mlw_read_full(fd, &extra, 1) != 0)
			ret = mlw_error_set("'%s' changed while being read", what);
		else if (writing)
			ret = mlw_odb_write_buf(out, odb, b, (size_t)n, type);
		else
			mlw_hash_buf(out, b, (size_t)n);
		if (!ret && size_out)
			*size_out = (uint64_t)n;
		free(owned);
		return ret;
	}

	if (writing && (flags & MLW_ODB_HASH_FIRST) &&
	    expect_size != (uint64_t)-1) {
		ret = hash_first(out, odb, fd, expect_size, what);
		if (ret <= 0) {
			if (!ret && size_out)
				*size_out = expect_size;
			return ret;
		}
		ret = 0;	/* not stored yet: read it again, and store it */
		SHA256_Init(&md);
	}

	if (expect_size == (uint64_t)-1 || expect_size >= (64u << 20))
		meter = mlw_progress_new(writing ? "storing" : "hashing",
					 expect_size == (uint64_t)-1 ? 0 :
					 expect_size, MLW_PROGRESS_BYTES);
	if (writing) {
		tfd = open_temp(&tmp, odb);
		if (tfd < 0) {
			mlw_progress_done(meter);
			return tfd;
		}
		make_header(h, type, 0);
		if (mlw_write_all(tfd, h, sizeof(h)) < 0)
			ret = mlw_error_errno("cannot write '%s'", tmp);
		pipeline_start(&pl);
	} else {
		hashbuf = mlw_malloc(MLW_CHUNK);
	}

	while (!ret) {
		struct slot *s = writing ? &pl.slots[seq % NSLOTS] : NULL;
		unsigned char *buf = s ? s->in : hashbuf;
		ssize_t n;

		if (s && s->state != SLOT_FREE) {
			if (flush_slot(&pl, s, tfd, &written) < 0) {
				ret = mlw_error_errno("cannot write '%s'", tmp);
				break;
			}
			wseq++;
		}
		n = mlw_read_full(fd, buf, MLW_CHUNK);
		if (n < 0) {
			ret = mlw_error_errno("cannot read '%s'", what);
			break;
		}
		if (!n)
			break;
		if (mlw_interrupted()) {
			ret = mlw_error_setc(MLW_EINTERRUPTED, "interrupted");
			break;
		}
		SHA256_Update(&md, buf, (size_t)n);
		total += (uint64_t)n;
		mlw_progress_update(meter, total);
		if (s) {
			pthread_mutex_lock(&pl.mu);
			s->in_len = (size_t)n;
			s->seq = seq;
			s->state = SLOT_PENDING;
			pthread_cond_signal(&pl.work);
			pthread_mutex_unlock(&pl.mu);
		}
		seq++;
		if (delay)
			usleep(delay * 1000);
		if ((size_t)n < MLW_CHUNK)
			break;
	}
	if (writing) {
		while (!ret && wseq < seq) {
			if (flush_slot(&pl, &pl.slots[wseq % NSLOTS], tfd,
				       &written) < 0)
				ret = mlw_error_errno("cannot write '%s'", tmp);
			wseq++;
		}
		pipeline_stop(&pl);
	}
	free(hashbuf);
	if (!ret && expect_size != (uint64_t)-1 && total != expect_size)
		ret = mlw_error_set("'%s' changed while being read (%llu bytes expected, %llu read)",
				    what, (unsigned long long)expect_size,
				    (unsigned long long)total);
	mlw_progress_done(meter);
	SHA256_Final(out->hash, &md);
	if (size_out)
		*size_out = total;
	if (!writing)
		return ret;
	/*
	 * Stored already (the same output of a rerun, a file registered
	 * again): ours is a duplicate, dropped before it costs a sync.
	 */
	if (!ret && freshen(odb, out)) {
		close(tfd);
		drop_temp(tmp);
		return 0;
	}
	if (!ret)
		ret = seal(odb, tfd, tmp, type, total);
	if (close(tfd) < 0 && !ret)
		ret = mlw_error_errno("cannot write '%s'", tmp);
	if (ret) {
		drop_temp(tmp);
		return ret;
	}
	if (freshen(odb, out)) {
		/* someone stored it while we sealed ours */
		drop_temp(tmp);
		return 0;
	}
	return install(odb, tmp, out, type);
}

int mlw_odb_write_path(struct mlw_oid *out, uint64_t *size_out,
		       struct mlw_odb *odb, const char *path,
		       enum mlw_object_type type, int flags)
{
	struct stat st;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		int code = mlw_errno_code(errno);

		mlw_error_errno("cannot open '%s'", path);
		return mlw_error_recode(code);
	}
	if (fstat(fd, &st) < 0) {
		close(fd);
		return mlw_error_errno("cannot stat '%s'", path);
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return mlw_error_setc(MLW_EINVALID,
				      "'%s' is a directory (use 'mlw write-tree')",
				      path);
	}
	ret = mlw_odb_write_fd(out, size_out, odb, fd,
			       S_ISREG(st.st_mode) ? (uint64_t)st.st_size :
			       (uint64_t)-1, type, flags, path);
	close(fd);
	return ret;
}

/* ---- reading ---- */

struct mlw_odb_reader {
	int fd;
	char hex[MLW_OID_HEXSZ + 1];
	struct mlw_oid oid;
	enum mlw_object_type type;
	uint64_t size, produced;
	SHA256_CTX md;
	z_stream z;
	unsigned char *in, *out;
	size_t out_len, out_pos;
	int done;
};

static int corrupt(struct mlw_odb_reader *r, const char *what)
{
	return mlw_error_setc(MLW_ECORRUPT, "object %s is corrupt: %s",
			      r->hex, what);
}

static int read_header(int fd, const char *hex, enum mlw_object_type *type,
		       uint64_t *size)
{
	unsigned char h[HEADER_SIZE];
	ssize_t n = mlw_read_full(fd, h, sizeof(h));

	if (n < 0)
		return mlw_error_errno("cannot read object %s", hex);
	if (n != HEADER_SIZE)
		return mlw_error_setc(MLW_ECORRUPT,
				      "object %s is corrupt: truncated header",
				      hex);
	if (memcmp(h, "mlwo", 4) || h[4] != 1)
		return mlw_error_setc(MLW_ECORRUPT,
				      "object %s is corrupt: bad header", hex);
	if (h[5] != MLW_OBJ_BLOB && h[5] != MLW_OBJ_TREE)
		return mlw_error_setc(MLW_ECORRUPT,
				      "object %s is corrupt: unknown type %d",
				      hex, h[5]);
	*type = (enum mlw_object_type)h[5];
	*size = get_be64(h + 8);
	return 0;
}

static int open_object(struct mlw_odb *odb, const struct mlw_oid *oid,
		       char *hex)
{
	char *path = mlw_odb_object_path(odb, oid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	mlw_oid_to_hex(hex, oid);
	if (fd < 0) {
		if (errno == ENOENT)
			mlw_error_setc(MLW_ENOTFOUND, "object %s not found", hex);
		else
			mlw_error_errno("cannot open object %s", hex);
	}
	free(path);
	return fd;
}

int mlw_odb_info(enum mlw_object_type *type, uint64_t *size,
		 struct mlw_odb *odb, const struct mlw_oid *oid)
{
	char hex[MLW_OID_HEXSZ + 1];
	enum mlw_object_type t;
	uint64_t s;
	int fd = open_object(odb, oid, hex), ret;

	if (fd < 0)
		return mlw_error_last_code();
	ret = read_header(fd, hex, &t, &s);
	close(fd);
	if (!ret) {
		if (type)
			*type = t;
		if (size)
			*size = s;
	}
	return ret;
}

int mlw_odb_reader_open(struct mlw_odb_reader **out, struct mlw_odb *odb,
			const struct mlw_oid *oid)
{
	struct mlw_odb_reader *r = mlw_calloc(1, sizeof(*r));
	size_t bufsz;
	int ret;

	r->fd = open_object(odb, oid, r->hex);
	if (r->fd < 0) {
		free(r);
		return mlw_error_last_code();
	}
	ret = read_header(r->fd, r->hex, &r->type, &r->size);
	if (ret) {
		close(r->fd);
		free(r);
		return ret;
	}
	posix_fadvise(r->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	r->oid = *oid;
	SHA256_Init(&r->md);
	if (inflateInit2(&r->z, -15) != Z_OK)
		BUG("inflateInit2 failed");
	/*
	 * A chunk never holds more than the object: small objects (most of
	 * them) need small buffers, which keeps fsck and gc from touching
	 * 2 MiB of fresh memory per object.
	 */
	bufsz = r->size < MLW_CHUNK ? (size_t)r->size + 1 : MLW_CHUNK;
	r->in = mlw_malloc(bufsz);
	r->out = mlw_malloc(bufsz);
	*out = r;
	return 0;
}

enum mlw_object_type mlw_odb_reader_type(struct mlw_odb_reader *r)
{
	return r->type;
}

uint64_t mlw_odb_reader_size(struct mlw_odb_reader *r)
{
	return r->size;
}

static int finish(struct mlw_odb_reader *r)
{
	struct mlw_oid got;
	char extra;
	ssize_t k = mlw_read_full(r->fd, &extra, 1);

	if (k < 0)
		return mlw_error_errno("cannot read object %s", r->hex);
	if (k)
		return corrupt(r, "trailing bytes after the last chunk");
	SHA256_Final(got.hash, &r->md);
	if (mlw_oid_cmp(&got, &r->oid)) {
		char hex[MLW_OID_HEXSZ + 1];

		mlw_oid_to_hex(hex, &got);
		return mlw_error_setc(MLW_ECORRUPT,
				      "object %s is corrupt: content hashes to %s",
				      r->hex, hex);
	}
	r->done = 1;
	return 0;
}

static int next_chunk(struct mlw_odb_reader *r)
{
	unsigned char h[CHUNK_HEADER_SIZE];
	uint32_t stored, raw;
	int deflated;
	ssize_t n;

	if (r->produced == r->size)
		return finish(r);
	n = mlw_read_full(r->fd, h, sizeof(h));
	if (n < 0)
		return mlw_error_errno("cannot read object %s", r->hex);
	if (n != (ssize_t)sizeof(h))
		return corrupt(r, "truncated");
	deflated = !!(get_be32(h) & FLAG_DEFLATED);
	stored = get_be32(h) & ~FLAG_DEFLATED;
	raw = get_be32(h + 4);
	if (!raw || raw > MLW_CHUNK || stored > raw ||
	    (!deflated && stored != raw) || raw > r->size - r->produced)
		return corrupt(r, "bad chunk header");
	n = mlw_read_full(r->fd, deflated ? r->in : r->out, stored);
	if (n < 0)
		return mlw_error_errno("cannot read object %s", r->hex);
	if ((uint32_t)n != stored)
		return corrupt(r, "truncated");
	if (deflated) {
		inflateReset(&r->z);
		r->z.next_in = r->in;
		r->z.avail_in = stored;
		r->z.next_out = r->out;
		r->z.avail_out = raw;
		if (inflate(&r->z, Z_FINISH) != Z_STREAM_END ||
		    r->z.avail_out || r->z.avail_in)
			return corrupt(r, "bad compressed data");
	}
	SHA256_Update(&r->md, r->out, raw);
	r->produced += raw;
	r->out_len = raw;
	r->out_pos = 0;
	return 0;
}

long mlw_odb_read(struct mlw_odb_reader *r, void *buf, size_t len)
{
	size_t n;

	if (r->out_pos == r->out_len) {
		int ret;

		if (r->done)
			return 0;
		ret = next_chunk(r);
		if (ret < 0)
			return ret;
		if (r->done)
			return 0;
	}
	n = r->out_len - r->out_pos;
	if (n > len)
		n = len;
	memcpy(buf, r->out + r->out_pos, n);
	r->out_pos += n;
	return (long)n;
}

void mlw_odb_reader_free(struct mlw_odb_reader *r)
{
	if (!r)
		return;
	close(r->fd);
	inflateEnd(&r->z);
	free(r->in);
	free(r->out);
	free(r);
}

int mlw_odb_read_buf(struct mlw_buf *out, enum mlw_object_type *type,
		     struct mlw_odb *odb, const struct mlw_oid *oid,
		     size_t max)
{
	struct mlw_odb_reader *r;
	int ret = mlw_odb_reader_open(&r, odb, oid);
	long n;

	if (ret)
		return ret;
	if (r->size > max) {
		ret = mlw_error_setc(MLW_EINVALID,
				     "object %s is too large (%llu bytes)",
				     r->hex, (unsigned long long)r->size);
		mlw_odb_reader_free(r);
		return ret;
	}
	if (type)
		*type = r->type;
	/*
	 * Room for the object and a byte more, where the end is seen: a
	 * MLW_CHUNK at every read made each small object cost a fresh 1 MiB
	 * (under ASan an mmap, a shadow and a quarantine each: gc of 900
	 * small trees took a minute).  The reader checks the size it read
	 * against the header's, so more room is needed only up to that.
	 */
	mlw_buf_grow(out, (size_t)r->size + 1);
	for (;;) {
		size_t room = out->alloc - out->len - 1;

		if (!room) {
			mlw_buf_grow(out, MLW_CHUNK);
			room = out->alloc - out->len - 1;
		}
		n = mlw_odb_read(r, out->buf + out->len,
				 room < MLW_CHUNK ? room : MLW_CHUNK);
		if (n <= 0)
			break;
		mlw_buf_setlen(out, out->len + (size_t)n);
	}
	mlw_odb_reader_free(r);
	return n < 0 ? (int)n : 0;
}

int mlw_odb_verify(struct mlw_odb *odb, const struct mlw_oid *oid)
{
	struct mlw_odb_reader *r;
	int ret = mlw_odb_reader_open(&r, odb, oid);

	if (ret)
		return ret;
	/* decode chunk by chunk without copying out; the last checks the id */
	while (!ret && !r->done)
		ret = next_chunk(r);
	mlw_odb_reader_free(r);
	return ret;
}

/* ---- listing ---- */

static int is_hex_name(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (hexval((unsigned char)s[i]) < 0)
			return 0;
	return s[len] == '\0';
}

static double file_mtime(int dirfd, const char *name)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	return (double)st.st_mtim.tv_sec + (double)st.st_mtim.tv_nsec / 1e9;
}

int mlw_odb_foreach(struct mlw_odb *odb, mlw_odb_object_fn fn,
		    mlw_odb_temp_fn tmp_fn, void *data)
{
	DIR *top = opendir(odb->path);
	struct dirent *de;
	int ret = 0;

	if (!top)
		return mlw_error_errno("cannot read '%s'", odb->path);
	while (!ret && (de = readdir(top))) {
		DIR *sub;
		struct dirent *se;
		char *subpath;

		if (!strncmp(de->d_name, "tmp_", 4)) {
			if (tmp_fn) {
				char *p = mlw_path_join(odb->path, de->d_name);

				ret = tmp_fn(p, file_mtime(dirfd(top),
							   de->d_name), data);
				free(p);
			}
			continue;
		}
		if (!is_hex_name(de->d_name, 2))
			continue;
		subpath = mlw_path_join(odb->path, de->d_name);
		sub = opendir(subpath);
		free(subpath);
		if (!sub)
			continue;
		while (!ret && (se = readdir(sub))) {
			char hex[MLW_OID_HEXSZ + 1];
			struct mlw_oid oid;

			if (!fn || !is_hex_name(se->d_name, MLW_OID_HEXSZ - 2))
				continue;
			memcpy(hex, de->d_name, 2);
			memcpy(hex + 2, se->d_name, MLW_OID_HEXSZ - 2 + 1);
			mlw_oid_from_hex(&oid, hex);
			ret = fn(&oid, file_mtime(dirfd(sub), se->d_name), data);
		}
		closedir(sub);
	}
	closedir(top);
	return ret;
}

int mlw_odb_resolve(struct mlw_oid *out, struct mlw_odb *odb,
		    const char *prefix)
{
	size_t len = strlen(prefix), found = 0;
	struct mlw_buf list = MLW_BUF_INIT;
	char *dirpath;
	struct dirent *de;
	DIR *d;
	int ret;

	if (len < 4 || len > MLW_OID_HEXSZ || !is_hex_name(prefix, len))
		return mlw_error_setc(MLW_EINVALID,
				      "'%s' is not an object id or a prefix of one (4 to 64 lower-case hex digits)",
				      prefix);
	if (len == MLW_OID_HEXSZ) {
		mlw_oid_from_hex(out, prefix);
		if (!mlw_odb_exists(odb, out))
			return mlw_error_setc(MLW_ENOTFOUND,
					      "object %s not found", prefix);
		return 0;
	}
	dirpath = mlw_xstrfmt("%s/%.2s", odb->path, prefix);
	d = opendir(dirpath);
	free(dirpath);
	while (d && (de = readdir(d))) {
		char hex[MLW_OID_HEXSZ + 1];

		if (!is_hex_name(de->d_name, MLW_OID_HEXSZ - 2) ||
		    strncmp(de->d_name, prefix + 2, len - 2))
			continue;
		memcpy(hex, prefix, 2);
		memcpy(hex + 2, de->d_name, MLW_OID_HEXSZ - 2 + 1);
		if (!found)
			mlw_oid_from_hex(out, hex);
		mlw_buf_addf(&list, "\n  %s", hex);
		found++;
	}
	if (d)
		closedir(d);
	if (!found)
		ret = mlw_error_setc(MLW_ENOTFOUND, "object %s not found",
				     prefix);
	else if (found > 1)
		ret = mlw_error_setc(MLW_EAMBIGUOUS,
				     "short object id %s is ambiguous; candidates:%s",
				     prefix, list.buf);
	else
		ret = 0;
	mlw_buf_release(&list);
	return ret;
}

int mlw_odb_remove(struct mlw_odb *odb, const struct mlw_oid *oid)
{
	char *path = mlw_odb_object_path(odb, oid);
	int ret = 0;

	if (unlink(path) < 0 && errno != ENOENT)
		ret = mlw_error_errno("cannot remove '%s'", path);
	free(path);
	return ret;
}

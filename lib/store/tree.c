/*
 * tree.c - folder snapshots as tree objects; see tree.h.
 */
#include "store/tree.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/name.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TREE_MAGIC "mlw tree 1\n"
#define MAX_TREE_SIZE (256u << 20)
#define MAX_LINK_SIZE 4096
#define MAX_DEPTH 256

int mlw_tree_name_ok(const char *name)
{
	return *name && strcmp(name, ".") && strcmp(name, "..") &&
	       !strchr(name, '/');
}

const char *mlw_tree_mode_type(unsigned mode)
{
	return mode == MLW_MODE_DIR ? "tree" : "blob";
}

void mlw_tree_add(struct mlw_tree *t, unsigned mode, const char *name,
		  const struct mlw_oid *oid, uint64_t size)
{
	struct mlw_tree_entry *e;

	MLW_ALLOC_GROW(t->entries, t->nr + 1, t->alloc);
	e = &t->entries[t->nr++];
	e->mode = mode;
	e->name = mlw_strdup(name);
	e->oid = *oid;
	e->size = size;
}

void mlw_tree_release(struct mlw_tree *t)
{
	size_t i;

	for (i = 0; i < t->nr; i++)
		free(t->entries[i].name);
	free(t->entries);
	t->entries = NULL;
	t->nr = t->alloc = 0;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct mlw_tree_entry *)a)->name,
		      ((const struct mlw_tree_entry *)b)->name);
}

void mlw_tree_serialize(struct mlw_buf *out, struct mlw_tree *t)
{
	size_t i;

	if (t->nr)
		qsort(t->entries, t->nr, sizeof(*t->entries), cmp_entry);
	mlw_buf_adds(out, TREE_MAGIC);
	for (i = 0; i < t->nr; i++) {
		char hex[MLW_OID_HEXSZ + 1];

		if (i && !strcmp(t->entries[i - 1].name, t->entries[i].name))
			BUG("duplicate tree entry '%s'", t->entries[i].name);
		mlw_oid_to_hex(hex, &t->entries[i].oid);
		mlw_buf_addf(out, "%06o %s %llu %s", t->entries[i].mode, hex,
			     (unsigned long long)t->entries[i].size,
			     t->entries[i].name);
		mlw_buf_addch(out, '\0');
	}
}

int mlw_tree_parse(struct mlw_tree *out, const char *data, size_t len,
		   const char *what)
{
	const char *p = data, *end = data + len;
	const char *prev = NULL;

	if (len < strlen(TREE_MAGIC) || memcmp(p, TREE_MAGIC, strlen(TREE_MAGIC)))
		return mlw_error_setc(MLW_ECORRUPT, "tree %s: bad header", what);
	p += strlen(TREE_MAGIC);
	while (p < end) {
		const char *nul = memchr(p, '\0', (size_t)(end - p));
		char hex[MLW_OID_HEXSZ + 1];
		struct mlw_oid oid;
		unsigned long long size;
		unsigned mode;
		char *q;

		if (!nul)
			return mlw_error_setc(MLW_ECORRUPT,
					      "tree %s: truncated entry", what);
		/* one spelling per tree, so one id: no sign, blank or
		 * leading zero strtoul(3) would let by */
		if (nul - p < 7 || strspn(p, "01234567") != 6)
			return mlw_error_setc(MLW_ECORRUPT,
					      "tree %s: bad mode in entry", what);
		mode = (unsigned)strtoul(p, &q, 8);
		if (q != p + 6 || *q != ' ' ||
		    (mode != MLW_MODE_FILE && mode != MLW_MODE_EXEC &&
		     mode != MLW_MODE_LINK && mode != MLW_MODE_DIR))
			return mlw_error_setc(MLW_ECORRUPT,
					      "tree %s: bad mode in entry", what);
		q++;
		if (nul - q < MLW_OID_HEXSZ + 2 || q[MLW_OID_HEXSZ] != ' ')
			return mlw_error_setc(MLW_ECORRUPT,
					      "tree %s: bad id in entry", what);
		memcpy(hex, q, MLW_OID_HEXSZ);
		hex[MLW_OID_HEXSZ] = '\0';
		if (mlw_oid_from_hex(&oid, hex) < 0)
			return mlw_error_setc(MLW_ECORRUPT,
					      "tree %s: bad id in entry", what);
		q += MLW_OID_HEXSZ + 1;
		if (*q < '0' || *q > '9' || (*q == '0' && q[1] != ' '))
			return mlw_error_setc(MLW_ECORRUPT,
					      "tree %s: bad size in entry", what);
		errno = 0;
		size = strtoull(q, &q, 10);
		if (errno == ERANGE)
			return mlw_error_setc(MLW_ECORRUPT,
					      "tree %s: bad size in entry", what);
		if (*q != ' ' || !mlw_tree_name_ok(q + 1))
			return mlw_error_setc(MLW_ECORRUPT,
					      "tree %s: bad name in entry", what);
		q++;
		if (prev && strcmp(prev, q) >= 0)
			return mlw_error_setc(MLW_ECORRUPT,
					      "tree %s: entries not sorted at '%s'",
					      what, q);
		prev = q;
		mlw_tree_add(out, mode, q, &oid, size);
		p = nul + 1;
	}
	return 0;
}

int mlw_tree_read(struct mlw_tree *out, struct mlw_odb *odb,
		  const struct mlw_oid *oid)
{
	struct mlw_buf b = MLW_BUF_INIT;
	enum mlw_object_type type;
	char hex[MLW_OID_HEXSZ + 1];
	int ret;

	mlw_oid_to_hex(hex, oid);
	ret = mlw_odb_read_buf(&b, &type, odb, oid, MAX_TREE_SIZE);
	if (!ret && type != MLW_OBJ_TREE)
		ret = mlw_error_setc(MLW_EINVALID, "object %s is a %s, not a tree",
				     hex, mlw_object_type_name(type));
	if (!ret)
		ret = mlw_tree_parse(out, b.buf, b.len, hex);
	if (ret)
		mlw_tree_release(out);
	mlw_buf_release(&b);
	return ret;
}

int mlw_tree_write(struct mlw_oid *out, uint64_t *size_out,
		   struct mlw_odb *odb, struct mlw_tree *t)
{
	struct mlw_buf b = MLW_BUF_INIT;
	uint64_t total = 0;
	size_t i;
	int ret;

	for (i = 0; i < t->nr; i++)
		total += t->entries[i].size;
	mlw_tree_serialize(&b, t);
	ret = mlw_odb_write_buf(out, odb, b.buf, b.len, MLW_OBJ_TREE);
	mlw_buf_release(&b);
	if (size_out)
		*size_out = total;
	return ret;
}

/* ---- snapshot ---- */

struct snap {
	struct mlw_odb *odb;
	struct mlw_snapshot_opts *opts;
	struct mlw_buf path;	/* relative path of the folder being read */
	const char *root;
	int depth;
};

static void snap_warn(struct snap *s, const char *fmt, const char *name)
{
	char *msg;

	if (!s->opts || !s->opts->warn)
		return;
	msg = mlw_xstrfmt(fmt, s->root, s->path.buf, name);
	s->opts->warn(msg, s->opts->data);
	free(msg);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int snap_dir(struct snap *s, int dfd, struct mlw_oid *out,
		    uint64_t *size_out)
{
	struct mlw_tree tree = MLW_TREE_INIT;
	char **names = NULL;
	size_t nr = 0, alloc = 0, i, base = s->path.len;
	struct dirent *de;
	DIR *d;
	int ret = 0;

	if (++s->depth > MAX_DEPTH) {
		close(dfd);
		return mlw_error_setc(MLW_EINVALID,
				      "'%s/%s': folders nested too deeply",
				      s->root, s->path.buf);
	}
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return mlw_error_errno("cannot read '%s/%s'", s->root, s->path.buf);
	}
	errno = 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		MLW_ALLOC_GROW(names, nr + 1, alloc);
		names[nr++] = mlw_strdup(de->d_name);
	}
	if (errno)
		ret = mlw_error_errno("cannot read '%s/%s'", s->root, s->path.buf);
	if (nr)
		qsort(names, nr, sizeof(*names), cmp_name);
	for (i = 0; !ret && i < nr; i++) {
		const char *name = names[i];
		struct mlw_oid oid;
		uint64_t size = 0;
		struct stat st;

		mlw_buf_setlen(&s->path, base);
		if (base)
			mlw_buf_addch(&s->path, '/');
		mlw_buf_adds(&s->path, name);
		if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue;	/* vanished: not part of the snapshot */
			ret = mlw_error_errno("cannot stat '%s/%s'", s->root,
					      s->path.buf);
			break;
		}
		if (S_ISDIR(st.st_mode) &&
		    (!strcmp(name, ".mlw") || !strcmp(name, ".git")))
			continue;
		if (s->opts && s->opts->ignore &&
		    s->opts->ignore(s->path.buf, S_ISDIR(st.st_mode),
				    s->opts->data))
			continue;
		if (S_ISREG(st.st_mode) && s->opts && s->opts->lookup &&
		    s->opts->lookup(&oid, s->path.buf, &st,
				    s->opts->cache_data) == 1 &&
		    mlw_odb_exists(s->odb, &oid) == 1) {
			/* unchanged since it was hashed: not read again */
			size = (uint64_t)st.st_size;
			mlw_tree_add(&tree, st.st_mode & 0111 ? MLW_MODE_EXEC :
				     MLW_MODE_FILE, name, &oid, size);
			s->opts->nr_cached++;
			s->opts->nr_files++;
			s->opts->nr_bytes += size;
		} else if (S_ISREG(st.st_mode)) {
			int fd = openat(dirfd(d), name,
					O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

			if (fd < 0) {
				ret = mlw_error_errno("cannot open '%s/%s'",
						      s->root, s->path.buf);
				break;
			}
			ret = mlw_odb_write_fd(&oid, &size, s->odb, fd,
					       (uint64_t)st.st_size,
					       MLW_OBJ_BLOB, MLW_ODB_WRITE |
					       (s->opts && s->opts->hash_first ?
						MLW_ODB_HASH_FIRST : 0),
					       s->path.buf);
			close(fd);
			if (ret)
				break;
			if (s->opts && s->opts->record)
				s->opts->record(s->path.buf, &st, &oid,
						s->opts->cache_data);
			mlw_tree_add(&tree, st.st_mode & 0111 ? MLW_MODE_EXEC :
				     MLW_MODE_FILE, name, &oid, size);
			if (s->opts) {
				s->opts->nr_files++;
				s->opts->nr_bytes += size;
			}
		} else if (S_ISLNK(st.st_mode)) {
			char target[MAX_LINK_SIZE];
			ssize_t n = readlinkat(dirfd(d), name, target,
					       sizeof(target));

			if (n < 0 || n == (ssize_t)sizeof(target)) {
				ret = mlw_error_errno("cannot read link '%s/%s'",
						      s->root, s->path.buf);
				break;
			}
			ret = mlw_odb_write_buf(&oid, s->odb, target, (size_t)n,
						MLW_OBJ_BLOB);
			if (ret)
				break;
			mlw_tree_add(&tree, MLW_MODE_LINK, name, &oid,
				     (uint64_t)n);
		} else if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd(d), name, O_RDONLY | O_DIRECTORY |
					 O_NOFOLLOW | O_CLOEXEC);

			if (sub < 0) {
				ret = mlw_error_errno("cannot open '%s/%s'",
						      s->root, s->path.buf);
				break;
			}
			ret = snap_dir(s, sub, &oid, &size);
			if (ret)
				break;
			mlw_tree_add(&tree, MLW_MODE_DIR, name, &oid, size);
		} else {
			snap_warn(s, "skipping '%s/%s%s': not a file, folder or symbolic link",
				  "");
		}
	}
	closedir(d);
	for (i = 0; i < nr; i++)
		free(names[i]);
	free(names);
	mlw_buf_setlen(&s->path, base);
	if (!ret)
		ret = mlw_tree_write(out, size_out, s->odb, &tree);
	mlw_tree_release(&tree);
	s->depth--;
	return ret;
}

int mlw_tree_write_dir(struct mlw_oid *out, uint64_t *size_out,
		       struct mlw_odb *odb, const char *dir,
		       struct mlw_snapshot_opts *opts)
{
	struct snap s = { odb, opts, MLW_BUF_INIT, dir, 0 };
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int ret;

	if (fd < 0) {
		int code = mlw_errno_code(errno);

		mlw_error_errno("cannot open folder '%s'", dir);
		return mlw_error_recode(code);
	}
	ret = snap_dir(&s, fd, out, size_out);
	mlw_buf_release(&s.path);
	return ret;
}

/* ---- checkout ---- */

struct restore {
	struct mlw_odb *odb;
	int flags;
	int depth;
};

static int restore_blob(struct restore *r, int dfd, const struct mlw_tree_entry *e)
{
	struct mlw_odb_reader *rd;
	char *buf;
	size_t bufsz;
	int fd, ret;
	long n;

	ret = mlw_odb_reader_open(&rd, r->odb, &e->oid);
	if (ret == MLW_ENOTFOUND)
		return mlw_error_recode(MLW_ECORRUPT);
	if (ret)
		return ret;
	if (mlw_odb_reader_type(rd) != MLW_OBJ_BLOB) {
		mlw_odb_reader_free(rd);
		return mlw_error_setc(MLW_ECORRUPT, "'%s' is not a blob", e->name);
	}
	/* UINT64_MAX: no tree entry to hold it to (mlw_blob_checkout) */
	if (e->size != UINT64_MAX && mlw_odb_reader_size(rd) != e->size) {
		uint64_t real = mlw_odb_reader_size(rd);

		mlw_odb_reader_free(rd);
		return mlw_error_setc(MLW_ECORRUPT, "the tree says '%s' holds "
				      "%llu bytes, its blob %llu", e->name,
				      (unsigned long long)e->size,
				      (unsigned long long)real);
	}
	if (e->mode == MLW_MODE_LINK) {
		char target[MAX_LINK_SIZE + 1];
		size_t got = 0;

		while ((n = mlw_odb_read(rd, target + got,
					 MAX_LINK_SIZE - got)) > 0)
			got += (size_t)n;
		mlw_odb_reader_free(rd);
		if (n < 0)
			return (int)n;
		if (got >= MAX_LINK_SIZE)
			return mlw_error_setc(MLW_ECORRUPT,
					      "link '%s' target too long", e->name);
		target[got] = '\0';
		if (symlinkat(target, dfd, e->name) < 0)
			return mlw_error_errno("cannot create link '%s'", e->name);
		return 0;
	}
	/* O_EXCL | O_NOFOLLOW: never write through anything already there */
	fd = openat(dfd, e->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, e->mode == MLW_MODE_EXEC ? 0777 : 0666);
	if (fd < 0) {
		mlw_odb_reader_free(rd);
		return mlw_error_errno("cannot create '%s'", e->name);
	}
	/* no more than the blob and a byte (the end): most files are small */
	bufsz = mlw_odb_reader_size(rd) < (1u << 20) ?
		(size_t)mlw_odb_reader_size(rd) + 1 : (1u << 20);
	buf = mlw_malloc(bufsz);
	ret = 0;
	while ((n = mlw_odb_read(rd, buf, bufsz)) > 0)
		if (mlw_write_all(fd, buf, (size_t)n) < 0) {
			ret = mlw_error_errno("cannot write '%s'", e->name);
			break;
		}
	if (n < 0)
		ret = (int)n;
	free(buf);
	mlw_odb_reader_free(rd);
	if (!ret && (r->flags & MLW_CHECKOUT_READONLY))
		fchmod(fd, e->mode == MLW_MODE_EXEC ? 0555 : 0444);
	if (close(fd) < 0 && !ret)
		ret = mlw_error_errno("cannot write '%s'", e->name);
	return ret;
}

/*
 * A subtree as its parent's entry names it: a tree (a blob there is a
 * damaged store, not a bad argument) whose entries add up to the size the
 * entry says (size UINT64_MAX: the top, held to nothing).
 */
static int read_subtree(struct mlw_tree *t, struct mlw_odb *odb,
			const struct mlw_oid *oid, int depth, uint64_t size)
{
	char hex[MLW_OID_HEXSZ + 1];
	uint64_t total = 0;
	size_t i;
	int ret = mlw_tree_read(t, odb, oid);

	if ((ret == MLW_ENOTFOUND || ret == MLW_EINVALID) && depth > 0)
		ret = mlw_error_recode(MLW_ECORRUPT);
	if (ret || size == UINT64_MAX)
		return ret;
	for (i = 0; i < t->nr; i++) {
		if (total + t->entries[i].size < total)
			break;
		total += t->entries[i].size;
	}
	if (i == t->nr && total == size)
		return 0;
	mlw_oid_to_hex(hex, oid);
	mlw_tree_release(t);
	if (i < t->nr)
		return mlw_error_setc(MLW_ECORRUPT, "tree %s: its entries hold "
				      "more than 2^64 bytes", hex);
	return mlw_error_setc(MLW_ECORRUPT, "tree %s: its entries hold %llu "
			      "bytes, its parent says %llu", hex,
			      (unsigned long long)total,
			      (unsigned long long)size);
}

static int restore_tree(struct restore *r, int dfd, const struct mlw_oid *oid,
			uint64_t size)
{
	struct mlw_tree t = MLW_TREE_INIT;
	size_t i;
	int ret;

	if (++r->depth > MAX_DEPTH)
		return mlw_error_setc(MLW_ECORRUPT, "trees nested too deeply");
	ret = read_subtree(&t, r->odb, oid, r->depth - 1, size);
	for (i = 0; !ret && i < t.nr; i++) {
		const struct mlw_tree_entry *e = &t.entries[i];

		if (e->mode == MLW_MODE_DIR) {
			int sub;

			if (mkdirat(dfd, e->name, 0777) < 0) {
				ret = mlw_error_errno("cannot create '%s'", e->name);
				break;
			}
			sub = openat(dfd, e->name, O_RDONLY | O_DIRECTORY |
				     O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0) {
				ret = mlw_error_errno("cannot open '%s'", e->name);
				break;
			}
			ret = restore_tree(r, sub, &e->oid, e->size);
			if (!ret && (r->flags & MLW_CHECKOUT_READONLY))
				fchmod(sub, 0555);
			close(sub);
		} else {
			ret = restore_blob(r, dfd, e);
		}
		if (ret)
			mlw_error_prefix("'%s'", e->name);
	}
	mlw_tree_release(&t);
	r->depth--;
	return ret;
}

static int checkout(struct mlw_odb *odb, const struct mlw_oid *oid,
		    const char *dir, int flags)
{
	struct restore r = { odb, flags, 0 };
	struct stat st;
	char *target = NULL;
	int existed = 0, fd, ret;

	if (!stat(dir, &st)) {
		if (!S_ISDIR(st.st_mode))
			return mlw_error_setc(MLW_EINVALID,
					      "'%s' exists and is not a folder", dir);
		ret = mlw_dir_is_empty(dir);
		if (ret < 0)
			return ret;
		if (!ret)
			return mlw_error_setc(MLW_EINVALID,
					      "'%s' is not empty", dir);
		existed = 1;
		target = mlw_strdup(dir);
	} else {
		/* restore beside it, then rename: all or nothing */
		char *parent;

		if (errno != ENOENT) {
			int code = mlw_errno_code(errno);

			mlw_error_errno("cannot stat '%s'", dir);
			return mlw_error_recode(code);
		}
		if (!lstat(dir, &st))
			return mlw_error_setc(MLW_EINVALID,
					      "'%s' is a symbolic link that leads nowhere",
					      dir);
		parent = mlw_path_dirname(dir);
		ret = mlw_mkdir_p(parent, 0777);
		free(parent);
		if (ret)
			return ret;
		target = mlw_xstrfmt("%s.mlw-tmp-XXXXXX", dir);
		if (!mkdtemp(target)) {
			ret = mlw_error_errno("cannot create '%s'", target);
			free(target);
			return ret;
		}
		mlw_tempfile_register(target);
		/* mkdtemp makes it 0700; give it the mode mkdir would */
		{
			mode_t mask = umask(0);

			umask(mask);
			chmod(target, 0777 & ~mask);
		}
	}
	fd = open(target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		ret = mlw_error_errno("cannot open '%s'", target);
	else
		ret = restore_tree(&r, fd, oid, UINT64_MAX);
	if (!ret && !existed && rename(target, dir) < 0)
		ret = mlw_error_errno("cannot rename '%s' to '%s'", target, dir);
	if (!ret && (flags & MLW_CHECKOUT_READONLY) && fd >= 0)
		fchmod(fd, 0555);
	if (fd >= 0)
		close(fd);
	if (ret) {
		if (existed) {
			/* empty it again, keeping the folder the user made */
			DIR *d = opendir(target);
			struct dirent *de;

			while (d && (de = readdir(d))) {
				char *p;

				if (!strcmp(de->d_name, ".") ||
				    !strcmp(de->d_name, ".."))
					continue;
				p = mlw_path_join(target, de->d_name);
				mlw_remove_tree(p);
				free(p);
			}
			if (d)
				closedir(d);
		} else {
			char saved[1024];

			snprintf(saved, sizeof(saved), "%s", mlw_error_last());
			mlw_remove_tree(target);
			mlw_error_setc(ret, "%s", saved);
		}
	}
	if (!existed)
		mlw_tempfile_unregister(target);
	free(target);
	return ret;
}

int mlw_tree_checkout(struct mlw_odb *odb, const struct mlw_oid *oid,
		      const char *dir, int flags)
{
	/*
	 * "out/" names the folder "out": without the slash, so the temporary
	 * folder goes beside it ("out.mlw-tmp-*"), not inside it
	 */
	char *path = mlw_strdup(dir);
	size_t len = strlen(path);
	int ret;

	while (len > 1 && path[len - 1] == '/')
		path[--len] = '\0';
	ret = checkout(odb, oid, path, flags);
	free(path);
	return ret;
}

int mlw_blob_checkout(struct mlw_odb *odb, const struct mlw_oid *oid,
		      const char *dir, const char *relpath)
{
	static unsigned counter;
	struct restore r = { odb, 0, 0 };
	struct mlw_tree_entry e;
	const char *base = strrchr(relpath, '/');
	char *sub, *tmp_path;
	int dfd, ret = mlw_name_check_path("path", relpath);

	if (ret)
		return ret;
	sub = base ? mlw_strndup(relpath, (size_t)(base - relpath)) :
	      mlw_strdup("");
	base = base ? base + 1 : relpath;
	ret = mlw_open_dir_beneath(&dfd, dir, sub);
	if (ret) {
		free(sub);
		return ret;
	}
	memset(&e, 0, sizeof(e));
	e.mode = MLW_MODE_FILE;
	e.oid = *oid;
	e.size = UINT64_MAX;	/* whatever the blob holds */
	e.name = mlw_xstrfmt(".%.200s.mlw-tmp-%ld-%u", base, (long)getpid(),
			     counter++);
	tmp_path = mlw_xstrfmt("%s/%s%s%s", dir, sub, *sub ? "/" : "",
			       e.name);
	mlw_tempfile_register(tmp_path);
	ret = restore_blob(&r, dfd, &e);
	if (!ret && renameat(dfd, e.name, dfd, base) < 0)
		ret = mlw_error_errno("cannot rename '%s' to '%s'", e.name,
				      base);
	if (ret)
		unlinkat(dfd, e.name, 0);
	mlw_tempfile_unregister(tmp_path);
	if (ret)
		mlw_error_prefix("'%s/%s'", dir, relpath);
	close(dfd);
	free(tmp_path);
	free(e.name);
	free(sub);
	return ret;
}

/* ---- walking ---- */

static int walk(struct mlw_odb *odb, const struct mlw_oid *oid, int recursive,
		struct mlw_buf *path, mlw_tree_walk_fn fn, void *data,
		int depth, uint64_t size)
{
	struct mlw_tree t = MLW_TREE_INIT;
	size_t i, base = path->len;
	int ret;

	if (depth > MAX_DEPTH)
		return mlw_error_setc(MLW_ECORRUPT, "trees nested too deeply");
	/* a subtree the parent lists but the store lacks is corruption */
	ret = read_subtree(&t, odb, oid, depth, size);
	for (i = 0; !ret && i < t.nr; i++) {
		mlw_buf_setlen(path, base);
		if (base)
			mlw_buf_addch(path, '/');
		mlw_buf_adds(path, t.entries[i].name);
		ret = fn(path->buf, &t.entries[i], data);
		if (!ret && recursive && t.entries[i].mode == MLW_MODE_DIR)
			ret = walk(odb, &t.entries[i].oid, recursive, path, fn,
				   data, depth + 1, t.entries[i].size);
	}
	mlw_buf_setlen(path, base);
	mlw_tree_release(&t);
	return ret;
}

int mlw_tree_walk(struct mlw_odb *odb, const struct mlw_oid *oid,
		  int recursive, mlw_tree_walk_fn fn, void *data)
{
	struct mlw_buf path = MLW_BUF_INIT;
	int ret = walk(odb, oid, recursive, &path, fn, data, 0, UINT64_MAX);

	mlw_buf_release(&path);
	return ret;
}

/*
 * test-store.c - unit tests for lib/store: object ids, the tree format
 * (including hand-crafted malicious trees the parser must refuse), object
 * writes and reads around the 1 MiB chunk boundary, verification of
 * damaged objects, and prefix resolution.
 */
#include "tap.h"
#include "store/odb.h"
#include "store/tree.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MIB (1u << 20)

static const char *const hex_a =
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
static const char *const hex_b =
	"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

/* deterministic bytes: xorshift64* from a seed */
static void fill_random(unsigned char *p, size_t n, uint64_t seed)
{
	uint64_t x = seed ? seed : 88172645463325252ull;
	size_t i;

	for (i = 0; i < n; i++) {
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		p[i] = (unsigned char)((x * 2685821657736338717ull) >> 56);
	}
}

/* CSV-like text: compresses well but is not a constant */
static void fill_text(unsigned char *p, size_t n)
{
	size_t i = 0;
	unsigned row = 0;

	while (i < n) {
		char line[64];
		int k = snprintf(line, sizeof(line), "%u,%u.%02u,%s\n", row,
				 row * 7 % 100, row % 100,
				 row % 3 ? "train" : "test");
		size_t m = (size_t)k < n - i ? (size_t)k : n - i;

		memcpy(p + i, line, m);
		i += m;
		row++;
	}
}

/* an id made a piece at a time is the id of the pieces joined */
static void test_hasher(void)
{
	static const size_t cuts[] = { 0, 1, 63, 64, 65, 4096, 70001 };
	unsigned char *data = malloc(70001);
	struct mlw_oid whole, parts, none;
	struct mlw_hasher *h;
	size_t i, at = 0;

	for (i = 0; i < 70001; i++)
		data[i] = (unsigned char)(i * 131 + (i >> 9));
	mlw_hash_buf(&whole, data, 70001);
	h = mlw_hasher_new();
	for (i = 1; i < sizeof(cuts) / sizeof(*cuts); i++) {
		mlw_hasher_add(h, data + at, cuts[i] - at);
		at = cuts[i];
	}
	mlw_hasher_done(h, &parts);
	ok(!mlw_oid_cmp(&whole, &parts),
	   "hasher: pieces of 0, 1, 62, 1, 1, 4031 and 65905 bytes");
	h = mlw_hasher_new();
	mlw_hasher_done(h, &none);
	mlw_hash_buf(&whole, "", 0);
	ok(!mlw_oid_cmp(&whole, &none), "hasher: nothing is the empty id");
	mlw_hasher_free(mlw_hasher_new());
	mlw_hasher_free(NULL);
	free(data);
}

static void test_oid_hex(void)
{
	struct mlw_oid oid, back;
	char hex[MLW_OID_HEXSZ + 1], upper[MLW_OID_HEXSZ + 1];
	size_t i;

	mlw_hash_buf(&oid, "hello\n", 6);
	mlw_oid_to_hex(hex, &oid);
	is_str(hex, "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03",
	       "hash of 'hello\\n' is sha256sum's");
	ok(!mlw_oid_from_hex(&back, hex) && !mlw_oid_cmp(&oid, &back),
	   "oid hex round-trip");
	ok(mlw_oid_is_hex(hex), "64 lower-case hex digits are an id");
	for (i = 0; i < MLW_OID_HEXSZ; i++)
		oid.hash[i / 2] = (unsigned char)(i * 37);
	mlw_oid_to_hex(hex, &oid);
	ok(!mlw_oid_from_hex(&back, hex) && !mlw_oid_cmp(&oid, &back),
	   "oid hex round-trip of arbitrary bytes");
	memcpy(upper, hex, sizeof(upper));
	for (i = 0; i < MLW_OID_HEXSZ; i++)
		if (upper[i] >= 'a')
			upper[i] = (char)(upper[i] - 'a' + 'A');
	ok(mlw_oid_from_hex(&back, upper) == MLW_EINVALID,
	   "upper-case hex is refused");
	hex[63] = '\0';
	ok(mlw_oid_from_hex(&back, hex) == MLW_EINVALID, "63 digits refused");
	ok(mlw_oid_from_hex(&back, "") == MLW_EINVALID, "empty refused");
	ok(!mlw_oid_is_hex(
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
	   "65 digits are not an id");
	ok(!mlw_oid_is_hex(
		"gaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
	   "a non-hex digit is not an id");
}

static void test_tree_names(void)
{
	ok(mlw_tree_name_ok("a"), "'a' is a name");
	ok(mlw_tree_name_ok("..."), "'...' is a name");
	ok(mlw_tree_name_ok("with space\nnewline"), "spaces and newlines allowed");
	ok(!mlw_tree_name_ok(""), "empty refused");
	ok(!mlw_tree_name_ok("."), "'.' refused");
	ok(!mlw_tree_name_ok(".."), "'..' refused");
	ok(!mlw_tree_name_ok("a/b"), "'a/b' refused");
	ok(!mlw_tree_name_ok("/"), "'/' refused");
}

static void add_entry(struct mlw_buf *b, const char *mode, const char *hex,
		      const char *size, const char *name)
{
	mlw_buf_addf(b, "%s %s %s %s", mode, hex, size, name);
	mlw_buf_addch(b, '\0');
}

/* parse must fail with MLW_ECORRUPT and leave nothing to leak */
static void expect_bad_tree(const struct mlw_buf *b, const char *why)
{
	struct mlw_tree t = MLW_TREE_INIT;
	int ret = mlw_tree_parse(&t, b->buf, b->len, "crafted");

	ok(ret == MLW_ECORRUPT, "parser refuses %s", why);
	if (ret != MLW_ECORRUPT)
		printf("#   returned %d, %zu entries\n", ret, t.nr);
	else
		ok(strstr(mlw_error_last(), "crafted") != NULL,
		   "  and the message names the tree (%s)", mlw_error_last());
	mlw_tree_release(&t);
}

static void test_tree_parse_malicious(void)
{
	struct mlw_buf b = MLW_BUF_INIT;
	struct mlw_tree t = MLW_TREE_INIT;
	static const char *const bad_names[] = {
		"..", ".", "a/b", "../etc", "/abs", "a/", ""
	};
	size_t i;

	/* a valid one first, so the refusals below are about the defect */
	mlw_buf_adds(&b, "mlw tree 1\n");
	add_entry(&b, "100644", hex_a, "3", "a");
	add_entry(&b, "040000", hex_b, "10", "b");
	add_entry(&b, "120000", hex_a, "4", "c");
	add_entry(&b, "100755", hex_b, "0", "d");
	ok(!mlw_tree_parse(&t, b.buf, b.len, "crafted") && t.nr == 4,
	   "a well-formed crafted tree parses");
	ok(t.nr == 4 && t.entries[1].mode == MLW_MODE_DIR &&
	   t.entries[1].size == 10 && !strcmp(t.entries[2].name, "c"),
	   "entries carry mode, size and name");
	mlw_tree_release(&t);

	mlw_buf_reset(&b);
	mlw_buf_adds(&b, "mlw tree 1\n");
	ok(!mlw_tree_parse(&t, b.buf, b.len, "crafted") && t.nr == 0,
	   "an empty tree parses");
	mlw_tree_release(&t);

	for (i = 0; i < sizeof(bad_names) / sizeof(*bad_names); i++) {
		char why[64];

		mlw_buf_reset(&b);
		mlw_buf_adds(&b, "mlw tree 1\n");
		add_entry(&b, "100644", hex_a, "3", bad_names[i]);
		snprintf(why, sizeof(why), "the name '%s'", bad_names[i]);
		expect_bad_tree(&b, why);
	}

	mlw_buf_reset(&b);
	mlw_buf_adds(&b, "mlw tree 1\n");
	add_entry(&b, "100644", hex_a, "3", "a");
	add_entry(&b, "040000", hex_b, "3", "..");
	expect_bad_tree(&b, "'..' after a good entry");

	mlw_buf_reset(&b);
	mlw_buf_adds(&b, "mlw tree 1\n");
	add_entry(&b, "100644", hex_a, "3", "b");
	add_entry(&b, "100644", hex_a, "3", "a");
	expect_bad_tree(&b, "unsorted entries");

	mlw_buf_reset(&b);
	mlw_buf_adds(&b, "mlw tree 1\n");
	add_entry(&b, "100644", hex_a, "3", "a");
	add_entry(&b, "100644", hex_b, "3", "a");
	expect_bad_tree(&b, "duplicate entries");

	mlw_buf_reset(&b);
	mlw_buf_adds(&b, "mlw tree 1\n");
	add_entry(&b, "100644", hex_a, "3", "a");
	add_entry(&b, "040000", hex_b, "3", "a");
	expect_bad_tree(&b, "a file and a folder of the same name");

	mlw_buf_reset(&b);
	mlw_buf_adds(&b, "mlw tree 2\n");
	add_entry(&b, "100644", hex_a, "3", "a");
	expect_bad_tree(&b, "an unknown header");

	mlw_buf_reset(&b);
	mlw_buf_adds(&b, "mlw tree");
	expect_bad_tree(&b, "a truncated header");

	mlw_buf_reset(&b);
	mlw_buf_adds(&b, "mlw tree 1\n");
	mlw_buf_addf(&b, "100644 %s 3 a", hex_a);
	expect_bad_tree(&b, "an entry without its NUL");

	mlw_buf_reset(&b);
	mlw_buf_adds(&b, "mlw tree 1\n");
	add_entry(&b, "100600", hex_a, "3", "a");
	expect_bad_tree(&b, "mode 100600");

	mlw_buf_reset(&b);
	mlw_buf_adds(&b, "mlw tree 1\n");
	add_entry(&b, "0100644", hex_a, "3", "a");
	expect_bad_tree(&b, "a seven-digit mode");

	mlw_buf_reset(&b);
	mlw_buf_adds(&b, "mlw tree 1\n");
	add_entry(&b, "100644",
		  "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		  "3", "a");
	expect_bad_tree(&b, "an upper-case id");

	mlw_buf_reset(&b);
	mlw_buf_adds(&b, "mlw tree 1\n");
	add_entry(&b, "100644", "aaaa", "3", "a");
	expect_bad_tree(&b, "a short id");

	mlw_buf_reset(&b);
	mlw_buf_adds(&b, "mlw tree 1\n");
	add_entry(&b, "100644", hex_a, "-3", "a");
	expect_bad_tree(&b, "a negative size");

	mlw_buf_reset(&b);
	mlw_buf_adds(&b, "mlw tree 1\n");
	add_entry(&b, "100644", hex_a, "x", "a");
	expect_bad_tree(&b, "a non-numeric size");

	mlw_buf_reset(&b);
	mlw_buf_adds(&b, "mlw tree 1\n");
	add_entry(&b, "100644", hex_a, "18446744073709551616", "a");
	expect_bad_tree(&b, "a size beyond 64 bits");

	mlw_buf_reset(&b);
	mlw_buf_adds(&b, "mlw tree 1\n");
	add_entry(&b, "100644", hex_a, "18446744073709551615", "a");
	ok(!mlw_tree_parse(&t, b.buf, b.len, "crafted") && t.nr == 1 &&
	   t.entries[0].size == UINT64_MAX, "the largest 64-bit size parses");
	mlw_tree_release(&t);

	mlw_buf_reset(&b);
	mlw_buf_adds(&b, "mlw tree 1\n");
	mlw_buf_addf(&b, "100644 %s 3", hex_a);
	mlw_buf_addch(&b, '\0');
	expect_bad_tree(&b, "an entry without a name");

	mlw_buf_release(&b);
}

static void test_tree_roundtrip(void)
{
	struct mlw_tree t = MLW_TREE_INIT, back = MLW_TREE_INIT;
	struct mlw_buf b = MLW_BUF_INIT, again = MLW_BUF_INIT;
	struct mlw_oid a, c;
	size_t i;
	int same;

	mlw_oid_from_hex(&a, hex_a);
	mlw_oid_from_hex(&c, hex_b);
	/* added out of order: serialise sorts by byte order */
	mlw_tree_add(&t, MLW_MODE_FILE, "zeta", &a, 1);
	mlw_tree_add(&t, MLW_MODE_DIR, "Alpha", &c, 123456789012ull);
	mlw_tree_add(&t, MLW_MODE_EXEC, "run.sh", &a, 0);
	mlw_tree_add(&t, MLW_MODE_LINK, "link", &c, 7);
	mlw_tree_add(&t, MLW_MODE_FILE, "with space\nand newline", &a, 2);
	mlw_tree_add(&t, MLW_MODE_FILE, "\xc3\xa9t\xc3\xa9", &c, 3);
	mlw_tree_serialize(&b, &t);
	ok(!mlw_tree_parse(&back, b.buf, b.len, "round-trip"),
	   "a serialised tree parses");
	is_int(back.nr, 6, "all entries come back");
	same = back.nr == t.nr;
	for (i = 0; same && i < t.nr; i++)
		same = back.entries[i].mode == t.entries[i].mode &&
		       !strcmp(back.entries[i].name, t.entries[i].name) &&
		       !mlw_oid_cmp(&back.entries[i].oid, &t.entries[i].oid) &&
		       back.entries[i].size == t.entries[i].size;
	ok(same, "entries come back equal, in sorted order");
	is_str(back.nr ? back.entries[0].name : NULL, "Alpha",
	       "byte order: upper case first");
	mlw_tree_serialize(&again, &back);
	ok(again.len == b.len && !memcmp(again.buf, b.buf, b.len),
	   "serialise(parse(x)) == x");
	mlw_tree_release(&t);
	mlw_tree_release(&back);
	mlw_buf_release(&b);
	mlw_buf_release(&again);
}

#define HASH_FIRST (MLW_ODB_WRITE | MLW_ODB_HASH_FIRST)

/* mlw_odb_write_fd() of the file at path, said to hold size bytes */
static int write_file_fd(struct mlw_oid *out, uint64_t *size_out,
			 struct mlw_odb *odb, const char *path, size_t size,
			 int flags)
{
	int fd = open(path, O_RDONLY), ret;

	ret = mlw_odb_write_fd(out, size_out, odb, fd, (uint64_t)size,
			       MLW_OBJ_BLOB, flags, "input");
	close(fd);
	return ret;
}

/* store buf both ways, read it back, verify it */
static void check_object(struct mlw_odb *odb, const char *dir,
			 const unsigned char *data, size_t len,
			 const char *what)
{
	struct mlw_oid want, got, got_fd;
	struct mlw_buf back = MLW_BUF_INIT;
	enum mlw_object_type type = MLW_OBJ_NONE;
	uint64_t size = 0, fsize = 0;
	char *path, *objpath;
	struct mlw_odb_reader *r;
	int fd, ret;

	mlw_hash_buf(&want, data, len);
	ret = mlw_odb_write_buf(&got, odb, data, len, MLW_OBJ_BLOB);
	ok(!ret && !mlw_oid_cmp(&want, &got), "%s: write_buf stores under its hash",
	   what);
	ok(mlw_odb_exists(odb, &want), "%s: exists", what);
	ok(!mlw_odb_info(&type, &size, odb, &want) && type == MLW_OBJ_BLOB &&
	   size == len, "%s: info gives type and size", what);
	ret = mlw_odb_read_buf(&back, &type, odb, &want, 8 * MIB);
	ok(!ret && back.len == len && !memcmp(back.buf, data, len),
	   "%s: read_buf returns the bytes", what);
	mlw_buf_release(&back);
	if (len) {
		ok(mlw_odb_read_buf(&back, &type, odb, &want, len - 1) ==
		   MLW_EINVALID, "%s: read_buf honours its size cap", what);
		mlw_buf_release(&back);
	}
	ok(!mlw_odb_verify(odb, &want), "%s: verifies", what);

	/* a small-buffer streaming read sees the same bytes */
	ret = mlw_odb_reader_open(&r, odb, &want);
	if (!ret) {
		unsigned char chunk[4099];
		long n;

		while ((n = mlw_odb_read(r, chunk, sizeof(chunk))) > 0)
			mlw_buf_add(&back, chunk, (size_t)n);
		ok(n == 0 && back.len == len && !memcmp(back.buf, data, len),
		   "%s: streaming read in odd-sized pieces", what);
		ok(mlw_odb_reader_size(r) == len, "%s: reader size", what);
		mlw_odb_reader_free(r);
		mlw_buf_release(&back);
	} else {
		ok(0, "%s: reader opens (%s)", what, mlw_error_last());
	}

	/* the same content through a file: same id, nothing new */
	path = mlw_xstrfmt("%s/input", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	mlw_write_all(fd, data, len);
	close(fd);
	objpath = mlw_odb_object_path(odb, &want);
	ok(!mlw_odb_remove(odb, &want) && !mlw_odb_exists(odb, &want),
	   "%s: remove", what);
	ret = mlw_odb_write_path(&got_fd, &fsize, odb, path, MLW_OBJ_BLOB,
				 MLW_ODB_WRITE);
	ok(!ret && !mlw_oid_cmp(&want, &got_fd) && fsize == len,
	   "%s: write_path stores under the same id", what);
	ok(!mlw_odb_verify(odb, &want), "%s: verifies after write_path", what);

	/* unknown size (as a pipe): streamed, same id */
	mlw_odb_remove(odb, &want);
	fd = open(path, O_RDONLY);
	ret = mlw_odb_write_fd(&got_fd, &fsize, odb, fd, (uint64_t)-1,
			       MLW_OBJ_BLOB, MLW_ODB_WRITE, "input");
	close(fd);
	ok(!ret && !mlw_oid_cmp(&want, &got_fd) && fsize == len &&
	   !mlw_odb_verify(odb, &want),
	   "%s: write_fd of unknown size stores the same object", what);

	/* hashed first: stored when missing, taken as is when there */
	mlw_odb_remove(odb, &want);
	ret = write_file_fd(&got_fd, &fsize, odb, path, len, HASH_FIRST);
	ok(!ret && !mlw_oid_cmp(&want, &got_fd) && fsize == len &&
	   !mlw_odb_verify(odb, &want),
	   "%s: hashed first, a missing object is stored", what);
	ret = write_file_fd(&got_fd, &fsize, odb, path, len, HASH_FIRST);
	ok(!ret && !mlw_oid_cmp(&want, &got_fd) && fsize == len &&
	   !mlw_odb_verify(odb, &want),
	   "%s: hashed first, a present object is the answer", what);
	mlw_odb_remove(odb, &want);
	ret = write_file_fd(&got_fd, &fsize, odb, path, len + 1, HASH_FIRST);
	ok(ret < 0 && strstr(mlw_error_last(), "changed while being read") &&
	   !mlw_odb_exists(odb, &want),
	   "%s: hashed first, a size mismatch stores nothing", what);

	/* the file is not the size we were told: nothing is stored */
	mlw_odb_remove(odb, &want);
	fd = open(path, O_RDONLY);
	ret = mlw_odb_write_fd(&got_fd, &fsize, odb, fd, (uint64_t)len + 1,
			       MLW_OBJ_BLOB, MLW_ODB_WRITE, "input");
	close(fd);
	ok(ret < 0 && strstr(mlw_error_last(), "changed while being read") &&
	   !mlw_odb_exists(odb, &want),
	   "%s: a size mismatch stores nothing (%s)", what, mlw_error_last());

	/* hashing only: no odb needed */
	fd = open(path, O_RDONLY);
	ret = mlw_odb_write_fd(&got_fd, &fsize, NULL, fd, (uint64_t)len,
			       MLW_OBJ_BLOB, 0, "input");
	close(fd);
	ok(!ret && !mlw_oid_cmp(&want, &got_fd), "%s: hash-only gives the id",
	   what);
	ok(!mlw_odb_write_buf(&got, odb, data, len, MLW_OBJ_BLOB),
	   "%s: stored again", what);
	unlink(path);
	free(path);
	free(objpath);
}

/* no tmp_obj_* file may be left in the store */
static int count_temp(const char *path, double mtime, void *data)
{
	(void)path;
	(void)mtime;
	(*(int *)data)++;
	return 0;
}

static void test_odb_sizes(struct mlw_odb *odb, const char *dir)
{
	static const size_t sizes[] = {
		0, 1, 63, 64, MIB - 1, MIB, MIB + 1, 3 * MIB
	};
	unsigned char *data = mlw_malloc(3 * MIB + 1);
	size_t i;
	int temps = 0;

	for (i = 0; i < sizeof(sizes) / sizeof(*sizes); i++) {
		char what[64];

		fill_random(data, sizes[i], i + 1);
		snprintf(what, sizeof(what), "random %zu bytes", sizes[i]);
		check_object(odb, dir, data, sizes[i], what);
		fill_text(data, sizes[i]);
		snprintf(what, sizeof(what), "text %zu bytes", sizes[i]);
		check_object(odb, dir, data, sizes[i], what);
	}
	memset(data, 0, 3 * MIB);
	check_object(odb, dir, data, 3 * MIB, "3 MiB of zeros");
	mlw_odb_foreach(odb, NULL, count_temp, &temps);
	is_int(temps, 0, "no temporary file is left behind");
	free(data);
}

static void test_compression(struct mlw_odb *odb)
{
	unsigned char *data = mlw_malloc(3 * MIB);
	struct mlw_oid oid;
	struct stat st;
	char *path;
	size_t i;

	fill_text(data, 3 * MIB);
	mlw_odb_write_buf(&oid, odb, data, 3 * MIB, MLW_OBJ_BLOB);
	path = mlw_odb_object_path(odb, &oid);
	ok(!stat(path, &st) && st.st_size < 3 * MIB / 2,
	   "text is stored compressed (%lld bytes)", (long long)st.st_size);
	ok((st.st_mode & 0777) == 0444, "objects are read-only");
	free(path);
	fill_random(data, 3 * MIB, 99);
	mlw_odb_write_buf(&oid, odb, data, 3 * MIB, MLW_OBJ_BLOB);
	path = mlw_odb_object_path(odb, &oid);
	ok(!stat(path, &st) && st.st_size < 3 * MIB + 4096,
	   "random data costs at most its chunk headers (%lld bytes)",
	   (long long)st.st_size);
	free(path);
	/*
	 * 20 KiB of random bytes, over and over: a sample shorter than the
	 * repeat sees random bytes and stores the chunk as is; one as long
	 * as deflate's window sees the repeat
	 */
	fill_random(data, 20 << 10, 7);
	for (i = 20 << 10; i < MIB; i++)
		data[i] = data[i - (20 << 10)];
	mlw_odb_write_buf(&oid, odb, data, MIB, MLW_OBJ_BLOB);
	path = mlw_odb_object_path(odb, &oid);
	memset(&st, 0, sizeof(st));
	stat(path, &st);
	ok(st.st_size > 0 && st.st_size < MIB / 8,
	   "a repeat 20 KiB apart is found and compressed (%lld bytes)",
	   (long long)st.st_size);
	ok(!mlw_odb_verify(odb, &oid), "and reads back");
	free(path);
	free(data);
}

/* flip one byte of an object's file at offset (from the end if < 0) */
static void damage(struct mlw_odb *odb, const struct mlw_oid *oid, long off)
{
	char *path = mlw_odb_object_path(odb, oid);
	struct stat st;
	unsigned char c;
	int fd;

	chmod(path, 0644);
	fd = open(path, O_RDWR);
	fstat(fd, &st);
	if (off < 0)
		off += (long)st.st_size;
	pread(fd, &c, 1, off);
	c ^= 0x20;
	pwrite(fd, &c, 1, off);
	close(fd);
	free(path);
}

static void test_verify_damage(struct mlw_odb *odb)
{
	unsigned char *data = mlw_malloc(2 * MIB);
	struct mlw_buf back = MLW_BUF_INIT;
	struct mlw_oid oid;
	struct stat st;
	char *path;
	int ret;

	fill_random(data, 2 * MIB, 7);
	mlw_odb_write_buf(&oid, odb, data, 2 * MIB, MLW_OBJ_BLOB);
	damage(odb, &oid, -1000);
	ret = mlw_odb_verify(odb, &oid);
	ok(ret == MLW_ECORRUPT && strstr(mlw_error_last(), "content hashes to"),
	   "verify catches a flipped byte in raw data (%s)", mlw_error_last());
	ok(mlw_odb_read_buf(&back, NULL, odb, &oid, 4 * MIB) == MLW_ECORRUPT,
	   "read_buf refuses it too");
	mlw_buf_release(&back);

	fill_text(data, 2 * MIB);
	mlw_odb_write_buf(&oid, odb, data, 2 * MIB, MLW_OBJ_BLOB);
	damage(odb, &oid, 100);
	ok(mlw_odb_verify(odb, &oid) == MLW_ECORRUPT,
	   "verify catches a flipped byte in compressed data (%s)",
	   mlw_error_last());

	fill_text(data, 1000);
	mlw_odb_write_buf(&oid, odb, data, 1000, MLW_OBJ_BLOB);
	path = mlw_odb_object_path(odb, &oid);
	chmod(path, 0644);
	stat(path, &st);
	truncate(path, st.st_size - 10);
	ok(mlw_odb_verify(odb, &oid) == MLW_ECORRUPT &&
	   strstr(mlw_error_last(), "truncated"),
	   "verify catches truncation (%s)", mlw_error_last());
	truncate(path, 10);
	ok(mlw_odb_info(NULL, NULL, odb, &oid) == MLW_ECORRUPT,
	   "info catches a truncated header");
	free(path);

	fill_text(data, 1000);
	data[0] = 'Z';
	mlw_odb_write_buf(&oid, odb, data, 1000, MLW_OBJ_BLOB);
	damage(odb, &oid, 0);
	ok(mlw_odb_verify(odb, &oid) == MLW_ECORRUPT &&
	   strstr(mlw_error_last(), "bad header"),
	   "verify catches a bad magic (%s)", mlw_error_last());
	damage(odb, &oid, 0);
	ok(!mlw_odb_verify(odb, &oid), "and is happy once it is repaired");
	damage(odb, &oid, 15);
	ok(mlw_odb_verify(odb, &oid) == MLW_ECORRUPT,
	   "verify catches a wrong size in the header (%s)", mlw_error_last());
	free(data);
}

static void test_resolve(struct mlw_odb *odb)
{
	struct mlw_oid oid, a, b, got;
	char name[32], hexa[MLW_OID_HEXSZ + 1], hexb[MLW_OID_HEXSZ + 1];
	char prefix[MLW_OID_HEXSZ + 2];
	/* for each 16-bit prefix, 1 + the first i whose id starts so */
	unsigned short *seen = mlw_calloc(65536, sizeof(*seen));
	unsigned na = 0, nb = 0, i;
	int ret;

	/* find two contents whose ids share their first 16 bits */
	for (i = 0; i < 60000 && !nb; i++) {
		unsigned p;

		snprintf(name, sizeof(name), "collide %u", i);
		mlw_hash_buf(&oid, name, strlen(name));
		p = (unsigned)oid.hash[0] << 8 | oid.hash[1];
		if (seen[p]) {
			na = seen[p] - 1u;
			nb = i;
		}
		seen[p] = (unsigned short)(i + 1);
	}
	free(seen);
	snprintf(name, sizeof(name), "collide %u", na);
	mlw_odb_write_buf(&a, odb, name, strlen(name), MLW_OBJ_BLOB);
	snprintf(name, sizeof(name), "collide %u", nb);
	mlw_odb_write_buf(&b, odb, name, strlen(name), MLW_OBJ_BLOB);
	mlw_oid_to_hex(hexa, &a);
	mlw_oid_to_hex(hexb, &b);
	ok(!strncmp(hexa, hexb, 4) && strcmp(hexa, hexb),
	   "two objects share the prefix %.4s", hexa);

	snprintf(prefix, sizeof(prefix), "%.4s", hexa);
	ret = mlw_odb_resolve(&got, odb, prefix);
	ok(ret == MLW_EAMBIGUOUS, "4-digit shared prefix is ambiguous");
	ok(strstr(mlw_error_last(), hexa) && strstr(mlw_error_last(), hexb),
	   "the message lists both candidates");
	for (i = 5; i < MLW_OID_HEXSZ && hexa[i - 1] == hexb[i - 1]; i++)
		;
	snprintf(prefix, sizeof(prefix), "%.*s", (int)i, hexa);
	ok(!mlw_odb_resolve(&got, odb, prefix) && !mlw_oid_cmp(&got, &a),
	   "a longer prefix (%s) resolves", prefix);
	ok(!mlw_odb_resolve(&got, odb, hexb) && !mlw_oid_cmp(&got, &b),
	   "a full id resolves");
	ok(mlw_odb_resolve(&got, odb, "abc") == MLW_EINVALID,
	   "3 digits are malformed");
	ok(mlw_odb_resolve(&got, odb, "ABCD") == MLW_EINVALID,
	   "upper case is malformed");
	ok(mlw_odb_resolve(&got, odb, "abcz") == MLW_EINVALID,
	   "non-hex is malformed");
	snprintf(prefix, sizeof(prefix), "%s0", hexa);
	ok(mlw_odb_resolve(&got, odb, prefix) == MLW_EINVALID,
	   "65 digits are malformed");
	mlw_oid_to_hex(prefix, &a);
	prefix[63] = prefix[63] == '0' ? '1' : '0';
	ok(mlw_odb_resolve(&got, odb, prefix) == MLW_ENOTFOUND,
	   "an unknown full id is not found");
	prefix[20] = '\0';
	ok(mlw_odb_resolve(&got, odb, prefix) == MLW_ENOTFOUND ||
	   !strncmp(hexa, prefix, 20),
	   "an unknown prefix is not found");
}

static void test_tree_store(struct mlw_odb *odb)
{
	struct mlw_tree t = MLW_TREE_INIT, back = MLW_TREE_INIT;
	struct mlw_oid blob, tree, again;
	uint64_t size = 0;

	mlw_odb_write_buf(&blob, odb, "content\n", 8, MLW_OBJ_BLOB);
	mlw_tree_add(&t, MLW_MODE_FILE, "b.txt", &blob, 8);
	mlw_tree_add(&t, MLW_MODE_EXEC, "a.sh", &blob, 8);
	ok(!mlw_tree_write(&tree, &size, odb, &t) && size == 16,
	   "tree_write stores a tree and sums its sizes");
	ok(!mlw_tree_read(&back, odb, &tree) && back.nr == 2 &&
	   !strcmp(back.entries[0].name, "a.sh"),
	   "tree_read reads it back sorted");
	mlw_tree_release(&back);
	ok(mlw_tree_read(&back, odb, &blob) == MLW_EINVALID,
	   "tree_read of a blob is refused");
	mlw_tree_release(&back);
	mlw_tree_release(&t);
	mlw_tree_add(&t, MLW_MODE_EXEC, "a.sh", &blob, 8);
	mlw_tree_add(&t, MLW_MODE_FILE, "b.txt", &blob, 8);
	ok(!mlw_tree_write(&again, NULL, odb, &t) && !mlw_oid_cmp(&tree, &again),
	   "the same entries in another order give the same id");
	mlw_tree_release(&t);
}

/* the temp files waiting in objdir (objects/tmp_obj_*) */
static int count_temps(const char *objdir)
{
	DIR *d = opendir(objdir);
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d)))
		n += !strncmp(de->d_name, "tmp_obj_", 8);
	if (d)
		closedir(d);
	return n;
}

/* remove the temp files waiting in objdir */
static void remove_temps(const char *objdir)
{
	DIR *d = opendir(objdir);
	struct dirent *de;

	while (d && (de = readdir(d)))
		if (!strncmp(de->d_name, "tmp_obj_", 8)) {
			char *p = mlw_path_join(objdir, de->d_name);

			unlink(p);
			free(p);
		}
	if (d)
		closedir(d);
}

/*
 * A batch: nothing named before its commit; each object once however
 * often it is written; a tree whose bytes are a pending blob's wins; a
 * commit that cannot sync a temp file fails and names nothing.
 */
static void test_batch(struct mlw_odb *odb, const char *objdir)
{
	struct mlw_tree empty = MLW_TREE_INIT, one = MLW_TREE_INIT;
	struct mlw_buf b = MLW_BUF_INIT;
	struct mlw_oid x, t1, t2, blob, tree, y;
	enum mlw_object_type type = MLW_OBJ_BLOB;
	char hex[MLW_OID_HEXSZ + 1];

	mlw_odb_batch_begin(odb);
	ok(!mlw_odb_write_buf(&x, odb, "batched\n", 8, MLW_OBJ_BLOB) &&
	   !mlw_tree_write(&t1, NULL, odb, &empty) &&
	   !mlw_tree_write(&t2, NULL, odb, &empty) && !mlw_oid_cmp(&t1, &t2),
	   "a batch takes a blob and the same tree twice");
	is_int(count_temps(objdir), 2, "one temp file per object");
	ok(!mlw_odb_exists(odb, &x) && !mlw_odb_exists(odb, &t1),
	   "nothing is named before the commit");
	/* a one-entry tree's bytes stored as a blob first, then as a tree */
	mlw_tree_add(&one, MLW_MODE_FILE, "x", &x, 8);
	mlw_oid_to_hex(hex, &x);
	mlw_buf_adds(&b, "mlw tree 1\n");
	add_entry(&b, "100644", hex, "8", "x");
	ok(!mlw_odb_write_buf(&blob, odb, b.buf, b.len, MLW_OBJ_BLOB) &&
	   !mlw_tree_write(&tree, NULL, odb, &one),
	   "a blob and then a tree of the same bytes");
	ok(!mlw_odb_batch_commit(odb), "the batch commits");
	is_int(count_temps(objdir), 0, "no temp file is left");
	ok(mlw_odb_exists(odb, &x) && mlw_odb_exists(odb, &t1),
	   "its objects are named");
	ok(!mlw_oid_cmp(&blob, &tree) &&
	   !mlw_odb_info(&type, NULL, odb, &tree) && type == MLW_OBJ_TREE,
	   "the tree of the same bytes is the one stored");

	mlw_odb_batch_begin(odb);
	ok(!mlw_odb_write_buf(&y, odb, "lost\n", 5, MLW_OBJ_BLOB),
	   "another batch takes a blob");
	remove_temps(objdir);
	ok(mlw_odb_batch_commit(odb) < 0 &&
	   strstr(mlw_error_last(), "cannot open"),
	   "its commit fails when the temp file cannot be synced (%s)",
	   mlw_error_last());
	mlw_error_clear();
	ok(!mlw_odb_exists(odb, &y), "and names nothing");
	mlw_tree_release(&one);
	mlw_tree_release(&empty);
	mlw_buf_release(&b);
}

/* a stored malicious tree: checkout refuses it and writes nothing */
static void test_malicious_checkout(struct mlw_odb *odb, const char *dir)
{
	struct mlw_buf b = MLW_BUF_INIT;
	struct mlw_oid blob, tree;
	char hex[MLW_OID_HEXSZ + 1];
	char *target, *escape;
	struct stat st;
	int ret;

	mlw_odb_write_buf(&blob, odb, "owned\n", 6, MLW_OBJ_BLOB);
	mlw_oid_to_hex(hex, &blob);
	mlw_buf_adds(&b, "mlw tree 1\n");
	add_entry(&b, "100644", hex, "6", "..");
	mlw_odb_write_buf(&tree, odb, b.buf, b.len, MLW_OBJ_TREE);
	target = mlw_xstrfmt("%s/victim/inner", dir);
	escape = mlw_xstrfmt("%s/victim", dir);
	ret = mlw_tree_checkout(odb, &tree, target, 0);
	ok(ret == MLW_ECORRUPT, "checkout of a tree naming '..' is refused (%s)",
	   mlw_error_last());
	ok(stat(target, &st) < 0, "and leaves no target");
	ok(stat(escape, &st) < 0 || S_ISDIR(st.st_mode),
	   "and writes nothing over its parent");
	free(target);
	free(escape);

	mlw_buf_reset(&b);
	mlw_buf_adds(&b, "mlw tree 1\n");
	add_entry(&b, "100644", hex, "6", "a/b");
	mlw_odb_write_buf(&tree, odb, b.buf, b.len, MLW_OBJ_TREE);
	target = mlw_xstrfmt("%s/victim2", dir);
	ok(mlw_tree_checkout(odb, &tree, target, 0) == MLW_ECORRUPT &&
	   stat(target, &st) < 0,
	   "checkout of a tree naming 'a/b' is refused, nothing left");
	free(target);
	mlw_buf_release(&b);
}

int main(void)
{
	char dir[] = "/tmp/mlw-test-store-XXXXXX";
	struct mlw_odb *odb = NULL;
	char *objdir;

	test_oid_hex();
	test_hasher();
	test_tree_names();
	test_tree_parse_malicious();
	test_tree_roundtrip();

	if (!mkdtemp(dir)) {
		ok(0, "cannot create a temporary folder");
		return done_testing();
	}
	objdir = mlw_path_join(dir, "objects");
	mkdir(objdir, 0777);
	ok(!mlw_odb_open(&odb, objdir), "odb opens");
	test_odb_sizes(odb, dir);
	test_compression(odb);
	test_verify_damage(odb);
	test_resolve(odb);
	test_tree_store(odb);
	test_malicious_checkout(odb, dir);
	test_batch(odb, objdir);
	mlw_odb_free(odb);
	mlw_remove_tree(dir);
	free(objdir);
	return done_testing();
}

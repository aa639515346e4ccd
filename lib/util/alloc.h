/*
 * alloc.h - allocation wrappers that never return NULL, and the rule of
 * who frees what, which every header in lib/ follows.
 *
 * Out-of-memory and size overflow are not recoverable in a command-line
 * tool: the wrappers print a message and abort, so callers never test for
 * NULL.  Sizes computed from untrusted input go through mlw_st_mult() and
 * mlw_st_add(), which abort on overflow instead of wrapping.
 *
 * Ownership, in one rule (libgit2's _free vs _dispose, git's strbuf):
 *
 *  - mlw_X_free(p) frees a heap object the library allocated and handed
 *    over, through a "struct mlw_X **out" or a returned pointer: the
 *    object and everything it holds.  It takes NULL.  (mlw_asset_free,
 *    mlw_catalog_free, mlw_repo_free, mlw_out_free...)
 *  - mlw_X_release(x) empties a struct the caller owns, embedded in its
 *    own struct or on its stack (started with MLW_X_INIT or mlw_X_init()):
 *    it frees what x holds, not x, and leaves x empty and reusable.
 *    (mlw_buf_release, mlw_strlist_release, mlw_tree_release,
 *    mlw_asset_spec_release, mlw_ref_release...)
 *  - Reference-counted objects are dropped with mlw_X_unref(); the last
 *    reference frees (mlw_dataset_unref).
 *  - A char * that comes back through **out or as the result is the
 *    caller's, freed with free(); a const char * is borrowed, and its
 *    header says for how long (static, or until its owner is freed).
 *  - Callbacks get borrowed arguments, valid for the call only.
 *
 * A function's own header says which applies wherever it is not one of
 * these; out-parameters come first, and on failure a **out is left NULL
 * (or the struct empty) unless the header says otherwise.
 */
#ifndef MLW_UTIL_ALLOC_H
#define MLW_UTIL_ALLOC_H

#include <stddef.h>

/* malloc(3) and friends, aborting when memory runs out; free() frees */
void *mlw_malloc(size_t n);
void *mlw_calloc(size_t nmemb, size_t size);
void *mlw_realloc(void *p, size_t n);
char *mlw_strdup(const char *s);
/* at most n bytes of s, NUL-terminated */
char *mlw_strndup(const char *s, size_t n);
/* printf into a fresh allocation; the caller frees */
char *mlw_xstrfmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* a + b and a * b, aborting on overflow instead of wrapping */
size_t mlw_st_add(size_t a, size_t b);
size_t mlw_st_mult(size_t a, size_t b);

/* grow (p, alloc) to hold at least nr items of sizeof(*p) */
#define MLW_ALLOC_GROW(p, nr, alloc) do { \
	if ((size_t)(nr) > (size_t)(alloc)) { \
		size_t mlw_ag_n = (alloc) ? (size_t)(alloc) * 2 : 16; \
		if (mlw_ag_n < (size_t)(nr)) \
			mlw_ag_n = (nr); \
		(p) = mlw_realloc((p), mlw_st_mult(mlw_ag_n, sizeof(*(p)))); \
		(alloc) = mlw_ag_n; \
	} \
} while (0)

/*
 * For a process that allocates and frees the same large buffers over
 * and over (a server's requests, a batch job's files): glibc gives the
 * top of a heap back (madvise) once it is past its trim threshold and
 * maps buffers past its mmap threshold afresh each time, and the pages
 * are faulted in again at the next use, each give-back a TLB shootdown
 * across the CPUs.  Keep up to 64 MiB an arena instead, and map only
 * buffers of mmap_threshold bytes and more.  The first call of a
 * process decides; later calls do nothing.
 */
void mlw_alloc_keep_heap(size_t mmap_threshold);

/* abort with file and line: for states that are programming errors */
#define BUG(...) mlw_bug(__FILE__, __LINE__, __VA_ARGS__)
_Noreturn void mlw_bug(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif

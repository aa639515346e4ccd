/*
 * params.h - the primitives of params.bin (the format is in model.h):
 * little-endian integers, IEEE 754 doubles and length-prefixed strings,
 * written into a buffer and read back from untrusted bytes.
 *
 * Reading never trusts the file: every count is checked against the bytes
 * left before anything is allocated, products of counts are checked for
 * overflow, and the first problem is recorded once, naming the field:
 *
 *	struct mlw_params_reader r;
 *	mlw_params_reader_init(&r, path, data, len);
 *	k = mlw_params_count(&r, 8, "kmeans.nr_clusters");
 *	centers = mlw_params_matrix(&r, k, p, "kmeans.centers");
 *	if (r.bad) ...	// mlw_error_last(): "'m/params.bin': field
 *			// 'kmeans.centers': 3 x 2 values, 40 bytes left"
 *
 * After a failure every read returns 0, "" or a zero-filled array of
 * the size asked for (at most what the file could hold), so callers can
 * read on and check r.bad once, freeing what they got.
 */
#ifndef MLW_ML_PARAMS_H
#define MLW_ML_PARAMS_H

#include <stddef.h>
#include <stdint.h>

struct mlw_buf;

void mlw_params_put_u32(struct mlw_buf *b, uint32_t v);
void mlw_params_put_u64(struct mlw_buf *b, uint64_t v);
void mlw_params_put_f64(struct mlw_buf *b, double d);
void mlw_params_put_f64s(struct mlw_buf *b, const double *v, size_t n);
/* u32 length, then the bytes (no NUL) */
void mlw_params_put_str(struct mlw_buf *b, const char *s);

struct mlw_params_reader {
	const unsigned char *p, *end;
	const char *path;	/* borrowed, for messages */
	int bad;		/* set by the first problem (MLW_EINVALID) */
};

void mlw_params_reader_init(struct mlw_params_reader *r, const char *path,
			    const void *data, size_t len);

uint32_t mlw_params_u32(struct mlw_params_reader *r, const char *field);
uint64_t mlw_params_u64(struct mlw_params_reader *r, const char *field);
double mlw_params_f64(struct mlw_params_reader *r, const char *field);
/* a string; the caller frees ("" after a failure) */
char *mlw_params_str(struct mlw_params_reader *r, const char *field);

/*
 * A u64 count of items that each take at least item_size bytes: more than
 * the bytes left can hold is a damaged file (0 is returned).
 */
size_t mlw_params_count(struct mlw_params_reader *r, size_t item_size,
			const char *field);

/* n doubles (calloc'ed, n + 1 entries; the caller frees) */
double *mlw_params_f64s(struct mlw_params_reader *r, size_t n,
			const char *field);
/* a x b doubles, the product checked for overflow (the caller frees) */
double *mlw_params_matrix(struct mlw_params_reader *r, size_t a, size_t b,
			  const char *field);

/*
 * Record that field holds a bad value (a message of the caller's), once;
 * returns MLW_EINVALID.
 */
int mlw_params_fail(struct mlw_params_reader *r, const char *field,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* 1 when d is a whole number in [0, limit) (so never NaN nor huge) */
int mlw_params_index_ok(double d, size_t limit);

#endif

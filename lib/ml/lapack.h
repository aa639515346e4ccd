/*
 * lapack.h - LAPACKE and CBLAS, loaded on first use.
 *
 * mlw does not link LAPACK or BLAS: start-up time is a feature and
 * OpenBLAS alone costs milliseconds of relocation and thread start-up in
 * every process that links it, even 'mlw --version'.  The trainers call
 * mlw_lapack() first; it dlopen()s liblapacke.so.3 and a CBLAS (OpenBLAS's
 * libopenblas.so.0, else libcblas.so.3 or libblas.so.3), resolves exactly
 * the routines below into a table, and returns it.  Later calls return the
 * same table.  OPENBLAS_CORETYPE and the thread count are left to the
 * user's environment; OPENBLAS_THREAD_TIMEOUT too when it is set, else
 * the load sets it to 20 for OpenBLAS to read (and unsets it after):
 * OpenBLAS's idle threads then spin 2^20 cycles (under a millisecond)
 * before they sleep, not its default 2^28 (a tenth of a second).  Its
 * threads start spinning at load, so a process that trains many small
 * models in-process (a sweep's trials) had a core taken by them: on two
 * cores, a 1,000-trial ridge sweep 0.158 s -> 0.129 s.  The load is
 * best made before a process starts threads of its own (setenv is not
 * safe against a concurrent getenv); the sweep engine does so.
 *
 *	const struct mlw_lapack *la;
 *	if (mlw_lapack_load(&la) < 0)
 *		return -1;	// "LAPACKE not found: install liblapacke"
 *	info = la->dposv(MLW_COL_MAJOR, 'L', n, 1, a, n, b, n);
 *
 * Arguments follow the LAPACKE and CBLAS interfaces; lapack_int is int.
 */
#ifndef MLW_ML_LAPACK_H
#define MLW_ML_LAPACK_H

#define MLW_COL_MAJOR 102	/* LAPACK_COL_MAJOR, CblasColMajor */
#define MLW_NO_TRANS 111	/* CblasNoTrans */
#define MLW_TRANS 112		/* CblasTrans */
#define MLW_UPPER 121		/* CblasUpper */
#define MLW_LOWER 122		/* CblasLower */

struct mlw_lapack {
	/* LAPACKE */
	int (*dgelsd)(int layout, int m, int n, int nrhs, double *a, int lda,
		      double *b, int ldb, double *s, double rcond, int *rank);
	int (*dposv)(int layout, char uplo, int n, int nrhs, double *a,
		     int lda, double *b, int ldb);
	int (*dpotrf)(int layout, char uplo, int n, double *a, int lda);
	int (*dpotrs)(int layout, char uplo, int n, int nrhs, const double *a,
		      int lda, double *b, int ldb);
	int (*dpocon)(int layout, char uplo, int n, const double *a, int lda,
		      double anorm, double *rcond);
	int (*dgesdd)(int layout, char jobz, int m, int n, double *a, int lda,
		      double *s, double *u, int ldu, double *vt, int ldvt);
	/* QR without pivoting: OLS's tall-skinny QR, block by block */
	int (*dgeqrf)(int layout, int m, int n, double *a, int lda,
		      double *tau);
	/* symmetric eigenproblems: PCA on a covariance, LDA's eigen solver */
	int (*dsyevd)(int layout, char jobz, char uplo, int n, double *a,
		      int lda, double *w);
	int (*dsygvd)(int layout, int itype, char jobz, char uplo, int n,
		      double *a, int lda, double *b, int ldb, double *w);
	/* CBLAS */
	void (*dsyrk)(int layout, int uplo, int trans, int n, int k,
		      double alpha, const double *a, int lda, double beta,
		      double *c, int ldc);
	void (*dgemv)(int layout, int trans, int m, int n, double alpha,
		      const double *a, int lda, const double *x, int incx,
		      double beta, double *y, int incy);
	void (*dgemm)(int layout, int transa, int transb, int m, int n, int k,
		      double alpha, const double *a, int lda, const double *b,
		      int ldb, double beta, double *c, int ldc);
	/* which libraries and which OpenBLAS kernel ("Haswell"); borrowed */
	const char *lapacke_path;
	const char *blas_path;
	const char *corename;	/* NULL when the BLAS is not OpenBLAS */
	const char *config;
};

/* Load once (thread-safe); 0 and *out, or MLW_ERROR with a message. */
int mlw_lapack_load(const struct mlw_lapack **out);

#endif

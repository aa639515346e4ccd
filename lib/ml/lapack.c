/*
 * lapack.c - LAPACKE and CBLAS loaded on first use (lapack.h), through
 * the one loader of optional libraries (util/dl.h).
 */
#include "ml/lapack.h"
#include "util/dl.h"
#include "util/error.h"

#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>

static struct mlw_lapack table;

static const struct mlw_dl_symbol lapacke_symbols[] = {
	MLW_DL_SYMBOL(LAPACKE_dgelsd, table.dgelsd),
	MLW_DL_SYMBOL(LAPACKE_dposv, table.dposv),
	MLW_DL_SYMBOL(LAPACKE_dpotrf, table.dpotrf),
	MLW_DL_SYMBOL(LAPACKE_dpotrs, table.dpotrs),
	MLW_DL_SYMBOL(LAPACKE_dpocon, table.dpocon),
	MLW_DL_SYMBOL(LAPACKE_dgesdd, table.dgesdd),
	MLW_DL_SYMBOL(LAPACKE_dgeqrf, table.dgeqrf),
	MLW_DL_SYMBOL(LAPACKE_dsyevd, table.dsyevd),
	MLW_DL_SYMBOL(LAPACKE_dsygvd, table.dsygvd),
	{ NULL, NULL }
};

static struct mlw_dl_library lapacke_lib = {
	.name = "LAPACKE",
	.sonames = { "liblapacke.so.3" },
	.package = "liblapacke",
	.symbols = lapacke_symbols,
};

static const struct mlw_dl_symbol blas_symbols[] = {
	MLW_DL_SYMBOL(cblas_dsyrk, table.dsyrk),
	MLW_DL_SYMBOL(cblas_dgemv, table.dgemv),
	MLW_DL_SYMBOL(cblas_dgemm, table.dgemm),
	{ NULL, NULL }
};

/* OpenBLAS first; any other CBLAS gives the same answers, slower */
static struct mlw_dl_library blas_lib = {
	.name = "a CBLAS",
	.sonames = { "libopenblas.so.0", "libcblas.so.3", "libblas.so.3" },
	.package = "libopenblas0",
	.symbols = blas_symbols,
};

static pthread_once_t described = PTHREAD_ONCE_INIT;

/* which libraries opened, and which kernel OpenBLAS picked for this CPU */
static void describe(void)
{
	const char *(*corename)(void);
	char *(*config)(void);
	void *sym;

	table.lapacke_path = lapacke_lib.soname;
	table.blas_path = blas_lib.soname;
	sym = mlw_dl_optional(&blas_lib, "openblas_get_corename");
	*(void **)&corename = sym;
	sym = mlw_dl_optional(&blas_lib, "openblas_get_config");
	*(void **)&config = sym;
	table.corename = corename ? corename() : NULL;
	table.config = config ? config() : NULL;
}

static pthread_once_t loaded = PTHREAD_ONCE_INIT;

#define TIMEOUT_ENV "OPENBLAS_THREAD_TIMEOUT"

/*
 * Both libraries opened once, with OpenBLAS's thread timeout in the
 * environment while they are (lapack.h): liblapacke pulls OpenBLAS in
 * through Debian's liblapack.so.3, and OpenBLAS reads its environment in
 * its constructor.  Errors are kept by the loader for mlw_dl_load() to
 * return again.
 */
static void load_once(void)
{
	int set = !getenv(TIMEOUT_ENV) && !setenv(TIMEOUT_ENV, "20", 0);

	if (!mlw_dl_load(&lapacke_lib))
		mlw_dl_load(&blas_lib);
	if (set)
		unsetenv(TIMEOUT_ENV);
	mlw_error_clear();
}

int mlw_lapack_load(const struct mlw_lapack **out)
{
	*out = NULL;
	pthread_once(&loaded, load_once);
	if (mlw_dl_load(&lapacke_lib) || mlw_dl_load(&blas_lib))
		return -1;
	pthread_once(&described, describe);
	*out = &table;
	return 0;
}

/*
 * lapack.c - dlopen()ing LAPACKE and CBLAS on first use (lapack.h).
 */
#include "ml/lapack.h"
#include "util/error.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stddef.h>
#include <string.h>

static struct mlw_lapack table;
static char load_error[512];
static int load_status;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void *open_first(const char *const *names, const char **found)
{
	size_t i;

	for (i = 0; names[i]; i++) {
		void *h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);

		if (h) {
			*found = names[i];
			return h;
		}
	}
	return NULL;
}

/* resolve name into *slot; 0, or -1 with load_error set */
static int resolve(void *handle, const char *lib, const char *name,
		   void *slot)
{
	void *sym = dlsym(handle, name);

	if (!sym) {
		snprintf(load_error, sizeof(load_error),
			 "'%s' has no symbol '%s'", lib, name);
		return -1;
	}
	memcpy(slot, &sym, sizeof(sym));
	return 0;
}

static void load(void)
{
	static const char *const lapacke_names[] = { "liblapacke.so.3", NULL };
	static const char *const blas_names[] = {
		"libopenblas.so.0", "libcblas.so.3", "libblas.so.3", NULL
	};
	void *lh, *bh;
	const char *(*corename)(void);
	char *(*config)(void);

	lh = open_first(lapacke_names, &table.lapacke_path);
	if (!lh) {
		snprintf(load_error, sizeof(load_error),
			 "cannot load LAPACKE (liblapacke.so.3): %s; install the Debian package liblapacke",
			 dlerror());
		load_status = -1;
		return;
	}
	bh = open_first(blas_names, &table.blas_path);
	if (!bh) {
		snprintf(load_error, sizeof(load_error),
			 "cannot load a CBLAS (libopenblas.so.0, libcblas.so.3 or libblas.so.3); install the Debian package libopenblas0");
		load_status = -1;
		return;
	}
	if (resolve(lh, table.lapacke_path, "LAPACKE_dgelsd", &table.dgelsd) ||
	    resolve(lh, table.lapacke_path, "LAPACKE_dposv", &table.dposv) ||
	    resolve(lh, table.lapacke_path, "LAPACKE_dpotrf", &table.dpotrf) ||
	    resolve(lh, table.lapacke_path, "LAPACKE_dpotrs", &table.dpotrs) ||
	    resolve(lh, table.lapacke_path, "LAPACKE_dpocon", &table.dpocon) ||
	    resolve(lh, table.lapacke_path, "LAPACKE_dgesdd", &table.dgesdd) ||
	    resolve(lh, table.lapacke_path, "LAPACKE_dgeqrf", &table.dgeqrf) ||
	    resolve(lh, table.lapacke_path, "LAPACKE_dsyevd", &table.dsyevd) ||
	    resolve(lh, table.lapacke_path, "LAPACKE_dsygvd", &table.dsygvd) ||
	    resolve(bh, table.blas_path, "cblas_dsyrk", &table.dsyrk) ||
	    resolve(bh, table.blas_path, "cblas_dgemv", &table.dgemv) ||
	    resolve(bh, table.blas_path, "cblas_dgemm", &table.dgemm)) {
		load_status = -1;
		return;
	}
	/* OpenBLAS says which kernel it picked for this CPU */
	corename = (const char *(*)(void))dlsym(bh, "openblas_get_corename");
	config = (char *(*)(void))dlsym(bh, "openblas_get_config");
	if (!corename)
		corename = (const char *(*)(void))dlsym(RTLD_DEFAULT,
							"openblas_get_corename");
	table.corename = corename ? corename() : NULL;
	table.config = config ? config() : NULL;
	/* the handles stay open for the life of the process */
}

int mlw_lapack_load(const struct mlw_lapack **out)
{
	pthread_once(&once, load);
	if (load_status) {
		*out = NULL;
		return mlw_error_set("%s", load_error);
	}
	*out = &table;
	return 0;
}

/*
 * dl.h - optional shared libraries, loaded on first use.
 *
 * Start-up is a feature (DESIGN §6): libmicrohttpd, libcurl, libgit2 and
 * LAPACKE cost milliseconds to link, so their lib/ wrappers dlopen() them
 * the first time a command needs them.  A wrapper describes its library
 * once, as a static struct mlw_dl_library with the sonames to try, the
 * Debian package that ships them and a table of symbols, each naming the
 * function pointer it fills:
 *
 *	static __typeof__(&curl_easy_init) easy_init;
 *	static const struct mlw_dl_symbol curl_symbols[] = {
 *		MLW_DL_SYMBOL(curl_easy_init, easy_init),
 *		{ NULL, NULL }
 *	};
 *	static struct mlw_dl_library curl_lib = {
 *		.name = "libcurl",
 *		.sonames = { "libcurl.so.4", "libcurl-gnutls.so.4" },
 *		.package = "libcurl4",
 *		.symbols = curl_symbols,
 *	};
 *
 *	if (mlw_dl_load(&curl_lib))
 *		return -1;	(the message names the library and package)
 *	easy_init();
 *
 * Loading is all or nothing: the slots are written only when every
 * symbol resolved, so a wrapper never sees half a table.  It happens
 * once per process whatever the number of threads asking at the same
 * time; a failure is remembered too (the message is given again to
 * every caller, without retrying).  Handles stay open for the life of
 * the process.
 */
#ifndef MLW_UTIL_DL_H
#define MLW_UTIL_DL_H

/* one symbol and the function pointer (or object pointer) it fills */
struct mlw_dl_symbol {
	const char *name;
	void *slot;		/* the address of a pointer variable */
};

/* { "name", &var } with the name spelt once */
#define MLW_DL_SYMBOL(sym, var) { #sym, &(var) }

#define MLW_DL_MAX_SONAMES 4

struct mlw_dl_library {
	/* set by the wrapper */
	const char *name;	/* for messages: "libmicrohttpd" */
	/* tried in order; the first that opens is used; NULL ends */
	const char *sonames[MLW_DL_MAX_SONAMES + 1];
	const char *package;	/* the Debian package: "libmicrohttpd12" */
	const struct mlw_dl_symbol *symbols; /* ends with a NULL name */
	/*
	 * Optional, run once after every symbol resolved and before any
	 * caller sees the library (a library's global init, such as
	 * curl_global_init()): 0, or negative with mlw_error_set().
	 */
	int (*init)(struct mlw_dl_library *lib);
	/*
	 * 1: open with RTLD_GLOBAL, for a library whose own plugins look
	 * its symbols up (Open MPI's components); 0: RTLD_LOCAL.
	 */
	int global;

	/* the loader's; zero in a static definition */
	int state;		/* 0 untried, 1 loaded, -1 failed */
	void *handle;		/* dlopen()'s, when loaded */
	const char *soname;	/* the one that opened, when loaded */
	char error[512];	/* the failure, when failed */
};

/*
 * Load lib if that was not done yet.  Returns 0 with every slot filled,
 * or MLW_ERROR when no soname opens or a symbol is missing (the message
 * names the library, the sonames tried or the symbol, and the Debian
 * package to install), or the init hook's error.  Thread-safe.
 */
int mlw_dl_load(struct mlw_dl_library *lib);

/*
 * Resolve name in an already loaded lib, for a symbol only some
 * versions have.  Returns the address, or NULL (no error is set).
 */
void *mlw_dl_optional(struct mlw_dl_library *lib, const char *name);

#endif

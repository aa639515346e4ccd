/*
 * dl.c - optional shared libraries, loaded on first use; see dl.h.
 */
#include "util/dl.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * One lock for every library: loading happens a handful of times per
 * process.  It is not recursive, so an init hook must not load another
 * library.
 */
static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;

/* "a, b or c" of the sonames, for messages */
static void list_sonames(struct mlw_buf *out, const struct mlw_dl_library *lib)
{
	size_t i, n = 0;

	while (n < MLW_DL_MAX_SONAMES && lib->sonames[n])
		n++;
	for (i = 0; i < n; i++) {
		if (i)
			mlw_buf_adds(out, i + 1 == n ? " or " : ", ");
		mlw_buf_adds(out, lib->sonames[i]);
	}
}

/* record a failure in lib->error; the lock is held; returns -1 */
static int fail(struct mlw_dl_library *lib, const char *why)
{
	snprintf(lib->error, sizeof(lib->error), "%s", why);
	return -1;
}

/*
 * Open the first soname that opens and resolve every symbol into a
 * scratch table; only when all resolved are the slots written, so a
 * library missing one function leaves every slot as it was.  Returns
 * the new state: 1 loaded, -1 failed.
 */
static int load(struct mlw_dl_library *lib)
{
	struct mlw_buf msg = MLW_BUF_INIT;
	const char *last_error = NULL;
	void *handle = NULL, **found;
	size_t i, n;

	for (i = 0; i < MLW_DL_MAX_SONAMES && lib->sonames[i]; i++) {
		handle = dlopen(lib->sonames[i], RTLD_NOW |
				(lib->global ? RTLD_GLOBAL : RTLD_LOCAL));
		if (handle) {
			lib->soname = lib->sonames[i];
			break;
		}
		last_error = dlerror();
	}
	if (!handle) {
		mlw_buf_addf(&msg, "cannot load %s (", lib->name);
		list_sonames(&msg, lib);
		mlw_buf_addf(&msg, ")%s%s; install the Debian package %s",
			     last_error ? ": " : "",
			     last_error ? last_error : "", lib->package);
		fail(lib, msg.buf);
		mlw_buf_release(&msg);
		return -1;
	}

	for (n = 0; lib->symbols && lib->symbols[n].name; n++)
		;
	found = mlw_calloc(n ? n : 1, sizeof(*found));
	for (i = 0; i < n; i++) {
		found[i] = dlsym(handle, lib->symbols[i].name);
		if (!found[i]) {
			mlw_buf_addf(&msg, "cannot load %s: '%s' has no symbol '%s' (too old?); install the Debian package %s",
				     lib->name, lib->soname,
				     lib->symbols[i].name, lib->package);
			fail(lib, msg.buf);
			mlw_buf_release(&msg);
			free(found);
			dlclose(handle);
			lib->soname = NULL;
			return -1;
		}
	}
	for (i = 0; i < n; i++)
		memcpy(lib->symbols[i].slot, &found[i], sizeof(found[i]));
	free(found);
	lib->handle = handle;

	if (lib->init && lib->init(lib))
		return fail(lib, mlw_error_last());
	return 1;
}

int mlw_dl_load(struct mlw_dl_library *lib)
{
	int state = __atomic_load_n(&lib->state, __ATOMIC_ACQUIRE);

	if (state == 0) {
		pthread_mutex_lock(&load_lock);
		state = __atomic_load_n(&lib->state, __ATOMIC_RELAXED);
		if (!state) {
			state = load(lib);
			/* the slots are written before the state says so */
			__atomic_store_n(&lib->state, state, __ATOMIC_RELEASE);
		}
		pthread_mutex_unlock(&load_lock);
	}
	if (state < 0)
		return mlw_error_set("%s", lib->error);
	return 0;
}

void *mlw_dl_optional(struct mlw_dl_library *lib, const char *name)
{
	if (__atomic_load_n(&lib->state, __ATOMIC_ACQUIRE) != 1)
		return NULL;
	return dlsym(lib->handle, name);
}

/*
 * test-dl.c - unit tests for lib/util/dl: loading zlib's shared library
 * by soname, fallbacks, missing libraries and symbols, the init hook,
 * and many threads asking at once.
 */
#include "tap.h"
#include "util/dl.h"
#include "util/error.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

static unsigned long (*z_crc32)(unsigned long, const unsigned char *,
				unsigned);
static const char *(*z_version)(void);

static const struct mlw_dl_symbol zlib_symbols[] = {
	MLW_DL_SYMBOL(crc32, z_crc32),
	MLW_DL_SYMBOL(zlibVersion, z_version),
	{ NULL, NULL }
};

static void test_load(void)
{
	static struct mlw_dl_library zlib = {
		.name = "zlib",
		.sonames = { "libmlw-test-absent.so.7", "libz.so.1" },
		.package = "zlib1g",
		.symbols = zlib_symbols,
	};
	unsigned long (*first)(unsigned long, const unsigned char *, unsigned);

	ok(!z_crc32, "slot empty before loading");
	is_int(mlw_dl_load(&zlib), 0, "zlib loads from its second soname");
	is_str(zlib.soname, "libz.so.1", "the soname that opened is recorded");
	ok(z_crc32 && z_version, "every slot is filled");
	if (!z_crc32 || !z_version)
		return;
	is_int(z_crc32(0, (const unsigned char *)"hello", 5), 0x3610a686,
	       "the resolved crc32 computes zlib's crc");
	ok(!strncmp(z_version(), "1.", 2), "zlibVersion() answers '%s'",
	   z_version());
	first = z_crc32;
	is_int(mlw_dl_load(&zlib), 0, "a second load succeeds");
	ok(z_crc32 == first, "and leaves the slots as they were");
	ok(mlw_dl_optional(&zlib, "adler32") != NULL,
	   "an optional symbol resolves");
	ok(mlw_dl_optional(&zlib, "mlw_no_such_symbol") == NULL,
	   "a missing optional symbol is NULL");
}

static void test_missing_library(void)
{
	static struct mlw_dl_library absent = {
		.name = "libabsent",
		.sonames = { "libmlw-absent.so.1", "libmlw-absent.so.2" },
		.package = "libabsent1",
		.symbols = zlib_symbols,
	};
	const char *msg;
	int ret;

	ret = mlw_dl_load(&absent);
	ok(ret < 0, "a library that is not installed fails");
	msg = mlw_error_last();
	ok(strstr(msg, "cannot load libabsent (libmlw-absent.so.1 or libmlw-absent.so.2)") != NULL,
	   "the message names the library and its sonames: %s", msg);
	ok(strstr(msg, "install the Debian package libabsent1") != NULL,
	   "and the Debian package");
	ok(!mlw_dl_optional(&absent, "crc32"), "no optional symbol either");
	mlw_error_clear();
	ok(mlw_dl_load(&absent) < 0 &&
	   strstr(mlw_error_last(), "libabsent1"),
	   "the failure is remembered with its message");
}

static void (*m_crc32)(void);
static void (*m_missing)(void);

static void test_missing_symbol(void)
{
	static const struct mlw_dl_symbol symbols[] = {
		MLW_DL_SYMBOL(crc32, m_crc32),
		MLW_DL_SYMBOL(mlw_not_in_zlib, m_missing),
		{ NULL, NULL }
	};
	static struct mlw_dl_library zlib = {
		.name = "zlib",
		.sonames = { "libz.so.1" },
		.package = "zlib1g",
		.symbols = symbols,
	};

	ok(mlw_dl_load(&zlib) < 0, "a missing symbol fails the load");
	ok(strstr(mlw_error_last(), "'libz.so.1' has no symbol 'mlw_not_in_zlib'") != NULL,
	   "the message names the symbol: %s", mlw_error_last());
	ok(strstr(mlw_error_last(), "zlib1g") != NULL, "and the package");
	ok(!m_crc32 && !m_missing,
	   "all or nothing: the symbol found is not written either");
}

static int init_calls;
static void (*h_crc32)(void);
static void (*b_crc32)(void);

static int count_init(struct mlw_dl_library *lib)
{
	__atomic_add_fetch(&init_calls, 1, __ATOMIC_SEQ_CST);
	return 0;
}

static const struct mlw_dl_symbol hook_symbols[] = {
	MLW_DL_SYMBOL(crc32, h_crc32),
	{ NULL, NULL }
};

static struct mlw_dl_library hooked = {
	.name = "zlib",
	.sonames = { "libz.so.1" },
	.package = "zlib1g",
	.symbols = hook_symbols,
	.init = count_init,
};

static void *load_in_thread(void *arg)
{
	int *ret = arg;

	*ret = mlw_dl_load(&hooked);
	if (!*ret && !h_crc32)
		*ret = 99;	/* loaded, yet the slot is not visible */
	return NULL;
}

static int failing_init(struct mlw_dl_library *lib)
{
	return mlw_error_set("%s would not start", lib->name);
}

static void test_threads_and_hooks(void)
{
	static const struct mlw_dl_symbol symbols[] = {
		MLW_DL_SYMBOL(crc32, b_crc32),
		{ NULL, NULL }
	};
	static struct mlw_dl_library broken = {
		.name = "zlib",
		.sonames = { "libz.so.1" },
		.package = "zlib1g",
		.symbols = symbols,
		.init = failing_init,
	};
	pthread_t threads[8];
	int rets[8], i, bad = 0;

	for (i = 0; i < 8; i++)
		pthread_create(&threads[i], NULL, load_in_thread, &rets[i]);
	for (i = 0; i < 8; i++) {
		pthread_join(threads[i], NULL);
		bad += rets[i] != 0;
	}
	is_int(bad, 0, "eight threads loading at once all succeed");
	is_int(init_calls, 1, "and the init hook ran once");

	ok(mlw_dl_load(&broken) < 0, "a failing init hook fails the load");
	is_str(mlw_error_last(), "zlib would not start",
	       "with the hook's message");
	ok(mlw_dl_load(&broken) < 0, "and the failure is remembered");
}

int main(void)
{
	test_load();
	test_missing_library();
	test_missing_symbol();
	test_threads_and_hooks();
	return done_testing();
}

/*
 * lsan.c - what LeakSanitizer must not count against mlw.
 *
 * Sanitizer builds link this file (the Makefile asks the linker for the
 * hook by name); the runtime calls the hook once, at start.  Only leaks
 * inside the libraries named here are excused, so every leak of mlw's
 * own stays fatal:
 *
 * - libgit2 1.5 leaks PCRE2 match data on each ignore lookup, inside the
 *   library and out of reach of its API;
 * - Open MPI 4.1 frees its tables but not their contents at MPI_Finalize,
 *   much of it allocated by its components (mca_*.so and what they load).
 *
 * A frame in an object that was unloaded has no name when the check runs
 * at exit, and Open MPI unloads the components it tried and did not
 * choose during MPI_Init, and all of them at MPI_Finalize.  So sanitizer
 * builds keep every loaded object mapped: the program's own dlclose
 * (exported, -Wl,--export-dynamic-symbol) comes before the C library's
 * and unloads nothing.  Only in these builds: in others this file
 * defines the hook alone, and no one links it.
 */
#ifdef __SANITIZE_ADDRESS__
int dlclose(void *handle);
int dlclose(void *handle)
{
	(void)handle;
	return 0;
}
#endif

const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libpcre2-8.so\n"
	       "leak:libmpi.so\n"
	       "leak:libopen-pal.so\n"
	       "leak:libopen-rte.so\n"
	       "leak:/openmpi/lib/\n"
	       "leak:libhwloc.so\n"
	       "leak:libevent\n"
	       "leak:libpmix.so\n";
}

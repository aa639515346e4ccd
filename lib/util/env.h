/*
 * env.h - the environment of a child process: this process's, with
 * variables set over it.
 *
 * lib/ never calls setenv(3) for a child it starts (the environment is
 * the whole process's, and other threads read it): it builds the child's
 * environment instead and hands it to posix_spawn(3) or execve(2).
 */
#ifndef MLW_UTIL_ENV_H
#define MLW_UTIL_ENV_H

#include <stddef.h>

/*
 * environ with each "NAME=VALUE" of over[0..nr) set over it: a variable
 * of the same name is replaced, the later of two in over wins, as
 * successive putenv(3) calls would.  The strings are borrowed (from
 * environ and over, which must outlive the result); free the array
 * with free().
 */
char **mlw_env_with(const char *const *over, size_t nr);

#endif

/*
 * env.c - a child's environment; see env.h.
 */
#include "util/env.h"
#include "util/alloc.h"

#include <string.h>

extern char **environ;

/* whether "NAME=..." a and b set the same variable (a's name: len) */
static int same_name(const char *a, size_t len, const char *b)
{
	return !strncmp(a, b, len) && b[len] == '=';
}

char **mlw_env_with(const char *const *over, size_t nr)
{
	size_t nr_env = 0, i, j, k = 0;
	char **out;

	while (environ[nr_env])
		nr_env++;
	out = mlw_calloc(nr_env + nr + 1, sizeof(*out));
	for (i = 0; i < nr_env; i++) {
		size_t len = strcspn(environ[i], "=");

		for (j = 0; j < nr; j++)
			if (same_name(environ[i], len, over[j]))
				break;
		if (j == nr)
			out[k++] = environ[i];
	}
	for (i = 0; i < nr; i++) {
		size_t len = strcspn(over[i], "=");

		for (j = i + 1; j < nr; j++)
			if (same_name(over[i], len, over[j]))
				break;
		if (j == nr)
			out[k++] = (char *)over[i];
	}
	return out;
}

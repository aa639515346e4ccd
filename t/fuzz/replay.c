/*
 * replay.c - run a harness's inputs once each, without libFuzzer.
 *
 *	fuzz-tree.replay FILE|DIR...
 *
 * Links with any fuzz-NAME.c (fuzz.h), so inputs a fuzzer found can be
 * replayed by a compiler without libFuzzer, under the suite's sanitizer
 * build.  Exits 0 when every input ran; a crash is the sanitizer's.
 */
#include "fuzz.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/fs.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int run_file(const char *path)
{
	struct mlw_buf b = MLW_BUF_INIT;
	char *copy;

	if (mlw_buf_read_file(&b, path, (size_t)64 << 20) < 0) {
		fprintf(stderr, "replay: cannot read '%s'\n", path);
		return 1;
	}
	/* a copy of its own size, so ASan sees reads past the input */
	copy = mlw_malloc(b.len ? b.len : 1);
	memcpy(copy, b.buf, b.len);
	LLVMFuzzerTestOneInput((const uint8_t *)copy, b.len);
	free(copy);
	mlw_buf_release(&b);
	return 0;
}

static int run_path(const char *path)
{
	struct stat st;
	struct dirent **names;
	int n, i, ret = 0;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "replay: no such input '%s'\n", path);
		return 1;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path);
	n = scandir(path, &names, NULL, alphasort);
	for (i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.') {
			char *p = mlw_path_join(path, names[i]->d_name);

			ret |= run_path(p);
			free(p);
		}
		free(names[i]);
	}
	free(names);
	return ret;
}

int main(int argc, char **argv)
{
	int i, ret = 0;

	if (fuzz_init)
		fuzz_init();
	for (i = 1; i < argc; i++)
		ret |= run_path(argv[i]);
	return ret;
}

/*
 * fuzz-mltable.c - MLTable folders (ml/mltable.h): the MLTable YAML, its
 * paths and transformations, and the delimited and JSON-lines readers.
 *
 * The input is an MLTable file, then a line "#%%data", then data.  The
 * data is written beside the MLTable as d.csv, d.jsonl and d.tsv, and cut
 * in two halves as parts/p1.csv and parts/p2.csv, so that "file",
 * "folder" and "pattern" paths all find something.  Loading gives a
 * dataset that keeps the loader's promises (fuzz_check_dataset()) or an
 * error with a message, never a crash.  MLTable files that name a path
 * outside the scratch folder (an absolute path, "..", "~") are skipped:
 * the harness must not read the machine's files.
 */
#include "fuzz.h"
#include "ml/mltable.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* only "./x" and "x" paths: no '/' unless after a single '.' */
static int stays_inside(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '~' || s[i] == '\\' || s[i] == '%' || s[i] == '$')
			return 0;
		if (s[i] == '/' &&
		    (i == 0 || s[i - 1] != '.' || (i >= 2 && s[i - 2] == '.')))
			return 0;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mlw_dataset_options opts = { 0, 1 };
	struct mlw_dataset *ds;
	const char *table, *body;
	size_t tlen, blen;
	char *path;

	fuzz_split(&table, &tlen, &body, &blen, (const char *)data, size,
		   "#%%data");
	if (!stays_inside(table, tlen))
		return 0;
	free(fuzz_write("d.csv", body, blen));
	free(fuzz_write("d.jsonl", body, blen));
	free(fuzz_write("d.tsv", body, blen));
	free(fuzz_write("parts/p1.csv", body, blen / 2));
	free(fuzz_write("parts/p2.csv", body + blen / 2, blen - blen / 2));
	path = fuzz_write("MLTable", table, tlen);
	if (!mlw_mltable_load_file(&ds, path, &opts)) {
		fuzz_check_dataset(ds);
		mlw_dataset_unref(ds);
	} else {
		FUZZ_CHECK(*mlw_error_last(), "refused without a message");
	}
	mlw_error_clear();
	free(path);
	return 0;
}

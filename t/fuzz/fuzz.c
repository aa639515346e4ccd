/*
 * fuzz.c - the scratch folder and helpers of the harnesses (fuzz.h).
 */
#include "fuzz.h"
#include "asset/mlmodel.h"
#include "ml/dataset.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/output.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *scratch;
static pid_t scratch_owner;

static void remove_scratch(void)
{
	/* forked children (none today) must not remove their parent's */
	if (scratch && getpid() == scratch_owner)
		mlw_remove_tree(scratch);
}

const char *fuzz_dir(void)
{
	const char *base = access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm";

	if (scratch)
		return scratch;
	scratch = mlw_xstrfmt("%s/mlw-fuzz.XXXXXX", base);
	if (!mkdtemp(scratch)) {
		perror("mkdtemp");
		abort();
	}
	scratch_owner = getpid();
	atexit(remove_scratch);
	return scratch;
}

char *fuzz_write(const char *name, const void *data, size_t len)
{
	char *path = mlw_path_join(fuzz_dir(), name);
	const char *slash = strchr(name, '/');
	int fd;

	if (slash) {
		char *dir = mlw_strndup(path, strlen(fuzz_dir()) + 1 +
					(size_t)(slash - name));

		if (mkdir(dir, 0777) < 0 && errno != EEXIST) {
			perror(dir);
			abort();
		}
		free(dir);
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
	if (fd < 0 || mlw_write_all(fd, data, len) < 0 || close(fd) < 0) {
		perror(path);
		abort();
	}
	return path;
}

void fuzz_split(const char **a, size_t *alen, const char **b, size_t *blen,
		const char *data, size_t len, const char *sep)
{
	size_t seplen = strlen(sep), i = 0;

	while (i + seplen <= len) {
		const char *nl = memchr(data + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - data) : len;

		if (end - i == seplen && !memcmp(data + i, sep, seplen)) {
			*a = data;
			*alen = i;
			*b = nl ? nl + 1 : data + len;
			*blen = nl ? len - end - 1 : 0;
			return;
		}
		if (!nl)
			break;
		i = end + 1;
	}
	*a = data;
	*alen = len;
	*b = data + len;
	*blen = 0;
}

void fuzz_check_dataset(const struct mlw_dataset *ds)
{
	size_t i, j;

	for (j = 0; j < ds->nr_columns; j++) {
		const struct mlw_column *c = &ds->columns[j];
		const double *v = mlw_dataset_column(ds, j);
		double sum = 0, mag = 0;
		size_t missing = 0;

		FUZZ_CHECK(c->name, "column %zu has no name", j);
		for (i = 0; i < ds->nr_rows; i++) {
			if (isnan(v[i])) {
				missing++;
				continue;
			}
			FUZZ_CHECK(isfinite(v[i]), "column %zu row %zu: %g", j,
				   i, v[i]);
			if (c->type == MLW_COLUMN_CATEGORICAL)
				FUZZ_CHECK(v[i] >= 0 &&
					   v[i] < (double)c->nr_categories &&
					   v[i] == floor(v[i]),
					   "column %zu row %zu: code %g of %zu",
					   j, i, v[i], c->nr_categories);
			else if (c->type == MLW_COLUMN_BOOLEAN)
				FUZZ_CHECK(v[i] == 0 || v[i] == 1,
					   "column %zu row %zu: boolean %g", j,
					   i, v[i]);
			sum += v[i];
			mag += fabs(v[i]);
		}
		/* a column with a problem also has NaN for its infinities */
		FUZZ_CHECK(missing == c->nr_missing ||
			   (c->problem && missing > c->nr_missing),
			   "column %zu: %zu missing, says %zu", j, missing,
			   c->nr_missing);
		if (c->type == MLW_COLUMN_NUMERIC && c->has_sum)
			FUZZ_CHECK(fabs(c->sum - sum) <= 1e-9 * mag ||
				   !isfinite(mag), "column %zu: sum %.17g, "
				   "values add up to %.17g", j, c->sum, sum);
		for (i = 1; c->type == MLW_COLUMN_CATEGORICAL &&
		     i < c->nr_categories; i++)
			FUZZ_CHECK(strcmp(c->categories[i - 1],
					  c->categories[i]) < 0,
				   "column %zu: categories out of order", j);
	}
}

void fuzz_render_model_json(const char *flavors, const char *signature)
{
	static const enum mlw_format formats[] = {
		MLW_FMT_JSON, MLW_FMT_YAML, MLW_FMT_TABLE, MLW_FMT_TSV
	};
	char *a = mlw_mlmodel_flavors_summary(flavors);
	char *b = mlw_mlmodel_signature_summary(signature);
	size_t i;

	for (i = 0; i < sizeof(formats) / sizeof(*formats); i++) {
		struct mlw_out *o = mlw_out_new();
		struct mlw_buf text = MLW_BUF_INIT;

		mlw_out_object_begin(o, NULL);
		mlw_asset_out_json(o, "flavors", flavors);
		mlw_asset_out_json(o, "signature", signature);
		mlw_out_str(o, "flavors_summary", a ? a : "");
		mlw_out_str(o, "signature_summary", b ? b : "");
		mlw_out_end(o);
		FUZZ_CHECK(!mlw_out_render(o, formats[i], &text, 0),
			   "rendering failed: %s", mlw_error_last());
		mlw_buf_release(&text);
		mlw_out_free(o);
	}
	free(a);
	free(b);
}

/* libFuzzer calls this once; replay.c calls fuzz_init() itself */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (fuzz_init)
		fuzz_init();
	return 0;
}

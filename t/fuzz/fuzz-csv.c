/*
 * fuzz-csv.c - CSV files as training and scoring read them: the dataset
 * loader (ml/dataset.h) and the streaming scorer (ml/score.h).
 *
 * The input is a CSV file.  Loaded as a dataset it is either refused with
 * a message or gives a table whose every cell is in range: categorical
 * codes below the column's category count, categories sorted and unique,
 * a numeric column's sum that of its values.  Scored with one of two
 * small models (a linear regression on columns "a" and "b", a logistic
 * classifier on "a"), once in one piece and once cut into chunks of a
 * few dozen bytes, it gives byte for byte the same output when no row
 * is malformed: the chunk cutting never splits or drops a row.
 */
#include "fuzz.h"
#include "ml/dataset.h"
#include "ml/model.h"
#include "ml/score.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct mlw_model linear, logistic;

static void put(struct mlw_buf *b, uint64_t v, int bytes)
{
	int i;

	for (i = 0; i < bytes; i++)
		mlw_buf_addch(b, (int)(v >> (8 * i)) & 0xff);
}

static void put_f64(struct mlw_buf *b, double d)
{
	uint64_t v;

	memcpy(&v, &d, 8);
	put(b, v, 8);
}

static void put_str(struct mlw_buf *b, const char *s)
{
	put(b, strlen(s), 4);
	mlw_buf_adds(b, s);
}

/* a params.bin (format 1, model.h) written by hand, read as mlw reads it */
static void make_model(struct mlw_model *m, int classifier)
{
	struct mlw_buf b = MLW_BUF_INIT;
	char *path;

	mlw_buf_adds(&b, "MLWPARAM");
	put(&b, 1, 4);
	put(&b, classifier ? MLW_ALGO_LOGISTIC : MLW_ALGO_LINEAR, 4);
	put(&b, classifier ? 1 : 3, 8);		/* features */
	put(&b, 1, 8);				/* outputs */
	put_f64(&b, 1.5);
	if (!classifier) {
		put_f64(&b, -2);
		put_f64(&b, 0.25);
	}
	put_f64(&b, 0.5);			/* intercept */
	put(&b, 0, 4);				/* standardize */
	put(&b, classifier ? 1 : 2, 8);		/* inputs */
	put_str(&b, "a");
	put(&b, MLW_COLUMN_NUMERIC, 4);
	put_f64(&b, 0.75);
	put(&b, 0, 8);
	put(&b, 0, 8);
	if (!classifier) {
		put_str(&b, "b");
		put(&b, MLW_COLUMN_CATEGORICAL, 4);
		put_f64(&b, 1);
		put(&b, 1, 8);
		put(&b, 2, 8);
		put_str(&b, "x");
		put_str(&b, "y");
	}
	put_str(&b, "t");
	put(&b, classifier, 4);
	put(&b, classifier ? 2 : 0, 8);
	if (classifier) {
		put_str(&b, "no");
		put_str(&b, "yes");
	}
	path = fuzz_write(classifier ? "logistic/params.bin" :
			  "linear/params.bin", b.buf, b.len);
	*strrchr(path, '/') = '\0';
	if (mlw_model_read(m, path)) {
		fprintf(stderr, "fuzz-csv: %s\n", mlw_error_last());
		abort();
	}
	free(path);
	mlw_buf_release(&b);
}

void fuzz_init(void)
{
	make_model(&linear, 0);
	make_model(&logistic, 1);
}

static void check_dataset(const char *path)
{
	struct mlw_dataset_options opts = { 0, 1 };
	struct mlw_dataset *ds;

	if (mlw_dataset_load(&ds, path, &opts)) {
		FUZZ_CHECK(*mlw_error_last(), "refused without a message");
		mlw_error_clear();
		return;
	}
	fuzz_check_dataset(ds);
	mlw_dataset_unref(ds);
}

static void ignore_row(const char *msg, void *data)
{
	FUZZ_CHECK(msg && *msg, "a row error without a message");
}

/* score path with m into a buffer; returns the status, or 1 when rows
 * were skipped */
static int score(struct mlw_buf *out, const struct mlw_model *m,
		 const char *path, size_t chunk, int json)
{
	struct mlw_score_options o;
	struct mlw_score_stats stats;
	char *name = mlw_path_join(fuzz_dir(), "out");
	int fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0666), ret;

	memset(&o, 0, sizeof(o));
	o.proba = m == &logistic;
	o.include_input = 1;
	o.json = json;
	o.error_threshold = -1;
	o.nr_threads = 1;
	o.chunk_size = chunk;
	o.on_error = ignore_row;
	ret = mlw_score_csv(&stats, m, path, fd, &o);
	mlw_buf_reset(out);
	lseek(fd, 0, SEEK_SET);
	mlw_buf_read_fd(out, fd, (size_t)64 << 20);
	close(fd);
	free(name);
	if (ret)
		FUZZ_CHECK(*mlw_error_last(),
			   "scoring failed without a message");
	else
		FUZZ_CHECK(stats.nr_scored + stats.nr_errors == stats.nr_rows,
			   "%zu rows, %zu scored, %zu skipped", stats.nr_rows,
			   stats.nr_scored, stats.nr_errors);
	mlw_error_clear();
	return ret ? ret : stats.nr_errors > 0;
}

/*
 * The input in one chunk, and cut into a few (rows longer than a chunk
 * too: small inputs get chunks of a few bytes); each round of chunks
 * costs a thread and the buffers, so large inputs get few rounds
 */
static void check_score(const char *path, size_t size,
			const struct mlw_model *m, int json)
{
	struct mlw_buf whole = MLW_BUF_INIT, cut = MLW_BUF_INIT;
	size_t small = (size < 512 ? 8 : size / 4) + size % 61;
	int a = score(&whole, m, path, size + 1, json);
	int b = score(&cut, m, path, small, json);

	/*
	 * Where quoting is broken, which rows are whole depends on where a
	 * chunk was cut (the cutter counts quotes; the parser skips a bad
	 * row to its line end): only clean files must agree
	 */
	if (a == 1 || b == 1)
		goto out;
	FUZZ_CHECK(a == b, "whole: %d, in chunks of %zu: %d", a, small, b);
	FUZZ_CHECK(a || (whole.len == cut.len &&
			 !memcmp(whole.buf, cut.buf, whole.len)),
		   "in chunks of %zu bytes the output differs", small);
out:
	mlw_buf_release(&whole);
	mlw_buf_release(&cut);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *path = fuzz_write("data.csv", data, size);

	check_dataset(path);
	/* one model an input (scoring is most of the time): by its size */
	check_score(path, size, size & 2 ? &logistic : &linear, size & 1);
	free(path);
	return 0;
}

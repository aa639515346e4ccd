/*
 * fuzz-params.c - a model's params.bin (ml/model.h) as 'mlw model score'
 * reads it: from a model folder anyone may have written.
 *
 * The input is a params.bin.  Reading it gives a model or an error with
 * a message (a damaged file is MLW_ECORRUPT or MLW_EINVALID), never a
 * crash; a model that reads then scores a small CSV file built from its
 * own input columns (a row of numbers, a row of missing values, a row of
 * its categories and one of unknown text) without a memory error.
 */
#include "fuzz.h"
#include "ml/model.h"
#include "ml/score.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int devnull = -1;

void fuzz_init(void)
{
	/* OpenBLAS, when a trainer's predict loads it: one thread */
	setenv("OPENBLAS_NUM_THREADS", "1", 1);
	devnull = open("/dev/null", O_WRONLY);
}

/* a CSV field: quoted, quotes doubled */
static void add_field(struct mlw_buf *b, const char *s, int first)
{
	if (!first)
		mlw_buf_addch(b, ',');
	mlw_buf_addch(b, '"');
	for (; *s; s++) {
		if (*s == '"')
			mlw_buf_addch(b, '"');
		mlw_buf_addch(b, *s);
	}
	mlw_buf_addch(b, '"');
}

/*
 * What mlw_model_read() promises of a model it returns (issue 11 item 5:
 * these shapes once read, then broke scoring; their inputs are in
 * t/fuzz/regress/params/): a classifier has classes, a categorical
 * input's fill is one of its categories, and every input's columns lie
 * within the features.
 */
static void check_model(const struct mlw_model *m)
{
	const struct mlw_featurizer *f = m->featurizer;
	size_t i;

	FUZZ_CHECK(!m->target.classification || m->target.nr_classes,
		   "a classifier without classes was read");
	for (i = 0; i < f->nr_inputs; i++) {
		const struct mlw_feature_input *in = &f->inputs[i];
		size_t width = in->type == MLW_COLUMN_CATEGORICAL ?
			       in->nr_categories : 1;

		FUZZ_CHECK(in->type != MLW_COLUMN_CATEGORICAL ||
			   (in->fill >= 0 &&
			    in->fill < (double)in->nr_categories),
			   "input %zu: fill %g of %zu categories was read", i,
			   in->fill, in->nr_categories);
		FUZZ_CHECK(width <= f->nr_features &&
			   in->first <= f->nr_features - width,
			   "input %zu: columns %zu+%zu of %zu features were "
			   "read", i, in->first, width, f->nr_features);
	}
}

static void score(const struct mlw_model *m)
{
	const struct mlw_featurizer *f = m->featurizer;
	struct mlw_score_options o;
	struct mlw_score_stats stats;
	struct mlw_buf csv = MLW_BUF_INIT;
	char *path;
	size_t i;

	check_model(m);
	if (!f->nr_inputs || f->nr_inputs > 64)
		return;
	for (i = 0; i < f->nr_inputs; i++)
		add_field(&csv, f->inputs[i].name, !i);
	mlw_buf_addch(&csv, '\n');
	for (i = 0; i < f->nr_inputs; i++)
		mlw_buf_addf(&csv, "%s%zu.5", i ? "," : "", i);
	mlw_buf_addch(&csv, '\n');
	for (i = 0; i < f->nr_inputs; i++)
		mlw_buf_adds(&csv, i ? "," : "");
	mlw_buf_addch(&csv, '\n');
	for (i = 0; i < f->nr_inputs; i++)
		add_field(&csv, f->inputs[i].nr_categories ?
			  f->inputs[i].categories[0] : "true", !i);
	mlw_buf_addch(&csv, '\n');
	for (i = 0; i < f->nr_inputs; i++)
		add_field(&csv, "unseen", !i);
	mlw_buf_addch(&csv, '\n');
	path = fuzz_write("rows.csv", csv.buf, csv.len);

	memset(&o, 0, sizeof(o));
	o.proba = m->target.classification && m->target.nr_classes > 0;
	o.include_input = 1;
	o.error_threshold = -1;
	o.nr_threads = 1;
	o.chunk_size = 4096;
	if (mlw_score_csv(&stats, m, path, devnull, &o))
		FUZZ_CHECK(*mlw_error_last(),
			   "scoring failed without a message");
	mlw_error_clear();
	free(path);
	mlw_buf_release(&csv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mlw_model m;
	char *path = fuzz_write("model/params.bin", data, size);
	int ret;

	*strrchr(path, '/') = '\0';
	ret = mlw_model_read(&m, path);
	if (ret) {
		FUZZ_CHECK(*mlw_error_last(), "refused without a message");
		FUZZ_CHECK(ret == MLW_ECORRUPT || ret == MLW_EINVALID,
			   "a damaged file gave %d", ret);
		mlw_error_clear();
	} else {
		score(&m);
		mlw_model_release(&m);
	}
	free(path);
	return 0;
}

/*
 * test-ml-mltable.c - the dataset builder's typing rules, MLTable
 * filters and transformations in their order, and the featurizer's
 * zero-copy view of plain numeric columns.
 */
#include "tap.h"
#include "ml/dataset.h"
#include "ml/features.h"
#include "ml/mltable.h"
#include "util/error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/mlw-test-mltable-XXXXXX";

static void put(const char *name, const char *content)
{
	char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	fputs(content, fp);
	fclose(fp);
}

static int load(struct mlw_dataset **ds, const char *mltable)
{
	put("MLTable", mltable);
	return mlw_mltable_load(ds, dir, NULL);
}

static void builder_tests(void)
{
	char *names[] = { "n", "mixed", "flag", "code" };
	struct mlw_dataset_builder *b;
	struct mlw_dataset *ds;
	struct mlw_dataset_cell row[4];
	const char *cells[][4] = {
		{ "1.5", "7", "true", "01" },
		{ "2", "x", "False", "2" },
		{ "", "8", "", "10" },
	};
	size_t i, k;
	int ret;

	ok(mlw_dataset_builder_new(&b, "t", (char *[]){ "a", "a" }, 2) ==
	   MLW_EINVALID, "duplicate names are refused");
	ok(!mlw_dataset_builder_new(&b, "t", names, 4), "a builder");
	mlw_dataset_builder_force(b, 3, MLW_COLUMN_CATEGORICAL);
	for (i = 0; i < 3; i++) {
		for (k = 0; k < 4; k++) {
			row[k].text = cells[i][k];
			row[k].len = strlen(cells[i][k]);
			row[k].missing = !row[k].len;
		}
		mlw_dataset_builder_add(b, "f.csv", i + 2, row);
	}
	ret = mlw_dataset_builder_finish(&ds, b);
	ok(!ret, "finish");
	if (ret)
		return;
	is_int(ds->columns[0].type, MLW_COLUMN_NUMERIC, "numbers");
	is_int(ds->columns[0].nr_missing, 1, "an empty cell is missing");
	is_int(ds->columns[1].type, MLW_COLUMN_CATEGORICAL,
	       "numbers with text are text");
	ok(ds->columns[1].note &&
	   strstr(ds->columns[1].note, "column 'mixed' holds numbers and text ('x' at f.csv:3)"),
	   "with a note naming the first text (%s)", ds->columns[1].note);
	ok(!ds->columns[0].note && !ds->columns[3].note,
	   "no note for numbers, nor for a column forced to text");
	is_int(ds->columns[2].type, MLW_COLUMN_BOOLEAN, "booleans");
	ok(mlw_dataset_column(ds, 2)[1] == 0, "False is 0");
	is_int(ds->columns[3].type, MLW_COLUMN_CATEGORICAL, "forced to text");
	is_str(ds->columns[3].categories[0], "01", "the text as written");
	mlw_dataset_unref(ds);

	ok(!mlw_dataset_builder_new(&b, "t", names, 1), "a builder");
	mlw_dataset_builder_force(b, 0, MLW_COLUMN_NUMERIC);
	row[0].text = "3";
	row[0].len = 1;
	row[0].missing = 0;
	mlw_dataset_builder_add(b, "g.csv", 2, row);
	row[0].text = "three";
	row[0].len = 5;
	mlw_dataset_builder_add(b, "g.csv", 9, row);
	ok(mlw_dataset_builder_finish(&ds, b) == MLW_EINVALID &&
	   strstr(mlw_error_last(), "g.csv:9: 'three' is not a number"),
	   "a forced number names the file and line of the text");
}

static void mltable_tests(void)
{
	struct mlw_dataset *ds;
	size_t a, b;

	put("d.csv", "x,s,y\n1,a,10\n2,b,20\n3,a,30\n4,c,40\n5,a,50\n");
	ok(!load(&ds, "paths:\n  - file: d.csv\ntransformations:\n"
		 "  - filter: \"not (s == 'a') or col('x') >= 5\"\n"), "filter");
	is_int(ds->nr_rows, 3, "not, or, parentheses, col()");
	ok(mlw_dataset_column(ds, 0)[0] == 2 && mlw_dataset_column(ds, 0)[2] == 5,
	   "the rows kept, in order");
	mlw_dataset_unref(ds);

	ok(!load(&ds, "paths:\n  - file: d.csv\ntransformations:\n"
		 "  - skip: 1\n  - filter: x != 3 && y < 50\n  - take: 1\n"),
	   "steps in order");
	is_int(ds->nr_rows, 1, "skip, filter, take");
	ok(mlw_dataset_column(ds, 0)[0] == 2, "the second row");
	mlw_dataset_unref(ds);

	ok(!load(&ds, "paths:\n  - file: d.csv\ntransformations:\n"
		 "  - keep_columns: [y, x]\n"), "keep_columns");
	is_int(ds->nr_columns, 2, "two columns");
	is_str(ds->columns[0].name, "x", "in the file's order");
	mlw_dataset_unref(ds);

	ok(load(&ds, "paths:\n  - file: d.csv\ntransformations:\n"
		"  - filter: x > 'b' and\n") == MLW_EINVALID &&
	   strstr(mlw_error_last(), "MLTable:4:13: "),
	   "a broken filter names its position");
	ok(load(&ds, "paths:\n  - file: d.csv\ntransformations:\n"
		"  - filter: nope == 1\n") == MLW_EINVALID &&
	   strstr(mlw_error_last(), "no column 'nope'"),
	   "a filter on a missing column");

	{
		char csv[70000];
		size_t n = 0, i;

		n += (size_t)snprintf(csv + n, sizeof(csv) - n, "v\n");
		for (i = 0; i < 5000; i++)
			n += (size_t)snprintf(csv + n, sizeof(csv) - n, "%zu\n", i);
		put("d.csv", csv);
	}
	ok(!load(&ds, "paths:\n  - file: d.csv\ntransformations:\n"
		 "  - take_random_sample: {probability: 0.1, seed: 3}\n"),
	   "sample");
	a = ds->nr_rows;
	mlw_dataset_unref(ds);
	ok(!load(&ds, "paths:\n  - file: d.csv\ntransformations:\n"
		 "  - take_random_sample: {probability: 0.1, seed: 3}\n"),
	   "sample again");
	b = ds->nr_rows;
	mlw_dataset_unref(ds);
	ok(a == b && a > 400 && a < 600, "same seed, same rows (%zu)", a);
	ok(load(&ds, "paths:\n  - file: d.csv\ntransformations:\n"
		"  - take_random_sample: {probability: 2}\n") == MLW_EINVALID,
	   "a probability above 1");
}

static void view_tests(void)
{
	struct mlw_dataset *ds;
	struct mlw_featurizer *f;
	size_t cols[] = { 1, 2 }, gap[] = { 0, 2 };

	put("v.csv", "y,a,b\n1,2,3\n4,5,6\n7,8,9\n");
	ok(!load(&ds, "paths:\n  - file: v.csv\n"), "load");
	ok(!mlw_featurizer_fit(&f, ds, cols, 2, NULL, ds->nr_rows, 0), "fit");
	ok(mlw_featurizer_view(f, ds) == mlw_dataset_column(ds, 1),
	   "consecutive numeric columns are viewed, not copied");
	mlw_featurizer_free(f);
	ok(!mlw_featurizer_fit(&f, ds, gap, 2, NULL, ds->nr_rows, 0), "fit");
	ok(!mlw_featurizer_view(f, ds), "columns with a gap are copied");
	mlw_featurizer_free(f);
	ok(!mlw_featurizer_fit(&f, ds, cols, 2, NULL, ds->nr_rows, 1), "fit");
	ok(!mlw_featurizer_view(f, ds), "standardized columns are copied");
	mlw_featurizer_free(f);
	mlw_dataset_unref(ds);
	put("v.csv", "y,a,b\n1,,3\n4,5,6\n");
	ok(!load(&ds, "paths:\n  - file: v.csv\n"), "load");
	ok(!mlw_featurizer_fit(&f, ds, cols, 2, NULL, ds->nr_rows, 0), "fit");
	ok(!mlw_featurizer_view(f, ds), "missing values are imputed in a copy");
	mlw_featurizer_free(f);
	mlw_dataset_unref(ds);
}

int main(void)
{
	char cmd[128];

	if (!mkdtemp(dir))
		return 1;
	builder_tests();
	mltable_tests();
	view_tests();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		return 1;
	return done_testing();
}

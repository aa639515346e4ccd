/*
 * test-ml-dataset.c - loading CSV files: BOM, CRLF, quoting, column
 * types, missing values, error positions, and the parallel parse giving
 * exactly the serial result.
 */
#include "tap.h"
#include "ml/dataset.h"
#include "util/buf.h"
#include "util/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char path[] = "/tmp/mlw-test-dataset-XXXXXX";

static void write_file(const char *content, size_t len)
{
	FILE *fp = fopen(path, "wb");

	fwrite(content, 1, len, fp);
	fclose(fp);
}

static int load(struct mlw_dataset **ds, const char *content, int threads)
{
	struct mlw_dataset_options opts = { 0, threads };

	write_file(content, strlen(content));
	return mlw_dataset_load(ds, path, &opts);
}

static void expect_error(const char *content, const char *want,
			 const char *what)
{
	struct mlw_dataset *ds;
	int ret = load(&ds, content, 1);
	const char *msg = mlw_error_last();
	const char *after = strchr(msg, ':');

	ok(ret == MLW_EINVALID && !ds, "%s fails", what);
	is_str(after ? after + 1 : msg, want, "%s: message", what);
}

int main(void)
{
	struct mlw_dataset *ds, *ds2;
	const double *c;
	int fd = mkstemp(path);

	close(fd);
	ok(!load(&ds, "\xEF\xBB\xBF" "a,\"b, c\",flag,kind\r\n"
		 "1.5,\"x\"\"y\nz\",true,red\r\n"
		 "NA,,FALSE,\"blue\"\r\n"
		 "\r\n"
		 "-2e3,w,,red\r\n", 1), "BOM, CRLF, quotes, blank line");
	is_int(ds->nr_rows, 3, "three rows");
	is_int(ds->nr_columns, 4, "four columns");
	is_str(ds->columns[0].name, "a", "BOM is not part of the name");
	is_str(ds->columns[1].name, "b, c", "quoted header name");
	c = mlw_dataset_column(ds, 0);
	ok(c[0] == 1.5 && isnan(c[1]) && c[2] == -2000, "numeric column");
	is_int(ds->columns[0].type, MLW_COLUMN_NUMERIC, "a is numeric");
	is_int(ds->columns[0].nr_missing, 1, "NA is missing");
	ok(ds->columns[0].has_sum && ds->columns[0].sum == 1.5 - 2000,
	   "a numeric column's sum is kept from the parse, missing left out");
	ok(!ds->columns[1].has_sum && !ds->columns[2].has_sum,
	   "text and boolean columns have none");
	is_int(ds->columns[1].type, MLW_COLUMN_CATEGORICAL, "b is text");
	is_int(ds->columns[1].nr_categories, 2, "two categories");
	is_str(ds->columns[1].categories[0], "w", "sorted vocabulary");
	is_str(ds->columns[1].categories[1], "x\"y\nz", "unquoted category");
	c = mlw_dataset_column(ds, 1);
	ok(c[0] == 1 && isnan(c[1]) && c[2] == 0, "codes and missing");
	is_int(ds->columns[2].type, MLW_COLUMN_BOOLEAN, "flag is boolean");
	c = mlw_dataset_column(ds, 2);
	ok(c[0] == 1 && c[1] == 0 && isnan(c[2]), "boolean values");
	c = mlw_dataset_column(ds, 3);
	ok(c[0] == 1 && c[1] == 0 && c[2] == 1, "quoted category equals bare");
	is_int(mlw_dataset_find(ds, "kind"), 3, "find a column");
	is_int(mlw_dataset_find(ds, "nope"), -1, "a missing column");
	ds2 = mlw_dataset_ref(ds);
	mlw_dataset_unref(ds);
	is_int(ds2->nr_rows, 3, "a second reference keeps it alive");
	mlw_dataset_unref(ds2);

	ok(!load(&ds, "id,x\n1,A\n2,3\n3,B\n", 1), "mixed text and numbers");
	is_int(ds->columns[1].type, MLW_COLUMN_CATEGORICAL, "is categorical");
	is_int(ds->columns[1].nr_categories, 3, "numbers become categories");
	c = mlw_dataset_column(ds, 1);
	ok(c[0] == 1 && c[1] == 0 && c[2] == 2, "'3' < 'A' < 'B'");
	mlw_dataset_unref(ds);

	ok(!load(&ds, "a,b", 1), "header only");
	is_int(ds->nr_rows, 0, "no rows");
	mlw_dataset_unref(ds);

	expect_error("a,b\n1,2\n3,4,5\n", "3:3: too many fields (the header has 2)",
		     "too many fields");
	expect_error("a,b\n1,2\n3\n", "3:2: too few fields: 1 of 2 (column 'b')",
		     "too few fields");
	/* a column of numbers and text: categorical, with a note */
	ok(!load(&ds, "a,b\n1,2\n3,4\n5,x7\n6,8\n", 2),
	   "numbers with text load");
	is_int(ds->columns[1].type, MLW_COLUMN_CATEGORICAL,
	       "numbers with text are categorical, as pandas reads them");
	is_int(ds->columns[1].nr_categories, 4, "every value a category");
	ok(ds->columns[1].note && strstr(ds->columns[1].note,
	   "column 'b' holds numbers and text ('x7' at "),
	   "a note names the first text (%s)", ds->columns[1].note);
	ok(!ds->columns[0].note && !ds->columns[0].problem,
	   "the other column has nothing to say");
	mlw_dataset_unref(ds);
	/* an infinity: the file loads, the column is unusable */
	ok(!load(&ds, "a,b\n\"1\n\",2\n3,-inf\n", 1), "an infinity loads");
	is_int(ds->columns[1].type, MLW_COLUMN_NUMERIC, "still numeric");
	ok(ds->columns[1].problem && strstr(ds->columns[1].problem,
	   ":4:2: infinite value '-inf' (column 'b')"),
	   "its problem names the position (%s)", ds->columns[1].problem);
	ok(!ds->columns[0].problem && ds->columns[0].note,
	   "the other column has text (a quoted line end), not a problem");
	mlw_dataset_unref(ds);
	ok(!load(&ds, "a,b\nx,inf\ny,2\n", 1) &&
	   ds->columns[1].type == MLW_COLUMN_NUMERIC && ds->columns[1].problem,
	   "an infinity among numbers in another row");
	mlw_dataset_unref(ds);
	ok(!load(&ds, "a\nInf\nbob\n", 1) &&
	   ds->columns[0].type == MLW_COLUMN_CATEGORICAL &&
	   !ds->columns[0].problem && ds->columns[0].nr_categories == 2,
	   "\"Inf\" among text is text");
	mlw_dataset_unref(ds);
	expect_error("a,b\n1,\"2\n", "2:2: unterminated quoted field (column 'b')",
		     "unterminated quote");
	expect_error("a,a\n1,2\n", "1:2: duplicate column name 'a'",
		     "duplicate column");
	expect_error("", " empty file", "empty file");

	{
		struct mlw_buf b = MLW_BUF_INIT;
		struct mlw_dataset *one, *four;
		size_t i, size;
		int same = 1;

		mlw_buf_adds(&b, "x,label,y\n");
		for (i = 0; i < 60000; i++)
			mlw_buf_addf(&b, "%zu.25,\"l%zu\n,\"\"q\"\"\",%.17g\n",
				     i, i % 7, (double)i / 3.0);
		write_file(b.buf, b.len);
		ok(!mlw_dataset_load(&one, path,
				     &(struct mlw_dataset_options){ 0, 1 }),
		   "load with one thread");
		ok(!mlw_dataset_load(&four, path,
				     &(struct mlw_dataset_options){ 0, 4 }),
		   "load with four threads");
		is_int(four->nr_rows, 60000, "every row, quoted newlines kept");
		size = one->nr_rows * one->nr_columns * sizeof(double);
		same = one->nr_rows == four->nr_rows &&
		       !memcmp(one->values, four->values, size);
		ok(same, "four threads give the serial result bit for bit");
		is_str(four->columns[1].categories[6], "l6\n,\"q\"", "category text");
		for (i = 0; i < 60000 && same; i++)
			same = mlw_dataset_column(four, 2)[i] == (double)i / 3.0;
		ok(same, "values read back exactly");
		mlw_dataset_unref(one);
		mlw_dataset_unref(four);
		mlw_buf_release(&b);
	}
	{
		/* no quotes: the vector row counter, blank and CRLF lines */
		struct mlw_buf b = MLW_BUF_INIT;
		struct mlw_dataset *one, *three;
		size_t i, rows = 0;
		double sum = 0;
		int same = 1;

		mlw_buf_adds(&b, "x,y\r\n");
		for (i = 0; i < 50000; i++) {
			if (i % 97 == 0)
				mlw_buf_adds(&b, "\n");
			if (i % 89 == 0)
				mlw_buf_adds(&b, "\r\n");
			mlw_buf_addf(&b, "%zu,%zu.5%s", i, i % 13,
				     i % 3 ? "\n" : "\r\n");
			rows++;
			sum += (double)(i % 13) + 0.5;
		}
		mlw_buf_adds(&b, "7,1.5");	/* no final newline */
		rows++;
		sum += 1.5;
		write_file(b.buf, b.len);
		ok(!mlw_dataset_load(&one, path,
				     &(struct mlw_dataset_options){ 0, 1 }) &&
		   !mlw_dataset_load(&three, path,
				     &(struct mlw_dataset_options){ 0, 3 }),
		   "blank lines and CRLF without quotes");
		is_int(one->nr_rows, rows, "every row, no blank one");
		is_int(three->nr_rows, rows, "every row with three threads");
		for (i = 0; i < rows; i++) {
			sum -= mlw_dataset_column(three, 1)[i];
			same &= mlw_dataset_column(one, 1)[i] ==
				mlw_dataset_column(three, 1)[i];
		}
		ok(same && sum == 0, "the values of every row");
		mlw_dataset_unref(one);
		mlw_dataset_unref(three);
		mlw_buf_release(&b);
	}
	{
		/*
		 * Rows are counted a window of MLW reads at a time (8 MiB):
		 * blank and CRLF lines right at a window's edge, one thread
		 */
		const size_t window = (size_t)8 << 20;
		int d;

		for (d = -3; d <= 2; d++) {
			struct mlw_buf b = MLW_BUF_INIT;
			struct mlw_dataset *edge = NULL;
			size_t rows = 0, body, want = window + (size_t)(d + 3) - 3;
			char msg[80];

			mlw_buf_adds(&b, "x,y\r\n");
			body = b.len;
			while (b.len - body + 40 < want) {
				mlw_buf_adds(&b, "1,2\r\n");
				rows++;
			}
			/* one row of the width that puts the blank lines at want */
			mlw_buf_adds(&b, "1,");
			while (b.len - body + 2 < want)
				mlw_buf_addch(&b, '3');
			mlw_buf_adds(&b, "\r\n\r\n\n\r\n5,6\n\n");
			rows += 2;
			write_file(b.buf, b.len);
			snprintf(msg, sizeof(msg),
				 "blank lines at window edge %+d: every row", d);
			ok(!mlw_dataset_load(&edge, path,
					     &(struct mlw_dataset_options){ 0, 1 }) &&
			   edge->nr_rows == rows &&
			   mlw_dataset_column(edge, 1)[rows - 1] == 6, "%s", msg);
			mlw_dataset_unref(edge);
			mlw_buf_release(&b);
		}
	}
	unlink(path);
	return done_testing();
}

/*
 * prep.c - split, normalise and select columns of a CSV table, and
 * evaluate a scored one (prep.h).
 *
 * The table functions map the file and walk its rows with the CSV
 * field scanner (csv.h), so a field is written back as the bytes it was
 * read from, quotes included, unless it is a number being scaled.
 */
#include "ml/prep.h"
#include "ml/context.h"
#include "ml/csv.h"
#include "ml/dataset.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/number.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* --- reading a table ----------------------------------------------------- */

struct table {
	const char *path;
	char *map;
	size_t size;
	const char *data, *end;	/* the rows after the header */
	size_t data_line;	/* the line the rows start on */
	char **names;
	struct mlw_csv_field *header;	/* the header's fields, raw */
	size_t nr_columns;
};

/* one row: its fields, raw, and where it is */
struct row {
	struct mlw_csv_field *fields;	/* nr_columns of them */
	const char *start, *end;	/* its bytes, without the line end */
	size_t line;
};

static void table_close(struct table *t)
{
	size_t i;

	for (i = 0; i < t->nr_columns; i++)
		free(t->names[i]);
	free(t->names);
	free(t->header);
	if (t->map && t->size)
		munmap(t->map, t->size);
	memset(t, 0, sizeof(*t));
}

static size_t count_lines(const char *a, const char *b)
{
	size_t n = 0;

	while (a < b && (a = memchr(a, '\n', (size_t)(b - a)))) {
		n++;
		a++;
	}
	return n;
}

/*
 * The fields of the row at *pos into r (r->fields has room for
 * t->nr_columns); 0 at the end of the data, 1 with a row, or
 * MLW_EINVALID naming the place.  Blank lines are skipped, as pandas
 * skips them.
 */
static int next_row(struct table *t, const char **pos, size_t *line,
		    struct row *r)
{
	const char *p = *pos;
	size_t n = 0;
	int st = MLW_CSV_FIELD;

	while (p < t->end && (*p == '\n' || (*p == '\r' && p + 1 < t->end &&
					     p[1] == '\n'))) {
		p += *p == '\r' ? 2 : 1;
		(*line)++;
	}
	if (p >= t->end)
		return 0;
	r->start = p;
	r->line = *line;
	while (st == MLW_CSV_FIELD) {
		struct mlw_csv_field f;
		const char *at = p;

		st = mlw_csv_field(&f, &p, t->end, ',');
		if (st < 0)
			return mlw_error_setc(MLW_EINVALID, "%s:%zu:%zu: %s",
					      t->path, *line + count_lines(r->start,
					      at), (size_t)(at - r->start) + 1,
					      mlw_csv_strerror(st));
		if (n == t->nr_columns)
			return mlw_error_setc(MLW_EINVALID, "%s:%zu: a row with "
					      "more fields than the header's "
					      "%zu", t->path, *line,
					      t->nr_columns);
		r->fields[n++] = f;
	}
	if (n != t->nr_columns)
		return mlw_error_setc(MLW_EINVALID, "%s:%zu: a row with %zu "
				      "fields, the header has %zu", t->path,
				      *line, n, t->nr_columns);
	r->end = p;
	while (r->end > r->start && (r->end[-1] == '\n' || r->end[-1] == '\r'))
		r->end--;
	*line += count_lines(r->start, p);
	*pos = p;
	return 1;
}

static int table_open(struct table *t, const char *path)
{
	struct mlw_buf name = MLW_BUF_INIT;
	size_t alloc = 0;
	struct stat st;
	const char *p;
	int fd, s = MLW_CSV_FIELD;

	memset(t, 0, sizeof(*t));
	t->path = path;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return mlw_error_setc(errno == ENOENT ? MLW_ENOTFOUND : MLW_ERROR,
				      "cannot open '%s': %s", path,
				      strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return mlw_error_setc(MLW_EINVALID, "'%s' is not a file", path);
	}
	t->size = (size_t)st.st_size;
	if (!t->size) {
		close(fd);
		return mlw_error_setc(MLW_EINVALID, "%s: empty: a table needs "
				      "a header row", path);
	}
	t->map = mmap(NULL, t->size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (t->map == MAP_FAILED) {
		t->map = NULL;
		return mlw_error_errno("cannot read '%s'", path);
	}
	p = t->map;
	t->end = t->map + t->size;
	if (t->size >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
		p += 3;
	while (s == MLW_CSV_FIELD) {
		struct mlw_csv_field f;

		s = mlw_csv_field(&f, &p, t->end, ',');
		if (s < 0) {
			table_close(t);
			return mlw_error_setc(MLW_EINVALID, "%s:1: %s", path,
					      mlw_csv_strerror(s));
		}
		mlw_csv_unquote(&name, &f);
		MLW_ALLOC_GROW(t->names, t->nr_columns + 1, alloc);
		t->header = mlw_realloc(t->header, alloc * sizeof(*t->header));
		t->header[t->nr_columns] = f;
		t->names[t->nr_columns++] = mlw_strdup(name.buf ? name.buf : "");
	}
	mlw_buf_release(&name);
	t->data = p;
	t->data_line = 2;
	return 0;
}

static long column(const struct table *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nr_columns; i++)
		if (!strcmp(t->names[i], name))
			return (long)i;
	return -1;
}

static int unknown_column(const struct table *t, const char *name)
{
	struct mlw_buf b = MLW_BUF_INIT;
	size_t i;
	int ret;

	for (i = 0; i < t->nr_columns && i < 12; i++)
		mlw_buf_addf(&b, "%s%s", i ? ", " : "", t->names[i]);
	if (t->nr_columns > 12)
		mlw_buf_adds(&b, ", ...");
	ret = mlw_error_setc(MLW_EINVALID, "%s has no column '%s' (its "
			     "columns: %s)", t->path, name, b.buf);
	mlw_buf_release(&b);
	return ret;
}

/* write a field as it was read: quoted fields with their quotes */
static void add_field(struct mlw_buf *b, const struct mlw_csv_field *f)
{
	if (f->quoted)
		mlw_buf_addch(b, '"');
	mlw_buf_add(b, f->text, f->len);
	if (f->quoted)
		mlw_buf_addch(b, '"');
}

/* --- outputs ------------------------------------------------------------- */

/* a buffered output: flushed every 64 KiB */
struct sink {
	struct mlw_output out;
	struct mlw_buf buf;
	int failed;
};

static int sink_open(struct sink *s, const char *path)
{
	memset(s, 0, sizeof(*s));
	mlw_buf_init(&s->buf, 0);
	return mlw_output_open(&s->out, path);
}

static void sink_flush(struct sink *s, int force)
{
	if (s->failed || (!force && s->buf.len < 65536))
		return;
	if (mlw_write_all(s->out.fd, s->buf.buf, s->buf.len))
		s->failed = mlw_error_errno("cannot write '%s'", s->out.path);
	mlw_buf_reset(&s->buf);
}

/* commit with ret 0, else abort; returns the first error */
static int sink_close(struct sink *s, int ret)
{
	if (!ret) {
		sink_flush(s, 1);
		ret = s->failed;
	}
	if (!ret)
		ret = mlw_output_commit(&s->out);
	else
		mlw_output_abort(&s->out);
	mlw_buf_release(&s->buf);
	return ret;
}

/* --- split --------------------------------------------------------------- */

struct split_row {
	const char *start, *end;
	size_t cls;		/* its class (stratified), else 0 */
	int first;
};

static int cmp_text(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* the class of each row: the index of its value among the sorted values */
static void classes(struct split_row *rows, char **values, size_t n,
		    size_t *nr_classes)
{
	char **sorted = mlw_calloc(n + 1, sizeof(*sorted));
	size_t i, k = 0;

	memcpy(sorted, values, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_text);
	for (i = 0; i < n; i++)
		if (!k || strcmp(sorted[k - 1], sorted[i]))
			sorted[k++] = sorted[i];
	for (i = 0; i < n; i++) {
		char **hit = bsearch(&values[i], sorted, k, sizeof(*sorted),
				     cmp_text);

		rows[i].cls = (size_t)(hit - sorted);
	}
	*nr_classes = k;
	free(sorted);
}

/* of each class, round(fraction * its rows) in a seeded order go first */
static void choose(struct split_row *rows, size_t n, size_t nr_classes,
		   double fraction, uint64_t seed)
{
	size_t *idx = mlw_calloc(n + 1, sizeof(*idx));
	struct mlw_rng rng;
	size_t c, i;

	rng.state = seed;
	for (c = 0; c < nr_classes; c++) {
		size_t m = 0, take;

		for (i = 0; i < n; i++)
			if (rows[i].cls == c)
				idx[m++] = i;
		mlw_rng_shuffle(&rng, idx, m);
		take = (size_t)floor(fraction * (double)m + 0.5);
		for (i = 0; i < take && i < m; i++)
			rows[idx[i]].first = 1;
	}
	free(idx);
}

int mlw_prep_split(struct mlw_split_result *out, const char *in,
		   const char *first, const char *second, double fraction,
		   uint64_t seed, const char *stratify)
{
	struct split_row *rows = NULL;
	struct sink sinks[2];
	struct table t;
	struct row r;
	char **values = NULL;
	const char *pos;
	size_t n = 0, alloc = 0, line, i, k, nr_classes = 1;
	long strat = -1;
	int ret, got, opened = 0;

	memset(out, 0, sizeof(*out));
	if (!(fraction >= 0 && fraction <= 1))
		return mlw_error_setc(MLW_EINVALID, "the fraction must be "
				      "between 0 and 1");
	ret = table_open(&t, in);
	if (ret)
		return ret;
	if (stratify && (strat = column(&t, stratify)) < 0) {
		ret = unknown_column(&t, stratify);
		table_close(&t);
		return ret;
	}
	r.fields = mlw_calloc(t.nr_columns, sizeof(*r.fields));
	pos = t.data;
	line = t.data_line;
	while ((got = next_row(&t, &pos, &line, &r)) > 0) {
		MLW_ALLOC_GROW(rows, n + 1, alloc);
		rows[n].start = r.start;
		rows[n].end = r.end;
		rows[n].cls = 0;
		rows[n].first = 0;
		if (strat >= 0) {
			struct mlw_buf v = MLW_BUF_INIT;

			values = mlw_realloc(values, alloc * sizeof(*values));
			mlw_csv_unquote(&v, &r.fields[strat]);
			values[n] = mlw_buf_detach(&v, NULL);
		}
		n++;
	}
	ret = got;
	if (!ret) {
		if (strat >= 0)
			classes(rows, values, n, &nr_classes);
		choose(rows, n, nr_classes, fraction, seed);
		ret = sink_open(&sinks[0], first);
		if (!ret && (ret = sink_open(&sinks[1], second)))
			sink_close(&sinks[0], ret);
		opened = !ret;
	}
	for (k = 0; opened && k < 2; k++) {
		/* the header as it was */
		for (i = 0; i < t.nr_columns; i++) {
			if (i)
				mlw_buf_addch(&sinks[k].buf, ',');
			add_field(&sinks[k].buf, &t.header[i]);
		}
		mlw_buf_addch(&sinks[k].buf, '\n');
	}
	for (i = 0; opened && i < n; i++) {
		struct sink *s = &sinks[rows[i].first ? 0 : 1];

		mlw_buf_add(&s->buf, rows[i].start,
			    (size_t)(rows[i].end - rows[i].start));
		mlw_buf_addch(&s->buf, '\n');
		sink_flush(s, 0);
		if (rows[i].first)
			out->nr_first++;
		else
			out->nr_second++;
	}
	if (opened) {
		int second_ret;

		ret = sink_close(&sinks[0], 0);
		second_ret = sink_close(&sinks[1], ret);
		if (!ret)
			ret = second_ret;
	}
	out->nr_rows = n;
	for (i = 0; values && i < n; i++)
		free(values[i]);
	free(values);
	free(rows);
	free(r.fields);
	table_close(&t);
	return ret;
}

/* --- select -------------------------------------------------------------- */

/* which columns go out, in order: picks[0..*nr) */
static int pick_columns(size_t **picks, size_t *nr, const struct table *t,
			const char *const *columns, size_t nr_columns,
			int exclude)
{
	unsigned char *dropped = mlw_calloc(t->nr_columns + 1, 1);
	size_t i;
	int ret = 0;

	*picks = mlw_calloc(t->nr_columns + nr_columns + 1, sizeof(**picks));
	*nr = 0;
	for (i = 0; !ret && i < nr_columns; i++) {
		long c = column(t, columns[i]);

		if (c < 0)
			ret = unknown_column(t, columns[i]);
		else if (exclude)
			dropped[c] = 1;
		else
			(*picks)[(*nr)++] = (size_t)c;
	}
	for (i = 0; !ret && exclude && i < t->nr_columns; i++)
		if (!dropped[i])
			(*picks)[(*nr)++] = i;
	free(dropped);
	if (!ret && !*nr)
		ret = mlw_error_setc(MLW_EINVALID, "no column of %s is left",
				     t->path);
	return ret;
}

int mlw_prep_select(const char *in, const char *out,
		    const char *const *columns, size_t nr, int exclude)
{
	struct sink s;
	struct table t;
	struct row r;
	const char *pos;
	size_t *picks = NULL, nr_picks, i, line;
	int ret, got = 0;

	ret = table_open(&t, in);
	if (ret)
		return ret;
	ret = pick_columns(&picks, &nr_picks, &t, columns, nr, exclude);
	if (!ret)
		ret = sink_open(&s, out);
	if (ret) {
		free(picks);
		table_close(&t);
		return ret;
	}
	r.fields = mlw_calloc(t.nr_columns, sizeof(*r.fields));
	for (i = 0; i < nr_picks; i++) {
		if (i)
			mlw_buf_addch(&s.buf, ',');
		add_field(&s.buf, &t.header[picks[i]]);
	}
	mlw_buf_addch(&s.buf, '\n');
	pos = t.data;
	line = t.data_line;
	while ((got = next_row(&t, &pos, &line, &r)) > 0) {
		for (i = 0; i < nr_picks; i++) {
			if (i)
				mlw_buf_addch(&s.buf, ',');
			add_field(&s.buf, &r.fields[picks[i]]);
		}
		mlw_buf_addch(&s.buf, '\n');
		sink_flush(&s, 0);
	}
	ret = sink_close(&s, got);
	free(r.fields);
	free(picks);
	table_close(&t);
	return ret;
}

/* --- normalise ----------------------------------------------------------- */

struct scale {
	int numeric;		/* every present value is a number */
	int wanted;
	double sum, sumsq, min, max, shift, factor;
	size_t n;
	size_t bad_line;	/* where a value is not a number */
	char *bad;
};

/* the number in a field: 1, 0 when missing, -1 when it is not a number */
static int field_number(double *v, const struct mlw_csv_field *f)
{
	if (!f->len || mlw_dataset_is_missing(f->text, f->len))
		return 0;
	return f->escaped || mlw_csv_parse_double(v, f->text, f->len) ? -1 : 1;
}

/* pass one: which columns are numeric, and their statistics */
static int scan_columns(struct table *t, struct scale *sc)
{
	struct row r;
	const char *pos = t->data;
	size_t line = t->data_line, i;
	int got;

	r.fields = mlw_calloc(t->nr_columns, sizeof(*r.fields));
	for (i = 0; i < t->nr_columns; i++) {
		sc[i].numeric = 1;
		sc[i].min = INFINITY;
		sc[i].max = -INFINITY;
	}
	while ((got = next_row(t, &pos, &line, &r)) > 0)
		for (i = 0; i < t->nr_columns; i++) {
			double v;
			int k;

			if (!sc[i].numeric)
				continue;
			k = field_number(&v, &r.fields[i]);
			if (k < 0 || (k > 0 && !isfinite(v))) {
				sc[i].numeric = 0;
				sc[i].bad_line = r.line;
				sc[i].bad = mlw_strndup(r.fields[i].text,
							r.fields[i].len);
			} else if (k > 0) {
				sc[i].n++;
				sc[i].sum += v;
				sc[i].sumsq += v * v;
				if (v < sc[i].min)
					sc[i].min = v;
				if (v > sc[i].max)
					sc[i].max = v;
			}
		}
	free(r.fields);
	return got;
}

/* StandardScaler's mean and scale, or MinMaxScaler's min and range */
static void set_scale(struct scale *s, enum mlw_normalize_method m)
{
	if (!s->n) {
		s->shift = 0;
		s->factor = 1;
	} else if (m == MLW_NORMALIZE_MINMAX) {
		s->shift = s->min;
		s->factor = s->max > s->min ? s->max - s->min : 1;
	} else {
		double mean = s->sum / (double)s->n;
		double var = s->sumsq / (double)s->n - mean * mean;

		s->shift = mean;
		s->factor = var > 0 ? sqrt(var) : 1;
	}
}

/* the mean and variance again, in two passes' precision */
static int rescan_zscore(struct table *t, struct scale *sc)
{
	struct row r;
	const char *pos = t->data;
	size_t line = t->data_line, i;
	int got;

	r.fields = mlw_calloc(t->nr_columns, sizeof(*r.fields));
	for (i = 0; i < t->nr_columns; i++)
		sc[i].sumsq = 0;
	while ((got = next_row(t, &pos, &line, &r)) > 0)
		for (i = 0; i < t->nr_columns; i++) {
			double v, d;

			if (!sc[i].wanted || field_number(&v, &r.fields[i]) <= 0)
				continue;
			d = v - sc[i].sum / (double)sc[i].n;
			sc[i].sumsq += d * d;
		}
	for (i = 0; i < t->nr_columns; i++)
		if (sc[i].wanted && sc[i].n) {
			double var = sc[i].sumsq / (double)sc[i].n;

			sc[i].shift = sc[i].sum / (double)sc[i].n;
			sc[i].factor = var > 0 ? sqrt(var) : 1;
		}
	free(r.fields);
	return got;
}

static int choose_scaled(struct table *t, struct scale *sc,
			 const char *const *columns, size_t nr, int exclude)
{
	size_t i;

	for (i = 0; i < t->nr_columns; i++)
		sc[i].wanted = exclude ? sc[i].numeric : 0;
	for (i = 0; i < nr; i++) {
		long c = column(t, columns[i]);

		if (c < 0)
			return unknown_column(t, columns[i]);
		if (exclude) {
			sc[c].wanted = 0;
		} else if (!sc[c].numeric) {
			return mlw_error_setc(MLW_EINVALID, "%s:%zu: column "
					      "'%s' is not numeric ('%s')",
					      t->path, sc[c].bad_line,
					      columns[i], sc[c].bad);
		} else {
			sc[c].wanted = 1;
		}
	}
	return 0;
}

int mlw_prep_normalize(size_t *nr_scaled, const char *in, const char *out,
		       enum mlw_normalize_method method,
		       const char *const *columns, size_t nr, int exclude)
{
	struct scale *sc;
	struct sink s;
	struct table t;
	struct row r;
	const char *pos;
	size_t i, line;
	int ret, got = 0;

	*nr_scaled = 0;
	ret = table_open(&t, in);
	if (ret)
		return ret;
	sc = mlw_calloc(t.nr_columns + 1, sizeof(*sc));
	ret = scan_columns(&t, sc);
	if (!ret)
		ret = choose_scaled(&t, sc, columns, nr, exclude);
	for (i = 0; !ret && i < t.nr_columns; i++)
		if (sc[i].wanted) {
			set_scale(&sc[i], method);
			(*nr_scaled)++;
		}
	if (!ret && method == MLW_NORMALIZE_ZSCORE)
		ret = rescan_zscore(&t, sc);
	if (!ret)
		ret = sink_open(&s, out);
	if (ret)
		goto out;
	r.fields = mlw_calloc(t.nr_columns, sizeof(*r.fields));
	for (i = 0; i < t.nr_columns; i++) {
		if (i)
			mlw_buf_addch(&s.buf, ',');
		add_field(&s.buf, &t.header[i]);
	}
	mlw_buf_addch(&s.buf, '\n');
	pos = t.data;
	line = t.data_line;
	while ((got = next_row(&t, &pos, &line, &r)) > 0) {
		for (i = 0; i < t.nr_columns; i++) {
			double v;

			if (i)
				mlw_buf_addch(&s.buf, ',');
			if (sc[i].wanted &&
			    field_number(&v, &r.fields[i]) > 0) {
				char num[32];

				v = (v - sc[i].shift) / sc[i].factor;
				mlw_buf_add(&s.buf, num, mlw_fmt_double(num, v));
			} else if (!sc[i].wanted) {
				add_field(&s.buf, &r.fields[i]);
			}
		}
		mlw_buf_addch(&s.buf, '\n');
		sink_flush(&s, 0);
	}
	ret = sink_close(&s, got);
	free(r.fields);
out:
	for (i = 0; i < t.nr_columns; i++)
		free(sc[i].bad);
	free(sc);
	table_close(&t);
	return ret;
}

/* --- evaluate ------------------------------------------------------------ */

/* the text of row i of column c (categorical), "true"/"false" (boolean) */
static const char *cell_text(const struct mlw_dataset *ds, size_t c, size_t i,
			     char num[32])
{
	const struct mlw_column *col = &ds->columns[c];
	double v = mlw_dataset_column(ds, c)[i];

	if (isnan(v))
		return NULL;
	if (col->type == MLW_COLUMN_CATEGORICAL)
		return col->categories[(size_t)v];
	if (col->type == MLW_COLUMN_BOOLEAN)
		return v ? "True" : "False";
	mlw_fmt_double(num, v);
	return num;
}

/* the class names of both columns, sorted and distinct */
static char **class_names(size_t *nr, const struct mlw_dataset *ds,
			  size_t t, size_t p)
{
	char **names = mlw_calloc(2 * ds->nr_rows + 1, sizeof(*names));
	size_t i, k, n = 0;
	char num[32];

	for (i = 0; i < ds->nr_rows; i++) {
		const char *a = cell_text(ds, t, i, num);

		if (a)
			names[n++] = mlw_strdup(a);
		a = cell_text(ds, p, i, num);
		if (a)
			names[n++] = mlw_strdup(a);
	}
	qsort(names, n, sizeof(*names), cmp_text);
	for (i = 0, k = 0; i < n; i++) {
		if (k && !strcmp(names[k - 1], names[i])) {
			free(names[i]);
			continue;
		}
		names[k++] = names[i];
	}
	*nr = k;
	return names;
}

static long class_of(char *const *names, size_t nr, const char *s)
{
	char *const *hit;

	if (!s)
		return -1;
	hit = bsearch(&s, names, nr, sizeof(*names), cmp_text);
	return hit ? (long)(hit - names) : -1;
}

static int evaluate_classification(struct mlw_evaluation *out,
				   const struct mlw_dataset *ds, size_t t,
				   size_t p)
{
	size_t K, i, k, n = 0;
	char **names = class_names(&K, ds, t, p);
	long *proba_col = mlw_calloc(K + 1, sizeof(*proba_col));
	double *y, *proba;
	char num[32];
	int ret = 0;

	out->has_proba = K > 0;
	for (k = 0; k < K; k++) {
		char *col = mlw_xstrfmt("proba_%s", names[k]);

		proba_col[k] = mlw_dataset_find(ds, col);
		if (proba_col[k] < 0 ||
		    ds->columns[proba_col[k]].type != MLW_COLUMN_NUMERIC)
			out->has_proba = 0;
		free(col);
	}
	y = mlw_calloc(ds->nr_rows + 1, sizeof(*y));
	proba = mlw_calloc(mlw_st_mult(ds->nr_rows + 1, K + 1), sizeof(*proba));
	/* column-major, leading dimension nr_rows until n is known */
	for (i = 0; i < ds->nr_rows; i++) {
		long yt = class_of(names, K, cell_text(ds, t, i, num));
		long yp = class_of(names, K, cell_text(ds, p, i, num));

		if (yt < 0 || yp < 0)
			continue;
		for (k = 0; k < K; k++) {
			double v = out->has_proba ?
				mlw_dataset_column(ds, (size_t)proba_col[k])[i] :
				(long)k == yp ? 1.0 : 0.0;

			proba[k * ds->nr_rows + n] = isnan(v) ? 0 : v;
		}
		y[n++] = (double)yt;
	}
	if (!n || K < 2) {
		ret = mlw_error_setc(MLW_EINVALID, "%s: a classification needs "
				     "rows with a label and a prediction, and "
				     "two classes at least", ds->path);
	} else {
		/* compact the columns to leading dimension n */
		for (k = 1; k < K; k++)
			memmove(proba + k * n, proba + k * ds->nr_rows,
				n * sizeof(*proba));
		mlw_metrics_classification(out->metrics, NULL, y, proba, n, K);
		out->nr_metrics = MLW_CLASSIFICATION_METRICS;
		out->nr_rows = n;
	}
	for (k = 0; k < K; k++)
		free(names[k]);
	free(names);
	free(proba_col);
	free(y);
	free(proba);
	return ret;
}

static int evaluate_regression(struct mlw_evaluation *out,
			       const struct mlw_dataset *ds, size_t t, size_t p)
{
	const double *yt = mlw_dataset_column(ds, t);
	const double *yp = mlw_dataset_column(ds, p);
	double *y = mlw_calloc(ds->nr_rows + 1, sizeof(*y));
	double *pred = mlw_calloc(ds->nr_rows + 1, sizeof(*pred));
	size_t i, n = 0;

	if (ds->columns[t].type != MLW_COLUMN_NUMERIC ||
	    ds->columns[p].type != MLW_COLUMN_NUMERIC) {
		free(y);
		free(pred);
		return mlw_error_setc(MLW_EINVALID, "%s: a regression needs "
				      "numeric '%s' and '%s' columns",
				      ds->path, ds->columns[t].name,
				      ds->columns[p].name);
	}
	for (i = 0; i < ds->nr_rows; i++)
		if (!isnan(yt[i]) && !isnan(yp[i])) {
			y[n] = yt[i];
			pred[n++] = yp[i];
		}
	if (n < 2) {
		free(y);
		free(pred);
		return mlw_error_setc(MLW_EINVALID, "%s: fewer than two rows "
				      "with a label and a prediction",
				      ds->path);
	}
	mlw_metrics_regression(out->metrics, y, pred, n);
	out->nr_metrics = MLW_REGRESSION_METRICS;
	out->nr_rows = n;
	free(y);
	free(pred);
	return 0;
}

int mlw_evaluate(struct mlw_evaluation *out, const struct mlw_dataset *ds,
		 const char *target, const char *prediction,
		 enum mlw_task task)
{
	int t = mlw_dataset_find(ds, target);
	int p = mlw_dataset_find(ds, prediction);
	size_t i;

	memset(out, 0, sizeof(*out));
	if (t < 0 || p < 0)
		return mlw_error_setc(MLW_EINVALID, "%s has no column '%s'",
				      ds->path, t < 0 ? target : prediction);
	if (task == MLW_TASK_AUTO) {
		task = MLW_TASK_REGRESSION;
		if (ds->columns[t].type != MLW_COLUMN_NUMERIC ||
		    ds->columns[p].type != MLW_COLUMN_NUMERIC)
			task = MLW_TASK_CLASSIFICATION;
		for (i = 0; i < ds->nr_columns; i++)
			if (!strncmp(ds->columns[i].name, "proba_", 6))
				task = MLW_TASK_CLASSIFICATION;
	}
	out->task = task;
	if (task == MLW_TASK_CLASSIFICATION)
		return evaluate_classification(out, ds, (size_t)t, (size_t)p);
	return evaluate_regression(out, ds, (size_t)t, (size_t)p);
}

/*
 * score.c - streaming batch scoring of CSV files (score.h).
 *
 * The main thread reads the input into one buffer of nr_threads chunks,
 * cuts it after the last complete row, hands each thread a run of whole
 * rows, and writes the threads' output in order; the partial last row is
 * carried to the front of the buffer for the next round.  A thread turns
 * its rows into blocks of at most BLOCK_ROWS feature rows and predicts a
 * block with the trainer's predict() (mlw_model_predict()), the very
 * function training used, so the predictions are bit for bit those of
 * 'mlw train --predictions'.
 */
#include "ml/score.h"
#include "ml/csv.h"
#include "ml/dataset.h"
#include "ml/features.h"
#include "ml/metrics.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/number.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define MAX_THREADS 16
#define BLOCK_ROWS 512
#define BLOCK_BYTES ((size_t)2 << 20)
#define MAX_ROW_BYTES ((size_t)16 << 20)

struct scorer {
	const struct mlw_model *m;
	const struct mlw_score_options *o;
	const char *path;
	char delim;
	size_t nr_columns;	/* of the input header */
	char **names;		/* header names, unquoted */
	int *role;		/* per header column: model input or -1 */
	size_t nr_features, nr_outputs;
	size_t block_rows;
};

struct row_error {
	size_t line;		/* relative to the job's first line */
	char *msg;
};

struct job {
	struct scorer *sc;
	const char *start, *end;
	struct mlw_buf out;
	struct row_error *errors;
	size_t nr_errors, alloc_errors;
	size_t nr_rows, nr_scored, nr_lines;
	double *X, *P;
	const char **row_start, **row_end;
	/* row_numbers: the index of the job's first row; each block row's */
	size_t first_row;
	size_t *row_no;
	pthread_t thread;
};

static void job_error(struct job *j, size_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void job_error(struct job *j, size_t line, const char *fmt, ...)
{
	struct mlw_buf b = MLW_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	mlw_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	MLW_ALLOC_GROW(j->errors, j->nr_errors + 1, j->alloc_errors);
	j->errors[j->nr_errors].line = line;
	j->errors[j->nr_errors].msg = mlw_buf_detach(&b, NULL);
	j->nr_errors++;
}

static size_t count_char(const char *p, const char *end, char c)
{
	size_t n = 0;

	while (p < end && (p = memchr(p, c, (size_t)(end - p)))) {
		n++;
		p++;
	}
	return n;
}

static void add_csv_text(struct mlw_buf *b, const char *s, size_t len,
			 char delim)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] == delim || s[i] == '"' || s[i] == '\n' ||
		    s[i] == '\r')
			break;
	if (i == len) {
		mlw_buf_add(b, s, len);
		return;
	}
	mlw_buf_addch(b, '"');
	for (i = 0; i < len; i++) {
		if (s[i] == '"')
			mlw_buf_addch(b, '"');
		mlw_buf_addch(b, s[i]);
	}
	mlw_buf_addch(b, '"');
}

static void add_json_text(struct mlw_buf *b, const char *s, size_t len)
{
	size_t i;

	mlw_buf_addch(b, '"');
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			mlw_buf_addch(b, '\\');
			mlw_buf_addch(b, c);
		} else if (c < 0x20) {
			mlw_buf_addf(b, "\\u%04x", c);
		} else {
			mlw_buf_addch(b, c);
		}
	}
	mlw_buf_addch(b, '"');
}

/* "PREFIXNAME" as one JSON string */
static void add_json_key(struct mlw_buf *b, const char *prefix,
			 const char *name)
{
	char *key = mlw_xstrfmt("%s%s", prefix, name);

	add_json_text(b, key, strlen(key));
	free(key);
}

static void add_number(struct mlw_buf *b, double v)
{
	mlw_buf_grow(b, 32);
	b->len += mlw_fmt_double(b->buf + b->len, v);
}

/* the input columns of one row as JSON members */
static void add_json_input(struct mlw_buf *b, const struct scorer *sc,
			   const char *p, const char *end)
{
	struct mlw_buf text = MLW_BUF_INIT;
	struct mlw_csv_field f;
	size_t c;
	int st = MLW_CSV_FIELD;

	for (c = 0; st == MLW_CSV_FIELD && c < sc->nr_columns; c++) {
		double v;

		st = mlw_csv_field(&f, &p, end, sc->delim);
		if (st < 0)
			break;
		add_json_text(b, sc->names[c], strlen(sc->names[c]));
		mlw_buf_addch(b, ':');
		if ((!f.quoted || !f.len) && mlw_dataset_is_missing(f.text, f.len))
			mlw_buf_adds(b, "null");
		else if (!f.quoted &&
			 !mlw_csv_parse_double(&v, f.text, f.len))
			add_number(b, v);
		else {
			mlw_csv_unquote(&text, &f);
			add_json_text(b, text.buf, text.len);
		}
		mlw_buf_addch(b, ',');
	}
	mlw_buf_release(&text);
}

/* the output columns' names, as the model's signature names them */
static char *output_name(const struct mlw_model *m, size_t k)
{
	switch (m->trainer->task) {
	case MLW_TASK_CLUSTERING:
		return mlw_strdup("cluster");
	case MLW_TASK_DECOMPOSITION:
		return mlw_xstrfmt("pc%zu", k);
	default:
		return mlw_strdup("prediction");
	}
}

/*
 * Row i of the n predictions P: "prediction" (with the probabilities),
 * "cluster" or the components, to the end of the line (of the JSON
 * object when json).
 */
static void add_prediction(struct mlw_buf *b, const struct scorer *sc,
			   const double *P, size_t n, size_t i)
{
	const struct mlw_model *m = sc->m;
	size_t k, K = sc->nr_outputs;
	int cls = m->trainer->task == MLW_TASK_CLASSIFICATION;
	int pca = m->trainer->task == MLW_TASK_DECOMPOSITION;
	const char *label = cls ? m->target.classes[mlw_argmax_row(P, n, K, i)] :
			    NULL;
	char *name;

	for (k = 0; k < (pca ? K : 1); k++) {
		if (k)
			mlw_buf_addch(b, sc->o->json ? ',' : sc->delim);
		if (sc->o->json) {
			name = output_name(m, k);
			add_json_text(b, name, strlen(name));
			mlw_buf_addch(b, ':');
			free(name);
		}
		if (label && sc->o->json)
			add_json_text(b, label, strlen(label));
		else if (label)
			add_csv_text(b, label, strlen(label), sc->delim);
		else
			add_number(b, P[k * n + i]);
	}
	for (k = 0; cls && sc->o->proba && k < K; k++) {
		if (sc->o->json) {
			mlw_buf_addch(b, ',');
			add_json_key(b, "proba_", m->target.classes[k]);
			mlw_buf_addch(b, ':');
		} else {
			mlw_buf_addch(b, sc->delim);
		}
		add_number(b, P[k * n + i]);
	}
	if (sc->o->line_suffix)
		mlw_buf_adds(b, sc->o->line_suffix);
	mlw_buf_adds(b, sc->o->json ? "}\n" : "\n");
}

/* "ROW," of the batch layout, without printf: a million a run */
static void add_row_number(struct mlw_buf *b, size_t r, char delim)
{
	char digits[20];

	mlw_buf_add(b, digits, mlw_fmt_u64(digits, r));
	mlw_buf_addch(b, delim);
}

/* the output columns of the header line */
static void add_output_header(struct mlw_buf *b, const struct scorer *sc)
{
	const struct mlw_model *m = sc->m;
	size_t k, nr = m->trainer->task == MLW_TASK_DECOMPOSITION ?
		       sc->nr_outputs : 1;

	for (k = 0; k < nr; k++) {
		char *name = output_name(m, k);

		if (k)
			mlw_buf_addch(b, sc->delim);
		add_csv_text(b, name, strlen(name), sc->delim);
		free(name);
	}
	for (k = 0; sc->o->proba && k < sc->nr_outputs; k++) {
		char *name = mlw_xstrfmt("proba_%s", m->target.classes[k]);

		mlw_buf_addch(b, sc->delim);
		add_csv_text(b, name, strlen(name), sc->delim);
		free(name);
	}
	mlw_buf_addch(b, '\n');
}

/* predict the block's n rows and append their output lines */
static void flush_block(struct job *j, size_t n)
{
	const struct scorer *sc = j->sc;
	const struct mlw_model *m = sc->m;
	const struct mlw_featurizer *f = m->featurizer;
	size_t B = sc->block_rows, i, k;

	if (!n)
		return;
	if (f->standardize)
		for (k = 0; k < sc->nr_features; k++) {
			double *x = j->X + k * B;

			for (i = 0; i < n; i++)
				x[i] = (x[i] - f->mean[k]) / f->scale[k];
		}
	/* the rows are at the top of each column of the block */
	if (n < B)
		for (k = 1; k < sc->nr_features; k++)
			memmove(j->X + k * n, j->X + k * B, n * sizeof(double));
	/* init_scorer() loaded what predict() needs: this cannot fail */
	mlw_model_predict(j->P, m, j->X, n, 1);
	for (i = 0; i < n; i++) {
		struct mlw_buf *b = &j->out;

		if (sc->o->json) {
			mlw_buf_addch(b, '{');
			if (sc->o->include_input)
				add_json_input(b, sc, j->row_start[i],
					       j->row_end[i]);
		} else if (sc->o->include_input) {
			mlw_buf_add(b, j->row_start[i],
				    (size_t)(j->row_end[i] - j->row_start[i]));
			mlw_buf_addch(b, sc->delim);
		}
		if (j->row_no)
			add_row_number(b, sc->o->row_base + j->row_no[i], ',');
		add_prediction(b, sc, j->P, n, i);
	}
	j->nr_scored += n;
	/* one-hot columns must start from zeros again */
	memset(j->X, 0, B * sc->nr_features * sizeof(double));
}

/* skip to the start of the next line after an unreadable row */
static const char *next_line(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl ? nl + 1 : end;
}

/*
 * Read one field for model input in into the block at row i.  Returns 0,
 * or -1 after recording the row's error.
 */
static int read_input(struct job *j, const struct mlw_csv_field *f,
		      const struct mlw_feature_input *in, size_t i,
		      size_t line, const char *column)
{
	const struct scorer *sc = j->sc;
	size_t B = sc->block_rows;
	double *x = j->X + in->first * B + i;
	int missing = (!f->quoted || !f->len) &&
		      mlw_dataset_is_missing(f->text, f->len);
	double v;
	int r;

	switch (in->type) {
	case MLW_COLUMN_NUMERIC:
		if (missing) {
			*x = in->fill;
			return 0;
		}
		r = f->escaped ? -1 : mlw_csv_parse_double(&v, f->text, f->len);
		if (!r) {
			*x = v;
			return 0;
		}
		job_error(j, line, r > 0 ? "infinite value '%.*s' (column '%s')" :
			  "'%.*s' is not a number (column '%s' is numeric)",
			  (int)(f->len > 40 ? 40 : f->len), f->text, column);
		return -1;
	case MLW_COLUMN_BOOLEAN:
		if (missing)
			*x = in->fill;
		else if (f->len == 4 && !strncasecmp(f->text, "true", 4))
			*x = 1;
		else if (f->len == 5 && !strncasecmp(f->text, "false", 5))
			*x = 0;
		else {
			job_error(j, line,
				  "'%.*s' is not true or false (column '%s' is boolean)",
				  (int)(f->len > 40 ? 40 : f->len), f->text,
				  column);
			return -1;
		}
		return 0;
	case MLW_COLUMN_CATEGORICAL: {
		long code;

		if (missing) {
			code = (long)in->fill;
		} else if (f->escaped) {
			struct mlw_buf b = MLW_BUF_INIT;

			mlw_csv_unquote(&b, f);
			code = mlw_feature_category_code(in, b.buf, b.len);
			mlw_buf_release(&b);
		} else {
			code = mlw_feature_category_code(in, f->text, f->len);
		}
		/* an unknown category is all zeros, as in training */
		if (code >= 0)
			j->X[(in->first + (size_t)code) * B + i] = 1;
		return 0;
	}
	}
	return 0;
}

static void *score_job(void *arg)
{
	struct job *j = arg;
	struct scorer *sc = j->sc;
	const struct mlw_featurizer *feat = sc->m->featurizer;
	const char *p = j->start, *end = j->end;
	size_t line = 0, n = 0;

	while (p < end) {
		size_t c, row_line = line;
		const char *row_start = p;
		struct mlw_csv_field f;
		int st = MLW_CSV_FIELD, bad = 0;

		if (*p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n')) {
			p += *p == '\n' ? 1 : 2;
			line++;
			continue;
		}
		j->nr_rows++;
		for (c = 0; st == MLW_CSV_FIELD; c++) {
			int role = c < sc->nr_columns ? sc->role[c] : -1;
			const struct mlw_feature_input *in =
				role >= 0 ? &feat->inputs[role] : NULL;

			if (in && in->type == MLW_COLUMN_NUMERIC && !bad) {
				st = mlw_csv_number_field(
					j->X + in->first * sc->block_rows + n,
					&p, end, sc->delim);
				if (st != MLW_CSV_SLOW)
					continue;
			}
			st = mlw_csv_field(&f, &p, end, sc->delim);
			if (st < 0) {
				/* one error a row: a row is skipped once */
				if (!bad)
					job_error(j, line, "%s (column %zu)",
						  mlw_csv_strerror(st), c + 1);
				bad = 1;
				p = next_line(p, end);
				break;
			}
			if (f.quoted)
				line += count_char(f.text, f.text + f.len, '\n');
			if (c == sc->nr_columns && !bad) {
				job_error(j, row_line,
					  "too many fields (the header has %zu)",
					  sc->nr_columns);
				bad = 1;
			}
			if (in && !bad &&
			    read_input(j, &f, in, n, row_line, sc->names[c]))
				bad = 1;
		}
		if (!bad && c < sc->nr_columns) {
			job_error(j, row_line, "too few fields: %zu of %zu",
				  c, sc->nr_columns);
			bad = 1;
		}
		line++;
		if (bad) {
			/* forget what the row put in the block */
			size_t k;

			for (k = 0; k < sc->nr_features; k++)
				j->X[k * sc->block_rows + n] = 0;
			continue;
		}
		j->row_start[n] = row_start;
		if (j->row_no)
			j->row_no[n] = j->first_row + j->nr_rows - 1;
		{
			const char *e = p;

			if (e > row_start && e[-1] == '\n')
				e--;
			if (e > row_start && e[-1] == '\r')
				e--;
			j->row_end[n] = e;
		}
		if (++n == sc->block_rows) {
			flush_block(j, n);
			n = 0;
		}
	}
	flush_block(j, n);
	/* every row and blank line ended in a newline, but maybe the last */
	j->nr_lines = line;
	return NULL;
}

/*
 * The end of the last complete row in buf[0..len) (which starts at a row
 * start outside quotes), or 0 when there is none.  quotes: whether buf
 * holds a '"' at all (one scan of the buffer answers for every cut).
 */
static size_t last_row_end(const char *buf, size_t len, int quotes)
{
	const char *nl;
	size_t i, last = 0;
	int in_quotes = 0;

	if (!quotes) {
		nl = memrchr(buf, '\n', len);
		return nl ? (size_t)(nl - buf) + 1 : 0;
	}
	for (i = 0; i < len; i++) {
		if (buf[i] == '"')
			in_quotes = !in_quotes;
		else if (buf[i] == '\n' && !in_quotes)
			last = i + 1;
	}
	return last;
}

/* the first row start at or after p (p inside a run starting at start) */
static const char *row_start_after(const char *start, const char *p,
				   const char *end, int quotes)
{
	int in_quotes = 0;

	if (!quotes) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		return nl ? nl + 1 : end;
	}
	for (; start < end; start++) {
		if (*start == '"')
			in_quotes = !in_quotes;
		else if (*start == '\n' && !in_quotes && start + 1 >= p)
			return start + 1;
	}
	return end;
}

static int write_buf(int fd, const struct mlw_buf *b, const char *what)
{
	if (b->len && mlw_write_all(fd, b->buf, b->len) < 0)
		return mlw_error_errno("cannot write %s", what);
	return 0;
}

/*
 * What every scoring needs: the model's outputs, a block size that keeps
 * a block's features and outputs within BLOCK_BYTES, and what predict()
 * loads on first use (LAPACK for most trainers, not for the linear
 * models), loaded by a prediction of one row of zeros before the
 * threads start, so that theirs cannot fail.  MLW_EINVALID for --proba
 * with a model that has no probabilities.
 */
static int init_scorer(struct scorer *sc, const struct mlw_model *m,
		       const struct mlw_score_options *opts, const char *path)
{
	double *x, *p;
	int ret;

	if (opts->proba && m->trainer->task != MLW_TASK_CLASSIFICATION)
		return mlw_error_setc(MLW_EINVALID,
				      "probabilities need a classifier; this model is a %s",
				      m->trainer->name);
	sc->m = m;
	sc->o = opts;
	sc->path = path;
	sc->delim = opts->delimiter ? opts->delimiter : ',';
	sc->nr_features = m->featurizer->nr_features;
	sc->nr_outputs = mlw_model_nr_outputs(m);
	sc->block_rows = BLOCK_BYTES / sizeof(double) /
			 (sc->nr_features + sc->nr_outputs + 1);
	if (sc->block_rows > BLOCK_ROWS)
		sc->block_rows = BLOCK_ROWS;
	if (!sc->block_rows)
		sc->block_rows = 1;
	x = mlw_calloc(sc->nr_features + 1, sizeof(double));
	p = mlw_calloc(sc->nr_outputs + 1, sizeof(double));
	ret = mlw_model_predict(p, m, x, 1, 1);
	free(x);
	free(p);
	return ret;
}

static int cmp_name_index(const void *a, const void *b, void *arg)
{
	char **names = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int c = strcmp(names[i], names[j]);

	return c ? c : (i > j) - (i < j);
}

/* the first header column named name (order: sorted), or nr_columns */
static size_t find_column(const struct scorer *sc, const size_t *order,
			  const char *name)
{
	size_t lo = 0, hi = sc->nr_columns;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(sc->names[order[mid]], name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < sc->nr_columns && !strcmp(sc->names[order[lo]], name))
		return order[lo];
	return sc->nr_columns;
}

/* header: names, roles; the output header; 0 or MLW_EINVALID */
static int read_header(struct scorer *sc, struct mlw_buf *out_header,
		       const char *p, const char *end)
{
	const struct mlw_featurizer *f = sc->m->featurizer;
	struct mlw_buf b = MLW_BUF_INIT;
	const char *start = p;
	size_t alloc = 0, i, c, *order;
	int st = MLW_CSV_FIELD;

	while (st == MLW_CSV_FIELD) {
		struct mlw_csv_field field;

		st = mlw_csv_field(&field, &p, end, sc->delim);
		if (st < 0) {
			mlw_buf_release(&b);
			return mlw_error_setc(MLW_EINVALID, "%s:1: %s", sc->path,
					      mlw_csv_strerror(st));
		}
		mlw_csv_unquote(&b, &field);
		MLW_ALLOC_GROW(sc->names, sc->nr_columns + 1, alloc);
		sc->names[sc->nr_columns++] = mlw_strdup(b.buf ? b.buf : "");
	}
	mlw_buf_release(&b);
	sc->role = mlw_malloc(mlw_st_mult(sc->nr_columns, sizeof(int)));
	for (c = 0; c < sc->nr_columns; c++)
		sc->role[c] = -1;
	order = mlw_malloc(mlw_st_mult(sc->nr_columns + 1, sizeof(size_t)));
	for (c = 0; c < sc->nr_columns; c++)
		order[c] = c;
	/* by name, then position: a binary search finds the first */
	qsort_r(order, sc->nr_columns, sizeof(*order), cmp_name_index,
		sc->names);
	for (i = 0; i < f->nr_inputs; i++) {
		c = find_column(sc, order, f->inputs[i].name);
		if (c == sc->nr_columns) {
			free(order);
			return mlw_error_setc(MLW_EINVALID,
					      "%s: no column '%s' (the model needs it)",
					      sc->path, f->inputs[i].name);
		}
		if (sc->role[c] < 0)
			sc->role[c] = (int)i;
	}
	free(order);
	if (sc->o->json)
		return (int)(p - start);
	if (sc->o->include_input) {
		const char *e = p;

		if (e > start && e[-1] == '\n')
			e--;
		if (e > start && e[-1] == '\r')
			e--;
		mlw_buf_add(out_header, start, (size_t)(e - start));
		mlw_buf_addch(out_header, sc->delim);
	}
	add_output_header(out_header, sc);
	return (int)(p - start);
}

static void release_scorer(struct scorer *sc)
{
	size_t c;

	for (c = 0; c < sc->nr_columns; c++)
		free(sc->names[c]);
	free(sc->names);
	free(sc->role);
}

static struct job *new_jobs(struct scorer *sc, size_t nr)
{
	struct job *jobs = mlw_calloc(nr, sizeof(*jobs));
	size_t t;

	for (t = 0; t < nr; t++) {
		jobs[t].sc = sc;
		jobs[t].X = mlw_calloc(sc->block_rows * sc->nr_features + 1,
				       sizeof(double));
		jobs[t].P = mlw_calloc(sc->block_rows * (sc->nr_outputs + 1),
				       sizeof(double));
		jobs[t].row_start = mlw_calloc(sc->block_rows, sizeof(char *));
		jobs[t].row_end = mlw_calloc(sc->block_rows, sizeof(char *));
		if (sc->o->row_numbers)
			jobs[t].row_no = mlw_calloc(sc->block_rows,
						    sizeof(size_t));
	}
	return jobs;
}

static void free_jobs(struct job *jobs, size_t nr)
{
	size_t t, e;

	for (t = 0; t < nr; t++) {
		for (e = 0; e < jobs[t].nr_errors; e++)
			free(jobs[t].errors[e].msg);
		free(jobs[t].errors);
		mlw_buf_release(&jobs[t].out);
		free(jobs[t].X);
		free(jobs[t].P);
		free(jobs[t].row_start);
		free(jobs[t].row_end);
		free(jobs[t].row_no);
	}
	free(jobs);
}

/* what finishing a scored buffer needs: where to report and write */
struct finish {
	const char *input;
	const struct mlw_score_options *opts;
	int out_fd;
	struct mlw_score_stats *stats;
	size_t *line, *nr_errors;
};

/* report the jobs' row errors and write their output, in order */
static int finish_jobs(struct job *jobs, size_t nr, struct finish *f)
{
	size_t t;
	int ret = 0;

	for (t = 0; t < nr && !ret; t++) {
		struct job *j = &jobs[t];
		size_t e;

		for (e = 0; e < j->nr_errors && !ret; e++) {
			char *msg = mlw_xstrfmt("%s:%zu: %s", f->input,
						*f->line + j->errors[e].line,
						j->errors[e].msg);

			(*f->nr_errors)++;
			if (f->opts->error_threshold >= 0 &&
			    *f->nr_errors > (size_t)f->opts->error_threshold)
				ret = mlw_error_setc(MLW_EINVALID, "%s", msg);
			else if (f->opts->on_error)
				f->opts->on_error(msg, f->opts->data);
			free(msg);
		}
		for (e = 0; e < j->nr_errors; e++)
			free(j->errors[e].msg);
		j->nr_errors = 0;
		if (ret)
			break;
		if (write_buf(f->out_fd, &j->out, "the output"))
			return -1;
		f->stats->bytes_out += j->out.len;
		if (j->out.alloc > f->stats->peak_buffer)
			f->stats->peak_buffer = j->out.alloc;
		f->stats->nr_rows += j->nr_rows;
		f->stats->nr_scored += j->nr_scored;
		*f->line += j->nr_lines;
	}
	return ret;
}

/*
 * The first buffer, buf[0..cut): a byte-order mark, the header (the
 * output's header written); the offset of the first row, or MLW_EINVALID
 * (an empty file, a column missing) or MLW_ERROR (I/O).
 */
static int start_output(struct scorer *sc, struct mlw_buf *header,
			const char *buf, size_t cut, int out_fd,
			struct mlw_score_stats *stats)
{
	size_t pos = 0;
	int hlen;

	if (cut >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3))
		pos = 3;
	if (pos == cut)
		return mlw_error_setc(MLW_EINVALID, "%s: empty file", sc->path);
	hlen = read_header(sc, header, buf + pos, buf + cut);
	if (hlen < 0)
		return hlen;
	if (sc->o->row_numbers)
		return (int)(pos + (size_t)hlen);	/* no header */
	if (!sc->o->json && write_buf(out_fd, header, "the output"))
		return -1;
	stats->bytes_out += header->len;
	return (int)(pos + (size_t)hlen);
}

/*
 * Read into buf[have..cap): the bytes now in buf (counted in
 * stats->bytes_in, *eof set at the end of the file), or -1 (I/O).
 */
static ssize_t fill(int fd, char *buf, size_t have, size_t cap, int *eof,
		    struct mlw_score_stats *stats, const char *input)
{
	ssize_t n = mlw_read_full(fd, buf + have, cap - have);

	if (n < 0)
		return mlw_error_errno("cannot read '%s'", input);
	*eof = (size_t)n < cap - have;
	stats->bytes_in += (size_t)n;
	return (ssize_t)have + n;
}

/* the rows [start, end) cut at row starts into nr jobs' shares */
static void cut_jobs(struct job *jobs, size_t nr, const char *start,
		     const char *end, int quotes)
{
	size_t t;

	for (t = 0; t < nr; t++) {
		const char *s = t ? jobs[t - 1].end : start;
		const char *e = t + 1 == nr ? end :
			row_start_after(s, s + (size_t)(end - start) / nr, end,
					quotes);

		if (e < s)
			e = s;
		jobs[t].start = s;
		jobs[t].end = e;
		jobs[t].nr_errors = jobs[t].nr_rows = 0;
		jobs[t].nr_scored = jobs[t].nr_lines = 0;
		mlw_buf_reset(&jobs[t].out);
	}
}

int mlw_score_csv(struct mlw_score_stats *stats, const struct mlw_model *m,
		  const char *input, int out_fd,
		  const struct mlw_score_options *opts)
{
	struct scorer sc = { 0 };
	struct mlw_buf header = MLW_BUF_INIT;
	struct job *sets[2];
	struct finish fin;
	size_t chunk = opts->chunk_size ? opts->chunk_size : (size_t)4 << 20;
	size_t cap, caps[2], have = 0, line = 2, nr_errors = 0, t;
	size_t rows_seen = 0;
	char *bufs[2];
	ssize_t n;
	int fd, nr_threads, ret = 0, eof = 0, started = 0, cur = 0, k;
	int pending = -1;

	memset(stats, 0, sizeof(*stats));
	ret = init_scorer(&sc, m, opts, input);
	if (ret)
		return ret;
	nr_threads = opts->nr_threads > 0 ? opts->nr_threads :
		     (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (nr_threads < 1 || opts->row_numbers)
		nr_threads = 1;	/* row numbers: each job after the last */
	if (nr_threads > MAX_THREADS)
		nr_threads = MAX_THREADS;

	fd = open(input, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int code = mlw_errno_code(errno);

		mlw_error_errno("cannot open '%s'", input);
		return mlw_error_recode(code);
	}
	fin.input = input;
	fin.opts = opts;
	fin.out_fd = out_fd;
	fin.stats = stats;
	fin.line = &line;
	fin.nr_errors = &nr_errors;
	/*
	 * Two buffers and two sets of jobs: while the threads score one
	 * buffer, this thread writes what the previous one produced and
	 * reads the next, so reading, parsing and writing overlap instead
	 * of taking turns (one core was idle most of the time).
	 */
	cap = chunk * (size_t)nr_threads + chunk;
	for (k = 0; k < 2; k++) {
		bufs[k] = mlw_malloc(cap);
		caps[k] = cap;
		sets[k] = new_jobs(&sc, (size_t)nr_threads);
	}
	n = fill(fd, bufs[0], 0, caps[0], &eof, stats, input);
	if (n < 0)
		ret = -1;
	else
		have = (size_t)n;
	while (!ret && (have || !eof)) {
		char *buf = bufs[cur];
		struct job *jobs = sets[cur];
		size_t len = have, cut, pos = 0, next_have = 0;
		const char *start, *end;
		int threaded, quotes = memchr(buf, '"', len) != NULL;

		cut = eof ? len : last_row_end(buf, len, quotes);
		if (!cut) {
			/* a row longer than the buffer: make room, read more */
			if (pending >= 0) {
				/* so that line counts every row before it */
				ret = finish_jobs(sets[pending],
						  (size_t)nr_threads, &fin);
				pending = -1;
				if (ret)
					break;
			}
			if (caps[cur] >= MAX_ROW_BYTES * 2) {
				ret = mlw_error_setc(MLW_EINVALID,
						     "%s:%zu: a row longer than %zu bytes",
						     input, started ? line : 1,
						     MAX_ROW_BYTES);
				break;
			}
			caps[cur] *= 2;
			bufs[cur] = buf = mlw_realloc(buf, caps[cur]);
			n = fill(fd, buf, have, caps[cur], &eof, stats, input);
			if (n < 0) {
				ret = -1;
				break;
			}
			have = (size_t)n;
			continue;
		}
		if (!started) {
			int hlen = start_output(&sc, &header, buf, cut, out_fd,
						stats);

			if (hlen < 0) {
				ret = hlen;
				break;
			}
			pos = (size_t)hlen;
			started = 1;
		}
		start = buf + pos;
		end = buf + cut;
		cut_jobs(jobs, (size_t)nr_threads, start, end, quotes);
		threaded = nr_threads > 1 && end - start >= (ptrdiff_t)(64 << 10);
		for (t = 0; threaded && t < (size_t)nr_threads; t++)
			if (pthread_create(&jobs[t].thread, NULL, score_job,
					   &jobs[t]))
				BUG("cannot create a thread");
		/* meanwhile: the previous buffer's results, the next read */
		if (pending >= 0) {
			ret = finish_jobs(sets[pending], (size_t)nr_threads,
					  &fin);
			pending = -1;
		}
		if (!eof && !ret) {
			char *nb;

			if (caps[!cur] < caps[cur]) {
				bufs[!cur] = mlw_realloc(bufs[!cur], caps[cur]);
				caps[!cur] = caps[cur];
			}
			nb = bufs[!cur];
			memcpy(nb, buf + cut, len - cut);
			n = fill(fd, nb, len - cut, caps[!cur], &eof, stats,
				 input);
			if (n < 0)
				ret = -1;
			else
				next_have = (size_t)n;
		}
		if (threaded)
			for (t = 0; t < (size_t)nr_threads; t++)
				pthread_join(jobs[t].thread, NULL);
		else
			for (t = 0; t < (size_t)nr_threads; t++) {
				jobs[t].first_row = rows_seen;
				score_job(&jobs[t]);
				rows_seen += jobs[t].nr_rows;
			}
		pending = cur;
		have = next_have;
		cur = !cur;
	}
	if (!ret && pending >= 0)
		ret = finish_jobs(sets[pending], (size_t)nr_threads, &fin);
	if (!ret && !started)
		ret = mlw_error_setc(MLW_EINVALID, "%s: empty file", input);
	stats->nr_errors = nr_errors;
	if (caps[0] + caps[1] > stats->peak_buffer)
		stats->peak_buffer = caps[0] + caps[1];
	for (k = 0; k < 2; k++) {
		free_jobs(sets[k], (size_t)nr_threads);
		free(bufs[k]);
	}
	close(fd);
	mlw_buf_release(&header);
	release_scorer(&sc);
	return ret;
}

/* the header line of the output for a dataset's columns */
static void dataset_header(struct mlw_buf *b, const struct scorer *sc,
			   const struct mlw_dataset *ds)
{
	size_t c;

	if (sc->o->json)
		return;
	for (c = 0; sc->o->include_input && c < ds->nr_columns; c++) {
		add_csv_text(b, ds->columns[c].name,
			     strlen(ds->columns[c].name), sc->delim);
		mlw_buf_addch(b, sc->delim);
	}
	add_output_header(b, sc);
}

/* row r of ds as the trainers see it, CSV cells or JSON members */
static void dataset_row(struct mlw_buf *b, const struct scorer *sc,
			const struct mlw_dataset *ds, size_t r)
{
	size_t c;

	for (c = 0; c < ds->nr_columns; c++) {
		const struct mlw_column *col = &ds->columns[c];
		double v = mlw_dataset_column(ds, c)[r];
		const char *text = NULL;

		if (col->type == MLW_COLUMN_CATEGORICAL && !isnan(v))
			text = col->categories[(size_t)v];
		else if (col->type == MLW_COLUMN_BOOLEAN && !isnan(v))
			text = v ? "true" : "false";
		if (sc->o->json) {
			add_json_text(b, col->name, strlen(col->name));
			mlw_buf_addch(b, ':');
			if (isnan(v))
				mlw_buf_adds(b, "null");
			else if (col->type == MLW_COLUMN_BOOLEAN)
				mlw_buf_adds(b, text);
			else if (text)
				add_json_text(b, text, strlen(text));
			else
				add_number(b, v);
			mlw_buf_addch(b, ',');
			continue;
		}
		if (text)
			add_csv_text(b, text, strlen(text), sc->delim);
		else if (!isnan(v))
			add_number(b, v);
		mlw_buf_addch(b, sc->delim);
	}
}

int mlw_score_dataset(struct mlw_score_stats *stats, const struct mlw_model *m,
		      const struct mlw_dataset *ds, int out_fd,
		      const struct mlw_score_options *opts)
{
	struct scorer sc = { 0 };
	struct mlw_buf out = MLW_BUF_INIT;
	size_t B, start, i;
	size_t *rows;
	double *P;
	int ret;

	memset(stats, 0, sizeof(*stats));
	ret = init_scorer(&sc, m, opts, ds->path);
	if (ret)
		return ret;
	B = sc.block_rows;
	rows = mlw_malloc(mlw_st_mult(B, sizeof(size_t)));
	P = mlw_malloc(mlw_st_mult(mlw_st_mult(B, sc.nr_outputs + 1),
				   sizeof(double)));
	dataset_header(&out, &sc, ds);
	for (start = 0; start < ds->nr_rows && !ret; start += B) {
		size_t n = ds->nr_rows - start < B ? ds->nr_rows - start : B;
		double *X;

		for (i = 0; i < n; i++)
			rows[i] = start + i;
		ret = mlw_featurizer_apply(&X, m->featurizer, ds, rows, n);
		if (ret)
			break;
		ret = mlw_model_predict(P, m, X, n, 1);
		mlw_big_free(X, n * sc.nr_features * sizeof(double));
		if (ret)
			break;
		for (i = 0; i < n; i++) {
			if (opts->json)
				mlw_buf_addch(&out, '{');
			if (opts->include_input)
				dataset_row(&out, &sc, ds, start + i);
			add_prediction(&out, &sc, P, n, i);
		}
		stats->nr_rows += n;
		stats->nr_scored += n;
		if (out.len >= BLOCK_BYTES) {
			ret = write_buf(out_fd, &out, "the output");
			stats->bytes_out += out.len;
			mlw_buf_reset(&out);
		}
	}
	if (!ret) {
		ret = write_buf(out_fd, &out, "the output");
		stats->bytes_out += out.len;
	}
	stats->bytes_in = ds->file_size;
	mlw_buf_release(&out);
	free(rows);
	free(P);
	return ret;
}

/*
 * payload.c - scoring requests into frames, predictions into answers;
 * see payload.h.
 *
 * JSON bodies are parsed by jansson, and the document is kept with the
 * frame: string cells point into it instead of being copied.  CSV
 * bodies are read with the project's RFC 4180 field scanner and number
 * parser (ml/csv.h), in two passes over the text: one to count and check
 * the rows, one to fill the cells, whose strings are copied into blocks
 * the frame owns.
 */
#include "http/payload.h"
#include "util/json.h"
#include "ml/csv.h"
#include "ml/dataset.h"
#include "ml/score-frame.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/number.h"

#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* --- frames (ml/frame.h) */

const char *mlw_payload_form_name(enum mlw_payload_form form)
{
	switch (form) {
	case MLW_FORM_AZURE_SPLIT:
		return "input_data (split)";
	case MLW_FORM_AZURE_TENSOR:
		return "input_data (tensor)";
	case MLW_FORM_AZURE_NAMED:
		return "input_data (named tensors)";
	case MLW_FORM_DATAFRAME_SPLIT:
		return "dataframe_split";
	case MLW_FORM_DATAFRAME_RECORDS:
		return "dataframe_records";
	case MLW_FORM_INSTANCES:
		return "instances";
	case MLW_FORM_INPUTS:
		return "inputs";
	case MLW_FORM_CSV:
		return "text/csv";
	}
	return "?";
}

/* --- errors */

/* MLW_EINVALID with the message; *status set for the HTTP answer */
static int fail(int *status, int http, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(int *status, int http, const char *fmt, ...)
{
	struct mlw_buf msg = MLW_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	mlw_buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	*status = http;
	mlw_error_setc(MLW_EINVALID, "%s", msg.buf);
	mlw_buf_release(&msg);
	return MLW_EINVALID;
}

/* a JSON path for messages: where, where[i], where[i][j] */
struct path {
	const char *where;
	long i, j;		/* -1: absent */
	const char *key;	/* where.key when set (instead of [j]) */
};

static const char *path_text(const struct path *p, char *out, size_t size)
{
	struct mlw_buf b = MLW_BUF_INIT;

	mlw_buf_adds(&b, p->where);
	if (p->i >= 0)
		mlw_buf_addf(&b, "[%ld]", p->i);
	if (p->key)
		mlw_buf_addf(&b, ".%s", p->key);
	else if (p->j >= 0)
		mlw_buf_addf(&b, "[%ld]", p->j);
	snprintf(out, size, "%s", b.buf);
	mlw_buf_release(&b);
	return out;
}

static const char *json_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "a list";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

/* --- cells from JSON */

static int is_scalar(const json_t *v)
{
	return !json_is_array(v) && !json_is_object(v);
}

/* v into cell; a list or an object is not a cell */
static int json_cell(struct mlw_cell *cell, const json_t *v,
		     const struct path *p, int *status)
{
	char where[256];

	switch (json_typeof(v)) {
	case JSON_STRING:
		cell->type = MLW_CELL_STRING;
		cell->text = json_string_value(v);
		cell->len = json_string_length(v);
		return 0;
	case JSON_INTEGER:
		cell->type = MLW_CELL_NUMBER;
		cell->number = (double)json_integer_value(v);
		return 0;
	case JSON_REAL:
		cell->type = MLW_CELL_NUMBER;
		cell->number = json_real_value(v);
		return 0;
	case JSON_TRUE:
	case JSON_FALSE:
		cell->type = MLW_CELL_BOOL;
		cell->boolean = json_is_true(v);
		return 0;
	case JSON_NULL:
		cell->type = MLW_CELL_NULL;
		return 0;
	default:
		return fail(status, 400,
			    "'%s' is %s; a value is a number, a string, a boolean or null",
			    path_text(p, where, sizeof(where)), json_kind(v));
	}
}

static int check_cells(size_t rows, size_t columns, const char *where,
		       int *status)
{
	if (columns && rows > MLW_PAYLOAD_MAX_CELLS / columns)
		return fail(status, 400,
			    "'%s' has %zu rows of %zu columns; at most %u values are taken",
			    where, rows, columns, MLW_PAYLOAD_MAX_CELLS);
	return 0;
}

/* "0", "1", ... columns for forms without names */
static void add_positional(struct mlw_frame *f, size_t n)
{
	char name[32];
	size_t i;

	f->positional = 1;
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%zu", i);
		mlw_frame_add_column(f, name);
	}
}

/* rows: a list of lists of values (ragged rows refused) */
static int fill_rows(struct mlw_frame *f, const json_t *rows,
		     const char *where, int *status)
{
	size_t r, c;

	for (r = 0; r < f->nr_rows; r++) {
		const json_t *row = json_array_get(rows, r);
		struct path p = { where, (long)r, -1, NULL };
		char at[256];

		if (!json_is_array(row))
			return fail(status, 400,
				    "'%s' is %s; a row is a list of values",
				    path_text(&p, at, sizeof(at)),
				    json_kind(row));
		if (json_array_size(row) != f->nr_columns)
			return fail(status, 400,
				    "'%s' has %zu values for %zu columns",
				    path_text(&p, at, sizeof(at)),
				    json_array_size(row), f->nr_columns);
		for (c = 0; c < f->nr_columns; c++) {
			p.j = (long)c;
			if (json_cell(&f->columns[c].cells[r],
				      json_array_get(row, c), &p, status))
				return MLW_EINVALID;
		}
	}
	return 0;
}

/* the split orient: {"columns": [...], "index": [...], "data": [[...]]} */
static int parse_split(struct mlw_frame *f, const json_t *v,
		       const char *where, int *status)
{
	const json_t *columns = json_object_get(v, "columns");
	const json_t *data = json_object_get(v, "data");
	const json_t *index = json_object_get(v, "index");
	const char *key;
	json_t *x;
	size_t i, n;
	char at[256];

	json_object_foreach((json_t *)v, key, x) {
		if (strcmp(key, "columns") && strcmp(key, "data") &&
		    strcmp(key, "index"))
			return fail(status, 400,
				    "'%s' has an unknown key '%s'; the split orient has 'columns', 'index' and 'data'",
				    where, key);
	}
	if (!json_is_array(data))
		return fail(status, 400,
			    "'%s.data' must be a list of rows, like {\"columns\": [\"a\", \"b\"], \"data\": [[1, 2]]}%s",
			    where, data ? "" : " (it is missing)");
	if (columns && !json_is_array(columns))
		return fail(status, 400,
			    "'%s.columns' must be a list of column names", where);
	f->nr_rows = json_array_size(data);
	if (index && (!json_is_array(index) ||
		      json_array_size(index) != f->nr_rows))
		return fail(status, 400,
			    "'%s.index' must be a list of one label a row (%zu rows)",
			    where, f->nr_rows);
	if (columns) {
		n = json_array_size(columns);
		if (check_cells(f->nr_rows, n, where, status))
			return MLW_EINVALID;
		for (i = 0; i < n; i++) {
			const json_t *name = json_array_get(columns, i);
			struct path p = { where, -1, -1, NULL };

			snprintf(at, sizeof(at), "%s.columns", where);
			p.where = at;
			p.i = (long)i;
			if (json_is_string(name)) {
				mlw_frame_add_column(f, json_string_value(name));
			} else if (json_is_integer(name)) {
				char num[32];

				snprintf(num, sizeof(num), "%lld",
					 (long long)json_integer_value(name));
				mlw_frame_add_column(f, num);
			} else {
				char text[256];

				return fail(status, 400,
					    "'%s' is %s; a column name is a string",
					    path_text(&p, text, sizeof(text)),
					    json_kind(name));
			}
		}
	} else {
		const json_t *first = json_array_get(data, 0);

		n = json_is_array(first) ? json_array_size(first) : 0;
		if (check_cells(f->nr_rows, n, where, status))
			return MLW_EINVALID;
		add_positional(f, n);
	}
	snprintf(at, sizeof(at), "%s.data", where);
	return fill_rows(f, data, at, status);
}

/* the column of records for key, found from the hint position first */
static struct mlw_frame_column *record_column(struct mlw_frame *f,
					      const char *key, size_t hint,
					      const char *where, int *status)
{
	long found;

	if (hint < f->nr_columns && !strcmp(f->columns[hint].name, key))
		return &f->columns[hint];
	found = mlw_frame_find(f, key);
	if (found >= 0)
		return &f->columns[found];
	if (check_cells(f->nr_rows, f->nr_columns + 1, where, status))
		return NULL;
	return mlw_frame_add_column(f, key);
}

/* records: [{"a": 1, "b": 2}, ...]; a missing key is null */
static int parse_records(struct mlw_frame *f, const json_t *list,
			 const char *where, int *status)
{
	size_t r;

	f->nr_rows = json_array_size(list);
	for (r = 0; r < f->nr_rows; r++) {
		const json_t *rec = json_array_get(list, r);
		struct path p = { where, (long)r, -1, NULL };
		const char *key;
		json_t *v;
		size_t k = 0;
		char at[256];

		if (!json_is_object(rec))
			return fail(status, 400,
				    "'%s' is %s; a record is an object {\"column\": value, ...}",
				    path_text(&p, at, sizeof(at)),
				    json_kind(rec));
		json_object_foreach((json_t *)rec, key, v) {
			struct mlw_frame_column *c;

			c = record_column(f, key, k++, where, status);
			if (!c)
				return MLW_EINVALID;
			p.key = key;
			if (json_cell(&c->cells[r], v, &p, status))
				return MLW_EINVALID;
		}
	}
	return 0;
}

/*
 * A list of rows as TF-serving's "instances" and Azure's tensors have
 * them: lists (a 2-D tensor, positional columns), values (a 1-D tensor:
 * one column), or records when records is set.
 */
static int parse_list(struct mlw_frame *f, const json_t *list,
		      const char *where, int records, int *status)
{
	const json_t *first = json_array_get(list, 0);
	size_t r, n = json_array_size(list);
	char at[256];

	if (!n)
		return 0;
	if (json_is_object(first)) {
		if (!records)
			return fail(status, 400,
				    "'%s' is a list of records, which Azure ML does not take for MLflow models: send {\"input_data\": {\"columns\": [...], \"data\": [[...]]}} (records go to /invocations as dataframe_records)",
				    where);
		return parse_records(f, list, where, status);
	}
	if (json_is_array(first)) {
		f->nr_rows = n;
		if (check_cells(n, json_array_size(first), where, status))
			return MLW_EINVALID;
		add_positional(f, json_array_size(first));
		return fill_rows(f, list, where, status);
	}
	f->nr_rows = n;
	add_positional(f, 1);
	for (r = 0; r < n; r++) {
		const json_t *v = json_array_get(list, r);
		struct path p = { where, (long)r, -1, NULL };

		if (!is_scalar(v))
			return fail(status, 400,
				    "'%s' is %s but '%s[0]' is a value; a tensor's rows are all lists or all values",
				    path_text(&p, at, sizeof(at)), json_kind(v),
				    where);
		if (json_cell(&f->columns[0].cells[r], v, &p, status))
			return MLW_EINVALID;
	}
	return 0;
}

/*
 * Named columns: {"a": [1, 2], "b": [3, 4]}; with scalars_ok, all
 * values scalars make one row ({"a": 1, "b": 3}), as TF serving's
 * columnar "inputs" has it.
 */
static int parse_named(struct mlw_frame *f, const json_t *obj,
		       const char *where, int scalars_ok, int *status)
{
	const char *key, *first_key = NULL;
	json_t *v;
	size_t r, rows = 0;
	int scalars = -1;
	char at[256];

	json_object_foreach((json_t *)obj, key, v) {
		struct path p = { where, -1, -1, key };
		int scalar = is_scalar(v);

		if (scalar && !scalars_ok)
			return fail(status, 400,
				    "'%s' is %s; a named tensor is a list of values",
				    path_text(&p, at, sizeof(at)), json_kind(v));
		if (!scalar && !json_is_array(v))
			return fail(status, 400,
				    "'%s' is %s; a named input is a list of values",
				    path_text(&p, at, sizeof(at)), json_kind(v));
		if (scalars < 0) {
			scalars = scalar;
			rows = scalar ? 1 : json_array_size(v);
			first_key = key;
		} else if (scalar != scalars ||
			   (!scalar && json_array_size(v) != rows)) {
			return fail(status, 400,
				    "'%s.%s' has %zu values but '%s.%s' has %zu; named inputs are columns of one length",
				    where, key, scalar ? 1 : json_array_size(v),
				    where, first_key, rows);
		}
	}
	f->nr_rows = rows;
	if (check_cells(rows, json_object_size(obj), where, status))
		return MLW_EINVALID;
	json_object_foreach((json_t *)obj, key, v) {
		struct mlw_frame_column *c = mlw_frame_add_column(f, key);
		struct path p = { where, -1, -1, NULL };

		snprintf(at, sizeof(at), "%s.%s", where, key);
		p.where = at;
		if (scalars) {
			if (json_cell(&c->cells[0], v, &p, status))
				return MLW_EINVALID;
			continue;
		}
		for (r = 0; r < rows; r++) {
			p.i = (long)r;
			if (json_cell(&c->cells[r], json_array_get(v, r), &p,
				      status))
				return MLW_EINVALID;
		}
	}
	return 0;
}

static int take_params(struct mlw_frame *f, json_t *doc, int *status)
{
	json_t *params = json_object_get(doc, "params");

	if (!params)
		return 0;
	if (!json_is_object(params))
		return fail(status, 400, "'params' must be an object, not %s",
			    json_kind(params));
	f->params = json_incref(params);
	return 0;
}

static int parse_azure(struct mlw_frame *f, json_t *doc, int *status)
{
	const json_t *in = json_object_get(doc, "input_data");

	if (!json_is_object(doc) || !in)
		return fail(status, 400,
			    "expected a JSON object with 'input_data': {\"input_data\": {\"columns\": [...], \"index\": [...], \"data\": [[...]]}}%s%s",
			    json_is_object(doc) ? "" : ", not ",
			    json_is_object(doc) ? "" : json_kind(doc));
	if (take_params(f, doc, status))
		return MLW_EINVALID;
	if (json_is_array(in)) {
		f->form = MLW_FORM_AZURE_TENSOR;
		return parse_list(f, in, "input_data", 0, status);
	}
	if (!json_is_object(in))
		return fail(status, 400,
			    "'input_data' is %s; expected {\"columns\": [...], \"data\": [[...]]} or a list of rows",
			    json_kind(in));
	if (json_object_get(in, "data") || json_object_get(in, "columns") ||
	    json_object_get(in, "index")) {
		f->form = MLW_FORM_AZURE_SPLIT;
		return parse_split(f, in, "input_data", status);
	}
	f->form = MLW_FORM_AZURE_NAMED;
	return parse_named(f, in, "input_data", 0, status);
}

static const char *const mlflow_forms[] = {
	"dataframe_split", "dataframe_records", "instances", "inputs", NULL
};

#define MLFLOW_REQUIRED "The input must be a JSON dictionary with exactly one of the input fields {'dataframe_split', 'dataframe_records', 'instances', 'inputs'}"

static int parse_mlflow(struct mlw_frame *f, json_t *doc, int *status)
{
	const char *form = NULL, *key;
	struct mlw_buf keys = MLW_BUF_INIT;
	json_t *v, *in;
	int nr = 0, i, ret;

	if (json_is_array(doc))
		return fail(status, 400, "%s. Received a list.",
			    MLFLOW_REQUIRED);
	if (!json_is_object(doc))
		return fail(status, 400,
			    "%s. Received unexpected input type '%s'.",
			    MLFLOW_REQUIRED, json_kind(doc));
	json_object_foreach(doc, key, v) {
		for (i = 0; mlflow_forms[i]; i++)
			if (!strcmp(key, mlflow_forms[i])) {
				form = mlflow_forms[i];
				nr++;
			}
	}
	if (nr != 1) {
		json_object_foreach(doc, key, v) {
			mlw_buf_adds(&keys, keys.len ? ", '" : "'");
			mlw_buf_adds(&keys, key);
			mlw_buf_addch(&keys, '\'');
		}
		ret = fail(status, 400,
			   "%s. Received dictionary with input fields: [%s].",
			   MLFLOW_REQUIRED, keys.buf);
		mlw_buf_release(&keys);
		return ret;
	}
	if (take_params(f, doc, status))
		return MLW_EINVALID;
	in = json_object_get(doc, form);
	if (!strcmp(form, "dataframe_split")) {
		f->form = MLW_FORM_DATAFRAME_SPLIT;
		if (!json_is_object(in))
			return fail(status, 400,
				    "'dataframe_split' is %s; expected {\"columns\": [...], \"data\": [[...]]}",
				    json_kind(in));
		return parse_split(f, in, form, status);
	}
	if (!strcmp(form, "dataframe_records")) {
		f->form = MLW_FORM_DATAFRAME_RECORDS;
		if (!json_is_array(in))
			return fail(status, 400,
				    "'dataframe_records' is %s; expected a list of records [{\"column\": value, ...}]",
				    json_kind(in));
		return parse_records(f, in, form, status);
	}
	if (!strcmp(form, "instances")) {
		f->form = MLW_FORM_INSTANCES;
		if (!json_is_array(in))
			return fail(status, 400,
				    "'instances' is %s; expected a list of rows",
				    json_kind(in));
		return parse_list(f, in, form, 1, status);
	}
	f->form = MLW_FORM_INPUTS;
	if (json_is_array(in))
		return parse_list(f, in, form, 1, status);
	if (!json_is_object(in))
		return fail(status, 400,
			    "'inputs' is %s; expected {\"column\": [values], ...} or a list of rows",
			    json_kind(in));
	return parse_named(f, in, form, 1, status);
}

/*
 * --- the split orient read straight into the frame (the hot path)
 *
 * {"input_data": {"columns": [...], "index": [...], "data": [[...]]}}
 * and MLflow's {"dataframe_split": {...}}, with column names and string
 * cells of plain ASCII without escapes, are scanned once into the frame
 * without building a jansson document (a tree of allocations a value).
 * The scanner takes only what it is sure of: any other shape, any doubt
 * (an escape, a byte past ASCII, a key twice, a ragged row, an integer
 * too long for 64 bits), and malformed JSON of every kind, drop what
 * it read and go to jansson and the code above, so that every answer
 * and every message, byte offsets included, is theirs.  Values go
 * straight into their columns (the first row read whole to learn the
 * width, the rest reserved from its size).  Numbers
 * are the doubles jansson gives: an integer through a 64-bit integer, a
 * real correctly rounded (one multiplication or division when the
 * digits and the power of ten are exact doubles, else
 * mlw_decimal_to_double(), else strtod()).  Every read is bounded by the body's
 * end.
 */
struct scan {
	const char *p, *end;
	struct mlw_frame *f;		/* the frame's strings go here */
	/*
	 * The data, column by column as the frame holds it: column c's
	 * cells from slab[c * alloc_rows], one allocation for all
	 */
	struct mlw_cell *slab;
	size_t width;			/* (size_t)-1 until the first row */
	size_t nr_rows, alloc_rows;
	struct mlw_cell *first;		/* the first row, read to learn width */
	size_t nr_first, alloc_first;
	struct mlw_cell *names;		/* the column names */
	size_t nr_names, alloc_names;
	size_t nr_index;
};

#define SCAN_NO (-1)	/* not for the scanner: jansson decides */

static inline void scan_blanks(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' ||
				 *s->p == '\r' || *s->p == '\t'))
		s->p++;
}

/* c (after blanks) taken: 1; anything else: 0 */
static inline int scan_take(struct scan *s, char c)
{
	scan_blanks(s);
	if (s->p < s->end && *s->p == c) {
		s->p++;
		return 1;
	}
	return 0;
}

/* a string of printable ASCII without escapes; text points into body */
static int scan_string(struct scan *s, const char **text, size_t *len)
{
	const char *q;

	scan_blanks(s);
	if (s->p >= s->end || *s->p != '"')
		return SCAN_NO;
	for (q = s->p + 1; q < s->end; q++) {
		unsigned char ch = (unsigned char)*q;

		if (ch == '"') {
			*text = s->p + 1;
			*len = (size_t)(q - s->p - 1);
			s->p = q + 1;
			return 0;
		}
		if (ch == '\\' || ch < 0x20 || ch >= 0x7f)
			return SCAN_NO;
	}
	return SCAN_NO;
}

static int is_digit(const char *p, const char *end)
{
	return p < end && *p >= '0' && *p <= '9';
}

/*
 * Eight decimal digits at p (p + 8 <= end) as their value in *out, or 0
 * when they are not all digits.  One load, a test of every byte at once
 * and three multiplications, as simdjson does: a 1,000-row request of
 * 16-digit fractions spent half the server's time in the digit loop.
 */
static int eight_digits(const char *p, uint64_t *out)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t v;

	memcpy(&v, p, 8);
	if (((v & UINT64_C(0xF0F0F0F0F0F0F0F0)) |
	     (((v + UINT64_C(0x0606060606060606)) &
	       UINT64_C(0xF0F0F0F0F0F0F0F0)) >> 4)) !=
	    UINT64_C(0x3333333333333333))
		return 0;
	v = ((v & UINT64_C(0x0F0F0F0F0F0F0F0F)) * 2561) >> 8;
	v = ((v & UINT64_C(0x00FF00FF00FF00FF)) * 6553601) >> 16;
	*out = ((v & UINT64_C(0x0000FFFF0000FFFF)) *
		UINT64_C(42949672960001)) >> 32;
	return 1;
#else
	(void)p;
	(void)out;
	return 0;
#endif
}

/* a JSON number (RFC 8259's grammar) as jansson reads it */
static int scan_number(struct scan *s, double *out)
{
	const char *p = s->p, *end = s->end, *start = s->p;
	uint64_t m = 0;
	long exp10 = 0, e = 0;
	int neg = 0, real = 0, digits = 0, exact = 1, eneg = 0, edigits = 0;

	if (p < end && *p == '-') {
		neg = 1;
		p++;
	}
	if (!is_digit(p, end))
		return SCAN_NO;
	if (*p == '0') {
		p++;
	} else {
		for (; is_digit(p, end); p++) {
			if (digits < 19)
				m = m * 10 + (uint64_t)(*p - '0');
			else
				exact = 0;
			digits++;
		}
	}
	if (p < end && *p == '.') {
		real = 1;
		p++;
		if (!is_digit(p, end))
			return SCAN_NO;
		for (;;) {
			uint64_t eight;

			/* past leading zeros, 8 at a time while m holds them */
			if (digits && digits <= 11 && end - p >= 8 &&
			    eight_digits(p, &eight)) {
				m = m * 100000000 + eight;
				exp10 -= 8;
				digits += 8;
				p += 8;
				continue;
			}
			if (!is_digit(p, end))
				break;
			if (!digits && *p == '0') {
				exp10--;	/* leading zeros: 0.000123 */
				p++;
				continue;
			}
			if (digits < 19) {
				m = m * 10 + (uint64_t)(*p - '0');
				exp10--;
			} else {
				exact = 0;
			}
			digits++;
			p++;
		}
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		real = 1;
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			eneg = *p++ == '-';
		if (!is_digit(p, end))
			return SCAN_NO;
		for (; is_digit(p, end); p++) {
			if (edigits < 6)
				e = e * 10 + (*p - '0');
			else
				exact = 0;
			edigits++;
		}
		exp10 += eneg ? -e : e;
	}
	s->p = p;
	if (!real) {
		/* jansson: an integer of 64 bits, as a double */
		if (digits > 18)
			return SCAN_NO;
		*out = (double)(neg ? -(int64_t)m : (int64_t)m);
		return 0;
	}
	if (exact && m <= (UINT64_C(1) << 53) && exp10 >= -22 &&
	    exp10 <= 22) {
		/* both exact: one rounding, as strtod's */
		double v = (double)m;

		v = exp10 < 0 ? v / mlw_exact_pow10[-exp10] :
		    v * mlw_exact_pow10[exp10];
		*out = neg ? -v : v;
		return 0;
	}
	/* up to 19 digits, correctly rounded (util/number.h) */
	if (exact && m && !mlw_decimal_to_double(out, m, exp10, neg))
		return 0;
	{
		char text[64];
		size_t len = (size_t)(p - start);
		double v;

		if (len >= sizeof(text))
			return SCAN_NO;
		memcpy(text, start, len);
		text[len] = '\0';
		v = strtod(text, NULL);
		if (isinf(v))
			return SCAN_NO;	/* jansson's "real number overflow" */
		*out = v;
		return 0;
	}
}

/*
 * The number a request of numbers is made of, [-]D[.D] with at most 19
 * digits in all and no exponent, read with no bound to check (it is
 * called only with PLAIN_ROOM bytes or more left, more than such a number
 * can span: at 24 characters it gives up).  1 and *out; 0 when the
 * number is not of that kind or is not sure to be exact, with s->p
 * unmoved, for scan_number() to read it.  One test a character: the
 * general reader's bounds, flags and eight-digit attempts cost a
 * 1,000-row request more than the rest of its answer.
 */
#define PLAIN_ROOM 32

static inline int scan_plain_number(struct scan *s, double *out)
{
	const char *p = s->p, *start;
	uint64_t m = 0;
	unsigned d;
	int neg = 0, frac = 0;

	if (*p == '-') {
		neg = 1;
		p++;
	}
	start = p;
	d = (unsigned char)*p - '0';
	if (d > 9)
		return 0;
	if (!d) {
		p++;
		if ((unsigned char)*p - '0' <= 9)
			return 0;	/* 01: jansson says no */
	} else {
		do {
			m = m * 10 + d;
			d = (unsigned char)*++p - '0';
		} while (d <= 9 && p - start < 20);
	}
	if (*p == '.') {
		const char *dot = ++p;

		d = (unsigned char)*p - '0';
		if (d > 9)
			return 0;
		do {
			m = m * 10 + d;
			d = (unsigned char)*++p - '0';
		} while (d <= 9 && p - start < 21);
		frac = (int)(p - dot);
		if (p - start - 1 > 19)
			return 0;
	} else if (p - start > 18) {
		return 0;	/* an integer past 18 digits: scan_number's */
	}
	if (*p == 'e' || *p == 'E' || (d <= 9) ||
	    m > (UINT64_C(1) << 53) || frac > 22)
		return 0;
	if (!frac) {
		*out = (double)(neg ? -(int64_t)m : (int64_t)m);
	} else {
		/* both exact: one rounding, as strtod's */
		double v = (double)m / mlw_exact_pow10[frac];

		*out = neg ? -v : v;
	}
	s->p = p;
	return 1;
}

/* a value that is a cell: a string, a number, true, false, null */
static int scan_cell(struct scan *s, struct mlw_cell *c)
{
	size_t left;

	scan_blanks(s);
	if (s->p >= s->end)
		return SCAN_NO;
	left = (size_t)(s->end - s->p);
	if (left >= PLAIN_ROOM && scan_plain_number(s, &c->number)) {
		c->type = MLW_CELL_NUMBER;
		c->boolean = 0;
		c->text = NULL;
		c->len = 0;
		return 0;
	}
	memset(c, 0, sizeof(*c));
	switch (*s->p) {
	case '"': {
		const char *text;
		size_t len;

		if (scan_string(s, &text, &len))
			return SCAN_NO;
		/* a copy the frame owns: the body is the caller's */
		mlw_frame_set_text(s->f, c, text, len);
		return 0;
	}
	case 't':
		if (left < 4 || memcmp(s->p, "true", 4))
			return SCAN_NO;
		s->p += 4;
		c->type = MLW_CELL_BOOL;
		c->boolean = 1;
		return 0;
	case 'f':
		if (left < 5 || memcmp(s->p, "false", 5))
			return SCAN_NO;
		s->p += 5;
		c->type = MLW_CELL_BOOL;
		return 0;
	case 'n':
		if (left < 4 || memcmp(s->p, "null", 4))
			return SCAN_NO;
		s->p += 4;
		c->type = MLW_CELL_NULL;
		return 0;
	default:
		c->type = MLW_CELL_NUMBER;
		return scan_number(s, &c->number);
	}
}

/*
 * A list of cells into *cells (grown), *nr counting them; with width
 * set, *width is checked against (or, when (size_t)-1, set to) the
 * list's length.  strings_only for column names: their text points into
 * the body, not NUL-terminated, for the frame to copy once (a copy here
 * and another in the frame's column had cost a 1-row request of ten
 * columns a tenth of its parse).
 */
static int scan_cells(struct scan *s, struct mlw_cell **cells, size_t *nr,
		      size_t *alloc, size_t *width, int strings_only)
{
	size_t n = 0;

	if (!scan_take(s, '['))
		return SCAN_NO;
	if (!scan_take(s, ']')) {
		do {
			struct mlw_cell *c;

			if (*nr >= MLW_PAYLOAD_MAX_CELLS)
				return SCAN_NO;
			MLW_ALLOC_GROW(*cells, *nr + 1, *alloc);
			c = &(*cells)[*nr];
			if (strings_only) {
				memset(c, 0, sizeof(*c));
				c->type = MLW_CELL_STRING;
				if (scan_string(s, &c->text, &c->len))
					return SCAN_NO;
			} else if (scan_cell(s, c)) {
				return SCAN_NO;
			}
			(*nr)++;
			n++;
		} while (scan_take(s, ','));
		if (!scan_take(s, ']'))
			return SCAN_NO;
	}
	if (width && *width == (size_t)-1)
		*width = n;
	else if (width && *width != n)
		return SCAN_NO;
	return 0;
}

/*
 * A list of labels ("index"): checked and counted into *nr, not kept
 * (a string is not copied into the frame).
 */
static int scan_labels(struct scan *s, size_t *nr)
{
	struct mlw_cell c;

	if (!scan_take(s, '['))
		return SCAN_NO;
	if (scan_take(s, ']'))
		return 0;
	do {
		const char *text;
		size_t len;

		if (*nr >= MLW_PAYLOAD_MAX_CELLS)
			return SCAN_NO;
		scan_blanks(s);
		if (s->p < s->end && *s->p == '"') {
			if (scan_string(s, &text, &len))
				return SCAN_NO;
		} else if (scan_cell(s, &c)) {
			return SCAN_NO;
		}
		(*nr)++;
	} while (scan_take(s, ','));
	return scan_take(s, ']') ? 0 : SCAN_NO;
}

/* room for row r in every column, at least hint rows */
static void grow_rows(struct scan *s, size_t r, size_t hint)
{
	struct mlw_cell *slab;
	size_t c, alloc;

	if (r < s->alloc_rows)
		return;
	alloc = s->alloc_rows ? s->alloc_rows * 2 : hint > r ? hint : r + 1;
	slab = mlw_malloc(mlw_st_mult(mlw_st_mult(alloc, s->width ? s->width :
						  1), sizeof(*slab)));
	for (c = 0; s->slab && c < s->width; c++)
		memcpy(slab + c * alloc, s->slab + c * s->alloc_rows,
		       s->nr_rows * sizeof(*slab));
	free(s->slab);
	s->slab = slab;
	s->alloc_rows = alloc;
}

/*
 * "data": rows of one width, each value into its column; the first row
 * is read whole to learn the width.
 */
static int scan_rows(struct scan *s)
{
	size_t c, r;

	if (!scan_take(s, '['))
		return SCAN_NO;
	if (scan_take(s, ']'))
		return 0;
	do {
		r = s->nr_rows;
		if (r >= MLW_PAYLOAD_MAX_CELLS ||
		    (s->width != (size_t)-1 && s->width &&
		     r >= MLW_PAYLOAD_MAX_CELLS / s->width))
			return SCAN_NO;
		if (!r) {
			const char *start = s->p;
			size_t hint;

			if (scan_cells(s, &s->first, &s->nr_first,
				       &s->alloc_first, &s->width, 0))
				return SCAN_NO;
			/* as many rows as the rest would hold of this one */
			hint = (size_t)(s->end - s->p) /
			       ((size_t)(s->p - start) + 1) + 1;
			if (hint > 65536)
				hint = 65536;
			grow_rows(s, 0, hint);
			for (c = 0; c < s->width; c++)
				s->slab[c * s->alloc_rows] = s->first[c];
		} else {
			struct mlw_cell *cell;

			grow_rows(s, r, 0);
			if (!scan_take(s, '['))
				return SCAN_NO;
			cell = s->slab + r;
			for (c = 0; c < s->width; c++) {
				if ((c && !scan_take(s, ',')) ||
				    scan_cell(s, cell))
					return SCAN_NO;
				cell += s->alloc_rows;
			}
			if (!scan_take(s, ']'))
				return SCAN_NO;
		}
		s->nr_rows++;
	} while (scan_take(s, ','));
	return scan_take(s, ']') ? 0 : SCAN_NO;
}

/* rows of numbers (mlw_payload_parse_numbers()) */

/* twice the room for names in r, on the heap */
static void grow_names(struct mlw_number_rows *r)
{
	size_t alloc = mlw_st_mult(r->alloc_names, 2);
	const char **names = mlw_malloc(mlw_st_mult(alloc, sizeof(*names)));
	size_t *lens = mlw_malloc(mlw_st_mult(alloc, sizeof(*lens)));

	memcpy(names, r->names, r->nr_columns * sizeof(*names));
	memcpy(lens, r->name_lens, r->nr_columns * sizeof(*lens));
	if (r->names != r->small_names) {
		free(r->names);
		free(r->name_lens);
	}
	r->names = names;
	r->name_lens = lens;
	r->alloc_names = alloc;
}

/* twice the room for values in r (nr held), on the heap */
static void grow_values(struct mlw_number_rows *r, size_t nr)
{
	size_t alloc = mlw_st_mult(r->alloc_values, 2);

	if (r->values == r->small_values) {
		r->values = mlw_malloc(mlw_st_mult(alloc, sizeof(double)));
		memcpy(r->values, r->small_values, nr * sizeof(double));
	} else {
		r->values = mlw_realloc(r->values,
					mlw_st_mult(alloc, sizeof(double)));
	}
	r->alloc_values = alloc;
}

/* "columns": strings, as scan_cells() reads names */
static int scan_number_names(struct scan *s, struct mlw_number_rows *r)
{
	if (!scan_take(s, '['))
		return SCAN_NO;
	if (scan_take(s, ']'))
		return 0;
	do {
		const char *text;
		size_t len;

		if (r->nr_columns >= MLW_PAYLOAD_MAX_CELLS ||
		    scan_string(s, &text, &len))
			return SCAN_NO;
		if (r->nr_columns == r->alloc_names)
			grow_names(r);
		r->names[r->nr_columns] = text;
		r->name_lens[r->nr_columns++] = len;
	} while (scan_take(s, ','));
	return scan_take(s, ']') ? 0 : SCAN_NO;
}

/*
 * "data": rows of one width (s->width, (size_t)-1 until the first), each
 * value a number read as scan_cell() reads it (scan_plain_number() at
 * any distance from the end, which a NUL stops as any other character
 * that is not part of a number); anything else is SCAN_NO
 */
static int scan_number_rows(struct scan *s, struct mlw_number_rows *r)
{
	size_t nr = 0;

	if (!scan_take(s, '['))
		return SCAN_NO;
	if (scan_take(s, ']'))
		return 0;
	do {
		size_t n = 0;

		if (!scan_take(s, '['))
			return SCAN_NO;
		if (!scan_take(s, ']')) {
			do {
				double v;

				scan_blanks(s);
				if (nr == r->alloc_values) {
					if (nr >= MLW_PAYLOAD_MAX_CELLS)
						return SCAN_NO;
					grow_values(r, nr);
				}
				/* body[len] is NUL: no room to check */
				if (!scan_plain_number(s, &v) &&
				    scan_number(s, &v))
					return SCAN_NO;
				r->values[nr++] = v;
				n++;
			} while (scan_take(s, ','));
			if (!scan_take(s, ']'))
				return SCAN_NO;
		}
		if (s->width == (size_t)-1)
			s->width = n;
		else if (s->width != n)
			return SCAN_NO;
		r->nr_rows++;
	} while (scan_take(s, ','));
	return scan_take(s, ']') ? 0 : SCAN_NO;
}

/*
 * The split object's keys, each once: "columns", "index", "data"; into
 * the scan's cells, or with nums into rows of numbers (anything but
 * numbers is then SCAN_NO)
 */
static int scan_split(struct scan *s, int *has_columns, int *has_index,
		      struct mlw_number_rows *nums)
{
	int has_data = 0;

	if (!scan_take(s, '{'))
		return SCAN_NO;
	do {
		const char *key;
		size_t len;
		int ret;

		if (scan_string(s, &key, &len) || !scan_take(s, ':'))
			break;
		if (len == 7 && !memcmp(key, "columns", 7) && !*has_columns) {
			*has_columns = 1;
			ret = nums ? scan_number_names(s, nums) :
			      scan_cells(s, &s->names, &s->nr_names,
					 &s->alloc_names, NULL, 1);
		} else if (len == 5 && !memcmp(key, "index", 5) &&
			   !*has_index) {
			*has_index = 1;
			/* the labels are checked, counted, and dropped */
			ret = scan_labels(s, &s->nr_index);
		} else if (len == 4 && !memcmp(key, "data", 4) && !has_data) {
			has_data = 1;
			ret = nums ? scan_number_rows(s, nums) : scan_rows(s);
		} else {
			break;
		}
		if (ret)
			break;
		if (scan_take(s, '}'))
			return has_data ? 0 : SCAN_NO;
	} while (scan_take(s, ','));
	return SCAN_NO;
}

/* the whole body: {"key_name": the split object}, and nothing after */
static int scan_envelope(struct scan *s, const char *key_name,
			 int *has_columns, int *has_index,
			 struct mlw_number_rows *nums)
{
	const char *key;
	size_t key_len;

	if (!scan_take(s, '{') || scan_string(s, &key, &key_len) ||
	    key_len != strlen(key_name) || memcmp(key, key_name, key_len) ||
	    !scan_take(s, ':') ||
	    scan_split(s, has_columns, has_index, nums) ||
	    !scan_take(s, '}'))
		return SCAN_NO;
	scan_blanks(s);
	return s->p == s->end ? 0 : SCAN_NO;
}

/*
 * The whole body when it is the split orient under its one key (form
 * names it): 0 with *out a new frame, or SCAN_NO.
 */
static int scan_body(struct mlw_frame **out, const char *key_name, int form,
		     const char *body, size_t len)
{
	struct scan s;
	struct mlw_frame *f = mlw_frame_new(0);
	size_t columns, c;
	int has_columns = 0, has_index = 0, ret = SCAN_NO;

	memset(&s, 0, sizeof(s));
	s.p = body;
	s.end = body + len;
	s.f = f;
	s.width = (size_t)-1;
	if (scan_envelope(&s, key_name, &has_columns, &has_index, NULL))
		goto out;
	columns = has_columns ? s.nr_names : s.nr_rows ? s.width : 0;
	if ((s.nr_rows && s.width != columns) ||
	    (has_index && s.nr_index != s.nr_rows) ||
	    (columns && s.nr_rows > MLW_PAYLOAD_MAX_CELLS / columns))
		goto out;
	/* sure now: the columns and their cells */
	f->form = form;
	if (s.nr_rows && columns) {
		/* the names point into the body: the frame copies them */
		mlw_frame_add_slab(f, has_columns ? s.names : NULL, columns,
				   s.slab, s.alloc_rows);
		s.slab = NULL;
	} else if (has_columns) {
		for (c = 0; c < columns; c++) {
			/* NUL-terminated in f's storage first */
			mlw_frame_set_text(f, &s.names[c], s.names[c].text,
					   s.names[c].len);
			mlw_frame_add_column(f, s.names[c].text);
		}
	} else {
		add_positional(f, columns);
	}
	f->nr_rows = s.nr_rows;
	ret = 0;
out:
	free(s.slab);
	free(s.first);
	free(s.names);
	if (ret)
		mlw_frame_free(f);
	else
		*out = f;
	return ret;
}

static int parse_json(struct mlw_frame *f, enum mlw_payload_style style,
		      const char *body, size_t len, int *status)
{
	json_error_t jerr;
	json_t *doc;

	if (!len)
		return fail(status, 400, "the request body is empty; expected a JSON object");
	doc = json_loadb(body, len, JSON_DECODE_ANY, &jerr);
	if (!doc)
		return fail(status, 400, "invalid JSON at byte %d: %s",
			    jerr.position, jerr.text);
	/* string cells point into the document: the frame keeps it */
	mlw_frame_hold(f, doc);
	if (style == MLW_PAYLOAD_AZURE)
		return parse_azure(f, doc, status);
	return parse_mlflow(f, doc, status);
}

/* --- CSV */

static size_t line_of(const char *start, const char *at)
{
	size_t line = 1;
	const char *p = start;

	while ((p = memchr(p, '\n', (size_t)(at - p))))
		line++, p++;
	return line;
}

/*
 * The fields of the row at *pos into *fields; returns how many (0 for
 * a blank line), or a negative mlw_csv_status.
 */
static long scan_row(struct mlw_csv_field **fields, size_t *alloc,
		     const char **pos, const char *end)
{
	size_t n = 0;
	int st;

	do {
		MLW_ALLOC_GROW(*fields, n + 1, *alloc);
		st = mlw_csv_field(&(*fields)[n], pos, end, ',');
		if (st < 0)
			return st;
		n++;
	} while (st == MLW_CSV_FIELD && *pos < end);
	if (st == MLW_CSV_FIELD) {
		/* "a,b," at the very end: an empty last field */
		MLW_ALLOC_GROW(*fields, n + 1, *alloc);
		(*fields)[n].text = end;
		(*fields)[n].len = 0;
		(*fields)[n].quoted = 0;
		(*fields)[n].escaped = 0;
		n++;
	}
	if (n == 1 && !(*fields)[0].len && !(*fields)[0].quoted)
		return 0;
	return (long)n;
}

/* one CSV field into a cell, typed as pandas.read_csv would */
static void csv_cell(struct mlw_frame *f, struct mlw_cell *cell,
		     const struct mlw_csv_field *field, struct mlw_buf *text)
{
	const char *s = field->text;
	size_t len = field->len;
	double v;

	if (field->escaped) {
		mlw_csv_unquote(text, field);
		s = text->buf;
		len = text->len;
	}
	if (mlw_dataset_is_missing(s, len)) {
		cell->type = MLW_CELL_NULL;
	} else if (mlw_csv_parse_double(&v, s, len) >= 0) {
		/* the text is kept for a column the model takes as text */
		mlw_frame_set_text(f, cell, s, len);
		cell->type = MLW_CELL_NUMBER;
		cell->number = v;
	} else if (len == 4 && !strncasecmp(s, "true", 4)) {
		cell->type = MLW_CELL_BOOL;
		cell->boolean = 1;
	} else if (len == 5 && !strncasecmp(s, "false", 5)) {
		cell->type = MLW_CELL_BOOL;
		cell->boolean = 0;
	} else {
		mlw_frame_set_text(f, cell, s, len);
	}
}

static int parse_csv(struct mlw_frame *f, const char *body, size_t len,
		     int *status)
{
	const char *start = body, *end = body + len, *pos, *data;
	struct mlw_csv_field *fields = NULL;
	struct mlw_buf text = MLW_BUF_INIT;
	size_t alloc = 0, valid, rows = 0, r, c, nr_columns;
	long n;
	int ret = 0;

	f->form = MLW_FORM_CSV;
	valid = mlw_json_utf8_prefix(body, len);
	if (valid < len)
		return fail(status, 400,
			    "the CSV body is not UTF-8 (byte %zu, line %zu)",
			    valid, line_of(body, body + valid));
	if (len >= 3 && !memcmp(body, "\xef\xbb\xbf", 3))
		start += 3;
	pos = start;
	do {
		n = pos < end ? scan_row(&fields, &alloc, &pos, end) : -100;
	} while (!n);
	if (n == -100) {
		free(fields);
		return fail(status, 400,
			    "the CSV body is empty; expected a header row of column names");
	}
	if (n < 0)
		goto bad;
	nr_columns = (size_t)n;
	for (c = 0; c < nr_columns; c++) {
		mlw_csv_unquote(&text, &fields[c]);
		mlw_frame_add_column(f, text.buf);
	}
	f->nr_rows = 0;

	/* pass 1: count the rows, check their width */
	data = pos;
	while (pos < end) {
		const char *row = pos;

		n = scan_row(&fields, &alloc, &pos, end);
		if (n < 0)
			goto bad;
		if (!n)
			continue;
		if ((size_t)n != nr_columns) {
			ret = fail(status, 400,
				   "line %zu has %ld fields; the header has %zu",
				   line_of(body, row), n, nr_columns);
			goto out;
		}
		rows++;
	}
	if (check_cells(rows, nr_columns, "the CSV body", status)) {
		ret = MLW_EINVALID;
		goto out;
	}
	f->nr_rows = rows;
	for (c = 0; c < nr_columns; c++) {
		free(f->columns[c].cells);
		f->columns[c].cells = mlw_calloc(rows ? rows : 1,
						 sizeof(struct mlw_cell));
	}

	/* pass 2: the cells */
	pos = data;
	for (r = 0; r < rows;) {
		n = scan_row(&fields, &alloc, &pos, end);
		if (!n)
			continue;
		for (c = 0; c < nr_columns; c++)
			csv_cell(f, &f->columns[c].cells[r], &fields[c], &text);
		r++;
	}
	goto out;
bad:
	ret = fail(status, 400, "line %zu: %s", line_of(body, pos),
		   mlw_csv_strerror((int)n));
out:
	free(fields);
	mlw_buf_release(&text);
	return ret;
}

/* --- content types */

/* s[0..len) without blanks around it */
static void trim(const char **s, size_t *len)
{
	while (*len && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*len)--;
	}
	while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
		(*len)--;
}

/*
 * MLflow's rules: a media type of application/json or text/csv, the
 * only parameter charset, and that utf-8.  Returns 0 (JSON) or 1 (CSV),
 * or MLW_EINVALID with *status 415.
 */
static int mlflow_content_type(const char *ct, int *status)
{
	struct mlw_buf unknown = MLW_BUF_INIT;
	const char *p = ct ? ct : "", *semi;
	size_t len;
	int csv, ret;

	semi = strchr(p, ';');
	len = semi ? (size_t)(semi - p) : strlen(p);
	trim(&p, &len);
	if (len == 16 && !strncasecmp(p, "application/json", 16))
		csv = 0;
	else if (len == 8 && !strncasecmp(p, "text/csv", 8))
		csv = 1;
	else
		return fail(status, 415,
			    "This predictor only supports the following content types: Types: ['text/csv', 'application/json']. Got '%s'.",
			    ct ? ct : "");
	while (semi) {
		const char *param = semi + 1, *eq, *value;
		size_t plen, nlen, vlen;

		semi = strchr(param, ';');
		plen = semi ? (size_t)(semi - param) : strlen(param);
		trim(&param, &plen);
		if (!plen)
			continue;
		eq = memchr(param, '=', plen);
		nlen = eq ? (size_t)(eq - param) : plen;
		value = eq ? eq + 1 : param + plen;
		vlen = eq ? plen - nlen - 1 : 0;
		trim(&param, &nlen);
		trim(&value, &vlen);
		if (vlen >= 2 && value[0] == '"' && value[vlen - 1] == '"') {
			value++;
			vlen -= 2;
		}
		if (nlen == 7 && !strncasecmp(param, "charset", 7)) {
			if (vlen != 5 || strncasecmp(value, "utf-8", 5)) {
				mlw_buf_release(&unknown);
				return fail(status, 415,
					    "The scoring server only supports UTF-8");
			}
			continue;
		}
		if (unknown.len)
			mlw_buf_adds(&unknown, ", ");
		mlw_buf_add(&unknown, param, nlen);
	}
	if (unknown.len) {
		ret = fail(status, 415,
			   "Unrecognized content type parameters: %s. (MLflow 2 takes the format in the body, as {\"dataframe_split\": ...})",
			   unknown.buf);
		mlw_buf_release(&unknown);
		return ret;
	}
	return csv;
}

static int payload_parse(struct mlw_frame **out, int *status,
			 enum mlw_payload_style style,
			 const char *content_type, const char *body,
			 size_t len, int scan)
{
	struct mlw_frame *f;
	int csv = 0, ret;

	*out = NULL;
	*status = 0;
	if (style == MLW_PAYLOAD_MLFLOW) {
		csv = mlflow_content_type(content_type, status);
		if (csv < 0)
			return csv;
	}
	if (!csv && scan && len &&
	    !scan_body(&f, style == MLW_PAYLOAD_AZURE ? "input_data" :
		       "dataframe_split", style == MLW_PAYLOAD_AZURE ?
		       MLW_FORM_AZURE_SPLIT : MLW_FORM_DATAFRAME_SPLIT,
		       body, len)) {
		mlw_frame_count_types(f);
		*out = f;
		return 0;
	}
	f = mlw_frame_new(0);
	ret = csv ? parse_csv(f, body, len, status) :
		    parse_json(f, style, body, len, status);
	if (ret) {
		mlw_frame_free(f);
		return ret;
	}
	mlw_frame_count_types(f);
	*out = f;
	return 0;
}

/* scan_body() for a body of numbers: into r, not a frame */
int mlw_payload_parse_numbers(struct mlw_number_rows *r,
			      enum mlw_payload_style style,
			      const char *content_type, const char *body,
			      size_t len)
{
	struct scan s;
	int has_columns = 0, has_index = 0, status;

	r->nr_rows = r->nr_columns = 0;
	if (style == MLW_PAYLOAD_MLFLOW &&
	    mlflow_content_type(content_type, &status))
		return 1;
	memset(&s, 0, sizeof(s));
	s.p = body;
	s.end = body + len;
	s.width = (size_t)-1;
	if (scan_envelope(&s, style == MLW_PAYLOAD_AZURE ? "input_data" :
			  "dataframe_split", &has_columns, &has_index, r) ||
	    !has_columns || !r->nr_columns || !r->nr_rows ||
	    s.width != r->nr_columns ||
	    (has_index && s.nr_index != r->nr_rows) ||
	    r->nr_rows > MLW_PAYLOAD_MAX_CELLS / r->nr_columns)
		return 1;
	return 0;
}

int mlw_payload_parse(struct mlw_frame **out, int *status,
		      enum mlw_payload_style style, const char *content_type,
		      const char *body, size_t len)
{
	return payload_parse(out, status, style, content_type, body, len, 1);
}

int mlw_payload_parse_tree(struct mlw_frame **out, int *status,
			   enum mlw_payload_style style,
			   const char *content_type, const char *body,
			   size_t len)
{
	return payload_parse(out, status, style, content_type, body, len, 0);
}

/* --- answers */

void mlw_payload_begin(struct mlw_buf *out, enum mlw_payload_style style)
{
	mlw_buf_adds(out, style == MLW_PAYLOAD_MLFLOW ? "{\"predictions\":[" :
			  "[");
}

void mlw_payload_end(struct mlw_buf *out, enum mlw_payload_style style)
{
	mlw_buf_adds(out, style == MLW_PAYLOAD_MLFLOW ? "]}" : "]");
}

static void add_cell(struct mlw_buf *out, const struct mlw_cell *c)
{
	switch (c->type) {
	case MLW_CELL_NUMBER:
		mlw_json_add_number(out, c->number);
		break;
	case MLW_CELL_STRING:
		mlw_json_add_string(out, c->text, c->len);
		break;
	case MLW_CELL_BOOL:
		mlw_buf_adds(out, c->boolean ? "true" : "false");
		break;
	default:
		mlw_buf_adds(out, "null");
		break;
	}
}

void mlw_payload_write_numbers(struct mlw_buf *out,
			       enum mlw_payload_style style,
			       const double *values, size_t n)
{
	size_t i;

	mlw_buf_grow(out, mlw_st_mult(n, 8) + 24);
	mlw_payload_begin(out, style);
	for (i = 0; i < n; i++) {
		if (i)
			mlw_buf_addch(out, ',');
		mlw_json_add_number(out, values[i]);
	}
	mlw_payload_end(out, style);
}

void mlw_payload_write_cells(struct mlw_buf *out, enum mlw_payload_style style,
			     const struct mlw_cell *values, size_t n)
{
	size_t i;

	mlw_payload_begin(out, style);
	for (i = 0; i < n; i++) {
		if (i)
			mlw_buf_addch(out, ',');
		add_cell(out, &values[i]);
	}
	mlw_payload_end(out, style);
}

void mlw_payload_write_frame(struct mlw_buf *out, enum mlw_payload_style style,
			     const struct mlw_frame *f)
{
	size_t r, c;

	mlw_payload_begin(out, style);
	for (r = 0; r < f->nr_rows; r++) {
		mlw_buf_adds(out, r ? ",{" : "{");
		for (c = 0; c < f->nr_columns; c++) {
			const char *name = f->columns[c].name;

			if (c)
				mlw_buf_addch(out, ',');
			mlw_json_add_string(out, name, strlen(name));
			mlw_buf_addch(out, ':');
			add_cell(out, &f->columns[c].cells[r]);
		}
		mlw_buf_addch(out, '}');
	}
	mlw_payload_end(out, style);
}

/*
 * output.c - render a result tree as table, json, yaml or tsv.
 *
 * The tree is held as jansson values (jansson keeps object keys in
 * insertion order), which gives JSON for free and one structure for the
 * other writers to walk.
 */
#include "util/output.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/json.h"
#include "util/number.h"

#include <errno.h>
#include <jansson.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_DEPTH 32

struct mlw_out {
	json_t *root;
	json_t *stack[MAX_DEPTH];
	int depth;
	/* streaming (mlw_out_new_tsv_stream): rows leave as they complete */
	FILE *stream;
	int stream_err;
	/* a table list: rows kept as text, not values (mlw_out_new_table_list) */
	int table_list;
	void *table;
};

struct table;
static void tsv_row(struct mlw_buf *b, json_t *v);
static void table_keep_row(struct mlw_out *o, json_t *row);
static void table_render(struct mlw_buf *b, struct table *t, int termwidth);

int mlw_format_parse(enum mlw_format *out, const char *name)
{
	static const struct {
		const char *name;
		enum mlw_format fmt;
	} names[] = {
		{ "table", MLW_FMT_TABLE }, { "json", MLW_FMT_JSON },
		{ "jsonc", MLW_FMT_JSONC }, { "yaml", MLW_FMT_YAML },
		{ "yamlc", MLW_FMT_YAMLC }, { "tsv", MLW_FMT_TSV },
		{ "none", MLW_FMT_NONE },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (!strcmp(name, names[i].name)) {
			*out = names[i].fmt;
			return 0;
		}
	return mlw_error_setc(MLW_EINVALID,
			      "unknown output format '%s' (use table, json, "
			      "jsonc, yaml, yamlc, tsv or none)", name);
}

struct mlw_out *mlw_out_new(void)
{
	return mlw_calloc(1, sizeof(struct mlw_out));
}

struct mlw_out *mlw_out_new_table_list(void)
{
	struct mlw_out *o = mlw_out_new();

	o->table_list = 1;
	return o;
}

struct mlw_out *mlw_out_new_tsv_stream(FILE *fp)
{
	struct mlw_out *o = mlw_out_new();

	o->stream = fp;
	return o;
}

void mlw_out_free(struct mlw_out *o)
{
	if (!o)
		return;
	if (o->table) {
		struct mlw_buf sink = MLW_BUF_INIT;

		/* rendering frees the rows; an unwritten table is dropped */
		table_render(&sink, o->table, 0);
		mlw_buf_release(&sink);
		free(o->table);
	}
	json_decref(o->root);
	free(o);
}

/*
 * s with every byte that is not part of well-formed UTF-8 replaced by
 * U+FFFD, as Python's errors="replace" does: text from a file or the
 * catalog may be Latin-1, and JSON (jansson) takes only UTF-8.
 */
static char *utf8_repair(const char *s)
{
	struct mlw_buf b = MLW_BUF_INIT;
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		unsigned c = *p;
		size_t n = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 :
			   c >= 0xE0 && c <= 0xEF ? 3 :
			   c >= 0xF0 && c <= 0xF4 ? 4 : 0;
		size_t i;

		for (i = 1; i < n; i++)
			if ((p[i] & 0xC0) != 0x80)
				n = 0;
		/* no overlong forms, surrogates or code points past U+10FFFF */
		if ((c == 0xE0 && n && p[1] < 0xA0) ||
		    (c == 0xED && n && p[1] > 0x9F) ||
		    (c == 0xF0 && n && p[1] < 0x90) ||
		    (c == 0xF4 && n && p[1] > 0x8F))
			n = 0;
		if (n) {
			mlw_buf_add(&b, p, n);
			p += n;
		} else {
			mlw_buf_adds(&b, "\xEF\xBF\xBD");
			p++;
		}
	}
	return mlw_buf_detach(&b, NULL);
}

/* a JSON string of s, repaired when it is not UTF-8 */
static json_t *string_value(const char *s)
{
	json_t *v = json_string(s);
	char *fixed;

	if (v)
		return v;
	fixed = utf8_repair(s);
	v = json_string(fixed);
	free(fixed);
	return v;
}

static void add(struct mlw_out *o, const char *key, json_t *v)
{
	json_t *top;

	if (!v)
		BUG("cannot allocate an output value");
	if (!o->depth) {
		if (o->root)
			BUG("output already has a root value");
		o->root = v;
		return;
	}
	top = o->stack[o->depth - 1];
	if (json_is_object(top)) {
		if (!key)
			BUG("value inside an object needs a key");
		/* a key that is not UTF-8 (a tag read back) is refused,
		 * and v dropped: keep a reference for the second try */
		json_incref(v);
		if (json_object_set_new(top, key, v)) {
			char *fixed = utf8_repair(key);

			json_object_set_new(top, fixed, v);
			free(fixed);
		} else {
			json_decref(v);
		}
	} else {
		json_array_append_new(top, v);
	}
}

static void push(struct mlw_out *o, const char *key, json_t *v)
{
	if (o->depth == MAX_DEPTH)
		BUG("output nested too deeply");
	json_incref(v);
	add(o, key, v);
	o->stack[o->depth++] = v;
	json_decref(v);
}

void mlw_out_list_begin(struct mlw_out *o, const char *key)
{
	push(o, key, json_array());
}

void mlw_out_object_begin(struct mlw_out *o, const char *key)
{
	push(o, key, json_object());
}

void mlw_out_end(struct mlw_out *o)
{
	if (!o->depth)
		BUG("mlw_out_end without begin");
	o->depth--;
	/*
	 * A row of a top-level list is complete: write it now and drop it,
	 * so listing 100,000 rows holds one row in memory, not the list.
	 */
	if (o->stream && o->depth == 1 && json_is_array(o->root) &&
	    json_array_size(o->root)) {
		struct mlw_buf b = MLW_BUF_INIT;
		size_t last = json_array_size(o->root) - 1;

		tsv_row(&b, json_array_get(o->root, last));
		if (!o->stream_err && fwrite(b.buf, 1, b.len, o->stream) != b.len)
			o->stream_err = errno ? errno : EIO;
		mlw_buf_release(&b);
		json_array_remove(o->root, last);
	} else if (o->table_list && o->depth == 1 && json_is_array(o->root) &&
		   json_array_size(o->root) &&
		   json_is_object(json_array_get(o->root,
						 json_array_size(o->root) - 1))) {
		size_t last = json_array_size(o->root) - 1;

		table_keep_row(o, json_array_get(o->root, last));
		json_array_remove(o->root, last);
	}
}

void mlw_out_str(struct mlw_out *o, const char *key, const char *value)
{
	add(o, key, value ? string_value(value) : json_null());
}

void mlw_out_int(struct mlw_out *o, const char *key, int64_t value)
{
	add(o, key, json_integer((json_int_t)value));
}

void mlw_out_num(struct mlw_out *o, const char *key, double value)
{
	if (isnan(value))
		add(o, key, json_string("NaN"));
	else if (isinf(value))
		add(o, key, json_string(value > 0 ? "Infinity" : "-Infinity"));
	else
		add(o, key, json_real(value));
}

void mlw_out_bool(struct mlw_out *o, const char *key, int value)
{
	add(o, key, json_boolean(value));
}

void mlw_out_null(struct mlw_out *o, const char *key)
{
	add(o, key, json_null());
}

void mlw_fmt_time(char out[32], double epoch)
{
	time_t t = (time_t)floor(epoch);
	int ms = (int)((epoch - floor(epoch)) * 1000.0);
	struct tm tm;

	if (ms > 999)
		ms = 999;
	char buf[128];

	gmtime_r(&t, &tm);
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, ms);
	snprintf(out, 32, "%.31s", buf);
}

void mlw_out_time(struct mlw_out *o, const char *key, double epoch)
{
	char buf[32];

	mlw_fmt_time(buf, epoch);
	mlw_out_str(o, key, buf);
}

static void tsv_field(struct mlw_buf *b, json_t *v)
{
	size_t start = b->len, i;

	mlw_json_scalar_text(b, v);
	/* a tab or newline inside a value would break the row */
	for (i = start; i < b->len; i++)
		if (b->buf[i] == '\t' || b->buf[i] == '\n' || b->buf[i] == '\r')
			b->buf[i] = ' ';
}

/* one list element as a line: an object's values, or a scalar */
static void tsv_row(struct mlw_buf *b, json_t *v)
{
	const char *key;
	json_t *f;

	if (json_is_object(v)) {
		int first = 1;

		json_object_foreach(v, key, f) {
			if (!first)
				mlw_buf_addch(b, '\t');
			tsv_field(b, f);
			first = 0;
		}
	} else {
		tsv_field(b, v);
	}
	mlw_buf_addch(b, '\n');
}

static void render_tsv(struct mlw_buf *b, json_t *root)
{
	size_t i;
	const char *key;
	json_t *v;

	if (json_is_array(root)) {
		json_array_foreach(root, i, v)
			tsv_row(b, v);
	} else if (json_is_object(root)) {
		int first = 1;

		/* one record: its values on one line, as az -o tsv does */
		json_object_foreach(root, key, v) {
			if (!first)
				mlw_buf_addch(b, '\t');
			tsv_field(b, v);
			first = 0;
		}
		mlw_buf_addch(b, '\n');
	} else if (root) {
		tsv_field(b, root);
		mlw_buf_addch(b, '\n');
	}
}

/* display width of UTF-8 text: count code points, not bytes */
static size_t text_width(const char *s, size_t len)
{
	size_t w = 0, i;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			w++;
	return w;
}

/* append s, cut to width columns with an ellipsis, padded unless last */
static void table_cell(struct mlw_buf *b, const char *s, size_t width,
		       int pad)
{
	size_t w = text_width(s, strlen(s)), i, cols = 0;

	if (w <= width) {
		mlw_buf_adds(b, s);
		if (pad)
			mlw_buf_addf(b, "%*s", (int)(width - w), "");
		return;
	}
	for (i = 0; s[i] && cols < width - 1; i++) {
		mlw_buf_addch(b, s[i]);
		if (((unsigned char)s[i + 1] & 0xC0) != 0x80)
			cols++;
	}
	mlw_buf_adds(b, "\xe2\x80\xa6");
}

/*
 * A table under construction: column names in order of first appearance
 * (the union of the rows' keys) and each row's cells as text.  Rows are
 * added as they come, so a streamed list keeps strings, not values.
 */
struct table {
	char **cols;
	size_t ncols, acols;
	char ***rows;		/* rows[i][j], j < rowlen[i] */
	size_t *rowlen;
	size_t nrows, arows;
};

static void table_add_row(struct table *t, json_t *row)
{
	struct mlw_buf cell = MLW_BUF_INIT;
	const char *key;
	char **cells;
	json_t *v;
	size_t j;

	cells = mlw_calloc(json_object_size(row) + t->ncols + 1, sizeof(char *));
	json_object_foreach(row, key, v) {
		for (j = 0; j < t->ncols; j++)
			if (!strcmp(t->cols[j], key))
				break;
		if (j == t->ncols) {
			MLW_ALLOC_GROW(t->cols, t->ncols + 1, t->acols);
			t->cols[t->ncols++] = mlw_strdup(key);
		}
		mlw_buf_reset(&cell);
		tsv_field(&cell, v);
		cells[j] = mlw_strdup(cell.buf);
	}
	MLW_ALLOC_GROW(t->rows, t->nrows + 1, t->arows);
	t->rowlen = mlw_realloc(t->rowlen, t->arows * sizeof(*t->rowlen));
	t->rows[t->nrows] = cells;
	t->rowlen[t->nrows++] = t->ncols;
	mlw_buf_release(&cell);
}

static void table_render(struct mlw_buf *b, struct table *t, int termwidth)
{
	size_t *width = mlw_calloc(t->ncols + 1, sizeof(*width));
	char **header = mlw_calloc(t->ncols + 1, sizeof(char *));
	size_t i, j;

	for (j = 0; j < t->ncols; j++) {
		struct mlw_buf h = MLW_BUF_INIT;
		const char *k;

		for (k = t->cols[j]; *k; k++)
			mlw_buf_addch(&h, *k == '_' ? ' ' :
				      (*k >= 'a' && *k <= 'z') ? *k - 32 : *k);
		width[j] = text_width(h.buf, h.len);
		header[j] = mlw_buf_detach(&h, NULL);
	}
	for (i = 0; i < t->nrows; i++)
		for (j = 0; j < t->rowlen[i]; j++)
			if (t->rows[i][j]) {
				size_t w = text_width(t->rows[i][j],
						      strlen(t->rows[i][j]));

				if (w > width[j])
					width[j] = w;
			}
	/* fit the terminal: shrink the widest column until it fits */
	if (termwidth > 0) {
		for (;;) {
			size_t total = 0, widest = 0;

			for (j = 0; j < t->ncols; j++) {
				total += width[j] + (j ? 2 : 0);
				if (width[j] > width[widest])
					widest = j;
			}
			if (total <= (size_t)termwidth || width[widest] <= 8)
				break;
			width[widest] -= total - (size_t)termwidth <
					 width[widest] - 8 ?
					 total - (size_t)termwidth :
					 width[widest] - 8;
		}
	}
	for (i = 0; i <= t->nrows; i++) {
		char **cells = i ? t->rows[i - 1] : header;
		size_t len = i ? t->rowlen[i - 1] : t->ncols;

		for (j = 0; j < t->ncols; j++) {
			if (j)
				mlw_buf_adds(b, "  ");
			table_cell(b, j < len && cells[j] ? cells[j] : "",
				   width[j], j + 1 < t->ncols);
			if (j < len)
				free(cells[j]);
		}
		mlw_buf_rtrim(b);
		mlw_buf_addch(b, '\n');
		free(cells);
	}
	for (j = 0; j < t->ncols; j++)
		free(t->cols[j]);
	free(t->cols);
	free(t->rows);
	free(t->rowlen);
	free(width);
	memset(t, 0, sizeof(*t));
}

static void table_keep_row(struct mlw_out *o, json_t *row)
{
	if (!o->table)
		o->table = mlw_calloc(1, sizeof(struct table));
	table_add_row(o->table, row);
}

static void render_table(struct mlw_buf *b, json_t *root, int termwidth,
			 struct table *streamed)
{
	struct mlw_buf cell = MLW_BUF_INIT;
	struct table t;
	const char *key;
	json_t *v;
	size_t i, objects = 0;

	if (json_is_object(root)) {
		size_t kw = 0;

		json_object_foreach(root, key, v)
			if (strlen(key) > kw)
				kw = strlen(key);
		json_object_foreach(root, key, v) {
			mlw_buf_reset(&cell);
			mlw_json_scalar_text(&cell, v);
			mlw_buf_addf(b, "%-*s  %s\n", (int)kw, key, cell.buf);
		}
		mlw_buf_release(&cell);
		return;
	}
	if (!json_is_array(root)) {
		if (root) {
			mlw_json_scalar_text(b, root);
			mlw_buf_addch(b, '\n');
		}
		return;
	}
	json_array_foreach(root, i, v)
		objects += json_is_object(v);
	if (!objects && !(streamed && streamed->nrows)) {
		json_array_foreach(root, i, v) {
			mlw_json_scalar_text(b, v);
			mlw_buf_addch(b, '\n');
		}
		return;
	}
	if (streamed) {
		t = *streamed;
		memset(streamed, 0, sizeof(*streamed));
	} else {
		memset(&t, 0, sizeof(t));
	}
	json_array_foreach(root, i, v)
		if (json_is_object(v))
			table_add_row(&t, v);
	table_render(b, &t, termwidth);
}

/* a YAML plain scalar is safe when it cannot be read as anything else */
static int yaml_plain_ok(const char *s)
{
	static const char *const special[] = {
		"true", "false", "yes", "no", "on", "off", "null", "~",
		"True", "False", "Yes", "No", "On", "Off", "Null", "NULL",
		"TRUE", "FALSE", "YES", "NO", "ON", "OFF", NULL
	};
	const char *p;
	char *end;
	size_t i;

	if (!*s || strchr("-?:,[]{}#&*!|>'\"%@` ", *s))
		return 0;
	for (i = 0; special[i]; i++)
		if (!strcmp(s, special[i]))
			return 0;
	strtod(s, &end);
	if (!*end)
		return 0;
	for (p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c < 0x20 || c == 0x7f)
			return 0;
		if ((c == ':' || c == '#') &&
		    (p[1] == ' ' || !p[1] || (c == '#' && p[-1] == ' ')))
			return 0;
	}
	return p[-1] != ' ';
}

#define C_KEY "\033[34;1m"
#define C_STR "\033[32m"
#define C_NUM "\033[36m"
#define C_LIT "\033[35m"
#define C_OFF "\033[0m"

/* the colour of a scalar in -o yamlc, the same as -o jsonc's */
static const char *scalar_color(json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		return C_STR;
	case JSON_INTEGER:
	case JSON_REAL:
		return C_NUM;
	default:
		return C_LIT;
	}
}

static void yaml_scalar(struct mlw_buf *b, json_t *v, const char *color)
{
	if (color)
		mlw_buf_adds(b, color);
	if (json_is_string(v) && !yaml_plain_ok(json_string_value(v)))
		/* a JSON string is a valid YAML double-quoted scalar */
		mlw_json_write(b, v, MLW_JSON_COMPACT);
	else if (json_is_null(v))
		mlw_buf_adds(b, "null");
	else
		mlw_json_scalar_text(b, v);
	if (color)
		mlw_buf_adds(b, C_OFF);
}

static void yaml_key(struct mlw_buf *b, const char *key, int color)
{
	json_t *k = json_string(key);

	yaml_scalar(b, k, color ? C_KEY : NULL);
	json_decref(k);
}

static int is_empty_container(json_t *v)
{
	return (json_is_array(v) && !json_array_size(v)) ||
	       (json_is_object(v) && !json_object_size(v));
}

static void render_yaml(struct mlw_buf *b, json_t *v, int indent,
			int inline_first, int color)
{
	const char *key;
	json_t *x;
	size_t i;
	int first = 1;

	if (json_is_object(v) && json_object_size(v)) {
		json_object_foreach(v, key, x) {
			if (!(first && inline_first))
				mlw_buf_addf(b, "%*s", indent, "");
			first = 0;
			yaml_key(b, key, color);
			mlw_buf_addch(b, ':');
			if ((json_is_object(x) || json_is_array(x)) &&
			    !is_empty_container(x)) {
				mlw_buf_addch(b, '\n');
				render_yaml(b, x, indent + 2, 0, color);
			} else {
				mlw_buf_addch(b, ' ');
				render_yaml(b, x, indent + 2, 1, color);
			}
		}
	} else if (json_is_array(v) && json_array_size(v)) {
		json_array_foreach(v, i, x) {
			if (!(first && inline_first))
				mlw_buf_addf(b, "%*s", indent, "");
			first = 0;
			mlw_buf_adds(b, "- ");
			if (json_is_array(x) && json_array_size(x)) {
				mlw_buf_addch(b, '\n');
				render_yaml(b, x, indent + 2, 0, color);
			} else {
				render_yaml(b, x, indent + 2, 1, color);
			}
		}
	} else if (json_is_array(v)) {
		mlw_buf_adds(b, "[]\n");
	} else if (json_is_object(v)) {
		mlw_buf_adds(b, "{}\n");
	} else {
		yaml_scalar(b, v, color ? scalar_color(v) : NULL);
		mlw_buf_addch(b, '\n');
	}
}

int mlw_out_render(struct mlw_out *o, enum mlw_format fmt, struct mlw_buf *b,
		   int width)
{
	if (o->depth)
		BUG("output written with %d open containers", o->depth);
	if (o->stream && fmt != MLW_FMT_TSV && fmt != MLW_FMT_NONE)
		BUG("a tsv stream written as another format");
	if (o->stream_err) {
		errno = o->stream_err;
		return mlw_error_errno("cannot write output");
	}
	switch (fmt) {
	case MLW_FMT_NONE:
		break;
	case MLW_FMT_JSON:
	case MLW_FMT_JSONC:
		if (o->root) {
			mlw_json_write(b, o->root, MLW_JSON_INDENT |
				       (fmt == MLW_FMT_JSONC ? MLW_JSON_COLOR :
					0));
			mlw_buf_addch(b, '\n');
		}
		break;
	case MLW_FMT_YAML:
	case MLW_FMT_YAMLC:
		if (o->root)
			render_yaml(b, o->root, 0, 0, fmt == MLW_FMT_YAMLC);
		break;
	case MLW_FMT_TSV:
		render_tsv(b, o->root);
		break;
	default:
		if (o->table_list && fmt != MLW_FMT_TABLE &&
		    fmt != MLW_FMT_DEFAULT && fmt != MLW_FMT_NONE)
			BUG("a table list written as another format");
		render_table(b, o->root, width, o->table);
		break;
	}
	return 0;
}

int mlw_out_write(struct mlw_out *o, enum mlw_format fmt, FILE *fp, int width)
{
	struct mlw_buf b = MLW_BUF_INIT;
	int ret = mlw_out_render(o, fmt, &b, width);

	if (!ret && b.len && fwrite(b.buf, 1, b.len, fp) != b.len)
		ret = mlw_error_errno("cannot write output");
	if (!ret && fflush(fp))
		ret = mlw_error_errno("cannot write output");
	mlw_buf_release(&b);
	return ret;
}

json_t *mlw_out_root(struct mlw_out *o)
{
	if (o->depth)
		BUG("output read with %d open containers", o->depth);
	return o->root;
}

/* a JSON value as output items, so that -o yaml and -o table apply */
void mlw_out_json(struct mlw_out *o, const char *key, json_t *v)
{
	const char *k;
	json_t *x;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		mlw_out_object_begin(o, key);
		json_object_foreach(v, k, x)
			mlw_out_json(o, k, x);
		mlw_out_end(o);
		break;
	case JSON_ARRAY:
		mlw_out_list_begin(o, key);
		json_array_foreach(v, i, x)
			mlw_out_json(o, NULL, x);
		mlw_out_end(o);
		break;
	case JSON_STRING:
		mlw_out_str(o, key, json_string_value(v));
		break;
	case JSON_INTEGER:
		mlw_out_int(o, key, (int64_t)json_integer_value(v));
		break;
	case JSON_REAL:
		mlw_out_num(o, key, json_real_value(v));
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		mlw_out_bool(o, key, json_is_true(v));
		break;
	default:
		mlw_out_null(o, key);
		break;
	}
}

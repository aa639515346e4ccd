/*
 * mltable.c - MLTable folders (mltable.h).
 *
 * The spec is checked whole before any data is read, so a typo in the
 * tenth transformation is reported with its position before minutes of
 * reading.  Rows then flow one at a time from the files through the
 * row transformations (take, skip, take_random_sample, filter) into a
 * dataset builder; column transformations (drop_columns, keep_columns,
 * convert_column_types) are resolved once against the header.
 */
#include "ml/mltable.h"
#include "ml/csv.h"
#include "spec/yaml.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/output.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* a mapping's nr counts keys and values */
#define PAIRS(map) ((map)->nr / 2)

enum header_mode { ALL_FILES_SAME_HEADERS, FROM_FIRST_FILE, NO_HEADER };
enum reader_kind { READ_DELIMITED, READ_JSON_LINES };
enum step_kind { TAKE, SKIP, SAMPLE, FILTER, DROP, KEEP, CONVERT };

/* a filter expression */
enum expr_kind { EXPR_AND, EXPR_OR, EXPR_NOT, EXPR_CMP };
enum cmp_op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE };

struct expr {
	enum expr_kind kind;
	struct expr *left, *right;
	char *column;
	size_t col;		/* resolved against the header */
	enum cmp_op op;
	int is_number;
	double number;
	char *text;
};

struct step {
	enum step_kind kind;
	const struct mlw_yaml_node *node;	/* for messages */
	int64_t count;				/* take, skip */
	double probability;
	uint64_t rng;
	struct expr *filter;
	char **columns;				/* drop, keep, convert */
	size_t nr_columns;
	enum mlw_column_type *types;		/* convert: per column */
	int64_t seen;
};

struct spec {
	const char *path;	/* the MLTable file */
	char *dir;
	char **files;
	size_t nr_files, alloc_files;
	enum reader_kind reader;
	char delim;
	enum header_mode header;
	int latin1, empty_as_string, include_path, drop_invalid;
	struct step *steps;
	size_t nr_steps, alloc_steps;
};

static int spec_error(const struct spec *s, const struct mlw_yaml_node *n,
		      const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int spec_error(const struct spec *s, const struct mlw_yaml_node *n,
		      const char *fmt, ...)
{
	struct mlw_buf b = MLW_BUF_INIT;
	va_list ap;
	int ret;

	va_start(ap, fmt);
	mlw_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	if (n)
		ret = mlw_error_setc(MLW_EINVALID, "%s:%d:%d: %s", s->path,
				     n->line, n->col, b.buf);
	else
		ret = mlw_error_setc(MLW_EINVALID, "%s: %s", s->path, b.buf);
	mlw_buf_release(&b);
	return ret;
}

static void expr_free(struct expr *e)
{
	if (!e)
		return;
	expr_free(e->left);
	expr_free(e->right);
	free(e->column);
	free(e->text);
	free(e);
}

static void spec_release(struct spec *s)
{
	size_t i, k;

	for (i = 0; i < s->nr_files; i++)
		free(s->files[i]);
	free(s->files);
	for (i = 0; i < s->nr_steps; i++) {
		for (k = 0; k < s->steps[i].nr_columns; k++)
			free(s->steps[i].columns[k]);
		free(s->steps[i].columns);
		free(s->steps[i].types);
		expr_free(s->steps[i].filter);
	}
	free(s->steps);
	free(s->dir);
}

/* ---- filter expressions ---- */

struct lexer {
	const char *p;
	const char *error;
};

static void skip_blanks(struct lexer *lx)
{
	while (*lx->p == ' ' || *lx->p == '\t')
		lx->p++;
}

static int accept(struct lexer *lx, const char *word)
{
	size_t len = strlen(word);
	int alpha = (*word >= 'a' && *word <= 'z');

	skip_blanks(lx);
	if (strncmp(lx->p, word, len))
		return 0;
	if (alpha && (lx->p[len] == '_' || (lx->p[len] >= '0' && lx->p[len] <= '9') ||
		      ((lx->p[len] | 32) >= 'a' && (lx->p[len] | 32) <= 'z')))
		return 0;
	lx->p += len;
	return 1;
}

static char *quoted(struct lexer *lx)
{
	char q = *lx->p;
	const char *start = ++lx->p;
	char *s;

	while (*lx->p && *lx->p != q)
		lx->p++;
	if (!*lx->p) {
		lx->error = "unterminated string";
		return NULL;
	}
	s = mlw_strndup(start, (size_t)(lx->p - start));
	lx->p++;
	return s;
}

static struct expr *parse_or(struct lexer *lx);

static struct expr *parse_cmp(struct lexer *lx)
{
	static const struct { const char *op; enum cmp_op code; } ops[] = {
		{ "==", OP_EQ }, { "!=", OP_NE }, { "<=", OP_LE },
		{ ">=", OP_GE }, { "<", OP_LT }, { ">", OP_GT }, { "=", OP_EQ }
	};
	struct expr *e;
	size_t i;

	if (accept(lx, "not") || accept(lx, "!")) {
		struct expr *inner = parse_cmp(lx);

		if (!inner)
			return NULL;
		e = mlw_calloc(1, sizeof(*e));
		e->kind = EXPR_NOT;
		e->left = inner;
		return e;
	}
	if (accept(lx, "(")) {
		e = parse_or(lx);
		if (e && !accept(lx, ")")) {
			lx->error = "missing ')'";
			expr_free(e);
			return NULL;
		}
		return e;
	}
	e = mlw_calloc(1, sizeof(*e));
	e->kind = EXPR_CMP;
	skip_blanks(lx);
	if (accept(lx, "col")) {
		skip_blanks(lx);
		if (!accept(lx, "(") || (skip_blanks(lx), *lx->p != '\'' &&
					 *lx->p != '"')) {
			lx->error = "col() takes a quoted column name";
			expr_free(e);
			return NULL;
		}
		e->column = quoted(lx);
		if (!e->column || !accept(lx, ")")) {
			if (!lx->error)
				lx->error = "missing ')' after col(";
			expr_free(e);
			return NULL;
		}
	} else {
		const char *start = lx->p;

		while (*lx->p == '_' || *lx->p == '.' ||
		       (*lx->p >= '0' && *lx->p <= '9') ||
		       ((*lx->p | 32) >= 'a' && (*lx->p | 32) <= 'z'))
			lx->p++;
		if (lx->p == start) {
			lx->error = "a column name was expected";
			expr_free(e);
			return NULL;
		}
		e->column = mlw_strndup(start, (size_t)(lx->p - start));
	}
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (accept(lx, ops[i].op))
			break;
	if (i == sizeof(ops) / sizeof(ops[0])) {
		lx->error = "a comparison (==, !=, <, <=, >, >=) was expected";
		expr_free(e);
		return NULL;
	}
	e->op = ops[i].code;
	skip_blanks(lx);
	if (*lx->p == '\'' || *lx->p == '"') {
		e->text = quoted(lx);
		if (!e->text) {
			expr_free(e);
			return NULL;
		}
	} else if (accept(lx, "true") || accept(lx, "True")) {
		e->text = mlw_strdup("true");
	} else if (accept(lx, "false") || accept(lx, "False")) {
		e->text = mlw_strdup("false");
	} else {
		const char *start = lx->p;

		while (*lx->p && strchr("0123456789.eE+-", *lx->p))
			lx->p++;
		if (mlw_csv_parse_double(&e->number, start,
					 (size_t)(lx->p - start))) {
			lx->error = "a number, a quoted string or true/false was expected";
			expr_free(e);
			return NULL;
		}
		e->is_number = 1;
	}
	return e;
}

static struct expr *parse_and(struct lexer *lx)
{
	struct expr *e = parse_cmp(lx);

	while (e && (accept(lx, "and") || accept(lx, "&&") || accept(lx, "&"))) {
		struct expr *r = parse_cmp(lx), *n;

		if (!r) {
			expr_free(e);
			return NULL;
		}
		n = mlw_calloc(1, sizeof(*n));
		n->kind = EXPR_AND;
		n->left = e;
		n->right = r;
		e = n;
	}
	return e;
}

static struct expr *parse_or(struct lexer *lx)
{
	struct expr *e = parse_and(lx);

	while (e && (accept(lx, "or") || accept(lx, "||") || accept(lx, "|"))) {
		struct expr *r = parse_and(lx), *n;

		if (!r) {
			expr_free(e);
			return NULL;
		}
		n = mlw_calloc(1, sizeof(*n));
		n->kind = EXPR_OR;
		n->left = e;
		n->right = r;
		e = n;
	}
	return e;
}

/* ---- the spec ---- */

static uint64_t splitmix(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static int is_remote(const char *p)
{
	return strstr(p, "://") || !strncmp(p, "azureml:", 8);
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add_file(struct spec *s, char *path)
{
	MLW_ALLOC_GROW(s->files, s->nr_files + 1, s->alloc_files);
	s->files[s->nr_files++] = path;
}

/* every regular file under dir, sorted by path */
static int add_folder(struct spec *s, const char *dir,
		      const struct mlw_yaml_node *n)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t nr = 0, alloc = 0, i;
	int ret = 0;

	if (!d && errno == ENOENT)
		return mlw_error_setc(MLW_ENOTFOUND, "%s:%d:%d: no folder '%s'",
				      s->path, n->line, n->col, dir);
	if (!d) {
		ret = mlw_errno_code(errno);
		mlw_error_errno("cannot read '%s'", dir);
		return mlw_error_recode(ret);
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		MLW_ALLOC_GROW(names, nr + 1, alloc);
		names[nr++] = mlw_path_join(dir, de->d_name);
	}
	closedir(d);
	if (nr)
		qsort(names, nr, sizeof(*names), cmp_strp);
	for (i = 0; i < nr; i++) {
		struct stat st;

		if (!ret && !stat(names[i], &st) && S_ISDIR(st.st_mode)) {
			ret = add_folder(s, names[i], n);
			free(names[i]);
		} else if (!ret && !strcmp(strrchr(names[i], '/') + 1, "MLTable")) {
			free(names[i]);
		} else if (!ret) {
			add_file(s, names[i]);
		} else {
			free(names[i]);
		}
	}
	free(names);
	return ret;
}

static int parse_paths(struct spec *s, const struct mlw_yaml_node *paths)
{
	size_t i;

	if (!paths || paths->kind != MLW_YAML_SEQ || !paths->nr)
		return spec_error(s, paths, "'paths' must list at least one file, folder or pattern");
	for (i = 0; i < paths->nr; i++) {
		const struct mlw_yaml_node *item = paths->items[i];
		const struct mlw_yaml_node *v;
		const char *key, *text;
		char *full;
		int ret;

		if (item->kind != MLW_YAML_MAP || PAIRS(item) != 1)
			return spec_error(s, item, "a path is one of file:, folder: or pattern:");
		key = mlw_yaml_key(item, 0)->text;
		v = mlw_yaml_value(item, 0);
		if (v->kind != MLW_YAML_SCALAR || !*v->text)
			return spec_error(s, v, "'%s' takes a path", key);
		text = v->text;
		if (is_remote(text))
			return spec_error(s, v, "'%s' is remote: mlw reads local files only", text);
		full = text[0] == '/' ? mlw_strdup(text) : mlw_path_join(s->dir, text);
		if (!strcmp(key, "file")) {
			struct stat st;

			if (stat(full, &st)) {
				ret = mlw_error_setc(MLW_ENOTFOUND,
						     "%s:%d:%d: no file '%s'",
						     s->path, v->line, v->col, text);
				free(full);
				return ret;
			}
			add_file(s, full);
		} else if (!strcmp(key, "folder")) {
			ret = add_folder(s, full, v);
			free(full);
			if (ret)
				return ret;
		} else if (!strcmp(key, "pattern")) {
			glob_t g;
			size_t k;

			ret = glob(full, 0, NULL, &g);
			free(full);
			if (ret == GLOB_NOMATCH)
				return mlw_error_setc(MLW_ENOTFOUND,
						      "%s:%d:%d: no file matches '%s'",
						      s->path, v->line, v->col, text);
			if (ret)
				return spec_error(s, v, "cannot expand '%s'", text);
			for (k = 0; k < g.gl_pathc; k++)
				add_file(s, mlw_strdup(g.gl_pathv[k]));
			globfree(&g);
		} else {
			free(full);
			return spec_error(s, mlw_yaml_key(item, 0),
					  "unknown path kind '%s' (file, folder or pattern)",
					  key);
		}
	}
	return 0;
}

static int get_bool(struct spec *s, const struct mlw_yaml_node *n, int *out)
{
	if (mlw_yaml_to_bool(n, out))
		return spec_error(s, n, "true or false was expected, not %s",
				  mlw_yaml_describe(n));
	return 0;
}

static int parse_encoding(struct spec *s, const struct mlw_yaml_node *n)
{
	const char *e = n->kind == MLW_YAML_SCALAR ? n->text : "";

	if (!strcasecmp(e, "utf8") || !strcasecmp(e, "utf-8") ||
	    !strcasecmp(e, "ascii"))
		return 0;
	if (!strcasecmp(e, "latin1") || !strcasecmp(e, "iso88591") ||
	    !strcasecmp(e, "iso-8859-1")) {
		s->latin1 = 1;
		return 0;
	}
	return spec_error(s, n, "encoding '%s' is not supported (utf8, ascii or latin1)", e);
}

static int parse_reader(struct spec *s, const char *name,
			const struct mlw_yaml_node *args)
{
	size_t i;

	s->reader = !strcmp(name, "read_delimited") ? READ_DELIMITED :
		    READ_JSON_LINES;
	s->delim = ',';
	if (mlw_yaml_is_null(args))
		return 0;
	if (args->kind != MLW_YAML_MAP)
		return spec_error(s, args, "'%s' takes a mapping", name);
	for (i = 0; i < PAIRS(args); i++) {
		const struct mlw_yaml_node *k = mlw_yaml_key(args, i);
		const struct mlw_yaml_node *v = mlw_yaml_value(args, i);
		int ret = 0;

		if (!strcmp(k->text, "encoding")) {
			ret = parse_encoding(s, v);
		} else if (!strcmp(k->text, "include_path_column")) {
			ret = get_bool(s, v, &s->include_path);
		} else if (s->reader == READ_DELIMITED &&
			   !strcmp(k->text, "delimiter")) {
			if (v->kind != MLW_YAML_SCALAR || v->len != 1)
				return spec_error(s, v, "the delimiter must be one character");
			s->delim = v->text[0];
			if (s->delim == '"' || s->delim == '\n' || s->delim == '\r')
				return spec_error(s, v, "'%s' cannot be a delimiter", v->text);
		} else if (s->reader == READ_DELIMITED &&
			   !strcmp(k->text, "header")) {
			const char *h = v->kind == MLW_YAML_SCALAR ? v->text : "";

			if (!strcmp(h, "all_files_same_headers"))
				s->header = ALL_FILES_SAME_HEADERS;
			else if (!strcmp(h, "from_first_file"))
				s->header = FROM_FIRST_FILE;
			else if (!strcmp(h, "no_header"))
				s->header = NO_HEADER;
			else
				return spec_error(s, v, "header '%s' is not all_files_same_headers, from_first_file or no_header", h);
		} else if (s->reader == READ_DELIMITED &&
			   !strcmp(k->text, "empty_as_string")) {
			ret = get_bool(s, v, &s->empty_as_string);
		} else if (s->reader == READ_DELIMITED &&
			   (!strcmp(k->text, "infer_column_types") ||
			    !strcmp(k->text, "support_multi_line"))) {
			int ignored;

			ret = get_bool(s, v, &ignored);
		} else if (s->reader == READ_JSON_LINES &&
			   !strcmp(k->text, "invalid_lines")) {
			const char *m = v->kind == MLW_YAML_SCALAR ? v->text : "";

			if (!strcmp(m, "drop"))
				s->drop_invalid = 1;
			else if (strcmp(m, "error"))
				return spec_error(s, v, "invalid_lines is error or drop, not '%s'", m);
		} else {
			return spec_error(s, k, "unknown option '%s' of %s", k->text, name);
		}
		if (ret)
			return ret;
	}
	return 0;
}

static int column_list(struct spec *s, struct step *st,
		       const struct mlw_yaml_node *n)
{
	size_t i;

	if (n->kind == MLW_YAML_SCALAR) {
		st->columns = mlw_calloc(1, sizeof(char *));
		st->columns[st->nr_columns++] = mlw_strdup(n->text);
		return 0;
	}
	if (n->kind != MLW_YAML_SEQ || !n->nr)
		return spec_error(s, n, "a column name or a list of them was expected");
	st->columns = mlw_calloc(n->nr, sizeof(char *));
	for (i = 0; i < n->nr; i++) {
		if (n->items[i]->kind != MLW_YAML_SCALAR)
			return spec_error(s, n->items[i], "a column name was expected");
		st->columns[st->nr_columns++] = mlw_strdup(n->items[i]->text);
	}
	return 0;
}

static int parse_convert(struct spec *s, struct step *st,
			 const struct mlw_yaml_node *n)
{
	size_t i;

	if (n->kind != MLW_YAML_SEQ)
		return spec_error(s, n, "convert_column_types takes a list of {columns, column_type}");
	for (i = 0; i < n->nr; i++) {
		const struct mlw_yaml_node *item = n->items[i];
		const struct mlw_yaml_node *cols, *type;
		struct step one = { 0 };
		enum mlw_column_type t;
		const char *name;
		size_t k;
		int ret;

		if (item->kind != MLW_YAML_MAP)
			return spec_error(s, item, "{columns, column_type} was expected");
		cols = mlw_yaml_map_get(item, "columns");
		type = mlw_yaml_map_get(item, "column_type");
		if (!cols || !type)
			return spec_error(s, item, "both 'columns' and 'column_type' are needed");
		if (type->kind == MLW_YAML_MAP && PAIRS(type))
			name = mlw_yaml_key(type, 0)->text;
		else if (type->kind == MLW_YAML_SCALAR)
			name = type->text;
		else
			return spec_error(s, type, "a column type was expected");
		if (!strcmp(name, "int") || !strcmp(name, "float"))
			t = MLW_COLUMN_NUMERIC;
		else if (!strcmp(name, "boolean"))
			t = MLW_COLUMN_BOOLEAN;
		else if (!strcmp(name, "string") || !strcmp(name, "datetime") ||
			 !strcmp(name, "stream_info"))
			t = MLW_COLUMN_CATEGORICAL;
		else
			return spec_error(s, type, "unknown column type '%s' (int, float, boolean, string, datetime, stream_info)", name);
		ret = column_list(s, &one, cols);
		for (k = 0; k < one.nr_columns; k++) {
			st->columns = mlw_realloc(st->columns,
						  (st->nr_columns + 1) * sizeof(char *));
			st->types = mlw_realloc(st->types,
						(st->nr_columns + 1) * sizeof(*st->types));
			st->types[st->nr_columns] = t;
			st->columns[st->nr_columns++] = one.columns[k];
		}
		free(one.columns);
		if (ret)
			return ret;
	}
	return 0;
}

static int parse_step(struct spec *s, const char *name,
		      const struct mlw_yaml_node *key,
		      const struct mlw_yaml_node *v)
{
	struct step *st;

	MLW_ALLOC_GROW(s->steps, s->nr_steps + 1, s->alloc_steps);
	st = &s->steps[s->nr_steps++];
	memset(st, 0, sizeof(*st));
	st->node = key;
	if (!strcmp(name, "take") || !strcmp(name, "skip")) {
		st->kind = name[0] == 't' ? TAKE : SKIP;
		if (mlw_yaml_to_int(v, &st->count) || st->count < 0)
			return spec_error(s, v, "'%s' takes a row count", name);
		return 0;
	}
	if (!strcmp(name, "take_random_sample")) {
		const struct mlw_yaml_node *p, *seed;
		int64_t sv = 0;

		st->kind = SAMPLE;
		if (v->kind != MLW_YAML_MAP)
			return spec_error(s, v, "take_random_sample takes {probability, seed}");
		p = mlw_yaml_map_get(v, "probability");
		seed = mlw_yaml_map_get(v, "seed");
		if (!p || mlw_yaml_to_double(p, &st->probability) ||
		    !(st->probability >= 0 && st->probability <= 1))
			return spec_error(s, p ? p : v, "probability must be a number between 0 and 1");
		if (seed && !mlw_yaml_is_null(seed) && mlw_yaml_to_int(seed, &sv))
			return spec_error(s, seed, "seed must be an integer");
		st->rng = (uint64_t)sv;
		return 0;
	}
	if (!strcmp(name, "filter")) {
		struct lexer lx;

		st->kind = FILTER;
		if (v->kind != MLW_YAML_SCALAR || !*v->text)
			return spec_error(s, v, "filter takes an expression");
		lx.p = v->text;
		lx.error = NULL;
		st->filter = parse_or(&lx);
		if (st->filter && (skip_blanks(&lx), *lx.p)) {
			lx.error = "unexpected text";
			expr_free(st->filter);
			st->filter = NULL;
		}
		if (!st->filter)
			return spec_error(s, v, "%s at '%s' in the filter",
					  lx.error ? lx.error : "bad expression",
					  lx.p);
		return 0;
	}
	if (!strcmp(name, "drop_columns") || !strcmp(name, "keep_columns")) {
		st->kind = name[0] == 'd' ? DROP : KEEP;
		return column_list(s, st, v);
	}
	if (!strcmp(name, "convert_column_types")) {
		st->kind = CONVERT;
		return parse_convert(s, st, v);
	}
	s->nr_steps--;
	if (!strcmp(name, "read_parquet") || !strcmp(name, "read_delta_lake"))
		return spec_error(s, key, "'%s' is not supported: mlw reads delimited text and JSON lines", name);
	return spec_error(s, key, "unknown transformation '%s'", name);
}

static int parse_spec(struct spec *s, const struct mlw_yaml_node *root)
{
	const struct mlw_yaml_node *tr;
	size_t i;
	int ret, have_reader = 0;

	if (!root || root->kind != MLW_YAML_MAP)
		return spec_error(s, root, "an MLTable file is a mapping with 'paths'");
	for (i = 0; i < PAIRS(root); i++) {
		const char *k = mlw_yaml_key(root, i)->text;

		if (strcmp(k, "paths") && strcmp(k, "transformations") &&
		    strcmp(k, "$schema") && strcmp(k, "type") &&
		    strcmp(k, "metadata") && strcmp(k, "traits"))
			return spec_error(s, mlw_yaml_key(root, i),
					  "unknown key '%s'", k);
	}
	s->reader = READ_DELIMITED;
	s->delim = ',';
	tr = mlw_yaml_map_get(root, "transformations");
	if (tr && !mlw_yaml_is_null(tr)) {
		if (tr->kind != MLW_YAML_SEQ)
			return spec_error(s, tr, "'transformations' is a list");
		for (i = 0; i < tr->nr; i++) {
			const struct mlw_yaml_node *t = tr->items[i], *key, *v;
			const char *name;

			if (t->kind == MLW_YAML_SCALAR) {
				key = v = t;
			} else if (t->kind == MLW_YAML_MAP && PAIRS(t) == 1) {
				key = mlw_yaml_key(t, 0);
				v = mlw_yaml_value(t, 0);
			} else {
				return spec_error(s, t, "a transformation is one 'name: arguments'");
			}
			name = key->text;
			if (!strcmp(name, "read_delimited") ||
			    !strcmp(name, "read_json_lines")) {
				if (have_reader++ || s->nr_steps)
					return spec_error(s, key, "'%s' must be the first transformation, and the only reader", name);
				ret = parse_reader(s, name, t == v ? NULL : v);
			} else if (t == v) {
				if (!strcmp(name, "read_parquet") ||
				    !strcmp(name, "read_delta_lake"))
					return spec_error(s, key, "'%s' is not supported: mlw reads delimited text and JSON lines", name);
				return spec_error(s, key, "'%s' needs arguments", name);
			} else {
				ret = parse_step(s, name, key, v);
			}
			if (ret)
				return ret;
		}
	}
	return parse_paths(s, mlw_yaml_map_get(root, "paths"));
}

/* ---- reading rows ---- */

struct table {
	struct spec *s;
	char **names;		/* of the source columns, + "Path" */
	size_t nr_names, alloc_names;
	size_t *out_cols;	/* visible columns, in output order */
	size_t nr_out;
	struct mlw_dataset_builder *builder;
	struct mlw_dataset_cell *cells, *out_cells;
	int done;		/* a take is full: read no more */
};

static size_t find_name(struct table *t, const char *name,
			const size_t *visible, size_t nr_visible)
{
	size_t i;

	for (i = 0; i < nr_visible; i++)
		if (!strcmp(t->names[visible[i]], name))
			return visible[i];
	return SIZE_MAX;
}

static int resolve_expr(struct table *t, struct expr *e, const size_t *vis,
			size_t nr_vis, const struct step *st)
{
	if (!e)
		return 0;
	if (e->kind == EXPR_CMP) {
		e->col = find_name(t, e->column, vis, nr_vis);
		if (e->col == SIZE_MAX)
			return spec_error(t->s, st->node,
					  "the filter names no column '%s'",
					  e->column);
		return 0;
	}
	if (resolve_expr(t, e->left, vis, nr_vis, st))
		return -1;
	return resolve_expr(t, e->right, vis, nr_vis, st);
}

/* the header is known: resolve column steps and start the builder */
static int start_table(struct table *t)
{
	struct spec *s = t->s;
	size_t *vis = mlw_malloc(mlw_st_mult(t->nr_names + 1, sizeof(size_t)));
	size_t nr_vis = t->nr_names, i, k, j;
	enum mlw_column_type *forced;
	char **names;
	int ret = 0;

	forced = mlw_malloc(mlw_st_mult(t->nr_names + 1, sizeof(*forced)));
	for (i = 0; i < t->nr_names; i++) {
		vis[i] = i;
		forced[i] = (enum mlw_column_type)-1;
	}
	for (k = 0; k < s->nr_steps && !ret; k++) {
		struct step *st = &s->steps[k];
		size_t *idx;

		if (st->kind == FILTER) {
			ret = resolve_expr(t, st->filter, vis, nr_vis, st);
			continue;
		}
		if (st->kind != DROP && st->kind != KEEP && st->kind != CONVERT)
			continue;
		idx = mlw_malloc(mlw_st_mult(st->nr_columns + 1, sizeof(size_t)));
		for (j = 0; j < st->nr_columns && !ret; j++) {
			idx[j] = find_name(t, st->columns[j], vis, nr_vis);
			if (idx[j] == SIZE_MAX)
				ret = spec_error(s, st->node, "no column '%s'",
						 st->columns[j]);
		}
		if (!ret && st->kind == CONVERT) {
			for (j = 0; j < st->nr_columns; j++)
				forced[idx[j]] = st->types[j];
		} else if (!ret) {
			size_t n = 0;

			for (i = 0; i < nr_vis; i++) {
				int listed = 0;

				for (j = 0; j < st->nr_columns; j++)
					listed |= idx[j] == vis[i];
				if (listed == (st->kind == KEEP))
					vis[n++] = vis[i];
			}
			nr_vis = n;
		}
		free(idx);
	}
	if (!ret && !nr_vis)
		ret = spec_error(s, NULL, "no columns are left");
	if (ret) {
		free(vis);
		free(forced);
		return ret;
	}
	t->out_cols = vis;
	t->nr_out = nr_vis;
	names = mlw_malloc(mlw_st_mult(nr_vis + 1, sizeof(char *)));
	for (i = 0; i < nr_vis; i++)
		names[i] = t->names[vis[i]];
	ret = mlw_dataset_builder_new(&t->builder, s->path, names, nr_vis);
	for (i = 0; !ret && i < nr_vis; i++)
		if ((int)forced[vis[i]] >= 0)
			mlw_dataset_builder_force(t->builder, i, forced[vis[i]]);
	free(names);
	free(forced);
	t->cells = mlw_calloc(t->nr_names + 1, sizeof(*t->cells));
	t->out_cells = mlw_calloc(nr_vis + 1, sizeof(*t->out_cells));
	return ret;
}

static int eval(const struct expr *e, const struct mlw_dataset_cell *cells)
{
	const struct mlw_dataset_cell *c;
	int cmp;

	switch (e->kind) {
	case EXPR_AND:
		return eval(e->left, cells) && eval(e->right, cells);
	case EXPR_OR:
		return eval(e->left, cells) || eval(e->right, cells);
	case EXPR_NOT:
		return !eval(e->left, cells);
	case EXPR_CMP:
		break;
	}
	c = &cells[e->col];
	if (c->missing)
		return 0;
	if (e->is_number) {
		double v;

		if (mlw_csv_parse_double(&v, c->text, c->len))
			return 0;
		cmp = v < e->number ? -1 : v > e->number;
	} else {
		size_t n = strlen(e->text);

		cmp = strncmp(c->text, e->text, c->len < n ? c->len : n);
		if (!cmp)
			cmp = c->len < n ? -1 : c->len > n;
		if (!strcmp(e->text, "true") || !strcmp(e->text, "false"))
			cmp = (c->len == n && !strncasecmp(c->text, e->text, n)) ?
			      0 : 1;
	}
	switch (e->op) {
	case OP_EQ: return cmp == 0;
	case OP_NE: return cmp != 0;
	case OP_LT: return cmp < 0;
	case OP_LE: return cmp <= 0;
	case OP_GT: return cmp > 0;
	case OP_GE: return cmp >= 0;
	}
	return 0;
}

/* pass t->cells (one source row) through the row steps */
static void push_row(struct table *t, const char *file, size_t line)
{
	struct spec *s = t->s;
	size_t k, i;

	for (k = 0; k < s->nr_steps; k++) {
		struct step *st = &s->steps[k];

		switch (st->kind) {
		case TAKE:
			if (st->seen >= st->count) {
				t->done = 1;
				return;
			}
			st->seen++;
			break;
		case SKIP:
			if (st->seen < st->count) {
				st->seen++;
				return;
			}
			break;
		case SAMPLE:
			if ((double)(splitmix(&st->rng) >> 11) /
			    9007199254740992.0 >= st->probability)
				return;
			break;
		case FILTER:
			if (!eval(st->filter, t->cells))
				return;
			break;
		default:
			break;
		}
	}
	for (i = 0; i < t->nr_out; i++)
		t->out_cells[i] = t->cells[t->out_cols[i]];
	mlw_dataset_builder_add(t->builder, file, line, t->out_cells);
	/* a take that is now full ends the reading */
	for (k = 0; k < s->nr_steps; k++)
		if (s->steps[k].kind == TAKE &&
		    s->steps[k].seen >= s->steps[k].count)
			t->done = 1;
}

/* the file's bytes as UTF-8 (latin1 converted); *map_len to unmap */
static int read_text(struct mlw_buf *out, const char *path, int latin1)
{
	struct mlw_buf raw = MLW_BUF_INIT;
	size_t i;
	int ret = mlw_buf_read_file(&raw, path, (size_t)1 << 40);

	if (ret) {
		/* (a folder opens, then fails to read: the buffer grew) */
		mlw_buf_release(&raw);
		return ret;
	}
	if (!latin1) {
		*out = raw;
		return 0;
	}
	mlw_buf_init(out, raw.len + raw.len / 8);
	for (i = 0; i < raw.len; i++) {
		unsigned char c = (unsigned char)raw.buf[i];

		if (c < 0x80) {
			mlw_buf_addch(out, c);
		} else {
			mlw_buf_addch(out, 0xC0 | (c >> 6));
			mlw_buf_addch(out, 0x80 | (c & 0x3F));
		}
	}
	mlw_buf_release(&raw);
	return 0;
}

/* the fields of one CSV row into cells; -1 with a message on bad rows */
static int read_csv_row(struct mlw_buf *texts, size_t *nr_out, size_t max,
			struct mlw_dataset_cell *cells, const char **pos,
			const char *end, char delim, size_t *line,
			const char *file, int empty_as_string)
{
	size_t col = 0, row_line = *line;
	int st = MLW_CSV_FIELD;

	while (st == MLW_CSV_FIELD) {
		struct mlw_csv_field f;

		st = mlw_csv_field(&f, pos, end, delim);
		if (st < 0)
			return mlw_error_setc(MLW_EINVALID, "%s:%zu: %s (field %zu)",
					      file, *line, mlw_csv_strerror(st),
					      col + 1);
		if (f.quoted) {
			const char *q = f.text;

			while ((q = memchr(q, '\n', (size_t)(f.text + f.len - q)))) {
				(*line)++;
				q++;
			}
		}
		if (col >= max)
			return mlw_error_setc(MLW_EINVALID,
					      "%s:%zu: too many fields (the header has %zu)",
					      file, row_line, max);
		if (f.escaped) {
			mlw_csv_unquote(&texts[col], &f);
			cells[col].text = texts[col].buf;
			cells[col].len = texts[col].len;
		} else {
			cells[col].text = f.text;
			cells[col].len = f.len;
		}
		cells[col].missing = (!f.quoted || !f.len) &&
			mlw_dataset_is_missing(f.text, f.len) &&
			!(empty_as_string && !f.len);
		col++;
	}
	(*line)++;
	*nr_out = col;
	return 0;
}

static int read_delimited(struct table *t)
{
	struct spec *s = t->s;
	struct mlw_buf *texts = NULL, header_text = MLW_BUF_INIT;
	size_t nr_texts = 0, f, i;
	char **first_header = NULL;
	size_t nr_first = 0;
	int ret = 0;

	for (f = 0; f < s->nr_files && !ret && !t->done; f++) {
		struct mlw_buf data = MLW_BUF_INIT;
		const char *file = s->files[f], *p, *end;
		size_t line = 1, n;

		ret = read_text(&data, file, s->latin1);
		if (ret)
			break;
		p = data.buf;
		end = data.buf + data.len;
		if (end - p >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
			p += 3;
		if (!t->builder) {
			/* the first file sets the columns */
			size_t alloc = 0;
			const char *q = p;
			int st = MLW_CSV_FIELD;

			if (p == end) {
				ret = mlw_error_setc(MLW_EINVALID, "%s: empty file",
						     file);
				mlw_buf_release(&data);
				break;
			}
			while (st == MLW_CSV_FIELD && !ret) {
				struct mlw_csv_field fl;

				st = mlw_csv_field(&fl, &q, end, s->delim);
				if (st < 0) {
					ret = mlw_error_setc(MLW_EINVALID, "%s:1: %s",
							     file, mlw_csv_strerror(st));
					break;
				}
				mlw_csv_unquote(&header_text, &fl);
				MLW_ALLOC_GROW(t->names, t->nr_names + 2, alloc);
				t->names[t->nr_names] = s->header == NO_HEADER ?
					mlw_xstrfmt("Column%zu", t->nr_names + 1) :
					mlw_strdup(header_text.buf ? header_text.buf : "");
				t->nr_names++;
			}
			if (ret) {
				mlw_buf_release(&data);
				break;
			}
			nr_first = t->nr_names;
			first_header = t->names;
			if (s->include_path)
				t->names[t->nr_names++] = mlw_strdup("Path");
			ret = start_table(t);
			if (ret) {
				mlw_buf_release(&data);
				break;
			}
			nr_texts = t->nr_names;
			texts = mlw_calloc(nr_texts, sizeof(*texts));
			for (i = 0; i < nr_texts; i++)
				mlw_buf_init(&texts[i], 0);
			if (s->header != NO_HEADER) {
				p = q;
				line = 2;
			}
		} else if (s->header == ALL_FILES_SAME_HEADERS) {
			ret = read_csv_row(texts, &n, nr_first, t->cells, &p, end,
					   s->delim, &line, file, 1);
			for (i = 0; !ret && i < n; i++)
				if (n != nr_first ||
				    t->cells[i].len != strlen(first_header[i]) ||
				    memcmp(t->cells[i].text, first_header[i],
					   t->cells[i].len))
					ret = mlw_error_setc(MLW_EINVALID,
						"%s:1: the header differs from the first file's (header: all_files_same_headers)",
						file);
		}
		while (!ret && p < end && !t->done) {
			size_t row_line;

			if (*p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n')) {
				p += *p == '\n' ? 1 : 2;
				line++;
				continue;
			}
			row_line = line;
			ret = read_csv_row(texts, &n, nr_first, t->cells, &p, end,
					   s->delim, &line, file,
					   s->empty_as_string);
			if (!ret && n < nr_first)
				ret = mlw_error_setc(MLW_EINVALID,
						     "%s:%zu: too few fields: %zu of %zu",
						     file, row_line, n, nr_first);
			if (ret)
				break;
			if (s->include_path) {
				t->cells[nr_first].text = file;
				t->cells[nr_first].len = strlen(file);
				t->cells[nr_first].missing = 0;
			}
			push_row(t, file, row_line);
		}
		mlw_buf_release(&data);
	}
	for (i = 0; i < nr_texts; i++)
		mlw_buf_release(&texts[i]);
	free(texts);
	mlw_buf_release(&header_text);
	return ret;
}

/*
 * JSON lines: one object a line.  The columns are every key seen, in
 * the order first seen, so the files are read twice: keys, then rows.
 */
static int read_json_lines(struct table *t)
{
	struct spec *s = t->s;
	struct mlw_buf *texts = NULL;
	size_t pass, f, i, alloc = 0, nr_texts = 0;
	int ret = 0;

	for (pass = 0; pass < 2 && !ret; pass++) {
		for (f = 0; f < s->nr_files && !ret && !t->done; f++) {
			struct mlw_buf data = MLW_BUF_INIT;
			const char *file = s->files[f], *p, *end;
			size_t line = 0;

			ret = read_text(&data, file, s->latin1);
			if (ret)
				break;
			p = data.buf;
			end = p + data.len;
			while (p < end && !ret && !t->done) {
				const char *nl = memchr(p, '\n', (size_t)(end - p));
				const char *e = nl ? nl : end;
				json_error_t jerr;
				json_t *o;
				const char *key;
				json_t *v;

				line++;
				if (e == p || (e == p + 1 && *p == '\r')) {
					p = e + 1;
					continue;
				}
				o = json_loadb(p, (size_t)(e - p), 0, &jerr);
				p = e + 1;
				if (!o || !json_is_object(o)) {
					json_decref(o);
					if (s->drop_invalid)
						continue;
					ret = mlw_error_setc(MLW_EINVALID,
						"%s:%zu: %s", file, line,
						o ? "not a JSON object" : jerr.text);
					break;
				}
				if (pass == 0) {
					json_object_foreach(o, key, v) {
						for (i = 0; i < t->nr_names; i++)
							if (!strcmp(t->names[i], key))
								break;
						if (i == t->nr_names) {
							MLW_ALLOC_GROW(t->names, t->nr_names + 2, alloc);
							t->names[t->nr_names++] = mlw_strdup(key);
						}
					}
					json_decref(o);
					continue;
				}
				for (i = 0; i < nr_texts; i++) {
					v = i < t->nr_names - !!s->include_path ?
					    json_object_get(o, t->names[i]) : NULL;
					mlw_buf_reset(&texts[i]);
					t->cells[i].missing =
						!mlw_json_scalar_text(&texts[i],
								      v);
					t->cells[i].text = texts[i].buf;
					t->cells[i].len = texts[i].len;
				}
				if (s->include_path) {
					t->cells[nr_texts - 1].text = file;
					t->cells[nr_texts - 1].len = strlen(file);
					t->cells[nr_texts - 1].missing = 0;
				}
				json_decref(o);
				push_row(t, file, line);
			}
			mlw_buf_release(&data);
		}
		if (!ret && pass == 0) {
			if (!t->nr_names) {
				ret = spec_error(s, NULL, "the JSON lines hold no columns");
				break;
			}
			if (s->include_path) {
				MLW_ALLOC_GROW(t->names, t->nr_names + 1, alloc);
				t->names[t->nr_names++] = mlw_strdup("Path");
			}
			ret = start_table(t);
			nr_texts = t->nr_names;
			texts = mlw_calloc(nr_texts + 1, sizeof(*texts));
			for (i = 0; i < nr_texts; i++)
				mlw_buf_init(&texts[i], 0);
		}
	}
	for (i = 0; i < nr_texts; i++)
		mlw_buf_release(&texts[i]);
	free(texts);
	return ret;
}

int mlw_mltable_load_file(struct mlw_dataset **out, const char *path,
			  const struct mlw_dataset_options *opts)
{
	struct mlw_yaml_doc *doc;
	struct spec s = { 0 };
	struct table t = { 0 };
	size_t i;
	int ret;

	*out = NULL;
	ret = mlw_yaml_load_file(&doc, path);
	if (ret)
		return ret;
	s.path = path;
	s.dir = mlw_path_dirname(path);
	ret = parse_spec(&s, doc->root);
	if (!ret && opts && opts->delimiter)
		s.delim = opts->delimiter;
	t.s = &s;
	if (!ret)
		ret = s.reader == READ_JSON_LINES ? read_json_lines(&t) :
		      read_delimited(&t);
	if (!ret && !t.builder)
		ret = spec_error(&s, NULL, "no data was read");
	if (!ret) {
		ret = mlw_dataset_builder_finish(out, t.builder);
		t.builder = NULL;
	}
	mlw_dataset_builder_free(t.builder);
	for (i = 0; i < t.nr_names; i++)
		free(t.names[i]);
	free(t.names);
	free(t.out_cols);
	free(t.cells);
	free(t.out_cells);
	spec_release(&s);
	mlw_yaml_free(doc);
	return ret;
}

int mlw_mltable_load(struct mlw_dataset **out, const char *dir,
		     const struct mlw_dataset_options *opts)
{
	char *path = mlw_path_join(dir, "MLTable");
	struct stat st;
	int ret;

	if (stat(path, &st)) {
		ret = mlw_error_setc(MLW_ENOTFOUND,
				     "'%s' has no MLTable file", dir);
		free(path);
		*out = NULL;
		return ret;
	}
	ret = mlw_mltable_load_file(out, path, opts);
	free(path);
	return ret;
}

int mlw_dataset_open(struct mlw_dataset **out, const char *path,
		     const struct mlw_dataset_options *opts)
{
	struct stat st;
	size_t len = strlen(path);

	if (!stat(path, &st) && S_ISDIR(st.st_mode))
		return mlw_mltable_load(out, path, opts);
	if (!strcmp(path, "MLTable") ||
	    (len > 8 && !strcmp(path + len - 8, "/MLTable")))
		return mlw_mltable_load_file(out, path, opts);
	return mlw_dataset_load(out, path, opts);
}

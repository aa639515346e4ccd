/*
 * search.c - runs/search: MLflow's filter grammar into one SQL query;
 * see search.h.
 *
 * The filter is parsed by hand: it is a few tokens (identifier,
 * comparator, value, AND), and no library in Debian knows MLflow's
 * dialect of it.  Every value is bound, never spliced into the SQL.
 */
#include "run/search.h"
#include "run/tracking.h"
#include "store/catalog.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* --- parsing */

struct lexer {
	const char *text;	/* the whole filter, for messages */
	const char *p;
};

static int parse_error(struct lexer *lx, const char *what)
{
	return mlw_error_setc(MLW_EINVALID, "invalid filter '%s': %s at "
			      "character %d", lx->text, what,
			      (int)(lx->p - lx->text) + 1);
}

static void skip_space(struct lexer *lx)
{
	while (isspace((unsigned char)*lx->p))
		lx->p++;
}

/* the next word ([A-Za-z_][A-Za-z0-9_]*) if it is word, consumed */
static int take_word(struct lexer *lx, const char *word)
{
	size_t n = strlen(word);

	skip_space(lx);
	if (strncasecmp(lx->p, word, n) ||
	    isalnum((unsigned char)lx->p[n]) || lx->p[n] == '_')
		return 0;
	lx->p += n;
	return 1;
}

/* a quoted string ('...' or "..." or `...`, the quote doubled inside) */
static int take_quoted(struct lexer *lx, char **out)
{
	struct mlw_buf b = MLW_BUF_INIT;
	char q = *lx->p;

	lx->p++;
	for (;;) {
		if (!*lx->p) {
			mlw_buf_release(&b);
			return parse_error(lx, "unterminated quoted string");
		}
		if (*lx->p == q) {
			if (lx->p[1] != q)
				break;
			lx->p++;
		}
		mlw_buf_addch(&b, *lx->p++);
	}
	lx->p++;
	*out = mlw_buf_detach(&b, NULL);
	return 0;
}

static const struct {
	const char *name;
	enum mlw_search_entity entity;
} entities[] = {
	{ "metric", MLW_SEARCH_METRIC }, { "metrics", MLW_SEARCH_METRIC },
	{ "param", MLW_SEARCH_PARAM }, { "params", MLW_SEARCH_PARAM },
	{ "parameter", MLW_SEARCH_PARAM }, { "parameters", MLW_SEARCH_PARAM },
	{ "tag", MLW_SEARCH_TAG }, { "tags", MLW_SEARCH_TAG },
	{ "attribute", MLW_SEARCH_ATTRIBUTE },
	{ "attributes", MLW_SEARCH_ATTRIBUTE },
	{ "attr", MLW_SEARCH_ATTRIBUTE }, { "run", MLW_SEARCH_ATTRIBUTE },
};

/* ENTITY.KEY, ENTITY.`KEY`, ENTITY."KEY", or a bare attribute KEY */
static int parse_identifier(struct lexer *lx, enum mlw_search_entity *entity,
			    char **key)
{
	const char *start;
	size_t i, n;

	skip_space(lx);
	start = lx->p;
	if (*lx->p == '`' || *lx->p == '"') {
		*entity = MLW_SEARCH_ATTRIBUTE;
		return take_quoted(lx, key);
	}
	while (isalnum((unsigned char)*lx->p) || *lx->p == '_')
		lx->p++;
	n = (size_t)(lx->p - start);
	if (!n)
		return parse_error(lx, "expected an identifier such as "
				   "metrics.KEY, params.KEY, tags.KEY or "
				   "attributes.NAME");
	if (*lx->p != '.') {
		*entity = MLW_SEARCH_ATTRIBUTE;
		*key = mlw_strndup(start, n);
		return 0;
	}
	for (i = 0; i < sizeof(entities) / sizeof(*entities); i++)
		if (strlen(entities[i].name) == n &&
		    !strncasecmp(entities[i].name, start, n))
			break;
	if (i == sizeof(entities) / sizeof(*entities)) {
		lx->p = start;
		return parse_error(lx, "unknown entity type (one of metrics, "
				   "params, tags, attributes)");
	}
	*entity = entities[i].entity;
	lx->p++;
	if (*lx->p == '`' || *lx->p == '"')
		return take_quoted(lx, key);
	start = lx->p;
	while (*lx->p && !isspace((unsigned char)*lx->p) &&
	       !strchr("=!<>(),'\"`", *lx->p))
		lx->p++;
	if (lx->p == start)
		return parse_error(lx, "expected a key after the entity");
	*key = mlw_strndup(start, (size_t)(lx->p - start));
	return 0;
}

static int parse_op(struct lexer *lx, enum mlw_search_op *op)
{
	static const struct {
		const char *text;
		enum mlw_search_op op;
	} symbols[] = {
		{ "!=", MLW_SEARCH_NE }, { "<>", MLW_SEARCH_NE },
		{ "<=", MLW_SEARCH_LE }, { ">=", MLW_SEARCH_GE },
		{ "==", MLW_SEARCH_EQ }, { "=", MLW_SEARCH_EQ },
		{ "<", MLW_SEARCH_LT }, { ">", MLW_SEARCH_GT },
	};
	size_t i;

	skip_space(lx);
	for (i = 0; i < sizeof(symbols) / sizeof(*symbols); i++) {
		size_t n = strlen(symbols[i].text);

		if (!strncmp(lx->p, symbols[i].text, n)) {
			lx->p += n;
			*op = symbols[i].op;
			return 0;
		}
	}
	if (take_word(lx, "LIKE"))
		*op = MLW_SEARCH_LIKE;
	else if (take_word(lx, "ILIKE"))
		*op = MLW_SEARCH_ILIKE;
	else if (take_word(lx, "IN"))
		*op = MLW_SEARCH_IN;
	else if (take_word(lx, "NOT")) {
		if (!take_word(lx, "IN"))
			return parse_error(lx, "expected IN after NOT");
		*op = MLW_SEARCH_NOT_IN;
	} else if (take_word(lx, "IS")) {
		*op = take_word(lx, "NOT") ? MLW_SEARCH_IS_NOT_NULL :
		      MLW_SEARCH_IS_NULL;
		if (!take_word(lx, "NULL"))
			return parse_error(lx, "expected NULL after IS");
	} else {
		return parse_error(lx, "expected a comparator (=, !=, <, "
				   "<=, >, >=, LIKE, ILIKE, IN, NOT IN, IS "
				   "NULL, IS NOT NULL)");
	}
	return 0;
}

static int parse_value(struct lexer *lx, struct mlw_search_clause *c)
{
	skip_space(lx);
	if (c->op == MLW_SEARCH_IS_NULL || c->op == MLW_SEARCH_IS_NOT_NULL)
		return 0;
	if (c->op == MLW_SEARCH_IN || c->op == MLW_SEARCH_NOT_IN) {
		size_t alloc = 0;

		if (*lx->p != '(')
			return parse_error(lx, "expected a list ('a', 'b') "
					   "after IN");
		lx->p++;
		for (;;) {
			char *s;
			int ret;

			skip_space(lx);
			if (*lx->p != '\'' && *lx->p != '"')
				return parse_error(lx, "expected a quoted "
						   "string in the list");
			ret = take_quoted(lx, &s);
			if (ret)
				return ret;
			MLW_ALLOC_GROW(c->list, c->nr_list + 1, alloc);
			c->list[c->nr_list++] = s;
			skip_space(lx);
			if (*lx->p == ')')
				break;
			if (*lx->p != ',')
				return parse_error(lx, "expected ',' or ')' "
						   "in the list");
			lx->p++;
		}
		lx->p++;
		return 0;
	}
	if (*lx->p == '\'' || *lx->p == '"')
		return take_quoted(lx, &c->text);
	{
		const char *start = lx->p;
		char *end;

		if (!*start || *start == ')')
			return parse_error(lx, "expected a value after the "
					   "comparator");
		errno = 0;
		c->number = strtod(start, &end);
		if (end == start || errno == ERANGE ||
		    (*end && !isspace((unsigned char)*end) && *end != ')')) {
			while (*lx->p && !isspace((unsigned char)*lx->p))
				lx->p++;
			c->text = mlw_strndup(start, (size_t)(lx->p - start));
			return 0;
		}
		c->is_number = 1;
		c->text = mlw_strndup(start, (size_t)(end - start));
		lx->p = end;
	}
	return 0;
}

void mlw_search_filter_release(struct mlw_search_filter *f)
{
	size_t i, j;

	for (i = 0; i < f->nr; i++) {
		struct mlw_search_clause *c = &f->clauses[i];

		free(c->key);
		free(c->text);
		for (j = 0; j < c->nr_list; j++)
			free(c->list[j]);
		free(c->list);
	}
	free(f->clauses);
	f->clauses = NULL;
	f->nr = 0;
}

int mlw_search_parse(struct mlw_search_filter *out, const char *filter)
{
	struct lexer lx = { filter ? filter : "", filter ? filter : "" };
	size_t alloc = 0;
	int ret;

	out->clauses = NULL;
	out->nr = 0;
	skip_space(&lx);
	if (!*lx.p)
		return 0;
	for (;;) {
		struct mlw_search_clause *c;

		MLW_ALLOC_GROW(out->clauses, out->nr + 1, alloc);
		c = &out->clauses[out->nr++];
		memset(c, 0, sizeof(*c));
		ret = parse_identifier(&lx, &c->entity, &c->key);
		if (!ret)
			ret = parse_op(&lx, &c->op);
		if (!ret)
			ret = parse_value(&lx, c);
		if (ret)
			return ret;
		skip_space(&lx);
		if (!*lx.p)
			return 0;
		if (take_word(&lx, "OR"))
			return parse_error(&lx, "OR is not supported (clauses "
					   "are joined by AND)");
		if (!take_word(&lx, "AND"))
			return parse_error(&lx, "expected AND between "
					   "clauses");
	}
}

int mlw_search_parse_order(struct mlw_search_order *out, const char *text)
{
	struct lexer lx = { text, text };
	int ret;

	out->key = NULL;
	out->ascending = 1;
	ret = parse_identifier(&lx, &out->entity, &out->key);
	if (ret)
		return ret;
	if (take_word(&lx, "DESC"))
		out->ascending = 0;
	else
		take_word(&lx, "ASC");
	skip_space(&lx);
	if (*lx.p) {
		free(out->key);
		out->key = NULL;
		return mlw_error_setc(MLW_EINVALID, "invalid order_by clause "
				      "'%s': expected IDENTIFIER [ASC|DESC]",
				      text);
	}
	return 0;
}

int mlw_search_like(const char *pattern, const char *s, int icase)
{
	for (; *pattern; pattern++, s++) {
		if (*pattern == '%') {
			while (*pattern == '%')
				pattern++;
			if (!*pattern)
				return 1;
			for (; *s; s++)
				if (mlw_search_like(pattern, s, icase))
					return 1;
			return 0;
		}
		if (!*s)
			return 0;
		if (*pattern == '_')
			continue;
		if (icase ? tolower((unsigned char)*pattern) !=
			    tolower((unsigned char)*s) : *pattern != *s)
			return 0;
	}
	return !*s;
}

/* --- the query */

/* a value bound to the query, in order */
struct bind {
	int is_number;
	double number;
	const char *text;	/* borrowed from the filter or the request */
	char *owned;
};

struct query {
	struct mlw_buf joins, where, order;
	struct bind *binds;
	size_t nr_binds, alloc_binds;
	int nr_alias;
};

static int bind_text(struct query *q, const char *text, char *owned)
{
	struct bind *b;

	MLW_ALLOC_GROW(q->binds, q->nr_binds + 1, q->alloc_binds);
	b = &q->binds[q->nr_binds++];
	memset(b, 0, sizeof(*b));
	b->text = owned ? owned : text;
	b->owned = owned;
	return (int)q->nr_binds;
}

static int bind_number(struct query *q, double v)
{
	struct bind *b;

	MLW_ALLOC_GROW(q->binds, q->nr_binds + 1, q->alloc_binds);
	b = &q->binds[q->nr_binds++];
	memset(b, 0, sizeof(*b));
	b->is_number = 1;
	b->number = v;
	return (int)q->nr_binds;
}

/* a LIKE pattern as the GLOB pattern matching the same, case-sensitive */
static char *like_to_glob(const char *like)
{
	struct mlw_buf b = MLW_BUF_INIT;

	for (; *like; like++) {
		if (*like == '%')
			mlw_buf_addch(&b, '*');
		else if (*like == '_')
			mlw_buf_addch(&b, '?');
		else if (*like == '*' || *like == '?' || *like == '[')
			mlw_buf_addf(&b, "[%c]", *like);
		else
			mlw_buf_addch(&b, *like);
	}
	return mlw_buf_detach(&b, NULL);
}

static const char *const op_sql[] = {
	[MLW_SEARCH_EQ] = "=", [MLW_SEARCH_NE] = "!=", [MLW_SEARCH_LT] = "<",
	[MLW_SEARCH_LE] = "<=", [MLW_SEARCH_GT] = ">", [MLW_SEARCH_GE] = ">=",
};

static const char *op_name(enum mlw_search_op op)
{
	static const char *const names[] = {
		"=", "!=", "<", "<=", ">", ">=", "LIKE", "ILIKE", "IN",
		"NOT IN", "IS NULL", "IS NOT NULL"
	};

	return names[op];
}

static int is_numeric_op(enum mlw_search_op op)
{
	return op <= MLW_SEARCH_GE;
}

static int is_string_op(enum mlw_search_op op)
{
	return op == MLW_SEARCH_EQ || op == MLW_SEARCH_NE ||
	       op == MLW_SEARCH_LIKE || op == MLW_SEARCH_ILIKE;
}

/* "EXPR OP ?" for a string comparison of expr */
static void string_compare(struct query *q, struct mlw_buf *out,
			   const char *expr,
			   const struct mlw_search_clause *c)
{
	size_t i;
	int n;

	switch (c->op) {
	case MLW_SEARCH_LIKE:
		n = bind_text(q, NULL, like_to_glob(c->text));
		mlw_buf_addf(out, "%s GLOB ?%d", expr, n);
		break;
	case MLW_SEARCH_ILIKE:
		n = bind_text(q, c->text, NULL);
		mlw_buf_addf(out, "%s LIKE ?%d", expr, n);
		break;
	case MLW_SEARCH_IN:
	case MLW_SEARCH_NOT_IN:
		mlw_buf_addf(out, "%s %sIN (", expr,
			     c->op == MLW_SEARCH_NOT_IN ? "NOT " : "");
		for (i = 0; i < c->nr_list; i++)
			mlw_buf_addf(out, "%s?%d", i ? ", " : "",
				     bind_text(q, c->list[i], NULL));
		mlw_buf_addch(out, ')');
		break;
	default:
		n = bind_text(q, c->text, NULL);
		mlw_buf_addf(out, "%s %s ?%d", expr, op_sql[c->op], n);
	}
}

/* the status as MLflow names it, from the runs table */
#define STATUS_SQL "(CASE r.status WHEN 'Completed' THEN 'FINISHED'" \
	" WHEN 'Failed' THEN 'FAILED' WHEN 'Canceled' THEN 'KILLED'" \
	" WHEN 'NotStarted' THEN 'SCHEDULED' WHEN 'Queued' THEN 'SCHEDULED'" \
	" ELSE 'RUNNING' END)"

/*
 * The SQL of an attribute (its canonical name in *canon), whether it is
 * a number; NULL for an attribute runs/search does not know.
 */
static const char *attribute_sql(const char *key, int *numeric,
				 const char **canon)
{
	static const struct {
		const char *name, *canon, *sql;
		int numeric;
	} attrs[] = {
		{ "run_id", "run_id", "r.name", 0 },
		{ "run_uuid", "run_id", "r.name", 0 },
		{ "run_name", "run_name", "coalesce(r.display_name, r.name)",
		  0 },
		{ "status", "status", STATUS_SQL, 0 },
		{ "user_id", "user_id", "(SELECT u.value FROM run_tags u"
		  " WHERE u.run = r.id AND u.key = 'mlflow.user')", 0 },
		{ "lifecycle_stage", "lifecycle_stage", "(CASE r.archived"
		  " WHEN 0 THEN 'active' ELSE 'deleted' END)", 0 },
		{ "start_time", "start_time", "round(r.created * 1000)", 1 },
		{ "created", "start_time", "round(r.created * 1000)", 1 },
		{ "end_time", "end_time", "round(r.ended * 1000)", 1 },
	};
	size_t i;

	for (i = 0; i < sizeof(attrs) / sizeof(*attrs); i++)
		if (!strcasecmp(key, attrs[i].name)) {
			*numeric = attrs[i].numeric;
			if (canon)
				*canon = attrs[i].canon;
			return attrs[i].sql;
		}
	return NULL;
}

static const char *entity_name(enum mlw_search_entity e)
{
	static const char *const names[] = {
		"metric", "param", "tag", "attribute"
	};

	return names[e];
}

static int bad_op(const struct mlw_search_clause *c, const char *allowed)
{
	return mlw_error_setc(MLW_EINVALID, "invalid comparator '%s' for %s "
			      "'%s' (one of %s)", op_name(c->op),
			      entity_name(c->entity), c->key, allowed);
}

static int add_clause(struct query *q, const struct mlw_search_clause *c)
{
	struct mlw_buf *w = &q->where;
	char alias[16];
	const char *sql, *canon = NULL;
	int numeric, n;

	snprintf(alias, sizeof(alias), "f%d", ++q->nr_alias);
	switch (c->entity) {
	case MLW_SEARCH_METRIC:
		if (!is_numeric_op(c->op))
			return bad_op(c, "=, !=, <, <=, >, >=");
		if (!c->is_number)
			return mlw_error_setc(MLW_EINVALID, "expected a "
					      "numeric value for metric '%s', "
					      "found '%s'", c->key,
					      c->text ? c->text : "");
		n = bind_text(q, c->key, NULL);
		mlw_buf_addf(&q->joins, " JOIN run_metrics_last %s ON"
			     " %s.run = r.id AND %s.key = ?%d", alias, alias,
			     alias, n);
		n = bind_number(q, c->number);
		mlw_buf_addf(w, " AND %s.value %s ?%d", alias, op_sql[c->op],
			     n);
		return 0;
	case MLW_SEARCH_PARAM:
	case MLW_SEARCH_TAG:
		if (c->entity == MLW_SEARCH_TAG &&
		    (c->op == MLW_SEARCH_IS_NULL ||
		     c->op == MLW_SEARCH_IS_NOT_NULL)) {
			n = bind_text(q, c->key, NULL);
			mlw_buf_addf(w, " AND %sEXISTS (SELECT 1 FROM run_tags"
				     " %s WHERE %s.run = r.id AND %s.key ="
				     " ?%d)", c->op == MLW_SEARCH_IS_NULL ?
				     "NOT " : "", alias, alias, alias, n);
			return 0;
		}
		if (!is_string_op(c->op))
			return bad_op(c, c->entity == MLW_SEARCH_TAG ?
				      "=, !=, LIKE, ILIKE, IS NULL, IS NOT "
				      "NULL" : "=, !=, LIKE, ILIKE");
		if (c->is_number || !c->text)
			return mlw_error_setc(MLW_EINVALID, "expected a quoted "
					      "string value for %s '%s', "
					      "found '%s'",
					      entity_name(c->entity), c->key,
					      c->text ? c->text : "");
		n = bind_text(q, c->key, NULL);
		mlw_buf_addf(&q->joins, " JOIN %s %s ON %s.run = r.id AND"
			     " %s.key = ?%d", c->entity == MLW_SEARCH_TAG ?
			     "run_tags" : "run_params", alias, alias, alias,
			     n);
		snprintf(alias + strlen(alias), sizeof(alias) - strlen(alias),
			 ".value");
		mlw_buf_adds(w, " AND ");
		string_compare(q, w, alias, c);
		return 0;
	case MLW_SEARCH_ATTRIBUTE:
		sql = attribute_sql(c->key, &numeric, &canon);
		if (!sql)
			return mlw_error_setc(MLW_EINVALID, "invalid attribute "
					      "key '%s' (one of run_id, "
					      "run_name, status, user_id, "
					      "lifecycle_stage, start_time, "
					      "end_time)", c->key);
		if (numeric) {
			if (!is_numeric_op(c->op))
				return bad_op(c, "=, !=, <, <=, >, >=");
			if (!c->is_number)
				return mlw_error_setc(MLW_EINVALID, "expected "
						      "a numeric value for "
						      "attribute '%s', found "
						      "'%s'", c->key,
						      c->text ? c->text : "");
			n = bind_number(q, c->number);
			mlw_buf_addf(w, " AND %s %s ?%d", sql, op_sql[c->op],
				     n);
			return 0;
		}
		if (!is_string_op(c->op) && c->op != MLW_SEARCH_IN &&
		    c->op != MLW_SEARCH_NOT_IN)
			return bad_op(c, "=, !=, LIKE, ILIKE, IN, NOT IN");
		if (c->op != MLW_SEARCH_IN && c->op != MLW_SEARCH_NOT_IN &&
		    (c->is_number || !c->text))
			return mlw_error_setc(MLW_EINVALID, "expected a quoted "
					      "string value for attribute "
					      "'%s', found '%s'", c->key,
					      c->text ? c->text : "");
		mlw_buf_adds(w, " AND ");
		string_compare(q, w, sql, c);
		return 0;
	}
	BUG("bad search entity %d", (int)c->entity);
}

static int add_order(struct query *q, const struct mlw_search_order *o,
		     const struct mlw_search_filter *f)
{
	const char *dir = o->ascending ? "ASC" : "DESC";
	const char *sql;
	char alias[16];
	size_t i;
	int numeric, n;

	if (q->order.len)
		mlw_buf_adds(&q->order, ", ");
	switch (o->entity) {
	case MLW_SEARCH_METRIC:
		/*
		 * A metric the filter compares has a value in every row
		 * (a comparison is never true of NULL, our NaN): order by
		 * that join.
		 */
		for (i = 0; i < f->nr; i++)
			if (f->clauses[i].entity == MLW_SEARCH_METRIC &&
			    !strcmp(f->clauses[i].key, o->key)) {
				mlw_buf_addf(&q->order, "f%zu.value %s", i + 1,
					     dir);
				return 0;
			}
		snprintf(alias, sizeof(alias), "o%d", ++q->nr_alias);
		n = bind_text(q, NULL, mlw_strdup(o->key));
		mlw_buf_addf(&q->joins, " LEFT JOIN run_metrics_last %s ON"
			     " %s.run = r.id AND %s.key = ?%d", alias, alias,
			     alias, n);
		/* no value last; NaN (NULL) above every number */
		mlw_buf_addf(&q->order, "%s.run IS NULL, %s.value IS NULL %s,"
			     " %s.value %s", alias, alias, dir, alias, dir);
		return 0;
	case MLW_SEARCH_PARAM:
	case MLW_SEARCH_TAG:
		snprintf(alias, sizeof(alias), "o%d", ++q->nr_alias);
		n = bind_text(q, NULL, mlw_strdup(o->key));
		mlw_buf_addf(&q->joins, " LEFT JOIN %s %s ON %s.run = r.id"
			     " AND %s.key = ?%d", o->entity == MLW_SEARCH_TAG ?
			     "run_tags" : "run_params", alias, alias, alias, n);
		mlw_buf_addf(&q->order, "%s.run IS NULL, %s.value %s", alias,
			     alias, dir);
		return 0;
	case MLW_SEARCH_ATTRIBUTE:
		sql = attribute_sql(o->key, &numeric, NULL);
		if (!sql)
			return mlw_error_setc(MLW_EINVALID, "invalid order_by "
					      "attribute '%s'", o->key);
		mlw_buf_addf(&q->order, "%s IS NULL, %s %s", sql, sql, dir);
		return 0;
	}
	BUG("bad search entity %d", (int)o->entity);
}

static void query_release(struct query *q)
{
	size_t i;

	mlw_buf_release(&q->joins);
	mlw_buf_release(&q->where);
	mlw_buf_release(&q->order);
	for (i = 0; i < q->nr_binds; i++)
		free(q->binds[i].owned);
	free(q->binds);
}


/* the ids the search selects, in order: at most max + 1 */
static int select_ids(int64_t **ids, size_t *nr, struct mlw_catalog *cat,
		      const struct mlw_run_search *s)
{
	struct mlw_search_filter f;
	struct query q;
	struct mlw_buf sql = MLW_BUF_INIT;
	sqlite3_stmt *st = NULL;
	size_t i, alloc = 0;
	int rc, ret;

	*ids = NULL;
	*nr = 0;
	memset(&q, 0, sizeof(q));
	mlw_buf_init(&q.joins, 0);
	mlw_buf_init(&q.where, 0);
	mlw_buf_init(&q.order, 0);
	ret = mlw_search_parse(&f, s->filter);
	for (i = 0; !ret && i < f.nr; i++)
		ret = add_clause(&q, &f.clauses[i]);
	for (i = 0; !ret && i < s->nr_order_by; i++) {
		struct mlw_search_order o;

		ret = mlw_search_parse_order(&o, s->order_by[i]);
		if (!ret)
			ret = add_order(&q, &o, &f);
		free(o.key);
	}
	if (ret)
		goto out;
	mlw_buf_adds(&sql, "SELECT r.id FROM runs r");
	mlw_buf_add(&sql, q.joins.buf, q.joins.len);
	mlw_buf_adds(&sql, " WHERE r.experiment_id IN (");
	for (i = 0; i < s->nr_experiments; i++)
		mlw_buf_addf(&sql, "%s%lld", i ? ", " : "",
			     (long long)s->experiment_ids[i]);
	mlw_buf_adds(&sql, ")");
	if (s->view == MLW_SEARCH_ACTIVE_ONLY)
		mlw_buf_adds(&sql, " AND r.archived = 0");
	else if (s->view == MLW_SEARCH_DELETED_ONLY)
		mlw_buf_adds(&sql, " AND r.archived != 0");
	mlw_buf_add(&sql, q.where.buf, q.where.len);
	mlw_buf_adds(&sql, " ORDER BY ");
	mlw_buf_add(&sql, q.order.buf, q.order.len);
	mlw_buf_addf(&sql, "%sr.created DESC, r.name LIMIT %lld OFFSET %lld",
		     q.order.len ? ", " : "", (long long)s->max_results + 1,
		     (long long)s->offset);
	ret = mlw_run_schema_use(cat);
	if (ret)
		goto out;
	if (sqlite3_prepare_v2(mlw_catalog_db(cat), sql.buf, -1, &st, NULL)) {
		ret = mlw_run_db_error(cat, "preparing search");
		goto out;
	}
	for (i = 0; i < q.nr_binds; i++) {
		if (q.binds[i].is_number)
			sqlite3_bind_double(st, (int)i + 1, q.binds[i].number);
		else
			sqlite3_bind_text(st, (int)i + 1, q.binds[i].text, -1,
					  SQLITE_STATIC);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		MLW_ALLOC_GROW(*ids, *nr + 1, alloc);
		(*ids)[(*nr)++] = sqlite3_column_int64(st, 0);
	}
	if (rc != SQLITE_DONE)
		ret = mlw_run_db_error(cat, "searching runs");
out:
	sqlite3_finalize(st);
	mlw_buf_release(&sql);
	query_release(&q);
	mlw_search_filter_release(&f);
	return ret;
}

/* a run id and where it stands in the page, for finding rows' runs */
struct slot {
	int64_t id;
	size_t pos;
};

static int slot_cmp(const void *a, const void *b)
{
	const struct slot *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static struct mlw_run *find_run(struct mlw_run **runs, const struct slot *slots,
				size_t nr, int64_t id)
{
	struct slot key = { id, 0 };
	struct slot *s = bsearch(&key, slots, nr, sizeof(*slots), slot_cmp);

	return s ? runs[s->pos] : NULL;
}

/* the page's runs and details, a query each for all of them */
static int load_page(struct mlw_run **runs, struct mlw_catalog *cat,
		     const int64_t *ids, size_t nr)
{
	static const char *const sql[] = {
		"SELECT run, key, value, NULL, NULL FROM run_params"
		" WHERE run IN (SELECT value FROM json_each(?1))"
		" ORDER BY run, key",
		"SELECT run, key, value, NULL, NULL FROM run_tags"
		" WHERE run IN (SELECT value FROM json_each(?1))"
		" ORDER BY run, key",
		"SELECT run, key, step, value, time FROM run_metrics_last"
		" WHERE run IN (SELECT value FROM json_each(?1))"
		" ORDER BY run, key",
	};
	struct mlw_buf list = MLW_BUF_INIT, q = MLW_BUF_INIT;
	struct slot *slots = mlw_calloc(nr ? nr : 1, sizeof(*slots));
	sqlite3 *db = mlw_catalog_db(cat);
	sqlite3_stmt *st = NULL;
	size_t i, k, alloc[3] = { 0 };
	int rc, ret = 0;

	mlw_buf_addch(&list, '[');
	for (i = 0; i < nr; i++) {
		mlw_buf_addf(&list, "%s%lld", i ? "," : "", (long long)ids[i]);
		slots[i].id = ids[i];
		slots[i].pos = i;
	}
	mlw_buf_addch(&list, ']');
	qsort(slots, nr, sizeof(*slots), slot_cmp);
	mlw_buf_addf(&q, "SELECT %s FROM runs WHERE id IN (SELECT value"
		     " FROM json_each(?1))", mlw_run_columns());
	if (sqlite3_prepare_v2(db, q.buf, -1, &st, NULL)) {
		ret = mlw_run_db_error(cat, "preparing search");
		goto out;
	}
	sqlite3_bind_text(st, 1, list.buf, (int)list.len, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct mlw_run *run = mlw_run_from_row(st);
		struct slot key = { run->id, 0 };
		struct slot *s = bsearch(&key, slots, nr, sizeof(*slots),
					 slot_cmp);

		if (s && !runs[s->pos])
			runs[s->pos] = run;
		else
			mlw_run_free(run);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc != SQLITE_DONE) {
		ret = mlw_run_db_error(cat, "reading runs");
		goto out;
	}
	for (k = 0; !ret && k < 3; k++) {
		if (sqlite3_prepare_v2(db, sql[k], -1, &st, NULL)) {
			ret = mlw_run_db_error(cat, "preparing search");
			break;
		}
		sqlite3_bind_text(st, 1, list.buf, (int)list.len,
				  SQLITE_STATIC);
		memset(alloc, 0, sizeof(alloc));
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			struct mlw_run *run = find_run(runs, slots, nr,
					sqlite3_column_int64(st, 0));
			const char *key = (const char *)
					  sqlite3_column_text(st, 1);

			if (!run || !key)
				continue;
			if (k < 2) {
				struct mlw_run_kv **kv = k ? &run->tags :
							 &run->params;
				size_t *n = k ? &run->nr_tags : &run->nr_params;
				const char *v = (const char *)
						sqlite3_column_text(st, 2);

				/* rows come by run: alloc is per run */
				if (!*n)
					alloc[k] = 0;
				MLW_ALLOC_GROW(*kv, *n + 1, alloc[k]);
				(*kv)[*n].key = mlw_strdup(key);
				(*kv)[*n].value = mlw_strdup(v ? v : "");
				(*n)++;
			} else {
				struct mlw_run_metric *m;

				if (!run->nr_metrics)
					alloc[2] = 0;
				MLW_ALLOC_GROW(run->metrics,
					       run->nr_metrics + 1, alloc[2]);
				m = &run->metrics[run->nr_metrics++];
				m->key = mlw_strdup(key);
				m->step = sqlite3_column_int64(st, 2);
				m->value = sqlite3_column_type(st, 3) ==
					   SQLITE_NULL ? NAN :
					   sqlite3_column_double(st, 3);
				m->time = sqlite3_column_double(st, 4);
			}
		}
		sqlite3_finalize(st);
		st = NULL;
		if (rc != SQLITE_DONE)
			ret = mlw_run_db_error(cat, "reading runs");
	}
out:
	sqlite3_finalize(st);
	mlw_buf_release(&list);
	mlw_buf_release(&q);
	free(slots);
	return ret;
}

int mlw_run_search(struct mlw_catalog *cat, const struct mlw_run_search *s,
		   int *more, mlw_run_fn fn, void *data)
{
	struct mlw_run **runs = NULL;
	int64_t *ids;
	size_t i, nr;
	int ret;

	*more = 0;
	if (!s->nr_experiments || s->max_results <= 0 || s->offset < 0)
		BUG("a run search needs experiments and a page size");
	/* the tables brought up to date outside the read transaction */
	ret = mlw_run_schema_use(cat);
	if (!ret)
		ret = mlw_catalog_begin_read(cat);
	if (ret)
		return ret;
	ret = select_ids(&ids, &nr, cat, s);
	if (!ret && nr > (size_t)s->max_results) {
		*more = 1;
		nr = (size_t)s->max_results;
	}
	if (!ret) {
		runs = mlw_calloc(nr ? nr : 1, sizeof(*runs));
		ret = load_page(runs, cat, ids, nr);
	}
	mlw_catalog_rollback(cat);
	for (i = 0; !ret && i < nr; i++) {
		struct mlw_run *run = runs[i];

		runs[i] = NULL;
		if (run)
			ret = fn(run, data);
	}
	for (i = 0; runs && i < nr; i++)
		mlw_run_free(runs[i]);
	free(runs);
	free(ids);
	return ret;
}

/*
 * space.c - search spaces: building, decoding and encoding (space.h).
 *
 * A space is built in one walk of the YAML: every distribution met, at any
 * depth, gets the next coordinate of the unit cube and its Gaussian-process
 * features, so coordinates follow the spec's order and stay the same from
 * run to run of the same spec.  Decoding walks the top-level distributions
 * and, for a choice, only the value it picked; encoding walks the same way
 * with the values in hand.
 */
#include "sweep/space.h"
#include "sweep/rand.h"
#include "spec/schema.h"
#include "spec/yaml.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/number.h"
#include "util/strutil.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_NAME 128

static const char *const dist_names[MLW_DIST_NR + 1] = {
	"choice", "randint", "uniform", "quniform", "loguniform",
	"qloguniform", "normal", "qnormal", "lognormal", "qlognormal", NULL
};

const char *mlw_sweep_dist_name(enum mlw_sweep_dist_type type)
{
	return (unsigned)type < MLW_DIST_NR ? dist_names[type] : "unknown";
}

int mlw_sweep_dist_type(const char *name)
{
	int i;

	for (i = 0; i < MLW_DIST_NR; i++)
		if (!strcasecmp(name, dist_names[i]))
			return i;
	return -1;
}

static int is_quantized(enum mlw_sweep_dist_type t)
{
	return t == MLW_DIST_QUNIFORM || t == MLW_DIST_QLOGUNIFORM ||
	       t == MLW_DIST_QNORMAL || t == MLW_DIST_QLOGNORMAL;
}

static int is_log(enum mlw_sweep_dist_type t)
{
	return t == MLW_DIST_LOGUNIFORM || t == MLW_DIST_QLOGUNIFORM ||
	       t == MLW_DIST_LOGNORMAL || t == MLW_DIST_QLOGNORMAL;
}

static int is_normal(enum mlw_sweep_dist_type t)
{
	return t == MLW_DIST_NORMAL || t == MLW_DIST_QNORMAL ||
	       t == MLW_DIST_LOGNORMAL || t == MLW_DIST_QLOGNORMAL;
}

/* --- values --------------------------------------------------------------- */

struct mlw_sweep_value *mlw_sweep_value_new(enum mlw_sweep_value_kind kind)
{
	struct mlw_sweep_value *v = mlw_calloc(1, sizeof(*v));

	v->kind = kind;
	return v;
}

void mlw_sweep_value_free(struct mlw_sweep_value *v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < v->nr; i++) {
		if (v->keys)
			free(v->keys[i]);
		mlw_sweep_value_free(v->items[i]);
	}
	free(v->keys);
	free(v->items);
	free(v->s);
	free(v);
}

static void value_push(struct mlw_sweep_value *v, char *key,
		       struct mlw_sweep_value *item)
{
	v->items = mlw_realloc(v->items, mlw_st_mult(v->nr + 1,
						     sizeof(*v->items)));
	if (v->kind == MLW_VALUE_DICT)
		v->keys = mlw_realloc(v->keys, mlw_st_mult(v->nr + 1,
							   sizeof(*v->keys)));
	if (v->keys)
		v->keys[v->nr] = key;
	v->items[v->nr++] = item;
}

void mlw_sweep_value_dict_add(struct mlw_sweep_value *dict, const char *key,
			      struct mlw_sweep_value *value)
{
	if (dict->kind != MLW_VALUE_DICT)
		BUG("mlw_sweep_value_dict_add on a non-dictionary");
	value_push(dict, mlw_strdup(key), value);
}

struct mlw_sweep_value *mlw_sweep_value_dup(const struct mlw_sweep_value *v)
{
	struct mlw_sweep_value *c;
	size_t i;

	if (!v)
		return NULL;
	c = mlw_sweep_value_new(v->kind);
	c->boolean = v->boolean;
	c->i = v->i;
	c->f = v->f;
	c->dist = v->dist;
	if (v->s)
		c->s = mlw_strdup(v->s);
	for (i = 0; i < v->nr; i++)
		value_push(c, v->keys ? mlw_strdup(v->keys[i]) : NULL,
			   mlw_sweep_value_dup(v->items[i]));
	return c;
}

static const struct mlw_sweep_value *dict_get(const struct mlw_sweep_value *d,
					      const char *key, size_t len)
{
	size_t i;

	if (!d || d->kind != MLW_VALUE_DICT)
		return NULL;
	for (i = 0; i < d->nr; i++)
		if (strlen(d->keys[i]) == len && !memcmp(d->keys[i], key, len))
			return d->items[i];
	return NULL;
}

const struct mlw_sweep_value *mlw_sweep_value_get(
	const struct mlw_sweep_value *dict, const char *path)
{
	const struct mlw_sweep_value *v = dict;
	const char *p = path;

	for (;;) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);

		v = dict_get(v, p, len);
		if (!v || !dot)
			return v;
		p = dot + 1;
	}
}

static int is_number(const struct mlw_sweep_value *v, double *x)
{
	if (v->kind == MLW_VALUE_INT)
		*x = (double)v->i;
	else if (v->kind == MLW_VALUE_FLOAT)
		*x = v->f;
	else
		return 0;
	return 1;
}

int mlw_sweep_value_equal(const struct mlw_sweep_value *a,
			  const struct mlw_sweep_value *b)
{
	double x, y;
	size_t i;

	if (is_number(a, &x) && is_number(b, &y))
		return x == y || (isnan(x) && isnan(y));
	if (a->kind != b->kind || a->nr != b->nr)
		return 0;
	switch (a->kind) {
	case MLW_VALUE_NULL:
		return 1;
	case MLW_VALUE_BOOL:
		return !a->boolean == !b->boolean;
	case MLW_VALUE_STR:
		return !strcmp(a->s, b->s);
	case MLW_VALUE_DIST:
		return a->dist == b->dist;
	case MLW_VALUE_DICT:
		for (i = 0; i < a->nr; i++) {
			const struct mlw_sweep_value *o =
				dict_get(b, a->keys[i], strlen(a->keys[i]));

			if (!o || !mlw_sweep_value_equal(a->items[i], o))
				return 0;
		}
		return 1;
	case MLW_VALUE_LIST:
		for (i = 0; i < a->nr; i++)
			if (!mlw_sweep_value_equal(a->items[i], b->items[i]))
				return 0;
		return 1;
	default:
		return 0;
	}
}

static void json_string(struct mlw_buf *b, const char *s)
{
	const unsigned char *p;

	mlw_buf_addch(b, '"');
	for (p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			mlw_buf_adds(b, "\\\"");
			break;
		case '\\':
			mlw_buf_adds(b, "\\\\");
			break;
		case '\n':
			mlw_buf_adds(b, "\\n");
			break;
		case '\t':
			mlw_buf_adds(b, "\\t");
			break;
		case '\r':
			mlw_buf_adds(b, "\\r");
			break;
		default:
			if (*p < 0x20)
				mlw_buf_addf(b, "\\u%04x", *p);
			else
				mlw_buf_addch(b, *p);
		}
	}
	mlw_buf_addch(b, '"');
}

/* in JSON (nested) strings are quoted; at the top they are bare text */
static void format_value(struct mlw_buf *b, const struct mlw_sweep_value *v,
			 int nested)
{
	char num[32];
	size_t i;

	switch (v->kind) {
	case MLW_VALUE_NULL:
		mlw_buf_adds(b, "null");
		break;
	case MLW_VALUE_BOOL:
		mlw_buf_adds(b, v->boolean ? "true" : "false");
		break;
	case MLW_VALUE_INT:
		mlw_buf_addf(b, "%" PRId64, v->i);
		break;
	case MLW_VALUE_FLOAT:
		mlw_fmt_double(num, v->f);
		mlw_buf_adds(b, num);
		break;
	case MLW_VALUE_STR:
		if (nested)
			json_string(b, v->s);
		else
			mlw_buf_adds(b, v->s);
		break;
	case MLW_VALUE_LIST:
		mlw_buf_addch(b, '[');
		for (i = 0; i < v->nr; i++) {
			if (i)
				mlw_buf_adds(b, ", ");
			format_value(b, v->items[i], 1);
		}
		mlw_buf_addch(b, ']');
		break;
	case MLW_VALUE_DICT:
		mlw_buf_addch(b, '{');
		for (i = 0; i < v->nr; i++) {
			if (i)
				mlw_buf_adds(b, ", ");
			json_string(b, v->keys[i]);
			mlw_buf_adds(b, ": ");
			format_value(b, v->items[i], 1);
		}
		mlw_buf_addch(b, '}');
		break;
	case MLW_VALUE_DIST:
		mlw_buf_addf(b, "%s(...)", mlw_sweep_dist_name(v->dist->type));
		break;
	}
}

void mlw_sweep_value_format(struct mlw_buf *b, const struct mlw_sweep_value *v)
{
	format_value(b, v, 0);
}

static void flatten(const struct mlw_sweep_value *v, struct mlw_buf *name,
		    struct mlw_strlist *names, struct mlw_strlist *texts)
{
	size_t i, len = name->len;

	if (v->kind != MLW_VALUE_DICT || !v->nr) {
		struct mlw_buf text = MLW_BUF_INIT;

		mlw_sweep_value_format(&text, v);
		mlw_strlist_push(names, name->buf);
		mlw_strlist_push_owned(texts, mlw_buf_detach(&text, NULL));
		return;
	}
	for (i = 0; i < v->nr; i++) {
		if (len)
			mlw_buf_addch(name, '.');
		mlw_buf_adds(name, v->keys[i]);
		flatten(v->items[i], name, names, texts);
		mlw_buf_setlen(name, len);
	}
}

void mlw_sweep_value_flatten(const struct mlw_sweep_value *params,
			     struct mlw_strlist *names,
			     struct mlw_strlist *texts)
{
	struct mlw_buf name = MLW_BUF_INIT;
	size_t i;

	for (i = 0; params && i < params->nr; i++) {
		mlw_buf_reset(&name);
		mlw_buf_adds(&name, params->keys[i]);
		flatten(params->items[i], &name, names, texts);
	}
	mlw_buf_release(&name);
}

/*
 * k * q computed as (k * m) / 10^d when q is the decimal m / 10^d: one
 * correctly rounded division gives the double nearest the decimal the
 * user thinks of (3 * 0.1 -> 0.3), where k * q would not.
 */
double mlw_sweep_quantize(double x, double q)
{
	double k = nearbyint(x / q), v = k * q;
	char text[32];
	const char *dot;

	mlw_fmt_double(text, q);
	dot = strchr(text, '.');
	if (dot && !strpbrk(text, "eE")) {
		size_t d = strlen(dot + 1);

		if (d <= 22) {
			double m = nearbyint(q * mlw_exact_pow10[d]);

			if (fabs(m * k) < 0x1p53 &&
			    m / mlw_exact_pow10[d] == q)
				v = (k * m) / mlw_exact_pow10[d];
		}
	}
	return v == 0 ? 0 : v;	/* no -0 */
}

/* --- building from YAML --------------------------------------------------- */

struct builder {
	struct mlw_sweep_space *space;
	struct mlw_diags *d;
	struct mlw_sweep_dist **dists;	/* every distribution, to free */
	size_t nr_dists, alloc_dists;
};

static int valid_name(const char *s)
{
	size_t n = 0;

	for (; *s; s++, n++)
		if (!(((*s | 32) >= 'a' && (*s | 32) <= 'z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return 0;
	return n > 0 && n <= MAX_NAME;
}

static const char *const keys_choice[] = { "type", "values", NULL };
static const char *const keys_randint[] = { "type", "upper", NULL };
static const char *const keys_uniform[] = { "type", "min_value", "max_value",
					    NULL };
static const char *const keys_quniform[] = { "type", "min_value", "max_value",
					     "q", NULL };
static const char *const keys_normal[] = { "type", "mu", "sigma", NULL };
static const char *const keys_qnormal[] = { "type", "mu", "sigma", "q", NULL };

static const char *const *keys_of(enum mlw_sweep_dist_type t)
{
	switch (t) {
	case MLW_DIST_CHOICE:
		return keys_choice;
	case MLW_DIST_RANDINT:
		return keys_randint;
	case MLW_DIST_UNIFORM:
	case MLW_DIST_LOGUNIFORM:
		return keys_uniform;
	case MLW_DIST_QUNIFORM:
	case MLW_DIST_QLOGUNIFORM:
		return keys_quniform;
	case MLW_DIST_NORMAL:
	case MLW_DIST_LOGNORMAL:
		return keys_normal;
	default:
		return keys_qnormal;
	}
}

static const char *text_of(const struct mlw_yaml_node *n)
{
	return n->kind == MLW_YAML_SCALAR ? n->text : mlw_yaml_describe(n);
}

/* a required finite number at key; 0 or -1 (reported) */
static int get_number(struct builder *b, const struct mlw_yaml_node *map,
		      const char *name, const char *key, double *out)
{
	const struct mlw_yaml_node *n = mlw_yaml_map_get(map, key);

	if (!n || mlw_yaml_is_null(n)) {
		mlw_diags_add(b->d, 0, map, "search_space '%s': missing '%s'",
			      name, key);
		return -1;
	}
	if (mlw_yaml_to_double(n, out) < 0 || !isfinite(*out)) {
		mlw_diags_add(b->d, 0, n, "search_space '%s': '%s' must be a "
			      "finite number, not %s", name, key,
			      text_of(n));
		return -1;
	}
	return 0;
}

static struct mlw_sweep_value *parse_template(struct builder *b,
					      const struct mlw_yaml_node *n,
					      const char *name);
static struct mlw_sweep_dist *parse_dist(struct builder *b,
					 const struct mlw_yaml_node *n,
					 const char *name);

/* a constant: scalars typed as YAML 1.1 types them; lists and maps as is */
static struct mlw_sweep_value *parse_constant(const struct mlw_yaml_node *n)
{
	struct mlw_sweep_value *v;
	size_t i;

	if (n->kind == MLW_YAML_SEQ) {
		v = mlw_sweep_value_new(MLW_VALUE_LIST);
		for (i = 0; i < n->nr; i++)
			value_push(v, NULL, parse_constant(n->items[i]));
		return v;
	}
	if (n->kind == MLW_YAML_MAP) {
		v = mlw_sweep_value_new(MLW_VALUE_DICT);
		for (i = 0; i < n->nr / 2; i++)
			value_push(v, mlw_strdup(mlw_yaml_key(n, i)->text),
				   parse_constant(mlw_yaml_value(n, i)));
		return v;
	}
	switch (mlw_yaml_scalar_type(n)) {
	case MLW_YAML_NULL:
		return mlw_sweep_value_new(MLW_VALUE_NULL);
	case MLW_YAML_BOOL:
		v = mlw_sweep_value_new(MLW_VALUE_BOOL);
		if (mlw_yaml_to_bool(n, &v->boolean) < 0)
			v->boolean = 0;
		return v;
	case MLW_YAML_INT:
		v = mlw_sweep_value_new(MLW_VALUE_INT);
		if (!mlw_yaml_to_int(n, &v->i))
			return v;
		v->kind = MLW_VALUE_FLOAT;	/* beyond 64 bits */
		if (!mlw_yaml_to_double(n, &v->f))
			return v;
		v->kind = MLW_VALUE_STR;
		v->s = mlw_strdup(n->text);
		return v;
	case MLW_YAML_FLOAT:
		v = mlw_sweep_value_new(MLW_VALUE_FLOAT);
		if (!mlw_yaml_to_double(n, &v->f))
			return v;
		v->kind = MLW_VALUE_STR;
		v->s = mlw_strdup(n->text);
		return v;
	default:
		v = mlw_sweep_value_new(MLW_VALUE_STR);
		v->s = mlw_strdup(n->text);
		return v;
	}
}

/* a mapping whose type: names a distribution */
static int is_dist_node(const struct mlw_yaml_node *n)
{
	const struct mlw_yaml_node *t;

	if (!n || n->kind != MLW_YAML_MAP)
		return 0;
	t = mlw_yaml_map_get(n, "type");
	return t && t->kind == MLW_YAML_SCALAR &&
	       mlw_sweep_dist_type(t->text) >= 0;
}

/*
 * A choice value: a nested distribution, a dictionary whose entries may
 * be distributions (to any depth), or a constant.
 */
static struct mlw_sweep_value *parse_template(struct builder *b,
					      const struct mlw_yaml_node *n,
					      const char *name)
{
	struct mlw_sweep_value *v;
	size_t i;

	if (is_dist_node(n)) {
		struct mlw_sweep_dist *dist = parse_dist(b, n, name);

		if (!dist)
			return NULL;
		v = mlw_sweep_value_new(MLW_VALUE_DIST);
		v->dist = dist;
		return v;
	}
	if (n->kind != MLW_YAML_MAP)
		return parse_constant(n);
	v = mlw_sweep_value_new(MLW_VALUE_DICT);
	for (i = 0; i < n->nr / 2; i++) {
		const struct mlw_yaml_node *k = mlw_yaml_key(n, i);
		struct mlw_sweep_value *item;
		char *sub;

		if (!valid_name(k->text)) {
			mlw_diags_add(b->d, 0, k, "search_space '%s': key '%s' "
				      "may hold only letters, digits, '_' and "
				      "'-'", name, k->text);
			continue;
		}
		sub = mlw_xstrfmt("%s.%s", name, k->text);
		item = parse_template(b, mlw_yaml_value(n, i), sub);
		free(sub);
		if (item)
			value_push(v, mlw_strdup(k->text), item);
	}
	return v;
}

static void dist_free(struct mlw_sweep_dist *dist)
{
	size_t i;

	for (i = 0; i < dist->nr_values; i++)
		mlw_sweep_value_free(dist->values[i]);
	free(dist->values);
	free(dist->rank);
	free(dist->name);
	free(dist->source);
	free(dist);
}

static int compare_by_value(const void *pa, const void *pb, void *arg)
{
	const struct mlw_sweep_dist *dist = arg;
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	double x = 0, y = 0;

	is_number(dist->values[a], &x);
	is_number(dist->values[b], &y);
	if (x != y)
		return x < y ? -1 : 1;
	return a < b ? -1 : a > b;
}

/* a numeric choice is ordinal: rank its values for the features */
static void classify_choice(struct mlw_sweep_dist *dist)
{
	size_t i, *order;
	double x;

	dist->ordinal = dist->nr_values > 0;
	for (i = 0; i < dist->nr_values; i++)
		if (!is_number(dist->values[i], &x) || isnan(x))
			dist->ordinal = 0;
	dist->nr_features = dist->ordinal ? 1 : dist->nr_values;
	if (!dist->ordinal)
		return;
	order = mlw_calloc(dist->nr_values, sizeof(*order));
	dist->rank = mlw_calloc(dist->nr_values, sizeof(*dist->rank));
	for (i = 0; i < dist->nr_values; i++)
		order[i] = i;
	qsort_r(order, dist->nr_values, sizeof(*order), compare_by_value, dist);
	for (i = 0; i < dist->nr_values; i++)
		dist->rank[order[i]] = i;
	free(order);
}

void mlw_sweep_check_keys(struct mlw_diags *d, const struct mlw_yaml_node *map,
			  const char *what, const char *const *keys)
{
	size_t i;

	for (i = 0; i < map->nr / 2; i++) {
		const struct mlw_yaml_node *k = mlw_yaml_key(map, i);
		const char *const *p;
		const char *hint;

		for (p = keys; *p; p++)
			if (!strcmp(*p, k->text))
				break;
		if (*p)
			continue;
		hint = mlw_suggest(k->text, keys);
		mlw_diags_add(d, 0, k, "unknown key '%s' in %s%s%s%s", k->text,
			      what, hint ? " (did you mean '" : "",
			      hint ? hint : "", hint ? "'?)" : "");
	}
}

static void parse_choice(struct builder *b, struct mlw_sweep_dist *dist,
			 const struct mlw_yaml_node *n)
{
	const struct mlw_yaml_node *values = mlw_yaml_map_get(n, "values");
	size_t i;

	if (!values || mlw_yaml_is_null(values)) {
		mlw_diags_add(b->d, 0, n, "search_space '%s': choice needs "
			      "'values'", dist->name);
		return;
	}
	if (values->kind != MLW_YAML_SEQ) {
		mlw_diags_add(b->d, 0, values, "search_space '%s': choice "
			      "'values' must be a list, not %s", dist->name,
			      mlw_yaml_describe(values));
		return;
	}
	if (!values->nr) {
		mlw_diags_add(b->d, 0, values, "search_space '%s': choice has "
			      "no values", dist->name);
		return;
	}
	dist->values = mlw_calloc(values->nr, sizeof(*dist->values));
	for (i = 0; i < values->nr; i++) {
		struct mlw_sweep_value *v = parse_template(b, values->items[i],
							   dist->name);

		if (v)
			dist->values[dist->nr_values++] = v;
	}
}

static void parse_params(struct builder *b, struct mlw_sweep_dist *dist,
			 const struct mlw_yaml_node *n)
{
	const char *name = dist->name;
	const struct mlw_yaml_node *at;
	int64_t upper;

	switch (dist->type) {
	case MLW_DIST_CHOICE:
		parse_choice(b, dist, n);
		return;
	case MLW_DIST_RANDINT:
		at = mlw_yaml_map_get(n, "upper");
		if (!at || mlw_yaml_is_null(at))
			mlw_diags_add(b->d, 0, n, "search_space '%s': missing "
				      "'upper'", name);
		else if (mlw_yaml_to_int(at, &upper) < 0)
			mlw_diags_add(b->d, 0, at, "search_space '%s': 'upper' "
				      "must be an integer, not %s", name,
				      text_of(at));
		else if (upper <= 0)
			mlw_diags_add(b->d, 0, at,
				      "search_space '%s': randint 'upper' must "
				      "be positive (the values are 0 to upper "
				      "- 1), not %" PRId64, name, upper);
		else
			dist->upper = upper;
		return;
	default:
		break;
	}
	if (is_normal(dist->type)) {
		if (!get_number(b, n, name, "mu", &dist->mu) &&
		    !get_number(b, n, name, "sigma", &dist->sigma) &&
		    dist->sigma <= 0)
			mlw_diags_add(b->d, 0, mlw_yaml_map_get(n, "sigma"),
				      "search_space '%s': sigma must be "
				      "positive, not %s", name,
				      mlw_yaml_map_get(n, "sigma")->text);
	} else if (!get_number(b, n, name, "min_value", &dist->min) &&
		   !get_number(b, n, name, "max_value", &dist->max) &&
		   dist->min > dist->max) {
		mlw_diags_add(b->d, 0, mlw_yaml_map_get(n, "min_value"),
			      "search_space '%s': min_value %s is greater than "
			      "max_value %s", name,
			      mlw_yaml_map_get(n, "min_value")->text,
			      mlw_yaml_map_get(n, "max_value")->text);
	}
	if (is_quantized(dist->type) &&
	    !get_number(b, n, name, "q", &dist->q) && dist->q <= 0)
		mlw_diags_add(b->d, 0, mlw_yaml_map_get(n, "q"), "search_space "
			      "'%s': q must be positive, not %s", name,
			      mlw_yaml_map_get(n, "q")->text);
}

/* one distribution; its coordinate is taken before its nested ones' */
static struct mlw_sweep_dist *parse_dist(struct builder *b,
					 const struct mlw_yaml_node *n,
					 const char *name)
{
	const struct mlw_yaml_node *t;
	struct mlw_sweep_dist *dist;
	int type;

	if (n->kind != MLW_YAML_MAP) {
		mlw_diags_add(b->d, 0, n, "search_space '%s': a distribution "
			      "must be a mapping with a 'type', not %s", name,
			      mlw_yaml_describe(n));
		return NULL;
	}
	t = mlw_yaml_map_get(n, "type");
	if (!t || t->kind != MLW_YAML_SCALAR || mlw_yaml_is_null(t)) {
		mlw_diags_add(b->d, 0, t ? t : n, "search_space '%s': missing "
			      "the distribution 'type' (choice, randint, "
			      "uniform, quniform, loguniform, qloguniform, "
			      "normal, qnormal, lognormal, qlognormal)", name);
		return NULL;
	}
	type = mlw_sweep_dist_type(t->text);
	if (type < 0) {
		const char *hint = mlw_suggest(t->text, dist_names);

		mlw_diags_add(b->d, 0, t, "search_space '%s': unknown "
			      "distribution '%s'%s%s%s", name, t->text,
			      hint ? " (did you mean '" : "", hint ? hint : "",
			      hint ? "'?)" : "");
		return NULL;
	}
	dist = mlw_calloc(1, sizeof(*dist));
	dist->type = type;
	dist->name = mlw_strdup(name);
	dist->source = mlw_strdup(n->source ? n->source : "");
	dist->line = n->line;
	dist->col = n->col;
	dist->dim = b->space->dims++;
	MLW_ALLOC_GROW(b->dists, b->nr_dists + 1, b->alloc_dists);
	b->dists[b->nr_dists++] = dist;
	{
		char *what = mlw_xstrfmt("the %s distribution of "
					 "search_space '%s'",
					 mlw_sweep_dist_name(type), name);

		mlw_sweep_check_keys(b->d, n, what, keys_of(type));
		free(what);
	}
	parse_params(b, dist, n);
	if (type == MLW_DIST_CHOICE)
		classify_choice(dist);
	else
		dist->nr_features = 1;
	return dist;
}

/* features follow coordinates: one walk over by_dim */
static void assign_features(struct mlw_sweep_space *space)
{
	size_t d, f = 0;

	for (d = 0; d < space->dims; d++) {
		space->by_dim[d]->feature = f;
		f += space->by_dim[d]->nr_features;
	}
	space->features = f;
}

static void space_free_dists(struct mlw_sweep_dist **dists, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		dist_free(dists[i]);
	free(dists);
}

int mlw_sweep_space_from_yaml(struct mlw_sweep_space **out,
			      const struct mlw_yaml_node *search_space,
			      struct mlw_diags *d)
{
	struct builder b = { 0 };
	struct mlw_sweep_space *space;
	size_t i, errors = d->errors;

	*out = NULL;
	space = mlw_calloc(1, sizeof(*space));
	space->log_base = 1;
	b.space = space;
	b.d = d;
	if (!search_space || mlw_yaml_is_null(search_space)) {
		mlw_diags_add(d, 0, search_space, "search_space is missing");
	} else if (search_space->kind != MLW_YAML_MAP) {
		mlw_diags_add(d, 0, search_space, "search_space must be a "
			      "mapping of names to distributions, not %s",
			      mlw_yaml_describe(search_space));
	} else if (!search_space->nr) {
		mlw_diags_add(d, 0, search_space, "search_space is empty: give "
			      "at least one hyperparameter");
	} else {
		size_t nr = search_space->nr / 2;

		space->names = mlw_calloc(nr, sizeof(*space->names));
		space->params = mlw_calloc(nr, sizeof(*space->params));
		for (i = 0; i < nr; i++) {
			const struct mlw_yaml_node *k =
				mlw_yaml_key(search_space, i);
			struct mlw_sweep_dist *dist;

			if (!valid_name(k->text)) {
				mlw_diags_add(d, 0, k, "search_space name '%s' "
					      "may hold only letters, digits, "
					      "'_' and '-'", k->text);
				continue;
			}
			dist = parse_dist(&b, mlw_yaml_value(search_space, i),
					  k->text);
			if (!dist)
				continue;
			space->names[space->nr] = mlw_strdup(k->text);
			space->params[space->nr++] = dist;
		}
	}
	if (d->errors > errors) {
		space_free_dists(b.dists, b.nr_dists);
		for (i = 0; i < space->nr; i++)
			free(space->names[i]);
		free(space->names);
		free(space->params);
		free(space);
		return MLW_EINVALID;
	}
	/* b.dists is in coordinate order: it becomes by_dim */
	space->by_dim = b.dists;
	assign_features(space);
	*out = space;
	return 0;
}

void mlw_sweep_space_free(struct mlw_sweep_space *space)
{
	size_t i;

	if (!space)
		return;
	space_free_dists(space->by_dim, space->dims);
	for (i = 0; i < space->nr; i++)
		free(space->names[i]);
	free(space->names);
	free(space->params);
	free(space);
}

int mlw_sweep_space_only(const struct mlw_sweep_space *space, unsigned types,
			 const struct mlw_sweep_dist **bad)
{
	size_t d;

	for (d = 0; d < space->dims; d++)
		if (!(types & (1u << space->by_dim[d]->type))) {
			if (bad)
				*bad = space->by_dim[d];
			return 0;
		}
	return 1;
}

/* --- decoding ------------------------------------------------------------- */

/* [0, 1) with every value a cell can hold */
static double clamp01(double u)
{
	if (!(u >= 0))
		return 0;
	if (u >= 1)
		return 1 - 0x1p-53;
	return u;
}

/* (0, 1) for quantiles */
static double open01(double u)
{
	u = clamp01(u);
	return u < 0x1p-54 ? 0x1p-54 : u;
}

static size_t cell(double u, size_t n)
{
	size_t i = (size_t)(clamp01(u) * (double)n);

	return i < n ? i : n - 1;
}

/* the continuous value at CDF level u, before quantisation */
static double continuous_at(const struct mlw_sweep_space *space,
			    const struct mlw_sweep_dist *dist, double u)
{
	double x;

	if (is_normal(dist->type))
		x = dist->mu + dist->sigma *
			mlw_sweep_norm_quantile(open01(u));
	else
		x = dist->min + clamp01(u) * (dist->max - dist->min);
	if (is_log(dist->type))
		x = exp(space->log_base * x);
	return x;
}

static struct mlw_sweep_value *instantiate(const struct mlw_sweep_space *space,
					   const struct mlw_sweep_value *tmpl,
					   const double *u);

static struct mlw_sweep_value *sample(const struct mlw_sweep_space *space,
				      const struct mlw_sweep_dist *dist,
				      const double *u)
{
	struct mlw_sweep_value *v;
	double x = u[dist->dim];

	switch (dist->type) {
	case MLW_DIST_CHOICE:
		return instantiate(space,
				   dist->values[cell(x, dist->nr_values)], u);
	case MLW_DIST_RANDINT:
		v = mlw_sweep_value_new(MLW_VALUE_INT);
		v->i = (int64_t)cell(x, (size_t)dist->upper);
		return v;
	default:
		v = mlw_sweep_value_new(MLW_VALUE_FLOAT);
		v->f = continuous_at(space, dist, x);
		if (is_quantized(dist->type))
			v->f = mlw_sweep_quantize(v->f, dist->q);
		return v;
	}
}

static struct mlw_sweep_value *instantiate(const struct mlw_sweep_space *space,
					   const struct mlw_sweep_value *tmpl,
					   const double *u)
{
	struct mlw_sweep_value *v;
	size_t i;

	if (tmpl->kind == MLW_VALUE_DIST)
		return sample(space, tmpl->dist, u);
	if (tmpl->kind != MLW_VALUE_DICT)
		return mlw_sweep_value_dup(tmpl);
	v = mlw_sweep_value_new(MLW_VALUE_DICT);
	for (i = 0; i < tmpl->nr; i++)
		value_push(v, mlw_strdup(tmpl->keys[i]),
			   instantiate(space, tmpl->items[i], u));
	return v;
}

struct mlw_sweep_value *mlw_sweep_space_decode(
	const struct mlw_sweep_space *space, const double *u)
{
	struct mlw_sweep_value *params = mlw_sweep_value_new(MLW_VALUE_DICT);
	size_t i;

	for (i = 0; i < space->nr; i++)
		value_push(params, mlw_strdup(space->names[i]),
			   sample(space, space->params[i], u));
	return params;
}

/* --- encoding ------------------------------------------------------------- */

/* the CDF level of continuous value x (before quantisation) */
static double level_of(const struct mlw_sweep_space *space,
		       const struct mlw_sweep_dist *dist, double x)
{
	if (is_log(dist->type)) {
		if (x <= 0)
			return 0;
		x = log(x) / space->log_base;
	}
	if (is_normal(dist->type))
		return mlw_sweep_norm_cdf((x - dist->mu) / dist->sigma);
	if (dist->max == dist->min)
		return 0.5;
	x = (x - dist->min) / (dist->max - dist->min);
	return x < 0 ? 0 : x > 1 ? 1 : x;
}

/* the lowest and highest values the distribution can give, unquantised */
static void support(const struct mlw_sweep_space *space,
		    const struct mlw_sweep_dist *dist, double *lo, double *hi)
{
	if (is_normal(dist->type)) {
		*lo = is_log(dist->type) ? 0 : -INFINITY;
		*hi = INFINITY;
	} else {
		*lo = continuous_at(space, dist, 0);
		*hi = continuous_at(space, dist, 1);
	}
}

static int encode_value(const struct mlw_sweep_space *space,
			const struct mlw_sweep_value *tmpl,
			const struct mlw_sweep_value *v, double *u, int dry);

static int encode_dist(const struct mlw_sweep_space *space,
		       const struct mlw_sweep_dist *dist,
		       const struct mlw_sweep_value *v, double *u, int dry)
{
	double x, lo, hi, a, b, slack;
	size_t i;

	if (dist->type == MLW_DIST_CHOICE) {
		for (i = 0; i < dist->nr_values; i++)
			if (!encode_value(space, dist->values[i], v, u, 1))
				break;
		if (i == dist->nr_values)
			return -1;
		if (!dry) {
			u[dist->dim] = (i + 0.5) / dist->nr_values;
			encode_value(space, dist->values[i], v, u, 0);
		}
		return 0;
	}
	if (!is_number(v, &x) || !isfinite(x))
		return -1;
	if (dist->type == MLW_DIST_RANDINT) {
		if (x != floor(x) || x < 0 || x >= (double)dist->upper)
			return -1;
		if (!dry)
			u[dist->dim] = (x + 0.5) / (double)dist->upper;
		return 0;
	}
	support(space, dist, &lo, &hi);
	slack = 1e-9 * (1 + (isfinite(lo) ? fabs(lo) : 0) +
			(isfinite(hi) ? fabs(hi) : 0));
	if (!is_quantized(dist->type)) {
		if (x < lo - slack || x > hi + slack)
			return -1;
		if (!dry)
			u[dist->dim] = clamp01(level_of(space, dist, x));
		return 0;
	}
	/* a multiple of q whose cell meets the support: its middle level */
	if (fabs(mlw_sweep_quantize(x, dist->q) - x) >
	    1e-9 * (fabs(x) + dist->q))
		return -1;
	a = x - dist->q / 2;
	b = x + dist->q / 2;
	if (b < lo || a > hi)
		return -1;
	if (!dry) {
		a = level_of(space, dist, a > lo ? a : lo);
		b = level_of(space, dist, b < hi ? b : hi);
		u[dist->dim] = clamp01((a + b) / 2);
	}
	return 0;
}

/* dry: only say whether v can come from tmpl, write nothing */
static int encode_value(const struct mlw_sweep_space *space,
			const struct mlw_sweep_value *tmpl,
			const struct mlw_sweep_value *v, double *u, int dry)
{
	size_t i;

	if (tmpl->kind == MLW_VALUE_DIST)
		return encode_dist(space, tmpl->dist, v, u, dry);
	if (tmpl->kind != MLW_VALUE_DICT)
		return mlw_sweep_value_equal(tmpl, v) ? 0 : -1;
	if (v->kind != MLW_VALUE_DICT || v->nr != tmpl->nr)
		return -1;
	for (i = 0; i < tmpl->nr; i++) {
		const struct mlw_sweep_value *o =
			dict_get(v, tmpl->keys[i], strlen(tmpl->keys[i]));

		if (!o || encode_value(space, tmpl->items[i], o, u, dry) < 0)
			return -1;
	}
	return 0;
}

int mlw_sweep_space_encode(const struct mlw_sweep_space *space,
			   const struct mlw_sweep_value *params, double *u)
{
	size_t i;

	for (i = 0; i < space->dims; i++)
		u[i] = 0.5;
	for (i = 0; i < space->nr; i++) {
		const struct mlw_sweep_value *v =
			params ? mlw_sweep_value_get(params, space->names[i])
			       : NULL;

		if (!v)
			return mlw_error_setc(MLW_EINVALID, "no value for "
					      "search_space '%s'",
					      space->names[i]);
		if (encode_dist(space, space->params[i], v, u, 0) < 0) {
			struct mlw_buf text = MLW_BUF_INIT;
			int ret;

			mlw_sweep_value_format(&text, v);
			ret = mlw_error_setc(MLW_EINVALID, "'%s' cannot be %s "
					     "in this search space",
					     space->names[i], text.buf);
			mlw_buf_release(&text);
			return ret;
		}
	}
	return 0;
}

/*
 * Encoding into a copy: a value a rounding error put just across a
 * quantisation boundary leaves u as it was rather than half-written.
 */
void mlw_sweep_space_snap(const struct mlw_sweep_space *space, double *u)
{
	struct mlw_sweep_value *v = mlw_sweep_space_decode(space, u);
	double *t = mlw_malloc(space->dims * sizeof(double) + 1);

	if (!mlw_sweep_space_encode(space, v, t))
		memcpy(u, t, space->dims * sizeof(double));
	else
		mlw_error_clear();
	free(t);
	mlw_sweep_value_free(v);
}

/* --- features ------------------------------------------------------------- */

static void features_of(const struct mlw_sweep_space *space,
			const struct mlw_sweep_dist *dist, const double *u,
			double *x);

static void template_features(const struct mlw_sweep_space *space,
			      const struct mlw_sweep_value *tmpl,
			      const double *u, double *x)
{
	size_t i;

	if (tmpl->kind == MLW_VALUE_DIST)
		features_of(space, tmpl->dist, u, x);
	else if (tmpl->kind == MLW_VALUE_DICT)
		for (i = 0; i < tmpl->nr; i++)
			template_features(space, tmpl->items[i], u, x);
}

static void features_of(const struct mlw_sweep_space *space,
			const struct mlw_sweep_dist *dist, const double *u,
			double *x)
{
	double *f = x + dist->feature;
	size_t i;

	if (dist->type != MLW_DIST_CHOICE) {
		*f = clamp01(u[dist->dim]);
		return;
	}
	i = cell(u[dist->dim], dist->nr_values);
	if (dist->ordinal)
		*f = (dist->rank[i] + 0.5) / dist->nr_values;
	else
		f[i] = 1;
	template_features(space, dist->values[i], u, x);
}

void mlw_sweep_space_features(const struct mlw_sweep_space *space,
			      const double *u, double *x)
{
	size_t d, i;

	for (d = 0; d < space->dims; d++) {
		const struct mlw_sweep_dist *dist = space->by_dim[d];

		for (i = 0; i < dist->nr_features; i++)
			x[dist->feature + i] =
				dist->type == MLW_DIST_CHOICE &&
				!dist->ordinal ? 0 : 0.5;
	}
	for (i = 0; i < space->nr; i++)
		features_of(space, space->params[i], u, x);
}

/*
 * compute.c - compute targets in the catalog; see compute.h.
 *
 * A target is one row of the compute layer's table: its type, and its
 * type's settings as one JSON object (a new setting needs no migration),
 * its tags as another.  The fields a user can set are one table
 * (mlw_compute_fields): the spec reader, the command line and --set all
 * go through mlw_compute_set(), so a value is checked one way.
 */
#include "compute/compute.h"
#include "spec/spec.h"
#include "store/catalog.h"
#include "store/odb.h"
#include "store/repo.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/config.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/name.h"
#include "util/output.h"

#include <ctype.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const type_names[] = { "local", "slurm", "amlcompute" };

const char *mlw_compute_type_name(enum mlw_compute_type t)
{
	if ((unsigned)t > MLW_COMPUTE_AML)
		BUG("bad compute type %d", (int)t);
	return type_names[t];
}

int mlw_compute_type_parse(enum mlw_compute_type *out, const char *name)
{
	size_t i;

	for (i = 0; i <= MLW_COMPUTE_AML; i++)
		if (!strcasecmp(name, type_names[i])) {
			*out = (enum mlw_compute_type)i;
			return 0;
		}
	return mlw_error_setc(MLW_EINVALID, "unknown compute type '%s'; one "
			      "of: slurm, amlcompute, local", name);
}

struct mlw_compute *mlw_compute_new(const char *name,
				    enum mlw_compute_type t)
{
	struct mlw_compute *c = mlw_calloc(1, sizeof(*c));

	c->name = mlw_strdup(name);
	c->type = t;
	c->aml.min_instances = c->aml.max_instances = -1;
	c->aml.idle_time_before_scale_down = -1;
	return c;
}

void mlw_compute_free(struct mlw_compute *c)
{
	if (!c)
		return;
	free(c->name);
	free(c->description);
	mlw_strlist_release(&c->tags);
	free(c->slurm.partition);
	free(c->slurm.account);
	free(c->slurm.qos);
	free(c->slurm.time_limit);
	free(c->slurm.mem);
	mlw_strlist_release(&c->slurm.sbatch_options);
	free(c->aml.size);
	free(c->aml.tier);
	free(c->spec);
	free(c);
}

static char *dup_or_null(const char *s)
{
	return s ? mlw_strdup(s) : NULL;
}

static void copy_list(struct mlw_strlist *dst, const struct mlw_strlist *src)
{
	size_t i;

	for (i = 0; i < src->nr; i++)
		mlw_strlist_push(dst, src->items[i]);
}

struct mlw_compute *mlw_compute_dup(const struct mlw_compute *c)
{
	struct mlw_compute *d = mlw_compute_new(c->name, c->type);

	d->description = dup_or_null(c->description);
	copy_list(&d->tags, &c->tags);
	d->slurm.partition = dup_or_null(c->slurm.partition);
	d->slurm.account = dup_or_null(c->slurm.account);
	d->slurm.qos = dup_or_null(c->slurm.qos);
	d->slurm.time_limit = dup_or_null(c->slurm.time_limit);
	d->slurm.mem = dup_or_null(c->slurm.mem);
	d->slurm.nodes = c->slurm.nodes;
	d->slurm.cpus_per_task = c->slurm.cpus_per_task;
	copy_list(&d->slurm.sbatch_options, &c->slurm.sbatch_options);
	d->aml = c->aml;
	d->aml.size = dup_or_null(c->aml.size);
	d->aml.tier = dup_or_null(c->aml.tier);
	d->spec = dup_or_null(c->spec);
	d->created = c->created;
	d->updated = c->updated;
	return d;
}

/* --- values -------------------------------------------------------------- */

/* n decimal digits at *s, as a number; -1 when there are none */
static int64_t digits(const char **s)
{
	int64_t v = 0;
	int n = 0;

	while (isdigit((unsigned char)**s) && n < 12) {
		v = v * 10 + (**s - '0');
		(*s)++;
		n++;
	}
	return n ? v : -1;
}

int mlw_slurm_parse_time(int64_t *seconds, const char *text)
{
	const char *s = text;
	int64_t part[4], days = 0;
	int n = 0, has_days = 0;

	if (!strcasecmp(text, "UNLIMITED") || !strcasecmp(text, "INFINITE")) {
		*seconds = -1;
		return 0;
	}
	part[n] = digits(&s);
	if (part[n] >= 0 && *s == '-') {
		days = part[n];
		has_days = 1;
		s++;
		part[n] = digits(&s);
	}
	while (part[n] >= 0 && *s == ':' && n < 2) {
		s++;
		part[++n] = digits(&s);
	}
	if (part[n] < 0 || *s)
		return mlw_error_setc(MLW_EINVALID, "time limit '%s' is not "
				      "one of Slurm's forms: MINUTES, "
				      "MINUTES:SECONDS, HOURS:MINUTES:SECONDS, "
				      "DAYS-HOURS[:MINUTES[:SECONDS]]", text);
	if (has_days)	/* days-hours[:minutes[:seconds]] */
		*seconds = days * 86400 + part[0] * 3600 +
			   (n >= 1 ? part[1] * 60 : 0) + (n >= 2 ? part[2] : 0);
	else if (n == 0)
		*seconds = part[0] * 60;
	else if (n == 1)
		*seconds = part[0] * 60 + part[1];
	else
		*seconds = part[0] * 3600 + part[1] * 60 + part[2];
	return 0;
}

/* Slurm's --mem: a whole number, optionally K, M, G or T */
static int check_mem(const char *text)
{
	const char *s = text;

	if (digits(&s) > 0 && (!*s || (strchr("KMGTkmgt", *s) && !s[1])))
		return 0;
	return mlw_error_setc(MLW_EINVALID, "memory '%s' is not a size Slurm "
			      "reads: a whole number of megabytes, or one "
			      "with K, M, G or T (\"4G\")", text);
}

/* a count of at least 1 */
static int parse_count(int64_t *out, const char *name, const char *text,
		       int64_t min)
{
	int64_t v;

	if (mlw_parse_i64(&v, text, name))
		return MLW_EINVALID;
	if (v < min)
		return mlw_error_setc(MLW_EINVALID, "%s must be at least %lld "
				      "(got %lld)", name, (long long)min,
				      (long long)v);
	*out = v;
	return 0;
}

/* a Slurm word (partition, account, QOS): no blanks or shell syntax */
static int check_word(const char *name, const char *text)
{
	size_t i;

	if (!*text)
		return mlw_error_setc(MLW_EINVALID, "%s is empty", name);
	for (i = 0; text[i]; i++)
		if (!isalnum((unsigned char)text[i]) &&
		    !strchr("_-.,+", text[i]))
			return mlw_error_setc(MLW_EINVALID, "%s '%s' is not a "
					      "Slurm name (letters, digits, "
					      "'_', '-', '.', ',' and '+')",
					      name, text);
	return 0;
}

/* an sbatch option: "--name=value" or "--flag", one word */
static int check_option(const char *text)
{
	size_t i;

	if (!mlw_starts_with(text, "--") || !text[2] || text[2] == '=')
		return mlw_error_setc(MLW_EINVALID, "sbatch option '%s' must "
				      "be a long option: \"--NAME=VALUE\" or "
				      "\"--FLAG\"", text);
	for (i = 0; text[i]; i++)
		if ((unsigned char)text[i] < 0x20 || text[i] == '\n')
			return mlw_error_setc(MLW_EINVALID, "sbatch option "
					      "'%s' holds a control character",
					      text);
	return 0;
}

#define T_LOCAL (1u << MLW_COMPUTE_LOCAL)
#define T_SLURM (1u << MLW_COMPUTE_SLURM)
#define T_AML (1u << MLW_COMPUTE_AML)

const struct mlw_compute_field mlw_compute_fields[] = {
	{ "description", T_LOCAL | T_SLURM | T_AML, "TEXT",
	  "what the target is" },
	{ "partition", T_SLURM, "NAME", "the Slurm partition (default: the "
	  "cluster's)" },
	{ "account", T_SLURM, "NAME", "the Slurm account to charge" },
	{ "qos", T_SLURM, "NAME", "the Slurm quality of service" },
	{ "time_limit", T_SLURM, "TIME", "each job's time limit, in Slurm's "
	  "format (30, 2:00:00, 1-12)" },
	{ "nodes", T_SLURM, "N", "the most nodes one job may take" },
	{ "cpus_per_task", T_SLURM, "N", "CPUs for each task (rank)" },
	{ "mem", T_SLURM, "SIZE", "memory per node (4G, 512M)" },
	{ "sbatch_options", T_SLURM, "OPTION", "an extra sbatch option "
	  "(--constraint=avx2; repeatable)" },
	{ "size", T_AML, "SIZE", "the VM size (recorded)" },
	{ "tier", T_AML, "TIER", "dedicated or low_priority (recorded)" },
	{ "min_instances", T_AML, "N", "the fewest nodes (recorded)" },
	{ "max_instances", T_AML, "N", "the most nodes: the node limit on a "
	  "mapped partition" },
	{ "idle_time_before_scale_down", T_AML, "SECONDS", "(recorded)" },
	{ NULL, 0, NULL, NULL }
};

static void replace(char **dst, const char *s)
{
	free(*dst);
	*dst = mlw_strdup(s);
}

/* the names of the fields type t has, for a message */
static void field_names(struct mlw_buf *b, enum mlw_compute_type t)
{
	const struct mlw_compute_field *f;

	for (f = mlw_compute_fields; f->name; f++)
		if (f->types & (1u << t))
			mlw_buf_addf(b, "%s%s", b->len ? ", " : "", f->name);
}

/* an empty value: the field goes back to its default */
static int unset(struct mlw_compute *c, const char *name)
{
	char **s = !strcmp(name, "description") ? &c->description :
		   !strcmp(name, "partition") ? &c->slurm.partition :
		   !strcmp(name, "account") ? &c->slurm.account :
		   !strcmp(name, "qos") ? &c->slurm.qos :
		   !strcmp(name, "time_limit") ? &c->slurm.time_limit :
		   !strcmp(name, "mem") ? &c->slurm.mem :
		   !strcmp(name, "size") ? &c->aml.size :
		   !strcmp(name, "tier") ? &c->aml.tier : NULL;

	if (s) {
		free(*s);
		*s = NULL;
	} else if (!strcmp(name, "nodes")) {
		c->slurm.nodes = 0;
	} else if (!strcmp(name, "cpus_per_task")) {
		c->slurm.cpus_per_task = 0;
	} else if (!strcmp(name, "sbatch_options")) {
		mlw_strlist_release(&c->slurm.sbatch_options);
	} else if (!strcmp(name, "min_instances")) {
		c->aml.min_instances = -1;
	} else if (!strcmp(name, "max_instances")) {
		c->aml.max_instances = -1;
	} else {
		c->aml.idle_time_before_scale_down = -1;
	}
	return 0;
}

int mlw_compute_set(struct mlw_compute *c, const char *name,
		    const char *text)
{
	const struct mlw_compute_field *f;
	struct mlw_buf b = MLW_BUF_INIT;
	int64_t v;
	int ret;

	for (f = mlw_compute_fields; f->name; f++)
		if (!strcmp(f->name, name))
			break;
	if (!f->name || !(f->types & (1u << c->type))) {
		field_names(&b, c->type);
		ret = mlw_error_setc(MLW_EINVALID, "%s computes have no '%s' "
				     "(they have %s)", mlw_compute_type_name(c->type),
				     name, b.buf);
		mlw_buf_release(&b);
		return ret;
	}
	if (!*text)
		return unset(c, name);
	if (!strcmp(name, "description")) {
		replace(&c->description, text);
	} else if (!strcmp(name, "partition") || !strcmp(name, "account") ||
		   !strcmp(name, "qos")) {
		if (check_word(name, text))
			return MLW_EINVALID;
		replace(name[0] == 'p' ? &c->slurm.partition :
			name[0] == 'a' ? &c->slurm.account : &c->slurm.qos,
			text);
	} else if (!strcmp(name, "time_limit")) {
		if (mlw_slurm_parse_time(&v, text))
			return MLW_EINVALID;
		replace(&c->slurm.time_limit, text);
	} else if (!strcmp(name, "mem")) {
		if (check_mem(text))
			return MLW_EINVALID;
		replace(&c->slurm.mem, text);
	} else if (!strcmp(name, "nodes")) {
		return parse_count(&c->slurm.nodes, name, text, 1);
	} else if (!strcmp(name, "cpus_per_task")) {
		return parse_count(&c->slurm.cpus_per_task, name, text, 1);
	} else if (!strcmp(name, "sbatch_options")) {
		if (check_option(text))
			return MLW_EINVALID;
		mlw_strlist_push(&c->slurm.sbatch_options, text);
	} else if (!strcmp(name, "size")) {
		replace(&c->aml.size, text);
	} else if (!strcmp(name, "tier")) {
		if (strcasecmp(text, "dedicated") &&
		    strcasecmp(text, "low_priority"))
			return mlw_error_setc(MLW_EINVALID, "tier must be "
					      "dedicated or low_priority (got "
					      "'%s')", text);
		replace(&c->aml.tier, text);
	} else if (!strcmp(name, "min_instances")) {
		return parse_count(&c->aml.min_instances, name, text, 0);
	} else if (!strcmp(name, "max_instances")) {
		return parse_count(&c->aml.max_instances, name, text, 1);
	} else {
		return parse_count(&c->aml.idle_time_before_scale_down, name,
				   text, 0);
	}
	return 0;
}

/* what no single field can say */
static int check_target(const struct mlw_compute *c)
{
	if (c->type == MLW_COMPUTE_AML && c->aml.min_instances >= 0 &&
	    c->aml.max_instances >= 0 &&
	    c->aml.min_instances > c->aml.max_instances)
		return mlw_error_setc(MLW_EINVALID, "min_instances (%lld) is "
				      "above max_instances (%lld)",
				      (long long)c->aml.min_instances,
				      (long long)c->aml.max_instances);
	return 0;
}

/* --- specs --------------------------------------------------------------- */

/* set one field from the spec's node, its position in the message */
static int set_from_node(struct mlw_compute *c, const char *name,
			 const struct mlw_yaml_node *n)
{
	size_t i;

	if (!n || mlw_yaml_is_null(n))
		return 0;
	if (n->kind == MLW_YAML_SCALAR) {
		if (!mlw_compute_set(c, name, n->text))
			return 0;
		mlw_error_prefix("%s:%d:%d", n->source, n->line, n->col);
		return MLW_EINVALID;
	}
	for (i = 0; n->kind == MLW_YAML_SEQ && i < n->nr; i++)
		if (set_from_node(c, name, n->items[i]))
			return MLW_EINVALID;
	return 0;
}

int mlw_compute_from_spec(struct mlw_compute **out,
			  const struct mlw_spec *spec)
{
	const struct mlw_yaml_node *root = spec->doc->root, *tags;
	const struct mlw_compute_field *f;
	enum mlw_compute_type t = MLW_COMPUTE_LOCAL;
	struct mlw_compute *c;
	const char *name = mlw_spec_get_str(spec, "name");
	size_t i;
	int ret = 0;

	*out = NULL;
	switch (spec->kind) {
	case MLW_SPEC_SLURM_COMPUTE:
		t = MLW_COMPUTE_SLURM;
		break;
	case MLW_SPEC_AML_COMPUTE:
		t = MLW_COMPUTE_AML;
		break;
	case MLW_SPEC_LOCAL_COMPUTE:
		t = MLW_COMPUTE_LOCAL;
		break;
	default:
		return mlw_error_setc(MLW_EINVALID, "%s: a %s is not a compute "
				      "spec", spec->path,
				      mlw_spec_kind_name(spec->kind));
	}
	c = mlw_compute_new(name ? name : "", t);
	for (f = mlw_compute_fields; !ret && f->name; f++)
		if (f->types & (1u << t))
			ret = set_from_node(c, f->name,
					    mlw_yaml_map_get(root, f->name));
	tags = mlw_yaml_map_get(root, "tags");
	for (i = 0; tags && tags->kind == MLW_YAML_MAP && 2 * i + 1 < tags->nr;
	     i++) {
		const struct mlw_yaml_node *v = mlw_yaml_value(tags, i);

		mlw_strlist_push(&c->tags, mlw_yaml_key(tags, i)->text);
		mlw_strlist_push(&c->tags, v && v->text ? v->text : "");
	}
	if (!ret && check_target(c)) {
		mlw_error_prefix("%s", spec->path);
		ret = MLW_EINVALID;
	}
	if (ret) {
		mlw_compute_free(c);
		return ret;
	}
	*out = c;
	return 0;
}

/* --- the catalog --------------------------------------------------------- */

static const char *const compute_migrations[] = {
	"CREATE TABLE computes ("
	"  name TEXT PRIMARY KEY,"
	"  type TEXT NOT NULL,"
	"  description TEXT,"
	"  settings TEXT NOT NULL,"	/* JSON object: the type's */
	"  tags TEXT NOT NULL,"		/* JSON object */
	"  spec TEXT,"			/* object id of the spec */
	"  created REAL NOT NULL,"
	"  updated REAL NOT NULL);",
};

static const char *const compute_roots[] = {
	"SELECT spec, 'compute ' || name FROM computes WHERE spec IS NOT NULL",
};

static const struct mlw_catalog_schema compute_schema = {
	"compute", compute_migrations,
	(int)(sizeof(compute_migrations) / sizeof(*compute_migrations)),
	compute_roots, (int)(sizeof(compute_roots) / sizeof(*compute_roots)),
};

static int db_err(struct mlw_catalog *cat, const char *what)
{
	return mlw_catalog_db_error(mlw_catalog_db(cat), what);
}

static int prep(struct mlw_catalog *cat, sqlite3_stmt **st, const char *sql)
{
	int ret = mlw_catalog_use(cat, &compute_schema);

	if (ret)
		return ret;
	if (sqlite3_prepare_v2(mlw_catalog_db(cat), sql, -1, st, NULL))
		return db_err(cat, "preparing query");
	return 0;
}

static void set_str(json_t *j, const char *key, const char *v)
{
	if (v)
		json_object_set_new(j, key, json_string(v));
}

static void set_int(json_t *j, const char *key, int64_t v, int64_t unset)
{
	if (v != unset)
		json_object_set_new(j, key, json_integer(v));
}

/* the type's settings as a JSON object (owned reference) */
static json_t *settings_json(const struct mlw_compute *c)
{
	json_t *j = json_object(), *opts;
	size_t i;

	if (c->type == MLW_COMPUTE_SLURM) {
		set_str(j, "partition", c->slurm.partition);
		set_str(j, "account", c->slurm.account);
		set_str(j, "qos", c->slurm.qos);
		set_str(j, "time_limit", c->slurm.time_limit);
		set_int(j, "nodes", c->slurm.nodes, 0);
		set_int(j, "cpus_per_task", c->slurm.cpus_per_task, 0);
		set_str(j, "mem", c->slurm.mem);
		opts = json_array();
		for (i = 0; i < c->slurm.sbatch_options.nr; i++)
			json_array_append_new(opts, json_string(
				c->slurm.sbatch_options.items[i]));
		json_object_set_new(j, "sbatch_options", opts);
	} else if (c->type == MLW_COMPUTE_AML) {
		set_str(j, "size", c->aml.size);
		set_str(j, "tier", c->aml.tier);
		set_int(j, "min_instances", c->aml.min_instances, -1);
		set_int(j, "max_instances", c->aml.max_instances, -1);
		set_int(j, "idle_time_before_scale_down",
			c->aml.idle_time_before_scale_down, -1);
	}
	return j;
}

static json_t *tags_json(const struct mlw_compute *c)
{
	json_t *j = json_object();
	size_t i;

	for (i = 0; i + 1 < c->tags.nr; i += 2)
		json_object_set_new(j, c->tags.items[i],
				    json_string(c->tags.items[i + 1]));
	return j;
}

/*
 * Settings read back from the catalog: untrusted, so each value goes
 * through mlw_compute_set() as a user's would; what does not pass is
 * dropped rather than believed.
 */
static void settings_read(struct mlw_compute *c, const char *text)
{
	json_t *j = text ? json_loads(text, 0, NULL) : NULL, *v;
	struct mlw_buf b = MLW_BUF_INIT;
	const char *key;
	size_t i;

	json_object_foreach(j, key, v) {
		if (json_is_array(v)) {
			for (i = 0; i < json_array_size(v); i++)
				if (json_is_string(json_array_get(v, i)))
					mlw_compute_set(c, key, json_string_value(
						json_array_get(v, i)));
			continue;
		}
		mlw_buf_reset(&b);
		if (!mlw_json_scalar_text(&b, v))
			continue;
		mlw_compute_set(c, key, b.buf);
	}
	mlw_error_clear();
	mlw_buf_release(&b);
	json_decref(j);
}

static void tags_read(struct mlw_compute *c, const char *text)
{
	json_t *j = text ? json_loads(text, 0, NULL) : NULL, *v;
	const char *key;

	json_object_foreach(j, key, v) {
		if (!json_is_string(v))
			continue;
		mlw_strlist_push(&c->tags, key);
		mlw_strlist_push(&c->tags, json_string_value(v));
	}
	json_decref(j);
}

#define COMPUTE_COLUMNS \
	"name, type, description, settings, tags, spec, created, updated"

static const char *col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* a row; NULL when its type is not one this mlw knows */
static struct mlw_compute *row_to_compute(sqlite3_stmt *st)
{
	enum mlw_compute_type t = MLW_COMPUTE_LOCAL;
	struct mlw_compute *c;
	const char *name = col_text(st, 0), *type = col_text(st, 1);

	if (!name || !type || mlw_compute_type_parse(&t, type)) {
		mlw_error_clear();
		return NULL;
	}
	c = mlw_compute_new(name, t);
	c->description = dup_or_null(col_text(st, 2));
	settings_read(c, col_text(st, 3));
	tags_read(c, col_text(st, 4));
	c->spec = dup_or_null(col_text(st, 5));
	c->created = sqlite3_column_double(st, 6);
	c->updated = sqlite3_column_double(st, 7);
	return c;
}

/* what a target must be to be recorded */
static int check_put(const struct mlw_compute *c)
{
	if (mlw_name_check(MLW_NAME_COMPUTE, c->name))
		return MLW_EINVALID;
	if (!strcmp(c->name, "local") && c->type != MLW_COMPUTE_LOCAL)
		return mlw_error_setc(MLW_EINVALID, "compute 'local' is this "
				      "machine: it cannot be of type %s",
				      mlw_compute_type_name(c->type));
	return check_target(c);
}

int mlw_compute_put(struct mlw_catalog *cat, struct mlw_compute *c)
{
	sqlite3_stmt *st;
	char *settings, *tags;
	json_t *j;
	double now = mlw_now();
	int ret, rc;

	ret = check_put(c);
	if (!ret)
		ret = prep(cat, &st, "INSERT INTO computes (" COMPUTE_COLUMNS
			   ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
			   " ON CONFLICT(name) DO UPDATE SET type = excluded.type,"
			   " description = excluded.description,"
			   " settings = excluded.settings, tags = excluded.tags,"
			   " spec = excluded.spec, updated = excluded.updated"
			   " RETURNING created");
	if (ret)
		return ret;
	j = settings_json(c);
	settings = mlw_json_dumps(j, MLW_JSON_COMPACT | MLW_JSON_SORT_KEYS);
	json_decref(j);
	j = tags_json(c);
	tags = mlw_json_dumps(j, MLW_JSON_COMPACT);
	json_decref(j);
	sqlite3_bind_text(st, 1, c->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, mlw_compute_type_name(c->type), -1,
			  SQLITE_STATIC);
	sqlite3_bind_text(st, 3, c->description, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, settings, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, tags, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, c->spec, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 7, now);
	sqlite3_bind_double(st, 8, now);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		c->created = sqlite3_column_double(st, 0);
		c->updated = now;
		rc = sqlite3_step(st);
	}
	if (rc != SQLITE_DONE)
		ret = db_err(cat, "recording the compute");
	sqlite3_finalize(st);
	free(settings);
	free(tags);
	return ret;
}

int mlw_compute_create(struct mlw_repo *repo, struct mlw_compute *c,
		       const char *spec_path)
{
	char hex[MLW_OID_HEXSZ + 1];
	struct mlw_catalog *cat;
	struct mlw_odb *odb;
	struct mlw_oid oid;
	uint64_t size;
	int ret = check_put(c);

	if (!ret)
		ret = mlw_repo_catalog(&cat, repo);
	/* nothing is written for a target that cannot be recorded */
	if (!ret && spec_path) {
		ret = mlw_repo_odb(&odb, repo);
		if (!ret)
			ret = mlw_odb_write_path(&oid, &size, odb, spec_path,
						 MLW_OBJ_BLOB, MLW_ODB_WRITE);
		if (!ret) {
			mlw_oid_to_hex(hex, &oid);
			replace(&c->spec, hex);
		}
	}
	if (!ret)
		ret = mlw_catalog_begin(cat);
	if (ret)
		return ret;
	ret = mlw_compute_put(cat, c);
	if (!ret)
		return mlw_catalog_commit(cat);
	mlw_catalog_rollback(cat);
	return ret;
}

int mlw_compute_get(struct mlw_compute **out, struct mlw_catalog *cat,
		    const char *name)
{
	sqlite3_stmt *st;
	int ret = prep(cat, &st, "SELECT " COMPUTE_COLUMNS
		       " FROM computes WHERE name = ?"), rc;

	*out = NULL;
	if (ret)
		return ret;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = row_to_compute(st);
	else if (rc != SQLITE_DONE)
		ret = db_err(cat, "reading the compute");
	sqlite3_finalize(st);
	if (ret || *out)
		return ret;
	if (!strcmp(name, "local")) {
		*out = mlw_compute_new("local", MLW_COMPUTE_LOCAL);
		(*out)->description = mlw_strdup("this machine");
		return 0;
	}
	return mlw_error_setc(MLW_ENOTFOUND, "compute '%s' not found", name);
}

int mlw_compute_list(struct mlw_compute ***out, size_t *nr,
		     struct mlw_catalog *cat)
{
	struct mlw_compute **list = NULL, *c;
	size_t n = 0, alloc = 0, i;
	sqlite3_stmt *st;
	int ret = prep(cat, &st, "SELECT " COMPUTE_COLUMNS
		       " FROM computes ORDER BY name"), rc, local = 0;

	*out = NULL;
	*nr = 0;
	if (ret)
		return ret;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		c = row_to_compute(st);
		if (!c)
			continue;
		local |= !strcmp(c->name, "local");
		MLW_ALLOC_GROW(list, n + 1, alloc);
		list[n++] = c;
	}
	if (rc != SQLITE_DONE)
		ret = db_err(cat, "listing computes");
	sqlite3_finalize(st);
	if (ret) {
		mlw_compute_list_free(list, n);
		return ret;
	}
	if (!local) {
		/* the built-in local, in its place by name */
		MLW_ALLOC_GROW(list, n + 1, alloc);
		for (i = n; i > 0 && strcmp(list[i - 1]->name, "local") > 0;
		     i--)
			list[i] = list[i - 1];
		mlw_compute_get(&list[i], cat, "local");
		n++;
	}
	*out = list;
	*nr = n;
	return 0;
}

void mlw_compute_list_free(struct mlw_compute **list, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		mlw_compute_free(list[i]);
	free(list);
}

int mlw_compute_delete(struct mlw_catalog *cat, const char *name)
{
	sqlite3_stmt *st;
	int ret = prep(cat, &st, "DELETE FROM computes WHERE name = ?");

	if (ret)
		return ret;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		ret = db_err(cat, "deleting the compute");
	else if (!sqlite3_changes(mlw_catalog_db(cat)))
		ret = mlw_error_setc(MLW_ENOTFOUND, "compute '%s' not found%s",
				     name, strcmp(name, "local") ? "" :
				     " (the built-in local cannot be deleted)");
	sqlite3_finalize(st);
	return ret;
}

void mlw_compute_describe(struct mlw_out *o, const struct mlw_compute *c)
{
	json_t *settings = settings_json(c), *v;
	const char *key;
	size_t i;

	mlw_out_str(o, "name", c->name);
	mlw_out_str(o, "type", mlw_compute_type_name(c->type));
	if (c->description)
		mlw_out_str(o, "description", c->description);
	else
		mlw_out_null(o, "description");
	json_object_foreach(settings, key, v)
		mlw_out_json(o, key, v);
	mlw_out_object_begin(o, "tags");
	for (i = 0; i + 1 < c->tags.nr; i += 2)
		mlw_out_str(o, c->tags.items[i], c->tags.items[i + 1]);
	mlw_out_end(o);
	if (c->spec)
		mlw_out_str(o, "spec", c->spec);
	else
		mlw_out_null(o, "spec");
	if (c->created)
		mlw_out_time(o, "created", c->created);
	else
		mlw_out_null(o, "created");
	if (c->updated)
		mlw_out_time(o, "updated", c->updated);
	else
		mlw_out_null(o, "updated");
	json_decref(settings);
}

/* --- what a job's compute: names ----------------------------------------- */

const char *mlw_compute_ref_name(const char *value)
{
	const char *s = value, *arm;

	if (mlw_starts_with(s, "azureml:"))
		s += 8;
	arm = strstr(s, "/computes/");
	if (arm && s[0] == '/')
		s = arm + 10;
	if (!mlw_name_ok(MLW_NAME_COMPUTE, s))
		return NULL;
	return s;
}

/* an amlcompute: the partition the config names for it, or here */
static int map_aml(struct mlw_compute **out, char **note,
		   const struct mlw_compute *aml, const char *config_path)
{
	char *key = mlw_xstrfmt("compute.%s.partition", aml->name), *part;
	int ret = mlw_config_get(&part, config_path, key);
	struct mlw_compute *c;

	free(key);
	if (ret < 0)
		return ret;
	if (!ret) {
		*out = mlw_compute_new(aml->name, MLW_COMPUTE_LOCAL);
		*note = mlw_xstrfmt("compute '%s' is an Azure amlcompute; it "
				    "runs on this machine (to send it to a "
				    "Slurm partition, set compute.%s.partition "
				    "in .mlw/config)", aml->name, aml->name);
		return 0;
	}
	c = mlw_compute_new(aml->name, MLW_COMPUTE_SLURM);
	ret = mlw_compute_set(c, "partition", part);
	if (ret)
		mlw_error_prefix("compute.%s.partition in %s", aml->name,
				 config_path);
	if (aml->aml.max_instances > 0)
		c->slurm.nodes = aml->aml.max_instances;
	free(part);
	if (ret) {
		mlw_compute_free(c);
		return ret;
	}
	*out = c;
	*note = mlw_xstrfmt("compute '%s' (amlcompute%s%s) runs on Slurm "
			    "partition '%s'", aml->name, aml->aml.size ?
			    ", size " : "", aml->aml.size ? aml->aml.size : "",
			    c->slurm.partition);
	return 0;
}

/*
 * A target this workspace does not have: MLW_ENOTFOUND, unless the
 * workspace says to run such jobs here (compute.missing = local), as an
 * amlcompute without a mapped partition runs: Azure's specs name their
 * cluster (azureml:cpu-cluster in nearly every example).
 */
static int missing(struct mlw_compute **out, char **note, const char *name,
		   const char *config_path)
{
	char *how = NULL;
	int ret = mlw_config_get(&how, config_path, "compute.missing");

	if (ret < 0)
		return ret;
	if (ret && !strcmp(how, "local")) {
		free(how);
		*out = mlw_compute_new(name, MLW_COMPUTE_LOCAL);
		*note = mlw_xstrfmt("compute '%s' is not a target of this "
				    "workspace; it runs on this machine "
				    "(compute.missing = local in .mlw/config)",
				    name);
		return 0;
	}
	if (ret && strcmp(how, "error")) {
		ret = mlw_error_setc(MLW_EINVALID, "%s: compute.missing is "
				     "'%s'; it may be 'error' (the default) "
				     "or 'local'", config_path, how);
		free(how);
		return ret;
	}
	free(how);
	return mlw_error_setc(MLW_ENOTFOUND, "compute '%s' not found in this "
			      "workspace: create it ('mlw compute create -n "
			      "%s --type slurm --partition P', or -f SPEC), "
			      "or set compute.missing = local in .mlw/config "
			      "to run jobs that name a missing compute on "
			      "this machine", name, name);
}

int mlw_compute_resolve(struct mlw_compute **out, char **note,
			struct mlw_repo *repo, const char *value)
{
	struct mlw_catalog *cat;
	struct mlw_compute *c = NULL;
	const char *name;
	char *config;
	int ret;

	*out = NULL;
	*note = NULL;
	if (!value || !strcmp(value, "local") ||
	    !strcmp(value, "azureml:local") || !strcmp(value, "serverless") ||
	    !strcmp(value, "azureml:serverless")) {
		*out = mlw_compute_new("local", MLW_COMPUTE_LOCAL);
		return 0;
	}
	name = mlw_compute_ref_name(value);
	if (!name)
		return mlw_error_setc(MLW_EINVALID, "compute '%s' names no "
				      "compute target: %s", value,
				      mlw_name_rule(MLW_NAME_COMPUTE));
	ret = mlw_repo_catalog(&cat, repo);
	if (!ret)
		ret = mlw_compute_get(&c, cat, name);
	if (ret && ret != MLW_ENOTFOUND)
		return ret;
	config = mlw_repo_path(repo, "config");
	if (ret) {
		mlw_error_clear();
		ret = missing(out, note, name, config);
	} else if (c->type != MLW_COMPUTE_AML) {
		*out = c;
		c = NULL;
	} else {
		ret = map_aml(out, note, c, config);
	}
	free(config);
	mlw_compute_free(c);
	return ret;
}

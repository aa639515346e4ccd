/*
 * child.c - child runs recorded in batches; see child.h.
 *
 * A child keeps its pending records as a list of operations in the order
 * they came.  A flush applies every child's list inside one transaction
 * and, once it has committed, drops what it applied: records added
 * meanwhile (they wait for the child's lock) stay for the next flush, and
 * a flush that fails leaves everything as it was.
 */
#include "run/child.h"
#include "run/experiment.h"
#include "run/sql.h"
#include "store/catalog.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/name.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum op_kind { OP_STATUS, OP_METRIC, OP_PARAM, OP_TAG, OP_FINISH };

struct op {
	enum op_kind kind;
	char *key, *value;	/* metric key; param or tag; finish: error */
	enum mlw_run_status status;
	double number, time;
	int64_t step;
	int exit_code;
};

struct mlw_child_run {
	pthread_mutex_t lock;
	char *parent, *type, *name, *display_name;
	char *command, *environment;
	int generated;		/* the name is ours to change */
	double created;
	int64_t id;		/* 0 until its creation is committed */
	int64_t new_id;		/* its id in the flush under way */
	int finished;		/* an end is recorded: later records dropped */
	struct op *ops;
	size_t nr_ops, alloc_ops, nr_applied;
};

static void op_release(struct op *op)
{
	free(op->key);
	free(op->value);
}

static struct op *push(struct mlw_child_run *c, enum op_kind kind)
{
	struct op *op;

	MLW_ALLOC_GROW(c->ops, c->nr_ops + 1, c->alloc_ops);
	op = &c->ops[c->nr_ops++];
	memset(op, 0, sizeof(*op));
	op->kind = kind;
	op->time = mlw_now();
	return op;
}

/* a record, unless the end came first; the caller holds the lock */
static struct op *add(struct mlw_child_run *c, enum op_kind kind, double t)
{
	struct op *op;

	if (c->finished)
		return NULL;
	op = push(c, kind);
	if (t > 0)
		op->time = t;
	return op;
}

int mlw_child_run_new(struct mlw_child_run **out,
		      const struct mlw_child_run_request *req)
{
	struct mlw_child_run *c;
	size_t i;

	*out = NULL;
	if (!req->parent || !req->type || !*req->type)
		return mlw_error_setc(MLW_EINVALID, "a child run needs a "
				      "parent and a type");
	if (req->name && mlw_name_check(MLW_NAME_JOB, req->name))
		return MLW_EINVALID;
	c = mlw_calloc(1, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
	c->parent = mlw_strdup(req->parent);
	c->type = mlw_strdup(req->type);
	c->generated = !req->name;
	c->name = req->name ? mlw_strdup(req->name) : mlw_run_new_name();
	c->display_name = req->display_name ?
			  mlw_strdup(req->display_name) : NULL;
	c->command = req->command ? mlw_strdup(req->command) : NULL;
	c->environment = req->environment ? mlw_strdup(req->environment) :
			 NULL;
	c->created = mlw_now();
	for (i = 0; i < req->nr_params; i++) {
		struct op *op = push(c, OP_PARAM);

		op->key = mlw_strdup(req->params[i].key);
		op->value = mlw_strdup(req->params[i].value);
	}
	for (i = 0; i < req->nr_tags; i++) {
		struct op *op = push(c, OP_TAG);

		op->key = mlw_strdup(req->tags[i].key);
		op->value = mlw_strdup(req->tags[i].value);
	}
	*out = c;
	return 0;
}

char *mlw_child_run_name(struct mlw_child_run *c)
{
	char *name;

	pthread_mutex_lock(&c->lock);
	name = mlw_strdup(c->name);
	pthread_mutex_unlock(&c->lock);
	return name;
}

int64_t mlw_child_run_id(struct mlw_child_run *c)
{
	int64_t id;

	pthread_mutex_lock(&c->lock);
	id = c->id;
	pthread_mutex_unlock(&c->lock);
	return id;
}

void mlw_child_run_status(struct mlw_child_run *c, enum mlw_run_status s,
			  double t)
{
	struct op *op;

	if (mlw_run_status_terminal(s))
		BUG("a child run ends with mlw_child_run_finish()");
	pthread_mutex_lock(&c->lock);
	op = add(c, OP_STATUS, t);
	if (op)
		op->status = s;
	pthread_mutex_unlock(&c->lock);
}

void mlw_child_run_metric(struct mlw_child_run *c, const char *key,
			  double value, int64_t step, double t)
{
	struct op *op;

	pthread_mutex_lock(&c->lock);
	op = add(c, OP_METRIC, t);
	if (op) {
		op->key = mlw_strdup(key);
		op->number = value;
		op->step = step;
	}
	pthread_mutex_unlock(&c->lock);
}

static void add_kv(struct mlw_child_run *c, enum op_kind kind,
		   const char *key, const char *value)
{
	struct op *op;

	pthread_mutex_lock(&c->lock);
	op = add(c, kind, 0);
	if (op) {
		op->key = mlw_strdup(key);
		op->value = mlw_strdup(value);
	}
	pthread_mutex_unlock(&c->lock);
}

void mlw_child_run_param(struct mlw_child_run *c, const char *key,
			 const char *value)
{
	add_kv(c, OP_PARAM, key, value);
}

void mlw_child_run_tag(struct mlw_child_run *c, const char *key,
		       const char *value)
{
	add_kv(c, OP_TAG, key, value);
}

void mlw_child_run_finish(struct mlw_child_run *c, enum mlw_run_status s,
			  int exit_code, const char *error, double t)
{
	struct op *op;

	if (!mlw_run_status_terminal(s))
		BUG("a child run ends in a terminal status");
	pthread_mutex_lock(&c->lock);
	op = add(c, OP_FINISH, t);
	if (op) {
		op->status = s;
		op->exit_code = exit_code;
		op->value = error ? mlw_strdup(error) : NULL;
		c->finished = 1;
	}
	pthread_mutex_unlock(&c->lock);
}

int mlw_child_run_pending(struct mlw_child_run *c)
{
	int pending;

	pthread_mutex_lock(&c->lock);
	pending = c->nr_ops > 0 || !c->id;
	pthread_mutex_unlock(&c->lock);
	return pending;
}

/*
 * What a flush shares: the parent read once, this process's start, the
 * statements (each prepared once and reset for the next row: a flush of
 * 256 trials prepares a dozen statements, not thousands) and the ids of
 * the metric keys met so far.
 */
enum {
	ST_INSERT, ST_UPDATE, ST_PARAM, ST_PARAM_GET, ST_TAG, ST_KEY_GET,
	ST_KEY_ADD, ST_LAST_GET, ST_POINT, ST_LAST_SET, ST_NR
};

static const char *const flush_sql[ST_NR] = {
	/* a new child with everything its first flush knows of it */
	[ST_INSERT] = "INSERT INTO runs (name, display_name, experiment,"
	" parent, type, status, created, queued, starting, running,"
	" finalizing, ended, exit_code, error, environment, compute,"
	" command, supervisor_pid, supervisor_start, experiment_id)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
	" ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
	/* a child written before: its new status, as mlw_run_finish() */
	[ST_UPDATE] = "UPDATE runs SET status = ?1,"
	" created = coalesce(?2, created), queued = coalesce(?3, queued),"
	" starting = coalesce(?4, starting), running = coalesce(?5, running),"
	" finalizing = coalesce(?6, finalizing), ended = coalesce(?7, ended),"
	" exit_code = coalesce(?8, exit_code), error = coalesce(?9, error)"
	" WHERE id = ?10 AND status NOT IN ('Completed', 'Failed', 'Canceled')",
	/* params are write-once: a conflict is read back and compared */
	[ST_PARAM] = "INSERT INTO run_params (run, key, value) VALUES (?1, ?2,"
	" ?3) ON CONFLICT (run, key) DO NOTHING",
	[ST_PARAM_GET] = "SELECT value FROM run_params WHERE run = ?1"
	" AND key = ?2",
	[ST_TAG] = "INSERT INTO run_tags (run, key, value) VALUES (?1, ?2, ?3)"
	" ON CONFLICT (run, key) DO UPDATE SET value = excluded.value",
	[ST_KEY_GET] = "SELECT id FROM metric_keys WHERE name = ?1",
	[ST_KEY_ADD] = "INSERT INTO metric_keys (name) VALUES (?1)",
	[ST_LAST_GET] = "SELECT step, value, time, seq FROM run_metrics_last"
	" WHERE run = ?1 AND key = ?2",
	[ST_POINT] = "INSERT INTO run_metric_points (run, key, step, seq,"
	" value, time) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_LAST_SET] = "INSERT OR REPLACE INTO run_metrics_last (run, key,"
	" step, value, time, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
};

/* a metric key's id in metric_keys */
struct key_id {
	char *name;
	int64_t id;
};

/* one key of one child in this flush: the last point and seq */
struct key_state {
	const char *name;	/* the first op's */
	int64_t id, seq, step;	/* step -1: no point yet */
	double value, time;
};

struct flush {
	struct mlw_catalog *cat;
	struct mlw_run *parent;
	int64_t pid, start;
	sqlite3_stmt *st[ST_NR];
	struct key_id *keys;
	size_t nr_keys, alloc_keys;
	struct key_state *state;	/* the child's keys, reused */
	size_t nr_state, alloc_state;
};

/* statement which, ready for its parameters */
static int stmt(struct flush *f, int which, sqlite3_stmt **out)
{
	if (!f->st[which]) {
		int ret = prep(f->cat, &f->st[which], flush_sql[which]);

		if (ret)
			return ret;
	} else {
		sqlite3_reset(f->st[which]);
		sqlite3_clear_bindings(f->st[which]);
	}
	*out = f->st[which];
	return 0;
}

/* step st, which returns no row: 0 or the catalog error about what */
static int done(struct flush *f, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st), ret = 0;

	if (rc != SQLITE_DONE)
		ret = db_err(f->cat, what);
	sqlite3_reset(st);
	return ret;
}

static void flush_release(struct flush *f)
{
	size_t i;

	for (i = 0; i < ST_NR; i++)
		sqlite3_finalize(f->st[i]);
	for (i = 0; i < f->nr_keys; i++)
		free(f->keys[i].name);
	free(f->keys);
	free(f->state);
	mlw_run_free(f->parent);
}

/*
 * A child's status records of this flush folded into one change: the
 * last status, each time column as the last record that stamps it, the
 * end's exit code and error.
 */
enum { T_CREATED, T_QUEUED, T_STARTING, T_RUNNING, T_FINALIZING, T_ENDED,
       T_NR };

struct fold {
	int set;			/* a status record came */
	enum mlw_run_status status;
	double times[T_NR];		/* 0: not stamped */
	int exit_code;			/* < 0: none */
	const char *error;
};

static void fold_status(struct fold *fo, const struct mlw_child_run *c)
{
	size_t i;

	memset(fo, 0, sizeof(*fo));
	fo->exit_code = -1;
	for (i = 0; i < c->nr_ops; i++) {
		const struct op *op = &c->ops[i];
		int col;

		if (op->kind != OP_STATUS && op->kind != OP_FINISH)
			continue;
		col = mlw_run_status_terminal(op->status) ? T_ENDED :
		      (int)op->status;
		fo->set = 1;
		fo->status = op->status;
		fo->times[col] = op->time;
		if (op->kind == OP_FINISH) {
			if (op->exit_code >= 0)
				fo->exit_code = op->exit_code;
			if (op->value)
				fo->error = op->value;
		}
	}
}

static void bind_time(sqlite3_stmt *st, int i, double t)
{
	if (t)
		sqlite3_bind_double(st, i, t);
}

/*
 * The child's row, of its parent's experiment, with this process as its
 * supervisor and its status as this flush leaves it; a generated name
 * that is taken is replaced.
 */
static int insert(struct flush *f, struct mlw_child_run *c,
		  const struct fold *fo)
{
	sqlite3_stmt *st;
	int tries, rc, ret, t;

	if (!f->parent || strcmp(f->parent->name, c->parent)) {
		mlw_run_free(f->parent);
		f->parent = NULL;
		ret = mlw_run_get(&f->parent, f->cat, c->parent);
		if (!ret && !f->parent->experiment_id)
			ret = mlw_experiment_ensure(&f->parent->experiment_id,
						    f->cat,
						    f->parent->experiment);
		if (ret)
			return ret;
	}
	for (tries = 0; tries < 20; tries++) {
		ret = stmt(f, ST_INSERT, &st);
		if (ret)
			return ret;
		bind_str(st, 1, c->name);
		bind_str(st, 2, c->display_name);
		bind_str(st, 3, f->parent->experiment);
		bind_str(st, 4, c->parent);
		bind_str(st, 5, c->type);
		bind_str(st, 6, mlw_run_status_name(fo->set ? fo->status :
						    MLW_RUN_NOT_STARTED));
		sqlite3_bind_double(st, 7, fo->times[T_CREATED] ?
				    fo->times[T_CREATED] : c->created);
		for (t = T_QUEUED; t < T_NR; t++)
			bind_time(st, 8 + t - T_QUEUED, fo->times[t]);
		if (fo->exit_code >= 0)
			sqlite3_bind_int(st, 13, fo->exit_code);
		bind_str(st, 14, fo->error);
		bind_str(st, 15, c->environment);
		bind_str(st, 16, f->parent->compute);
		bind_str(st, 17, c->command);
		sqlite3_bind_int64(st, 18, f->pid);
		sqlite3_bind_int64(st, 19, f->start);
		sqlite3_bind_int64(st, 20, f->parent->experiment_id);
		rc = sqlite3_step(st);
		if (rc == SQLITE_DONE) {
			sqlite3_reset(st);
			c->new_id = sqlite3_last_insert_rowid(
				mlw_catalog_db(f->cat));
			return 0;
		}
		if (rc != SQLITE_CONSTRAINT) {
			ret = db_err(f->cat, "recording run");
			sqlite3_reset(st);
			return ret;
		}
		sqlite3_reset(st);
		if (!c->generated)
			break;
		free(c->name);
		c->name = mlw_run_new_name();
	}
	if (!c->generated)
		return mlw_error_setc(MLW_EEXISTS, "job '%s' already exists",
				      c->name);
	return mlw_error_set("cannot find a free job name");
}

/* a child written before: its status records of this flush */
static int update(struct flush *f, struct mlw_child_run *c,
		  const struct fold *fo)
{
	sqlite3_stmt *st;
	struct mlw_run *run;
	int t, ret = stmt(f, ST_UPDATE, &st);

	if (ret)
		return ret;
	bind_str(st, 1, mlw_run_status_name(fo->status));
	for (t = T_CREATED; t < T_NR; t++)
		bind_time(st, 2 + t, fo->times[t]);
	if (fo->exit_code >= 0)
		sqlite3_bind_int(st, 8, fo->exit_code);
	bind_str(st, 9, fo->error);
	sqlite3_bind_int64(st, 10, c->id);
	ret = done(f, st, "updating run status");
	if (ret || sqlite3_changes(mlw_catalog_db(f->cat)))
		return ret;
	ret = mlw_run_get(&run, f->cat, c->name);
	if (ret)
		return ret;
	ret = mlw_error_setc(MLW_EEXISTS, "job '%s' has already ended (%s)",
			     c->name, mlw_run_status_name(run->status));
	mlw_run_free(run);
	return ret;
}

static int param(struct flush *f, int64_t id, const struct op *op)
{
	sqlite3_stmt *st;
	const char *old;
	int rc, ret = stmt(f, ST_PARAM, &st);

	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, op->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, op->value, -1, SQLITE_STATIC);
	ret = done(f, st, "recording param");
	if (ret || sqlite3_changes(mlw_catalog_db(f->cat)))
		return ret;
	/* there already: the same value is fine */
	ret = stmt(f, ST_PARAM_GET, &st);
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, op->key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		ret = db_err(f->cat, "reading params");
	} else {
		old = (const char *)sqlite3_column_text(st, 0);
		if (!old || strcmp(old, op->value))
			ret = mlw_error_setc(MLW_EEXISTS, "param '%s' is "
					     "already '%s'; params are "
					     "write-once", op->key,
					     old ? old : "");
	}
	sqlite3_reset(st);
	return ret;
}

static int tag(struct flush *f, int64_t id, const struct op *op)
{
	sqlite3_stmt *st;
	int ret = stmt(f, ST_TAG, &st);

	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, op->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, op->value, -1, SQLITE_STATIC);
	return done(f, st, "recording tag");
}

/* the id of metric key name, added to metric_keys when new */
static int key_id(struct flush *f, const char *name, int64_t *id)
{
	sqlite3_stmt *st;
	size_t i;
	int rc, ret;

	for (i = 0; i < f->nr_keys; i++)
		if (!strcmp(f->keys[i].name, name)) {
			*id = f->keys[i].id;
			return 0;
		}
	ret = stmt(f, ST_KEY_GET, &st);
	if (ret)
		return ret;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		ret = db_err(f->cat, "reading metrics");
	sqlite3_reset(st);
	if (!ret && rc == SQLITE_DONE) {
		/* a key never logged before, by any run */
		ret = stmt(f, ST_KEY_ADD, &st);
		if (ret)
			return ret;
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		ret = done(f, st, "recording metric key");
		*id = sqlite3_last_insert_rowid(mlw_catalog_db(f->cat));
	}
	if (ret)
		return ret;
	MLW_ALLOC_GROW(f->keys, f->nr_keys + 1, f->alloc_keys);
	f->keys[f->nr_keys].name = mlw_strdup(name);
	f->keys[f->nr_keys++].id = *id;
	return 0;
}

/*
 * The state of key in child id's metrics: a child new in this flush has
 * no points yet; one written before has its last point read back.
 */
static int key_state(struct flush *f, int64_t id, int is_new,
		     const char *key, struct key_state **out)
{
	struct key_state *k;
	sqlite3_stmt *st;
	size_t i;
	int rc, ret;

	for (i = 0; i < f->nr_state; i++)
		if (!strcmp(f->state[i].name, key)) {
			*out = &f->state[i];
			return 0;
		}
	MLW_ALLOC_GROW(f->state, f->nr_state + 1, f->alloc_state);
	k = &f->state[f->nr_state];
	memset(k, 0, sizeof(*k));
	k->name = key;
	k->step = -1;
	ret = key_id(f, key, &k->id);
	if (!ret && !is_new) {
		ret = stmt(f, ST_LAST_GET, &st);
		if (ret)
			return ret;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			k->step = sqlite3_column_int64(st, 0);
			k->value = col_value(st, 1);
			k->time = sqlite3_column_double(st, 2);
			k->seq = sqlite3_column_int64(st, 3);
		} else if (rc != SQLITE_DONE) {
			ret = db_err(f->cat, "reading metrics");
		}
		sqlite3_reset(st);
	}
	if (ret)
		return ret;
	f->nr_state++;
	*out = k;
	return 0;
}

/* a metric point; the last one of its key is kept in k */
static int metric(struct flush *f, int64_t id, int is_new,
		  const struct op *op)
{
	struct key_state *k;
	sqlite3_stmt *st;
	int64_t step = op->step;
	int ret = key_state(f, id, is_new, op->key, &k);

	if (!ret)
		ret = stmt(f, ST_POINT, &st);
	if (ret)
		return ret;
	if (step < 0)
		step = k->step + 1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, k->id);
	sqlite3_bind_int64(st, 3, step);
	sqlite3_bind_int64(st, 4, ++k->seq);
	bind_value(st, 5, op->number);
	sqlite3_bind_double(st, 6, op->time);
	/* the last value is the one at the highest step, latest on ties */
	if (step >= k->step) {
		k->step = step;
		k->value = op->number;
		k->time = op->time;
	}
	return done(f, st, "recording metric");
}

/* run_metrics_last for the keys the child logged in this flush */
static int metrics_last(struct flush *f, int64_t id)
{
	sqlite3_stmt *st;
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < f->nr_state; i++) {
		const struct key_state *k = &f->state[i];

		ret = stmt(f, ST_LAST_SET, &st);
		if (ret)
			break;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, k->name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, k->step);
		bind_value(st, 4, k->value);
		sqlite3_bind_double(st, 5, k->time);
		sqlite3_bind_int64(st, 6, k->seq);
		ret = done(f, st, "recording metric");
	}
	return ret;
}

/*
 * The child's pending records, in the flush's transaction: a child new
 * here is one row with its status as the flush leaves it (not a row and
 * an update per status), then its params, tags and metric points.
 */
static int apply(struct flush *f, struct mlw_child_run *c)
{
	struct fold fo;
	int64_t id;
	size_t i;
	int is_new = !c->id, ret = 0;

	c->new_id = 0;
	f->nr_state = 0;
	fold_status(&fo, c);
	if (is_new)
		ret = insert(f, c, &fo);
	else if (fo.set)
		ret = update(f, c, &fo);
	id = is_new ? c->new_id : c->id;
	for (i = 0; !ret && i < c->nr_ops; i++) {
		const struct op *op = &c->ops[i];

		switch (op->kind) {
		case OP_METRIC:
			ret = metric(f, id, is_new, op);
			break;
		case OP_PARAM:
			ret = param(f, id, op);
			break;
		case OP_TAG:
			ret = tag(f, id, op);
			break;
		case OP_STATUS:
		case OP_FINISH:
			break;	/* folded */
		}
	}
	if (!ret)
		ret = metrics_last(f, id);
	c->nr_applied = c->nr_ops;
	if (ret)
		mlw_error_prefix("job '%s'", c->name);
	return ret;
}

/* after the commit: what was applied is written */
static void applied(struct mlw_child_run *c)
{
	size_t i;

	if (!c->id)
		c->id = c->new_id;
	for (i = 0; i < c->nr_applied; i++)
		op_release(&c->ops[i]);
	if (c->nr_ops > c->nr_applied)
		memmove(c->ops, c->ops + c->nr_applied,
			(c->nr_ops - c->nr_applied) * sizeof(*c->ops));
	c->nr_ops -= c->nr_applied;
	c->nr_applied = 0;
}

static int cmp_ptr(const void *a, const void *b)
{
	const struct mlw_child_run *x = *(struct mlw_child_run *const *)a;
	const struct mlw_child_run *y = *(struct mlw_child_run *const *)b;

	return x < y ? -1 : x > y;
}

int64_t mlw_child_run_flush_id(const struct mlw_child_run *c)
{
	return c->id ? c->id : c->new_id;
}

int mlw_child_run_flush(struct mlw_catalog *cat,
			struct mlw_child_run *const *runs, size_t nr)
{
	return mlw_child_run_flush_with(cat, runs, nr, NULL, NULL);
}

int mlw_child_run_flush_with(struct mlw_catalog *cat,
			     struct mlw_child_run *const *runs, size_t nr,
			     int (*then)(struct mlw_catalog *cat, void *data),
			     void *data)
{
	struct mlw_child_run **sorted;
	struct flush f;
	size_t i, n = 0;
	int ret;

	if (!nr && !then)
		return 0;
	memset(&f, 0, sizeof(f));
	f.cat = cat;
	f.pid = getpid();
	/* locked in address order: two flushes never wait on each other */
	sorted = mlw_calloc(nr + 1, sizeof(*sorted));
	if (nr) {
		memcpy(sorted, runs, nr * sizeof(*sorted));
		qsort(sorted, nr, sizeof(*sorted), cmp_ptr);
	}
	for (i = 0; i < nr; i++)
		if (!n || sorted[n - 1] != sorted[i])
			sorted[n++] = sorted[i];
	for (i = 0; i < n; i++)
		pthread_mutex_lock(&sorted[i]->lock);
	f.start = mlw_proc_start_time(f.pid);
	ret = mlw_catalog_begin(cat);
	for (i = 0; !ret && i < n; i++)
		ret = apply(&f, sorted[i]);
	/* no statement may be running at COMMIT */
	for (i = 0; i < ST_NR; i++)
		if (f.st[i])
			sqlite3_reset(f.st[i]);
	if (!ret && then)
		ret = then(cat, data);
	if (!ret)
		ret = mlw_catalog_commit(cat);
	else
		mlw_catalog_rollback(cat);
	for (i = 0; i < n; i++) {
		if (!ret)
			applied(sorted[i]);
		else
			sorted[i]->nr_applied = sorted[i]->new_id = 0;
		pthread_mutex_unlock(&sorted[i]->lock);
	}
	flush_release(&f);
	free(sorted);
	return ret;
}

void mlw_child_run_free(struct mlw_child_run *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->nr_ops; i++)
		op_release(&c->ops[i]);
	free(c->ops);
	free(c->parent);
	free(c->type);
	free(c->name);
	free(c->display_name);
	free(c->command);
	free(c->environment);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

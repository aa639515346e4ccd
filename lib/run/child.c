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

/* what a flush shares: the parent read once, this process's start */
struct flush {
	struct mlw_catalog *cat;
	struct mlw_run *parent;
	int64_t pid, start;
};

/*
 * The child's row, of its parent's experiment, with this process as its
 * supervisor; a generated name that is taken is replaced.
 */
static int insert(struct flush *f, struct mlw_child_run *c)
{
	struct mlw_run run;
	int tries, ret;

	if (!f->parent || strcmp(f->parent->name, c->parent)) {
		mlw_run_free(f->parent);
		f->parent = NULL;
		ret = mlw_run_get(&f->parent, f->cat, c->parent);
		if (ret)
			return ret;
	}
	memset(&run, 0, sizeof(run));
	run.display_name = c->display_name;
	run.experiment = f->parent->experiment;
	run.parent = c->parent;
	run.type = c->type;
	run.status = MLW_RUN_NOT_STARTED;
	run.times[MLW_RUN_NOT_STARTED] = c->created;
	run.compute = f->parent->compute;
	run.command = c->command;
	run.environment = c->environment;
	run.git_dirty = -1;
	for (tries = 0; tries < 20; tries++) {
		run.name = c->name;
		ret = mlw_run_insert(f->cat, &run);
		if (ret != MLW_EEXISTS || !c->generated)
			break;
		mlw_error_clear();
		free(c->name);
		c->name = mlw_run_new_name();
	}
	if (!ret)
		ret = mlw_run_set_supervisor(f->cat, c->name, f->pid, f->start,
					     0);
	if (!ret)
		c->new_id = run.id;
	return ret;
}

static int apply_op(struct flush *f, struct mlw_child_run *c, int64_t id,
		    const struct op *op, struct mlw_metric_writer **mw)
{
	switch (op->kind) {
	case OP_METRIC:
		if (!*mw) {
			int ret = mlw_metric_writer_new(mw, f->cat, id);

			if (ret)
				return ret;
		}
		return mlw_metric_writer_add(*mw, op->key, op->number,
					     op->step, op->time);
	case OP_PARAM:
		return mlw_run_log_param(f->cat, id, op->key, op->value);
	case OP_TAG:
		return mlw_run_set_tag(f->cat, id, op->key, op->value);
	case OP_STATUS:
		return mlw_run_set_status(f->cat, c->name, op->status,
					  op->time);
	case OP_FINISH:
		return mlw_run_finish(f->cat, c->name, op->status, op->time,
				      op->exit_code, op->value, NULL);
	}
	BUG("unknown child run record %d", (int)op->kind);
}

/* the child's pending records, in the flush's transaction */
static int apply(struct flush *f, struct mlw_child_run *c)
{
	struct mlw_metric_writer *mw = NULL;
	size_t i;
	int ret = 0;

	c->new_id = 0;
	if (!c->id)
		ret = insert(f, c);
	for (i = 0; !ret && i < c->nr_ops; i++)
		ret = apply_op(f, c, c->id ? c->id : c->new_id, &c->ops[i],
			       &mw);
	if (mw && !ret)
		ret = mlw_metric_writer_finish(mw);
	else if (mw)
		mlw_metric_writer_abort(mw);
	c->nr_applied = i;
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

int mlw_child_run_flush(struct mlw_catalog *cat,
			struct mlw_child_run *const *runs, size_t nr)
{
	struct mlw_child_run **sorted;
	struct flush f = { cat, NULL, getpid(), 0 };
	size_t i, n = 0;
	int ret;

	if (!nr)
		return 0;
	/* locked in address order: two flushes never wait on each other */
	sorted = mlw_calloc(nr, sizeof(*sorted));
	memcpy(sorted, runs, nr * sizeof(*sorted));
	qsort(sorted, nr, sizeof(*sorted), cmp_ptr);
	for (i = 0; i < nr; i++)
		if (!n || sorted[n - 1] != sorted[i])
			sorted[n++] = sorted[i];
	for (i = 0; i < n; i++)
		pthread_mutex_lock(&sorted[i]->lock);
	f.start = mlw_proc_start_time(f.pid);
	ret = mlw_catalog_begin(cat);
	for (i = 0; !ret && i < n; i++)
		ret = apply(&f, sorted[i]);
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
	mlw_run_free(f.parent);
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

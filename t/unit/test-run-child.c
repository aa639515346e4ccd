/*
 * test-run-child.c - child runs (run/child.h) recorded from several
 * threads through a connection pool (run/pool.h), and listed by parent.
 */
#include "tap.h"
#include "run/child.h"
#include "run/pool.h"
#include "run/run.h"
#include "store/catalog.h"
#include "store/repo.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TRIALS 60		/* per thread */
#define POINTS 10		/* per trial */
#define BATCH 8			/* trials a flush */

static char dir[] = "/tmp/mlw-test-run-child-XXXXXX";
static struct mlw_repo *repo;
static struct mlw_run_pool *pool;

struct worker {
	pthread_t thread;
	int index;
	int ret;
};

/* one thread's trials: created, run, finished, flushed in batches */
static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct mlw_child_run *batch[BATCH];
	size_t nr = 0;
	int i, k;

	for (i = 0; !w->ret && i < TRIALS; i++) {
		char alpha[32], *name = mlw_xstrfmt("trial_%d_%d", w->index, i);
		struct mlw_run_kv param = { "alpha", alpha };
		struct mlw_child_run_request req;
		struct mlw_child_run *c;

		snprintf(alpha, sizeof(alpha), "%d", i);
		memset(&req, 0, sizeof(req));
		req.parent = "sweep_parent";
		req.type = "sweep_trial";
		req.name = name;
		req.params = &param;
		req.nr_params = 1;
		w->ret = mlw_child_run_new(&c, &req);
		free(name);
		if (w->ret)
			break;
		mlw_child_run_status(c, MLW_RUN_RUNNING, 0);
		for (k = 0; k < POINTS; k++)
			mlw_child_run_metric(c, "loss", 1.0 / (k + 1 + i), -1,
					     0);
		mlw_child_run_finish(c, i % 7 ? MLW_RUN_COMPLETED :
				     MLW_RUN_CANCELED, -1,
				     i % 7 ? NULL : "stopped early", 0);
		batch[nr++] = c;
		if (nr == BATCH || i == TRIALS - 1) {
			struct mlw_catalog *cat;

			w->ret = mlw_run_pool_get(&cat, pool);
			if (!w->ret) {
				w->ret = mlw_child_run_flush(cat, batch, nr);
				mlw_run_pool_put(pool, cat);
			}
			while (nr)
				mlw_child_run_free(batch[--nr]);
		}
	}
	return NULL;
}

struct counts {
	int children, completed, canceled, own_pid, experiment, params;
};

static int count_child(struct mlw_run *run, void *data)
{
	struct counts *n = data;

	n->children++;
	n->completed += run->status == MLW_RUN_COMPLETED;
	n->canceled += run->status == MLW_RUN_CANCELED &&
		       run->error && !strcmp(run->error, "stopped early");
	n->own_pid += run->supervisor_pid == getpid();
	n->experiment += !strcmp(run->experiment, "exp");
	mlw_run_free(run);
	return 0;
}

static void test_threads(struct mlw_catalog *cat)
{
	struct worker w[2];
	struct mlw_run_filter f;
	struct counts n;
	struct mlw_run *run;
	int i;

	for (i = 0; i < 2; i++) {
		w[i].index = i;
		w[i].ret = 0;
		pthread_create(&w[i].thread, NULL, worker_main, &w[i]);
	}
	for (i = 0; i < 2; i++)
		pthread_join(w[i].thread, NULL);
	ok(!w[0].ret && !w[1].ret, "two threads record their trials: %s",
	   w[0].ret || w[1].ret ? mlw_error_last() : "ok");
	memset(&f, 0, sizeof(f));
	f.parent = "sweep_parent";
	f.status = -1;
	memset(&n, 0, sizeof(n));
	ok(!mlw_run_foreach(cat, &f, count_child, &n), "listed by parent");
	is_int(n.children, 2 * TRIALS, "every child is there");
	is_int(n.completed + n.canceled, 2 * TRIALS, "each ended as told");
	is_int(n.canceled, 2 * ((TRIALS + 6) / 7), "with its reason");
	is_int(n.own_pid, 2 * TRIALS, "this process is their supervisor");
	is_int(n.experiment, 2 * TRIALS, "in the parent's experiment");
	ok(!mlw_run_get(&run, cat, "trial_1_5") &&
	   !mlw_run_load_details(cat, run), "a child reads back");
	ok(run->nr_params == 1 && !strcmp(run->params[0].value, "5"),
	   "its param");
	ok(run->nr_metrics == 1 && run->metrics[0].value == 1.0 / 15,
	   "its last metric value");
	ok(run->times[MLW_RUN_RUNNING] > 0 &&
	   run->times[MLW_RUN_ENDED_TIME] >= run->times[MLW_RUN_RUNNING],
	   "its times");
	is_str(run->type, "sweep_trial", "its type");
	mlw_run_free(run);
	f.parent = "trial_0_0";
	memset(&n, 0, sizeof(n));
	mlw_run_foreach(cat, &f, count_child, &n);
	is_int(n.children, 0, "a child has no children");
}

static void test_failures(struct mlw_catalog *cat)
{
	struct mlw_child_run_request req;
	struct mlw_child_run *c, *d;
	struct mlw_run *run = NULL;
	char *name;
	int64_t id;

	memset(&req, 0, sizeof(req));
	req.parent = "no_such_parent";
	req.type = "sweep_trial";
	ok(!mlw_child_run_new(&c, &req), "a child with a generated name");
	name = mlw_child_run_name(c);
	ok(name && strlen(name) > 4, "its name is known at once: %s", name);
	is_int(mlw_child_run_flush(cat, &c, 1), MLW_ENOTFOUND,
	       "a parent that does not exist");
	ok(mlw_child_run_pending(c) && !mlw_child_run_id(c),
	   "nothing was written, all is pending");
	ok(mlw_run_get_id(&id, cat, name) == MLW_ENOTFOUND,
	   "the child is not there");
	free(name);
	mlw_child_run_free(c);

	req.parent = "sweep_parent";
	req.name = "trial_0_1";
	ok(!mlw_child_run_new(&c, &req), "a child named as another");
	req.name = "fresh_one";
	ok(!mlw_child_run_new(&d, &req), "and one with a free name");
	{
		struct mlw_child_run *both[2] = { d, c };

		is_int(mlw_child_run_flush(cat, both, 2), MLW_EEXISTS,
		       "the name taken fails the batch");
	}
	ok(mlw_run_get_id(&id, cat, "fresh_one") == MLW_ENOTFOUND,
	   "its other children with it");
	ok(!mlw_child_run_flush(cat, &d, 1), "alone, the other goes in");
	ok(mlw_child_run_id(d) > 0 && !mlw_child_run_pending(d),
	   "it has its id, nothing pending");
	mlw_child_run_finish(d, MLW_RUN_FAILED, 2, "bad", 0);
	mlw_child_run_metric(d, "late", 1, -1, 0);
	ok(!mlw_child_run_flush(cat, &d, 1), "its end is written");
	if (!mlw_run_get(&run, cat, "fresh_one") &&
	    !mlw_run_load_details(cat, run)) {
		is_str(mlw_run_status_name(run->status), "Failed", "Failed");
		ok(run->has_exit_code && run->exit_code == 2 &&
		   !strcmp(run->error, "bad"), "with its code and reason");
		is_int(run->nr_metrics, 0, "a record after the end dropped");
	}
	mlw_run_free(run);
	mlw_child_run_free(c);
	mlw_child_run_free(d);
	req.name = "../x";
	is_int(mlw_child_run_new(&c, &req), MLW_EINVALID,
	       "a name that is a path is refused");
}

/* a flush's then: a param on the child, and the id it saw */
struct hook {
	struct mlw_child_run *c;
	int64_t id;
	int calls;
	int fail;
};

static int then(struct mlw_catalog *cat, void *data)
{
	struct hook *h = data;
	int ret = 0;

	h->calls++;
	if (h->c) {
		h->id = mlw_child_run_flush_id(h->c);
		ret = mlw_run_log_param(cat, h->id, "hooked", "yes");
	}
	if (!ret && h->fail)
		ret = mlw_error_setc(MLW_EINVALID, "the hook fails");
	return ret;
}

static void test_then(struct mlw_catalog *cat)
{
	struct mlw_child_run_request req;
	struct mlw_child_run *c;
	struct mlw_run *run = NULL;
	struct hook h;
	int64_t id;

	memset(&req, 0, sizeof(req));
	req.parent = "sweep_parent";
	req.type = "sweep_trial";
	req.name = "hooked_one";
	ok(!mlw_child_run_new(&c, &req), "a child for a flush with a hook");
	mlw_child_run_finish(c, MLW_RUN_COMPLETED, 0, NULL, 0);
	memset(&h, 0, sizeof(h));
	h.c = c;
	h.fail = 1;
	is_int(mlw_child_run_flush_with(cat, &c, 1, then, &h), MLW_EINVALID,
	       "the hook's error is the flush's");
	ok(h.calls == 1 && h.id > 0, "the hook saw the child's new id");
	ok(mlw_run_get_id(&id, cat, "hooked_one") == MLW_ENOTFOUND,
	   "the child is rolled back with what the hook wrote");
	ok(mlw_child_run_pending(c) && !mlw_child_run_id(c),
	   "and it is all pending still");
	h.fail = 0;
	ok(!mlw_child_run_flush_with(cat, &c, 1, then, &h),
	   "flushed again, the hook succeeding");
	is_int(h.id, mlw_child_run_id(c), "the hook saw the id it has now");
	if (!mlw_run_get(&run, cat, "hooked_one") &&
	    !mlw_run_load_details(cat, run)) {
		ok(run->status == MLW_RUN_COMPLETED && run->nr_params == 1 &&
		   !strcmp(run->params[0].key, "hooked"),
		   "the child and the hook's param committed together");
	} else {
		ok(0, "the child reads back: %s", mlw_error_last());
	}
	mlw_run_free(run);
	mlw_child_run_free(c);
	memset(&h, 0, sizeof(h));
	ok(!mlw_child_run_flush_with(cat, NULL, 0, then, &h) && h.calls == 1,
	   "with no child, the hook still runs");
	ok(!mlw_child_run_flush(cat, NULL, 0), "no child, no hook: nothing");
}

int main(void)
{
	struct mlw_catalog *cat;
	struct mlw_run parent;

	if (!mkdtemp(dir) || mlw_repo_init(dir) ||
	    mlw_repo_discover(&repo, dir, NULL) ||
	    mlw_repo_catalog(&cat, repo)) {
		ok(0, "a workspace: %s", mlw_error_last());
		return done_testing();
	}
	memset(&parent, 0, sizeof(parent));
	parent.name = "sweep_parent";
	parent.experiment = "exp";
	parent.type = "sweep";
	parent.status = MLW_RUN_RUNNING;
	parent.times[MLW_RUN_NOT_STARTED] = mlw_now();
	parent.git_dirty = -1;
	ok(!mlw_run_insert(cat, &parent), "a parent run");
	ok(!mlw_run_pool_new(&pool, repo, 2), "a pool of two connections");
	test_threads(cat);
	test_failures(cat);
	test_then(cat);
	mlw_run_pool_free(pool);
	mlw_repo_free(repo);
	mlw_remove_tree(dir);
	return done_testing();
}

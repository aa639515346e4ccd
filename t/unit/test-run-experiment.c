/*
 * test-run-experiment.c - experiments with stable ids (run/experiment.h):
 * the migration from existing runs, create, ensure, rename, delete and
 * restore, tags, listing.
 */
#include "tap.h"
#include "run/experiment.h"
#include "run/run.h"
#include "store/catalog.h"
#include "store/repo.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/strutil.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

static char dir[] = "/tmp/mlw-test-run-experiment-XXXXXX";

static int64_t run_experiment(struct mlw_catalog *cat, const char *name,
			      char **experiment)
{
	struct mlw_run *run;
	int64_t id = -1;

	if (!mlw_run_get(&run, cat, name)) {
		id = run->experiment_id;
		if (experiment)
			*experiment = mlw_strdup(run->experiment);
		mlw_run_free(run);
	}
	return id;
}

static int insert_run(struct mlw_catalog *cat, const char *name,
		      const char *experiment)
{
	struct mlw_run run;

	memset(&run, 0, sizeof(run));
	run.name = (char *)name;
	run.experiment = (char *)experiment;
	run.type = "command";
	run.times[MLW_RUN_NOT_STARTED] = mlw_now();
	run.git_dirty = -1;
	return mlw_run_insert(cat, &run);
}

static int count(struct mlw_experiment *e, void *data)
{
	struct mlw_strlist *names = data;

	mlw_strlist_push(names, e->name);
	mlw_experiment_free(e);
	return 0;
}

static void test_migration(struct mlw_catalog *cat)
{
	struct mlw_experiment *e;

	/* runs recorded before the experiments table existed */
	ok(!sqlite3_exec(mlw_catalog_db(cat),
			 "INSERT INTO runs (name, experiment, type, status,"
			 " created) VALUES"
			 " ('r1', 'beta', 'command', 'Completed', 10),"
			 " ('r2', 'alpha', 'command', 'Completed', 20),"
			 " ('r3', 'beta', 'command', 'Completed', 30)",
			 NULL, NULL, NULL), "runs from before");
	ok(!mlw_run_schema_use(cat), "the run layer's tables are made");
	is_int(run_experiment(cat, "r1", NULL), 1,
	       "the experiment of the first run is 1");
	is_int(run_experiment(cat, "r2", NULL), 2, "the next one 2");
	is_int(run_experiment(cat, "r3", NULL), 1, "runs linked to theirs");
	ok(!mlw_experiment_get(&e, cat, 1), "experiment 1 reads back");
	is_str(e->name, "beta", "by its name");
	ok(e->created == 10 && e->lifecycle == MLW_EXPERIMENT_ACTIVE,
	   "created with its first run, active");
	mlw_experiment_free(e);
}

static void test_lifecycle(struct mlw_catalog *cat)
{
	struct mlw_experiment_filter f = { -1, 0, 0 };
	struct mlw_strlist names = MLW_STRLIST_INIT;
	struct mlw_experiment *e;
	char *experiment = NULL;
	int64_t id, again;

	ok(!insert_run(cat, "r4", "gamma"), "a run in a new experiment");
	is_int(run_experiment(cat, "r4", NULL), 3, "creates it, id 3");
	ok(!mlw_experiment_ensure(&again, cat, "gamma") && again == 3,
	   "ensure finds it again");
	is_int(mlw_experiment_create(&id, cat, "gamma", NULL), MLW_EEXISTS,
	   "create refuses a name taken");
	is_int(mlw_experiment_create(&id, cat, "../x", NULL), MLW_EINVALID,
	       "and a name that is a path");
	ok(!mlw_experiment_create(&id, cat, "delta", "file:///tmp/a") &&
	   id == 4, "create gives the next id");
	ok(!mlw_experiment_get_by_name(&e, cat, "delta") &&
	   !strcmp(e->artifact_location, "file:///tmp/a"),
	   "with its artifact location");
	mlw_experiment_free(e);

	ok(!mlw_experiment_rename(cat, 3, "gamma2"), "a rename");
	is_int(run_experiment(cat, "r4", &experiment), 3, "keeps the id");
	is_str(experiment, "gamma2", "and renames its runs' experiment");
	free(experiment);
	is_int(mlw_experiment_rename(cat, 3, "beta"), MLW_EEXISTS,
	       "a rename to a name taken is refused");
	is_int(mlw_experiment_rename(cat, 99, "zeta"), MLW_ENOTFOUND,
	       "and of an experiment that is not");

	ok(!mlw_experiment_set_lifecycle(cat, 3, MLW_EXPERIMENT_DELETED),
	   "deleted");
	is_int(insert_run(cat, "r5", "gamma2"), MLW_EINVALID,
	       "no run is added to a deleted experiment");
	ok(strstr(mlw_error_last(), "is deleted"), "saying so: %s",
	   mlw_error_last());
	is_int(mlw_experiment_create(&id, cat, "gamma2", NULL), MLW_EEXISTS,
	       "its name stays taken");
	f.lifecycle = MLW_EXPERIMENT_ACTIVE;
	mlw_experiment_foreach(cat, &f, count, &names);
	is_int(names.nr, 3, "the active ones are listed");
	mlw_strlist_release(&names);
	ok(!mlw_experiment_set_lifecycle(cat, 3, MLW_EXPERIMENT_ACTIVE),
	   "restored");
	ok(!insert_run(cat, "r5", "gamma2"), "runs may be added again");

	f.lifecycle = -1;
	f.after_id = 1;
	f.max_results = 2;
	mlw_experiment_foreach(cat, &f, count, &names);
	ok(names.nr == 2 && !strcmp(names.items[0], "alpha") &&
	   !strcmp(names.items[1], "gamma2"), "a page: after an id, by id");
	mlw_strlist_release(&names);
}

static void test_tags(struct mlw_catalog *cat)
{
	struct mlw_experiment *e;
	double before;

	ok(!mlw_experiment_get(&e, cat, 2), "an experiment");
	before = e->updated;
	mlw_experiment_free(e);
	ok(!mlw_experiment_set_tag(cat, 2, "team", "a") &&
	   !mlw_experiment_set_tag(cat, 2, "owner", "me") &&
	   !mlw_experiment_set_tag(cat, 2, "team", "b"), "tags set");
	ok(!mlw_experiment_get(&e, cat, 2), "read back");
	ok(e->nr_tags == 2 && !strcmp(e->tags[0].key, "owner") &&
	   !strcmp(e->tags[1].value, "b"), "by key, the last write wins");
	ok(e->updated >= before, "its update time moves");
	mlw_experiment_free(e);
	ok(!mlw_experiment_delete_tag(cat, 2, "team"), "a tag removed");
	is_int(mlw_experiment_delete_tag(cat, 2, "team"), MLW_ENOTFOUND,
	       "twice: not found");
	is_int(mlw_experiment_set_tag(cat, 42, "k", "v"), MLW_ENOTFOUND,
	       "no tag on an experiment that is not");
	ok(!mlw_experiment_get(&e, cat, 2) && e->nr_tags == 1,
	   "one tag left");
	mlw_experiment_free(e);
}

int main(void)
{
	struct mlw_catalog *cat;
	struct mlw_repo *repo;

	if (!mkdtemp(dir) || mlw_repo_init(dir) ||
	    mlw_repo_discover(&repo, dir, NULL) ||
	    mlw_repo_catalog(&cat, repo)) {
		ok(0, "a workspace: %s", mlw_error_last());
		return done_testing();
	}
	test_migration(cat);
	test_lifecycle(cat);
	test_tags(cat);
	mlw_repo_free(repo);
	mlw_remove_tree(dir);
	return done_testing();
}
